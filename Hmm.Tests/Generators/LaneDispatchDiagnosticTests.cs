using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Hmm.Tests.Generators;

/// <summary>One test per HMMGEN diagnostic: ID, severity, the identifier it points at, and no output.</summary>
public class LaneDispatchDiagnosticTests
{
    private const string Lane = "where TL : struct, ILane<TV> where TV : struct";

    /// <summary>Asserts exactly one generator diagnostic and returns the source text its location covers.</summary>
    private static string AssertSingle(GeneratorResult result, string id, DiagnosticSeverity severity)
    {
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Empty(result.DispatchHintNames);

        // The generator rebuilds locations from path + spans (its models hold no syntax trees), so the tree is
        // found by path; the line span must agree with the text span.
        FileLinePositionSpan lineSpan = diagnostic.Location.GetLineSpan();
        Assert.Equal(GeneratorTestHelper.SourcePath, lineSpan.Path);
        SyntaxTree tree = result.Output.SyntaxTrees.Single(t => t.FilePath == lineSpan.Path);
        Assert.Equal(tree.GetLineSpan(diagnostic.Location.SourceSpan).Span, lineSpan.Span);
        return tree.GetText().ToString(diagnostic.Location.SourceSpan);
    }

    private static GeneratorResult Run(string members, string typeDeclaration = "public static partial class Kernels") =>
        GeneratorTestHelper.Run($$"""
            using System;
            using Hmm.Simd;
            namespace Sample
            {
                public interface IOp<T> { }
                {{typeDeclaration}}
                {
                    {{members}}
                }
            }
            """);

    [Fact]
    public void HMMGEN001_InstanceMethod()
    {
        GeneratorResult result = Run($"[LaneDispatch] public void Forward<TL, TV>() {Lane} {{ }}", "public partial class Kernels");

        Assert.Equal("Forward", AssertSingle(result, "HMMGEN001", DiagnosticSeverity.Error));
    }

    [Fact]
    public void HMMGEN002_ContainingTypeNotPartial()
    {
        GeneratorResult result = Run($"[LaneDispatch] public static void Forward<TL, TV>() {Lane} {{ }}", "public static class Kernels");

        Assert.Equal("Kernels", AssertSingle(result, "HMMGEN002", DiagnosticSeverity.Error));
    }

    [Fact]
    public void HMMGEN002_OuterTypeNotPartial()
    {
        GeneratorResult result = Run(
            $"public static partial class Inner {{ [LaneDispatch] public static void Forward<TL, TV>() {Lane} {{ }} }}",
            "public class Outer");

        Assert.Equal("Outer", AssertSingle(result, "HMMGEN002", DiagnosticSeverity.Error));
        Assert.Contains("Sample.Outer", result.Diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Forward<TL>() where TL : struct, ILane<float>")]
    [InlineData("Forward<TL, TV>() where TL : ILane<TV> where TV : struct")]
    [InlineData("Forward<TL, TV>() where TL : struct, ILane<float> where TV : struct")]
    [InlineData("Forward<TL, TV>() where TL : struct, ILane<TV> where TV : IComparable")]
    [InlineData("Forward<TV, TL>() where TL : struct, ILane<TV> where TV : struct")]
    [InlineData("Forward()")]
    public void HMMGEN003_NotLaneShaped(string signature)
    {
        GeneratorResult result = Run($"[LaneDispatch] public static void {signature} {{ }}");

        Assert.Equal("Forward", AssertSingle(result, "HMMGEN003", DiagnosticSeverity.Error));
    }

    [Fact]
    public void HMMGEN004_GenericContainingType()
    {
        GeneratorResult result = Run($"[LaneDispatch] public static void Forward<TL, TV>() {Lane} {{ }}", "public static partial class Kernels<T>");

        Assert.Equal("Kernels", AssertSingle(result, "HMMGEN004", DiagnosticSeverity.Error));
    }

    [Fact]
    public void HMMGEN005_DispatcherSignatureAlreadyDeclared()
    {
        GeneratorResult result = Run($$"""
            [LaneDispatch] public static void Forward<TL, TV, TOp>(ref float x, TOp[] ops) {{Lane}} where TOp : struct { }
            public static void Forward<TOther>(SimdWidth width, out float y, TOther[] others) where TOther : struct => y = 0;
            """);

        Assert.Equal("Forward", AssertSingle(result, "HMMGEN005", DiagnosticSeverity.Warning));
    }

    [Fact]
    public void HMMGEN005_NotReportedForADifferentOverload()
    {
        GeneratorResult result = Run($$"""
            [LaneDispatch] public static void Forward<TL, TV, TOp>(ref float x, TOp[] ops) {{Lane}} where TOp : struct { }
            public static void Forward<TOther>(SimdWidth width, float y, TOther[] others) where TOther : struct { }
            public static void Forward<TOther>(SimdWidth width, ref float y, TOther others) where TOther : struct { }
            """);

        Assert.Empty(result.Diagnostics);
        Assert.Single(result.DispatchHintNames);
    }

    [Fact]
    public void HMMGEN006_KeptConstraintMentionsLaneType()
    {
        GeneratorResult result = Run($"[LaneDispatch] public static void Forward<TL, TV, TOp>() {Lane} where TOp : struct, IOp<TV> {{ }}");

        Assert.Equal("TOp", AssertSingle(result, "HMMGEN006", DiagnosticSeverity.Error));
    }

    [Fact]
    public void HMMGEN007_ParameterMentionsLaneType()
    {
        GeneratorResult result = Run($"[LaneDispatch] public static void Forward<TL, TV>(int count, Span<TV> registers) {Lane} {{ }}");

        Assert.Equal("Span<TV>", AssertSingle(result, "HMMGEN007", DiagnosticSeverity.Error));
    }

    [Fact]
    public void HMMGEN007_ReturnTypeMentionsLaneType()
    {
        GeneratorResult result = Run($"[LaneDispatch] public static TL[] Forward<TL, TV>() {Lane} => new TL[0];");

        Assert.Equal("TL[]", AssertSingle(result, "HMMGEN007", DiagnosticSeverity.Error));
    }

    [Fact]
    public void InvalidMethod_DoesNotStopValidMethodsOfTheSameType()
    {
        GeneratorResult result = Run($$"""
            [LaneDispatch] public static void Good<TL, TV>() {{Lane}} { }
            [LaneDispatch] public static void Bad<TL>() where TL : struct { }
            """);

        Assert.Equal("HMMGEN003", Assert.Single(result.Diagnostics).Id);
        string text = result.Source("Sample.Kernels.LaneDispatch.g.cs");
        Assert.Contains(" Good(", text, StringComparison.Ordinal);
        Assert.DoesNotContain(" Bad(", text, StringComparison.Ordinal);
    }
}

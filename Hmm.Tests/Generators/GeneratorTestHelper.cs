using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Hmm.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Hmm.Tests.Generators;

/// <summary>Builds test compilations and runs <see cref="LaneDispatchGenerator"/> over them.</summary>
internal static class GeneratorTestHelper
{
    public const string SourcePath = "/src/Source.cs";

    /// <summary>
    /// Stand-ins for the Hmm.Core lane types, so the tests do not depend on Hmm.Core (which others edit) and can
    /// compile the generated code both with and without NET8_0_OR_GREATER.
    /// </summary>
    public const string LaneStub = """
        namespace Hmm.Simd
        {
            public interface ILane<TV> where TV : struct { }
            public enum SimdWidth { Auto, Scalar, VectorT, Vector128, Vector256, Vector512 }
            public struct LaneScalar : ILane<float> { }
            public struct LaneVectorT : ILane<global::System.Numerics.Vector<float>> { }
        #if NET8_0_OR_GREATER
            public struct Lane128 : ILane<global::System.Runtime.Intrinsics.Vector128<float>> { }
            public struct Lane256 : ILane<global::System.Runtime.Intrinsics.Vector256<float>> { }
            public struct Lane512 : ILane<global::System.Runtime.Intrinsics.Vector512<float>> { }
        #endif
        }
        """;

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            // The test host also loads Hmm.* assemblies; the stub source declares those types itself.
            .Where(static path => !Path.GetFileName(path).StartsWith("Hmm.", StringComparison.Ordinal))
            .Select(static path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray());

    private static readonly string[] Net8Symbols = { "NET8_0_OR_GREATER" };

    public static CSharpParseOptions ParseOptions(bool net8 = true) =>
        new(LanguageVersion.Latest, preprocessorSymbols: net8 ? Net8Symbols : Array.Empty<string>());

    public static SyntaxTree Parse(string source, string path, bool net8 = true) =>
        CSharpSyntaxTree.ParseText(source, ParseOptions(net8), path);

    /// <summary>The stub plus <paramref name="source"/> (at <see cref="SourcePath"/>).</summary>
    public static CSharpCompilation CreateCompilation(string source, bool net8 = true) =>
        CreateCompilation(net8, Parse(source, SourcePath, net8));

    public static CSharpCompilation CreateCompilation(bool net8, params SyntaxTree[] trees) =>
        CSharpCompilation.Create(
            "GeneratorTests",
            new[] { Parse(LaneStub, "/src/LaneStub.cs", net8) }.Concat(trees),
            References.Value,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                allowUnsafe: true));

    /// <summary>A driver that records every step's run reason (for the caching tests).</summary>
    public static GeneratorDriver CreateDriver(bool net8 = true) =>
        CSharpGeneratorDriver.Create(
            new[] { new LaneDispatchGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions(net8),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once over <paramref name="source"/>.</summary>
    public static GeneratorResult Run(string source, bool net8 = true)
    {
        CSharpCompilation compilation = CreateCompilation(source, net8);
        GeneratorDriver driver = CreateDriver(net8).RunGeneratorsAndUpdateCompilation(
            compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return new GeneratorResult(driver.GetRunResult().Results.Single(), output, diagnostics);
    }
}

/// <summary>One generator run: its result, the compilation with the generated trees added, and its diagnostics.</summary>
internal sealed record GeneratorResult(GeneratorRunResult RunResult, Compilation Output, ImmutableArray<Diagnostic> Diagnostics)
{
    /// <summary>The generated text for <paramref name="hintName"/>; fails the test when it is absent.</summary>
    public string Source(string hintName)
    {
        GeneratedSourceResult? match = RunResult.GeneratedSources.FirstOrDefault(s => s.HintName == hintName);
        if (match is not { } found)
        {
            throw new InvalidOperationException(
                $"No generated source '{hintName}'; generated: {string.Join(", ", RunResult.GeneratedSources.Select(s => s.HintName))}");
        }
        return found.SourceText.ToString();
    }

    /// <summary>Hint names other than the post-initialization ones (attribute and EmbeddedAttribute).</summary>
    public string[] DispatchHintNames => RunResult.GeneratedSources
        .Select(s => s.HintName)
        .Where(h => h.EndsWith(".LaneDispatch.g.cs", StringComparison.Ordinal))
        .ToArray();
}

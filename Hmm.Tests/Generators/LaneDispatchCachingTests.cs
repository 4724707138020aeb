using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Hmm.Generators;
using Hmm.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace Hmm.Tests.Generators;

/// <summary>Incremental caching of the pipeline and value equality of its models.</summary>
public class LaneDispatchCachingTests
{
    private static readonly string[] StepNames =
    {
        TrackingNames.MethodResults,
        TrackingNames.Diagnostics,
        TrackingNames.Methods,
        TrackingNames.CollectedMethods,
        TrackingNames.Types,
    };

    private const string KernelsSource = """
        using System;
        using Hmm.Simd;
        namespace Sample
        {
            // A comment the edit test changes.
            public static partial class Kernels
            {
                [LaneDispatch]
                public static void Forward<TL, TV>(ref float total, ReadOnlySpan<float> data) where TL : struct, ILane<TV> where TV : struct { }

                [LaneDispatch]
                public static float Sum<TL, TV, TOp>(float[] data) where TL : struct, ILane<TV> where TV : struct where TOp : struct => 0f;
            }

            public static partial class Other
            {
                [LaneDispatch]
                public static void Run<TL, TV>() where TL : struct, ILane<TV> where TV : struct { }
            }
        }
        """;

    // An invalid method in its own file, so that the diagnostics step has output to cache too.
    private const string InvalidSource = """
        using Hmm.Simd;
        namespace Sample
        {
            public partial class Broken
            {
                [LaneDispatch]
                public void NotStatic<TL, TV>() where TL : struct, ILane<TV> where TV : struct { }
            }
        }
        """;

    private static (GeneratorDriver Driver, Compilation Compilation) RunOnce()
    {
        Compilation compilation = GeneratorTestHelper.CreateCompilation(
            true,
            GeneratorTestHelper.Parse(KernelsSource, "/src/Kernels.cs"),
            GeneratorTestHelper.Parse(InvalidSource, "/src/Broken.cs"));
        GeneratorDriver driver = GeneratorTestHelper.CreateDriver().RunGenerators(compilation);
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        Assert.Equal(2, first.GeneratedSources.Count(s => s.HintName.EndsWith(".LaneDispatch.g.cs", StringComparison.Ordinal)));
        Assert.Equal("HMMGEN001", Assert.Single(first.Diagnostics).Id);
        return (driver, compilation);
    }

    private static void AssertAllStepsCached(GeneratorRunResult result)
    {
        foreach (string name in StepNames)
        {
            Assert.True(result.TrackedSteps.TryGetValue(name, out ImmutableArray<IncrementalGeneratorRunStep> steps), $"step {name} was not tracked");
            IEnumerable<(object Value, IncrementalStepRunReason Reason)> outputs = steps.SelectMany(s => s.Outputs);
            Assert.NotEmpty(outputs);
            Assert.All(outputs, output => Assert.True(
                output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"{name}: {output.Reason}"));
        }

        // The source outputs (files and diagnostics) must not run again at all.
        ImmutableArray<IncrementalGeneratorRunStep> sourceOutputs = result.TrackedOutputSteps[WellKnownGeneratorOutputs.SourceOutput];
        IEnumerable<(object Value, IncrementalStepRunReason Reason)> outputSteps = sourceOutputs.SelectMany(s => s.Outputs);
        Assert.NotEmpty(outputSteps);
        Assert.All(outputSteps, output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    [Fact]
    public void AddingAnUnrelatedFile_KeepsEveryStepCached()
    {
        (GeneratorDriver driver, Compilation compilation) = RunOnce();

        Compilation changed = compilation.AddSyntaxTrees(
            GeneratorTestHelper.Parse("namespace Sample { internal static class Unrelated { } }", "/src/Unrelated.cs"));
        driver = driver.RunGenerators(changed, TestContext.Current.CancellationToken);

        AssertAllStepsCached(driver.GetRunResult().Results.Single());
    }

    [Fact]
    public void EditingACommentInTheKernelsFile_ReRunsTheTransformButNotTheOutput()
    {
        (GeneratorDriver driver, Compilation compilation) = RunOnce();
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == "/src/Kernels.cs");

        // The comment sits above the methods, but the model holds no positions, so it compares equal.
        Compilation changed = compilation.ReplaceSyntaxTree(old, GeneratorTestHelper.Parse(
            KernelsSource.Replace("A comment the edit test changes.", "An edited, much longer comment.", StringComparison.Ordinal),
            "/src/Kernels.cs"));
        driver = driver.RunGenerators(changed, TestContext.Current.CancellationToken);

        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Contains(
            result.TrackedSteps[TrackingNames.MethodResults].SelectMany(s => s.Outputs),
            output => output.Reason == IncrementalStepRunReason.Unchanged);
        AssertAllStepsCached(result);
    }

    private static MethodResult BuildModel(string source, string methodName)
    {
        Compilation compilation = GeneratorTestHelper.CreateCompilation(source);
        SyntaxTree tree = compilation.SyntaxTrees.Single(t => t.FilePath == GeneratorTestHelper.SourcePath);
        MethodDeclarationSyntax syntax = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>()
            .Single(m => m.Identifier.ValueText == methodName);
        IMethodSymbol symbol = compilation.GetSemanticModel(tree).GetDeclaredSymbol(syntax)!;
        return LaneDispatchModelBuilder.Build(syntax, symbol, default);
    }

    [Fact]
    public void Models_FromSeparateCompilationsOfTheSameSource_AreEqual()
    {
        MethodResult first = BuildModel(KernelsSource, "Sum"), second = BuildModel(KernelsSource, "Sum");

        Assert.NotSame(first, second);
        Assert.NotNull(first.Method);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.Equal(first.Method!.Parameters, second.Method!.Parameters);

        ImmutableArray<TypeDispatchModel> firstTypes = LaneDispatchModelBuilder.GroupByType(ImmutableArray.Create(first.Method));
        ImmutableArray<TypeDispatchModel> secondTypes = LaneDispatchModelBuilder.GroupByType(ImmutableArray.Create(second.Method));
        Assert.Equal(firstTypes.Single(), secondTypes.Single());

        Assert.NotEqual(first, BuildModel(KernelsSource, "Forward"));
    }

    [Fact]
    public void DiagnosticModels_FromSeparateCompilationsOfTheSameSource_AreEqual()
    {
        MethodResult first = BuildModel(InvalidSource, "NotStatic"), second = BuildModel(InvalidSource, "NotStatic");

        Assert.Null(first.Method);
        Assert.Single(first.Diagnostics);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
    }

    [Fact]
    public void EquatableArray_ComparesByValue()
    {
        EquatableArray<string> a = new List<string> { "x", "y" }.ToEquatableArray();
        EquatableArray<string> b = new List<string> { "x", "y" }.ToEquatableArray();

        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.True(a != ImmutableArray.Create("y", "x").ToEquatableArray());
        Assert.NotEqual(a, ImmutableArray.Create("x").ToEquatableArray());
        // default(EquatableArray<T>) behaves as empty, so an uninitialised model field still compares sensibly.
        Assert.Equal(EquatableArray<string>.Empty, default);
        Assert.Empty(default(EquatableArray<string>));
    }
}

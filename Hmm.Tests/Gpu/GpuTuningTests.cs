using System;
using Hmm.Gpu;
using Xunit;

namespace Hmm.Tests.Gpu;

/// <summary>
/// The tuning string of the internal kernel knobs (<c>HMM_GPU_TUNING</c>, which the benchmark harness sets): parsed over a
/// copy of the options, and every unknown key or bad value refused with the variable, key and value in the message.
/// </summary>
public sealed class GpuTuningTests
{
    [Fact]
    public void A_tuning_string_sets_the_knobs_on_a_copy()
    {
        var options = new GpuEngineOptions { Profiling = true, EmissionPrecision = EmissionPrecision.Half, HalfPrecisionMaxFrameError = 2.5, DeviceMemoryBudget = 4096 };
        var tuned = GpuTuning.Apply(options,
            " RowSplit=2, scanmaxstride = 4 ,PackSequences=false,TimeChunkFrames=-1,TensorCoreEmissions=false,TensorCoreRecursion=auto,"
            + "SpecializeKernels=true,GaussianBlockColumns=3,ScaledDenseStep=False,CpuWarpSize=32,Optimization=O2,,RowSplit=4,"
            + "TimeVaryingStaged=false,TimeVaryingSplit=4,HsmmGlobalKernels=true");

        Assert.NotSame(options, tuned);
        Assert.Equal(4, tuned.RowSplit); // a later entry wins
        Assert.Equal(4, tuned.ScanMaxStride);
        Assert.False(tuned.PackSequences);
        Assert.Equal(-1, tuned.TimeChunkFrames);
        Assert.False(tuned.TensorCoreEmissions);
        Assert.Null(tuned.TensorCoreRecursion);
        Assert.True(tuned.SpecializeKernels);
        Assert.Equal(3, tuned.GaussianBlockColumns);
        Assert.False(tuned.ScaledDenseStep);
        Assert.Equal(32, tuned.CpuWarpSize);
        Assert.Equal(ILGPU.OptimizationLevel.O2, tuned.Optimization);
        Assert.True(tuned.HsmmGlobalKernels);
        Assert.False(options.HsmmGlobalKernels);
        Assert.False(tuned.TimeVaryingStaged);
        Assert.Equal(4, tuned.TimeVaryingSplit);
        Assert.True(options.TimeVaryingStaged);
        // The public settings come along; the caller's instance keeps its defaults.
        Assert.True(tuned.Profiling);
        Assert.Equal(EmissionPrecision.Half, tuned.EmissionPrecision);
        Assert.Equal(2.5, tuned.HalfPrecisionMaxFrameError);
        Assert.Equal(4096, tuned.DeviceMemoryBudget);
        Assert.Equal(0, options.RowSplit);
        Assert.True(options.PackSequences);
        Assert.Equal(0, options.TimeChunkFrames);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData(",")]
    public void No_tuning_keeps_the_defaults(string? tuning)
    {
        var tuned = GpuTuning.Apply(new GpuEngineOptions(), tuning);
        Assert.Equal(0, tuned.RowSplit);
        Assert.Equal(0, tuned.ScanMaxStride);
        Assert.Equal(0, tuned.TimeChunkFrames);
        Assert.True(tuned.PackSequences);
        Assert.True(tuned.ScaledDenseStep);
        Assert.Null(tuned.SpecializeKernels);
        Assert.Null(tuned.TensorCoreEmissions);
        Assert.Null(tuned.TensorCoreRecursion);
        Assert.Null(tuned.Optimization);
    }

    [Fact]
    public void An_unknown_key_is_refused_by_name()
    {
        var ex = Assert.Throws<ArgumentException>(() => GpuTuning.Apply(new GpuEngineOptions(), "RowSplit=2,RowSplits=4"));
        Assert.Contains("HMM_GPU_TUNING", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'RowSplits'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'4'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("RowSplit,", ex.Message, StringComparison.Ordinal); // the known keys are listed
    }

    [Theory]
    [InlineData("RowSplit=two", "RowSplit", "two")]
    [InlineData("ScanMaxStride=1.5", "ScanMaxStride", "1.5")]
    [InlineData("TimeChunkFrames=", "TimeChunkFrames", "")]
    [InlineData("PackSequences=maybe", "PackSequences", "maybe")]
    [InlineData("PackSequences=auto", "PackSequences", "auto")]
    [InlineData("TensorCoreRecursion=1", "TensorCoreRecursion", "1")]
    [InlineData("Optimization=3", "Optimization", "3")]
    [InlineData("Optimization=fastest", "Optimization", "fastest")]
    public void A_bad_value_is_refused_with_its_key(string tuning, string key, string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => GpuTuning.Apply(new GpuEngineOptions(), tuning));
        Assert.Contains("HMM_GPU_TUNING", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{key}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_entry_without_a_value_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => GpuTuning.Apply(new GpuEngineOptions(), "RowSplit=2,PackSequences"));
        Assert.Contains("HMM_GPU_TUNING", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'PackSequences'", ex.Message, StringComparison.Ordinal);
    }
}

using System;
using System.Collections.Generic;
using Hmm.Engine;
using Hmm.Simd;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Dtw;

// One thin subclass per SIMD width (emulated where the processor lacks it, as the HMM suites do).
public abstract class DtwCpuSuite : DtwSuite
{
    protected abstract SimdWidth Width { get; }
    protected override DtwResult[] Align(IReadOnlyList<float[]> x, IReadOnlyList<float[]> y, int dimension, DtwOptions options) =>
        new DtwEngine(Width, 1, allowUnaccelerated: true).AlignBatch(x, y, dimension, options);
}

public sealed class DtwScalar : DtwCpuSuite { protected override SimdWidth Width => SimdWidth.Scalar; }
public sealed class DtwVectorT : DtwCpuSuite { protected override SimdWidth Width => SimdWidth.VectorT; }
public sealed class DtwVector128 : DtwCpuSuite { protected override SimdWidth Width => SimdWidth.Vector128; }
public sealed class DtwVector256 : DtwCpuSuite { protected override SimdWidth Width => SimdWidth.Vector256; }
public sealed class DtwVector512 : DtwCpuSuite { protected override SimdWidth Width => SimdWidth.Vector512; }

/// <summary>The batch on several threads gives what one thread gives.</summary>
public sealed class DtwParallel : DtwSuite
{
    protected override DtwResult[] Align(IReadOnlyList<float[]> x, IReadOnlyList<float[]> y, int dimension, DtwOptions options) =>
        new DtwEngine(SimdWidth.Auto, 3).AlignBatch(x, y, dimension, options);
    protected override long Iterations => 20;
    protected override int MaxBatch => 6;
}

public sealed class DtwBadInputTests
{
    private static readonly DtwEngine Engine = new();

    [Fact]
    public void Empty_sequence_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Engine.Align(Array.Empty<float>(), new float[6], 3));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void Dimension_mismatch_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Engine.Align(new float[6], new float[7], 3));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("dimension 3", e.Message);
    }

    [Fact]
    public void NaN_feature_is_rejected_with_its_frame()
    {
        var y = new float[9];
        y[7] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => Engine.Align(new float[6], y, 3));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("frame 2, dimension 1", e.Message);
    }

    [Fact]
    public void Band_too_narrow_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Engine.Align(new float[10], new float[30], 1, new DtwOptions { WindowRadius = 5 }));
        Assert.Equal("options", e.ParamName);
        Assert.Contains("too narrow", e.Message);
        Assert.Contains("20", e.Message);
    }

    [Fact]
    public void Band_with_subsequence_is_rejected() =>
        Assert.Throws<ArgumentException>(() => Engine.Align(new float[10], new float[30], 1, new DtwOptions { WindowRadius = 50, Subsequence = true }));

    [Fact]
    public void Batch_names_the_bad_pair()
    {
        var e = Assert.Throws<ArgumentException>(() => Engine.AlignBatch(new[] { new float[4], new float[4] }, new[] { new float[4], new float[] { 1, float.PositiveInfinity } }, 1));
        Assert.Equal("second[1]", e.ParamName);
    }

    [Fact]
    public void Batch_lists_of_different_lengths_are_rejected() =>
        Assert.Throws<ArgumentException>(() => Engine.AlignBatch(new[] { new float[4] }, Array.Empty<float[]>(), 1));
}

public sealed class DtwAllocationTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Repeated_calls_allocate_nothing(bool path)
    {
        var engine = new DtwEngine();
        var rng = new Random(1);
        var x = new float[60 * 13];
        var y = new float[70 * 13];
        for (int q = 0; q < x.Length; q++) x[q] = (float)rng.NextDouble();
        for (int q = 0; q < y.Length; q++) y[q] = (float)rng.NextDouble();
        var options = new DtwOptions { ComputePath = path, WindowRadius = 20 };
        var result = new DtwResult();
        long bytes = SteadyAllocation.Bytes(() => engine.Align(x, y, 13, options, result), warmUp: 50, calls: 200);
        Assert.Equal(0, bytes);
    }
}

using System;
using Hmm.Gpu;
using Hmm.Tests.Engine;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Gpu;

// Sequence packing in the one-pass recursion kernel (GpuEngineOptions.PackSequences): for N ≤ 16 states, 32 / L sequences
// (L = the smallest power of two ≥ N) of one pass share a 32-thread group. These engines force the one-pass kernel (time
// chunks off: CUDA would otherwise chunk small batches) and packing on; the suites below draw N ≤ 16 so that packing
// applies to most cases, and the agreement theory checks packed against unpacked bit for bit on batches with empty
// seats, length-0 and length-1 neighbours, and sequences that die mid-way.

/// <summary>Engines with packing forced on or off, both on the one-pass kernel.</summary>
public static class PackedTestEngines
{
    public const int MaxStates = 16;
    public const long Iterations = 3;

    private static readonly Lazy<GpuEngine> CpuPacked = new(() => new GpuEngine(new GpuEngineOptions { ForceCpuAccelerator = true, PackSequences = true, TimeChunkFrames = -1 }));
    private static readonly Lazy<GpuEngine> CpuUnpacked = new(() => new GpuEngine(new GpuEngineOptions { ForceCpuAccelerator = true, PackSequences = false, TimeChunkFrames = -1 }));
    private static readonly Lazy<GpuEngine> CpuWarp32Shuffle = new(() => new GpuEngine(new GpuEngineOptions
    {
        ForceCpuAccelerator = true, PackSequences = true, TimeChunkFrames = -1, ScanMaxStride = 1, CpuWarpSize = 32,
    }));
    private static readonly Lazy<GpuEngine> CpuWarp32Unpacked = new(() => new GpuEngine(new GpuEngineOptions
    {
        ForceCpuAccelerator = true, PackSequences = false, TimeChunkFrames = -1, CpuWarpSize = 32,
    }));
    private static readonly Lazy<GpuEngine> CudaPacked = new(() => CreateCuda(true));
    private static readonly Lazy<GpuEngine> CudaUnpacked = new(() => CreateCuda(false));
    private static readonly Lazy<GpuEngine> CudaShuffle = new(() => CreateCuda(true, scanMaxStride: 1));

    /// <summary>Packing on, one-pass kernel, CPU accelerator.</summary>
    public static GpuEngine Cpu => CpuPacked.Value;

    /// <summary>Packing off, one-pass kernel, CPU accelerator.</summary>
    public static GpuEngine CpuOff => CpuUnpacked.Value;

    /// <summary>
    /// Packing on with the column maximum by warp shuffles within each seat (<c>ScanMaxStride</c> = 1) on a CPU accelerator
    /// whose warps have 32 threads (the default 4-lane warps cannot hold a packed group, so the engine packs there only with
    /// the scan).
    /// </summary>
    public static GpuEngine CpuShuffleMax => CpuWarp32Shuffle.Value;

    /// <summary>
    /// Packing off (scan maximum) on the same 32-lane CPU accelerator as <see cref="CpuShuffleMax"/>: the expected-count kernel's
    /// warp reduction sums in an order that depends on the warp size, so the comparison needs the same warps.
    /// </summary>
    public static GpuEngine CpuWarp32Off => CpuWarp32Unpacked.Value;

    /// <summary>Packing on, one-pass kernel, CUDA (throws without a device).</summary>
    public static GpuEngine Cuda => CudaPacked.Value;

    /// <summary>Packing off, one-pass kernel, CUDA (throws without a device).</summary>
    public static GpuEngine CudaOff => CudaUnpacked.Value;

    /// <summary>
    /// Packing on with the column maximum by warp shuffles within each seat's lanes (<c>ScanMaxStride</c> = 1), CUDA only: the
    /// CPU accelerator's 4-lane warps cannot hold a packed group, so the engine packs there only with the scan.
    /// </summary>
    public static GpuEngine CudaShuffleMax => CudaShuffle.Value;

    private static GpuEngine CreateCuda(bool pack, int scanMaxStride = 0)
    {
        var engine = new GpuEngine(new GpuEngineOptions { PackSequences = pack, TimeChunkFrames = -1, ScanMaxStride = scanMaxStride });
        if (!engine.IsCuda)
        {
            engine.Dispose();
            throw new InvalidOperationException("CUDA test classes ran without a CUDA device.");
        }
        return engine;
    }
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class ForwardPackedIlgpuCpu : ForwardSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(PackedTestEngines.Cpu);
    protected override long Iterations => PackedTestEngines.Iterations;
    protected override int MaxStates => PackedTestEngines.MaxStates;
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class ViterbiPackedIlgpuCpu : ViterbiSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(PackedTestEngines.Cpu);
    protected override long Iterations => PackedTestEngines.Iterations;
    protected override int MaxStates => PackedTestEngines.MaxStates;
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class BackwardPackedIlgpuCpu : BackwardSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(PackedTestEngines.Cpu);
    protected override long Iterations => PackedTestEngines.Iterations;
    protected override int MaxStates => PackedTestEngines.MaxStates;
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class PosteriorPackedIlgpuCpu : PosteriorSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(PackedTestEngines.Cpu);
    protected override long Iterations => PackedTestEngines.Iterations;
    protected override int MaxStates => PackedTestEngines.MaxStates;
}

/// <summary>
/// Packed against unpacked on the same accelerator, bit for bit: forward (scores and lattice), backward (scores and lattice),
/// Viterbi (scores and paths), posteriors (log-likelihoods, state posteriors, expected counts) and the fused GMM decode.
/// The batch has 9 sequences (odd: the last group has empty seats for every pack), with empty and one-frame sequences
/// next to long ones, and two sequences that die (every state impossible at one frame; one at its last frame).
/// </summary>
public abstract class PackedAgreementSuite
{
    protected abstract GpuEngine Packed { get; }
    protected abstract GpuEngine Unpacked { get; }

    [Theory]
    [InlineData(10, false, 90, 7)]
    [InlineData(16, false, 50, 2)]
    [InlineData(8, false, 70, 3)]
    [InlineData(5, true, 60, 5)]
    [InlineData(3, false, 40, 11)]
    [InlineData(2, false, 30, 13)]
    public void Packed_equals_unpacked_bit_for_bit(int states, bool banded, int length, int seed)
    {
        int[] lengths = { length, 0, 1, length / 2, 1, 0, 3, length - 1, 2 };
        var c = new HmmCase(states, banded, Math.Min(3, states), lengths, seed);
        var model = c.Model();
        var emissions = c.Emissions();
        // Sequence 3 dies at frame 5 (mid-way), sequence 7 at its last frame.
        foreach (var (b, t) in new[] { (3, 5), (7, length - 2) })
            for (int j = 0; j < states; j++) emissions.Frame(b, t)[j] = float.NegativeInfinity;
        int batch = emissions.BatchSize;
        int lanes = 1;
        while (lanes < states) lanes <<= 1;
        int pack = 32 / lanes;

        var llA = new double[batch]; var llB = new double[batch];
        var alphaA = new StateLattice(batch, emissions.MaxLength, states); var alphaB = new StateLattice(batch, emissions.MaxLength, states);
        Packed.Forward(model, emissions, llA, alphaA);
        AssertPacked(pack);
        Unpacked.Forward(model, emissions, llB, alphaB);
        AssertUnpacked();
        AssertSame(llB, llA, $"{c} forward");
        AssertSame(alphaB, alphaA, $"{c} alpha");
        Packed.Forward(model, emissions, llA);
        Unpacked.Forward(model, emissions, llB);
        AssertSame(llB, llA, $"{c} forward without lattice");

        var betaA = new StateLattice(batch, emissions.MaxLength, states); var betaB = new StateLattice(batch, emissions.MaxLength, states);
        Packed.Backward(model, emissions, llA, betaA);
        AssertPacked(pack);
        Unpacked.Backward(model, emissions, llB, betaB);
        AssertSame(llB, llA, $"{c} backward");
        AssertSame(betaB, betaA, $"{c} beta");

        var pa = new ViterbiResult(batch, emissions.MaxLength); var pb = new ViterbiResult(batch, emissions.MaxLength);
        Packed.Viterbi(model, emissions, pa);
        AssertPacked(pack);
        Unpacked.Viterbi(model, emissions, pb);
        AssertSame(pb.Scores.ToArray(), pa.Scores.ToArray(), $"{c} viterbi");
        for (int b = 0; b < batch; b++) Assert.Equal(pb.Path(b).ToArray(), pa.Path(b).ToArray());
        Assert.True(double.IsNegativeInfinity(pa.Scores[3]) && double.IsNegativeInfinity(pa.Scores[7]), $"{c}: sequences 3 and 7 should be dead");
        Assert.True(pa.Scores[0] > double.NegativeInfinity, $"{c}: sequence 0 should live");

        var postA = PosteriorResult.For(model, emissions); var postB = PosteriorResult.For(model, emissions);
        Packed.Posteriors(model, emissions, postA);
        AssertPacked(pack);
        Unpacked.Posteriors(model, emissions, postB);
        AssertSame(postB.LogLikelihoods.ToArray(), postA.LogLikelihoods.ToArray(), $"{c} posterior loglik");
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < lengths[b]; t++)
                for (int j = 0; j < states; j++)
                    Assert.True(Same(postB.StatePosteriors[b, t, j], postA.StatePosteriors[b, t, j]), $"{c} gamma[{b},{t},{j}]");
        var countsA = postA.CountArray; var countsB = postB.CountArray;
        for (int i = 0; i < countsB.Length; i++) Assert.True(Same(countsB[i], countsA[i]), $"{c} counts {i}: {countsA[i]:R} vs {countsB[i]:R}");

        // The fused decode (GMM emissions, then forward ‖ Viterbi in one launch).
        var rng = new Random(seed + 100);
        var gmm = RandomModels.Gmm(states, 2, 6, rng);
        var features = RandomModels.Features(6, lengths, rng);
        var dllA = new double[batch]; var dllB = new double[batch];
        var dpA = new ViterbiResult(batch, features.MaxLength); var dpB = new ViterbiResult(batch, features.MaxLength);
        Packed.Decode(gmm, model, features, dllA, dpA);
        AssertPacked(pack);
        Unpacked.Decode(gmm, model, features, dllB, dpB);
        AssertSame(dllB, dllA, $"{c} decode loglik");
        AssertSame(dpB.Scores.ToArray(), dpA.Scores.ToArray(), $"{c} decode score");
        for (int b = 0; b < batch; b++) Assert.Equal(dpB.Path(b).ToArray(), dpA.Path(b).ToArray());
    }

    private void AssertPacked(int pack)
    {
        Assert.Equal(0, Packed.LastRun.CpuFallbackSequences);
        Assert.Equal(pack, Packed.LastRecursionPack);
    }

    private void AssertUnpacked()
    {
        Assert.Equal(0, Unpacked.LastRun.CpuFallbackSequences);
        Assert.Equal(1, Unpacked.LastRecursionPack);
    }

    private static bool Same(double expected, double actual) => BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual);

    private static bool Same(float expected, float actual) => BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual);

    private static void AssertSame(double[] expected, double[] actual, string what)
    {
        for (int b = 0; b < expected.Length; b++) Assert.True(Same(expected[b], actual[b]), $"{what} {b}: packed {actual[b]:R}, unpacked {expected[b]:R}");
    }

    private static void AssertSame(StateLattice expected, StateLattice actual, string what)
    {
        for (int b = 0; b < expected.BatchSize; b++)
            for (int t = 0; t < expected.MaxLength; t++)
                for (int j = 0; j < expected.StateCount; j++)
                    Assert.True(Same(expected[b, t, j], actual[b, t, j]), $"{what}[{b},{t},{j}]: packed {actual[b, t, j]:R}, unpacked {expected[b, t, j]:R}");
    }
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class PackedAgreementIlgpuCpu : PackedAgreementSuite
{
    protected override GpuEngine Packed => PackedTestEngines.Cpu;
    protected override GpuEngine Unpacked => PackedTestEngines.CpuOff;
}

/// <summary>Packed with the shuffle maximum inside each seat (32-lane simulated warps) against unpacked with the scan: the same bits.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class PackedShuffleAgreementIlgpuCpu : PackedAgreementSuite
{
    protected override GpuEngine Packed => PackedTestEngines.CpuShuffleMax;
    protected override GpuEngine Unpacked => PackedTestEngines.CpuWarp32Off;
}

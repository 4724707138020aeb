using System;
using System.Linq;
using Hmm.Gpu;
using Hmm.Testing;
using Hmm.Tests.Support;
using Hmm.Tests.Engine;
using Xunit;

namespace Hmm.Tests.Gpu;

// The parallel-in-time (chunked) recursions on ILGPU's CPU accelerator: an engine that forces chunks of 37 frames, so
// that every sequence longer than that goes through transfer rows, their combination and the replay from boundary
// columns. On the CPU accelerator only the posterior suite (forward + backward replays, gamma and counts against the
// float64 reference) and the agreement theory (forward, Viterbi, backward, posteriors against the one-pass kernels)
// run, to keep CI short; the CUDA harness also runs the forward and Viterbi suites chunked.

[Collection(GpuEngineTestGroup.Name)]
public sealed class PosteriorChunkedIlgpuCpu : PosteriorSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(ChunkedTestEngines.Cpu);
    protected override long Iterations => ChunkedTestEngines.Iterations;
    protected override int MaxStates => ChunkedTestEngines.MaxStates;
    // 400 frames are still eleven 37-frame chunks; the 2,000-frame cases took up to 6 minutes on a busy 2-core CI box.
    protected override int MaxFrames => 400;
}

/// <summary>Chunked against one-pass on the same accelerator: fused decode, forward and Viterbi agree.</summary>
public abstract class ChunkedAgreementSuite
{
    protected abstract GpuEngine Chunked { get; }
    protected abstract GpuEngine OnePass { get; }

    [Theory]
    [InlineData(10, false, 90, 7)]
    [InlineData(16, false, 60, 1)]
    [InlineData(12, true, 80, 3)]
    [InlineData(3, false, 2, 5)]
    public void Chunked_matches_one_pass(int states, bool banded, int length, int seed)
    {
        var c = new HmmCase(states, banded, Math.Min(3, states), new[] { length, length / 2, 0, 1 }, seed);
        var model = c.Model();
        var emissions = c.Emissions();
        int batch = emissions.BatchSize;
        var llA = new double[batch]; var llB = new double[batch];
        Chunked.Forward(model, emissions, llA);
        OnePass.Forward(model, emissions, llB);
        var pa = new ViterbiResult(batch, emissions.MaxLength); var pb = new ViterbiResult(batch, emissions.MaxLength);
        Chunked.Viterbi(model, emissions, pa);
        OnePass.Viterbi(model, emissions, pb);
        var bwA = new double[batch]; var bwB = new double[batch];
        Chunked.Backward(model, emissions, bwA);
        OnePass.Backward(model, emissions, bwB);
        var postA = PosteriorResult.For(model, emissions); var postB = PosteriorResult.For(model, emissions);
        Chunked.Posteriors(model, emissions, postA);
        OnePass.Posteriors(model, emissions, postB);
        var reference = ReferenceHmm.FromBatch(emissions);
        for (int b = 0; b < batch; b++)
        {
            double magnitude = RandomModels.Magnitude(reference[b]);
            Tolerance.LogValue(llB[b], llA[b], magnitude, $"{c} forward {b}");
            Tolerance.LogValue(pb.Scores[b], pa.Scores[b], magnitude, $"{c} viterbi {b}");
            Tolerance.LogValue(bwB[b], bwA[b], magnitude, $"{c} backward {b}");
            Tolerance.LogValue(postB.LogLikelihoods[b], postA.LogLikelihoods[b], magnitude, $"{c} posterior loglik {b}");
            for (int t = 0; t < emissions.Lengths[b]; t++)
                for (int j = 0; j < states; j++)
                    Assert.True(Math.Abs(postA.StatePosteriors[b, t, j] - postB.StatePosteriors[b, t, j]) <= Tolerance.Probability, $"{c} gamma {b},{t},{j}");
            var path = pa.Path(b).ToArray();
            if (path.Length > 0 && !double.IsNegativeInfinity(pa.Scores[b]))
                Tolerance.LogValue(pa.Scores[b], ReferenceHmm.PathScore(model, reference[b], path), magnitude, $"{c} path score {b}");
        }
        var countsA = postA.CountArray; var countsB = postB.CountArray;
        for (int i = 0; i < countsB.Length; i++)
            Assert.True(Math.Abs(countsA[i] - countsB[i]) <= Tolerance.Probability * Math.Max(1, Math.Abs(countsB[i])) + 1e-4 * length, $"{c} counts {i}: {countsA[i]} vs {countsB[i]}");
    }
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class ChunkedAgreementIlgpuCpu : ChunkedAgreementSuite
{
    protected override GpuEngine Chunked => ChunkedTestEngines.Cpu;
    protected override GpuEngine OnePass => GpuTestEngines.Cpu;
}

/// <summary>Engines that force the chunked recursion (chunks of <see cref="Frames"/> frames).</summary>
public static class ChunkedTestEngines
{
    public const int Frames = 37;
    public const int MaxStates = 12;
    public const long Iterations = 2;
    private static readonly Lazy<GpuEngine> CpuAccelerator = new(() => new GpuEngine(new GpuEngineOptions { ForceCpuAccelerator = true, TimeChunkFrames = Frames }));
    private static readonly Lazy<GpuEngine> CudaDevice = new(() =>
    {
        var engine = new GpuEngine(new GpuEngineOptions { TimeChunkFrames = Frames });
        if (!engine.IsCuda)
        {
            engine.Dispose();
            throw new InvalidOperationException("CUDA test classes ran without a CUDA device.");
        }
        return engine;
    });

    public static GpuEngine Cpu => CpuAccelerator.Value;
    public static GpuEngine Cuda => CudaDevice.Value;
}

using Hmm.Gpu;
using Hmm.Speech;
using Hmm.Tests.Engine;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Gpu;

// The abstract suites against the GPU engine on ILGPU's CPU accelerator: the same kernels that run on CUDA,
// executed by ILGPU's simulator, so CI (no GPU) checks them. The simulator runs a thread per GPU thread and a real
// barrier per frame, so these use fewer random cases and smaller models than the SIMD suites; the inherited tests
// that fix their own state limit (alpha, beta, posteriors) still draw up to 20-40 states.

[Collection(GpuEngineTestGroup.Name)]
public sealed class ForwardIlgpuCpu : ForwardSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.Cpu);
    protected override long Iterations => IlgpuCpuLimits.Iterations;
    protected override int MaxStates => IlgpuCpuLimits.MaxStates;
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class BackwardIlgpuCpu : BackwardSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.Cpu);
    protected override long Iterations => IlgpuCpuLimits.Iterations;
    protected override int MaxStates => IlgpuCpuLimits.MaxStates;
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class PosteriorIlgpuCpu : PosteriorSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.Cpu);
    protected override long Iterations => IlgpuCpuLimits.Iterations;
    protected override int MaxStates => IlgpuCpuLimits.MaxStates;
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class ViterbiIlgpuCpu : ViterbiSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.Cpu);
    protected override long Iterations => IlgpuCpuLimits.Iterations;
    protected override int MaxStates => IlgpuCpuLimits.MaxStates;
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class EmissionIlgpuCpu : EmissionSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.Cpu);
    protected override long Iterations => IlgpuCpuLimits.Iterations;
    protected override int MaxStates => IlgpuCpuLimits.MaxStates;
}

/// <summary>
/// Tied-mixture (PTM) emissions through the three tied-mixture kernels on ILGPU's CPU accelerator, nothing on the CPU
/// fallback. The suite's shapes are small (up to 60 states, 3 sequences of 12 frames), so it keeps the full 30 cases.
/// </summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class TiedMixtureIlgpuCpu : TiedMixtureSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.Cpu);
}

/// <summary>Case counts for the CPU-accelerator runs, chosen to keep them well under a minute on two cores.</summary>
internal static class IlgpuCpuLimits
{
    public const long Iterations = 4;
    public const int MaxStates = 32;
}

/// <summary>The scaled step's fallback cases on the CPU accelerator: the recursion kernel's instantiation of the definition.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class ScaledStepIlgpuCpu : ScaledStepSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.Cpu);
    protected override long Iterations => IlgpuCpuLimits.Iterations;
}

/// <summary>As <see cref="ScaledStepIlgpuCpu"/> through the chunked kernels (transfer rows, replay) with 37-frame chunks.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class ScaledStepChunkedIlgpuCpu : ScaledStepSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(ChunkedTestEngines.Cpu);
    protected override long Iterations => ChunkedTestEngines.Iterations;
    protected override int MaxStates => ChunkedTestEngines.MaxStates;
    protected override int MaxLength => 100;
}

/// <summary>
/// The scaled step's hard cases with 2 threads per state (<c>GpuEngineOptions.RowSplit</c>): every-other-row partial sums
/// combined by a warp shuffle, the fallback in the state's first thread. Up to 70 states, so wide columns take several
/// trips over the simulated group.
/// </summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class ScaledStepRowSplit2IlgpuCpu : ScaledStepSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.CpuRowSplit(2));
    protected override long Iterations => IlgpuCpuLimits.Iterations;
}

/// <summary>As <see cref="ScaledStepRowSplit2IlgpuCpu"/> with 4 threads per state (the whole simulated warp of 4 lanes).</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class ScaledStepRowSplit4IlgpuCpu : ScaledStepSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.CpuRowSplit(4));
    protected override long Iterations => IlgpuCpuLimits.Iterations;
}

/// <summary>The random-model forward suite (lattices, dead columns, short sequences) with the scaled step split 4 ways.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class ForwardRowSplit4IlgpuCpu : ForwardSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.CpuRowSplit(4));
    protected override long Iterations => IlgpuCpuLimits.Iterations;
    protected override int MaxStates => IlgpuCpuLimits.MaxStates;
}

/// <summary>The random-model backward suite with the scaled step split 4 ways.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class BackwardRowSplit4IlgpuCpu : BackwardSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.CpuRowSplit(4));
    protected override long Iterations => IlgpuCpuLimits.Iterations;
    protected override int MaxStates => IlgpuCpuLimits.MaxStates;
}

/// <summary>The tied-state passes (gather, statistics and leave-time kernels) on ILGPU's CPU accelerator, nothing on the CPU fallback.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class TiedStateIlgpuCpu : TiedStateSuite
{
    protected override IAlignmentBackend CreateEngine() => new GpuAlignmentBackend(GpuTestEngines.Cpu);
    protected override int Iterations => 15;
    protected override void AfterCall(IAlignmentBackend engine) => Assert.Equal(0, ((GpuAlignmentBackend)engine).Engine.LastRun.CpuFallbackSequences);

    /// <summary>Forced alignment's three passes on one loaded batch: the features go up once, and again after the next load.</summary>
    [Fact]
    public void Loaded_features_go_up_once_for_the_passes_on_them()
    {
        using var engine = new Hmm.Gpu.GpuEngine(new Hmm.Gpu.GpuEngineOptions { ForceCpuAccelerator = true });
        var backend = new GpuAlignmentBackend(engine);
        var rng = new System.Random(11);
        var gmm = RandomModels.Gmm(4, 2, 3, rng);
        var graph = RandomModels.Model(6, banded: true, bandwidth: 2, rng);
        var features = RandomModels.Features(3, new[] { 20, 9 }, rng);
        var ties = new TiedStateBatch(2, 6);
        for (int b = 0; b < 2; b++)
        {
            for (int j = 0; j < 6; j++) ties.Tie(b, j, j % 4, 0f);
            ties.AllowEnd(b, 5);
        }
        var stats = GmmStatistics.For(gmm, 2);
        backend.LoadFeatures(features);
        backend.AccumulateStatistics(gmm, graph, ties, StatisticsThresholds.Default, stats);
        int before = engine.SkippedFeatureUploads;
        backend.AccumulateStatistics(gmm, graph, ties, StatisticsThresholds.Default, stats);
        backend.Align(gmm, graph, ties, new ViterbiResult(2, 20), 1, null, new double[2]);
        Assert.Equal(before + 2, engine.SkippedFeatureUploads);
        features.Frame(1, 3)[0] += 1f;
        backend.LoadFeatures(features);
        backend.AccumulateStatistics(gmm, graph, ties, StatisticsThresholds.Default, stats);
        Assert.Equal(before + 2, engine.SkippedFeatureUploads);
    }

    /// <summary>
    /// The alignment passes upload features too, so with half precision they keep a bound per sequence and report it (on an
    /// engine that has run no emission or decode call before, whose bounds had no room yet).
    /// </summary>
    [Fact]
    public void Half_precision_alignment_passes_report_their_bounds()
    {
        using var engine = new Hmm.Gpu.GpuEngine(new Hmm.Gpu.GpuEngineOptions
        {
            ForceCpuAccelerator = true, EmissionPrecision = Hmm.Gpu.EmissionPrecision.Half, HalfPrecisionMaxFrameError = double.PositiveInfinity,
        });
        var backend = new GpuAlignmentBackend(engine);
        var rng = new System.Random(12);
        var gmm = RandomModels.Gmm(4, 2, 3, rng);
        var graph = RandomModels.Model(6, banded: true, bandwidth: 2, rng);
        var features = RandomModels.Features(3, new[] { 20, 9 }, rng);
        var ties = new TiedStateBatch(2, 6);
        for (int b = 0; b < 2; b++)
        {
            for (int j = 0; j < 6; j++) ties.Tie(b, j, j % 4, 0f);
            ties.AllowEnd(b, 5);
        }
        backend.LoadFeatures(features);
        backend.AccumulateStatistics(gmm, graph, ties, StatisticsThresholds.Default, GmmStatistics.For(gmm, 2));
        AssertHalfBounds(engine.LastRun);
        backend.Align(gmm, graph, ties, new ViterbiResult(2, 20), 1, null, new double[2]);
        AssertHalfBounds(engine.LastRun);

        static void AssertHalfBounds(Hmm.Gpu.GpuRunReport run)
        {
            Assert.Equal(0, run.CpuFallbackSequences);
            Assert.Equal(2, run.HalfPrecisionSequences);
            Assert.Equal(2, run.HalfPrecisionErrorBounds.Length);
            Assert.All(run.HalfPrecisionErrorBounds.ToArray(), bound => Assert.True(bound > 0, $"bound {bound}"));
        }
    }
}

/// <summary>
/// CTC through the GPU engine's kernels on ILGPU's CPU accelerator (the simulator: fewer, smaller cases): forced alignment
/// and log-likelihoods through <see cref="ITiedStateEngine.TiedViterbi"/> (the class log-probabilities gathered on the
/// device), posteriors through the expanded lattice.
/// </summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class CtcIlgpuCpu : Hmm.Tests.Ctc.CtcSuite
{
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.Cpu);
    protected override long Iterations => 6;
    protected override int MaxLabels => 6;
    protected override int MaxBatch => 3;
}

/// <summary>CTC on ILGPU's CPU accelerator with the graph's emissions expanded on the host (the <see cref="IHmmEngine"/> path).</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class CtcExpandedIlgpuCpu : Hmm.Tests.Ctc.CtcSuite
{
    protected override IHmmEngine CreateEngine() => new Hmm.Tests.Ctc.HostGather(new DeviceOnlyEngine(GpuTestEngines.Cpu));
    protected override long Iterations => 4;
    protected override int MaxLabels => 6;
    protected override int MaxBatch => 3;
}

using System.Linq;
using CsCheck;
using Hmm.Gpu;
using Hmm.Speech;
using Hmm.Tests.Engine;
using Hmm.Tests.Support;
using Xunit;

// The same suites on a real CUDA device. Each class's constructor skips its tests (xunit v3 dynamic skip) where no
// CUDA device exists, so that they report skipped there rather than pass without running or fail; on a GPU machine
// they run from the published test executable (README: the GPU bundle).

namespace Hmm.Tests.Gpu;

[Collection(GpuEngineTestGroup.Name)]
public sealed class ForwardCuda : ForwardSuite { public ForwardCuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.Cuda); }

[Collection(GpuEngineTestGroup.Name)]
public sealed class BackwardCuda : BackwardSuite { public BackwardCuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.Cuda); }

[Collection(GpuEngineTestGroup.Name)]
public sealed class PosteriorCuda : PosteriorSuite { public PosteriorCuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.Cuda); }

[Collection(GpuEngineTestGroup.Name)]
public sealed class TiedStateCuda : TiedStateSuite
{
    public TiedStateCuda() => CudaDevice.Require();
    protected override IAlignmentBackend CreateEngine() => new GpuAlignmentBackend(GpuTestEngines.Cuda);
    protected override int Iterations => 150;
    protected override void AfterCall(IAlignmentBackend engine) => Assert.Equal(0, ((GpuAlignmentBackend)engine).Engine.LastRun.CpuFallbackSequences);
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class TiedMixtureCuda : TiedMixtureSuite { public TiedMixtureCuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.Cuda); }

[Collection(GpuEngineTestGroup.Name)]
public sealed class ViterbiCuda : ViterbiSuite { public ViterbiCuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.Cuda); }

[Collection(GpuEngineTestGroup.Name)]
public sealed class EmissionCuda : EmissionSuite { public EmissionCuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.Cuda); }

/// <summary>The FMA emission kernel on the device (the default there is the tensor-core kernel).</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class EmissionFmaCuda : EmissionSuite
{
    public EmissionFmaCuda() => CudaDevice.Require();
    private static readonly System.Lazy<GpuEngine> Engine = new(() => new GpuEngine(new GpuEngineOptions { TensorCoreEmissions = false }));

    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(Engine.Value);

    [Fact]
    public void Fma_kernel_is_used() => Assert.False(Engine.Value.UsesTensorCores(RandomModels.Gmm(10, 4, 80, new System.Random(1))));
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class GpuEngineBehaviourCuda : GpuEngineBehaviourSuite
{
    public GpuEngineBehaviourCuda() => CudaDevice.Require();
    protected override GpuEngine Shared => GpuTestEngines.Cuda;

    protected override GpuEngine Create(GpuEngineOptions options)
    {
        var engine = new GpuEngine(options);
        if (!engine.IsCuda)
        {
            engine.Dispose();
            throw new System.InvalidOperationException("no CUDA device: the CUDA behaviour suite must not pass on the CPU accelerator.");
        }
        return engine;
    }

    [Fact]
    public void Runs_on_cuda() => Assert.True(GpuTestEngines.Cuda.IsCuda);

    /// <summary>The lent H100/H200 have TF32 tensor cores: the default suites on this device run the tensor-core GMM kernel.</summary>
    [Fact]
    public void Emissions_run_on_tensor_cores() => Assert.True(GpuTestEngines.Cuda.UsesTensorCores(RandomModels.Gmm(10, 4, 80, new System.Random(1))));
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class ForwardChunkedCuda : ForwardSuite { public ForwardChunkedCuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(ChunkedTestEngines.Cuda); }

[Collection(GpuEngineTestGroup.Name)]
public sealed class ViterbiChunkedCuda : ViterbiSuite { public ViterbiChunkedCuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(ChunkedTestEngines.Cuda); }

[Collection(GpuEngineTestGroup.Name)]
public sealed class PosteriorChunkedCuda : PosteriorSuite { public PosteriorChunkedCuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(ChunkedTestEngines.Cuda); }

[Collection(GpuEngineTestGroup.Name)]
public sealed class BackwardChunkedCuda : BackwardSuite { public BackwardChunkedCuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(ChunkedTestEngines.Cuda); }

[Collection(GpuEngineTestGroup.Name)]
public sealed class ScaledStepCuda : ScaledStepSuite { public ScaledStepCuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.Cuda); }

[Collection(GpuEngineTestGroup.Name)]
public sealed class ScaledStepChunkedCuda : ScaledStepSuite
{
    public ScaledStepChunkedCuda() => CudaDevice.Require();
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(ChunkedTestEngines.Cuda);
    protected override int MaxLength => 100;
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class ScaledStepRowSplit2Cuda : ScaledStepSuite { public ScaledStepRowSplit2Cuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.CudaRowSplit(2)); }

[Collection(GpuEngineTestGroup.Name)]
public sealed class ScaledStepRowSplit4Cuda : ScaledStepSuite { public ScaledStepRowSplit4Cuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.CudaRowSplit(4)); }

[Collection(GpuEngineTestGroup.Name)]
public sealed class ForwardRowSplit4Cuda : ForwardSuite { public ForwardRowSplit4Cuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.CudaRowSplit(4)); }

[Collection(GpuEngineTestGroup.Name)]
public sealed class BackwardRowSplit4Cuda : BackwardSuite { public BackwardRowSplit4Cuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.CudaRowSplit(4)); }

[Collection(GpuEngineTestGroup.Name)]
public sealed class PosteriorRowSplit2Cuda : PosteriorSuite { public PosteriorRowSplit2Cuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.CudaRowSplit(2)); }

[Collection(GpuEngineTestGroup.Name)]
public sealed class ChunkedAgreementCuda : ChunkedAgreementSuite
{
    public ChunkedAgreementCuda() => CudaDevice.Require();
    protected override GpuEngine Chunked => ChunkedTestEngines.Cuda;
    protected override GpuEngine OnePass => GpuTestEngines.Cuda;
}
// Sequence packing forced on with the one-pass kernel (time chunks off; small batches would otherwise be chunked on CUDA), N ≤ 16.
[Collection(GpuEngineTestGroup.Name)]
public sealed class ForwardPackedCuda : ForwardSuite
{
    public ForwardPackedCuda() => CudaDevice.Require();
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(PackedTestEngines.Cuda);
    protected override int MaxStates => PackedTestEngines.MaxStates;
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class ViterbiPackedCuda : ViterbiSuite
{
    public ViterbiPackedCuda() => CudaDevice.Require();
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(PackedTestEngines.Cuda);
    protected override int MaxStates => PackedTestEngines.MaxStates;
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class BackwardPackedCuda : BackwardSuite
{
    public BackwardPackedCuda() => CudaDevice.Require();
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(PackedTestEngines.Cuda);
    protected override int MaxStates => PackedTestEngines.MaxStates;
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class PosteriorPackedCuda : PosteriorSuite
{
    public PosteriorPackedCuda() => CudaDevice.Require();
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(PackedTestEngines.Cuda);
    protected override int MaxStates => PackedTestEngines.MaxStates;
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class PackedAgreementCuda : PackedAgreementSuite
{
    public PackedAgreementCuda() => CudaDevice.Require();
    protected override GpuEngine Packed => PackedTestEngines.Cuda;
    protected override GpuEngine Unpacked => PackedTestEngines.CudaOff;
}

/// <summary>Packed with the shuffle maximum inside each seat (xor offsets below the seat's width) against unpacked with the scan: the same bits.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class PackedShuffleAgreementCuda : PackedAgreementSuite
{
    public PackedShuffleAgreementCuda() => CudaDevice.Require();
    protected override GpuEngine Packed => PackedTestEngines.CudaShuffleMax;
    protected override GpuEngine Unpacked => PackedTestEngines.CudaOff;
}
/// <summary>The tensor-core dense forward (<see cref="GpuEngineOptions.TensorCoreRecursion"/> forced on: every dense model of up to 128 padded states).</summary>
internal static class TensorRecursionEngines
{
    private static readonly System.Lazy<GpuEngine> Engine = new(() =>
    {
        var engine = new GpuEngine(new GpuEngineOptions { TensorCoreRecursion = true });
        if (!engine.IsCuda)
        {
            engine.Dispose();
            throw new System.InvalidOperationException("no CUDA device: the tensor-core recursion suites must not pass on the CPU accelerator.");
        }
        return engine;
    });

    public static GpuEngine Cuda => Engine.Value;
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class ForwardTensorCuda : ForwardSuite
{
    public ForwardTensorCuda() => CudaDevice.Require();
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(TensorRecursionEngines.Cuda);
    protected override long Iterations => 40;
    protected override int MaxStates => 128;
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class ScaledStepTensorCuda : ScaledStepSuite
{
    public ScaledStepTensorCuda() => CudaDevice.Require();
    protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(TensorRecursionEngines.Cuda);
}

/// <summary>
/// The tensor-core dense forward on batches that fill several 16-sequence groups, with lengths from 0 to 70 (sequences that
/// end early stay frozen while their group runs on), against the float64 reference; and that the path is really taken.
/// </summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class TensorRecursionCuda
{
    public TensorRecursionCuda() => CudaDevice.Require();

    [Fact]
    public void Large_batches_of_mixed_lengths_match_reference()
    {
        var engine = TensorRecursionEngines.Cuda;
        var gen = from n in Gen.Int[1, 112] from batch in Gen.Int[1, 50] from seed in Gen.Int[0, int.MaxValue - 2]
                  select (n, batch, seed);
        gen.Sample(x =>
        {
            var rng = new System.Random(x.seed);
            var model = RandomModels.Model(x.n, false, 1, rng);
            var lengths = new int[x.batch];
            for (int b = 0; b < lengths.Length; b++) lengths[b] = rng.Next(10) == 0 ? 0 : rng.Next(1, 71);
            var emissions = RandomModels.Emissions(x.n, lengths, rng);
            var ll = new double[x.batch];
            engine.Forward(model, emissions, ll);
            Assert.True(engine.LastTensorRecursion, $"N={x.n}: the tensor-core recursion was not taken");
            var reference = Hmm.Testing.ReferenceHmm.FromBatch(emissions);
            for (int b = 0; b < ll.Length; b++)
            {
                double expected = Hmm.Testing.ReferenceHmm.Forward(model, reference[b], out _);
                Tolerance.LogValue(expected, ll[b], RandomModels.Magnitude(reference[b]), $"N={x.n} B={x.batch} seed={x.seed} sequence {b} (length {lengths[b]})");
            }
        }, iter: 40, threads: 1);
    }

    [Fact]
    public void Default_takes_it_where_it_measured_faster()
    {
        using var engine = new GpuEngine();
        var rng = new System.Random(3);
        var model = RandomModels.Model(32, false, 1, rng);
        var emissions = RandomModels.Emissions(32, Enumerable.Repeat(20, 1024).ToArray(), rng);
        engine.Forward(model, emissions, new double[1024]);
        Assert.True(engine.LastTensorRecursion);
        var model64 = RandomModels.Model(64, false, 1, rng);
        Assert.False(engine.UsesTensorRecursion(model64, 256));
        Assert.True(engine.UsesTensorRecursion(model64, 4096));
        Assert.False(engine.UsesTensorRecursion(model, 32));
        Assert.False(engine.UsesTensorRecursion(RandomModels.Model(64, true, 3, rng), 4096)); // banded
        Assert.False(engine.UsesTensorRecursion(RandomModels.Model(120, false, 1, rng), 4096)); // 128 padded states: too wide
        engine.Forward(model, emissions, new double[1024], new StateLattice(1024, 20, 32)); // a lattice takes the one-pass kernel
        Assert.False(engine.LastTensorRecursion);
    }
}

[Collection(GpuEngineTestGroup.Name)]
public sealed class CtcCuda : Hmm.Tests.Ctc.CtcSuite { public CtcCuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new DeviceOnlyEngine(GpuTestEngines.Cuda); }

[Collection(GpuEngineTestGroup.Name)]
public sealed class CtcExpandedCuda : Hmm.Tests.Ctc.CtcSuite { public CtcExpandedCuda() => CudaDevice.Require(); protected override IHmmEngine CreateEngine() => new Hmm.Tests.Ctc.HostGather(new DeviceOnlyEngine(GpuTestEngines.Cuda)); }

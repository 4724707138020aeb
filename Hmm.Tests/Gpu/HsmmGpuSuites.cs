using System;
using Hmm.Engine;
using Hmm.Tests.Hsmm;
using Xunit;

namespace Hmm.Tests.Gpu;

/// <summary>The HSMM kernels on ILGPU's CPU accelerator (what CI runs; the default, shared-memory variant): fewer and shorter cases.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class HsmmIlgpuCpu : HsmmSuite
{
    protected override IHsmmEngine Engine => GpuTestEngines.Cpu.Hsmm;
    protected override long Iterations => 12;
    protected override int MaxLength => 30;
    protected override int MaxDuration => 12;
}

/// <summary>One warp a sequence on the CPU accelerator: each warp serves several states, and lanes visit several cells (D &gt; 32).</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class HsmmIlgpuCpuOneWarp : HsmmSuite
{
    protected override IHsmmEngine Engine
    {
        get
        {
            return new RestoringEngine(GpuTestEngines.Cpu, e => e.HsmmMaxThreads = 1);
        }
    }

    protected override long Iterations => 8;
    protected override int MaxLength => 60;
    protected override int MaxDuration => 45;

}

/// <summary>One sequence a launch on the CPU accelerator (a device-memory budget of one byte): results land at their batch index.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class HsmmIlgpuCpuChunked : HsmmSuite
{
    protected override IHsmmEngine Engine => new RestoringEngine(GpuTestEngines.Cpu, e => e.HsmmChunkBytes = 1);
    protected override long Iterations => 6;
    protected override int MaxLength => 30;
    protected override int MaxDuration => 12;
    protected override int MaxBatch => 4;
}

/// <summary>The global-memory HSMM kernels (<c>HsmmVariant = Global</c>: windows and rows in device memory, host shift and backtrace) on the CPU accelerator.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class HsmmIlgpuCpuGlobal : HsmmSuite
{
    protected override IHsmmEngine Engine => new RestoringEngine(GpuTestEngines.Cpu, e => e.HsmmVariant = Hmm.Gpu.GpuEngine.HsmmKernels.Global);
    protected override long Iterations => 12;
    protected override int MaxLength => 30;
    protected override int MaxDuration => 12;
}

/// <summary>The global-memory kernels with one warp a sequence: each warp serves several states, lanes visit several cells (D &gt; 32).</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class HsmmIlgpuCpuGlobalOneWarp : HsmmSuite
{
    protected override IHsmmEngine Engine => new RestoringEngine(GpuTestEngines.Cpu, e =>
    {
        e.HsmmVariant = Hmm.Gpu.GpuEngine.HsmmKernels.Global;
        e.HsmmMaxThreads = 1;
    });
    protected override long Iterations => 6;
    protected override int MaxLength => 60;
    protected override int MaxDuration => 45;
}

/// <summary>
/// The shared-memory kernels with more states than a warp has lanes and than the group has warps (N up to 40 on 32 warps: warps
/// loop over states, lanes over source states in the transition counts), short durations so that the layout fits 48 KB.
/// </summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class HsmmIlgpuCpuSharedManyStates : HsmmSuite
{
    protected override IHsmmEngine Engine => new RestoringEngine(GpuTestEngines.Cpu, e => { });
    protected override long Iterations => 12;
    protected override int MaxStates => 40;
    protected override int MaxLength => 20;
    protected override int MaxDuration => 8;
    protected override int MaxBatch => 2;

    [Fact]
    public void Forty_states_run_the_shared_kernels()
    {
        var engine = GpuTestEngines.Cpu;
        var c = new HsmmCase(40, 8, HsmmTopology.DenseWithSelf, 0, new[] { 20 }, 3);
        var e = c.Emissions();
        var ll = new double[1];
        engine.Hsmm.Forward(c.Model(), c.Batch(e), ll);
        Assert.Equal(Hmm.Gpu.GpuEngine.HsmmKernels.Shared, engine.LastHsmmVariant);
    }
}

/// <summary>
/// The shared-memory kernels with a small shared-memory allowance (6 KB): frames are staged a few at a time, so every pass
/// crosses chunk boundaries; shapes that do not fit even one staged frame fall back to the global kernels.
/// </summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class HsmmIlgpuCpuSharedSmallChunks : HsmmSuite
{
    protected override IHsmmEngine Engine => new RestoringEngine(GpuTestEngines.Cpu, e => e.HsmmSharedBytes = 6 * 1024);
    protected override long Iterations => 8;
    protected override int MaxLength => 50;
    protected override int MaxDuration => 20;

    [Fact]
    public void Chunks_shrink_to_fit_and_large_shapes_fall_back()
    {
        var p = new Hmm.Gpu.Kernels.HsmmParams { States = 6, Stride = 16, MaxDuration = 20, DurationStride = Definitions.HsmmDurationStride(20) };
        int floats = Hmm.Gpu.GpuEngine.HsmmSharedLayout(ref p, posteriors: true, limit: 6 * 1024 / 4);
        Assert.InRange(floats, 1, 6 * 1024 / 4);
        Assert.True(p.Chunk < 32, $"chunk {p.Chunk}");
        var big = new Hmm.Gpu.Kernels.HsmmParams { States = 200, Stride = 208, MaxDuration = 50, DurationStride = Definitions.HsmmDurationStride(50) };
        Assert.Equal(-1, Hmm.Gpu.GpuEngine.HsmmSharedLayout(ref big, posteriors: true, limit: 48 * 1024 / 4));
    }
}

/// <summary>Sets a knob on the shared engine for each call and puts the defaults back after it.</summary>
internal sealed class RestoringEngine : IHsmmEngine
{
    private readonly Hmm.Gpu.GpuEngine _engine;
    private readonly Action<Hmm.Gpu.GpuEngine> _set;

    public RestoringEngine(Hmm.Gpu.GpuEngine engine, Action<Hmm.Gpu.GpuEngine> set)
    {
        _engine = engine;
        _set = set;
    }

    private T Run<T>(System.Func<T> action)
    {
        _set(_engine);
        try { return action(); }
        finally
        {
            _engine.HsmmMaxThreads = 1024;
            _engine.HsmmChunkBytes = 1L << 30;
            _engine.HsmmVariant = Hmm.Gpu.GpuEngine.HsmmKernels.Shared;
            _engine.HsmmSharedBytes = 48 * 1024;
        }
    }

    public void Forward(HsmmModel model, EmissionBatch emissions, System.Span<double> logLikelihoods)
    {
        var ll = new double[logLikelihoods.Length];
        Run(() => { _engine.Hsmm.Forward(model, emissions, ll); return 0; });
        ll.AsSpan().CopyTo(logLikelihoods);
    }

    public void Backward(HsmmModel model, EmissionBatch emissions, System.Span<double> logLikelihoods)
    {
        var ll = new double[logLikelihoods.Length];
        Run(() => { _engine.Hsmm.Backward(model, emissions, ll); return 0; });
        ll.AsSpan().CopyTo(logLikelihoods);
    }

    public void Posteriors(HsmmModel model, EmissionBatch emissions, HsmmPosteriors result) => Run(() => { _engine.Hsmm.Posteriors(model, emissions, result); return 0; });

    public void Viterbi(HsmmModel model, EmissionBatch emissions, HsmmViterbiResult result) => Run(() => { _engine.Hsmm.Viterbi(model, emissions, result); return 0; });
}

/// <summary>The HSMM kernels on CUDA (skipped without a GPU).</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class HsmmCuda : HsmmSuite
{
    public HsmmCuda() => CudaDevice.Require();
    protected override IHsmmEngine Engine => GpuTestEngines.Cuda.Hsmm;
    protected override long Iterations => 100;
    protected override int MaxLength => 300;
    protected override int MaxDuration => 80;
    protected override int MaxStates => 12;
    protected override int MaxBatch => 8;
}

/// <summary>The global-memory HSMM kernels on CUDA (skipped without a GPU), as <see cref="HsmmCuda"/> runs the default shared ones.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class HsmmCudaGlobal : HsmmSuite
{
    public HsmmCudaGlobal() => CudaDevice.Require();
    protected override IHsmmEngine Engine => new RestoringEngine(GpuTestEngines.Cuda, e => e.HsmmVariant = Hmm.Gpu.GpuEngine.HsmmKernels.Global);
    protected override long Iterations => 100;
    protected override int MaxLength => 300;
    protected override int MaxDuration => 80;
    protected override int MaxStates => 12;
    protected override int MaxBatch => 8;
}

/// <summary>The shared-memory HSMM kernels on CUDA with up to 40 states (warps loop over states; skipped without a GPU).</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class HsmmCudaSharedManyStates : HsmmSuite
{
    public HsmmCudaSharedManyStates() => CudaDevice.Require();
    protected override IHsmmEngine Engine => new RestoringEngine(GpuTestEngines.Cuda, e => { });
    protected override long Iterations => 30;
    protected override int MaxStates => 40;
    protected override int MaxLength => 200;
    protected override int MaxDuration => 8;
    protected override int MaxBatch => 6;
}

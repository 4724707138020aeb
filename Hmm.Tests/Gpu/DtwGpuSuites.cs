using System.Collections.Generic;
using Hmm.Engine;
using Hmm.Tests.Dtw;
using Xunit;

namespace Hmm.Tests.Gpu;

/// <summary>The DTW kernel on ILGPU's CPU accelerator (what CI runs): fewer and shorter cases, the simulator runs a barrier per diagonal.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class DtwIlgpuCpu : DtwSuite
{
    protected override DtwResult[] Align(IReadOnlyList<float[]> x, IReadOnlyList<float[]> y, int dimension, DtwOptions options) =>
        GpuTestEngines.Cpu.Dtw(x, y, dimension, options);
    protected override long Iterations => 20;
    protected override int MaxLength => 30;
}

/// <summary>
/// The DTW kernel with its diagonals in global memory (what pairs beyond about 2,000 frames take) and one warp per pair, so
/// that each thread visits several cells of a diagonal (as on CUDA beyond 1,024 cells), on ILGPU's CPU accelerator.
/// </summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class DtwIlgpuCpuGlobalScratch : DtwSuite
{
    protected override DtwResult[] Align(IReadOnlyList<float[]> x, IReadOnlyList<float[]> y, int dimension, DtwOptions options)
    {
        var engine = GpuTestEngines.Cpu;
        engine.DtwGlobalScratch = true;
        engine.DtwMaxThreads = 1;
        try { return engine.Dtw(x, y, dimension, options); }
        finally
        {
            engine.DtwGlobalScratch = false;
            engine.DtwMaxThreads = 1024;
        }
    }
    protected override long Iterations => 10;
    protected override int MaxLength => 30;
}

/// <summary>The DTW kernel on the CUDA device; skipped without one.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class DtwCuda : DtwSuite
{
    public DtwCuda() => CudaDevice.Require();
    protected override DtwResult[] Align(IReadOnlyList<float[]> x, IReadOnlyList<float[]> y, int dimension, DtwOptions options) =>
        GpuTestEngines.Cuda.Dtw(x, y, dimension, options);
    protected override long Iterations => 200;
    protected override int MaxLength => 300;
    protected override int MaxBatch => 8;
}

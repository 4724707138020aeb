using System;
using Hmm.Tests.TimeVarying;
using Xunit;

namespace Hmm.Tests.Gpu;

/// <summary>
/// The time-varying kernels on ILGPU's CPU accelerator (what CI runs), the staged recursion by default: fewer and smaller
/// cases, the simulator runs a barrier a frame (the first kernel: <see cref="TimeVaryingUnstagedIlgpuCpu"/>).
/// </summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class TimeVaryingIlgpuCpu : TimeVaryingSuite
{
    protected override ITimeVaryingEngine Engine => GpuTestEngines.Cpu;
    protected override long Iterations => 12;
    // Past the simulated device's 32 threads a group: a thread computes several states of a column.
    protected override int MaxStates => 40;
    protected override int MaxLength => 14;
    protected override int MaxBatch => 3;

    [Fact]
    public void The_kernels_run_on_the_accelerator()
    {
        var c = new TimeVaryingCase(40, new[] { 5, 3 }, false, 40, 0.0, false, false, 5);
        var engine = GpuTestEngines.Cpu;
        engine.Forward(c.Transitions(), c.Emissions(), new double[2]);
        Assert.False(engine.IsCuda);
        Assert.True(engine.LastTimeVaryingKernelTime > TimeSpan.Zero);
        Assert.True(engine.LastTimeVaryingStaged);
    }
}

/// <summary>The time-varying kernels on the CUDA device (the staged recursion by default); skipped without one.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class TimeVaryingCuda : TimeVaryingSuite
{
    public TimeVaryingCuda() => CudaDevice.Require();
    protected override ITimeVaryingEngine Engine => GpuTestEngines.Cuda;
    protected override long Iterations => 100;
    protected override int MaxStates => 80;
    protected override int MaxLength => 200;
    protected override int MaxBatch => 8;
}

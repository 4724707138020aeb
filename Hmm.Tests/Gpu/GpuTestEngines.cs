using System;
using Hmm.Gpu;
using Xunit;

namespace Hmm.Tests.Gpu;

/// <summary>
/// One engine per accelerator for the whole test run: creating an engine compiles its kernels (seconds on the CPU
/// accelerator), and an engine is not thread-safe, so every class that uses one sits in <see cref="GpuEngineTestGroup"/>,
/// whose tests xunit runs one at a time.
/// </summary>
public static class GpuTestEngines
{
    private static readonly Lazy<GpuEngine> CpuAccelerator = new(() => new GpuEngine(new GpuEngineOptions { ForceCpuAccelerator = true }));
    private static readonly Lazy<GpuEngine> CudaDevice = new(CreateCuda);

    /// <summary>The engine on ILGPU's CPU accelerator (what CI runs).</summary>
    public static GpuEngine Cpu => CpuAccelerator.Value;

    /// <summary>The engine on the CUDA device; throws (the test fails, it is not skipped) when there is none.</summary>
    public static GpuEngine Cuda => CudaDevice.Value;

    private static GpuEngine CreateCuda()
    {
        var engine = new GpuEngine();
        if (!engine.IsCuda)
        {
            engine.Dispose();
            throw new InvalidOperationException("CUDA test classes ran without a CUDA device: they are meant for the device harness (HMM_CUDA_TESTS).");
        }
        return engine;
    }
}

/// <summary>Serialises every test class that touches a shared GPU engine.</summary>
[CollectionDefinition(Name)]
public sealed class GpuEngineTestGroup
{
    public const string Name = "GpuEngine";
}

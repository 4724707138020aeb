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

    /// <summary>The engine on the CUDA device; throws when there is none (CUDA test classes call <see cref="CudaDevice.Require"/> first).</summary>
    public static GpuEngine Cuda => CudaDevice.Value;

    private static readonly Lazy<GpuEngine> CpuSplit2 = new(() => new GpuEngine(new GpuEngineOptions { ForceCpuAccelerator = true, RowSplit = 2 }));
    private static readonly Lazy<GpuEngine> CpuSplit4 = new(() => new GpuEngine(new GpuEngineOptions { ForceCpuAccelerator = true, RowSplit = 4 }));
    private static readonly Lazy<GpuEngine> CudaSplit2 = new(() => CreateCuda(2));
    private static readonly Lazy<GpuEngine> CudaSplit4 = new(() => CreateCuda(4));

    /// <summary>
    /// The CPU-accelerator engine with <paramref name="split"/> (2 or 4) threads per state: dense forward and backward take
    /// the scaled step's shuffle split (the simulated warp has 4 lanes, so both fit).
    /// </summary>
    public static GpuEngine CpuRowSplit(int split) => split == 2 ? CpuSplit2.Value : split == 4 ? CpuSplit4.Value : throw new ArgumentOutOfRangeException(nameof(split));

    /// <summary>As <see cref="CpuRowSplit"/> on the CUDA device.</summary>
    public static GpuEngine CudaRowSplit(int split) => split == 2 ? CudaSplit2.Value : split == 4 ? CudaSplit4.Value : throw new ArgumentOutOfRangeException(nameof(split));

    private static GpuEngine CreateCuda() => CreateCuda(0);

    private static GpuEngine CreateCuda(int rowSplit)
    {
        var engine = new GpuEngine(new GpuEngineOptions { RowSplit = rowSplit });
        if (!engine.IsCuda)
        {
            engine.Dispose();
            throw new InvalidOperationException("no CUDA device: a CUDA test class must call CudaDevice.Require() in its constructor, so that it is skipped here.");
        }
        return engine;
    }
}

/// <summary>Whether this machine has a CUDA device, for the CUDA test classes.</summary>
public static class CudaDevice
{
    // Asked once: each question creates an ILGPU context.
    private static readonly Lazy<bool> Present = new(GpuEngine.IsCudaAvailable);

    public static bool IsPresent => Present.Value;

    /// <summary>Skips the calling test (xunit v3 dynamic skip, reported as skipped) where there is no CUDA device.</summary>
    public static void Require() => Assert.SkipUnless(Present.Value, "no CUDA device on this machine");
}

/// <summary>Serialises every test class that touches a shared GPU engine.</summary>
[CollectionDefinition(Name)]
public sealed class GpuEngineTestGroup
{
    public const string Name = "GpuEngine";
}

using System;
using Hmm;
using Hmm.Gpu;
using Hmm.Simd;

namespace Samples.RealtimeVoice;

/// <summary>
/// The `--engine auto|cpu|gpu` option of `hmm align` and `hmm train`: auto takes the GPU engine when a CUDA device
/// exists and the SIMD CPU engine otherwise; gpu without a CUDA device is an error, unless the environment variable
/// <see cref="AllowCpuAcceleratorVariable"/> is 1, which runs the GPU engine on ILGPU's CPU accelerator (tests).
/// </summary>
internal static class EngineChoice
{
    /// <summary>Set to 1 to let `--engine gpu` run on ILGPU's CPU accelerator where there is no CUDA device.</summary>
    public const string AllowCpuAcceleratorVariable = "HMM_GPU_ALLOW_CPU_ACCELERATOR";

    /// <summary>Creates the engine named by <paramref name="value"/> (null: auto); the caller disposes it when it is <see cref="IDisposable"/>.</summary>
    /// <param name="verb">The verb, for messages.</param>
    /// <param name="value">auto, cpu or gpu (null: auto).</param>
    /// <param name="threads">Threads of the CPU engine.</param>
    /// <param name="environment">Reads an environment variable (tests pass their own).</param>
    /// <param name="description">What was chosen, for the timing line: "cpu (16 threads)", "gpu (NVIDIA H100 ...)".</param>
    public static IHmmEngine Create(string verb, string? value, int threads, Func<string, string?> environment, out string description)
    {
        string choice = value ?? "auto";
        switch (choice)
        {
            case "cpu":
                return Cpu(threads, out description);
            case "auto":
                return GpuEngine.IsCudaAvailable() ? Gpu(new GpuEngineOptions(), out description) : Cpu(threads, out description);
            case "gpu":
                if (GpuEngine.IsCudaAvailable()) return Gpu(new GpuEngineOptions(), out description);
                if (environment(AllowCpuAcceleratorVariable) == "1") return Gpu(new GpuEngineOptions { ForceCpuAccelerator = true }, out description);
                throw new ArgumentException($"{verb}: --engine gpu needs a CUDA device, and none was found (no NVIDIA driver, or no device); " +
                    $"use --engine cpu, or --engine auto to take the GPU only where there is one ({AllowCpuAcceleratorVariable}=1 runs the GPU engine on ILGPU's slow CPU accelerator, for tests).");
            default:
                throw new ArgumentException($"{verb}: --engine must be auto, cpu or gpu (got '{choice}').");
        }
    }

    private static HmmEngine Cpu(int threads, out string description)
    {
        var engine = new HmmEngine(SimdWidth.Auto, threads);
        description = $"cpu ({engine.Width})";
        return engine;
    }

    private static GpuEngine Gpu(GpuEngineOptions options, out string description)
    {
        var engine = new GpuEngine(options);
        description = engine.IsCuda ? $"gpu ({engine.DeviceName})" : "gpu on ILGPU's CPU accelerator";
        return engine;
    }
}

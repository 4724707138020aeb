using System;
using Hmm.Speech.Training;
using Hmm;
#if !HMM_NO_GPU
using Hmm.Gpu;
#endif
using Hmm.Simd;

namespace Samples.RealtimeVoice;

/// <summary>
/// The `--engine auto|cpu|gpu` option of `hmm align` and `hmm train`: auto takes the GPU engine when a CUDA device
/// exists and the work is bulk (a folder), and the SIMD CPU engine otherwise (one file aligns faster on the CPU than the
/// GPU engine starts: its kernels compile on first use), or when the GPU engine fails to start (a warning says why);
/// gpu without a CUDA device is an error, unless the environment variable <see cref="AllowCpuAcceleratorVariable"/> is 1,
/// which runs the GPU engine on ILGPU's CPU accelerator (tests). The NativeAOT build (HMM_NO_GPU) has no GPU engine:
/// auto is the CPU engine there, and gpu an error that says why.
/// </summary>
internal static class EngineChoice
{
    /// <summary>Set to 1 to let `--engine gpu` run on ILGPU's CPU accelerator where there is no CUDA device.</summary>
    public const string AllowCpuAcceleratorVariable = "HMM_GPU_ALLOW_CPU_ACCELERATOR";

#if HMM_NO_GPU
    /// <summary>Creates the CPU engine for auto and cpu; gpu is an error (this build has no GPU engine).</summary>
    /// <param name="verb">The verb, for messages.</param>
    /// <param name="value">auto, cpu or gpu (null: auto).</param>
    /// <param name="threads">Threads of the CPU engine.</param>
    /// <param name="environment">Unused here (the JIT build reads <see cref="AllowCpuAcceleratorVariable"/>).</param>
    /// <param name="description">What was chosen, for the timing line.</param>
    /// <param name="bulk">Unused here.</param>
    /// <param name="warnings">Unused here.</param>
    public static IHmmEngine Create(string verb, string? value, int threads, Func<string, string?> environment, out string description,
        bool bulk = true, System.IO.TextWriter? warnings = null)
    {
        return (value ?? "auto") switch
        {
            "cpu" or "auto" => Cpu(threads, out description),
            "gpu" => throw new ArgumentException($"{verb}: --engine gpu is not in this build of hmm: it was compiled ahead of time (NativeAOT), and the " +
                "GPU engine (ILGPU) compiles its kernels from IL at run time, which needs the JIT. Use --engine cpu, or the JIT build " +
                "(dotnet run --project Samples.RealtimeVoice -c Release -- ...) for the GPU."),
            _ => throw new ArgumentException($"{verb}: --engine must be auto, cpu or gpu (got '{value}')."),
        };
    }
#else

    /// <summary>Creates the engine named by <paramref name="value"/> (null: auto); the caller disposes it when it is <see cref="IDisposable"/>.</summary>
    /// <param name="verb">The verb, for messages.</param>
    /// <param name="value">auto, cpu or gpu (null: auto).</param>
    /// <param name="threads">Threads of the CPU engine.</param>
    /// <param name="environment">Reads an environment variable (tests pass their own).</param>
    /// <param name="description">What was chosen, for the timing line: "cpu (16 threads)", "gpu (NVIDIA H100 ...)".</param>
    /// <param name="bulk">True for bulk work (a folder, training): only then does auto take the GPU.</param>
    /// <param name="warnings">Where auto reports a GPU engine that failed to start (null: nowhere).</param>
    /// <param name="cudaAvailable">Whether a CUDA device exists (null: ask <see cref="GpuEngine.IsCudaAvailable"/>; tests pass their own).</param>
    /// <param name="gpuFactory">Creates the GPU engine (null: the constructor; tests pass a failing one).</param>
    public static IHmmEngine Create(string verb, string? value, int threads, Func<string, string?> environment, out string description,
        bool bulk = true, System.IO.TextWriter? warnings = null, bool? cudaAvailable = null, Func<GpuEngineOptions, GpuEngine>? gpuFactory = null)
    {
        string choice = value ?? "auto";
        switch (choice)
        {
            case "cpu":
                return Cpu(threads, out description);
            case "auto":
                if (!bulk || !(cudaAvailable ?? GpuEngine.IsCudaAvailable())) return Cpu(threads, out description);
                try
                {
                    return Gpu(new GpuEngineOptions(), out description, gpuFactory);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // A device that exists but does not start (driver, memory): the CPU engine gives the same answers.
                    warnings?.WriteLine($"hmm: {verb}: the GPU engine did not start ({ex.GetType().Name}: {ex.Message}); using the CPU engine.");
                    return Cpu(threads, out description);
                }
            case "gpu":
                if (cudaAvailable ?? GpuEngine.IsCudaAvailable()) return Gpu(new GpuEngineOptions(), out description, gpuFactory);
                if (environment(AllowCpuAcceleratorVariable) == "1") return Gpu(new GpuEngineOptions { ForceCpuAccelerator = true }, out description, gpuFactory);
                throw new ArgumentException($"{verb}: --engine gpu needs a CUDA device, and none was found (no NVIDIA driver, or no device); " +
                    $"use --engine cpu, or --engine auto to take the GPU only where there is one ({AllowCpuAcceleratorVariable}=1 runs the GPU engine on ILGPU's slow CPU accelerator, for tests).");
            default:
                throw new ArgumentException($"{verb}: --engine must be auto, cpu or gpu (got '{choice}').");
        }
    }

#endif

    private static HmmEngine Cpu(int threads, out string description)
    {
        var engine = new HmmEngine(SimdWidth.Auto, threads);
        description = $"cpu ({engine.Width})";
        return engine;
    }

#if !HMM_NO_GPU
    private static GpuEngine Gpu(GpuEngineOptions options, out string description, Func<GpuEngineOptions, GpuEngine>? factory = null)
    {
        var engine = factory?.Invoke(options) ?? new GpuEngine(options);
        description = engine.IsCuda ? $"gpu ({engine.DeviceName})" : "gpu on ILGPU's CPU accelerator";
        return engine;
    }

    /// <summary>Whether <paramref name="engine"/> is the GPU engine (its batches are sized for the device).</summary>
    public static bool IsGpu(IHmmEngine engine) => engine is GpuEngine;
#else
    /// <summary>Whether <paramref name="engine"/> is the GPU engine: never in this build.</summary>
    public static bool IsGpu(IHmmEngine engine) => false;
#endif
}

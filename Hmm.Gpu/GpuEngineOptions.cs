using System;
using Hmm.Primitives;

namespace Hmm.Gpu;

/// <summary>Settings of a <see cref="GpuEngine"/>.</summary>
public sealed class GpuEngineOptions
{
    /// <summary>Use ILGPU's CPU accelerator even where a CUDA device exists (tests, debugging).</summary>
    public bool ForceCpuAccelerator { get; init; }

    /// <summary>
    /// Compile the kernels with ILGPU's fast math (<c>MathMode.Fast</c>): <c>ex2</c>, <c>lg2</c> and division in their
    /// approximate, flush-to-zero PTX forms (float32 denormals, below 1.2e-38, become 0), which drops the range fix-ups
    /// around every exponential of the log-sum-exp steps. Double-precision arithmetic is unchanged. On by default.
    /// </summary>
    public bool FastMath { get; init; } = true;

    /// <summary>
    /// Device memory, in bytes, that one batch may occupy; larger batches are split into chunks that fit.
    /// 0 (the default) takes half of the device's memory (1 GiB on the CPU accelerator).
    /// </summary>
    public long DeviceMemoryBudget { get; init; }

    /// <summary>
    /// When the device runs out of memory even for a single sequence, or a shape does not fit the kernels
    /// (shared memory), decode those sequences with the SIMD CPU engine instead of throwing. Default true.
    /// </summary>
    public bool CpuFallback { get; init; } = true;

    /// <summary>Record device-side kernel times (<see cref="GpuRunReport.KernelTime"/> of <see cref="GpuEngine.LastRun"/>); adds two events per chunk.</summary>
    public bool Profiling { get; init; }

    /// <summary>
    /// Precision of the features the GMM emission kernel reads. <see cref="Gpu.EmissionPrecision.Half"/> uploads centred
    /// features as binary16 (half the bytes over the bus and in device memory; the arithmetic stays float32) wherever the
    /// rounding's proven effect stays within <see cref="HalfPrecisionMaxFrameError"/>; see
    /// <see cref="GpuRunReport.HalfPrecisionErrorBounds"/>. Default <see cref="Gpu.EmissionPrecision.Full"/>.
    /// </summary>
    public EmissionPrecision EmissionPrecision { get; init; } = EmissionPrecision.Full;

    /// <summary>
    /// With <see cref="Gpu.EmissionPrecision.Half"/>: the largest proven per-frame error (nats, on every emission
    /// log-likelihood of the frame) that half precision may introduce. A chunk of sequences with a frame whose bound is
    /// larger (large feature values, very tight variances, values past binary16's range) is uploaded in float32 instead.
    /// Default 1 nat.
    /// </summary>
    public double HalfPrecisionMaxFrameError { get; init; } = 1.0;

    // ---------------------------------------------------------------- kernel tuning (internal)
    // Knobs of the kernels' internals, for tests (Hmm.Tests sees internals) and for the benchmark harness, which sets them
    // through the HMM_GPU_TUNING environment variable (GpuTuning). Settable so that GpuTuning can apply that variable to
    // the engine's own copy of the options; the engine copies the options at construction, so a later change to the
    // caller's instance has no effect.

    /// <summary>
    /// Columns of at most this many padded states take their maximum by a scan of shared memory in every thread;
    /// wider ones by a warp-shuffle reduction. 0 keeps the engine's default (32, from measurements on an H100).
    /// </summary>
    internal int ScanMaxStride { get; set; }

    /// <summary>
    /// Compile the kernels once per model shape (states, transition rows, GMM dimension and components as constants),
    /// which lets the compiler unroll the per-state loops. Each new shape costs one compilation (cached for the
    /// engine's life). Null (the default) specialises on CUDA and not on the CPU accelerator.
    /// </summary>
    internal bool? SpecializeKernels { get; set; }

    /// <summary>
    /// Threads per state for dense transition tables. 0 (the default) and 1 keep one thread per state, which measured
    /// faster on an H100 for N=10 and N=64 with the two-pass step (GPU-NOTES.md); 2, 4 or 8 split the rows. With the
    /// scaled step, 2 or 4 (any power of two up to the warp size) give each state adjacent lanes that sum every K-th row
    /// and add their sums by warp shuffles; otherwise (Viterbi, the two-pass step, larger K) each thread takes a block of
    /// rows and the definition combines the blocks. Whether the scaled split pays is for a device run to decide.
    /// </summary>
    internal int RowSplit { get; set; }

    /// <summary>
    /// Parallel-in-time (chunked) forward, Viterbi and posteriors: frames per time chunk. 0 (the default) chooses per call on CUDA
    /// (chunks only when the batch's groups would underfill the device; never on the CPU accelerator); a negative value
    /// turns chunking off; a positive value forces chunks of that many frames for forward (without lattice), Viterbi, decode
    /// and posteriors, and for the backward log-likelihood alone.
    /// </summary>
    internal int TimeChunkFrames { get; set; }

    /// <summary>
    /// Pack several sequences into one thread group of the one-pass recursion kernel where a sequence needs at most half a
    /// warp: one thread per state (no <see cref="RowSplit"/>), L = the smallest power of two ≥ the state count, and
    /// 32 / L sequences of the same pass (forward, Viterbi or backward) per 32-thread group, e.g. 2 for N = 10 and 4 for
    /// N ≤ 8, instead of one sequence per group with 32 - N idle lanes. Results are the same bits either way (each state's
    /// arithmetic is unchanged). Default true; false keeps one sequence per group (for comparison). The time-chunked path
    /// (<see cref="TimeChunkFrames"/>) does not pack.
    /// </summary>
    internal bool PackSequences { get; set; } = true;

    /// <summary>
    /// GMM emissions on tensor cores (<c>mma.sync</c> TF32 in the split 3xTF32 form, accurate to float32 rounding): null (the
    /// default) uses them on CUDA devices of compute capability 8.0 or later (A100, RTX 30xx, H100) where the model's component
    /// tile fits shared memory; false keeps the FMA kernel everywhere; true asks for them where the device has them.
    /// </summary>
    internal bool? TensorCoreEmissions { get; set; }

    /// <summary>
    /// The dense forward log-likelihood (<see cref="GpuEngine.Forward(HmmModel, EmissionBatch, Span{double}, StateLattice)"/> without a lattice) with the scaled step's linear sum
    /// on tensor cores, 16 sequences a group (<c>mma.sync</c> TF32 in the split 3xTF32 form; the exact fallback as on the
    /// CPU). Null (the default) uses it on CUDA devices of compute capability 8.0 or later where it measured faster: dense
    /// models of 16 to 112 padded states in batches of at least 4 sequences per multiprocessor (528 on an H100; smaller
    /// batches are faster on the one-pass kernel; figures in BENCHMARKS.md). False never; true wherever the device and the
    /// model allow it (16 to 112 padded states; wider columns do not fit its shared memory).
    /// </summary>
    internal bool? TensorCoreRecursion { get; set; }

    /// <summary>Benchmark knob: component columns per GMM thread block, 3 where it divides the padded columns, else 2 (the default: 3 measured slower on an H100).</summary>
    internal int GaussianBlockColumns { get; set; }

    /// <summary>
    /// Benchmark knob: forward, backward and posteriors on dense tables take the scaled log-semiring step
    /// (<c>Definitions.RelaxDenseScaled</c>, exact to float rounding with its fallback) instead of the two-pass step.
    /// Default true; false times the two-pass step for comparison.
    /// </summary>
    internal bool ScaledDenseStep { get; set; } = true;

    /// <summary>
    /// Per-frame (time-varying) transitions: true (the default) runs the staged kernel, which copies each frame's table into
    /// shared memory with the whole group while the previous frame is computed (double buffer), gives each state several
    /// threads (<see cref="TimeVaryingSplit"/>) and folds the column normalisation into the next frame (one barrier a frame);
    /// false runs the first kernel (one thread per state reading the tables from global memory, two barriers a frame), kept
    /// so that a benchmark can time both. Tables whose two frames do not fit shared memory take the first kernel either way.
    /// </summary>
    internal bool TimeVaryingStaged { get; set; } = true;

    /// <summary>
    /// Benchmark knob for the staged time-varying kernel (<see cref="TimeVaryingStaged"/>): threads per state of a dense table,
    /// a power of two up to the warp size. 0 (the default) picks the largest that keeps a group at about 512 threads and
    /// every thread at least one source row; banded tables always take one thread per state.
    /// </summary>
    internal int TimeVaryingSplit { get; set; }

    /// <summary>
    /// Test knob: threads per warp of ILGPU's CPU accelerator (0: 4, the default simulated device). 32 gives groups of one
    /// CUDA-sized warp, so that code paths needing a whole group in one warp (the shuffle maximum of packed sequences) run in CI.
    /// </summary>
    internal int CpuWarpSize { get; set; }

    /// <summary>ILGPU's optimisation level for the kernels (benchmark knob); null keeps the engine's choice (O1, measured faster than O2).</summary>
    internal ILGPU.OptimizationLevel? Optimization { get; set; }

    /// <summary>Benchmark knob: the explicit-duration HMM on its global-memory kernels instead of the shared-memory ones (<c>GpuEngine.HsmmVariant</c>'s start value).</summary>
    internal bool HsmmGlobalKernels { get; set; }

    /// <summary>A copy of these options (the engine keeps its own).</summary>
    internal GpuEngineOptions Clone() => (GpuEngineOptions)MemberwiseClone();
}

/// <summary>Precision of the features that the GPU's GMM emission kernel reads (<see cref="GpuEngineOptions.EmissionPrecision"/>).</summary>
public enum EmissionPrecision
{
    /// <summary>IEEE float32 features, as given: results match the CPU engine within float32 rounding.</summary>
    Full,

    /// <summary>
    /// Centred features rounded to IEEE binary16 on upload where that is safe (see
    /// <see cref="GpuEngineOptions.HalfPrecisionMaxFrameError"/>); the kernel's arithmetic stays float32. Each sequence's
    /// proven bound on the change of its log-likelihoods and path scores is in <see cref="GpuRunReport.HalfPrecisionErrorBounds"/>.
    /// </summary>
    Half,
}

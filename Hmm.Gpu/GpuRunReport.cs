using System;

namespace Hmm.Gpu;

/// <summary>
/// What one call of a <see cref="GpuEngine"/> did (<see cref="GpuEngine.LastRun"/>): how the batch was split, what fell back
/// to the CPU engine, half-precision uploads and their proven error bounds, and device time. An immutable snapshot: the
/// engine publishes a new one at the end of each call and never changes one it has published.
/// </summary>
public readonly record struct GpuRunReport
{
    internal GpuRunReport(int chunkCount, int cpuFallbackSequences, int outOfMemoryRetries, int halfPrecisionSequences,
        ReadOnlyMemory<double> halfPrecisionErrorBounds, TimeSpan kernelTime)
    {
        ChunkCount = chunkCount;
        CpuFallbackSequences = cpuFallbackSequences;
        OutOfMemoryRetries = outOfMemoryRetries;
        HalfPrecisionSequences = halfPrecisionSequences;
        HalfPrecisionErrorBounds = halfPrecisionErrorBounds;
        KernelTime = kernelTime;
    }

    /// <summary>Chunks the call ran on the device (batches larger than the memory budget, or halved after running out of memory, take several).</summary>
    public int ChunkCount { get; }

    /// <summary>Sequences the call handed to the SIMD CPU engine (device out of memory, or a shape the kernels cannot take).</summary>
    public int CpuFallbackSequences { get; }

    /// <summary>Out-of-memory failures the call recovered from by splitting the chunk or falling back to the CPU engine.</summary>
    public int OutOfMemoryRetries { get; }

    /// <summary>
    /// Sequences whose features went up in binary16 (<see cref="GpuEngineOptions.EmissionPrecision"/>); 0 for calls that
    /// upload no features (<see cref="GpuEngine.Forward(HmmModel, EmissionBatch, Span{double}, StateLattice)"/>, <see cref="GpuEngine.Backward(HmmModel, EmissionBatch, Span{double}, StateLattice)"/>, <see cref="GpuEngine.Posteriors(HmmModel, EmissionBatch, PosteriorResult)"/>,
    /// <see cref="GpuEngine.Viterbi(HmmModel, EmissionBatch, ViterbiResult)"/>).
    /// </summary>
    public int HalfPrecisionSequences { get; }

    /// <summary>
    /// Per sequence of a call that uploads features (<see cref="GpuEngine.ComputeEmissions"/>, <see cref="GpuEngine.Decode"/>,
    /// the passes of a <see cref="GpuAlignmentBackend"/>), in batch order: a proven bound (nats) on how far half-precision features moved its
    /// log-likelihood and its Viterbi path score, the sum over frames of the largest possible change of any emission
    /// log-likelihood of the frame (0 for sequences uploaded in float32). Float32 rounding of the arithmetic comes on top,
    /// as on the CPU engine. Empty for calls that upload no features.
    /// </summary>
    public ReadOnlyMemory<double> HalfPrecisionErrorBounds { get; }

    /// <summary>Device time of the call's kernels, copies excluded (zero unless <see cref="GpuEngineOptions.Profiling"/>).</summary>
    public TimeSpan KernelTime { get; }
}

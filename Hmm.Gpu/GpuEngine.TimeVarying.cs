using System;
using Hmm.Gpu.Kernels;
using Hmm.Primitives;
using ILGPU;
using ILGPU.Runtime;

namespace Hmm.Gpu;

/// <summary>Per-frame transitions (<see cref="TimeVaryingKernel"/>).</summary>
public sealed partial class GpuEngine : ITimeVaryingEngine
{
    private Action<KernelConfig, TimeVaryingParams>? _tvRecursionKernel, _tvStagedKernel, _tvPosteriorKernel;
    private Action<KernelConfig, TimeVaryingParams, long>? _tvOutOfKernel;
    private DeviceBuffer<float>? _tvEmissions, _tvTables, _tvOutOf, _tvInitial, _tvAlpha, _tvAlphaScales, _tvBeta, _tvBetaScales,
        _tvBackpointers, _tvGamma, _tvPerFrame, _tvSummed;
    private DeviceBuffer<int>? _tvLengths, _tvPaths;
    private DeviceBuffer<double>? _tvScores;
    private long _tvKernelTicks;

    /// <summary>
    /// Whether the last time-varying recursion launch ran the staged kernel (<see cref="TimeVaryingStagedKernel"/>): false
    /// where <see cref="GpuEngineOptions.TimeVaryingStaged"/> is off or its two staged tables do not fit shared memory
    /// (then <see cref="TimeVaryingKernel.Recursion"/> ran). For tests and the benchmark.
    /// </summary>
    internal bool LastTimeVaryingStaged { get; private set; }

    /// <summary>Threads per state of the staged kernel's last launch (1 when it did not run).</summary>
    internal int LastTimeVaryingSplit { get; private set; }

    /// <summary>
    /// Wall time of the last time-varying call's recursion and posterior kernels (the stream is synchronised before and after,
    /// so it excludes the uploads of the tables and emissions and the downloads).
    /// </summary>
    public TimeSpan LastTimeVaryingKernelTime => TimeSpan.FromSeconds(_tvKernelTicks / (double)System.Diagnostics.Stopwatch.Frequency);

    /// <inheritdoc/>
    /// <remarks>The whole batch runs in one launch (one thread group per sequence); states past what shared memory holds (about 4,000) run on the CPU engine.</remarks>
    public void Forward(TimeVaryingTransitions transitions, EmissionBatch emissions, Span<double> logLikelihoods, StateLattice? logAlpha = null)
    {
        ThrowIfDisposed();
        TimeVaryingArguments.Check(transitions, emissions, logLikelihoods.Length, nameof(logLikelihoods));
        logAlpha?.ShapeLike(emissions, nameof(logAlpha));
        if (!TimeVaryingFits(transitions))
        {
            _cpu.Forward(transitions, emissions, logLikelihoods, logAlpha);
            return;
        }
        var p = TimeVaryingUpload(transitions, emissions, outOf: false, record: logAlpha != null);
        TimeVaryingRun(p, RecursionKernel.ModeForward, emissions.BatchSize);
        var scores = TimeVaryingScores(emissions.BatchSize);
        for (int b = 0; b < emissions.BatchSize; b++) logLikelihoods[b] = scores[b * 3 + RecursionKernel.ModeForward];
        if (logAlpha != null) TimeVaryingLattice(p, emissions, logAlpha, forward: true);
    }

    /// <inheritdoc/>
    public void Backward(TimeVaryingTransitions transitions, EmissionBatch emissions, Span<double> logLikelihoods, StateLattice? logBeta = null)
    {
        ThrowIfDisposed();
        TimeVaryingArguments.Check(transitions, emissions, logLikelihoods.Length, nameof(logLikelihoods));
        logBeta?.ShapeLike(emissions, nameof(logBeta));
        if (!TimeVaryingFits(transitions))
        {
            _cpu.Backward(transitions, emissions, logLikelihoods, logBeta);
            return;
        }
        var p = TimeVaryingUpload(transitions, emissions, outOf: true, record: logBeta != null);
        TimeVaryingRun(p, RecursionKernel.ModeBackward, emissions.BatchSize);
        var scores = TimeVaryingScores(emissions.BatchSize);
        for (int b = 0; b < emissions.BatchSize; b++) logLikelihoods[b] = scores[b * 3 + RecursionKernel.ModeBackward];
        if (logBeta != null) TimeVaryingLattice(p, emissions, logBeta, forward: false);
    }

    /// <inheritdoc/>
    public void Posteriors(TimeVaryingTransitions transitions, EmissionBatch emissions, TimeVaryingPosteriorResult result)
    {
        ThrowIfDisposed();
        TimeVaryingArguments.CheckPosteriors(transitions, emissions, result);
        if (!TimeVaryingFits(transitions))
        {
            _cpu.Posteriors(transitions, emissions, result);
            return;
        }
        int count = emissions.BatchSize, maxLength = emissions.MaxLength, stride = transitions.Stride, frameSize = transitions.FrameSize;
        var p = TimeVaryingUpload(transitions, emissions, outOf: true, record: true);
        p.PerFrame = result.PerFrameTransitions ? 1 : 0;
        p.Gamma = _tvGamma!.Ensure((long)count * maxLength * stride);
        p.PerFrameCounts = _tvPerFrame!.Ensure(result.PerFrameTransitions ? (long)count * maxLength * frameSize : 1);
        p.SummedCounts = _tvSummed!.Ensure((long)count * frameSize);
        TimeVaryingRun(p, RecursionKernel.ModeForward, count);
        TimeVaryingRun(p, RecursionKernel.ModeBackward, count);
        _tvPosteriorKernel ??= _accelerator.LoadStreamKernel<TimeVaryingParams>(TimeVaryingKernel.Posteriors);
        _stream.Synchronize();
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        _tvPosteriorKernel(new KernelConfig(new Index1D(count), new Index1D(TimeVaryingThreads(stride))), p);
        _stream.Synchronize();
        _tvKernelTicks += System.Diagnostics.Stopwatch.GetTimestamp() - started;
        var scores = TimeVaryingScores(count);
        var lls = result.LogLikelihoodArray;
        for (int b = 0; b < count; b++) lls[b] = scores[b * 3 + RecursionKernel.ModeForward];
        var gamma = new float[(long)count * maxLength * stride];
        p.Gamma.SubView(0, gamma.Length).CopyToCPU(_stream, gamma);
        var lattice = result.StatePosteriors;
        for (int b = 0; b < count; b++) Array.Copy(gamma, (long)b * maxLength * stride, lattice.Data, lattice.Offset(b, 0), (long)maxLength * stride);
        p.SummedCounts.SubView(0, (long)count * frameSize).CopyToCPU(_stream, result.SummedArray.AsSpan(0, count * frameSize));
        if (result.PerFrameTransitions)
        {
            var frames = new float[(long)count * maxLength * frameSize];
            p.PerFrameCounts.SubView(0, frames.Length).CopyToCPU(_stream, frames);
            var destination = result.PerFrameArray;
            long resultSequence = (long)result.MaxLength * frameSize;
            for (int b = 0; b < count; b++)
            {
                Array.Copy(frames, (long)b * maxLength * frameSize, destination, b * resultSequence, (long)maxLength * frameSize);
                destination.AsSpan((int)(b * resultSequence + (long)maxLength * frameSize), (int)(resultSequence - (long)maxLength * frameSize)).Clear();
            }
        }
        result.SetBatchSize(count);
    }

    /// <inheritdoc/>
    public void Viterbi(TimeVaryingTransitions transitions, EmissionBatch emissions, ViterbiResult result)
    {
        ThrowIfDisposed();
        TimeVaryingArguments.CheckViterbi(transitions, emissions, result);
        if (!TimeVaryingFits(transitions))
        {
            _cpu.Viterbi(transitions, emissions, result);
            return;
        }
        int count = emissions.BatchSize, maxLength = emissions.MaxLength;
        var p = TimeVaryingUpload(transitions, emissions, outOf: false, record: false);
        TimeVaryingRun(p, RecursionKernel.ModeViterbi, count);
        var scores = TimeVaryingScores(count);
        var paths = new int[(long)count * maxLength];
        p.Paths.SubView(0, paths.Length).CopyToCPU(_stream, paths);
        for (int b = 0; b < count; b++)
        {
            int length = emissions.Lengths[b];
            result.ScoreArray[b] = scores[b * 3 + RecursionKernel.ModeViterbi];
            result.LengthArray[b] = length;
            Array.Copy(paths, (long)b * maxLength, result.PathArray, (long)b * result.MaxLength, length);
        }
        result.SetBatchSize(count);
    }

    /// <summary>Whether three padded columns fit the shared memory of a group.</summary>
    private bool TimeVaryingFits(TimeVaryingTransitions transitions) =>
        TimeVaryingKernel.SharedFloats(Simd.SimdCapabilities.Pad(transitions.TableRows), transitions.Stride) * sizeof(float)
            <= Math.Min(_accelerator.MaxSharedMemoryPerGroup, SharedBytesLimit);

    private int TimeVaryingThreads(int stride)
    {
        int warp = _accelerator.WarpSize;
        int max = Math.Max(warp, Math.Min(_accelerator.MaxNumThreadsPerGroup, 256) / warp * warp);
        return Math.Min(max, (stride + warp - 1) / warp * warp);
    }

    /// <summary>Uploads the batch's emissions, lengths, tables and initial distributions (and lays out the backward tables on the device).</summary>
    private TimeVaryingParams TimeVaryingUpload(TimeVaryingTransitions tr, EmissionBatch emissions, bool outOf, bool record)
    {
        int count = emissions.BatchSize, maxLength = emissions.MaxLength, stride = tr.Stride;
        long tableFloats = (long)count * tr.MaxLength * tr.FrameSize, columns = (long)count * maxLength * stride;
        _tvEmissions ??= new DeviceBuffer<float>(_allocator); _tvTables ??= new DeviceBuffer<float>(_allocator);
        _tvOutOf ??= new DeviceBuffer<float>(_allocator); _tvInitial ??= new DeviceBuffer<float>(_allocator);
        _tvAlpha ??= new DeviceBuffer<float>(_allocator); _tvAlphaScales ??= new DeviceBuffer<float>(_allocator);
        _tvBeta ??= new DeviceBuffer<float>(_allocator); _tvBetaScales ??= new DeviceBuffer<float>(_allocator);
        _tvBackpointers ??= new DeviceBuffer<float>(_allocator); _tvGamma ??= new DeviceBuffer<float>(_allocator);
        _tvPerFrame ??= new DeviceBuffer<float>(_allocator); _tvSummed ??= new DeviceBuffer<float>(_allocator);
        _tvLengths ??= new DeviceBuffer<int>(_allocator); _tvPaths ??= new DeviceBuffer<int>(_allocator);
        _tvScores ??= new DeviceBuffer<double>(_allocator);
        var p = new TimeVaryingParams
        {
            Emissions = _tvEmissions.Ensure(columns), Lengths = _tvLengths.Ensure(count), Tables = _tvTables.Ensure(tableFloats),
            OutOf = _tvOutOf.Ensure(outOf ? tableFloats : 1), Initial = _tvInitial.Ensure((long)count * stride),
            AlphaColumns = _tvAlpha.Ensure(record ? columns : 1), AlphaScales = _tvAlphaScales.Ensure(record ? (long)count * maxLength : 1),
            BetaColumns = _tvBeta.Ensure(record ? columns : 1), BetaScales = _tvBetaScales.Ensure(record ? (long)count * maxLength : 1),
            Backpointers = _tvBackpointers.Ensure(columns), Paths = _tvPaths.Ensure((long)count * maxLength),
            Scores = _tvScores.Ensure(count * 3), Gamma = _tvGamma.Ensure(1), PerFrameCounts = _tvPerFrame.Ensure(1), SummedCounts = _tvSummed.Ensure(1),
            MaxLength = maxLength, TableLength = tr.MaxLength, States = tr.StateCount, Stride = stride, Rows = tr.TableRows,
            Banded = tr.Layout == TransitionLayout.Banded ? 1 : 0, Pad = Simd.SimdCapabilities.Pad(tr.TableRows), Record = record ? 1 : 0,
        };
        p.Emissions.SubView(0, columns).CopyFromCPU(_stream, emissions.Data.AsSpan(0, (int)columns));
        p.Lengths.SubView(0, count).CopyFromCPU(_stream, emissions.LengthArray.AsSpan(0, count));
        p.Tables.SubView(0, tableFloats).CopyFromCPU(_stream, tr.Data.AsSpan(0, (int)tableFloats));
        p.Initial.SubView(0, (long)count * stride).CopyFromCPU(_stream, tr.InitialData.AsSpan(0, count * stride));
        if (outOf)
        {
            _tvOutOfKernel ??= _accelerator.LoadStreamKernel<TimeVaryingParams, long>(TimeVaryingKernel.OutOf);
            _tvOutOfKernel(SmallGroups((int)tableFloats), p, tableFloats);
        }
        return p;
    }

    /// <summary>One recursion launch over the batch, timed into <see cref="LastTimeVaryingKernelTime"/> (reset by a forward, backward or Viterbi launch that starts a call).</summary>
    private void TimeVaryingRun(TimeVaryingParams p, int mode, int count)
    {
        if (mode != RecursionKernel.ModeBackward || p.Record == 0) _tvKernelTicks = 0;
        p.Mode = mode;
        KernelConfig config;
        Action<KernelConfig, TimeVaryingParams> kernel;
        if (TimeVaryingStagedPlan(ref p, out int threads, out int sharedFloats))
        {
            _tvStagedKernel ??= _accelerator.LoadStreamKernel<TimeVaryingParams>(TimeVaryingStagedKernel.Recursion);
            kernel = _tvStagedKernel;
            config = new KernelConfig(new Index1D(count), new Index1D(threads), SharedMemoryConfig.RequestDynamic<float>(sharedFloats));
            LastTimeVaryingStaged = true;
            LastTimeVaryingSplit = p.Split;
        }
        else
        {
            _tvRecursionKernel ??= _accelerator.LoadStreamKernel<TimeVaryingParams>(TimeVaryingKernel.Recursion);
            kernel = _tvRecursionKernel;
            config = new KernelConfig(new Index1D(count), new Index1D(TimeVaryingThreads(p.Stride)),
                SharedMemoryConfig.RequestDynamic<float>(TimeVaryingKernel.SharedFloats(p.Pad, p.Stride)));
            LastTimeVaryingStaged = false;
            LastTimeVaryingSplit = 1;
        }
        _stream.Synchronize();
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        kernel(config, p);
        _stream.Synchronize();
        _tvKernelTicks += System.Diagnostics.Stopwatch.GetTimestamp() - started;
    }

    /// <summary>
    /// The staged kernel's shape for <paramref name="p"/> (threads per state, table pitch, class pitch, group size, shared
    /// floats), or false where it is turned off or its shared memory (two staged tables) does not fit a group.
    /// </summary>
    private bool TimeVaryingStagedPlan(ref TimeVaryingParams p, out int threads, out int sharedFloats)
    {
        threads = 0;
        sharedFloats = 0;
        if (!_options.TimeVaryingStaged) return false;
        int warp = _accelerator.WarpSize, stride = p.Stride;
        int maxThreads = Math.Max(warp, Math.Min(_accelerator.MaxNumThreadsPerGroup, 1024) / warp * warp);
        int split = 1;
        if (p.Banded == 0)
        {
            // About 512 threads a group (two groups of an H100's 2,048 threads a multiprocessor at up to 64 registers), at least
            // one source row a thread, at most a warp per state (the shuffles); or the knob's power of two.
            int wanted = _options.TimeVaryingSplit;
            while (split * 2 <= warp && (wanted > 0 ? split * 2 <= wanted : split * 2 <= p.Rows && stride * split * 2 <= 512)) split *= 2;
        }
        int shift = 0;
        while ((1 << shift) < split) shift++;
        int pitch = TimeVaryingStagedKernel.Pitch(stride, split), classPitch = TimeVaryingStagedKernel.ClassPitch(stride, split);
        threads = Math.Min(maxThreads, (stride * split + warp - 1) / warp * warp);
        int warps = (threads + warp - 1) / warp;
        sharedFloats = TimeVaryingStagedKernel.SharedFloats(p.Pad, stride, p.Rows, pitch, split, classPitch, warps);
        if ((long)sharedFloats * sizeof(float) > Math.Min(_accelerator.MaxSharedMemoryPerGroup, SharedBytesLimit)) return false;
        p.Split = split;
        p.SplitShift = shift;
        p.Pitch = pitch;
        p.ClassPitch = classPitch;
        return true;
    }

    private double[] TimeVaryingScores(int count)
    {
        var scores = new double[count * 3];
        _tvScores!.View.SubView(0, scores.Length).CopyToCPU(_stream, scores);
        return scores;
    }

    /// <summary>The recorded normalised columns made absolute into <paramref name="lattice"/> (scales summed from the start, or from the end).</summary>
    private void TimeVaryingLattice(TimeVaryingParams p, EmissionBatch emissions, StateLattice lattice, bool forward)
    {
        int count = emissions.BatchSize, maxLength = emissions.MaxLength, stride = p.Stride, n = p.States;
        var columns = new float[(long)count * maxLength * stride];
        var scales = new float[(long)count * maxLength];
        (forward ? p.AlphaColumns : p.BetaColumns).SubView(0, columns.Length).CopyToCPU(_stream, columns);
        (forward ? p.AlphaScales : p.BetaScales).SubView(0, scales.Length).CopyToCPU(_stream, scales);
        var data = lattice.Data;
        for (int b = 0; b < count; b++)
        {
            int length = emissions.Lengths[b];
            double cumulative = 0;
            for (int u = 0; u < length; u++)
            {
                int t = forward ? u : length - 1 - u;
                cumulative += scales[(long)b * maxLength + t];
                long column = ((long)b * maxLength + t) * stride;
                int destination = lattice.Offset(b, t);
                for (int j = 0; j < n; j++) data[destination + j] = (float)(columns[column + j] + cumulative);
            }
        }
    }

    private void DisposeTimeVarying()
    {
        _tvEmissions?.Dispose(); _tvTables?.Dispose(); _tvOutOf?.Dispose(); _tvInitial?.Dispose(); _tvAlpha?.Dispose(); _tvAlphaScales?.Dispose();
        _tvBeta?.Dispose(); _tvBetaScales?.Dispose(); _tvBackpointers?.Dispose(); _tvGamma?.Dispose(); _tvPerFrame?.Dispose(); _tvSummed?.Dispose();
        _tvLengths?.Dispose(); _tvPaths?.Dispose(); _tvScores?.Dispose();
    }
}

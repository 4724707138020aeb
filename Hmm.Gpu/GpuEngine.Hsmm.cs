using System;
using Hmm.Engine;
using Hmm.Gpu.Kernels;
using Hmm.Primitives;
using Hmm.Simd;
using ILGPU;
using ILGPU.Runtime;

namespace Hmm.Gpu;

// IHsmmEngine: the explicit-duration recursions, one thread group a sequence, the whole batch in one launch per pass.
// Two kernel sets (HsmmVariant): HsmmSharedKernel (default: each sequence's windows and rows in shared memory, one barrier
// a frame, frame shift and Viterbi backtrace on the device) and HsmmKernel (windows and rows in global memory, two
// barriers a frame, frame shift and backtrace on the host; also the fallback where the shared layout does not fit).
// Only scores, occupancies, counts and Viterbi segments come back.
public sealed partial class GpuEngine : IHsmmEngine
{
    /// <summary>Which HSMM kernels a call runs.</summary>
    internal enum HsmmKernels
    {
        /// <summary><see cref="HsmmSharedKernel"/>: shared-memory windows, one barrier a frame, shift and backtrace on the device.</summary>
        Shared,
        /// <summary><see cref="HsmmKernel"/>: windows and rows in global memory, two barriers a frame, shift and backtrace on the host.</summary>
        Global,
    }

    private Action<KernelConfig, HsmmParams>? _hsmmForward, _hsmmViterbi, _hsmmBackward, _hsmmPosteriors;
    private Action<KernelConfig, HsmmParams>? _hsmmSharedShift, _hsmmSharedForward, _hsmmSharedViterbi, _hsmmSharedBackward;
    private DeviceBuffer<float>? _hsmmChanges, _hsmmEmissions, _hsmmTables, _hsmmWindows, _hsmmRows, _hsmmCounts, _hsmmOccupancy, _hsmmTransitions, _hsmmEnds, _hsmmScores, _hsmmFrameShifts;
    private DeviceBuffer<int>? _hsmmLengths, _hsmmPointers, _hsmmSegments;
    private DeviceBuffer<double>? _hsmmShiftSums;
    private int[] _hsmmSegmentStaging = Array.Empty<int>();
    private long _hsmmKernelTicks;
    private float[] _hsmmStaging = Array.Empty<float>(), _hsmmShifted = Array.Empty<float>();
    private double[] _hsmmShifts = Array.Empty<double>();

    /// <summary>Wall time of the last HSMM call's kernels (the stream synchronised before and after; excludes the copies).</summary>
    public TimeSpan LastHsmmKernelTime => TimeSpan.FromSeconds(_hsmmKernelTicks / (double)System.Diagnostics.Stopwatch.Frequency);

    /// <summary>Threads per sequence at most (whole warps; the global variant also at most 256); tests lower it so that a warp serves several states.</summary>
    internal int HsmmMaxThreads { get; set; } = 1024;

    /// <summary>The HSMM kernels to run (the bench times both; tests pin each).</summary>
    internal HsmmKernels HsmmVariant { get; set; }

    /// <summary>Shared memory the shared variant may use per group (bytes; also at most the device's); larger shapes fall back to the global variant.</summary>
    internal int HsmmSharedBytes { get; set; } = 48 * 1024;

    /// <summary>The kernels the last HSMM call ran (<see cref="HsmmKernels.Global"/> where the shared layout did not fit).</summary>
    internal HsmmKernels LastHsmmVariant { get; private set; }

    /// <summary>
    /// The explicit-duration HMM on this device (<see cref="HsmmEngine"/>'s recursions: the same definitions, one thread group a
    /// sequence). An interface view, so that its Forward, Backward, Posteriors and Viterbi stay apart from the HMM ones.
    /// </summary>
    public IHsmmEngine Hsmm => this;

    /// <inheritdoc/>
    void IHsmmEngine.Forward(HsmmModel model, EmissionBatch emissions, Span<double> logLikelihoods) => HsmmLogLikelihoods(model, emissions, logLikelihoods, backward: false);

    /// <inheritdoc/>
    void IHsmmEngine.Backward(HsmmModel model, EmissionBatch emissions, Span<double> logLikelihoods) => HsmmLogLikelihoods(model, emissions, logLikelihoods, backward: true);

    private void HsmmLogLikelihoods(HsmmModel model, EmissionBatch emissions, Span<double> logLikelihoods, bool backward)
    {
        ThrowIfDisposed();
        HsmmArguments.Check(model, emissions, nameof(emissions));
        HsmmArguments.CheckOutput(logLikelihoods.Length, emissions.BatchSize, nameof(logLikelihoods));
        bool shared = HsmmChooseVariant(model, emissions);
        _hsmmKernelTicks = 0;
        foreach (var (b0, count) in HsmmChunks(model, emissions, viterbi: false))
        {
            var p = HsmmSetup(model, emissions, b0, count, viterbi: false, shared);
            if (shared) HsmmSharedLaunch(backward ? HsmmSharedKernels.Backward : HsmmSharedKernels.Forward, p, count);
            else
                HsmmLaunch(backward
                    ? _hsmmBackward ??= _accelerator.LoadStreamKernel<HsmmParams>(HsmmKernel.Backward)
                    : _hsmmForward ??= _accelerator.LoadStreamKernel<HsmmParams>(HsmmKernel.Forward), p, count);
            HsmmScores(backward ? p.BackwardLogLikelihoods : p.LogLikelihoods, count, logLikelihoods.Slice(b0, count), shared ? p.ShiftSums : default);
        }
    }

    /// <inheritdoc/>
    void IHsmmEngine.Posteriors(HsmmModel model, EmissionBatch emissions, HsmmPosteriors result)
    {
        ThrowIfDisposed();
        Guard.NotNull(result, nameof(result));
        HsmmArguments.Check(model, emissions, nameof(emissions));
        result.Check(model, emissions, nameof(result));
        bool shared = HsmmChooseVariant(model, emissions);
        _hsmmKernelTicks = 0;
        foreach (var (b0, count) in HsmmChunks(model, emissions, viterbi: false)) HsmmPosteriorChunk(model, emissions, result, b0, count, shared);
    }

    private void HsmmPosteriorChunk(HsmmModel model, EmissionBatch emissions, HsmmPosteriors result, int b0, int count, bool shared)
    {
        int maxLength = emissions.MaxLength, n = model.StateCount, stride = model.Stride, ds = model.DurationStride, d = model.MaxDuration;
        var p = HsmmSetup(model, emissions, b0, count, viterbi: false, shared);
        p.Counts = 1;
        if (shared)
        {
            // Forward writes in and alpha; backward accumulates every posterior (no third launch).
            HsmmSharedLaunch(HsmmSharedKernels.Forward, p, count);
            HsmmSharedLaunch(HsmmSharedKernels.Backward, p, count);
        }
        else
        {
            HsmmLaunch(_hsmmForward ??= _accelerator.LoadStreamKernel<HsmmParams>(HsmmKernel.Forward), p, count);
            HsmmLaunch(_hsmmBackward ??= _accelerator.LoadStreamKernel<HsmmParams>(HsmmKernel.Backward), p, count);
            HsmmLaunch(_hsmmPosteriors ??= _accelerator.LoadStreamKernel<HsmmParams>(HsmmKernel.Posteriors), p, count);
        }
        HsmmScores(p.LogLikelihoods, count, result.LogLikelihoods.AsSpan(b0, count), shared ? p.ShiftSums : default);
        int lattice = count * maxLength * stride;
        var occupancy = result.StateOccupancy;
        if (occupancy.MaxLength == maxLength)
            p.Occupancy.SubView(0, lattice).CopyToCPU(_stream, occupancy.Data.AsSpan(occupancy.Offset(b0, 0), lattice));
        else
        {
            var staged = HsmmStage(lattice);
            p.Occupancy.SubView(0, lattice).CopyToCPU(_stream, staged.AsSpan(0, lattice));
            _stream.Synchronize();
            for (int i = 0; i < count; i++)
                staged.AsSpan(i * maxLength * stride, emissions.Lengths[b0 + i] * stride).CopyTo(occupancy.Data.AsSpan(occupancy.Offset(b0 + i, 0)));
        }
        int countFloats = count * n * ds, transitionFloats = count * n * stride, endFloats = count * 2 * stride;
        var counts = HsmmStage(countFloats + transitionFloats + endFloats);
        p.DurationCounts.SubView(0, countFloats).CopyToCPU(_stream, counts.AsSpan(0, countFloats));
        p.Transitions.SubView(0, transitionFloats).CopyToCPU(_stream, counts.AsSpan(countFloats, transitionFloats));
        p.Ends.SubView(0, endFloats).CopyToCPU(_stream, counts.AsSpan(countFloats + transitionFloats, endFloats));
        _stream.Synchronize();
        for (int i = 0; i < count; i++)
        {
            if (double.IsNegativeInfinity(result.LogLikelihoods[b0 + i])) continue;
            for (int j = 0; j < n; j++)
            {
                for (int k = 0; k < d; k++) result.DurationCounts[j, k] += counts[(i * n + j) * ds + k];
                for (int q = 0; q < n; q++) result.TransitionCounts[j, q] += counts[countFloats + (i * n + j) * stride + q];
                result.InitialCounts[j] += counts[countFloats + transitionFloats + i * 2 * stride + j];
                result.FinalCounts[j] += counts[countFloats + transitionFloats + (i * 2 + 1) * stride + j];
            }
        }
    }

    /// <inheritdoc/>
    void IHsmmEngine.Viterbi(HsmmModel model, EmissionBatch emissions, HsmmViterbiResult result)
    {
        ThrowIfDisposed();
        Guard.NotNull(result, nameof(result));
        HsmmArguments.Check(model, emissions, nameof(emissions));
        result.Check(emissions, nameof(result));
        _hsmmKernelTicks = 0;
        int maxLength = emissions.MaxLength, stride = model.Stride;
        bool shared = HsmmChooseVariant(model, emissions);
        foreach (var (b0, count) in HsmmChunks(model, emissions, viterbi: true))
        {
            var p = HsmmSetup(model, emissions, b0, count, viterbi: true, shared);
            var scores = new double[count];
            if (shared)
            {
                // Back-pointers walked on the device: only the segments (and their counts) come back.
                HsmmSharedLaunch(HsmmSharedKernels.Viterbi, p, count);
                int segmentInts = count * maxLength * 3;
                if (_hsmmSegmentStaging.Length < segmentInts + count) _hsmmSegmentStaging = new int[segmentInts + count];
                p.SegmentCounts.SubView(0, count).CopyToCPU(_stream, _hsmmSegmentStaging.AsSpan(segmentInts, count));
                p.Segments.SubView(0, segmentInts).CopyToCPU(_stream, _hsmmSegmentStaging.AsSpan(0, segmentInts));
                HsmmScores(p.LogLikelihoods, count, scores, p.ShiftSums);
                for (int i = 0; i < count; i++)
                    result.CompleteSegments(b0 + i, _hsmmSegmentStaging.AsSpan(i * maxLength * 3, maxLength * 3), _hsmmSegmentStaging[segmentInts + i], scores[i]);
                continue;
            }
            HsmmLaunch(_hsmmViterbi ??= _accelerator.LoadStreamKernel<HsmmParams>(HsmmKernel.Viterbi), p, count);
            HsmmScores(p.LogLikelihoods, count, scores, default);
            int lattice = count * maxLength * stride;
            var pointers = new int[2 * lattice];
            p.Durations.SubView(0, lattice).CopyToCPU(_stream, pointers.AsSpan(0, lattice));
            p.Predecessors.SubView(0, lattice).CopyToCPU(_stream, pointers.AsSpan(lattice, lattice));
            var alpha = new float[lattice];
            p.Alpha.SubView(0, lattice).CopyToCPU(_stream, alpha);
            _stream.Synchronize();
            for (int i = 0; i < count; i++)
            {
                int length = emissions.Lengths[b0 + i], rows = i * maxLength * stride;
                int last = Definitions.HsmmBestFinal(new ArrayMemory(alpha), rows + (length - 1) * stride, new ArrayMemory(model.FinalPadded), 0, model.StateCount);
                result.Complete(b0 + i, new HostHsmmPointers(pointers, rows, lattice, stride), length, last, scores[i]);
            }
        }
    }

    /// <summary>Device bytes one HSMM launch may use; a larger batch runs in several launches (tests lower it).</summary>
    internal long HsmmChunkBytes { get; set; } = 1L << 30;

    // Consecutive sub-batches whose rows, windows, counts and pointers fit HsmmChunkBytes (at least one sequence each).
    private System.Collections.Generic.IEnumerable<(int First, int Count)> HsmmChunks(HsmmModel model, EmissionBatch emissions, bool viterbi)
    {
        int maxLength = emissions.MaxLength, n = model.StateCount, stride = model.Stride, ds = model.DurationStride;
        long perSequence = 4L * maxLength * stride * (6 + (viterbi ? 2 : 0)) + 4L * n * (ds + maxLength + ds) + 4L * n * (maxLength + ds + 1) + 4L * n * (ds + stride) + 16L * stride + 16;
        int chunk = (int)Math.Max(1, Math.Min(emissions.BatchSize, HsmmChunkBytes / perSequence));
        for (int b0 = 0; b0 < emissions.BatchSize; b0 += chunk) yield return (b0, Math.Min(chunk, emissions.BatchSize - b0));
    }

    private HsmmParams HsmmSetup(HsmmModel model, EmissionBatch emissions, int b0, int batch, bool viterbi, bool shared)
    {
        int maxLength = emissions.MaxLength, n = model.StateCount, stride = model.Stride, ds = model.DurationStride;
        int windowStride = ds + maxLength + ds;
        long lattice = (long)batch * maxLength * stride;
        _hsmmEmissions ??= new DeviceBuffer<float>(_allocator);
        _hsmmChanges ??= new DeviceBuffer<float>(_allocator);
        int changeStride = maxLength + ds + 1;
        _hsmmTables ??= new DeviceBuffer<float>(_allocator);
        _hsmmWindows ??= new DeviceBuffer<float>(_allocator);
        _hsmmRows ??= new DeviceBuffer<float>(_allocator);
        _hsmmCounts ??= new DeviceBuffer<float>(_allocator);
        _hsmmOccupancy ??= new DeviceBuffer<float>(_allocator);
        _hsmmTransitions ??= new DeviceBuffer<float>(_allocator);
        _hsmmEnds ??= new DeviceBuffer<float>(_allocator);
        _hsmmScores ??= new DeviceBuffer<float>(_allocator);
        _hsmmLengths ??= new DeviceBuffer<int>(_allocator);
        _hsmmPointers ??= new DeviceBuffer<int>(_allocator);
        // One upload of the model's tables, one of the emissions (the lattice's own layout) and the lengths.
        int tableFloats = 2 * stride + 2 * n * stride + 2 * n * ds;
        var tables = HsmmStage(tableFloats);
        model.InitialPadded.CopyTo(tables, 0);
        model.FinalPadded.CopyTo(tables, stride);
        model.IntoTable.CopyTo(tables, 2 * stride);
        model.OutOfTable.CopyTo(tables, 2 * stride + n * stride);
        model.ForwardDurations.CopyTo(tables, 2 * stride + 2 * n * stride);
        model.BackwardDurations.CopyTo(tables, 2 * stride + 2 * n * stride + n * ds);
        var t = Upload(_hsmmTables, tables.AsSpan(0, tableFloats));
        ArrayView<float> e;
        if (shared)
            e = Upload(_hsmmEmissions, emissions.Data.AsSpan(emissions.Offset(b0, 0), (int)lattice)); // shifted on the device (HsmmSharedKernel.Shift)
        else
        {
            // Each frame shifted by its maximum on the way up (Definitions.HsmmShiftFrame, as the CPU engine does); the shifts' sums
            // go back onto the log-likelihoods and scores (HsmmScores).
            if (_hsmmShifted.Length < lattice) _hsmmShifted = new float[lattice];
            if (_hsmmShifts.Length < batch) _hsmmShifts = new double[batch];
            emissions.Data.AsSpan(emissions.Offset(b0, 0), (int)lattice).CopyTo(_hsmmShifted);
            unsafe
            {
                fixed (float* frames = _hsmmShifted)
                    for (int i = 0; i < batch; i++)
                    {
                        double total = 0;
                        for (int frame = 0; frame < emissions.Lengths[b0 + i]; frame++)
                            total += Definitions.HsmmShiftFrame<LaneScalar, float, CpuMemory>(new CpuMemory(frames), (i * maxLength + frame) * stride, stride);
                        _hsmmShifts[i] = total;
                    }
            }
            e = Upload(_hsmmEmissions, _hsmmShifted.AsSpan(0, (int)lattice));
        }
        var lengths = Upload(_hsmmLengths, emissions.Lengths.Slice(b0, batch));
        var rows = _hsmmRows.Ensure(4 * lattice);
        var pointers = _hsmmPointers.Ensure(viterbi ? 2 * lattice : 1);
        _hsmmFrameShifts ??= new DeviceBuffer<float>(_allocator);
        _hsmmShiftSums ??= new DeviceBuffer<double>(_allocator);
        _hsmmSegments ??= new DeviceBuffer<int>(_allocator);
        var segments = _hsmmSegments.Ensure(shared && viterbi ? (long)batch * maxLength * 3 + batch : 1);
        var p = new HsmmParams
        {
            Shifts = _hsmmFrameShifts.Ensure(shared ? (long)batch * maxLength : 1), ShiftSums = _hsmmShiftSums.Ensure(batch).SubView(0, batch),
            Segments = shared && viterbi ? segments.SubView(0, (long)batch * maxLength * 3) : segments,
            SegmentCounts = shared && viterbi ? segments.SubView((long)batch * maxLength * 3, batch) : segments,
            Emissions = e, Lengths = lengths,
            Initial = t.SubView(0, stride), Final = t.SubView(stride, stride),
            Into = t.SubView(2 * stride, n * stride), OutOf = t.SubView(2 * stride + n * stride, n * stride),
            ForwardDurations = t.SubView(2 * stride + 2 * n * stride, n * ds), BackwardDurations = t.SubView(2 * stride + 2 * n * stride + n * ds, n * ds),
            Windows = _hsmmWindows.Ensure(shared ? 1 : (long)batch * n * windowStride),
            Alpha = rows.SubView(0, lattice), In = rows.SubView(lattice, lattice), Beta = rows.SubView(2 * lattice, lattice), BetaStar = rows.SubView(3 * lattice, lattice),
            Durations = viterbi ? pointers.SubView(0, lattice) : pointers, Predecessors = viterbi ? pointers.SubView(lattice, lattice) : pointers,
            DurationCounts = _hsmmCounts.Ensure((long)batch * n * ds), Changes = _hsmmChanges.Ensure((long)batch * n * changeStride), ChangeStride = changeStride, Occupancy = _hsmmOccupancy.Ensure(lattice),
            Transitions = _hsmmTransitions.Ensure((long)batch * n * stride), Ends = _hsmmEnds.Ensure((long)batch * 2 * stride),
            LogLikelihoods = _hsmmScores.Ensure(2L * batch).SubView(0, batch), BackwardLogLikelihoods = _hsmmScores.View.SubView(batch, batch),
            States = n, Stride = stride, MaxDuration = model.MaxDuration, DurationStride = ds, MaxLength = maxLength, WindowStride = windowStride,
        };
        if (shared) HsmmLaunch(_hsmmSharedShift ??= _accelerator.LoadStreamKernel<HsmmParams>(HsmmSharedKernel.Shift), p, batch, Math.Min(256, _accelerator.MaxNumThreadsPerGroup));
        return p;
    }

    private void HsmmLaunch(Action<KernelConfig, HsmmParams> kernel, HsmmParams p, int batch)
    {
        int warp = _accelerator.WarpSize;
        int threads = Math.Max(warp, Math.Min(Math.Min(Math.Min(HsmmMaxThreads, 256), _accelerator.MaxNumThreadsPerGroup), p.States * warp) / warp * warp);
        HsmmLaunch(kernel, p, batch, threads);
    }

    private void HsmmLaunch(Action<KernelConfig, HsmmParams> kernel, HsmmParams p, int batch, int threads, int sharedFloats = 0)
    {
        _stream.Synchronize();
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var config = sharedFloats > 0
            ? new KernelConfig(new Index1D(batch), new Index1D(threads), SharedMemoryConfig.RequestDynamic<float>(sharedFloats))
            : new KernelConfig(new Index1D(batch), new Index1D(threads));
        kernel(config, p);
        _stream.Synchronize();
        _hsmmKernelTicks += System.Diagnostics.Stopwatch.GetTimestamp() - started;
    }

    private enum HsmmSharedKernels
    {
        Forward,
        Viterbi,
        Backward,
    }

    // The shared variant: one warp a state (whole warps up to the group's limit), its layout in dynamic shared memory.
    private void HsmmSharedLaunch(HsmmSharedKernels which, HsmmParams p, int batch)
    {
        bool posteriors = which == HsmmSharedKernels.Backward && p.Counts != 0;
        int floats = HsmmSharedLayout(ref p, posteriors, HsmmSharedLimit());
        if (floats < 0) throw new InvalidOperationException("The HSMM shared layout does not fit (HsmmChooseVariant should have chosen the global kernels).");
        int warp = _accelerator.WarpSize;
        int warps = Math.Max(1, Math.Min(p.States, Math.Min(HsmmMaxThreads, _accelerator.MaxNumThreadsPerGroup) / warp));
        var kernel = which switch
        {
            HsmmSharedKernels.Forward => _hsmmSharedForward ??= _accelerator.LoadStreamKernel<HsmmParams>(HsmmSharedKernel.Forward),
            HsmmSharedKernels.Viterbi => _hsmmSharedViterbi ??= _accelerator.LoadStreamKernel<HsmmParams>(HsmmSharedKernel.Viterbi),
            _ => _hsmmSharedBackward ??= _accelerator.LoadStreamKernel<HsmmParams>(HsmmSharedKernel.Backward),
        };
        HsmmLaunch(kernel, p, batch, warps * warp, floats);
    }

    private int HsmmSharedLimit() => (int)Math.Min(HsmmSharedBytes, _accelerator.MaxSharedMemoryPerGroup) / sizeof(float);

    // Picks the call's kernels: the shared variant where its largest layout (backward with posteriors, one staged frame) fits.
    private bool HsmmChooseVariant(HsmmModel model, EmissionBatch emissions)
    {
        bool shared = HsmmVariant == HsmmKernels.Shared;
        if (shared)
        {
            var probe = new HsmmParams { States = model.StateCount, Stride = model.Stride, MaxDuration = model.MaxDuration, DurationStride = model.DurationStride };
            shared = HsmmSharedLayout(ref probe, posteriors: true, HsmmSharedLimit(), maxChunk: 1) >= 0;
        }
        LastHsmmVariant = shared ? HsmmKernels.Shared : HsmmKernels.Global;
        return shared;
    }

    /// <summary>
    /// Lays out <see cref="HsmmSharedKernel"/>'s shared memory into <paramref name="p"/>: transition table [N, Stride], durations
    /// [N, DurationStride], windows [N, Ring] (Ring: D rounded up to a power of two), two rows, a chunk of emission frames;
    /// with <paramref name="posteriors"/> also counts [N, DurationStride], change rings [N, ChangeRing] (D + 2 rounded up),
    /// transitions [N, N] and a chunk each of in and alpha rows. The chunk is the largest of 32, 16, …, 1 frames (at most
    /// <paramref name="maxChunk"/>) that fits <paramref name="limit"/> floats; returns the floats, or -1 where none fits.
    /// </summary>
    internal static int HsmmSharedLayout(ref HsmmParams p, bool posteriors, int limit, int maxChunk = 32)
    {
        int n = p.States, stride = p.Stride, ds = p.DurationStride, d = p.MaxDuration;
        int ring = 1;
        while (ring < d) ring <<= 1;
        int changeRing = 1;
        while (changeRing < d + 2) changeRing <<= 1;
        for (int chunk = maxChunk; chunk >= 1; chunk >>= 1)
        {
            long offset = 0;
            long Take(long floats)
            {
                long at = offset;
                offset += floats;
                return at;
            }
            p.SharedTable = (int)Take((long)n * stride);
            p.SharedDurations = (int)Take((long)n * ds);
            p.SharedWindows = (int)Take((long)n * ring);
            p.SharedRows = (int)Take(2L * stride);
            p.SharedFrames = (int)Take((long)chunk * stride);
            p.SharedCounts = (int)Take(posteriors ? (long)n * ds : 1);
            p.SharedChanges = (int)Take(posteriors ? (long)n * changeRing : 1);
            p.SharedTransitions = (int)Take(posteriors ? (long)n * n : 1);
            p.SharedIn = (int)Take(posteriors ? (long)chunk * stride : 1);
            p.SharedAlpha = (int)Take(posteriors ? (long)chunk * stride : 1);
            if (offset > limit) continue;
            p.Ring = ring;
            p.ChangeRing = changeRing;
            p.Chunk = chunk;
            return (int)offset;
        }
        return -1;
    }

    private void HsmmScores(ArrayView<float> source, int batch, Span<double> destination, ArrayView<double> deviceShifts)
    {
        var staged = new float[batch];
        source.SubView(0, batch).CopyToCPU(_stream, staged);
        if (deviceShifts.IsValid)
        {
            if (_hsmmShifts.Length < batch) _hsmmShifts = new double[batch];
            deviceShifts.SubView(0, batch).CopyToCPU(_stream, _hsmmShifts.AsSpan(0, batch));
        }
        _stream.Synchronize();
        for (int b = 0; b < batch; b++) destination[b] = staged[b] + _hsmmShifts[b];
    }

    private float[] HsmmStage(int floats) => _hsmmStaging.Length >= floats ? _hsmmStaging : _hsmmStaging = new float[floats];

    private void DisposeHsmm()
    {
        _hsmmChanges?.Dispose(); _hsmmEmissions?.Dispose(); _hsmmTables?.Dispose(); _hsmmWindows?.Dispose(); _hsmmRows?.Dispose(); _hsmmCounts?.Dispose();
        _hsmmOccupancy?.Dispose(); _hsmmTransitions?.Dispose(); _hsmmEnds?.Dispose(); _hsmmScores?.Dispose(); _hsmmLengths?.Dispose(); _hsmmPointers?.Dispose();
        _hsmmFrameShifts?.Dispose(); _hsmmShiftSums?.Dispose(); _hsmmSegments?.Dispose();
    }

    /// <summary>Downloaded back-pointers: durations in the first <c>lattice</c> ints, predecessors after them.</summary>
    private readonly struct HostHsmmPointers : IHsmmPointers
    {
        private readonly int[] _pointers;
        private readonly int _rows, _lattice, _stride;

        public HostHsmmPointers(int[] pointers, int rows, int lattice, int stride)
        {
            _pointers = pointers;
            _rows = rows;
            _lattice = lattice;
            _stride = stride;
        }

        public int Duration(int t, int state) => _pointers[_rows + t * _stride + state];

        public int Predecessor(int t, int state) => _pointers[_lattice + _rows + t * _stride + state];
    }

    /// <summary>A host array as <see cref="IFloatMemory"/> (the final-state choice on downloaded rows).</summary>
    private readonly struct ArrayMemory : IFloatMemory
    {
        private readonly float[] _data;

        public ArrayMemory(float[] data) => _data = data;

        public ref float this[int index] => ref _data[index];
    }
}

using System.Runtime.CompilerServices;
using Hmm.Engine;
using ILGPU;

namespace Hmm.Gpu.Kernels;

/// <summary>
/// A view addressed modulo a power of two (<c>mask</c> = size - 1; -1 addresses it plainly): the HSMM windows and the
/// occupancy changes as rings in shared memory, so the definitions' time-indexed cells (<c>window[first + k]</c>) need
/// only the D frames a state's segments can span.
/// </summary>
internal readonly struct RingMemory : IFloatMemory
{
    private readonly ArrayView<float> _view;
    private readonly int _mask;

    public RingMemory(ArrayView<float> view, int mask)
    {
        _view = view;
        _mask = mask;
    }

    public ref float this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _view[index & _mask];
    }
}

/// <summary>Viterbi back-pointers in device memory: durations and predecessors, [MaxLength, Stride] from <c>rows</c>.</summary>
internal readonly struct DeviceHsmmPointers : IHsmmPointers
{
    private readonly ArrayView<int> _durations, _predecessors;
    private readonly int _rows, _stride;

    public DeviceHsmmPointers(ArrayView<int> durations, ArrayView<int> predecessors, int rows, int stride)
    {
        _durations = durations;
        _predecessors = predecessors;
        _rows = rows;
        _stride = stride;
    }

    public int Duration(int t, int state) => _durations[_rows + t * _stride + state];

    public int Predecessor(int t, int state) => _predecessors[_rows + t * _stride + state];
}

/// <summary>A Viterbi path's segments in device memory, (state, start, duration) triples, last first.</summary>
internal readonly struct DeviceHsmmSegments : IHsmmSegmentWriter
{
    private readonly ArrayView<int> _segments;
    private readonly long _first;

    public DeviceHsmmSegments(ArrayView<int> segments, long first)
    {
        _segments = segments;
        _first = first;
    }

    public void Write(int index, int state, int start, int duration)
    {
        long q = _first + 3L * index;
        _segments[q] = state;
        _segments[q + 1] = start;
        _segments[q + 2] = duration;
    }
}

/// <summary>
/// The HSMM kernels with each sequence's state in shared memory (<see cref="GpuEngine"/>'s default HSMM variant): one
/// thread group per sequence, one warp per state (a warp loops over several when N exceeds the group's warps). Per frame
/// each warp computes its state's segment start (all lanes the same <see cref="Definitions.RelaxDense{TL, TV, TS, TM}"/>
/// over the previous frame's row in shared memory, so no barrier sits between the step and the sweep), writes it into its
/// window, a ring of a power of two ≥ D cells in shared memory (<see cref="RingMemory"/>), and sweeps the window with
/// <see cref="Definitions.HsmmSegments{TL, TV, TS, TM, TR}"/> (lanes over cells, <see cref="WarpColumn"/>); the rows are
/// double-buffered, so a frame costs one group barrier. Emissions (and, backward, the forward pass's in and alpha rows)
/// are staged into shared memory a chunk of frames at a time. The backward pass with counts also accumulates the expected
/// durations (shared), the occupancy changes (a ring of ≥ D + 2 cells, each frame flushed to global memory once final),
/// expected transitions and initial/final states, then the occupancy (<see cref="Definitions.HsmmOccupancy"/>, a warp a
/// state): no third launch. Viterbi walks its back-pointers on the device (<see cref="Definitions.HsmmBacktrace{TP, TW}"/>).
/// </summary>
internal static class HsmmSharedKernel
{
    /// <summary>
    /// Shifts each frame of each sequence by its maximum in place (<see cref="Definitions.HsmmShiftFrame{TL, TV, TM}"/>, a thread a
    /// frame) and sums the shifts in float64 in frame order (warp 0, shuffles), as the CPU engine does. Needs at least one whole warp.
    /// </summary>
    public static void Shift(HsmmParams p)
    {
        int b = Grid.IdxX, tid = Group.IdxX, threads = Group.DimX;
        int length = p.Lengths[b], stride = p.Stride;
        var emissions = new GpuMemory(p.Emissions);
        for (int t = tid; t < length; t += threads)
            p.Shifts[b * p.MaxLength + t] = Definitions.HsmmShiftFrame<GpuLane, float, GpuMemory>(emissions, (b * p.MaxLength + t) * stride, stride);
        Group.Barrier();
        // Warp 0 sums in frame order (each lane the same float64 sum; 32 coalesced loads at a time, then shuffles).
        if (tid >= Warp.WarpSize) return;
        int lane = Warp.LaneIdx;
        double total = 0;
        for (int t0 = 0; t0 < length; t0 += Warp.WarpSize)
        {
            int t = t0 + lane;
            float mine = t < length ? p.Shifts[b * p.MaxLength + t] : 0f;
            int span = System.Math.Min(Warp.WarpSize, length - t0);
            for (int m = 0; m < span; m++) total += Warp.Shuffle(mine, m);
        }
        if (lane == 0) p.ShiftSums[b] = total;
    }

    public static void Forward(HsmmParams p) => ForwardBody<LogSumExp>(p);

    public static void Viterbi(HsmmParams p) => ForwardBody<MaxPlus>(p);

    private static void ForwardBody<TS>(HsmmParams p) where TS : struct, ISemiring
    {
        int b = Grid.IdxX, tid = Group.IdxX, threads = Group.DimX;
        int warp = tid / Warp.WarpSize, lane = Warp.LaneIdx, warps = threads / Warp.WarpSize;
        int length = p.Lengths[b], n = p.States, stride = p.Stride, d = p.MaxDuration, ds = p.DurationStride, ring = p.Ring, chunk = p.Chunk;
        bool viterbi = !default(TS).NeedsSumPass, rowsOut = p.Counts != 0;
        var shared = SharedMemory.GetDynamic<float>();
        var table = shared.SubView(p.SharedTable, n * stride);
        var durations = shared.SubView(p.SharedDurations, n * ds);
        var windows = shared.SubView(p.SharedWindows, n * ring);
        var rowBuffer = shared.SubView(p.SharedRows, 2 * stride);
        var frames = shared.SubView(p.SharedFrames, chunk * stride);
        for (int q = tid; q < n * stride; q += threads) table[q] = p.Into[q];
        for (int q = tid; q < n * ds; q += threads) durations[q] = p.ForwardDurations[q];
        for (int q = tid; q < n * ring; q += threads) windows[q] = float.NegativeInfinity;
        var cells = new ColumnSlice(lane, Definitions.HsmmSpan(d, 1), Warp.WarpSize);
        int rows = b * p.MaxLength * stride;
        var tableMemory = new RingMemory(table, -1);
        var durationMemory = new RingMemory(durations, -1);
        var rowMemory = new RingMemory(rowBuffer, -1);
        for (int t = 0; t < length; t++)
        {
            int c = t % chunk;
            if (c == 0)
            {
                // The previous frame's barrier: every warp is done with the last chunk (and, at t = 0, the tables are in).
                int count = System.Math.Min(chunk, length - t) * stride;
                for (int q = tid; q < count; q += threads) frames[q] = p.Emissions[rows + t * stride + q];
                Group.Barrier();
            }
            int row = rows + t * stride, previous = ((t + 1) & 1) * stride, current = (t & 1) * stride;
            for (int j = warp; j < n; j += warps)
            {
                float arg = 0f;
                float v = t == 0 ? p.Initial[j] : Definitions.RelaxDense<GpuLane, float, TS, RingMemory>(rowMemory, previous, tableMemory, n, stride, j, ref arg);
                var window = new RingMemory(windows.SubView(j * ring, ring), ring - 1);
                if (lane == 0)
                {
                    window[ds + t] = v;
                    if (rowsOut) p.In[row + j] = v;
                    if (viterbi) p.Predecessors[row + j] = (int)arg;
                }
                Warp.Barrier();
                float a = Definitions.HsmmSegments<GpuLane, float, TS, RingMemory, WarpColumn>(window, ds + t - d + 1,
                    durationMemory, j * ds, frames[c * stride + j], cells, default, out int k);
                if (lane == 0)
                {
                    rowBuffer[current + j] = a;
                    if (rowsOut) p.Alpha[row + j] = a;
                    if (viterbi) p.Durations[row + j] = k < 0 ? 0 : d - k;
                }
            }
            Group.Barrier();
        }
        if (tid != 0) return;
        int lastRow = ((length - 1) & 1) * stride;
        var final = new RingMemory(p.Final, -1);
        float score = Definitions.HsmmFinish(rowMemory, lastRow, final, 0, n, viterbi);
        p.LogLikelihoods[b] = score;
        if (!viterbi) return;
        int last = Definitions.HsmmBestFinal(rowMemory, lastRow, final, 0, n);
        int segments = 0;
        if (score != float.NegativeInfinity && last >= 0)
        {
            var writer = new DeviceHsmmSegments(p.Segments, (long)b * p.MaxLength * 3);
            segments = Definitions.HsmmBacktrace(new DeviceHsmmPointers(p.Durations, p.Predecessors, rows, stride), length, last, ref writer);
        }
        p.SegmentCounts[b] = segments;
    }

    /// <summary>
    /// Backward; with <see cref="HsmmParams.Counts"/> (after <see cref="Forward"/> with it), the expected duration counts,
    /// occupancy, expected transitions and initial and final states as well.
    /// </summary>
    public static void Backward(HsmmParams p)
    {
        int b = Grid.IdxX, tid = Group.IdxX, threads = Group.DimX;
        int warp = tid / Warp.WarpSize, lane = Warp.LaneIdx, warps = threads / Warp.WarpSize;
        int length = p.Lengths[b], n = p.States, stride = p.Stride, d = p.MaxDuration, ds = p.DurationStride, ring = p.Ring, chunk = p.Chunk;
        int changeRing = p.ChangeRing, cs = p.ChangeStride;
        bool posteriors = p.Counts != 0;
        var shared = SharedMemory.GetDynamic<float>();
        var table = shared.SubView(p.SharedTable, n * stride);
        var durations = shared.SubView(p.SharedDurations, n * ds);
        var windows = shared.SubView(p.SharedWindows, n * ring);
        var rowBuffer = shared.SubView(p.SharedRows, 2 * stride);
        var frames = shared.SubView(p.SharedFrames, chunk * stride);
        for (int q = tid; q < n * stride; q += threads) table[q] = p.OutOf[q];
        for (int q = tid; q < n * ds; q += threads) durations[q] = p.BackwardDurations[q];
        for (int q = tid; q < n * ring; q += threads) windows[q] = float.NegativeInfinity;
        // Posteriors only: counts, the change rings, transitions, and the forward rows in and alpha (frame u - 1) by chunk.
        var counts = shared.SubView(p.SharedCounts, posteriors ? n * ds : 1);
        var changes = shared.SubView(p.SharedChanges, posteriors ? n * changeRing : 1);
        var transitions = shared.SubView(p.SharedTransitions, posteriors ? n * n : 1);
        var ins = shared.SubView(p.SharedIn, posteriors ? chunk * stride : 1);
        var alphas = shared.SubView(p.SharedAlpha, posteriors ? chunk * stride : 1);
        float z = posteriors ? p.LogLikelihoods[b] : 0f;
        bool possible = posteriors && z != float.NegativeInfinity;
        if (posteriors)
        {
            for (int q = tid; q < n * ds; q += threads) counts[q] = 0f;
            for (int q = tid; q < n * changeRing; q += threads) changes[q] = 0f;
            for (int q = tid; q < n * n; q += threads) transitions[q] = 0f;
        }
        var cells = new ColumnSlice(lane, Definitions.HsmmSpan(d, 1), Warp.WarpSize);
        int rows = b * p.MaxLength * stride;
        var tableMemory = new RingMemory(table, -1);
        var durationMemory = new RingMemory(durations, -1);
        var rowMemory = new RingMemory(rowBuffer, -1);
        var countMemory = new RingMemory(counts, -1);
        int lo = 0;
        for (int s = length - 1; s >= 0; s--)
        {
            if ((length - 1 - s) % chunk == 0)
            {
                lo = System.Math.Max(0, s - chunk + 1);
                int count = (s - lo + 1) * stride;
                for (int q = tid; q < count; q += threads)
                {
                    frames[q] = p.Emissions[rows + lo * stride + q];
                    if (!posteriors) continue;
                    ins[q] = p.In[rows + lo * stride + q];
                    alphas[q] = q >= stride || lo > 0 ? p.Alpha[rows + (lo - 1) * stride + q] : float.NegativeInfinity;
                }
                Group.Barrier();
            }
            int c = s - lo, next = ((s + 1) & 1) * stride, current = (s & 1) * stride;
            for (int j = warp; j < n; j += warps)
            {
                float arg = 0f;
                float beta = s == length - 1 ? p.Final[j] : Definitions.RelaxDense<GpuLane, float, LogSumExp, RingMemory>(rowMemory, next, tableMemory, n, stride, j, ref arg);
                var window = new RingMemory(windows.SubView(j * ring, ring), ring - 1);
                if (lane == 0) window[ds + s] = beta;
                Warp.Barrier();
                float value = Definitions.HsmmSegments<GpuLane, float, LogSumExp, RingMemory, WarpColumn>(window, ds + s,
                    durationMemory, j * ds, frames[c * stride + j], cells, default, out _);
                if (lane == 0) rowBuffer[current + j] = value;
                if (!posteriors) continue;
                var change = new RingMemory(changes.SubView(j * changeRing, changeRing), changeRing - 1);
                if (possible)
                {
                    float start = ins[c * stride + j], offset = start - z;
                    if (value != float.NegativeInfinity && offset != float.NegativeInfinity)
                    {
                        float total = Definitions.HsmmSegmentPosteriors<GpuLane, float, RingMemory, WarpColumn>(window, ds + s, durationMemory, j * ds, offset,
                            countMemory, j * ds, change, s, cells, default);
                        if (lane == 0) change[s] += total;
                    }
                    // Segments of j starting at s > 0 after one of i ending at s - 1: lane i's own accumulator.
                    if (s > 0 && value != float.NegativeInfinity)
                        for (int i = lane; i < n; i += Warp.WarpSize)
                        {
                            float a = alphas[c * stride + i];
                            if (a != float.NegativeInfinity)
                                transitions[i * n + j] += Definitions.ExpectedCountTerm<GpuLane, float>(a, table[j * stride + i], value, z);
                        }
                    if (s == 0 && lane == 0) p.Ends[b * 2 * stride + j] = Definitions.Posterior<GpuLane, float>(start, value, z, 1f);
                }
                // Cell s + D has seen its last segment (those starting at s): out to global memory, and the ring cell reused.
                Warp.Barrier();
                if (lane == 0)
                {
                    p.Changes[(b * n + j) * cs + s + d] = change[s + d];
                    change[s + d] = 0f;
                }
            }
            Group.Barrier();
        }
        if (tid == 0) p.BackwardLogLikelihoods[b] = Definitions.HsmmFinish(rowMemory, 0, new RingMemory(p.Initial, -1), 0, n, max: false);
        if (!posteriors) return;
        for (int j = warp; j < n; j += warps)
        {
            var change = new RingMemory(changes.SubView(j * changeRing, changeRing), changeRing - 1);
            for (int u = lane; u < d; u += Warp.WarpSize) p.Changes[(b * n + j) * cs + u] = change[u];
            if (lane == 0)
                p.Ends[(b * 2 + 1) * stride + j] = possible ? Definitions.Posterior<GpuLane, float>(p.Alpha[rows + (length - 1) * stride + j], p.Final[j], z, 1f) : 0f;
            if (lane == 0 && !possible) p.Ends[b * 2 * stride + j] = 0f;
        }
        for (int q = tid; q < n * ds; q += threads) p.DurationCounts[b * n * ds + q] = counts[q];
        for (int q = tid; q < n * n; q += threads) p.Transitions[(b * n + q / n) * stride + q % n] = transitions[q];
        Group.Barrier();
        // Occupancy: each warp's running sum over its state's changes in frame order, 32 frames a load.
        for (int j = warp; j < n; j += warps)
        {
            float running = 0f;
            for (int t0 = 0; t0 < length; t0 += Warp.WarpSize)
            {
                int t = t0 + lane;
                float mine = p.Changes[(b * n + j) * cs + (t < length ? t : 0)];
                float occupancy = 0f;
                int span = System.Math.Min(Warp.WarpSize, length - t0);
                for (int m = 0; m < span; m++)
                {
                    float value = Definitions.HsmmOccupancy(ref running, Warp.Shuffle(mine, m));
                    if (lane == m) occupancy = value;
                }
                if (t < length) p.Occupancy[rows + t * stride + j] = possible ? occupancy : 0f;
            }
        }
    }
}

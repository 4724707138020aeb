using Hmm.Engine;
using ILGPU;

namespace Hmm.Gpu.Kernels;

/// <summary>Inputs and outputs of the HSMM kernels for one launch (layouts as <see cref="HsmmEngine"/>'s, one sequence after another).</summary>
internal struct HsmmParams
{
    /// <summary>[B, MaxLength, Stride] log emissions (the <see cref="EmissionBatch"/>'s own layout).</summary>
    public ArrayView<float> Emissions;
    /// <summary>[B] frames per sequence.</summary>
    public ArrayView<int> Lengths;
    /// <summary>[Stride] each, -infinity padding.</summary>
    public ArrayView<float> Initial, Final;
    /// <summary>[N, Stride] transitions by row = from, and transposed.</summary>
    public ArrayView<float> Into, OutOf;
    /// <summary>[N, DurationStride] durations in the forward and backward window's order.</summary>
    public ArrayView<float> ForwardDurations, BackwardDurations;
    /// <summary>[B, N, WindowStride] windows; frame s at cell DurationStride + s.</summary>
    public ArrayView<float> Windows;
    /// <summary>[B, MaxLength, Stride] each: segment ends, starts, and their backward counterparts.</summary>
    public ArrayView<float> Alpha, In, Beta, BetaStar;
    /// <summary>[B, MaxLength, Stride] Viterbi back-pointers: best duration, best predecessor.</summary>
    public ArrayView<int> Durations, Predecessors;
    /// <summary>[B, N, DurationStride] expected duration counts.</summary>
    public ArrayView<float> DurationCounts;
    /// <summary>[B, N, ChangeStride] occupancy changes by frame (<see cref="Definitions.HsmmSegmentPosteriors{TL, TV, TM, TR}"/>).</summary>
    public ArrayView<float> Changes;
    /// <summary>[B, MaxLength, Stride] state occupancy.</summary>
    public ArrayView<float> Occupancy;
    /// <summary>[B, N, Stride] expected transitions.</summary>
    public ArrayView<float> Transitions;
    /// <summary>[B, 2, Stride] expected initial and final states.</summary>
    public ArrayView<float> Ends;
    /// <summary>[B] forward log-likelihoods (Viterbi scores), and [B] backward ones.</summary>
    public ArrayView<float> LogLikelihoods, BackwardLogLikelihoods;
    public int States, Stride, MaxDuration, DurationStride, MaxLength, WindowStride, ChangeStride, Counts;
    /// <summary>[B, MaxLength] each frame's shift (<see cref="HsmmSharedKernel.Shift"/>).</summary>
    public ArrayView<float> Shifts;
    /// <summary>[B] the shifts' sums in float64.</summary>
    public ArrayView<double> ShiftSums;
    /// <summary>[B, MaxLength, 3] Viterbi segments (state, start, duration), last first; and [B] their counts (-1: broken pointers).</summary>
    public ArrayView<int> Segments, SegmentCounts;
    /// <summary><see cref="HsmmSharedKernel"/>: window ring cells, change ring cells, frames a staged chunk.</summary>
    public int Ring, ChangeRing, Chunk;
    /// <summary><see cref="HsmmSharedKernel"/>: float offsets of its parts in dynamic shared memory.</summary>
    public int SharedTable, SharedDurations, SharedWindows, SharedRows, SharedFrames, SharedCounts, SharedChanges, SharedTransitions, SharedIn, SharedAlpha;
}

/// <summary>
/// The explicit-duration HMM on the device: one thread group per sequence; per frame, its threads compute the segment
/// starts (in_t, or beta_s backward) one state a thread with <see cref="Definitions.RelaxDense{TL, TV, TS, TM}"/>, then
/// each warp takes a state and its 32 lanes share that state's D window cells in
/// <see cref="Definitions.HsmmSegments{TL, TV, TS, TM, TR}"/> (a <see cref="WarpColumn"/> reduction): what the SIMD CPU
/// engine does with a register of cells. Two group barriers a frame.
/// </summary>
internal static class HsmmKernel
{
    public static void Forward(HsmmParams p) => ForwardBody<LogSumExp>(p);

    public static void Viterbi(HsmmParams p) => ForwardBody<MaxPlus>(p);

    private static void ForwardBody<TS>(HsmmParams p) where TS : struct, ISemiring
    {
        int b = Grid.IdxX, tid = Group.IdxX, threads = Group.DimX;
        int warp = tid / Warp.WarpSize, lane = Warp.LaneIdx, warps = threads / Warp.WarpSize;
        int length = p.Lengths[b], n = p.States, stride = p.Stride, d = p.MaxDuration, ds = p.DurationStride, ws = p.WindowStride;
        bool viterbi = !default(TS).NeedsSumPass;
        var windows = p.Windows.SubView((long)b * n * ws, (long)n * ws);
        for (long q = tid; q < (long)n * ws; q += threads) windows[q] = float.NegativeInfinity;
        Group.Barrier();
        var cells = new ColumnSlice(lane, Definitions.HsmmSpan(d, 1), Warp.WarpSize);
        int rows = b * p.MaxLength * stride;
        var alpha = new GpuMemory(p.Alpha);
        var into = new GpuMemory(p.Into);
        var durations = new GpuMemory(p.ForwardDurations);
        for (int t = 0; t < length; t++)
        {
            int row = rows + t * stride;
            for (int j = tid; j < n; j += threads)
            {
                float arg = 0f;
                float v = t == 0 ? p.Initial[j] : Definitions.RelaxDense<GpuLane, float, TS, GpuMemory>(alpha, row - stride, into, n, stride, j, ref arg);
                p.In[row + j] = v;
                if (viterbi) p.Predecessors[row + j] = (int)arg;
            }
            Group.Barrier();
            for (int j = warp; j < n; j += warps)
            {
                var window = windows.SubView((long)j * ws, ws);
                if (lane == 0) window[ds + t] = p.In[row + j];
                Warp.Barrier();
                float a = Definitions.HsmmSegments<GpuLane, float, TS, GpuMemory, WarpColumn>(new GpuMemory(window), ds + t - d + 1,
                    durations, j * ds, p.Emissions[row + j], cells, default, out int k);
                if (lane == 0)
                {
                    p.Alpha[row + j] = a;
                    if (viterbi) p.Durations[row + j] = k < 0 ? 0 : d - k;
                }
            }
            Group.Barrier();
        }
        if (tid == 0) p.LogLikelihoods[b] = Definitions.HsmmFinish(alpha, rows + (length - 1) * stride, new GpuMemory(p.Final), 0, n, viterbi);
    }

    /// <summary>Backward; with <see cref="HsmmParams.Counts"/>, the expected duration counts and occupancy changes too (needs the forward pass's in and log-likelihood).</summary>
    public static void Backward(HsmmParams p)
    {
        int b = Grid.IdxX, tid = Group.IdxX, threads = Group.DimX;
        int warp = tid / Warp.WarpSize, lane = Warp.LaneIdx, warps = threads / Warp.WarpSize;
        int length = p.Lengths[b], n = p.States, stride = p.Stride, d = p.MaxDuration, ds = p.DurationStride, ws = p.WindowStride;
        var windows = p.Windows.SubView((long)b * n * ws, (long)n * ws);
        for (long q = tid; q < (long)n * ws; q += threads) windows[q] = float.NegativeInfinity;
        var counts = p.DurationCounts.SubView((long)b * n * ds, (long)n * ds);
        int cs = p.ChangeStride;
        var changes = p.Changes.SubView((long)b * n * cs, (long)n * cs);
        if (p.Counts != 0)
        {
            for (int q = tid; q < n * ds; q += threads) counts[q] = 0f;
            for (int q = tid; q < n * cs; q += threads) changes[q] = 0f;
        }
        Group.Barrier();
        var cells = new ColumnSlice(lane, Definitions.HsmmSpan(d, 1), Warp.WarpSize);
        int rows = b * p.MaxLength * stride;
        var star = new GpuMemory(p.BetaStar);
        var outOf = new GpuMemory(p.OutOf);
        var durations = new GpuMemory(p.BackwardDurations);
        float logLikelihood = p.Counts != 0 ? p.LogLikelihoods[b] : 0f;
        for (int s = length - 1; s >= 0; s--)
        {
            int row = rows + s * stride;
            for (int i = tid; i < n; i += threads)
            {
                float arg = 0f;
                p.Beta[row + i] = s == length - 1 ? p.Final[i] : Definitions.RelaxDense<GpuLane, float, LogSumExp, GpuMemory>(star, row + stride, outOf, n, stride, i, ref arg);
            }
            Group.Barrier();
            for (int j = warp; j < n; j += warps)
            {
                var window = windows.SubView((long)j * ws, ws);
                if (lane == 0) window[ds + s] = p.Beta[row + j];
                Warp.Barrier();
                float value = Definitions.HsmmSegments<GpuLane, float, LogSumExp, GpuMemory, WarpColumn>(new GpuMemory(window), ds + s,
                    durations, j * ds, p.Emissions[row + j], cells, default, out _);
                if (lane == 0) p.BetaStar[row + j] = value;
                if (p.Counts == 0 || value == float.NegativeInfinity) continue;
                float offset = p.In[row + j] - logLikelihood;
                if (offset == float.NegativeInfinity) continue;
                float total = Definitions.HsmmSegmentPosteriors<GpuLane, float, GpuMemory, WarpColumn>(new GpuMemory(window), ds + s, durations, j * ds, offset,
                    new GpuMemory(counts), j * ds, new GpuMemory(changes), j * cs + s, cells, default);
                if (lane == 0) changes[j * cs + s] += total;
            }
            Group.Barrier();
        }
        if (tid == 0) p.BackwardLogLikelihoods[b] = Definitions.HsmmFinish(star, rows, new GpuMemory(p.Initial), 0, n, max: false);
    }

    /// <summary>
    /// Occupancy, expected transitions and expected initial and final states of each sequence after both passes: one thread a
    /// state (<see cref="Definitions.HsmmOccupancy"/> over the backward pass's changes, <see cref="Definitions.ExpectedCountTerm{TL, TV}"/>), no barriers.
    /// </summary>
    public static void Posteriors(HsmmParams p)
    {
        int b = Grid.IdxX, tid = Group.IdxX, threads = Group.DimX;
        int length = p.Lengths[b], n = p.States, stride = p.Stride;
        int rows = b * p.MaxLength * stride;
        float z = p.LogLikelihoods[b];
        bool possible = z != float.NegativeInfinity;
        for (int j = tid; j < n; j += threads)
        {
            float running = 0f;
            int changeRow = (b * n + j) * p.ChangeStride;
            for (int i = 0; i < n; i++) p.Transitions[(b * n + i) * stride + j] = 0f;
            for (int t = 0; t < length; t++)
            {
                int row = rows + t * stride, previous = row - stride;
                if (!possible)
                {
                    p.Occupancy[row + j] = 0f;
                    continue;
                }
                p.Occupancy[row + j] = Definitions.HsmmOccupancy(ref running, p.Changes[changeRow + t]);
                if (t == 0) p.Ends[b * 2 * stride + j] = Definitions.Posterior<GpuLane, float>(p.In[row + j], p.BetaStar[row + j], z, 1f);
                if (t == length - 1) p.Ends[(b * 2 + 1) * stride + j] = Definitions.Posterior<GpuLane, float>(p.Alpha[row + j], p.Final[j], z, 1f);
                if (t == 0) continue;
                for (int i = 0; i < n; i++)
                {
                    float a = p.Alpha[previous + i];
                    if (a == float.NegativeInfinity) continue;
                    p.Transitions[(b * n + i) * stride + j] += Definitions.ExpectedCountTerm<GpuLane, float>(a, p.Into[i * stride + j], p.BetaStar[row + j], z);
                }
            }
            if (!possible)
            {
                p.Ends[b * 2 * stride + j] = 0f;
                p.Ends[(b * 2 + 1) * stride + j] = 0f;
            }
        }
    }
}

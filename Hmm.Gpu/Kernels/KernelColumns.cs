using System.Runtime.CompilerServices;
using Hmm.Engine;
using ILGPU;
using ILGPU.Algorithms;

namespace Hmm.Gpu.Kernels;

/// <summary>
/// The column reduction of one warp's threads (<see cref="IColumnReduction"/> on the device): every lane of the warp
/// calls it and gets the warp's value; the lanes' order of summation is <see cref="WarpReduce"/>'s.
/// </summary>
internal readonly struct WarpColumn : IColumnReduction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Max(float local) => WarpReduce.Max(local, Warp.WarpSize);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Sum(float local) => WarpReduce.Sum(local, Warp.WarpSize);
}

/// <summary>A Viterbi path in device memory from <c>paths[pathBase]</c> (frame 0).</summary>
internal readonly struct DevicePath : IPathWriter
{
    private readonly ArrayView<int> _paths;
    private readonly long _pathBase;

    public DevicePath(ArrayView<int> paths, long pathBase)
    {
        _paths = paths;
        _pathBase = pathBase;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Set(int t, int state) => _paths[_pathBase + t] = state;
}

/// <summary>
/// What the recursion kernels share about a thread group's columns: staging rows into shared memory, a column's maximum
/// across the group, the scaled step's source column, the device back-pointer walk.
/// </summary>
internal static class GroupColumns
{
    /// <summary>
    /// Before a frame's step, when the group takes the scaled step: thread i writes p_i = exp(source_i - max) into the
    /// shared column (<see cref="Definitions.ScaleSources{TL, TV, TM}"/>). The caller's next barrier publishes it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ScaleSources(StepTables tables, ArrayView<float> source, int pad, float max, int stride)
        => GroupColumns.ScaleSources(tables, source, pad, max, stride, Group.IdxX, Group.DimX);

    /// <summary>
    /// <see cref="GroupColumns.ScaleSources(StepTables, ArrayView{float}, int, float, int)"/> for the first <paramref name="count"/> sources,
    /// by the <paramref name="lanes"/> threads of one seat (<paramref name="lane"/> = this thread's place among them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ScaleSources(StepTables tables, ArrayView<float> source, int pad, float max, int count, int lane, int lanes)
    {
        if (!tables.Scaled) return;
        var from = new GpuMemory(source);
        var to = new GpuMemory(tables.Sources);
        for (int i = lane; i < count; i += lanes) Definitions.ScaleSources<GpuLane, float, GpuMemory>(from, pad, max, to, i);
    }

    /// <summary>
    /// The device backtrace shared by the one-pass and the chunked kernels: the group stages back-pointers a chunk of
    /// frames at a time into shared memory and thread 0 follows them from <paramref name="state"/> at the last frame.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void FollowBackpointers(ArrayView<float> backpointers, ArrayView<float> chunk, ArrayView<int> paths, long pathBase,
        int length, int chunkFrames, int stride, int state, int tid)
        => GroupColumns.FollowBackpointers(backpointers, chunk, paths, pathBase, length, chunkFrames, stride, state, tid, Group.DimX, true, length);

    /// <summary>
    /// The backtrace of one seat (<paramref name="lanes"/> threads; <paramref name="lane"/> 0 follows): chunk c holds frames
    /// <c>length - 1 - c·chunkFrames</c> down, and the loop runs over the chunks of the group's longest sequence
    /// (<paramref name="frames"/>) so that every seat reaches every barrier; a seat without a path to trace
    /// (<paramref name="trace"/> false) or past its first frame only waits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void FollowBackpointers(ArrayView<float> backpointers, ArrayView<float> chunk, ArrayView<int> paths, long pathBase,
        int length, int chunkFrames, int stride, int state, int lane, int lanes, bool trace, int frames)
    {
        for (int top = frames - 1, hi = length - 1; top >= 1; top -= chunkFrames, hi -= chunkFrames)
        {
            bool mine = trace && hi >= 1;
            int lo = XMath.Max(1, hi - chunkFrames + 1);
            Group.Barrier();
            if (mine) GroupColumns.LoadRows(backpointers, lo, hi + 1, chunk, stride, lane, lanes);
            Group.Barrier();
            if (mine && lane == 0)
            {
                var path = new DevicePath(paths, pathBase);
                state = Definitions.FollowBackpointers(new GpuMemory(chunk), lo, stride, hi, lo, state, ref path);
            }
        }
    }

    /// <summary>
    /// Publishes this warp's maximum of the values its threads wrote into a column (<paramref name="local"/> per thread,
    /// -infinity for none) in slot <paramref name="parity"/> of the partials; a barrier must follow before
    /// <see cref="PartialsMax"/> reads them. Every thread of the warp must call it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void PublishWarpMax(float local, ArrayView<float> partials, int parity, int warps)
    {
        local = WarpReduce.Max(local, Warp.WarpSize);
        if (Warp.IsFirstLane) partials[parity * warps + Warp.WarpIdx] = local;
    }

    /// <summary>
    /// The maximum of the warps' partials in slot <paramref name="parity"/>: lane w reads warp w's and a butterfly combines
    /// them (on CUDA one load and five shuffles; the loop only matters for the CPU accelerator's narrow simulated warps).
    /// Two slots alternate by frame, so a warp already publishing the next column never overwrites what a slower warp
    /// still reads. Every thread of the warp must call it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float PartialsMax(ArrayView<float> partials, int parity, int warps)
    {
        int lane = Warp.LaneIdx;
        float result = lane < warps ? partials[parity * warps + lane] : float.NegativeInfinity;
        // Only the CPU accelerator's narrow simulated warps have more warps a group than lanes a warp.
        if (warps > Warp.WarpSize)
        {
            for (int w = lane + Warp.WarpSize; w < warps; w += Warp.WarpSize) result = XMath.Max(result, partials[parity * warps + w]);
        }
        return WarpReduce.Max(result, Warp.WarpSize);
    }

    /// <summary>Maximum of a column: every thread reads it (small N), or a warp-shuffle reduction plus one barrier across warps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float ColumnMax(ArrayView<float> column, int pad, int stride, ArrayView<float> partials, int parity, int scan)
        => GroupColumns.ColumnMax(column, pad, stride, partials, parity, scan, Group.IdxX, Group.DimX);

    /// <summary>
    /// Maximum of a seat's column, taken by the seat's <paramref name="lanes"/> threads: a scan by every thread, or a
    /// shuffle reduction within the seat's lanes (a packed group is one warp, so no cross-warp step; unpacked,
    /// <paramref name="lanes"/> is the whole group). Every thread of the group must call it (the shuffles).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float ColumnMax(ArrayView<float> column, int pad, int stride, ArrayView<float> partials, int parity, int scan, int lane, int lanes)
    {
        if (scan != 0)
        {
            // Sixteen loads per trip (the stride is a multiple of 16), then a tree: the loads are all in flight at once.
            float m = float.NegativeInfinity;
            for (int j = pad; j < pad + stride; j += 16)
            {
                float a0 = XMath.Max(column[j], column[j + 1]), a1 = XMath.Max(column[j + 2], column[j + 3]);
                float a2 = XMath.Max(column[j + 4], column[j + 5]), a3 = XMath.Max(column[j + 6], column[j + 7]);
                float a4 = XMath.Max(column[j + 8], column[j + 9]), a5 = XMath.Max(column[j + 10], column[j + 11]);
                float a6 = XMath.Max(column[j + 12], column[j + 13]), a7 = XMath.Max(column[j + 14], column[j + 15]);
                m = XMath.Max(m, XMath.Max(XMath.Max(XMath.Max(a0, a1), XMath.Max(a2, a3)), XMath.Max(XMath.Max(a4, a5), XMath.Max(a6, a7))));
            }
            return m;
        }
        int threads = Group.DimX;
        float local = float.NegativeInfinity;
        for (int j = lane; j < stride; j += lanes) local = XMath.Max(local, column[pad + j]);
        // Xor offsets below the seat's width stay inside the seat (seats are aligned blocks of a power-of-two width).
        local = WarpReduce.Max(local, XMath.Min(lanes, Warp.WarpSize));
        int warps = (threads + Warp.WarpSize - 1) / Warp.WarpSize;
        if (warps == 1 || lanes < threads) return local;
        if (Warp.IsFirstLane) partials[parity * warps + Warp.WarpIdx] = local;
        Group.Barrier();
        // A loop over the warps here cost a dependent load and a compare per warp in every thread (Nsight Compute: 111 of
        // the forward step's ~360 instructions a warp a frame, with 18 warps).
        return GroupColumns.PartialsMax(partials, parity, warps);
    }

    /// <summary>
    /// Copies frames [lo, hi) of a [frames, stride] view into the shared chunk (coalesced, all threads). Eight loads per
    /// thread are issued before their stores: ILGPU does not unroll loops, and one global load per trip would cost a
    /// full memory latency per element.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void LoadRows(ArrayView<float> source, int lo, int hi, ArrayView<float> chunk, int stride)
        => GroupColumns.LoadRows(source, lo, hi, chunk, stride, Group.IdxX, Group.DimX);

    /// <summary>
    /// As <see cref="GroupColumns.LoadRows(ArrayView{float}, int, int, ArrayView{float}, int)"/> by the <paramref name="lanes"/> threads of
    /// one seat (nothing when hi ≤ lo). Every whole trip issues eight loads before its stores, and the last, partial
    /// trip up to seven (guarded): a plain remainder loop left up to seven dependent global loads per thread (a 14-frame chunk of a 560-state
    /// graph over 576 threads is 13.6 loads a thread: one unrolled trip and then six serial latencies).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void LoadRows(ArrayView<float> source, int lo, int hi, ArrayView<float> chunk, int stride, int lane, int lanes)
    {
        int count = (hi - lo) * stride, step = lanes;
        long start = (long)lo * stride;
        int i = lane;
        for (; i + 7 * step < count; i += 8 * step)
        {
            float v0 = source[start + i], v1 = source[start + i + step], v2 = source[start + i + 2 * step], v3 = source[start + i + 3 * step];
            float v4 = source[start + i + 4 * step], v5 = source[start + i + 5 * step], v6 = source[start + i + 6 * step], v7 = source[start + i + 7 * step];
            chunk[i] = v0; chunk[i + step] = v1; chunk[i + 2 * step] = v2; chunk[i + 3 * step] = v3;
            chunk[i + 4 * step] = v4; chunk[i + 5 * step] = v5; chunk[i + 6 * step] = v6; chunk[i + 7 * step] = v7;
        }
        if (i >= count) return;
        // The last, partial trip: its loads guarded but still all in flight before the stores.
        int i1 = i + step, i2 = i + 2 * step, i3 = i + 3 * step, i4 = i + 4 * step, i5 = i + 5 * step, i6 = i + 6 * step;
        float w0 = source[start + i];
        float w1 = i1 < count ? source[start + i1] : 0f, w2 = i2 < count ? source[start + i2] : 0f, w3 = i3 < count ? source[start + i3] : 0f;
        float w4 = i4 < count ? source[start + i4] : 0f, w5 = i5 < count ? source[start + i5] : 0f, w6 = i6 < count ? source[start + i6] : 0f;
        chunk[i] = w0;
        if (i1 < count) chunk[i1] = w1;
        if (i2 < count) chunk[i2] = w2;
        if (i3 < count) chunk[i3] = w3;
        if (i4 < count) chunk[i4] = w4;
        if (i5 < count) chunk[i5] = w5;
        if (i6 < count) chunk[i6] = w6;
    }
}

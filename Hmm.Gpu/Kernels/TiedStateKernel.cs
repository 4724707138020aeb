using Hmm.Engine;
using Hmm.Primitives;
using ILGPU;
using ILGPU.Algorithms;

namespace Hmm.Gpu.Kernels;

/// <summary>Inputs and outputs of the tied-state kernels for one launch (see <see cref="TiedStateKernel"/>).</summary>
internal struct TiedParams
{
    /// <summary>[count, MaxLength, ModelStride] model-state log-likelihoods (the GMM kernel's output).</summary>
    public ArrayView<float> ModelLl;
    /// <summary>[count, MaxLength, Stride] the graph's emissions, written by <see cref="TiedStateKernel.Gather"/> for the recursions.</summary>
    public ArrayView<float> Graph;
    /// <summary>[count, GraphStates] tied model state per graph state (-1: never emits).</summary>
    public ArrayView<int> Ties;
    /// <summary>[count, GraphStates] log bias added to the tied state's log-likelihood.</summary>
    public ArrayView<float> Bias;
    /// <summary>[count, GraphStates] added at a sequence's last frame (0: may end there, -infinity: may not).</summary>
    public ArrayView<float> EndBias;
    public ArrayView<int> Lengths;
    /// <summary>[count, 3] recursion scores (slot 0: forward log-likelihood).</summary>
    public ArrayView<double> Scores;
    /// <summary>[count, MaxLength, Stride] normalised forward columns (the recursion's record).</summary>
    public ArrayView<float> Alpha;
    /// <summary>[count, MaxLength, Stride] normalised backward columns.</summary>
    public ArrayView<float> Beta;
    /// <summary>[count, MaxLength, Dimension] float32 features.</summary>
    public ArrayView<float> Features;
    /// <summary>[N·K, D] component means, state-major.</summary>
    public ArrayView<float> Means;
    /// <summary>[N·K, D] reciprocal variances.</summary>
    public ArrayView<float> InverseVariances;
    /// <summary>[N·K] log w − ½(D log 2π + Σ log σ²); −infinity for a zero-weight (padding) component.</summary>
    public ArrayView<float> Constants;
    /// <summary>[N·K] occupancy sums (added to).</summary>
    public ArrayView<double> Occupancy;
    /// <summary>[N·K, D] first-moment sums (added to).</summary>
    public ArrayView<double> Moments;
    /// <summary>[count, Blocks] block leave-time sums (added to).</summary>
    public ArrayView<double> Leave;
    public int MaxLength;
    public int Stride;
    public int ModelStride;
    public int GraphStates;
    public int Dimension;
    public int Components;
    public int BlockSize;
    public int Blocks;
    public float StateThreshold;
    public float ComponentThreshold;
}

/// <summary>
/// The device side of <see cref="GpuAlignmentBackend"/> (<see cref="Hmm.Speech.IAlignmentBackend"/>): the graph emissions gathered from the model-state emissions, the
/// GMM occupancy statistics and the block leave times reduced from the state posteriors, all where the lattices live.
/// Each computes what <see cref="Hmm.Speech.HostAlignmentBackend"/> computes on the host (float32 here, double there; the sums are
/// added with atomics, so their order, and the last bits, vary from run to run).
/// </summary>
internal static class TiedStateKernel
{
    /// <summary>
    /// One thread per lattice cell (grid-stride): the tied state's log-likelihood plus bias, the end bias at the last frame,
    /// -infinity elsewhere. Cells are indexed with 32-bit arithmetic (the host splits launches above 2^31 cells):
    /// 64-bit division cost a third of the kernel's time.
    /// </summary>
    public static void Gather(TiedParams p, int cells)
    {
        int step = Grid.DimX * Group.DimX;
        for (int i = Grid.IdxX * Group.DimX + Group.IdxX; i < cells; i += step)
        {
            int frame = i / p.Stride;
            int j = i - frame * p.Stride;
            int b = frame / p.MaxLength, t = frame - b * p.MaxLength;
            float v = float.NegativeInfinity;
            int length = p.Lengths[b];
            if (j < p.GraphStates && t < length)
            {
                int cell = b * p.GraphStates + j;
                int tie = p.Ties[cell];
                if (tie >= 0)
                {
                    v = p.ModelLl[(long)frame * p.ModelStride + tie] + p.Bias[cell];
                    if (t == length - 1) v += p.EndBias[cell];
                }
            }
            p.Graph[i] = v;
        }
    }

    /// <summary>
    /// A warp's view of one frame's posteriors: the maximum of alpha + beta over the column and the inverse of the
    /// normaliser (<see cref="Definitions.PosteriorNormaliser{TL, TV, TM, TR}"/> reduced across the warp's lanes), for
    /// <see cref="Gamma"/>.
    /// </summary>
    private static void Normaliser(TiedParams p, long column, out float max, out float inverse)
    {
        var alpha = new GpuMemory(p.Alpha.SubView(column, p.Stride));
        var beta = new GpuMemory(p.Beta.SubView(column, p.Stride));
        float total = Definitions.PosteriorNormaliser<GpuLane, float, GpuMemory, WarpColumn>(alpha, beta, 0,
            new ColumnSlice(Warp.LaneIdx, p.Stride, Warp.WarpSize), default, out max);
        inverse = 1f / total;
    }

    /// <summary>This warp's (sequence, frame), or false past the launch, past the sequence's length, or for a sequence without a path (uniform across the warp).</summary>
    private static bool LiveFrame(TiedParams p, int frames, out int frame, out int b)
    {
        frame = (Grid.IdxX * Group.DimX + Group.IdxX) / Warp.WarpSize;
        b = 0;
        if (frame >= frames) return false;
        b = frame / p.MaxLength;
        int t = frame - b * p.MaxLength;
        return t < p.Lengths[b] && p.Scores[b * 3] != double.NegativeInfinity;
    }

    private static float Gamma(TiedParams p, long column, int j, float max, float inverse) =>
        Definitions.Posterior<GpuLane, float>(p.Alpha[column + j], p.Beta[column + j], max, inverse);

    /// <summary>
    /// One warp per (sequence, frame): the state posteriors from the recorded columns; then every graph state whose
    /// posterior reaches the threshold, in turn (broadcast by shuffles, so the warp stays converged), has the frame split
    /// over its tied model state's components, the warp computing each component's log density across the feature
    /// dimensions, and adds it to the occupancy and first-moment sums (lanes over dimensions). Sequences without a path add nothing.
    /// </summary>
    public static void Statistics(TiedParams p, int frames)
    {
        int warp = Warp.WarpSize, lane = Warp.LaneIdx;
        if (!LiveFrame(p, frames, out int frame, out int b)) return;
        long column = (long)frame * p.Stride;
        long x = (long)frame * p.Dimension;
        Normaliser(p, column, out float max, out float inverse);
        for (int j0 = 0; j0 < p.GraphStates; j0 += warp)
        {
            int j = j0 + lane;
            int s = j < p.GraphStates ? p.Ties[b * p.GraphStates + j] : -1;
            float gamma = s >= 0 ? Gamma(p, column, j, max, inverse) : 0f;
            bool active = s >= 0 && gamma >= p.StateThreshold;
            // The active lanes as a bit mask in every lane, then only those in turn: a frame has a few states above the
            // threshold among hundreds, and a shuffle per lane of every 32 states was half the kernel's instructions.
            int mask = active ? 1 << lane : 0;
            mask = WarpReduce.Or(mask, warp);
            while (mask != 0) // uniform: every lane holds the same mask
            {
                int l = IntrinsicMath.BitOperations.TrailingZeroCount(mask);
                mask &= mask - 1;
                int state = Warp.Shuffle(s, l);
                float g = Warp.Shuffle(gamma, l);
                if (p.Components <= warp) AddFrameWarp(p, state, g, x);
                else if (lane == 0) AddFrame(p, state, g, x);
            }
        }
    }

    /// <summary>Component <paramref name="component"/>'s log density at frame <paramref name="x"/>, the warp's lanes over the dimensions (every lane gets it).</summary>
    private static float WarpLogDensity(TiedParams p, int component, long x) =>
        Definitions.ComponentLogDensity(new GpuMemory(p.Constants), new GpuMemory(p.Features.SubView(x, p.Dimension)), new GpuMemory(p.Means),
            new GpuMemory(p.InverseVariances), component, p.Dimension, new ColumnSlice(Warp.LaneIdx, p.Dimension, Warp.WarpSize), default(WarpColumn));

    /// <summary><see cref="AddFrame"/> by the whole warp: lane c keeps component c's log density (K ≤ warp size).</summary>
    private static void AddFrameWarp(TiedParams p, int state, float gamma, long x)
    {
        int warp = Warp.WarpSize, lane = Warp.LaneIdx, k = p.Components, first = state * k, d = p.Dimension;
        float mine = float.NegativeInfinity;
        for (int c = 0; c < k; c++)
        {
            float v = WarpLogDensity(p, first + c, x);
            if (lane == c) mine = v;
        }
        float max = mine;
        max = WarpReduce.Max(max, warp);
        float share = Definitions.ComponentShare<GpuLane>(mine, max);
        float total = share;
        total = WarpReduce.Sum(total, warp);
        for (int c = 0; c < k; c++)
        {
            float r = Definitions.Responsibility(gamma, Warp.Shuffle(share, c), total);
            if (!Definitions.ShareCounts(r, p.ComponentThreshold)) continue; // uniform
            int idx = first + c;
            if (lane == 0) Atomic.Add(ref p.Occupancy[idx], (double)r);
            long m = (long)idx * d;
            for (int e = lane; e < d; e += warp) Atomic.Add(ref p.Moments[m + e], (double)(r * p.Features[x + e]));
        }
    }

    /// <summary>Component <paramref name="component"/>'s log density at frame <paramref name="x"/>, by one lane.</summary>
    private static float LogDensity(TiedParams p, int component, long x) =>
        Definitions.ComponentLogDensity(new GpuMemory(p.Constants), new GpuMemory(p.Features.SubView(x, p.Dimension)), new GpuMemory(p.Means),
            new GpuMemory(p.InverseVariances), component, p.Dimension, new ColumnSlice(0, p.Dimension, 1), default(WholeColumn));

    private static void AddFrame(TiedParams p, int state, float gamma, long x)
    {
        int k = p.Components, first = state * k, d = p.Dimension;
        // Three passes over the components (maximum, normaliser, sums) recompute the densities instead of keeping K of them.
        float max = float.NegativeInfinity;
        for (int c = 0; c < k; c++) max = XMath.Max(max, LogDensity(p, first + c, x));
        float total = 0f;
        for (int c = 0; c < k; c++) total += Definitions.ComponentShare<GpuLane>(LogDensity(p, first + c, x), max);
        for (int c = 0; c < k; c++)
        {
            float r = Definitions.Responsibility(gamma, Definitions.ComponentShare<GpuLane>(LogDensity(p, first + c, x), max), total);
            if (!Definitions.ShareCounts(r, p.ComponentThreshold)) continue;
            int idx = first + c;
            Atomic.Add(ref p.Occupancy[idx], (double)r);
            long m = (long)idx * d;
            for (int e = 0; e < d; e++) Atomic.Add(ref p.Moments[m + e], (double)(r * p.Features[x + e]));
        }
    }

    /// <summary>
    /// One warp per (sequence, frame): the block sums of the posteriors, their total, and a warp scan over the blocks in
    /// chunks of the warp size; each block's min(1, cumulative / total) is added to its leave time.
    /// </summary>
    public static void LeaveTimes(TiedParams p, int frames)
    {
        int warp = Warp.WarpSize, lane = Warp.LaneIdx;
        if (!LiveFrame(p, frames, out int frame, out int b)) return;
        long column = (long)frame * p.Stride;
        Normaliser(p, column, out float max, out float inverse);
        float total = 0f;
        for (int o = lane; o < p.Blocks; o += warp) total += BlockSum(p, column, o, max, inverse);
        total = WarpReduce.Sum(total, warp);
        float carry = 0f;
        for (int o0 = 0; o0 < p.Blocks; o0 += warp)
        {
            int o = o0 + lane;
            float scan = WarpReduce.InclusiveSum(o < p.Blocks ? BlockSum(p, column, o, max, inverse) : 0f, warp);
            if (o < p.Blocks)
            {
                double share = Definitions.LeaveShare(carry + scan, total);
                if (share > 0) Atomic.Add(ref p.Leave[(long)b * p.Blocks + o], share);
            }
            carry += Warp.Shuffle(scan, warp - 1);
        }
    }

    private static float BlockSum(TiedParams p, long column, int block, float max, float inverse)
    {
        float sum = 0f;
        int first = block * p.BlockSize;
        for (int k = 0; k < p.BlockSize; k++) sum += Gamma(p, column, first + k, max, inverse);
        return sum;
    }
}

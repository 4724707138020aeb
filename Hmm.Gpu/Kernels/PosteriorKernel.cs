using System.Runtime.CompilerServices;
using Hmm.Engine;
using Hmm.Primitives;
using ILGPU;
using ILGPU.Algorithms;

namespace Hmm.Gpu.Kernels;

/// <summary>Inputs and outputs of the posterior kernels for one launch.</summary>
internal struct PosteriorParams
{
    /// <summary>[count, MaxLength, Stride] emissions.</summary>
    public ArrayView<float> Emissions;
    public ArrayView<int> Lengths;
    /// <summary>[count, MaxLength, Stride] normalised forward columns.</summary>
    public ArrayView<float> Alpha;
    /// <summary>[count, MaxLength, Stride] normalised backward columns.</summary>
    public ArrayView<float> Beta;
    /// <summary>[count, MaxLength] backward scales.</summary>
    public ArrayView<float> BetaScales;
    /// <summary>[Rows, Stride]: the "into" table for dense models, the "out-of" table for banded ones (rows = what is counted).</summary>
    public ArrayView<float> Table;
    /// <summary>[count, 3] scores from the recursion kernel (slot 0: forward log-likelihood).</summary>
    public ArrayView<double> Scores;
    /// <summary>[count, MaxLength, Stride] state posteriors out.</summary>
    public ArrayView<float> Gamma;
    /// <summary>[count, MaxLength] log Z_t + betaScale_t per frame (written by the gamma kernel, read by the count kernel).</summary>
    public ArrayView<float> Shift;
    /// <summary>[count, Rows, Stride] expected transition counts out.</summary>
    public ArrayView<float> Counts;
    public int MaxLength;
    public int Stride;
    public int Rows;
    public int Banded;
}

/// <summary>
/// State posteriors and expected transition counts from stored normalised forward/backward columns, with the
/// formulas of <see cref="Definitions"/> that <c>CpuPasses.PosteriorPass</c> uses: one thread per (sequence, frame) for the posteriors, one warp per
/// (sequence, row, column) summing over frames for the counts (no atomics, a deterministic summation order).
/// </summary>
internal static class PosteriorKernel
{
    public static void Gamma(PosteriorParams p, int items)
    {
        int i = Grid.IdxX * Group.DimX + Group.IdxX;
        if (i >= items) return;
        int b = i / p.MaxLength, t = i - b * p.MaxLength;
        int stride = p.Stride;
        long column = (long)i * stride;
        if (t >= p.Lengths[b])
        {
            for (int j = 0; j < stride; j++) p.Gamma[column + j] = float.NegativeInfinity;
            return;
        }
        if (p.Scores[b * 3] == double.NegativeInfinity)
        {
            for (int j = 0; j < stride; j++) p.Gamma[column + j] = 0f;
            return;
        }
        var alpha = new GpuMemory(p.Alpha.SubView(column, stride));
        var beta = new GpuMemory(p.Beta.SubView(column, stride));
        float total = Definitions.PosteriorNormaliser<GpuLane, float, GpuMemory, WholeColumn>(alpha, beta, 0, new ColumnSlice(0, stride, 1), default, out float mx);
        float inverse = 1f / total;
        for (int j = 0; j < stride; j++) p.Gamma[column + j] = Definitions.Posterior<GpuLane, float>(alpha[j], beta[j], mx, inverse);
        p.Shift[i] = Definitions.CountShift(mx, total, p.BetaScales[i]);
    }

    /// <summary>
    /// One warp per (sequence, row, column) cell: lane l sums the frames t ≡ l (mod warp size), then a butterfly of
    /// shuffles adds the lanes (a fixed order, so the result is deterministic). A thread per cell walking all T frames
    /// serially was latency-bound (one dependent global load chain of T steps).
    /// </summary>
    public static void Counts(PosteriorParams p, int items)
    {
        int warp = Warp.WarpSize;
        int i = (Grid.IdxX * Group.DimX + Group.IdxX) / warp; // the cell: uniform across a warp
        int lane = Warp.LaneIdx;
        if (i >= items) return;
        int stride = p.Stride, perSequence = p.Rows * stride;
        int b = i / perSequence, rest = i - b * perSequence;
        int r = rest / stride, c = rest - r * stride;
        int length = p.Lengths[b];
        float transition = p.Table[r * stride + c];
        // Banded: row d over source state i = c, ξ(i → i+d) reads w at i+d. Dense: row i = r over destination j = c.
        int target = c + (p.Banded != 0 ? r : 0);
        if (p.Scores[b * 3] == double.NegativeInfinity || length <= 1 || transition == float.NegativeInfinity || target >= stride)
        {
            if (lane == 0) p.Counts[i] = 0f;
            return;
        }
        long seqBase = (long)b * p.MaxLength * stride;
        long shiftBase = (long)b * p.MaxLength;
        int source = p.Banded != 0 ? c : r;
        int last = length - 1;
        float sum = 0f;
        for (int t = lane; t < last; t += warp) sum += Term(p, seqBase, shiftBase, t, source, target, transition);
        sum = WarpReduce.Sum(sum, warp);
        if (lane == 0) p.Counts[i] = sum;
    }

    /// <summary>exp(ξ_t) for one (source, target) pair (<see cref="Definitions.ExpectedCountTerm{TL, TV}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Term(PosteriorParams p, long seqBase, long shiftBase, int t, int source, int target, float transition)
    {
        long now = seqBase + (long)t * p.Stride, next = now + p.Stride;
        float a = p.Alpha[now + source];
        float w = p.Emissions[next + target] + p.Beta[next + target];
        float shift = p.Shift[shiftBase + t];
        return Definitions.ExpectedCountTerm<GpuLane, float>(a, transition, w, shift);
    }
}

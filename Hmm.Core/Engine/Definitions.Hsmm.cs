using System.Runtime.CompilerServices;
using Hmm.Simd;

namespace Hmm.Engine;

public static partial class Definitions
{
    // ------------------------------------------------------------------ explicit-duration HMM (HSMM)
    // A segment of state j from frame s to frame t scores  in_s(j) + log p_j(t - s + 1) + Σ_{u=s..t} e_j(u), where in_s(j)
    // is log P(a segment of j starts at s) (the initial distribution at s = 0, else ⊕_i alpha_{s-1}(i) + A(i, j)). Each
    // state keeps a *window*: a time-indexed buffer whose cells hold a partial segment score. Forward, at frame t, cell s
    // holds in_s(j) + Σ_{u=s..t} e_j(u) for the D candidate starts s = t - D + 1 .. t; moving to t + 1 adds e_j(t + 1) to
    // every cell (HsmmSegments does it in the same sweep that scores them), so each emission sum is accumulated over at
    // most D terms at the scale of the recursion's own values: cumulative sums over the whole sequence would lose float32
    // precision (a state that is improbable for 900 frames holds a sum near -1e5, where the float spacing is 0.008).
    // Backward mirrors it: at frame s, cell u holds beta_u(j) + Σ_{v=s..u} e_j(v) for the segment ends u = s .. s + D - 1.
    // Cells are consecutive frames, so a lane group scores Count candidate segments at once; the duration table is laid
    // out in the window's order (reversed for forward, where the first cell is the longest segment) and padded with
    // -infinity past D, which masks the last lane group's overshoot. A GPU thread runs the same sweep with a scalar lane.

    /// <summary>
    /// Floats of -infinity a duration row or a window keeps beyond its D cells: at least the widest lane group, so a sweep of
    /// <see cref="HsmmSpan"/> cells never reads past them.
    /// </summary>
    public const int HsmmPad = 16;

    /// <summary>The cells an HSMM window sweep covers for <paramref name="maxDuration"/> D: D rounded up to whole lane groups of <paramref name="count"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int HsmmSpan(int maxDuration, int count) => (maxDuration + count - 1) / count * count;

    /// <summary>The stride of an HSMM duration row or window margin: D plus <see cref="HsmmPad"/>, rounded up to 16 floats.</summary>
    public static int HsmmDurationStride(int maxDuration) => (maxDuration + HsmmPad + 15) & ~15;

    /// <summary>
    /// Shifts one frame's log emissions (<c>row[rowBase .. rowBase + stride)</c>, padding -infinity) by their maximum, in place,
    /// and returns it; a frame where every state is impossible stays as it is and returns 0. Every segmentation covers each
    /// frame exactly once, so the shift changes every path's score by the same amount: posteriors are unchanged, and the
    /// engines add the shifts (summed in float64) back to log-likelihoods and scores. It keeps the recursions' values near
    /// the gap between the best path and each frame's best state instead of near the sequence's log-likelihood, where
    /// float32's spacing grows (0.008 at -1e5).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HsmmShiftFrame<TL, TV, TM>(TM row, int rowBase, int stride)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        TV best = l.Broadcast(float.NegativeInfinity);
        for (int j0 = 0; j0 < stride; j0 += l.Count) best = l.Max(best, l.Load(ref row[rowBase + j0]));
        float max = l.MaxAcross(best);
        if (max == float.NegativeInfinity) return 0f;
        TV shift = l.Broadcast(max);
        for (int j0 = 0; j0 < stride; j0 += l.Count) l.Store(l.Subtract(l.Load(ref row[rowBase + j0]), shift), ref row[rowBase + j0]);
        return max;
    }

    /// <summary>
    /// One state's HSMM window step: adds <paramref name="emission"/> to the window cells <c>window[first + k]</c> this worker
    /// visits (<paramref name="cells"/>: k = First, First + Step, … below End, a whole number of lane groups; written back),
    /// and returns ⊕ over all workers' cells of <c>window[first + k] + durations[durationFirst + k]</c>: the segments ending
    /// (forward) or starting (backward) at the current frame. Under <see cref="MaxPlus"/>, <paramref name="best"/> is the
    /// winning cell k (the lowest of equal maxima); -1 when every candidate is -infinity. The SIMD CPU engine is one worker
    /// over all cells (<see cref="WholeColumn"/>); on the GPU a warp's threads share a state's cells.
    /// </summary>
    /// <param name="window">The state's window buffer.</param>
    /// <param name="first">Its first cell this sweep.</param>
    /// <param name="cells">This worker's cells; End is D rounded up to lane groups (<see cref="HsmmSpan"/>), cells past D meet -infinity durations.</param>
    /// <param name="durations">Log duration probabilities in the window's order, -infinity past D.</param>
    /// <param name="durationFirst">Where they start.</param>
    /// <param name="emission">The state's log emission at the current frame.</param>
    /// <param name="reduce">Combines the workers' partial maxima and sums.</param>
    /// <param name="best">The arg-max cell under <see cref="MaxPlus"/>; 0 under <see cref="LogSumExp"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HsmmSegments<TL, TV, TS, TM, TR>(TM window, int first, TM durations, int durationFirst, float emission, ColumnSlice cells, TR reduce, out int best)
        where TL : struct, ILane<TV> where TV : struct where TS : struct, ISemiring where TM : struct, IFloatMemory where TR : struct, IColumnReduction
    {
        var l = default(TL);
        var s = default(TS);
        TV e = l.Broadcast(emission);
        TV top = l.Broadcast(float.NegativeInfinity);
        TV arg = l.Broadcast(-1f);
        TV iota = l.Iota();
        for (int k = cells.First; k < cells.End; k += cells.Step)
        {
            TV w = l.Add(l.Load(ref window[first + k]), e);
            l.Store(w, ref window[first + k]);
            TV candidate = l.Add(w, l.Load(ref durations[durationFirst + k]));
            top = s.Accumulate<TL, TV>(top, candidate, ref arg, l.Add(iota, l.Broadcast(k)));
        }
        best = 0;
        float local = l.MaxAcross(top);
        float max = reduce.Max(local);
        if (!s.NeedsSumPass)
        {
            best = -1;
            if (max == float.NegativeInfinity) return max;
            // The lowest arg among lanes holding the maximum, as the largest negated arg; then the same across workers.
            TV negated = l.Select(l.GreaterThan(l.Broadcast(max), top), l.Broadcast(float.NegativeInfinity), l.Subtract(l.Broadcast(0f), arg));
            best = (int)-reduce.Max(l.MaxAcross(negated));
            return max;
        }
        if (max == float.NegativeInfinity) return max;
        TV shift = l.Broadcast(max), sum = l.Broadcast(0f);
        for (int k = cells.First; k < cells.End; k += cells.Step)
            sum = l.Add(sum, l.Exp(l.Subtract(l.Add(l.Load(ref window[first + k]), l.Load(ref durations[durationFirst + k])), shift)));
        return max + System.MathF.Log(reduce.Sum(l.SumAcross(sum)));
    }

    /// <summary>
    /// The posteriors of the segments starting at s, swept over the backward window (cell k: the segment ending at s + k,
    /// duration k + 1) with <paramref name="offset"/> = in_s(j) - log P(x): each p_k = exp(window + duration + offset) is added
    /// to the expected duration count <c>counts[countFirst + k]</c> and subtracted from the occupancy change
    /// <c>changes[changeFirst + k + 1]</c> (the frame after the segment's last); the sum of this worker's p_k goes through
    /// <paramref name="reduce"/> and is returned, for the caller to add at <c>changes[changeFirst]</c> (the segments' first
    /// frame). Occupancy is then the running sum of the changes (<see cref="HsmmOccupancy"/>): each segment enters and
    /// leaves it with the same float, so only the additions round, where exp(alpha + beta - log P) per frame would carry the
    /// float32 error of log values near -1e4 (a few thousandths after a segment ends).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HsmmSegmentPosteriors<TL, TV, TM, TR>(TM window, int first, TM durations, int durationFirst, float offset,
        TM counts, int countFirst, TM changes, int changeFirst, ColumnSlice cells, TR reduce)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory where TR : struct, IColumnReduction
    {
        var l = default(TL);
        TV o = l.Broadcast(offset), total = l.Broadcast(0f);
        for (int k = cells.First; k < cells.End; k += cells.Step)
        {
            TV p = l.Exp(l.Add(l.Add(l.Load(ref window[first + k]), l.Load(ref durations[durationFirst + k])), o));
            l.Store(l.Add(l.Load(ref counts[countFirst + k]), p), ref counts[countFirst + k]);
            l.Store(l.Subtract(l.Load(ref changes[changeFirst + k + 1]), p), ref changes[changeFirst + k + 1]);
            total = l.Add(total, p);
        }
        return reduce.Sum(l.SumAcross(total));
    }

    /// <summary>
    /// A frame's state occupancy: the running sum of the occupancy changes (<see cref="HsmmSegmentPosteriors{TL, TV, TM, TR}"/>: segments
    /// entering at their first frame, leaving after their last) up to and including this frame, clamped to [0, 1].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HsmmOccupancy(ref float running, float change)
    {
        running += change;
        return running < 0f ? 0f : running > 1f ? 1f : running;
    }

    /// <summary>
    /// ⊕ over states j &lt; <paramref name="states"/> of <c>a[aBase + j] + b[bBase + j]</c> in float64 (log-sum-exp, or the
    /// maximum when <paramref name="max"/>): an HSMM's log-likelihood from its last segment ends and the final weights
    /// (forward), or from its first segment starts and the initial distribution (backward).
    /// </summary>
    public static float HsmmFinish<TM>(TM a, int aBase, TM b, int bBase, int states, bool max) where TM : struct, IFloatMemory
    {
        float best = float.NegativeInfinity;
        for (int j = 0; j < states; j++)
        {
            float v = a[aBase + j] + b[bBase + j];
            if (v > best) best = v;
        }
        if (max || best == float.NegativeInfinity) return best;
        double sum = 0;
        for (int j = 0; j < states; j++) sum += System.Math.Exp(a[aBase + j] + b[bBase + j] - best);
        return (float)(best + System.Math.Log(sum));
    }

    /// <summary>The first state j with the largest <c>alpha[aBase + j] + final[fBase + j]</c>: where Viterbi's last segment ends; -1 when all are -infinity.</summary>
    public static int HsmmBestFinal<TM>(TM alpha, int aBase, TM final, int fBase, int states) where TM : struct, IFloatMemory
    {
        int best = -1;
        float top = float.NegativeInfinity;
        for (int j = 0; j < states; j++)
        {
            float v = alpha[aBase + j] + final[fBase + j];
            if (v > top)
            {
                top = v;
                best = j;
            }
        }
        return best;
    }

    /// <summary>
    /// Follows HSMM Viterbi back-pointers from the segment of <paramref name="lastState"/> that ends on the last frame:
    /// writes the segments last first (index 0 is the last segment) and returns how many; -1 if a pointer is broken
    /// (a duration of 0, which a finite score never leaves).
    /// </summary>
    public static int HsmmBacktrace<TP, TW>(TP pointers, int length, int lastState, ref TW writer)
        where TP : struct, IHsmmPointers where TW : struct, IHsmmSegmentWriter
    {
        int t = length - 1, j = lastState, count = 0;
        while (t >= 0)
        {
            int d = pointers.Duration(t, j);
            if (d <= 0 || d > t + 1) return -1;
            int s = t - d + 1;
            writer.Write(count++, j, s, d);
            if (s == 0) return count;
            j = pointers.Predecessor(s, j);
            t = s - 1;
        }
        return -1;
    }
}

/// <summary>Receives an HSMM Viterbi path's segments, last first.</summary>
public interface IHsmmSegmentWriter
{
    /// <summary>Records the segment (<paramref name="state"/>, <paramref name="start"/>, <paramref name="duration"/>) as the path's <paramref name="index"/>-th counted from its end.</summary>
    void Write(int index, int state, int start, int duration);
}

using Hmm.Simd;

namespace Hmm.Engine;

/// <summary>What one sequence's HSMM passes read and write, as pinned pointers (built by <see cref="HsmmEngine"/>).</summary>
internal unsafe struct HsmmJob
{
    public int States, Stride, MaxDuration, DurationStride, Length;
    /// <summary>The frames this call runs: [Start, End) (a checkpoint block, or the whole sequence).</summary>
    public int Start, End;
    /// <summary>The frame row 0 of the row buffers holds (rows hold frames RowOrigin, RowOrigin + 1, …); -1 for a whole sequence.</summary>
    public int RowOrigin;
    /// <summary>The frame at window cell <see cref="WindowLead"/>: windows hold frames WindowOrigin - WindowLead … .</summary>
    public int WindowOrigin;
    /// <summary>[Length, Stride] the sequence's log emissions.</summary>
    public float* Emissions;
    /// <summary>[Stride] each: initial log-probabilities and final log weights, -infinity padding.</summary>
    public float* Initial, Final;
    /// <summary>[States, Stride]: transitions by row = from (forward) and transposed (backward).</summary>
    public float* Into, OutOf;
    /// <summary>[States, DurationStride]: durations in the forward and the backward window's order.</summary>
    public float* ForwardDurations, BackwardDurations;
    /// <summary>[States, WindowStride] windows; frame s at cell <see cref="WindowLead"/> + s - <see cref="WindowOrigin"/>.</summary>
    public float* Windows;
    public int WindowStride, WindowLead;
    /// <summary>Rows of Stride floats by frame - <see cref="RowOrigin"/>: segment ends (alpha), segment starts (in), and their backward counterparts.</summary>
    public float* Alpha, In, Beta, BetaStar;
    /// <summary>Two lane groups of scratch.</summary>
    public float* Lanes;
    /// <summary>Viterbi only ([Length, Stride] each, by absolute frame): the best duration of a segment ending at (t, j), the best predecessor of one starting there.</summary>
    public int* Durations, Predecessors;
    /// <summary>Backward with posteriors only: [States, DurationStride] expected duration counts (cell d - 1), accumulated.</summary>
    public float* DurationCounts;
    /// <summary>Backward with posteriors only: [States, ChangeStride] occupancy changes by absolute frame (<see cref="Definitions.HsmmSegmentPosteriors{TL, TV, TM, TR}"/>).</summary>
    public float* Changes;
    public int ChangeStride;
    /// <summary>log P(x) from the forward pass, for <see cref="DurationCounts"/>.</summary>
    public float LogLikelihood;
}

internal static unsafe partial class CpuPasses
{
    /// <summary>
    /// HSMM forward (<see cref="LogSumExp"/>) or Viterbi (<see cref="MaxPlus"/>) over one sequence: per frame, the segment
    /// starts in_t by <see cref="Definitions.RelaxDense{TL, TV, TS, TM}"/> over the previous frame's segment ends, then each
    /// state's window sweep <see cref="Definitions.HsmmSegments{TL, TV, TS, TM, TR}"/>, over frames [Start, End) (the driver
    /// keeps the window's earlier cells and the row before Start). Returns ⊕_j alpha_{T-1}(j) + final_j when the call reaches the
    /// last frame, NaN otherwise.
    /// </summary>
    [LaneDispatch]
    public static float HsmmForwardPass<TL, TV, TS>(ref HsmmJob job)
        where TL : struct, ILane<TV> where TV : struct where TS : struct, ISemiring
    {
        var l = default(TL);
        int n = job.States, stride = job.Stride, count = l.Count, d = job.MaxDuration;
        var cells = new ColumnSlice(0, Definitions.HsmmSpan(d, count), count);
        bool viterbi = job.Predecessors != null;
        var into = new CpuMemory(job.Into);
        for (int t = job.Start; t < job.End; t++)
        {
            long row = (long)(t - job.RowOrigin) * stride;
            float* inRow = job.In + row;
            float* alphaRow = job.Alpha + row;
            if (t == 0)
            {
                for (int j = 0; j < stride; j++) inRow[j] = job.Initial[j];
            }
            else
            {
                var previous = new CpuMemory(job.Alpha + row - stride);
                for (int j0 = 0; j0 < stride; j0 += count)
                {
                    TV arg = l.Broadcast(0f);
                    l.Store(Definitions.RelaxDense<TL, TV, TS, CpuMemory>(previous, 0, into, n, stride, j0, ref arg), ref inRow[j0]);
                    if (!viterbi) continue;
                    l.Store(arg, ref job.Lanes[0]);
                    int* p = job.Predecessors + (long)t * stride + j0;
                    for (int c = 0; c < count; c++) p[c] = (int)job.Lanes[c];
                }
            }
            float* e = job.Emissions + (long)t * stride;
            for (int j = 0; j < n; j++)
            {
                float* w = job.Windows + (long)j * job.WindowStride + job.WindowLead - job.WindowOrigin;
                w[t] = inRow[j];
                alphaRow[j] = Definitions.HsmmSegments<TL, TV, TS, CpuMemory, WholeColumn>(new CpuMemory(w), t - d + 1,
                    new CpuMemory(job.ForwardDurations + (long)j * job.DurationStride), 0, e[j], cells, default, out int k);
                if (viterbi) job.Durations[(long)t * stride + j] = k < 0 ? 0 : d - k;
            }
            for (int j = n; j < stride; j++) alphaRow[j] = float.NegativeInfinity;
        }
        if (job.End < job.Length) return float.NaN;
        return Definitions.HsmmFinish(new CpuMemory(job.Alpha + (long)(job.Length - 1 - job.RowOrigin) * stride), 0, new CpuMemory(job.Final), 0, n, max: !default(TS).NeedsSumPass);
    }

    /// <summary>
    /// HSMM backward over one sequence: per frame s (last first), the segment ends beta_s by
    /// <see cref="Definitions.RelaxDense{TL, TV, TS, TM}"/> over the next frame's segment starts (the final weights at the
    /// last frame), then each state's window sweep gives beta*_s, the segments starting at s; with
    /// <see cref="HsmmJob.DurationCounts"/>, the same window yields the expected duration counts
    /// and occupancy changes (<see cref="Definitions.HsmmSegmentPosteriors{TL, TV, TM, TR}"/>). Runs frames [Start, End) backwards (the driver keeps the
    /// window's later cells and beta* of frame End); returns ⊕_j initial_j + beta*_0(j) when the call reaches frame 0, NaN otherwise.
    /// </summary>
    [LaneDispatch]
    public static float HsmmBackwardPass<TL, TV>(ref HsmmJob job)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        int n = job.States, stride = job.Stride, count = l.Count, d = job.MaxDuration;
        var cells = new ColumnSlice(0, Definitions.HsmmSpan(d, count), count);
        var outOf = new CpuMemory(job.OutOf);
        for (int s = job.End - 1; s >= job.Start; s--)
        {
            long row = (long)(s - job.RowOrigin) * stride;
            float* betaRow = job.Beta + row;
            float* starRow = job.BetaStar + row;
            if (s == job.Length - 1)
            {
                for (int j = 0; j < stride; j++) betaRow[j] = job.Final[j];
            }
            else
            {
                var next = new CpuMemory(job.BetaStar + row + stride);
                for (int i0 = 0; i0 < stride; i0 += count)
                {
                    TV arg = l.Broadcast(0f);
                    l.Store(Definitions.RelaxDense<TL, TV, LogSumExp, CpuMemory>(next, 0, outOf, n, stride, i0, ref arg), ref betaRow[i0]);
                }
            }
            float* e = job.Emissions + (long)s * stride;
            for (int j = 0; j < n; j++)
            {
                float* w = job.Windows + (long)j * job.WindowStride + job.WindowLead - job.WindowOrigin;
                w[s] = betaRow[j];
                var durations = new CpuMemory(job.BackwardDurations + (long)j * job.DurationStride);
                float star = Definitions.HsmmSegments<TL, TV, LogSumExp, CpuMemory, WholeColumn>(new CpuMemory(w), s, durations, 0, e[j], cells, default, out _);
                starRow[j] = star;
                if (job.DurationCounts == null || star == float.NegativeInfinity) continue;
                float offset = job.In[row + j] - job.LogLikelihood;
                if (offset == float.NegativeInfinity) continue;
                float* changes = job.Changes + (long)j * job.ChangeStride;
                changes[s] += Definitions.HsmmSegmentPosteriors<TL, TV, CpuMemory, WholeColumn>(new CpuMemory(w), s, durations, 0, offset,
                    new CpuMemory(job.DurationCounts + (long)j * job.DurationStride), 0, new CpuMemory(changes), s, cells, default);
            }
            for (int j = n; j < stride; j++) starRow[j] = float.NegativeInfinity;
        }
        if (job.Start > 0) return float.NaN;
        return Definitions.HsmmFinish(new CpuMemory(job.BetaStar - (long)job.RowOrigin * stride), 0, new CpuMemory(job.Initial), 0, n, max: false);
    }

    /// <summary>
    /// HSMM expected transitions of frames [Start, End) after both passes: exp(alpha_{s-1}(i) + A(i, j) + beta*_s(j) - log P)
    /// (<see cref="Definitions.ExpectedCountTerm{TL, TV}"/>) added to <paramref name="transitions"/> ([States, Stride]).
    /// </summary>
    [LaneDispatch]
    public static void HsmmTransitionPass<TL, TV>(ref HsmmJob job, float* transitions)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        int n = job.States, stride = job.Stride, count = l.Count;
        TV z = l.Broadcast(job.LogLikelihood);
        // Last frame first, as the blocks come: the same order of additions with and without checkpoints.
        for (int t = job.End - 1; t >= System.Math.Max(1, job.Start); t--)
        {
            long row = (long)(t - job.RowOrigin) * stride, previous = row - stride;
            for (int i = 0; i < n; i++)
            {
                float a = job.Alpha[previous + i];
                if (a == float.NegativeInfinity) continue;
                TV source = l.Broadcast(a);
                float* table = job.Into + (long)i * stride;
                float* c = transitions + (long)i * stride;
                for (int j0 = 0; j0 < stride; j0 += count)
                {
                    TV x = Definitions.ExpectedCountTerm<TL, TV>(source, l.Load(ref table[j0]), l.Load(ref job.BetaStar[row + j0]), z);
                    l.Store(l.Add(l.Load(ref c[j0]), x), ref c[j0]);
                }
            }
        }
    }

    /// <summary>
    /// Copies <paramref name="length"/> frames of <paramref name="stride"/> log emissions from <paramref name="source"/> to
    /// <paramref name="destination"/>, each shifted by its maximum (<see cref="Definitions.HsmmShiftFrame{TL, TV, TM}"/>); returns the shifts' sum.
    /// </summary>
    [LaneDispatch]
    public static double HsmmShiftEmissions<TL, TV>(float* source, float* destination, int length, int stride)
        where TL : struct, ILane<TV> where TV : struct
    {
        new System.Span<float>(source, length * stride).CopyTo(new System.Span<float>(destination, length * stride));
        var rows = new CpuMemory(destination);
        double total = 0;
        for (int t = 0; t < length; t++) total += Definitions.HsmmShiftFrame<TL, TV, CpuMemory>(rows, t * stride, stride);
        return total;
    }
}

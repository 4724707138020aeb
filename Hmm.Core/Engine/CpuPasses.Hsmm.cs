using Hmm.Simd;

namespace Hmm.Engine;

/// <summary>What one sequence's HSMM passes read and write, as pinned pointers (built by <see cref="HsmmEngine"/>).</summary>
internal unsafe struct HsmmJob
{
    public int States, Stride, MaxDuration, DurationStride, Length;
    /// <summary>[Length, Stride] the sequence's log emissions.</summary>
    public float* Emissions;
    /// <summary>[Stride] each: initial log-probabilities and final log weights, -infinity padding.</summary>
    public float* Initial, Final;
    /// <summary>[States, Stride]: transitions by row = from (forward) and transposed (backward).</summary>
    public float* Into, OutOf;
    /// <summary>[States, DurationStride]: durations in the forward and the backward window's order.</summary>
    public float* ForwardDurations, BackwardDurations;
    /// <summary>[States, WindowStride] windows; frame s at cell <see cref="WindowLead"/> + s.</summary>
    public float* Windows;
    public int WindowStride, WindowLead;
    /// <summary>[Length, Stride] each: segment ends (alpha), segment starts (in), and their backward counterparts.</summary>
    public float* Alpha, In, Beta, BetaStar;
    /// <summary>Two lane groups of scratch.</summary>
    public float* Lanes;
    /// <summary>Viterbi only ([Length, Stride] each): the best duration of a segment ending at (t, j), the best predecessor of one starting there.</summary>
    public int* Durations, Predecessors;
    /// <summary>Backward with posteriors only: [States, DurationStride] expected duration counts (cell d - 1), accumulated.</summary>
    public float* DurationCounts;
    /// <summary>log P(x) from the forward pass, for <see cref="DurationCounts"/>.</summary>
    public float LogLikelihood;
}

internal static unsafe partial class CpuPasses
{
    /// <summary>
    /// HSMM forward (<see cref="LogSumExp"/>) or Viterbi (<see cref="MaxPlus"/>) over one sequence: per frame, the segment
    /// starts in_t by <see cref="Definitions.RelaxDense{TL, TV, TS, TM}"/> over the previous frame's segment ends, then each
    /// state's window sweep <see cref="Definitions.HsmmSegments{TL, TV, TS, TM, TR}"/>. Returns ⊕_j alpha_{T-1}(j) + final_j.
    /// </summary>
    [LaneDispatch]
    public static float HsmmForwardPass<TL, TV, TS>(ref HsmmJob job)
        where TL : struct, ILane<TV> where TV : struct where TS : struct, ISemiring
    {
        var l = default(TL);
        int n = job.States, stride = job.Stride, count = l.Count, d = job.MaxDuration;
        var cells = new ColumnSlice(0, Definitions.HsmmSpan(d, count), count);
        bool viterbi = job.Predecessors != null;
        for (long q = 0; q < (long)n * job.WindowStride; q++) job.Windows[q] = float.NegativeInfinity;
        var into = new CpuMemory(job.Into);
        for (int t = 0; t < job.Length; t++)
        {
            float* inRow = job.In + (long)t * stride;
            float* alphaRow = job.Alpha + (long)t * stride;
            if (t == 0)
            {
                for (int j = 0; j < stride; j++) inRow[j] = job.Initial[j];
            }
            else
            {
                var previous = new CpuMemory(job.Alpha + (long)(t - 1) * stride);
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
                float* w = job.Windows + (long)j * job.WindowStride + job.WindowLead;
                w[t] = inRow[j];
                alphaRow[j] = Definitions.HsmmSegments<TL, TV, TS, CpuMemory, WholeColumn>(new CpuMemory(w), t - d + 1,
                    new CpuMemory(job.ForwardDurations + (long)j * job.DurationStride), 0, e[j], cells, default, out int k);
                if (viterbi) job.Durations[(long)t * stride + j] = k < 0 ? 0 : d - k;
            }
            for (int j = n; j < stride; j++) alphaRow[j] = float.NegativeInfinity;
        }
        return Definitions.HsmmFinish(new CpuMemory(job.Alpha + (long)(job.Length - 1) * stride), 0, new CpuMemory(job.Final), 0, n, max: !default(TS).NeedsSumPass);
    }

    /// <summary>
    /// HSMM backward over one sequence: per frame s (last first), the segment ends beta_s by
    /// <see cref="Definitions.RelaxDense{TL, TV, TS, TM}"/> over the next frame's segment starts (the final weights at the
    /// last frame), then each state's window sweep gives beta*_s, the segments starting at s; with
    /// <see cref="HsmmJob.DurationCounts"/>, the same window yields the expected duration counts
    /// (<see cref="Definitions.HsmmDurationCounts{TL, TV, TM}"/>). Returns ⊕_j initial_j + beta*_0(j).
    /// </summary>
    [LaneDispatch]
    public static float HsmmBackwardPass<TL, TV>(ref HsmmJob job)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        int n = job.States, stride = job.Stride, count = l.Count, d = job.MaxDuration;
        var cells = new ColumnSlice(0, Definitions.HsmmSpan(d, count), count);
        for (long q = 0; q < (long)n * job.WindowStride; q++) job.Windows[q] = float.NegativeInfinity;
        var outOf = new CpuMemory(job.OutOf);
        for (int s = job.Length - 1; s >= 0; s--)
        {
            float* betaRow = job.Beta + (long)s * stride;
            float* starRow = job.BetaStar + (long)s * stride;
            if (s == job.Length - 1)
            {
                for (int j = 0; j < stride; j++) betaRow[j] = job.Final[j];
            }
            else
            {
                var next = new CpuMemory(job.BetaStar + (long)(s + 1) * stride);
                for (int i0 = 0; i0 < stride; i0 += count)
                {
                    TV arg = l.Broadcast(0f);
                    l.Store(Definitions.RelaxDense<TL, TV, LogSumExp, CpuMemory>(next, 0, outOf, n, stride, i0, ref arg), ref betaRow[i0]);
                }
            }
            float* e = job.Emissions + (long)s * stride;
            for (int j = 0; j < n; j++)
            {
                float* w = job.Windows + (long)j * job.WindowStride + job.WindowLead;
                w[s] = betaRow[j];
                var durations = new CpuMemory(job.BackwardDurations + (long)j * job.DurationStride);
                float star = Definitions.HsmmSegments<TL, TV, LogSumExp, CpuMemory, WholeColumn>(new CpuMemory(w), s, durations, 0, e[j], cells, default, out _);
                starRow[j] = star;
                if (job.DurationCounts == null || star == float.NegativeInfinity) continue;
                float offset = job.In[(long)s * stride + j] - job.LogLikelihood;
                if (offset == float.NegativeInfinity) continue;
                Definitions.HsmmDurationCounts<TL, TV, CpuMemory>(new CpuMemory(w), s, durations, 0, offset,
                    new CpuMemory(job.DurationCounts + (long)j * job.DurationStride), 0, cells);
            }
            for (int j = n; j < stride; j++) starRow[j] = float.NegativeInfinity;
        }
        return Definitions.HsmmFinish(new CpuMemory(job.BetaStar), 0, new CpuMemory(job.Initial), 0, n, max: false);
    }

    /// <summary>
    /// HSMM posteriors of one sequence after both passes: each frame's state occupancy (<see cref="Definitions.HsmmOccupancy{TL, TV}"/>
    /// of the segment starts exp(in + beta* - log P) and ends exp(alpha + beta - log P)) into <paramref name="occupancy"/>
    /// ([Length, Stride]), and the expected transitions exp(alpha_{s-1}(i) + A(i, j) + beta*_s(j) - log P)
    /// (<see cref="Definitions.ExpectedCountTerm{TL, TV}"/>) added to <paramref name="transitions"/> ([States, Stride]).
    /// <paramref name="scratch"/> holds 2 × Stride floats (the running sums).
    /// </summary>
    [LaneDispatch]
    public static void HsmmPosteriorPass<TL, TV>(ref HsmmJob job, float* occupancy, float* transitions, float* scratch)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        int n = job.States, stride = job.Stride, count = l.Count;
        TV z = l.Broadcast(job.LogLikelihood), zero = l.Broadcast(0f);
        float* started = scratch, ended = scratch + stride;
        for (int j0 = 0; j0 < stride; j0 += count)
        {
            l.Store(zero, ref started[j0]);
            l.Store(zero, ref ended[j0]);
        }
        for (int t = 0; t < job.Length; t++)
        {
            long row = (long)t * stride, previous = row - stride;
            for (int j0 = 0; j0 < stride; j0 += count)
            {
                TV start = Definitions.Posterior<TL, TV>(l.Load(ref job.In[row + j0]), l.Load(ref job.BetaStar[row + j0]), z, l.Broadcast(1f));
                TV end = t == 0 ? zero : Definitions.Posterior<TL, TV>(l.Load(ref job.Alpha[previous + j0]), l.Load(ref job.Beta[previous + j0]), z, l.Broadcast(1f));
                TV s = l.Load(ref started[j0]), e = l.Load(ref ended[j0]);
                l.Store(Definitions.HsmmOccupancy<TL, TV>(ref s, ref e, start, end), ref occupancy[row + j0]);
                l.Store(s, ref started[j0]);
                l.Store(e, ref ended[j0]);
            }
            if (t == 0) continue;
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
}

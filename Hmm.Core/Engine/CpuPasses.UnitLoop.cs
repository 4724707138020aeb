using Hmm.Simd;

namespace Hmm.Engine;

/// <summary>Pinned pointers to a <see cref="UnitLoopTransitions"/> and the scratch of its step.</summary>
internal unsafe struct UnitLoopJob
{
    public float* Band;
    public float* UnitTable;
    public float* LogLeave;
    /// <summary>[UnitStride] the units' leaving scores (-infinity past U).</summary>
    public float* Exits;
    /// <summary>[UnitStride] the unit step's result per unit.</summary>
    public float* Entries;
    /// <summary>[UnitStride] the unit step's arg-max per unit (Viterbi).</summary>
    public float* EntryArgs;
    /// <summary>The unit table's scaled form (<see cref="Definitions.ScaledTable"/>), or null: the sum pass's unit step then takes the two-pass form.</summary>
    public float* ScaledUnits;
    /// <summary>[UnitStride] the leaving scores scaled to linear values (the scaled unit step's p).</summary>
    public float* ScaledExits;
    public int Units;
    public int StatesPerUnit;
    public int UnitStride;
    public int Stride;
    public int Pad;
}

internal static unsafe partial class CpuPasses
{
    /// <summary>
    /// One frame of a <see cref="UnitLoopTransitions"/> model from the previous (normalised) column: the two-row band
    /// step over the states (<see cref="Definitions.RelaxBanded{TL, TV, TS, TM}"/>), the unit step over the units'
    /// leaving scores (<see cref="Definitions.RelaxDense{TL, TV, TS, TM}"/>; in the sum pass its scaled form
    /// <see cref="Definitions.RelaxDenseScaled{TL, TV, TM}"/> where <see cref="UnitLoopJob.ScaledUnits"/> is set), the two joined at each unit's first state
    /// (<see cref="Definitions.CombineTwo{TS}"/>), plus the emissions; normalised, the maximum taken out returned.
    /// Viterbi's back-pointers name source states, as the dense step's do.
    /// </summary>
    [LaneDispatch]
    public static float UnitLoopNext<TL, TV, TS>(ref UnitLoopJob job, float* previous, float* e, float* cur, float* backpointers)
        where TL : struct, ILane<TV> where TV : struct where TS : struct, ISemiring
    {
        var l = default(TL);
        int count = l.Count, stride = job.Stride, s = job.StatesPerUnit;
        bool viterbi = !default(TS).NeedsSumPass;
        for (int u = 0; u < job.Units; u++) job.Exits[u] = previous[u * s + s - 1] + job.LogLeave[u];
        var exits = new CpuMemory(job.Exits);
        var units = new CpuMemory(job.UnitTable);
        if (!viterbi && job.ScaledUnits != null)
        {
            // U exponentials and U² multiply-adds instead of U² exponentials (the dense forward's scaled step).
            float max = float.NegativeInfinity;
            for (int u = 0; u < job.Units; u++) max = System.Math.Max(max, job.Exits[u]);
            var p = new CpuMemory(job.ScaledExits);
            var linear = new CpuMemory(job.ScaledUnits);
            var columnMax = new CpuMemory(job.ScaledUnits + (long)job.Units * job.UnitStride);
            for (int q0 = 0; q0 < job.UnitStride; q0 += count) Definitions.ScaleSources<TL, TV, CpuMemory>(exits, 0, max, p, q0);
            for (int q0 = 0; q0 < job.UnitStride; q0 += count)
                l.Store(Definitions.RelaxDenseScaled<TL, TV, CpuMemory>(exits, 0, p, 0, max, units, linear, columnMax, job.Units, job.UnitStride, q0), ref job.Entries[q0]);
        }
        else
        {
            for (int q0 = 0; q0 < job.UnitStride; q0 += count)
            {
                TV arg = l.Broadcast(0f);
                TV v = Definitions.RelaxDense<TL, TV, TS, CpuMemory>(exits, 0, units, job.Units, job.UnitStride, q0, ref arg);
                l.Store(v, ref job.Entries[q0]);
                if (viterbi) l.Store(arg, ref job.EntryArgs[q0]);
            }
        }
        var source = new CpuMemory(previous - job.Pad);
        var band = new CpuMemory(job.Band);
        for (int j0 = 0; j0 < stride; j0 += count)
        {
            TV arg = l.Broadcast(0f);
            TV v = Definitions.RelaxBanded<TL, TV, TS, CpuMemory>(source, job.Pad, band, 2, stride, j0, -1, ref arg);
            l.Store(v, ref cur[j0]);
            if (viterbi) l.Store(arg, ref backpointers[j0]);
        }
        for (int q = 0; q < job.Units; q++)
        {
            int j = q * s;
            float fromUnit = viterbi ? job.EntryArgs[q] * s + s - 1 : 0f;
            cur[j] = Definitions.CombineTwo<TS>(cur[j], viterbi ? backpointers[j] : 0f, job.Entries[q], fromUnit, out float arg);
            if (viterbi) backpointers[j] = arg;
        }
        for (int j0 = 0; j0 < stride; j0 += count) l.Store(l.Add(l.Load(ref cur[j0]), l.Load(ref e[j0])), ref cur[j0]);
        return Normalize<TL, TV>(cur, stride);
    }
}

internal static unsafe partial class CpuPasses
{
    /// <summary>
    /// Filtered posteriors of an online forward column (normalised to a maximum of 0): <c>exp(alpha_j) / Σ exp(alpha)</c>
    /// (<see cref="Definitions.SumExp{TL, TV, TM}"/>, <see cref="Definitions.Posterior{TL, TV}"/> with beta 0) into
    /// <paramref name="output"/> ([stride]); returns the sum.
    /// </summary>
    [LaneDispatch]
    public static float FilteredPosteriors<TL, TV>(float* alpha, int stride, float* output)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        int count = l.Count;
        float total = Definitions.SumExp<TL, TV, CpuMemory>(new CpuMemory(alpha), 0, 0f, new ColumnSlice(0, stride, count));
        TV zero = l.Broadcast(0f), inverse = l.Broadcast(1f / total);
        for (int j0 = 0; j0 < stride; j0 += count)
            l.Store(Definitions.Posterior<TL, TV>(l.Load(ref alpha[j0]), zero, zero, inverse), ref output[j0]);
        return total;
    }
}

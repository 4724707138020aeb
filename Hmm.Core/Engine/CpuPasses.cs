using System.Runtime.CompilerServices;
using Hmm.Simd;

namespace Hmm.Engine;

/// <summary>
/// The CPU engine's drivers: they walk one sequence through time and a column through its lane groups,
/// calling <see cref="Definitions"/> for the arithmetic. Each is instantiated per lane width by the
/// generated dispatchers (<c>[LaneDispatch]</c>).
/// </summary>
internal static unsafe partial class CpuPasses
{
    /// <summary>
    /// Forward (log-sum-exp) or Viterbi (max-plus) through one sequence. Columns are normalised to a maximum of 0
    /// each frame and the maxima summed in float64, so long sequences keep float32 precision.
    /// Returns log P(x) (forward) or the best path's log score (Viterbi); -inf when no path exists.
    /// </summary>
    [LaneDispatch]
    public static double ForwardPass<TL, TV, TS>(ref SequenceJob job)
        where TL : struct, ILane<TV> where TV : struct where TS : struct, ISemiring
    {
        var emissions = Rows(ref job);
        var chain = Begin<TL, TV, TS, EmissionRows<CpuMemory>>(ref job, emissions);
        for (int t = 1; t < job.Length && chain.Alive; t++) Advance<TL, TV, TS, EmissionRows<CpuMemory>>(ref job, ref chain, emissions, t);
        return Finish<TL, TV, TS>(ref job, ref chain);
    }

    /// <summary>The job's emission lattice, <see cref="SequenceJob.Emissions"/>, as an emission source.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static EmissionRows<CpuMemory> Rows(ref SequenceJob job) => new(new CpuMemory(job.Emissions), 0, job.Stride);

    /// <summary>
    /// Two independent recursions in one time loop, advanced frame by frame: the same steps as two
    /// <see cref="ForwardPass{TL, TV, TS}"/> calls (bit for bit), interleaved so that the two latency-bound dependency
    /// chains (each ~100-200 cycles a frame) overlap in the out-of-order core. <see cref="HmmEngine.Decode"/> pairs one
    /// sequence's forward (<typeparamref name="TA"/> = <see cref="LogSumExp"/>) with its Viterbi
    /// (<typeparamref name="TB"/> = <see cref="MaxPlus"/>) over the same emissions; Forward and Viterbi pair two
    /// sequences of a batch. The jobs may differ in length (either may be 0) and each has its own scratch columns.
    /// Returns <paramref name="a"/>'s result; <paramref name="resultB"/> receives <paramref name="b"/>'s.
    /// </summary>
    /// <remarks>
    /// Four chains (two sequences' forward and Viterbi) measured slower than two on an AMD EPYC (Vector512, N = 10):
    /// the out-of-order window is already full.
    /// </remarks>
    [LaneDispatch]
    public static double PairPass<TL, TV, TA, TB>(ref SequenceJob a, ref SequenceJob b, out double resultB)
        where TL : struct, ILane<TV> where TV : struct where TA : struct, ISemiring where TB : struct, ISemiring
        => Pair<TL, TV, TA, TB, EmissionRows<CpuMemory>>(ref a, ref b, Rows(ref a), Rows(ref b), out resultB);

    /// <summary>
    /// <see cref="PairPass{TL, TV, TA, TB}"/> over tied graphs (<see cref="HmmEngine"/>'s <see cref="ITiedStateEngine"/>):
    /// the jobs' emissions are read through <paramref name="emissionsA"/> and <paramref name="emissionsB"/>, each graph
    /// state's model state gathered from the frame's row as the step reads it, instead of from an expanded lattice.
    /// </summary>
    [LaneDispatch]
    public static double TiedPairPass<TL, TV, TA, TB>(ref SequenceJob a, ref SequenceJob b, TiedColumns emissionsA, TiedColumns emissionsB, out double resultB)
        where TL : struct, ILane<TV> where TV : struct where TA : struct, ISemiring where TB : struct, ISemiring
        => Pair<TL, TV, TA, TB, TiedColumns>(ref a, ref b, emissionsA, emissionsB, out resultB);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Pair<TL, TV, TA, TB, TE>(ref SequenceJob a, ref SequenceJob b, TE ea, TE eb, out double resultB)
        where TL : struct, ILane<TV> where TV : struct where TA : struct, ISemiring where TB : struct, ISemiring where TE : struct, IEmissionSource
    {
        var ca = Begin<TL, TV, TA, TE>(ref a, ea);
        var cb = Begin<TL, TV, TB, TE>(ref b, eb);
        int lengthA = a.Length, lengthB = b.Length, length = System.Math.Max(lengthA, lengthB);
        for (int t = 1; t < length && (ca.Alive || cb.Alive); t++)
        {
            if (ca.Alive && t < lengthA) Advance<TL, TV, TA, TE>(ref a, ref ca, ea, t);
            if (cb.Alive && t < lengthB) Advance<TL, TV, TB, TE>(ref b, ref cb, eb, t);
        }
        resultB = Finish<TL, TV, TB>(ref b, ref cb);
        return Finish<TL, TV, TA>(ref a, ref ca);
    }

    /// <summary>One recursion's place in its sequence: the column of the last frame done, the next one's buffer, the summed maxima.</summary>
    private struct Chain
    {
        public float* Previous;
        public float* Current;
        public double Total;
        /// <summary>False once every state is impossible (the columns and scales left are recorded as -inf).</summary>
        public bool Alive;
        /// <summary>The dense log-semiring step in scaled form (<see cref="Definitions.RelaxDenseScaled{TL, TV, TM}"/>).</summary>
        public bool Scaled;
    }

    /// <summary>Frame 0: initial + emission, normalised and recorded (an empty sequence: nothing to do, not alive).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Chain Begin<TL, TV, TS, TE>(ref SequenceJob job, TE emissions)
        where TL : struct, ILane<TV> where TV : struct where TS : struct, ISemiring where TE : struct, IEmissionSource
    {
        int stride = job.Stride;
        var chain = new Chain { Previous = job.Scratch + job.Pad, Current = job.Scratch + job.ColumnSize + job.Pad };
        if (job.Length == 0) return chain;
        float* prev = chain.Previous;
        float m = FirstColumn<TL, TV, TE>(job.Initial, emissions, prev, stride);
        chain.Total = m;
        Record(ref job, prev, m, 0);
        chain.Alive = m != float.NegativeInfinity;
        if (!chain.Alive) Impossible(ref job, 1);
        // The log semiring on a dense table takes the scaled step (one exp per source, FMAs per pair); Viterbi never does.
        chain.Scaled = default(TS).NeedsSumPass && job.Scaled != null && !job.Banded;
        return chain;
    }

    /// <summary>Frame 0's column: initial + emission per state, normalised to a maximum of 0; returns the maximum taken out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float FirstColumn<TL, TV, TE>(float* initial, TE emissions, float* column, int stride)
        where TL : struct, ILane<TV> where TV : struct where TE : struct, IEmissionSource
    {
        Definitions.InitialColumn<TL, TV, CpuMemory, TE>(new CpuMemory(initial), emissions, new CpuMemory(column), 0,
            new ColumnSlice(0, stride, default(TL).Count));
        return Normalize<TL, TV>(column, stride);
    }

    /// <summary>Frame <paramref name="t"/> from frame t - 1: the transition step plus the emission, normalised and recorded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Advance<TL, TV, TS, TE>(ref SequenceJob job, ref Chain chain, TE emissions, int t)
        where TL : struct, ILane<TV> where TV : struct where TS : struct, ISemiring where TE : struct, IEmissionSource
    {
        float* cur = chain.Current;
        float* backpointers = !default(TS).NeedsSumPass ? job.Backpointers + (long)t * job.Stride : null;
        float m = NextColumn<TL, TV, TS, TE>(ref job, chain.Previous, emissions, t, cur, backpointers, chain.Scaled,
            job.Table + t * job.TableFrameStride);
        chain.Total += m;
        Record(ref job, cur, m, t);
        if (m == float.NegativeInfinity)
        {
            chain.Alive = false;
            Impossible(ref job, t + 1);
            return;
        }
        chain.Current = chain.Previous;
        chain.Previous = cur;
    }

    /// <summary>
    /// One frame's column from the previous (normalised) one: the transition step plus frame <paramref name="t"/> of
    /// <paramref name="emissions"/> into <paramref name="cur"/>, Viterbi's back-pointers into <paramref name="backpointers"/> (max-plus only), normalised
    /// to a maximum of 0; returns the maximum taken out (-inf when every state is impossible). <paramref name="stepTable"/> is the
    /// table this frame reads: <see cref="SequenceJob.Table"/>, or its frame's table for time-varying transitions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float NextColumn<TL, TV, TS, TE>(ref SequenceJob job, float* previous, TE emissions, int t, float* cur, float* backpointers, bool scaled, float* stepTable)
        where TL : struct, ILane<TV> where TV : struct where TS : struct, ISemiring where TE : struct, IEmissionSource
    {
        var l = default(TL);
        int stride = job.Stride, count = l.Count;
        bool viterbi = !default(TS).NeedsSumPass;
        var source = new CpuMemory(previous - job.Pad);
        var table = new CpuMemory(stepTable);
        int frame = emissions.Frame(t);
        if (scaled)
        {
            var p = new CpuMemory(job.Scratch + 2 * job.ColumnSize + job.Pad);
            var linear = new CpuMemory(job.Scaled);
            var columnMax = new CpuMemory(job.Scaled + (long)job.TableRows * stride);
            // prev is normalised: its maximum is 0.
            for (int j0 = 0; j0 < stride; j0 += count) Definitions.ScaleSources<TL, TV, CpuMemory>(source, job.Pad, 0f, p, j0);
            for (int j0 = 0; j0 < stride; j0 += count)
            {
                TV v = Definitions.RelaxDenseScaled<TL, TV, CpuMemory>(source, job.Pad, p, 0, 0f, table, linear, columnMax, job.TableRows, stride, j0);
                l.Store(l.Add(v, emissions.Load<TL, TV>(frame, j0)), ref cur[j0]);
            }
        }
        else
        {
            for (int j0 = 0; j0 < stride; j0 += count)
            {
                TV arg = l.Broadcast(0f);
                TV v = job.BandOffsets is { } offsets
                    ? Definitions.RelaxBand<TL, TV, TS, CpuMemory, ListedBand>(source, job.Pad, table, new ListedBand(offsets), job.TableRows, stride, j0, -1, ref arg)
                    : Definitions.Relax<TL, TV, TS, CpuMemory>(source, job.Pad, table, job.TableRows, job.Banded, stride, j0, -1, ref arg);
                l.Store(l.Add(v, emissions.Load<TL, TV>(frame, j0)), ref cur[j0]);
                if (viterbi) l.Store(arg, ref backpointers[j0]);
            }
        }
        return Normalize<TL, TV>(cur, stride);
    }

    /// <summary>
    /// Frame 0 of an online recursion (<see cref="Online.OnlineDecoder"/>): <see cref="FirstColumn{TL, TV, TE}"/> of the job's
    /// initial log-probabilities and <paramref name="emissions"/> into <paramref name="column"/>.
    /// </summary>
    [LaneDispatch]
    public static float OnlineFirst<TL, TV>(ref SequenceJob job, float* emissions, float* column)
        where TL : struct, ILane<TV> where TV : struct
        => FirstColumn<TL, TV, EmissionRows<CpuMemory>>(job.Initial, new EmissionRows<CpuMemory>(new CpuMemory(emissions), 0, 0), column, job.Stride);

    /// <summary>
    /// A later frame of an online recursion: <see cref="NextColumn{TL, TV, TS, TE}"/>, the same step as the whole-sequence
    /// passes (the scaled dense step where the job has its table, as <see cref="Begin{TL, TV, TS, TE}"/> decides).
    /// </summary>
    [LaneDispatch]
    public static float OnlineNext<TL, TV, TS>(ref SequenceJob job, float* previous, float* emissions, float* current, float* backpointers)
        where TL : struct, ILane<TV> where TV : struct where TS : struct, ISemiring
        => NextColumn<TL, TV, TS, EmissionRows<CpuMemory>>(ref job, previous, new EmissionRows<CpuMemory>(new CpuMemory(emissions), 0, 0), 0, current, backpointers,
            default(TS).NeedsSumPass && job.Scaled != null && !job.Banded, job.Table);

    /// <summary>The pass's result from its last column: 0 for an empty sequence, -inf when no path survived, the summed maxima for Viterbi, log P(x) for forward.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Finish<TL, TV, TS>(ref SequenceJob job, ref Chain chain)
        where TL : struct, ILane<TV> where TV : struct where TS : struct, ISemiring
    {
        if (job.Length == 0) return 0.0;
        if (!chain.Alive) return double.NegativeInfinity;
        if (!default(TS).NeedsSumPass) return chain.Total; // the column maximum is 0 after normalising
        // The column is normalised: its maximum is 0 and chain.Total holds every scale.
        return Definitions.ForwardLogLikelihood<TL, TV, CpuMemory, WholeColumn>(new CpuMemory(chain.Previous), 0, 0f, chain.Total,
            new ColumnSlice(0, job.Stride, default(TL).Count), default);
    }

    /// <summary>
    /// Backward through one sequence with the out-of table. Stores beta-hat columns and their scales when asked.
    /// Returns log P(x) = log Σ_i π_i e_0(i) β_0(i), which must agree with the forward pass.
    /// </summary>
    [LaneDispatch]
    public static double BackwardPass<TL, TV>(ref SequenceJob job, float* initial)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        int stride = job.Stride, count = l.Count, length = job.Length;
        if (length == 0) return 0.0;
        float* beta = job.Scratch + job.Pad;
        float* w = job.Scratch + job.ColumnSize + job.Pad;
        var source = new CpuMemory(w - job.Pad);
        for (int j0 = 0; j0 < stride; j0 += count) l.Store(Definitions.FinalBeta<TL, TV>(job.States, j0), ref beta[j0]);
        double total = 0;
        Record(ref job, beta, 0f, length - 1);
        bool scaled = job.Scaled != null && !job.Banded;
        var p = new CpuMemory(job.Scratch + 2 * job.ColumnSize + job.Pad);
        var linear = new CpuMemory(job.Scaled);
        var columnMax = new CpuMemory(job.Scaled + (long)job.TableRows * stride);
        for (int t = length - 2; t >= 0; t--)
        {
            float* e = job.Emissions + (long)(t + 1) * stride;
            // The step from t to t + 1 reads frame t + 1's table (time-varying transitions; the one table otherwise).
            var table = new CpuMemory(job.Table + (t + 1) * job.TableFrameStride);
            TV top = l.Broadcast(float.NegativeInfinity);
            for (int j0 = 0; j0 < stride; j0 += count)
            {
                TV u = l.Add(l.Load(ref e[j0]), l.Load(ref beta[j0]));
                l.Store(u, ref w[j0]);
                top = l.Max(top, u);
            }
            if (scaled)
            {
                // w = e + beta-hat is not normalised: its maximum is the shift.
                float mw = l.MaxAcross(top);
                for (int j0 = 0; j0 < stride; j0 += count) Definitions.ScaleSources<TL, TV, CpuMemory>(source, job.Pad, mw, p, j0);
                for (int j0 = 0; j0 < stride; j0 += count)
                    l.Store(Definitions.RelaxDenseScaled<TL, TV, CpuMemory>(source, job.Pad, p, 0, mw, table, linear, columnMax, job.TableRows, stride, j0), ref beta[j0]);
            }
            else
            {
                for (int j0 = 0; j0 < stride; j0 += count)
                {
                    TV arg = default;
                    l.Store(job.BandOffsets is { } offsets
                        ? Definitions.RelaxBand<TL, TV, LogSumExp, CpuMemory, ListedBand>(source, job.Pad, table, new ListedBand(offsets), job.TableRows, stride, j0, +1, ref arg)
                        : Definitions.Relax<TL, TV, LogSumExp, CpuMemory>(source, job.Pad, table, job.TableRows, job.Banded, stride, j0, +1, ref arg), ref beta[j0]);
                }
            }
            float m = Normalize<TL, TV>(beta, stride);
            total += m;
            Record(ref job, beta, m, t);
            if (m == float.NegativeInfinity)
            {
                for (int u = t - 1; u >= 0; u--) Record(ref job, beta, m, u);
                return double.NegativeInfinity;
            }
        }
        // log P(x) = total + log Σ exp(π + u_0) with u_0 = e_0 + beta-hat_0.
        for (int j0 = 0; j0 < stride; j0 += count) l.Store(l.Add(l.Load(ref job.Emissions[j0]), l.Load(ref beta[j0])), ref w[j0]);
        return Definitions.BackwardLogLikelihood<TL, TV, CpuMemory, WholeColumn>(new CpuMemory(initial), new CpuMemory(w), 0, total,
            new ColumnSlice(0, stride, count), default);
    }

    /// <summary>
    /// State posteriors (linear) and expected transition counts from stored alpha-hat / beta-hat columns.
    /// <paramref name="alpha"/>, <paramref name="beta"/>: [T, stride]; <paramref name="betaScales"/>: [T];
    /// <paramref name="posteriors"/>: [T, stride] out; <paramref name="counts"/>: [rows, stride] out (dense: row = from
    /// state i over destinations j; banded: row = offset d over source states i), zeroed here. With
    /// <see cref="SequenceJob.CountFrameStride"/> &gt; 0 the counts are per frame instead: the transitions into frame t at
    /// <c>counts + t · CountFrameStride</c> (frame 0's table zero), the per-frame transition posteriors of time-varying models.
    /// </summary>
    [LaneDispatch]
    public static void PosteriorPass<TL, TV>(ref SequenceJob job, float* alpha, float* beta, float* betaScales, float* posteriors, float* counts)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        int stride = job.Stride, count = l.Count, length = job.Length, rows = job.TableRows;
        long countFloats = job.CountFrameStride > 0 ? System.Math.Max(length, 1) * job.CountFrameStride : rows * stride;
        for (long i = 0; i < countFloats; i += count) l.Store(l.Broadcast(0f), ref counts[i]);
        float* w = job.Scratch + job.Pad;
        for (int t = 0; t < length; t++)
        {
            float* a = alpha + (long)t * stride;
            float* b = beta + (long)t * stride;
            float total = Definitions.PosteriorNormaliser<TL, TV, CpuMemory, WholeColumn>(new CpuMemory(a), new CpuMemory(b), 0,
                new ColumnSlice(0, stride, count), default, out float mx);
            TV shiftMax = l.Broadcast(mx), inverse = l.Broadcast(1f / total);
            float* g = posteriors + (long)t * stride;
            for (int j0 = 0; j0 < stride; j0 += count)
                l.Store(Definitions.Posterior<TL, TV>(l.Load(ref a[j0]), l.Load(ref b[j0]), shiftMax, inverse), ref g[j0]);
            if (t == length - 1) break;

            float* e = job.Emissions + (long)(t + 1) * stride;
            float* bn = beta + (long)(t + 1) * stride;
            for (int j0 = 0; j0 < stride; j0 += count) l.Store(l.Add(l.Load(ref e[j0]), l.Load(ref bn[j0])), ref w[j0]);
            TV shift = l.Broadcast(Definitions.CountShift(mx, total, betaScales[t]));
            float* table = job.Table + (t + 1) * job.TableFrameStride;
            float* frameCounts = counts + (t + 1) * job.CountFrameStride;
            if (job.Banded)
            {
                for (int d = 0; d < rows; d++)
                {
                    float* row = table + (long)d * stride;
                    float* c = frameCounts + (long)d * stride;
                    for (int i0 = 0; i0 < stride; i0 += count)
                    {
                        TV x = Definitions.ExpectedCountTerm<TL, TV>(l.Load(ref a[i0]), l.Load(ref row[i0]), l.Load(ref w[i0 + d]), shift);
                        l.Store(l.Add(l.Load(ref c[i0]), x), ref c[i0]);
                    }
                }
            }
            else
            {
                for (int i = 0; i < rows; i++)
                {
                    float ai = a[i];
                    if (ai == float.NegativeInfinity) continue;
                    TV source = l.Broadcast(ai);
                    float* row = table + (long)i * stride;
                    float* c = frameCounts + (long)i * stride;
                    for (int j0 = 0; j0 < stride; j0 += count)
                    {
                        TV x = Definitions.ExpectedCountTerm<TL, TV>(source, l.Load(ref row[j0]), l.Load(ref w[j0]), shift);
                        l.Store(l.Add(l.Load(ref c[j0]), x), ref c[j0]);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Frames a GMM pass takes per group (<see cref="GaussianMixturePass{TL, TV}"/>'s <c>groupFrames</c>) where a whole
    /// sequence is known: 16 measured faster than 4, 8 and 32 (steady-state lip-sync of speech-dev on a 2-core EPYC, AVX2).
    /// </summary>
    public const int GaussianGroupFrames = 16;

    /// <summary>
    /// GMM log-likelihoods for one sequence: groups of up to <paramref name="groupFrames"/> frames (a multiple of four: the
    /// rows the scratches hold), each column block of the weights taken once per group and run through the register-blocked
    /// product four frames at a time (scalar lanes: row by row, on <see cref="LaneQuad"/>), then log-sum-exp over
    /// components. Every blocking adds the same terms in the same order.
    /// </summary>
    [LaneDispatch]
    public static void GaussianMixturePass<TL, TV>(float* frames, int length, GmmPointers gmm, float* featureScratch, float* componentScratch, float* output, int stride,
        int groupFrames)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        int count = l.Count, d = gmm.Dimension, width = 2 * d, columns = gmm.PaddedColumns;
        // Lane groups to compute: N·K columns rounded up to this width's lanes, not to the widest (PaddedColumns, the
        // weights' row stride). Columns past them are read only by padding lanes of MixtureLogSumExp, which it masks.
        int used = (gmm.States * gmm.Components + count - 1) / count * count;
        var weights = new CpuRows(gmm.Weights);
        var bias = new CpuRows(gmm.Bias);
        var comps = new CpuRows(componentScratch);
        // A column block's weights (2D rows of up to three registers) stay in L1 while every four-frame block of the group
        // reads them, instead of the whole table (0.5 MB for the default model) passing once per four frames. The product
        // is bound by the instructions it issues more than by memory, so this saves a few per cent (BENCHMARKS.md).
        for (int t0 = 0; t0 < length; t0 += groupFrames)
        {
            int rows = System.Math.Min(groupFrames, length - t0);
            for (int r = 0; r < rows; r++)
                PrepareFeatures<TL, TV>(frames + (long)(t0 + r) * d, gmm.Center, d, featureScratch + r * width);
            if (count == 1)
            {
                // Scalar lanes (Mono, no SIMD: what Unity players run) go row by row through LaneQuad, which computes what
                // LaneScalar does, four columns a call: Mono spends per call and per returned value, not per float. Under
                // Mono a hop (Balanced) took 633 us with four-row blocks over LaneScalar, 434 row by row, 250 with LaneQuad;
                // passes of 3-4 frames gain too (BENCHMARKS.md, the Mono section). Columns up to a multiple of 4 stay inside
                // PaddedColumns (a multiple of 16); the extra ones are padding that MixtureLogSumExp masks.
                // SIMD lanes keep the four-row block, whose 12 independent accumulators hide the FMA latency that a one-row
                // block's four expose (Vector512 9.6 -> 11.6 us a hop measured with one-row blocks).
                int quadUsed = (used + 3) / 4 * 4;
                for (int r = 0; r < rows; r++)
                    GaussianRow<LaneQuad, Quad>(featureScratch + r * width, width, gmm.Weights, gmm.Bias, columns, quadUsed, componentScratch + (long)r * gmm.RowStride);
            }
            else
            {
                int c0 = 0;
                for (; c0 + 3 * count <= used; c0 += 3 * count)
                    for (int r0 = 0; r0 < rows; r0 += 4)
                        Definitions.GaussianBlock4x3<TL, TV, CpuRows>(new CpuRows(featureScratch + r0 * width), width, weights, bias, columns, c0,
                            new CpuRows(componentScratch + (long)r0 * gmm.RowStride), gmm.RowStride);
                for (; c0 + 2 * count <= used; c0 += 2 * count)
                    for (int r0 = 0; r0 < rows; r0 += 4)
                        Definitions.GaussianBlock4x2<TL, TV, CpuRows>(new CpuRows(featureScratch + r0 * width), width, weights, bias, columns, c0,
                            new CpuRows(componentScratch + (long)r0 * gmm.RowStride), gmm.RowStride);
                for (; c0 < used; c0 += count)
                    for (int r0 = 0; r0 < rows; r0 += 4)
                        Definitions.GaussianBlock4x1<TL, TV, CpuRows>(new CpuRows(featureScratch + r0 * width), width, weights, bias, columns, c0,
                            new CpuRows(componentScratch + (long)r0 * gmm.RowStride), gmm.RowStride);
            }
            for (int r = 0; r < rows; r++)
            {
                float* o = output + (long)(t0 + r) * stride;
                for (int j0 = 0; j0 < stride; j0 += count)
                    l.Store(Definitions.MixtureLogSumExp<TL, TV, CpuRows>(comps, r * gmm.RowStride, gmm.Components, gmm.States, j0), ref o[j0]);
            }
        }
    }

    /// <summary>One frame's component log-densities, columns 0 to <paramref name="used"/> (one-frame blocks).</summary>
    private static void GaussianRow<TL, TV>(float* features, int width, float* weights, float* bias, int columns, int used, float* output)
        where TL : struct, ILane<TV> where TV : struct
    {
        int count = default(TL).Count, c = 0;
        var row = new CpuMemory(features);
        var w = new CpuMemory(weights);
        var b = new CpuMemory(bias);
        var o = new CpuMemory(output);
        for (; c + 4 * count <= used; c += 4 * count) Definitions.GaussianBlock1x4<TL, TV, CpuMemory>(row, width, w, b, columns, c, o);
        for (; c < used; c += count) Definitions.GaussianBlock1x1<TL, TV, CpuMemory>(row, width, w, b, columns, c, o);
    }

    /// <summary>Writes <c>[y², y]</c> with <c>y = x - center</c>: full registers, then one overlapping register for the tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrepareFeatures<TL, TV>(float* x, float* center, int d, float* output)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        int count = l.Count;
        var row = new CpuMemory(output);
        if (d < count)
        {
            for (int e = 0; e < d; e++) Definitions.StoreFeature<LaneScalar, float, CpuMemory>(x[e] - center[e], row, 0, d, e);
            return;
        }
        for (int e0 = 0; ; e0 += count)
        {
            if (e0 + count > d) e0 = d - count; // overlap the last register instead of a scalar remainder
            Definitions.StoreFeature<TL, TV, CpuMemory>(l.Subtract(l.Load(ref x[e0]), l.Load(ref center[e0])), row, 0, d, e0);
            if (e0 + count >= d) break;
        }
    }

    /// <summary>Subtracts the column maximum from every lane and returns it (-inf when every state is impossible).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Normalize<TL, TV>(float* column, int stride)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        int count = l.Count;
        TV best = l.Broadcast(float.NegativeInfinity);
        for (int j0 = 0; j0 < stride; j0 += count) best = l.Max(best, l.Load(ref column[j0]));
        float m = l.MaxAcross(best);
        if (m == float.NegativeInfinity || m == 0f) return m;
        TV shift = l.Broadcast(m);
        for (int j0 = 0; j0 < stride; j0 += count) l.Store(l.Subtract(l.Load(ref column[j0]), shift), ref column[j0]);
        return m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Record(ref SequenceJob job, float* column, float scale, int t)
    {
        if (job.Columns != null) CopyColumn(job.Columns + (long)t * job.Stride, column, job.Stride);
        if (job.Scales != null) job.Scales[t] = scale;
    }

    private static void CopyColumn(float* destination, float* column, int stride)
    {
        for (int j = 0; j < stride; j++) destination[j] = column[j];
    }

    private static double Impossible(ref SequenceJob job, int from)
    {
        for (int t = from; t < job.Length; t++)
        {
            if (job.Columns != null)
            {
                float* dst = job.Columns + (long)t * job.Stride;
                for (int j = 0; j < job.Stride; j++) dst[j] = float.NegativeInfinity;
            }
            if (job.Scales != null) job.Scales[t] = float.NegativeInfinity;
        }
        return double.NegativeInfinity;
    }
}

/// <summary>Pinned pointers to a <see cref="Primitives.GmmTables"/>.</summary>
internal unsafe struct GmmPointers
{
    public float* Weights;
    public float* Bias;
    public float* Center;
    public int States;
    public int Components;
    public int Dimension;
    public int PaddedColumns;
    public int RowStride;
}

/// <summary>
/// A pinned CPU buffer addressed by non-negative indices only: the index is zero-extended, which on x64 costs nothing
/// (a 32-bit result already clears the upper half), where <see cref="CpuMemory"/>'s sign extension costs an instruction
/// per load. For the GMM product's tables and scratch rows, whose every index is at least 0.
/// </summary>
internal readonly unsafe struct CpuRows : IFloatMemory
{
    private readonly float* _base;

    public CpuRows(float* address) => _base = address;

    public ref float this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.Add(ref *_base, (nint)(uint)index);
    }
}

using System.Runtime.CompilerServices;
using Hmm.Simd;

namespace Hmm.Engine;

/// <summary>
/// The lane groups one worker visits in a column: <c>j0 = First, First + Step, …</c> while <c>j0 &lt; End</c>. The SIMD
/// CPU engine is one worker over the whole column (<c>First</c> 0, <c>Step</c> its lane count); a GPU thread with a
/// one-float lane visits every <c>threads</c>-th state from its own index.
/// </summary>
/// <param name="First">The first lane group's state.</param>
/// <param name="End">States at or past it are not visited.</param>
/// <param name="Step">States between consecutive lane groups (a multiple of the lane count).</param>
public readonly record struct ColumnSlice(int First, int End, int Step);

/// <summary>
/// Combines the partial maxima and sums the workers of a column hold, so that every worker gets the column's value.
/// On the CPU one worker holds the whole column (<see cref="WholeColumn"/>); on the GPU a warp or group reduction.
/// </summary>
public interface IColumnReduction
{
    /// <summary>The maximum over the workers' <paramref name="local"/> values.</summary>
    float Max(float local);

    /// <summary>The sum over the workers' <paramref name="local"/> values.</summary>
    float Sum(float local);
}

/// <summary>The reduction of a column that one worker walks alone: its partial value is the column's.</summary>
public readonly struct WholeColumn : IColumnReduction
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Max(float local) => local;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Sum(float local) => local;
}

/// <summary>Where a back-pointer walk writes the states it finds.</summary>
public interface IPathWriter
{
    /// <summary>Records <paramref name="state"/> as the path's state at frame <paramref name="t"/>.</summary>
    void Set(int t, int state);
}

public static partial class Definitions
{
    // ------------------------------------------------------------------ column operations
    // The arithmetic around the transition step, written once: each driver (CpuPasses, the CUDA kernels) calls these with
    // its lane type, its memory, its slice of the column and its reduction.

    /// <summary>Frame 0 of forward and Viterbi: <c>initial + emission</c> per state.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV InitialScore<TL, TV>(TV initial, TV emission) where TL : struct, ILane<TV> where TV : struct
        => default(TL).Add(initial, emission);

    /// <summary>
    /// Writes frame 0's column (<see cref="InitialScore{TL, TV}"/> of <c>initial[j]</c> and <c>emissions[emissionBase + j]</c>)
    /// to <c>column[columnBase + j]</c> over <paramref name="slice"/> and returns this worker's maximum of what it wrote.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float InitialColumn<TL, TV, TM>(TM initial, TM emissions, int emissionBase, TM column, int columnBase, ColumnSlice slice)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
        => InitialColumn<TL, TV, TM, EmissionRows<TM>>(initial, new EmissionRows<TM>(emissions, emissionBase, 0), column, columnBase, slice);

    /// <summary>
    /// <see cref="InitialColumn{TL, TV, TM}"/> with frame 0's emissions read through <paramref name="emissions"/> (a tied
    /// graph's states gathered as they are read, on the CPU).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float InitialColumn<TL, TV, TM, TE>(TM initial, TE emissions, TM column, int columnBase, ColumnSlice slice)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory where TE : struct, IEmissionSource
    {
        var l = default(TL);
        TV best = l.Broadcast(float.NegativeInfinity);
        int frame = emissions.Frame(0);
        for (int j0 = slice.First; j0 < slice.End; j0 += slice.Step)
        {
            TV v = InitialScore<TL, TV>(l.Load(ref initial[j0]), emissions.Load<TL, TV>(frame, j0));
            l.Store(v, ref column[columnBase + j0]);
            best = l.Max(best, v);
        }
        return l.MaxAcross(best);
    }

    /// <summary>
    /// The last frame's normalised backward value: 0 (log 1) on the model's <paramref name="states"/>, -infinity on padding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV FinalBeta<TL, TV>(int states, int j0) where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        TV valid = l.GreaterThan(l.Broadcast(states), l.Add(l.Iota(), l.Broadcast(j0)));
        return l.Select(valid, l.Broadcast(0f), l.Broadcast(float.NegativeInfinity));
    }

    /// <summary>This worker's <c>Σ exp(column[columnBase + j] - shift)</c> over <paramref name="slice"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumExp<TL, TV, TM>(TM column, int columnBase, float shift, ColumnSlice slice)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        TV s = l.Broadcast(shift), sum = l.Broadcast(0f);
        for (int j0 = slice.First; j0 < slice.End; j0 += slice.Step) sum = l.Add(sum, l.Exp(l.Subtract(l.Load(ref column[columnBase + j0]), s)));
        return l.SumAcross(sum);
    }

    /// <summary>
    /// A log-likelihood from a column's shifted sum: <c>offset + log sum</c>, where <paramref name="sum"/> is
    /// <c>Σ exp(v_j - shift)</c> and <paramref name="offset"/> everything taken out of the values (the summed scales and the shift).
    /// </summary>
    /// <remarks>The logarithm is float32's (sum ≥ 1 here, so it adds under 1e-7 absolute error): a float64 log in a CUDA
    /// kernel costs registers in the whole kernel, which measured 4 % slower recursions and 12 % slower posteriors.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double LogLikelihood(double offset, float sum) => offset + System.MathF.Log(sum);

    /// <summary>
    /// Forward's log-likelihood from its last column: <c>offset + log Σ_j exp(column_j - shift)</c>, where the column's
    /// maximum is <paramref name="shift"/> (-infinity: no path) and <paramref name="offset"/> holds the scales taken out
    /// of the column so far, the shift included.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ForwardLogLikelihood<TL, TV, TM, TR>(TM column, int columnBase, float shift, double offset, ColumnSlice slice, TR reduce)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory where TR : struct, IColumnReduction
    {
        if (shift == float.NegativeInfinity) return double.NegativeInfinity;
        return LogLikelihood(offset, reduce.Sum(SumExp<TL, TV, TM>(column, columnBase, shift, slice)));
    }

    /// <summary>
    /// Backward's log-likelihood: <c>offset + log Σ_j exp(initial_j + u_j)</c> with <c>u = e_0 + beta-hat_0</c> at
    /// <c>u[uBase + j]</c> and <paramref name="offset"/> the summed backward scales; -infinity when no state is possible.
    /// Agrees with <see cref="ForwardLogLikelihood{TL, TV, TM, TR}"/> to rounding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double BackwardLogLikelihood<TL, TV, TM, TR>(TM initial, TM u, int uBase, double offset, ColumnSlice slice, TR reduce)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory where TR : struct, IColumnReduction
    {
        var l = default(TL);
        TV best = l.Broadcast(float.NegativeInfinity);
        for (int j0 = slice.First; j0 < slice.End; j0 += slice.Step)
            best = l.Max(best, l.Add(l.Load(ref initial[j0]), l.Load(ref u[uBase + j0])));
        float max = reduce.Max(l.MaxAcross(best));
        if (max == float.NegativeInfinity) return double.NegativeInfinity;
        TV shift = l.Broadcast(max), sum = l.Broadcast(0f);
        for (int j0 = slice.First; j0 < slice.End; j0 += slice.Step)
            sum = l.Add(sum, l.Exp(l.Subtract(l.Add(l.Load(ref initial[j0]), l.Load(ref u[uBase + j0])), shift)));
        return LogLikelihood(offset + max, reduce.Sum(l.SumAcross(sum)));
    }

    /// <summary>Viterbi's final state: the first of <paramref name="states"/> with the largest value in the last column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BestFinalState<TM>(TM column, int columnBase, int states) where TM : struct, IFloatMemory
    {
        int state = 0;
        float best = column[columnBase];
        for (int j = 1; j < states; j++)
        {
            float v = column[columnBase + j];
            if (v > best)
            {
                best = v;
                state = j;
            }
        }
        return state;
    }

    /// <summary>
    /// Follows Viterbi back-pointers from <paramref name="state"/> at frame <paramref name="high"/> down to frame
    /// <paramref name="low"/> (≥ 1): frame u's pointers sit at <c>backpointers[(u - firstRow) · stride]</c> (a device stages
    /// a window of frames, the CPU passes <paramref name="firstRow"/> 0), and u - 1's state goes to <paramref name="path"/>.
    /// Returns the state at frame <paramref name="low"/> - 1, where the walk goes on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FollowBackpointers<TM, TP>(TM backpointers, int firstRow, int stride, int high, int low, int state, ref TP path)
        where TM : struct, IFloatMemory where TP : struct, IPathWriter
    {
        for (int u = high; u >= low; u--)
        {
            state = (int)backpointers[(u - firstRow) * stride + state];
            path.Set(u - 1, state);
        }
        return state;
    }

    /// <summary>
    /// A posterior frame's normaliser: the maximum of <c>alpha_j + beta_j</c> (into <paramref name="max"/>) and
    /// <c>Σ exp(alpha_j + beta_j - max)</c> (returned), reduced over the column's workers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float PosteriorNormaliser<TL, TV, TM, TR>(TM alpha, TM beta, int columnBase, ColumnSlice slice, TR reduce, out float max)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory where TR : struct, IColumnReduction
    {
        var l = default(TL);
        TV best = l.Broadcast(float.NegativeInfinity);
        for (int j0 = slice.First; j0 < slice.End; j0 += slice.Step)
            best = l.Max(best, l.Add(l.Load(ref alpha[columnBase + j0]), l.Load(ref beta[columnBase + j0])));
        max = reduce.Max(l.MaxAcross(best));
        TV shift = l.Broadcast(max), sum = l.Broadcast(0f);
        for (int j0 = slice.First; j0 < slice.End; j0 += slice.Step)
            sum = l.Add(sum, l.Exp(l.Subtract(l.Add(l.Load(ref alpha[columnBase + j0]), l.Load(ref beta[columnBase + j0])), shift)));
        return reduce.Sum(l.SumAcross(sum));
    }

    /// <summary>
    /// The state posterior <c>exp(alpha + beta - max) · inverse</c>, with <paramref name="max"/> and <paramref name="inverse"/>
    /// = 1 / total from <see cref="PosteriorNormaliser{TL, TV, TM, TR}"/>. Shifting by the maximum and dividing by the sum
    /// (rather than subtracting log Z) keeps each frame summing to one: log Z rounds at the magnitude of the maximum,
    /// which can be hundreds of nats where forward and backward disagree.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Posterior<TL, TV>(TV alpha, TV beta, TV max, TV inverse) where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        return l.Multiply(l.Exp(l.Subtract(l.Add(alpha, beta), max)), inverse);
    }

    /// <summary>
    /// A frame's log normaliser plus the scale taken out of its backward column: the shift of
    /// <see cref="ExpectedCountTerm{TL, TV}"/> (Σ over (i, j) of the un-shifted terms is exp(shift)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float CountShift(float max, float total, float betaScale) => max + System.MathF.Log(total) + betaScale;

    /// <summary>
    /// One expected-transition term <c>ξ_t(i, j) = exp(alpha-hat_t(i) - shift + A(i, j) + w_{t+1}(j))</c> with
    /// <c>w = e + beta-hat</c> of the next frame and <paramref name="shift"/> from <see cref="CountShift"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ExpectedCountTerm<TL, TV>(TV alpha, TV transition, TV next, TV shift) where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        return l.Exp(l.Add(l.Add(l.Subtract(alpha, shift), transition), next));
    }

    /// <summary>
    /// Stores one centred feature <paramref name="y"/> = x - center of dimension <paramref name="e"/> in the GMM product's
    /// <c>[y², y]</c> row at <paramref name="rowBase"/> (y² at e, y at <paramref name="dimension"/> + e), the expansion
    /// <see cref="Hmm.Primitives.GmmTables"/> is built for.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFeature<TL, TV, TM>(TV y, TM row, int rowBase, int dimension, int e)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        l.Store(l.Multiply(y, y), ref row[rowBase + e]);
        l.Store(y, ref row[rowBase + dimension + e]);
    }

    /// <summary>
    /// ⊕ of two candidates for one state: max-plus keeps the larger with its source index (<paramref name="argA"/> on a
    /// tie), log-sum-exp adds them in probability. The unit loop's entry states join their in-unit step and the unit step so.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float CombineTwo<TS>(float a, float argA, float b, float argB, out float arg) where TS : struct, ISemiring
    {
        var s = default(TS);
        arg = argA;
        float best = s.Accumulate<LaneScalar, float>(a, b, ref arg, argB);
        if (!s.NeedsSumPass) return best;
        var l = default(LaneScalar);
        float shift = l.Select(l.IsFinite(best), best, 0f);
        float sum = l.Add(l.Exp(l.Subtract(a, shift)), l.Exp(l.Subtract(b, shift)));
        return s.Finish<LaneScalar, float>(best, sum);
    }
}

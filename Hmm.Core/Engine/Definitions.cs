using System.Runtime.CompilerServices;
using Hmm.Simd;

namespace Hmm.Engine;

/// <summary>
/// The one definition of each HMM recursion's arithmetic, generic over the lane type (<c>TL</c>,
/// <c>TV</c>), the semiring and the memory. Each method computes one lane group: the states
/// <c>j0 .. j0 + Count - 1</c> of a frame. The CPU engine walks the groups of a column with SIMD lanes; a GPU
/// kernel instantiates the same methods with a scalar lane, one state per thread.
/// </summary>
/// <remarks>
/// Columns are laid out with -infinity padding on both sides so that banded
/// reads at <c>j0 ± d</c> never leave the buffer and padded states never win a maximum.
/// </remarks>
public static partial class Definitions
{
    /// <summary>
    /// ⊕ over sources i of <c>source[i] ⊗ table[i, j]</c> for the lane group at <paramref name="j0"/>: the dense
    /// transition step. Forward reads the "into" table (row = from), backward its transpose.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV RelaxDense<TL, TV, TS, TM>(TM source, int sourceBase, TM table, int rows, int stride, int j0, ref TV arg)
        where TL : struct, ILane<TV> where TV : struct where TS : struct, ISemiring where TM : struct, IFloatMemory
    {
        var l = default(TL);
        var s = default(TS);
        TV best = l.Broadcast(float.NegativeInfinity);
        for (int i = 0; i < rows; i++)
        {
            float x = source[sourceBase + i];
            if (x == float.NegativeInfinity) continue; // unreachable source: common in left-to-right graphs
            TV candidate = l.Add(l.Broadcast(x), l.Load(ref table[i * stride + j0]));
            best = s.Accumulate<TL, TV>(best, candidate, ref arg, l.Broadcast(i));
        }
        if (!s.NeedsSumPass) return best;
        TV shift = l.Select(l.IsFinite(best), best, l.Broadcast(0f));
        TV sum = l.Broadcast(0f);
        for (int i = 0; i < rows; i++)
        {
            float x = source[sourceBase + i];
            if (x == float.NegativeInfinity) continue;
            TV candidate = l.Add(l.Broadcast(x), l.Load(ref table[i * stride + j0]));
            sum = l.Add(sum, l.Exp(l.Subtract(candidate, shift)));
        }
        return s.Finish<TL, TV>(best, sum);
    }

    /// <summary>
    /// Threshold of <see cref="RelaxDenseScaled{TL, TV, TM}"/>: a destination whose scaled sum S is below it takes the
    /// exact two-pass step. 2^-64 ≈ 5.4e-20 ≈ e^-44.4.
    /// </summary>
    /// <remarks>
    /// The scaled sum drops only terms that fall under float32's normal range: p_i or <c>Alin_ij</c> below ~e^-87
    /// (flushed by the exponential, or stored as 0 in the table) or a product p_i·<c>Alin_ij</c> under 2^-126
    /// (flushed where the hardware flushes subnormals). Each dropped term is therefore below e^-87 ≈ 1.7e-38, and N of
    /// them change a sum S ≥ τ by a relative N·1.7e-38 / 5.4e-20 ≈ N·3.1e-19: at most 3.2e-13 even for N = 2^20
    /// states, five orders of magnitude under float32 rounding (2^-24 ≈ 6e-8). Subnormal products that are kept
    /// carry an absolute error of at most 2^-150 each, smaller still. A smaller τ would send fewer destinations to the
    /// exact path; 2^-64 keeps the bound far from float rounding for any N the engines can hold.
    /// </remarks>
    public const float ScaledSumThreshold = 5.421011e-20f; // 2^-64

    /// <summary>
    /// The per-model tables of <see cref="RelaxDenseScaled{TL, TV, TM}"/> for a dense log table of
    /// <paramref name="rows"/> × <paramref name="stride"/>: rows 0 .. rows-1 hold <c>Alin_ij = exp(table[i, j] - colMax_j)</c>,
    /// row <paramref name="rows"/> holds <c>colMax_j = max_i table[i, j]</c>. Computed in float64; a column with no finite
    /// entry gets colMax = -infinity and Alin = 0, and Alin under float32's normal range is stored as 0 (no subnormal
    /// operands in the hot loop; those terms are the ones the threshold's bound already drops).
    /// </summary>
    /// <param name="table">[rows, stride] log-probabilities, -infinity for impossible entries and padding.</param>
    /// <param name="rows">Rows (source states).</param>
    /// <param name="stride">Row stride.</param>
    /// <returns>[rows + 1, stride] floats.</returns>
    public static float[] ScaledTable(float[] table, int rows, int stride)
    {
        var result = new float[(rows + 1) * stride];
        for (int j = 0; j < stride; j++)
        {
            float colMax = float.NegativeInfinity;
            for (int i = 0; i < rows; i++) colMax = System.Math.Max(colMax, table[i * stride + j]);
            result[rows * stride + j] = colMax;
            for (int i = 0; i < rows; i++)
            {
                double a = colMax == float.NegativeInfinity ? 0.0 : System.Math.Exp((double)table[i * stride + j] - colMax);
                result[i * stride + j] = a < MinNormal ? 0f : (float)a;
            }
        }
        return result;
    }

    private const float MinNormal = 1.17549435e-38f;

    /// <summary>
    /// The per-frame half of <see cref="RelaxDenseScaled{TL, TV, TM}"/>: <c>scaled[j] = exp(source[sourceBase + j] - max)</c>
    /// for the lane group at <paramref name="j0"/>, one exponential per source state (N per frame, not N²). With
    /// <paramref name="max"/> = -infinity (no live source) every value becomes 0.
    /// </summary>
    /// <param name="source">The source column (log values).</param>
    /// <param name="sourceBase">Index of state 0 in <paramref name="source"/>.</param>
    /// <param name="max">The column's maximum over all sources (p ≤ 1 then; any larger shift is also exact, only slower).</param>
    /// <param name="scaled">Receives p at <c>scaled[j0 .. j0 + Count - 1]</c>.</param>
    /// <param name="j0">First state of the lane group.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScaleSources<TL, TV, TM>(TM source, int sourceBase, float max, TM scaled, int j0)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        // -inf - (-inf) would be NaN: a dead column shifts by 0 and exp(-inf) = 0.
        float shift = max == float.NegativeInfinity ? 0f : max;
        l.Store(l.Exp(l.Subtract(l.Load(ref source[sourceBase + j0]), l.Broadcast(shift))), ref scaled[j0]);
    }

    /// <summary>
    /// The dense log-semiring step in scaled linear form: log-sum-exp over sources i of <c>source[i] + table[i, j]</c> for
    /// the lane group at <paramref name="j0"/>, computed as <c>max + colMax_j + log S_j</c> with
    /// <c>S_j = Σ_i p_i · Alin_ij</c>, <c>p_i = exp(source[i] - max)</c> (from <see cref="ScaleSources{TL, TV, TM}"/>, once
    /// per frame) and the per-model tables <c>colMax_j = max_i table[i, j]</c>, <c>Alin_ij = exp(table[i, j] - colMax_j)</c>
    /// (see <see cref="ScaledTable"/>). The frame costs N exponentials and N² fused multiply-adds instead of the N²
    /// exponentials of <see cref="RelaxDense{TL, TV, TS, TM}"/>.
    /// </summary>
    /// <remarks>
    /// <para>Exactness. The linear sum drops only terms under float32's normal range, each below e^-87. Where
    /// <c>S_j ≥</c> <see cref="ScaledSumThreshold"/> (τ = 2^-64) their total is at most a relative N·3.1e-19 of S_j, far below
    /// float32 rounding, so the result equals the exact log-sum-exp to float rounding. Where <c>S_j &lt; τ</c> (including
    /// <c>S_j = 0</c>: every path into j runs through a source or a transition more than ~87 nats below the best) the lane
    /// group takes the exact two-pass <see cref="RelaxDense{TL, TV, TS, TM}"/> with <see cref="LogSumExp"/> over the log
    /// table, so an unreachable destination is -infinity exactly and a destination whose only support is far below the
    /// column maximum keeps its exact value. A column with no finite entry (<c>colMax_j</c> = -infinity, also every padding
    /// lane) is -infinity without the fallback; so is every lane when <paramref name="max"/> is -infinity.</para>
    /// <para>Layouts are those of <see cref="RelaxDense{TL, TV, TS, TM}"/>: row i of <paramref name="table"/> and
    /// <paramref name="linear"/> at <c>i · stride</c>. Forward passes the "into" table, backward its transpose (and the
    /// matching scaled tables).</para>
    /// </remarks>
    /// <param name="source">Source column (log values): only the fallback reads it.</param>
    /// <param name="sourceBase">Index of state 0 in <paramref name="source"/>.</param>
    /// <param name="scaled">p_i at <c>scaled[scaledBase + i]</c>, written by <see cref="ScaleSources{TL, TV, TM}"/> with the same <paramref name="max"/>.</param>
    /// <param name="scaledBase">Index of p_0 in <paramref name="scaled"/>.</param>
    /// <param name="max">The shift p was computed with: the source column's maximum.</param>
    /// <param name="table">The log table [rows, stride] (the fallback's).</param>
    /// <param name="linear">Alin [rows, stride].</param>
    /// <param name="columnMax">colMax at <c>columnMax[j]</c>.</param>
    /// <param name="rows">Source states.</param>
    /// <param name="stride">Row stride of both tables.</param>
    /// <param name="j0">First destination of the lane group.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV RelaxDenseScaled<TL, TV, TM>(TM source, int sourceBase, TM scaled, int scaledBase, float max,
        TM table, TM linear, TM columnMax, int rows, int stride, int j0)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        if (max == float.NegativeInfinity) return l.Broadcast(float.NegativeInfinity);
        TV sum = ScaledPartialSum<TL, TV, TM>(scaled, scaledBase, linear, 0, 1, rows, stride, j0);
        return FinishScaled<TL, TV, TM>(sum, source, sourceBase, max, table, columnMax, rows, stride, j0);
    }

    /// <summary>
    /// The linear half of <see cref="RelaxDenseScaled{TL, TV, TM}"/> over a subset of the rows: <c>Σ p_i · Alin_ij</c> for
    /// <c>i = first + step·u</c>, <c>u = 0 .. count - 1</c>, with p_i at <c>scaled[scaledBase + i]</c> and Alin_ij at
    /// <c>linear[i · pitch + j0]</c>. All rows (first 0, step 1, pitch = stride) is the whole sum S_j; a row split runs
    /// K of these (first k, step K) and adds the K partial sums before <see cref="FinishScaled{TL, TV, TM}"/>.
    /// </summary>
    /// <param name="scaled">p, from <see cref="ScaleSources{TL, TV, TM}"/>.</param>
    /// <param name="scaledBase">Index of p_0 in <paramref name="scaled"/>.</param>
    /// <param name="linear">Alin, row i at <c>i · pitch</c>.</param>
    /// <param name="first">First row.</param>
    /// <param name="step">Distance between the rows summed.</param>
    /// <param name="count">Rows summed (0 gives 0).</param>
    /// <param name="pitch">Floats between consecutive rows of <paramref name="linear"/> (the stride, or more where a copy is padded).</param>
    /// <param name="j0">First destination of the lane group.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ScaledPartialSum<TL, TV, TM>(TM scaled, int scaledBase, TM linear, int first, int step, int count, int pitch, int j0)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        // Four rows a trip, their loads ahead of the multiply-adds, into four accumulators: a GPU thread (ILGPU never unrolls)
        // otherwise waits for each trip's own loads, and one accumulator would chain every FMA on the previous one's latency.
        // (BENCHMARKS.md has the measurement against two rows a trip.)
        TV sum0 = l.Broadcast(0f), sum1 = l.Broadcast(0f), sum2 = l.Broadcast(0f), sum3 = l.Broadcast(0f);
        int u = 0, i = scaledBase + first, row = first * pitch + j0, rowStep = step * pitch;
        for (; u + 3 < count; u += 4, i += 4 * step, row += 4 * rowStep)
        {
            TV p0 = l.Broadcast(scaled[i]), p1 = l.Broadcast(scaled[i + step]), p2 = l.Broadcast(scaled[i + 2 * step]), p3 = l.Broadcast(scaled[i + 3 * step]);
            TV a0 = l.Load(ref linear[row]), a1 = l.Load(ref linear[row + rowStep]), a2 = l.Load(ref linear[row + 2 * rowStep]), a3 = l.Load(ref linear[row + 3 * rowStep]);
            sum0 = l.MultiplyAdd(p0, a0, sum0);
            sum1 = l.MultiplyAdd(p1, a1, sum1);
            sum2 = l.MultiplyAdd(p2, a2, sum2);
            sum3 = l.MultiplyAdd(p3, a3, sum3);
        }
        for (; u < count; u++, i += step, row += rowStep) sum0 = l.MultiplyAdd(l.Broadcast(scaled[i]), l.Load(ref linear[row]), sum0);
        return l.Add(l.Add(sum0, sum1), l.Add(sum2, sum3));
    }

    /// <summary>
    /// The finish of <see cref="RelaxDenseScaled{TL, TV, TM}"/> from the linear sum <paramref name="sum"/> = S_j (all rows):
    /// <c>max + colMax_j + log S_j</c>, or the exact two-pass <see cref="RelaxDense{TL, TV, TS, TM}"/> over all
    /// <paramref name="rows"/> of the log table where S_j is under <see cref="ScaledSumThreshold"/> (see
    /// <see cref="RelaxDenseScaled{TL, TV, TM}"/> for the exactness argument; parameters as there).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV FinishScaled<TL, TV, TM>(TV sum, TM source, int sourceBase, float max, TM table, TM columnMax, int rows, int stride, int j0)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        if (max == float.NegativeInfinity) return l.Broadcast(float.NegativeInfinity);
        TV colMax = l.Load(ref columnMax[j0]);
        TV needsExact = ScaledNeedsExact<TL, TV>(sum, colMax);
        TV result = ScaledValue<TL, TV>(sum, max, colMax);
        if (l.MaxAcross(needsExact) == 0f) return result;
        TV arg = default;
        TV exact = RelaxDense<TL, TV, LogSumExp, TM>(source, sourceBase, table, rows, stride, j0, ref arg);
        return l.Select(l.GreaterThan(needsExact, l.Broadcast(0f)), exact, result);
    }

    /// <summary>
    /// The scaled step's value where the exact fallback is not needed: <c>max + colMax_j + log S_j</c> (the first half of
    /// <see cref="FinishScaled{TL, TV, TM}"/>; a kernel that finishes several destinations at once takes the two halves apart
    /// so that the common case has no branch per destination).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ScaledValue<TL, TV>(TV sum, float max, TV colMax) where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        // log 0 = -inf, and -inf columns add -inf: no NaN reaches the result (nothing here is +inf).
        return l.Add(l.Add(l.Broadcast(max), colMax), l.Log(sum));
    }

    /// <summary>
    /// 1 (mask) where <see cref="FinishScaled{TL, TV, TM}"/> takes the exact step for these destinations: a finite column
    /// whose scaled sum is under <see cref="ScaledSumThreshold"/> (or 0); -inf columns are -inf either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ScaledNeedsExact<TL, TV>(TV sum, TV colMax) where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        return l.Select(l.IsFinite(colMax), l.Select(l.GreaterThan(l.Broadcast(ScaledSumThreshold), sum), l.Broadcast(1f), l.Broadcast(0f)), l.Broadcast(0f));
    }

    /// <summary>
    /// ⊕ over band offsets d of <c>source[j + direction·d] ⊗ table[d, j]</c> for the lane group at
    /// <paramref name="j0"/>: the banded step. Forward uses direction -1 (from j-d into j), backward +1
    /// (from i to i+d). The source column must carry -infinity padding of at least the bandwidth on both sides.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV RelaxBanded<TL, TV, TS, TM>(TM source, int sourceBase, TM table, int bandwidth, int stride, int j0, int direction, ref TV arg)
        where TL : struct, ILane<TV> where TV : struct where TS : struct, ISemiring where TM : struct, IFloatMemory
        => RelaxBand<TL, TV, TS, TM, ContiguousBand>(source, sourceBase, table, default, bandwidth, stride, j0, direction, ref arg);

    /// <summary>
    /// The banded step over listed offsets: row r of <paramref name="table"/> holds offset <c>band.Offset(r)</c> (rising),
    /// so a band whose middle offsets are impossible for every state (an alignment graph's skip over an optional pause:
    /// offsets 0, 1 and S + 1 of S + 2) costs the live rows only. With <see cref="ContiguousBand"/> it is
    /// <see cref="RelaxBanded{TL, TV, TS, TM}"/>; dropping rows that are -infinity everywhere changes no result, since
    /// their candidates never win the maximum and add exp(-inf) = 0 to the sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV RelaxBand<TL, TV, TS, TM, TB>(TM source, int sourceBase, TM table, TB band, int rows, int stride, int j0, int direction, ref TV arg)
        where TL : struct, ILane<TV> where TV : struct where TS : struct, ISemiring where TM : struct, IFloatMemory where TB : struct, IBandOffsets
    {
        var l = default(TL);
        var s = default(TS);
        TV best = l.Broadcast(float.NegativeInfinity);
        TV iota = l.Iota();
        for (int r = 0; r < rows; r++)
        {
            int from = j0 + direction * band.Offset(r);
            TV candidate = l.Add(l.Load(ref source[sourceBase + from]), l.Load(ref table[r * stride + j0]));
            best = s.Accumulate<TL, TV>(best, candidate, ref arg, l.Add(iota, l.Broadcast(from)));
        }
        if (!s.NeedsSumPass) return best;
        TV shift = l.Select(l.IsFinite(best), best, l.Broadcast(0f));
        TV sum = l.Broadcast(0f);
        for (int r = 0; r < rows; r++)
        {
            int from = j0 + direction * band.Offset(r);
            TV candidate = l.Add(l.Load(ref source[sourceBase + from]), l.Load(ref table[r * stride + j0]));
            sum = l.Add(sum, l.Exp(l.Subtract(candidate, shift)));
        }
        return s.Finish<TL, TV>(best, sum);
    }

    /// <summary>One transition step for either layout (the branch is uniform across a whole run).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Relax<TL, TV, TS, TM>(TM source, int sourceBase, TM table, int rows, bool banded, int stride, int j0, int direction, ref TV arg)
        where TL : struct, ILane<TV> where TV : struct where TS : struct, ISemiring where TM : struct, IFloatMemory
        => banded
            ? RelaxBanded<TL, TV, TS, TM>(source, sourceBase, table, rows, stride, j0, direction, ref arg)
            : RelaxDense<TL, TV, TS, TM>(source, sourceBase, table, rows, stride, j0, ref arg);

    /// <summary>
    /// log-sum-exp over the K mixture components of each state in the lane group: component k of state j sits
    /// at <c>components[k·N + j]</c>. Lanes at or past <paramref name="states"/> become -infinity.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV MixtureLogSumExp<TL, TV, TM>(TM components, int componentBase, int mixtures, int states, int j0)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        TV best = l.Load(ref components[componentBase + j0]);
        for (int k = 1; k < mixtures; k++) best = l.Max(best, l.Load(ref components[componentBase + k * states + j0]));
        TV shift = l.Select(l.IsFinite(best), best, l.Broadcast(0f));
        TV sum = l.Broadcast(0f);
        for (int k = 0; k < mixtures; k++)
            sum = l.Add(sum, l.Exp(l.Subtract(l.Load(ref components[componentBase + k * states + j0]), shift)));
        TV result = l.Select(l.IsFinite(best), l.Add(best, l.Log(sum)), best);
        TV valid = l.GreaterThan(l.Broadcast(states), l.Add(l.Iota(), l.Broadcast(j0)));
        return l.Select(valid, result, l.Broadcast(float.NegativeInfinity));
    }

    /// <summary>
    /// Component log-densities for a block of four frames and two lane groups of components: the register-blocked
    /// kernel of the GMM's [frames × 2D] · [2D × columns] product. <paramref name="features"/> holds
    /// <c>[y², y]</c> rows of <paramref name="width"/> = 2D floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GaussianBlock4x2<TL, TV, TM>(TM features, int width, TM weights, TM bias, int columns, int c0, TM output, int outputStride)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        int c1 = c0 + l.Count;
        TV b0 = l.Load(ref bias[c0]), b1 = l.Load(ref bias[c1]);
        TV a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1;
        // Offsets advance by addition: index arithmetic inside the loop costs as much as the FMAs at narrow widths.
        int w = c0, f = 0, width2 = 2 * width, width3 = 3 * width;
        for (int e = 0; e < width; e++, w += columns, f++)
        {
            TV w0 = l.Load(ref weights[w]);
            TV w1 = l.Load(ref weights[w + l.Count]);
            TV f0 = l.Broadcast(features[f]);
            TV f1 = l.Broadcast(features[f + width]);
            TV f2 = l.Broadcast(features[f + width2]);
            TV f3 = l.Broadcast(features[f + width3]);
            a00 = l.MultiplyAdd(f0, w0, a00); a01 = l.MultiplyAdd(f0, w1, a01);
            a10 = l.MultiplyAdd(f1, w0, a10); a11 = l.MultiplyAdd(f1, w1, a11);
            a20 = l.MultiplyAdd(f2, w0, a20); a21 = l.MultiplyAdd(f2, w1, a21);
            a30 = l.MultiplyAdd(f3, w0, a30); a31 = l.MultiplyAdd(f3, w1, a31);
        }
        l.Store(a00, ref output[c0]); l.Store(a01, ref output[c1]);
        l.Store(a10, ref output[outputStride + c0]); l.Store(a11, ref output[outputStride + c1]);
        l.Store(a20, ref output[2 * outputStride + c0]); l.Store(a21, ref output[2 * outputStride + c1]);
        l.Store(a30, ref output[3 * outputStride + c0]); l.Store(a31, ref output[3 * outputStride + c1]);
    }

    /// <summary>
    /// As <see cref="GaussianBlock4x2{TL, TV, TM}"/> for three lane groups: each broadcast feature feeds three FMAs,
    /// which covers the common N·K = 40..48 columns in one pass at 512 bits (12 accumulators fit the 16 AVX2 registers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GaussianBlock4x3<TL, TV, TM>(TM features, int width, TM weights, TM bias, int columns, int c0, TM output, int outputStride)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        int n = l.Count, c1 = c0 + n, c2 = c1 + n;
        TV b0 = l.Load(ref bias[c0]), b1 = l.Load(ref bias[c1]), b2 = l.Load(ref bias[c2]);
        TV a00 = b0, a01 = b1, a02 = b2, a10 = b0, a11 = b1, a12 = b2;
        TV a20 = b0, a21 = b1, a22 = b2, a30 = b0, a31 = b1, a32 = b2;
        int w = c0, width2 = 2 * width, width3 = 3 * width;
        for (int e = 0; e < width; e++, w += columns)
        {
            TV w0 = l.Load(ref weights[w]);
            TV w1 = l.Load(ref weights[w + n]);
            TV w2 = l.Load(ref weights[w + 2 * n]);
            TV f = l.Broadcast(features[e]);
            a00 = l.MultiplyAdd(f, w0, a00); a01 = l.MultiplyAdd(f, w1, a01); a02 = l.MultiplyAdd(f, w2, a02);
            f = l.Broadcast(features[e + width]);
            a10 = l.MultiplyAdd(f, w0, a10); a11 = l.MultiplyAdd(f, w1, a11); a12 = l.MultiplyAdd(f, w2, a12);
            f = l.Broadcast(features[e + width2]);
            a20 = l.MultiplyAdd(f, w0, a20); a21 = l.MultiplyAdd(f, w1, a21); a22 = l.MultiplyAdd(f, w2, a22);
            f = l.Broadcast(features[e + width3]);
            a30 = l.MultiplyAdd(f, w0, a30); a31 = l.MultiplyAdd(f, w1, a31); a32 = l.MultiplyAdd(f, w2, a32);
        }
        l.Store(a00, ref output[c0]); l.Store(a01, ref output[c1]); l.Store(a02, ref output[c2]);
        int o = outputStride;
        l.Store(a10, ref output[o + c0]); l.Store(a11, ref output[o + c1]); l.Store(a12, ref output[o + c2]);
        o += outputStride;
        l.Store(a20, ref output[o + c0]); l.Store(a21, ref output[o + c1]); l.Store(a22, ref output[o + c2]);
        o += outputStride;
        l.Store(a30, ref output[o + c0]); l.Store(a31, ref output[o + c1]); l.Store(a32, ref output[o + c2]);
    }

    /// <summary>As <see cref="GaussianBlock4x2{TL, TV, TM}"/> for a single lane group of components (the odd one out).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GaussianBlock4x1<TL, TV, TM>(TM features, int width, TM weights, TM bias, int columns, int c0, TM output, int outputStride)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        TV a0 = l.Load(ref bias[c0]), a1 = a0, a2 = a0, a3 = a0;
        int w = c0, width2 = 2 * width, width3 = 3 * width;
        for (int e = 0; e < width; e++, w += columns)
        {
            TV w0 = l.Load(ref weights[w]);
            a0 = l.MultiplyAdd(l.Broadcast(features[e]), w0, a0);
            a1 = l.MultiplyAdd(l.Broadcast(features[e + width]), w0, a1);
            a2 = l.MultiplyAdd(l.Broadcast(features[e + width2]), w0, a2);
            a3 = l.MultiplyAdd(l.Broadcast(features[e + width3]), w0, a3);
        }
        l.Store(a0, ref output[c0]);
        l.Store(a1, ref output[outputStride + c0]);
        l.Store(a2, ref output[2 * outputStride + c0]);
        l.Store(a3, ref output[3 * outputStride + c0]);
    }

    /// <summary>
    /// One frame's row of the GMM product for four lane groups of components: a live stream's pass holds one or two
    /// frames, where a four-frame block would compute rows of padding. Each accumulator adds the same terms in the same
    /// order as in the four-frame blocks, so the log-densities are the same bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GaussianBlock1x4<TL, TV, TM>(TM features, int width, TM weights, TM bias, int columns, int c0, TM output)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        int n = l.Count, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
        TV a0 = l.Load(ref bias[c0]), a1 = l.Load(ref bias[c1]), a2 = l.Load(ref bias[c2]), a3 = l.Load(ref bias[c3]);
        int w = c0, n2 = 2 * n, n3 = 3 * n;
        // MultiplyAddTo, not a = MultiplyAdd(...): Mono (the scalar lanes' runtime) is 2.3x faster on this loop in place.
        for (int e = 0; e < width; e++, w += columns)
        {
            float f = features[e];
            l.MultiplyAddTo(ref a0, f, ref weights[w]);
            l.MultiplyAddTo(ref a1, f, ref weights[w + n]);
            l.MultiplyAddTo(ref a2, f, ref weights[w + n2]);
            l.MultiplyAddTo(ref a3, f, ref weights[w + n3]);
        }
        l.Store(a0, ref output[c0]); l.Store(a1, ref output[c1]); l.Store(a2, ref output[c2]); l.Store(a3, ref output[c3]);
    }

    /// <summary>As <see cref="GaussianBlock1x4{TL, TV, TM}"/> for a single lane group of components (the tail).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GaussianBlock1x1<TL, TV, TM>(TM features, int width, TM weights, TM bias, int columns, int c0, TM output)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        TV a0 = l.Load(ref bias[c0]);
        int w = c0;
        for (int e = 0; e < width; e++, w += columns) l.MultiplyAddTo(ref a0, features[e], ref weights[w]);
        l.Store(a0, ref output[c0]);
    }
}

using System;
using System.Runtime.CompilerServices;
using Hmm.Simd;

namespace Hmm.Engine;

/// <summary>The local distance between two feature rows that dynamic time warping accumulates.</summary>
public enum DtwDistance
{
    /// <summary>Σ_d (x_d - y_d)².</summary>
    SquaredEuclidean = 0,
    /// <summary>sqrt(Σ_d (x_d - y_d)²), computed as exp(½ log s) with the lanes' exp and log (a few float ulps).</summary>
    Euclidean = 1,
    /// <summary>1 - x·y / (|x| |y|), clamped at 0; a zero row counts as orthogonal to everything (distance 1).</summary>
    Cosine = 2,
}

/// <summary>
/// How a warping path may advance, and what each step adds. Names follow Sakoe and Chiba (1978) and the R/Python
/// <c>dtw</c> package; the cost D(i, j) of reaching cell (i, j) with local distance d is:
/// </summary>
public enum DtwStepPattern
{
    /// <summary>D(i,j) = d(i,j) + min(D(i-1,j-1), D(i-1,j), D(i,j-1)): every step weight 1 (not normalisable).</summary>
    Symmetric1 = 0,
    /// <summary>
    /// D(i,j) = min(D(i-1,j-1) + 2d(i,j), D(i-1,j) + d(i,j), D(i,j-1) + d(i,j)): the diagonal counts twice, so every
    /// path's weights sum to N + M and the cost divided by N + M compares across lengths.
    /// </summary>
    Symmetric2 = 1,
    /// <summary>
    /// Sakoe-Chiba's slope constraint P = 1 (<c>symmetricP1</c>): D(i,j) = min(D(i-1,j-2) + 2d(i,j-1) + d(i,j),
    /// D(i-1,j-1) + 2d(i,j), D(i-2,j-1) + 2d(i-1,j) + d(i,j)). No two horizontal or vertical moves in a row, so the path's
    /// slope stays within [1/2, 2]; weights sum to N + M like <see cref="Symmetric2"/>.
    /// </summary>
    SymmetricP1 = 2,
}

/// <summary>Back-pointers of dynamic time warping, as the drivers store them (one byte a cell).</summary>
public interface IDtwPointers
{
    /// <summary>The step that reached cell (<paramref name="i"/>, <paramref name="j"/>): 0 diagonal, 1 from (i-1, j), 2 from (i, j-1), 3 from (i-1, j-2), 4 from (i-2, j-1).</summary>
    int At(int i, int j);
}

/// <summary>Receives a warping path's cells, last cell first.</summary>
public interface IDtwPathWriter
{
    /// <summary>Records the cell (<paramref name="i"/>, <paramref name="j"/>) as the path's <paramref name="index"/>-th cell counted from its end.</summary>
    void Write(int index, int i, int j);
}

public static partial class Definitions
{
    // ------------------------------------------------------------------ dynamic time warping
    // The cost matrix is walked by anti-diagonals k = i + j: the cells of one anti-diagonal depend only on the two
    // before it (three for the slope-constrained pattern), so a lane group (SIMD lanes on the CPU, threads on the GPU)
    // computes consecutive cells i .. i + Count - 1 of one anti-diagonal. Diagonal buffers are indexed by i. Features are
    // transposed ([D, stride]) and the second sequence is also reversed (DtwTranspose), so a lane group's features are
    // consecutive floats in both: x[d, i] and yReversed[d, M - 1 - k + i].

    /// <summary>Floats before index 0 of a DTW diagonal buffer (index -1 is the virtual row i = -1).</summary>
    public const int DtwLeftPad = 4;

    /// <summary>Floats after the last cell of a DTW diagonal buffer and of a transposed feature row: the widest lane group's overshoot and the margins.</summary>
    public const int DtwRightPad = 28;

    /// <summary>
    /// Writes the rows of <paramref name="rows"/> ([length, dimension]) transposed into <paramref name="destination"/>
    /// ([dimension, stride], stride ≥ length + <see cref="DtwRightPad"/>; padding columns become 0), reversed in time
    /// when <paramref name="reverse"/> (column t holds row length - 1 - t), and scaled to unit length when
    /// <paramref name="unitRows"/> (the cosine distance; a zero row stays zero). Scaling is computed in float64.
    /// </summary>
    public static void DtwTranspose(ReadOnlySpan<float> rows, int length, int dimension, bool reverse, bool unitRows, Span<float> destination, int stride)
    {
        for (int t = 0; t < length; t++)
        {
            var row = rows.Slice(t * dimension, dimension);
            float scale = 1f;
            if (unitRows)
            {
                double sum = 0;
                for (int d = 0; d < dimension; d++) sum += (double)row[d] * row[d];
                scale = sum > 0 ? (float)(1.0 / Math.Sqrt(sum)) : 0f;
            }
            int column = reverse ? length - 1 - t : t;
            for (int d = 0; d < dimension; d++) destination[d * stride + column] = row[d] * scale;
        }
        for (int d = 0; d < dimension; d++) destination.Slice(d * stride + length, stride - length).Clear();
    }

    /// <summary>
    /// The cells i = <paramref name="lo"/> .. <paramref name="hi"/> of anti-diagonal <paramref name="k"/> (j = k - i) that
    /// lie in the <paramref name="n"/> × <paramref name="m"/> matrix and, when <paramref name="radius"/> ≥ 0, in the
    /// Sakoe-Chiba band |i - j| ≤ radius. Both bounds never decrease as k grows, and each grows by at most 1 a
    /// diagonal (what the drivers' margins rely on). Empty when lo &gt; hi.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DtwDiagonalRange(int k, int n, int m, int radius, out int lo, out int hi)
    {
        lo = Math.Max(0, k - m + 1);
        hi = Math.Min(n - 1, k);
        if (radius >= 0)
        {
            lo = Math.Max(lo, (k - radius + 1) >> 1); // ceil((k - r) / 2), also for negative k - r
            hi = Math.Min(hi, (k + radius) >> 1);
        }
    }

    /// <summary>
    /// The cost the virtual row i = -1 holds on anti-diagonal <paramref name="k"/> (cell (-1, k + 1)): 0 everywhere for a
    /// subsequence search (the query may start at any reference frame), otherwise 0 only at the origin (-1, -1), k = -2,
    /// and +infinity elsewhere.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float DtwRowBoundary(int k, bool subsequence) => subsequence || k == -2 ? 0f : float.PositiveInfinity;

    /// <summary>
    /// The local distance of the lane group of cells i0 .. i0 + Count - 1 on one anti-diagonal: <paramref name="x"/> holds
    /// the first sequence transposed (the group's features at <c>x[xBase + d * xStride]</c>), <paramref name="y"/> the
    /// second transposed and reversed (at <c>y[yBase + d * yStride]</c>); for cosine both are unit rows
    /// (<see cref="DtwTranspose"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV DtwLocalDistance<TL, TV, TM>(DtwDistance distance, TM x, int xBase, int xStride, TM y, int yBase, int yStride, int dimension)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        TV acc = l.Broadcast(0f);
        if (distance == DtwDistance.Cosine)
        {
            for (int d = 0; d < dimension; d++)
                acc = l.MultiplyAdd(l.Load(ref x[xBase + d * xStride]), l.Load(ref y[yBase + d * yStride]), acc);
            return l.Max(l.Subtract(l.Broadcast(1f), acc), l.Broadcast(0f));
        }
        for (int d = 0; d < dimension; d++)
        {
            TV diff = l.Subtract(l.Load(ref x[xBase + d * xStride]), l.Load(ref y[yBase + d * yStride]));
            acc = l.MultiplyAdd(diff, diff, acc);
        }
        if (distance == DtwDistance.Euclidean) acc = l.Exp(l.Multiply(l.Broadcast(0.5f), l.Log(acc))); // log 0 = -inf, exp(-inf) = 0
        return acc;
    }

    /// <summary>
    /// One DTW cell per lane: the accumulated cost D(i, j) under <paramref name="pattern"/> from the neighbours' costs
    /// and the local distances, and in <paramref name="arg"/> the step taken (0 diagonal, 1 from (i-1, j), 2 from
    /// (i, j-1), 3 from (i-1, j-2), 4 from (i-2, j-1)). Candidates are taken in that order and a later one wins only
    /// when strictly smaller, so ties go to the diagonal. Costs are +infinity where no path arrives; nothing is
    /// subtracted, so infinities never become NaN.
    /// </summary>
    /// <param name="pattern">The step pattern.</param>
    /// <param name="local">d(i, j).</param>
    /// <param name="localLeft">d(i, j-1) (read by <see cref="DtwStepPattern.SymmetricP1"/> only).</param>
    /// <param name="localUp">d(i-1, j) (<see cref="DtwStepPattern.SymmetricP1"/> only).</param>
    /// <param name="diagonal">D(i-1, j-1).</param>
    /// <param name="up">D(i-1, j).</param>
    /// <param name="left">D(i, j-1).</param>
    /// <param name="upLeft2">D(i-1, j-2) (<see cref="DtwStepPattern.SymmetricP1"/> only).</param>
    /// <param name="up2Left">D(i-2, j-1) (<see cref="DtwStepPattern.SymmetricP1"/> only).</param>
    /// <param name="arg">Receives the step per lane.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV DtwCell<TL, TV>(DtwStepPattern pattern, TV local, TV localLeft, TV localUp, TV diagonal, TV up, TV left, TV upLeft2, TV up2Left, out TV arg)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        TV twice = l.Add(local, local);
        if (pattern == DtwStepPattern.SymmetricP1)
        {
            TV best = l.Add(diagonal, twice);
            arg = l.Broadcast(0f);
            TV c3 = l.Add(l.Add(upLeft2, l.Add(localLeft, localLeft)), local);
            TV better = l.GreaterThan(best, c3);
            best = l.Select(better, c3, best);
            arg = l.Select(better, l.Broadcast(3f), arg);
            TV c4 = l.Add(l.Add(up2Left, l.Add(localUp, localUp)), local);
            better = l.GreaterThan(best, c4);
            arg = l.Select(better, l.Broadcast(4f), arg);
            return l.Select(better, c4, best);
        }
        if (pattern == DtwStepPattern.Symmetric2)
        {
            TV best = l.Add(diagonal, twice);
            TV c1 = l.Add(up, local);
            TV better = l.GreaterThan(best, c1);
            best = l.Select(better, c1, best);
            arg = l.Select(better, l.Broadcast(1f), l.Broadcast(0f));
            TV c2 = l.Add(left, local);
            better = l.GreaterThan(best, c2);
            arg = l.Select(better, l.Broadcast(2f), arg);
            return l.Select(better, c2, best);
        }
        {
            TV best = diagonal;
            TV better = l.GreaterThan(best, up);
            best = l.Select(better, up, best);
            arg = l.Select(better, l.Broadcast(1f), l.Broadcast(0f));
            better = l.GreaterThan(best, left);
            arg = l.Select(better, l.Broadcast(2f), arg);
            return l.Add(l.Select(better, left, best), local);
        }
    }

    /// <summary>
    /// <paramref name="value"/> where the lane's cell i = i0 + lane lies in <paramref name="lo"/> .. <paramref name="hi"/>,
    /// +infinity elsewhere: a lane group that overshoots its anti-diagonal's range (or a band) leaves impossible cells.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV DtwMask<TL, TV>(TV value, int i0, int lo, int hi)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        TV i = l.Add(l.Iota(), l.Broadcast(i0));
        TV inf = l.Broadcast(float.PositiveInfinity);
        value = l.Select(l.GreaterThan(l.Broadcast(lo), i), inf, value);
        return l.Select(l.GreaterThan(i, l.Broadcast(hi)), inf, value);
    }

    /// <summary>
    /// Walks the back-pointers from cell (<paramref name="i"/>, <paramref name="j"/>) to the virtual origin (or, for a
    /// subsequence search, to the virtual row i = -1), writing the cells last first, the cells a slope-constrained step
    /// passes through included. Returns the path's length.
    /// </summary>
    public static int DtwBacktrace<TP, TW>(TP pointers, TW writer, int i, int j)
        where TP : struct, IDtwPointers where TW : struct, IDtwPathWriter
    {
        int count = 0;
        while (i >= 0 && j >= 0)
        {
            writer.Write(count++, i, j);
            int step = pointers.At(i, j);
            if (step == 0) { i--; j--; }
            else if (step == 1) i--;
            else if (step == 2) j--;
            else if (step == 3) { j--; writer.Write(count++, i, j); i--; j--; }
            else { i--; writer.Write(count++, i, j); i--; j--; }
        }
        return count;
    }

    /// <summary>
    /// The normalised cost: <paramref name="cost"/> / (N + M), with M the matched reference frames of a subsequence
    /// search. For <see cref="DtwStepPattern.Symmetric2"/> and <see cref="DtwStepPattern.SymmetricP1"/> every path's
    /// weights sum to N + M, so this is the average local distance per unit of weight; for
    /// <see cref="DtwStepPattern.Symmetric1"/> it is only a scale.
    /// </summary>
    public static double DtwNormalise(double cost, int n, int m) => cost / (n + m);
}

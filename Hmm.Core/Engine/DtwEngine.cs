using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading.Tasks;
using Hmm.Primitives;
using Hmm.Simd;

namespace Hmm.Engine;

/// <summary>What a dynamic time warping call computes. Immutable; share one between calls.</summary>
public sealed record DtwOptions
{
    /// <summary>The local distance between two frames (default squared Euclidean).</summary>
    public DtwDistance Distance { get; init; } = DtwDistance.SquaredEuclidean;

    /// <summary>The step pattern (default <see cref="DtwStepPattern.Symmetric2"/>, the normalisable one).</summary>
    public DtwStepPattern Pattern { get; init; } = DtwStepPattern.Symmetric2;

    /// <summary>
    /// Sakoe-Chiba window: only cells with |i - j| ≤ radius (in frames) are allowed; null (default) for the full matrix.
    /// It must be at least |N - M|, or no path reaches the last cell (an <see cref="ArgumentException"/>). Not with
    /// <see cref="Subsequence"/>.
    /// </summary>
    public int? WindowRadius { get; init; }

    /// <summary>
    /// Subsequence DTW: the first sequence (the query) may match any stretch of the second (the reference): the path starts
    /// at any reference frame of query frame 0 and ends at any of query frame N - 1. The result's
    /// <see cref="DtwResult.Start"/> and <see cref="DtwResult.End"/> say where; the path (always computed here, since the
    /// start comes from it) covers the match only.
    /// </summary>
    public bool Subsequence { get; init; }

    /// <summary>Whether to store back-pointers (one byte a cell) and return the warping path (default true). Without it the cost needs only a few diagonals of memory.</summary>
    public bool ComputePath { get; init; } = true;

    /// <summary>Full-matrix DTW with the symmetric2 pattern, squared Euclidean distance and the path.</summary>
    public static DtwOptions Default { get; } = new();
}

/// <summary>
/// A DTW result: the cost, its normalised form and the warping path. Reuse one across calls of
/// <see cref="DtwEngine.Align(ReadOnlySpan{float}, ReadOnlySpan{float}, int, DtwOptions, DtwResult)"/>: its path arrays only grow.
/// </summary>
public sealed class DtwResult
{
    /// <summary>The accumulated cost of the best path (float32 accumulation); +infinity when the step pattern admits no path (e.g. a slope constraint and lengths more than 2:1 apart).</summary>
    public double Cost { get; internal set; }

    /// <summary><see cref="Cost"/> / (N + M) with M the matched reference frames (<see cref="Definitions.DtwNormalise"/>).</summary>
    public double NormalisedCost { get; internal set; }

    /// <summary>First frame of the second sequence on the path (0 unless <see cref="DtwOptions.Subsequence"/>); -1 when there is no path or it was not computed for a subsequence.</summary>
    public int Start { get; internal set; }

    /// <summary>Last frame of the second sequence on the path (M - 1 unless <see cref="DtwOptions.Subsequence"/>); -1 when there is no path.</summary>
    public int End { get; internal set; }

    /// <summary>Cells on the path (0 when no path was computed or none exists).</summary>
    public int PathLength { get; internal set; }

    /// <summary>The path's first-sequence frames, first cell first (valid up to <see cref="PathLength"/>; the array may be longer).</summary>
    public int[] PathX { get; internal set; } = Array.Empty<int>();

    /// <summary>The path's second-sequence frames, first cell first (valid up to <see cref="PathLength"/>).</summary>
    public int[] PathY { get; internal set; } = Array.Empty<int>();

    /// <summary>Copies the path into a new array of (x frame, y frame) pairs.</summary>
    public (int X, int Y)[] Path()
    {
        var path = new (int, int)[PathLength];
        for (int p = 0; p < PathLength; p++) path[p] = (PathX[p], PathY[p]);
        return path;
    }

    internal void EnsurePath(int capacity)
    {
        if (PathX.Length < capacity)
        {
            PathX = new int[capacity];
            PathY = new int[capacity];
        }
    }

    /// <summary>Sets the outcome from a cost and a path written last cell first (reversed here); for engines outside this assembly use <see cref="DtwArguments.Complete"/>.</summary>
    internal void Complete(float cost, int n, int end, int pathLength, bool subsequence)
    {
        PathLength = pathLength;
        Array.Reverse(PathX, 0, pathLength);
        Array.Reverse(PathY, 0, pathLength);
        Cost = cost;
        bool none = float.IsPositiveInfinity(cost);
        End = none ? -1 : end;
        Start = none ? -1 : !subsequence ? 0 : pathLength > 0 ? PathY[0] : -1;
        int matched = none ? 0 : End - (Start < 0 ? 0 : Start) + 1;
        NormalisedCost = none ? double.PositiveInfinity : Definitions.DtwNormalise(cost, n, matched);
    }
}

/// <summary>
/// Dynamic time warping on the SIMD CPU: full matrix or Sakoe-Chiba band, three step patterns, subsequence search, the
/// cost and the warping path, one pair or a batch. The arithmetic is <see cref="Definitions"/>' DTW definitions (the GPU
/// engine calls the same ones), instantiated for the chosen <see cref="SimdWidth"/>.
/// </summary>
/// <remarks>
/// <para><b>Layout: lanes over the anti-diagonal.</b> The cells of one anti-diagonal (i + j = k) are independent, so a SIMD
/// register computes Count consecutive cells of it. The features are transposed (and the second sequence reversed) once per
/// call, so that a register's features are consecutive floats in both sequences: the local distance is Count × D fused
/// multiply-adds from contiguous loads, and the recursion reads the previous diagonals contiguously too. The other choice,
/// lanes over the pairs of a batch, needs equal-length pairs to keep lanes busy, does nothing for one pair (label
/// transfer, a metric) and gathers features from Count pairs; the anti-diagonal layout serves one pair and batches alike
/// (a batch runs its pairs on <see cref="MaxDegreeOfParallelism"/> threads), and it is what the GPU kernel does with threads.</para>
/// <para>Without the path, memory is six diagonal buffers; with it, one byte per cell of back-pointers ((N + M - 1) × N bytes).
/// Costs accumulate in float32. Repeated calls with the same or smaller shapes allocate nothing (one pair at a time, with a
/// reused <see cref="DtwResult"/>). Not thread-safe: use one engine per thread.</para>
/// </remarks>
public sealed unsafe class DtwEngine
{
    private readonly DtwWorkspace _single = new();
    private readonly ConcurrentBag<DtwWorkspace> _pool = new();

    /// <summary>Creates an engine.</summary>
    /// <param name="width">Lane width; <see cref="SimdWidth.Auto"/> takes the widest the processor accelerates.</param>
    /// <param name="maxDegreeOfParallelism">Pairs of a batch aligned at once on separate threads.</param>
    public DtwEngine(SimdWidth width = SimdWidth.Auto, int maxDegreeOfParallelism = 1)
        : this(width, maxDegreeOfParallelism, allowUnaccelerated: false)
    {
    }

    /// <summary>Tests run every width, emulated where the processor lacks it.</summary>
    internal DtwEngine(SimdWidth width, int maxDegreeOfParallelism, bool allowUnaccelerated)
    {
        Width = allowUnaccelerated && width != SimdWidth.Auto ? width : SimdCapabilities.Resolve(width, nameof(width));
        Guard.Positive(maxDegreeOfParallelism, nameof(maxDegreeOfParallelism));
        MaxDegreeOfParallelism = maxDegreeOfParallelism;
    }

    /// <summary>The lane width in use.</summary>
    public SimdWidth Width { get; }

    /// <summary>Threads used per batch.</summary>
    public int MaxDegreeOfParallelism { get; }

    /// <summary>Aligns <paramref name="x"/> ([N, dimension] rows) with <paramref name="y"/> ([M, dimension]).</summary>
    /// <exception cref="ArgumentException">An empty sequence, a length that is not whole rows, a NaN or infinite feature, or a window narrower than |N - M|.</exception>
    public DtwResult Align(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int dimension, DtwOptions? options = null)
    {
        var result = new DtwResult();
        Align(x, y, dimension, options ?? DtwOptions.Default, result);
        return result;
    }

    /// <summary>As <see cref="Align(ReadOnlySpan{float}, ReadOnlySpan{float}, int, DtwOptions?)"/>, into <paramref name="result"/> (reused: no allocation once warm).</summary>
    public void Align(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int dimension, DtwOptions options, DtwResult result)
    {
        Guard.NotNull(options, nameof(options));
        Guard.NotNull(result, nameof(result));
        int n = DtwArguments.Rows(x, dimension, nameof(x));
        int m = DtwArguments.Rows(y, dimension, nameof(y));
        DtwArguments.CheckOptions(options, n, m, nameof(options));
        Run(x, y, n, m, dimension, options, result, _single);
    }

    /// <summary>
    /// Aligns pairs (<paramref name="first"/>[b], <paramref name="second"/>[b]) of any lengths, on up to
    /// <see cref="MaxDegreeOfParallelism"/> threads.
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length, or a pair is bad input (the message names the pair).</exception>
    public DtwResult[] AlignBatch(IReadOnlyList<float[]> first, IReadOnlyList<float[]> second, int dimension, DtwOptions? options = null)
    {
        Guard.NotNull(first, nameof(first));
        Guard.NotNull(second, nameof(second));
        options ??= DtwOptions.Default;
        DtwArguments.CheckBatch(first, second, dimension, options);
        var results = new DtwResult[first.Count];
        for (int b = 0; b < results.Length; b++) results[b] = new DtwResult();
        if (MaxDegreeOfParallelism == 1 || results.Length < 2)
        {
            for (int b = 0; b < results.Length; b++) Run(first[b], second[b], first[b].Length / dimension, second[b].Length / dimension, dimension, options, results[b], _single);
            return results;
        }
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism }, b =>
        {
            if (!_pool.TryTake(out var ws)) ws = new DtwWorkspace();
            try { Run(first[b], second[b], first[b].Length / dimension, second[b].Length / dimension, dimension, options, results[b], ws); }
            finally { _pool.Add(ws); }
        });
        return results;
    }

    private void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int n, int m, int dimension, DtwOptions options, DtwResult result, DtwWorkspace ws)
    {
        bool path = options.ComputePath || options.Subsequence;
        int xStride = n + Definitions.DtwRightPad, yStride = m + Definitions.DtwRightPad;
        int width = Definitions.DtwLeftPad + n + Definitions.DtwRightPad;
        ws.Ensure(dimension * xStride, dimension * yStride, 6 * width, path ? (long)(n + m - 1) * n : 0);
        bool unit = options.Distance == DtwDistance.Cosine;
        Definitions.DtwTranspose(x, n, dimension, reverse: false, unit, ws.X, xStride);
        Definitions.DtwTranspose(y, m, dimension, reverse: true, unit, ws.Y, yStride);
        fixed (float* px = ws.X, py = ws.Y, pd = ws.Diagonals, lanes = ws.Lanes)
        fixed (byte* pp = ws.Pointers)
        {
            var job = new DtwJob
            {
                X = px, XStride = xStride, Y = py, YStride = yStride, N = n, M = m, Dimension = dimension,
                Radius = options.WindowRadius ?? -1, Distance = options.Distance, Pattern = options.Pattern, Subsequence = options.Subsequence,
                Diagonals = pd, Width = width, Pointers = path ? pp : null, Lanes = lanes,
            };
            CpuPasses.DtwPass(Width, ref job);
            int length = 0;
            if (path && !float.IsPositiveInfinity(job.Cost))
            {
                result.EnsurePath(n + m);
                length = Definitions.DtwBacktrace(new CpuDtwPointers(pp, n), new ArrayPathWriter(result.PathX, result.PathY), n - 1, job.End);
            }
            result.Complete(job.Cost, n, job.End, length, options.Subsequence);
        }
    }
}

/// <summary>Writes a backtrace into two arrays.</summary>
internal readonly struct ArrayPathWriter : IDtwPathWriter
{
    private readonly int[] _i, _j;

    public ArrayPathWriter(int[] i, int[] j) => (_i, _j) = (i, j);

    public void Write(int index, int i, int j)
    {
        _i[index] = i;
        _j[index] = j;
    }
}

/// <summary>One DTW worker's scratch, grown on demand.</summary>
internal sealed class DtwWorkspace
{
    public float[] X = Array.Empty<float>();
    public float[] Y = Array.Empty<float>();
    public float[] Diagonals = Array.Empty<float>();
    public float[] Lanes = new float[SimdCapabilities.MaxLaneCount];
    public byte[] Pointers = Array.Empty<byte>();

    public void Ensure(int x, int y, int diagonals, long pointers)
    {
        if (X.Length < x) X = new float[x];
        if (Y.Length < y) Y = new float[y];
        if (Diagonals.Length < diagonals) Diagonals = new float[diagonals];
        if (Pointers.Length < pointers) Pointers = new byte[pointers];
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using Hmm.Engine;
using Hmm.Testing;
using Xunit;

namespace Hmm.Tests.Dtw;

/// <summary>A random DTW case: lengths, dimension, options and a seed for the features (Gaussian: ties are unlikely).</summary>
public sealed record DtwCase(int[] N, int[] M, int Dimension, DtwStepPattern Pattern, DtwDistance Distance, int Band, bool Subsequence, int Seed)
{
    public DtwOptions Options => new()
    {
        Pattern = Pattern, Distance = Distance, Subsequence = Subsequence,
        WindowRadius = Band < 0 || Subsequence ? null : Enumerable.Range(0, N.Length).Max(b => Math.Abs(N[b] - M[b])) + Band,
    };

    public (float[][] X, float[][] Y) Features()
    {
        var rng = new Random(Seed);
        float[] Rows(int length)
        {
            var f = new float[length * Dimension];
            for (int q = 0; q < f.Length; q++) f[q] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
            return f;
        }
        return (N.Select(Rows).ToArray(), M.Select(Rows).ToArray());
    }

    public static Gen<DtwCase> Generator(int maxLength, int maxBatch) =>
        from count in Gen.Int[1, maxBatch]
        from n in Gen.Int[1, maxLength].Array[count]
        from m in Gen.Int[1, maxLength].Array[count]
        from dimension in Gen.Int[1, 9]
        from pattern in Gen.Int[0, 2]
        from distance in Gen.Int[0, 2]
        from band in Gen.Frequency((2, Gen.Const(-1)), (1, Gen.Int[0, 12]))
        from subsequence in Gen.Frequency((4, Gen.Const(false)), (1, Gen.Const(true)))
        from seed in Gen.Int[0, int.MaxValue - 1]
        select new DtwCase(n, m, dimension, (DtwStepPattern)pattern, (DtwDistance)distance, band, subsequence, seed);
}

/// <summary>
/// Dynamic time warping against the float64 <see cref="ReferenceDtw"/> on random shapes, lengths, bands, step patterns
/// and distances; each engine (SIMD width, ILGPU's CPU accelerator, CUDA) is a thin subclass.
/// </summary>
public abstract class DtwSuite
{
    /// <summary>Aligns the pairs with the engine under test.</summary>
    protected abstract DtwResult[] Align(IReadOnlyList<float[]> x, IReadOnlyList<float[]> y, int dimension, DtwOptions options);

    protected virtual long Iterations => 60;
    protected virtual int MaxLength => 45;
    protected virtual int MaxBatch => 3;

    private const double RelativeTolerance = 2e-5;

    private static void Close(double expected, double actual, string what)
    {
        if (double.IsPositiveInfinity(expected))
        {
            Assert.True(double.IsPositiveInfinity(actual), $"{what}: expected no path, got {actual}");
            return;
        }
        Assert.True(Math.Abs(expected - actual) <= RelativeTolerance * (1 + Math.Abs(expected)), $"{what}: expected {expected}, got {actual}");
    }

    /// <summary>The float64 cost of a path under the pattern's weights (a diagonal move weighs 2 except in symmetric1).</summary>
    private static double PathCost(DtwCase c, float[] x, float[] y, (int X, int Y)[] path)
    {
        int d = c.Dimension;
        double Local(int i, int j) => ReferenceDtw.Distance(c.Distance, x.AsSpan(i * d, d), y.AsSpan(j * d, d));
        double firstWeight = c.Pattern == DtwStepPattern.Symmetric1 ? 1 : c.Pattern == DtwStepPattern.Symmetric2 && c.Subsequence ? 1 : 2;
        double cost = firstWeight * Local(path[0].X, path[0].Y);
        for (int p = 1; p < path.Length; p++)
        {
            bool diagonal = path[p].X == path[p - 1].X + 1 && path[p].Y == path[p - 1].Y + 1;
            double w = diagonal && c.Pattern != DtwStepPattern.Symmetric1 ? 2 : 1;
            cost += w * Local(path[p].X, path[p].Y);
        }
        return cost;
    }

    private static void ValidPath(DtwCase c, int n, int m, DtwResult r, string what)
    {
        var path = r.Path();
        Assert.True(path.Length > 0, what);
        Assert.Equal(0, path[0].X);
        Assert.Equal(n - 1, path[^1].X);
        Assert.Equal(r.Start, path[0].Y);
        Assert.Equal(r.End, path[^1].Y);
        if (!c.Subsequence) Assert.Equal((0, m - 1), (path[0].Y, path[^1].Y));
        for (int p = 1; p < path.Length; p++)
        {
            int di = path[p].X - path[p - 1].X, dj = path[p].Y - path[p - 1].Y;
            Assert.True((di, dj) is (1, 1) or (1, 0) or (0, 1), $"{what}: step {p} moves ({di}, {dj})");
            if (c.Pattern == DtwStepPattern.SymmetricP1 && p > 1 && (di, dj) != (1, 1))
            {
                int pi = path[p - 1].X - path[p - 2].X, pj = path[p - 1].Y - path[p - 2].Y;
                Assert.True((pi, pj) == (1, 1), $"{what}: two non-diagonal moves in a row at step {p} under the slope constraint");
            }
            if (c.Options.WindowRadius is int radius) Assert.True(Math.Abs(path[p].X - path[p].Y) <= radius, $"{what}: cell {path[p]} outside the band");
        }
    }

    [Fact]
    public void Cost_and_path_match_the_float64_reference()
    {
        int identical = 0, compared = 0;
        DtwCase.Generator(MaxLength, MaxBatch).Sample(c =>
        {
            var (x, y) = c.Features();
            var options = c.Options;
            var results = Align(x, y, c.Dimension, options);
            for (int b = 0; b < x.Length; b++)
            {
                string what = $"{c} pair {b}";
                var expected = ReferenceDtw.Align(x[b], y[b], c.Dimension, options);
                var r = results[b];
                Close(expected.Cost, r.Cost, what + " cost");
                if (double.IsPositiveInfinity(expected.Cost))
                {
                    Assert.Equal(0, r.PathLength);
                    continue;
                }
                int n = c.N[b], m = c.M[b];
                ValidPath(c, n, m, r, what);
                var path = r.Path();
                // The engine's path is optimal: its float64 cost is the reference optimum (a different path only on a near-tie).
                Close(expected.Cost, PathCost(c, x[b], y[b], path), what + " path cost");
                Close(expected.Cost / (n + r.End - r.Start + 1), r.NormalisedCost, what + " normalised");
                compared++;
                if (path.SequenceEqual(expected.Path)) identical++;
            }
        }, iter: Iterations, threads: 1);
        Assert.True(identical >= compared * 0.95, $"identical paths {identical} of {compared}");
    }

    [Fact]
    public void Cost_without_path_equals_cost_with_path()
    {
        DtwCase.Generator(MaxLength, MaxBatch).Where(c => !c.Subsequence).Sample(c =>
        {
            var (x, y) = c.Features();
            var with = Align(x, y, c.Dimension, c.Options);
            var without = Align(x, y, c.Dimension, c.Options with { ComputePath = false });
            for (int b = 0; b < x.Length; b++)
            {
                Assert.Equal(with[b].Cost, without[b].Cost);
                Assert.Equal(0, without[b].PathLength);
            }
        }, iter: Iterations / 3, threads: 1);
    }

    [Fact]
    public void Subsequence_finds_an_embedded_query()
    {
        var rng = new Random(7);
        int d = 5, m = 120, n = 30, start = 57;
        var reference = new float[m * d];
        for (int q = 0; q < reference.Length; q++) reference[q] = (float)rng.NextDouble() * 4 - 2;
        var query = reference.AsSpan(start * d, n * d).ToArray();
        var r = Align(new[] { query }, new[] { reference }, d, new DtwOptions { Subsequence = true, Pattern = DtwStepPattern.Symmetric2 })[0];
        Assert.Equal(0, r.Cost, 6);
        Assert.Equal(start, r.Start);
        Assert.Equal(start + n - 1, r.End);
        Assert.Equal(n, r.PathLength);
    }

    [Fact]
    public void Identical_sequences_cost_zero_along_the_diagonal()
    {
        var rng = new Random(3);
        var x = new float[50 * 3];
        for (int q = 0; q < x.Length; q++) x[q] = (float)rng.NextDouble();
        foreach (DtwStepPattern pattern in Enum.GetValues<DtwStepPattern>())
        {
            var r = Align(new[] { x }, new[] { x }, 3, new DtwOptions { Pattern = pattern, WindowRadius = 2 })[0];
            Assert.Equal(0, r.Cost, 6);
            Assert.Equal(50, r.PathLength);
            for (int p = 0; p < 50; p++) Assert.Equal((p, p), (r.PathX[p], r.PathY[p]));
        }
    }

    [Fact]
    public void Slope_constraint_without_a_path_gives_infinity()
    {
        var x = new float[3];
        var y = new float[10];
        var r = Align(new[] { x }, new[] { y }, 1, new DtwOptions { Pattern = DtwStepPattern.SymmetricP1 })[0];
        Assert.True(double.IsPositiveInfinity(r.Cost));
        Assert.Equal(0, r.PathLength);
        Assert.Equal(-1, r.End);
    }
}

using System;
using System.Collections.Generic;
using Hmm.Engine;

namespace Hmm.Testing;

/// <summary>
/// A plain float64 dynamic time warping: the whole cost matrix in O(N M) loops, written from the step patterns'
/// textbook definitions (<see cref="DtwStepPattern"/>), to check the engines against. Conventions as the engines': a
/// virtual origin (-1, -1) with cost 0 (so the first cell is reached by a diagonal step: symmetric2 weighs it 2d), a
/// virtual row i = -1 of zeros for a subsequence search, ties to the diagonal, then the patterns' order.
/// </summary>
public static class ReferenceDtw
{
    /// <summary>The reference result.</summary>
    public sealed class Result
    {
        public Result(double cost, int start, int end, (int X, int Y)[] path)
        {
            Cost = cost;
            Start = start;
            End = end;
            Path = path;
        }

        public double Cost { get; }
        public int Start { get; }
        public int End { get; }
        public (int X, int Y)[] Path { get; }
    }

    /// <summary>The local distance in float64.</summary>
    public static double Distance(DtwDistance distance, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0, aa = 0, bb = 0;
        for (int d = 0; d < a.Length; d++)
        {
            double diff = (double)a[d] - b[d];
            sum += diff * diff;
            aa += (double)a[d] * a[d];
            bb += (double)b[d] * b[d];
        }
        return distance switch
        {
            DtwDistance.SquaredEuclidean => sum,
            DtwDistance.Euclidean => Math.Sqrt(sum),
            _ => aa == 0 || bb == 0 ? 1.0 : Math.Max(0.0, 1.0 - Dot(a, b) / Math.Sqrt(aa * bb)),
        };
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int d = 0; d < a.Length; d++) s += (double)a[d] * b[d];
        return s;
    }

    /// <summary>Aligns x ([n, dimension]) and y ([m, dimension]) under <paramref name="options"/>.</summary>
    public static Result Align(float[] x, float[] y, int dimension, DtwOptions options)
    {
        int n = x.Length / dimension, m = y.Length / dimension;
        var local = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                local[i, j] = Distance(options.Distance, x.AsSpan(i * dimension, dimension), y.AsSpan(j * dimension, dimension));
        int radius = options.WindowRadius ?? -1;
        bool sub = options.Subsequence;
        var cost = new double[n, m];
        var step = new int[n, m];
        double D(int i, int j)
        {
            if (i == -1 && j == -1) return 0;
            if (i == -1) return sub && j < m ? 0 : double.PositiveInfinity;
            if (i < -1 || j < 0) return double.PositiveInfinity;
            return cost[i, j];
        }
        double L(int i, int j) => i < 0 || j < 0 ? double.PositiveInfinity : local[i, j];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                if (radius >= 0 && Math.Abs(i - j) > radius)
                {
                    cost[i, j] = double.PositiveInfinity;
                    continue;
                }
                double d = local[i, j];
                var candidates = new List<(double Cost, int Step)>();
                switch (options.Pattern)
                {
                    case DtwStepPattern.Symmetric1:
                        candidates.Add((D(i - 1, j - 1) + d, 0));
                        candidates.Add((D(i - 1, j) + d, 1));
                        candidates.Add((D(i, j - 1) + d, 2));
                        break;
                    case DtwStepPattern.Symmetric2:
                        candidates.Add((D(i - 1, j - 1) + 2 * d, 0));
                        candidates.Add((D(i - 1, j) + d, 1));
                        candidates.Add((D(i, j - 1) + d, 2));
                        break;
                    default:
                        candidates.Add((D(i - 1, j - 1) + 2 * d, 0));
                        candidates.Add((D(i - 1, j - 2) + 2 * L(i, j - 1) + d, 3));
                        candidates.Add((D(i - 2, j - 1) + 2 * L(i - 1, j) + d, 4));
                        break;
                }
                var best = candidates[0];
                foreach (var c in candidates) if (c.Cost < best.Cost) best = c;
                cost[i, j] = best.Cost;
                step[i, j] = best.Step;
            }
        }
        int end = m - 1;
        if (sub)
        {
            for (int j = 0; j < m; j++) if (cost[n - 1, j] < cost[n - 1, end] || (j < end && cost[n - 1, j] == cost[n - 1, end])) end = j;
        }
        double total = cost[n - 1, end];
        if (double.IsPositiveInfinity(total)) return new Result(total, -1, -1, Array.Empty<(int, int)>());
        var path = new List<(int, int)>();
        int a = n - 1, b = end;
        while (a >= 0 && b >= 0)
        {
            path.Add((a, b));
            switch (step[a, b])
            {
                case 0: a--; b--; break;
                case 1: a--; break;
                case 2: b--; break;
                case 3: b--; path.Add((a, b)); a--; b--; break;
                default: a--; path.Add((a, b)); a--; b--; break;
            }
        }
        path.Reverse();
        return new Result(total, sub ? path[0].Item2 : 0, end, path.ToArray());
    }
}

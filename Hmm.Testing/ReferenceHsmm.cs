using System;
using System.Collections.Generic;

namespace Hmm.Testing;

/// <summary>
/// A plain float64 explicit-duration HMM, written from the textbook recursions over segments (no windows, no lanes), to
/// check the engines against; itself checked by enumerating every segmentation on tiny cases (<see cref="Enumerate"/>).
/// Tables are [N], [N, N], [N, D] and [N] log values; emissions [T, N].
/// </summary>
public static class ReferenceHsmm
{
    /// <summary>Everything the reference computes for one sequence.</summary>
    public sealed class Result
    {
        public double LogLikelihood { get; set; }
        public double BackwardLogLikelihood { get; set; }
        /// <summary>[T, N] P(state j at t | x).</summary>
        public double[,] Occupancy { get; set; } = new double[0, 0];
        /// <summary>[N, D] expected segments of j lasting d (index d - 1).</summary>
        public double[,] DurationCounts { get; set; } = new double[0, 0];
        /// <summary>[N, N] expected moves i → j.</summary>
        public double[,] TransitionCounts { get; set; } = new double[0, 0];
        public double[] InitialCounts { get; set; } = Array.Empty<double>();
        public double[] FinalCounts { get; set; } = Array.Empty<double>();
        public double ViterbiScore { get; set; }
        /// <summary>The best segmentation (state, start, duration), time order; ties to the first found in (t, j, d) order.</summary>
        public List<(int State, int Start, int Duration)> Segments { get; set; } = new();
    }

    /// <summary>Runs every recursion on one sequence.</summary>
    public static Result Run(double[] initial, double[,] transitions, double[,] durations, double[] final, double[,] emissions)
    {
        int n = initial.Length, dmax = durations.GetLength(1), length = emissions.GetLength(0);
        double ninf = double.NegativeInfinity;
        // E(j, s, d) = Σ_{u=s}^{s+d-1} e[u, j]
        double Seg(int j, int s, int d)
        {
            double sum = 0;
            for (int u = s; u < s + d; u++) sum += emissions[u, j];
            return sum;
        }

        var alpha = Fill(length, n, ninf);
        var start = Fill(length, n, ninf);
        var vAlpha = Fill(length, n, ninf);
        var vStart = Fill(length, n, ninf);
        var vDur = new int[length, n];
        var vPred = new int[length, n];
        for (int t = 0; t < length; t++)
        {
            for (int j = 0; j < n; j++)
            {
                if (t == 0)
                {
                    start[t, j] = initial[j];
                    vStart[t, j] = initial[j];
                    vPred[t, j] = -1;
                    continue;
                }
                var terms = new List<double>();
                double best = ninf;
                int arg = 0;
                for (int i = 0; i < n; i++)
                {
                    terms.Add(alpha[t - 1, i] + transitions[i, j]);
                    double v = vAlpha[t - 1, i] + transitions[i, j];
                    if (v > best) { best = v; arg = i; }
                }
                start[t, j] = LogSumExp(terms);
                vStart[t, j] = best;
                vPred[t, j] = arg;
            }
            for (int j = 0; j < n; j++)
            {
                var terms = new List<double>();
                double best = ninf;
                int arg = 0;
                for (int d = Math.Min(dmax, t + 1); d >= 1; d--) // longest first: ties keep the earliest start, as the engines do
                {
                    int s = t - d + 1;
                    double e = Seg(j, s, d) + durations[j, d - 1];
                    terms.Add(start[s, j] + e);
                    double v = vStart[s, j] + e;
                    if (v > best) { best = v; arg = d; }
                }
                alpha[t, j] = LogSumExp(terms);
                vAlpha[t, j] = best;
                vDur[t, j] = arg;
            }
        }

        var r = new Result();
        var last = new List<double>();
        double top = ninf;
        int lastState = -1;
        for (int j = 0; j < n; j++)
        {
            last.Add(alpha[length - 1, j] + final[j]);
            double v = vAlpha[length - 1, j] + final[j];
            if (v > top) { top = v; lastState = j; }
        }
        r.LogLikelihood = LogSumExp(last);
        r.ViterbiScore = top;
        if (lastState >= 0 && top > ninf)
        {
            int t = length - 1, j = lastState;
            while (t >= 0)
            {
                int d = vDur[t, j], s = t - d + 1;
                r.Segments.Insert(0, (j, s, d));
                if (s == 0) break;
                j = vPred[s, j];
                t = s - 1;
            }
        }

        // Backward: beta[t, j] = log P(x_{t+1..} | a segment of j ends at t); star[s, j] = log P(x_{s..} | a segment of j starts at s).
        var beta = Fill(length, n, ninf);
        var star = Fill(length, n, ninf);
        for (int s = length - 1; s >= 0; s--)
        {
            for (int i = 0; i < n; i++)
            {
                if (s == length - 1) { beta[s, i] = final[i]; continue; }
                var terms = new List<double>();
                for (int j = 0; j < n; j++) terms.Add(transitions[i, j] + star[s + 1, j]);
                beta[s, i] = LogSumExp(terms);
            }
            for (int j = 0; j < n; j++)
            {
                var terms = new List<double>();
                for (int d = 1; d <= dmax && s + d <= length; d++) terms.Add(durations[j, d - 1] + Seg(j, s, d) + beta[s + d - 1, j]);
                star[s, j] = LogSumExp(terms);
            }
        }
        var first = new List<double>();
        for (int j = 0; j < n; j++) first.Add(initial[j] + star[0, j]);
        r.BackwardLogLikelihood = LogSumExp(first);

        double z = r.LogLikelihood;
        r.Occupancy = new double[length, n];
        r.DurationCounts = new double[n, dmax];
        r.TransitionCounts = new double[n, n];
        r.InitialCounts = new double[n];
        r.FinalCounts = new double[n];
        if (double.IsNegativeInfinity(z)) return r;
        // Posteriors straight from the definition: every segment (j, s, d) and every move, weighted by its probability.
        for (int j = 0; j < n; j++)
            for (int s = 0; s < length; s++)
                for (int d = 1; d <= dmax && s + d <= length; d++)
                {
                    double p = Math.Exp(start[s, j] + durations[j, d - 1] + Seg(j, s, d) + beta[s + d - 1, j] - z);
                    r.DurationCounts[j, d - 1] += p;
                    for (int u = s; u < s + d; u++) r.Occupancy[u, j] += p;
                }
        for (int s = 1; s < length; s++)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) r.TransitionCounts[i, j] += Math.Exp(alpha[s - 1, i] + transitions[i, j] + star[s, j] - z);
        for (int j = 0; j < n; j++)
        {
            r.InitialCounts[j] = Math.Exp(initial[j] + star[0, j] - z);
            r.FinalCounts[j] = Math.Exp(alpha[length - 1, j] + final[j] - z);
        }
        return r;
    }

    /// <summary>
    /// Every segmentation of <paramref name="length"/> frames, scored directly: (log-likelihood, best score, the best
    /// segmentation). Exponential: tiny cases only.
    /// </summary>
    public static (double LogLikelihood, double Best, List<(int State, int Start, int Duration)> BestSegments) Enumerate(
        double[] initial, double[,] transitions, double[,] durations, double[] final, double[,] emissions)
    {
        int n = initial.Length, dmax = durations.GetLength(1), length = emissions.GetLength(0);
        var scores = new List<double>();
        double best = double.NegativeInfinity;
        var bestSegments = new List<(int, int, int)>();
        var current = new List<(int State, int Start, int Duration)>();
        void Extend(int s, int previous, double score)
        {
            if (s == length)
            {
                double total = score + final[previous];
                scores.Add(total);
                if (total > best)
                {
                    best = total;
                    bestSegments = new List<(int, int, int)>(current);
                }
                return;
            }
            for (int j = 0; j < n; j++)
            {
                double enter = previous < 0 ? initial[j] : transitions[previous, j];
                for (int d = 1; d <= dmax && s + d <= length; d++)
                {
                    double e = 0;
                    for (int u = s; u < s + d; u++) e += emissions[u, j];
                    current.Add((j, s, d));
                    Extend(s + d, j, score + enter + durations[j, d - 1] + e);
                    current.RemoveAt(current.Count - 1);
                }
            }
        }
        Extend(0, -1, 0);
        return (LogSumExp(scores), best, bestSegments);
    }

    private static double[,] Fill(int rows, int columns, double value)
    {
        var a = new double[rows, columns];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) a[r, c] = value;
        return a;
    }

    private static double LogSumExp(List<double> values)
    {
        double max = double.NegativeInfinity;
        foreach (double v in values) if (v > max) max = v;
        if (double.IsNegativeInfinity(max)) return max;
        double sum = 0;
        foreach (double v in values) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }
}

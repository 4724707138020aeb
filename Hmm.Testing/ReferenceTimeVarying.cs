using System;
using System.Collections.Generic;

namespace Hmm.Testing;

/// <summary>
/// A plain float64 reference for HMMs with per-frame transitions (<see cref="TimeVaryingTransitions"/>): forward, backward,
/// posteriors (state and per-frame transition posteriors) and Viterbi over one sequence, in log space with plain loops and
/// a stable log-sum-exp; and brute-force enumeration of every state path, which checks the recursions themselves on tiny
/// cases. The tables are read through the public indexer only.
/// </summary>
/// <remarks>
/// A sequence is <c>logInitial [N]</c>, <c>tables [T, N, N]</c> (<c>tables[t, i, j]</c> = log P(state_t = j | state_{t-1} = i),
/// frame 0's table unused) and <c>emissions [T, N]</c>. T = 0 has log-likelihood 0; an impossible observation -infinity,
/// never NaN.
/// </remarks>
public static class ReferenceTimeVarying
{
    /// <summary>One sequence's initial distribution and per-frame tables, widened to float64.</summary>
    /// <param name="transitions">The batch's tables.</param>
    /// <param name="index">The sequence.</param>
    /// <param name="length">Frames to read.</param>
    /// <returns>The initial log distribution [N] and the tables [length, N, N] (-infinity outside a band).</returns>
    public static (double[] LogInitial, double[,,] Tables) Read(TimeVaryingTransitions transitions, int index, int length)
    {
        Guard.NotNull(transitions, nameof(transitions));
        int n = transitions.StateCount;
        var init = new double[n];
        var initial = transitions.LogInitial(index);
        for (int i = 0; i < n; i++) init[i] = initial[i];
        var tables = new double[length, n, n];
        for (int t = 0; t < length; t++)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) tables[t, i, j] = transitions[index, t, i, j];
        return (init, tables);
    }

    /// <summary>Forward: <c>log α_0(j) = π_j + e[0, j]</c>, <c>log α_t(j) = logsumexp_i(log α_{t-1}(i) + A_t(i, j)) + e[t, j]</c>.</summary>
    /// <returns>log P(x).</returns>
    public static double Forward(double[] logInitial, double[,,] tables, double[,] emissions, out double[,] logAlpha)
    {
        int length = emissions.GetLength(0), n = logInitial.Length;
        logAlpha = new double[length, n];
        if (length == 0) return 0.0;
        for (int j = 0; j < n; j++) logAlpha[0, j] = logInitial[j] + emissions[0, j];
        var terms = new double[n];
        for (int t = 1; t < length; t++)
        {
            for (int j = 0; j < n; j++)
            {
                for (int i = 0; i < n; i++) terms[i] = logAlpha[t - 1, i] + tables[t, i, j];
                logAlpha[t, j] = LogSumExp(terms) + emissions[t, j];
            }
        }
        for (int j = 0; j < n; j++) terms[j] = logAlpha[length - 1, j];
        return LogSumExp(terms);
    }

    /// <summary>Backward: <c>log β_{T-1} = 0</c>, <c>log β_t(i) = logsumexp_j(A_{t+1}(i, j) + e[t+1, j] + log β_{t+1}(j))</c>.</summary>
    /// <returns>log P(x) from the backward variables, <c>logsumexp_i(π_i + e[0, i] + log β_0(i))</c>.</returns>
    public static double Backward(double[] logInitial, double[,,] tables, double[,] emissions, out double[,] logBeta)
    {
        int length = emissions.GetLength(0), n = logInitial.Length;
        logBeta = new double[length, n];
        if (length == 0) return 0.0;
        var terms = new double[n];
        for (int t = length - 2; t >= 0; t--)
        {
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++) terms[j] = tables[t + 1, i, j] + emissions[t + 1, j] + logBeta[t + 1, j];
                logBeta[t, i] = LogSumExp(terms);
            }
        }
        for (int i = 0; i < n; i++) terms[i] = logInitial[i] + emissions[0, i] + logBeta[0, i];
        return LogSumExp(terms);
    }

    /// <summary>
    /// State posteriors <c>γ_t(i)</c> and per-frame transition posteriors
    /// <c>ξ_t(i, j) = exp(log α_{t-1}(i) + A_t(i, j) + e[t, j] + log β_t(j) - log P(x))</c> for t ≥ 1 (ξ_0 = 0); all zero when
    /// the observation is impossible.
    /// </summary>
    /// <returns>log P(x).</returns>
    public static double Posteriors(double[] logInitial, double[,,] tables, double[,] emissions, out double[,] statePosteriors, out double[,,] transitionPosteriors)
    {
        int length = emissions.GetLength(0), n = logInitial.Length;
        statePosteriors = new double[length, n];
        transitionPosteriors = new double[length, n, n];
        double ll = Forward(logInitial, tables, emissions, out var alpha);
        Backward(logInitial, tables, emissions, out var beta);
        if (length == 0 || double.IsNegativeInfinity(ll)) return ll;
        for (int t = 0; t < length; t++)
            for (int i = 0; i < n; i++) statePosteriors[t, i] = Math.Exp(alpha[t, i] + beta[t, i] - ll);
        for (int t = 1; t < length; t++)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    transitionPosteriors[t, i, j] = Math.Exp(alpha[t - 1, i] + tables[t, i, j] + emissions[t, j] + beta[t, j] - ll);
        return ll;
    }

    /// <summary>Viterbi with ties to the lowest index (a strict <c>&gt;</c> over i = 0, 1, …, and the first best final state).</summary>
    /// <param name="logInitial">[N].</param>
    /// <param name="tables">[T, N, N].</param>
    /// <param name="emissions">[T, N].</param>
    /// <param name="path">The best path (length T); every entry -1 when no path exists.</param>
    /// <returns>The best path's log score; -infinity when none exists, 0 when T = 0.</returns>
    public static double Viterbi(double[] logInitial, double[,,] tables, double[,] emissions, out int[] path)
    {
        int length = emissions.GetLength(0), n = logInitial.Length;
        path = new int[length];
        if (length == 0) return 0.0;
        var delta = new double[length, n];
        var back = new int[length, n];
        for (int j = 0; j < n; j++) delta[0, j] = logInitial[j] + emissions[0, j];
        for (int t = 1; t < length; t++)
        {
            for (int j = 0; j < n; j++)
            {
                double best = double.NegativeInfinity;
                int arg = 0;
                for (int i = 0; i < n; i++)
                {
                    double v = delta[t - 1, i] + tables[t, i, j];
                    if (v > best) { best = v; arg = i; }
                }
                delta[t, j] = best + emissions[t, j];
                back[t, j] = arg;
            }
        }
        int state = 0;
        for (int j = 1; j < n; j++) if (delta[length - 1, j] > delta[length - 1, state]) state = j;
        double score = delta[length - 1, state];
        if (double.IsNegativeInfinity(score))
        {
            path.AsSpan().Fill(-1);
            return score;
        }
        path[length - 1] = state;
        for (int t = length - 1; t >= 1; t--) path[t - 1] = state = back[t, state];
        return score;
    }

    /// <summary>The log score of <paramref name="path"/>: <c>π + e[0] + Σ_t (A_t + e[t])</c>.</summary>
    public static double PathScore(double[] logInitial, double[,,] tables, double[,] emissions, IReadOnlyList<int> path)
    {
        Guard.NotNull(path, nameof(path));
        if (path.Count == 0) return 0.0;
        double score = logInitial[path[0]] + emissions[0, path[0]];
        for (int t = 1; t < path.Count; t++) score += tables[t, path[t - 1], path[t]] + emissions[t, path[t]];
        return score;
    }

    /// <summary>
    /// Enumerates all N^T state paths: the log-sum of their scores (log P(x)), the best score and its path (the first best in
    /// lexicographic order), and per frame the posterior of each state and of each transition. Only for tiny cases.
    /// </summary>
    /// <returns>log P(x).</returns>
    public static double Enumerate(double[] logInitial, double[,,] tables, double[,] emissions, out double bestScore, out int[] bestPath,
        out double[,] statePosteriors, out double[,,] transitionPosteriors)
    {
        int length = emissions.GetLength(0), n = logInitial.Length;
        statePosteriors = new double[length, n];
        transitionPosteriors = new double[length, n, n];
        bestPath = new int[length];
        bestScore = 0.0;
        if (length == 0) return 0.0;
        long paths = 1;
        for (int t = 0; t < length; t++) paths *= n;
        var scores = new double[paths];
        var path = new int[length];
        bestScore = double.NegativeInfinity;
        for (long p = 0; p < paths; p++)
        {
            Decode(p, n, path);
            scores[p] = PathScore(logInitial, tables, emissions, path);
            if (scores[p] > bestScore)
            {
                bestScore = scores[p];
                Array.Copy(path, bestPath, length);
            }
        }
        double ll = LogSumExp(scores);
        if (double.IsNegativeInfinity(bestScore)) bestPath.AsSpan().Fill(-1);
        if (double.IsNegativeInfinity(ll)) return ll;
        for (long p = 0; p < paths; p++)
        {
            double w = Math.Exp(scores[p] - ll);
            if (w == 0) continue;
            Decode(p, n, path);
            for (int t = 0; t < length; t++)
            {
                statePosteriors[t, path[t]] += w;
                if (t > 0) transitionPosteriors[t, path[t - 1], path[t]] += w;
            }
        }
        return ll;
    }

    /// <summary>Path number <paramref name="p"/> in lexicographic order (frame 0 most significant).</summary>
    private static void Decode(long p, int n, int[] path)
    {
        for (int t = path.Length - 1; t >= 0; t--)
        {
            path[t] = (int)(p % n);
            p /= n;
        }
    }

    /// <summary>log Σ exp(values) with the maximum taken out; -infinity when every value is -infinity.</summary>
    public static double LogSumExp(ReadOnlySpan<double> values)
    {
        double max = double.NegativeInfinity;
        foreach (double v in values) max = Math.Max(max, v);
        if (double.IsNegativeInfinity(max)) return max;
        double sum = 0;
        foreach (double v in values) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }
}

using System;
using System.Collections.Generic;

namespace Hmm.Testing;

/// <summary>
/// Plain float64 CTC over the textbook extended label sequence (blank, l0, blank, l1, …, blank: 2L + 1 states, a skip
/// from one label to the next where they differ), written for clarity, and a brute-force enumeration of every frame
/// labelling for tiny cases that checks the recursions themselves.
/// </summary>
public static class ReferenceCtc
{
    /// <summary>The extended labels of <paramref name="labels"/>.</summary>
    public static int[] Extended(int[] labels, int blank)
    {
        var ext = new int[2 * labels.Length + 1];
        for (int i = 0; i < ext.Length; i++) ext[i] = i % 2 == 0 ? blank : labels[i / 2];
        return ext;
    }

    private static bool Skip(int[] ext, int s, int blank) => s >= 2 && ext[s] != blank && ext[s] != ext[s - 2];

    private static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a)) return b;
        if (double.IsNegativeInfinity(b)) return a;
        double m = Math.Max(a, b);
        return m + Math.Log(Math.Exp(a - m) + Math.Exp(b - m));
    }

    /// <summary>log α over the extended labels, [T, 2L + 1], and log p(labels | frames).</summary>
    public static double Forward(double[,] logp, int[] labels, int blank, out double[,] alpha)
    {
        int frames = logp.GetLength(0);
        var ext = Extended(labels, blank);
        int n = ext.Length;
        alpha = new double[frames, n];
        for (int t = 0; t < frames; t++) for (int s = 0; s < n; s++) alpha[t, s] = double.NegativeInfinity;
        if (frames == 0) return labels.Length == 0 ? 0.0 : double.NegativeInfinity;
        alpha[0, 0] = logp[0, ext[0]];
        if (n > 1) alpha[0, 1] = logp[0, ext[1]];
        for (int t = 1; t < frames; t++)
        {
            for (int s = 0; s < n; s++)
            {
                double sum = alpha[t - 1, s];
                if (s >= 1) sum = LogAdd(sum, alpha[t - 1, s - 1]);
                if (Skip(ext, s, blank)) sum = LogAdd(sum, alpha[t - 1, s - 2]);
                alpha[t, s] = sum + logp[t, ext[s]];
            }
        }
        double ll = alpha[frames - 1, n - 1];
        if (n > 1) ll = LogAdd(ll, alpha[frames - 1, n - 2]);
        return ll;
    }

    /// <summary>log β over the extended labels, [T, 2L + 1] (β at the last frame: 0 at the two end states).</summary>
    public static double[,] Backward(double[,] logp, int[] labels, int blank)
    {
        int frames = logp.GetLength(0);
        var ext = Extended(labels, blank);
        int n = ext.Length;
        var beta = new double[frames, n];
        for (int t = 0; t < frames; t++) for (int s = 0; s < n; s++) beta[t, s] = double.NegativeInfinity;
        if (frames == 0) return beta;
        beta[frames - 1, n - 1] = 0;
        if (n > 1) beta[frames - 1, n - 2] = 0;
        for (int t = frames - 2; t >= 0; t--)
        {
            for (int s = 0; s < n; s++)
            {
                double sum = beta[t + 1, s] + logp[t + 1, ext[s]];
                if (s + 1 < n) sum = LogAdd(sum, beta[t + 1, s + 1] + logp[t + 1, ext[s + 1]]);
                if (s + 2 < n && Skip(ext, s + 2, blank)) sum = LogAdd(sum, beta[t + 1, s + 2] + logp[t + 1, ext[s + 2]]);
                beta[t, s] = sum;
            }
        }
        return beta;
    }

    /// <summary>The posterior of each class per frame, [T, C] (zeros when infeasible), and log p.</summary>
    public static double ClassPosteriors(double[,] logp, int[] labels, int blank, out double[,] posteriors)
    {
        int frames = logp.GetLength(0), classes = logp.GetLength(1);
        double ll = Forward(logp, labels, blank, out var alpha);
        var beta = Backward(logp, labels, blank);
        var ext = Extended(labels, blank);
        posteriors = new double[frames, classes];
        if (double.IsNegativeInfinity(ll)) return ll;
        for (int t = 0; t < frames; t++)
            for (int s = 0; s < ext.Length; s++)
                posteriors[t, ext[s]] += Math.Exp(alpha[t, s] + beta[t, s] - ll);
        return ll;
    }

    /// <summary>The best path's class per frame and its log score (empty and -infinity when infeasible).</summary>
    public static double Viterbi(double[,] logp, int[] labels, int blank, out int[] frameLabels)
    {
        int frames = logp.GetLength(0);
        var ext = Extended(labels, blank);
        int n = ext.Length;
        frameLabels = Array.Empty<int>();
        if (frames == 0) return labels.Length == 0 ? 0.0 : double.NegativeInfinity;
        var delta = new double[frames, n];
        var from = new int[frames, n];
        for (int s = 0; s < n; s++) delta[0, s] = s <= 1 ? logp[0, ext[s]] : double.NegativeInfinity;
        for (int t = 1; t < frames; t++)
        {
            for (int s = 0; s < n; s++)
            {
                double best = delta[t - 1, s];
                int arg = s;
                if (s >= 1 && delta[t - 1, s - 1] > best) { best = delta[t - 1, s - 1]; arg = s - 1; }
                if (Skip(ext, s, blank) && delta[t - 1, s - 2] > best) { best = delta[t - 1, s - 2]; arg = s - 2; }
                delta[t, s] = best + logp[t, ext[s]];
                from[t, s] = arg;
            }
        }
        int state = n - 1;
        if (n > 1 && delta[frames - 1, n - 2] > delta[frames - 1, n - 1]) state = n - 2;
        double score = delta[frames - 1, state];
        if (double.IsNegativeInfinity(score)) return score;
        frameLabels = new int[frames];
        for (int t = frames - 1; t >= 0; t--)
        {
            frameLabels[t] = ext[state];
            if (t > 0) state = from[t, state];
        }
        return score;
    }

    /// <summary>
    /// Brute force for tiny cases: every labelling of the frames with classes, collapsed (merge repeats, drop blanks) and
    /// kept when it equals <paramref name="labels"/>; returns log Σ and the best kept labelling's log score.
    /// </summary>
    public static double Enumerate(double[,] logp, int[] labels, int blank, out double best)
    {
        int frames = logp.GetLength(0), classes = logp.GetLength(1);
        best = double.NegativeInfinity;
        double total = double.NegativeInfinity;
        var path = new int[frames];
        long count = 1;
        for (int t = 0; t < frames; t++) count *= classes;
        for (long code = 0; code < count; code++)
        {
            long c = code;
            double score = 0;
            for (int t = 0; t < frames; t++) { path[t] = (int)(c % classes); c /= classes; score += logp[t, path[t]]; }
            if (!Collapses(path, labels, blank)) continue;
            total = LogAdd(total, score);
            if (score > best) best = score;
        }
        if (frames == 0 && labels.Length == 0) { best = 0; return 0; }
        return total;
    }

    private static bool Collapses(int[] path, int[] labels, int blank)
    {
        var collapsed = new List<int>();
        int previous = -1;
        foreach (int c in path)
        {
            if (c != previous && c != blank) collapsed.Add(c);
            previous = c;
        }
        if (collapsed.Count != labels.Length) return false;
        for (int i = 0; i < labels.Length; i++) if (collapsed[i] != labels[i]) return false;
        return true;
    }
}

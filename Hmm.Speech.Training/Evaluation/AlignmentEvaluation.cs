using System;
using System.Collections.Generic;
using System.Linq;

namespace Hmm.Speech.Training;

/// <summary>One reference boundary (between two consecutive reference segments) and where the hypothesis put it.</summary>
/// <param name="ReferenceTime">The boundary in the reference, seconds.</param>
/// <param name="HypothesisTime">The matching hypothesis boundary, or null when the hypothesis has none (its phones differ there).</param>
/// <param name="LeftPhone">The reference phone before the boundary.</param>
/// <param name="RightPhone">The reference phone after the boundary.</param>
public readonly record struct BoundaryMatch(double ReferenceTime, double? HypothesisTime, string LeftPhone, string RightPhone)
{
    /// <summary>|hypothesis - reference| in seconds, or +infinity when unmatched (so it fails every tolerance).</summary>
    public double AbsoluteError => HypothesisTime is double h ? Math.Abs(h - ReferenceTime) : double.PositiveInfinity;
}

/// <summary>The comparison of one hypothesis label file with its reference.</summary>
public sealed class FileEvaluation
{
    internal FileEvaluation(string name, IReadOnlyList<BoundaryMatch> boundaries, bool sameSequence, int frames, int framesCorrect)
    {
        Name = name;
        Boundaries = boundaries;
        SameSequence = sameSequence;
        Frames = frames;
        FramesCorrect = framesCorrect;
    }

    /// <summary>The file's name (as given).</summary>
    public string Name { get; }

    /// <summary>Every internal reference boundary with its match.</summary>
    public IReadOnlyList<BoundaryMatch> Boundaries { get; }

    /// <summary>Whether both files hold the same phone sequence (otherwise boundaries were matched through a sequence alignment).</summary>
    public bool SameSequence { get; }

    /// <summary>10 ms frames scored (centres at 5 ms + 10 k ms inside the reference).</summary>
    public int Frames { get; }

    /// <summary>Frames whose hypothesis phone equals the reference phone.</summary>
    public int FramesCorrect { get; }

    /// <summary>Share of boundaries within <paramref name="toleranceSeconds"/> (1 when there are none).</summary>
    public double ShareWithin(double toleranceSeconds) =>
        Boundaries.Count == 0 ? 1 : Boundaries.Count(b => b.AbsoluteError <= toleranceSeconds + 1e-9) / (double)Boundaries.Count;

    /// <summary>Mean absolute error of the matched boundaries in seconds (0 when none matched).</summary>
    public double MeanAbsoluteError
    {
        get
        {
            var matched = Boundaries.Where(b => b.HypothesisTime.HasValue).ToList();
            return matched.Count == 0 ? 0 : matched.Average(b => b.AbsoluteError);
        }
    }
}

/// <summary>Totals over one group of boundaries (all, or one phone class).</summary>
/// <param name="Label">The group's name.</param>
/// <param name="Count">Boundaries in the group.</param>
/// <param name="Within10">Share within 10 ms.</param>
/// <param name="Within20">Share within 20 ms.</param>
/// <param name="Within40">Share within 40 ms.</param>
/// <param name="MeanAbsoluteError">Mean absolute error of matched boundaries, seconds.</param>
/// <param name="Unmatched">Boundaries the hypothesis had no counterpart for (counted as failures at every tolerance).</param>
public readonly record struct BoundaryStatistics(string Label, int Count, double Within10, double Within20, double Within40, double MeanAbsoluteError, int Unmatched);

/// <summary>Totals over many files: the numbers <c>hmm eval</c> prints.</summary>
public sealed class EvaluationSummary
{
    internal EvaluationSummary(BoundaryStatistics overall, IReadOnlyList<BoundaryStatistics> byClass, IReadOnlyList<FileEvaluation> files, double frameAccuracy)
    {
        Overall = overall;
        ByClass = byClass;
        Files = files;
        FrameAccuracy = frameAccuracy;
    }

    /// <summary>All boundaries of all files.</summary>
    public BoundaryStatistics Overall { get; }

    /// <summary>Boundaries grouped by the class of the phone they start (the phone to their right).</summary>
    public IReadOnlyList<BoundaryStatistics> ByClass { get; }

    /// <summary>The files, worst first (lowest share within 20 ms, then largest mean error).</summary>
    public IReadOnlyList<FileEvaluation> Files { get; }

    /// <summary>Share of 10 ms frames labelled with the reference phone.</summary>
    public double FrameAccuracy { get; }
}

/// <summary>
/// Scores hypothesis segmentations against references: the share of reference boundaries whose hypothesis
/// boundary lies within 10, 20 and 40 ms, the mean absolute error, a table by phone class and the worst files.
/// When the two phone sequences differ (text-given alignment with pronunciations unlike the reference's), the
/// sequences are aligned by edit distance first and each reference boundary is compared with the hypothesis
/// boundary at the start of the hypothesis segment matched to the reference segment after it (else at the end of
/// the one matched to the segment before it); a boundary with neither counts as a miss at every tolerance.
/// </summary>
public static class AlignmentEvaluation
{
    /// <summary>Compares one hypothesis with its reference.</summary>
    /// <param name="name">A name for reports.</param>
    /// <param name="reference">The reference segments, in time order.</param>
    /// <param name="hypothesis">The hypothesis segments, in time order.</param>
    public static FileEvaluation CompareFile(string name, IReadOnlyList<PhoneSegment> reference, IReadOnlyList<PhoneSegment> hypothesis)
    {
        Guard.NotNull(reference, nameof(reference));
        Guard.NotNull(hypothesis, nameof(hypothesis));
        int[] map = AlignSequences(reference, hypothesis, out bool same);
        var boundaries = new List<BoundaryMatch>(Math.Max(0, reference.Count - 1));
        for (int i = 1; i < reference.Count; i++)
        {
            double? hyp = null;
            if (map[i] >= 1) hyp = hypothesis[map[i]].Start;
            else if (map[i - 1] >= 0 && map[i - 1] < hypothesis.Count - 1) hyp = hypothesis[map[i - 1]].End;
            boundaries.Add(new BoundaryMatch(reference[i].Start, hyp, reference[i - 1].Phone, reference[i].Phone));
        }
        int frames = 0, correct = 0;
        if (reference.Count > 0)
        {
            double end = reference[reference.Count - 1].End;
            int r = 0, h = 0;
            for (double t = 0.005; t < end; t += 0.010)
            {
                while (r < reference.Count - 1 && reference[r].End <= t) r++;
                while (h < hypothesis.Count - 1 && hypothesis[h].End <= t) h++;
                if (reference[r].Start > t) continue;
                frames++;
                if (hypothesis.Count > 0 && hypothesis[h].Start <= t && hypothesis[h].End > t && hypothesis[h].Phone == reference[r].Phone) correct++;
            }
        }
        return new FileEvaluation(name ?? "", boundaries, same, frames, correct);
    }

    /// <summary>Totals over files; phone classes from <paramref name="phones"/> (<see cref="PhoneSet.Default"/> when null).</summary>
    public static EvaluationSummary Summarize(IEnumerable<FileEvaluation> files, PhoneSet? phones = null)
    {
        Guard.NotNull(files, nameof(files));
        phones ??= PhoneSet.Default;
        var list = files.ToList();
        var all = list.SelectMany(f => f.Boundaries).ToList();
        var overall = Statistics("all", all);
        var byClass = all.GroupBy(b => phones.ClassOf(b.RightPhone))
            .OrderBy(g => g.Key)
            .Select(g => Statistics(g.Key.ToString().ToLowerInvariant(), g.ToList()))
            .ToList();
        var worst = list.OrderBy(f => f.ShareWithin(0.020)).ThenByDescending(f => f.MeanAbsoluteError).ThenBy(f => f.Name, StringComparer.Ordinal).ToList();
        int frames = list.Sum(f => f.Frames), correct = list.Sum(f => f.FramesCorrect);
        return new EvaluationSummary(overall, byClass, worst, frames == 0 ? 1 : correct / (double)frames);
    }

    private static BoundaryStatistics Statistics(string label, List<BoundaryMatch> b)
    {
        if (b.Count == 0) return new BoundaryStatistics(label, 0, 1, 1, 1, 0, 0);
        double Share(double tol) => b.Count(x => x.AbsoluteError <= tol + 1e-9) / (double)b.Count;
        var matched = b.Where(x => x.HypothesisTime.HasValue).ToList();
        return new BoundaryStatistics(label, b.Count, Share(0.010), Share(0.020), Share(0.040),
            matched.Count == 0 ? 0 : matched.Average(x => x.AbsoluteError), b.Count - matched.Count);
    }

    /// <summary>For each reference segment, the index of the hypothesis segment it is matched or substituted with, or -1.</summary>
    internal static int[] AlignSequences(IReadOnlyList<PhoneSegment> reference, IReadOnlyList<PhoneSegment> hypothesis, out bool same)
    {
        int n = reference.Count, m = hypothesis.Count;
        var map = new int[n];
        same = n == m;
        for (int i = 0; same && i < n; i++) same = reference[i].Phone == hypothesis[i].Phone;
        if (same)
        {
            for (int i = 0; i < n; i++) map[i] = i;
            return map;
        }
        // Edit distance with a small time term in the substitution cost, so that among equal-cost alignments the
        // one pairing segments that overlap in time wins.
        var cost = new double[n + 1, m + 1];
        for (int i = 0; i <= n; i++) cost[i, 0] = i;
        for (int j = 0; j <= m; j++) cost[0, j] = j;
        for (int i = 1; i <= n; i++)
        {
            for (int j = 1; j <= m; j++)
            {
                double sub = (reference[i - 1].Phone == hypothesis[j - 1].Phone ? 0 : 1) + 0.01 * Math.Min(1, Math.Abs(reference[i - 1].Start - hypothesis[j - 1].Start));
                cost[i, j] = Math.Min(cost[i - 1, j - 1] + sub, Math.Min(cost[i - 1, j] + 1, cost[i, j - 1] + 1));
            }
        }
        for (int i = 0; i < n; i++) map[i] = -1;
        int a = n, c = m;
        while (a > 0 && c > 0)
        {
            double sub = (reference[a - 1].Phone == hypothesis[c - 1].Phone ? 0 : 1) + 0.01 * Math.Min(1, Math.Abs(reference[a - 1].Start - hypothesis[c - 1].Start));
            if (Math.Abs(cost[a, c] - (cost[a - 1, c - 1] + sub)) < 1e-9) { map[a - 1] = c - 1; a--; c--; }
            else if (Math.Abs(cost[a, c] - (cost[a - 1, c] + 1)) < 1e-9) a--;
            else c--;
        }
        return map;
    }
}

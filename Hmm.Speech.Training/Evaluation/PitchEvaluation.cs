using System;
using System.Collections.Generic;
using Hmm.Speech.Audio;

namespace Hmm.Speech.Training;

/// <summary>
/// F0 agreement between a reference track and a hypothesis track over paired frames (sums in float64, so comparisons of
/// many files pool exactly with <see cref="PitchEvaluation.Combine"/>).
/// </summary>
public sealed class PitchComparison
{
    internal PitchComparison(int frames, int voicingErrors, int voicedInBoth, int grossErrors, double sumSquaredHz, double sumSquaredCents,
        double sumRef, double sumHyp, double sumRefSquared, double sumHypSquared, double sumProduct)
    {
        Frames = frames;
        VoicingErrors = voicingErrors;
        VoicedInBoth = voicedInBoth;
        GrossErrors = grossErrors;
        SumSquaredHz = sumSquaredHz;
        SumSquaredCents = sumSquaredCents;
        SumRef = sumRef;
        SumHyp = sumHyp;
        SumRefSquared = sumRefSquared;
        SumHypSquared = sumHypSquared;
        SumProduct = sumProduct;
    }

    /// <summary>Frame pairs compared.</summary>
    public int Frames { get; }

    /// <summary>Frame pairs where one track is voiced and the other is not.</summary>
    public int VoicingErrors { get; }

    /// <summary>Frame pairs voiced in both tracks: those the F0 measures are over.</summary>
    public int VoicedInBoth { get; }

    /// <summary>Of <see cref="VoicedInBoth"/>, those whose F0 differs from the reference's by more than 20 % (octave errors and the like).</summary>
    public int GrossErrors { get; }

    internal double SumSquaredHz { get; }
    internal double SumSquaredCents { get; }
    internal double SumRef { get; }
    internal double SumHyp { get; }
    internal double SumRefSquared { get; }
    internal double SumHypSquared { get; }
    internal double SumProduct { get; }

    /// <summary>Voicing decision error: the share of frame pairs whose voiced/unvoiced decisions differ (0 when there are no frames).</summary>
    public double VoicingDecisionError => Frames == 0 ? 0 : VoicingErrors / (double)Frames;

    /// <summary>Share of the frames voiced in both with a gross error (NaN when none are voiced in both).</summary>
    public double GrossErrorRate => VoicedInBoth == 0 ? double.NaN : GrossErrors / (double)VoicedInBoth;

    /// <summary>Root mean square F0 difference in Hz over frames voiced in both, gross errors included (NaN when none).</summary>
    public double RmseHz => VoicedInBoth == 0 ? double.NaN : Math.Sqrt(SumSquaredHz / VoicedInBoth);

    /// <summary>The same in cents, 1200 log2(hypothesis / reference), which weighs low and high voices alike (NaN when none).</summary>
    public double RmseCents => VoicedInBoth == 0 ? double.NaN : Math.Sqrt(SumSquaredCents / VoicedInBoth);

    /// <summary>Pearson correlation of the two F0s (Hz) over frames voiced in both (NaN under two frames or when either is constant).</summary>
    public double Correlation
    {
        get
        {
            int n = VoicedInBoth;
            if (n < 2) return double.NaN;
            double covariance = SumProduct - SumRef * SumHyp / n;
            double varianceRef = SumRefSquared - SumRef * SumRef / n, varianceHyp = SumHypSquared - SumHyp * SumHyp / n;
            return varianceRef <= 0 || varianceHyp <= 0 ? double.NaN : covariance / Math.Sqrt(varianceRef * varianceHyp);
        }
    }
}

/// <summary>
/// F0 RMSE (Hz and cents) over frames voiced in both tracks, voicing decision error (VDE: the share of frames whose
/// voiced/unvoiced decisions differ), the gross error rate (F0 off by more than 20 %) and the F0 correlation.
/// </summary>
/// <remarks>
/// Frames are paired by time: two tracks of one hop are compared frame k with frame k. When their lengths differ (two
/// renderings of a sentence rarely end on the same sample), only the overlap is scored: frames 0 .. min(lengths) − 1,
/// and the extra frames of the longer track are ignored. For renderings with different timing, pass the frame pairs of
/// a time map (e.g. a DTW path) to <see cref="Compare(ReadOnlySpan{float}, ReadOnlySpan{float}, IEnumerable{ValueTuple{int, int}})"/>.
/// </remarks>
public static class PitchEvaluation
{
    /// <summary>Share of the reference F0 beyond which a frame counts as a gross error.</summary>
    public const double GrossErrorShare = 0.2;

    /// <summary>Compares two tracks of the same hop frame by frame over their overlap.</summary>
    /// <exception cref="ArgumentException">The hops differ.</exception>
    public static PitchComparison Compare(PitchTrack reference, PitchTrack hypothesis)
    {
        Guard.NotNull(reference, nameof(reference));
        Guard.NotNull(hypothesis, nameof(hypothesis));
        if (Math.Abs(reference.HopSeconds - hypothesis.HopSeconds) > 1e-9)
            throw new ArgumentException($"The tracks' hops differ ({reference.HopSeconds * 1000} ms and {hypothesis.HopSeconds * 1000} ms): pair their frames with a time map instead.", nameof(hypothesis));
        return Compare(reference.F0, hypothesis.F0);
    }

    /// <summary>Compares two F0 sequences (Hz, 0 = unvoiced) frame by frame over their overlap.</summary>
    public static PitchComparison Compare(ReadOnlySpan<float> referenceF0, ReadOnlySpan<float> hypothesisF0)
    {
        var sums = new Sums();
        int n = Math.Min(referenceF0.Length, hypothesisF0.Length);
        for (int k = 0; k < n; k++) sums.Add(referenceF0[k], hypothesisF0[k]);
        return sums.Result();
    }

    /// <summary>Compares two F0 sequences over the given frame pairs (reference frame, hypothesis frame), e.g. a DTW path.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A pair names a frame outside its sequence.</exception>
    public static PitchComparison Compare(ReadOnlySpan<float> referenceF0, ReadOnlySpan<float> hypothesisF0, IEnumerable<(int Reference, int Hypothesis)> pairs)
    {
        Guard.NotNull(pairs, nameof(pairs));
        var sums = new Sums();
        foreach (var (r, h) in pairs)
        {
            if ((uint)r >= (uint)referenceF0.Length || (uint)h >= (uint)hypothesisF0.Length)
                throw new ArgumentOutOfRangeException(nameof(pairs), $"The pair ({r}, {h}) is outside the tracks ({referenceF0.Length} and {hypothesisF0.Length} frames).");
            sums.Add(referenceF0[r], hypothesisF0[h]);
        }
        return sums.Result();
    }

    /// <summary>Pools comparisons (e.g. of many files) as if their frames had been compared at once.</summary>
    public static PitchComparison Combine(IEnumerable<PitchComparison> comparisons)
    {
        Guard.NotNull(comparisons, nameof(comparisons));
        int frames = 0, voicing = 0, both = 0, gross = 0;
        double hz = 0, cents = 0, r = 0, h = 0, rr = 0, hh = 0, rh = 0;
        foreach (var c in comparisons)
        {
            frames += c.Frames; voicing += c.VoicingErrors; both += c.VoicedInBoth; gross += c.GrossErrors;
            hz += c.SumSquaredHz; cents += c.SumSquaredCents; r += c.SumRef; h += c.SumHyp; rr += c.SumRefSquared; hh += c.SumHypSquared; rh += c.SumProduct;
        }
        return new PitchComparison(frames, voicing, both, gross, hz, cents, r, h, rr, hh, rh);
    }

    private struct Sums
    {
        private int _frames, _voicing, _both, _gross;
        private double _hz, _cents, _r, _h, _rr, _hh, _rh;

        public void Add(float referenceHz, float hypothesisHz)
        {
            if (!(referenceHz >= 0) || !(hypothesisHz >= 0) || float.IsInfinity(referenceHz) || float.IsInfinity(hypothesisHz))
                throw new ArgumentException($"F0 values must be finite and not negative (got {referenceHz} and {hypothesisHz} at pair {_frames}).");
            _frames++;
            bool voicedRef = referenceHz > 0, voicedHyp = hypothesisHz > 0;
            if (voicedRef != voicedHyp) _voicing++;
            if (!voicedRef || !voicedHyp) return;
            double r = referenceHz, h = hypothesisHz;
            _both++;
            if (Math.Abs(h - r) > GrossErrorShare * r) _gross++;
            _hz += (h - r) * (h - r);
            double cents = 1200 * Math.Log(h / r, 2);
            _cents += cents * cents;
            _r += r; _h += h; _rr += r * r; _hh += h * h; _rh += r * h;
        }

        public readonly PitchComparison Result() => new(_frames, _voicing, _both, _gross, _hz, _cents, _r, _h, _rr, _hh, _rh);
    }
}

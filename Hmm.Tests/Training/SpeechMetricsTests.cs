using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Hmm.Speech;
using Hmm.Speech.Audio;
using Hmm.Speech.Training;
using Xunit;

namespace Hmm.Tests.Training;

/// <summary><see cref="PitchEvaluation"/> and <see cref="DurationEvaluation"/> against hand-computed values and a plain float64 reference.</summary>
public class SpeechMetricsTests
{
    private static readonly float[] Ref = { 0, 100, 200, 100, 0, 150 };
    private static readonly float[] Hyp = { 0, 110, 100, 0, 120, 150 };

    [Fact]
    public void Pitch_measures_match_hand_computed_values()
    {
        var c = PitchEvaluation.Compare(Ref, Hyp);
        Assert.Equal(6, c.Frames);
        Assert.Equal(2, c.VoicingErrors); // frame 3 (voiced, unvoiced) and frame 4 (unvoiced, voiced)
        Assert.Equal(2 / 6.0, c.VoicingDecisionError, 12);
        Assert.Equal(3, c.VoicedInBoth); // frames 1, 2, 5
        Assert.Equal(1, c.GrossErrors); // 100 Hz against 200 Hz
        Assert.Equal(Math.Sqrt((10.0 * 10 + 100.0 * 100 + 0) / 3), c.RmseHz, 9);
        double cents = 1200 * Math.Log2(1.1);
        Assert.Equal(Math.Sqrt((cents * cents + 1200.0 * 1200) / 3), c.RmseCents, 9);
        // (100,110), (200,100), (150,150): deviations (-50,-10), (50,-20), (0,30).
        Assert.Equal(-500 / Math.Sqrt(5000.0 * 1400), c.Correlation, 9);
    }

    [Fact]
    public void Tracks_of_different_lengths_are_scored_over_their_overlap()
    {
        var c = PitchEvaluation.Compare(Ref, Hyp.AsSpan(0, 4));
        Assert.Equal(4, c.Frames);
        Assert.Equal(1, c.VoicingErrors);
        Assert.Equal(2, c.VoicedInBoth);
        var viaTracks = PitchEvaluation.Compare(new PitchTrack(0.01, Ref.ToArray(), new float[6]), new PitchTrack(0.01, Hyp[..4], new float[4]));
        Assert.Equal(c.RmseHz, viaTracks.RmseHz);
        Assert.Throws<ArgumentException>(() => PitchEvaluation.Compare(new PitchTrack(0.01, Ref.ToArray(), new float[6]), new PitchTrack(0.005, Hyp.ToArray(), new float[6])));
    }

    [Fact]
    public void Nothing_voiced_in_both_leaves_the_f0_measures_undefined_and_voicing_still_scored()
    {
        var c = PitchEvaluation.Compare(new float[] { 0, 0, 120 }, new float[] { 0, 130, 0 });
        Assert.Equal(2 / 3.0, c.VoicingDecisionError, 12);
        Assert.True(double.IsNaN(c.RmseHz) && double.IsNaN(c.RmseCents) && double.IsNaN(c.Correlation) && double.IsNaN(c.GrossErrorRate));
        Assert.Equal(0, PitchEvaluation.Compare(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty).VoicingDecisionError);
        Assert.Throws<ArgumentException>(() => PitchEvaluation.Compare(new float[] { -1 }, new float[] { 100 }));
        Assert.Throws<ArgumentException>(() => PitchEvaluation.Compare(new float[] { float.NaN }, new float[] { 100 }));
    }

    /// <summary>The plain float64 reference: lists of the voiced pairs, two-pass mean and variance.</summary>
    private static (double Vde, double Rmse, double Cents, double Corr, int Gross) Reference(float[] r, float[] h, IEnumerable<(int R, int H)> pairs)
    {
        var list = pairs.ToList();
        double vde = list.Count(p => (r[p.R] > 0) != (h[p.H] > 0)) / (double)list.Count;
        var both = list.Where(p => r[p.R] > 0 && h[p.H] > 0).Select(p => (R: (double)r[p.R], H: (double)h[p.H])).ToList();
        double rmse = Math.Sqrt(both.Average(p => (p.H - p.R) * (p.H - p.R)));
        double cents = Math.Sqrt(both.Average(p => Math.Pow(1200 * Math.Log2(p.H / p.R), 2)));
        double mr = both.Average(p => p.R), mh = both.Average(p => p.H);
        double corr = both.Sum(p => (p.R - mr) * (p.H - mh)) / Math.Sqrt(both.Sum(p => (p.R - mr) * (p.R - mr)) * both.Sum(p => (p.H - mh) * (p.H - mh)));
        return (vde, rmse, cents, corr, both.Count(p => Math.Abs(p.H - p.R) > 0.2 * p.R));
    }

    private static float[] RandomTrack(Random random, int n) =>
        Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.3 ? 0f : (float)(80 + 250 * random.NextDouble())).ToArray();

    [Fact]
    public void Pitch_measures_match_the_float64_reference_on_random_tracks_by_frame_and_along_a_time_map()
    {
        var random = new Random(18);
        for (int trial = 0; trial < 50; trial++)
        {
            int n = random.Next(10, 400);
            float[] r = RandomTrack(random, n), h = RandomTrack(random, random.Next(10, 400));
            var byFrame = PitchEvaluation.Compare(r, h);
            var expected = Reference(r, h, Enumerable.Range(0, Math.Min(r.Length, h.Length)).Select(k => (k, k)));
            Check(expected, byFrame);
            // A monotone time map, as a DTW path gives: both indices advance by 0 or 1, never both 0.
            var path = new List<(int Reference, int Hypothesis)> { (0, 0) };
            while (path[^1].Reference < r.Length - 1 || path[^1].Hypothesis < h.Length - 1)
            {
                var (a, b) = path[^1];
                int step = random.Next(3);
                if (a == r.Length - 1) step = 1;
                if (b == h.Length - 1) step = 0;
                path.Add(step == 0 ? (a + 1, b) : step == 1 ? (a, b + 1) : (a + 1, b + 1));
            }
            Check(Reference(r, h, path.Select(p => (p.Reference, p.Hypothesis))), PitchEvaluation.Compare(r, h, path));
        }

        static void Check((double Vde, double Rmse, double Cents, double Corr, int Gross) e, PitchComparison c)
        {
            Assert.Equal(e.Vde, c.VoicingDecisionError, 12);
            Assert.Equal(e.Rmse, c.RmseHz, 1e-9 * e.Rmse);
            Assert.Equal(e.Cents, c.RmseCents, 1e-9 * e.Cents);
            Assert.Equal(e.Corr, c.Correlation, 1e-9);
            Assert.Equal(e.Gross, c.GrossErrors);
        }
    }

    [Fact]
    public void Combining_files_equals_comparing_their_frames_at_once_and_a_bad_pair_is_refused()
    {
        var random = new Random(7);
        var parts = Enumerable.Range(0, 5).Select(_ => { int n = random.Next(5, 60); return (R: RandomTrack(random, n), H: RandomTrack(random, n)); }).ToList();
        var combined = PitchEvaluation.Combine(parts.Select(p => PitchEvaluation.Compare(p.R, p.H)));
        var whole = PitchEvaluation.Compare(parts.SelectMany(p => p.R).ToArray(), parts.SelectMany(p => p.H).ToArray());
        Assert.Equal(whole.Frames, combined.Frames);
        Assert.Equal(whole.VoicingErrors, combined.VoicingErrors);
        Assert.Equal(whole.RmseHz, combined.RmseHz, 1e-9);
        Assert.Equal(whole.Correlation, combined.Correlation, 1e-9);
        Assert.Throws<ArgumentOutOfRangeException>(() => PitchEvaluation.Compare(Ref, Hyp, new[] { (0, 0), (6, 5) }));
    }

    private static PhoneSegment[] Segments(params (double Start, double End, string Phone)[] s) => s.Select(x => new PhoneSegment(x.Start, x.End, x.Phone)).ToArray();

    [Fact]
    public void Duration_accuracy_matches_hand_computed_values()
    {
        var reference = Segments((0, 0.1, "sil"), (0.1, 0.25, "AA"), (0.25, 0.3, "B"), (0.3, 0.5, "sil"));
        var hypothesis = Segments((0, 0.12, "sil"), (0.12, 0.25, "AA"), (0.25, 0.33, "B"), (0.33, 0.5, "sil"));
        // Duration errors 20, 20, 30, 30 ms; boundaries off by 20, 0, 30 ms.
        var d = DurationEvaluation.CompareFile("ref.lab", reference, "hyp.lab", hypothesis);
        Assert.Equal(4, d.Phones);
        Assert.Equal(2, d.PhonesWithin);
        Assert.Equal(0.5, d.DurationAccuracy);
        Assert.Equal(0.025, d.MeanAbsoluteError, 12);
        Assert.Equal(2 / 3.0, d.Boundaries.ShareWithin(0.020), 12);
        Assert.Equal(1.0, DurationEvaluation.CompareFile("ref.lab", reference, "hyp.lab", hypothesis, 0.030).DurationAccuracy);
        var pooled = DurationEvaluation.Pool(new[] { d, DurationEvaluation.CompareFile("r", reference, "h", reference) });
        Assert.Equal((8, 6), (pooled.Phones, pooled.Within));
        Assert.Equal(0.0125, pooled.MeanAbsoluteError, 12);
    }

    [Fact]
    public void Different_phone_sequences_are_refused_naming_both_files_and_the_first_difference()
    {
        var reference = Segments((0, 0.1, "sil"), (0.1, 0.25, "AA"), (0.25, 0.3, "B"));
        var hypothesis = Segments((0, 0.1, "sil"), (0.1, 0.25, "AA"), (0.25, 0.3, "P"));
        var e = Assert.Throws<InvalidDataException>(() => DurationEvaluation.CompareFile("ref/x.lab", reference, "hyp/x.lab", hypothesis));
        Assert.StartsWith("hyp/x.lab: ", e.Message);
        Assert.Contains("ref/x.lab", e.Message);
        Assert.Contains("phone 3 is P against B", e.Message);
        e = Assert.Throws<InvalidDataException>(() => DurationEvaluation.CompareFile("r", reference, "h", hypothesis[..2]));
        Assert.Contains("phone 3 is (end) against B", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => DurationEvaluation.CompareFile("r", reference, "h", reference, -0.01));
    }
}

using System.Collections.Generic;
using System.Linq;
using Hmm.Speech.Training;
using Hmm.Speech;
using Xunit;

namespace Hmm.Tests.Alignment;

public class AlignmentEvaluationTests
{
    private static List<PhoneSegment> Segments(params (string Phone, double End)[] spec)
    {
        var list = new List<PhoneSegment>();
        double start = 0;
        foreach (var (phone, end) in spec)
        {
            list.Add(new PhoneSegment(start, end, phone));
            start = end;
        }
        return list;
    }

    private static readonly List<PhoneSegment> Reference = Segments(("sil", 0.300), ("DH", 0.350), ("AH", 0.400), ("K", 0.500), ("AE", 0.600), ("T", 0.700), ("sil", 1.000));

    [Fact]
    public void Identical_labels_score_every_boundary_with_zero_error()
    {
        var f = AlignmentEvaluation.CompareFile("x", Reference, Reference);
        Assert.True(f.SameSequence);
        Assert.Equal(6, f.Boundaries.Count);
        Assert.Equal(1.0, f.ShareWithin(0.010));
        Assert.Equal(0.0, f.MeanAbsoluteError, 9);
        Assert.Equal(f.Frames, f.FramesCorrect);
    }

    [Fact]
    public void Shifted_boundaries_fall_in_the_expected_tolerance_bands()
    {
        // Errors: +5, -15, +30, 0, -45, +10 ms.
        var hyp = Segments(("sil", 0.305), ("DH", 0.335), ("AH", 0.430), ("K", 0.500), ("AE", 0.555), ("T", 0.710), ("sil", 1.000));
        var f = AlignmentEvaluation.CompareFile("x", Reference, hyp);
        Assert.Equal(3 / 6.0, f.ShareWithin(0.010), 9);
        Assert.Equal(4 / 6.0, f.ShareWithin(0.020), 9);
        Assert.Equal(5 / 6.0, f.ShareWithin(0.040), 9);
        Assert.Equal((5 + 15 + 30 + 0 + 45 + 10) / 6000.0, f.MeanAbsoluteError, 9);

        var summary = AlignmentEvaluation.Summarize(new[] { f });
        Assert.Equal(6, summary.Overall.Count);
        Assert.Equal(4 / 6.0, summary.Overall.Within20, 9);
        var vowels = summary.ByClass.Single(c => c.Label == "vowel");
        Assert.Equal(2, vowels.Count); // AH and AE start two boundaries
        Assert.Equal(1.0, vowels.Within20, 9); // into AH -15 ms, into AE 0 ms
        var stops = summary.ByClass.Single(c => c.Label == "stop");
        Assert.Equal(2, stops.Count);
        Assert.Equal(0.0, stops.Within20, 9); // into K +30 ms, into T -45 ms
    }

    [Fact]
    public void An_inserted_pause_is_matched_by_edit_distance_and_other_boundaries_still_count()
    {
        // The hypothesis inserts a short sil between AH and K; the AH|K boundary is taken at K's start.
        var hyp = Segments(("sil", 0.300), ("DH", 0.350), ("AH", 0.390), ("sil", 0.410), ("K", 0.500), ("AE", 0.600), ("T", 0.700), ("sil", 1.000));
        var f = AlignmentEvaluation.CompareFile("x", Reference, hyp);
        Assert.False(f.SameSequence);
        Assert.Equal(6, f.Boundaries.Count);
        var ahK = f.Boundaries.Single(b => b.LeftPhone == "AH" && b.RightPhone == "K");
        Assert.Equal(0.410, ahK.HypothesisTime!.Value, 9);
        Assert.Equal(5 / 6.0, f.ShareWithin(0.005), 9);
    }

    [Fact]
    public void A_boundary_without_counterpart_is_a_miss_at_every_tolerance()
    {
        var reference = Segments(("sil", 0.2), ("AA", 0.4), ("B", 0.6));
        var hyp = Segments(("sil", 0.9));
        var f = AlignmentEvaluation.CompareFile("x", reference, hyp);
        Assert.Equal(2, f.Boundaries.Count);
        Assert.All(f.Boundaries, b => Assert.Null(b.HypothesisTime));
        Assert.Equal(0.0, f.ShareWithin(1.0));
        var summary = AlignmentEvaluation.Summarize(new[] { f });
        Assert.Equal(2, summary.Overall.Unmatched);
        Assert.Equal(0.0, summary.Overall.Within40);
    }

    [Fact]
    public void Worst_files_come_first()
    {
        var good = AlignmentEvaluation.CompareFile("good", Reference, Reference);
        var bad = AlignmentEvaluation.CompareFile("bad", Reference, Segments(("sil", 0.250), ("DH", 0.300), ("AH", 0.450), ("K", 0.550), ("AE", 0.650), ("T", 0.750), ("sil", 1.000)));
        var summary = AlignmentEvaluation.Summarize(new[] { good, bad });
        Assert.Equal("bad", summary.Files[0].Name);
        Assert.Equal(0.5, summary.Overall.Within10, 9);
    }

    [Fact]
    public void Frame_accuracy_counts_ten_millisecond_frames()
    {
        var reference = Segments(("sil", 0.100), ("AA", 0.200));
        var hyp = Segments(("sil", 0.150), ("AA", 0.200)); // frames at 105..145 ms are wrong: 5 of 20
        var f = AlignmentEvaluation.CompareFile("x", reference, hyp);
        Assert.Equal(20, f.Frames);
        Assert.Equal(15, f.FramesCorrect);
    }
}

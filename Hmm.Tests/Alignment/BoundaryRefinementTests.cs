using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Hmm.Alignment;
using Xunit;

namespace Hmm.Tests.Alignment;

/// <summary>Acoustic boundary refinement (<see cref="BoundaryRefiner"/>, <see cref="ForcedAlignerOptions.RefineBoundaries"/>, the model's refinement table).</summary>
public class BoundaryRefinementTests
{
    private const int Rate = 16000;

    /// <summary>
    /// Low-pass noise (a dark, vowel-like spectrum) until <paramref name="change"/> seconds, high-pass noise (a
    /// fricative-like one) after, over <paramref name="seconds"/> seconds: one spectral change, at <paramref name="change"/>.
    /// </summary>
    private static float[] ToneChange(double change, double seconds = 1.0)
    {
        var x = new float[(int)(seconds * Rate)];
        var random = new Random(5);
        double low1 = 0, low2 = 0, previous = 0;
        for (int n = 0; n < x.Length; n++)
        {
            double white = random.NextDouble() - 0.5;
            low1 += 0.1 * (white - low1);
            low2 += 0.1 * (low1 - low2);
            double high = white - previous;
            previous = white;
            x[n] = (float)(n / (double)Rate < change ? 2 * low2 : 0.3 * high);
        }
        return x;
    }

    private static float[,] Table(float weight)
    {
        var table = new float[AcousticModel.ClassCount, AcousticModel.ClassCount];
        for (int a = 0; a < AcousticModel.ClassCount; a++) for (int b = 0; b < AcousticModel.ClassCount; b++) table[a, b] = weight;
        return table;
    }

    [Fact]
    public void The_spectral_change_curve_peaks_at_the_change()
    {
        var curve = BoundaryRefiner.Compute(ToneChange(0.5), Rate);
        int best = Array.IndexOf(curve.Values, curve.Values.Max());
        Assert.InRange(curve.Time(best), 0.498, 0.502);
        Assert.Equal(0.001, curve.Step, 9);
    }

    [Theory]
    [InlineData(0.490)]
    [InlineData(0.512)]
    public void Refinement_moves_a_boundary_to_the_spectral_change(double placed)
    {
        var curve = BoundaryRefiner.Compute(ToneChange(0.5), Rate);
        var segments = new List<PhoneSegment> { new(0, placed, "AA"), new(placed, 1.0, "S") };
        BoundaryRefiner.Refine(segments, curve, (_, _) => 1f, PhoneSet.Default, 0.015, 0.005);
        Assert.InRange(segments[1].Start, 0.498, 0.502);
        Assert.Equal(segments[0].End, segments[1].Start);

        // Half weight: half way.
        var half = new List<PhoneSegment> { new(0, placed, "AA"), new(placed, 1.0, "S") };
        BoundaryRefiner.Refine(half, curve, (_, _) => 0.5f, PhoneSet.Default, 0.015, 0.005);
        Assert.InRange(half[1].Start, (placed + 0.498) / 2 - 0.001, (placed + 0.502) / 2 + 0.001);
    }

    [Fact]
    public void A_change_outside_the_window_or_a_zero_weight_leaves_the_boundary()
    {
        var curve = BoundaryRefiner.Compute(ToneChange(0.5), Rate);
        var far = new List<PhoneSegment> { new(0, 0.540, "AA"), new(0.540, 1.0, "S") };
        BoundaryRefiner.Refine(far, curve, (_, _) => 1f, PhoneSet.Default, 0.015, 0.005);
        Assert.Equal(0.540, far[1].Start);
        var off = new List<PhoneSegment> { new(0, 0.490, "AA"), new(0.490, 1.0, "S") };
        BoundaryRefiner.Refine(off, curve, (a, b) => a == PhoneClass.Vowel && b == PhoneClass.Fricative ? 0f : 1f, PhoneSet.Default, 0.015, 0.005);
        Assert.Equal(0.490, off[1].Start);
    }

    [Fact]
    public void Learning_picks_a_weight_only_where_the_change_marks_the_labels()
    {
        // Twelve utterances whose labels sit on the spectral change and whose hypotheses are 12 ms late: a weight above 0
        // wins for vowel -> fricative; labels 30 ms after the change (hypotheses 18 ms early): moving to the change only
        // hurts, weight 0 stays.
        var curve = BoundaryRefiner.Compute(ToneChange(0.5), Rate);
        var data = new List<(IReadOnlyList<PhoneSegment>, IReadOnlyList<PhoneSegment>, SpectralChange)>();
        for (int i = 0; i < 12; i++)
        {
            data.Add((new[] { new PhoneSegment(0, 0.512, "AA"), new PhoneSegment(0.512, 1, "S") }, new[] { new PhoneSegment(0, 0.5, "AA"), new PhoneSegment(0.5, 1, "S") }, curve));
            data.Add((new[] { new PhoneSegment(0, 0.512, "M"), new PhoneSegment(0.512, 1, "IY") }, new[] { new PhoneSegment(0, 0.530, "M"), new PhoneSegment(0.530, 1, "IY") }, curve));
        }
        var weights = BoundaryRefiner.Learn(data, PhoneSet.Default, 0.015, 0.005, out int refined);
        Assert.Equal(1, refined);
        Assert.True(weights[(int)PhoneClass.Vowel, (int)PhoneClass.Fricative] > 0f);
        Assert.Equal(0f, weights[(int)PhoneClass.Nasal, (int)PhoneClass.Vowel]);
    }

    [Fact]
    public void Bad_options_fail_with_the_option_named()
    {
        var model = TestModels.Random(1);
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => new ForcedAligner(model, new ForcedAlignerOptions { RefineBoundaries = true, RefinementWeight = 1.5 }));
        Assert.Contains("RefinementWeight", e1.Message);
        Assert.Equal("options", e1.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ForcedAligner(model, new ForcedAlignerOptions { RefinementWeight = double.NaN }));
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => new ForcedAligner(model, new ForcedAlignerOptions { RefineBoundaries = true, RefinementWeight = 1, RefinementWindowMs = 0 }));
        Assert.Contains("RefinementWindowMs", e2.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ForcedAligner(model, new ForcedAlignerOptions { RefinementWindowMs = 500 }));
        // A model without learned weights cannot refine unless a weight is given.
        var e3 = Assert.Throws<ArgumentException>(() => new ForcedAligner(model, new ForcedAlignerOptions { RefineBoundaries = true }));
        Assert.Contains("RefineBoundaries needs learned refinement weights", e3.Message);
        Assert.Equal("options", e3.ParamName);
        _ = new ForcedAligner(model, new ForcedAlignerOptions { RefineBoundaries = true, RefinementWeight = 0.5 });
        _ = new ForcedAligner(model.WithRefinement(Table(0.5f), 0.015), new ForcedAlignerOptions { RefineBoundaries = true });
    }

    [Fact]
    public void Bad_model_tables_fail_with_the_argument_named()
    {
        var model = TestModels.Random(1);
        var e1 = Assert.Throws<ArgumentException>(() => model.WithRefinement(Table(1.5f), 0.015));
        Assert.Equal("refinementWeights", e1.ParamName);
        var e2 = Assert.Throws<ArgumentException>(() => model.WithRefinement(Table(0.5f), 0));
        Assert.Equal("refinementWindow", e2.ParamName);
        var e3 = Assert.Throws<ArgumentException>(() => model.WithRefinement(new float[3, 3], 0.015));
        Assert.Equal("refinementWeights", e3.ParamName);
        var e4 = Assert.Throws<ArgumentException>(() => model.WithRefinement(null, 0.015));
        Assert.Equal("refinementWindow", e4.ParamName);
    }

    [Fact]
    public void The_table_survives_save_and_load_as_format_2_and_a_model_without_one_stays_format_1()
    {
        var table = Table(0f);
        table[(int)PhoneClass.Silence, (int)PhoneClass.Fricative] = 0.75f;
        var model = TestModels.Random(1).WithRefinement(table, 0.015);
        var ms = new MemoryStream();
        model.Save(ms);
        Assert.Equal(2, BitConverter.ToInt32(ms.ToArray(), 8));
        var back = AcousticModel.Load(new MemoryStream(ms.ToArray()), "m.hmmam");
        Assert.True(back.HasRefinement);
        Assert.Equal(0.015, back.RefinementWindow);
        Assert.Equal(table, back.RefinementWeights());
        Assert.Equal(0.75f, back.RefinementWeight(PhoneClass.Silence, PhoneClass.Fricative));
        // Other "With" copies keep it.
        Assert.Equal(table, back.WithDescription("x").WithBoundaryOffsets(null).RefinementWeights());

        var plain = new MemoryStream();
        TestModels.Random(1).Save(plain);
        Assert.Equal(1, BitConverter.ToInt32(plain.ToArray(), 8));
        Assert.False(AcousticModel.Load(new MemoryStream(plain.ToArray()), "m.hmmam").HasRefinement);
    }

    [Fact]
    public void The_shipped_format_1_model_still_loads_without_a_table()
    {
        var bytes = File.ReadAllBytes(AlignmentTestData.ModelPath);
        Assert.Equal(1, BitConverter.ToInt32(bytes, 8));
        Assert.False(AlignmentTestData.DefaultModel.HasRefinement);
    }

    [Fact]
    public void Refinement_off_leaves_the_labels_unchanged_and_a_zero_weight_equals_off()
    {
        var model = AlignmentTestData.DefaultModel;
        IReadOnlyList<PhoneSegment>[] Run(ForcedAlignerOptions options)
        {
            var aligner = new ForcedAligner(model, options with { BatchSize = 8 });
            var inputs = AlignmentTestData.SampleIds.Select(id => new AlignmentInput(id, AlignmentTestData.Samples(id), AlignmentTestData.PhonesOf(id))).ToArray();
            return aligner.Align(inputs).Select(o => o.Segments!).ToArray();
        }
        var off = Run(new ForcedAlignerOptions());
        var zero = Run(new ForcedAlignerOptions { RefineBoundaries = true, RefinementWeight = 0 });
        var offWithWeight = Run(new ForcedAlignerOptions { RefineBoundaries = false, RefinementWeight = 1 });
        var full = Run(new ForcedAlignerOptions { RefineBoundaries = true, RefinementWeight = 1 });
        for (int i = 0; i < off.Length; i++)
        {
            Assert.Equal(off[i], zero[i]);
            Assert.Equal(off[i], offWithWeight[i]);
            Assert.Equal(off[i].Select(s => s.Phone), full[i].Select(s => s.Phone));
            // Full weight moves boundaries, never by more than the 15 ms window (plus rounding).
            for (int k = 1; k < off[i].Count; k++) Assert.InRange(full[i][k].Start - off[i][k].Start, -0.0155, 0.0155);
        }
        Assert.Contains(Enumerable.Range(0, off.Length), i => !off[i].SequenceEqual(full[i]));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void The_shipped_samples_still_align_with_refinement(double weight)
    {
        var aligner = new ForcedAligner(AlignmentTestData.DefaultModel, new ForcedAlignerOptions { BatchSize = 8, RefineBoundaries = true, RefinementWeight = weight });
        var summary = AlignmentTestData.AlignShippedSamples(aligner, (reference, segments) =>
        {
            for (int k = 1; k < segments.Count; k++) Assert.True(segments[k].Start >= segments[k - 1].Start);
            Assert.Equal(reference[reference.Count - 1].End, segments[segments.Count - 1].End, 3);
        });
        Assert.True(summary.Overall.Within20 >= 0.9, $"{summary.Overall.Within20:P1} within 20 ms");
    }
}

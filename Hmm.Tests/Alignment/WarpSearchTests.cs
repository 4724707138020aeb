using System;
using System.Collections.Generic;
using System.Linq;
using Hmm.Alignment;
using Hmm.Audio;
using Xunit;

namespace Hmm.Tests.Alignment;

/// <summary>VTLN warp search in <see cref="ForcedAligner"/> (<see cref="ForcedAlignerOptions.WarpFactors"/>).</summary>
public class WarpSearchTests
{
    private const string Id = "s017-us1";

    /// <summary>
    /// A one-Gaussian-per-state model fitted to one utterance's features computed with warp
    /// <paramref name="warp"/> (frames assigned to their labelled phone, split evenly over its states); the model's
    /// own front end is unwarped, so the warp search should find <paramref name="warp"/> again.
    /// </summary>
    private static AcousticModel FittedModel(float[] samples, IReadOnlyList<PhoneSegment> labels, double warp)
    {
        const int S = 3;
        var fe = AlignmentTestData.DefaultModel.FrontEnd;
        var extractor = new FeatureExtractor(fe with { WarpFactor = warp });
        var x = extractor.Extract(samples);
        int d = extractor.FeatureDimension, frames = x.Length / d;
        var phones = PhoneSet.Default;
        int states = phones.Count * S;
        var sum = new double[states, d];
        var sq = new double[states, d];
        var n = new int[states];
        for (int t = 0; t < frames; t++)
        {
            double time = extractor.FrameCentreSeconds(t);
            var seg = labels[^1];
            foreach (var s in labels)
            {
                if (time >= s.Start && time < s.End)
                {
                    seg = s;
                    break;
                }
            }
            int k = Math.Min(S - 1, (int)((time - seg.Start) / (seg.End - seg.Start) * S));
            int state = phones.IndexOf(seg.Phone) * S + k;
            n[state]++;
            for (int i = 0; i < d; i++)
            {
                sum[state, i] += x[t * d + i];
                sq[state, i] += x[t * d + i] * (double)x[t * d + i];
            }
        }
        var w = new float[states][];
        var m = new float[states][];
        var v = new float[states][];
        var loops = new float[states];
        for (int j = 0; j < states; j++)
        {
            w[j] = new[] { 1f };
            m[j] = new float[d];
            v[j] = new float[d];
            loops[j] = 0.8f;
            for (int i = 0; i < d; i++)
            {
                double mean = n[j] > 0 ? sum[j, i] / n[j] : 0;
                double variance = n[j] > 1 ? sq[j, i] / n[j] - mean * mean : 1;
                m[j][i] = (float)mean;
                v[j][i] = (float)Math.Max(0.05, variance);
            }
        }
        return new AcousticModel(fe, phones, S, w, m, v, loops, $"fitted to {Id} at warp {warp}");
    }

    [Theory]
    [InlineData(0.92)]
    [InlineData(1.08)]
    public void The_search_finds_the_warp_the_model_was_fitted_with_and_the_alignment_stays_valid(double warp)
    {
        var samples = AlignmentTestData.Samples(Id);
        var labels = AlignmentTestData.Labels(Id);
        var model = FittedModel(samples, labels, warp);
        var aligner = new ForcedAligner(model, new ForcedAlignerOptions { WarpFactors = ForcedAlignerOptions.DefaultWarpFactors, AdaptationIterations = 0 });
        var input = new AlignmentInput(Id, samples, AlignmentTestData.PhonesOf(Id));
        var outcome = aligner.Align(new[] { input, input with { Name = "again" } });
        foreach (var o in outcome)
        {
            Assert.True(o.Succeeded, o.Error);
            Assert.Equal(warp, o.WarpFactor, 9);
            Assert.Equal(labels.Select(s => s.Phone), o.Segments!.Select(s => s.Phone));
            Assert.Equal(0, o.Segments![0].Start);
            Assert.Equal(labels[^1].End, o.Segments![^1].End, 3);
            for (int i = 1; i < o.Segments.Count; i++) Assert.Equal(o.Segments[i - 1].End, o.Segments[i].Start);
        }
        // Without the search the same model aligns at warp 1.
        var plain = new ForcedAligner(model, new ForcedAlignerOptions { AdaptationIterations = 0 }).Align(input);
        Assert.Equal(1, plain.WarpFactor);
    }

    [Fact]
    public void A_grid_of_one_warp_factor_one_gives_the_segments_of_no_search()
    {
        var model = AlignmentTestData.DefaultModel;
        var inputs = AlignmentTestData.SampleIds.Select(id => new AlignmentInput(id, AlignmentTestData.Samples(id), AlignmentTestData.PhonesOf(id))).ToArray();
        var plain = new ForcedAligner(model, new ForcedAlignerOptions { BatchSize = 2 }).Align(inputs);
        var one = new ForcedAligner(model, new ForcedAlignerOptions { BatchSize = 2, WarpFactors = new[] { 1.0 } }).Align(inputs);
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(plain[i].Segments, one[i].Segments);
            Assert.Equal(1, one[i].WarpFactor);
        }
    }

    [Fact]
    public void Default_grid_search_on_the_shipped_model_returns_grid_values_and_valid_alignments_even_with_a_small_cell_budget()
    {
        var model = AlignmentTestData.DefaultModel;
        var inputs = AlignmentTestData.SampleIds.Select(id => new AlignmentInput(id, AlignmentTestData.Samples(id), AlignmentTestData.PhonesOf(id))).ToArray();
        var wide = new ForcedAligner(model, new ForcedAlignerOptions { WarpFactors = ForcedAlignerOptions.DefaultWarpFactors }).Align(inputs);
        // A budget that fits only a few (utterance, warp) pairs per engine call must choose the same warps.
        var narrow = new ForcedAligner(model, new ForcedAlignerOptions { WarpFactors = ForcedAlignerOptions.DefaultWarpFactors, MaxCellsPerBatch = 3_000_000 }).Align(inputs);
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.True(wide[i].Succeeded, wide[i].Error);
            Assert.Contains(wide[i].WarpFactor, ForcedAlignerOptions.DefaultWarpFactors);
            Assert.Equal(wide[i].WarpFactor, narrow[i].WarpFactor);
            Assert.Equal(AlignmentTestData.Labels(inputs[i].Name).Select(s => s.Phone), wide[i].Segments!.Select(s => s.Phone));
        }
    }

    [Fact]
    public void The_default_grid_is_088_to_112_in_steps_of_002()
    {
        Assert.Equal(13, ForcedAlignerOptions.DefaultWarpFactors.Count);
        Assert.Equal(0.88, ForcedAlignerOptions.DefaultWarpFactors[0]);
        Assert.Equal(1.0, ForcedAlignerOptions.DefaultWarpFactors[6]);
        Assert.Equal(1.12, ForcedAlignerOptions.DefaultWarpFactors[12]);
        Assert.Null(new ForcedAlignerOptions().WarpFactors);
    }

    [Fact]
    public void Bad_warp_grids_are_rejected_with_clear_messages()
    {
        var model = AlignmentTestData.DefaultModel;
        var empty = Assert.Throws<ArgumentException>(() => new ForcedAligner(model, new ForcedAlignerOptions { WarpFactors = Array.Empty<double>() }));
        Assert.Contains("at least one warp factor", empty.Message, StringComparison.Ordinal);
        foreach (double bad in new[] { 0.0, -0.9, double.NaN, double.PositiveInfinity })
        {
            var e = Assert.Throws<ArgumentException>(() => new ForcedAligner(model, new ForcedAlignerOptions { WarpFactors = new[] { 1.0, bad } }));
            Assert.Contains("WarpFactors[1]", e.Message, StringComparison.Ordinal);
        }
        var high = Assert.Throws<ArgumentException>(() => new ForcedAligner(model, new ForcedAlignerOptions { WarpFactors = new[] { 1.3 } }));
        Assert.Contains("Nyquist", high.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_cannot_carry_a_warped_front_end()
    {
        var e = Assert.Throws<ArgumentException>(() => TestModels.Random(1, frontEnd: FrontEndOptions.Default with { HopLengthMs = 5, WarpFactor = 0.9 }));
        Assert.Contains("VTLN warp", e.Message, StringComparison.Ordinal);
    }
}

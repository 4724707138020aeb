using System;
using System.Collections.Generic;
using System.Linq;
using Hmm.Speech.Training;
using Hmm.Speech;
using Xunit;

namespace Hmm.Tests.Alignment;

public class GraphLayoutTests
{
    /// <summary>
    /// The shared-layout graph (one self-loop in the table, each utterance's own self-loops folded into its
    /// emissions, end constraint by masking) must give exactly the Viterbi path of the utterance's own chain with its
    /// true self-loops that ends in its last state, computed here plainly in double precision.
    /// </summary>
    [Fact]
    public void Batched_layout_paths_equal_each_utterances_own_chain_viterbi()
    {
        var model = TestModels.Random(11, components: 1);
        var random = new Random(5);
        int S = model.StatesPerPhone, batch = 5;
        var lengths = new[] { 40, 28, 61, 30, 9 };
        var sequences = new int[batch][];
        for (int b = 0; b < batch; b++) sequences[b] = Enumerable.Range(0, 2 + random.Next(lengths[b] / S - 1)).Select(_ => random.Next(model.Phones.Count)).ToArray();
        sequences[4] = new[] { 3, 7, 1 }; // 9 frames for 9 states: one path only
        int maxT = lengths.Max();
        var stateLl = new EmissionBatch(batch, maxT, model.StateCount);
        for (int b = 0; b < batch; b++)
        {
            stateLl.SetLength(b, lengths[b]);
            for (int t = 0; t < lengths[b]; t++)
            {
                var row = stateLl.Frame(b, t);
                for (int s = 0; s < row.Length; s++) row[s] = (float)(-10 * random.NextDouble());
            }
        }
        var layout = new GraphLayout(S, sequences.Max(x => x.Length), optionalPauses: false);
        var graph = new EmissionBatch(batch, maxT, layout.StateCount);
        var fold = GraphLayout.SelfLoopFold(model);
        for (int b = 0; b < batch; b++)
            layout.Fill(graph, b, lengths[b], stateLl, sequences[b], new PhoneSequence(sequences[b].Select(p => model.Phones[p]).ToArray()), -1, fold, null);
        var result = new ViterbiResult(batch, maxT);
        new HmmEngine().Viterbi(layout.Model, graph, result);
        for (int b = 0; b < batch; b++)
        {
            var expected = ChainViterbi(model, sequences[b], stateLl, b, lengths[b]);
            Assert.True(double.IsFinite(result.Scores[b]), $"utterance {b}: score {result.Scores[b]}, {sequences[b].Length} phones, {lengths[b]} frames");
            var actual = result.Path(b).ToArray().Select(j => layout.Decode(j)).Select(x => x.Token * S + x.SubState).ToArray();
            Assert.Equal(expected, actual);
        }
    }

    private static int[] ChainViterbi(AcousticModel model, int[] phones, EmissionBatch ll, int b, int frames)
    {
        int S = model.StatesPerPhone, n = phones.Length * S;
        int Sigma(int m) => phones[m / S] * S + m % S;
        var delta = new double[frames, n];
        var from = new int[frames, n];
        for (int m = 0; m < n; m++) delta[0, m] = double.NegativeInfinity;
        delta[0, 0] = ll.Frame(b, 0)[Sigma(0)];
        for (int t = 1; t < frames; t++)
        {
            for (int m = 0; m < n; m++)
            {
                double stay = delta[t - 1, m] + Math.Log(model.SelfLoop(Sigma(m)));
                double move = m > 0 ? delta[t - 1, m - 1] + Math.Log(1 - model.SelfLoop(Sigma(m - 1))) : double.NegativeInfinity;
                delta[t, m] = Math.Max(stay, move) + ll.Frame(b, t)[Sigma(m)];
                from[t, m] = stay >= move ? m : m - 1;
            }
        }
        var path = new int[frames];
        path[frames - 1] = n - 1;
        for (int t = frames - 1; t > 0; t--) path[t - 1] = from[t, path[t]];
        return path;
    }

    [Fact]
    public void Optional_pauses_are_taken_where_silence_fits_and_skipped_elsewhere()
    {
        var model = TestModels.Random(12, components: 1);
        int S = 3, sil = model.Phones.IndexOf("sil"), aa = model.Phones.IndexOf("AA"), b = model.Phones.IndexOf("B");
        // Frames 0-9 sound like AA, 10-19 like silence, 20-29 like B: the pause between the words must appear, the
        // optional leading and trailing pauses must not.
        int frames = 30;
        var ll = new EmissionBatch(1, frames, model.StateCount);
        for (int t = 0; t < frames; t++)
        {
            var row = ll.Frame(0, t);
            row.Fill(-50);
            int phone = t < 10 ? aa : t < 20 ? sil : b;
            for (int k = 0; k < S; k++) row[phone * S + k] = 0;
        }
        var sequence = PhoneSequence.FromWords(new[] { new[] { "AA" }, new[] { "B" } });
        var layout = new GraphLayout(S, 2, optionalPauses: true);
        var graph = new EmissionBatch(1, frames, layout.StateCount);
        layout.Fill(graph, 0, frames, ll, new[] { aa, b }, sequence, sil, GraphLayout.SelfLoopFold(model), null);
        var result = new ViterbiResult(1, frames);
        new HmmEngine().Viterbi(layout.Model, graph, result);
        var decoded = result.Path(0).ToArray().Select(j => layout.Decode(j)).ToArray();
        Assert.All(decoded.Take(10), x => Assert.False(x.Pause));
        Assert.All(decoded.Skip(10).Take(10), x => Assert.True(x.Pause));
        Assert.All(decoded.Skip(20), x => Assert.Equal((1, false), (x.Token, x.Pause)));
    }
}

public class BandCompactionTests
{
    /// <summary>
    /// An alignment graph with optional pauses has bandwidth S + 2 but only offsets 0, 1 and S + 1 possible: the engines'
    /// banded step reads the compacted rows (Definitions.RelaxBand), which must hold exactly those rows of the full tables.
    /// </summary>
    [Theory]
    [InlineData(5, true)]
    [InlineData(3, true)]
    [InlineData(5, false)]
    public void Live_offsets_are_the_rows_with_a_possible_transition_and_keep_their_values(int statesPerPhone, bool pauses)
    {
        var layout = new GraphLayout(statesPerPhone, 7, pauses);
        var tr = (BandedTransitions)layout.Model.Transitions;
        int stride = tr.PaddedStateCount;
        var expected = pauses ? new[] { 0, 1, statesPerPhone + 1 } : new[] { 0, 1 };
        Assert.Equal(expected, tr.LiveOffsets);
        for (int r = 0; r < expected.Length; r++)
        {
            Assert.Equal(tr.IntoTable.AsSpan(expected[r] * stride, stride).ToArray(), tr.LiveIntoTable.AsSpan(r * stride, stride).ToArray());
            Assert.Equal(tr.OutOfTable.AsSpan(expected[r] * stride, stride).ToArray(), tr.LiveOutOfTable.AsSpan(r * stride, stride).ToArray());
        }
        for (int d = 0; d < tr.Bandwidth; d++)
        {
            if (Array.IndexOf(expected, d) >= 0) continue;
            Assert.All(tr.OutOfTable.AsSpan(d * stride, stride).ToArray(), v => Assert.Equal(float.NegativeInfinity, v));
        }
        if (!pauses) Assert.Same(tr.IntoTable, tr.LiveIntoTable); // nothing to drop: the same arrays
    }

    /// <summary>The listed-offset step over the live rows equals the contiguous step over all rows, lane for lane, both semirings.</summary>
    [Fact]
    public unsafe void The_listed_band_step_equals_the_full_band_step()
    {
        var layout = new GraphLayout(5, 9, optionalPauses: true);
        var tr = (BandedTransitions)layout.Model.Transitions;
        int stride = tr.PaddedStateCount, pad = 16;
        var random = new Random(3);
        var column = new float[2 * pad + stride];
        Array.Fill(column, float.NegativeInfinity);
        for (int j = 0; j < layout.StateCount; j++) column[pad + j] = random.NextDouble() < 0.1 ? float.NegativeInfinity : (float)(-30 * random.NextDouble());
        fixed (float* source = column)
        fixed (float* into = tr.IntoTable)
        fixed (float* outOf = tr.OutOfTable)
        fixed (float* liveInto = tr.LiveIntoTable)
        fixed (float* liveOutOf = tr.LiveOutOfTable)
        {
            var band = new Hmm.Engine.ListedBand(tr.LiveOffsets);
            int rows = tr.LiveOffsets.Length;
            for (int j = 0; j < layout.StateCount; j++)
            {
                foreach (int direction in new[] { -1, +1 })
                {
                    var full = new Hmm.Engine.CpuMemory(direction < 0 ? into : outOf);
                    var live = new Hmm.Engine.CpuMemory(direction < 0 ? liveInto : liveOutOf);
                    var src = new Hmm.Engine.CpuMemory(source);
                    float argFull = 0f, argLive = 0f;
                    float sumFull = Hmm.Engine.Definitions.RelaxBanded<Hmm.Simd.LaneScalar, float, Hmm.Engine.LogSumExp, Hmm.Engine.CpuMemory>(src, pad, full, tr.Bandwidth, stride, j, direction, ref argFull);
                    float sumLive = Hmm.Engine.Definitions.RelaxBand<Hmm.Simd.LaneScalar, float, Hmm.Engine.LogSumExp, Hmm.Engine.CpuMemory, Hmm.Engine.ListedBand>(src, pad, live, band, rows, stride, j, direction, ref argLive);
                    Assert.Equal(sumFull, sumLive);
                    float maxFull = Hmm.Engine.Definitions.RelaxBanded<Hmm.Simd.LaneScalar, float, Hmm.Engine.MaxPlus, Hmm.Engine.CpuMemory>(src, pad, full, tr.Bandwidth, stride, j, direction, ref argFull);
                    float maxLive = Hmm.Engine.Definitions.RelaxBand<Hmm.Simd.LaneScalar, float, Hmm.Engine.MaxPlus, Hmm.Engine.CpuMemory, Hmm.Engine.ListedBand>(src, pad, live, band, rows, stride, j, direction, ref argLive);
                    Assert.Equal(maxFull, maxLive);
                    Assert.Equal(argFull, argLive);
                }
            }
        }
    }
}

public class ForcedAlignerTests
{
    [Fact]
    public void The_default_model_aligns_the_shipped_samples_close_to_their_labels_in_one_batch()
    {
        var aligner = new ForcedAligner(AlignmentTestData.DefaultModel, new ForcedAlignerOptions { BatchSize = 8 });
        // The samples were in the model's training data: this guards the pipeline, not generalisation.
        var summary = AlignmentTestData.AlignShippedSamples(aligner, (reference, segments) =>
        {
            Assert.Equal(0, segments[0].Start);
            Assert.Equal(reference[^1].End, segments[^1].End, 3);
        });
        Assert.True(summary.Overall.Within20 >= 0.9, $"{summary.Overall.Within20:P1} within 20 ms");
    }

    /// <summary>
    /// The adapted model an aligner reports is the one it decodes with: aligning with it and no rounds gives the segments
    /// of aligning with the rounds; with no rounds it is the model itself; its means moved and nothing else.
    /// </summary>
    [Fact]
    public void The_adapted_model_is_the_one_the_rounds_decode_with()
    {
        var model = AlignmentTestData.DefaultModel;
        var inputs = AlignmentTestData.SampleIds.Select(id => new AlignmentInput(id, AlignmentTestData.Samples(id), AlignmentTestData.PhonesOf(id))).ToArray();
        var adapting = new ForcedAligner(model, new ForcedAlignerOptions { AdaptationIterations = 2 });
        var adapted = adapting.AdaptedModel(inputs);
        Assert.NotSame(model, adapted);
        var expected = adapting.Align(inputs);
        var actual = new ForcedAligner(adapted, new ForcedAlignerOptions { AdaptationIterations = 0 }).Align(inputs);
        for (int i = 0; i < inputs.Length; i++) Assert.Equal(expected[i].Segments, actual[i].Segments);
        Assert.Same(model, new ForcedAligner(model, new ForcedAlignerOptions { AdaptationIterations = 0 }).AdaptedModel(inputs));
        Assert.Equal(model.Phones.Phones, adapted.Phones.Phones);
        Assert.Equal(model.Emissions.StateCount, adapted.Emissions.StateCount);
    }

    [Fact]
    public void Aligning_together_or_one_by_one_gives_the_same_segments_without_adaptation()
    {
        var aligner = new ForcedAligner(AlignmentTestData.DefaultModel, new ForcedAlignerOptions { BatchSize = 8, AdaptationIterations = 0 });
        var inputs = AlignmentTestData.SampleIds.Select(id => new AlignmentInput(id, AlignmentTestData.Samples(id), AlignmentTestData.PhonesOf(id))).ToArray();
        var together = aligner.Align(inputs);
        for (int i = 0; i < inputs.Length; i++) Assert.Equal(together[i].Segments, aligner.Align(inputs[i]).Segments);
    }

    [Fact]
    public void Posterior_mean_boundaries_stay_in_order_near_the_viterbi_ones_and_leave_the_frame_grid()
    {
        var model = AlignmentTestData.DefaultModel.WithBoundaryOffsets(null);
        string id = "s017-us1";
        var input = new AlignmentInput(id, AlignmentTestData.Samples(id), AlignmentTestData.PhonesOf(id));
        var viterbi = new ForcedAligner(model, new ForcedAlignerOptions { AdaptationIterations = 0, Placement = BoundaryPlacement.Viterbi }).Align(input).Segments!;
        var posterior = new ForcedAligner(model, new ForcedAlignerOptions { AdaptationIterations = 0, Placement = BoundaryPlacement.PosteriorMean }).Align(input).Segments!;
        Assert.Equal(viterbi.Select(s => s.Phone), posterior.Select(s => s.Phone));
        Assert.Equal(viterbi[^1].End, posterior[^1].End);
        int offGrid = 0;
        for (int i = 1; i < posterior.Count; i++)
        {
            Assert.Equal(posterior[i - 1].End, posterior[i].Start);
            Assert.True(posterior[i].Start >= posterior[i - 1].Start);
            Assert.True(Math.Abs(posterior[i].Start - viterbi[i].Start) <= 0.020, $"boundary {i}: {posterior[i].Start} vs Viterbi {viterbi[i].Start}");
            double ms = viterbi[i].Start * 1000 - posterior[i].Start * 1000;
            if (Math.Abs(ms - Math.Round(ms / 5) * 5) > 0.5) offGrid++;
        }
        Assert.True(offGrid >= 1, "posterior-mean boundaries should fall between frames");
    }

    [Fact]
    public void Boundary_offsets_move_boundaries_of_their_class_pair_only()
    {
        var model = AlignmentTestData.DefaultModel;
        var offsets = new float[AcousticModel.ClassCount, AcousticModel.ClassCount];
        offsets[(int)PhoneClass.Vowel, (int)PhoneClass.Fricative] = 0.010f; // vowel -> fricative boundaries come 10 ms earlier
        string id = "s017-us1";
        var input = new AlignmentInput(id, AlignmentTestData.Samples(id), AlignmentTestData.PhonesOf(id));
        var plain = new ForcedAligner(model.WithBoundaryOffsets(null), new ForcedAlignerOptions { AdaptationIterations = 0 }).Align(input).Segments!;
        var moved = new ForcedAligner(model.WithBoundaryOffsets(offsets), new ForcedAlignerOptions { AdaptationIterations = 0 }).Align(input).Segments!;
        int changed = 0;
        for (int i = 1; i < plain.Count; i++)
        {
            bool pair = PhoneSet.Default.ClassOf(plain[i - 1].Phone) == PhoneClass.Vowel && PhoneSet.Default.ClassOf(plain[i].Phone) == PhoneClass.Fricative;
            Assert.Equal(pair ? plain[i].Start - 0.010 : plain[i].Start, moved[i].Start, 3);
            Assert.Equal(moved[i - 1].End, moved[i].Start);
            if (pair) changed++;
        }
        Assert.True(changed >= 1);
    }

    [Fact]
    public void Text_given_alignment_places_optional_pauses_and_dictionary_phones()
    {
        var transcriber = new Transcriber(AlignmentTestData.Lexicon);
        string id = "s004-us2";
        var words = transcriber.Transcribe(AlignmentTestData.Text(id));
        var sequence = PhoneSequence.FromWords(words.Select(w => (IReadOnlyList<string>)w.Phones));
        var outcome = new ForcedAligner(AlignmentTestData.DefaultModel).Align(new AlignmentInput(id, AlignmentTestData.Samples(id), sequence));
        Assert.True(outcome.Succeeded, outcome.Error);
        var segments = outcome.Segments!;
        Assert.Equal("sil", segments[0].Phone);
        Assert.Equal("sil", segments[^1].Phone);
        var eval = AlignmentEvaluation.CompareFile(id, AlignmentTestData.Labels(id), segments);
        Assert.True(eval.ShareWithin(0.040) >= 0.8, $"{eval.ShareWithin(0.040):P1} within 40 ms");
    }

    [Fact]
    public void Bad_inputs_fail_alone_with_clear_messages()
    {
        var model = AlignmentTestData.DefaultModel;
        var good = AlignmentTestData.Samples("s017-us1");
        var withNan = new float[16000];
        withNan[5] = float.NaN;
        var inputs = new[]
        {
            new AlignmentInput("unknown-phone", good, new PhoneSequence(new[] { "sil", "QQ", "AA", "XX" })),
            new AlignmentInput("good", good, AlignmentTestData.PhonesOf("s017-us1")),
            new AlignmentInput("empty", Array.Empty<float>(), new PhoneSequence(new[] { "AA" })),
            new AlignmentInput("shorter-than-a-frame", new float[100], new PhoneSequence(new[] { "AA" })),
            new AlignmentInput("too-short", good.AsSpan(0, 1600).ToArray(), AlignmentTestData.PhonesOf("s004-us2")),
            new AlignmentInput("nan", withNan, new PhoneSequence(new[] { "AA" })),
        };
        var outcomes = new ForcedAligner(model).Align(inputs);
        Assert.True(outcomes[1].Succeeded, outcomes[1].Error);
        Assert.Contains("not in the model: QQ, XX", outcomes[0].Error);
        Assert.Contains("empty", outcomes[2].Error);
        Assert.Contains("too short", outcomes[3].Error);
        Assert.Contains("too short for the phone sequence", outcomes[4].Error);
        Assert.Contains("frames", outcomes[4].Error);
        Assert.Contains("finite", outcomes[5].Error);
        Assert.All(outcomes.Where(o => !o.Succeeded), o => Assert.Null(o.Segments));
    }

    [Fact]
    public void The_cell_budget_splits_batches_and_refuses_an_utterance_too_long_for_one_pass()
    {
        var inputs = AlignmentTestData.SampleIds.Select(id => new AlignmentInput(id, AlignmentTestData.Samples(id), AlignmentTestData.PhonesOf(id))).ToArray();
        var plain = new ForcedAligner(AlignmentTestData.DefaultModel, new ForcedAlignerOptions { AdaptationIterations = 0 }).Align(inputs);
        // Room for about one utterance per batch (the graph grows with the states per phone): same results, more batches.
        long budget = 500L * 128 * AlignmentTestData.DefaultModel.StatesPerPhone / 3;
        var small = new ForcedAligner(AlignmentTestData.DefaultModel, new ForcedAlignerOptions { AdaptationIterations = 0, MaxCellsPerBatch = budget }).Align(inputs);
        for (int i = 0; i < inputs.Length; i++) Assert.Equal(plain[i].Segments, small[i].Segments);
        var tiny = new ForcedAligner(AlignmentTestData.DefaultModel, new ForcedAlignerOptions { MaxCellsPerBatch = 1000 }).Align(inputs);
        Assert.All(tiny, o => Assert.Contains("too long to align in one pass", o.Error));
    }

    [Fact]
    public void Phone_sequences_parse_and_reject_empty_input()
    {
        Assert.Equal(new[] { "sil", "AA", "sil" }, PhoneSequence.Parse(" sil\tAA \n sil ").Phones);
        Assert.Throws<ArgumentException>(() => PhoneSequence.Parse("  \n"));
        var words = PhoneSequence.FromWords(new[] { new[] { "HH", "AY" }, new[] { "DH", "EH", "R" } });
        Assert.Equal("[sil] HH AY [sil] DH EH R [sil]", words.ToString());
    }
}

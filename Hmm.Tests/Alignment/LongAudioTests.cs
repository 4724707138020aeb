using System;
using System.Collections.Generic;
using System.Linq;
using Hmm.Speech;
using Hmm.Speech.Training;
using Xunit;

namespace Hmm.Tests.Alignment;

/// <summary>
/// Recordings longer than <see cref="ForcedAlignerOptions.SplitLongerThanSeconds"/>: cut into pieces where a free phone
/// recogniser and the transcript agree, aligned piece by piece, stitched. Built from the shipped samples joined with pauses
/// (their reference labels shifted), with the split threshold lowered so that half a minute counts as long.
/// </summary>
public sealed class LongAudioTests
{
    private const int Rate = 16000;

    /// <summary>The three shipped samples <paramref name="rounds"/> times (seeded order), 0.3-0.9 s of silence after each.</summary>
    private static (float[] Samples, List<PhoneSegment> Labels, List<string> Ids, List<double> Starts) Recording(int rounds, int seed)
    {
        var random = new Random(seed);
        var audio = new List<float>();
        var labels = new List<PhoneSegment>();
        var ids = new List<string>();
        var starts = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            foreach (string id in AlignmentTestData.SampleIds.OrderBy(_ => random.Next()))
            {
                double offset = audio.Count / (double)Rate;
                starts.Add(offset);
                var samples = AlignmentTestData.Samples(id);
                audio.AddRange(samples);
                ids.Add(id);
                var own = AlignmentTestData.Labels(id).ToList();
                own[^1] = own[^1] with { End = samples.Length / (double)Rate };
                int gap = (int)(Rate * (0.3 + 0.6 * random.NextDouble()));
                audio.AddRange(new float[gap]);
                own[^1] = own[^1] with { End = own[^1].End + gap / (double)Rate };
                foreach (var s in own) Add(labels, new PhoneSegment(Math.Round(s.Start + offset, 3), Math.Round(s.End + offset, 3), s.Phone));
            }
        }
        labels[^1] = labels[^1] with { End = audio.Count / (double)Rate };
        starts.Add(audio.Count / (double)Rate);
        return (audio.ToArray(), labels, ids, starts);
    }

    /// <summary>Appends a segment, joining a pause to the pause before it.</summary>
    private static void Add(List<PhoneSegment> labels, PhoneSegment s)
    {
        if (labels.Count > 0 && labels[^1].Phone == PhoneSet.Silence && s.Phone == PhoneSet.Silence) labels[^1] = labels[^1] with { End = s.End };
        else labels.Add(labels.Count == 0 ? s with { Start = 0 } : s with { Start = labels[^1].End });
    }

    private static ForcedAligner Aligner(double splitLongerThan) => new(AlignmentTestData.DefaultModel, new ForcedAlignerOptions
    {
        AdaptationIterations = 0,
        SplitLongerThanSeconds = splitLongerThan,
        MaxCellsPerBatch = 1L << 26,
    });

    private static void AssertTiles(IReadOnlyList<PhoneSegment> segments, int sampleCount)
    {
        Assert.Equal(0, segments[0].Start);
        for (int k = 1; k < segments.Count; k++) Assert.Equal(segments[k - 1].End, segments[k].Start);
        Assert.All(segments, s => Assert.True(s.End >= s.Start, s.ToString()));
        Assert.Equal(Math.Round(sampleCount / (double)Rate, 3), segments[^1].End, 3);
        for (int k = 1; k < segments.Count; k++)
            Assert.False(segments[k].Phone == PhoneSet.Silence && segments[k - 1].Phone == PhoneSet.Silence, $"two pauses in a row at {segments[k].Start}");
    }

    [Fact]
    public void A_phone_given_recording_in_pieces_places_boundaries_as_well_as_one_pass()
    {
        var (samples, labels, _, _) = Recording(3, seed: 1);
        var sequence = new PhoneSequence(labels.Select(s => s.Phone).ToArray());
        var input = new AlignmentInput("long", samples, sequence);
        var whole = Aligner(double.PositiveInfinity).Align(input);
        var pieces = Aligner(10).Align(input);
        Assert.True(whole.Succeeded, whole.Error);
        Assert.True(pieces.Succeeded, pieces.Error);
        Assert.Equal(1, whole.Pieces);
        Assert.True(pieces.Pieces >= 3, $"{pieces.Pieces} pieces");
        AssertTiles(pieces.Segments!, samples.Length);
        Assert.Equal(labels.Select(s => s.Phone), pieces.Segments!.Select(s => s.Phone));
        double one = AlignmentEvaluation.CompareFile("whole", labels, whole.Segments!).ShareWithin(0.020);
        double split = AlignmentEvaluation.CompareFile("pieces", labels, pieces.Segments!).ShareWithin(0.020);
        Assert.True(split >= one - 0.01 && split > 0.85, $"within 20 ms: {split:P1} in pieces, {one:P1} in one pass");
        Assert.Empty(pieces.Mismatches);
    }

    [Fact]
    public void A_text_given_recording_in_pieces_keeps_every_word_in_order_and_adapts()
    {
        var (samples, labels, ids, _) = Recording(3, seed: 2);
        var transcriber = new Transcriber(AlignmentTestData.Lexicon);
        var words = transcriber.Transcribe(string.Join(" ", ids.Select(AlignmentTestData.Text)));
        var input = new AlignmentInput("long", samples, PhoneSequence.FromWords(words.Select(w => (IReadOnlyList<string>)w.Phones)));
        var aligner = new ForcedAligner(AlignmentTestData.DefaultModel, new ForcedAlignerOptions { SplitLongerThanSeconds = 10 });
        var outcome = aligner.Align(input);
        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.True(outcome.Pieces >= 3, $"{outcome.Pieces} pieces");
        AssertTiles(outcome.Segments!, samples.Length);
        Assert.Equal(words.SelectMany(w => w.Phones), outcome.Segments!.Where(s => s.Phone != PhoneSet.Silence).Select(s => s.Phone));
        // Every pause between the joined samples is a pause in the labels, within 40 ms at both ends.
        var pauses = labels.Where(s => s.Phone == PhoneSet.Silence && s.Duration > 0.25 && s.Start > 0 && s.End < labels[^1].End).ToList();
        foreach (var pause in pauses)
        {
            var found = outcome.Segments!.Where(s => s.Phone == PhoneSet.Silence && s.Start < pause.End && s.End > pause.Start).ToList();
            Assert.True(found.Count == 1, $"pause {pause}: {found.Count} pauses there");
            Assert.InRange(found[0].Start, pause.Start - 0.04, pause.Start + 0.04);
            Assert.InRange(found[0].End, pause.End - 0.04, pause.End + 0.04);
        }
        Assert.True(AlignmentEvaluation.CompareFile("long", labels, outcome.Segments!).ShareWithin(0.020) > 0.85);
        // The adapted model comes from the pieces as well.
        Assert.NotSame(AlignmentTestData.DefaultModel, aligner.AdaptedModel(new[] { input }));
    }

    [Fact]
    public void Words_missing_from_the_transcript_and_words_never_said_are_reported_where_they_are()
    {
        var (samples, _, ids, starts) = Recording(3, seed: 3);
        var transcriber = new Transcriber(AlignmentTestData.Lexicon);
        // The transcript leaves out the fifth sample's sentence and adds five words after the second one's.
        var texts = ids.Select(AlignmentTestData.Text).ToList();
        texts.RemoveAt(4);
        texts.Insert(2, "banana yesterday carpet mountain orange");
        var words = transcriber.Transcribe(string.Join(" ", texts));
        var input = new AlignmentInput("long", samples, PhoneSequence.FromWords(words.Select(w => (IReadOnlyList<string>)w.Phones)));
        var outcome = Aligner(10).Align(input);
        var missing = outcome.Mismatches.Where(m => m.Kind == TranscriptMismatchKind.NotInTranscript).ToList();
        var extra = outcome.Mismatches.Where(m => m.Kind == TranscriptMismatchKind.NotHeard).ToList();
        string found = string.Join("; ", outcome.Mismatches) + " / samples start at " + string.Join(", ", starts.Select(t => t.ToString("0.00")));
        Assert.True(missing.Any(m => m.Start < starts[5] && m.End > starts[4] && m.End - m.Start > 1), found);
        Assert.True(extra.Any(m => m.Words >= 3 && Math.Abs(m.Start - starts[2]) < 1.5), found);
        Assert.False(outcome.Mismatches.Any(m => m.End < starts[2] - 1.5), found); // the first two sentences agree
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void The_banded_phone_match_finds_the_best_alignment_and_only_equal_phones(int seed)
    {
        var random = new Random(seed);
        for (int round = 0; round < 40; round++)
        {
            int n = random.Next(1, round < 30 ? 60 : 3000);
            var transcript = Enumerable.Range(0, n).Select(_ => random.Next(8)).ToArray();
            // The recognised side: the transcript with a few substitutions, insertions and deletions (up to 8 %).
            var recognised = new List<int>();
            foreach (int p in transcript)
            {
                double u = random.NextDouble();
                if (u < 0.02) continue;
                recognised.Add(u < 0.05 ? random.Next(8) : p);
                if (u > 0.97) recognised.Add(random.Next(8));
            }
            if (recognised.Count == 0) recognised.Add(0);
            var match = LongAudioSplitter.MatchPhones(transcript, recognised.ToArray(), out int score);
            int last = -1;
            for (int i = 0; i < n; i++)
            {
                if (match[i] < 0) continue;
                Assert.Equal(transcript[i], recognised[match[i]]);
                Assert.True(match[i] > last);
                last = match[i];
            }
            Assert.Equal(ReferenceScore(transcript, recognised.ToArray()), score);
        }
        Assert.Equal(new[] { 0, 1, 2, 3 }, LongAudioSplitter.MatchPhones(new[] { 5, 6, 7, 5 }, new[] { 5, 6, 7, 5 }));
    }

    /// <summary>The best score of a global alignment (match +2, substitution and gaps -1) over the whole matrix, in float64.</summary>
    private static int ReferenceScore(int[] a, int[] b)
    {
        var d = new double[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = -i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = -j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
                d[i, j] = Math.Max(d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 2 : -1), Math.Max(d[i - 1, j], d[i, j - 1]) - 1);
        return (int)d[a.Length, b.Length];
    }

    [Fact]
    public void Short_recordings_are_aligned_in_one_piece_as_before()
    {
        var inputs = AlignmentTestData.SampleIds.Select(id => new AlignmentInput(id, AlignmentTestData.Samples(id), AlignmentTestData.PhonesOf(id))).ToArray();
        var split = Aligner(30).Align(inputs);
        var never = Aligner(double.PositiveInfinity).Align(inputs);
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(1, split[i].Pieces);
            Assert.Empty(split[i].Mismatches);
            Assert.Equal(never[i].Segments, split[i].Segments);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new ForcedAligner(AlignmentTestData.DefaultModel, new ForcedAlignerOptions { SplitLongerThanSeconds = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ForcedAligner(AlignmentTestData.DefaultModel, new ForcedAlignerOptions { AdaptationMaxSeconds = double.NaN }));
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Hmm.Speech;
using Hmm.Speech.Training;
using Samples.RealtimeVoice;
using Xunit;
using static Hmm.Tests.Cli.CliVerbs;

namespace Hmm.Tests.Alignment;

/// <summary>Per-phone durations learned from labels, stored with a model, and duration-aware (HSMM) forced alignment.</summary>
public class DurationAlignmentTests
{
    private const double Hop = 0.005;

    /// <summary>Labels holding <paramref name="phone"/> once per entry of <paramref name="frames"/> (that many 5 ms frames), between pauses.</summary>
    private static List<PhoneSegment> Labels(string phone, params int[] frames)
    {
        var list = new List<PhoneSegment>();
        double t = 0;
        foreach (int f in frames)
        {
            list.Add(new PhoneSegment(t, t + 0.1, "sil"));
            t += 0.1;
            list.Add(new PhoneSegment(t, t + f * Hop, phone));
            t += f * Hop;
        }
        return list;
    }

    [Fact]
    public void Learning_counts_each_labelled_segment_in_frames_of_the_hop()
    {
        var d = PhoneDurations.Learn(PhoneSet.Default, Hop, DurationFamily.Nonparametric, new[] { Labels("AA", 10, 10, 12, 14, 14, 14) });
        int aa = PhoneSet.Default.IndexOf("AA"), sil = PhoneSet.Default.IndexOf("sil");
        Assert.Equal(6, d.Segments(aa));
        var counts = d.Counts(aa);
        Assert.Equal(14, counts.Length);
        Assert.Equal(2, counts[9]);
        Assert.Equal(1, counts[11]);
        Assert.Equal(3, counts[13]);
        Assert.Equal(6, d.Segments(sil));
        Assert.Equal(20, d.Counts(sil).Length); // 0.1 s = 20 frames
        // Nonparametric: the normalised histogram (with the 1e-6 floor): 2/6, 1/6, 3/6 at 10, 12, 14 frames.
        var p = d.LogDistribution(aa).ToArray().Select(x => Math.Exp(x)).ToArray();
        Assert.Equal(2.0 / 6, p[9], 3);
        Assert.Equal(1.0 / 6, p[11], 3);
        Assert.Equal(3.0 / 6, p[13], 3);
        Assert.True(p[0] > 0 && p[0] < 1e-5, "every duration keeps the floor");
        Assert.Equal(200, d.MaxFrames); // twice the longest (20 frames) is below one second: a second of frames
        Assert.Equal(p.Length, d.MaxFrames);
    }

    [Theory]
    [InlineData(DurationFamily.Gamma)]
    [InlineData(DurationFamily.LogNormal)]
    [InlineData(DurationFamily.Poisson)]
    [InlineData(DurationFamily.Nonparametric)]
    public void Each_family_fits_the_labelled_mean(DurationFamily family)
    {
        var random = new Random(7);
        var frames = Enumerable.Range(0, 400).Select(_ => 20 + random.Next(-6, 7)).ToArray(); // mean 20 frames
        var d = PhoneDurations.Learn(PhoneSet.Default, Hop, family, new[] { Labels("IY", frames) });
        int iy = PhoneSet.Default.IndexOf("IY");
        Assert.InRange(d.MeanFrames(iy), frames.Average() - 0.7, frames.Average() + 0.7);
        Assert.Equal(family, d.Family);
    }

    [Fact]
    public void A_phone_with_few_segments_backs_off_to_its_class_and_an_unseen_class_to_all_phones()
    {
        // IY: 40 segments of 30 frames; IH (a vowel too): 2 segments of 6 frames; no stop anywhere.
        var labels = new[] { Labels("IY", Enumerable.Repeat(30, 40).ToArray()), Labels("IH", 6, 6) };
        var d = PhoneDurations.Learn(PhoneSet.Default, Hop, DurationFamily.Gamma, labels);
        var set = PhoneSet.Default;
        Assert.Equal(PhoneClass.Vowel, set.ClassOf("IH"));
        double ih = d.MeanFrames(set.IndexOf("IH")), iy = d.MeanFrames(set.IndexOf("IY"));
        Assert.InRange(iy, 29.5, 30.5);
        Assert.InRange(ih, 25, 30); // pooled with IY's 40 segments, not its own 6-frame mean
        double stop = d.MeanFrames(set.IndexOf("T")); // all phones pooled: sil's 20, IY's 30, IH's 6
        Assert.InRange(stop, 20, 30);
    }

    [Fact]
    public void Learning_refuses_a_phone_outside_the_set_and_a_bad_family_name()
    {
        var e = Assert.Throws<ArgumentException>(() => PhoneDurations.Learn(PhoneSet.Default, Hop, DurationFamily.Gamma, new[] { Labels("XYZ", 5) }));
        Assert.Contains("'XYZ'", e.Message);
        var f = Assert.Throws<ArgumentException>(() => PhoneDurations.ParseFamily("weibull"));
        Assert.Contains("gamma, lognormal, poisson or nonparametric", f.Message);
        Assert.Equal(DurationFamily.LogNormal, PhoneDurations.ParseFamily("LogNormal"));
    }

    [Fact]
    public void A_model_without_durations_saves_as_before_and_one_with_them_reads_them_back()
    {
        byte[] shipped = File.ReadAllBytes(AlignmentTestData.ModelPath);
        var model = AcousticModel.Load(AlignmentTestData.ModelPath);
        Assert.Null(model.Durations);
        using (var again = new MemoryStream())
        {
            model.Save(again);
            Assert.Equal(shipped, again.ToArray()); // format version 3, byte for byte
        }
        var durations = PhoneDurations.Learn(model.Phones, model.FrontEnd.HopLengthMs / 1000, DurationFamily.LogNormal,
            AlignmentTestData.SampleIds.Select(AlignmentTestData.Labels));
        var with = model.WithDurations(durations);
        using var stream = new MemoryStream();
        with.Save(stream);
        Assert.Equal(4, BitConverter.ToInt32(stream.ToArray(), 8));
        stream.Position = 0;
        var loaded = AcousticModel.Load(stream, "with durations");
        Assert.NotNull(loaded.Durations);
        Assert.Equal(DurationFamily.LogNormal, loaded.Durations!.Family);
        for (int p = 0; p < model.Phones.Count; p++)
        {
            Assert.Equal(durations.Counts(p), loaded.Durations.Counts(p));
            Assert.Equal(durations.LogDistribution(p).ToArray(), loaded.Durations.LogDistribution(p).ToArray());
        }
        Assert.Same(durations, with.WithDescription("x").Durations);
        var other = PhoneDurations.Learn(model.Phones, 0.010, DurationFamily.Gamma, AlignmentTestData.SampleIds.Select(AlignmentTestData.Labels));
        Assert.Contains("hop", Assert.Throws<ArgumentException>(() => model.WithDurations(other)).Message);
    }

    /// <summary>A model file around <paramref name="payload"/>: magic, <paramref name="version"/>, length, payload and its SHA-256.</summary>
    private static byte[] ModelFile(int version, byte[] payload)
    {
        var file = new List<byte>();
        file.AddRange(System.Text.Encoding.ASCII.GetBytes("HMMACMDL"));
        file.AddRange(BitConverter.GetBytes(version));
        file.AddRange(BitConverter.GetBytes((long)payload.Length));
        file.AddRange(payload);
        file.AddRange(System.Security.Cryptography.SHA256.HashData(payload));
        return file.ToArray();
    }

    [Fact]
    public void A_version_4_file_with_a_broken_durations_section_is_refused_by_name()
    {
        var model = TestModels.Random(5);
        var durations = PhoneDurations.Learn(model.Phones, model.FrontEnd.HopLengthMs / 1000, DurationFamily.Gamma, AlignmentTestData.SampleIds.Select(AlignmentTestData.Labels));
        using var stream = new MemoryStream();
        model.WithDurations(durations).Save(stream);
        byte[] bytes = stream.ToArray();
        byte[] payload = bytes.AsSpan(20, bytes.Length - 20 - 32).ToArray();
        // Cut inside the last histogram: the checksum matches, the content does not.
        var e = Assert.Throws<ModelFormatException>(() => AcousticModel.Load(new MemoryStream(ModelFile(4, payload.AsSpan(0, payload.Length - 3).ToArray())), "cut.hmmam"));
        Assert.StartsWith("cut.hmmam: invalid content", e.Message);
        // A version 3 file with a durations section: bytes left over after the boundary offsets.
        e = Assert.Throws<ModelFormatException>(() => AcousticModel.Load(new MemoryStream(ModelFile(3, payload)), "v3.hmmam"));
        Assert.Contains("left over after the boundary offsets", e.Message);
        // An unknown family number (the section's first int32, right after the offsets of the version 3 payload).
        using var plain = new MemoryStream();
        model.Save(plain);
        int at = (int)plain.Length - 32 - 20;
        var bad = (byte[])payload.Clone();
        BitConverter.GetBytes(9).CopyTo(bad, at);
        e = Assert.Throws<ModelFormatException>(() => AcousticModel.Load(new MemoryStream(ModelFile(4, bad)), "family.hmmam"));
        Assert.Contains("duration family 9 is unknown", e.Message);
    }

    private static PhoneDurations SampleDurations(IAcousticModel model, DurationFamily family = DurationFamily.Gamma) =>
        PhoneDurations.Learn(model.Phones, model.FrontEnd.HopLengthMs / 1000, family, AlignmentTestData.SampleIds.Select(AlignmentTestData.Labels));

    private static void AssertTiles(IReadOnlyList<PhoneSegment> segments, double length)
    {
        Assert.Equal(0, segments[0].Start);
        Assert.Equal(Math.Round(length, 3), segments[^1].End, 6);
        for (int k = 0; k < segments.Count; k++)
        {
            Assert.True(segments[k].End > segments[k].Start, $"segment {k} ({segments[k].Phone}) is empty");
            if (k > 0) Assert.Equal(segments[k - 1].End, segments[k].Start);
        }
    }

    [Theory]
    [InlineData(BoundaryPlacement.PosteriorMean, DurationFrameScore.BestState)]
    [InlineData(BoundaryPlacement.Viterbi, DurationFrameScore.BestState)]
    [InlineData(BoundaryPlacement.PosteriorMean, DurationFrameScore.MeanOfStates)]
    [InlineData(BoundaryPlacement.PosteriorMean, DurationFrameScore.EachState)]
    [InlineData(BoundaryPlacement.Viterbi, DurationFrameScore.EachState)]
    public void Duration_aware_alignment_tiles_each_utterance_with_its_phones(BoundaryPlacement placement, DurationFrameScore score)
    {
        var model = AlignmentTestData.DefaultModel;
        var aligner = new ForcedAligner(model, new ForcedAlignerOptions { Durations = SampleDurations(model), Placement = placement, DurationScore = score });
        var summary = AlignmentTestData.AlignShippedSamples(aligner, (reference, segments) => AssertTiles(segments, reference[^1].End));
        // The default model was trained on these voices: durations must not wreck it (the plain aligner scores above 90 %).
        Assert.True(summary.Overall.Within20 > 0.8, $"{summary.Overall.Within20:P1} of boundaries within 20 ms");
    }

    [Fact]
    public void Duration_aware_alignment_places_optional_pauses_of_a_transcript()
    {
        var model = AlignmentTestData.DefaultModel;
        var transcriber = new Transcriber(AlignmentTestData.Lexicon);
        string id = "s004-us2";
        var words = transcriber.Transcribe(AlignmentTestData.Text(id));
        var sequence = PhoneSequence.FromWords(words.Select(w => (IReadOnlyList<string>)w.Phones));
        var samples = AlignmentTestData.Samples(id);
        var outcome = new ForcedAligner(model, new ForcedAlignerOptions { Durations = SampleDurations(model) }).Align(new AlignmentInput(id, samples, sequence));
        Assert.True(outcome.Succeeded, outcome.Error);
        var segments = outcome.Segments!;
        Assert.Equal("sil", segments[0].Phone);
        Assert.Equal("sil", segments[^1].Phone);
        AssertTiles(segments, samples.Length / 16000.0);
        Assert.Equal(sequence.Phones, segments.Where(s => s.Phone != "sil").Select(s => s.Phone));
    }

    [Fact]
    public void Durations_change_the_alignment_and_a_heavier_weight_pulls_phones_toward_their_learned_lengths()
    {
        // Every phone learned at exactly L frames, L the utterance's frames over its phones: a heavy duration weight makes
        // every segment about L frames long, whatever the audio says.
        var model = AlignmentTestData.DefaultModel;
        string id = "s017-us1";
        var input = new AlignmentInput(id, AlignmentTestData.Samples(id), AlignmentTestData.PhonesOf(id));
        var plainOutcome = new ForcedAligner(model, new ForcedAlignerOptions { Placement = BoundaryPlacement.Viterbi, CorrectBoundaries = false }).Align(input);
        int n = input.Sequence.Phones.Count, length = plainOutcome.Frames / n;
        double target = length * model.FrontEnd.HopLengthMs / 1000;
        var counts = new int[model.Phones.Count][];
        for (int p = 0; p < counts.Length; p++) { counts[p] = new int[length]; counts[p][length - 1] = 50; }
        var durations = new PhoneDurations(model.Phones, model.FrontEnd.HopLengthMs / 1000, DurationFamily.Nonparametric, counts);
        double Spread(IReadOnlyList<PhoneSegment> segments) => segments.Skip(1).Take(segments.Count - 2).Average(s => Math.Abs(s.End - s.Start - target));
        double Weighted(double weight)
        {
            var o = new ForcedAligner(model, new ForcedAlignerOptions { Durations = durations, DurationWeight = weight, Placement = BoundaryPlacement.Viterbi, CorrectBoundaries = false, DurationScore = DurationFrameScore.BestState })
                .Align(input);
            Assert.True(o.Succeeded, o.Error);
            return Spread(o.Segments!);
        }
        double plain = Spread(plainOutcome.Segments!), light = Weighted(1), heavy = Weighted(1000);
        Assert.True(heavy < light && heavy < plain, $"mean |duration - {target * 1000} ms|: plain {plain:F4}, weight 1 {light:F4}, weight 1000 {heavy:F4}");
        Assert.True(heavy <= 0.0075, $"weight 1000 leaves a mean deviation of {heavy:F4} s from the only duration learned");
    }

    [Fact]
    public void The_aligner_refuses_durations_of_another_hop_and_a_bad_weight()
    {
        var model = AlignmentTestData.DefaultModel;
        var other = PhoneDurations.Learn(model.Phones, 0.010, DurationFamily.Gamma, AlignmentTestData.SampleIds.Select(AlignmentTestData.Labels));
        Assert.Contains("hop", Assert.Throws<ArgumentException>(() => new ForcedAligner(model, new ForcedAlignerOptions { Durations = other })).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ForcedAligner(model, new ForcedAlignerOptions { Durations = SampleDurations(model), DurationWeight = 0 }));
    }
}

/// <summary>`hmm train --durations` and `hmm align --durations`.</summary>
public class DurationCliTests
{
    private static string Sample(string id, string ext) => Path.Combine(AlignmentTestData.SamplesDirectory, id + ext);

    private static TempDirectory Corpus()
    {
        var dir = AlignmentTestData.TempDirectory();
        foreach (string id in AlignmentTestData.SampleIds)
        {
            File.Copy(Sample(id, ".wav"), dir.File(id + ".wav"));
            File.Copy(Sample(id, ".lab"), dir.File(id + ".lab"));
            File.WriteAllText(dir.File(id + ".phones"), string.Join(" ", AlignmentTestData.Labels(id).Select(s => s.Phone)));
        }
        return dir;
    }

    [Fact]
    public void Train_refuses_an_unknown_duration_family_and_align_a_model_without_durations()
    {
        using var data = Corpus();
        using var outDir = AlignmentTestData.TempDirectory();
        var (code, _, err) = Run(TrainCommand.Run, data.Path, "--out", outDir.File("m.hmmam"), "--durations", "weibull");
        Assert.Equal(2, code);
        Assert.Contains("--durations must be gamma, lognormal, poisson or nonparametric (got 'weibull')", err);
        Assert.False(File.Exists(outDir.File("m.hmmam")));

        (code, _, err) = Run(AlignCommand.Run, data.Path, "--out", outDir.File("labels"), "--model", AlignmentTestData.ModelPath, "--durations", "--quiet");
        Assert.Equal(2, code);
        Assert.Contains("--durations: the model", err);
        Assert.Contains("has no learned phone durations; train one with hmm train --durations", err);
        (code, _, err) = Run(AlignCommand.Run, data.Path, "--out", outDir.File("labels"), "--model", AlignmentTestData.ModelPath, "--durations", "--duration-score", "median");
        Assert.Equal(2, code);
        Assert.Contains("--duration-score must be best-state, each-state or mean-of-states (got 'median')", err);
        Assert.False(Directory.Exists(outDir.File("labels")) && Directory.GetFiles(outDir.File("labels"), "*.lab").Length > 0);
    }

    [Fact]
    public void Train_with_durations_stores_them_and_align_uses_them_only_when_asked()
    {
        using var data = Corpus();
        using var outDir = AlignmentTestData.TempDirectory();
        string[] small = ["--components", "1", "--iterations", "1", "--speeds", "1", "--noisy", "0", "--reverb", "0", "--quiet"];
        var (code, _, err) = Run(TrainCommand.Run, [data.Path, "--out", outDir.File("d.hmmam"), "--durations", "lognormal", .. small]);
        Assert.True(code == 0, err);
        (code, _, err) = Run(TrainCommand.Run, [data.Path, "--out", outDir.File("n.hmmam"), .. small]);
        Assert.True(code == 0, err);
        var withDurations = AcousticModel.Load(outDir.File("d.hmmam"));
        Assert.Equal(DurationFamily.LogNormal, withDurations.Durations!.Family);
        Assert.Contains("lognormal phone durations from", withDurations.Description);
        Assert.Null(AcousticModel.Load(outDir.File("n.hmmam")).Durations);
        // The same model but for the durations section.
        Assert.Equal(AcousticModel.Load(outDir.File("n.hmmam")).Means(7).ToArray(), withDurations.Means(7).ToArray());

        string Align(string model, string folder, params string[] extra)
        {
            var (c, _, e) = Run(AlignCommand.Run, [data.Path, "--out", outDir.File(folder), "--model", outDir.File(model), "--quiet", "--engine", "cpu", .. extra]);
            Assert.True(c == 0, e);
            return string.Join("\n", AlignmentTestData.SampleIds.Select(id => File.ReadAllText(Path.Combine(outDir.File(folder), id + ".lab"))));
        }
        string plain = Align("n.hmmam", "plain");
        // Without --durations, a model that has them aligns byte for byte as the same model without them.
        Assert.Equal(plain, Align("d.hmmam", "stored"));
        string hsmm = Align("d.hmmam", "hsmm", "--durations");
        Assert.NotEqual(plain, hsmm);
        string best = Align("d.hmmam", "best", "--durations", "--duration-score", "each-state", "--duration-weight", "1");
        Assert.NotEqual(hsmm, best);
        foreach (var (id, folder) in AlignmentTestData.SampleIds.SelectMany(id => new[] { (id, "hsmm"), (id, "best") }))
        {
            var labels = LabelFile.Read(Path.Combine(outDir.File(folder), id + ".lab"));
            Assert.Equal(AlignmentTestData.Labels(id).Select(s => s.Phone), labels.Select(s => s.Phone));
            Assert.Equal(0, labels[0].Start);
            for (int k = 1; k < labels.Count; k++) Assert.Equal(labels[k - 1].End, labels[k].Start);
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using Hmm.Speech;
using Hmm.Speech.Audio;
using Hmm.Speech.Sphinx;
using Hmm.Speech.Training;
using Xunit;

namespace Hmm.Tests.Alignment;

/// <summary>
/// <see cref="SphinxAcousticModel"/> on Debian's <c>pocketsphinx-en-us</c> (skipped where it is not installed): its senone
/// scores against pocketsphinx's own (<c>-senlogdir</c> with <c>-compallsen yes</c>, made by tools/make-sphinx-fixtures.sh),
/// alignments under both scorings, triphone contexts and back-off, and damaged model directories.
/// </summary>
public class SphinxAcousticModelTests
{
    private static SphinxAcousticModel? _model;

    internal static SphinxAcousticModel Model()
    {
        Assert.SkipUnless(File.Exists(Path.Combine(SphinxAcousticModel.DebianDirectory, "mdef")),
            $"{SphinxAcousticModel.DebianDirectory} is not installed (apt-get install pocketsphinx-en-us)");
        return _model ??= SphinxAcousticModel.Load(SphinxAcousticModel.DebianDirectory);
    }

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "Sphinx", name);

    /// <summary>pocketsphinx's senone scores of a fixture: per frame, every senone's score (0 = the frame's best, 1 unit = <see cref="SphinxMixtureWeights.NatsPerUnit"/> nats worse).</summary>
    private static List<short[]> Dump(string name)
    {
        using var stream = new GZipStream(File.OpenRead(Fixture(name)), CompressionMode.Decompress);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        var bytes = memory.ToArray();
        int at = Encoding.ASCII.GetString(bytes).IndexOf("endhdr\n", StringComparison.Ordinal) + 7;
        Assert.Equal(0x11223344u, BitConverter.ToUInt32(bytes, at));
        at += 4;
        var frames = new List<short[]>();
        while (at < bytes.Length)
        {
            int n = BitConverter.ToInt16(bytes, at);
            at += 2;
            var row = new short[n];
            for (int i = 0; i < n; i++, at += 2) row[i] = BitConverter.ToInt16(bytes, at);
            frames.Add(row);
        }
        return frames;
    }

    /// <summary>Our emissions of every senone for a fixture WAV.</summary>
    private static EmissionBatch Emissions(SphinxAcousticModel model, string wav, out SequenceBatch features)
    {
        var audio = WavReader.Read(Fixture(wav), 16000);
        var extractor = new FeatureExtractor(model.FrontEnd);
        int frames = extractor.FrameCount(audio.Samples.Length);
        features = new SequenceBatch(1, frames, model.FrontEnd.FeatureDimension);
        features.SetLength(0, frames);
        extractor.Extract(audio.Samples, features.Sequence(0));
        var output = new EmissionBatch(1, frames, model.StateCount);
        new HmmEngine(Hmm.Simd.SimdWidth.Auto).ComputeEmissions(model.Emissions, features, output);
        return output;
    }

    [Fact]
    public void Senone_scores_agree_with_pocketsphinx_within_its_integer_rounding()
    {
        var model = Model();
        var dump = Dump("s044-us2.sen.gz");
        var ours = Emissions(model, "s044-us2.wav", out _);
        Assert.Equal(dump.Count, ours.MaxLength);
        int frames = dump.Count, senones = model.StateCount, best = 0, within3 = 0;
        double worst = 0;
        for (int t = 0; t < frames; t++)
        {
            Assert.Equal(senones, dump[t].Length);
            var row = ours.Frame(0, t).Slice(0, senones);
            float top = float.NegativeInfinity;
            int arg = -1;
            for (int s = 0; s < senones; s++) if (row[s] > top) { top = row[s]; arg = s; }
            if (dump[t][arg] == 0) best++;
            for (int s = 0; s < senones; s++)
            {
                double difference = (top - row[s]) / SphinxMixtureWeights.NatsPerUnit - dump[t][s];
                worst = Math.Max(worst, Math.Abs(difference));
                if (Math.Abs(difference) <= 3.5) within3++;
            }
        }
        // pocketsphinx truncates 1/(2σ²) and each Gaussian's log determinant to whole 1e-4-nat units, floors each
        // Gaussian score to 1024 units and adds in a 29-entry table; we compute the same model in float. Measured:
        // 95.1 % of all scores within 3 units (0.31 nats), the frame's best senone is pocketsphinx's best (or tied with
        // it) in 91 % of frames, and the largest difference is 89 units, on senones far below the frame's best.
        Assert.True(within3 >= 0.94 * frames * senones, $"{100.0 * within3 / (frames * senones):0.0} % of scores within 3 units");
        Assert.True(best >= 0.85 * frames, $"our best senone is pocketsphinx's best in {best} of {frames} frames");
        Assert.True(worst < 120, $"largest difference {worst:0.0} units");
    }

    [Fact]
    public void Alignments_under_our_scores_and_under_pocketsphinx_scores_agree()
    {
        var model = Model();
        var dump = Dump("s044-us2.sen.gz");
        var ours = Emissions(model, "s044-us2.wav", out _);
        int frames = dump.Count;
        var theirs = new EmissionBatch(1, frames, model.StateCount);
        theirs.SetLength(0, frames);
        for (int t = 0; t < frames; t++)
        {
            var row = theirs.Frame(0, t);
            for (int s = 0; s < model.StateCount; s++) row[s] = (float)(-dump[t][s] * SphinxMixtureWeights.NatsPerUnit);
        }
        var phones = File.ReadAllLines(Fixture("s044-us2.lab")).Select(l => l.Split('\t')).Where(f => f.Length >= 3).Select(f => f[2]).ToArray();
        var sequence = new PhoneSequence(phones);
        var ids = phones.Select(p => model.Phones.IndexOf(p)).ToArray();
        var states = new int[ids.Length * model.StatesPerPhone];
        model.StatesInContext(ids, sequence, states);
        var layout = new GraphLayout(model.StatesPerPhone, ids.Length, optionalPauses: false);
        var ties = new TiedStateBatch(1, layout.StateCount);
        layout.Tie(ties, 0, states, sequence, ReadOnlySpan<int>.Empty, GraphLayout.SelfLoopFold(model));
        int[] Boundaries(EmissionBatch modelStates)
        {
            var graph = new EmissionBatch(1, frames, layout.StateCount);
            ties.Expand(modelStates, graph, 0, frames);
            var result = new ViterbiResult(1, frames);
            new HmmEngine(Hmm.Simd.SimdWidth.Auto).Viterbi(layout.Model, graph, result);
            var path = result.Path(0).ToArray();
            return Enumerable.Range(1, frames - 1).Where(t => path[t] / 3 != path[t - 1] / 3).ToArray();
        }
        var a = Boundaries(ours);
        var b = Boundaries(theirs);
        Assert.Equal(phones.Length - 1, a.Length);
        Assert.Equal(phones.Length - 1, b.Length);
        // Measured: every boundary on the same frame but one, which is one frame (10 ms) away.
        int same = a.Zip(b, (x, y) => x == y ? 1 : 0).Sum();
        Assert.True(same >= a.Length - 2, $"boundaries on the same frame: {same} of {a.Length} (ours {string.Join(",", a)}; pocketsphinx's scores {string.Join(",", b)})");
        Assert.All(a.Zip(b, (x, y) => Math.Abs(x - y)), d => Assert.True(d <= 1));
    }

    [Fact]
    public void The_debian_model_loads_with_its_senones_phones_and_self_loops()
    {
        var model = Model();
        Assert.Equal(5126, model.StateCount);
        Assert.Equal(3, model.StatesPerPhone);
        Assert.Equal(PhoneSet.Default.Count, model.Phones.Count);
        Assert.Equal(FrontEndOptions.SphinxEnUs, model.FrontEnd);
        Assert.Equal(39, model.Emissions.FeatureDimension);
        Assert.Equal((42, 128, 4, 3), (model.Emissions.CodebookCount, model.Emissions.ComponentCount, model.Emissions.TopN, model.Emissions.StreamCount));
        for (int s = 0; s < model.StateCount; s++) Assert.InRange(model.SelfLoop(s), 0.01f, 0.99f);
        // Context-free states are the CI phones' senones (0 .. 125); sil is SIL's.
        int sil = model.Phones.IndexOf(PhoneSet.Silence);
        Assert.All(Enumerable.Range(0, 3), k => Assert.InRange(model.StateOf(sil, k), 0, 125));
        Assert.Equal(model.StateOf(model.Phones.IndexOf("D"), 0), model.StateOf(model.Phones.IndexOf("DX"), 0));
    }

    [Fact]
    public void Tokens_get_their_triphones_by_word_position_and_back_off_as_pocketsphinx_does()
    {
        var model = Model();
        var mdef = model.Definition;
        int Ci(string p) => mdef.CiPhone(p);
        // "hello world": HH AH L OW | W ER L D, words split where a pause may go.
        string[] words = { "HH AH L OW", "W ER L D" };
        var sequence = PhoneSequence.FromWords(words.Select(w => (IReadOnlyList<string>)w.Split(' ')));
        var ids = sequence.Phones.Select(p => model.Phones.IndexOf(p)).ToArray();
        var states = new int[ids.Length * 3];
        model.StatesInContext(ids, sequence, states);
        void Expect(int token, string phone, string left, string right, SphinxWordPosition position)
        {
            int triphone = mdef.Triphone(Ci(phone), Ci(left), Ci(right), position);
            Assert.True(triphone >= 0, $"the model has {left}-{phone}+{right} at {position}");
            for (int k = 0; k < 3; k++) Assert.Equal(mdef.Senone(triphone, k), states[token * 3 + k]);
        }
        Expect(0, "HH", "SIL", "AH", SphinxWordPosition.Begin);
        Expect(1, "AH", "HH", "L", SphinxWordPosition.Internal);
        Expect(3, "OW", "L", "W", SphinxWordPosition.End);
        Expect(4, "W", "OW", "ER", SphinxWordPosition.Begin);
        Expect(7, "D", "L", "SIL", SphinxWordPosition.End);
        // Back-off: a context the model never saw falls to another word position, then SIL contexts, then the CI phone.
        int zh = Ci("ZH"), ng = Ci("NG");
        Assert.Equal(-1, mdef.Triphone(zh, ng, ng, SphinxWordPosition.Internal));
        int nearest = model.Nearest(zh, ng, ng, SphinxWordPosition.Internal);
        Assert.True(nearest == zh || mdef.BaseOf(nearest) == zh);
        int begin = model.Nearest(Ci("AH"), ng, Ci("B"), SphinxWordPosition.Begin);
        Assert.Equal(Ci("AH"), mdef.BaseOf(begin));
    }

    [Fact]
    public void Aligning_the_bundled_sample_with_the_sphinx_model_places_every_phone()
    {
        var model = Model();
        var audio = WavReader.Read(Fixture("s044-us2.wav"), 16000);
        var phones = File.ReadAllLines(Fixture("s044-us2.lab")).Select(l => l.Split('\t')).Where(f => f.Length >= 3).Select(f => f[2]).ToArray();
        var reference = File.ReadAllLines(Fixture("s044-us2.lab")).Select(l => l.Split('\t')).Where(f => f.Length >= 3)
            .Select(f => double.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var outcome = new ForcedAligner(model).Align(new AlignmentInput("s044-us2", audio.Samples, new PhoneSequence(phones)));
        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.Equal(phones, outcome.Segments!.Select(s => s.Phone).ToArray());
        var starts = outcome.Segments!.Select(s => s.Start).ToArray();
        int within = starts.Zip(reference, (h, r) => Math.Abs(h - r) <= 0.04 ? 1 : 0).Sum();
        Assert.True(within >= 0.8 * phones.Length, $"{within} of {phones.Length} boundaries within 40 ms");
    }

    private static string CopyOfModel()
    {
        Model();
        string directory = Path.Combine(Path.GetTempPath(), "hmm-sphinx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.GetFiles(SphinxAcousticModel.DebianDirectory)) File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        return directory;
    }

    [Theory]
    [InlineData("means")]
    [InlineData("sendump")]
    [InlineData("mdef")]
    [InlineData("transition_matrices")]
    [InlineData("feat.params")]
    public void A_missing_file_is_named_with_how_to_get_the_model(string file)
    {
        string directory = CopyOfModel();
        try
        {
            File.Delete(Path.Combine(directory, file));
            var e = Assert.Throws<FileNotFoundException>(() => SphinxAcousticModel.Load(directory));
            Assert.Contains(Path.Combine(directory, file), e.Message);
            Assert.Contains("apt-get install pocketsphinx-en-us", e.Message);
        }
        finally { Directory.Delete(directory, true); }
    }

    [Fact]
    public void A_truncated_file_a_bad_checksum_and_a_foreign_front_end_are_named()
    {
        string directory = CopyOfModel();
        try
        {
            string means = Path.Combine(directory, "means");
            var bytes = File.ReadAllBytes(means);
            File.WriteAllBytes(means, bytes.AsSpan(0, bytes.Length / 2).ToArray());
            var truncated = Assert.Throws<InvalidDataException>(() => SphinxAcousticModel.Load(directory));
            Assert.Contains(means, truncated.Message);

            bytes[bytes.Length / 2] ^= 0x40;
            File.WriteAllBytes(means, bytes);
            var checksum = Assert.Throws<InvalidDataException>(() => SphinxAcousticModel.Load(directory));
            Assert.Contains(means, checksum.Message);
            Assert.Contains("checksum", checksum.Message);
            File.Copy(Path.Combine(SphinxAcousticModel.DebianDirectory, "means"), means, true);

            string feat = Path.Combine(directory, "feat.params");
            File.WriteAllText(feat, File.ReadAllText(feat).Replace("-transform dct", "-transform legacy"));
            var front = Assert.ThrowsAny<IOException>(() => SphinxAcousticModel.Load(directory));
            Assert.Contains(feat, front.Message);
            Assert.Contains("transform", front.Message);
        }
        finally { Directory.Delete(directory, true); }
    }

    [Fact]
    public void Files_from_different_models_are_refused_with_both_named()
    {
        string directory = CopyOfModel();
        try
        {
            // A sendump for another senone count: rewrite its column count.
            string sendump = Path.Combine(directory, "sendump");
            var bytes = File.ReadAllBytes(sendump);
            int at = FindInt32(bytes, 5126);
            BitConverter.GetBytes(5000).CopyTo(bytes, at);
            File.WriteAllBytes(sendump, bytes.AsSpan(0, bytes.Length - 3 * 128 * 126).ToArray());
            var e = Assert.ThrowsAny<IOException>(() => SphinxAcousticModel.Load(directory));
            Assert.Contains(sendump, e.Message);
            Assert.Contains("5000", e.Message);
        }
        finally { Directory.Delete(directory, true); }
    }

    private static int FindInt32(byte[] bytes, int value)
    {
        for (int i = 0; i + 4 <= bytes.Length; i++) if (BitConverter.ToInt32(bytes, i) == value) return i;
        throw new InvalidOperationException($"{value} not found");
    }
}

/// <summary>The phone loop and the online decoder over a Sphinx model's context-free senones.</summary>
public class SphinxPhoneLoopTests
{
    [Fact]
    public void Loop_states_read_the_context_free_senones_and_the_online_decoder_computes_them_as_the_engine()
    {
        var model = SphinxAcousticModelTests.Model();
        var loopEmissions = PhoneLoop.Emissions(model);
        int s = model.StatesPerPhone, p = model.Phones.Count;
        Assert.Equal(p * s, loopEmissions.StateCount);
        var audio = WavReader.Read(Path.Combine(AppContext.BaseDirectory, "Data", "Sphinx", "s017-us1.wav"), 16000);
        var extractor = new FeatureExtractor(model.FrontEnd);
        int frames = extractor.FrameCount(audio.Samples.Length);
        var features = new SequenceBatch(1, frames, model.FrontEnd.FeatureDimension);
        features.SetLength(0, frames);
        extractor.Extract(audio.Samples, features.Sequence(0));
        var engine = new HmmEngine(Hmm.Simd.SimdWidth.Auto);
        var all = new EmissionBatch(1, frames, model.StateCount);
        engine.ComputeEmissions(model.Emissions, features, all);
        var loop = new EmissionBatch(1, frames, loopEmissions.StateCount);
        engine.ComputeEmissions(loopEmissions, features, loop);
        for (int t = 0; t < frames; t += 7)
            for (int q = 0; q < p; q++)
                for (int k = 0; k < s; k++)
                    Assert.Equal(all[0, t, model.StateOf(q, k)], loop[0, t, q * s + k]);

        // The online decoder's own emissions of the same frames, pushed two at a time, decode as the engine's pushed as values.
        var hmm = PhoneLoop.Build(model, PhoneBigram.Default);
        var computing = new Hmm.Online.OnlineDecoder(hmm, loopEmissions, lag: 5);
        var given = new Hmm.Online.OnlineDecoder(hmm, lag: 5);
        int d = model.FrontEnd.FeatureDimension;
        var rows = features.Sequence(0);
        var expected = new List<int>();
        for (int t = 0; t < frames; t += 2)
        {
            int count = Math.Min(2, frames - t);
            computing.PrepareFrames(rows.Slice(t * d, count * d));
            for (int i = 0; i < count; i++)
            {
                var prepared = computing.TakePrepared().ToArray();
                for (int j = 0; j < prepared.Length; j++) Assert.Equal(loop[0, t + i, j], prepared[j]);
                if (given.PushEmissions(prepared)) expected.Add(given.LastCommittedState);
            }
        }
        Assert.True(expected.Count > frames / 2);
    }
}

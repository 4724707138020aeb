using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Hmm.Speech.Sphinx;
using Xunit;

namespace Hmm.Tests.Alignment;

/// <summary>
/// The Sphinx model readers on Debian's <c>pocketsphinx-en-us</c> files (where installed: <c>.ci/run</c> installs it) and on
/// small files written here: both byte orders, checksums, and each kind of damage named.
/// </summary>
public class SphinxModelFilesTests
{
    private const string ModelDirectory = "/usr/share/pocketsphinx/model/en-us/en-us";

    private static string Installed(string name)
    {
        string path = Path.Combine(ModelDirectory, name);
        Assert.SkipUnless(File.Exists(path), $"{path} is not installed (apt-get install pocketsphinx-en-us)");
        return path;
    }

    [Fact]
    public void The_debian_en_us_gaussians_transitions_and_weights_read_with_their_checksums()
    {
        var means = SphinxModelFiles.ReadGaussians(Installed("means"));
        Assert.Equal((42, 3, 128), (means.Codebooks, means.Streams, means.Densities));
        Assert.Equal(new[] { 13, 13, 13 }, means.StreamLengths);
        Assert.Equal(42 * 128 * 39, means.Values.Length);
        Assert.All(means.Values, v => Assert.True(float.IsFinite(v)));
        var variances = SphinxModelFiles.ReadGaussians(Installed("variances"));
        Assert.Equal(means.Values.Length, variances.Values.Length);
        Assert.All(variances.Values, v => Assert.True(v >= 0 && float.IsFinite(v)));
        Assert.Equal(13, variances.Vector(41, 2, 127).Length);

        var transitions = SphinxModelFiles.ReadTransitionMatrices(Installed("transition_matrices"));
        Assert.Equal((42, 3, 4), (transitions.Count, transitions.From, transitions.To));
        // Strictly left to right: only the self-loop and the next state carry counts.
        for (int m = 0; m < transitions.Count; m++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 4; j++)
                    Assert.Equal(j == i || j == i + 1, transitions[m, i, j] > 0);

        var weights = SphinxModelFiles.ReadSendump(Installed("sendump"));
        Assert.Equal((3, 128, 5126), (weights.Streams, weights.Codewords, weights.Senones));
        Assert.InRange(weights.Values.Min(), (byte)1, (byte)10);
        Assert.InRange(weights.Values.Max(), (byte)150, (byte)159);
        // Each senone's weights over a stream's codewords sum to about 1 (quantisation and the cap lose a few percent).
        for (int senone = 0; senone < weights.Senones; senone += 97)
        {
            double sum = Enumerable.Range(0, weights.Codewords).Sum(c => Math.Exp(-SphinxMixtureWeights.NatsPerUnit * weights[1, c, senone]));
            Assert.InRange(sum, 0.85, 1.01);
        }
    }

    /// <summary>A Sphinx-3 container as sphinxbase's bio_fwrite makes it: header, magic, counts and floats, checksum.</summary>
    private static byte[] Container(int[] counts, float[] values, bool swap, bool checksum = true)
    {
        var output = new MemoryStream();
        var header = Encoding.ASCII.GetBytes("s3\nversion 1.0\n" + (checksum ? "chksum0 yes\n" : "") + "endhdr\n");
        output.Write(header, 0, header.Length);
        uint sum = 0;
        void Word(uint v, bool counted = true)
        {
            if (counted) sum = ((sum << 20) | (sum >> 12)) + v;
            var bytes = BitConverter.GetBytes(v);
            if (swap) Array.Reverse(bytes);
            output.Write(bytes, 0, 4);
        }
        Word(0x11223344, counted: false);
        foreach (int c in counts) Word((uint)c);
        foreach (float f in values) Word(BitConverter.SingleToUInt32Bits(f));
        if (checksum) Word(sum, counted: false);
        return output.ToArray();
    }

    private static (int[] Counts, float[] Values) SmallGaussians()
    {
        // 2 codebooks, 2 streams of 3 and 1 values, 2 densities: 2 x 2 x 4 = 16 values.
        var values = Enumerable.Range(0, 16).Select(i => i * 0.5f - 3).ToArray();
        return (new[] { 2, 2, 2, 3, 1, 16 }, values);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_written_container_reads_back_in_either_byte_order(bool swap)
    {
        using var dir = AlignmentTestData.TempDirectory();
        var (counts, values) = SmallGaussians();
        File.WriteAllBytes(dir.File("means"), Container(counts, values, swap));
        var g = SphinxModelFiles.ReadGaussians(dir.File("means"));
        Assert.Equal((2, 2, 2), (g.Codebooks, g.Streams, g.Densities));
        Assert.Equal(values, g.Values);
        // Codebook 1, stream 1 (one value), density 1: after codebook 0 (8 values), stream 0 of codebook 1 (2 x 3).
        Assert.Equal(new[] { values[8 + 6 + 1] }, g.Vector(1, 1, 1).ToArray());
        Assert.Equal(values.Skip(8 + 3).Take(3), g.Vector(1, 0, 1).ToArray());

        File.WriteAllBytes(dir.File("tmat"), Container(new[] { 1, 2, 3, 6 }, new[] { 9f, 1, 0, 0, 5, 5 }, swap, checksum: false));
        var t = SphinxModelFiles.ReadTransitionMatrices(dir.File("tmat"));
        Assert.Equal(5f, t[0, 1, 2]);
    }

    public static TheoryData<string, string> Damage() => new()
    {
        { "flipped", "checksum mismatch" },
        { "truncated", "truncated" },
        { "trailing", "bytes follow the data" },
        { "counts", "n_total is 15" },
        { "foreign", "not a Sphinx-3 binary file" },
        { "magic", "byte-order magic" },
        { "no-endhdr", "no 'endhdr'" },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void Damaged_containers_are_named_with_the_problem(string damage, string message)
    {
        using var dir = AlignmentTestData.TempDirectory();
        var (counts, values) = SmallGaussians();
        byte[] good = Container(counts, values, swap: false);
        byte[] bad = damage switch
        {
            "flipped" => Flip(good, good.Length - 10),
            "truncated" => good.Take(good.Length - 9).ToArray(),
            "trailing" => good.Concat(new byte[] { 0, 0, 0, 0 }).ToArray(),
            "counts" => Container(new[] { 2, 2, 2, 3, 1, 15 }, values.Take(15).ToArray(), swap: false),
            "foreign" => Encoding.ASCII.GetBytes("RIFF not a model at all"),
            "magic" => Flip(good, Encoding.ASCII.GetByteCount("s3\nversion 1.0\nchksum0 yes\nendhdr\n")),
            _ => Encoding.ASCII.GetBytes("s3\nversion 1.0\n"),
        };
        string path = dir.File("means");
        File.WriteAllBytes(path, bad);
        var e = Assert.Throws<InvalidDataException>(() => SphinxModelFiles.ReadGaussians(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(message, e.Message);
    }

    private static byte[] Flip(byte[] data, int at)
    {
        var copy = (byte[])data.Clone();
        copy[at] ^= 0x40;
        return copy;
    }

    /// <summary>A sendump as pocketsphinx writes it: length-prefixed header strings, a 0, rows and columns, the bytes.</summary>
    private static byte[] Sendump(int streams, int codewords, int senones, byte[] weights, bool swap, int? dataBytes = null)
    {
        var output = new MemoryStream();
        void Int(int v)
        {
            var bytes = BitConverter.GetBytes(v);
            if (swap) Array.Reverse(bytes);
            output.Write(bytes, 0, 4);
        }
        foreach (string s in new[] { "BEGIN FILE FORMAT DESCRIPTION", "END FILE FORMAT DESCRIPTION", "cluster_count 0", "codebook_count 1", $"feature_count {streams}" })
        {
            var text = Encoding.ASCII.GetBytes(s + "\0");
            Int(text.Length);
            output.Write(text, 0, text.Length);
        }
        Int(0);
        Int(codewords);
        Int(senones);
        output.Write(weights, 0, dataBytes ?? weights.Length);
        return output.ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_written_sendump_reads_back_and_a_short_one_is_named(bool swap)
    {
        using var dir = AlignmentTestData.TempDirectory();
        var weights = Enumerable.Range(0, 2 * 4 * 5).Select(i => (byte)(i * 3)).ToArray();
        File.WriteAllBytes(dir.File("sendump"), Sendump(2, 4, 5, weights, swap));
        var w = SphinxModelFiles.ReadSendump(dir.File("sendump"));
        Assert.Equal((2, 4, 5), (w.Streams, w.Codewords, w.Senones));
        Assert.Equal(weights[(1 * 4 + 3) * 5 + 2], w[1, 3, 2]);

        File.WriteAllBytes(dir.File("short"), Sendump(2, 4, 5, weights, swap, dataBytes: 39));
        var e = Assert.Throws<InvalidDataException>(() => SphinxModelFiles.ReadSendump(dir.File("short")));
        Assert.Contains("need 40 bytes of weights, the file has 39", e.Message);
        File.WriteAllBytes(dir.File("foreign"), Encoding.ASCII.GetBytes("s3\nversion 1.0\nendhdr\n"));
        Assert.Contains("not a sendump", Assert.Throws<InvalidDataException>(() => SphinxModelFiles.ReadSendump(dir.File("foreign"))).Message);
    }

    [Fact]
    public void The_debian_en_us_model_definition_feature_parameters_and_noise_dictionary_read()
    {
        var mdef = SphinxModelDefinition.Read(Installed("mdef"));
        Assert.Equal((42, 137095, 3, 126, 5126, 42), (mdef.CiPhones.Count, mdef.PhoneCount, mdef.EmittingStates, mdef.CiSenoneCount, mdef.SenoneCount, mdef.TransitionMatrixCount));
        Assert.Equal("SIL", mdef.CiPhones[mdef.Silence]);
        Assert.True(mdef.IsFiller(mdef.Silence));
        int aa = mdef.CiPhone("AA"), t = mdef.CiPhone("T"), s = mdef.CiPhone("S");
        Assert.False(mdef.IsFiller(aa));
        // A CI phone's states are CI senones; a triphone of it has its own senones and the CI phone's transition matrix.
        Assert.All(Enumerable.Range(0, 3), i => Assert.InRange(mdef.Senone(aa, i), 0, mdef.CiSenoneCount - 1));
        int triphone = mdef.Triphone(aa, t, s, SphinxWordPosition.Internal);
        Assert.True(triphone >= mdef.CiPhones.Count, "T-AA+S inside a word is in the model");
        Assert.Equal(aa, mdef.BaseOf(triphone));
        Assert.Equal(mdef.TransitionMatrix(aa), mdef.TransitionMatrix(triphone));
        Assert.All(Enumerable.Range(0, 3), i => Assert.InRange(mdef.Senone(triphone, i), mdef.CiSenoneCount, mdef.SenoneCount - 1));
        Assert.Equal(-1, mdef.Triphone(mdef.Silence, t, s, SphinxWordPosition.Internal));

        var options = SphinxModelText.ReadFeatureParameters(Installed("feat.params"));
        Assert.Equal(("130", "6800", "25", "1s_c_d_dd", "ptm", "batch"), (options["lowerf"], options["upperf"], options["nfilt"], options["feat"], options["model"], options["cmn"]));
        var fillers = SphinxModelText.ReadNoiseDictionary(Installed("noisedict"));
        Assert.Equal(new[] { "SIL" }, fillers["<sil>"]);
        Assert.Equal(new[] { "+NSN+" }, fillers["[NOISE]"]);
    }

    /// <summary>A tiny binary mdef: 2 CI phones (SIL, AA), one triphone, 2 states, as bin_mdef_write lays it out.</summary>
    private static byte[] Mdef(bool swap, Action<List<byte>>? damage = null)
    {
        var bytes = new List<byte>();
        void Int(int v) { var b = BitConverter.GetBytes(v); if (swap) Array.Reverse(b); bytes.AddRange(b); }
        void Short(ushort v) { var b = BitConverter.GetBytes(v); if (swap) Array.Reverse(b); bytes.AddRange(b); }
        bytes.AddRange(Encoding.ASCII.GetBytes(swap ? "FDMB" : "BMDF"));
        Int(1);
        var text = Encoding.ASCII.GetBytes("tiny\n\0\0\0");
        Int(text.Length);
        bytes.AddRange(text);
        foreach (int v in new[] { 2, 3, 2, 4, 6, 2, 3, 3, 0, 0 }) Int(v); // n_ciphone .. sil
        bytes.AddRange(Encoding.ASCII.GetBytes("SIL\0AA\0\0")); // 7 bytes of names padded to 8
        // Phones: SIL (filler), AA, and AA between SIL and SIL at a word's start.
        foreach (var (ssid, tmat, info) in new[] { (0, 0, new byte[] { 1, 0, 0, 0 }), (1, 1, new byte[] { 0, 0, 0, 0 }), (2, 1, new byte[] { 1, 1, 0, 0 }) })
        {
            Int(ssid);
            Int(tmat);
            bytes.AddRange(info);
        }
        Int(6);
        foreach (ushort v in new ushort[] { 0, 1, 2, 3, 4, 5 }) Short(v);
        damage?.Invoke(bytes);
        return bytes.ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_written_model_definition_reads_back_and_damage_is_named(bool swap)
    {
        using var dir = AlignmentTestData.TempDirectory();
        File.WriteAllBytes(dir.File("mdef"), Mdef(swap));
        var mdef = SphinxModelDefinition.Read(dir.File("mdef"));
        Assert.Equal(new[] { "SIL", "AA" }, mdef.CiPhones);
        int triphone = mdef.Triphone(1, 0, 0, SphinxWordPosition.Begin);
        Assert.Equal(2, triphone);
        Assert.Equal((4, 5), (mdef.Senone(triphone, 0), mdef.Senone(triphone, 1)));
        Assert.Equal(-1, mdef.Triphone(1, 0, 0, SphinxWordPosition.End));

        var cases = new (Action<List<byte>> Damage, string Message)[]
        {
            (b => b.RemoveRange(b.Count - 3, 3), "truncated in the senone sequences"),
            (b => b.AddRange(new byte[2]), "bytes follow the senone sequences"),
            (b => b[b.Count - (swap ? 1 : 2)] = 9, "senone 9 in sequence 2 is outside the 6 senones"),
            (b => b.RemoveRange(0, 4), "no BMDF magic"),
        };
        foreach (var (damage, message) in cases)
        {
            File.WriteAllBytes(dir.File("bad"), Mdef(swap, damage));
            var e = Assert.Throws<InvalidDataException>(() => SphinxModelDefinition.Read(dir.File("bad")));
            Assert.StartsWith(dir.File("bad") + ": ", e.Message);
            Assert.Contains(message, e.Message);
        }
        File.WriteAllText(dir.File("feat.params"), "-lowerf 130\nnot an option\n");
        Assert.Contains("feat.params:2", Assert.Throws<InvalidDataException>(() => SphinxModelText.ReadFeatureParameters(dir.File("feat.params"))).Message);
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using Hmm.Speech;
using Hmm.Speech.Sphinx;
using Hmm.Speech.Training;

namespace Hmm.Fuzz;

/// <summary>One fuzz target: a reader fed the input bytes, which may throw only its documented bad-input exception.</summary>
/// <param name="Name">The name on the command line (and of its corpus folder).</param>
/// <param name="Description">What it reads, for the usage text.</param>
/// <param name="Run">Feeds one input to the reader; anything it throws that is not <paramref name="Expected"/> is a finding.</param>
/// <param name="Expected">The documented bad-input exceptions (exact types or their subclasses).</param>
/// <param name="Tokens">Byte strings the smoke mutator splices in (keywords and numbers of the format).</param>
internal sealed record Target(string Name, string Description, Action<byte[]> Run, Type[] Expected, byte[][] Tokens)
{
    /// <summary>Loads what the target builds once (the transcriber's dictionary), so that no input's time includes it.</summary>
    public Action? Warm { get; init; }

    /// <summary>Whether <paramref name="e"/> is a documented bad-input exception of this target.</summary>
    public bool IsExpected(Exception e)
    {
        foreach (Type t in Expected)
            if (t.IsInstanceOfType(e)) return true;
        return false;
    }
}

/// <summary>The fuzz targets: every reader of untrusted files and text in Hmm.Speech and Hmm.Speech.Training.</summary>
internal static class Targets
{
    private static readonly UTF8Encoding Utf8 = new(false, false);

    private static readonly string[] NumberTokens =
    {
        "0", "-1", "1", "-0", "1e308", "-1e308", "1e-320", "NaN", "Infinity", "-Infinity", "2147483647", "2147483648",
        "-2147483648", "9223372036854775808", "4294967295", "0.0001", "1.5", "\n", "\r\n", "\t", " ", "\"", "\\", "\0",
        "\u00e9", "\uffff", "\ud800",
    };

    // The transcriber is built once (the dictionary takes a fraction of a second): each input is one Transcribe call.
    private static readonly Lazy<Transcriber> Transcriber = new(() => new Transcriber(PronunciationLexicon.LoadDefault()));

    public static readonly IReadOnlyList<Target> All = new Target[]
    {
        new("wav", "WavReader.Read(stream, name, 16000): RIFF/WAVE header, chunks, PCM/float/extensible decoding and resampling",
            bytes => WavReader.Read(new MemoryStream(bytes, writable: false), "fuzz.wav", 16000),
            new[] { typeof(WavFormatException) },
            Bin("RIFF", "WAVE", "fmt ", "data", "LIST", "fact", "RF64", "\x01\0", "\x03\0", "\xfe\xff", "\x80\xbb\0\0", "\x10\0\0\0")),
        new("model", "AcousticModel.Load(stream, name): the .hmmam header, length and checksum as they come",
            bytes => AcousticModel.Load(new MemoryStream(bytes, writable: false), "fuzz.hmmam"),
            new[] { typeof(ModelFormatException) },
            Bin("HMMACMDL", "\x03\0\0\0", "\x01\0\0\0", "\x02\0\0\0")),
        new("model-payload", "AcousticModel.Load on a valid header and checksum around the input (byte 0 picks format version 1 or 3): the payload parser",
            bytes => AcousticModel.Load(new MemoryStream(WrapModelPayload(bytes), writable: false), "fuzz.hmmam"),
            new[] { typeof(ModelFormatException) },
            Array.Empty<byte[]>()),
        new("labels", "LabelFile.Parse(text, Lab, name): HTK/Audacity .lab label files",
            bytes => LabelFile.Parse(Utf8.GetString(bytes), LabelFormat.Lab, "fuzz.lab"),
            new[] { typeof(InvalidDataException) },
            Text(NumberTokens)),
        new("textgrid", "LabelFile.Parse(text, TextGrid, name): Praat TextGrid files, long and short forms",
            bytes => LabelFile.Parse(Utf8.GetString(bytes), LabelFormat.TextGrid, "fuzz.TextGrid"),
            new[] { typeof(InvalidDataException) },
            Text(NumberTokens, "File type = \"ooTextFile\"\n", "Object class = \"TextGrid\"\n", "xmin = ", "xmax = ", "tiers? <exists>\n",
                "size = ", "item []:\n", "item [1]:\n", "class = \"IntervalTier\"\n", "class = \"TextTier\"\n", "name = ", "intervals: size = ",
                "intervals [1]:\n", "points: size = ", "text = \"", "mark = \"", "number = ", "\"\"")),
        new("json", "LabelFile.Parse(text, Json, name): the JSON label files",
            bytes => LabelFile.Parse(Utf8.GetString(bytes), LabelFormat.Json, "fuzz.json"),
            new[] { typeof(InvalidDataException) },
            Text(NumberTokens, "{", "}", "[", "]", ",", ":", "\"phone\"", "\"start\"", "\"end\"", "\"segments\"", "null", "true", "\"\\u0000\"")),
        new("dictionary", "PronunciationLexicon.Load(stream, name): CMUdict-style pronunciation dictionaries, plain or gzip",
            bytes => PronunciationLexicon.Load(new MemoryStream(bytes, writable: false), "fuzz.dict"),
            new[] { typeof(InvalidDataException) },
            Text(NumberTokens, ";;;", "(2)", "(", ")", "AH0", "AH1", "#", "\x1f\x8b\x08\0")),
        new("transcript", "Transcriber.Transcribe(text) over the built-in dictionary: words, numbers spelled out, letter-to-sound",
            bytes => Transcriber.Value.Transcribe(Utf8.GetString(bytes), new List<string>()),
            Array.Empty<Type>(),
            Text(NumberTokens, "'", "''", "1,000", "1.000.000", "999999999", "1000000000", "12,34", "Dr.", "St.", "\u3042", "\u0416",
                "\u00df", "\u0130", "1st", "21st", "$5", "%", "-", "&"))
        {
            Warm = () => _ = Transcriber.Value,
        },
        new("offsets", "BoundaryOffsetTable.Parse(text, source): the boundary offset tables (.tsv)",
            bytes => BoundaryOffsetTable.Parse(Utf8.GetString(bytes), "fuzz.tsv"),
            new[] { typeof(InvalidDataException) },
            Text(NumberTokens, "# fingerprint ", "vowel", "silence", "stop", "0.1", "0.1000001", "-0.1")),
    };

    // The Sphinx readers take a path: each input is written to one file per process first (in /dev/shm where there is one).
    // The file is deleted when the process exits normally (a process that afl-fuzz kills leaves it behind).
    private static readonly Lazy<string> SphinxFile = new(() =>
    {
        string path = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"hmm-fuzz-{Environment.ProcessId}.sphinx");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    });

    private static string AsFile(byte[] bytes)
    {
        File.WriteAllBytes(SphinxFile.Value, bytes);
        return SphinxFile.Value;
    }

    /// <summary>The CMU Sphinx model readers (Hmm.Speech/Sphinx), which read files by path.</summary>
    public static readonly IReadOnlyList<Target> Sphinx = new Target[]
    {
        new("sphinx-mdef", "SphinxModelDefinition.Read(path): binary model definitions (BMDF, either byte order)",
            bytes => SphinxModelDefinition.Read(AsFile(bytes)),
            new[] { typeof(InvalidDataException) },
            Bin("BMDF", "FDMB", "\x01\0\0\0", "\x03\0\0\0", "\0")),
        new("sphinx-gaussians", "SphinxModelFiles.ReadGaussians(path): Sphinx-3 means/variances (s3 header, byte order, checksum)",
            bytes => SphinxModelFiles.ReadGaussians(AsFile(bytes)),
            new[] { typeof(InvalidDataException) },
            Bin("s3\n", "endhdr\n", "chksum0 yes\n", "chksum0 no\n", "\x44\x33\x22\x11", "\x11\x22\x33\x44", "\0\xe1\xf5\x05")),
        new("sphinx-transitions", "SphinxModelFiles.ReadTransitionMatrices(path): Sphinx-3 transition_matrices",
            bytes => SphinxModelFiles.ReadTransitionMatrices(AsFile(bytes)),
            new[] { typeof(InvalidDataException) },
            Bin("s3\n", "endhdr\n", "chksum0 yes\n", "chksum0 no\n", "\x44\x33\x22\x11", "\x11\x22\x33\x44")),
        new("sphinx-sendump", "SphinxModelFiles.ReadSendump(path): quantised mixture weights",
            bytes => SphinxModelFiles.ReadSendump(AsFile(bytes)),
            new[] { typeof(InvalidDataException) },
            Bin("feature_count ", "cluster_count 0\0", "mixture_count ", "\0\0\0\0", "\x10\0\0\0")),
        new("sphinx-featparams", "SphinxModelText.ReadFrontEndOptions(path): feat.params",
            bytes => SphinxModelText.ReadFrontEndOptions(AsFile(bytes)),
            new[] { typeof(ModelFormatException) },
            Text(NumberTokens, "-lowerf ", "-upperf ", "-nfilt ", "-transform ", "dct", "legacy", "-lifter ", "-feat ", "1s_c_d_dd", "-agc ",
                "-cmn ", "batch", "live", "-varnorm ", "-cmninit ", ",", "-samprate ", "-wlen ", "-frate ", "-nfft ", "-ncep ", "-alpha ",
                "-remove_noise ", "yes", "no", "-dither ", "-svspec ", "0-12/13-25/26-38")),
        new("sphinx-noisedict", "SphinxModelText.ReadNoiseDictionary(path): noisedict",
            bytes => SphinxModelText.ReadNoiseDictionary(AsFile(bytes)),
            new[] { typeof(InvalidDataException) },
            Text(NumberTokens, "<s>", "</s>", "<sil>", "SIL", "+NSN+", "[NOISE]")),
    };

    /// <summary>The target called <paramref name="name"/>, or null.</summary>
    public static Target? Find(string name)
    {
        foreach (Target t in All)
            if (string.Equals(t.Name, name, StringComparison.Ordinal)) return t;
        foreach (Target t in Sphinx)
            if (string.Equals(t.Name, name, StringComparison.Ordinal)) return t;
        return null;
    }

    /// <summary>Tokens of a text format: <paramref name="common"/> and <paramref name="more"/> in UTF-8.</summary>
    private static byte[][] Text(string[] common, params string[] more)
    {
        var all = new List<byte[]>();
        foreach (string s in common) all.Add(Encoding.UTF8.GetBytes(s));
        foreach (string s in more) all.Add(Encoding.UTF8.GetBytes(s));
        return all.ToArray();
    }

    /// <summary>Tokens of a binary format: each character one byte (Latin-1).</summary>
    private static byte[][] Bin(params string[] tokens) => Array.ConvertAll(tokens, s => Encoding.Latin1.GetBytes(s));

    /// <summary>
    /// A model file around <paramref name="input"/>: magic, version (byte 0 odd: the newest, AcousticModel.FormatVersion, even: 1), the payload length, the payload
    /// (the input from byte 1) and its SHA-256, so that the fuzzer reaches the payload parser instead of the checksum.
    /// </summary>
    public static byte[] WrapModelPayload(byte[] input)
    {
        int version = input.Length > 0 && (input[0] & 1) == 0 ? 1 : AcousticModel.FormatVersion;
        ReadOnlySpan<byte> payload = input.Length > 0 ? input.AsSpan(1) : ReadOnlySpan<byte>.Empty;
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Encoding.ASCII.GetBytes("HMMACMDL"));
            w.Write(version);
            w.Write((long)payload.Length);
            w.Write(payload);
            w.Write(SHA256.HashData(payload));
        }
        return ms.ToArray();
    }

    /// <summary>The payload of a model file (the inverse of <see cref="WrapModelPayload"/>), to seed model-payload.</summary>
    public static byte[] UnwrapModelPayload(byte[] file)
    {
        const int header = 8 + 4 + 8;
        int version = BitConverter.ToInt32(file, 8);
        long length = BitConverter.ToInt64(file, 12);
        var input = new byte[length + 1];
        input[0] = (byte)(version == 1 ? 0 : 1);
        Array.Copy(file, header, input, 1, length);
        return input;
    }
}

using System;
using System.Globalization;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using Hmm.Speech.Audio;
using System.Text;

namespace Hmm.Speech.Sphinx;

/// <summary>Where a triphone sits in its word (the Sphinx model definition's word positions).</summary>
public enum SphinxWordPosition
{
    /// <summary>Inside a word.</summary>
    Internal = 0,

    /// <summary>A word's first phone.</summary>
    Begin = 1,

    /// <summary>A word's last phone.</summary>
    End = 2,

    /// <summary>A one-phone word.</summary>
    WholeWord = 3,
}

/// <summary>
/// A CMU Sphinx model definition (the binary <c>mdef</c>, "BMDF"): the context-independent phones, every phone's
/// senone sequence and transition matrix, and the triphones with their word position and contexts. Read with
/// <see cref="Read"/>.
/// </summary>
public sealed class SphinxModelDefinition
{
    private readonly int[] _sequence;    // per phone: its senone sequence
    private readonly int[] _transition;  // per phone: its transition matrix
    private readonly byte[] _info;       // per phone: CI {filler, 0, 0, 0}; CD {word position, base, left, right}
    private readonly ushort[] _senones;  // [sequence][emitting state]
    private readonly Dictionary<(int Position, int Base, int Left, int Right), int> _triphones;

    private SphinxModelDefinition(string[] ciPhones, int phoneCount, int emittingStates, int ciSenones, int senones, int transitionMatrices,
        int silence, int[] sequence, int[] transition, byte[] info, ushort[] senoneTable)
    {
        CiPhones = ciPhones;
        PhoneCount = phoneCount;
        EmittingStates = emittingStates;
        CiSenoneCount = ciSenones;
        SenoneCount = senones;
        TransitionMatrixCount = transitionMatrices;
        Silence = silence;
        _sequence = sequence;
        _transition = transition;
        _info = info;
        _senones = senoneTable;
        _triphones = new Dictionary<(int, int, int, int), int>(phoneCount - ciPhones.Length);
        for (int p = ciPhones.Length; p < phoneCount; p++)
            _triphones[(info[4 * p], info[4 * p + 1], info[4 * p + 2], info[4 * p + 3])] = p;
    }

    /// <summary>The context-independent phones' names (their indices are the CI phone ids; the first phones of every triphone table).</summary>
    public IReadOnlyList<string> CiPhones { get; }

    /// <summary>Phones: the CI ones first, then the triphones.</summary>
    public int PhoneCount { get; }

    /// <summary>Emitting states per phone.</summary>
    public int EmittingStates { get; }

    /// <summary>Senones of the CI phones (the first senone ids).</summary>
    public int CiSenoneCount { get; }

    /// <summary>Senones (tied states) in all.</summary>
    public int SenoneCount { get; }

    /// <summary>Transition matrices (one per CI phone).</summary>
    public int TransitionMatrixCount { get; }

    /// <summary>The CI id of the silence phone.</summary>
    public int Silence { get; }

    /// <summary>Whether CI phone <paramref name="ciPhone"/> is a filler (silence, noise).</summary>
    public bool IsFiller(int ciPhone) => _info[4 * ciPhone] != 0;

    /// <summary>The senone of emitting state <paramref name="state"/> of phone <paramref name="phone"/>.</summary>
    public int Senone(int phone, int state) => _senones[_sequence[phone] * EmittingStates + state];

    /// <summary>The transition matrix of phone <paramref name="phone"/>.</summary>
    public int TransitionMatrix(int phone) => _transition[phone];

    /// <summary>The CI phone a phone is a variant of (itself for a CI phone).</summary>
    public int BaseOf(int phone) => phone < CiPhones.Count ? phone : _info[4 * phone + 1];

    /// <summary>The triphone <paramref name="ciBase"/> between <paramref name="left"/> and <paramref name="right"/> at <paramref name="position"/>, or -1 when the model has none.</summary>
    public int Triphone(int ciBase, int left, int right, SphinxWordPosition position) =>
        _triphones.TryGetValue(((int)position, ciBase, left, right), out int phone) ? phone : -1;

    /// <summary>The CI id of <paramref name="name"/>, or -1.</summary>
    public int CiPhone(string name)
    {
        for (int i = 0; i < CiPhones.Count; i++) if (CiPhones[i] == name) return i;
        return -1;
    }

    /// <summary>Reads a binary <c>mdef</c> (either byte order).</summary>
    /// <exception cref="InvalidDataException">Not a binary model definition, truncated, trailing bytes, or a table that points outside another (the message names the file).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static SphinxModelDefinition Read(string path)
    {
        Guard.NotNull(path, nameof(path));
        byte[] d = File.ReadAllBytes(path);
        InvalidDataException Error(string problem) => new($"{path}: {problem}");
        if (d.Length < 12) throw Error($"{d.Length} bytes: not a binary Sphinx model definition.");
        string magic = Encoding.ASCII.GetString(d, 0, 4);
        bool swap = magic == "FDMB";
        if (!swap && magic != "BMDF") throw Error("not a binary Sphinx model definition (no BMDF magic; a text mdef needs pocketsphinx_mdef_convert -bin).");
        int position = 4;
        int Int(string what)
        {
            if (position + 4 > d.Length) throw Error($"truncated in {what} (at byte {position} of {d.Length}).");
            uint v = BitConverter.ToUInt32(d, position);
            position += 4;
            if (swap) v = BinaryPrimitives.ReverseEndianness(v);
            return (int)v;
        }
        ushort Short(int at) => swap ? BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(at)) : BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(at));
        int version = Int("the version");
        if (version != 1) throw Error($"version {version}; only version 1 is known.");
        int description = Int("the description length");
        // Compared as description > d.Length - position: position + description overflows for a length near int.MaxValue.
        if (description < 0 || description > d.Length - position) throw Error($"truncated in the description ({description} bytes).");
        position += description;
        int ciCount = Int("n_ciphone"), phones = Int("n_phone"), emitting = Int("n_emit_state"), ciSenones = Int("n_ci_sen"), senones = Int("n_sen"),
            matrices = Int("n_tmat"), sequences = Int("n_sseq"), contexts = Int("n_ctx"), tree = Int("n_cd_tree"), silence = Int("sil");
        if (ciCount < 1 || phones < ciCount || emitting < 1 || senones < ciSenones || matrices < 1 || sequences < 1 || tree < 0 || contexts != 3
            || silence < 0 || silence >= ciCount)
            throw Error($"inconsistent counts: {ciCount} CI phones, {phones} phones, {emitting} states, {senones} senones, {matrices} matrices, {sequences} sequences, {contexts} contexts, silence {silence}.");
        // Each name takes at least its terminating zero byte: a corrupt count must not size the array (up to 16 GB).
        if (ciCount > d.Length - position) throw Error($"truncated in the CI phone names ({ciCount} names, {d.Length - position} bytes left).");
        var names = new string[ciCount];
        for (int i = 0; i < ciCount; i++)
        {
            int end = Array.IndexOf(d, (byte)0, position);
            if (end < 0) throw Error("truncated in the CI phone names.");
            names[i] = Encoding.ASCII.GetString(d, position, end - position);
            position = end + 1;
        }
        position = (position + 3) / 4 * 4;
        // The context tree (8 bytes a node) serves pocketsphinx's lookup; the phone table below carries the same triphones.
        long treeBytes = 8L * tree;
        if (position + treeBytes > d.Length) throw Error("truncated in the context tree.");
        position += (int)treeBytes;
        if (position + 12L * phones > d.Length) throw Error("truncated in the phone table.");
        var sequence = new int[phones];
        var transition = new int[phones];
        var info = new byte[4 * phones];
        for (int p = 0; p < phones; p++)
        {
            sequence[p] = Int("the phone table");
            transition[p] = Int("the phone table");
            Array.Copy(d, position, info, 4 * p, 4);
            position += 4;
            if (sequence[p] < 0 || sequence[p] >= sequences) throw Error($"phone {p}'s senone sequence {sequence[p]} is outside the {sequences} sequences.");
            if (transition[p] < 0 || transition[p] >= matrices) throw Error($"phone {p}'s transition matrix {transition[p]} is outside the {matrices} matrices.");
            if (p >= ciCount && (info[4 * p] > 3 || info[4 * p + 1] >= ciCount || info[4 * p + 2] >= ciCount || info[4 * p + 3] >= ciCount))
                throw Error($"phone {p}'s word position or contexts ({info[4 * p]}, {info[4 * p + 1]}, {info[4 * p + 2]}, {info[4 * p + 3]}) are out of range.");
        }
        int size = Int("the senone sequence size");
        if (size != (long)sequences * emitting) throw Error($"the senone sequences hold {size} values, not {sequences} x {emitting}.");
        if (position + 2L * size != d.Length)
            throw Error(position + 2L * size > d.Length ? "truncated in the senone sequences." : $"{d.Length - position - 2L * size} bytes follow the senone sequences.");
        var table = new ushort[size];
        for (int i = 0; i < size; i++)
        {
            table[i] = Short(position + 2 * i);
            if (table[i] >= senones) throw Error($"senone {table[i]} in sequence {i / emitting} is outside the {senones} senones.");
        }
        return new SphinxModelDefinition(names, phones, emitting, ciSenones, senones, matrices, silence, sequence, transition, info, table);
    }
}

/// <summary>
/// A Sphinx model's <c>feat.params</c> (its front end and feature set, one <c>-name value</c> per line) and
/// <c>noisedict</c> (filler words and their phones).
/// </summary>
public static class SphinxModelText
{
    /// <summary>The options of a <c>feat.params</c> file, names without the dash (<c>lowerf</c> → <c>130</c>).</summary>
    /// <exception cref="InvalidDataException">A line is not <c>-name value</c> (the message names the file and line).</exception>
    public static IReadOnlyDictionary<string, string> ReadFeatureParameters(string path)
    {
        Guard.NotNull(path, nameof(path));
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        int number = 0;
        foreach (string raw in File.ReadAllLines(path))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            int space = line.IndexOf(' ');
            int tab = line.IndexOf('\t');
            if (tab >= 0 && (space < 0 || tab < space)) space = tab;
            if (line[0] != '-' || space < 2) throw new InvalidDataException($"{path}:{number}: '{line}' is not '-name value'.");
            options[line.Substring(1, space - 1)] = line.Substring(space + 1).Trim();
        }
        return options;
    }

    /// <summary>
    /// The front end a Sphinx model's <c>feat.params</c> asks for, as <see cref="FrontEndOptions"/>: Sphinx's defaults
    /// (pocketsphinx 5prealpha: 16 kHz, <c>-frate 100</c>, <c>-wlen 0.025625</c>, <c>-alpha 0.97</c>, <c>-nfft 512</c>,
    /// <c>-ncep 13</c>, <c>-remove_noise yes</c>, no dither, round filters, unit area; <see cref="FrontEndOptions.SphinxEnUs"/>)
    /// overridden by the file. Debian's <c>en-us/feat.params</c> gives exactly <see cref="FrontEndOptions.SphinxEnUs"/>.
    /// <c>-svspec</c> (the stream split) and <c>-model</c> concern the acoustic model and are not checked here.
    /// </summary>
    /// <exception cref="ModelFormatException">An option is unknown, malformed, or asks for something this front end does
    /// not do (e.g. <c>-agc max</c>, <c>-transform legacy</c>, <c>-feat s2_4x</c>, <c>-cmn live</c>); the message names the
    /// file and the option.</exception>
    public static FrontEndOptions ReadFrontEndOptions(string path)
    {
        Guard.NotNull(path, nameof(path));
        IReadOnlyDictionary<string, string> parameters;
        try
        {
            parameters = ReadFeatureParameters(path);
        }
        catch (InvalidDataException e)
        {
            throw new ModelFormatException(path, e.Message, e);
        }
        var o = FrontEndOptions.SphinxEnUs;
        string? cmnInit = null;
        foreach (var (name, value) in parameters)
        {
            ModelFormatException Refuse(string why) => new(path, $"-{name} {value}: {why}");
            double Number()
            {
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v)) throw Refuse("not a number");
                return v;
            }
            int Integer()
            {
                if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)) throw Refuse("not an integer");
                return v;
            }
            void Only(string supported, string why)
            {
                if (!string.Equals(value, supported, StringComparison.OrdinalIgnoreCase)) throw Refuse(why);
            }
            bool YesNo()
            {
                if (value is "yes" or "true" or "1") return true;
                if (value is "no" or "false" or "0") return false;
                throw Refuse("not yes or no");
            }
            switch (name)
            {
                case "samprate": o = o with { SampleRate = (int)Number() }; break;
                case "frate":
                    o = o with { HopLengthMs = 1000.0 / Integer() };
                    break;
                case "wlen": o = o with { FrameLengthMs = Math.Round(Number() * 1000, 9) }; break;
                case "alpha": o = o with { PreEmphasis = (float)Number() }; break;
                case "nfft": o = o with { FftSize = Integer() }; break;
                case "nfilt": o = o with { MelFilterCount = Integer() }; break;
                case "lowerf": o = o with { LowFrequencyHz = Number() }; break;
                case "upperf": o = o with { HighFrequencyHz = Number() }; break;
                case "ncep": o = o with { CepstralCount = Integer() }; break;
                case "lifter": o = o with { LifterCoefficient = Integer() }; break;
                case "transform": Only("dct", "only the orthonormal DCT-II (-transform dct) is implemented"); break;
                case "round_filters": Only("yes", "only filters rounded to FFT bins are implemented"); break;
                case "unit_area": Only("yes", "only unit-area filters are implemented"); break;
                case "doublebw": Only("no", "double-bandwidth filters are not implemented"); break;
                case "dither": Only("no", "dither is random and not implemented"); break;
                case "remove_dc": Only("no", "DC removal is not implemented"); break;
                case "warp_type": Only("inverse_linear", "frequency warping is not implemented"); break;
                case "agc": Only("none", "automatic gain control is not implemented"); break;
                case "varnorm": Only("no", "variance normalisation of the cepstra is not implemented"); break;
                case "remove_noise": o = o with { NoiseRemoval = YesNo() }; break;
                case "feat": Only("1s_c_d_dd", "only the 1s_c_d_dd feature type is implemented"); break;
                case "cmn":
                    if (value == "batch") o = o with { Normalization = CmvnMode.SphinxCepstralMean };
                    else if (value == "none") o = o with { Normalization = CmvnMode.None };
                    else throw Refuse("only batch or none (live CMN is what the streaming pipeline does with batch) is implemented");
                    break;
                case "cmninit": cmnInit = value; break;
                case "svspec":
                case "model":
                    break;
                default: throw Refuse("not a front-end option this library knows");
            }
        }
        o = o with { LiveCmnInitialMean = cmnInit };
        if (Math.Abs(o.FrameLength - o.SampleRate * o.FrameLengthMs / 1000) > 1e-6 || Math.Abs(o.HopLength - o.SampleRate * o.HopLengthMs / 1000) > 1e-6)
            throw new ModelFormatException(path, $"-wlen/-frate give {o.SampleRate * o.FrameLengthMs / 1000} and {o.SampleRate * o.HopLengthMs / 1000} samples; only whole samples are implemented");
        try
        {
            o.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException(path, e.Message, e);
        }
        return o;
    }

    /// <summary>The filler words of a <c>noisedict</c> file and their phones (<c>&lt;sil&gt;</c> → <c>SIL</c>).</summary>
    /// <exception cref="InvalidDataException">A line is not <c>word phone...</c> (the message names the file and line).</exception>
    public static IReadOnlyDictionary<string, string[]> ReadNoiseDictionary(string path)
    {
        Guard.NotNull(path, nameof(path));
        var words = new Dictionary<string, string[]>(StringComparer.Ordinal);
        int number = 0;
        foreach (string raw in File.ReadAllLines(path))
        {
            number++;
            string[] parts = raw.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) continue;
            if (parts.Length < 2) throw new InvalidDataException($"{path}:{number}: '{raw.Trim()}' has a word but no phone.");
            words[parts[0]] = parts[1..];
        }
        return words;
    }
}

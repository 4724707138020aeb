using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Hmm.Speech.Audio;

namespace Hmm.Speech;

/// <summary>
/// Phone models for alignment: every phone of <see cref="Phones"/> is a left-to-right chain of
/// <see cref="StatesPerPhone"/> emitting states, each with a self-loop probability and a diagonal-covariance
/// Gaussian mixture over the features of <see cref="FrontEnd"/>. Emitting state <c>s = phone * StatesPerPhone + k</c>.
/// Immutable; <see cref="Emissions"/> is the engine's view of all states (components padded with zero weight to
/// the largest mixture).
/// </summary>
public sealed class AcousticModel : IAcousticModel
{
    /// <summary>
    /// The newest file format version this build writes (4: per-phone duration histograms after the boundary offsets,
    /// written only for a model that has <see cref="Durations"/>; a model without them is written as version 3, byte for
    /// byte as before). It also reads version 3 (the front end's noise-removal flag) and version 1 (no noise removal).
    /// </summary>
    public const int FormatVersion = 4;

    /// <summary>The version written for a model without <see cref="Durations"/>.</summary>
    private const int FormatVersionWithoutDurations = 3;

    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("HMMACMDL");

    private readonly float[][] _weights;
    private readonly float[][] _means;
    private readonly float[][] _variances;
    private readonly float[] _selfLoops;
    private readonly float[,] _offsets;

    /// <summary>Number of <see cref="PhoneClass"/> values (the size of each axis of the boundary offset table).</summary>
    public const int ClassCount = (int)PhoneClass.Other + 1;

    /// <summary>Creates a model. Arrays are indexed by emitting state; each state's means and variances hold K * D values.</summary>
    /// <param name="frontEnd">The feature set-up the model was trained on.</param>
    /// <param name="phones">The phone inventory.</param>
    /// <param name="statesPerPhone">Emitting states per phone (1 or more).</param>
    /// <param name="weights">Mixture weights per state (each row sums to one).</param>
    /// <param name="means">Component means per state, component-major.</param>
    /// <param name="variances">Component variances per state, component-major, positive.</param>
    /// <param name="selfLoops">Self-loop probability per state, in (0, 1).</param>
    /// <param name="description">Free text: how the model was made.</param>
    /// <param name="boundaryOffsets">
    /// Systematic boundary offsets in seconds by phone class pair, <c>[class before, class after]</c> over
    /// <see cref="PhoneClass"/> (hypothesis minus reference, measured on the training data); null for none. The
    /// aligner subtracts them (see <see cref="BoundaryOffset"/>).
    /// </param>
    /// <exception cref="ArgumentException">Shapes disagree or a value is out of range (the message names which).</exception>
    public AcousticModel(FrontEndOptions frontEnd, PhoneSet phones, int statesPerPhone, float[][] weights, float[][] means, float[][] variances, float[] selfLoops, string description = "", float[,]? boundaryOffsets = null)
    {
        _offsets = new float[ClassCount, ClassCount];
        if (boundaryOffsets is not null)
        {
            if (boundaryOffsets.GetLength(0) != ClassCount || boundaryOffsets.GetLength(1) != ClassCount)
                throw new ArgumentException($"boundaryOffsets must be [{ClassCount}, {ClassCount}] (one per phone class pair).", nameof(boundaryOffsets));
            foreach (float o in boundaryOffsets)
                if (!(Math.Abs(o) <= 0.1f)) throw new ArgumentException($"a boundary offset is {o} s; offsets must be finite and within 0.1 s.", nameof(boundaryOffsets));
            Array.Copy(boundaryOffsets, _offsets, _offsets.Length);
        }
        FrontEnd = frontEnd ?? throw new ArgumentNullException(nameof(frontEnd));
        frontEnd.Validate();
        Phones = phones ?? throw new ArgumentNullException(nameof(phones));
        if (statesPerPhone < 1) throw new ArgumentOutOfRangeException(nameof(statesPerPhone), statesPerPhone, "statesPerPhone must be at least 1.");
        StatesPerPhone = statesPerPhone;
        int s = phones.Count * statesPerPhone, d = frontEnd.FeatureDimension;
        CheckLength(weights, s, nameof(weights));
        CheckLength(means, s, nameof(means));
        CheckLength(variances, s, nameof(variances));
        CheckLength(selfLoops, s, nameof(selfLoops));
        int maxK = 0;
        for (int j = 0; j < s; j++)
        {
            int k = weights[j]?.Length ?? 0;
            if (k == 0) throw new ArgumentException($"state {StateName(j)} has no mixture components.", nameof(weights));
            if (means[j]?.Length != k * d) throw new ArgumentException($"means of state {StateName(j)} hold {means[j]?.Length ?? 0} values, expected {k} x {d}.", nameof(means));
            if (variances[j]?.Length != k * d) throw new ArgumentException($"variances of state {StateName(j)} hold {variances[j]?.Length ?? 0} values, expected {k} x {d}.", nameof(variances));
            double sum = 0;
            foreach (float w in weights[j])
            {
                if (!(w > 0) || float.IsInfinity(w)) throw new ArgumentException($"a weight of state {StateName(j)} is {w}; weights must be positive.", nameof(weights));
                sum += w;
            }
            if (Math.Abs(sum - 1) > 1e-3) throw new ArgumentException($"weights of state {StateName(j)} sum to {sum:G6}, not 1.", nameof(weights));
            foreach (float m in means[j]) if (float.IsNaN(m) || float.IsInfinity(m)) throw new ArgumentException($"a mean of state {StateName(j)} is {m}.", nameof(means));
            foreach (float v in variances[j]) if (!(v >= 1e-6f) || float.IsInfinity(v)) throw new ArgumentException($"a variance of state {StateName(j)} is {v}; variances must be at least 1e-6 and finite.", nameof(variances));
            if (!(selfLoops[j] > 0 && selfLoops[j] < 1)) throw new ArgumentException($"the self-loop probability of state {StateName(j)} is {selfLoops[j]}; it must be in (0, 1).", nameof(selfLoops));
            maxK = Math.Max(maxK, k);
        }
        _weights = weights;
        _means = means;
        _variances = variances;
        _selfLoops = selfLoops;
        Description = description ?? "";
        MaxComponents = maxK;
        Emissions = BuildEmissions(maxK, d);
    }

    /// <summary>
    /// This model with other component means (same shapes, finite: the caller's MAP or MLLR update of a valid model):
    /// weights, variances, self-loops and tables are shared, and the emissions are rebuilt without re-validating what
    /// did not change (an adaptation round makes one of these; the full constructor cost milliseconds per round).
    /// </summary>
    internal AcousticModel WithMeans(float[][] means) => new(this, means);

    private AcousticModel(AcousticModel source, float[][] means)
    {
        int d = source.FrontEnd.FeatureDimension;
        if (means.Length != source._means.Length) throw new ArgumentException($"means has {means.Length} states, expected {source._means.Length}.", nameof(means));
        for (int j = 0; j < means.Length; j++)
        {
            if (means[j]?.Length != source._means[j].Length) throw new ArgumentException($"means of state {source.StateName(j)} hold {means[j]?.Length ?? 0} values, expected {source._means[j].Length}.", nameof(means));
            foreach (float m in means[j]) if (float.IsNaN(m) || float.IsInfinity(m)) throw new ArgumentException($"a mean of state {source.StateName(j)} is {m}.", nameof(means));
        }
        _weights = source._weights;
        _means = means;
        _variances = source._variances;
        _selfLoops = source._selfLoops;
        _offsets = source._offsets;
        FrontEnd = source.FrontEnd;
        Phones = source.Phones;
        StatesPerPhone = source.StatesPerPhone;
        Description = source.Description;
        MaxComponents = source.MaxComponents;
        Emissions = source.Emissions.WithMeans(FlatMeans(means, source.MaxComponents, d));
    }

    /// <summary>Means as <see cref="GaussianMixtureEmissions"/> holds them: [N, K, D] with padding components copying component 0.</summary>
    private static float[] FlatMeans(float[][] means, int k, int d)
    {
        var flat = new float[means.Length * k * d];
        for (int j = 0; j < means.Length; j++)
        {
            int kj = means[j].Length / d;
            for (int c = 0; c < k; c++) Array.Copy(means[j], (c < kj ? c : 0) * d, flat, (j * k + c) * d, d);
        }
        return flat;
    }

    private static void CheckLength<T>(T[] array, int expected, string name)
    {
        if (array is null) throw new ArgumentNullException(name);
        if (array.Length != expected) throw new ArgumentException($"{name} has {array.Length} entries, expected one per emitting state ({expected}).", name);
    }

    /// <summary>The feature set-up the model reads.</summary>
    public FrontEndOptions FrontEnd { get; }

    /// <summary>The phones the model knows.</summary>
    public PhoneSet Phones { get; }

    /// <summary>Emitting states per phone.</summary>
    public int StatesPerPhone { get; }

    /// <summary>Emitting states in all: phones x states per phone.</summary>
    public int StateCount => Phones.Count * StatesPerPhone;

    /// <summary>The largest mixture of any state.</summary>
    public int MaxComponents { get; }

    /// <summary>How the model was made (training data, options), as stored in the file.</summary>
    public string Description { get; }

    /// <summary>All emitting states as one mixture model for the engines.</summary>
    public GaussianMixtureEmissions Emissions { get; }

    /// <summary>The systematic offset (seconds, hypothesis minus reference) of boundaries from class <paramref name="before"/> to class <paramref name="after"/>; 0 when none was measured.</summary>
    public float BoundaryOffset(PhoneClass before, PhoneClass after) => _offsets[(int)before, (int)after];

    /// <summary>A copy of the boundary offset table, <c>[class before, class after]</c>.</summary>
    public float[,] BoundaryOffsets() => (float[,])_offsets.Clone();

    /// <summary>This model with another boundary offset table.</summary>
    public AcousticModel WithBoundaryOffsets(float[,]? offsets) =>
        new(FrontEnd, Phones, StatesPerPhone, _weights, _means, _variances, _selfLoops, Description, offsets) { Durations = Durations };

    /// <summary>This model with another description.</summary>
    public AcousticModel WithDescription(string description) =>
        new(FrontEnd, Phones, StatesPerPhone, _weights, _means, _variances, _selfLoops, description, _offsets) { Durations = Durations };

    /// <summary>
    /// Per-phone duration distributions learned from the training labels (null: none; <c>hmm train --durations</c> adds
    /// them), in frames of this model's hop: what duration-aware alignment (<see cref="ForcedAlignerOptions.Durations"/>) reads.
    /// </summary>
    public PhoneDurations? Durations { get; private init; }

    /// <summary>This model with other duration distributions (null: none).</summary>
    /// <exception cref="ArgumentException">Their phones or frame hop differ from the model's.</exception>
    public AcousticModel WithDurations(PhoneDurations? durations)
    {
        if (durations is not null)
        {
            if (!durations.Phones.Phones.SequenceEqual(Phones.Phones))
                throw new ArgumentException("the durations were learned for another phone set than the model's.", nameof(durations));
            if (Math.Abs(durations.FrameSeconds - FrontEnd.HopLengthMs / 1000) > 1e-9)
                throw new ArgumentException($"the durations count frames of {durations.FrameSeconds * 1000} ms but the model's hop is {FrontEnd.HopLengthMs} ms.", nameof(durations));
        }
        return new(FrontEnd, Phones, StatesPerPhone, _weights, _means, _variances, _selfLoops, Description, _offsets) { Durations = durations };
    }

    /// <summary>Self-loop probability of emitting state <paramref name="state"/>.</summary>
    public float SelfLoop(int state) => _selfLoops[state];

    /// <summary>Mixture components of emitting state <paramref name="state"/>.</summary>
    public int ComponentCount(int state) => _weights[state].Length;

    /// <summary>Weights of a state's components.</summary>
    public ReadOnlySpan<float> Weights(int state) => _weights[state];

    /// <summary>Means of a state's components, component-major (K x D).</summary>
    public ReadOnlySpan<float> Means(int state) => _means[state];

    /// <summary>Variances of a state's components, component-major (K x D).</summary>
    public ReadOnlySpan<float> Variances(int state) => _variances[state];

    /// <summary>Emitting state index of sub-state <paramref name="subState"/> of phone <paramref name="phone"/>.</summary>
    public int StateOf(int phone, int subState) => phone * StatesPerPhone + subState;

    /// <inheritdoc/>
    /// <remarks>This model's states do not depend on context: token p's sub-state k is <see cref="StateOf"/>.</remarks>
    public void StatesInContext(ReadOnlySpan<int> phones, PhoneSequence sequence, Span<int> states)
    {
        if (states.Length < phones.Length * StatesPerPhone)
            throw new ArgumentException($"states holds {states.Length} values but {phones.Length} tokens x {StatesPerPhone} states need {phones.Length * StatesPerPhone}.", nameof(states));
        for (int p = 0; p < phones.Length; p++)
            for (int k = 0; k < StatesPerPhone; k++) states[p * StatesPerPhone + k] = StateOf(phones[p], k);
    }

    EmissionModel IAcousticModel.Emissions => Emissions;

    private string StateName(int j) => Phones[j / StatesPerPhone] + "." + (j % StatesPerPhone).ToString(CultureInfo.InvariantCulture);

    private GaussianMixtureEmissions BuildEmissions(int k, int d)
    {
        int s = StateCount;
        var w = new float[s, k];
        var m = new float[s, k, d];
        var v = new float[s, k, d];
        for (int j = 0; j < s; j++)
        {
            int kj = _weights[j].Length;
            for (int c = 0; c < k; c++)
            {
                // Padding components carry weight 0 (log weight -inf): they never contribute.
                int src = c < kj ? c : 0;
                w[j, c] = c < kj ? _weights[j][c] : 0f;
                for (int e = 0; e < d; e++)
                {
                    m[j, c, e] = _means[j][src * d + e];
                    v[j, c, e] = _variances[j][src * d + e];
                }
            }
        }
        return new GaussianMixtureEmissions(w, m, v);
    }

    // ------------------------------------------------------------------ file format

    /// <summary>
    /// Writes the model: "HMMACMDL", format version (int32), payload length (int64), payload, SHA-256 of the payload.
    /// The payload holds the description, the front-end options, the phones with classes, per state the
    /// self-loop and the mixture (weights, means, variances as float32), and the boundary offset table.
    /// </summary>
    public void Save(string path)
    {
        Guard.NotNull(path, nameof(path));
        using var file = File.Create(path);
        Save(file);
    }

    /// <summary>Writes the model to a stream (see <see cref="Save(string)"/>).</summary>
    /// <exception cref="NotSupportedException">The front end uses a setting the file format does not record (the CMU Sphinx
    /// variants: <see cref="FrontEndOptions.FilterBank"/>, <see cref="FrontEndOptions.SampleScale"/>, ...); saving it would
    /// silently give another front end on loading.</exception>
    public void Save(Stream stream)
    {
        Guard.NotNull(stream, nameof(stream));
        byte[] payload = Payload();
        byte[] digest = Sha256(payload, 0, payload.Length);
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(Durations is null ? FormatVersionWithoutDurations : FormatVersion);
        w.Write((long)payload.Length);
        w.Write(payload);
        w.Write(digest);
    }

    private byte[] Payload()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Description);
            WriteFrontEnd(w, FrontEnd);
            w.Write(Phones.Count);
            for (int p = 0; p < Phones.Count; p++)
            {
                w.Write(Phones[p]);
                w.Write((int)Phones.ClassOf(p));
            }
            w.Write(StatesPerPhone);
            w.Write(FrontEnd.FeatureDimension);
            for (int j = 0; j < StateCount; j++)
            {
                w.Write(_selfLoops[j]);
                w.Write(_weights[j].Length);
                foreach (float x in _weights[j]) w.Write(x);
                foreach (float x in _means[j]) w.Write(x);
                foreach (float x in _variances[j]) w.Write(x);
            }
            w.Write(ClassCount);
            foreach (float x in _offsets) w.Write(x);
            Durations?.Write(w);
        }
        return ms.ToArray();
    }

    private static void WriteFrontEnd(BinaryWriter w, FrontEndOptions o)
    {
        // Settings added after format version 3 are not stored; refuse any that differs from the value a load gives back.
        var stored = o with
        {
            FilterBank = MelFilterBankStyle.Htk,
            SampleScale = 1,
            LogFloorStyle = LogFloorStyle.Maximum,
            NoiseRemovalStyle = NoiseRemovalStyle.HopScaled,
            DeltaStyle = DeltaStyle.Regression,
            FinalPartialFrame = false,
            LiveCmnInitialMean = null,
        };
        if (stored != o || o.Normalization == CmvnMode.SphinxCepstralMean)
        {
            throw new NotSupportedException(
                $"The model file format does not record these front-end settings, so the model cannot be saved with them: {DescribeDifference(stored, o)}" +
                (o.Normalization == CmvnMode.SphinxCepstralMean ? "; Normalization: SphinxCepstralMean" : "") + ".");
        }
        w.Write(o.SampleRate);
        w.Write(o.FrameLengthMs);
        w.Write(o.HopLengthMs);
        w.Write(o.PreEmphasis);
        w.Write((int)o.Window);
        w.Write(o.FftSize);
        w.Write(o.MelFilterCount);
        w.Write(o.LowFrequencyHz);
        w.Write(o.HighFrequencyHz.HasValue);
        w.Write(o.HighFrequencyHz ?? 0);
        w.Write((int)o.Kind);
        w.Write(o.CepstralCount);
        w.Write((int)o.Energy);
        w.Write(o.LifterCoefficient);
        w.Write(o.LogFloor);
        w.Write(o.DeltaOrder);
        w.Write(o.DeltaWindow);
        w.Write((int)o.Normalization);
        w.Write(o.NoiseRemoval);
    }

    private static FrontEndOptions ReadFrontEnd(BinaryReader r, int version)
    {
        var options = ReadFrontEndVersion1(r);
        return version >= 3 ? options with { NoiseRemoval = r.ReadBoolean() } : options;
    }

    private static FrontEndOptions ReadFrontEndVersion1(BinaryReader r) => new()
    {
        SampleRate = r.ReadInt32(),
        FrameLengthMs = r.ReadDouble(),
        HopLengthMs = r.ReadDouble(),
        PreEmphasis = r.ReadSingle(),
        Window = (FrontEndWindow)r.ReadInt32(),
        FftSize = r.ReadInt32(),
        MelFilterCount = r.ReadInt32(),
        LowFrequencyHz = r.ReadDouble(),
        HighFrequencyHz = ReadOptional(r),
        Kind = (FeatureKind)r.ReadInt32(),
        CepstralCount = r.ReadInt32(),
        Energy = (EnergyTerm)r.ReadInt32(),
        LifterCoefficient = r.ReadInt32(),
        LogFloor = r.ReadSingle(),
        DeltaOrder = r.ReadInt32(),
        DeltaWindow = r.ReadInt32(),
        Normalization = (CmvnMode)r.ReadInt32(),
    };

    private static double? ReadOptional(BinaryReader r)
    {
        bool has = r.ReadBoolean();
        double v = r.ReadDouble();
        return has ? v : null;
    }

    /// <summary>Name of the model that ships inside this assembly, as messages name it.</summary>
    public const string DefaultModelName = "default.hmmam (built in)";

    /// <summary>
    /// Reads the default model that ships inside this assembly: 39 phones and silence trained on the speech-dev
    /// voices (Hmm.Speech/Data/README.md says how). Each call reads a new copy.
    /// </summary>
    public static AcousticModel LoadDefault()
    {
        using var stream = typeof(AcousticModel).Assembly.GetManifestResourceStream("Hmm.Speech.default.hmmam")
            ?? throw new InvalidOperationException("the default model is missing from the Hmm.Speech assembly (resource Hmm.Speech.default.hmmam).");
        return Load(stream, DefaultModelName);
    }

    /// <summary>Reads a model file; see <see cref="Load(Stream, string, FrontEndOptions?)"/>.</summary>
    public static AcousticModel Load(string path, FrontEndOptions? requiredFrontEnd = null)
    {
        Guard.NotNull(path, nameof(path));
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: model file not found.", path);
        using var file = File.OpenRead(path);
        return Load(file, path, requiredFrontEnd);
    }

    /// <summary>
    /// Reads a model. Every failure is a <see cref="ModelFormatException"/> naming <paramref name="name"/>: not a
    /// model file, truncated, a newer format version, checksum mismatch (corrupt), invalid content, or, when
    /// <paramref name="requiredFrontEnd"/> is given, features computed another way (the message names the first
    /// differing setting).
    /// </summary>
    /// <param name="stream">The model bytes.</param>
    /// <param name="name">The file name for messages.</param>
    /// <param name="requiredFrontEnd">The feature set-up the caller computes; null accepts the model's own.</param>
    public static AcousticModel Load(Stream stream, string name, FrontEndOptions? requiredFrontEnd = null)
    {
        Guard.NotNull(stream, nameof(stream));
        name ??= "(stream)";
        using var all = new MemoryStream();
        stream.CopyTo(all);
        byte[] bytes = all.ToArray();
        const int header = 8 + 4 + 8;
        if (bytes.Length < Magic.Length || !StartsWithMagic(bytes))
            throw new ModelFormatException(name, "not an Hmm acoustic model (the file does not start with \"HMMACMDL\").");
        if (bytes.Length < header) throw new ModelFormatException(name, $"truncated: {bytes.Length} bytes, shorter than the {header}-byte header.");
        int version = BitConverter.ToInt32(bytes, 8);
        if (version == 2)
            throw new ModelFormatException(name, "format version 2 (a model with learned boundary-refinement weights) is no longer read: the refinement measured no gain and was removed; retrain the model with this build.");
        if (version > FormatVersion)
            throw new ModelFormatException(name, $"format version {version} is newer than this build of Hmm reads (up to {FormatVersion}); use a newer Hmm or retrain the model with this one.");
        if (version < 1) throw new ModelFormatException(name, $"invalid format version {version}.");
        long length = BitConverter.ToInt64(bytes, 12);
        if (length < 0) throw new ModelFormatException(name, $"invalid payload length {length}.");
        long expected = header + length + 32;
        if (bytes.Length < expected) throw new ModelFormatException(name, $"truncated: {bytes.Length} bytes, but the header declares {expected} (payload {length} + checksum 32).");
        if (bytes.Length > expected) throw new ModelFormatException(name, $"{bytes.Length - expected} unexpected bytes after the checksum (corrupt or concatenated file).");
        byte[] digest = Sha256(bytes, header, (int)length);
        for (int i = 0; i < 32; i++)
        {
            if (digest[i] != bytes[header + length + i])
                throw new ModelFormatException(name, "checksum mismatch: the file is corrupt (its SHA-256 does not match the stored one).");
        }
        AcousticModel model;
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, header, (int)length), Encoding.UTF8);
            string description = r.ReadString();
            var frontEnd = ReadFrontEnd(r, version);
            frontEnd.Validate();
            int phoneCount = r.ReadInt32();
            if (phoneCount < 1 || phoneCount > 10000) throw new InvalidDataException($"phone count {phoneCount} is out of range.");
            var names = new string[phoneCount];
            var classes = new PhoneClass[phoneCount];
            for (int p = 0; p < phoneCount; p++)
            {
                names[p] = r.ReadString();
                classes[p] = (PhoneClass)r.ReadInt32();
            }
            int statesPerPhone = r.ReadInt32();
            int d = r.ReadInt32();
            if (statesPerPhone < 1 || statesPerPhone > 100) throw new InvalidDataException($"states per phone {statesPerPhone} is out of range.");
            if (d != frontEnd.FeatureDimension) throw new InvalidDataException($"feature dimension {d} disagrees with the front end's {frontEnd.FeatureDimension}.");
            int s = phoneCount * statesPerPhone;
            var weights = new float[s][];
            var means = new float[s][];
            var variances = new float[s][];
            var loops = new float[s];
            for (int j = 0; j < s; j++)
            {
                loops[j] = r.ReadSingle();
                int k = r.ReadInt32();
                if (k < 1 || k > 4096) throw new InvalidDataException($"state {j} has {k} components.");
                weights[j] = ReadFloats(r, k);
                means[j] = ReadFloats(r, k * d);
                variances[j] = ReadFloats(r, k * d);
            }
            int classCount = r.ReadInt32();
            if (classCount != ClassCount) throw new InvalidDataException($"the boundary offset table has {classCount} classes, expected {ClassCount}.");
            var offsets = new float[ClassCount, ClassCount];
            for (int a = 0; a < ClassCount; a++) for (int b = 0; b < ClassCount; b++) offsets[a, b] = r.ReadSingle();
            var phoneSet = new PhoneSet(names, classes);
            var durations = version >= 4 ? PhoneDurations.Read(r, phoneSet) : null;
            if (r.BaseStream.Position != r.BaseStream.Length)
                throw new InvalidDataException($"{r.BaseStream.Length - r.BaseStream.Position} bytes left over after the {(durations is null ? "boundary offsets" : "durations")}.");
            model = new AcousticModel(frontEnd, phoneSet, statesPerPhone, weights, means, variances, loops, description, offsets) { Durations = durations };
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or ArgumentException)
        {
            throw new ModelFormatException(name, $"invalid content: {e.Message}", e);
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            // BinaryReader.ReadString on a corrupt length prefix: more than five 7-bit bytes (FormatException) or a
            // negative length (IOException). Found by fuzzing (tools/Hmm.Fuzz); the checksum matched, so the writer was wrong.
            throw new ModelFormatException(name, $"invalid content: a string (the description or a phone name) has a corrupt length prefix ({e.Message})", e);
        }
        if (requiredFrontEnd is not null && requiredFrontEnd != model.FrontEnd)
        {
            throw new ModelFormatException(name, $"the model was trained on other features than this front end computes ({DescribeDifference(model.FrontEnd, requiredFrontEnd)}); retrain it or use matching front-end options.");
        }
        return model;
    }

    private static byte[] Sha256(byte[] data, int offset, int count)
    {
#if NET5_0_OR_GREATER
        return SHA256.HashData(data.AsSpan(offset, count));
#else
        using var hash = SHA256.Create();
        return hash.ComputeHash(data, offset, count);
#endif
    }

    private static bool StartsWithMagic(byte[] bytes)
    {
        for (int i = 0; i < Magic.Length; i++) if (bytes[i] != Magic[i]) return false;
        return true;
    }

    private static float[] ReadFloats(BinaryReader r, int count)
    {
        var a = new float[count];
        for (int i = 0; i < count; i++) a[i] = r.ReadSingle();
        return a;
    }

    /// <summary>Names the settings in which two front-end set-ups differ, e.g. "HopLengthMs: model 10, required 5".</summary>
    public static string DescribeDifference(FrontEndOptions model, FrontEndOptions required)
    {
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(required, nameof(required));
        var diffs = new List<string>();
        foreach (var p in typeof(FrontEndOptions).GetProperties())
        {
            if (!p.CanWrite) continue;
            object? a = p.GetValue(model), b = p.GetValue(required);
            if (!Equals(a, b)) diffs.Add($"{p.Name}: model {Show(a)}, required {Show(b)}");
        }
        return diffs.Count == 0 ? "no setting differs" : string.Join("; ", diffs);
    }

    private static string Show(object? v) => v switch
    {
        null => "null",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };
}

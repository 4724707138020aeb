using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Hmm.Speech.Audio;
using Hmm.Speech.Sphinx;

namespace Hmm.Speech;

/// <summary>
/// A CMU Sphinx continuous acoustic model with phonetically tied mixtures (PTM), such as the US-English model Debian's
/// <c>pocketsphinx-en-us</c> installs: triphones of three left-to-right states over tied senones, each senone a mixture
/// over its base phone's codebook of Gaussians in three feature streams. The engine sees the senones as the states of a
/// <see cref="TiedMixtureEmissions"/> (top 4 Gaussians per codebook and stream, scores floored 96 units below the best, as
/// pocketsphinx scores them, in float arithmetic instead of its integer log tables).
/// </summary>
/// <remarks>
/// <para>Phones are named with our inventory (<see cref="PhoneSet.Default"/>): <c>sil</c> is Sphinx's SIL, the flap DX
/// (which CMUdict and so the model's training transcripts spell T or D) reads D's triphones, the rest are the same
/// ARPAbet names.</para>
/// <para>Contexts follow pocketsphinx: a token's triphone is looked up by word position, base phone and neighbours (filler
/// neighbours and the utterance's ends are SIL), backing off to the other word positions, then to SIL contexts at word
/// edges, then to the context-independent phone (<c>bin_mdef_phone_id_nearest</c>).</para>
/// </remarks>
public sealed class SphinxAcousticModel : IAcousticModel
{
    /// <summary>Where Debian's <c>pocketsphinx-en-us</c> installs the US-English model.</summary>
    public const string DebianDirectory = "/usr/share/pocketsphinx/model/en-us/en-us";

    /// <summary>The environment variable that names a model directory ahead of <see cref="DebianDirectory"/>.</summary>
    public const string DirectoryVariable = "HMM_SPHINX_MODEL";

    /// <summary>pocketsphinx's top Gaussians per codebook and stream (<c>-topn 4</c>).</summary>
    public const int TopGaussians = 4;

    /// <summary>pocketsphinx's floor of a Gaussian score below the frame's best, in its units (<c>MAX_NEG_ASCR</c>).</summary>
    public const int ScoreFloorUnits = 96;

    /// <summary>pocketsphinx's variance floor (<c>-varfloor</c>).</summary>
    public const float VarianceFloor = 1e-4f;

    /// <summary>pocketsphinx's transition probability floor (<c>-tmatfloor</c>).</summary>
    public const float TransitionFloor = 1e-4f;

    private static readonly int[] StreamLengths = { 13, 13, 13 };

    private readonly float[,] _offsets;
    private readonly int[] _ciOf;          // our phone index -> Sphinx CI phone
    private readonly float[] _selfLoops;   // per senone
    private readonly TiedMixtureEmissions _emissions;

    private SphinxAcousticModel(string directory, SphinxModelDefinition definition, TiedMixtureEmissions emissions, float[] selfLoops, int[] ciOf,
        FrontEndOptions frontEnd, string fingerprint, float[,] offsets)
    {
        FrontEnd = frontEnd;
        Fingerprint = fingerprint;
        _offsets = offsets;
        Directory = directory;
        Definition = definition;
        _emissions = emissions;
        _selfLoops = selfLoops;
        _ciOf = ciOf;
        Description = $"CMU Sphinx PTM model from {directory}: {definition.CiPhones.Count} CI phones, {definition.PhoneCount - definition.CiPhones.Count} triphones, {definition.SenoneCount} senones, {emissions.CodebookCount} codebooks x {emissions.ComponentCount} Gaussians x {emissions.StreamCount} streams";
    }

    /// <summary>The directory the model was read from.</summary>
    public string Directory { get; }

    /// <summary>The model definition (phones, triphones, senones).</summary>
    public SphinxModelDefinition Definition { get; }

    /// <inheritdoc/>
    public FrontEndOptions FrontEnd { get; }

    /// <inheritdoc/>
    public PhoneSet Phones => PhoneSet.Default;

    /// <inheritdoc/>
    public int StatesPerPhone => Definition.EmittingStates;

    /// <inheritdoc/>
    public int StateCount => Definition.SenoneCount;

    /// <summary>The senones' tied-mixture emissions.</summary>
    public TiedMixtureEmissions Emissions => _emissions;

    EmissionModel IAcousticModel.Emissions => _emissions;

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public float SelfLoop(int state) => _selfLoops[state];

    /// <inheritdoc/>
    /// <remarks>The context-independent phone's senones.</remarks>
    public int StateOf(int phone, int subState) => Definition.Senone(_ciOf[phone], subState);

    /// <inheritdoc/>
    /// <remarks>
    /// Debian's US-English model comes with the offsets <c>hmm calibrate</c> measured on our speech-dev corpus
    /// (<c>Data/sphinx-en-us-offsets.tsv</c>, applied when the model's <see cref="Fingerprint"/> matches): its boundaries lie
    /// 10 to 25 ms late against hand-placed (here: synthesised) boundaries, stops most. Other models have none until given
    /// some (<see cref="WithBoundaryOffsets"/>).
    /// </remarks>
    public float BoundaryOffset(PhoneClass before, PhoneClass after) => _offsets[(int)before, (int)after];

    /// <summary>A copy of the boundary offsets, <c>[class before, class after]</c> in seconds.</summary>
    public float[,] BoundaryOffsets() => (float[,])_offsets.Clone();

    /// <summary>
    /// What identifies this model's parameters (the SHA-256 of its <c>means</c> file): a boundary offset table names the model
    /// it was measured on by it.
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>This model with other boundary offsets (<c>[class before, class after]</c> in seconds, each within ±0.1 s).</summary>
    /// <exception cref="ArgumentException">The table's shape or a value is out of range.</exception>
    public SphinxAcousticModel WithBoundaryOffsets(float[,] offsets)
    {
        Guard.NotNull(offsets, nameof(offsets));
        if (offsets.GetLength(0) != AcousticModel.ClassCount || offsets.GetLength(1) != AcousticModel.ClassCount)
            throw new ArgumentException($"offsets must be [{AcousticModel.ClassCount}, {AcousticModel.ClassCount}] (one per phone class pair).", nameof(offsets));
        foreach (float o in offsets)
            if (!(Math.Abs(o) <= 0.1f)) throw new ArgumentException($"an offset is {o} s; offsets must be finite and within 0.1 s.", nameof(offsets));
        return new SphinxAcousticModel(Directory, Definition, _emissions, _selfLoops, _ciOf, FrontEnd, Fingerprint, (float[,])offsets.Clone());
    }

    /// <inheritdoc/>
    public void StatesInContext(ReadOnlySpan<int> phones, PhoneSequence sequence, Span<int> states)
    {
        Guard.NotNull(sequence, nameof(sequence));
        int s = StatesPerPhone, n = phones.Length;
        if (states.Length < n * s)
            throw new ArgumentException($"states holds {states.Length} values but {n} tokens x {s} states need {n * s}.", nameof(states));
        int sil = Definition.Silence;
        for (int p = 0; p < n; p++)
        {
            int ci = _ciOf[phones[p]];
            int phone = ci;
            if (!Definition.IsFiller(ci))
            {
                int left = p > 0 ? Context(_ciOf[phones[p - 1]]) : sil;
                int right = p < n - 1 ? Context(_ciOf[phones[p + 1]]) : sil;
                bool begins = p == 0 || sequence.PauseBefore(p) || left == sil;
                bool ends = p == n - 1 || sequence.PauseBefore(p + 1) || right == sil;
                var position = begins && ends ? SphinxWordPosition.WholeWord
                    : begins ? SphinxWordPosition.Begin : ends ? SphinxWordPosition.End : SphinxWordPosition.Internal;
                phone = Nearest(ci, left, right, position);
            }
            for (int k = 0; k < s; k++) states[p * s + k] = Definition.Senone(phone, k);
        }
    }

    /// <summary>A neighbour as a triphone context: fillers count as SIL.</summary>
    private int Context(int ci) => Definition.IsFiller(ci) ? Definition.Silence : ci;

    /// <summary>pocketsphinx's <c>bin_mdef_phone_id_nearest</c>: the triphone, or the nearest one the model has, or the CI phone.</summary>
    internal int Nearest(int ci, int left, int right, SphinxWordPosition position)
    {
        int p = Definition.Triphone(ci, left, right, position);
        if (p >= 0) return p;
        for (int other = 0; other < 4; other++)
        {
            if (other == (int)position) continue;
            p = Definition.Triphone(ci, left, right, (SphinxWordPosition)other);
            if (p >= 0) return p;
        }
        int sil = Definition.Silence;
        int newLeft = position is SphinxWordPosition.Begin or SphinxWordPosition.WholeWord ? sil : left;
        int newRight = position is SphinxWordPosition.End or SphinxWordPosition.WholeWord ? sil : right;
        if (newLeft != left || newRight != right)
        {
            p = Definition.Triphone(ci, newLeft, newRight, position);
            if (p >= 0) return p;
            for (int other = 0; other < 4; other++)
            {
                if (other == (int)position) continue;
                p = Definition.Triphone(ci, newLeft, newRight, (SphinxWordPosition)other);
                if (p >= 0) return p;
            }
        }
        return ci;
    }

    /// <summary>
    /// The model directory to use: <paramref name="directory"/> when given, else <see cref="DirectoryVariable"/>'s value, else
    /// <see cref="DebianDirectory"/>; null when none of them exists.
    /// </summary>
    public static string? Locate(string? directory = null)
    {
        if (!string.IsNullOrEmpty(directory)) return System.IO.Directory.Exists(directory) ? directory : null;
        string? fromEnvironment = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrEmpty(fromEnvironment) && System.IO.Directory.Exists(fromEnvironment)) return fromEnvironment;
        return System.IO.Directory.Exists(DebianDirectory) ? DebianDirectory : null;
    }

    /// <summary>
    /// Reads the model in <paramref name="directory"/>: <c>mdef</c>, <c>means</c>, <c>variances</c>, <c>sendump</c>,
    /// <c>transition_matrices</c> and <c>feat.params</c>.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing (the message names it and says how to install the model).</exception>
    /// <exception cref="InvalidDataException">A file is damaged or foreign (the message names the file and the problem).</exception>
    /// <exception cref="ModelFormatException">The files disagree with each other, or feat.params asks for a front end this library does not compute.</exception>
    public static SphinxAcousticModel Load(string directory)
    {
        Guard.NotNull(directory, nameof(directory));
        if (!System.IO.Directory.Exists(directory))
            throw new DirectoryNotFoundException($"{directory}: no such model directory. {InstallHint}");
        string File(string name)
        {
            string path = Path.Combine(directory, name);
            if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"{path}: the Sphinx model file '{name}' is missing. {InstallHint}", path);
            return path;
        }
        string featPath = File("feat.params");
        var frontEnd = SphinxModelText.ReadFrontEndOptions(featPath);
        var parameters = SphinxModelText.ReadFeatureParameters(featPath);
        foreach (var (option, expected) in new[] { ("svspec", "0-12/13-25/26-38"), ("model", "ptm") })
            if (parameters.TryGetValue(option, out var value) && value != expected)
                throw new ModelFormatException(featPath, $"-{option} {value} cannot be read: this library reads phonetically tied models (-model ptm) with the 1s_c_d_dd streams -svspec {(option == "svspec" ? expected : "0-12/13-25/26-38")}.");
        string mdefPath = File("mdef"), meansPath = File("means"), variancesPath = File("variances"), sendumpPath = File("sendump"), tmatPath = File("transition_matrices");
        var mdef = SphinxModelDefinition.Read(mdefPath);
        var means = SphinxModelFiles.ReadGaussians(meansPath);
        var variances = SphinxModelFiles.ReadGaussians(variancesPath);
        var weights = SphinxModelFiles.ReadSendump(sendumpPath);
        var tmat = SphinxModelFiles.ReadTransitionMatrices(tmatPath);
        int ci = mdef.CiPhones.Count;
        if (means.Codebooks != ci) throw new ModelFormatException(meansPath, $"{means.Codebooks} codebooks, but {mdefPath} has {ci} CI phones (a phonetically tied model has one codebook per CI phone).");
        if (variances.Codebooks != means.Codebooks || variances.Densities != means.Densities || !Same(variances.StreamLengths, means.StreamLengths))
            throw new ModelFormatException(variancesPath, $"shaped {variances.Codebooks} x {variances.Densities} x [{string.Join(",", variances.StreamLengths)}] but means is {means.Codebooks} x {means.Densities} x [{string.Join(",", means.StreamLengths)}].");
        if (!Same(means.StreamLengths, StreamLengths))
            throw new ModelFormatException(meansPath, $"streams of [{string.Join(",", means.StreamLengths)}] values; the 1s_c_d_dd front end gives three streams of 13.");
        if (weights.Senones != mdef.SenoneCount) throw new ModelFormatException(sendumpPath, $"{weights.Senones} senones, but {mdefPath} has {mdef.SenoneCount}.");
        if (weights.Streams != means.Streams || weights.Codewords != means.Densities)
            throw new ModelFormatException(sendumpPath, $"{weights.Streams} streams x {weights.Codewords} codewords, but {meansPath} has {means.Streams} x {means.Densities}.");
        if (tmat.Count != mdef.TransitionMatrixCount || tmat.From != mdef.EmittingStates || tmat.To != mdef.EmittingStates + 1)
            throw new ModelFormatException(tmatPath, $"{tmat.Count} matrices of {tmat.From} x {tmat.To}, but {mdefPath} needs {mdef.TransitionMatrixCount} of {mdef.EmittingStates} x {mdef.EmittingStates + 1}.");
        if (mdef.Silence < 0) throw new ModelFormatException(mdefPath, "no SIL phone.");

        // Senones: each reads its base phone's codebook; its self-loop comes from that phone's transition matrix.
        int senones = mdef.SenoneCount, s = mdef.EmittingStates;
        var codebooks = new int[senones];
        var selfLoops = new float[senones];
        var seen = new bool[senones];
        var rows = NormalisedTransitions(tmat, tmatPath);
        for (int phone = 0; phone < mdef.PhoneCount; phone++)
        {
            int b = mdef.BaseOf(phone), m = mdef.TransitionMatrix(phone);
            for (int k = 0; k < s; k++)
            {
                int senone = mdef.Senone(phone, k);
                if (seen[senone]) continue;
                seen[senone] = true;
                codebooks[senone] = b;
                selfLoops[senone] = rows[(m * s + k) * (s + 1) + k];
            }
        }
        for (int senone = 0; senone < senones; senone++)
            if (!seen[senone]) { codebooks[senone] = 0; selfLoops[senone] = 0.5f; }

        var variance = (float[])variances.Values.Clone();
        for (int i = 0; i < variance.Length; i++) if (variance[i] < VarianceFloor) variance[i] = VarianceFloor;
        var logWeights = new float[weights.Values.Length];
        for (int i = 0; i < logWeights.Length; i++) logWeights[i] = (float)(-SphinxMixtureWeights.NatsPerUnit * weights.Values[i]);
        var emissions = new TiedMixtureEmissions(StreamLengths, means.Codebooks, means.Densities, means.Values, variance, codebooks,
            logWeights, TopGaussians, (float)(ScoreFloorUnits * SphinxMixtureWeights.NatsPerUnit));

        var phones = PhoneSet.Default;
        var ciOf = new int[phones.Count];
        for (int i = 0; i < phones.Count; i++)
        {
            string name = phones[i] == PhoneSet.Silence ? "SIL" : phones[i] == "DX" ? "D" : phones[i];
            ciOf[i] = mdef.CiPhone(name);
            if (ciOf[i] < 0) throw new ModelFormatException(mdefPath, $"the model has no phone '{name}' (for our '{phones[i]}'); its phones are {string.Join(" ", mdef.CiPhones)}.");
        }
        string fingerprint = "means-sha256 " + Sha256(meansPath);
        var offsets = new float[AcousticModel.ClassCount, AcousticModel.ClassCount];
        var shipped = ShippedOffsets.Value;
        if (shipped.Fingerprint == fingerprint) offsets = (float[,])shipped.Offsets.Clone();
        return new SphinxAcousticModel(directory, mdef, emissions, selfLoops, ciOf, frontEnd, fingerprint, offsets);
    }

    /// <summary>The offsets shipped for Debian's US-English model (Data/sphinx-en-us-offsets.tsv, made by <c>hmm calibrate</c>).</summary>
    private static readonly Lazy<(float[,] Offsets, string? Fingerprint)> ShippedOffsets = new(() =>
    {
        using var stream = typeof(SphinxAcousticModel).Assembly.GetManifestResourceStream("Hmm.Speech.sphinx-en-us-offsets.tsv")
            ?? throw new InvalidOperationException("The Sphinx boundary offsets are missing from the Hmm.Speech assembly (resource Hmm.Speech.sphinx-en-us-offsets.tsv).");
        using var reader = new StreamReader(stream);
        return BoundaryOffsetTable.Parse(reader.ReadToEnd(), "sphinx-en-us-offsets.tsv (built in)");
    });

    private static string Sha256(string path)
    {
        using var sha = System.Security.Cryptography.SHA256.Create();
        using var file = System.IO.File.OpenRead(path);
        var hash = sha.ComputeHash(file);
        var text = new System.Text.StringBuilder(2 * hash.Length);
        foreach (byte b in hash) text.Append(b.ToString("x2", CultureInfo.InvariantCulture));
        return text.ToString();
    }

    /// <summary>The transition matrices as pocketsphinx uses them: rows normalised, non-zero entries floored at <see cref="TransitionFloor"/>, normalised again.</summary>
    private static float[] NormalisedTransitions(SphinxTransitions tmat, string path)
    {
        var rows = new float[tmat.Values.Length];
        for (int m = 0; m < tmat.Count; m++)
            for (int i = 0; i < tmat.From; i++)
            {
                double sum = 0;
                for (int j = 0; j < tmat.To; j++) sum += tmat[m, i, j];
                if (!(sum > 0) || double.IsInfinity(sum)) throw new ModelFormatException(path, $"matrix {m} row {i} sums to {sum}; rows must hold positive finite counts.");
                double floored = 0;
                for (int j = 0; j < tmat.To; j++)
                {
                    double p = tmat[m, i, j] / sum;
                    if (p < 0) throw new ModelFormatException(path, $"matrix {m} has the negative entry {tmat[m, i, j]} at ({i}, {j}).");
                    if (p > 0 && p < TransitionFloor) p = TransitionFloor;
                    rows[(m * tmat.From + i) * tmat.To + j] = (float)p;
                    floored += p;
                }
                for (int j = 0; j < tmat.To; j++) rows[(m * tmat.From + i) * tmat.To + j] = (float)(rows[(m * tmat.From + i) * tmat.To + j] / floored);
                float stay = rows[(m * tmat.From + i) * tmat.To + i];
                if (!(stay > 0 && stay < 1)) throw new ModelFormatException(path, $"matrix {m} state {i} has self-loop probability {stay.ToString(CultureInfo.InvariantCulture)}; a left-to-right phone needs one in (0, 1).");
            }
        return rows;
    }

    private static bool Same(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++) if (a[i] != b[i]) return false;
        return true;
    }

    /// <summary>How to get the model, for messages.</summary>
    public const string InstallHint = "Install Debian's model with 'apt-get install pocketsphinx-en-us' (or run tools/get-sphinx-model.sh, which needs no root), or name another directory with --model DIR or HMM_SPHINX_MODEL.";
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;

namespace Hmm.Speech;

/// <summary>
/// How likely each phone is to follow each other in running speech, without knowing the words: phone bigrams
/// estimated from a pronunciation lexicon. Within a word the counts come from the pronunciations; at a word's end the
/// next phone is a word's first phone or a pause. Every transition keeps a small floor, so no phone sequence is
/// impossible (the recogniser must follow any speech, names and slips included).
/// </summary>
public sealed class PhoneBigram
{
    private readonly float[] _log;     // [P, P] log P(next | phone)
    private readonly float[] _initial; // [P] log P(first phone)

    private PhoneBigram(PhoneSet phones, float[] log, float[] initial)
    {
        Phones = phones;
        _log = log;
        _initial = initial;
    }

    /// <summary>The phones, in the order of the indices.</summary>
    public PhoneSet Phones { get; }

    /// <summary>log P(<paramref name="to"/> follows <paramref name="from"/>) over the phone set's indices.</summary>
    public float LogProbability(int from, int to) => _log[from * Phones.Count + to];

    /// <summary>log P(a stream starts with <paramref name="phone"/>).</summary>
    public float LogInitial(int phone) => _initial[phone];

    private static PhoneBigram? _default;

    /// <summary>
    /// The bigram of the built-in dictionary (<see cref="PronunciationLexicon.LoadDefault"/>) over
    /// <see cref="PhoneSet.Default"/> with the default pause probability and floor: <see cref="FromLexicon"/>'s result,
    /// stored in this assembly (tools/make-phone-bigram.sh writes it), so that it costs no dictionary read.
    /// </summary>
    public static PhoneBigram Default
    {
        get
        {
            var made = Volatile.Read(ref _default);
            if (made is not null) return made;
            made = ReadDefault();
            return Interlocked.CompareExchange(ref _default, made, null) ?? made;
        }
    }

    /// <summary>
    /// Writes the bigram as text: a header line with the phones, then one line of initial log-probabilities and one per
    /// phone of its row, values in round-trip form (what <see cref="Default"/> reads).
    /// </summary>
    public void Save(TextWriter writer)
    {
        Guard.NotNull(writer, nameof(writer));
        writer.WriteLine(string.Join(" ", Phones.Phones));
        writer.WriteLine(string.Join(" ", _initial.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        for (int a = 0; a < Phones.Count; a++)
            writer.WriteLine(string.Join(" ", _log.Skip(a * Phones.Count).Take(Phones.Count).Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
    }

    private static PhoneBigram ReadDefault()
    {
        var phones = PhoneSet.Default;
        using var stream = typeof(PhoneBigram).Assembly.GetManifestResourceStream("Hmm.Speech.phone-bigram.txt")
            ?? throw new InvalidOperationException("The default phone bigram is missing from the Hmm.Speech assembly (resource Hmm.Speech.phone-bigram.txt).");
        using var reader = new StreamReader(stream);
        string header = reader.ReadLine() ?? "";
        if (header != string.Join(" ", phones.Phones))
            throw new InvalidDataException("phone-bigram.txt (built in): its phones are not PhoneSet.Default's; rebuild it with tools/make-phone-bigram.sh.");
        int p = phones.Count;
        var initial = ParseRow(reader.ReadLine(), p, 1);
        var log = new float[p * p];
        for (int a = 0; a < p; a++) ParseRow(reader.ReadLine(), p, a + 2).CopyTo(log, a * p);
        return new PhoneBigram(phones, log, initial);
    }

    private static float[] ParseRow(string? line, int count, int number)
    {
        var parts = (line ?? "").Split(' ');
        if (parts.Length != count) throw new InvalidDataException($"phone-bigram.txt (built in), line {number + 1}: {parts.Length} values where {count} are needed.");
        return parts.Select(v => float.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>Every phone equally likely after every other (the start included).</summary>
    public static PhoneBigram Uniform(PhoneSet phones)
    {
        Guard.NotNull(phones, nameof(phones));
        int p = phones.Count;
        var log = new float[p * p];
        var initial = new float[p];
        log.AsSpan().Fill(-MathF.Log(p));
        initial.AsSpan().Fill(-MathF.Log(p));
        return new PhoneBigram(phones, log, initial);
    }

    /// <summary>
    /// Estimates the bigram from every pronunciation of <paramref name="lexicon"/> whose phones are all in
    /// <paramref name="phones"/> (which must have <see cref="PhoneSet.Silence"/>).
    /// </summary>
    /// <param name="lexicon">The pronunciations.</param>
    /// <param name="phones">The phone inventory.</param>
    /// <param name="pauseProbability">Probability of a pause between two words (0 to 1).</param>
    /// <param name="floor">Share of every row spread evenly over all phones (0 to 1): no transition is impossible.</param>
    /// <exception cref="ArgumentException">The phone set has no silence, no pronunciation uses only its phones, or a probability is out of range.</exception>
    public static PhoneBigram FromLexicon(PronunciationLexicon lexicon, PhoneSet phones, double pauseProbability = 0.15, double floor = 0.02)
    {
        Guard.NotNull(lexicon, nameof(lexicon));
        Guard.NotNull(phones, nameof(phones));
        if (!(pauseProbability >= 0 && pauseProbability <= 1)) throw new ArgumentOutOfRangeException(nameof(pauseProbability), pauseProbability, "pauseProbability must be between 0 and 1.");
        if (!(floor > 0 && floor <= 1)) throw new ArgumentOutOfRangeException(nameof(floor), floor, "floor must be above 0 and at most 1.");
        int p = phones.Count, silence = phones.IndexOf(PhoneSet.Silence);
        if (silence < 0) throw new ArgumentException($"The phone set has no '{PhoneSet.Silence}' phone: a phone loop needs pauses.", nameof(phones));
        var within = new double[p * p];
        var first = new double[p];
        var last = new double[p];
        var indices = new List<int>();
        long words = 0;
        foreach (var pronunciation in lexicon.Pronunciations())
        {
            indices.Clear();
            foreach (var phone in pronunciation)
            {
                int i = phones.IndexOf(phone);
                if (i < 0) break;
                indices.Add(i);
            }
            if (indices.Count != pronunciation.Length || indices.Count == 0) continue;
            words++;
            first[indices[0]]++;
            last[indices[indices.Count - 1]]++;
            for (int k = 1; k < indices.Count; k++) within[indices[k - 1] * p + indices[k]]++;
        }
        if (words == 0) throw new ArgumentException("No pronunciation of the lexicon uses only the phone set's phones.", nameof(lexicon));
        double firstTotal = 0;
        for (int q = 0; q < p; q++) firstTotal += first[q];
        // After a word: a pause, or the first phone of the next word.
        var boundary = new double[p];
        for (int q = 0; q < p; q++) boundary[q] = (1 - pauseProbability) * first[q] / firstTotal;
        boundary[silence] += pauseProbability;
        var log = new float[p * p];
        var row = new double[p];
        for (int a = 0; a < p; a++)
        {
            double inside = 0;
            for (int q = 0; q < p; q++) inside += within[a * p + q];
            if (a == silence)
            {
                // A pause is followed by a word (not by another pause: a pause lasts by its own self-loops).
                for (int q = 0; q < p; q++) row[q] = q == silence ? 0 : first[q] / firstTotal;
            }
            else
            {
                // The share of this phone's occurrences that end a word.
                double ending = inside + last[a] > 0 ? last[a] / (inside + last[a]) : 1;
                for (int q = 0; q < p; q++)
                    row[q] = (inside > 0 ? (1 - ending) * within[a * p + q] / inside : 0) + ending * boundary[q];
            }
            double sum = 0;
            for (int q = 0; q < p; q++) sum += row[q];
            for (int q = 0; q < p; q++) log[a * p + q] = (float)Math.Log((1 - floor) * row[q] / sum + floor / p);
        }
        // A stream starts in a pause or a word's first phone.
        var initial = new float[p];
        for (int q = 0; q < p; q++)
            initial[q] = (float)Math.Log((1 - floor) * (0.5 * first[q] / firstTotal + (q == silence ? 0.5 : 0)) + floor / p);
        return new PhoneBigram(phones, log, initial);
    }
}

/// <summary>
/// An acoustic model's states as a free phone recogniser: each phone is its model's left-to-right states (their
/// trained self-loops give every phone a minimum duration of one frame per state), and the last state of a phone
/// may go to the first state of any phone with the probability a <see cref="PhoneBigram"/> gives. Loop state
/// <c>phone · S + k</c> is the acoustic model's context-free state <see cref="IAcousticModel.StateOf"/>; <see cref="Emissions"/>
/// gives the emission model over the loop's states in that order.
/// </summary>
public static class PhoneLoop
{
    /// <summary>
    /// The phone loop of <paramref name="model"/> with <paramref name="bigram"/> (over the model's phone set);
    /// <paramref name="bigramWeight"/> scales the bigram's log-probabilities before each row is normalised again
    /// (1: as estimated; 0: every phone equally likely).
    /// </summary>
    /// <exception cref="ArgumentException">The bigram's phones differ from the model's, or the weight is negative or not finite.</exception>
    public static HmmModel Build(IAcousticModel model, PhoneBigram bigram, float bigramWeight = 1f)
    {
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(bigram, nameof(bigram));
        if (!(bigramWeight >= 0) || float.IsInfinity(bigramWeight)) throw new ArgumentOutOfRangeException(nameof(bigramWeight), bigramWeight, "bigramWeight must be finite and not negative.");
        var phones = model.Phones;
        if (bigram.Phones.Count != phones.Count)
            throw new ArgumentException($"The bigram has {bigram.Phones.Count} phones but the model has {phones.Count}.", nameof(bigram));
        for (int q = 0; q < phones.Count; q++)
            if (bigram.Phones[q] != phones[q])
                throw new ArgumentException($"The bigram's phone {q} is '{bigram.Phones[q]}' but the model's is '{phones[q]}'.", nameof(bigram));
        int p = phones.Count, s = model.StatesPerPhone, n = p * s;
        var selfLoops = new float[n];
        for (int q = 0; q < p; q++)
            for (int k = 0; k < s; k++) selfLoops[q * s + k] = model.SelfLoop(model.StateOf(q, k));
        var units = new float[p, p];
        var scaled = new double[p];
        for (int a = 0; a < p; a++)
        {
            int from = a;
            Weighted(q => bigram.LogProbability(from, q), bigramWeight, scaled);
            for (int q = 0; q < p; q++) units[a, q] = (float)Math.Log(scaled[q]);
        }
        var initial = new float[n];
        initial.AsSpan().Fill(float.NegativeInfinity);
        Weighted(bigram.LogInitial, bigramWeight, scaled);
        for (int q = 0; q < p; q++) initial[q * s] = (float)Math.Log(scaled[q]);
        return new HmmModel(initial, new UnitLoopTransitions(p, s, selfLoops, units));
    }

    /// <summary>
    /// The emission model over a phone loop's states (<c>phone · S + k</c> reads <see cref="IAcousticModel.StateOf"/>): the
    /// model's own when its states are in that order (our models), else the subset of its context-free states (a Sphinx
    /// model's CI senones).
    /// </summary>
    /// <exception cref="ArgumentException">The model's states are in another order and its emission model cannot be restricted to them.</exception>
    public static EmissionModel Emissions(IAcousticModel model)
    {
        Guard.NotNull(model, nameof(model));
        int p = model.Phones.Count, s = model.StatesPerPhone;
        var states = new int[p * s];
        bool identity = model.StateCount == states.Length;
        for (int q = 0; q < p; q++)
            for (int k = 0; k < s; k++)
            {
                states[q * s + k] = model.StateOf(q, k);
                identity &= states[q * s + k] == q * s + k;
            }
        if (identity) return model.Emissions;
        return model.Emissions.Subset(states)
            ?? throw new ArgumentException($"The model's context-free states are not phone · {s} + k and its {model.Emissions.GetType().Name} cannot be restricted to them.", nameof(model));
    }

    /// <summary>exp(weight · log P(q)) normalised to sum to one, into <paramref name="output"/>.</summary>
    private static void Weighted(Func<int, float> logProbability, float weight, double[] output)
    {
        double max = double.NegativeInfinity;
        for (int q = 0; q < output.Length; q++) max = Math.Max(max, weight * logProbability(q));
        double sum = 0;
        for (int q = 0; q < output.Length; q++) sum += output[q] = Math.Exp(weight * logProbability(q) - max);
        for (int q = 0; q < output.Length; q++) output[q] /= sum;
    }
}

using System;
using System.Collections.Generic;

namespace Hmm.Speech;

/// <summary>
/// A known script as an HMM to follow live: the script's phones in order, each the acoustic model's states, with an
/// optional pause before, between and after the words; a word's end may also skip the next word, and any word's end may
/// jump back to the start (a restart), with small probabilities. Built on <see cref="UnitLoopTransitions"/>: unit u is a
/// phone of the script (or a pause), its states are the model's states of that phone, so the model's emissions reach
/// the graph through <see cref="Gather"/>.
/// </summary>
public sealed class ScriptLoop
{
    private readonly int[] _unitPhone;
    private readonly int[] _unitWord;
    private readonly int _statesPerPhone;

    private ScriptLoop(HmmModel model, int[] unitPhone, int[] unitWord, int statesPerPhone, IReadOnlyList<TranscribedWord> words)
    {
        Model = model;
        _unitPhone = unitPhone;
        _unitWord = unitWord;
        _statesPerPhone = statesPerPhone;
        Words = words;
    }

    /// <summary>The graph: <see cref="Units"/> units of the acoustic model's states per phone.</summary>
    public HmmModel Model { get; }

    /// <summary>The script's words with their phones.</summary>
    public IReadOnlyList<TranscribedWord> Words { get; }

    /// <summary>Units: every phone of the script and a pause before, between and after the words.</summary>
    public int Units => _unitPhone.Length;

    /// <summary>The acoustic model's phone of unit <paramref name="unit"/>.</summary>
    public int PhoneOf(int unit) => _unitPhone[unit];

    /// <summary>The word unit <paramref name="unit"/> belongs to, or -1 for a pause.</summary>
    public int WordOf(int unit) => _unitWord[unit];

    /// <summary>The unit of graph state <paramref name="state"/>.</summary>
    public int UnitOf(int state) => state / _statesPerPhone;

    /// <summary>
    /// The graph's emission log-likelihoods from the acoustic model's (one per model state): state (u, k) takes
    /// the model's state (phone of u, k). Allocation-free.
    /// </summary>
    public void Gather(ReadOnlySpan<float> modelEmissions, Span<float> graphEmissions)
    {
        int s = _statesPerPhone;
        for (int u = 0; u < _unitPhone.Length; u++)
        {
            int from = _unitPhone[u] * s, to = u * s;
            for (int k = 0; k < s; k++) graphEmissions[to + k] = modelEmissions[from + k];
        }
    }

    /// <summary>
    /// The script <paramref name="words"/> (from <see cref="Transcriber"/>, or phones grouped by word) over
    /// <paramref name="model"/>'s states.
    /// </summary>
    /// <param name="model">The acoustic model (its phone set must have <see cref="PhoneSet.Silence"/>).</param>
    /// <param name="words">The script, at least one word, every phone in the model's set.</param>
    /// <param name="pauseProbability">Probability of a pause between two words.</param>
    /// <param name="skipProbability">Probability that a word's end (or a pause) skips the next word.</param>
    /// <param name="restartProbability">Probability that a word's end jumps back to the script's start.</param>
    /// <exception cref="ArgumentException">No words, a word without phones, a phone the model lacks, or a probability out of range.</exception>
    public static ScriptLoop Build(IAcousticModel model, IReadOnlyList<TranscribedWord> words, double pauseProbability = 0.3,
        double skipProbability = 0.01, double restartProbability = 0.002)
    {
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(words, nameof(words));
        if (words.Count == 0) throw new ArgumentException("The script has no words.", nameof(words));
        if (!(pauseProbability > 0 && pauseProbability < 1)) throw new ArgumentOutOfRangeException(nameof(pauseProbability), pauseProbability, "pauseProbability must be between 0 and 1.");
        if (!(skipProbability >= 0 && skipProbability < 0.5)) throw new ArgumentOutOfRangeException(nameof(skipProbability), skipProbability, "skipProbability must be at least 0 and below 0.5.");
        if (!(restartProbability >= 0 && restartProbability < 0.5)) throw new ArgumentOutOfRangeException(nameof(restartProbability), restartProbability, "restartProbability must be at least 0 and below 0.5.");
        var phones = model.Phones;
        int silence = phones.IndexOf(PhoneSet.Silence);
        if (silence < 0) throw new ArgumentException($"The model has no '{PhoneSet.Silence}' phone for the pauses.", nameof(model));
        var unitPhone = new List<int>();
        var unitWord = new List<int>();
        var wordStart = new int[words.Count];
        var pauseBefore = new int[words.Count + 1];
        for (int w = 0; w < words.Count; w++)
        {
            if (words[w].Phones is null || words[w].Phones.Length == 0) throw new ArgumentException($"Word {w} ('{words[w].Text}') has no phones.", nameof(words));
            pauseBefore[w] = unitPhone.Count;
            unitPhone.Add(silence);
            unitWord.Add(-1);
            wordStart[w] = unitPhone.Count;
            foreach (var phone in words[w].Phones)
            {
                int p = phones.IndexOf(phone);
                if (p < 0) throw new ArgumentException($"Word {w} ('{words[w].Text}') has the phone '{phone}', which the model lacks.", nameof(words));
                unitPhone.Add(p);
                unitWord.Add(w);
            }
        }
        pauseBefore[words.Count] = unitPhone.Count;
        unitPhone.Add(silence);
        unitWord.Add(-1);
        int units = unitPhone.Count, s = model.StatesPerPhone;
        var table = new double[units, units];
        int WordStartOrEnd(int w) => w < words.Count ? wordStart[w] : pauseBefore[words.Count];
        for (int u = 0; u < units; u++)
        {
            int w = unitWord[u];
            if (w < 0)
            {
                // A pause: on to its word (the last pause stays), or skip that word.
                int next = Array.IndexOf(pauseBefore, u);
                if (next == words.Count) table[u, u] += 1;
                else
                {
                    table[u, WordStartOrEnd(next)] += 1 - skipProbability;
                    table[u, WordStartOrEnd(next + 1)] += skipProbability;
                }
                continue;
            }
            bool wordEnd = u + 1 >= units || unitWord[u + 1] != w;
            if (!wordEnd)
            {
                table[u, u + 1] += 1;
                continue;
            }
            // A word's end: a pause, the next word, the word after it, or back to the start.
            double onward = 1 - skipProbability - restartProbability;
            table[u, pauseBefore[w + 1]] += onward * pauseProbability;
            table[u, WordStartOrEnd(w + 1)] += onward * (1 - pauseProbability);
            table[u, WordStartOrEnd(w + 2)] += skipProbability;
            table[u, pauseBefore[0]] += restartProbability;
        }
        var logs = new float[units, units];
        for (int u = 0; u < units; u++)
        {
            double sum = 0;
            for (int q = 0; q < units; q++) sum += table[u, q];
            for (int q = 0; q < units; q++) logs[u, q] = table[u, q] > 0 ? (float)Math.Log(table[u, q] / sum) : float.NegativeInfinity;
        }
        var selfLoops = new float[units * s];
        for (int u = 0; u < units; u++)
            for (int k = 0; k < s; k++) selfLoops[u * s + k] = model.SelfLoop(model.StateOf(unitPhone[u], k));
        var initial = new float[units * s];
        initial.AsSpan().Fill(float.NegativeInfinity);
        initial[pauseBefore[0] * s] = MathF.Log(0.5f);
        initial[wordStart[0] * s] = MathF.Log(0.5f);
        var hmm = new HmmModel(initial, new UnitLoopTransitions(units, s, selfLoops, logs));
        return new ScriptLoop(hmm, unitPhone.ToArray(), unitWord.ToArray(), s, words);
    }
}

using System;

namespace Hmm.Speech;

/// <summary>
/// The state layout shared by every utterance of a batch, so that one <see cref="HmmModel"/> (one banded transition
/// table) serves the whole batch and the engines decode it as one batched call.
/// </summary>
/// <remarks>
/// <para>Without optional pauses, phone token p owns states <c>p*S .. p*S+S-1</c> (S = states per phone), each with
/// a self-loop and a step to the next state (bandwidth 2). With optional pauses, slot p is <c>[pause: S states]
/// [phone p: S states]</c> and a trailing pause follows the last slot; the last state of a phone either enters the
/// next pause or skips it (bandwidth S + 2). A pause an utterance does not allow, and every state past the
/// utterance's own tokens, get -infinity emissions, so the per-batch structure never lets a path go where the
/// utterance's graph does not.</para>
/// <para>Transitions: every state has the same self-loop probability p0 in the table. An utterance's own
/// per-state self-loops a_s are folded into its emissions as <c>log a_s - log p0</c> per frame: along a path that
/// visits each mandatory state once, this changes its score by a constant only, so Viterbi paths and posteriors are
/// those of the graph with the true self-loops (optional pauses carry a small constant entry cost instead).</para>
/// <para>End constraint: the engine's Viterbi picks the best final state among all states, so at an utterance's last
/// frame every state other than its final states (last state of the last phone, or of the trailing pause when
/// allowed) gets -infinity: only complete paths survive, in Viterbi and forward-backward alike. One extra state at
/// the end of the layout (never emitting) keeps every real state's outgoing arcs identical across the batch.</para>
/// </remarks>
public sealed class GraphLayout
{
    /// <summary>Table self-loop probability (any value in (0,1) gives the same paths: see the remarks).</summary>
    private const float TableSelfLoop = 0.5f;

    private readonly float _pauseProbability;

    /// <summary>The layout for a batch whose longest phone sequence has <paramref name="maxTokens"/> phones.</summary>
    /// <param name="statesPerPhone">Emitting states per phone.</param>
    /// <param name="maxTokens">The most phones any utterance of the batch has.</param>
    /// <param name="optionalPauses">Whether the layout has the optional pause slots.</param>
    /// <param name="pauseProbability">Probability of entering an optional pause where one is allowed.</param>
    public GraphLayout(int statesPerPhone, int maxTokens, bool optionalPauses, float pauseProbability = 0.5f)
    {
        _pauseProbability = pauseProbability;
        S = statesPerPhone;
        MaxTokens = maxTokens;
        OptionalPauses = optionalPauses;
        StateCount = (optionalPauses ? (2 * maxTokens + 1) * S : maxTokens * S) + 1;
        Model = BuildModel();
    }

    /// <summary>Emitting states per phone (the acoustic model's).</summary>
    public int S { get; }

    /// <summary>Phone tokens the layout has room for.</summary>
    public int MaxTokens { get; }

    /// <summary>Whether the layout has an optional pause slot before each token and after the last.</summary>
    public bool OptionalPauses { get; }

    /// <summary>Graph states, the never-emitting end state included.</summary>
    public int StateCount { get; }

    /// <summary>The graph's transitions (banded) and initial probabilities, shared by every sequence of the batch.</summary>
    public HmmModel Model { get; }

    /// <summary>log of the table's self-loop probability, the part of a state's own self-loop the table already holds.</summary>
    public static float LogTableSelfLoop => MathF.Log(TableSelfLoop);

    /// <summary>
    /// Per model state, what its own self-loop adds to each frame over the table's: <c>log a_s - log p0</c> (see the
    /// remarks). <see cref="Tie"/> and <see cref="Fill"/> add it to the emissions.
    /// </summary>
    /// <param name="model">The acoustic model whose self-loops are folded.</param>
    public static float[] SelfLoopFold(IAcousticModel model)
    {
        Guard.NotNull(model, nameof(model));
        var fold = new float[model.StateCount];
        for (int s = 0; s < fold.Length; s++) fold[s] = MathF.Log(model.SelfLoop(s)) - LogTableSelfLoop;
        return fold;
    }

    /// <summary>Graph state of sub-state k of phone token p.</summary>
    public int PhoneState(int p, int k) => OptionalPauses ? (2 * p + 1) * S + k : p * S + k;

    /// <summary>Graph state of sub-state k of the optional pause before token p (p = token count: the trailing pause).</summary>
    public int PauseState(int p, int k) => 2 * p * S + k;

    /// <summary>Decodes a graph state: token index, sub-state, and whether it is a pause state.</summary>
    public (int Token, int SubState, bool Pause) Decode(int state)
    {
        if (!OptionalPauses) return (state / S, state % S, false);
        int slot = state / S;
        return (slot / 2, state % S, slot % 2 == 0);
    }

    private HmmModel BuildModel()
    {
        int n = StateCount;
        int w = OptionalPauses ? S + 2 : 2;
        if (w > n) w = n;
        var logs = new float[n, w];
        for (int i = 0; i < n; i++) for (int d = 0; d < w; d++) logs[i, d] = float.NegativeInfinity;
        float logStay = MathF.Log(TableSelfLoop), logLeave = MathF.Log(1 - TableSelfLoop);
        for (int i = 0; i < n; i++)
        {
            if (i == n - 1) { logs[i, 0] = 0; continue; }
            logs[i, 0] = logStay;
            int k = i % S;
            bool lastOfPhone = k == S - 1 && (!OptionalPauses || (i / S) % 2 == 1);
            if (OptionalPauses && lastOfPhone && i + S + 1 < n)
            {
                logs[i, 1] = logLeave + MathF.Log(_pauseProbability);
                logs[i, S + 1] = logLeave + MathF.Log(1 - _pauseProbability);
            }
            else
            {
                logs[i, 1] = logLeave;
            }
        }
        var transitions = BandedTransitions.FromLogProbabilities(logs);
        var init = new float[n];
        init.AsSpan().Fill(float.NegativeInfinity);
        if (OptionalPauses)
        {
            init[0] = MathF.Log(_pauseProbability);
            init[S] = MathF.Log(1 - _pauseProbability);
        }
        else
        {
            init[0] = 0;
        }
        return new HmmModel(init, transitions);
    }

    /// <summary>
    /// Describes sequence <paramref name="b"/> of <paramref name="ties"/> as tied states (what <see cref="Fill"/> expands, without frame windows):
    /// token p's sub-state k reads model state <c>tokenStates[p * S + k]</c> plus its self-loop fold, an allowed pause reads
    /// <paramref name="pauseStates"/>, and only the last state of the last phone (or of an allowed trailing pause) may end.
    /// </summary>
    /// <param name="ties">Receives the description of sequence <paramref name="b"/>.</param>
    /// <param name="b">The sequence.</param>
    /// <param name="tokenStates">Its tokens' model states in context (<see cref="IAcousticModel.StatesInContext"/>), S per token.</param>
    /// <param name="sequence">Its phone sequence (for the pauses it allows).</param>
    /// <param name="pauseStates">The S model states of a pause (the silence phone's), or empty when the model has none.</param>
    /// <param name="fold">From <see cref="SelfLoopFold"/>.</param>
    public void Tie(TiedStateBatch ties, int b, ReadOnlySpan<int> tokenStates, PhoneSequence sequence, ReadOnlySpan<int> pauseStates, float[] fold)
    {
        Guard.NotNull(ties, nameof(ties));
        Guard.NotNull(sequence, nameof(sequence));
        Guard.NotNull(fold, nameof(fold));
        ties.Clear(b);
        int tokens = tokenStates.Length / S;
        for (int p = 0; p < tokens; p++)
            for (int k = 0; k < S; k++)
            {
                int state = tokenStates[p * S + k];
                ties.Tie(b, PhoneState(p, k), state, fold[state]);
            }
        if (OptionalPauses && pauseStates.Length == S)
        {
            for (int p = 0; p <= tokens; p++)
            {
                if (!sequence.PauseBefore(p)) continue;
                for (int k = 0; k < S; k++) ties.Tie(b, PauseState(p, k), pauseStates[k], fold[pauseStates[k]]);
            }
        }
        ties.AllowEnd(b, PhoneState(tokens - 1, S - 1));
        if (OptionalPauses && sequence.PauseBefore(tokens)) ties.AllowEnd(b, PauseState(tokens, S - 1));
    }

    /// <summary>
    /// Fills sequence <paramref name="b"/> of <paramref name="graph"/> from the per-model-state log-likelihoods
    /// <paramref name="stateLogLikelihoods"/>: token p's sub-state k reads model state <c>phones[p] * S + k</c>, an
    /// allowed pause reads the silence phone's states, the self-loop fold is added, and the end constraint and the
    /// optional frame windows (training: token p may only occupy frames <c>windows[p]</c>) become -infinity.
    /// </summary>
    /// <param name="graph">Receives sequence <paramref name="b"/>'s graph emissions and length.</param>
    /// <param name="b">The sequence.</param>
    /// <param name="frames">Its frames.</param>
    /// <param name="stateLogLikelihoods">The model states' emissions of the same sequence index.</param>
    /// <param name="phones">Its phones as model phone indices.</param>
    /// <param name="sequence">Its phone sequence (for the pauses it allows).</param>
    /// <param name="silence">The silence phone's index in the model, or -1.</param>
    /// <param name="fold">From <see cref="SelfLoopFold"/>.</param>
    /// <param name="windows">Per token the frames it may occupy, or null for no limit.</param>
    public void Fill(EmissionBatch graph, int b, int frames, EmissionBatch stateLogLikelihoods, int[] phones, PhoneSequence sequence,
        int silence, float[] fold, (int First, int Last)[]? windows)
    {
        Guard.NotNull(graph, nameof(graph));
        Guard.NotNull(stateLogLikelihoods, nameof(stateLogLikelihoods));
        Guard.NotNull(phones, nameof(phones));
        Guard.NotNull(sequence, nameof(sequence));
        Guard.NotNull(fold, nameof(fold));
        graph.SetLength(b, frames);
        int tokens = phones.Length;
        for (int t = 0; t < frames; t++)
        {
            var row = graph.Frame(b, t);
            row.Fill(float.NegativeInfinity);
            var ll = stateLogLikelihoods.Frame(b, t);
            for (int p = 0; p < tokens; p++)
            {
                if (windows is not null && (t < windows[p].First || t > windows[p].Last)) continue;
                int baseState = phones[p] * S;
                for (int k = 0; k < S; k++) row[PhoneState(p, k)] = ll[baseState + k] + fold[baseState + k];
            }
            if (OptionalPauses && silence >= 0)
            {
                int baseState = silence * S;
                for (int p = 0; p <= tokens; p++)
                {
                    if (!sequence.PauseBefore(p)) continue;
                    for (int k = 0; k < S; k++) row[PauseState(p, k)] = ll[baseState + k] + fold[baseState + k];
                }
            }
            if (t == frames - 1)
            {
                // Only complete paths may end here (see the remarks).
                int lastPhone = PhoneState(tokens - 1, S - 1);
                int lastPause = OptionalPauses && sequence.PauseBefore(tokens) ? PauseState(tokens, S - 1) : -1;
                for (int j = 0; j < row.Length; j++)
                {
                    if (j != lastPhone && j != lastPause) row[j] = float.NegativeInfinity;
                }
            }
        }
    }
}

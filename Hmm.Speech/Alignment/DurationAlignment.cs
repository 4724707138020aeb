using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading.Tasks;
using Hmm.Engine;
using Hmm.Simd;

namespace Hmm.Speech;

/// <summary>
/// The duration-aware final pass of <see cref="ForcedAligner"/> (<see cref="ForcedAlignerOptions.Durations"/>): per utterance a
/// left-to-right explicit-duration HMM whose states are the graph's slots (each phone token, each optional pause), each with
/// its phone's learned duration distribution, over frame scores taken from the phone's tied states; its Viterbi segmentation
/// becomes a frame path over the graph's slots (what <c>ForcedAligner.ToSegments</c> reads), and with posterior-mean placement
/// each slot's leave time is the expected number of frames spent in it and the slots before it (HSMM state occupancies).
/// </summary>
internal sealed class DurationAlignment
{
    private readonly IAcousticModel _model;
    private readonly ForcedAlignerOptions _options;
    private readonly PhoneDurations _durations;
    private readonly int _silence;
    private readonly int[] _durationPhone; // model phone index -> the durations' phone index
    private readonly ConcurrentBag<HsmmEngine> _engines = new();
    private HmmEngine? _emissionEngine;

    /// <summary>One utterance's duration-aware result: a frame path over graph states, per graph slot the leave time (or null), the score.</summary>
    public sealed record Result(int[] Path, double[]? LeaveTimes, double Score);

    public DurationAlignment(IAcousticModel model, ForcedAlignerOptions options)
    {
        _model = model;
        _options = options;
        _durations = options.Durations!;
        if (!(options.DurationWeight > 0) || double.IsInfinity(options.DurationWeight))
            throw new ArgumentOutOfRangeException(nameof(options), options.DurationWeight, "DurationWeight must be positive and finite.");
        if (options.DurationScore is not (DurationFrameScore.BestState or DurationFrameScore.MeanOfStates or DurationFrameScore.EachState))
            throw new ArgumentOutOfRangeException(nameof(options), options.DurationScore, "DurationScore must be BestState, MeanOfStates or EachState.");
        double hop = model.FrontEnd.HopLengthMs / 1000;
        if (Math.Abs(_durations.FrameSeconds - hop) > 1e-9)
            throw new ArgumentException($"Durations count frames of {_durations.FrameSeconds * 1000} ms but the model's hop is {model.FrontEnd.HopLengthMs} ms.", nameof(options));
        _durationPhone = new int[model.Phones.Count];
        for (int p = 0; p < _durationPhone.Length; p++)
        {
            int q = _durations.Phones.IndexOf(model.Phones[p]);
            if (q < 0) throw new ArgumentException($"Durations has no distribution for the model's phone '{model.Phones[p]}'.", nameof(options));
            _durationPhone[p] = q;
        }
        _silence = model.Phones.IndexOf(PhoneSet.Silence);
    }

    /// <summary>
    /// Aligns the batch's utterances that the plain pass aligned (outcome succeeded) with durations; null for an utterance the
    /// durations cannot cover (it keeps the plain alignment).
    /// </summary>
    public Result?[] Align(EmissionModel emissions, SequenceBatch features, GraphLayout layout, TiedStateBatch ties, int[] batch,
        IReadOnlyList<AlignmentInput> inputs, int[] frames, int[][] phones, AlignmentOutcome[] outcomes, IAlignmentBackend backend)
    {
        var engine = (backend as HostAlignmentBackend)?.Engine ?? (_emissionEngine ??= new HmmEngine(SimdWidth.Auto, _options.MaxDegreeOfParallelism));
        var logLikelihoods = new EmissionBatch(features.BatchSize, features.MaxLength, emissions.StateCount);
        engine.ComputeEmissions(emissions, features, logLikelihoods);
        var results = new Result?[batch.Length];
        Parallel.For(0, batch.Length, new ParallelOptions { MaxDegreeOfParallelism = _options.MaxDegreeOfParallelism }, b =>
        {
            int i = batch[b];
            if (outcomes[i] is not { Succeeded: true }) return;
            if (!_engines.TryTake(out var hsmm)) hsmm = new HsmmEngine();
            try { results[b] = AlignOne(hsmm, logLikelihoods, b, frames[i], phones[i], inputs[i].Sequence, layout, ties); }
            finally { _engines.Add(hsmm); }
        });
        return results;
    }

    private Result? AlignOne(HsmmEngine engine, EmissionBatch logLikelihoods, int b, int frames, int[] phones, PhoneSequence sequence,
        GraphLayout layout, TiedStateBatch ties)
    {
        int s = layout.S;
        // The slots in order: an optional pause before token p (where allowed), then token p.
        var slotState = new List<int>();  // the slot's first graph state
        var slotPhone = new List<int>();  // its model phone
        var slotPause = new List<bool>();
        bool pauses = layout.OptionalPauses && _silence >= 0;
        for (int p = 0; p <= phones.Length; p++)
        {
            if (pauses && sequence.PauseBefore(p))
            {
                slotState.Add(layout.PauseState(p, 0));
                slotPhone.Add(_silence);
                slotPause.Add(true);
            }
            if (p == phones.Length) break;
            slotState.Add(layout.PhoneState(p, 0));
            slotPhone.Add(phones[p]);
            slotPause.Add(false);
        }
        int n = slotState.Count;
        bool each = _options.DurationScore == DurationFrameScore.EachState;
        int u = each ? s : 1; // HSMM states per slot
        int d = Math.Min(frames, _durations.MaxFrames);
        var model = Model(slotPhone, slotPause, d, u);
        if (!model.CanCover(frames)) return null;

        // Frame scores: each slot's tied states (each its own HSMM state, or combined), divided by the duration weight.
        var scores = new EmissionBatch(1, frames, n * u);
        scores.SetLength(0, frames);
        float scale = (float)(1 / _options.DurationWeight);
        bool best = _options.DurationScore == DurationFrameScore.BestState;
        float logS = MathF.Log(s);
        var tied = new int[n * s];
        for (int j = 0; j < n; j++)
            for (int k = 0; k < s; k++) tied[j * s + k] = ties.TiedState(b, slotState[j] + k);
        for (int t = 0; t < frames; t++)
        {
            var ll = logLikelihoods.Frame(b, t);
            var row = scores.Frame(0, t);
            if (each)
            {
                for (int h = 0; h < n * s; h++) row[h] = ll[tied[h]] * scale;
                continue;
            }
            for (int j = 0; j < n; j++)
            {
                float max = float.NegativeInfinity;
                for (int k = 0; k < s; k++) max = MathF.Max(max, ll[tied[j * s + k]]);
                float value = max;
                if (!best && !float.IsNegativeInfinity(max))
                {
                    float sum = 0;
                    for (int k = 0; k < s; k++) sum += MathF.Exp(ll[tied[j * s + k]] - max);
                    value = max + MathF.Log(sum) - logS;
                }
                row[j] = value * scale;
            }
        }

        var viterbi = new HsmmViterbiResult(1, frames);
        engine.Viterbi(model, scores, viterbi);
        double score = viterbi.Scores[0];
        if (double.IsNegativeInfinity(score) || double.IsNaN(score)) return null;
        var path = new int[frames];
        foreach (var segment in viterbi.Segments(0))
            path.AsSpan(segment.Start, segment.Duration).Fill(slotState[segment.State / u] + (each ? segment.State % u : 0));

        double[]? leave = null;
        if (_options.Placement == BoundaryPlacement.PosteriorMean)
        {
            var posteriors = new HsmmPosteriors(1, frames, n * u, d);
            engine.Posteriors(model, scores, posteriors);
            if (!double.IsNegativeInfinity(posteriors.LogLikelihoods[0]) && !double.IsNaN(posteriors.LogLikelihoods[0]))
                leave = LeaveTimes(posteriors.StateOccupancy, viterbi.Segments(0), slotState, u, frames, (layout.StateCount - 1) / s, s);
        }
        return new Result(path, leave, score);
    }

    /// <summary>Frames either side of a Viterbi boundary over which its posterior mean is taken (40: 200 ms at a 5 ms hop).</summary>
    internal const int LeaveWindow = 40;

    /// <summary>
    /// Per graph slot on the Viterbi path, the posterior mean of leaving it: the Viterbi boundary b plus the sum over frames
    /// t of P(a later slot at t) - [t ≥ b], taken over <see cref="LeaveWindow"/> frames either side of b (further out the
    /// posterior is one or zero). P(a later slot at t) is read from the slots after it, which hold no probability before
    /// they start: the occupancy of a slot that has ended is a difference of two float32 sums (its starts less its ends)
    /// and keeps a rounding residue of up to a few thousandths for the rest of the utterance, which summed over all frames
    /// and slots (as a cumulative sum from the first slot would) moved boundaries by 10-20 ms late in an utterance.
    /// </summary>
    private static double[] LeaveTimes(StateLattice occupancy, ReadOnlySpan<HsmmSegment> segments, List<int> slotState, int u, int frames, int slots, int s)
    {
        var leave = new double[slots];
        int states = slotState.Count * u;
        for (int k = 0; k < segments.Length; k++)
        {
            int j = segments[k].State / u, b = segments[k].Start + segments[k].Duration;
            if (k + 1 < segments.Length && segments[k + 1].State / u == j) continue; // inside the slot: not a boundary
            double mean = b;
            if (k + 1 < segments.Length)
            {
                for (int t = Math.Max(0, b - LeaveWindow); t < Math.Min(frames, b + LeaveWindow); t++)
                {
                    var row = occupancy.Frame(0, t);
                    double later = 0;
                    for (int q = (j + 1) * u; q < states; q++) later += row[q];
                    mean += (1 - Math.Min(1, later)) - (t < b ? 1 : 0);
                }
            }
            leave[slotState[j] / s] = mean;
        }
        // Keep the leave times of the path's slots in order.
        double last = 0;
        foreach (var segment in segments)
        {
            int slot = slotState[segment.State / u] / s;
            last = leave[slot] = Math.Max(last, leave[slot]);
        }
        return leave;
    }

    /// <summary>
    /// The left-to-right HSMM over the slots (pauses optional with the aligner's pause probability), <paramref name="u"/> states
    /// per slot: 1 (the slot's duration is its phone's), or the phone's S states in order, each with a gamma distribution of a
    /// 1/S share of the phone's mean and variance (S independent such gammas sum to a gamma of the phone's moments).
    /// </summary>
    private HsmmModel Model(List<int> slotPhone, List<bool> slotPause, int d, int u)
    {
        int n = slotPhone.Count, m = n * u;
        float q = (float)_options.PauseProbability;
        float logPause = MathF.Log(q), logNoPause = MathF.Log(1 - q);
        var initial = new float[m];
        var final = new float[m];
        var transitions = new float[m, m];
        initial.AsSpan().Fill(float.NegativeInfinity);
        final.AsSpan().Fill(float.NegativeInfinity);
        for (int i = 0; i < m; i++) for (int j = 0; j < m; j++) transitions[i, j] = float.NegativeInfinity;
        int First(int j) => j * u;
        int Last(int j) => j * u + u - 1;
        for (int j = 0; j < n; j++)
            for (int k = 0; k + 1 < u; k++) transitions[j * u + k, j * u + k + 1] = 0; // through the phone's states in order
        // The first slot may be a pause: start there with q or at the first phone with 1 - q.
        if (slotPause[0])
        {
            initial[First(0)] = logPause;
            initial[First(1)] = logNoPause;
        }
        else initial[First(0)] = 0;
        for (int j = 0; j < n; j++)
        {
            if (slotPause[j])
            {
                if (j + 1 < n) transitions[Last(j), First(j + 1)] = 0; // a pause leads to the next phone
                continue;
            }
            // A phone: to the pause after it (q) and past it (1 - q), or straight to the next phone.
            if (j + 1 < n && slotPause[j + 1])
            {
                transitions[Last(j), First(j + 1)] = j + 2 < n ? logPause : 0;
                if (j + 2 < n) transitions[Last(j), First(j + 2)] = logNoPause;
            }
            else if (j + 1 < n) transitions[Last(j), First(j + 1)] = 0;
        }
        // The sequence ends in the last phone or in a trailing pause after it.
        if (slotPause[n - 1])
        {
            final[Last(n - 1)] = logPause;
            final[Last(n - 2)] = logNoPause;
        }
        else final[Last(n - 1)] = 0;
        var durations = new float[m, d];
        var row = new double[d];
        for (int j = 0; j < n; j++)
        {
            var table = _durations.LogDistribution(_durationPhone[slotPhone[j]]);
            if (u > 1)
            {
                // The phone's moments, split over its u states.
                double mean = 0, second = 0;
                for (int k = 0; k < table.Length; k++)
                {
                    double p = Math.Exp(table[k]);
                    mean += (k + 1) * p;
                    second += (k + 1) * (double)(k + 1) * p;
                }
                double variance = Math.Max(second - mean * mean, 1e-3), share = Math.Max(mean / u - 0.5, 0.5), shareVariance = Math.Max(variance / u, 1e-3);
                var p1 = DurationDistributions.Gamma(share * share / shareVariance, shareVariance / share, d);
                for (int k = 0; k < d; k++) row[k] = Math.Max(p1[k], PhoneDurations.Floor);
            }
            else
            {
                for (int k = 0; k < d; k++) row[k] = Math.Exp(table[k]);
            }
            double sum = 0;
            for (int k = 0; k < d; k++) sum += row[k];
            for (int v = 0; v < u; v++)
                for (int k = 0; k < d; k++) durations[j * u + v, k] = (float)Math.Log(row[k] / sum);
        }
        return new HsmmModel(initial, transitions, durations, final);
    }
}

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
        if (options.DurationScore is not (DurationFrameScore.BestState or DurationFrameScore.MeanOfStates))
            throw new ArgumentOutOfRangeException(nameof(options), options.DurationScore, "DurationScore must be BestState or MeanOfStates.");
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
        int d = Math.Min(frames, _durations.MaxFrames);
        var model = Model(slotPhone, slotPause, d);
        if (!model.CanCover(frames)) return null;

        // Frame scores: each slot's tied states combined, divided by the duration weight.
        var scores = new EmissionBatch(1, frames, n);
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
            path.AsSpan(segment.Start, segment.Duration).Fill(slotState[segment.State]);

        double[]? leave = null;
        if (_options.Placement == BoundaryPlacement.PosteriorMean)
        {
            var posteriors = new HsmmPosteriors(1, frames, n, d);
            engine.Posteriors(model, scores, posteriors);
            if (!double.IsNegativeInfinity(posteriors.LogLikelihoods[0]) && !double.IsNaN(posteriors.LogLikelihoods[0]))
            {
                // Expected frames spent in slot j or before it: the posterior mean of leaving slot j.
                var cumulative = new double[n];
                for (int t = 0; t < frames; t++)
                {
                    var occupancy = posteriors.StateOccupancy.Frame(0, t);
                    double running = 0;
                    for (int j = 0; j < n; j++)
                    {
                        running += occupancy[j];
                        cumulative[j] += Math.Min(1, running);
                    }
                }
                leave = new double[(layout.StateCount - 1) / s];
                for (int j = 0; j < n; j++) leave[slotState[j] / s] = cumulative[j];
                // Keep the leave times of the path's slots in order (rounding could otherwise cross two near-equal ones).
                double last = 0;
                for (int j = 0; j < n; j++)
                {
                    last = Math.Max(last, leave[slotState[j] / s]);
                    leave[slotState[j] / s] = last;
                }
            }
        }
        return new Result(path, leave, score);
    }

    /// <summary>The left-to-right HSMM over the slots: pauses optional with the aligner's pause probability.</summary>
    private HsmmModel Model(List<int> slotPhone, List<bool> slotPause, int d)
    {
        int n = slotPhone.Count;
        float q = (float)_options.PauseProbability;
        float logPause = MathF.Log(q), logNoPause = MathF.Log(1 - q);
        var initial = new float[n];
        var final = new float[n];
        var transitions = new float[n, n];
        initial.AsSpan().Fill(float.NegativeInfinity);
        final.AsSpan().Fill(float.NegativeInfinity);
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) transitions[i, j] = float.NegativeInfinity;
        // The first slot may be a pause: start there with q or at the first phone with 1 - q.
        if (slotPause[0])
        {
            initial[0] = logPause;
            initial[1] = logNoPause;
        }
        else initial[0] = 0;
        for (int j = 0; j < n; j++)
        {
            if (slotPause[j])
            {
                if (j + 1 < n) transitions[j, j + 1] = 0; // a pause leads to the next phone
                continue;
            }
            // A phone: to the pause after it (q) and past it (1 - q), or straight to the next phone.
            if (j + 1 < n && slotPause[j + 1])
            {
                transitions[j, j + 1] = j + 2 < n ? logPause : 0;
                if (j + 2 < n) transitions[j, j + 2] = logNoPause;
            }
            else if (j + 1 < n) transitions[j, j + 1] = 0;
        }
        // The sequence ends in the last phone or in a trailing pause after it.
        if (slotPause[n - 1])
        {
            final[n - 1] = logPause;
            final[n - 2] = logNoPause;
        }
        else final[n - 1] = 0;
        var durations = new float[n, d];
        var row = new double[d];
        for (int j = 0; j < n; j++)
        {
            var table = _durations.LogDistribution(_durationPhone[slotPhone[j]]);
            double sum = 0;
            for (int k = 0; k < d; k++) sum += row[k] = Math.Exp(table[k]);
            for (int k = 0; k < d; k++) durations[j, k] = (float)Math.Log(row[k] / sum);
        }
        return new HsmmModel(initial, transitions, durations, final);
    }
}

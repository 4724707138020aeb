using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Hmm.Speech.Audio;
using Hmm.Engine;
using Hmm.Simd;

namespace Hmm.Speech;

/// <summary>One utterance to align: its audio (mono, at the model's sample rate, full scale +/-1) and what was said.</summary>
/// <param name="Name">A name for messages and results.</param>
/// <param name="Samples">The audio.</param>
/// <param name="Sequence">The phones (and optional pauses) to place.</param>
public sealed record AlignmentInput(string Name, float[] Samples, PhoneSequence Sequence)
{
    /// <summary>Where this input's audio starts in <see cref="Samples"/> (a piece of a long recording shares its array).</summary>
    internal int SampleOffset { get; init; }

    /// <summary>Samples of this input's audio (null: to the end of <see cref="Samples"/>).</summary>
    internal int? SampleCount { get; init; }

    /// <summary>This input's audio: <see cref="Samples"/>, or a piece's part of them.</summary>
    internal ReadOnlySpan<float> Audio => Samples.AsSpan(SampleOffset, AudioLength);

    /// <summary>Samples in <see cref="Audio"/>.</summary>
    internal int AudioLength => SampleCount ?? Samples.Length - SampleOffset;
}

/// <summary>The alignment of one utterance, or why it failed.</summary>
public sealed class AlignmentOutcome
{
    internal AlignmentOutcome(string name, IReadOnlyList<PhoneSegment>? segments, string? error, double logLikelihood, int frames,
        int pieces = 1, IReadOnlyList<TranscriptMismatch>? mismatches = null)
    {
        Name = name;
        Segments = segments;
        Error = error;
        LogLikelihood = logLikelihood;
        Frames = frames;
        Pieces = pieces;
        Mismatches = mismatches ?? Array.Empty<TranscriptMismatch>();
    }

    /// <summary>
    /// Pieces the recording was aligned in: 1, or more for one longer than <see cref="ForcedAlignerOptions.SplitLongerThanSeconds"/>
    /// (cut at word boundaries where a free phone recogniser and the transcript agree).
    /// </summary>
    public int Pieces { get; }

    /// <summary>
    /// Where the transcript and what a free phone recogniser heard disagree (found for recordings longer than
    /// <see cref="ForcedAlignerOptions.SplitLongerThanSeconds"/>; empty otherwise and where none was found).
    /// </summary>
    public IReadOnlyList<TranscriptMismatch> Mismatches { get; }

    /// <summary>The input's name.</summary>
    public string Name { get; }

    /// <summary>The segments tiling the audio from 0 to its end (null on failure).</summary>
    public IReadOnlyList<PhoneSegment>? Segments { get; }

    /// <summary>Why the utterance could not be aligned (null on success).</summary>
    public string? Error { get; }

    /// <summary>Whether <see cref="Segments"/> holds an alignment.</summary>
    public bool Succeeded => Error is null;

    /// <summary>Viterbi log score of the alignment (NaN on failure).</summary>
    public double LogLikelihood { get; }

    /// <summary>Feature frames of the utterance.</summary>
    public int Frames { get; }
}

/// <summary>Options of <see cref="ForcedAligner"/>.</summary>
public sealed record ForcedAlignerOptions
{
    /// <summary>Utterances decoded per engine call (16). Larger batches pad more; smaller ones call more often.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>
    /// Most lattice cells (frames x graph states, padded) one batch may hold (2^23, about 32 MB per lattice; a batch's
    /// passes hold a few): long utterances go in smaller batches, and one that alone exceeds it fails with a message
    /// asking to split it. Recordings longer than <see cref="SplitLongerThanSeconds"/> are aligned in pieces (of up to
    /// about 12 s where the transcript allows: a longer piece goes alone in its batch, past this limit if need be).
    /// </summary>
    public long MaxCellsPerBatch { get; init; } = 1L << 23;

    /// <summary>
    /// Recordings longer than this (30 s) are cut into pieces that align one by one, so that time and memory grow with the
    /// length (an hour is fine) instead of its square: a free phone recogniser transcribes the audio, its phones are matched
    /// with the transcript's, and the cuts fall at word boundaries where both agree on three phones either side, in
    /// the middle of a pause where the recogniser heard one (pieces of about 2 to 12 s). Where the two disagree is
    /// reported (<see cref="AlignmentOutcome.Mismatches"/>). <see cref="double.PositiveInfinity"/> aligns every
    /// recording in one piece (up to <see cref="MaxCellsPerBatch"/>).
    /// </summary>
    public double SplitLongerThanSeconds { get; init; } = 30;

    /// <summary>Threads for feature extraction and decoding (1).</summary>
    public int MaxDegreeOfParallelism { get; init; } = 1;

    /// <summary>
    /// The engine of the default backend (a <see cref="HostAlignmentBackend"/>); null creates an <see cref="HmmEngine"/> with
    /// <see cref="MaxDegreeOfParallelism"/> threads. Ignored when <see cref="Backend"/> is set. The caller owns it.
    /// </summary>
    public IHmmEngine? Engine { get; init; }

    /// <summary>
    /// Where the passes run (null: a <see cref="HostAlignmentBackend"/> over <see cref="Engine"/>). Hmm.Gpu's backend keeps the
    /// lattices on the device. The caller owns it; one aligner uses it from one thread at a time.
    /// </summary>
    public IAlignmentBackend? Backend { get; init; }

    /// <summary>
    /// Rounds of adaptation to the audio being aligned before the final alignment (2; 0 disables): forward-backward
    /// over all utterances of the call with their own transcripts, then a MAP update of the component means. It
    /// moves the model toward the voices and channel at hand, which matters most for voices unlike the training ones.
    /// </summary>
    public int AdaptationIterations { get; init; } = 2;

    /// <summary>
    /// Whether to subtract the model's systematic boundary offsets by phone class pair (true): they are measured on
    /// the training data when the model is trained (<see cref="AcousticModel.BoundaryOffset"/>).
    /// </summary>
    public bool CorrectBoundaries { get; init; } = true;

    /// <summary>
    /// Where each boundary goes (<see cref="BoundaryPlacement.PosteriorMean"/>): the Viterbi path fixes the segments,
    /// then each boundary can move to its expected time under the state posteriors of the same graph (forward-backward),
    /// which averages over the near-equal paths instead of taking the single best one and gives sub-frame positions.
    /// </summary>
    public BoundaryPlacement Placement { get; init; } = BoundaryPlacement.PosteriorMean;

    /// <summary>Prior probability of a pause where text-given alignment allows one (between words, at the ends) (0.5).</summary>
    public double PauseProbability { get; init; } = 0.5;

    /// <summary>
    /// Most seconds of audio the adaptation rounds read (600): past it they read batches spread evenly over the call (an
    /// hour-long recording adapts on a sixth of its pieces), which moves the means almost as far for a sixth of the cost;
    /// the final pass still aligns everything. <see cref="double.PositiveInfinity"/> reads all.
    /// </summary>
    public double AdaptationMaxSeconds { get; init; } = 600;

    /// <summary>MAP prior weight tau in frames (10): how much data a component needs before its mean follows the new audio halfway.</summary>
    public double AdaptationPriorWeight { get; init; } = 10;

    /// <summary>
    /// MLLR mean transforms estimated in every adaptation round (<see cref="MllrRegression.None"/>, the default): an affine
    /// map <c>mu' = A mu + b</c> of the trained means (one global, or one per phone class), from the same occupancies
    /// as the MAP update; it moves every Gaussian, also those that see no data. With <see cref="MapAdaptation"/> the MAP
    /// update follows, its prior being the transformed model. Needs <see cref="AdaptationIterations"/> above 0.
    /// </summary>
    public MllrRegression Mllr { get; init; } = MllrRegression.None;

    /// <summary>
    /// Ridge of the MLLR estimate toward the identity (0.01): each row's penalty weight is this share of the row's
    /// occupancy over variance (the data weight of its bias term). Must be positive and finite.
    /// </summary>
    public double MllrRidge { get; init; } = 0.01;

    /// <summary>Whether each adaptation round ends with the per-Gaussian MAP update of the means (true).</summary>
    public bool MapAdaptation { get; init; } = true;

    /// <summary>
    /// Duration-aware alignment (null, the default: off). When set, the final pass places the phones with an explicit-duration
    /// HMM (<see cref="HsmmEngine"/>): one left-to-right segment per phone (and per optional pause), each phone's duration
    /// drawn from its learned distribution (<see cref="AcousticModel.Durations"/>, in frames of the model's hop), its frames
    /// scored as <see cref="DurationScore"/> says from the phone's states (as adapted). Boundaries follow
    /// <see cref="Placement"/> (the HSMM's Viterbi segments, or their posterior means: on speech-dev the Viterbi ones scored
    /// better, BENCHMARKS.md) and the model's offsets as usual. A recording the durations cannot cover keeps the plain alignment.
    /// </summary>
    public PhoneDurations? Durations { get; init; }

    /// <summary>
    /// How duration-aware alignment scores a phone's segment from its states (<see cref="DurationFrameScore.BestState"/>:
    /// with <see cref="DurationWeight"/> 10 it scored best on the training voices of speech-dev's leave-one-voice-out folds).
    /// </summary>
    public DurationFrameScore DurationScore { get; init; } = DurationFrameScore.BestState;

    /// <summary>
    /// Weight of the duration log-probabilities against the acoustic scores in duration-aware alignment (10): the HSMM sees
    /// each frame's acoustic score divided by it (5 ms frames of 25 ms windows count each stretch of audio five times over).
    /// Of 1, 3 and 10, 10 scored best on each leave-one-voice-out fold's own training voice (BENCHMARKS.md); it pulls
    /// phones toward their learned lengths, which hurts speech much slower than the training labels. Positive and finite.
    /// </summary>
    public double DurationWeight { get; init; } = 10;

}

/// <summary>How duration-aware alignment (<see cref="ForcedAlignerOptions.Durations"/>) scores a phone's segment from its states.</summary>
public enum DurationFrameScore
{
    /// <summary>
    /// One explicit-duration state per phone; each frame scores the best of the phone's states at that frame (max), in any
    /// order. A phone may then last fewer frames than it has states (one frame), which the plain aligner cannot do.
    /// </summary>
    BestState,

    /// <summary>As <see cref="BestState"/>, each frame scoring the log of the mean of the phone's states' likelihoods.</summary>
    MeanOfStates,

    /// <summary>
    /// Each of the phone's S states is an explicit-duration state of its own, in order, scored by its own likelihood, with a
    /// gamma duration of a 1/S share of the phone's mean and variance (S times the states of the other two: slower). A phone
    /// lasts at least S frames, as in the plain aligner.
    /// </summary>
    EachState,
}

/// <summary>How <see cref="ForcedAligner"/> places boundaries once the best path is known.</summary>
public enum BoundaryPlacement
{
    /// <summary>At the frame where the Viterbi path changes segment.</summary>
    Viterbi,

    /// <summary>
    /// At the expected frame of leaving the segment: the sum over frames of the posterior probability of still being
    /// in it or an earlier one (forward-backward over the same graph), i.e. the posterior mean of the boundary.
    /// </summary>
    PosteriorMean,
}

/// <summary>
/// Forced alignment: places a known phone sequence in audio with the phone models of an <see cref="AcousticModel"/>.
/// Utterances are sorted by length and decoded in batches: one emission pass (all phone states) and one batched
/// Viterbi call per batch over a shared graph layout (see <c>GraphLayout</c>). Per-utterance problems (phones the
/// model lacks, empty or too-short audio) become failed <see cref="AlignmentOutcome"/>s; the others still align.
/// </summary>
public sealed class ForcedAligner
{
    private readonly IAcousticModel _model;
    private readonly ForcedAlignerOptions _options;
    private readonly IAlignmentBackend _backend;
    private SequenceBatch? _loaded; // the batch the backend holds: one batch in all rounds is loaded once
    private readonly float[] _fold;
    private readonly int _silence;
    private readonly int[] _pauseStates; // the silence phone's states, or none
    private readonly FeatureExtractor _frameCounter;
    // Feature extractors reused across calls: each worker of the features stage takes one and gives it back.
    private readonly System.Collections.Concurrent.ConcurrentBag<FeatureExtractor> _extractors = new();
    private readonly ReusedArrays _paddedStorage = new(); // the batches' padded features, kept from call to call
    private readonly DurationAlignment? _durations; // the duration-aware final pass, when ForcedAlignerOptions.Durations is set

    /// <summary>Creates an aligner for <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentException">An option is out of range (the message names which).</exception>
    public ForcedAligner(IAcousticModel model, ForcedAlignerOptions? options = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _options = options ?? new ForcedAlignerOptions();
        if (_options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), _options.BatchSize, "BatchSize must be at least 1.");
        if (_options.AdaptationIterations < 0) throw new ArgumentOutOfRangeException(nameof(options), _options.AdaptationIterations, "AdaptationIterations must not be negative.");
        if (_options.Mllr is not (MllrRegression.None or MllrRegression.Global or MllrRegression.Classes)) throw new ArgumentOutOfRangeException(nameof(options), _options.Mllr, "Mllr must be None, Global or Classes.");
        if (!(_options.MllrRidge > 0) || !double.IsFinite(_options.MllrRidge)) throw new ArgumentOutOfRangeException(nameof(options), _options.MllrRidge, "MllrRidge must be positive and finite.");
        if (!(_options.AdaptationPriorWeight > 0)) throw new ArgumentOutOfRangeException(nameof(options), _options.AdaptationPriorWeight, "AdaptationPriorWeight must be positive.");
        if (!(_options.PauseProbability > 0 && _options.PauseProbability < 1)) throw new ArgumentOutOfRangeException(nameof(options), _options.PauseProbability, "PauseProbability must be in (0, 1).");
        if (_options.MaxCellsPerBatch < 1) throw new ArgumentOutOfRangeException(nameof(options), _options.MaxCellsPerBatch, "MaxCellsPerBatch must be positive.");
        if (!(_options.AdaptationMaxSeconds > 0)) throw new ArgumentOutOfRangeException(nameof(options), _options.AdaptationMaxSeconds, "AdaptationMaxSeconds must be positive.");
        if (!(_options.SplitLongerThanSeconds > 0)) throw new ArgumentOutOfRangeException(nameof(options), _options.SplitLongerThanSeconds, "SplitLongerThanSeconds must be positive.");
        if (_options.MaxDegreeOfParallelism < 1) throw new ArgumentOutOfRangeException(nameof(options), _options.MaxDegreeOfParallelism, "MaxDegreeOfParallelism must be at least 1.");
        if (_options.Durations is not null) _durations = new DurationAlignment(model, _options);
        _backend = _options.Backend
            ?? new HostAlignmentBackend(_options.Engine ?? new HmmEngine(SimdWidth.Auto, _options.MaxDegreeOfParallelism), _options.MaxDegreeOfParallelism);
        _fold = GraphLayout.SelfLoopFold(model);
        _silence = model.Phones.IndexOf(PhoneSet.Silence);
        _pauseStates = new int[_silence >= 0 ? model.StatesPerPhone : 0];
        for (int k = 0; k < _pauseStates.Length; k++) _pauseStates[k] = model.StateOf(_silence, k);
        _frameCounter = new FeatureExtractor(model.FrontEnd);
    }

    /// <summary>The model in use.</summary>
    public IAcousticModel Model => _model;

    /// <summary>The padded feature storage kept between calls (tests).</summary>
    internal ReusedArrays PaddedStorage => _paddedStorage;

    /// <summary>Aligns one utterance (see <see cref="Align(IReadOnlyList{AlignmentInput}, IProgress{int}?)"/>).</summary>
    public AlignmentOutcome Align(AlignmentInput input) => Align(new[] { input })[0];

    /// <summary>Aligns many utterances; results come back in input order.</summary>
    /// <param name="inputs">The utterances.</param>
    /// <param name="progress">Receives the number of utterances finished so far (optional).</param>
    public AlignmentOutcome[] Align(IReadOnlyList<AlignmentInput> inputs, IProgress<int>? progress = null) => Align(inputs, progress, null);

    /// <summary>Aligns many utterances and adds the time of each stage to <paramref name="timings"/>; results come back in input order.</summary>
    /// <param name="inputs">The utterances.</param>
    /// <param name="progress">Receives the number of utterances finished so far (optional).</param>
    /// <param name="timings">Receives the wall time of each stage (optional; added to what it holds).</param>
    public AlignmentOutcome[] Align(IReadOnlyList<AlignmentInput> inputs, IProgress<int>? progress, AlignmentTimings? timings)
    {
        Guard.NotNull(inputs, nameof(inputs));
        var split = SplitLong(inputs, timings);
        if (split is null) return AlignPieces(inputs, progress, timings);
        var pieces = AlignPieces(split.Inputs, split.Progress(progress), timings);
        return split.Stitch(pieces);
    }

    /// <summary>Aligns inputs each in one piece (the batches, the adaptation rounds, the final pass).</summary>
    private AlignmentOutcome[] AlignPieces(IReadOnlyList<AlignmentInput> inputs, IProgress<int>? progress, AlignmentTimings? timings)
    {
        var run = Adapt(inputs, progress, timings);
        int done = run.Done;
        foreach (var state in run.States)
        {
            DecodeBatch(run.Model, run.Work, state, run.Outcomes);
            _paddedStorage.Return(state.Features!.Data);
            state.Features = null;
            state.Ties = null;
            done += state.Members.Length;
            progress?.Report(done);
        }
        return run.Outcomes;
    }

    /// <summary>
    /// The model with its means adapted to <paramref name="inputs"/>: the <see cref="ForcedAlignerOptions.AdaptationIterations"/>
    /// rounds that <see cref="Align(IReadOnlyList{AlignmentInput}, IProgress{int}?)"/> runs before it decodes, without
    /// decoding: for another decoder of the same voice (a lip-sync processor over a folder of one speaker's lines).
    /// Utterances that cannot be aligned are left out; <see cref="Model"/> itself when no round runs or none can be.
    /// </summary>
    public IAcousticModel AdaptedModel(IReadOnlyList<AlignmentInput> inputs)
    {
        Guard.NotNull(inputs, nameof(inputs));
        var run = Adapt(SplitLong(inputs, null)?.Inputs ?? inputs, null, null);
        foreach (var state in run.States)
        {
            if (state.Features is { } features) _paddedStorage.Return(features.Data);
            state.Features = null;
            state.Ties = null;
        }
        return run.Model;
    }

    /// <summary>
    /// The inputs with every one longer than <see cref="ForcedAlignerOptions.SplitLongerThanSeconds"/> replaced by its
    /// pieces (<see cref="LongAudioSplitter"/>); null when none is.
    /// </summary>
    private SplitInputs? SplitLong(IReadOnlyList<AlignmentInput> inputs, AlignmentTimings? timings)
    {
        int rate = _model.FrontEnd.SampleRate;
        var plans = new LongAudioSplitter.Plan?[inputs.Count];
        var laps = new Laps(timings, Stopwatch.GetTimestamp());
        var longOnes = Enumerable.Range(0, inputs.Count)
            .Where(i => inputs[i]?.Samples is not null && inputs[i].AudioLength > _options.SplitLongerThanSeconds * rate).ToArray();
        if (longOnes.Length == 0) return null;
        _splitter ??= new LongAudioSplitter(_model);
        Parallel.ForEach(longOnes, Parallelism, i =>
        {
            if (Check(inputs[i], out _, out int[] phones) is null) plans[i] = _splitter.Split(inputs[i], phones, MinPieceSeconds, MaxPieceSeconds);
        });
        laps.Lap(AlignmentStage.Splitting);
        return new SplitInputs(inputs, plans, rate, FrameCount);
    }

    private LongAudioSplitter? _splitter;

    /// <summary>The shortest piece a long recording is cut into where it can be cut in a pause (2 s).</summary>
    internal const double MinPieceSeconds = 2;

    /// <summary>Past this length (12 s) a piece ends at the last anchored word boundary even without a pause.</summary>
    internal const double MaxPieceSeconds = 12;

    /// <summary>Inputs with the long ones as their pieces, and how to put their outcomes together again.</summary>
    private sealed class SplitInputs
    {
        private readonly IReadOnlyList<AlignmentInput> _original;
        private readonly LongAudioSplitter.Plan?[] _plans;
        private readonly int[] _first; // each original input's first entry in Inputs
        private readonly int _rate;
        private readonly Func<int, int> _frameCount;

        public SplitInputs(IReadOnlyList<AlignmentInput> original, LongAudioSplitter.Plan?[] plans, int rate, Func<int, int> frameCount)
        {
            _original = original;
            _plans = plans;
            _rate = rate;
            _frameCount = frameCount;
            _first = new int[original.Count];
            var inputs = new List<AlignmentInput>(original.Count);
            for (int i = 0; i < original.Count; i++)
            {
                _first[i] = inputs.Count;
                if (plans[i] is { Pieces.Count: > 1 } plan) inputs.AddRange(plan.Pieces.Select(p => LongAudioSplitter.PieceInput(original[i], p, rate)));
                else inputs.Add(original[i]);
            }
            Inputs = inputs;
        }

        /// <summary>What the aligner aligns: short inputs as they are, long ones as their pieces.</summary>
        public List<AlignmentInput> Inputs { get; }

        /// <summary>Pieces finished, reported as the share of original inputs (the count the caller expects).</summary>
        public IProgress<int>? Progress(IProgress<int>? outer) =>
            outer is null ? null : new ScaledProgress(outer, _original.Count, Inputs.Count);

        /// <summary>One outcome per original input: a long one's pieces stitched, or its first failing piece's error.</summary>
        public AlignmentOutcome[] Stitch(AlignmentOutcome[] pieces)
        {
            var outcomes = new AlignmentOutcome[_original.Count];
            for (int i = 0; i < outcomes.Length; i++)
            {
                var plan = _plans[i];
                int count = plan is { Pieces.Count: > 1 } ? plan.Pieces.Count : 1;
                var own = pieces.AsSpan(_first[i], count).ToArray();
                var mismatches = plan?.Mismatches;
                if (count == 1)
                {
                    var o = own[0];
                    outcomes[i] = mismatches is { Count: > 0 } ? new AlignmentOutcome(o.Name, o.Segments, o.Error, o.LogLikelihood, o.Frames, 1, mismatches) : o;
                    continue;
                }
                var input = _original[i];
                int frames = _frameCount(input.AudioLength);
                if (own.FirstOrDefault(o => !o.Succeeded) is { } failed)
                {
                    outcomes[i] = new AlignmentOutcome(input.Name, null, $"the piece {failed.Name.Substring(input.Name.Length).Trim()}: {failed.Error}", double.NaN, frames, count, mismatches);
                    continue;
                }
                var segments = LongAudioSplitter.Stitch(plan!.Pieces, own.Select(o => o.Segments!).ToArray(), _rate);
                outcomes[i] = new AlignmentOutcome(input.Name, segments, null, own.Sum(o => o.LogLikelihood), frames, count, mismatches);
            }
            return outcomes;
        }

        private sealed class ScaledProgress(IProgress<int> outer, int originals, int pieces) : IProgress<int>
        {
            public void Report(int value) => outer.Report((int)((long)value * originals / Math.Max(1, pieces)));
        }
    }

    /// <summary>What <see cref="Adapt"/> leaves for decoding: the outcomes of the inputs refused, the batches, the adapted model.</summary>
    private sealed record AdaptedRun(AlignmentOutcome[] Outcomes, BatchState[] States, BatchWork Work, IAcousticModel Model, int Done);

    /// <summary>Checks the inputs, builds the batches with their features, and runs the adaptation rounds.</summary>
    private AdaptedRun Adapt(IReadOnlyList<AlignmentInput> inputs, IProgress<int>? progress, AlignmentTimings? timings)
    {
        Guard.NotNull(inputs, nameof(inputs));
        long clock = Stopwatch.GetTimestamp();
        var outcomes = new AlignmentOutcome[inputs.Count];
        var frames = new int[inputs.Count];
        var phones = new int[inputs.Count][];
        int done = 0;
        // Longest first, so that the last utterances to start are short ones (load balance across the workers).
        var order = new int[inputs.Count];
        var lengths = new int[inputs.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
            lengths[i] = inputs[i]?.Samples is null ? 0 : -inputs[i].AudioLength;
        }
        Array.Sort(lengths, order);
        // The checks come first: frame counts and phones fix the batches, so the features can then be extracted
        // straight into each batch's padded rows (no per-utterance feature arrays, no copy).
        Parallel.For(0, inputs.Count, Parallelism, q =>
        {
            int i = order[q];
            string? error = Check(inputs[i], out frames[i], out phones[i]);
            if (error is not null)
            {
                outcomes[i] = new AlignmentOutcome(inputs[i]?.Name ?? $"#{i}", null, error, double.NaN, frames[i]);
                progress?.Report(System.Threading.Interlocked.Increment(ref done));
            }
        });
        var laps = new Laps(timings, clock);
        bool optional = inputs.Any(x => x?.Sequence?.HasOptionalPauses == true);
        foreach (int i in Enumerable.Range(0, inputs.Count).Where(i => outcomes[i] is null))
        {
            long cells = Cells(1, frames[i], phones[i].Length, optional);
            // A piece of a long recording goes alone past the limit: failing it would fail the whole recording.
            if ((cells > _options.MaxCellsPerBatch && inputs[i].SampleCount is null) || cells > int.MaxValue)
            {
                outcomes[i] = new AlignmentOutcome(inputs[i].Name, null,
                    $"too long to align in one pass: {frames[i]} frames x {phones[i].Length} phones needs {cells} lattice cells (limit {_options.MaxCellsPerBatch}); split the audio and its transcript.", double.NaN, frames[i]);
                progress?.Report(++done);
            }
        }
        var batches = Batches(Enumerable.Range(0, inputs.Count).Where(i => outcomes[i] is null).OrderBy(i => frames[i]), frames, phones, optional);
        // The padded features and tied-state graphs of a batch are the same in every round: made once, reused.
        var states = batches.Select(b => new BatchState(b)).ToArray();
        ExtractIntoBatches(inputs, order, outcomes, frames, states);
        laps.Lap(AlignmentStage.Features);
        var work = new BatchWork(inputs, frames, phones, laps);
        IAcousticModel adapted = _model;
        // Adaptation updates Gaussian mixture means: models of another kind (Sphinx's tied mixtures) are used as they are.
        var model = _model as AcousticModel;
        var adaptOn = model is null || _options.AdaptationIterations == 0 ? states : AdaptationBatches(states, frames);
        for (int round = 0; model is not null && round < _options.AdaptationIterations && batches.Count > 0; round++)
        {
            var adaptation = new MeanAdaptation((AcousticModel)_model, model);
            var statistics = GmmStatistics.For(model.Emissions, adaptOn.Max(b => b.Members.Length));
            foreach (var state in adaptOn)
            {
                Prepare(model, work, state);
                Load(state.Features!);
                _backend.AccumulateStatistics(model.Emissions, state.Layout!.Model, state.Ties!, StatisticsThresholds.Default, statistics);
                laps.Lap(AlignmentStage.AdaptationPosteriors); // each batch's own: the next batch's graphs are timed apart
            }
            adaptation.AddStatistics(statistics, _options.MaxDegreeOfParallelism);
            model = adaptation.Adapted(_options.AdaptationPriorWeight, _options.Mllr, _options.MllrRidge, _options.MapAdaptation, _options.MaxDegreeOfParallelism);
            laps.Lap(AlignmentStage.AdaptationUpdate);
            adapted = model;
        }
        return new AdaptedRun(outcomes, states, work, adapted, done);
    }

    /// <summary>
    /// The batches the adaptation rounds read: all of them up to <see cref="ForcedAlignerOptions.AdaptationMaxSeconds"/> of
    /// audio, else as many as fit spread evenly over the list (which runs from the shortest utterances to the longest).
    /// </summary>
    private BatchState[] AdaptationBatches(BatchState[] states, int[] frames)
    {
        var fe = _model.FrontEnd;
        double limit = _options.AdaptationMaxSeconds * fe.SampleRate / fe.HopLength;
        long total = 0;
        foreach (var state in states) foreach (int i in state.Members) total += frames[i];
        if (total <= limit || states.Length <= 1) return states;
        int keep = Math.Max(1, (int)Math.Ceiling(states.Length * limit / total));
        var chosen = new BatchState[keep];
        for (int k = 0; k < keep; k++) chosen[k] = states[(int)((long)k * states.Length / keep)];
        return chosen;
    }

    /// <summary>Gives the backend <paramref name="features"/> unless it holds them already (the aligner never changes a batch once made).</summary>
    private void Load(SequenceBatch features)
    {
        if (ReferenceEquals(_loaded, features)) return;
        _loaded = null;
        _backend.LoadFeatures(features);
        _loaded = features;
    }

    /// <summary>One batch of a call: its utterances, and what stays the same from round to round.</summary>
    private sealed class BatchState(int[] members)
    {
        public int[] Members { get; } = members;
        public SequenceBatch? Features { get; set; }
        public GraphLayout? Layout { get; set; }
        public TiedStateBatch? Ties { get; set; }

        /// <summary>The emission model the ties point into when it is a subset of the model's (null: the model's own).</summary>
        public EmissionModel? Emissions { get; set; }
    }

    /// <summary>What every batch of one call reads, and the clock its stages are timed with.</summary>
    private sealed record BatchWork(IReadOnlyList<AlignmentInput> Inputs, int[] Frames, int[][] Phones, Laps Laps);

    /// <summary>Adds the time since the last lap to a stage of <see cref="AlignmentTimings"/> (nothing when timings are off).</summary>
    private sealed class Laps(AlignmentTimings? timings, long start)
    {
        private long _last = start;

        public void Lap(AlignmentStage stage)
        {
            if (timings is not null) _last = timings.Add(stage, _last);
        }
    }

    private ParallelOptions Parallelism => new() { MaxDegreeOfParallelism = _options.MaxDegreeOfParallelism };

    /// <summary>Padded lattice cells of a batch: utterances x frames x graph states rounded up to the SIMD stride.</summary>
    private long Cells(int utterances, int maxFrames, int maxTokens, bool optional)
    {
        long states = (optional ? (2L * maxTokens + 1) * _model.StatesPerPhone : (long)maxTokens * _model.StatesPerPhone) + 1;
        long stride = (states + 15) / 16 * 16;
        return utterances * (long)maxFrames * Math.Max(stride, (_model.StateCount + 15) / 16 * 16);
    }

    /// <summary>Groups utterances (sorted by length) into batches of at most BatchSize within the cell budget.</summary>
    private List<int[]> Batches(IEnumerable<int> sorted, int[] frames, int[][] phones, bool optional)
    {
        var batches = new List<int[]>();
        var current = new List<int>();
        int maxT = 0, maxTokens = 0;
        foreach (int i in sorted)
        {
            int t = Math.Max(maxT, frames[i]), p = Math.Max(maxTokens, phones[i].Length);
            if (current.Count > 0 && (current.Count >= _options.BatchSize || Cells(current.Count + 1, t, p, optional) > _options.MaxCellsPerBatch))
            {
                batches.Add(current.ToArray());
                current.Clear();
                t = frames[i];
                p = phones[i].Length;
            }
            current.Add(i);
            maxT = t;
            maxTokens = p;
        }
        if (current.Count > 0) batches.Add(current.ToArray());
        return batches;
    }
    /// <summary>Why <paramref name="input"/> cannot be aligned (null when it can), its frame count and its phones as model indices.</summary>
    private string? Check(AlignmentInput input, out int frames, out int[] phones)
    {
        frames = 0;
        phones = Array.Empty<int>();
        if (input is null) return "no input.";
        if (input.Samples is null || input.AudioLength == 0) return "the audio is empty (no samples).";
        if (input.Sequence is null) return "no phone sequence.";
        var unknown = input.Sequence.Phones.Where(p => !_model.Phones.Contains(p)).Distinct(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
            return $"phone{(unknown.Count > 1 ? "s" : "")} not in the model: {string.Join(", ", unknown)} (the model knows {string.Join(" ", _model.Phones.Phones)}).";
        if (input.Sequence.HasOptionalPauses && _silence < 0) return $"optional pauses need a '{PhoneSet.Silence}' phone, which the model lacks.";
        phones = input.Sequence.Phones.Select(p => _model.Phones.IndexOf(p)).ToArray();
        frames = FrameCount(input.AudioLength);
        double seconds = input.AudioLength / (double)_model.FrontEnd.SampleRate;
        if (frames == 0)
            return $"the audio is too short: {seconds.ToString("0.000", CultureInfo.InvariantCulture)} s holds no whole {_model.FrontEnd.FrameLengthMs.ToString(CultureInfo.InvariantCulture)} ms analysis frame.";
        int needed = phones.Length * _model.StatesPerPhone;
        if (frames < needed)
        {
            double neededSeconds = (needed - 1) * _model.FrontEnd.HopLengthMs / 1000 + _model.FrontEnd.FrameLengthMs / 1000;
            return $"the audio is too short for the phone sequence: {frames} frames ({seconds.ToString("0.000", CultureInfo.InvariantCulture)} s) but {phones.Length} phones x {_model.StatesPerPhone} states need at least {needed} frames ({neededSeconds.ToString("0.000", CultureInfo.InvariantCulture)} s).";
        }
        var audio = input.Audio;
        if (!Guard.AllFinite(audio))
        {
            for (int i = 0; i < audio.Length; i++)
            {
                float v = audio[i];
                if (float.IsNaN(v) || float.IsInfinity(v)) return $"sample {i} is {v}; audio must be finite.";
            }
        }
        return null;
    }

    /// <summary>Whole analysis frames in <paramref name="samples"/> samples (<see cref="FeatureExtractor.FrameCount"/>'s rule).</summary>
    private int FrameCount(int samples) => _frameCounter.FrameCount(samples);

    /// <summary>A padded feature batch over storage from <see cref="_paddedStorage"/> (stale: the caller writes every value).</summary>
    private SequenceBatch RentPaddedBatch(int count, int maxLength, int dimension)
    {
        long size = SequenceBatch.Size(count, maxLength, dimension);
        // Past one array the constructor refuses the batch and says why: no storage is taken for it.
        return new SequenceBatch(count, maxLength, dimension, size > int.MaxValue ? null : _paddedStorage.Rent(size));
    }

    /// <summary>Takes a feature extractor from the pool, or makes one.</summary>
    private FeatureExtractor RentExtractor() => _extractors.TryTake(out var pooled) ? pooled : new FeatureExtractor(_model.FrontEnd);

    /// <summary>
    /// Gives every batch its padded features over reused storage and extracts each utterance (longest first) straight
    /// into its rows; the padding past its frames is zeroed, so the batch holds what a new <see cref="SequenceBatch"/> would.
    /// </summary>
    private void ExtractIntoBatches(IReadOnlyList<AlignmentInput> inputs, int[] order, AlignmentOutcome[] outcomes, int[] frames, BatchState[] states)
    {
        int d = _model.FrontEnd.FeatureDimension;
        var slots = new (SequenceBatch Batch, int Row)[inputs.Count];
        foreach (var state in states)
        {
            var batch = state.Members;
            int maxT = batch.Max(i => frames[i]);
            var padded = state.Features = RentPaddedBatch(batch.Length, maxT, d);
            for (int b = 0; b < batch.Length; b++)
            {
                padded.SetLength(b, frames[batch[b]]);
                slots[batch[b]] = (padded, b);
            }
        }
        InOrder(order, RentExtractor, (i, extractor) =>
        {
            if (outcomes[i] is not null) return extractor;
            var (padded, b) = slots[i];
            var rows = padded.Data.AsSpan(b * padded.MaxLength * d, padded.MaxLength * d);
            int written = extractor.Extract(inputs[i].Audio, rows) * d;
            rows.Slice(written).Clear();
            return extractor;
        }, _extractors.Add);
    }

    /// <summary>
    /// Runs <paramref name="body"/> on <c>order[0]</c>, <c>order[1]</c>, ... with up to MaxDegreeOfParallelism workers,
    /// each taking the next item when it finishes one, so a longest-first order is kept (Parallel.For over the items hands
    /// each worker a range of its own to start from and then chunks of growing size, which leaves long items for the end).
    /// </summary>
    private void InOrder<TLocal>(int[] order, Func<TLocal> rent, Func<int, TLocal, TLocal> body, Action<TLocal> giveBack)
    {
        int next = -1;
        int workers = Math.Max(1, Math.Min(_options.MaxDegreeOfParallelism, order.Length));
        Parallel.For(0, workers, Parallelism, rent, (_, _, local) =>
        {
            for (int q = System.Threading.Interlocked.Increment(ref next); q < order.Length; q = System.Threading.Interlocked.Increment(ref next))
                local = body(order[q], local);
            return local;
        }, giveBack);
    }

    /// <summary>
    /// The batch's tied-state graphs (once per call: they are the same in every round). When the model's emissions can be
    /// restricted to the states the batch's graphs read (<see cref="EmissionModel.Subset"/>: a Sphinx model's few hundred of
    /// five thousand senones), the ties point into that subset and the batch keeps it for its passes.
    /// </summary>
    private void Prepare(IAcousticModel model, BatchWork work, BatchState state)
    {
        if (state.Ties is not null) return;
        var (inputs, _, phones, laps) = work;
        var batch = state.Members;
        var layout = state.Layout = new GraphLayout(model.StatesPerPhone, batch.Max(i => phones[i].Length),
            batch.Any(i => inputs[i].Sequence.HasOptionalPauses), (float)_options.PauseProbability);
        var ties = state.Ties = new TiedStateBatch(batch.Length, layout.StateCount);
        var tokenStates = new int[batch.Length][];
        Parallel.For(0, batch.Length, Parallelism, b =>
        {
            int i = batch[b];
            tokenStates[b] = new int[phones[i].Length * model.StatesPerPhone];
            model.StatesInContext(phones[i], inputs[i].Sequence, tokenStates[b]);
        });
        var used = new SortedSet<int>(_pauseStates);
        foreach (var states in tokenStates) used.UnionWith(states);
        var subset = used.Count < model.StateCount ? model.Emissions.Subset(used.ToArray()) : null;
        int[] pauseStates = _pauseStates;
        float[] fold = _fold;
        if (subset is not null)
        {
            // Renumber the states into the subset, and their self-loop folds with them.
            var index = new Dictionary<int, int>(used.Count);
            fold = new float[used.Count];
            foreach (int s in used)
            {
                fold[index.Count] = _fold[s];
                index.Add(s, index.Count);
            }
            foreach (var states in tokenStates) for (int q = 0; q < states.Length; q++) states[q] = index[states[q]];
            pauseStates = _pauseStates.Select(s => index[s]).ToArray();
        }
        state.Emissions = subset;
        // Each utterance owns its rows: ties in parallel.
        Parallel.For(0, batch.Length, Parallelism, b =>
        {
            int i = batch[b];
            layout.Tie(ties, b, tokenStates[b], inputs[i].Sequence, pauseStates, fold);
        });
        laps.Lap(AlignmentStage.Graphs);
    }

    private void DecodeBatch(IAcousticModel model, BatchWork work, BatchState state, AlignmentOutcome[] outcomes)
    {
        Prepare(model, work, state);
        var layout = state.Layout!;
        var (inputs, frames, phones, laps) = work;
        var batch = state.Members;
        int maxT = state.Features!.MaxLength;
        var result = new ViterbiResult(batch.Length, maxT);
        bool posteriorMean = _options.Placement == BoundaryPlacement.PosteriorMean;
        int slots = (layout.StateCount - 1) / layout.S;
        var leave = posteriorMean ? new double[batch.Length * slots] : null;
        var scores = new double[batch.Length];
        Load(state.Features);
        _backend.Align(state.Emissions ?? model.Emissions, layout.Model, state.Ties!, result, layout.S, leave, scores);
        laps.Lap(AlignmentStage.FinalPass);
        Parallel.For(0, batch.Length, Parallelism, b =>
        {
            int i = batch[b];
            double score = result.Scores[b];
            if (double.IsNegativeInfinity(score) || double.IsNaN(score))
            {
                outcomes[i] = new AlignmentOutcome(inputs[i].Name, null, "no alignment fits: the audio is too short for the phone sequence.", double.NaN, frames[i]);
                return;
            }
            double[]? cdf = leave is not null && !double.IsNegativeInfinity(scores[b]) && !double.IsNaN(scores[b])
                ? leave.AsSpan(b * slots, slots).ToArray() : null;
            var segments = ToSegments(layout, result.Path(b), phones[i], inputs[i].AudioLength, cdf);
            outcomes[i] = new AlignmentOutcome(inputs[i].Name, segments, null, score, frames[i]);
        });
        if (_durations is not null)
        {
            var replaced = _durations.Align(state.Emissions ?? model.Emissions, state.Features, layout, state.Ties!, batch, inputs, frames, phones, outcomes, _backend);
            for (int b = 0; b < batch.Length; b++)
            {
                if (replaced[b] is not { } hsmm) continue;
                int i = batch[b];
                var segments = ToSegments(layout, hsmm.Path, phones[i], inputs[i].AudioLength, hsmm.LeaveTimes);
                outcomes[i] = new AlignmentOutcome(inputs[i].Name, segments, null, hsmm.Score, frames[i]);
            }
        }
        laps.Lap(AlignmentStage.Segments);
    }

    private List<PhoneSegment> ToSegments(GraphLayout layout, ReadOnlySpan<int> path, int[] phones, int sampleCount, double[]? leaveTimes)
    {
        var fe = _model.FrontEnd;
        double rate = fe.SampleRate;
        // A boundary between frames t-1 and t sits half a hop before frame t's centre.
        double Boundary(double t) => (t * fe.HopLength + (fe.FrameLength - fe.HopLength) / 2.0) / rate;
        var segments = new List<PhoneSegment>();
        (int Token, int Sub, bool Pause) current = layout.Decode(path[0]);
        for (int t = 1; t <= path.Length; t++)
        {
            (int Token, int Sub, bool Pause) next = t < path.Length ? layout.Decode(path[t]) : (-1, 0, false);
            if (t < path.Length && next.Token == current.Token && next.Pause == current.Pause) continue;
            double start = segments.Count == 0 ? 0 : segments[segments.Count - 1].End;
            double frame = t;
            if (leaveTimes is not null && t < path.Length)
            {
                // The posterior mean of leaving this segment's slot (non-decreasing along the path, so order holds).
                frame = leaveTimes[path[t - 1] / layout.S];
            }
            double end = t < path.Length ? Math.Round(Boundary(frame), 3) : Math.Round(sampleCount / rate, 3);
            string phone = current.Pause ? PhoneSet.Silence : _model.Phones[phones[current.Token]];
            segments.Add(new PhoneSegment(start, Math.Max(start, end), phone));
            current = next;
        }
        if (_options.CorrectBoundaries) CorrectBoundaries(segments, fe.HopLength / rate);
        return segments;
    }

    /// <summary>
    /// Moves each internal boundary by minus the model's offset for its class pair, keeping every segment at least
    /// one hop long and the boundaries in order (a boundary never crosses a neighbour).
    /// </summary>
    private void CorrectBoundaries(List<PhoneSegment> segments, double minimum)
    {
        var phones = _model.Phones;
        for (int i = 1; i < segments.Count; i++)
        {
            double offset = _model.BoundaryOffset(phones.ClassOf(segments[i - 1].Phone), phones.ClassOf(segments[i].Phone));
            if (offset == 0) continue;
            double lo = segments[i - 1].Start + minimum, hi = segments[i].End - minimum;
            if (lo > hi) continue;
            double moved = Math.Round(Math.Min(hi, Math.Max(lo, segments[i].Start - offset)), 3);
            segments[i - 1] = segments[i - 1] with { End = moved };
            segments[i] = segments[i] with { Start = moved };
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using Hmm.Online;
using Hmm.Speech;
using Hmm.Speech.Audio;

namespace Hmm.Streaming;

/// <summary>
/// Live lip-sync and phone recognition from a stream of audio, without a transcript: push blocks of samples as they
/// arrive (any size up to <see cref="LipSyncOptions.MaxBlockSamples"/>, any rate); after every analysis hop the
/// processor has the phone posteriors and the mouth weights of three viseme sets for the newest audio, and, a
/// look-ahead later, the committed phone segments. Nothing is allocated after construction.
/// </summary>
/// <remarks>
/// <para>Pipeline: <see cref="StreamingResampler"/> to the model's rate, <see cref="StreamingFeatureExtractor"/>,
/// <see cref="StreamingFeaturePipeline"/> (deltas with a fixed look-ahead, running normalisation from a built-in
/// prior), then an <see cref="OnlineDecoder"/> over the acoustic model's <see cref="PhoneLoop"/>: forward filtering
/// gives the posteriors of every hop, fixed-lag Viterbi commits phones <see cref="LipSyncOptions.LookaheadMs"/> later.</para>
/// <para>Threads: one thread pushes (the audio thread); any one other thread may read with <see cref="TryReadLatest"/>
/// and <see cref="ReadSegments"/> at the same time, without locks (the latest frame is triple-buffered, the segments
/// travel through a single-producer, single-consumer ring). Two threads pushing at once get an
/// <see cref="InvalidOperationException"/>. Independent processors share only their read-only models.</para>
/// <para>Bad audio: NaN, infinite or huge (beyond ±<see cref="MaxSample"/>) samples are taken as 0 and counted (<see cref="LipSyncMonitor.InvalidSamples"/>);
/// a block longer than the maximum is refused with an <see cref="ArgumentException"/> before anything changes.</para>
/// </remarks>
public sealed class LipSyncProcessor : IDisposable
{
    private readonly IAcousticModel _model;
    private readonly StreamingResampler _resampler;
    private readonly StreamingFeatureExtractor _extractor;
    private readonly StreamingFeaturePipeline _pipeline;
    private readonly OnlineDecoder _decoder;        // the phone loop: emissions every frame, phones when there is no script
    private ScriptLoop? _script;
    private OnlineDecoder? _scriptDecoder;         // the script's graph over the phone loop's emissions
    private float[] _graphEmissions;
    private readonly VisemeMap[] _maps;
    private readonly VisemeSmoother[] _smoothers;
    private readonly float[][] _targets;
    private readonly float[] _block;
    private readonly float[] _resampled;
    private readonly float[] _raw;
    private readonly float[] _features;
    private readonly float[] _batch;            // feature frames waiting for one mixture pass (up to OnlineDecoder.MaxPreparedFrames rows)
    private int _batched;                      // frames in the batch (each with its provisional frames after it)
    private int _batchRows;                    // rows in the batch, provisional ones included
    private readonly int[] _provisionalRows;   // per batched frame: the provisional frames after it
    private readonly int _provisional;         // LipSyncOptions.ProvisionalFrames, 0 without frame outputs
    private double _load = -1;                 // smoothed decoding time over audio time (adaptive grouping); -1 before the first pass
    private readonly float[] _flushFeatures;
    private readonly int[] _flushStates;
    private readonly double[] _hopEnergy;      // ring of hop energies at the model's rate
    private readonly CommittedPhone[] _segments;
    private readonly int _statesPerPhone;
    private readonly int _silence;
    private readonly int _hop;
    private readonly int _frameLength;
    private readonly int _modelRate;
    // The latest frame, triple-buffered: the writer fills _frames[_back], the reader copies _frames[_front], and _middle
    // names the third buffer, with Fresh set while it holds a frame the reader has not taken. Index and flag change in one
    // atomic exchange, so the reader never takes a buffer older than one it has already read.
    private readonly LipSyncFrame[] _frames;
    private int _back, _front;
    private int _middle;
    private const int Fresh = 4;
    private long _segmentsWritten;
    private long _segmentsRead;
    private int _openPhone = -1;
    private int _openUnit = -1;                // the open segment's phone, or its script unit with a script
    private int _openWord = -1;
    private long _openStart;
    private long _origin;                      // the caller's sample index of input sample 0
    private long _inputSamples;
    private long _modelSamples;                // samples handed to the extractor
    private double _hopSum;
    private int _pushing;
    private bool _flushed;
    private bool _disposed;
    private bool _warm;

    /// <summary>A processor set up by <paramref name="options"/> (<see cref="LipSyncOptions.Balanced"/> when null).</summary>
    /// <exception cref="ArgumentException">An option is out of range, or the bigram's phones are not the model's.</exception>
    public LipSyncProcessor(LipSyncOptions? options = null)
    {
        Options = options ?? LipSyncOptions.Balanced;
        Options.Validate();
        _model = Options.Model ?? DefaultModel.Value;
        var front = _model.FrontEnd;
        _modelRate = front.SampleRate;
        _hop = front.HopLength;
        _frameLength = front.FrameLength;
        HopMilliseconds = front.HopLengthMs;
        var bigram = Options.Bigram ?? PhoneBigram.Default;
        var loop = Options.Model is null && Options.Bigram is null && Options.BigramWeight == 1f ? DefaultLoop.Value : PhoneLoop.Build(_model, bigram, Options.BigramWeight);
        int lagFrames = (int)Math.Round(Options.LookaheadMs / HopMilliseconds);
        _decoder = new OnlineDecoder(loop, PhoneLoop.Emissions(_model), lagFrames) { ForwardFiltering = Options.FrameOutputs };
        if (Options.Script is not null)
        {
            _script = ScriptLoop.Build(_model, Options.Script);
            _scriptDecoder = new OnlineDecoder(_script.Model, lagFrames) { ForwardFiltering = Options.FrameOutputs };
            _graphEmissions = new float[_script.Model.StateCount];
        }
        else _graphEmissions = Array.Empty<float>();
        _resampler = new StreamingResampler(Options.InputSampleRate, _modelRate, Options.MaxBlockSamples);
        _extractor = new StreamingFeatureExtractor(front, _resampler.MaxOutputSamples + _frameLength);
        _pipeline = new StreamingFeaturePipeline(front, Options.NormalisationTimeConstantSeconds);
        // Sphinx's live CMN starts from its feat.params mean and takes no prior; the built-in prior is the built-in front end's.
        _takesPrior = front.Normalization != CmvnMode.SphinxCepstralMean;
        if (!_takesPrior)
        {
            if (Options.Prior is not null)
                throw new ArgumentException("LipSyncOptions.Prior: this model's front end normalises with Sphinx's live CMN, which takes no prior.", nameof(options));
        }
        else if (Options.Prior is var (priorMean, priorVariance))
        {
            if (priorMean is null || priorVariance is null || priorMean.Length != _pipeline.FeatureDimension || priorVariance.Length != _pipeline.FeatureDimension)
                throw new ArgumentException($"LipSyncOptions.Prior needs a mean and a variance of {_pipeline.FeatureDimension} values each (the model's features).", nameof(options));
            _pipeline.SetPrior(priorMean, priorVariance, Options.PriorFrames);
        }
        else if (Options.PriorFrames > 0 && front == DefaultModel.Value.FrontEnd)
        {
            var (mean, variance) = BuiltInPrior.Value;
            _pipeline.SetPrior(mean, variance, Options.PriorFrames);
        }
        var phones = _model.Phones;
        _statesPerPhone = _model.StatesPerPhone;
        _silence = phones.IndexOf(PhoneSet.Silence);
        _maps = new[] { VisemeMap.For(VisemeSet.Rhubarb, phones), VisemeMap.For(VisemeSet.Oculus, phones), VisemeMap.For(VisemeSet.Vowels, phones) };
        _smoothers = new VisemeSmoother[_maps.Length];
        _targets = new float[_maps.Length][];
        for (int i = 0; i < _maps.Length; i++)
        {
            _smoothers[i] = new VisemeSmoother(_maps[i].Count, Options.AttackMs, Options.ReleaseMs, HopMilliseconds);
            _targets[i] = new float[_maps[i].Count];
        }
        _block = new float[Options.MaxBlockSamples];
        _resampled = new float[_resampler.MaxOutputSamples];
        _raw = new float[_extractor.RawDimension];
        _features = new float[_pipeline.FeatureDimension];
        _provisional = Options.FrameOutputs ? Options.ProvisionalFrames : 0;
        if (_provisional > _pipeline.LookaheadFrames)
            throw new ArgumentException($"LipSyncOptions.ProvisionalFrames is {_provisional} but the model's deltas look only {_pipeline.LookaheadFrames} frames ahead.", nameof(options));
        _provisionalRows = new int[OnlineDecoder.MaxPreparedFrames];
        _batch = new float[OnlineDecoder.MaxPreparedFrames * _pipeline.FeatureDimension];
        _flushFeatures = new float[(_pipeline.LookaheadFrames + 1) * _pipeline.FeatureDimension];
        _flushStates = new int[lagFrames + 1];
        // A frame is decoded while the extractor may still hold up to its capacity of later samples, whose hops' energies are
        // in by then: the ring spans that, the deltas' look-ahead and a window.
        _hopEnergy = new double[_extractor.Capacity / _hop + _pipeline.LookaheadFrames + _frameLength / _hop + 8];
        _segments = new CommittedPhone[Options.SegmentCapacity];
        _frames = new[] { new LipSyncFrame(phones), new LipSyncFrame(phones), new LipSyncFrame(phones) };
        (_back, _middle, _front) = (0, 1, 2);
        Monitor = new LipSyncMonitor(HopMilliseconds);
    }

    private readonly bool _takesPrior;

    private static readonly Lazy<AcousticModel> DefaultModel = new(AcousticModel.LoadDefault, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<HmmModel> DefaultLoop = new(() => PhoneLoop.Build(DefaultModel.Value, PhoneBigram.Default), LazyThreadSafetyMode.ExecutionAndPublication);
    /// <summary>
    /// Mean and variance over all frames of a recording's features before normalisation (raw and deltas, as the model's
    /// front end computes them; <paramref name="samples"/> at <paramref name="sampleRate"/>, resampled to the model's rate
    /// here): the <see cref="LipSyncOptions.Prior"/> of a recording known ahead of time. Allocates; not for the audio thread.
    /// </summary>
    /// <exception cref="ArgumentException">Less than one analysis window of audio.</exception>
    public static (double[] Mean, double[] Variance) FeatureStatistics(IAcousticModel? model, ReadOnlySpan<float> samples, int sampleRate)
    {
        model ??= DefaultModel.Value;
        var front = model.FrontEnd with { Normalization = CmvnMode.None };
        float[] audio = sampleRate == front.SampleRate ? samples.ToArray() : new Resampler(sampleRate, front.SampleRate).Process(samples);
        var extractor = new FeatureExtractor(front);
        int frames = extractor.FrameCount(audio.Length);
        if (frames == 0) throw new ArgumentException($"{audio.Length} samples at {front.SampleRate} Hz are less than one analysis window ({front.FrameLength} samples).", nameof(samples));
        return Statistics(extractor.Extract(audio), frames, extractor.FeatureDimension);
    }

    /// <summary>Mean and variance per column of <paramref name="frames"/> rows of <paramref name="d"/> values.</summary>
    private static (double[] Mean, double[] Variance) Statistics(ReadOnlySpan<float> features, int frames, int d)
    {
        var mean = new double[d];
        var variance = new double[d];
        for (int t = 0; t < frames; t++)
            for (int j = 0; j < d; j++) mean[j] += features[t * d + j];
        for (int j = 0; j < d; j++) mean[j] /= frames;
        for (int t = 0; t < frames; t++)
            for (int j = 0; j < d; j++)
            {
                double e = features[t * d + j] - mean[j];
                variance[j] += e * e;
            }
        for (int j = 0; j < d; j++) variance[j] /= frames;
        return (mean, variance);
    }

    private static readonly Lazy<(double[] Mean, double[] Variance)> BuiltInPrior = new(ReadPrior, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Called on the pushing thread with every committed phone segment instead of queueing it for
    /// <see cref="ReadSegments"/> (null: queue them). For taking every segment of a recording of any length
    /// (<see cref="ProcessRecording"/>) without reading between pushes.
    /// </summary>
    public Action<CommittedPhone>? SegmentCommitted { get; set; }

    /// <summary>The set-up.</summary>
    public LipSyncOptions Options { get; private set; }

    /// <summary>The model's phones (what phone indices mean).</summary>
    public PhoneSet Phones => _model.Phones;

    /// <summary>The analysis hop, ms.</summary>
    public double HopMilliseconds { get; }

    /// <summary>
    /// From an audio sample's arrival to the mouth weights of the newest frame that covers it, ms: half the analysis window
    /// plus the deltas' look-ahead, less a hop per <see cref="LipSyncOptions.ProvisionalFrames"/> (committed phones:
    /// <see cref="CommitLatencyMs"/>). Processing time comes on top (<see cref="Monitor"/>).
    /// </summary>
    public double LatencyMs => BaseLatencyMs - _provisional * HopMilliseconds + (FramesPerPass - 1) * HopMilliseconds;

    /// <summary>
    /// From an audio sample's arrival to the committed phone segment that covers it, ms: half the analysis window, the
    /// deltas' look-ahead and <see cref="LipSyncOptions.LookaheadMs"/> (plus any grouping, as in <see cref="LatencyMs"/>).
    /// </summary>
    public double CommitLatencyMs => BaseLatencyMs + _decoder.Lag * HopMilliseconds + (FramesPerPass - 1) * HopMilliseconds;

    /// <summary>
    /// Analysis frames decoded together, 1 unless <see cref="LipSyncOptions.LatencyTargetMs"/> is set and the load asks
    /// for more: a frame then waits for up to <c>FramesPerPass - 1</c> later ones (part of <see cref="LatencyMs"/>).
    /// </summary>
    public int FramesPerPass { get; private set; } = 1;

    private double BaseLatencyMs => (_frameLength / 2.0) * 1000 / _modelRate + _pipeline.LookaheadFrames * HopMilliseconds;

    /// <summary>The most frames one pass may group within the latency target (1 without a target).</summary>
    private int MaxFramesPerPass => Options.LatencyTargetMs is double target
        ? Math.Max(1, Math.Min(MaxGroupedRows / (1 + _provisional), 1 + (int)Math.Floor((target - BaseLatencyMs + _provisional * HopMilliseconds) / HopMilliseconds + 1e-9)))
        : 1;

    /// <summary>
    /// The most rows (frames and their provisional frames) the adaptive grouping holds back for one mixture pass. A pass
    /// takes up to <see cref="OnlineDecoder.MaxPreparedFrames"/> rows (a whole recording's frames, a long push), but a live
    /// stream holds back no more than four: each frame held back adds a hop of latency (<see cref="LipSyncOptions.LatencyTargetMs"/>).
    /// </summary>
    private const int MaxGroupedRows = 4;

    /// <summary>
    /// The adaptive grouping's rule: one more frame per pass when decoding takes over half the audio time it covers
    /// (<paramref name="load"/>), one fewer under a fifth, within 1 to <paramref name="most"/>.
    /// </summary>
    private static int NextFramesPerPass(int current, int most, double load) =>
        load > 0.5 && current < most ? current + 1 : load < 0.2 && current > 1 ? current - 1 : Math.Min(current, most);

    /// <summary>
    /// Called on the pushing thread after every analysis hop with that hop's frame (valid only during the call; copy
    /// what you keep). For recording every frame offline; a live reader polls <see cref="TryReadLatest"/> instead.
    /// </summary>
    public Action<LipSyncFrame>? FrameAnalysed { get; set; }

    /// <summary>Per-hop timing and counters.</summary>
    public LipSyncMonitor Monitor { get; }

    /// <summary>Analysis frames decoded so far.</summary>
    public long Frames => (_scriptDecoder ?? _decoder).FramesPushed;

    /// <summary>Pushes audio in [-1, 1] at <see cref="LipSyncOptions.InputSampleRate"/>.</summary>
    /// <exception cref="ArgumentException">The block is longer than <see cref="LipSyncOptions.MaxBlockSamples"/>.</exception>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    /// <exception cref="InvalidOperationException">Another thread is pushing, or the stream was flushed (call <see cref="Reset()"/>).</exception>
    public void Push(ReadOnlySpan<float> samples) => PushFloat(samples, null);

    /// <summary>The largest sample magnitude taken as audio (see <see cref="LipSyncMonitor.InvalidSamples"/>).</summary>
    public const float MaxSample = 1000f;

    private void PushFloat(ReadOnlySpan<float> samples, long? startSample)
    {
        Enter(samples.Length, nameof(samples));
        try
        {
            SetOrigin(startSample);
            var block = _block.AsSpan(0, samples.Length);
            Monitor.InvalidSamples += Sanitise(samples, block);
            Process(block);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Copies <paramref name="samples"/> into <paramref name="into"/>, NaN, infinities and values beyond ±<see cref="MaxSample"/>
    /// (60 dB over full scale: not audio, and squares that overflow the power spectrum) as silence; returns how many those were.
    /// </summary>
    private static int Sanitise(ReadOnlySpan<float> samples, Span<float> into)
    {
        int invalid = 0;
        for (int i = 0; i < samples.Length; i++)
        {
            float v = samples[i];
            if (v >= -MaxSample && v <= MaxSample) into[i] = v;
            else
            {
                into[i] = 0f;
                invalid++;
            }
        }
        return invalid;
    }

    /// <summary>Pushes audio as on <see cref="Push(ReadOnlySpan{float})"/>; <paramref name="startSample"/> is the first sample's index on the caller's clock (sample count or DSP time), which every result's time then follows.</summary>
    public void Push(ReadOnlySpan<float> samples, long startSample) => PushFloat(samples, startSample);

    /// <summary>Pushes 16-bit PCM (full scale 32,768) as on <see cref="Push(ReadOnlySpan{float})"/>.</summary>
    public void Push(ReadOnlySpan<short> samples) => PushPcm16(samples, null);

    private void PushPcm16(ReadOnlySpan<short> samples, long? startSample)
    {
        Enter(samples.Length, nameof(samples));
        try
        {
            SetOrigin(startSample);
            var block = _block.AsSpan(0, samples.Length);
            for (int i = 0; i < samples.Length; i++) block[i] = samples[i] * (1f / 32768f);
            Process(block);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Pushes 16-bit PCM with the first sample's index on the caller's clock.</summary>
    public void Push(ReadOnlySpan<short> samples, long startSample) => PushPcm16(samples, startSample);

    /// <summary>Puts the next input sample at <paramref name="startSample"/> on the caller's clock (inside the push's checks: a refused push moves nothing).</summary>
    private void SetOrigin(long? startSample)
    {
        if (startSample is long start) _origin = start - _inputSamples;
    }

    /// <summary>
    /// Ends the stream: the audio still held for look-ahead is analysed (the last frame standing in for the frames after
    /// it) and every remaining phone committed. Push again only after <see cref="Reset()"/>.
    /// </summary>
    public void Flush()
    {
        Enter(0, "samples");
        try
        {
            FlushCore();
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// A whole recording at once, for a caller that has it all (a file): the processor resets, takes the recording's own
    /// feature statistics as its normalisation prior (weighed by <see cref="LipSyncOptions.PriorFrames"/>), analyses the
    /// samples and flushes. The segments and frames are, bit for bit, those of <c>Reset(FeatureStatistics(model,
    /// samples, rate))</c>, pushes of the samples and <see cref="Flush"/>, but the front end runs once instead of twice,
    /// over the whole recording. Samples a push would take as silence (NaN, infinite, beyond
    /// <see cref="MaxSample"/>) are silence here too, for the statistics as well; a recording shorter than one analysis
    /// window keeps the prior the processor had. Take the segments with <see cref="SegmentCommitted"/> (the queue that
    /// <see cref="ReadSegments"/> reads holds <see cref="LipSyncOptions.SegmentCapacity"/>). Allocates (the recording's
    /// features): not for the audio thread.
    /// </summary>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    /// <exception cref="InvalidOperationException">Another thread is using the processor.</exception>
    public void ProcessRecording(ReadOnlySpan<float> samples)
    {
        Enter(0, nameof(samples));
        try
        {
            Analyse(samples);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary><see cref="ProcessRecording"/>'s work (the caller holds the pushing flag).</summary>
    private void Analyse(ReadOnlySpan<float> samples)
    {
        if (_recordingInput.Length < samples.Length) _recordingInput = new float[samples.Length];
        var input = _recordingInput.AsSpan(0, samples.Length);
        int invalid = Sanitise(samples, input);
        var front = _model.FrontEnd with { Normalization = CmvnMode.None };
        float[] audio = Options.InputSampleRate == _modelRate ? _recordingInput : (_wholeResampler ??= new Resampler(Options.InputSampleRate, _modelRate)).Process(input);
        int audioLength = Options.InputSampleRate == _modelRate ? samples.Length : audio.Length;
        _wholeExtractor ??= new FeatureExtractor(front);
        int frames = _wholeExtractor.FrameCount(audioLength);
        int d = _features.Length;
        if (_recordingFeatures.Length < frames * d) _recordingFeatures = new float[frames * d];
        var features = _recordingFeatures.AsSpan(0, frames * d);
        _wholeExtractor.Extract(audio.AsSpan(0, audioLength), features);
        (double[] Mean, double[] Variance, double Frames)? prior = null;
        if (frames > 0)
        {
            var (mean, variance) = Statistics(features, frames, d);
            prior = (mean, variance, Options.PriorFrames);
        }
        ResetCore(prior);
        Monitor.InvalidSamples += invalid;
        _inputSamples = samples.Length;
        var model = audio.AsSpan(0, audioLength);
        if (_provisional > 0)
        {
            // Provisional frames need the frames as a stream has them (their deltas before the look-ahead): stream it.
            Feed(model);
        }
        else
        {
            // The frames as the whole-recording front end made them (the values a stream computes), normalised in order;
            // each frame's loudness is in once its look-ahead's samples are, as when streaming.
            int lookahead = _pipeline.LookaheadFrames;
            for (int t = 0; t < frames; t++)
            {
                if (Options.FrameOutputs)
                {
                    long upTo = Math.Min(audioLength, (long)(t + lookahead) * _hop + _frameLength);
                    if (upTo > _modelSamples) AccountEnergy(model.Slice((int)_modelSamples, (int)(upTo - _modelSamples)));
                }
                _pipeline.PushComplete(features.Slice(t * d, d), _features);
                Queue(_features, default);
            }
            if (Options.FrameOutputs && audioLength > _modelSamples) AccountEnergy(model.Slice((int)_modelSamples));
        }
        FlushCore();
    }

    private float[] _recordingInput = Array.Empty<float>();
    private float[] _recordingFeatures = Array.Empty<float>();
    private FeatureExtractor? _wholeExtractor;
    private Resampler? _wholeResampler;

    /// <summary>The rest of the stream through the decoder; every remaining phone committed.</summary>
    private void FlushCore()
    {
        if (_flushed) return;
        int n = _resampler.Flush(_resampled);
        Feed(_resampled.AsSpan(0, n));
        int left = _pipeline.Flush(_flushFeatures);
        int d = _features.Length;
        // The stream has ended: a frame's provisional frames are the complete ones after it.
        for (int i = 0; i < left; i++) Queue(_flushFeatures.AsSpan(i * d, d), _flushFeatures.AsSpan((i + 1) * d, Math.Min(_provisional, left - 1 - i) * d));
        DecodeBatch();
        var committing = _scriptDecoder ?? _decoder;
        long first = committing.FramesCommitted;
        int rest = committing.Flush(_flushStates);
        for (int i = 0; i < rest; i++) Commit(first + i, _flushStates[i]);
        if (_openPhone >= 0) Emit(_openPhone, _openStart, committing.FramesPushed, last: true);
        _openPhone = -1;
        _openUnit = -1;
        _flushed = true;
    }

    /// <summary>
    /// Starts a new stream (as <see cref="Reset()"/>) that follows <paramref name="script"/> (<see cref="Transcriber"/>'s
    /// words; null: free phones): <see cref="Options"/> then carries it. Builds the script's graph and its decoder and
    /// keeps everything else, so one processor serves line after line (a character's dialogue, a folder of files).
    /// Allocates the graph: not for the audio thread.
    /// </summary>
    /// <exception cref="ArgumentException">A word's phones are not the model's.</exception>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    /// <exception cref="InvalidOperationException">Another thread is using the processor.</exception>
    public void ResetScript(IReadOnlyList<TranscribedWord>? script)
    {
        ThrowIfDisposed();
        var loop = script is null ? null : ScriptLoop.Build(_model, script);
        var decoder = loop is null ? null : new OnlineDecoder(loop.Model, _decoder.Lag) { ForwardFiltering = Options.FrameOutputs };
        Enter(0, nameof(script));
        try
        {
            _script = loop;
            _scriptDecoder = decoder;
            _graphEmissions = loop is null ? Array.Empty<float>() : new float[loop.Model.StateCount];
            Options = Options with { Script = script };
        }
        finally
        {
            Exit();
        }
        Reset();
    }

    /// <summary>Starts a new stream (the reader's last frame and unread segments are dropped; the monitor keeps counting).</summary>
    public void Reset() => Reset(null);

    /// <summary>
    /// Starts a new stream, as <see cref="Reset()"/>, whose running normalisation starts from <paramref name="prior"/>
    /// (mean and variance of the model's features, weighed by <see cref="LipSyncOptions.PriorFrames"/>) from now on: for a
    /// recording known ahead of time, measured by <see cref="FeatureStatistics"/>. Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">The mean or variance does not have the model's feature dimension, or holds a value that is not finite.</exception>
    public void Reset((double[] Mean, double[] Variance) prior)
    {
        Guard.NotNull(prior.Mean, nameof(prior));
        Guard.NotNull(prior.Variance, nameof(prior));
        if (!_takesPrior) throw new ArgumentException("This model's front end normalises with Sphinx's live CMN, which takes no prior: call Reset() instead.", nameof(prior));
        if (prior.Mean.Length != _pipeline.FeatureDimension || prior.Variance.Length != _pipeline.FeatureDimension)
            throw new ArgumentException($"The prior needs a mean and a variance of {_pipeline.FeatureDimension} values each (the model's features).", nameof(prior));
        for (int j = 0; j < prior.Mean.Length; j++)
        {
            if (!double.IsFinite(prior.Mean[j]) || !double.IsFinite(prior.Variance[j]) || prior.Variance[j] < 0)
                throw new ArgumentException($"The prior's mean or variance at {j} is not a finite value (variance not negative): {prior.Mean[j]}, {prior.Variance[j]}.", nameof(prior));
        }
        Reset((prior.Mean, prior.Variance, Options.PriorFrames));
    }

    private void Reset((double[] Mean, double[] Variance, double Frames)? prior)
    {
        Enter(0, "samples");
        try
        {
            ResetCore(prior);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>The state of a fresh stream (the caller holds the pushing flag).</summary>
    private void ResetCore((double[] Mean, double[] Variance, double Frames)? prior)
    {
        if (prior is var (mean, variance, frames) && _takesPrior) _pipeline.SetPrior(mean, variance, frames);
        _resampler.Reset();
        _extractor.Reset();
        _pipeline.Reset();
        _decoder.Reset();
        _scriptDecoder?.Reset();
        _openUnit = -1;
        foreach (var s in _smoothers) s.Reset();
        _segmentsRead = Volatile.Read(ref _segmentsWritten);
        // Drop the frame waiting for the reader (the reader may be taking it right now: then it is gone already).
        for (int middle = Volatile.Read(ref _middle); (middle & Fresh) != 0;)
        {
            int seen = Interlocked.CompareExchange(ref _middle, middle & ~Fresh, middle);
            if (seen == middle) break;
            middle = seen;
        }
        _openPhone = -1;
        _origin = _inputSamples = _modelSamples = 0;
        _hopSum = 0;
        _batched = _batchRows = 0;
        FramesPerPass = 1;
        _load = -1;
        Array.Clear(_hopEnergy, 0, _hopEnergy.Length);
        _flushed = false;
    }

    /// <summary>
    /// Copies the newest frame into <paramref name="destination"/> if one came since the last call; returns whether it
    /// did. Call from one reader thread at a time; allocation-free.
    /// </summary>
    public bool TryReadLatest(LipSyncFrame destination)
    {
        Guard.NotNull(destination, nameof(destination));
        ThrowIfDisposed();
        if ((Volatile.Read(ref _middle) & Fresh) == 0) return false;
        _front = Interlocked.Exchange(ref _middle, _front) & ~Fresh;
        _frames[_front].CopyTo(destination);
        return true;
    }

    /// <summary>
    /// Takes committed phone segments, oldest first, into <paramref name="destination"/>; returns how many. Call from
    /// one reader thread at a time; allocation-free.
    /// </summary>
    public int ReadSegments(Span<CommittedPhone> destination)
    {
        long written = Volatile.Read(ref _segmentsWritten);
        long available = written - _segmentsRead;
        if (available > _segments.Length)
        {
            // The producer overwrote segments the reader had not taken (counted by the producer).
            _segmentsRead = written - _segments.Length;
            available = _segments.Length;
        }
        int count = (int)Math.Min(available, destination.Length);
        for (int i = 0; i < count; i++) destination[i] = _segments[(int)((_segmentsRead + i) % _segments.Length)];
        _segmentsRead += count;
        return count;
    }

    /// <summary>Releases the processor: later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => _disposed = true;

    private void Enter(int length, string name)
    {
        ThrowIfDisposed();
        if (length > Options.MaxBlockSamples)
            throw new ArgumentException($"The block has {length} samples but the processor takes at most {Options.MaxBlockSamples} per push (LipSyncOptions.MaxBlockSamples).", name);
        if (Interlocked.Exchange(ref _pushing, 1) != 0)
            throw new InvalidOperationException("Another thread is using this processor: push from one thread at a time.");
        if (_flushed && length > 0)
        {
            Volatile.Write(ref _pushing, 0);
            throw new InvalidOperationException("The stream was flushed: call Reset before pushing more audio.");
        }
    }

    private void ThrowIfDisposed()
    {
#if NET
        ObjectDisposedException.ThrowIf(_disposed, this);
#else
        if (_disposed) throw new ObjectDisposedException(nameof(LipSyncProcessor));
#endif
    }

    private void Exit() => Volatile.Write(ref _pushing, 0);

    private void Process(ReadOnlySpan<float> block)
    {
        if (block.IsEmpty) return; // an empty push changes nothing (also after Flush)
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        _inputSamples += block.Length;
        int n = _resampler.Process(block, _resampled);
        Feed(_resampled.AsSpan(0, n));
        if (_warm) Monitor.AllocatedBytes += GC.GetAllocatedBytesForCurrentThread() - allocated;
        _warm = true;
    }

    /// <summary>Model-rate samples into the extractor, frames out of it as they complete.</summary>
    private void Feed(ReadOnlySpan<float> samples)
    {
        while (!samples.IsEmpty)
        {
            int taken = _extractor.PushSamples(samples);
            AccountEnergy(samples.Slice(0, taken));
            samples = samples.Slice(taken);
            while (_extractor.TryReadFrame(_raw))
                if (_pipeline.Push(_raw, _features))
                {
                    int d = _features.Length;
                    int provisional = _provisional == 0 ? 0 : _pipeline.Peek(_provisional, _flushFeatures);
                    Queue(_features, _flushFeatures.AsSpan(0, provisional * d));
                }
        }
        if (_batched >= FramesPerPass) DecodeBatch();
    }

    /// <summary>The next model-rate samples' energy, hop by hop, into the ring that gives each frame its loudness.</summary>
    private void AccountEnergy(ReadOnlySpan<float> samples)
    {
        for (int i = 0; i < samples.Length; i++)
        {
            float v = samples[i];
            _hopSum += v * (double)v;
            if (++_modelSamples % _hop == 0)
            {
                _hopEnergy[(int)((_modelSamples / _hop - 1) % _hopEnergy.Length)] = _hopSum / _hop;
                _hopSum = 0;
            }
        }
    }

    /// <summary>Adds a feature frame and its provisional frames after it to the batch, decoding the batch when it is full.</summary>
    private void Queue(ReadOnlySpan<float> features, ReadOnlySpan<float> provisional)
    {
        int d = _features.Length;
        if ((_batchRows + 1 + _provisional) * d > _batch.Length) DecodeBatch();
        features.CopyTo(_batch.AsSpan(_batchRows * d));
        provisional.CopyTo(_batch.AsSpan((_batchRows + 1) * d));
        _provisionalRows[_batched++] = provisional.Length / d;
        _batchRows += 1 + provisional.Length / d;
        if ((_batchRows + 1 + _provisional) * d > _batch.Length) DecodeBatch();
    }

    /// <summary>The frames that came together in one push: one mixture pass for all, then one hop each.</summary>
    private void DecodeBatch()
    {
        if (_batched == 0) return;
        int frames = _batched;
        long start = Stopwatch.GetTimestamp();
        _decoder.PrepareFrames(_batch.AsSpan(0, _batchRows * _features.Length));
        long shared = (Stopwatch.GetTimestamp() - start) / _batched;
        _batched = _batchRows = 0;
        for (int i = 0; i < frames; i++) Decode(shared, _provisionalRows[i]);
        if (Options.LatencyTargetMs is null) return;
        // Load: decoding time over the audio time it covered, smoothed over about ten passes.
        double load = (Stopwatch.GetTimestamp() - start) * 1000.0 / Stopwatch.Frequency / (frames * HopMilliseconds);
        _load = _load < 0 ? load : 0.9 * _load + 0.1 * load;
        FramesPerPass = NextFramesPerPass(FramesPerPass, MaxFramesPerPass, _load);
    }


    /// <summary>
    /// One analysis hop: decode the frame, step through its <paramref name="provisional"/> frames on the side chain, publish
    /// the outputs, commit what the lag allows.
    /// </summary>
    private void Decode(long sharedTicks, int provisional)
    {
        long start = Stopwatch.GetTimestamp() - sharedTicks;
        var committing = _scriptDecoder ?? _decoder;
        long frame = committing.FramesPushed;
        bool committed;
        if (_scriptDecoder is not null)
        {
            // The phone loop only computes the emissions here; the script's graph decodes them.
            _script!.Gather(_decoder.TakePrepared(), _graphEmissions);
            committed = _scriptDecoder.PushEmissions(_graphEmissions);
        }
        else committed = _decoder.PushPrepared();
        if (_provisional == 0)
        {
            if (Options.FrameOutputs) Publish(frame, peeked: false);
        }
        else
        {
            // The mouth runs _provisional frames ahead: frame f publishes frame f + _provisional from its side chain; frame 0
            // also publishes the frames before that, and the stream's last frames (fewer complete frames after them) none.
            if (frame == 0) Publish(0, peeked: false);
            for (int i = 0; i < provisional; i++)
            {
                if (_scriptDecoder is not null)
                {
                    _script!.Gather(_decoder.TakePrepared(), _graphEmissions);
                    _scriptDecoder.PeekEmissions(_graphEmissions, afterPeeked: i > 0);
                }
                else _decoder.PeekPrepared(afterPeeked: i > 0);
                if (frame == 0 || i == _provisional - 1) Publish(frame + 1 + i, peeked: true);
            }
        }
        if (committed) Commit(committing.FramesCommitted - 1, committing.LastCommittedState);
        Monitor.RecordHop(Stopwatch.GetTimestamp() - start);
    }

    /// <summary>The decoded frame's outputs (posteriors, word, visemes, loudness) into the writer's buffer, then to the reader.</summary>
    private void Publish(long frame, bool peeked)
    {
        var output = _frames[_back];
        var phones = output.PhonePosteriors;
        Array.Clear(phones, 0, phones.Length);
        output.Word = -1;
        if (_scriptDecoder is not null)
        {
            var graph = peeked ? _scriptDecoder.PeekPosteriors : _scriptDecoder.Posteriors;
            int bestState = 0;
            for (int j = 0; j < graph.Length; j++)
            {
                phones[_script!.PhoneOf(_script.UnitOf(j))] += graph[j];
                if (graph[j] > graph[bestState]) bestState = j;
            }
            output.Word = _script!.WordOf(_script.UnitOf(bestState));
        }
        else
        {
            var posteriors = peeked ? _decoder.PeekPosteriors : _decoder.Posteriors;
            for (int j = 0; j < posteriors.Length; j++) phones[j / _statesPerPhone] += posteriors[j];
        }
        int best = 0;
        for (int q = 1; q < phones.Length; q++) if (phones[q] > phones[best]) best = q;
        output.Phone = best;
        output.VoiceActivity = _silence >= 0 ? Math.Max(0f, 1f - phones[_silence]) : 1f;
        for (int i = 0; i < _maps.Length; i++)
        {
            var target = _targets[i];
            Array.Clear(target, 0, target.Length);
            _maps[i].Accumulate(phones, target);
            var smoothed = i == 0 ? output.Rhubarb : i == 1 ? output.Oculus : output.Vowels;
            _smoothers[i].Process(target, smoothed);
        }
        int shape = 0;
        for (int s = 1; s < output.Rhubarb.Length; s++) if (output.Rhubarb[s] > output.Rhubarb[shape]) shape = s;
        output.RhubarbShape = (RhubarbShape)shape;
        long centre = frame * _hop + _frameLength / 2;
        double energy = _hopEnergy[(int)((centre / _hop) % _hopEnergy.Length)];
        output.LoudnessDb = energy > 1e-12 ? (float)(10 * Math.Log10(energy)) : -120f;
        output.FrameIndex = frame;
        output.SampleTime = ToInputSample(centre);
        output.Time = output.SampleTime / (double)Options.InputSampleRate;
        FrameAnalysed?.Invoke(output);
        _back = Interlocked.Exchange(ref _middle, _back | Fresh) & ~Fresh;
    }

    private void Commit(long frame, int state)
    {
        int unit = _script is null ? state / _statesPerPhone : _script.UnitOf(state);
        if (unit == _openUnit) return;
        // Fixed-lag commitments need not follow one path: two pause units in a row are one pause, two units of one
        // phone in one word one segment.
        if (_script is not null && _script.PhoneOf(unit) == _openPhone && _script.WordOf(unit) == _openWord)
        {
            _openUnit = unit;
            return;
        }
        if (_openPhone >= 0) Emit(_openPhone, _openStart, frame, last: false);
        _openUnit = unit;
        _openPhone = _script is null ? unit : _script.PhoneOf(unit);
        _openWord = _script is null ? -1 : _script.WordOf(unit);
        _openStart = frame;
    }

    /// <summary>Queues the segment of frames [first, end); a frame owns the hop around its centre.</summary>
    private void Emit(int phone, long first, long end, bool last)
    {
        long startSample = first == 0 ? _origin : ToInputSample(Boundary(first));
        long endSample = last ? _origin + _inputSamples : ToInputSample(Boundary(end));
        double rate = Options.InputSampleRate;
        var segment = new CommittedPhone(phone, startSample, endSample, startSample / rate, endSample / rate, _openWord);
        if (SegmentCommitted is { } committed)
        {
            committed(segment);
            return;
        }
        long slot = _segmentsWritten;
        if (slot - Volatile.Read(ref _segmentsRead) >= _segments.Length) Monitor.DroppedSegments++;
        _segments[(int)(slot % _segments.Length)] = segment;
        Volatile.Write(ref _segmentsWritten, slot + 1);
    }

    /// <summary>The model-rate sample between frame f - 1 and frame f: half a hop before frame f's centre.</summary>
    private long Boundary(long frame) => frame * _hop + _frameLength / 2 - _hop / 2;

    private long ToInputSample(long modelSample) =>
        _origin + (long)Math.Round(modelSample * (double)Options.InputSampleRate / _modelRate);

    private static (double[] Mean, double[] Variance) ReadPrior()
    {
        using var stream = typeof(LipSyncProcessor).Assembly.GetManifestResourceStream("Hmm.Streaming.normalisation-prior.csv")
            ?? throw new InvalidOperationException("The normalisation prior is missing from the Hmm.Streaming assembly (resource Hmm.Streaming.normalisation-prior.csv).");
        using var reader = new StreamReader(stream);
        reader.ReadLine();
        var mean = new System.Collections.Generic.List<double>();
        var variance = new System.Collections.Generic.List<double>();
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            if (line.Length == 0) continue;
            var parts = line.Split(',');
            mean.Add(double.Parse(parts[1], CultureInfo.InvariantCulture));
            variance.Add(double.Parse(parts[2], CultureInfo.InvariantCulture));
        }
        return (mean.ToArray(), variance.ToArray());
    }
}

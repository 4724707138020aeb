using System;
using System.Collections.Generic;
using Hmm.Speech;

namespace Hmm.Streaming;

/// <summary>How a <see cref="LipSyncProcessor"/> is set up; every buffer is sized from these at construction.</summary>
public sealed record LipSyncOptions
{
    /// <summary>
    /// The acoustic model; null: the built-in one (<see cref="AcousticModel.LoadDefault"/>). A <see cref="SphinxAcousticModel"/>
    /// decodes its context-free phones with its own live CMN (it takes no <see cref="Prior"/>).
    /// </summary>
    public IAcousticModel? Model { get; init; }

    /// <summary>Phone-to-phone probabilities over the model's phones; null: <see cref="PhoneBigram.Default"/> (the built-in model's phones).</summary>
    public PhoneBigram? Bigram { get; init; }

    /// <summary>Scale of the bigram's log-probabilities (1: as estimated, 0: every phone equally likely).</summary>
    public float BigramWeight { get; init; } = 1f;

    /// <summary>
    /// How long the decoder waits for more audio before it commits a frame's phone, 0 to 300 ms: more look-ahead, fewer
    /// wrong phones in the committed segments (the mouth weights of every hop come from the newest frame regardless).
    /// </summary>
    public int LookaheadMs { get; init; } = 100;

    /// <summary>Sample rate of the pushed audio in Hz (resampled to the model's rate inside).</summary>
    public int InputSampleRate { get; init; } = 16000;

    /// <summary>The most samples one push may carry (1 to 48,000; the default is 100 ms at 48 kHz).</summary>
    public int MaxBlockSamples { get; init; } = 4800;

    /// <summary>Time constant of a mouth weight rising toward its target, ms.</summary>
    public double AttackMs { get; init; } = 20;

    /// <summary>Time constant of a mouth weight falling toward its target, ms.</summary>
    public double ReleaseMs { get; init; } = 60;

    /// <summary>Decay time of the running feature normalisation, seconds.</summary>
    public double NormalisationTimeConstantSeconds { get; init; } = 5;

    /// <summary>
    /// Weight, in frames, of the built-in normalisation prior (typical speech statistics) that the running normalisation
    /// starts from; 0 starts from nothing (the first second of a stream is then decoded worse).
    /// </summary>
    public double PriorFrames { get; init; } = 20;

    /// <summary>
    /// Mean and variance of the model's features (raw and deltas, before normalisation) to start the running
    /// normalisation from instead of the built-in prior, weighed by <see cref="PriorFrames"/>: for a caller that knows the
    /// recording ahead of time (a file: <see cref="LipSyncProcessor.FeatureStatistics"/> measures it), which then
    /// normalises like an offline pass. Null: the built-in prior (typical speech).
    /// </summary>
    public (double[] Mean, double[] Variance)? Prior { get; init; }

    /// <summary>
    /// The script being read, if known (<see cref="Transcriber"/>'s words): the processor then follows it
    /// (<see cref="ScriptLoop"/>: pauses, a skipped word and restarts allowed) instead of recognising free phones, and
    /// reports the word; null: no script.
    /// </summary>
    public IReadOnlyList<TranscribedWord>? Script { get; init; }

    /// <summary>
    /// Whether every hop produces a frame (phone posteriors, mouth weights, voice activity, loudness, word: what
    /// <see cref="LipSyncProcessor.TryReadLatest"/> and <see cref="LipSyncProcessor.FrameAnalysed"/> give) besides the
    /// committed phone segments (true). Off, only segments are produced, at about two thirds of the cost per hop: for
    /// callers that turn segments into mouth cues (Rhubarb's formats) and read nothing per frame.
    /// </summary>
    public bool FrameOutputs { get; init; } = true;

    /// <summary>
    /// Adaptive hop grouping toward a latency target, ms (the seed's AdaptiveChunkProcessor; null: off). A processor
    /// normally decodes every hop as soon as its frame is complete. With a target, when decoding takes more than half
    /// of the audio time it covers (a slow device, a busy audio thread) the processor holds complete frames back and
    /// decodes them together, up to four at a time (provisional frames included), which costs less per frame; it
    /// groups no more than keeps <see cref="LipSyncProcessor.LatencyMs"/> within the target, and goes back to single
    /// hops when the load falls under a fifth. The results are the same whatever the grouping: only when they appear changes.
    /// </summary>
    public double? LatencyTargetMs { get; init; }

    /// <summary>
    /// Hops the mouth weights run ahead of the frames whose features are complete, 0 to 3 (and no more than the deltas'
    /// look-ahead): each cuts <see cref="LipSyncProcessor.LatencyMs"/> by a hop (5 ms). A frame's deltas read the frames
    /// after it (20 ms with the built-in model); a provisional frame takes its features before they all arrive (the newest
    /// frame standing in for the missing ones, as at a stream's end) and the forward filter steps through it on a side
    /// chain, revised when the frame completes. Committed phones are unaffected (they come from complete frames only).
    /// Each provisional frame adds a mixture row and a forward step per hop. Only with <see cref="FrameOutputs"/>.
    /// </summary>
    public int ProvisionalFrames { get; init; }

    /// <summary>Committed phone segments kept for the reader before the oldest are dropped.</summary>
    public int SegmentCapacity { get; init; } = 1024;

    /// <summary>
    /// The lowest latency: phones committed at once, and the mouth one provisional frame ahead of the complete ones
    /// (<see cref="ProvisionalFrames"/> = 1: 27.5 ms from sound to mouth with the built-in model, against 32.5 ms in the
    /// other presets, for a mixture row and a forward step more per hop).
    /// </summary>
    public static LipSyncOptions LowLatency => new() { LookaheadMs = 0, ProvisionalFrames = 1 };

    /// <summary>The default: 100 ms of look-ahead for the committed phones.</summary>
    public static LipSyncOptions Balanced => new();

    /// <summary>
    /// pytorch_hmm's streaming preset: audio in blocks of 160 samples (10 ms at 16 kHz) and 200 ms of look-ahead (its
    /// buffer of 1,600 samples is ours to size: <see cref="MaxBlockSamples"/>).
    /// </summary>
    public static LipSyncOptions SeedPreset => new() { MaxBlockSamples = 1600, LookaheadMs = 200 };

    /// <summary>The most <see cref="ProvisionalFrames"/>: a frame and its provisional ones share one mixture pass.</summary>
    public const int MaxProvisionalFrames = 3;

    internal void Validate()
    {
        if (!(BigramWeight >= 0) || float.IsInfinity(BigramWeight)) throw new ArgumentOutOfRangeException(nameof(BigramWeight), BigramWeight, "BigramWeight must be finite and not negative.");
        if (LookaheadMs < 0 || LookaheadMs > 300) throw new ArgumentOutOfRangeException(nameof(LookaheadMs), LookaheadMs, "LookaheadMs must be 0 to 300.");
        if (InputSampleRate < 4000 || InputSampleRate > 384000) throw new ArgumentOutOfRangeException(nameof(InputSampleRate), InputSampleRate, "InputSampleRate must be 4,000 to 384,000 Hz.");
        if (MaxBlockSamples < 1 || MaxBlockSamples > 48000) throw new ArgumentOutOfRangeException(nameof(MaxBlockSamples), MaxBlockSamples, "MaxBlockSamples must be 1 to 48,000.");
        if (!(AttackMs >= 0) || double.IsInfinity(AttackMs)) throw new ArgumentOutOfRangeException(nameof(AttackMs), AttackMs, "AttackMs must be finite and not negative.");
        if (!(ReleaseMs >= 0) || double.IsInfinity(ReleaseMs)) throw new ArgumentOutOfRangeException(nameof(ReleaseMs), ReleaseMs, "ReleaseMs must be finite and not negative.");
        if (!(NormalisationTimeConstantSeconds > 0) || double.IsInfinity(NormalisationTimeConstantSeconds)) throw new ArgumentOutOfRangeException(nameof(NormalisationTimeConstantSeconds), NormalisationTimeConstantSeconds, "NormalisationTimeConstantSeconds must be positive and finite.");
        if (!(PriorFrames >= 0) || double.IsInfinity(PriorFrames)) throw new ArgumentOutOfRangeException(nameof(PriorFrames), PriorFrames, "PriorFrames must be finite and not negative.");
        if (LatencyTargetMs is double target && (!(target >= 0) || double.IsInfinity(target))) throw new ArgumentOutOfRangeException(nameof(LatencyTargetMs), target, "LatencyTargetMs must be finite and not negative.");
        if (ProvisionalFrames < 0 || ProvisionalFrames > MaxProvisionalFrames) throw new ArgumentOutOfRangeException(nameof(ProvisionalFrames), ProvisionalFrames, $"ProvisionalFrames must be 0 to {MaxProvisionalFrames}.");
        if (SegmentCapacity < 1) throw new ArgumentOutOfRangeException(nameof(SegmentCapacity), SegmentCapacity, "SegmentCapacity must be positive.");
    }
}

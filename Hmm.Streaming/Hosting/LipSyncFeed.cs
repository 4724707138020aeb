using System;
using System.Collections.Generic;
using System.Threading;
using Hmm.Speech;

namespace Hmm.Streaming;

/// <summary>What a push to a <see cref="LipSyncFeed"/> did with the audio.</summary>
public enum LipSyncFeedResult
{
    /// <summary>Analysed.</summary>
    Accepted,
    /// <summary>Dropped: the feed is disabled (<see cref="LipSyncFeed.Enabled"/>).</summary>
    Disabled,
    /// <summary>Dropped: it came at another sample rate than the processor's; <see cref="LipSyncFeed.Restart(int)"/> at the new rate takes it.</summary>
    SampleRateChanged,
}

/// <summary>What happened to pushes since the last <see cref="LipSyncFeed.TakeEvents"/>, for the reader's thread to report.</summary>
[Flags]
public enum LipSyncFeedEvents
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>Audio came while the feed was disabled and was dropped.</summary>
    DroppedWhileDisabled = 1,
    /// <summary>Audio came at a new sample rate (<see cref="LipSyncFeed.ArrivedSampleRate"/>) and was dropped.</summary>
    SampleRateChanged = 2,
}

/// <summary>
/// A <see cref="LipSyncProcessor"/> as a game engine's audio hands it audio: interleaved channels averaged to mono, blocks
/// of any length (split at <see cref="LipSyncOptions.MaxBlockSamples"/>), each push saying its sample rate, times on the
/// pusher's clock (a running sample count, or the caller's sample-accurate one). Audio at a rate other than the
/// processor's, or while disabled, is dropped and flagged instead of analysed wrongly or stuck on; the reader's thread
/// takes the flags (<see cref="TakeEvents"/>), reports them and, for a new rate, calls <see cref="Restart(int)"/>, which
/// swaps in a processor built for it. A new line to follow (<see cref="Restart(IReadOnlyList{TranscribedWord})"/>) swaps
/// the same way, so the reader never waits on the pusher nor the pusher on the reader.
/// </summary>
/// <remarks>
/// Threads: one thread pushes (the audio thread, or the caller of the push API); another reads
/// (<see cref="TryReadLatest"/>, <see cref="TakeEvents"/>, <see cref="Restart(int)"/>). The processor's own snapshot
/// (<see cref="LipSyncProcessor.TryReadLatest"/>) carries the frames across; the processor is swapped by one reference
/// write. A replaced processor is left to the collector, not disposed, as a push may be inside it at that moment.
/// Pushes allocate nothing; restarts allocate (the reader's thread, once per change).
/// </remarks>
public sealed class LipSyncFeed : IDisposable
{
    private LipSyncProcessor _processor;
    private readonly float[] _mono;
    private long _clock;
    private int _events;
    private int _arrivedRate;
    private volatile bool _enabled = true;
    private long _droppedWhileDisabled;
    private long _droppedForRate;

    /// <summary>A feed over a processor set up by <paramref name="options"/> (<see cref="LipSyncOptions.Balanced"/> when null); its <see cref="LipSyncOptions.InputSampleRate"/> is the rate pushes must have.</summary>
    /// <exception cref="ArgumentException">An option is out of range (as for <see cref="LipSyncProcessor"/>).</exception>
    public LipSyncFeed(LipSyncOptions? options = null)
    {
        _processor = new LipSyncProcessor(options);
        _mono = new float[_processor.Options.MaxBlockSamples];
    }

    /// <summary>
    /// A feed over a processor set up by <paramref name="options"/> (<see cref="LipSyncOptions.Balanced"/> when null) for
    /// audio at <paramref name="sampleRate"/> (replacing the options' <see cref="LipSyncOptions.InputSampleRate"/>; a
    /// caller compiled without init-only setters, as under Unity's compiler, sets the rate here).
    /// </summary>
    /// <exception cref="ArgumentException">An option or the rate is out of range (as for <see cref="LipSyncProcessor"/>).</exception>
    public LipSyncFeed(LipSyncOptions? options, int sampleRate)
        : this((options ?? LipSyncOptions.Balanced) with { InputSampleRate = sampleRate })
    {
    }

    /// <summary>The processor now (replaced by a restart).</summary>
    public LipSyncProcessor Processor => Volatile.Read(ref _processor);

    /// <summary>The sample rate pushes must have, Hz.</summary>
    public int SampleRate => Processor.Options.InputSampleRate;

    /// <summary>Whether pushes are analysed (true) or dropped and counted (false).</summary>
    public bool Enabled
    {
        get => _enabled;
        set => _enabled = value;
    }

    /// <summary>The sample rate of the last push refused for its rate, Hz (0 if none).</summary>
    public int ArrivedSampleRate => Volatile.Read(ref _arrivedRate);

    /// <summary>Samples (per channel) dropped because the feed was disabled.</summary>
    public long DroppedWhileDisabled => Interlocked.Read(ref _droppedWhileDisabled);

    /// <summary>Samples (per channel) dropped because they came at another rate.</summary>
    public long DroppedForSampleRate => Interlocked.Read(ref _droppedForRate);

    /// <summary>
    /// Pushes interleaved audio of <paramref name="channels"/> channels at <paramref name="sampleRate"/> (what Unity's
    /// <c>OnAudioFilterRead</c> gets), its first frame following the last pushed on the feed's running clock.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="channels"/> is not 1 to <see cref="InterleavedAudio.MaxChannels"/>.</exception>
    /// <exception cref="ArgumentException">The length is not a whole number of frames.</exception>
    public LipSyncFeedResult PushInterleaved(ReadOnlySpan<float> interleaved, int channels, int sampleRate) =>
        PushInterleaved(interleaved, channels, sampleRate, Interlocked.Read(ref _clock));

    /// <summary>Pushes interleaved audio as <see cref="PushInterleaved(ReadOnlySpan{float}, int, int)"/>, its first frame at <paramref name="startSample"/> on the caller's clock.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="channels"/> is not 1 to <see cref="InterleavedAudio.MaxChannels"/>.</exception>
    /// <exception cref="ArgumentException">The length is not a whole number of frames.</exception>
    public LipSyncFeedResult PushInterleaved(ReadOnlySpan<float> interleaved, int channels, int sampleRate, long startSample)
    {
        InterleavedAudio.CheckChannels(channels);
        if (interleaved.Length % channels != 0)
            throw new ArgumentException($"interleaved has {interleaved.Length} samples, not a whole number of {channels}-channel frames.", nameof(interleaved));
        int frames = interleaved.Length / channels;
        var processor = Volatile.Read(ref _processor);
        var refused = Admit(processor, frames, sampleRate);
        if (refused != LipSyncFeedResult.Accepted) return refused;
        int max = _mono.Length;
        for (int done = 0; done < frames;)
        {
            int n = Math.Min(max, frames - done);
            InterleavedAudio.Downmix(interleaved.Slice(done * channels, n * channels), channels, _mono);
            processor.Push(_mono.AsSpan(0, n), startSample + done);
            done += n;
        }
        Interlocked.Exchange(ref _clock, startSample + frames);
        return LipSyncFeedResult.Accepted;
    }

    /// <summary>Pushes mono audio at <paramref name="sampleRate"/>, following the last push on the feed's running clock.</summary>
    public LipSyncFeedResult Push(ReadOnlySpan<float> mono, int sampleRate) => Push(mono, sampleRate, Interlocked.Read(ref _clock));

    /// <summary>
    /// Pushes mono audio at <paramref name="sampleRate"/>, its first sample at <paramref name="startSample"/> on the
    /// caller's clock (a streamed voice's sample count, a timeline's sample position): every frame's and segment's time
    /// then follows that clock, across gaps.
    /// </summary>
    public LipSyncFeedResult Push(ReadOnlySpan<float> mono, int sampleRate, long startSample)
    {
        var processor = Volatile.Read(ref _processor);
        var refused = Admit(processor, mono.Length, sampleRate);
        if (refused != LipSyncFeedResult.Accepted) return refused;
        int max = _mono.Length;
        for (int done = 0; done < mono.Length;)
        {
            int n = Math.Min(max, mono.Length - done);
            processor.Push(mono.Slice(done, n), startSample + done);
            done += n;
        }
        Interlocked.Exchange(ref _clock, startSample + mono.Length);
        return LipSyncFeedResult.Accepted;
    }

    private LipSyncFeedResult Admit(LipSyncProcessor processor, int frames, int sampleRate)
    {
        if (!_enabled)
        {
            Interlocked.Add(ref _droppedWhileDisabled, frames);
            Raise(LipSyncFeedEvents.DroppedWhileDisabled);
            return LipSyncFeedResult.Disabled;
        }
        if (sampleRate != processor.Options.InputSampleRate)
        {
            Interlocked.Add(ref _droppedForRate, frames);
            Volatile.Write(ref _arrivedRate, sampleRate);
            Raise(LipSyncFeedEvents.SampleRateChanged);
            return LipSyncFeedResult.SampleRateChanged;
        }
        return LipSyncFeedResult.Accepted;
    }

    private void Raise(LipSyncFeedEvents e)
    {
        int seen = Volatile.Read(ref _events);
        while (true)
        {
            int was = Interlocked.CompareExchange(ref _events, seen | (int)e, seen);
            if (was == seen) return;
            seen = was;
        }
    }

    /// <summary>The events since the last call (and clears them). Allocation-free; any thread.</summary>
    public LipSyncFeedEvents TakeEvents() => (LipSyncFeedEvents)Interlocked.Exchange(ref _events, 0);

    /// <summary>Copies the newest frame into <paramref name="destination"/> if one came since the last call (<see cref="LipSyncProcessor.TryReadLatest"/>). Allocation-free.</summary>
    public bool TryReadLatest(LipSyncFrame destination) => Volatile.Read(ref _processor).TryReadLatest(destination);

    /// <summary>
    /// A fresh processor for audio at <paramref name="sampleRate"/> (the same options and script otherwise), swapped in;
    /// the running clock restarts at 0. Allocates: call from the reader's thread when a rate change is reported.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is out of the processor's range (4,000 to 384,000 Hz).</exception>
    public void Restart(int sampleRate) => Swap(Processor.Options with { InputSampleRate = sampleRate });

    /// <summary>
    /// A fresh processor that follows <paramref name="script"/> (null: free phones; <see cref="LipSyncOptions.Script"/>),
    /// swapped in; the running clock restarts at 0. Allocates the script's graph: call from the reader's thread, at the start of a line.
    /// </summary>
    /// <exception cref="ArgumentException">A word's phones are not the model's.</exception>
    public void Restart(IReadOnlyList<TranscribedWord>? script) => Swap(Processor.Options with { Script = script });

    /// <summary>Disposes the processor: call once nothing pushes any more (the component is destroyed). Later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => Volatile.Read(ref _processor).Dispose();

    private void Swap(LipSyncOptions options)
    {
        var next = new LipSyncProcessor(options with { MaxBlockSamples = _mono.Length });
        Volatile.Write(ref _processor, next);
        Interlocked.Exchange(ref _clock, 0);
    }
}

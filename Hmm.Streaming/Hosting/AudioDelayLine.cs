using System;

namespace Hmm.Streaming;

/// <summary>
/// Delays interleaved audio in place by a whole number of sample frames: what plays is what came that long ago, silence
/// at first. A game delays the audible sound by <see cref="LipSyncProcessor.LatencyMs"/> with it, after the processor has
/// taken the undelayed samples, so that the mouth moves with the sound it hears. The buffer is sized at construction;
/// <see cref="Process"/> allocates nothing. One audio thread at a time.
/// </summary>
public sealed class AudioDelayLine
{
    private readonly float[] _buffer;
    private int _write;
    private int _channels;
    private int _delayFrames;

    /// <summary>A delay line of up to <paramref name="maxDelayFrames"/> frames of up to <paramref name="maxChannels"/> channels, set to no delay.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the channels are more than <see cref="InterleavedAudio.MaxChannels"/>.</exception>
    public AudioDelayLine(int maxDelayFrames, int maxChannels)
    {
        if (maxDelayFrames < 1) throw new ArgumentOutOfRangeException(nameof(maxDelayFrames), maxDelayFrames, "maxDelayFrames must be positive.");
        InterleavedAudio.CheckChannels(maxChannels);
        MaxDelayFrames = maxDelayFrames;
        MaxChannels = maxChannels;
        _buffer = new float[maxDelayFrames * maxChannels];
    }

    /// <summary>The longest delay, sample frames.</summary>
    public int MaxDelayFrames { get; }

    /// <summary>The most channels.</summary>
    public int MaxChannels { get; }

    /// <summary>The delay now, sample frames (0: audio passes unchanged).</summary>
    public int DelayFrames => _delayFrames;

    /// <summary>Sets the delay (the line restarts silent). Allocates nothing.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="frames"/> is negative or beyond <see cref="MaxDelayFrames"/>.</exception>
    public void SetDelay(int frames)
    {
        if (frames < 0 || frames > MaxDelayFrames)
            throw new ArgumentOutOfRangeException(nameof(frames), frames, $"The delay must be 0 to {MaxDelayFrames} sample frames (the line's size).");
        _delayFrames = frames;
        Clear();
    }

    /// <summary>The delay in frames closest to <paramref name="milliseconds"/> at <paramref name="sampleRate"/>, within the line's size.</summary>
    public int FramesFor(double milliseconds, int sampleRate)
    {
        if (!(milliseconds >= 0) || double.IsInfinity(milliseconds)) throw new ArgumentOutOfRangeException(nameof(milliseconds), milliseconds, "milliseconds must be finite and not negative.");
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "sampleRate must be positive.");
        return (int)Math.Min(MaxDelayFrames, Math.Round(milliseconds * sampleRate / 1000.0));
    }

    /// <summary>Empties the line (silence for the next delay's worth of audio).</summary>
    public void Clear()
    {
        Array.Clear(_buffer, 0, _buffer.Length);
        _write = 0;
    }

    /// <summary>
    /// Replaces <paramref name="interleaved"/> with the audio of <see cref="DelayFrames"/> frames earlier. A change of the
    /// channel count restarts the line silent (the old frames do not fit the new layout).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="channels"/> is not 1 to <see cref="MaxChannels"/>.</exception>
    /// <exception cref="ArgumentException">The length is not a whole number of frames.</exception>
    public void Process(Span<float> interleaved, int channels)
    {
        if (channels < 1 || channels > MaxChannels)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, $"channels must be 1 to {MaxChannels} (the line's size).");
        if (interleaved.Length % channels != 0)
            throw new ArgumentException($"interleaved has {interleaved.Length} samples, not a whole number of {channels}-channel frames.", nameof(interleaved));
        if (_delayFrames == 0) return;
        if (channels != _channels)
        {
            _channels = channels;
            Clear();
        }
        // A ring of _delayFrames frames: each sample swaps with the one stored a delay ago.
        int span = _delayFrames * channels;
        float[] buffer = _buffer;
        int w = _write;
        for (int i = 0; i < interleaved.Length; i++)
        {
            float old = buffer[w];
            buffer[w] = interleaved[i];
            interleaved[i] = old;
            if (++w == span) w = 0;
        }
        _write = w;
    }
}

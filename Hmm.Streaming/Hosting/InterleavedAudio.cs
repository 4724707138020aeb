using System;

namespace Hmm.Streaming;

/// <summary>Interleaved multichannel audio (what a game engine's audio callback hands over) to the mono the processor takes.</summary>
public static class InterleavedAudio
{
    /// <summary>
    /// Averages the channels of each sample frame of <paramref name="interleaved"/> into <paramref name="mono"/>; returns
    /// the number of frames written. One channel is copied as is. Allocates nothing.
    /// </summary>
    /// <param name="interleaved">Samples, <paramref name="channels"/> per frame, frame after frame.</param>
    /// <param name="channels">Channels per frame, 1 to 32.</param>
    /// <param name="mono">Receives one sample per frame; at least <c>interleaved.Length / channels</c> long.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="channels"/> is not 1 to 32.</exception>
    /// <exception cref="ArgumentException">The length is not a whole number of frames, or <paramref name="mono"/> is too short.</exception>
    public static int Downmix(ReadOnlySpan<float> interleaved, int channels, Span<float> mono)
    {
        CheckChannels(channels);
        if (interleaved.Length % channels != 0)
            throw new ArgumentException($"interleaved has {interleaved.Length} samples, not a whole number of {channels}-channel frames.", nameof(interleaved));
        int frames = interleaved.Length / channels;
        if (mono.Length < frames)
            throw new ArgumentException($"mono has room for {mono.Length} samples but {frames} frames came.", nameof(mono));
        if (channels == 1)
        {
            interleaved.CopyTo(mono);
            return frames;
        }
        float scale = 1f / channels;
        for (int f = 0, i = 0; f < frames; f++)
        {
            float sum = 0f;
            for (int c = 0; c < channels; c++) sum += interleaved[i++];
            mono[f] = sum * scale;
        }
        return frames;
    }

    /// <summary>The most channels <see cref="Downmix"/> and <see cref="AudioDelayLine"/> take (Unity's speaker modes reach 8).</summary>
    public const int MaxChannels = 32;

    internal static void CheckChannels(int channels)
    {
        if (channels < 1 || channels > MaxChannels)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, $"channels must be 1 to {MaxChannels}.");
    }
}

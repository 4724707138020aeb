using System;

namespace Hmm.Speech.Training;

/// <summary>How the samples of a WAV file are stored.</summary>
public enum WavEncoding
{
    /// <summary>Integer PCM (8-bit unsigned; 16, 24 and 32-bit signed little-endian).</summary>
    Pcm = 1,

    /// <summary>IEEE floating point (32 or 64-bit little-endian).</summary>
    IeeeFloat = 3,
}

/// <summary>The format of a WAV file as stored on disk (before mixing down and resampling).</summary>
public sealed class WavFormatInfo
{
    internal WavFormatInfo(WavEncoding encoding, int bitsPerSample, int validBitsPerSample, int channels, int sampleRate, bool extensible, long frameCount)
    {
        Encoding = encoding;
        BitsPerSample = bitsPerSample;
        ValidBitsPerSample = validBitsPerSample;
        Channels = channels;
        SampleRate = sampleRate;
        Extensible = extensible;
        FrameCount = frameCount;
    }

    /// <summary>Integer PCM or IEEE float.</summary>
    public WavEncoding Encoding { get; }

    /// <summary>Bits of each stored sample (the container size: 8, 16, 24, 32 or 64).</summary>
    public int BitsPerSample { get; }

    /// <summary>Significant bits of each sample (WAVE_FORMAT_EXTENSIBLE may declare fewer than the container); equals <see cref="BitsPerSample"/> otherwise.</summary>
    public int ValidBitsPerSample { get; }

    /// <summary>Number of interleaved channels in the file.</summary>
    public int Channels { get; }

    /// <summary>Sample rate of the file in Hz.</summary>
    public int SampleRate { get; }

    /// <summary>Whether the fmt chunk was WAVE_FORMAT_EXTENSIBLE (0xFFFE).</summary>
    public bool Extensible { get; }

    /// <summary>Number of sample frames (one sample per channel) in the data chunk.</summary>
    public long FrameCount { get; }

    /// <summary>Duration of the file in seconds.</summary>
    public double DurationSeconds => FrameCount / (double)SampleRate;

    /// <inheritdoc/>
    public override string ToString() =>
        $"{(Encoding == WavEncoding.Pcm ? "PCM" : "float")} {BitsPerSample}-bit, {Channels} ch, {SampleRate} Hz, {FrameCount} frames{(Extensible ? " (extensible)" : "")}";
}

/// <summary>Mono audio read from a WAV file: samples in [-1, 1] at <see cref="SampleRate"/>, plus the file's original format.</summary>
public sealed class WavAudio
{
    internal WavAudio(string name, int sampleRate, float[] samples, WavFormatInfo sourceFormat)
    {
        Name = name;
        SampleRate = sampleRate;
        Samples = samples;
        SourceFormat = sourceFormat;
    }

    /// <summary>The file name or stream name the audio was read from (as given to the reader).</summary>
    public string Name { get; }

    /// <summary>Sample rate of <see cref="Samples"/> in Hz (the file's rate, or the target rate when resampled).</summary>
    public int SampleRate { get; }

    /// <summary>Mono samples (channels averaged), full scale = ±1. May be empty for a file with an empty data chunk.</summary>
    public float[] Samples { get; }

    /// <summary>Format of the file as stored.</summary>
    public WavFormatInfo SourceFormat { get; }

    /// <summary>Duration in seconds.</summary>
    public double DurationSeconds => Samples.Length / (double)SampleRate;

    /// <summary>The samples as a read-only span.</summary>
    public ReadOnlySpan<float> Span => Samples;
}

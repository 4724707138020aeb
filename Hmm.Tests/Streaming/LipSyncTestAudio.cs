using System;
using System.Collections.Generic;
using System.Linq;
using Hmm.Speech.Audio;
using Hmm.Speech.Training;
using Hmm.Streaming;
using Hmm.Tests.Audio;
using Xunit;

namespace Hmm.Tests.Streaming;

/// <summary>
/// Speech for the <see cref="LipSyncProcessor"/> tests: speech-dev clean files joined into one stream (16 kHz, and
/// resampled to 48 kHz), and a recorder that pushes audio in given block sizes, reading the committed segments after
/// every push as a live reader would, and keeps every analysed frame.
/// </summary>
internal static class LipSyncTestAudio
{
    private static readonly Lazy<float[]> Joined16k = new(() => Join(SpeechDev.CleanWavs().Take(2)));
    private static readonly Lazy<float[]> Joined48k = new(() => new Resampler(16000, 48000).Process(Joined16k.Value));

    /// <summary>Two clean speech-dev files one after the other: about 6 s of speech with silences, at 16 kHz.</summary>
    public static float[] Speech16k => Joined16k.Value;

    /// <summary>The words of <see cref="Speech16k"/>'s two sentences, as a processor's script.</summary>
    public static IReadOnlyList<Hmm.Speech.TranscribedWord> Script => ScriptWords.Value;

    private static readonly Lazy<IReadOnlyList<Hmm.Speech.TranscribedWord>> ScriptWords = new(() =>
        new Hmm.Speech.Transcriber(Hmm.Speech.PronunciationLexicon.LoadDefault()).Transcribe(string.Join(" ",
            SpeechDev.CleanWavs().Take(2).Select(w => System.IO.File.ReadAllText(System.IO.Path.ChangeExtension(w, ".txt"))))));

    /// <summary>The front end of the default model, which a processor without <see cref="LipSyncOptions.Model"/> runs.</summary>
    public static FrontEndOptions DefaultFrontEnd => DefaultModelFrontEnd.Value;

    private static readonly Lazy<FrontEndOptions> DefaultModelFrontEnd = new(() => Hmm.Speech.AcousticModel.LoadDefault().FrontEnd);

    /// <summary><see cref="Speech16k"/> resampled to 48 kHz.</summary>
    public static float[] Speech48k => Joined48k.Value;

    /// <summary>The joined speech at <paramref name="rate"/> (16 kHz, 48 kHz, or resampled on demand).</summary>
    public static float[] Speech(int rate) => rate switch
    {
        16000 => Speech16k,
        48000 => Speech48k,
        _ => new Resampler(16000, rate).Process(Speech16k),
    };

    /// <summary>Clean speech-dev files at 16 kHz, end to end.</summary>
    public static float[] Join(IEnumerable<string> wavs)
    {
        var all = new List<float>();
        foreach (string wav in wavs)
        {
            var audio = WavReader.Read(wav);
            Assert.Equal(16000, audio.SampleRate);
            all.AddRange(audio.Samples);
        }
        return all.ToArray();
    }

    /// <summary>16-bit PCM of <paramref name="samples"/> (rounded, clipped).</summary>
    public static short[] ToPcm16(float[] samples)
    {
        var pcm = new short[samples.Length];
        for (int i = 0; i < samples.Length; i++) pcm[i] = (short)Math.Clamp(Math.Round(samples[i] * 32768.0), short.MinValue, short.MaxValue);
        return pcm;
    }

    /// <summary>Block sizes 1 to <paramref name="max"/> drawn uniformly.</summary>
    public static Func<int> RandomBlocks(int seed, int max)
    {
        var rng = new Random(seed);
        return () => rng.Next(1, max + 1);
    }

    /// <summary>Always <paramref name="size"/> samples.</summary>
    public static Func<int> FixedBlocks(int size) => () => size;
}

/// <summary>What one stream gave: its committed segments (read after every push and after the flush) and every analysed frame.</summary>
internal sealed class LipSyncRecording
{
    public List<CommittedPhone> Segments { get; } = new();

    public List<RecordedFrame> Frames { get; } = new();

    /// <summary>Pushes <paramref name="audio"/> into <paramref name="processor"/> in blocks of <paramref name="nextBlock"/>() samples,
    /// reading segments after every push, then flushes; with <paramref name="origin"/>, every push carries its start on that clock.</summary>
    public static LipSyncRecording Run(LipSyncProcessor processor, float[] audio, Func<int> nextBlock, long? origin = null)
    {
        var recording = new LipSyncRecording();
        processor.FrameAnalysed = f => recording.Frames.Add(RecordedFrame.Of(f));
        var buffer = new CommittedPhone[16];
        for (int position = 0; position < audio.Length;)
        {
            int n = Math.Min(nextBlock(), audio.Length - position);
            if (origin is long o) processor.Push(audio.AsSpan(position, n), o + position);
            else processor.Push(audio.AsSpan(position, n));
            position += n;
            recording.Drain(processor, buffer);
        }
        processor.Flush();
        recording.Drain(processor, buffer);
        processor.FrameAnalysed = null;
        return recording;
    }

    /// <summary>As <see cref="Run(LipSyncProcessor, float[], Func{int}, long?)"/> with 16-bit PCM.</summary>
    public static LipSyncRecording Run(LipSyncProcessor processor, short[] audio, Func<int> nextBlock)
    {
        var recording = new LipSyncRecording();
        processor.FrameAnalysed = f => recording.Frames.Add(RecordedFrame.Of(f));
        var buffer = new CommittedPhone[16];
        for (int position = 0; position < audio.Length;)
        {
            int n = Math.Min(nextBlock(), audio.Length - position);
            processor.Push(audio.AsSpan(position, n));
            position += n;
            recording.Drain(processor, buffer);
        }
        processor.Flush();
        recording.Drain(processor, buffer);
        processor.FrameAnalysed = null;
        return recording;
    }

    public void Drain(LipSyncProcessor processor, CommittedPhone[] buffer)
    {
        int n;
        while ((n = processor.ReadSegments(buffer)) > 0) Segments.AddRange(buffer.Take(n));
    }

    /// <summary>Asserts that <paramref name="actual"/> has the same segments and the same frames, bit for bit.</summary>
    public static void AssertSame(LipSyncRecording expected, LipSyncRecording actual, string what)
    {
        Assert.True(expected.Segments.Count > 0, $"{what}: nothing committed");
        Assert.True(expected.Segments.Count == actual.Segments.Count, $"{what}: {actual.Segments.Count} segments, expected {expected.Segments.Count}");
        for (int i = 0; i < expected.Segments.Count; i++)
            Assert.True(expected.Segments[i] == actual.Segments[i], $"{what}: segment {i} is {actual.Segments[i]}, expected {expected.Segments[i]}");
        Assert.True(expected.Frames.Count == actual.Frames.Count, $"{what}: {actual.Frames.Count} frames, expected {expected.Frames.Count}");
        for (int i = 0; i < expected.Frames.Count; i++) RecordedFrame.AssertSame(expected.Frames[i], actual.Frames[i], $"{what}: frame {i}");
    }
}

/// <summary>A copy of one <see cref="LipSyncFrame"/>.</summary>
internal sealed record RecordedFrame(long FrameIndex, long SampleTime, double Time, int Phone, RhubarbShape Shape, float VoiceActivity, float LoudnessDb, float[] Values)
{
    public static RecordedFrame Of(LipSyncFrame f) => new(f.FrameIndex, f.SampleTime, f.Time, f.Phone, f.RhubarbShape, f.VoiceActivity, f.LoudnessDb,
        f.PhonePosteriors.Concat(f.Rhubarb).Concat(f.Oculus).Concat(f.Vowels).ToArray());

    public static void AssertSame(RecordedFrame expected, RecordedFrame actual, string what)
    {
        Assert.True(expected with { Values = Array.Empty<float>() } == actual with { Values = Array.Empty<float>() }, $"{what}: {actual}, expected {expected}");
        Assert.True(expected.Values.Length == actual.Values.Length, what);
        for (int i = 0; i < expected.Values.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected.Values[i]) != BitConverter.SingleToInt32Bits(actual.Values[i]))
                Assert.Fail($"{what} (index {expected.FrameIndex}): value {i} is {actual.Values[i]:R}, expected {expected.Values[i]:R}");
        }
    }
}

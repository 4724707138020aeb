using System;
using System.Collections.Generic;
using System.Linq;
using Hmm.Speech.Audio;
using Hmm.Speech.Training;
using Hmm.Tests.Alignment;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Audio;

/// <summary><see cref="StreamingPitchTracker"/> against the offline tracker frame by frame, whatever the push sizes, and its allocation.</summary>
public class StreamingPitchTrackerTests
{
    private const int Rate = 16000;

    /// <summary>The offline settings a stream reproduces exactly: no best path, silence only when all is zero.</summary>
    private static readonly PitchOptions Exact = PitchOptions.Default with { Smooth = false, SilenceThreshold = 0 };

    private static List<PitchFrame> Stream(float[] signal, PitchOptions options, int seed, int maxPush, int capacity = 0)
    {
        var tracker = new StreamingPitchTracker(Rate, options, capacity);
        var random = new Random(seed);
        var frames = new List<PitchFrame>();
        int at = 0;
        while (at < signal.Length)
        {
            int n = Math.Min(signal.Length - at, random.Next(1, maxPush + 1));
            at += tracker.PushSamples(signal.AsSpan(at, n));
            while (tracker.TryReadFrame(out var frame)) frames.Add(frame);
        }
        tracker.EndOfStream();
        while (tracker.TryReadFrame(out var frame)) frames.Add(frame);
        return frames;
    }

    public static TheoryData<int, int, int> Pushes => new()
    {
        { 1, 3000, 0 },
        { 2, 160, 0 },
        { 3, 17, 0 },
        { 4, 5000, 600 }, // the smallest buffer: a span (429 samples) and a hop
    };

    [Theory]
    [MemberData(nameof(Pushes))]
    public void Frames_equal_the_offline_tracks_frame_by_frame_whatever_the_pushes(int seed, int maxPush, int capacity)
    {
        var speech = WavReader.Read(AlignmentTestData.Wav("s044-us2"), Rate).Samples;
        var signal = PitchTrackerTests.GlottalVowel(130, 0.4).Concat(speech).ToArray();
        var offline = PitchTracker.Track(signal, Rate, Exact);
        var streamed = Stream(signal, Exact, seed, maxPush, capacity);
        Assert.Equal(offline.FrameCount, streamed.Count);
        for (int k = 0; k < streamed.Count; k++)
        {
            Assert.Equal(k, streamed[k].Index);
            Assert.Equal(offline.F0[k], streamed[k].F0);
            Assert.Equal(offline.Periodicity[k], streamed[k].Periodicity);
        }
        Assert.True(streamed.Count(f => f.F0 > 0) > 60);
    }

    [Fact]
    public void A_stream_shorter_than_a_span_and_silence_give_the_offline_frames()
    {
        foreach (var signal in new[] { PitchTrackerTests.GlottalVowel(200, 0.02), new float[Rate / 2], Array.Empty<float>() })
        {
            var offline = PitchTracker.Track(signal, Rate, Exact);
            var streamed = Stream(signal, Exact, 5, 100);
            Assert.Equal(offline.F0.ToArray(), streamed.Select(f => f.F0));
        }
        Assert.All(Stream(new float[Rate], PitchOptions.Default, 6, 700), f => Assert.Equal(0f, f.F0));
    }

    [Fact]
    public void Pushing_and_reading_allocates_nothing_and_reset_starts_again()
    {
        var tracker = new StreamingPitchTracker(Rate);
        var chunk = PitchTrackerTests.GlottalVowel(150, 0.01); // 160 samples, a hop
        int voiced = 0;
        long bytes = SteadyAllocation.Bytes(() =>
        {
            tracker.PushSamples(chunk);
            while (tracker.TryReadFrame(out var frame)) voiced += frame.F0 > 0 ? 1 : 0;
        });
        Assert.Equal(0, bytes);
        Assert.True(tracker.FramesProduced > 1000);
        tracker.EndOfStream();
        Assert.Throws<InvalidOperationException>(() => tracker.PushSamples(chunk));
        tracker.Reset();
        Assert.Equal(0, tracker.FramesProduced);
        Assert.Equal(160, tracker.PushSamples(chunk));
        Assert.Equal(429 - 214, tracker.LatencySamples); // half the span at 75 Hz, 13.4 ms
    }

    [Fact]
    public void Bad_settings_and_samples_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamingPitchTracker(Rate, capacity: 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamingPitchTracker(Rate, PitchOptions.Default with { CeilingHz = 5000 }));
        Assert.Throws<ArgumentException>(() => new StreamingPitchTracker(Rate).PushSamples(new[] { float.PositiveInfinity }));
    }
}

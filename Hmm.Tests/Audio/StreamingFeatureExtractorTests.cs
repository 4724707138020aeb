using System;
using Hmm.Speech.Audio;
using Hmm.Speech.Training;
using Xunit;

namespace Hmm.Tests.Audio;

/// <summary>
/// <see cref="StreamingFeatureExtractor"/>: the same raw features as the offline extractor, bit for bit, whatever
/// the push sizes, and no allocation frame by frame.
/// </summary>
public class StreamingFeatureExtractorTests
{
    public static TheoryData<string> Configurations() => new() { "default", "5ms-logenergy", "logmel", "frame-equals-hop", "5ms-logmel-6k", "5ms-noise-removal", "logmel-noise-removal" };

    private static FrontEndOptions Configuration(string name) => name switch
    {
        "default" => FrontEndOptions.Default,
        "5ms-logenergy" => FrontEndOptions.Default with { HopLengthMs = 5, Energy = EnergyTerm.LogEnergy, MelFilterCount = 40 },
        "logmel" => FrontEndOptions.Default with { Kind = FeatureKind.LogMel },
        "frame-equals-hop" => FrontEndOptions.Default with { FrameLengthMs = 20, HopLengthMs = 20 },
        "5ms-logmel-6k" => FrontEndOptions.Default with { HopLengthMs = 5, Kind = FeatureKind.LogMel, HighFrequencyHz = 6000 },
        "5ms-noise-removal" => FrontEndOptions.Default with { HopLengthMs = 5, NoiseRemoval = true },
        "logmel-noise-removal" => FrontEndOptions.Default with { Kind = FeatureKind.LogMel, NoiseRemoval = true },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>Streams <paramref name="samples"/> in random-sized pushes and collects every frame.</summary>
    private static float[] Stream(StreamingFeatureExtractor streaming, float[] samples, Random rng, int maxPush)
    {
        int dim = streaming.RawDimension;
        var frames = new System.Collections.Generic.List<float>();
        var frame = new float[dim];
        int position = 0;
        while (position < samples.Length)
        {
            int want = Math.Min(samples.Length - position, rng.Next(0, maxPush + 1));
            int accepted = streaming.PushSamples(samples.AsSpan(position, want));
            Assert.InRange(accepted, 0, want);
            position += accepted;
            while (streaming.TryReadFrame(frame)) frames.AddRange(frame);
        }
        Assert.False(streaming.TryReadFrame(frame));
        return frames.ToArray();
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Streaming_equals_offline_raw_features_exactly(string configuration)
    {
        FrontEndOptions options = Configuration(configuration);
        var offline = new FeatureExtractor(options);
        float[] samples = WavReader.Read(SpeechDev.CleanWavs()[2]).Samples;
        var expected = new float[offline.FrameCount(samples.Length) * offline.RawDimension];
        offline.ExtractRaw(samples, expected);

        var rng = new Random(7);
        foreach (int maxPush in new[] { 1, 37, 160, 1000, 20000 })
        {
            foreach (int capacity in new[] { 0, options.FrameLength, options.FrameLength + 1, 4096 })
            {
                var streaming = new StreamingFeatureExtractor(options, capacity);
                float[] actual = Stream(streaming, samples, rng, maxPush);
                Assert.Equal(expected.Length, actual.Length);
                for (int i = 0; i < expected.Length; i++)
                {
                    if (expected[i] != actual[i])
                    {
                        Assert.Fail($"push <= {maxPush}, capacity {capacity}: frame {i / offline.RawDimension} coefficient {i % offline.RawDimension}: {actual[i]} vs offline {expected[i]}");
                    }
                }
                Assert.Equal(expected.Length / offline.RawDimension, streaming.FramesProduced);
            }
        }
    }

    [Fact]
    public void Push_accepts_what_fits_and_frames_make_room()
    {
        var streaming = new StreamingFeatureExtractor(capacity: 500);
        Assert.Equal(500, streaming.Capacity);
        var samples = new float[1200];
        for (int i = 0; i < samples.Length; i++) samples[i] = (float)Math.Sin(i * 0.05);
        Assert.Equal(500, streaming.PushSamples(samples));
        Assert.Equal(0, streaming.FreeCapacity);
        Assert.Equal(0, streaming.PushSamples(samples.AsSpan(500)));
        Assert.True(streaming.FrameReady);
        var frame = new float[13];
        Assert.True(streaming.TryReadFrame(frame));
        Assert.False(streaming.TryReadFrame(frame)); // 340 left, a frame needs 400
        Assert.Equal(340, streaming.BufferedSamples);
        Assert.Equal(160, streaming.PushSamples(samples.AsSpan(500)));
        Assert.True(streaming.TryReadFrame(frame));
        Assert.Equal(2, streaming.FramesProduced);
        Assert.Throws<ArgumentException>(() => streaming.TryReadFrame(new float[12]));
    }

    [Theory]
    [InlineData("default")]
    [InlineData("5ms-noise-removal")]
    public void Reset_starts_a_new_stream(string configuration)
    {
        float[] samples = WavReader.Read(SpeechDev.CleanWavs()[3]).Samples.AsSpan(0, 5000).ToArray();
        var streaming = new StreamingFeatureExtractor(Configuration(configuration));
        var first = Stream(streaming, samples, new Random(1), 300);
        var tone = new float[1234];
        for (int i = 0; i < tone.Length; i++) tone[i] = (float)Math.Sin(i * 0.3);
        streaming.PushSamples(tone);
        while (streaming.TryReadFrame(new float[streaming.RawDimension])) { } // frames the noise estimate has seen
        streaming.Reset();
        Assert.Equal(0, streaming.BufferedSamples);
        Assert.Equal(0, streaming.FramesProduced);
        var second = Stream(streaming, samples, new Random(2), 700);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Capacity_below_a_frame_is_rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamingFeatureExtractor(capacity: 399));

    [Theory]
    [InlineData("default")]
    [InlineData("logmel")]
    [InlineData("5ms-noise-removal")]
    public void Frame_by_frame_streaming_does_not_allocate_after_warm_up(string configuration)
    {
        float[] samples = WavReader.Read(SpeechDev.CleanWavs()[4]).Samples;
        var streaming = new StreamingFeatureExtractor(Configuration(configuration));
        var frame = new float[streaming.RawDimension];
        const int chunk = 160; // one 10 ms audio callback per frame

        // Warm-up: one pass through the file.
        for (int p = 0; p + chunk <= samples.Length; p += chunk)
        {
            streaming.PushSamples(samples.AsSpan(p, chunk));
            while (streaming.TryReadFrame(frame)) { }
        }

        // Rounds of 5000 calls until one allocates nothing (at most 3), as SteadyAllocation does: tiered compilation can
        // allocate a few hundred bytes on this thread once, whenever it installs optimised code (296 bytes seen in one
        // round on a loaded machine); an allocation made by the extractor itself would show in every round.
        long allocated = 0;
        for (int round = 0; round < 3; round++)
        {
            long calls = 0;
            long before = GC.GetAllocatedBytesForCurrentThread();
            while (calls < 5000)
            {
                streaming.Reset();
                for (int p = 0; p + chunk <= samples.Length; p += chunk)
                {
                    calls += streaming.PushSamples(samples.AsSpan(p, chunk)) > 0 ? 1 : 0;
                    while (streaming.TryReadFrame(frame)) calls++;
                }
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated == 0) break;
        }
        Assert.Equal(0, allocated);
    }
}

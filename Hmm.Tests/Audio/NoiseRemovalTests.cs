using System;
using System.Linq;
using Hmm.Speech.Audio;
using Xunit;

namespace Hmm.Tests.Audio;

/// <summary>The front end's noise removal (<see cref="FrontEndOptions.NoiseRemoval"/>): what it does to noise and to speech.</summary>
public class NoiseRemovalTests
{
    private static readonly FrontEndOptions LogMel = FrontEndOptions.Default with { HopLengthMs = 5, Kind = FeatureKind.LogMel, DeltaOrder = 0, Normalization = CmvnMode.None };

    private static float[] Raw(FrontEndOptions options, float[] samples) => new FeatureExtractor(options).Extract(samples);

    private static float[] WhiteNoise(int n, double level, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(level * (rng.NextDouble() * 2 - 1))).ToArray();
    }

    /// <summary>Mean log-mel energy over frames [first, end) and every filter.</summary>
    private static double Mean(float[] features, int dim, int first, int end) =>
        features.Skip(first * dim).Take((end - first) * dim).Average(v => (double)v);

    [Fact]
    public void Settled_stationary_noise_sinks_and_a_tone_rising_out_of_it_keeps_its_level()
    {
        // Two seconds of white noise, then 200 ms of a 1 kHz tone on top of it, then noise again.
        int rate = 16000;
        var samples = WhiteNoise(3 * rate, 0.01, 1);
        for (int i = 2 * rate; i < 2 * rate + rate / 5; i++) samples[i] += (float)(0.3 * Math.Sin(2 * Math.PI * 1000 * i / rate));
        int dim = LogMel.MelFilterCount;
        var plain = Raw(LogMel, samples);
        var removed = Raw(LogMel with { NoiseRemoval = true }, samples);
        int toneStart = 2 * 200 + 10, toneEnd = 2 * 200 + 35;
        // The settled noise (second 1 to 2) is pulled down: what remains is its fluctuation above the tracked noise level ...
        double noiseDrop = Mean(plain, dim, 200, 400) - Mean(removed, dim, 200, 400);
        Assert.True(noiseDrop > 1, $"settled noise lowered by {noiseDrop:0.00} nepers");
        // ... while the filter that holds the tone keeps its level: speech rising out of noise passes.
        int toneFilter = Enumerable.Range(0, dim).OrderByDescending(f => plain[(toneStart + 5) * dim + f]).First();
        double tonePlain = Enumerable.Range(toneStart, toneEnd - toneStart).Average(t => (double)plain[t * dim + toneFilter]);
        double toneRemoved = Enumerable.Range(toneStart, toneEnd - toneStart).Average(t => (double)removed[t * dim + toneFilter]);
        Assert.True(Math.Abs(tonePlain - toneRemoved) < 1, $"tone filter: {tonePlain:0.00} plain, {toneRemoved:0.00} with noise removal");
    }

    [Fact]
    public void Digital_silence_and_full_scale_input_stay_finite()
    {
        var samples = new float[16000];
        for (int i = 8000; i < 16000; i++) samples[i] = i % 2 == 0 ? 1f : -1f;
        var features = Raw(FrontEndOptions.Default with { HopLengthMs = 5, NoiseRemoval = true }, samples);
        Assert.All(features, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Off_by_default_and_on_changes_the_features()
    {
        // With it off the features are the ones the NWaves-checked tests (FeatureExtractorTests) pin down.
        Assert.False(FrontEndOptions.Default.NoiseRemoval);
        var samples = WhiteNoise(8000, 0.1, 2);
        Assert.NotEqual(Raw(LogMel, samples), Raw(LogMel with { NoiseRemoval = true }, samples));
    }

    [Fact]
    public void Every_utterance_starts_from_a_fresh_noise_estimate()
    {
        var samples = WhiteNoise(8000, 0.05, 3);
        var extractor = new FeatureExtractor(LogMel with { NoiseRemoval = true });
        var first = extractor.Extract(samples);
        extractor.Extract(WhiteNoise(16000, 0.5, 4));
        Assert.Equal(first, extractor.Extract(samples));
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using Hmm.Speech.Audio;
using Hmm.Speech.Training;
using Xunit;

namespace Hmm.Tests.Audio;

/// <summary>
/// <see cref="FeatureExtractor"/> against NWaves 0.9.6 configured identically (<see cref="NWavesReference"/>), on
/// the speech-dev corpus and on synthetic signals, plus the utterance-level steps, framing, validation and
/// allocation.
/// </summary>
/// <remarks>
/// Tolerances: both sides compute in float32, so they differ by rounding; the limits and the differences measured on
/// speech-dev and on synthetic signals are in <see cref="Tolerances"/> (SpeechMfccMax and the rest).
/// </remarks>
public class FeatureExtractorTests
{
    private static readonly Tolerance Speech = new(Tolerances.SpeechMfccMax, Tolerances.SpeechMfccRms, Tolerances.SpeechLogMelMax, Tolerances.SpeechLogMelRms);
    private static readonly Tolerance Synthetic = new(Tolerances.SyntheticMfccMax, Tolerances.SyntheticMfccRms, Tolerances.SyntheticLogMelMax, Tolerances.SyntheticLogMelRms);

    private sealed record Tolerance(double MfccMax, double MfccRms, double LogMelMax, double LogMelRms);

    private readonly ITestOutputHelper _output;

    public FeatureExtractorTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Configurations() => new() { "default", "40-filters-energy-5ms", "24-filters-no-lifter-no-preemphasis-1024", "logmel-40" };

    private static FrontEndOptions Configuration(string name) => name switch
    {
        "default" => FrontEndOptions.Default,
        "40-filters-energy-5ms" => FrontEndOptions.Default with { MelFilterCount = 40, Energy = EnergyTerm.LogEnergy, HopLengthMs = 5 },
        "24-filters-no-lifter-no-preemphasis-1024" => FrontEndOptions.Default with
        {
            MelFilterCount = 24, LifterCoefficient = 0, PreEmphasis = 0, FftSize = 1024, LowFrequencyHz = 64, HighFrequencyHz = 7600, CepstralCount = 20,
        },
        "logmel-40" => FrontEndOptions.Default with { Kind = FeatureKind.LogMel, MelFilterCount = 40 },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>Per-coefficient largest and RMS difference between our raw features and NWaves'.</summary>
    private sealed class Agreement
    {
        public Agreement(int dimension)
        {
            Max = new double[dimension];
            SumSquares = new double[dimension];
        }

        public double[] Max { get; }
        public double[] SumSquares { get; }
        public long Frames { get; private set; }

        public void Add(FrontEndOptions options, float[] samples)
        {
            var extractor = new FeatureExtractor(options);
            int dim = options.RawDimension;
            int frames = extractor.FrameCount(samples.Length);
            var ours = new float[frames * dim];
            Assert.Equal(frames, extractor.ExtractRaw(samples, ours));
            List<float[]> theirs = NWavesReference.Raw(options, samples);
            Assert.Equal(frames, theirs.Count);
            for (int t = 0; t < frames; t++)
            {
                for (int j = 0; j < dim; j++)
                {
                    Assert.True(float.IsFinite(ours[t * dim + j]), $"frame {t} coefficient {j} is {ours[t * dim + j]}");
                    double d = Math.Abs(ours[t * dim + j] - theirs[t][j]);
                    Max[j] = Math.Max(Max[j], d);
                    SumSquares[j] += d * d;
                }
            }
            Frames += frames;
        }

        public void AssertWithin(FrontEndOptions options, Tolerance tolerance, ITestOutputHelper output, string what)
        {
            bool mfcc = options.Kind == FeatureKind.Mfcc;
            double maxTolerance = mfcc ? tolerance.MfccMax : tolerance.LogMelMax;
            double rmsTolerance = mfcc ? tolerance.MfccRms : tolerance.LogMelRms;
            output.WriteLine($"{what}: {Frames} frames; per coefficient max |ours - NWaves| / RMS difference:");
            for (int j = 0; j < Max.Length; j++)
            {
                double rms = Math.Sqrt(SumSquares[j] / Math.Max(1, Frames));
                output.WriteLine($"  {(mfcc ? "c" : "mel")}{j}: {Max[j]:E2} / {rms:E2}");
                Assert.True(Max[j] <= maxTolerance, $"{what}: coefficient {j} differs by up to {Max[j]:E3} (tolerance {maxTolerance})");
                Assert.True(rms <= rmsTolerance, $"{what}: coefficient {j} RMS difference {rms:E3} (tolerance {rmsTolerance})");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Raw_features_match_NWaves_on_real_speech(string configuration)
    {
        FrontEndOptions options = Configuration(configuration);
        var agreement = new Agreement(options.RawDimension);
        string[] files = configuration == "default" ? SpeechDev.CleanWavs() : SpeechDev.CleanWavs().Where((_, i) => i % 3 == 0).ToArray();
        Assert.NotEmpty(files);
        foreach (string path in files) agreement.Add(options, WavReader.Read(path).Samples);
        agreement.AssertWithin(options, Speech, _output, $"{configuration} on {files.Length} clean speech-dev files");
    }

    [Fact]
    public void Raw_features_match_NWaves_on_degraded_speech()
    {
        FrontEndOptions options = FrontEndOptions.Default;
        var agreement = new Agreement(options.RawDimension);
        string[] files = SpeechDev.DegradedWavs().Where((_, i) => i % 4 == 0).ToArray();
        Assert.NotEmpty(files);
        foreach (string path in files) agreement.Add(options, WavReader.Read(path).Samples);
        agreement.AssertWithin(options, Speech, _output, $"default on {files.Length} degraded speech-dev files");
    }

    /// <summary>White noise, a chirp, tones with runs of digital silence and clicks, near-floor noise, a square wave.</summary>
    private static IEnumerable<(string Name, float[] Samples)> SyntheticSignals(int rate)
    {
        var rng = new Random(42);
        int n = rate * 2;
        var noise = new float[n];
        for (int i = 0; i < n; i++) noise[i] = (float)(rng.NextDouble() * 2 - 1) * 0.3f;
        yield return ("white noise", noise);

        var chirp = new float[n];
        for (int i = 0; i < n; i++)
        {
            double t = i / (double)rate;
            chirp[i] = (float)(0.5 * Math.Sin(2 * Math.PI * (50 * t + 0.5 * (7900 - 50) / 2.0 * t * t)));
        }
        yield return ("chirp 50 Hz to 7.9 kHz", chirp);

        var tones = new float[n];
        for (int i = 0; i < n; i++)
        {
            bool silent = i % (rate / 2) < rate / 8; // 125 ms of exact zeros every 500 ms
            tones[i] = silent ? 0f : (float)(0.2 * Math.Sin(2 * Math.PI * 220 * i / rate) + 0.1 * Math.Sin(2 * Math.PI * 2500 * i / rate));
            if (i % 3001 == 0) tones[i] = 0.9f; // clicks
        }
        yield return ("tones, digital silence, clicks", tones);

        var quiet = new float[n];
        for (int i = 0; i < n; i++) quiet[i] = (float)Math.Round((rng.NextDouble() * 2 - 1) * 2) / 32768f; // +/-2 LSB of 16-bit
        yield return ("16-bit LSB noise", quiet);

        var square = new float[n];
        for (int i = 0; i < n; i++) square[i] = (i / 37) % 2 == 0 ? 0.99f : -0.99f;
        yield return ("square wave", square);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Raw_features_match_NWaves_on_synthetic_signals(string configuration)
    {
        FrontEndOptions options = Configuration(configuration);
        foreach (var (name, samples) in SyntheticSignals(options.SampleRate))
        {
            var agreement = new Agreement(options.RawDimension);
            agreement.Add(options, samples);
            agreement.AssertWithin(options, Synthetic, _output, $"{configuration} on {name}");
        }
    }

    /// <summary>Log-mel of one frame straight from the definitions in double precision (DFT by summation).</summary>
    private static double[] LogMelInDouble(FrontEndOptions o, float[] x, int start)
    {
        int length = o.FrameLength, size = o.FftSize;
        var frame = new double[length];
        for (int k = 0; k < length; k++)
        {
            double previous = start + k == 0 ? 0 : x[start + k - 1];
            frame[k] = (x[start + k] - o.PreEmphasis * previous) * (0.54 - 0.46 * Math.Cos(2 * Math.PI * k / (length - 1)));
        }
        var power = new double[size / 2 + 1];
        for (int b = 0; b < power.Length; b++)
        {
            double re = 0, im = 0;
            for (int k = 0; k < length; k++)
            {
                double angle = -2 * Math.PI * b * k / size;
                re += frame[k] * Math.Cos(angle);
                im += frame[k] * Math.Sin(angle);
            }
            power[b] = re * re + im * im;
        }
        var melBands = NWaves.Filters.Fda.FilterBanks.MelBands(o.MelFilterCount, o.SampleRate, o.LowFrequencyHz, o.EffectiveHighFrequencyHz);
        float[][] bank = NWaves.Filters.Fda.FilterBanks.Triangular(size, o.SampleRate, melBands, mapper: NWaves.Utils.Scale.HerzToMel);
        var logMel = new double[bank.Length];
        for (int f = 0; f < bank.Length; f++)
        {
            double energy = 0;
            for (int b = 0; b < power.Length; b++) energy += bank[f][b] * power[b];
            logMel[f] = Math.Log(Math.Max(energy, o.LogFloor));
        }
        return logMel;
    }

    [Fact]
    public void Log_mel_matches_a_double_precision_reference()
    {
        FrontEndOptions options = FrontEndOptions.Default with { Kind = FeatureKind.LogMel, MelFilterCount = 40 };
        var extractor = new FeatureExtractor(options);
        var signals = SyntheticSignals(options.SampleRate).Select(s => (s.Name, s.Samples)).ToList();
        signals.Add(("speech", WavReader.Read(SpeechDev.CleanWavs()[5]).Samples));
        foreach (var (name, samples) in signals)
        {
            int frames = Math.Min(extractor.FrameCount(samples.Length), 120);
            var ours = new float[extractor.FrameCount(samples.Length) * 40];
            extractor.ExtractRaw(samples, ours);
            double worst = 0;
            for (int t = 0; t < frames; t++)
            {
                double[] exact = LogMelInDouble(options, samples, t * extractor.HopLength);
                for (int j = 0; j < 40; j++) worst = Math.Max(worst, Math.Abs(ours[t * 40 + j] - exact[j]));
            }
            _output.WriteLine($"{name}: max |ours - double reference| over {frames} frames = {worst:E2}");
            Assert.True(worst <= Tolerances.LogMelVsDouble, $"{name}: {worst:E3}");
        }
    }

    [Theory]
    [InlineData(2, 2, CmvnMode.MeanVariance)]
    [InlineData(1, 2, CmvnMode.Mean)]
    [InlineData(2, 3, CmvnMode.None)]
    [InlineData(0, 2, CmvnMode.MeanVariance)]
    public void Full_features_match_NWaves_deltas_and_normalisation(int order, int window, CmvnMode mode)
    {
        FrontEndOptions options = FrontEndOptions.Default with { DeltaOrder = order, DeltaWindow = window, Normalization = mode };
        var extractor = new FeatureExtractor(options);
        int dim = options.FeatureDimension;
        Assert.Equal(13 * (1 + order), dim);
        double worst = 0;
        foreach (string path in SpeechDev.CleanWavs().Take(6))
        {
            float[] samples = WavReader.Read(path).Samples;
            float[] ours = extractor.Extract(samples);
            List<float[]> theirs = NWavesReference.Full(options, samples);
            Assert.Equal(theirs.Count * dim, ours.Length);
            for (int t = 0; t < theirs.Count; t++)
            {
                Assert.Equal(dim, theirs[t].Length);
                for (int j = 0; j < dim; j++)
                {
                    worst = Math.Max(worst, Math.Abs(ours[t * dim + j] - theirs[t][j]));
                }
            }
        }
        // Normalised features are in standard deviations (tight); unnormalised ones in cepstral units (the raw limit).
        double tolerance = mode == CmvnMode.MeanVariance ? Tolerances.NormalisedFeatures : Speech.MfccMax;
        _output.WriteLine($"order {order} window {window} {mode}: worst difference {worst:E2}");
        Assert.True(worst <= tolerance, $"worst difference {worst:E3} (tolerance {tolerance})");
    }

    [Fact]
    public void Mean_variance_normalised_features_have_zero_mean_and_unit_variance()
    {
        var extractor = new FeatureExtractor();
        float[] samples = WavReader.Read(SpeechDev.CleanWavs()[0]).Samples;
        float[] features = extractor.Extract(samples);
        int dim = extractor.FeatureDimension, frames = features.Length / dim;
        Assert.Equal(39, dim);
        for (int j = 0; j < dim; j++)
        {
            double sum = 0, sumSquares = 0;
            for (int t = 0; t < frames; t++)
            {
                sum += features[t * dim + j];
                sumSquares += (double)features[t * dim + j] * features[t * dim + j];
            }
            double mean = sum / frames;
            Assert.True(Math.Abs(mean) < Tolerances.NormalisedMean, $"dimension {j} mean {mean}");
            Assert.True(Math.Abs(sumSquares / frames - mean * mean - 1) < Tolerances.NormalisedVariance, $"dimension {j} variance {sumSquares / frames - mean * mean}");
        }
    }

    [Fact]
    public void Deltas_of_a_ramp_are_its_slope_inside_and_replicate_at_the_edges()
    {
        const int frames = 10, raw = 2, stride = 6;
        var m = new float[frames * stride];
        for (int t = 0; t < frames; t++)
        {
            m[t * stride] = 3 * t;      // slope 3
            m[t * stride + 1] = t * t;  // second difference 2
        }
        FeaturePostProcessing.AddDeltas(m, frames, stride, raw, order: 2, window: 2);
        for (int t = 2; t < frames - 2; t++) Assert.Equal(3f, m[t * stride + 2], 5);
        for (int t = 4; t < frames - 4; t++) Assert.Equal(2f, m[t * stride + 5], 4); // delta of 2t is 2
        // First frame: (1 * (x1 - x0) + 2 * (x2 - x0)) / 10 with x-1 = x-2 = x0 replicated.
        Assert.Equal((1 * 3 + 2 * 6) / 10f, m[2], 5);
        var single = new float[stride] { 5, 7, 9, 9, 9, 9 };
        FeaturePostProcessing.AddDeltas(single, 1, stride, raw, 2, 2);
        Assert.Equal(new float[] { 5, 7, 0, 0, 0, 0 }, single);
    }

    [Fact]
    public void Frame_count_and_framing()
    {
        var extractor = new FeatureExtractor();
        Assert.Equal(400, extractor.FrameLength);
        Assert.Equal(160, extractor.HopLength);
        Assert.Equal(0, extractor.FrameCount(0));
        Assert.Equal(0, extractor.FrameCount(399));
        Assert.Equal(1, extractor.FrameCount(400));
        Assert.Equal(1, extractor.FrameCount(559));
        Assert.Equal(2, extractor.FrameCount(560));
        Assert.Equal(98, extractor.FrameCount(16000));
        Assert.Equal(0.0125, extractor.FrameCentreSeconds(0), 12);
        Assert.Equal(0.0225, extractor.FrameCentreSeconds(1), 12);
        var fine = new FeatureExtractor(FrontEndOptions.Default with { HopLengthMs = 5 });
        Assert.Equal(80, fine.HopLength);
        Assert.Equal(196, fine.FrameCount(16000));
        Assert.Empty(extractor.Extract(new float[399]));
        Assert.Equal(0, extractor.Extract(ReadOnlySpan<float>.Empty, Span<float>.Empty));
    }

    [Fact]
    public void Output_span_too_short_is_rejected()
    {
        var extractor = new FeatureExtractor();
        var e = Assert.Throws<ArgumentException>(() => extractor.Extract(new float[16000], new float[98 * 39 - 1]));
        Assert.Contains("98 frames x 39", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => extractor.ExtractRaw(new float[16000], new float[98 * 13 - 1]));
    }

    [Fact]
    public void Digital_silence_gives_finite_features_at_the_floor()
    {
        var options = FrontEndOptions.Default with { Normalization = CmvnMode.None, DeltaOrder = 0 };
        float[] features = new FeatureExtractor(options).Extract(new float[16000]);
        float c0 = (float)(Math.Sqrt(26) * Math.Log(1e-8f)); // orthonormal DCT of 26 equal logs
        for (int t = 0; t < features.Length / 13; t++)
        {
            Assert.Equal(c0, features[t * 13], 3);
            for (int j = 1; j < 13; j++) Assert.True(Math.Abs(features[t * 13 + j]) < Tolerances.SilenceCepstrum);
        }
        var logMel = new FeatureExtractor(options with { Kind = FeatureKind.LogMel }).Extract(new float[1000]);
        Assert.All(logMel, v => Assert.Equal((float)Math.Log(1e-8f), v, 5));
    }

    [Theory]
    [InlineData("SampleRate", "must be positive")]
    [InlineData("FftSize", "must be at least the frame length")]
    [InlineData("FftSize2", "must be a power of two")]
    [InlineData("HopLengthMs", "must not exceed the frame length")]
    [InlineData("CepstralCount", "must be between 1 and the mel filter count 26")]
    [InlineData("HighFrequencyHz", "at most Nyquist")]
    [InlineData("PreEmphasis", "must be in [0, 1)")]
    [InlineData("DeltaOrder", "must be 0, 1 or 2")]
    [InlineData("LogFloor", "must be positive")]
    [InlineData("MelFilterCount", "covers no FFT bin")]
    public void Invalid_options_name_the_setting(string setting, string problem)
    {
        FrontEndOptions o = FrontEndOptions.Default;
        o = setting switch
        {
            "SampleRate" => o with { SampleRate = 0 },
            "FftSize" => o with { FftSize = 256 },
            "FftSize2" => o with { FftSize = 500 },
            "HopLengthMs" => o with { HopLengthMs = 30 },
            "CepstralCount" => o with { CepstralCount = 27 },
            "HighFrequencyHz" => o with { HighFrequencyHz = 9000 },
            "PreEmphasis" => o with { PreEmphasis = 1f },
            "DeltaOrder" => o with { DeltaOrder = 3 },
            "LogFloor" => o with { LogFloor = 0 },
            "MelFilterCount" => o with { MelFilterCount = 120, CepstralCount = 13 },
            _ => throw new ArgumentOutOfRangeException(nameof(setting)),
        };
        var e = Assert.Throws<ArgumentException>(() => new FeatureExtractor(o));
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        if (setting != "MelFilterCount" && setting != "FftSize2") Assert.Contains("FrontEndOptions." + setting, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_equality_identifies_the_feature_set_up()
    {
        Assert.Equal(FrontEndOptions.Default, new FrontEndOptions());
        Assert.NotEqual(FrontEndOptions.Default, FrontEndOptions.Default with { HopLengthMs = 5 });
        Assert.Equal(39, FrontEndOptions.Default.FeatureDimension);
        Assert.Equal(120, (FrontEndOptions.Default with { Kind = FeatureKind.LogMel, MelFilterCount = 40 }).FeatureDimension);
    }

    [Fact]
    public void Extract_does_not_allocate_after_warm_up()
    {
        var extractor = new FeatureExtractor();
        float[] samples = WavReader.Read(SpeechDev.CleanWavs()[1]).Samples.AsSpan(0, 8000).ToArray();
        var features = new float[extractor.FrameCount(samples.Length) * extractor.FeatureDimension];
        var raw = new float[extractor.FrameCount(samples.Length) * extractor.RawDimension];
        Assert.Equal(0, Hmm.Tests.Support.SteadyAllocation.Bytes(() =>
        {
            extractor.Extract(samples, features);
            extractor.ExtractRaw(samples, raw);
        }));
    }
}

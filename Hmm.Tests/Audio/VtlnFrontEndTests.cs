using System;
using Hmm.Audio;
using Xunit;

namespace Hmm.Tests.Audio;

/// <summary>The VTLN warp of the mel filterbank (<see cref="FrontEndOptions.WarpFactor"/>).</summary>
public class VtlnFrontEndTests
{
    [Fact]
    public void Warp_factor_one_gives_exactly_the_unwarped_features_whatever_the_cut_off()
    {
        float[] samples = WavReader.Read(SpeechDev.CleanWavs()[1]).Samples;
        var plain = new FeatureExtractor(FrontEndOptions.Default with { HopLengthMs = 5 }).Extract(samples);
        var one = new FeatureExtractor(FrontEndOptions.Default with { HopLengthMs = 5, WarpFactor = 1 }).Extract(samples);
        var oneCut = new FeatureExtractor(FrontEndOptions.Default with { HopLengthMs = 5, WarpFactor = 1, WarpCutoffHz = 5000 }).Extract(samples);
        Assert.Equal(plain, one);
        Assert.Equal(plain, oneCut);
        var warped = new FeatureExtractor(FrontEndOptions.Default with { HopLengthMs = 5, WarpFactor = 0.94 }).Extract(samples);
        Assert.NotEqual(plain, warped);
    }

    [Fact]
    public void Filterbank_at_warp_one_is_the_unwarped_mel_layout_bit_for_bit()
    {
        // The filterbank as it was before the warp existed: corners at HzToMel(MelToHz(mel point)).
        var options = FrontEndOptions.Default;
        var bank = FrameAnalyzer.MelFilterBank(options with { WarpFactor = 1 });
        int count = options.MelFilterCount, bins = options.FftSize / 2 + 1;
        double lowMel = FrameAnalyzer.HzToMel(0), highMel = FrameAnalyzer.HzToMel(8000), spacing = (highMel - lowMel) / (count + 1);
        for (int f = 0; f < count; f++)
        {
            double left = FrameAnalyzer.HzToMel(FrameAnalyzer.MelToHz(lowMel + f * spacing));
            double centre = FrameAnalyzer.HzToMel(FrameAnalyzer.MelToHz(lowMel + (f + 1) * spacing));
            double right = FrameAnalyzer.HzToMel(FrameAnalyzer.MelToHz(lowMel + (f + 2) * spacing));
            for (int j = 0; j < bins; j++)
            {
                double m = FrameAnalyzer.HzToMel(j * 16000.0 / 512);
                float expected = m <= left || m >= right ? 0f : m <= centre ? (float)((m - left) / (centre - left)) : (float)((right - m) / (right - centre));
                Assert.Equal(expected, bank[f][j]);
            }
        }
    }

    [Theory]
    [InlineData(0.88)]
    [InlineData(0.94)]
    [InlineData(1.06)]
    [InlineData(1.12)]
    public void Warped_filter_centres_move_by_alpha_below_the_cut_off_and_linearly_to_nyquist_above(double alpha)
    {
        var options = FrontEndOptions.Default with { WarpFactor = alpha };
        double cutoff = options.EffectiveWarpCutoffHz, nyquist = 8000;
        Assert.Equal(6400, cutoff);
        // The warp itself: alpha f below the cut-off, continuous there, Nyquist fixed, straight line between.
        Assert.Equal(alpha * 1000, options.WarpFrequency(1000), 9);
        Assert.Equal(alpha * cutoff, options.WarpFrequency(cutoff), 9);
        Assert.Equal(nyquist, options.WarpFrequency(nyquist), 9);
        Assert.Equal((alpha * cutoff + nyquist) / 2, options.WarpFrequency((cutoff + nyquist) / 2), 9);

        // The filterbank: each filter's peak lies within one FFT bin of the warped unwarped-centre.
        var plain = FrameAnalyzer.MelFilterBank(FrontEndOptions.Default);
        var warped = FrameAnalyzer.MelFilterBank(options);
        double binHz = 16000.0 / 512;
        int below = 0, above = 0;
        for (int f = 0; f < plain.Length; f++)
        {
            double centre = FrameAnalyzer.MelToHz(FrameAnalyzer.HzToMel(0) + (f + 1) * FrameAnalyzer.HzToMel(nyquist) / (plain.Length + 1));
            double expected = centre <= cutoff ? alpha * centre : alpha * cutoff + (nyquist - alpha * cutoff) * (centre - cutoff) / (nyquist - cutoff);
            double peak = Array.IndexOf(warped[f], Max(warped[f])) * binHz;
            Assert.True(Math.Abs(peak - expected) <= binHz, $"filter {f}: peak {peak} Hz, warped centre {expected} Hz (unwarped {centre} Hz)");
            if (centre <= cutoff) below++;
            else above++;
            if (f > 0) Assert.True(Array.IndexOf(warped[f], Max(warped[f])) >= Array.IndexOf(warped[f - 1], Max(warped[f - 1])), "filters stay in order");
        }
        Assert.True(below > 15 && above > 0);
    }

    private static float Max(float[] row)
    {
        float max = 0;
        foreach (float w in row) max = Math.Max(max, w);
        return max;
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1.3)] // 1.3 x 6400 Hz is above Nyquist
    public void Bad_warp_factors_are_rejected_by_name(double alpha)
    {
        var e = Assert.Throws<ArgumentException>(() => new FeatureExtractor(FrontEndOptions.Default with { WarpFactor = alpha }));
        Assert.Equal("WarpFactor", e.ParamName);
        Assert.Contains("WarpFactor", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new StreamingFeatureExtractor(FrontEndOptions.Default with { WarpFactor = alpha }));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(8000.0)]
    [InlineData(-5.0)]
    public void Bad_warp_cut_offs_are_rejected_by_name(double cutoff)
    {
        var e = Assert.Throws<ArgumentException>(() => new FeatureExtractor(FrontEndOptions.Default with { WarpCutoffHz = cutoff }));
        Assert.Equal("WarpCutoffHz", e.ParamName);
    }
}

using System;
using Hmm.Speech.Audio;
using Xunit;

namespace Hmm.Tests.Audio;

/// <summary>
/// <see cref="Resampler"/>: tones keep their frequency, amplitude and phase (timing) through conversion to
/// 16 kHz; components above the output Nyquist frequency are removed instead of aliasing.
/// </summary>
public class ResamplerTests
{
    private static float[] Tone(int rate, double hz, double amplitude, double seconds, double phase = 0.3)
    {
        int n = (int)(rate * seconds);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(amplitude * Math.Sin(2 * Math.PI * hz * i / rate + phase));
        return x;
    }

    /// <summary>
    /// Least-squares fit of a sin(w t) + b cos(w t) at <paramref name="hz"/> over the middle of the signal (edges
    /// excluded): amplitude, phase of the fit, and the RMS of what the fit leaves, relative to the amplitude.
    /// </summary>
    private static (double Amplitude, double Phase, double ResidualDb) Fit(float[] y, int rate, double hz)
    {
        int from = y.Length / 8, to = y.Length - y.Length / 8;
        double ss = 0, cc = 0, sc = 0, ys = 0, yc = 0;
        for (int i = from; i < to; i++)
        {
            double w = 2 * Math.PI * hz * i / rate;
            double s = Math.Sin(w), c = Math.Cos(w);
            ss += s * s; cc += c * c; sc += s * c; ys += y[i] * s; yc += y[i] * c;
        }
        double det = ss * cc - sc * sc;
        double a = (ys * cc - yc * sc) / det;
        double b = (yc * ss - ys * sc) / det;
        double amplitude = Math.Sqrt(a * a + b * b);
        double residual = 0;
        for (int i = from; i < to; i++)
        {
            double w = 2 * Math.PI * hz * i / rate;
            double r = y[i] - (a * Math.Sin(w) + b * Math.Cos(w));
            residual += r * r;
        }
        double residualRms = Math.Sqrt(residual / (to - from));
        return (amplitude, Math.Atan2(b, a), 20 * Math.Log10(residualRms / (amplitude / Math.Sqrt(2)) + 1e-300));
    }

    private static double RmsDb(float[] y, double reference)
    {
        int from = y.Length / 8, to = y.Length - y.Length / 8;
        double sum = 0;
        for (int i = from; i < to; i++) sum += (double)y[i] * y[i];
        return 20 * Math.Log10(Math.Sqrt(sum / (to - from)) / (reference / Math.Sqrt(2)));
    }

    [Theory]
    [InlineData(44100)]
    [InlineData(48000)]
    [InlineData(22050)]
    [InlineData(32000)]
    [InlineData(96000)]
    [InlineData(11025)]
    [InlineData(8000)]
    [InlineData(44056)] // reduced ratio needs 2000 phases: the interpolated-table path
    [InlineData(16001)] // 16000 phases
    public void A_1kHz_tone_keeps_frequency_amplitude_and_phase(int inputRate)
    {
        const double amplitude = 0.5, phase = 0.3;
        float[] y = Resampler.Resample(Tone(inputRate, 1000, amplitude, 1.0, phase), inputRate, 16000);
        var (fitted, fittedPhase, residualDb) = Fit(y, 16000, 1000);
        double gainDb = 20 * Math.Log10(fitted / amplitude);
        Assert.True(Math.Abs(gainDb) < 0.5, $"gain {gainDb:F4} dB");
        Assert.True(Math.Abs(gainDb) < Tolerances.ResamplerGainDb, $"gain {gainDb:F4} dB (pass-band ripple is designed under 0.01 dB)");
        // Everything but a 1 kHz sinusoid is at least 60 dB down: the frequency is right (and nothing aliased in).
        Assert.True(residualDb < -60, $"residual {residualDb:F1} dB");
        // Zero-phase filter: output sample n is input time n * in / out, so the tone's phase is unchanged.
        Assert.True(Math.Abs(fittedPhase - phase) < Tolerances.ResamplerPhase, $"phase {fittedPhase:F5} vs {phase}");
    }

    [Fact]
    public void A_7500Hz_tone_at_48k_survives()
    {
        float[] y = Resampler.Resample(Tone(48000, 7500, 0.5, 1.0), 48000, 16000);
        var (fitted, _, residualDb) = Fit(y, 16000, 7500);
        double gainDb = 20 * Math.Log10(fitted / 0.5);
        Assert.True(Math.Abs(gainDb) < 0.5, $"gain {gainDb:F4} dB");
        Assert.True(residualDb < -60, $"residual {residualDb:F1} dB");
    }

    [Theory]
    [InlineData(48000, 10000)]
    [InlineData(48000, 8000)]  // exactly the output Nyquist frequency: the stop-band edge
    [InlineData(48000, 9000)]
    [InlineData(48000, 20000)]
    [InlineData(44100, 10000)]
    [InlineData(44100, 8500)]
    [InlineData(22050, 11000)]
    public void Tones_above_the_output_Nyquist_frequency_are_removed(int inputRate, double hz)
    {
        float[] y = Resampler.Resample(Tone(inputRate, hz, 0.5, 1.0), inputRate, 16000);
        double db = RmsDb(y, 0.5);
        Assert.True(db <= -40, $"{hz} Hz at {inputRate}: {db:F1} dB");   // the requirement
        Assert.True(db <= -70, $"{hz} Hz at {inputRate}: {db:F1} dB");   // the design (80 dB Kaiser)
    }

    [Fact]
    public void Upsampling_8k_to_16k_keeps_a_3kHz_tone_and_adds_no_image()
    {
        float[] y = Resampler.Resample(Tone(8000, 3000, 0.5, 1.0), 8000, 16000);
        var (fitted, _, residualDb) = Fit(y, 16000, 3000);
        Assert.True(Math.Abs(20 * Math.Log10(fitted / 0.5)) < Tolerances.ResamplerGainDb);
        Assert.True(residualDb < -60, $"residual {residualDb:F1} dB (the 5 kHz image must be gone)");
    }

    [Theory]
    [InlineData(44100, 16000, 44100, 16000)]
    [InlineData(48000, 16000, 48001, 16001)]
    [InlineData(8000, 16000, 1, 2)]
    [InlineData(16000, 16000, 123, 123)]
    [InlineData(44100, 16000, 0, 0)]
    [InlineData(44100, 16000, 1, 1)]
    public void Output_length_is_the_samples_before_the_input_end(int inRate, int outRate, int inLength, int expected)
    {
        var r = new Resampler(inRate, outRate);
        Assert.Equal(expected, r.OutputLength(inLength));
        Assert.Equal(expected, r.Process(new float[inLength]).Length);
    }

    [Fact]
    public void Equal_rates_copy()
    {
        float[] x = Tone(16000, 440, 0.3, 0.01);
        Assert.Equal(x, Resampler.Resample(x, 16000, 16000));
    }

    [Fact]
    public void Dc_is_kept_away_from_the_edges()
    {
        var x = new float[44100];
        Array.Fill(x, 0.25f);
        float[] y = Resampler.Resample(x, 44100, 16000);
        for (int i = 1000; i < y.Length - 1000; i++) Assert.True(Math.Abs(y[i] - 0.25f) < Tolerances.ResamplerDc, $"sample {i}: {y[i]}");
    }

    [Fact]
    public void Process_into_a_span_does_not_allocate()
    {
        var r = new Resampler(44100, 16000);
        float[] x = Tone(44100, 1000, 0.5, 0.1);
        var y = new float[r.OutputLength(x.Length)];
        Assert.Equal(0, Hmm.Tests.Support.SteadyAllocation.Bytes(() => r.Process(x, y)));
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Resampler(0, 16000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Resampler(16000, -1));
        var r = new Resampler(48000, 16000);
        var e = Assert.Throws<ArgumentException>(() => r.Process(new float[300], new float[99]));
        Assert.Contains("100 are needed", e.Message, StringComparison.Ordinal);
    }
}

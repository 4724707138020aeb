using System;
using System.IO;
using System.Runtime.InteropServices;
using Hmm.Speech.Training;
using Xunit;

namespace Hmm.Tests.Training;

/// <summary>
/// The mel-cepstrum against SPTK 3.9's frame | window | fftcep | freqt pipeline on a fixture (tools/make-mcd-fixture.sh
/// wrote it), and mel-cepstral distortion: zero for identical input, the known value on the fixture pair.
/// </summary>
public sealed class MelCepstralDistortionTests
{
    private static float[] Fixture(string name)
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Data", "Mcd", name));
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    [Fact]
    public void Mel_cepstrum_matches_SPTK_freqt_pipeline()
    {
        var input = Fixture("input.f32");
        var expected = Fixture("freqt.f32");
        var actual = MelCepstrum.Compute(input);
        Assert.Equal(50, MelCepstrum.FrameCount(input.Length, new MelCepstrumOptions()));
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int q = 0; q < expected.Length; q++) worst = Math.Max(worst, Math.Abs(expected[q] - actual[q]) / (1 + Math.Abs(expected[q])));
        Assert.True(worst < 1e-4, $"worst relative difference {worst}");
    }

    [Fact]
    public void Mcd_of_identical_input_is_zero()
    {
        var input = Fixture("input.f32");
        Assert.Equal(0, MelCepstralDistortion.Compute(input, input, 16000), 9);
        Assert.Equal(0, MelCepstralDistortion.Compute(input, input, 16000, McdAlignment.Frames), 9);
    }

    [Fact]
    public void Mcd_on_the_fixture_pair_has_its_known_value()
    {
        // 10.2358 dB: the frame-aligned MCD of SPTK's own mel-cepstra of the two fixture signals, computed in float64 by the
        // script's formula (10/ln10 * sqrt(2 * sum over c1..c24)). Our analysis of the audio must give the same.
        const double known = 10.235834093721882;
        Assert.Equal(known, MelCepstralDistortion.FromMelCepstra(Fixture("freqt.f32"), Fixture("shifted.f32"), 24, McdAlignment.Frames), 5);
        Assert.Equal(known, MelCepstralDistortion.Compute(Fixture("input.f32"), Fixture("shifted-input.f32"), 16000, McdAlignment.Frames), 3);
        // DTW may pair frames differently, and only lowers the average.
        double dtw = MelCepstralDistortion.Compute(Fixture("input.f32"), Fixture("shifted-input.f32"), 16000);
        Assert.InRange(dtw, 0.5 * known, known + 1e-9);
    }

    [Fact]
    public void Dtw_alignment_forgives_a_time_shift_that_frame_alignment_does_not()
    {
        var input = Fixture("input.f32");
        var delayed = new float[input.Length + 400];
        input.CopyTo(delayed, 400);
        double frames = MelCepstralDistortion.Compute(input, delayed, 16000, McdAlignment.Frames);
        double dtw = MelCepstralDistortion.Compute(input, delayed, 16000);
        Assert.True(dtw < frames / 2, $"dtw {dtw} frames {frames}");
    }

    [Fact]
    public void Bad_input_is_named()
    {
        Assert.Throws<ArgumentException>(() => MelCepstralDistortion.Compute(Array.Empty<float>(), new float[100], 16000));
        var nan = new float[100];
        nan[3] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => MelCepstralDistortion.Compute(new float[100], nan, 16000));
        Assert.Contains("sample 3", e.Message);
        Assert.Throws<ArgumentException>(() => MelCepstrum.Compute(new float[100], new MelCepstrumOptions { FftLength = 300 }));
        Assert.Throws<ArgumentException>(() => MelCepstralDistortion.FromMelCepstra(new float[25], new float[24], 24));
    }
}

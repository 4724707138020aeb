using System;
using Hmm.Speech.Audio;
using Xunit;

namespace Hmm.Tests.Audio;

/// <summary>The real FFT's power spectrum against a direct DFT in double precision, for every code path's sizes.</summary>
public class RealFftTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(128)]
    [InlineData(256)]
    [InlineData(512)]
    [InlineData(1024)]
    [InlineData(2048)]
    public void PowerSpectrumMatchesDirectDft(int size)
    {
        var rng = new Random(size);
        var frame = new float[size];
        for (int i = 0; i < size; i++) frame[i] = (float)(rng.NextDouble() * 2 - 1);
        var fft = new RealFft(size);
        var power = new float[size / 2 + 1 + 16];
        fft.PowerSpectrum(frame, power);
        fft.PowerSpectrum(frame, power); // a second call on the same scratch gives the same answer
        double largest = 0;
        var expected = new double[size / 2 + 1];
        for (int k = 0; k <= size / 2; k++)
        {
            double re = 0, im = 0;
            for (int n = 0; n < size; n++)
            {
                double angle = -2 * Math.PI * ((long)n * k % size) / size;
                re += frame[n] * Math.Cos(angle);
                im += frame[n] * Math.Sin(angle);
            }
            expected[k] = re * re + im * im;
            largest = Math.Max(largest, expected[k]);
        }
        for (int k = 0; k <= size / 2; k++)
        {
            Assert.True(Math.Abs(power[k] - expected[k]) <= Tolerances.FftRelativeToPeak * largest + Tolerances.FftRelativeToBin * expected[k], $"bin {k}: {power[k]} vs {expected[k]}");
        }
    }
}

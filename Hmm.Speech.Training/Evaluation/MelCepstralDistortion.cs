using System;
using Hmm.Engine;

namespace Hmm.Speech.Training;

/// <summary>How <see cref="MelCepstrum"/> analyses audio. The defaults are 16 kHz speech: 25 ms frames every 5 ms, order 24, α = 0.42.</summary>
public sealed record MelCepstrumOptions
{
    /// <summary>Mel-cepstrum order M: coefficients c0 .. cM are computed (MCD uses c1 .. cM).</summary>
    public int Order { get; init; } = 24;

    /// <summary>All-pass warping factor α. 0.42 approximates the mel scale at 16 kHz (SPTK's table: 8 kHz 0.31, 16 kHz 0.42, 22.05 kHz 0.45, 44.1 kHz 0.53, 48 kHz 0.55).</summary>
    public double Alpha { get; init; } = 0.42;

    /// <summary>Samples per analysis frame (400 = 25 ms at 16 kHz).</summary>
    public int FrameLength { get; init; } = 400;

    /// <summary>Samples between frame starts (80 = 5 ms at 16 kHz).</summary>
    public int FramePeriod { get; init; } = 80;

    /// <summary>FFT length, a power of two at least <see cref="FrameLength"/>.</summary>
    public int FftLength { get; init; } = 512;

    /// <summary>Added to each power-spectrum bin before the logarithm (SPTK fftcep's -e): keeps digital silence finite.</summary>
    public double PowerFloor { get; init; } = 1e-8;

    /// <summary>The defaults scaled to <paramref name="sampleRate"/>: 25 ms frames, 5 ms period, the FFT length above, α from SPTK's table (nearest rate).</summary>
    public static MelCepstrumOptions ForSampleRate(int sampleRate)
    {
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "sampleRate must be positive.");
        int frame = (int)Math.Round(sampleRate * 0.025), fft = 1;
        while (fft < frame) fft *= 2;
        (int Rate, double Alpha)[] table = { (8000, 0.31), (10000, 0.35), (12000, 0.37), (16000, 0.42), (22050, 0.45), (32000, 0.50), (44100, 0.53), (48000, 0.55) };
        double alpha = 0.42, best = double.MaxValue;
        foreach (var (rate, a) in table)
        {
            if (Math.Abs(rate - sampleRate) < best) { best = Math.Abs(rate - sampleRate); alpha = a; }
        }
        return new MelCepstrumOptions { Alpha = alpha, FrameLength = frame, FramePeriod = (int)Math.Round(sampleRate * 0.005), FftLength = fft };
    }
}

/// <summary>
/// Mel-cepstra by frequency warping of the FFT cepstrum, computed in float64. Step for step it is SPTK 3.9's pipeline
/// <c>frame -l L -p P | window -l L -L N -w 1 -n 0 | fftcep -l N -m N/2 -e E | freqt -m N/2 -M M -A α</c>
/// (checked against SPTK's output in the tests): frame t covers samples t·P - L/2 .. t·P + L/2 - 1 (zeros outside the
/// signal), there are (samples - 1) / P + 1 frames, a Hamming window, c_n = 2 · IDFT(½ log(|X|² + E)) for 1 ≤ n &lt; N/2,
/// then the all-pass warping recursion of <c>freqt</c>.
/// </summary>
/// <remarks>
/// This is not SPTK's <c>mcep</c>, which fits the mel-cepstrum by iterative unbiased estimation (UELS) instead of warping
/// the plain cepstrum; the two agree on the envelope's shape but not coefficient for coefficient (on the fixture they
/// differ by a few dB of MCD), so MCD figures are comparable only between systems that use the same analysis. The warped
/// FFT cepstrum is deterministic, closed-form and fast, and reproducible bit for bit from the recipe above.
/// </remarks>
public static class MelCepstrum
{
    /// <summary>Frames for <paramref name="samples"/> samples: (samples - 1) / period + 1 (SPTK <c>frame</c>); 0 for none.</summary>
    public static int FrameCount(int samples, MelCepstrumOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return samples <= 0 ? 0 : (samples - 1) / options.FramePeriod + 1;
    }

    /// <summary>Mel-cepstra of <paramref name="samples"/>: [frames, Order + 1] rows (c0 first).</summary>
    /// <exception cref="ArgumentException">Empty or non-finite audio, or options out of range.</exception>
    public static float[] Compute(ReadOnlySpan<float> samples, MelCepstrumOptions? options = null)
    {
        options ??= new MelCepstrumOptions();
        Check(options);
        if (samples.Length == 0) throw new ArgumentException("samples is empty: there is no frame to analyse.", nameof(samples));
        for (int i = 0; i < samples.Length; i++)
            if (!float.IsFinite(samples[i])) throw new ArgumentException($"samples holds {samples[i]} at sample {i}: audio must be finite.", nameof(samples));
        int frames = FrameCount(samples.Length, options), order = options.Order, n = options.FftLength, half = n / 2, length = options.FrameLength;
        var result = new float[frames * (order + 1)];
        var re = new double[n];
        var im = new double[n];
        var cepstrum = new double[half + 1];
        var warped = new double[order + 1];
        var previous = new double[order + 1];
        var window = new double[length];
        for (int i = 0; i < length; i++) window[i] = 0.54 - 0.46 * Math.Cos(2 * Math.PI * i / (length - 1));
        for (int t = 0; t < frames; t++)
        {
            Array.Clear(re, 0, n);
            Array.Clear(im, 0, n);
            int start = t * options.FramePeriod - length / 2;
            for (int i = 0; i < length; i++)
            {
                int s = start + i;
                if (s >= 0 && s < samples.Length) re[i] = samples[s] * window[i];
            }
            Fft(re, im, inverse: false);
            for (int k = 0; k < n; k++)
            {
                re[k] = 0.5 * Math.Log(re[k] * re[k] + im[k] * im[k] + options.PowerFloor);
                im[k] = 0;
            }
            Fft(re, im, inverse: true); // real and even input: the cepstrum is re / n
            for (int q = 0; q <= half; q++) cepstrum[q] = re[q] / n * (q == 0 || q == half ? 1 : 2);
            Warp(cepstrum, options.Alpha, warped, previous);
            for (int q = 0; q <= order; q++) result[t * (order + 1) + q] = (float)warped[q];
        }
        return result;
    }

    /// <summary>SPTK's <c>freqt</c>: the cepstrum <paramref name="c"/> (order c.Length - 1) warped by α into <paramref name="g"/> (order g.Length - 1).</summary>
    private static void Warp(double[] c, double alpha, double[] g, double[] d)
    {
        int m2 = g.Length - 1;
        double b = 1 - alpha * alpha;
        Array.Clear(g, 0, g.Length);
        for (int i = -(c.Length - 1); i <= 0; i++)
        {
            Array.Copy(g, d, g.Length);
            g[0] = c[-i] + alpha * d[0];
            if (m2 >= 1) g[1] = b * d[0] + alpha * d[1];
            for (int j = 2; j <= m2; j++) g[j] = d[j - 1] + alpha * (d[j] - g[j - 1]);
        }
    }

    private static void Fft(double[] re, double[] im, bool inverse)
    {
        int n = re.Length;
        for (int i = 1, j = 0; i < n; i++)
        {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) j ^= bit;
            j ^= bit;
            if (i < j)
            {
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }
        for (int size = 2; size <= n; size <<= 1)
        {
            double angle = (inverse ? 2 : -2) * Math.PI / size;
            for (int s = 0; s < n; s += size)
            {
                for (int k = 0; k < size / 2; k++)
                {
                    double wr = Math.Cos(angle * k), wi = Math.Sin(angle * k);
                    int a = s + k, b = a + size / 2;
                    double xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - xr;
                    im[b] = im[a] - xi;
                    re[a] += xr;
                    im[a] += xi;
                }
            }
        }
    }

    internal static void Check(MelCepstrumOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Order < 1) throw new ArgumentException($"Order {options.Order} must be at least 1.", nameof(options));
        if (!(Math.Abs(options.Alpha) < 1)) throw new ArgumentException($"Alpha {options.Alpha} must lie in (-1, 1).", nameof(options));
        if (options.FrameLength < 2) throw new ArgumentException($"FrameLength {options.FrameLength} must be at least 2.", nameof(options));
        if (options.FramePeriod < 1) throw new ArgumentException($"FramePeriod {options.FramePeriod} must be positive.", nameof(options));
        int n = options.FftLength;
        if (n < options.FrameLength || (n & (n - 1)) != 0) throw new ArgumentException($"FftLength {n} must be a power of two at least FrameLength ({options.FrameLength}).", nameof(options));
        if (options.Order > n / 2) throw new ArgumentException($"Order {options.Order} must be at most FftLength / 2 = {n / 2}.", nameof(options));
        if (!(options.PowerFloor > 0)) throw new ArgumentException($"PowerFloor {options.PowerFloor} must be positive (log of a zero spectrum).", nameof(options));
    }
}

/// <summary>How <see cref="MelCepstralDistortion"/> pairs the frames of the two signals.</summary>
public enum McdAlignment
{
    /// <summary>
    /// Dynamic time warping of the two mel-cepstrum sequences (c1 .. cM, Euclidean distance, symmetric1 steps: the path
    /// minimises the summed frame distortion); the distortion is averaged over the path's cells. The default: synthesis
    /// and natural speech (or two syntheses) rarely share their timing, and frame-aligned MCD then mostly measures
    /// timing.
    /// </summary>
    Dtw = 0,
    /// <summary>Frame t with frame t, over the shorter signal's frames: for signals that share their timing (a vocoder's resynthesis, the same durations).</summary>
    Frames = 1,
}

/// <summary>
/// Mel-cepstral distortion (MCD), in dB: per frame pair <c>10 / ln 10 · sqrt(2 · Σ_{d=1..M} (c_d - c'_d)²)</c> (c0, the
/// energy, excluded), averaged over the aligned frame pairs. Mel-cepstra come from <see cref="MelCepstrum"/> (order 24,
/// α = 0.42 at 16 kHz by default); frames are paired by DTW by default (<see cref="McdAlignment"/>). Every frame counts,
/// silence included: trim leading and trailing silence first if it should not.
/// </summary>
public static class MelCepstralDistortion
{
    /// <summary>10 / ln 10 · sqrt 2.</summary>
    public const double Factor = 6.141851463713754;

    /// <summary>MCD between two signals at the same <paramref name="sampleRate"/> (defaults for that rate unless <paramref name="options"/>).</summary>
    /// <exception cref="ArgumentException">Empty or non-finite audio, or bad options.</exception>
    public static double Compute(ReadOnlySpan<float> reference, ReadOnlySpan<float> test, int sampleRate, McdAlignment alignment = McdAlignment.Dtw, MelCepstrumOptions? options = null)
    {
        options ??= MelCepstrumOptions.ForSampleRate(sampleRate);
        var a = MelCepstrum.Compute(reference, options);
        var b = MelCepstrum.Compute(test, options);
        return FromMelCepstra(a, b, options.Order, alignment);
    }

    /// <summary>MCD between two mel-cepstrum sequences of [frames, order + 1] rows (c0 first; c0 is ignored).</summary>
    /// <exception cref="ArgumentException">A sequence is empty, not whole rows, or non-finite.</exception>
    public static double FromMelCepstra(float[] reference, float[] test, int order, McdAlignment alignment = McdAlignment.Dtw)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(test);
        if (order < 1) throw new ArgumentOutOfRangeException(nameof(order), order, "order must be at least 1.");
        var x = WithoutC0(reference, order, nameof(reference));
        var y = WithoutC0(test, order, nameof(test));
        int n = x.Length / order, m = y.Length / order;
        if (alignment == McdAlignment.Frames)
        {
            int frames = Math.Min(n, m);
            double sum = 0;
            for (int t = 0; t < frames; t++) sum += Frame(x.AsSpan(t * order, order), y.AsSpan(t * order, order));
            return sum / frames;
        }
        if (alignment != McdAlignment.Dtw) throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "Unknown alignment.");
        var r = new DtwEngine().Align(x, y, order, new DtwOptions { Distance = DtwDistance.Euclidean, Pattern = DtwStepPattern.Symmetric1 });
        double total = 0;
        for (int p = 0; p < r.PathLength; p++) total += Frame(x.AsSpan(r.PathX[p] * order, order), y.AsSpan(r.PathY[p] * order, order));
        return total / r.PathLength;
    }

    /// <summary>One frame pair's distortion in dB (c1 .. cM given, c0 left out).</summary>
    public static double Frame(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int d = 0; d < a.Length; d++)
        {
            double diff = (double)a[d] - b[d];
            sum += diff * diff;
        }
        return Factor * Math.Sqrt(sum);
    }

    private static float[] WithoutC0(float[] cepstra, int order, string name)
    {
        int row = order + 1;
        if (cepstra.Length == 0) throw new ArgumentException($"{name} is empty.", name);
        if (cepstra.Length % row != 0) throw new ArgumentException($"{name} has {cepstra.Length} values, not whole rows of order + 1 = {row}.", name);
        int frames = cepstra.Length / row;
        var result = new float[frames * order];
        for (int t = 0; t < frames; t++)
            for (int d = 0; d < order; d++)
            {
                float v = cepstra[t * row + 1 + d];
                if (!float.IsFinite(v)) throw new ArgumentException($"{name} holds {v} at frame {t}, coefficient {d + 1}.", name);
                result[t * order + d] = v;
            }
        return result;
    }
}

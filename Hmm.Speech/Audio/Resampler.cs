using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hmm.Speech.Audio;

/// <summary>
/// Band-limited sample-rate conversion between any two integer rates with a Kaiser-windowed sinc in polyphase
/// form. The low-pass passes up to 95 % of the lower rate's Nyquist frequency (7.6 kHz for 16 kHz output) with
/// under 0.01 dB of ripple and stops from 100 % of it (8 kHz) with at least 80 dB of attenuation, so nothing
/// aliases into the output band. The filter is centred (zero phase), so output sample n sits exactly at input
/// time n * inputRate / outputRate: label times survive resampling unchanged.
/// </summary>
/// <remarks>
/// When the reduced ratio needs at most <see cref="MaxExactPhases"/> phases (every common rate to 16 kHz does:
/// 44.1 kHz needs 160, 48 kHz needs 1) each output sample is one dot product with an exact phase; other ratios
/// use a table of <see cref="MaxExactPhases"/> phases with linear interpolation between neighbours (error well
/// under the 80 dB stop-band). The signal is taken as zero outside its ends. Instances are immutable after
/// construction and safe to share between threads.
/// </remarks>
public sealed class Resampler
{
    /// <summary>Most phases held in an exact polyphase table; larger reduced ratios interpolate between phases.</summary>
    public const int MaxExactPhases = 1024;

    /// <summary>Pass-band edge as a fraction of the lower rate's Nyquist frequency.</summary>
    public const double PassbandFraction = 0.95;

    /// <summary>Stop-band attenuation the Kaiser window is designed for, in dB.</summary>
    public const double StopbandAttenuationDb = 80;

    private readonly int _inputRate;
    private readonly int _outputRate;
    private readonly long _step;      // input advance per output sample, in units of 1 / _phaseDenominator
    private readonly long _phaseDenominator;
    private readonly bool _exact;
    private readonly int _phases;     // rows in the table (exact: L; interpolated: MaxExactPhases + 1)
    private readonly int _halfTaps;   // K: input samples base-K+1 .. base+K contribute
    private readonly int _tapStride;  // taps per row rounded up to whole vectors (zero-padded)
    private readonly float[] _table;

    /// <summary>Creates a resampler from <paramref name="inputSampleRate"/> to <paramref name="outputSampleRate"/>.</summary>
    /// <param name="inputSampleRate">Rate of the input in Hz.</param>
    /// <param name="outputSampleRate">Rate of the output in Hz.</param>
    public Resampler(int inputSampleRate, int outputSampleRate)
    {
        if (inputSampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(inputSampleRate), inputSampleRate, "The input sample rate must be positive.");
        if (outputSampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(outputSampleRate), outputSampleRate, "The output sample rate must be positive.");
        _inputRate = inputSampleRate;
        _outputRate = outputSampleRate;

        int g = Gcd(inputSampleRate, outputSampleRate);
        int up = outputSampleRate / g;   // L
        int down = inputSampleRate / g;  // M
        _exact = up <= MaxExactPhases;
        _phaseDenominator = up;
        _step = down;
        _phases = _exact ? up : MaxExactPhases + 1;

        if (inputSampleRate == outputSampleRate)
        {
            _table = Array.Empty<float>();
            return;
        }

        // Kaiser design relative to the lower of the two rates.
        double lowRate = Math.Min(inputSampleRate, outputSampleRate);
        double ratio = lowRate / inputSampleRate;                     // <= 1: bandwidth in input-sample units
        double transition = (1 - PassbandFraction) * 0.5;             // in cycles per low-rate sample
        double cutoff = (PassbandFraction + 1) * 0.25;                // -6 dB point, cycles per low-rate sample
        double beta = 0.1102 * (StopbandAttenuationDb - 8.7);
        double lengthLow = (StopbandAttenuationDb - 7.95) / (2.285 * 2 * Math.PI * transition); // taps at the low rate
        double halfWidth = 0.5 * lengthLow / ratio;                   // in input samples
        _halfTaps = (int)Math.Ceiling(halfWidth);
        _tapStride = AudioSimd.RoundUpToVector(2 * _halfTaps);

        double bandwidth = 2 * cutoff * ratio; // sinc argument scale in input samples
        double i0Beta = BesselI0(beta);
        _table = new float[_phases * _tapStride];
        var row = new double[2 * _halfTaps];
        for (int p = 0; p < _phases; p++)
        {
            double frac = _exact ? p / (double)up : p / (double)MaxExactPhases;
            double sum = 0;
            for (int k = 0; k < 2 * _halfTaps; k++)
            {
                // tap k multiplies input[base - K + 1 + k]; tau = t - j = frac + K - 1 - k
                double tau = frac + _halfTaps - 1 - k;
                double value = 0;
                if (Math.Abs(tau) < halfWidth)
                {
                    double x = tau / halfWidth;
                    double window = BesselI0(beta * Math.Sqrt(1 - x * x)) / i0Beta;
                    value = bandwidth * Sinc(bandwidth * tau) * window;
                }
                row[k] = value;
                sum += value;
            }
            // Unit DC gain in every phase (the sampled kernel sums to 1 up to the stop-band error; this makes it exact).
            for (int k = 0; k < row.Length; k++) _table[p * _tapStride + k] = (float)(row[k] / sum);
        }
    }

    /// <summary>Rate of the input in Hz.</summary>
    public int InputSampleRate => _inputRate;

    /// <summary>Rate of the output in Hz.</summary>
    public int OutputSampleRate => _outputRate;

    /// <summary>How far the filter reaches on either side of an output sample, in input samples (0 when the rates are equal).</summary>
    public int FilterHalfLength => _halfTaps;

    /// <summary>Number of output samples for <paramref name="inputLength"/> input samples: ceil(inputLength * out / in).</summary>
    /// <param name="inputLength">Number of input samples.</param>
    /// <returns>The output length; output sample n lies at input time n * in / out, and only those before the input's end are produced.</returns>
    public int OutputLength(int inputLength)
    {
        if (inputLength < 0) throw new ArgumentOutOfRangeException(nameof(inputLength), inputLength, "The input length must not be negative.");
        return (int)(((long)inputLength * _outputRate + _inputRate - 1) / _inputRate);
    }

    /// <summary>Resamples a whole signal into <paramref name="output"/>; allocation-free.</summary>
    /// <param name="input">The input signal (taken as zero outside its ends).</param>
    /// <param name="output">Receives <see cref="OutputLength"/>(input.Length) samples; may be longer (the rest is untouched).</param>
    /// <returns>The number of samples written.</returns>
    public int Process(ReadOnlySpan<float> input, Span<float> output)
    {
        int count = OutputLength(input.Length);
        if (output.Length < count) throw new ArgumentException($"The output span holds {output.Length} samples; {count} are needed for {input.Length} input samples.", nameof(output));
        if (_inputRate == _outputRate)
        {
            input.CopyTo(output);
            return count;
        }

        for (int n = 0; n < count; n++) output[n] = OutputSample(input, 0, n);
        return count;
    }

    /// <summary>
    /// Output sample <paramref name="n"/> of a signal of which <paramref name="input"/> holds the samples from index
    /// <paramref name="offset"/> on; the signal is taken to end where <paramref name="input"/> does. Its neighbours must
    /// all be in <paramref name="input"/> (or before index 0); <see cref="StreamingResampler"/> waits until they are, so
    /// that a stream gives the very floats of <see cref="Process(ReadOnlySpan{float}, Span{float})"/>.
    /// </summary>
    internal float OutputSample(ReadOnlySpan<float> input, long offset, long n)
    {
        long numerator = n * _step;
        long baseIndex = numerator / _phaseDenominator;
        long remainder = numerator - baseIndex * _phaseDenominator;
        int start = (int)(baseIndex - offset) - _halfTaps + 1;
        int length = input.Length, taps = _tapStride;
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float table = ref _table[0];
        if (_exact)
        {
            ref float h = ref Unsafe.Add(ref table, (int)remainder * taps);
            return start >= 0 && start + taps <= length
                ? AudioSimd.Dot(ref Unsafe.Add(ref x, start), ref h, taps)
                : EdgeDot(input, start, ref h, taps);
        }
        double position = remainder * (double)MaxExactPhases / _phaseDenominator;
        int p0 = (int)position;
        float w = (float)(position - p0);
        ref float h0 = ref Unsafe.Add(ref table, p0 * taps);
        ref float h1 = ref Unsafe.Add(ref table, (p0 + 1) * taps);
        float y0, y1;
        if (start >= 0 && start + taps <= length)
        {
            y0 = AudioSimd.Dot(ref Unsafe.Add(ref x, start), ref h0, taps);
            y1 = AudioSimd.Dot(ref Unsafe.Add(ref x, start), ref h1, taps);
        }
        else
        {
            y0 = EdgeDot(input, start, ref h0, taps);
            y1 = EdgeDot(input, start, ref h1, taps);
        }
        return y0 + w * (y1 - y0);
    }

    /// <summary>
    /// The input samples output sample <paramref name="n"/> reads: from <c>First</c> (may be negative: zeros) up to,
    /// not including, <c>End</c>.
    /// </summary>
    internal (long First, long End) Neighbourhood(long n)
    {
        long baseIndex = n * _step / _phaseDenominator;
        long first = baseIndex - _halfTaps + 1;
        return (first, first + _tapStride);
    }

    /// <summary>Resamples a whole signal into a new array.</summary>
    /// <param name="input">The input signal.</param>
    /// <returns>The resampled signal, <see cref="OutputLength"/>(input.Length) samples.</returns>
    public float[] Process(ReadOnlySpan<float> input)
    {
        var output = new float[OutputLength(input.Length)];
        Process(input, output);
        return output;
    }

    /// <summary>Resamples <paramref name="input"/> from <paramref name="inputSampleRate"/> to <paramref name="outputSampleRate"/>.</summary>
    /// <param name="input">The input signal.</param>
    /// <param name="inputSampleRate">Rate of the input in Hz.</param>
    /// <param name="outputSampleRate">Rate wanted in Hz.</param>
    /// <returns>The resampled signal (a copy when the rates are equal).</returns>
    public static float[] Resample(ReadOnlySpan<float> input, int inputSampleRate, int outputSampleRate) =>
        new Resampler(inputSampleRate, outputSampleRate).Process(input);

    private static float EdgeDot(ReadOnlySpan<float> input, int start, ref float h, int taps)
    {
        int from = Math.Max(0, -start);
        int to = Math.Min(taps, input.Length - start);
        ref float x = ref MemoryMarshal.GetReference(input);
        float sum = 0;
        for (int k = from; k < to; k++) sum += Unsafe.Add(ref x, start + k) * Unsafe.Add(ref h, k);
        return sum;
    }

    private static double Sinc(double x)
    {
        if (Math.Abs(x) < 1e-12) return 1;
        double px = Math.PI * x;
        return Math.Sin(px) / px;
    }

    private static double BesselI0(double x)
    {
        // Power series: sum ((x/2)^k / k!)^2; converges fast for the beta range used here (< 15).
        double sum = 1, term = 1, half = x / 2;
        for (int k = 1; k < 200; k++)
        {
            term *= half / k;
            double t2 = term * term;
            sum += t2;
            if (t2 < sum * 1e-17) break;
        }
        return sum;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}

using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hmm.Audio;

/// <summary>
/// Power spectrum of a real frame of power-of-two length N: an N/2-point complex radix-2 FFT of the even/odd
/// samples packed as real/imaginary parts, then the split that recovers the N/2 + 1 bins of the real transform.
/// Split (separate real and imaginary) storage lets every butterfly stage whose half-size is at least one
/// <see cref="Vector{T}"/> run on whole vectors. All tables and scratch are allocated in the constructor; one
/// instance is not thread-safe.
/// </summary>
internal sealed class RealFft
{
    private readonly int _size;      // N (real)
    private readonly int _half;      // M = N / 2 (complex)
    private readonly int[] _bitReverse;
    private readonly float[] _twiddleRe; // stage with half-size h uses entries [h, 2h): cos(-pi j / h)
    private readonly float[] _twiddleIm;
    private readonly float[] _splitRe;   // e^{-2 pi i k / N}, k = 0..M
    private readonly float[] _splitIm;
    private readonly float[] _re;
    private readonly float[] _im;

    public RealFft(int size)
    {
        if (size < 4 || (size & (size - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(size), size, "The FFT size must be a power of two, at least 4.");
        _size = size;
        _half = size / 2;
        int m = _half;
        int bits = 0;
        while ((1 << bits) < m) bits++;
        _bitReverse = new int[m];
        for (int i = 0; i < m; i++)
        {
            int r = 0;
            for (int b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
            _bitReverse[i] = r;
        }
        _twiddleRe = new float[Math.Max(m, 2)];
        _twiddleIm = new float[Math.Max(m, 2)];
        for (int h = 1; h < m; h *= 2)
        {
            for (int j = 0; j < h; j++)
            {
                double angle = -Math.PI * j / h;
                _twiddleRe[h + j] = (float)Math.Cos(angle);
                _twiddleIm[h + j] = (float)Math.Sin(angle);
            }
        }
        _splitRe = new float[m + 1];
        _splitIm = new float[m + 1];
        for (int k = 0; k <= m; k++)
        {
            double angle = -2 * Math.PI * k / size;
            _splitRe[k] = (float)Math.Cos(angle);
            _splitIm[k] = (float)Math.Sin(angle);
        }
        _re = new float[m];
        _im = new float[m];
    }

    /// <summary>The real transform length N.</summary>
    public int Size => _size;

    /// <summary>Number of spectrum bins, N / 2 + 1.</summary>
    public int BinCount => _half + 1;

    /// <summary>|X[k]|^2 for k = 0..N/2 of the N real samples in <paramref name="frame"/> (not normalised).</summary>
    public void PowerSpectrum(ReadOnlySpan<float> frame, Span<float> power)
    {
        if (frame.Length != _size) throw new ArgumentException($"The frame holds {frame.Length} samples; the FFT size is {_size}.", nameof(frame));
        if (power.Length < _half + 1) throw new ArgumentException($"The power span holds {power.Length} bins; {_half + 1} are needed.", nameof(power));
        Transform(frame);

        int m = _half;
        ref float re = ref _re[0];
        ref float im = ref _im[0];
        ref float wr = ref _splitRe[0];
        ref float wi = ref _splitIm[0];
        ref float dst = ref MemoryMarshal.GetReference(power);
        for (int k = 0; k <= m; k++)
        {
            int a = k == m ? 0 : k;
            int b = k == 0 ? 0 : m - k;
            float zr = Unsafe.Add(ref re, a), zi = Unsafe.Add(ref im, a);
            float cr = Unsafe.Add(ref re, b), ci = -Unsafe.Add(ref im, b); // conj(Z[M-k])
            // Even part E = (Z[k] + conj Z[M-k]) / 2, odd part O = (Z[k] - conj Z[M-k]) / (2i).
            float er = 0.5f * (zr + cr), ei = 0.5f * (zi + ci);
            float dr = zr - cr, di = zi - ci;
            float or = 0.5f * di, oi = -0.5f * dr;
            float tr = Unsafe.Add(ref wr, k), ti = Unsafe.Add(ref wi, k);
            float xr = er + (tr * or - ti * oi);
            float xi = ei + (tr * oi + ti * or);
            Unsafe.Add(ref dst, k) = xr * xr + xi * xi;
        }
    }

    /// <summary>Complex FFT of z[n] = frame[2n] + i frame[2n+1], n &lt; N/2, into the split scratch arrays.</summary>
    private void Transform(ReadOnlySpan<float> frame)
    {
        int m = _half;
        ref float re = ref _re[0];
        ref float im = ref _im[0];
        ref float src = ref MemoryMarshal.GetReference(frame);
        ref int rev = ref _bitReverse[0];
        for (int i = 0; i < m; i++)
        {
            int r = Unsafe.Add(ref rev, i);
            Unsafe.Add(ref re, r) = Unsafe.Add(ref src, 2 * i);
            Unsafe.Add(ref im, r) = Unsafe.Add(ref src, 2 * i + 1);
        }

        // Stage h = 1: twiddle 1.
        for (int g = 0; g < m; g += 2)
        {
            float ar = Unsafe.Add(ref re, g), ai = Unsafe.Add(ref im, g);
            float br = Unsafe.Add(ref re, g + 1), bi = Unsafe.Add(ref im, g + 1);
            Unsafe.Add(ref re, g) = ar + br;
            Unsafe.Add(ref im, g) = ai + bi;
            Unsafe.Add(ref re, g + 1) = ar - br;
            Unsafe.Add(ref im, g + 1) = ai - bi;
        }

        ref float twr = ref _twiddleRe[0];
        ref float twi = ref _twiddleIm[0];
        int width = Vector<float>.Count;
        for (int h = 2; h < m; h *= 2)
        {
            if (Vector.IsHardwareAccelerated && h >= width)
            {
                for (int g = 0; g < m; g += 2 * h)
                {
                    for (int j = 0; j < h; j += width)
                    {
                        int a = g + j, b = a + h;
                        var wr = AudioSimd.Load(ref Unsafe.Add(ref twr, h + j));
                        var wi = AudioSimd.Load(ref Unsafe.Add(ref twi, h + j));
                        var br = AudioSimd.Load(ref Unsafe.Add(ref re, b));
                        var bi = AudioSimd.Load(ref Unsafe.Add(ref im, b));
                        var tr = wr * br - wi * bi;
                        var ti = wr * bi + wi * br;
                        var ar = AudioSimd.Load(ref Unsafe.Add(ref re, a));
                        var ai = AudioSimd.Load(ref Unsafe.Add(ref im, a));
                        AudioSimd.Store(ar + tr, ref Unsafe.Add(ref re, a));
                        AudioSimd.Store(ai + ti, ref Unsafe.Add(ref im, a));
                        AudioSimd.Store(ar - tr, ref Unsafe.Add(ref re, b));
                        AudioSimd.Store(ai - ti, ref Unsafe.Add(ref im, b));
                    }
                }
            }
            else
            {
                for (int g = 0; g < m; g += 2 * h)
                {
                    for (int j = 0; j < h; j++)
                    {
                        int a = g + j, b = a + h;
                        float wr = Unsafe.Add(ref twr, h + j), wi = Unsafe.Add(ref twi, h + j);
                        float br = Unsafe.Add(ref re, b), bi = Unsafe.Add(ref im, b);
                        float tr = wr * br - wi * bi;
                        float ti = wr * bi + wi * br;
                        float ar = Unsafe.Add(ref re, a), ai = Unsafe.Add(ref im, a);
                        Unsafe.Add(ref re, a) = ar + tr;
                        Unsafe.Add(ref im, a) = ai + ti;
                        Unsafe.Add(ref re, b) = ar - tr;
                        Unsafe.Add(ref im, b) = ai - ti;
                    }
                }
            }
        }
    }
}

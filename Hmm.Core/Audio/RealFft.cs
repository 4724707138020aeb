using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
#if NET
using System.Runtime.Intrinsics;
#endif

namespace Hmm.Audio;

/// <summary>
/// Power spectrum of a real frame of power-of-two length N: an N/2-point complex FFT of the even/odd samples packed
/// as real/imaginary parts, then the split that recovers the N/2 + 1 bins of the real transform. Storage is split
/// (separate real and imaginary arrays).
/// </summary>
/// <remarks>
/// <para>With hardware <see cref="Vector{T}"/> of W lanes and M = N/2 &gt;= W^2, the complex FFT is the four-step
/// (Bailey) form, so that every butterfly runs on whole vectors: the M points as an R x W matrix (R = M / W, row n2
/// holds z[W n2 .. W n2 + W)); W independent R-point FFTs down the columns (radix-2 decimation in frequency, one
/// vector per row, rows come out bit-reversed), the twiddles W_M^(n1 k2) folded into their last stage; a transpose
/// (which also puts the rows in bit-reversed order for the next step); R independent W-point FFTs (radix-2
/// decimation in time, R lanes per row), whose rows come out in natural order: the transposed matrix read
/// row-major is Z[0..M) in natural order. The split that follows is vectorised with a lane reversal where
/// <see cref="Vector256"/> is accelerated. Otherwise (no SIMD, or tiny sizes) an iterative radix-2 FFT.</para>
/// <para>All tables and scratch are allocated in the constructor; one instance is not thread-safe.</para>
/// </remarks>
internal sealed class RealFft
{
    private readonly int _size;      // N (real)
    private readonly int _half;      // M = N / 2 (complex)
    private readonly int[] _bitReverse;
    private readonly float[] _twiddleRe; // half-size h uses entries [h, 2h): cos(-pi j / h)
    private readonly float[] _twiddleIm;
    private readonly float[] _splitRe;   // e^{-2 pi i k / N}, k = 0..M
    private readonly float[] _splitIm;
    private readonly float[] _re;
    private readonly float[] _im;

    // Four-step form (null when it is not used).
    private readonly bool _fourStep;
    private readonly int _rows;           // R = M / W
    private readonly float[] _middleRe = null!;  // W_M^(n1 k2) for stored row r (k2 = bitrev_R(r)), lane n1: [r * W + n1]
    private readonly float[] _middleIm = null!;
    private readonly int[] _transpose = null!;   // destination of element [r * W + n1] in the transposed scratch
    private readonly float[] _outRe = null!;     // transposed scratch; Z in natural order at the end
    private readonly float[] _outIm = null!;

    public RealFft(int size)
    {
        if (size < 4 || (size & (size - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(size), size, "The FFT size must be a power of two, at least 4.");
        _size = size;
        _half = size / 2;
        int m = _half;
        _bitReverse = BitReversal(m);
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

        int width = Vector<float>.Count;
        _fourStep = Vector.IsHardwareAccelerated && width >= 2 && m >= width * width; // R >= W: whole vectors along the rows too
        if (_fourStep)
        {
            int rows = m / width;
            _rows = rows;
            int[] rowReverse = BitReversal(rows);
            int[] laneReverse = BitReversal(width);
            _middleRe = new float[m];
            _middleIm = new float[m];
            _transpose = new int[m];
            for (int r = 0; r < rows; r++)
            {
                int k2 = rowReverse[r];
                for (int n1 = 0; n1 < width; n1++)
                {
                    double angle = -2 * Math.PI * ((long)n1 * k2 % m) / m;
                    _middleRe[r * width + n1] = (float)Math.Cos(angle);
                    _middleIm[r * width + n1] = (float)Math.Sin(angle);
                    _transpose[r * width + n1] = laneReverse[n1] * rows + k2;
                }
            }
            _outRe = new float[m];
            _outIm = new float[m];
        }
    }

    private static int[] BitReversal(int m)
    {
        int bits = 0;
        while ((1 << bits) < m) bits++;
        var reverse = new int[m];
        for (int i = 0; i < m; i++)
        {
            int r = 0;
            for (int b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
            reverse[i] = r;
        }
        return reverse;
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
        if (_fourStep)
        {
            FourStep(frame);
            Split(ref _outRe[0], ref _outIm[0], ref MemoryMarshal.GetReference(power));
        }
        else
        {
            Transform(frame);
            Split(ref _re[0], ref _im[0], ref MemoryMarshal.GetReference(power));
        }
    }

    /// <summary>The N/2 + 1 power bins from Z, the M-point complex FFT of the packed frame (natural order).</summary>
    private void Split(ref float re, ref float im, ref float dst)
    {
        int m = _half;
        ref float wr = ref _splitRe[0];
        ref float wi = ref _splitIm[0];
        int k = 0;
#if NET
        if (Vector256.IsHardwareAccelerated && m >= 16)
        {
            // Bins 0 and M (Z[0] with itself), then 8 bins at a time: Z[k..k+8) against Z[M-k-7..M-k] reversed.
            float z0r = re, z0i = im;
            dst = (z0r + z0i) * (z0r + z0i);
            Unsafe.Add(ref dst, m) = (z0r - z0i) * (z0r - z0i);
            var reverse = Vector256.Create(7, 6, 5, 4, 3, 2, 1, 0);
            var half = Vector256.Create(0.5f);
            for (k = 1; k + 8 <= m; k += 8)
            {
                var zr = Vector256.LoadUnsafe(ref re, (nuint)k);
                var zi = Vector256.LoadUnsafe(ref im, (nuint)k);
                var cr = Vector256.Shuffle(Vector256.LoadUnsafe(ref re, (nuint)(m - k - 7)), reverse);
                var ci = -Vector256.Shuffle(Vector256.LoadUnsafe(ref im, (nuint)(m - k - 7)), reverse);
                var er = half * (zr + cr);
                var ei = half * (zi + ci);
                var or = half * (zi - ci);
                var oi = half * (cr - zr);
                var tr = Vector256.LoadUnsafe(ref wr, (nuint)k);
                var ti = Vector256.LoadUnsafe(ref wi, (nuint)k);
                var xr = er + (tr * or - ti * oi);
                var xi = ei + (tr * oi + ti * or);
                (xr * xr + xi * xi).StoreUnsafe(ref dst, (nuint)k);
            }
        }
#endif
        for (; k <= m; k++)
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

    /// <summary>The four-step complex FFT of z[n] = frame[2n] + i frame[2n+1] into <see cref="_outRe"/>/<see cref="_outIm"/> (see the remarks).</summary>
    private void FourStep(ReadOnlySpan<float> frame)
    {
        int m = _half;
        int width = Vector<float>.Count;
        int rows = _rows;
        ref float re = ref _re[0];
        ref float im = ref _im[0];
        ref float src = ref MemoryMarshal.GetReference(frame);

        // 0. De-interleave: row n2 = z[W n2 .. W n2 + W).
        int n = 0;
#if NET
        for (; n < m; n += width)
        {
            var lo = Vector.AsVectorUInt64(AudioSimd.Load(ref Unsafe.Add(ref src, 2 * n)));
            var hi = Vector.AsVectorUInt64(AudioSimd.Load(ref Unsafe.Add(ref src, 2 * n + width)));
            AudioSimd.Store(Vector.AsVectorSingle(Vector.Narrow(lo, hi)), ref Unsafe.Add(ref re, n));
            AudioSimd.Store(Vector.AsVectorSingle(Vector.Narrow(Vector.ShiftRightLogical(lo, 32), Vector.ShiftRightLogical(hi, 32))), ref Unsafe.Add(ref im, n));
        }
#endif
        for (; n < m; n++)
        {
            Unsafe.Add(ref re, n) = Unsafe.Add(ref src, 2 * n);
            Unsafe.Add(ref im, n) = Unsafe.Add(ref src, 2 * n + 1);
        }

        // 1. R-point FFTs down the columns (one vector per row), decimation in frequency: rows come out bit-reversed.
        ref float twr = ref _twiddleRe[0];
        ref float twi = ref _twiddleIm[0];
        for (int h = rows / 2; h > 1; h /= 2)
        {
            for (int g = 0; g < rows; g += 2 * h)
            {
                for (int j = 0; j < h; j++)
                {
                    int a = (g + j) * width, b = a + h * width;
                    var ar = AudioSimd.Load(ref Unsafe.Add(ref re, a));
                    var ai = AudioSimd.Load(ref Unsafe.Add(ref im, a));
                    var br = AudioSimd.Load(ref Unsafe.Add(ref re, b));
                    var bi = AudioSimd.Load(ref Unsafe.Add(ref im, b));
                    AudioSimd.Store(ar + br, ref Unsafe.Add(ref re, a));
                    AudioSimd.Store(ai + bi, ref Unsafe.Add(ref im, a));
                    var dr = ar - br;
                    var di = ai - bi;
                    if (j == 0)
                    {
                        AudioSimd.Store(dr, ref Unsafe.Add(ref re, b));
                        AudioSimd.Store(di, ref Unsafe.Add(ref im, b));
                    }
                    else
                    {
                        var wr = new Vector<float>(Unsafe.Add(ref twr, h + j));
                        var wi = new Vector<float>(Unsafe.Add(ref twi, h + j));
                        AudioSimd.Store(dr * wr - di * wi, ref Unsafe.Add(ref re, b));
                        AudioSimd.Store(dr * wi + di * wr, ref Unsafe.Add(ref im, b));
                    }
                }
            }
        }

        // Last stage (h = 1) with the middle twiddles W_M^(n1 k2) folded in, then the transpose (a scatter whose
        // destinations also bit-reverse the rows of the next step).
        ref float mr = ref _middleRe[0];
        ref float mi = ref _middleIm[0];
        for (int g = 0; g < rows; g += 2)
        {
            int a = g * width, b = a + width;
            var ar = AudioSimd.Load(ref Unsafe.Add(ref re, a));
            var ai = AudioSimd.Load(ref Unsafe.Add(ref im, a));
            var br = AudioSimd.Load(ref Unsafe.Add(ref re, b));
            var bi = AudioSimd.Load(ref Unsafe.Add(ref im, b));
            var sr = ar + br;
            var si = ai + bi;
            var dr = ar - br;
            var di = ai - bi;
            var war = AudioSimd.Load(ref Unsafe.Add(ref mr, a));
            var wai = AudioSimd.Load(ref Unsafe.Add(ref mi, a));
            var wbr = AudioSimd.Load(ref Unsafe.Add(ref mr, b));
            var wbi = AudioSimd.Load(ref Unsafe.Add(ref mi, b));
            AudioSimd.Store(sr * war - si * wai, ref Unsafe.Add(ref re, a));
            AudioSimd.Store(sr * wai + si * war, ref Unsafe.Add(ref im, a));
            AudioSimd.Store(dr * wbr - di * wbi, ref Unsafe.Add(ref re, b));
            AudioSimd.Store(dr * wbi + di * wbr, ref Unsafe.Add(ref im, b));
        }
        ref float outRe = ref _outRe[0];
        ref float outIm = ref _outIm[0];
        ref int transpose = ref _transpose[0];
        for (int i = 0; i < m; i++)
        {
            int d = Unsafe.Add(ref transpose, i);
            Unsafe.Add(ref outRe, d) = Unsafe.Add(ref re, i);
            Unsafe.Add(ref outIm, d) = Unsafe.Add(ref im, i);
        }

        // 2. W-point FFTs along the rows (R lanes per row, rows in bit-reversed order), decimation in time: natural order out.
        for (int h = 1; h < width; h *= 2)
        {
            for (int g = 0; g < width; g += 2 * h)
            {
                for (int j = 0; j < h; j++)
                {
                    int a0 = (g + j) * rows, b0 = a0 + h * rows;
                    if (j == 0)
                    {
                        for (int v = 0; v < rows; v += width)
                        {
                            int a = a0 + v, b = b0 + v;
                            var ar = AudioSimd.Load(ref Unsafe.Add(ref outRe, a));
                            var ai = AudioSimd.Load(ref Unsafe.Add(ref outIm, a));
                            var br = AudioSimd.Load(ref Unsafe.Add(ref outRe, b));
                            var bi = AudioSimd.Load(ref Unsafe.Add(ref outIm, b));
                            AudioSimd.Store(ar + br, ref Unsafe.Add(ref outRe, a));
                            AudioSimd.Store(ai + bi, ref Unsafe.Add(ref outIm, a));
                            AudioSimd.Store(ar - br, ref Unsafe.Add(ref outRe, b));
                            AudioSimd.Store(ai - bi, ref Unsafe.Add(ref outIm, b));
                        }
                    }
                    else
                    {
                        var wr = new Vector<float>(Unsafe.Add(ref twr, h + j));
                        var wi = new Vector<float>(Unsafe.Add(ref twi, h + j));
                        for (int v = 0; v < rows; v += width)
                        {
                            int a = a0 + v, b = b0 + v;
                            var br = AudioSimd.Load(ref Unsafe.Add(ref outRe, b));
                            var bi = AudioSimd.Load(ref Unsafe.Add(ref outIm, b));
                            var tr = wr * br - wi * bi;
                            var ti = wr * bi + wi * br;
                            var ar = AudioSimd.Load(ref Unsafe.Add(ref outRe, a));
                            var ai = AudioSimd.Load(ref Unsafe.Add(ref outIm, a));
                            AudioSimd.Store(ar + tr, ref Unsafe.Add(ref outRe, a));
                            AudioSimd.Store(ai + ti, ref Unsafe.Add(ref outIm, a));
                            AudioSimd.Store(ar - tr, ref Unsafe.Add(ref outRe, b));
                            AudioSimd.Store(ai - ti, ref Unsafe.Add(ref outIm, b));
                        }
                    }
                }
            }
        }
    }

    /// <summary>Radix-2 complex FFT of z[n] = frame[2n] + i frame[2n+1], n &lt; N/2, into the split scratch arrays (the path without SIMD).</summary>
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

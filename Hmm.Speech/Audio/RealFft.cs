using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
#if NET
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
#endif

namespace Hmm.Speech.Audio;

/// <summary>
/// Power spectrum of a real frame of power-of-two length N: an N/2-point complex FFT of the even/odd samples packed
/// as real/imaginary parts, then the split that recovers the N/2 + 1 bins of the real transform. Storage is split
/// (separate real and imaginary arrays).
/// </summary>
/// <remarks>
/// <para>With hardware <see cref="Vector{T}"/> of W lanes and M = N/2 &gt;= W^2, the complex FFT is the four-step
/// (Bailey) form, so that every butterfly runs on whole vectors: the M points as an R x W matrix (R = M / W, row n2
/// holds z[W n2 .. W n2 + W), stored at row bitrev_R(n2) by the de-interleave); W independent R-point FFTs down the
/// columns (radix-2 decimation in time, one vector per row, rows k2 come out in natural order); the twiddles
/// W_M^(n1 k2); a transpose that puts column n1 at row bitrev_W(n1) (an 8 x 8 AVX block transpose where W = 8, else
/// a scalar scatter); R independent W-point FFTs (radix-2 decimation in time, R lanes per row), whose rows come out
/// in natural order: the transposed matrix read row-major is Z[0..M) in natural order. The split that follows is
/// vectorised with a lane reversal where <c>Vector256</c> is accelerated. Otherwise (no SIMD, or tiny sizes)
/// an iterative radix-2 FFT.</para>
/// <para>All tables and scratch are allocated in the constructor; one instance is not thread-safe.</para>
/// </remarks>
public sealed class RealFft
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
    private readonly int[] _rowReverse = null!;   // bitrev_R: where row n2 of the input is stored for the column FFTs
    private readonly int[] _laneReverse = null!;  // bitrev_W: where column n1 goes as a row of the row FFTs
    private readonly float[] _middleRe = null!;  // W_M^(n1 k2) at [k2 * W + n1]
    private readonly float[] _middleIm = null!;
    private readonly float[] _outRe = null!;     // transposed scratch; Z in natural order at the end
    private readonly float[] _outIm = null!;

    /// <summary>Plans a transform of <paramref name="size"/> real samples (a power of two, at least 4).</summary>
    /// <param name="size">The transform length.</param>
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
            _rowReverse = BitReversal(rows);
            _laneReverse = BitReversal(width);
            _middleRe = new float[m];
            _middleIm = new float[m];
            for (int k2 = 0; k2 < rows; k2++)
            {
                for (int n1 = 0; n1 < width; n1++)
                {
                    double angle = -2 * Math.PI * ((long)n1 * k2 % m) / m;
                    _middleRe[k2 * width + n1] = (float)Math.Cos(angle);
                    _middleIm[k2 * width + n1] = (float)Math.Sin(angle);
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

#if NET
    /// <summary>
    /// Transposes the 8 x 8 block of rows [block, block + 8) of <paramref name="source"/> (8 floats a row) into
    /// <paramref name="destination"/>: column c goes to row bitrev(c) (<paramref name="laneReverse"/>), lanes
    /// [block, block + 8) of rows <paramref name="rows"/> long.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(ref float source, ref float destination, int block, int rows, ref int laneReverse)
    {
        var r0 = Vector256.LoadUnsafe(ref source, 0);
        var r1 = Vector256.LoadUnsafe(ref source, 8);
        var r2 = Vector256.LoadUnsafe(ref source, 16);
        var r3 = Vector256.LoadUnsafe(ref source, 24);
        var r4 = Vector256.LoadUnsafe(ref source, 32);
        var r5 = Vector256.LoadUnsafe(ref source, 40);
        var r6 = Vector256.LoadUnsafe(ref source, 48);
        var r7 = Vector256.LoadUnsafe(ref source, 56);
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref destination, (nuint)(Unsafe.Add(ref laneReverse, 0) * rows + block));
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref destination, (nuint)(Unsafe.Add(ref laneReverse, 1) * rows + block));
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref destination, (nuint)(Unsafe.Add(ref laneReverse, 2) * rows + block));
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref destination, (nuint)(Unsafe.Add(ref laneReverse, 3) * rows + block));
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref destination, (nuint)(Unsafe.Add(ref laneReverse, 4) * rows + block));
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref destination, (nuint)(Unsafe.Add(ref laneReverse, 5) * rows + block));
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref destination, (nuint)(Unsafe.Add(ref laneReverse, 6) * rows + block));
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref destination, (nuint)(Unsafe.Add(ref laneReverse, 7) * rows + block));
    }
#endif

    /// <summary>The four-step complex FFT of z[n] = frame[2n] + i frame[2n+1] into <see cref="_outRe"/>/<see cref="_outIm"/> (see the remarks).</summary>
    private void FourStep(ReadOnlySpan<float> frame)
    {
        int m = _half;
        int width = Vector<float>.Count;
        int rows = _rows;
        ref float re = ref _re[0];
        ref float im = ref _im[0];
        ref float src = ref MemoryMarshal.GetReference(frame);

        // 0. De-interleave: row n2 = z[W n2 .. W n2 + W), stored at row bitrev_R(n2) for the decimation in time.
        ref int rowReverse = ref _rowReverse[0];
        int n2 = 0;
#if NET
        for (; n2 < rows; n2++)
        {
            int n = n2 * width, row = Unsafe.Add(ref rowReverse, n2) * width;
            var lo = Vector.AsVectorUInt64(AudioSimd.Load(ref Unsafe.Add(ref src, 2 * n)));
            var hi = Vector.AsVectorUInt64(AudioSimd.Load(ref Unsafe.Add(ref src, 2 * n + width)));
            AudioSimd.Store(Vector.AsVectorSingle(Vector.Narrow(lo, hi)), ref Unsafe.Add(ref re, row));
            AudioSimd.Store(Vector.AsVectorSingle(Vector.Narrow(Vector.ShiftRightLogical(lo, 32), Vector.ShiftRightLogical(hi, 32))), ref Unsafe.Add(ref im, row));
        }
#endif
        for (; n2 < rows; n2++)
        {
            int row = Unsafe.Add(ref rowReverse, n2) * width;
            for (int n1 = 0; n1 < width; n1++)
            {
                int n = n2 * width + n1;
                Unsafe.Add(ref re, row + n1) = Unsafe.Add(ref src, 2 * n);
                Unsafe.Add(ref im, row + n1) = Unsafe.Add(ref src, 2 * n + 1);
            }
        }

        // 1. R-point FFTs down the columns (one vector per row), decimation in time: rows come out in natural order k2.
        ref float twr = ref _twiddleRe[0];
        ref float twi = ref _twiddleIm[0];
        for (int g = 0; g < rows; g += 2) Butterfly(ref re, ref im, g * width, g * width + width);
        for (int h = 2; h < rows; h *= 2)
        {
            for (int g = 0; g < rows; g += 2 * h)
            {
                for (int j = 0; j < h; j++)
                {
                    int a = (g + j) * width, b = a + h * width;
                    if (j == 0) Butterfly(ref re, ref im, a, b);
                    else Butterfly(ref re, ref im, a, b, new Vector<float>(Unsafe.Add(ref twr, h + j)), new Vector<float>(Unsafe.Add(ref twi, h + j)));
                }
            }
        }

        // The twiddles W_M^(n1 k2), then the transpose: column n1 becomes row bitrev_W(n1) (bit-reversed rows for the
        // next decimation in time), lanes k2.
        ref float mr = ref _middleRe[0];
        ref float mi = ref _middleIm[0];
        ref float outRe = ref _outRe[0];
        ref float outIm = ref _outIm[0];
        ref int laneReverse = ref _laneReverse[0];
        for (int row = 0; row < m; row += width)
        {
            var xr = AudioSimd.Load(ref Unsafe.Add(ref re, row));
            var xi = AudioSimd.Load(ref Unsafe.Add(ref im, row));
            var wr = AudioSimd.Load(ref Unsafe.Add(ref mr, row));
            var wi = AudioSimd.Load(ref Unsafe.Add(ref mi, row));
            AudioSimd.Store(xr * wr - xi * wi, ref Unsafe.Add(ref re, row));
            AudioSimd.Store(xr * wi + xi * wr, ref Unsafe.Add(ref im, row));
        }
#if NET
        if (width == 8 && Avx.IsSupported)
        {
            for (int block = 0; block < rows; block += 8)
            {
                Transpose8(ref Unsafe.Add(ref re, block * 8), ref outRe, block, rows, ref laneReverse);
                Transpose8(ref Unsafe.Add(ref im, block * 8), ref outIm, block, rows, ref laneReverse);
            }
        }
        else
#endif
        {
            for (int k2 = 0; k2 < rows; k2++)
            {
                for (int n1 = 0; n1 < width; n1++)
                {
                    int d = Unsafe.Add(ref laneReverse, n1) * rows + k2;
                    Unsafe.Add(ref outRe, d) = Unsafe.Add(ref re, k2 * width + n1);
                    Unsafe.Add(ref outIm, d) = Unsafe.Add(ref im, k2 * width + n1);
                }
            }
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
                        for (int v = 0; v < rows; v += width) Butterfly(ref outRe, ref outIm, a0 + v, b0 + v);
                    }
                    else
                    {
                        var wr = new Vector<float>(Unsafe.Add(ref twr, h + j));
                        var wi = new Vector<float>(Unsafe.Add(ref twi, h + j));
                        for (int v = 0; v < rows; v += width) Butterfly(ref outRe, ref outIm, a0 + v, b0 + v, wr, wi);
                    }
                }
            }
        }
    }

    /// <summary>One vector of radix-2 butterflies with twiddle 1: z[a] + z[b] into a, z[a] - z[b] into b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Butterfly(ref float re, ref float im, int a, int b)
    {
        var ar = AudioSimd.Load(ref Unsafe.Add(ref re, a));
        var ai = AudioSimd.Load(ref Unsafe.Add(ref im, a));
        var br = AudioSimd.Load(ref Unsafe.Add(ref re, b));
        var bi = AudioSimd.Load(ref Unsafe.Add(ref im, b));
        AudioSimd.Store(ar + br, ref Unsafe.Add(ref re, a));
        AudioSimd.Store(ai + bi, ref Unsafe.Add(ref im, a));
        AudioSimd.Store(ar - br, ref Unsafe.Add(ref re, b));
        AudioSimd.Store(ai - bi, ref Unsafe.Add(ref im, b));
    }

    /// <summary>One vector of radix-2 butterflies in place: t = w·z[b], then z[a] + t into a and z[a] - t into b (split real and imaginary arrays).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Butterfly(ref float re, ref float im, int a, int b, Vector<float> wr, Vector<float> wi)
    {
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
                        int a = g + j;
                        Butterfly(ref re, ref im, a, a + h, AudioSimd.Load(ref Unsafe.Add(ref twr, h + j)), AudioSimd.Load(ref Unsafe.Add(ref twi, h + j)));
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

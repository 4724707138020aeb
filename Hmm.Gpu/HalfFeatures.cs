using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using Hmm.Primitives;

namespace Hmm.Gpu;

/// <summary>
/// Half-precision feature upload for the GMM kernel: centres each frame (y = x - center, the expansion the GMM tables
/// are built for), rounds y to IEEE binary16 and bounds what that rounding can do to the log-likelihoods.
/// </summary>
/// <remarks>
/// <para><b>The bound.</b> Rounding to binary16 (round to nearest even) moves y_d by |δ_d| ≤ 2^-11·|y_d| + 2^-25
/// (half an ulp in the normal range; half the subnormal step below 2^-14). A component's log-density is
/// c - ½ Σ_d (y_d - m_d)²/σ²_d, so rounding changes it by exactly -Σ_d [(y_d - m_d)·δ_d + ½δ_d²]/σ²_d, whose size is
/// at most B = Σ_d [(P_d·|y_d| + A_d)·|δ_d| + ½·P_d·δ_d²] with P_d = max over components of 1/σ²_d and
/// A_d = max over components of |m_d|/σ²_d (m = mean - center). The mixture's log-sum-exp moves by at most the
/// largest component change, so every emission log-likelihood of the frame moves by at most B_t, and any
/// log-likelihood or path score of a sequence (each a log-sum-exp or maximum over paths of sums of one emission per
/// frame) by at most Σ_t B_t. That sum is what <see cref="GpuRunReport.HalfPrecisionErrorBounds"/> reports.</para>
/// <para>The conversion is vectorised (<see cref="Vector{T}"/> bit arithmetic, identical to <see cref="Half"/>'s
/// rounding, tested against it) and runs over sequences in parallel.</para>
/// </remarks>
internal static class HalfFeatures
{
    /// <summary>The part of the staging memory (binary16 bits) that one sequence is written to.</summary>
    public delegate Span<ushort> StagingSlice(int start, int length);

    /// <summary>Relative rounding of binary16 (half an ulp).</summary>
    public const float RelativeRounding = 1f / 2048f;

    /// <summary>Half the subnormal step of binary16 (2^-25).</summary>
    public const float AbsoluteRounding = 2.98023224e-8f;

    /// <summary>The per-dimension factors P_d (largest precision) and A_d (largest |centred mean| · precision) of the bound.</summary>
    public static (float[] Precision, float[] Offset) BoundFactors(GaussianMixtureEmissions gmm)
    {
        var t = gmm.Tables;
        int d = t.Dimension, columns = t.Columns, stride = t.PaddedColumns;
        var precision = new float[d];
        var offset = new float[d];
        for (int e = 0; e < d; e++)
        {
            float p = 0f, a = 0f;
            for (int c = 0; c < columns; c++)
            {
                // Weights row e holds -1/(2σ²), row D + e holds m/σ² (GmmTables.Build).
                p = MathF.Max(p, -2f * t.Weights[e * stride + c]);
                a = MathF.Max(a, MathF.Abs(t.Weights[(d + e) * stride + c]));
            }
            // Round the factors up a little: they come from float tables and the bound must not be undercut.
            precision[e] = p * (1f + 1e-6f);
            offset[e] = a * (1f + 1e-6f);
        }
        return (precision, offset);
    }

    /// <summary>
    /// Writes sequences <paramref name="b0"/> .. b0 + count - 1 of <paramref name="features"/> as centred binary16 into
    /// <paramref name="destination"/> ([count, MaxLength, D]; frames past a length are left as they are: the kernel
    /// never reads them), and each sequence's bound Σ_t B_t into <paramref name="sequenceBounds"/> at its batch index.
    /// </summary>
    /// <returns>The largest per-frame bound B_t (infinity where a value overflows binary16).</returns>
    public static double Encode(SequenceBatch features, int b0, int count, float[] center, float[] precision, float[] offset,
        StagingSlice destination, double[] sequenceBounds)
    {
        int d = features.Dimension, maxLength = features.MaxLength;
        var frameMax = new double[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            int b = b0 + i, length = features.Lengths[b];
            var source = features.Data.AsSpan(b * maxLength * d, length * d);
            var target = destination(i * maxLength * d, length * d);
            double sum = 0, worst = 0;
            for (int t = 0; t < length; t++)
            {
                double frame = EncodeFrame(source.Slice(t * d, d), center, precision, offset, target.Slice(t * d, d));
                sum += frame;
                if (!(frame <= worst)) worst = frame; // NaN-safe: an overflow makes it infinite
            }
            sequenceBounds[b] = sum;
            frameMax[i] = worst;
        });
        double max = 0;
        foreach (double m in frameMax) if (!(m <= max)) max = m;
        return max;
    }

    /// <summary>One frame: y = x - center rounded to binary16 into <paramref name="target"/>; returns B_t.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double EncodeFrame(ReadOnlySpan<float> x, ReadOnlySpan<float> center, ReadOnlySpan<float> precision, ReadOnlySpan<float> offset, Span<ushort> target)
    {
        int d = x.Length, w = Vector<float>.Count;
        if (center.Length < d || precision.Length < d || offset.Length < d || target.Length < d)
            throw new ArgumentException("center, precision, offset and target need the frame's dimension.", nameof(x));
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float cs = ref MemoryMarshal.GetReference(center);
        ref float ps = ref MemoryMarshal.GetReference(precision);
        ref float os = ref MemoryMarshal.GetReference(offset);
        ref ushort ts = ref MemoryMarshal.GetReference(target);
        var bound = Vector<float>.Zero;
        var exponents = Vector<uint>.Zero; // OR of the results' exponent fields that are all ones (infinity)
        var rel = new Vector<float>(RelativeRounding);
        var abs = new Vector<float>(AbsoluteRounding);
        var half = new Vector<float>(0.5f);
        var infinity = new Vector<uint>(0x7C00u);
        int e = 0;
        for (; e <= d - 2 * w; e += 2 * w)
        {
            var y0 = Vector.LoadUnsafe(ref xs, (nuint)e) - Vector.LoadUnsafe(ref cs, (nuint)e);
            var y1 = Vector.LoadUnsafe(ref xs, (nuint)(e + w)) - Vector.LoadUnsafe(ref cs, (nuint)(e + w));
            var h0 = ToHalfBits(y0);
            var h1 = ToHalfBits(y1);
            exponents |= Vector.Equals(h0 & infinity, infinity) | Vector.Equals(h1 & infinity, infinity);
            Vector.Narrow(h0, h1).StoreUnsafe(ref ts, (nuint)e);
            bound += Term(y0, Vector.LoadUnsafe(ref ps, (nuint)e), Vector.LoadUnsafe(ref os, (nuint)e), rel, abs, half);
            bound += Term(y1, Vector.LoadUnsafe(ref ps, (nuint)(e + w)), Vector.LoadUnsafe(ref os, (nuint)(e + w)), rel, abs, half);
        }
        // |y| at or past 65520 rounds to infinity in binary16: no bound holds.
        bool overflow = !Vector.EqualsAll(exponents, Vector<uint>.Zero);
        double total = Vector.Sum(bound);
        for (; e < d; e++)
        {
            // The tail (D not a multiple of two vectors): the same arithmetic, one element at a time.
            float y = x[e] - center[e];
            ushort h = ToHalfBits(y);
            target[e] = h;
            overflow |= (h & 0x7C00) == 0x7C00;
            float delta = RelativeRounding * MathF.Abs(y) + AbsoluteRounding;
            total += (precision[e] * MathF.Abs(y) + offset[e]) * delta + 0.5f * precision[e] * delta * delta;
        }
        return overflow ? double.PositiveInfinity : total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Term(Vector<float> y, Vector<float> p, Vector<float> a, Vector<float> rel, Vector<float> abs, Vector<float> half)
    {
        var ay = Vector.Abs(y);
        var delta = rel * ay + abs;
        return (p * ay + a) * delta + half * p * delta * delta;
    }

    /// <summary>
    /// IEEE binary16 bits of each lane, rounded to nearest even (F. Giesen's float_to_half_fast3, vectorised): equal to
    /// <c>(Half)x</c> for every finite float (infinities and NaN map to infinity and a quiet NaN).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<uint> ToHalfBits(Vector<float> x)
    {
        var f = Vector.AsVectorUInt32(x);
        var sign = f & new Vector<uint>(0x80000000u);
        f ^= sign;
        // Overflow (|x| ≥ 65520 rounds to infinity; NaN stays NaN).
        var infOrNan = Vector.ConditionalSelect(Vector.GreaterThan(f, new Vector<uint>(0x7F800000u)), new Vector<uint>(0x7E00u), new Vector<uint>(0x7C00u));
        var overflow = Vector.GreaterThanOrEqual(f, new Vector<uint>(0x47800000u)); // 2^16: at or above, no finite half (65520..65536 handled by the normal path's carry)
        // Subnormal results (|x| < 2^-14): adding 0.5 lets the FPU round the mantissa into place.
        var denormMagic = new Vector<uint>(((127u - 15u) + (23u - 10u) + 1u) << 23);
        var subnormal = Vector.AsVectorUInt32(Vector.AsVectorSingle(f) + Vector.AsVectorSingle(denormMagic)) - denormMagic;
        // Normal results: rebias the exponent, round to nearest even on the 13 dropped bits.
        var mantOdd = Vector.ShiftRightLogical(f, 13) & Vector<uint>.One;
        var normal = Vector.ShiftRightLogical(f + new Vector<uint>(unchecked((uint)((15 - 127) << 23) + 0xFFFu)) + mantOdd, 13);
        var isSubnormal = Vector.LessThan(f, new Vector<uint>(0x38800000u));
        var result = Vector.ConditionalSelect(overflow, infOrNan, Vector.ConditionalSelect(isSubnormal, subnormal, normal));
        return result | Vector.ShiftRightLogical(sign, 16);
    }

    /// <summary>The scalar definition the vector path is tested against.</summary>
    internal static ushort ToHalfBits(float x) => BitConverter.HalfToUInt16Bits((Half)x);

}

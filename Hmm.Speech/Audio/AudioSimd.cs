using System.Numerics;
using System.Runtime.CompilerServices;

namespace Hmm.Speech.Audio;

/// <summary>
/// The few <see cref="Vector{T}"/> kernels the audio code needs. <see cref="Vector{T}"/> exists on both target
/// frameworks (netstandard2.1 for Unity/Mono and net10.0), so one code path serves both.
/// </summary>
internal static class AudioSimd
{
    /// <summary>Sum of a[i] * b[i] for i &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float a, ref float b, int n) => SumOfTerms<Product>(ref a, ref b, n);

    /// <summary>Sum of (a[i] - b[i])² for i &lt; n: the YIN difference function's term (direct, so no cancellation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SquaredDistance(ref float a, ref float b, int n) => SumOfTerms<SquaredDifference>(ref a, ref b, n);

    /// <summary>A term of a pairwise sum, on a register and on one float.</summary>
    private interface IPairTerm
    {
        Vector<float> Of(Vector<float> a, Vector<float> b);
        float Of(float a, float b);
    }

    private readonly struct Product : IPairTerm
    {
        public Vector<float> Of(Vector<float> a, Vector<float> b) => a * b;
        public float Of(float a, float b) => a * b;
    }

    private readonly struct SquaredDifference : IPairTerm
    {
        public Vector<float> Of(Vector<float> a, Vector<float> b) { var d = a - b; return d * d; }
        public float Of(float a, float b) { float d = a - b; return d * d; }
    }

    /// <summary>Sum of term(a[i], b[i]) for i &lt; n: two accumulators of registers, then one register, then the tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float SumOfTerms<TTerm>(ref float a, ref float b, int n) where TTerm : struct, IPairTerm
    {
        var term = default(TTerm);
        int i = 0;
        float sum = 0f;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var acc0 = Vector<float>.Zero;
            var acc1 = Vector<float>.Zero;
            int width = Vector<float>.Count;
            for (; i <= n - 2 * width; i += 2 * width)
            {
                acc0 += term.Of(Load(ref Unsafe.Add(ref a, i)), Load(ref Unsafe.Add(ref b, i)));
                acc1 += term.Of(Load(ref Unsafe.Add(ref a, i + width)), Load(ref Unsafe.Add(ref b, i + width)));
            }
            for (; i <= n - width; i += width)
            {
                acc0 += term.Of(Load(ref Unsafe.Add(ref a, i)), Load(ref Unsafe.Add(ref b, i)));
            }
            sum = Vector.Dot(acc0 + acc1, Vector<float>.One);
        }
        for (; i < n; i++) sum += term.Of(Unsafe.Add(ref a, i), Unsafe.Add(ref b, i));
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Load(ref float source) => Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector<float> value, ref float destination) => Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref destination), value);

    /// <summary><paramref name="n"/> rounded up to a whole number of vectors.</summary>
    public static int RoundUpToVector(int n)
    {
        int width = Vector<float>.Count;
        return (n + width - 1) / width * width;
    }
}

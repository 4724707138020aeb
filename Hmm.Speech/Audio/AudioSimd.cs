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
    public static float Dot(ref float a, ref float b, int n)
    {
        int i = 0;
        float sum = 0f;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var acc0 = Vector<float>.Zero;
            var acc1 = Vector<float>.Zero;
            int width = Vector<float>.Count;
            for (; i <= n - 2 * width; i += 2 * width)
            {
                acc0 += Load(ref Unsafe.Add(ref a, i)) * Load(ref Unsafe.Add(ref b, i));
                acc1 += Load(ref Unsafe.Add(ref a, i + width)) * Load(ref Unsafe.Add(ref b, i + width));
            }
            for (; i <= n - width; i += width)
            {
                acc0 += Load(ref Unsafe.Add(ref a, i)) * Load(ref Unsafe.Add(ref b, i));
            }
            sum = Vector.Dot(acc0 + acc1, Vector<float>.One);
        }
        for (; i < n; i++) sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        return sum;
    }

    /// <summary>Sum of (a[i] - b[i])² for i &lt; n: the YIN difference function's term (direct, so no cancellation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SquaredDistance(ref float a, ref float b, int n)
    {
        int i = 0;
        float sum = 0f;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var acc0 = Vector<float>.Zero;
            var acc1 = Vector<float>.Zero;
            int width = Vector<float>.Count;
            for (; i <= n - 2 * width; i += 2 * width)
            {
                var d0 = Load(ref Unsafe.Add(ref a, i)) - Load(ref Unsafe.Add(ref b, i));
                var d1 = Load(ref Unsafe.Add(ref a, i + width)) - Load(ref Unsafe.Add(ref b, i + width));
                acc0 += d0 * d0;
                acc1 += d1 * d1;
            }
            for (; i <= n - width; i += width)
            {
                var d0 = Load(ref Unsafe.Add(ref a, i)) - Load(ref Unsafe.Add(ref b, i));
                acc0 += d0 * d0;
            }
            sum = Vector.Dot(acc0 + acc1, Vector<float>.One);
        }
        for (; i < n; i++)
        {
            float d = Unsafe.Add(ref a, i) - Unsafe.Add(ref b, i);
            sum += d * d;
        }
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

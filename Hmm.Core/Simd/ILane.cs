using System.Runtime.CompilerServices;

namespace Hmm.Simd;

/// <summary>
/// The operations one SIMD register (or one GPU thread's scalar) offers to the algorithm definitions.
/// Every recursion in Hmm is written once, generic over a lane type; the CPU engine instantiates it with
/// <c>Vector512</c>, <c>Vector256</c>, <c>Vector128</c>, <c>Vector&lt;float&gt;</c> or scalar lanes, and
/// the GPU engine with a scalar lane whose "vector" is one thread's value.
/// </summary>
/// <remarks>
/// Members are instance members called as <c>default(TL).Add(a, b)</c>: netstandard2.1 (the Unity build)
/// has no static abstract interface members, and ILGPU compiles this form on CUDA and on its CPU
/// accelerator. Masks are lane values whose representation belongs to the lane type; the definitions only
/// pass a mask produced by <see cref="GreaterThan"/> or <see cref="IsFinite"/> on to <see cref="Select"/>.
/// </remarks>
/// <typeparam name="TV">The register type: a vector of floats, or <see cref="float"/>.</typeparam>
public interface ILane<TV> where TV : struct
{
    /// <summary>Number of float lanes in one <typeparamref name="TV"/>.</summary>
    int Count { get; }

    /// <summary>All lanes set to <paramref name="value"/>.</summary>
    TV Broadcast(float value);

    /// <summary>Lane k holds k (0, 1, 2, ...): the state offsets inside one register.</summary>
    TV Iota();

    /// <summary>Reads <see cref="Count"/> consecutive floats starting at <paramref name="source"/> (any alignment).</summary>
    TV Load(ref float source);

    /// <summary>Writes <see cref="Count"/> consecutive floats starting at <paramref name="destination"/>.</summary>
    void Store(TV value, ref float destination);

    /// <summary>a + b.</summary>
    TV Add(TV a, TV b);

    /// <summary>a - b.</summary>
    TV Subtract(TV a, TV b);

    /// <summary>a * b.</summary>
    TV Multiply(TV a, TV b);

    /// <summary>a * b + c, fused where the hardware has it.</summary>
    TV MultiplyAdd(TV a, TV b, TV c);

    /// <summary>
    /// <c>accumulator = factor * Load(source) + accumulator</c>, the same arithmetic as <see cref="MultiplyAdd"/> with a
    /// broadcast factor. It updates in place because Mono's JIT passes an inlined method's result through a stack slot:
    /// the scalar GMM row ran 2.3x faster under Mono this way than through MultiplyAdd (BENCHMARKS.md, the Mono section).
    /// </summary>
    void MultiplyAddTo(ref TV accumulator, float factor, ref float source);

    /// <summary>Lane-wise maximum (inputs are never NaN in the definitions).</summary>
    TV Max(TV a, TV b);

    /// <summary>Mask of lanes where a &gt; b.</summary>
    TV GreaterThan(TV a, TV b);

    /// <summary>Mask of lanes that are finite (not infinite, not NaN).</summary>
    TV IsFinite(TV a);

    /// <summary>Per lane: mask ? ifTrue : ifFalse.</summary>
    TV Select(TV mask, TV ifTrue, TV ifFalse);

    /// <summary>e^x per lane; exp(-inf) = 0.</summary>
    TV Exp(TV x);

    /// <summary>Natural logarithm per lane; log(0) = -inf.</summary>
    TV Log(TV x);

    /// <summary>Largest lane value.</summary>
    float MaxAcross(TV x);

    /// <summary>Sum of the lane values.</summary>
    float SumAcross(TV x);
}

/// <summary>Which lane type the CPU engine instantiates its definitions with.</summary>
public enum SimdWidth
{
    /// <summary>The widest lane the processor accelerates.</summary>
    Auto = 0,
    /// <summary>One float at a time (no SIMD); also what a GPU thread sees.</summary>
    Scalar = 1,
    /// <summary><c>System.Numerics.Vector&lt;float&gt;</c>: the netstandard2.1 (Unity) engine.</summary>
    VectorT = 2,
    /// <summary>128-bit registers (SSE, NEON). net10.0 only.</summary>
    Vector128 = 3,
    /// <summary>256-bit registers (AVX2). net10.0 only.</summary>
    Vector256 = 4,
    /// <summary>512-bit registers (AVX-512). net10.0 only.</summary>
    Vector512 = 5,
}

/// <summary>Chooses and validates lane widths for this process.</summary>
public static class SimdCapabilities
{
    /// <summary>The widest register any lane type uses: state axes are padded to a multiple of this.</summary>
    public const int MaxLaneCount = 16;

    /// <summary>The width <see cref="SimdWidth.Auto"/> resolves to on this machine and runtime.</summary>
    public static SimdWidth Best
    {
        get
        {
#if NET8_0_OR_GREATER
            if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) return SimdWidth.Vector512;
            if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) return SimdWidth.Vector256;
            if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated) return SimdWidth.Vector128;
#endif
            return System.Numerics.Vector.IsHardwareAccelerated ? SimdWidth.VectorT : SimdWidth.Scalar;
        }
    }

    /// <summary>True when <paramref name="width"/> can run here (hardware-accelerated, or scalar).</summary>
    public static bool IsSupported(SimdWidth width) => width switch
    {
        SimdWidth.Auto or SimdWidth.Scalar => true,
        SimdWidth.VectorT => System.Numerics.Vector<float>.Count <= MaxLaneCount,
#if NET8_0_OR_GREATER
        SimdWidth.Vector128 => System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated,
        SimdWidth.Vector256 => System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated,
        SimdWidth.Vector512 => System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated,
#endif
        _ => false,
    };

    /// <summary>Resolves <see cref="SimdWidth.Auto"/> and rejects widths this machine cannot run.</summary>
    public static SimdWidth Resolve(SimdWidth width, string paramName)
    {
        if (width == SimdWidth.Auto) return Best;
        if (width < SimdWidth.Scalar || width > SimdWidth.Vector512)
            throw new System.ArgumentOutOfRangeException(paramName, width, "Unknown SIMD width.");
        if (!IsSupported(width))
            throw new System.PlatformNotSupportedException($"{paramName}: SIMD width {width} is not hardware-accelerated on this machine or runtime.");
        return width;
    }

    /// <summary>Rounds <paramref name="count"/> up to a whole number of the widest register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Pad(int count) => (count + MaxLaneCount - 1) / MaxLaneCount * MaxLaneCount;
}

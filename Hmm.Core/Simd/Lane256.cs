#if NET8_0_OR_GREATER
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hmm.Simd;

/// <summary>256-bit lanes (8 floats), net10.0 only.</summary>
public readonly struct Lane256 : ILane<Vector256<float>>
{
    private static readonly Vector256<float> IotaValue = Vector256<float>.Indices;

    /// <inheritdoc/>
    public int Count => Vector256<float>.Count;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Broadcast(float value) => Vector256.Create(value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Iota() => IotaValue;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Load(ref float source) => Vector256.LoadUnsafe(ref source);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(Vector256<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.MaxNative(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> GreaterThan(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThan(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> IsFinite(Vector256<float> a) => Vector256.Equals(a - a, Vector256<float>.Zero);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Select(Vector256<float> mask, Vector256<float> ifTrue, Vector256<float> ifFalse) => Vector256.ConditionalSelect(mask, ifTrue, ifFalse);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Exp(Vector256<float> x) => Vector256.Exp(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Log(Vector256<float> x) => Vector256.Log(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float MaxAcross(Vector256<float> x) => MaxAcrossCore(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float SumAcross(Vector256<float> x) => Vector256.Sum(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxAcrossCore(Vector256<float> x) =>
        default(Lane128).MaxAcross(Vector128.MaxNative(x.GetLower(), x.GetUpper()));
}
#endif

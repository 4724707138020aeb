#if NET8_0_OR_GREATER
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hmm.Simd;

/// <summary>512-bit lanes (16 floats), net10.0 only.</summary>
public readonly struct Lane512 : ILane<Vector512<float>>
{
    private static readonly Vector512<float> IotaValue = Vector512<float>.Indices;

    /// <inheritdoc/>
    public int Count => Vector512<float>.Count;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector512<float> Broadcast(float value) => Vector512.Create(value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector512<float> Iota() => IotaValue;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector512<float> Load(ref float source) => Vector512.LoadUnsafe(ref source);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(Vector512<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.MaxNative(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector512<float> GreaterThan(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThan(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector512<float> IsFinite(Vector512<float> a) => Vector512.Equals(a - a, Vector512<float>.Zero);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Select(Vector512<float> mask, Vector512<float> ifTrue, Vector512<float> ifFalse) => Vector512.ConditionalSelect(mask, ifTrue, ifFalse);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector512<float> Exp(Vector512<float> x) => Vector512.Exp(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector512<float> Log(Vector512<float> x) => Vector512.Log(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float MaxAcross(Vector512<float> x) => MaxAcrossCore(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float SumAcross(Vector512<float> x) => Vector512.Sum(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxAcrossCore(Vector512<float> x) =>
        default(Lane256).MaxAcross(Vector256.MaxNative(x.GetLower(), x.GetUpper()));
}
#endif

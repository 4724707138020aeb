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
    /// <remarks>
    /// Cephes expf, inlined (results under e^-87, near the smallest normal float, flush to 0): the runtime's vector Exp is an out-of-line call, and every call spills all live vector
    /// registers (they are caller-saved), which cost more than the exponential itself inside the recursions.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Exp(Vector512<float> x)
    {
        var clamped = Vector512.Min(Vector512.Max(x, Vector512.Create(-87f)), Vector512.Create(88.72283f));
        var n = Vector512.Floor(Vector512.FusedMultiplyAdd(clamped, Vector512.Create(1.44269504088896341f), Vector512.Create(0.5f)));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693359375f), clamped);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(2.12194440e-4f), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(1.9875691500E-4f), r, Vector512.Create(1.3981999507E-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073E-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894E-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459E-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201E-1f));
        p = Vector512.FusedMultiplyAdd(p, r * r, r + Vector512<float>.One);
        // 2^n as 2^(n-1) · 2 keeps the biased exponent in [1, 254] for n in [-125, 128].
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(126), 23).AsSingle();
        var result = p * scale * Vector512.Create(2f);
        result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(-87f)), Vector512<float>.Zero, result); // flush below e^-87
        result = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(88.72283f)), Vector512.Create(float.PositiveInfinity), result);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x); // NaN passes through
    }
    /// <inheritdoc/>
    /// <remarks>Cephes logf, inlined for the same reason as <see cref="Exp"/>; subnormal inputs count as 0.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Log(Vector512<float> x)
    {
        var bits = x.AsInt32();
        var e = Vector512.ConvertToSingle(Vector512.ShiftRightLogical(bits, 23) & Vector512.Create(0xFF)) - Vector512.Create(127f);
        var m = ((bits & Vector512.Create(0x007FFFFF)) | Vector512.Create(0x3F800000)).AsSingle();
        var big = Vector512.GreaterThan(m, Vector512.Create(1.41421356237f));
        m = Vector512.ConditionalSelect(big, m * Vector512.Create(0.5f), m);
        e = Vector512.ConditionalSelect(big, e + Vector512<float>.One, e);
        var f = m - Vector512<float>.One;
        var z = f * f;
        var y = Vector512.FusedMultiplyAdd(Vector512.Create(7.0376836292E-2f), f, Vector512.Create(-1.1514610310E-1f));
        y = Vector512.FusedMultiplyAdd(y, f, Vector512.Create(1.1676998740E-1f));
        y = Vector512.FusedMultiplyAdd(y, f, Vector512.Create(-1.2420140846E-1f));
        y = Vector512.FusedMultiplyAdd(y, f, Vector512.Create(1.4249322787E-1f));
        y = Vector512.FusedMultiplyAdd(y, f, Vector512.Create(-1.6668057665E-1f));
        y = Vector512.FusedMultiplyAdd(y, f, Vector512.Create(2.0000714765E-1f));
        y = Vector512.FusedMultiplyAdd(y, f, Vector512.Create(-2.4999993993E-1f));
        y = Vector512.FusedMultiplyAdd(y, f, Vector512.Create(3.3333331174E-1f));
        y = y * f * z;
        y = Vector512.FusedMultiplyAdd(e, Vector512.Create(-2.12194440e-4f), y);
        y = Vector512.FusedMultiplyAdd(z, Vector512.Create(-0.5f), y);
        var result = Vector512.FusedMultiplyAdd(e, Vector512.Create(0.693359375f), f + y);
        result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(1.17549435e-38f)), Vector512.Create(float.NegativeInfinity), result);
        result = Vector512.ConditionalSelect(Vector512.Equals(x - x, Vector512<float>.Zero), result, x); // +inf and NaN pass through
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), Vector512.Create(float.NaN), result);
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float MaxAcross(Vector512<float> x) => MaxAcrossCore(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float SumAcross(Vector512<float> x) => Vector512.Sum(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxAcrossCore(Vector512<float> x) =>
        default(Lane256).MaxAcross(Vector256.MaxNative(x.GetLower(), x.GetUpper()));
}
#endif

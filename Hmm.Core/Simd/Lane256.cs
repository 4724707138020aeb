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
    /// <remarks>
    /// Cephes expf, inlined (results under e^-87, near the smallest normal float, flush to 0): the runtime's vector Exp is an out-of-line call, and every call spills all live vector
    /// registers (they are caller-saved), which cost more than the exponential itself inside the recursions.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Exp(Vector256<float> x)
    {
        var clamped = Vector256.Min(Vector256.Max(x, Vector256.Create(-87f)), Vector256.Create(88.72283f));
        var n = Vector256.Floor(Vector256.FusedMultiplyAdd(clamped, Vector256.Create(1.44269504088896341f), Vector256.Create(0.5f)));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-0.693359375f), clamped);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(2.12194440e-4f), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(1.9875691500E-4f), r, Vector256.Create(1.3981999507E-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(8.3334519073E-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(4.1665795894E-2f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.6666665459E-1f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(5.0000001201E-1f));
        p = Vector256.FusedMultiplyAdd(p, r * r, r + Vector256<float>.One);
        // 2^n as 2^(n-1) · 2 keeps the biased exponent in [1, 254] for n in [-125, 128].
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(126), 23).AsSingle();
        var result = p * scale * Vector256.Create(2f);
        result = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(-87f)), Vector256<float>.Zero, result); // flush below e^-87
        result = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(88.72283f)), Vector256.Create(float.PositiveInfinity), result);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x); // NaN passes through
    }
    /// <inheritdoc/>
    /// <remarks>Cephes logf, inlined for the same reason as <see cref="Exp"/>; subnormal inputs count as 0.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Log(Vector256<float> x)
    {
        var bits = x.AsInt32();
        var e = Vector256.ConvertToSingle(Vector256.ShiftRightLogical(bits, 23) & Vector256.Create(0xFF)) - Vector256.Create(127f);
        var m = ((bits & Vector256.Create(0x007FFFFF)) | Vector256.Create(0x3F800000)).AsSingle();
        var big = Vector256.GreaterThan(m, Vector256.Create(1.41421356237f));
        m = Vector256.ConditionalSelect(big, m * Vector256.Create(0.5f), m);
        e = Vector256.ConditionalSelect(big, e + Vector256<float>.One, e);
        var f = m - Vector256<float>.One;
        var z = f * f;
        var y = Vector256.FusedMultiplyAdd(Vector256.Create(7.0376836292E-2f), f, Vector256.Create(-1.1514610310E-1f));
        y = Vector256.FusedMultiplyAdd(y, f, Vector256.Create(1.1676998740E-1f));
        y = Vector256.FusedMultiplyAdd(y, f, Vector256.Create(-1.2420140846E-1f));
        y = Vector256.FusedMultiplyAdd(y, f, Vector256.Create(1.4249322787E-1f));
        y = Vector256.FusedMultiplyAdd(y, f, Vector256.Create(-1.6668057665E-1f));
        y = Vector256.FusedMultiplyAdd(y, f, Vector256.Create(2.0000714765E-1f));
        y = Vector256.FusedMultiplyAdd(y, f, Vector256.Create(-2.4999993993E-1f));
        y = Vector256.FusedMultiplyAdd(y, f, Vector256.Create(3.3333331174E-1f));
        y = y * f * z;
        y = Vector256.FusedMultiplyAdd(e, Vector256.Create(-2.12194440e-4f), y);
        y = Vector256.FusedMultiplyAdd(z, Vector256.Create(-0.5f), y);
        var result = Vector256.FusedMultiplyAdd(e, Vector256.Create(0.693359375f), f + y);
        result = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(1.17549435e-38f)), Vector256.Create(float.NegativeInfinity), result);
        result = Vector256.ConditionalSelect(Vector256.Equals(x - x, Vector256<float>.Zero), result, x); // +inf and NaN pass through
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), Vector256.Create(float.NaN), result);
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float MaxAcross(Vector256<float> x) => MaxAcrossCore(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float SumAcross(Vector256<float> x) => Vector256.Sum(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxAcrossCore(Vector256<float> x) =>
        default(Lane128).MaxAcross(Vector128.MaxNative(x.GetLower(), x.GetUpper()));
}
#endif

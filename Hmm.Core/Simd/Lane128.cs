#if NET8_0_OR_GREATER
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hmm.Simd;

/// <summary>128-bit lanes (4 floats), net10.0 only.</summary>
public readonly struct Lane128 : ILane<Vector128<float>>
{
    private static readonly Vector128<float> IotaValue = Vector128<float>.Indices;

    /// <inheritdoc/>
    public int Count => Vector128<float>.Count;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector128<float> Broadcast(float value) => Vector128.Create(value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector128<float> Iota() => IotaValue;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector128<float> Load(ref float source) => Vector128.LoadUnsafe(ref source);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(Vector128<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.MaxNative(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector128<float> GreaterThan(Vector128<float> a, Vector128<float> b) => Vector128.GreaterThan(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector128<float> IsFinite(Vector128<float> a) => Vector128.Equals(a - a, Vector128<float>.Zero);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Select(Vector128<float> mask, Vector128<float> ifTrue, Vector128<float> ifFalse) => Vector128.ConditionalSelect(mask, ifTrue, ifFalse);
    /// <inheritdoc/>
    /// <remarks>
    /// Cephes expf, inlined (results under e^-87, near the smallest normal float, flush to 0): the runtime's vector Exp is an out-of-line call, and every call spills all live vector
    /// registers (they are caller-saved), which cost more than the exponential itself inside the recursions.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Exp(Vector128<float> x)
    {
        var clamped = Vector128.Min(Vector128.Max(x, Vector128.Create(-87f)), Vector128.Create(88.72283f));
        var n = Vector128.Floor(Vector128.FusedMultiplyAdd(clamped, Vector128.Create(1.44269504088896341f), Vector128.Create(0.5f)));
        var r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-0.693359375f), clamped);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(2.12194440e-4f), r);
        var p = Vector128.FusedMultiplyAdd(Vector128.Create(1.9875691500E-4f), r, Vector128.Create(1.3981999507E-3f));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(8.3334519073E-3f));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(4.1665795894E-2f));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(1.6666665459E-1f));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(5.0000001201E-1f));
        p = Vector128.FusedMultiplyAdd(p, r * r, r + Vector128<float>.One);
        // 2^n as 2^(n-1) · 2 keeps the biased exponent in [1, 254] for n in [-125, 128].
        var scale = Vector128.ShiftLeft(Vector128.ConvertToInt32(n) + Vector128.Create(126), 23).AsSingle();
        var result = p * scale * Vector128.Create(2f);
        result = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128.Create(-87f)), Vector128<float>.Zero, result); // flush below e^-87
        result = Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(88.72283f)), Vector128.Create(float.PositiveInfinity), result);
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), result, x); // NaN passes through
    }
    /// <inheritdoc/>
    /// <remarks>Cephes logf, inlined for the same reason as <see cref="Exp"/>; subnormal inputs count as 0.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Log(Vector128<float> x)
    {
        var bits = x.AsInt32();
        var e = Vector128.ConvertToSingle(Vector128.ShiftRightLogical(bits, 23) & Vector128.Create(0xFF)) - Vector128.Create(127f);
        var m = ((bits & Vector128.Create(0x007FFFFF)) | Vector128.Create(0x3F800000)).AsSingle();
        var big = Vector128.GreaterThan(m, Vector128.Create(1.41421356237f));
        m = Vector128.ConditionalSelect(big, m * Vector128.Create(0.5f), m);
        e = Vector128.ConditionalSelect(big, e + Vector128<float>.One, e);
        var f = m - Vector128<float>.One;
        var z = f * f;
        var y = Vector128.FusedMultiplyAdd(Vector128.Create(7.0376836292E-2f), f, Vector128.Create(-1.1514610310E-1f));
        y = Vector128.FusedMultiplyAdd(y, f, Vector128.Create(1.1676998740E-1f));
        y = Vector128.FusedMultiplyAdd(y, f, Vector128.Create(-1.2420140846E-1f));
        y = Vector128.FusedMultiplyAdd(y, f, Vector128.Create(1.4249322787E-1f));
        y = Vector128.FusedMultiplyAdd(y, f, Vector128.Create(-1.6668057665E-1f));
        y = Vector128.FusedMultiplyAdd(y, f, Vector128.Create(2.0000714765E-1f));
        y = Vector128.FusedMultiplyAdd(y, f, Vector128.Create(-2.4999993993E-1f));
        y = Vector128.FusedMultiplyAdd(y, f, Vector128.Create(3.3333331174E-1f));
        y = y * f * z;
        y = Vector128.FusedMultiplyAdd(e, Vector128.Create(-2.12194440e-4f), y);
        y = Vector128.FusedMultiplyAdd(z, Vector128.Create(-0.5f), y);
        var result = Vector128.FusedMultiplyAdd(e, Vector128.Create(0.693359375f), f + y);
        result = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128.Create(1.17549435e-38f)), Vector128.Create(float.NegativeInfinity), result);
        result = Vector128.ConditionalSelect(Vector128.Equals(x - x, Vector128<float>.Zero), result, x); // +inf and NaN pass through
        return Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), Vector128.Create(float.NaN), result);
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float MaxAcross(Vector128<float> x) => MaxAcrossCore(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float SumAcross(Vector128<float> x) => Vector128.Sum(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxAcrossCore(Vector128<float> x)
    {
        var m = Vector128.MaxNative(x, Vector128.Shuffle(x, Vector128.Create(2, 3, 0, 1)));
        m = Vector128.MaxNative(m, Vector128.Shuffle(m, Vector128.Create(1, 0, 3, 2)));
        return m.ToScalar();
    }
}
#endif

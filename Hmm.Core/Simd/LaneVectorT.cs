using System.Numerics;
using System.Runtime.CompilerServices;

namespace Hmm.Simd;

/// <summary>
/// <c>Vector&lt;float&gt;</c> lanes: the engine of the netstandard2.1 (Unity/Mono) build, also compiled and
/// tested on net10.0 so that the Unity code path runs in CI. netstandard2.1 has no vector Exp, Log, Floor or
/// FusedMultiplyAdd, so those are written here from the primitives it does have.
/// </summary>
/// <remarks>
/// Exp and Log are the Cephes steps of the generated fixed-width lanes with the same numbers
/// (<see cref="CephesConstants"/>), but with separate multiplies and adds where those fuse, so results may
/// differ from <c>Lane128</c>/<c>Lane256</c>/<c>Lane512</c> in the last bit.
/// </remarks>
public readonly struct LaneVectorT : ILane<Vector<float>>
{
    private static readonly Vector<float> IotaValue = MakeIota();

    private static Vector<float> MakeIota()
    {
        var values = new float[Vector<float>.Count];
        for (int i = 0; i < values.Length; i++) values[i] = i;
        return new Vector<float>(values);
    }

    /// <inheritdoc/>
    public int Count => Vector<float>.Count;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector<float> Broadcast(float value) => new(value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector<float> Iota() => IotaValue;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Load(ref float source) => Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref source));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(Vector<float> value, ref float destination) => Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref destination), value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector<float> Add(Vector<float> a, Vector<float> b) => a + b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector<float> Subtract(Vector<float> a, Vector<float> b) => a - b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector<float> Multiply(Vector<float> a, Vector<float> b) => a * b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector<float> MultiplyAdd(Vector<float> a, Vector<float> b, Vector<float> c) => a * b + c;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MultiplyAddTo(ref Vector<float> accumulator, float factor, ref float source) => accumulator = new Vector<float>(factor) * Load(ref source) + accumulator;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector<float> Max(Vector<float> a, Vector<float> b) => Vector.Max(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> GreaterThan(Vector<float> a, Vector<float> b) => Vector.AsVectorSingle(Vector.GreaterThan(a, b));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> IsFinite(Vector<float> a) => Vector.AsVectorSingle(Vector.Equals(a - a, Vector<float>.Zero));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Select(Vector<float> mask, Vector<float> ifTrue, Vector<float> ifFalse) => Vector.ConditionalSelect(mask, ifTrue, ifFalse);

    /// <inheritdoc/>
    public Vector<float> Exp(Vector<float> x)
    {
        // Cephes expf: e^x = 2^n * e^r, n = round(x / ln 2), |r| <= ln2 / 2, degree-6 polynomial for e^r.
        var tooSmall = Vector.LessThan(x, new Vector<float>(CephesConstants.ExpLowerBound));         // within 4x of the smallest normal: flush to 0
        var tooLarge = Vector.GreaterThan(x, new Vector<float>(CephesConstants.ExpUpperBound)); // overflow: +inf
        var nan = Vector.OnesComplement(Vector.Equals(x, x));
        var clamped = Vector.Min(Vector.Max(x, new Vector<float>(CephesConstants.ExpLowerBound)), new Vector<float>(CephesConstants.ExpUpperBound));
        var fx = clamped * new Vector<float>(CephesConstants.Log2E) + new Vector<float>(0.5f);
        var fi = Vector.ConvertToSingle(Vector.ConvertToInt32(fx)); // truncation toward zero
        var n = fi - Vector.ConditionalSelect(Vector.GreaterThan(fi, fx), Vector<float>.One, Vector<float>.Zero); // floor
        var r = clamped - n * new Vector<float>(CephesConstants.Ln2Hi) - n * new Vector<float>(CephesConstants.Ln2Lo);
        var r2 = r * r;
        var p = new Vector<float>(CephesConstants.ExpP0);
        p = p * r + new Vector<float>(CephesConstants.ExpP1);
        p = p * r + new Vector<float>(CephesConstants.ExpP2);
        p = p * r + new Vector<float>(CephesConstants.ExpP3);
        p = p * r + new Vector<float>(CephesConstants.ExpP4);
        p = p * r + new Vector<float>(CephesConstants.ExpP5);
        p = p * r2 + r + Vector<float>.One;
        // 2^n as 2^(n-1) · 2 keeps the biased exponent in [1, 254] for n in [-125, 128].
        var biased = (Vector.ConvertToInt32(n) + new Vector<int>(126)) * new Vector<int>(1 << 23);
        var result = p * Vector.AsVectorSingle(biased) * new Vector<float>(2f);
        result = Vector.ConditionalSelect(tooSmall, Vector<float>.Zero, result);
        result = Vector.ConditionalSelect(tooLarge, new Vector<float>(float.PositiveInfinity), result);
        return Vector.ConditionalSelect(nan, x, result);
    }

    /// <inheritdoc/>
    public Vector<float> Log(Vector<float> x)
    {
        // Cephes logf: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), log(1+f) by a degree-9 polynomial.
        var bits = Vector.AsVectorInt32(x);
        var exponentField = Vector.ConvertToSingle(bits & new Vector<int>(0x7F800000)) * new Vector<float>(1f / (1 << 23));
        var e = exponentField - new Vector<float>(127f);
        var m = Vector.AsVectorSingle((bits & new Vector<int>(0x007FFFFF)) | new Vector<int>(0x3F800000)); // [1, 2)
        var big = Vector.GreaterThan(m, new Vector<float>(CephesConstants.Sqrt2));
        m = Vector.ConditionalSelect(big, m * new Vector<float>(0.5f), m);
        e = Vector.ConditionalSelect(big, e + Vector<float>.One, e);
        var f = m - Vector<float>.One;
        var z = f * f;
        var y = new Vector<float>(CephesConstants.LogP0);
        y = y * f + new Vector<float>(CephesConstants.LogP1);
        y = y * f + new Vector<float>(CephesConstants.LogP2);
        y = y * f + new Vector<float>(CephesConstants.LogP3);
        y = y * f + new Vector<float>(CephesConstants.LogP4);
        y = y * f + new Vector<float>(CephesConstants.LogP5);
        y = y * f + new Vector<float>(CephesConstants.LogP6);
        y = y * f + new Vector<float>(CephesConstants.LogP7);
        y = y * f + new Vector<float>(CephesConstants.LogP8);
        y = y * f * z;
        y += e * new Vector<float>(CephesConstants.Ln2Lo);
        y += z * new Vector<float>(-0.5f);
        var result = f + y + e * new Vector<float>(CephesConstants.Ln2Hi);
        // Subnormals are flushed to zero: the definitions only take logs of sums that are 0 or >= 1.
        var zero = Vector.LessThan(x, new Vector<float>(CephesConstants.SmallestNormal));
        result = Vector.ConditionalSelect(zero, new Vector<float>(float.NegativeInfinity), result);
        var special = Vector.OnesComplement(Vector.Equals(x - x, Vector<float>.Zero)); // +inf or NaN pass through
        result = Vector.ConditionalSelect(special, x, result);
        return Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), new Vector<float>(float.NaN), result);
    }

    /// <inheritdoc/>
    public float MaxAcross(Vector<float> x)
    {
        float m = x[0];
        for (int i = 1; i < Vector<float>.Count; i++) m = x[i] > m ? x[i] : m;
        return m;
    }

    /// <inheritdoc/>
    public float SumAcross(Vector<float> x) => Vector.Dot(x, Vector<float>.One);
}

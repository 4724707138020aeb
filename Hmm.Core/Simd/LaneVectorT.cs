using System.Numerics;
using System.Runtime.CompilerServices;

namespace Hmm.Simd;

/// <summary>
/// <c>Vector&lt;float&gt;</c> lanes: the engine of the netstandard2.1 (Unity/Mono) build, also compiled and
/// tested on net10.0 so that the Unity code path runs in CI. netstandard2.1 has no vector Exp, Log, Floor or
/// FusedMultiplyAdd, so those are written here from the primitives it does have.
/// </summary>
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
        var tooSmall = Vector.LessThan(x, new Vector<float>(-87f));         // within 4x of the smallest normal: flush to 0
        var tooLarge = Vector.GreaterThan(x, new Vector<float>(88.72283f)); // overflow: +inf
        var nan = Vector.OnesComplement(Vector.Equals(x, x));
        var clamped = Vector.Min(Vector.Max(x, new Vector<float>(-87f)), new Vector<float>(88.72283f));
        var fx = clamped * new Vector<float>(1.44269504088896341f) + new Vector<float>(0.5f);
        var fi = Vector.ConvertToSingle(Vector.ConvertToInt32(fx)); // truncation toward zero
        var n = fi - Vector.ConditionalSelect(Vector.GreaterThan(fi, fx), Vector<float>.One, Vector<float>.Zero); // floor
        var r = clamped - n * new Vector<float>(0.693359375f) - n * new Vector<float>(-2.12194440e-4f);
        var r2 = r * r;
        var p = new Vector<float>(1.9875691500E-4f);
        p = p * r + new Vector<float>(1.3981999507E-3f);
        p = p * r + new Vector<float>(8.3334519073E-3f);
        p = p * r + new Vector<float>(4.1665795894E-2f);
        p = p * r + new Vector<float>(1.6666665459E-1f);
        p = p * r + new Vector<float>(5.0000001201E-1f);
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
        var big = Vector.GreaterThan(m, new Vector<float>(1.41421356237f));
        m = Vector.ConditionalSelect(big, m * new Vector<float>(0.5f), m);
        e = Vector.ConditionalSelect(big, e + Vector<float>.One, e);
        var f = m - Vector<float>.One;
        var z = f * f;
        var y = new Vector<float>(7.0376836292E-2f);
        y = y * f + new Vector<float>(-1.1514610310E-1f);
        y = y * f + new Vector<float>(1.1676998740E-1f);
        y = y * f + new Vector<float>(-1.2420140846E-1f);
        y = y * f + new Vector<float>(1.4249322787E-1f);
        y = y * f + new Vector<float>(-1.6668057665E-1f);
        y = y * f + new Vector<float>(2.0000714765E-1f);
        y = y * f + new Vector<float>(-2.4999993993E-1f);
        y = y * f + new Vector<float>(3.3333331174E-1f);
        y = y * f * z;
        y += e * new Vector<float>(-2.12194440e-4f);
        y += z * new Vector<float>(-0.5f);
        var result = f + y + e * new Vector<float>(0.693359375f);
        // Subnormals are flushed to zero: the definitions only take logs of sums that are 0 or >= 1.
        var zero = Vector.LessThan(x, new Vector<float>(1.17549435e-38f));
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

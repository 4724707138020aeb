using System;
using System.Runtime.CompilerServices;

namespace Hmm.Simd;

/// <summary>Four floats in plain fields: the register of <see cref="LaneQuad"/>.</summary>
/// <remarks>Mutable fields so that <see cref="LaneQuad.MultiplyAddTo"/> can update an accumulator field by field.</remarks>
public struct Quad
{
    // Fields, not properties: MultiplyAddTo updates them in place, with no accessor call for Mono to inline.
#pragma warning disable CA1051 // visible instance fields
    /// <summary>Lane 0.</summary>
    public float X;
    /// <summary>Lane 1.</summary>
    public float Y;
    /// <summary>Lane 2.</summary>
    public float Z;
    /// <summary>Lane 3.</summary>
    public float W;
#pragma warning restore CA1051

    /// <summary>The four lanes in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Quad(float x, float y, float z, float w)
    {
        X = x; Y = y; Z = z; W = w;
    }
}

/// <summary>
/// A software 4-wide lane: each operation is four scalar statements, and masks are 1 (true) or 0 (false) as in
/// <see cref="LaneScalar"/>. Every lane computes exactly what <see cref="LaneScalar"/> computes (unfused multiply-adds,
/// <c>MathF</c> exp and log), so results are the same bit for bit.
/// </summary>
/// <remarks>
/// Why it exists: Mono's JIT (Unity's, with <c>Vector&lt;float&gt;</c> unaccelerated) keeps floats in stack slots, and an
/// in-place <see cref="MultiplyAddTo"/> of four floats per call amortises that: the scalar path's GMM row runs 1.6x faster
/// on it than on <see cref="LaneScalar"/> under Mono. Operations that return a <see cref="Quad"/> are slower there than
/// four <see cref="LaneScalar"/> calls (struct results are copied), so the scalar path uses this lane for the GMM row only
/// (BENCHMARKS.md, the Mono section).
/// </remarks>
public readonly struct LaneQuad : ILane<Quad>
{
    /// <inheritdoc/>
    public int Count => 4;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Quad Broadcast(float value) => new(value, value, value, value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Quad Iota() => new(0f, 1f, 2f, 3f);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Quad Load(ref float source) => new(source, Unsafe.Add(ref source, 1), Unsafe.Add(ref source, 2), Unsafe.Add(ref source, 3));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(Quad value, ref float destination)
    {
        destination = value.X;
        Unsafe.Add(ref destination, 1) = value.Y;
        Unsafe.Add(ref destination, 2) = value.Z;
        Unsafe.Add(ref destination, 3) = value.W;
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Quad Add(Quad a, Quad b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z, a.W + b.W);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Quad Subtract(Quad a, Quad b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z, a.W - b.W);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Quad Multiply(Quad a, Quad b) => new(a.X * b.X, a.Y * b.Y, a.Z * b.Z, a.W * b.W);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Quad MultiplyAdd(Quad a, Quad b, Quad c) => new(a.X * b.X + c.X, a.Y * b.Y + c.Y, a.Z * b.Z + c.Z, a.W * b.W + c.W);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MultiplyAddTo(ref Quad accumulator, float factor, ref float source)
    {
        accumulator.X = factor * source + accumulator.X;
        accumulator.Y = factor * Unsafe.Add(ref source, 1) + accumulator.Y;
        accumulator.Z = factor * Unsafe.Add(ref source, 2) + accumulator.Z;
        accumulator.W = factor * Unsafe.Add(ref source, 3) + accumulator.W;
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Quad Max(Quad a, Quad b) => new(a.X > b.X ? a.X : b.X, a.Y > b.Y ? a.Y : b.Y, a.Z > b.Z ? a.Z : b.Z, a.W > b.W ? a.W : b.W);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Quad GreaterThan(Quad a, Quad b) => new(a.X > b.X ? 1f : 0f, a.Y > b.Y ? 1f : 0f, a.Z > b.Z ? 1f : 0f, a.W > b.W ? 1f : 0f);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Quad IsFinite(Quad a) => new(a.X - a.X == 0f ? 1f : 0f, a.Y - a.Y == 0f ? 1f : 0f, a.Z - a.Z == 0f ? 1f : 0f, a.W - a.W == 0f ? 1f : 0f);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Quad Select(Quad mask, Quad ifTrue, Quad ifFalse) => new(mask.X != 0f ? ifTrue.X : ifFalse.X, mask.Y != 0f ? ifTrue.Y : ifFalse.Y,
        mask.Z != 0f ? ifTrue.Z : ifFalse.Z, mask.W != 0f ? ifTrue.W : ifFalse.W);
    /// <inheritdoc/>
    public Quad Exp(Quad x) => new(MathF.Exp(x.X), MathF.Exp(x.Y), MathF.Exp(x.Z), MathF.Exp(x.W));
    /// <inheritdoc/>
    public Quad Log(Quad x) => new(MathF.Log(x.X), MathF.Log(x.Y), MathF.Log(x.Z), MathF.Log(x.W));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float MaxAcross(Quad x)
    {
        float a = x.X > x.Y ? x.X : x.Y, b = x.Z > x.W ? x.Z : x.W;
        return a > b ? a : b;
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float SumAcross(Quad x) => x.X + x.Y + x.Z + x.W;
}

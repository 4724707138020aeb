using System;
using System.Runtime.CompilerServices;

namespace Hmm.Simd;

/// <summary>One float per "register": the portable CPU fallback. Masks are 1 (true) or 0 (false).</summary>
public readonly struct LaneScalar : ILane<float>
{
    /// <inheritdoc/>
    public int Count => 1;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Broadcast(float value) => value;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Iota() => 0f;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Load(ref float source) => source;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(float value, ref float destination) => destination = value;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Add(float a, float b) => a + b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Subtract(float a, float b) => a - b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Multiply(float a, float b) => a * b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float MultiplyAdd(float a, float b, float c) => a * b + c;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void MultiplyAddTo(ref float accumulator, float factor, ref float source) => accumulator = factor * source + accumulator;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Max(float a, float b) => a > b ? a : b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float GreaterThan(float a, float b) => a > b ? 1f : 0f;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float IsFinite(float a) => a - a == 0f ? 1f : 0f;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Select(float mask, float ifTrue, float ifFalse) => mask != 0f ? ifTrue : ifFalse;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Exp(float x) => MathF.Exp(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Log(float x) => MathF.Log(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float MaxAcross(float x) => x;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float SumAcross(float x) => x;
}

using System.Runtime.CompilerServices;
using Hmm.Primitives;
using Hmm.Simd;
using ILGPU.Algorithms;

namespace Hmm.Gpu;

/// <summary>
/// The lane a GPU thread sees: one float per "register", so that a kernel thread computes one state of a
/// column through the same <see cref="Hmm.Engine.Definitions"/> the SIMD CPU engine uses. Masks are 1 (true)
/// or 0 (false), as in <see cref="LaneScalar"/>; transcendental functions go through ILGPU's <see cref="XMath"/>,
/// which compiles to the device's math instructions on CUDA and to .NET math on ILGPU's CPU accelerator.
/// </summary>
public readonly struct GpuLane : ILane<float>
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Max(float a, float b) => XMath.Max(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float GreaterThan(float a, float b) => a > b ? 1f : 0f;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float IsFinite(float a) => XMath.IsFinite(a) ? 1f : 0f;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Select(float mask, float ifTrue, float ifFalse) => mask != 0f ? ifTrue : ifFalse;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Exp(float x) => XMath.Exp(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Log(float x) => XMath.Log(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float MaxAcross(float x) => x;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float SumAcross(float x) => x;
}

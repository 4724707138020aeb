using System;
using System.Runtime.CompilerServices;
using Hmm.Simd;

namespace Hmm.Engine;

public static partial class Definitions
{
    // ------------------------------------------------------------------ diagonal-Gaussian components and leave times
    // What the occupancy statistics of a Gaussian mixture need per frame, written once: the host alignment backend, the
    // trainer, mean adaptation and the CUDA statistics kernel call these with their memory and reduction. The emission
    // product itself (the [y², y] expansion against GmmTables) is StoreFeature and the GEMM; these are for the few
    // (state, frame) pairs whose occupancy is split over components.

    private static readonly double Log2Pi = Math.Log(2 * Math.PI);

    /// <summary>
    /// A component's constant <c>log w − ½ (D log 2π + Σ log σ²)</c> from its weight's log, its dimension and the sum of
    /// its variances' logs; −infinity for a zero weight (a padding component, which then never takes a share).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ComponentConstant(double logWeight, int dimension, double sumOfLogVariances)
        => logWeight - 0.5 * dimension * Log2Pi - 0.5 * sumOfLogVariances;

    /// <summary>
    /// This worker's part of a component's quadratic term <c>Σ_e (x_e − μ_e)² / σ²_e</c> over the dimensions of
    /// <paramref name="dimensions"/>, reduced over the workers: <paramref name="features"/> is indexed from the frame's
    /// first value, <paramref name="means"/> and <paramref name="inverseVariances"/> from <paramref name="componentBase"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ComponentQuadratic<TM, TR>(TM features, TM means, TM inverseVariances, int componentBase, ColumnSlice dimensions, TR reduce)
        where TM : struct, IFloatMemory where TR : struct, IColumnReduction
    {
        float quadratic = 0f;
        for (int e = dimensions.First; e < dimensions.End; e += dimensions.Step)
        {
            float diff = features[e] - means[componentBase + e];
            quadratic += diff * diff * inverseVariances[componentBase + e];
        }
        return reduce.Sum(quadratic);
    }

    /// <summary>
    /// Component <paramref name="component"/>'s log density with its weight, <c>constant − ½ quadratic</c>
    /// (<see cref="ComponentQuadratic{TM, TR}"/>, components of <paramref name="dimension"/> values), −infinity for a
    /// component whose constant is −infinity. The test is uniform across the workers, who share the component.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ComponentLogDensity<TM, TR>(TM constants, TM features, TM means, TM inverseVariances, int component, int dimension,
        ColumnSlice dimensions, TR reduce)
        where TM : struct, IFloatMemory where TR : struct, IColumnReduction
    {
        float constant = constants[component];
        if (constant == float.NegativeInfinity) return constant;
        return constant - 0.5f * ComponentQuadratic(features, means, inverseVariances, component * dimension, dimensions, reduce);
    }

    /// <summary>
    /// A component's unnormalised share of its state's frame, <c>exp(logDensity − max)</c> with <paramref name="max"/>
    /// the largest of the state's component log densities; 0 for a −infinity density.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ComponentShare<TL>(float logDensity, float max) where TL : struct, ILane<float>
        => logDensity == float.NegativeInfinity ? 0f : default(TL).Exp(logDensity - max);

    /// <summary>
    /// The occupancy a component takes of a frame its state occupies with <paramref name="gamma"/>: gamma times its
    /// responsibility <c>share / total</c> (<see cref="ComponentShare{TL}"/>, <paramref name="total"/> their sum).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Responsibility(float gamma, float share, float total) => gamma * share / total;

    /// <summary>Whether a component's share <paramref name="r"/> of a frame counts: at least <paramref name="threshold"/> (NaN never does).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool ShareCounts(float r, float threshold) => r >= threshold;

    /// <summary>
    /// A block's part of a frame's leave time: <c>min(1, cumulative / total)</c>, where <paramref name="cumulative"/> is
    /// the posterior mass of this block and every block before it and <paramref name="total"/> the frame's (a frame
    /// whose total is not positive divides by 1). Summed over frames, it is the expected frame at which the path has left
    /// the block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double LeaveShare(double cumulative, double total) => Math.Min(1.0, cumulative / (total > 0 ? total : 1.0));
}

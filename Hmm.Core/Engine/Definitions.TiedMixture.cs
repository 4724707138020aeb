using System.Runtime.CompilerServices;
using Hmm.Simd;

namespace Hmm.Engine;

public static partial class Definitions
{
    // ------------------------------------------------------------------ tied-mixture (PTM) emissions
    // One frame of TiedMixtureEmissions, written once for the CPU engine's lanes and a GPU thread's scalar lane: the
    // codebook Gaussians with lanes over components, the top N per codebook and stream, each one's floored share, the
    // states' weighted sums with lanes over states (multiplied over streams), one log per state.

    /// <summary>
    /// Log densities of Gaussians <c>k0 .. k0+Count-1</c> of one codebook and stream: <c>constant_k − Σ_j (x_j − μ_jk)² h_jk</c>
    /// with <c>h = 1 / (2σ²)</c>. <paramref name="means"/> and <paramref name="halfPrecisions"/> hold the stream's dimensions
    /// <paramref name="stride"/> floats apart from <paramref name="tableBase"/>; padding components have constant −infinity.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV CodebookScores<TL, TV, TM>(TM features, int featureBase, int dimensions, TM means, TM halfPrecisions, int tableBase, int stride,
        TM constants, int constantBase, int k0)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        TV quadratic = l.Broadcast(0f);
        for (int j = 0; j < dimensions; j++)
        {
            int at = tableBase + j * stride + k0;
            TV diff = l.Subtract(l.Broadcast(features[featureBase + j]), l.Load(ref means[at]));
            quadratic = l.MultiplyAdd(l.Multiply(diff, diff), l.Load(ref halfPrecisions[at]), quadratic);
        }
        return l.Subtract(l.Load(ref constants[constantBase + k0]), quadratic);
    }

    /// <summary>
    /// <see cref="CodebookScores{TL, TV, TM}"/> for four registers of components at once (<c>k0 .. k0+4·Count-1</c>): four
    /// independent chains share each feature's broadcast, so the adds do not wait on each other.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CodebookScores4<TL, TV, TM>(TM features, int featureBase, int dimensions, TM means, TM halfPrecisions, int tableBase, int stride,
        TM constants, int constantBase, int k0, out TV s0, out TV s1, out TV s2, out TV s3)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        int c = l.Count;
        TV q0 = l.Broadcast(0f), q1 = q0, q2 = q0, q3 = q0;
        for (int j = 0; j < dimensions; j++)
        {
            int at = tableBase + j * stride + k0;
            TV x = l.Broadcast(features[featureBase + j]);
            TV d0 = l.Subtract(x, l.Load(ref means[at]));
            TV d1 = l.Subtract(x, l.Load(ref means[at + c]));
            TV d2 = l.Subtract(x, l.Load(ref means[at + 2 * c]));
            TV d3 = l.Subtract(x, l.Load(ref means[at + 3 * c]));
            q0 = l.MultiplyAdd(l.Multiply(d0, d0), l.Load(ref halfPrecisions[at]), q0);
            q1 = l.MultiplyAdd(l.Multiply(d1, d1), l.Load(ref halfPrecisions[at + c]), q1);
            q2 = l.MultiplyAdd(l.Multiply(d2, d2), l.Load(ref halfPrecisions[at + 2 * c]), q2);
            q3 = l.MultiplyAdd(l.Multiply(d3, d3), l.Load(ref halfPrecisions[at + 3 * c]), q3);
        }
        int b = constantBase + k0;
        s0 = l.Subtract(l.Load(ref constants[b]), q0);
        s1 = l.Subtract(l.Load(ref constants[b + c]), q1);
        s2 = l.Subtract(l.Load(ref constants[b + 2 * c]), q2);
        s3 = l.Subtract(l.Load(ref constants[b + 3 * c]), q3);
    }

    /// <summary>
    /// Keeps the <paramref name="n"/> best scores seen so far, best first, in <paramref name="values"/> and their component
    /// indices in <paramref name="indices"/> (from <paramref name="topBase"/>; start both at −infinity): inserts
    /// <paramref name="score"/> of component <paramref name="component"/> when it beats the n-th. Ties keep the earlier component.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InsertTopN<TM>(TM values, TM indices, int topBase, int n, float score, int component)
        where TM : struct, IFloatMemory
    {
        if (!(score > values[topBase + n - 1])) return;
        int i = n - 1;
        while (i > 0 && score > values[topBase + i - 1])
        {
            values[topBase + i] = values[topBase + i - 1];
            indices[topBase + i] = indices[topBase + i - 1];
            i--;
        }
        values[topBase + i] = score;
        indices[topBase + i] = component;
    }

    /// <summary>
    /// A threshold no member of a row's top <paramref name="n"/> falls below, from <paramref name="n"/> candidate components
    /// (<paramref name="candidates"/> from <paramref name="candidateBase"/>, e.g. the previous frame's top N): the smallest
    /// of their scores in <paramref name="scores"/> (from <paramref name="rowBase"/>), since n distinct components score at
    /// least that. −infinity (no filtering) unless the candidates are n distinct components below <paramref name="components"/>.
    /// Scanning only the scores at or above it in order gives exactly the top N of the whole row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float TopNThreshold<TM>(TM scores, int rowBase, TM candidates, int candidateBase, int n, int components)
        where TM : struct, IFloatMemory
    {
        float threshold = float.PositiveInfinity;
        for (int i = 0; i < n; i++)
        {
            float candidate = candidates[candidateBase + i];
            int k = (int)candidate;
            if (!(candidate >= 0) || k >= components || k != candidate) return float.NegativeInfinity;
            for (int j = 0; j < i; j++) if (candidates[candidateBase + j] == candidate) return float.NegativeInfinity;
            float score = scores[rowBase + k];
            if (score < threshold) threshold = score;
        }
        return threshold;
    }

    /// <summary>
    /// A top Gaussian's share of its stream: <c>exp(max(score − best, −floor))</c>, with <paramref name="best"/> the stream's
    /// best Gaussian over all codebooks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FlooredShare<TL>(float score, float best, float floor) where TL : struct, ILane<float>
    {
        float relative = score - best;
        return default(TL).Exp(relative > -floor ? relative : -floor);
    }

    /// <summary>
    /// States <c>p0 .. p0+Count-1</c> (positions of one codebook's group) in one stream: <c>Σ_n w(k_n, p) · share_n</c> over the
    /// codebook's top <paramref name="n"/> Gaussians (their component indices and shares from <paramref name="topBase"/>);
    /// <paramref name="weights"/> holds component k's row of linear weights at <c>weightBase + k · positions</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV StreamMixture<TL, TV, TM>(TM weights, int weightBase, int positions, TM indices, TM shares, int topBase, int n, int p0)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        TV sum = l.Broadcast(0f);
        for (int i = 0; i < n; i++)
        {
            int k = (int)indices[topBase + i];
            sum = l.MultiplyAdd(l.Load(ref weights[weightBase + k * positions + p0]), l.Broadcast(shares[topBase + i]), sum);
        }
        return sum;
    }

    /// <summary>A state's log-likelihood from the product of its streams' sums and the sum of the streams' best scores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV TiedMixtureLogLikelihood<TL, TV>(TV product, TV bestSum) where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        return l.Add(l.Log(product), bestSum);
    }
}

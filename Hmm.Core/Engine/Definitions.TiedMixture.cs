using System.Runtime.CompilerServices;
using Hmm.Simd;

namespace Hmm.Engine;

public static partial class Definitions
{
    // ------------------------------------------------------------------ tied-mixture (PTM) emissions
    // One frame of TiedMixtureEmissions, written once for the CPU engine's lanes and a GPU thread's scalar lane. The
    // codebooks' Gaussians are the GMM emission product (StoreFeature's [y², y] rows, GaussianBlock*), with column k·C + c
    // for Gaussian k of codebook c; then, with lanes over codebooks, each codebook's top N by an insertion network and
    // their floored shares; with lanes over states, the weighted sums multiplied over the streams; one log per state.

    /// <summary>
    /// Offers Gaussian <paramref name="component"/>'s <paramref name="score"/> (one per lane: lanes are codebooks) to the
    /// lanes' top-N tables: <paramref name="values"/> and <paramref name="indices"/> hold rank i of every lane at
    /// <c>topBase + i · laneStride</c>, best first (start them at −infinity). A score enters where it beats the rank above
    /// it, pushing the rest down; ties keep the earlier component. Branch-free: the same steps for every lane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InsertTopN<TL, TV, TM>(TM values, TM indices, int topBase, int laneStride, int n, TV score, TV component)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        // From the last rank up: rank i takes the rank above's entry where the score beats it, else the score where it
        // beats rank i, else keeps its own. The rank above is read before its own update (the next step).
        int at = topBase + (n - 1) * laneStride;
        TV value = l.Load(ref values[at]);
        TV index = l.Load(ref indices[at]);
        for (int i = n - 1; i > 0; i--, at -= laneStride)
        {
            TV above = l.Load(ref values[at - laneStride]);
            TV aboveIndex = l.Load(ref indices[at - laneStride]);
            TV beatsAbove = l.GreaterThan(score, above);
            TV beats = l.GreaterThan(score, value);
            l.Store(l.Select(beatsAbove, above, l.Select(beats, score, value)), ref values[at]);
            l.Store(l.Select(beatsAbove, aboveIndex, l.Select(beats, component, index)), ref indices[at]);
            value = above;
            index = aboveIndex;
        }
        TV first = l.GreaterThan(score, value);
        l.Store(l.Select(first, score, value), ref values[at]);
        l.Store(l.Select(first, component, index), ref indices[at]);
    }

    /// <summary>
    /// The top <paramref name="n"/> of a run of Gaussians, one register of lanes (codebooks) at a time: component k's scores
    /// are at <c>rowBase + k · componentStride</c>, and the lanes' tables (as <see cref="InsertTopN{TL, TV, TM}"/> keeps them,
    /// started at −infinity) at <paramref name="topBase"/> with <paramref name="laneStride"/> between ranks. Up to four
    /// ranks stay in registers across the components (the same network as <see cref="InsertTopN{TL, TV, TM}"/>, without a
    /// load and store per rank and component); more go through <see cref="InsertTopN{TL, TV, TM}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SelectTopN<TL, TV, TM>(TM scores, int rowBase, int componentStride, int components, TM values, TM indices, int topBase, int laneStride, int n)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        if (n > 4)
        {
            for (int k = 0; k < components; k++)
                InsertTopN<TL, TV, TM>(values, indices, topBase, laneStride, n, l.Load(ref scores[rowBase + k * componentStride]), l.Broadcast(k));
            return;
        }
        TV none = l.Broadcast(float.NegativeInfinity), zero = l.Broadcast(0f);
        TV v0 = l.Load(ref values[topBase]), i0 = l.Load(ref indices[topBase]);
        TV v1 = n > 1 ? l.Load(ref values[topBase + laneStride]) : none, i1 = n > 1 ? l.Load(ref indices[topBase + laneStride]) : zero;
        TV v2 = n > 2 ? l.Load(ref values[topBase + 2 * laneStride]) : none, i2 = n > 2 ? l.Load(ref indices[topBase + 2 * laneStride]) : zero;
        TV v3 = n > 3 ? l.Load(ref values[topBase + 3 * laneStride]) : none, i3 = n > 3 ? l.Load(ref indices[topBase + 3 * laneStride]) : zero;
        for (int k = 0; k < components; k++)
        {
            TV x = l.Load(ref scores[rowBase + k * componentStride]), c = l.Broadcast(k);
            TV g0 = l.GreaterThan(x, v0), g1 = l.GreaterThan(x, v1), g2 = l.GreaterThan(x, v2), g3 = l.GreaterThan(x, v3);
            // Rank i takes rank i-1's entry where the score beats it, else the score where it beats rank i (the network of InsertTopN).
            v3 = l.Select(g2, v2, l.Select(g3, x, v3)); i3 = l.Select(g2, i2, l.Select(g3, c, i3));
            v2 = l.Select(g1, v1, l.Select(g2, x, v2)); i2 = l.Select(g1, i1, l.Select(g2, c, i2));
            v1 = l.Select(g0, v0, l.Select(g1, x, v1)); i1 = l.Select(g0, i0, l.Select(g1, c, i1));
            v0 = l.Select(g0, x, v0); i0 = l.Select(g0, c, i0);
        }
        l.Store(v0, ref values[topBase]);
        l.Store(i0, ref indices[topBase]);
        if (n > 1) { l.Store(v1, ref values[topBase + laneStride]); l.Store(i1, ref indices[topBase + laneStride]); }
        if (n > 2) { l.Store(v2, ref values[topBase + 2 * laneStride]); l.Store(i2, ref indices[topBase + 2 * laneStride]); }
        if (n > 3) { l.Store(v3, ref values[topBase + 3 * laneStride]); l.Store(i3, ref indices[topBase + 3 * laneStride]); }
    }

    /// <summary>
    /// Top Gaussians' shares of their stream: <c>exp(max(score − best, −floor))</c>, with <paramref name="best"/> the
    /// stream's best Gaussian over all codebooks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV FlooredShare<TL, TV>(TV score, TV best, TV floor) where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        return l.Exp(l.Max(l.Subtract(score, best), l.Subtract(l.Broadcast(0f), floor)));
    }

    /// <summary>
    /// States <c>p0 .. p0+Count-1</c> (positions of one codebook's group) in one stream: <c>Σ_i w(k_i, p) · share_i</c> over the
    /// codebook's top <paramref name="n"/> Gaussians, whose component indices and shares are at <c>topBase + i · topStep</c>;
    /// <paramref name="weights"/> holds component k's row of linear weights at <c>weightBase + k · positions</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV StreamMixture<TL, TV, TM>(TM weights, int weightBase, int positions, TM indices, TM shares, int topBase, int topStep, int n, int p0)
        where TL : struct, ILane<TV> where TV : struct where TM : struct, IFloatMemory
    {
        var l = default(TL);
        TV sum = l.Broadcast(0f);
        for (int i = 0; i < n; i++)
        {
            int k = (int)indices[topBase + i * topStep];
            sum = l.MultiplyAdd(l.Load(ref weights[weightBase + k * positions + p0]), l.Broadcast(shares[topBase + i * topStep]), sum);
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

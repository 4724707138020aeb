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
            RankStep<TL, TV>(score, component, above, aboveIndex, ref value, ref index);
            l.Store(value, ref values[at]);
            l.Store(index, ref indices[at]);
            value = above;
            index = aboveIndex;
        }
        RankStep<TL, TV>(score, component, l.Broadcast(float.PositiveInfinity), index, ref value, ref index);
        l.Store(value, ref values[at]);
        l.Store(index, ref indices[at]);
    }

    /// <summary>
    /// One rank of the insertion network: the rank takes the rank above's entry where the score beats it, else the score
    /// where it beats the rank's own, else keeps its own (the best rank passes +infinity as the rank above).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RankStep<TL, TV>(TV score, TV component, TV above, TV aboveIndex, ref TV value, ref TV index)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        TV beatsAbove = l.GreaterThan(score, above);
        TV beats = l.GreaterThan(score, value);
        value = l.Select(beatsAbove, above, l.Select(beats, score, value));
        index = l.Select(beatsAbove, aboveIndex, l.Select(beats, component, index));
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
        TV none = l.Broadcast(float.NegativeInfinity), zero = l.Broadcast(0f), top = l.Broadcast(float.PositiveInfinity);
        TV v0 = l.Load(ref values[topBase]), i0 = l.Load(ref indices[topBase]);
        TV v1 = n > 1 ? l.Load(ref values[topBase + laneStride]) : none, i1 = n > 1 ? l.Load(ref indices[topBase + laneStride]) : zero;
        TV v2 = n > 2 ? l.Load(ref values[topBase + 2 * laneStride]) : none, i2 = n > 2 ? l.Load(ref indices[topBase + 2 * laneStride]) : zero;
        TV v3 = n > 3 ? l.Load(ref values[topBase + 3 * laneStride]) : none, i3 = n > 3 ? l.Load(ref indices[topBase + 3 * laneStride]) : zero;
        for (int k = 0; k < components; k++)
        {
            TV x = l.Load(ref scores[rowBase + k * componentStride]), c = l.Broadcast(k);
            // From the last rank up, each reading the rank above before its own step (the network of InsertTopN).
            RankStep<TL, TV>(x, c, v2, i2, ref v3, ref i3);
            RankStep<TL, TV>(x, c, v1, i1, ref v2, ref i2);
            RankStep<TL, TV>(x, c, v0, i0, ref v1, ref i1);
            RankStep<TL, TV>(x, c, top, i0, ref v0, ref i0);
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

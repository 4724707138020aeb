using Hmm.Primitives;
using Hmm.Simd;

namespace Hmm.Engine;

/// <summary>Pinned pointers to a <see cref="TiedMixtureTables"/>.</summary>
internal unsafe struct TiedMixturePointers
{
    public float* Means;
    public float* HalfPrecisions;
    public float* Constants;
    public float* Weights;
    public int* StreamOffsets;
    public int* GroupStart;
    public int* Position;
    public int Codebooks;
    public int Streams;
    public int Components;
    public int PaddedComponents;
    public int Dimension;
    public int TopN;
    public int Positions;
    public int States;
    public float Floor;
}

internal static unsafe partial class CpuPasses
{
    /// <summary>
    /// Tied-mixture emissions of <paramref name="length"/> frames into <paramref name="output"/> (rows <paramref name="stride"/>
    /// floats apart; columns past the states get −infinity): per stream, every codebook's Gaussians
    /// (<see cref="Definitions.CodebookScores{TL, TV, TM}"/>), its top N (<see cref="Definitions.InsertTopN{TM}"/>), their
    /// floored shares (<see cref="Definitions.FlooredShare{TL}"/>), the states' weighted sums multiplied over the streams
    /// (<see cref="Definitions.StreamMixture{TL, TV, TM}"/>), then one log per state
    /// (<see cref="Definitions.TiedMixtureLogLikelihood{TL, TV}"/>). <paramref name="scratch"/> holds
    /// <see cref="TiedMixtureTables.ScratchFloats"/> floats.
    /// </summary>
    [LaneDispatch]
    public static void TiedMixturePass<TL, TV>(float* frames, int length, TiedMixturePointers p, float* scratch, float* output, int stride)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        int count = l.Count, n = p.TopN, kp = p.PaddedComponents, d = p.Dimension, top = p.Codebooks * p.Streams * n;
        float* scores = scratch;
        float* topValues = scores + kp;
        float* topIndices = topValues + top;
        float* shares = topIndices + top;
        float* product = shares + top;
        float* logs = product + p.Positions;
        var scoreMemory = new CpuMemory(scores);
        var valueMemory = new CpuMemory(topValues);
        var indexMemory = new CpuMemory(topIndices);
        var shareMemory = new CpuMemory(shares);
        var means = new CpuMemory(p.Means);
        var halfPrecisions = new CpuMemory(p.HalfPrecisions);
        var constants = new CpuMemory(p.Constants);
        var weights = new CpuMemory(p.Weights);
        for (int t = 0; t < length; t++)
        {
            var x = new CpuMemory(frames + (long)t * d);
            float bestSum = 0f;
            for (int f = 0; f < p.Streams; f++)
            {
                int o = p.StreamOffsets[f], dims = p.StreamOffsets[f + 1] - o;
                float best = float.NegativeInfinity;
                for (int c = 0; c < p.Codebooks; c++)
                {
                    int topBase = (c * p.Streams + f) * n;
                    for (int i = 0; i < n; i++)
                    {
                        topValues[topBase + i] = float.NegativeInfinity;
                        topIndices[topBase + i] = 0f;
                    }
                    int tableBase = (c * d + o) * kp, constantBase = (c * p.Streams + f) * kp;
                    int k0 = 0;
                    for (; k0 + 4 * count <= kp; k0 += 4 * count)
                    {
                        Definitions.CodebookScores4<TL, TV, CpuMemory>(x, o, dims, means, halfPrecisions, tableBase, kp, constants, constantBase, k0,
                            out TV s0, out TV s1, out TV s2, out TV s3);
                        l.Store(s0, ref scores[k0]);
                        l.Store(s1, ref scores[k0 + count]);
                        l.Store(s2, ref scores[k0 + 2 * count]);
                        l.Store(s3, ref scores[k0 + 3 * count]);
                    }
                    for (; k0 < kp; k0 += count)
                        l.Store(Definitions.CodebookScores<TL, TV, CpuMemory>(x, o, dims, means, halfPrecisions, tableBase, kp, constants, constantBase, k0), ref scores[k0]);
                    // Most scores lose to the n-th best so far: compare with it in a register, insert the few that win.
                    float nth = float.NegativeInfinity;
                    for (int k = 0; k < p.Components; k++)
                    {
                        if (!(scores[k] > nth)) continue;
                        Definitions.InsertTopN(valueMemory, indexMemory, topBase, n, scores[k], k);
                        nth = topValues[topBase + n - 1];
                    }
                    if (topValues[topBase] > best) best = topValues[topBase];
                }
                bestSum += best;
                for (int i = 0; i < top; i++)
                    if ((i / n) % p.Streams == f) shares[i] = Definitions.FlooredShare<LaneScalar>(topValues[i], best, p.Floor);
                int weightBase = f * p.Components * p.Positions;
                for (int c = 0; c < p.Codebooks; c++)
                {
                    int topBase = (c * p.Streams + f) * n;
                    for (int p0 = p.GroupStart[c]; p0 < p.GroupStart[c + 1]; p0 += count)
                    {
                        TV v = Definitions.StreamMixture<TL, TV, CpuMemory>(weights, weightBase, p.Positions, indexMemory, shareMemory, topBase, n, p0);
                        l.Store(f == 0 ? v : l.Multiply(l.Load(ref product[p0]), v), ref product[p0]);
                    }
                }
            }
            TV offset = l.Broadcast(bestSum);
            for (int p0 = 0; p0 < p.Positions; p0 += count)
                l.Store(Definitions.TiedMixtureLogLikelihood<TL, TV>(l.Load(ref product[p0]), offset), ref logs[p0]);
            float* row = output + (long)t * stride;
            for (int s = 0; s < p.States; s++) row[s] = logs[p.Position[s]];
            for (int s = p.States; s < stride; s++) row[s] = float.NegativeInfinity;
        }
    }
}

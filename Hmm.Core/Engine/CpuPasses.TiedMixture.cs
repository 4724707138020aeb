using Hmm.Primitives;
using Hmm.Simd;

namespace Hmm.Engine;

/// <summary>Pinned pointers to a <see cref="TiedMixtureTables"/>.</summary>
internal unsafe struct TiedMixturePointers
{
    public float* GaussianWeights;
    public float* GaussianBias;
    public float* GaussianCenter;
    public float* Weights;
    public int* StreamOffsets;
    public int* GroupStart;
    public int* Position;
    public int GaussianColumns;
    public int ScoreStride;
    public int FeatureWidth;
    public int Codebooks;
    public int CodebookLanes;
    public int Streams;
    public int Components;
    public int Dimension;
    public int TopN;
    public int Positions;
    public int States;
    public float Floor;
}

internal static unsafe partial class CpuPasses
{
    /// <summary>
    /// <see cref="TiedMixturePass"/> over <paramref name="tables"/>, pinned for the call: the one entry of the CPU engine and
    /// the online decoder. <paramref name="scratch"/> holds at least <see cref="TiedMixtureTables.ScratchFloats"/> floats.
    /// </summary>
    public static void TiedMixture(SimdWidth width, TiedMixtureTables tables, float* frames, int length, float[] scratch, float* output, int stride)
    {
        fixed (float* gaussianWeights = tables.GaussianWeights)
        fixed (float* gaussianBias = tables.GaussianBias)
        fixed (float* gaussianCenter = tables.GaussianCenter)
        fixed (float* weights = tables.Weights)
        fixed (int* streams = tables.StreamOffsetsArray)
        fixed (int* groups = tables.GroupStart)
        fixed (int* positions = tables.Position)
        fixed (float* s = scratch)
        {
            var pointers = new TiedMixturePointers
            {
                GaussianWeights = gaussianWeights, GaussianBias = gaussianBias, GaussianCenter = gaussianCenter, Weights = weights,
                StreamOffsets = streams, GroupStart = groups, Position = positions, GaussianColumns = tables.GaussianColumns,
                ScoreStride = tables.ScoreStride, FeatureWidth = tables.FeatureWidth, Codebooks = tables.Codebooks,
                CodebookLanes = tables.CodebookLanes, Streams = tables.Streams, Components = tables.Components,
                Dimension = tables.Dimension, TopN = tables.TopN, Positions = tables.Positions, States = tables.States, Floor = tables.Floor,
            };
            TiedMixturePass(width, frames, length, pointers, s, output, stride);
        }
    }

    /// <summary>
    /// Tied-mixture emissions of <paramref name="length"/> frames into <paramref name="output"/> (rows <paramref name="stride"/>
    /// floats apart; columns past the states get −infinity). Per block of four frames and per stream, every codebook's
    /// Gaussians by the GMM emission product (<see cref="Definitions.StoreFeature{TL, TV, TM}"/>'s <c>[y², y]</c> rows times
    /// the stream's tables, <see cref="Definitions.GaussianBlock4x3{TL, TV, TM}"/>); then per frame, lanes over codebooks,
    /// each codebook's top N (<see cref="Definitions.InsertTopN{TL, TV, TM}"/>) and their floored shares
    /// (<see cref="Definitions.FlooredShare{TL, TV}"/>); lanes over states, the weighted sums multiplied over the streams
    /// (<see cref="Definitions.StreamMixture{TL, TV, TM}"/>), and one log per state (<see cref="Definitions.TiedMixtureLogLikelihood{TL, TV}"/>).
    /// <paramref name="scratch"/> holds <see cref="TiedMixtureTables.ScratchFloats"/> floats.
    /// </summary>
    [LaneDispatch]
    public static void TiedMixturePass<TL, TV>(float* frames, int length, TiedMixturePointers p, float* scratch, float* output, int stride)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        const int block = TiedMixtureTables.BlockFrames;
        int count = l.Count, n = p.TopN, d = p.Dimension, lanes = p.CodebookLanes, top = p.Streams * n * lanes, columns = p.GaussianColumns;
        float* features = scratch;
        float* scores = features + block * p.FeatureWidth;
        float* topValues = scores + block * p.ScoreStride;
        float* topIndices = topValues + block * top;
        float* shares = topIndices + block * top;
        float* best = shares + block * top;
        float* product = best + block * p.Streams;
        float* logs = product + p.Positions;
        var featureMemory = new CpuMemory(features);
        var scoreMemory = new CpuMemory(scores);
        var valueMemory = new CpuMemory(topValues);
        var indexMemory = new CpuMemory(topIndices);
        var shareMemory = new CpuMemory(shares);
        var weights = new CpuMemory(p.Weights);
        TV minusInfinity = l.Broadcast(float.NegativeInfinity), zero = l.Broadcast(0f), floor = l.Broadcast(p.Floor);
        int used = (p.Codebooks * p.Components + count - 1) / count * count;
        for (int t0 = 0; t0 < length; t0 += block)
        {
            int rows = System.Math.Min(block, length - t0);
            for (int f = 0; f < p.Streams; f++)
            {
                int o = p.StreamOffsets[f], dims = p.StreamOffsets[f + 1] - o, width = 2 * dims;
                for (int r = 0; r < rows; r++)
                    PrepareFeatures<TL, TV>(frames + (long)(t0 + r) * d + o, p.GaussianCenter + o, dims, features + r * width);
                var gaussianWeights = new CpuMemory(p.GaussianWeights + 2L * o * columns);
                var bias = new CpuMemory(p.GaussianBias + (long)f * columns);
                int c0 = 0;
                for (; c0 + 3 * count <= used; c0 += 3 * count)
                    Definitions.GaussianBlock4x3<TL, TV, CpuMemory>(featureMemory, width, gaussianWeights, bias, columns, c0, scoreMemory, p.ScoreStride);
                for (; c0 < used; c0 += count)
                    Definitions.GaussianBlock4x1<TL, TV, CpuMemory>(featureMemory, width, gaussianWeights, bias, columns, c0, scoreMemory, p.ScoreStride);
                for (int r = 0; r < rows; r++)
                {
                    int topBase = r * top + f * n * lanes;
                    for (int q = 0; q < n * lanes; q += count)
                    {
                        l.Store(minusInfinity, ref topValues[topBase + q]);
                        l.Store(zero, ref topIndices[topBase + q]);
                    }
                    // Lanes over codebooks: Gaussian k of codebooks b0.. is column k · C + b0.. (lanes past C read other columns,
                    // and their tables are never read).
                    for (int b0 = 0; b0 < p.Codebooks; b0 += count)
                        Definitions.SelectTopN<TL, TV, CpuMemory>(scoreMemory, r * p.ScoreStride + b0, p.Codebooks, p.Components, valueMemory, indexMemory,
                            topBase + b0, lanes, n);
                    float streamBest = float.NegativeInfinity;
                    for (int b = 0; b < p.Codebooks; b++)
                        if (topValues[topBase + b] > streamBest) streamBest = topValues[topBase + b];
                    best[r * p.Streams + f] = streamBest;
                }
            }
            for (int r = 0; r < rows; r++)
            {
                float bestSum = 0f;
                for (int f = 0; f < p.Streams; f++)
                {
                    bestSum += best[r * p.Streams + f];
                    TV streamBest = l.Broadcast(best[r * p.Streams + f]);
                    for (int q = r * top + f * n * lanes, end = q + n * lanes; q < end; q += count)
                        l.Store(Definitions.FlooredShare<TL, TV>(l.Load(ref topValues[q]), streamBest, floor), ref shares[q]);
                }
                for (int f = 0; f < p.Streams; f++)
                {
                    int weightBase = f * p.Components * p.Positions;
                    for (int b = 0; b < p.Codebooks; b++)
                    {
                        int topBase = r * top + f * n * lanes + b;
                        for (int p0 = p.GroupStart[b]; p0 < p.GroupStart[b + 1]; p0 += count)
                        {
                            TV v = Definitions.StreamMixture<TL, TV, CpuMemory>(weights, weightBase, p.Positions, indexMemory, shareMemory, topBase, lanes, n, p0);
                            l.Store(f == 0 ? v : l.Multiply(l.Load(ref product[p0]), v), ref product[p0]);
                        }
                    }
                }
                TV offset = l.Broadcast(bestSum);
                for (int p0 = 0; p0 < p.Positions; p0 += count)
                    l.Store(Definitions.TiedMixtureLogLikelihood<TL, TV>(l.Load(ref product[p0]), offset), ref logs[p0]);
                float* outputRow = output + (long)(t0 + r) * stride;
                for (int s = 0; s < p.States; s++) outputRow[s] = logs[p.Position[s]];
                for (int s = p.States; s < stride; s++) outputRow[s] = float.NegativeInfinity;
            }
        }
    }
}

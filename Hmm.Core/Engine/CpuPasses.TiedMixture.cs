using Hmm.Simd;

namespace Hmm.Engine;

/// <summary>Pinned pointers to a <see cref="TiedMixtureTables"/>.</summary>
internal unsafe struct TiedMixturePointers
{
    public float* GaussianWeights;
    public float* GaussianBias;
    public float* GaussianCenter;
    /// <summary>The Gaussian columns in use per stream (codebooks · padded components) and their padded count, the score row stride.</summary>
    public int GaussianColumns;
    public int GaussianPaddedColumns;
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
    public int FeatureWidth;
    public int ScoreStride;
    public float Floor;
}

internal static unsafe partial class CpuPasses
{
    /// <summary>
    /// The top <paramref name="n"/> of <paramref name="components"/> scores (<see cref="Definitions.InsertTopN{TM}"/> in order),
    /// scanning only those at or above <paramref name="threshold"/> (<see cref="Definitions.TopNThreshold{TM}"/>). A small
    /// method of its own: inside the pass's generic body the scan's loop kept its values in memory and ran five times slower.
    /// </summary>
    private static void SelectTopN(float* row, int components, float threshold, float* values, float* indices, int n)
    {
        var valueMemory = new CpuMemory(values);
        var indexMemory = new CpuMemory(indices);
        float nth = float.NegativeInfinity;
        for (int k = 0; k < components; k++)
        {
            float score = row[k];
            if (!(score >= threshold && score > nth)) continue;
            Definitions.InsertTopN(valueMemory, indexMemory, 0, n, score, k);
            nth = values[n - 1];
        }
    }

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
        fixed (int* streams = tables.StreamOffsets)
        fixed (int* groups = tables.GroupStart)
        fixed (int* positions = tables.Position)
        fixed (float* s = scratch)
        {
            var pointers = new TiedMixturePointers
            {
                GaussianWeights = gaussianWeights, GaussianBias = gaussianBias, GaussianCenter = gaussianCenter,
                GaussianColumns = tables.Codebooks * tables.PaddedComponents, GaussianPaddedColumns = tables.GaussianColumns,
                Weights = weights, StreamOffsets = streams, GroupStart = groups, Position = positions, Codebooks = tables.Codebooks,
                Streams = tables.Streams, Components = tables.Components, PaddedComponents = tables.PaddedComponents,
                Dimension = tables.Dimension, TopN = tables.TopN, Positions = tables.Positions, States = tables.States,
                FeatureWidth = tables.FeatureWidth, ScoreStride = tables.ScoreStride, Floor = tables.Floor,
            };
            TiedMixturePass(width, frames, length, pointers, s, output, stride);
        }
    }

    /// <summary>
    /// Tied-mixture emissions of <paramref name="length"/> frames into <paramref name="output"/> (rows <paramref name="stride"/>
    /// floats apart; columns past the states get −infinity). Per block of four frames and per stream, every codebook's
    /// Gaussians by the GMM emission product (<see cref="Definitions.StoreFeature{TL, TV, TM}"/>'s <c>[y², y]</c> rows times
    /// the stream's tables in <see cref="Definitions.GaussianBlock4x3{TL, TV, TM}"/> blocks); then per frame the top N of each
    /// codebook and stream (<see cref="Definitions.InsertTopN{TM}"/>), their floored shares
    /// (<see cref="Definitions.FlooredShare{TL}"/>), the states' weighted sums multiplied over the streams
    /// (<see cref="Definitions.StreamMixture{TL, TV, TM}"/>), and one log per state (<see cref="Definitions.TiedMixtureLogLikelihood{TL, TV}"/>).
    /// <paramref name="scratch"/> holds <see cref="TiedMixtureTables.ScratchFloats"/> floats.
    /// </summary>
    [LaneDispatch]
    public static void TiedMixturePass<TL, TV>(float* frames, int length, TiedMixturePointers p, float* scratch, float* output, int stride)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        const int block = TiedMixtureTables.BlockFrames;
        int count = l.Count, n = p.TopN, kp = p.PaddedComponents, d = p.Dimension, top = p.Codebooks * p.Streams * n;
        float* features = scratch;
        float* scores = features + block * p.FeatureWidth;
        float* topValues = scores + block * p.ScoreStride;
        float* topIndices = topValues + block * top;
        float* shares = topIndices + block * top;
        float* previous = shares + block * top;
        float* best = previous + top;
        float* product = best + block * p.Streams;
        float* logs = product + p.Positions;
        var featureMemory = new CpuMemory(features);
        var scoreMemory = new CpuMemory(scores);
        var valueMemory = new CpuMemory(topValues);
        var indexMemory = new CpuMemory(topIndices);
        var shareMemory = new CpuMemory(shares);
        var weights = new CpuMemory(p.Weights);
        for (int t0 = 0; t0 < length; t0 += block)
        {
            int rows = System.Math.Min(block, length - t0);
            for (int f = 0; f < p.Streams; f++)
            {
                int o = p.StreamOffsets[f], dims = p.StreamOffsets[f + 1] - o, width = 2 * dims, columns = p.GaussianPaddedColumns;
                for (int r = 0; r < rows; r++)
                    PrepareFeatures<TL, TV>(frames + (long)(t0 + r) * d + o, p.GaussianCenter + o, dims, features + r * width);
                var gaussianWeights = new CpuMemory(p.GaussianWeights + 2L * o * columns);
                var bias = new CpuMemory(p.GaussianBias + (long)f * columns);
                int used = (p.GaussianColumns + count - 1) / count * count, c0 = 0;
                for (; c0 + 3 * count <= used; c0 += 3 * count)
                    Definitions.GaussianBlock4x3<TL, TV, CpuMemory>(featureMemory, width, gaussianWeights, bias, columns, c0, scoreMemory, columns);
                for (; c0 < used; c0 += count)
                    Definitions.GaussianBlock4x1<TL, TV, CpuMemory>(featureMemory, width, gaussianWeights, bias, columns, c0, scoreMemory, columns);
                for (int r = 0; r < rows; r++)
                {
                    float streamBest = float.NegativeInfinity;
                    for (int c = 0; c < p.Codebooks; c++)
                    {
                        int topBase = r * top + (c * p.Streams + f) * n;
                        for (int i = 0; i < n; i++)
                        {
                            topValues[topBase + i] = float.NegativeInfinity;
                            topIndices[topBase + i] = 0f;
                        }
                        int rowBase = r * p.GaussianPaddedColumns + c * kp;
                        float* row = scores + rowBase;
                        // The previous frame's top N, scored on this frame, bound this frame's from below: the scan's test
                        // then fails for nearly every score (a branch the processor predicts) and the few above it are inserted.
                        float threshold = r > 0
                            ? Definitions.TopNThreshold(scoreMemory, rowBase, indexMemory, topBase - top, n, p.Components)
                            : Definitions.TopNThreshold(scoreMemory, rowBase, new CpuMemory(previous), (c * p.Streams + f) * n, n, p.Components);
                        SelectTopN(row, p.Components, threshold, topValues + topBase, topIndices + topBase, n);
                        if (r == rows - 1)
                            for (int i = 0; i < n; i++) previous[(c * p.Streams + f) * n + i] = topIndices[topBase + i];
                        if (topValues[topBase] > streamBest) streamBest = topValues[topBase];
                    }
                    best[r * p.Streams + f] = streamBest;
                }
            }
            for (int r = 0; r < rows; r++)
            {
                float bestSum = 0f;
                for (int f = 0; f < p.Streams; f++) bestSum += best[r * p.Streams + f];
                for (int i = 0; i < top; i++)
                    shares[r * top + i] = Definitions.FlooredShare<LaneScalar>(topValues[r * top + i], best[r * p.Streams + (i / n) % p.Streams], p.Floor);
                for (int f = 0; f < p.Streams; f++)
                {
                    int weightBase = f * p.Components * p.Positions;
                    for (int c = 0; c < p.Codebooks; c++)
                    {
                        int topBase = r * top + (c * p.Streams + f) * n;
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
                float* outputRow = output + (long)(t0 + r) * stride;
                for (int s = 0; s < p.States; s++) outputRow[s] = logs[p.Position[s]];
                for (int s = p.States; s < stride; s++) outputRow[s] = float.NegativeInfinity;
            }
        }
    }
}

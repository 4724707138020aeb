using System.Runtime.CompilerServices;
using Hmm.Engine;
using Hmm.Primitives;
using ILGPU;

namespace Hmm.Gpu.Kernels;

/// <summary>Inputs, scratch and output of the tied-mixture (PTM) emission kernels for one launch (see <see cref="TiedMixtureKernel"/>).</summary>
internal struct TiedMixtureParams
{
    /// <summary>[count, MaxLength, Dimension] features.</summary>
    public ArrayView<float> Features;
    /// <summary>[count] sequence lengths.</summary>
    public ArrayView<int> Lengths;
    /// <summary>The streams' Gaussian product weights (<see cref="TiedMixtureTables.GaussianWeights"/>).</summary>
    public ArrayView<float> GaussianWeights;
    /// <summary>The streams' Gaussian biases (<see cref="TiedMixtureTables.GaussianBias"/>).</summary>
    public ArrayView<float> GaussianBias;
    /// <summary>The streams' centres (<see cref="TiedMixtureTables.GaussianCenter"/>).</summary>
    public ArrayView<float> GaussianCenter;
    /// <summary>[stream][component][position] linear mixture weights.</summary>
    public ArrayView<float> Weights;
    /// <summary>[streams + 1] the first feature dimension of each stream, then the dimension.</summary>
    public ArrayView<int> StreamOffsets;
    /// <summary>[positions] the state at each position, −1 at a group's padding.</summary>
    public ArrayView<int> PositionState;
    /// <summary>[positions] the codebook of each position's group.</summary>
    public ArrayView<int> PositionCodebook;
    /// <summary>
    /// [frames, stream, TopN, CodebookLanes] the top scores of each codebook (lane) and stream, best first;
    /// <see cref="TiedMixtureKernel.Shares"/> turns them into floored shares in place.
    /// </summary>
    public ArrayView<float> TopValues;
    /// <summary>The same layout: their component indices (as floats, as the definitions keep them).</summary>
    public ArrayView<float> TopIndices;
    /// <summary>[frames] Σ over streams of the stream's best Gaussian.</summary>
    public ArrayView<float> BestSum;
    /// <summary>[count, MaxLength, Stride] log-likelihoods out; frames past a length and columns past the states get −infinity.</summary>
    public ArrayView<float> Output;
    public int MaxLength;
    /// <summary>The first frame (sequence-major, over the chunk's count · MaxLength) of this launch.</summary>
    public int FrameStart;
    /// <summary>Frames of this launch, from <see cref="FrameStart"/>.</summary>
    public int Frames;
    public int Codebooks;
    public int CodebookLanes;
    public int Streams;
    public int Components;
    public int Dimension;
    public int TopN;
    public int Positions;
    public int States;
    public int Stride;
    /// <summary>Gaussian columns per stream (<see cref="TiedMixtureTables.GaussianColumns"/>).</summary>
    public int GaussianColumns;
    /// <summary>max(Positions, Stride): the columns <see cref="TiedMixtureKernel.Mixtures"/> visits per frame.</summary>
    public int Columns;
    public float Floor;
}

/// <summary>
/// Float storage of a kernel addressed from a shifted origin: index i reads <c>view[i + shift]</c>. The Gaussian product's
/// block definition writes its four scores at <c>r · stride + column</c>; shifted by −column they land in a thread's own
/// four floats.
/// </summary>
internal readonly struct ShiftedMemory : IFloatMemory
{
    private readonly ArrayView<float> _view;
    private readonly int _shift;

    public ShiftedMemory(ArrayView<float> view, int shift)
    {
        _view = view;
        _shift = shift;
    }

    public ref float this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _view[index + _shift];
    }
}

/// <summary>
/// <see cref="Hmm.TiedMixtureEmissions"/> on the device, in three launches over the frames of a chunk (grid-stride loops,
/// 32-bit item indices: the host splits launches so that items stay below 2^31), each instantiating the definitions the
/// SIMD CPU engine's <c>CpuPasses.TiedMixturePass</c> instantiates, with <see cref="GpuLane"/> (a thread is one lane):
/// <list type="number">
/// <item><see cref="TopGaussians"/>: a thread per (codebook, stream, block of four frames), blocks fastest (a warp reads the
/// same Gaussian table entries): the four frames' <c>[y², y]</c> rows (<see cref="Definitions.StoreFeature{TL, TV, TM}"/>),
/// then for each of the codebook's Gaussians the GMM product's <see cref="Definitions.GaussianBlock4x1{TL, TV, TM}"/> (its
/// column k · C + c, four frames) and <see cref="Definitions.InsertTopN{TL, TV, TM}"/> into each frame's top-N table, all in
/// the thread's local memory; the tables go out to the frames' top-N rows at the end.</item>
/// <item><see cref="Shares"/>: a thread per frame: each stream's best over the codebooks, every top score's
/// <see cref="Definitions.FlooredShare{TL, TV}"/> (in place), and the sum of the streams' bests.</item>
/// <item><see cref="Mixtures"/>: a thread per (frame, position), positions fastest: <see cref="Definitions.StreamMixture{TL, TV, TM}"/>
/// multiplied over the streams and <see cref="Definitions.TiedMixtureLogLikelihood{TL, TV}"/>, written at the position's
/// state; the same threads write −infinity at columns past the states and at every column of frames past a sequence's length.</item>
/// </list>
/// </summary>
internal static class TiedMixtureKernel
{
    /// <summary>Frames per item of <see cref="TopGaussians"/> (the block definition's four rows).</summary>
    public const int BlockFrames = 4;

    /// <summary>The most top Gaussians per codebook and stream the device kernel keeps in a thread's local memory.</summary>
    public const int MaxTopN = 8;

    /// <summary>The widest stream (dimensions) the device kernel stages in a thread's local memory.</summary>
    public const int MaxStreamDimension = 32;

    private const int LocalFeatures = BlockFrames * 2 * MaxStreamDimension;

    /// <summary>Whether the device kernel takes <paramref name="tables"/> (top N and stream widths within its local arrays).</summary>
    public static bool Supports(TiedMixtureTables tables)
    {
        if (tables.TopN > MaxTopN) return false;
        for (int f = 0; f < tables.Streams; f++)
            if (tables.StreamOffsets[f + 1] - tables.StreamOffsets[f] > MaxStreamDimension) return false;
        return true;
    }

    /// <summary>Step 1: the top N Gaussians of every (codebook, stream, frame).</summary>
    public static void TopGaussians(TiedMixtureParams p)
    {
        int n = p.TopN, d = p.Dimension, lanes = p.CodebookLanes, top = p.Streams * n * lanes;
        int blocks = (p.Frames + BlockFrames - 1) / BlockFrames;
        int items = p.Codebooks * p.Streams * blocks, step = Grid.DimX * Group.DimX;
        // The thread's four [y², y] rows, four scores and four top-N tables live in its local memory (registers and L1):
        // the insertion network reads and writes its table for every Gaussian.
        var staged = LocalMemory.Allocate<float>(LocalFeatures + BlockFrames);
        var values = LocalMemory.Allocate<float>(BlockFrames * MaxTopN);
        var indices = LocalMemory.Allocate<float>(BlockFrames * MaxTopN);
        var features = new ShiftedMemory(staged, 0);
        var valueMemory = new ShiftedMemory(values, 0);
        var indexMemory = new ShiftedMemory(indices, 0);
        for (int i = Grid.IdxX * Group.DimX + Group.IdxX; i < items; i += step)
        {
            int pair = i / blocks, block = i - pair * blocks;
            int c = pair / p.Streams, f = pair - c * p.Streams;
            int frame0 = p.FrameStart + block * BlockFrames;
            int rows = System.Math.Min(BlockFrames, p.FrameStart + p.Frames - frame0);
            int o = p.StreamOffsets[f], dims = p.StreamOffsets[f + 1] - o, width = 2 * dims;
            for (int r = 0; r < BlockFrames; r++)
                for (int e = 0; e < dims; e++)
                {
                    float y = r < rows ? p.Features[(long)(frame0 + r) * d + o + e] - p.GaussianCenter[o + e] : 0f;
                    Definitions.StoreFeature<GpuLane, float, ShiftedMemory>(y, features, r * width, dims, e);
                }
            for (int q = 0; q < BlockFrames * MaxTopN; q++)
            {
                values[q] = float.NegativeInfinity;
                indices[q] = 0f;
            }
            var weights = new ShiftedMemory(p.GaussianWeights.SubView(2L * o * p.GaussianColumns), 0);
            var bias = new ShiftedMemory(p.GaussianBias.SubView((long)f * p.GaussianColumns), 0);
            for (int k = 0; k < p.Components; k++)
            {
                int column = k * p.Codebooks + c;
                Definitions.GaussianBlock4x1<GpuLane, float, ShiftedMemory>(features, width, weights, bias, p.GaussianColumns, column,
                    new ShiftedMemory(staged, LocalFeatures - column), 1);
                for (int r = 0; r < BlockFrames; r++)
                    Definitions.InsertTopN<GpuLane, float, ShiftedMemory>(valueMemory, indexMemory, r * MaxTopN, 1, n, staged[LocalFeatures + r], k);
            }
            for (int r = 0; r < rows; r++)
                for (int q = 0; q < n; q++)
                {
                    long at = (long)(frame0 + r) * top + (f * n + q) * lanes + c;
                    p.TopValues[at] = values[r * MaxTopN + q];
                    p.TopIndices[at] = indices[r * MaxTopN + q];
                }
        }
    }

    /// <summary>Step 2: per frame, each stream's best Gaussian over the codebooks, the floored shares (in place of the top scores) and the sum of the bests.</summary>
    public static void Shares(TiedMixtureParams p)
    {
        int n = p.TopN, lanes = p.CodebookLanes, top = p.Streams * n * lanes, step = Grid.DimX * Group.DimX;
        for (int i = Grid.IdxX * Group.DimX + Group.IdxX; i < p.Frames; i += step)
        {
            int frame = p.FrameStart + i;
            if (!Valid(p, frame)) continue;
            var values = p.TopValues.SubView((long)frame * top, top);
            float bestSum = 0f;
            for (int f = 0; f < p.Streams; f++)
            {
                float best = float.NegativeInfinity;
                for (int c = 0; c < p.Codebooks; c++)
                {
                    float v = values[f * n * lanes + c];
                    if (v > best) best = v;
                }
                bestSum += best;
                for (int q = 0; q < n; q++)
                    for (int c = 0; c < p.Codebooks; c++)
                    {
                        int at = (f * n + q) * lanes + c;
                        values[at] = Definitions.FlooredShare<GpuLane, float>(values[at], best, p.Floor);
                    }
            }
            p.BestSum[frame] = bestSum;
        }
    }

    /// <summary>Step 3: per (frame, position), the state's log-likelihood at its column; −infinity at padding columns and frames.</summary>
    public static void Mixtures(TiedMixtureParams p)
    {
        int n = p.TopN, lanes = p.CodebookLanes, top = p.Streams * n * lanes, w = p.Columns;
        int items = w * p.Frames, step = Grid.DimX * Group.DimX;
        var weights = new GpuMemory(p.Weights);
        int streamWeights = p.Components * p.Positions;
        for (int i = Grid.IdxX * Group.DimX + Group.IdxX; i < items; i += step)
        {
            int r = i / w;
            int column = i - r * w;
            int frame = p.FrameStart + r;
            long row = (long)frame * p.Stride;
            bool valid = Valid(p, frame);
            if (column < p.Stride && (!valid || column >= p.States)) p.Output[row + column] = float.NegativeInfinity;
            if (!valid || column >= p.Positions) continue;
            int state = p.PositionState[column];
            if (state < 0) continue;
            var shares = new GpuMemory(p.TopValues.SubView((long)frame * top, top));
            var indices = new GpuMemory(p.TopIndices.SubView((long)frame * top, top));
            int c = p.PositionCodebook[column];
            float product = 1f;
            for (int f = 0; f < p.Streams; f++)
            {
                float v = Definitions.StreamMixture<GpuLane, float, GpuMemory>(weights, f * streamWeights, p.Positions, indices, shares, f * n * lanes + c, lanes, n, column);
                product = f == 0 ? v : product * v;
            }
            p.Output[row + state] = Definitions.TiedMixtureLogLikelihood<GpuLane, float>(product, p.BestSum[frame]);
        }
    }

    /// <summary>Whether <paramref name="frame"/> (sequence-major over the chunk) lies inside its sequence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Valid(TiedMixtureParams p, int frame)
    {
        int b = frame / p.MaxLength;
        return frame - b * p.MaxLength < p.Lengths[b];
    }
}

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
    /// <summary>[codebook][feature dimension][padded component] means (TiedMixtureTables.Means).</summary>
    public ArrayView<float> Means;
    /// <summary>Same layout, 1 / (2σ²).</summary>
    public ArrayView<float> HalfPrecisions;
    /// <summary>[codebook][stream][padded component] −½ Σ log 2πσ², −infinity for padding components.</summary>
    public ArrayView<float> Constants;
    /// <summary>[stream][component][position] linear mixture weights.</summary>
    public ArrayView<float> Weights;
    /// <summary>[streams + 1] the first feature dimension of each stream, then the dimension.</summary>
    public ArrayView<int> StreamOffsets;
    /// <summary>[positions] the state at each position, −1 at a group's padding.</summary>
    public ArrayView<int> PositionState;
    /// <summary>[positions] the codebook of each position's group.</summary>
    public ArrayView<int> PositionCodebook;
    /// <summary>[frames, codebook, stream, TopN] the top scores of each codebook and stream, best first; <see cref="TiedMixtureKernel.Shares"/> turns them into floored shares in place.</summary>
    public ArrayView<float> TopValues;
    /// <summary>[frames, codebook, stream, TopN] their component indices (as floats, as the definitions keep them).</summary>
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
    public int Streams;
    public int Components;
    public int PaddedComponents;
    public int Dimension;
    public int TopN;
    public int Positions;
    public int States;
    public int Stride;
    /// <summary>max(Positions, Stride): the columns <see cref="TiedMixtureKernel.Mixtures"/> visits per frame.</summary>
    public int Columns;
    /// <summary>
    /// Floats of dynamic shared memory per thread of <see cref="TiedMixtureKernel.TopGaussians"/> holding its stream's
    /// features (the widest stream, made odd so that a warp's reads of one dimension fall in distinct banks), or 0 to read
    /// the features from global memory.
    /// </summary>
    public int FeaturePitch;
    public float Floor;
}

/// <summary>
/// <see cref="Hmm.TiedMixtureEmissions"/> on the device, in three launches over every frame of a chunk (grid-stride loops,
/// 32-bit item indices: the host splits launches so that items stay below 2^31), each instantiating the definitions
/// the SIMD CPU engine's <c>CpuPasses.TiedMixturePass</c> instantiates:
/// <list type="number">
/// <item><see cref="TopGaussians"/>: a thread per (codebook, stream, frame), frames fastest, so a warp reads the same
/// Gaussian tables (one transaction per load): the codebook's Gaussians four at a time
/// (<see cref="Definitions.CodebookScores4{TL, TV, TM}"/> with <see cref="GpuLane"/>: four chains share each feature load),
/// the best N kept by <see cref="Definitions.InsertTopN{TM}"/> in the thread's own slice of the scratch, the N-th held in a
/// register as the CPU pass does. The thread's stream features are copied once per item into its own slice of shared
/// memory: read from global memory, the 32 frames of a warp touch 32 cache lines on each of the K · D feature reads.</item>
/// <item><see cref="Shares"/>: a thread per frame: each stream's best over the codebooks, every top score's
/// <see cref="Definitions.FlooredShare{TL}"/> (in place), and the sum of the streams' bests.</item>
/// <item><see cref="Mixtures"/>: a thread per (frame, position), positions fastest (a warp reads adjacent weights of one
/// codebook's group): <see cref="Definitions.StreamMixture{TL, TV, TM}"/> multiplied over the streams and
/// <see cref="Definitions.TiedMixtureLogLikelihood{TL, TV}"/>, written at the position's state; the same threads write
/// −infinity at columns past the states and at every column of frames past a sequence's length.</item>
/// </list>
/// </summary>
internal static class TiedMixtureKernel
{
    /// <summary>Step 1: the top N Gaussians of every (codebook, stream, frame).</summary>
    public static void TopGaussians(TiedMixtureParams p)
    {
        int cf = p.Codebooks * p.Streams, n = p.TopN, kp = p.PaddedComponents, d = p.Dimension;
        int items = cf * p.Frames, step = Grid.DimX * Group.DimX;
        var means = new GpuMemory(p.Means);
        var halfPrecisions = new GpuMemory(p.HalfPrecisions);
        var constants = new GpuMemory(p.Constants);
        int pitch = p.FeaturePitch;
        var shared = SharedMemory.GetDynamic<float>();
        var staged = pitch > 0 ? shared.SubView(Group.IdxX * pitch, pitch) : shared;
        for (int i = Grid.IdxX * Group.DimX + Group.IdxX; i < items; i += step)
        {
            int pair = i / p.Frames;
            int frame = p.FrameStart + (i - pair * p.Frames);
            if (!Valid(p, frame)) continue;
            int c = pair / p.Streams, f = pair - c * p.Streams;
            long slice = (long)frame * cf * n;
            var values = new GpuMemory(p.TopValues.SubView(slice, cf * n));
            var indices = new GpuMemory(p.TopIndices.SubView(slice, cf * n));
            int topBase = pair * n;
            for (int r = 0; r < n; r++)
            {
                values[topBase + r] = float.NegativeInfinity;
                indices[topBase + r] = 0f;
            }
            int o = p.StreamOffsets[f], dims = p.StreamOffsets[f + 1] - o;
            GpuMemory x;
            int featureBase;
            if (pitch > 0)
            {
                // Only this thread reads its slice: no barrier.
                for (int j = 0; j < dims; j++) staged[j] = p.Features[(long)frame * d + o + j];
                x = new GpuMemory(staged);
                featureBase = 0;
            }
            else
            {
                x = new GpuMemory(p.Features.SubView((long)frame * d, d));
                featureBase = o;
            }
            int tableBase = (c * d + o) * kp, constantBase = pair * kp;
            float nth = float.NegativeInfinity;
            // PaddedComponents is a multiple of 16: whole blocks of four; padding components score −infinity and never enter.
            for (int k0 = 0; k0 < kp; k0 += 4)
            {
                Definitions.CodebookScores4<GpuLane, float, GpuMemory>(x, featureBase, dims, means, halfPrecisions, tableBase, kp, constants, constantBase, k0,
                    out float s0, out float s1, out float s2, out float s3);
                // Most scores lose to the N-th best so far: compare in a register, insert the few that win (in component order, as the CPU pass).
                if (s0 > nth && k0 < p.Components) nth = Insert(values, indices, topBase, n, s0, k0);
                if (s1 > nth && k0 + 1 < p.Components) nth = Insert(values, indices, topBase, n, s1, k0 + 1);
                if (s2 > nth && k0 + 2 < p.Components) nth = Insert(values, indices, topBase, n, s2, k0 + 2);
                if (s3 > nth && k0 + 3 < p.Components) nth = Insert(values, indices, topBase, n, s3, k0 + 3);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Insert(GpuMemory values, GpuMemory indices, int topBase, int n, float score, int component)
    {
        Definitions.InsertTopN(values, indices, topBase, n, score, component);
        return values[topBase + n - 1];
    }

    /// <summary>Step 2: per frame, each stream's best Gaussian over the codebooks, the floored shares (in place of the top scores) and the sum of the bests.</summary>
    public static void Shares(TiedMixtureParams p)
    {
        int cf = p.Codebooks * p.Streams, n = p.TopN, step = Grid.DimX * Group.DimX;
        for (int i = Grid.IdxX * Group.DimX + Group.IdxX; i < p.Frames; i += step)
        {
            int frame = p.FrameStart + i;
            if (!Valid(p, frame)) continue;
            var values = new GpuMemory(p.TopValues.SubView((long)frame * cf * n, cf * n));
            float bestSum = 0f;
            for (int f = 0; f < p.Streams; f++)
            {
                float best = float.NegativeInfinity;
                for (int c = 0; c < p.Codebooks; c++)
                {
                    float v = values[(c * p.Streams + f) * n];
                    if (v > best) best = v;
                }
                bestSum += best;
                for (int c = 0; c < p.Codebooks; c++)
                {
                    int topBase = (c * p.Streams + f) * n;
                    for (int r = 0; r < n; r++) values[topBase + r] = Definitions.FlooredShare<GpuLane>(values[topBase + r], best, p.Floor);
                }
            }
            p.BestSum[frame] = bestSum;
        }
    }

    /// <summary>Step 3: per (frame, position), the state's log-likelihood at its column; −infinity at padding columns and frames.</summary>
    public static void Mixtures(TiedMixtureParams p)
    {
        int cf = p.Codebooks * p.Streams, n = p.TopN, w = p.Columns;
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
            long slice = (long)frame * cf * n;
            var shares = new GpuMemory(p.TopValues.SubView(slice, cf * n));
            var indices = new GpuMemory(p.TopIndices.SubView(slice, cf * n));
            int c = p.PositionCodebook[column];
            float product = 1f;
            for (int f = 0; f < p.Streams; f++)
            {
                float v = Definitions.StreamMixture<GpuLane, float, GpuMemory>(weights, f * streamWeights, p.Positions, indices, shares, (c * p.Streams + f) * n, n, column);
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

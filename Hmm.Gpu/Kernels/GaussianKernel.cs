using System.Runtime.CompilerServices;
using Hmm.Engine;
using Hmm.Primitives;
using ILGPU;
using ILGPU.Runtime;

namespace Hmm.Gpu.Kernels;

/// <summary>Inputs and outputs of the GMM emission kernel for one launch.</summary>
internal struct GaussianParams
{
    /// <summary>[count, MaxLength, Dimension] features.</summary>
    public ArrayView<float> Features;
    /// <summary>[count, MaxLength, Dimension] centred features y = x - center in binary16, read instead of <see cref="Features"/> when <see cref="HalfInput"/> is 1.</summary>
    public ArrayView<ILGPU.Half> HalfFeatures;
    /// <summary>1: read <see cref="HalfFeatures"/> (already centred); 0: read <see cref="Features"/> and subtract <see cref="Center"/>.</summary>
    public int HalfInput;
    /// <summary>[count] sequence lengths.</summary>
    public ArrayView<int> Lengths;
    /// <summary>[2D, PaddedColumns] (GmmTables.Weights).</summary>
    public ArrayView<float> Weights;
    /// <summary>[PaddedColumns] (GmmTables.Bias).</summary>
    public ArrayView<float> Bias;
    /// <summary>[D] (GmmTables.Center).</summary>
    public ArrayView<float> Center;
    /// <summary>[count, MaxLength, Stride] emission log-likelihoods out; frames past a length get -inf.</summary>
    public ArrayView<float> Output;
    public int MaxLength;
    public int Dimension;
    public int States;
    public int Components;
    public int PaddedColumns;
    public int RowStride;
    public int Stride;
    /// <summary>Component columns per thread block: 2 (<see cref="Definitions.GaussianBlock4x2{TL, TV, TM}"/>, the default) or 3 (<see cref="Definitions.GaussianBlock4x3{TL, TV, TM}"/>, a benchmark variant).</summary>
    public int BlockColumns;
    /// <summary>Frames per group (a multiple of 4).</summary>
    public int TileFrames;
    /// <summary>count · MaxLength.</summary>
    public int FrameCount;
}

/// <summary>
/// GMM emissions for all frames at once: a group takes a tile of frames, stages their <c>[y², y]</c> features in
/// shared memory, runs <see cref="Definitions.GaussianBlock4x3{TL, TV, TM}"/> or
/// <see cref="Definitions.GaussianBlock4x2{TL, TV, TM}"/> (four frames by three or two component columns per thread) into a shared component tile, then <see cref="Definitions.MixtureLogSumExp{TL, TV, TM}"/>
/// per (frame, state).
/// </summary>
internal static class GaussianKernel
{
    public static int SharedFloats(int tileFrames, int dimension, int rowStride) => tileFrames * (2 * dimension + rowStride + 1);

    /// <summary><see cref="Run"/> compiled for one GMM shape (dimension, columns, components, states, stride as constants).</summary>
    public static void RunSpecialized(GaussianParams p, SpecializedValue<int> dimension, SpecializedValue<int> paddedColumns, SpecializedValue<int> rowStride,
        SpecializedValue<int> components, SpecializedValue<int> states, SpecializedValue<int> stride, SpecializedValue<int> blockColumns)
    {
        p.BlockColumns = blockColumns.Value;
        p.Dimension = dimension.Value;
        p.PaddedColumns = paddedColumns.Value;
        p.RowStride = rowStride.Value;
        p.Components = components.Value;
        p.States = states.Value;
        p.Stride = stride.Value;
        Run(p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(GaussianParams p)
    {
        int tid = Group.IdxX, threads = Group.DimX;
        int tile = p.TileFrames, d = p.Dimension, width = 2 * d;
        long f0 = (long)Grid.IdxX * tile;
        var shared = SharedMemory.GetDynamic<float>();
        var features = shared.SubView(0, tile * width);
        var components = shared.SubView(tile * width, tile * p.RowStride);
        // 1 where the tile's frame lies inside its sequence (computed once: the checks divide by MaxLength).
        var valid = shared.SubView(tile * (width + p.RowStride), tile);
        for (int r = tid; r < tile; r += threads) valid[r] = Valid(p, f0 + r) ? 1f : 0f;
        Group.Barrier();

        // [y², y] with y = x - center (the expansion GmmTables is built for); frames outside a sequence read 0.
        // Half input arrives centred (HalfFeatures.Encode): only the load widens, the arithmetic stays float32.
        int items = tile * d;
        for (int i = tid; i < items; i += threads)
        {
            int r = i / d, e = i - r * d;
            long f = f0 + r;
            float y = 0f;
            if (valid[r] != 0f) y = p.HalfInput != 0 ? (float)p.HalfFeatures[f * d + e] : p.Features[f * d + e] - p.Center[e];
            Definitions.StoreFeature<GpuLane, float, GpuMemory>(y, new GpuMemory(features), r * width, d, e);
        }
        Group.Barrier();

        var weights = new GpuMemory(p.Weights);
        var bias = new GpuMemory(p.Bias);
        int perBlock = p.BlockColumns, groups = p.PaddedColumns / perBlock, blocks = tile / 4;
        int work = blocks * groups;
        for (int w = tid; w < work; w += threads)
        {
            int block = w / groups;
            int c0 = perBlock * (w - block * groups);
            int rb = 4 * block;
            if (valid[rb] + valid[rb + 1] + valid[rb + 2] + valid[rb + 3] == 0f) continue; // padding frames only
            var frameBlock = new GpuMemory(features.SubView(block * 4 * width));
            var out4 = new GpuMemory(components.SubView(block * 4 * p.RowStride));
            if (perBlock == 3)
                Definitions.GaussianBlock4x3<GpuLane, float, GpuMemory>(frameBlock, width, weights, bias, p.PaddedColumns, c0, out4, p.RowStride);
            else
                Definitions.GaussianBlock4x2<GpuLane, float, GpuMemory>(frameBlock, width, weights, bias, p.PaddedColumns, c0, out4, p.RowStride);
        }
        Group.Barrier();

        var comps = new GpuMemory(components);
        int outputs = tile * p.Stride;
        for (int i = tid; i < outputs; i += threads)
        {
            int r = i / p.Stride, j = i - r * p.Stride;
            long f = f0 + r;
            if (f >= p.FrameCount) continue;
            p.Output[f * p.Stride + j] = valid[r] != 0f
                ? Definitions.MixtureLogSumExp<GpuLane, float, GpuMemory>(comps, r * p.RowStride, p.Components, p.States, j)
                : float.NegativeInfinity;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Valid(GaussianParams p, long frame)
    {
        if (frame >= p.FrameCount) return false;
        int f = (int)frame; // FrameCount < 2^31: a batch's features fit one array
        int b = f / p.MaxLength;
        return f - b * p.MaxLength < p.Lengths[b];
    }
}

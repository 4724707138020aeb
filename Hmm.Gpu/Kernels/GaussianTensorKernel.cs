using System.Runtime.CompilerServices;
using Hmm.Engine;
using Hmm.Primitives;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Hmm.Gpu.Kernels;

/// <summary>
/// GMM emissions on tensor cores (CUDA, SM 8.0 and later): the product <c>[frames × 2D] · [2D × columns]</c> that
/// <see cref="Definitions.GaussianBlock4x2{TL, TV, TM}"/> computes with FMAs (rows <c>[y², y]</c>, the weights and bias of
/// <c>GmmTables</c>) runs as <c>mma.sync.m16n8k8</c> TF32 products in the split "3xTF32" form, then
/// <see cref="Definitions.MixtureLogSumExp{TL, TV, TM}"/> per (frame, state) as in <see cref="GaussianKernel"/>.
/// </summary>
/// <remarks>
/// <para><b>Precision.</b> TF32 keeps 10 fraction bits, so each operand is split as x = big + small with big = tf32(x)
/// (round to nearest, ties away) and small = tf32(x - big); the product is big·big + big·small + small·big (the dropped
/// small·small and the rounding of small are below 2^-21 of |x·w|), accumulated in float32 by the tensor core. Each
/// term of the 2D-term sum therefore carries a relative error of a few 2^-22, the same order as the float32 FMA chain's
/// own rounding (the tests hold both to the same tolerance against the float64 reference). TF32 has float32's exponent
/// range, so no scaling is needed.</para>
/// <para><b>Layout.</b> A warp computes 16 frames × all columns: lane (g = lane / 4, t = lane % 4) holds rows g and g + 8
/// and feature columns t and t + 4 of each 8-wide k block (the m16n8k8 A fragment), and the accumulators of columns
/// 2t, 2t + 1 of one 8-column tile at a time; the k loop of a tile is one inline-PTX statement (see <c>TileHead</c>). One
/// load of x feeds both halves of the expansion: the y² block (weight rows d) and the y block (weight rows D + d). The weights are uploaded once per model in fragment order, split in
/// advance (<see cref="Pack"/>): eight floats per (k block, tile, lane). Accumulators go to a per-warp component tile
/// in shared memory, and the mixture's log-sum-exp reads it, so the epilogue is the FMA kernel's.</para>
/// <para><b>Definitions in PTX.</b> The centring and the <c>[y², y]</c> expansion (<see cref="Definitions.StoreFeature{TL, TV, TM}"/>)
/// happen inside the inline-PTX tile loop, which cannot call a C# definition: the tensor-core suites hold this kernel's
/// emissions to the FMA kernel's, which calls it, and to the float64 reference.</para>
/// </remarks>
internal static class GaussianTensorKernel
{
    /// <summary>
    /// Device addresses the inline PTX loads from, taken on the host (ILGPU 1.5.3 cannot turn a view into an address inside a
    /// kernel): the float32 or binary16 features, the centre, the packed weights and the packed bias.
    /// </summary>
    public struct TensorAddresses
    {
        public long Features, HalfFeatures, Center, Packed, PackedBias;
    }

    /// <summary>Frames per warp (the MMA's M).</summary>
    public const int WarpFrames = 16;

    /// <summary>Floats per (k block, tile, lane) in the packed weights.</summary>
    public const int PackedPerLane = 8;

    /// <summary>Shared floats per warp for <paramref name="columns"/> = N·K: its component tile and the validity of its 16 frames.</summary>
    public static int SharedFloatsPerWarp(int columns) => WarpFrames * TilePitch(columns) + WarpFrames;

    /// <summary>
    /// Floats between frames of a warp's component tile: the tiles' columns rounded up to ≡ 8 (mod 32), so that a store of
    /// column pairs by the 32 lanes (rows g = 0..7, columns 2t, 2t + 1) falls in two wavefronts without bank conflicts.
    /// </summary>
    public static int TilePitch(int columns)
    {
        int pitch = 8 * Tiles(columns);
        while (pitch % 32 != 8) pitch += 8;
        return pitch;
    }

    /// <summary>Column tiles for <paramref name="columns"/> = N·K columns.</summary>
    public static int Tiles(int columns) => (columns + 7) / 8;

    /// <summary>k blocks (of 8 dimensions) for dimension <paramref name="d"/>.</summary>
    public static int KBlocks(int d) => (d + 7) / 8;

    /// <summary>
    /// The weights in fragment order, split for 3xTF32: for k block kb, tile n and lane (g, t), eight floats
    /// [y² big at rows d0 + t, d0 + t + 4; y² small (same rows); y big at rows D + d0 + t, D + d0 + t + 4; y small], column
    /// 8n + g; rows past D and columns past N·K are 0.
    /// </summary>
    public static float[] Pack(float[] weights, int d, int columns, int paddedColumns)
    {
        int kBlocks = KBlocks(d), tiles = Tiles(columns);
        var packed = new float[kBlocks * tiles * 32 * PackedPerLane];
        for (int kb = 0; kb < kBlocks; kb++)
            for (int n = 0; n < tiles; n++)
                for (int lane = 0; lane < 32; lane++)
                {
                    int g = lane >> 2, t = lane & 3, c = 8 * n + g;
                    int o = ((kb * tiles + n) * 32 + lane) * PackedPerLane;
                    for (int half = 0; half < 2; half++)
                    {
                        int row = 8 * kb + t + 4 * half;
                        float square = row < d && c < columns ? weights[row * paddedColumns + c] : 0f;
                        float linear = row < d && c < columns ? weights[(d + row) * paddedColumns + c] : 0f;
                        float squareBig = RoundToTf32(square), linearBig = RoundToTf32(linear);
                        packed[o + half] = squareBig;
                        packed[o + 2 + half] = RoundToTf32(square - squareBig);
                        packed[o + 4 + half] = linearBig;
                        packed[o + 6 + half] = RoundToTf32(linear - linearBig);
                    }
                }
        return packed;
    }

    /// <summary>The bias per column tile, columns past N·K 0.</summary>
    public static float[] PackBias(float[] bias, int columns)
    {
        var packed = new float[Tiles(columns) * 8];
        for (int c = 0; c < columns; c++) packed[c] = bias[c];
        return packed;
    }

    /// <summary>Host twin of <c>cvt.rna.tf32.f32</c>: keep 10 fraction bits, round to nearest with ties away from zero.</summary>
    public static float RoundToTf32(float x)
    {
        uint bits = System.BitConverter.SingleToUInt32Bits(x);
        if ((bits & 0x7F800000u) == 0x7F800000u) return x; // inf / NaN stay
        bits = (bits + 0x1000u) & 0xFFFFE000u;
        return System.BitConverter.UInt32BitsToSingle(bits);
    }

    /// <summary><see cref="Run"/> compiled for one GMM shape.</summary>
    public static void RunSpecialized(GaussianParams p, TensorAddresses a,
        SpecializedValue<int> dimension, SpecializedValue<int> columns, SpecializedValue<int> rowStride,
        SpecializedValue<int> components, SpecializedValue<int> states, SpecializedValue<int> stride)
    {
        p.Dimension = dimension.Value;
        p.PaddedColumns = columns.Value; // here: N·K (the tiles cover it)
        p.RowStride = rowStride.Value;
        p.Components = components.Value;
        p.States = states.Value;
        p.Stride = stride.Value;
        Run(p, a);
    }

    /// <summary>One warp = 16 frames; <see cref="GaussianParams.PaddedColumns"/> carries N·K here.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(GaussianParams p, TensorAddresses a)
    {
        int lane = Warp.LaneIdx, warp = Warp.WarpIdx;
        int warps = Group.DimX / Warp.WarpSize;
        long f0 = ((long)Grid.IdxX * warps + warp) * WarpFrames;
        int perWarp = SharedFloatsPerWarp(p.PaddedColumns), pitch = TilePitch(p.PaddedColumns);
        var shared = SharedMemory.GetDynamic<float>().SubView((long)warp * perWarp, perWarp);
        var comps = shared.SubView(0, WarpFrames * pitch);
        var valid = shared.SubView(WarpFrames * pitch, WarpFrames);
        if (lane < WarpFrames) valid[lane] = Valid(p, f0 + lane) ? 1f : 0f;
        Warp.Barrier();

        int g = lane >> 2, t = lane & 3, d = p.Dimension;
        int valid0 = valid[g] != 0f ? 1 : 0, valid1 = valid[g + 8] != 0f ? 1 : 0;
        // A row's address is only dereferenced for a valid frame (the loads are predicated), so invalid rows point at 0.
        long row0 = valid0 != 0 ? (f0 + g) * d : 0, row1 = valid1 != 0 ? (f0 + g + 8) * d : 0;
        bool half = p.HalfInput != 0;
        long x0 = half ? a.HalfFeatures + 2 * row0 : a.Features + 4 * row0;
        long x1 = half ? a.HalfFeatures + 2 * row1 : a.Features + 4 * row1;
        int tiles = Tiles(p.PaddedColumns), kBlocks = KBlocks(d);
        long blockBytes = (long)tiles * 32 * PackedPerLane * sizeof(float);
        // The component tile's byte offset in the dynamic allocation (the inline PTX stores through __dyn_shared_alloca).
        long tileBytes = 4L * ((long)warp * perWarp + g * pitch);
        for (int n = 0; n < tiles; n += 2)
        {
            bool pair = n + 1 < tiles; // uniform across the warp
            int c = 8 * n + 2 * t;
            Input<long> rowA = x0, rowB = x1, centre = a.Center, weights = a.Packed + 4 * (((long)n * 32 + lane) * PackedPerLane), step = blockBytes;
            Input<int> blocks = kBlocks, dimension = d, column = t, validA = valid0, validB = valid1;
            Input<long> bias = a.PackedBias + 4L * c, slot = tileBytes + 4L * c, rows8 = 32L * pitch;
            if (half && pair)
                CudaAsm.EmitRef(HalfTwoTiles, ref rowA, ref rowB, ref centre, ref weights, ref step, ref blocks, ref dimension, ref column, ref validA, ref validB,
                    ref bias, ref slot, ref rows8);
            else if (half)
                CudaAsm.EmitRef(HalfOneTile, ref rowA, ref rowB, ref centre, ref weights, ref step, ref blocks, ref dimension, ref column, ref validA, ref validB,
                    ref bias, ref slot, ref rows8);
            else if (pair)
                CudaAsm.EmitRef(SingleTwoTiles, ref rowA, ref rowB, ref centre, ref weights, ref step, ref blocks, ref dimension, ref column, ref validA, ref validB,
                    ref bias, ref slot, ref rows8);
            else
                CudaAsm.EmitRef(SingleOneTile, ref rowA, ref rowB, ref centre, ref weights, ref step, ref blocks, ref dimension, ref column, ref validA, ref validB,
                    ref bias, ref slot, ref rows8);
        }
        Warp.Barrier();

        var components = new GpuMemory(comps);
        int outputs = WarpFrames * p.Stride;
        for (int i = lane; i < outputs; i += Warp.WarpSize)
        {
            int r = i / p.Stride, j = i - r * p.Stride;
            long f = f0 + r;
            if (f >= p.FrameCount) continue;
            p.Output[f * p.Stride + j] = valid[r] != 0f
                ? Definitions.MixtureLogSumExp<GpuLane, float, GpuMemory>(components, r * pitch, p.Components, p.States, j)
                : float.NegativeInfinity;
        }
    }

    // The k loop of one or two 8-column tiles, in PTX: ILGPU 1.5.3 passes every inline-assembly operand through local
    // memory (a store and a load per operand), so one statement per MMA ran 8x slower than the FMA kernel; one statement
    // per tile pair keeps the k loop, the feature loads, the splits and the weight loads in registers, and shares the split
    // features between the two tiles. All operands are inputs (each crosses local memory once): %0/%1 the addresses of rows
    // g and g + 8, %2 the centre, %3 the lane's packed weights of the first tile at k block 0 (the second tile's are 1,024
    // bytes on), %4 bytes between k blocks, %5 k blocks, %6 D, %7 t, %8/%9 whether rows g and g + 8 are valid frames, %10
    // the packed bias at the lane's first column, %11 the byte offset in dynamic shared memory of the lane's (g, column)
    // slot of the warp's component tile, %12 the bytes between rows g and g + 8 of it. The accumulators start at the bias,
    // stay in registers and are stored to the component tile at the end (returning them through local memory and storing
    // them from C# made the kernel bound by L1: 3.9-way bank conflicts and scattered local accesses, Nsight Compute, GPU-NOTES.md).
    // Labels are local to the braces.
    //
    // Each k block sums into two fresh fragments per tile (y² and y: independent chains whose first MMA reads a zero C) that are then added to the
    // running sum with round-to-nearest adds: the tensor core's own float32 accumulation truncates, and accumulating all
    // 120 products of a tile into the running sum measured 1.8e-6 of a decode's log-likelihood (H100). Small terms first.
    private const string TileHead =
        "{\n" +
        ".reg .pred v0, v1, i0, i1, p00, p10, p01, p11, more;\n" +
        ".reg .u32 k, e0, e1;\n" +
        ".reg .u64 w, o0, o1, a, r0, r1, cp, bb, sc, sd;\n" +
        ".reg .f32 acc<8>;\n" +
        ".reg .f32 c0, c1, y00, y10, y01, y11, q00, q10, q01, q11, f, z, s<4>, l<4>;\n" +
        ".reg .b16 h;\n" +
        ".reg .b32 yb<4>, ys<4>, qb<4>, qs<4>, sb<2>, ss<2>, lb<2>, ls<2>;\n" +
        "setp.ne.u32 v0, %8, 0;\n" +
        "setp.ne.u32 v1, %9, 0;\n" +
        "cvta.to.global.u64 w, %3;\n" +
        "cvta.to.global.u64 r0, %0;\n" +
        "cvta.to.global.u64 r1, %1;\n" +
        "cvta.to.global.u64 cp, %2;\n" +
        "cvta.to.global.u64 bb, %10;\n" +
        "ld.global.nc.v2.f32 {acc0, acc1}, [bb];\n" +
        "mov.f32 acc2, acc0;\n" +
        "mov.f32 acc3, acc1;\n";

    // The second tile's bias (columns 8 on); the one-tile form must not read it (past the packed bias).
    private const string BiasSecond =
        "ld.global.nc.v2.f32 {acc4, acc5}, [bb+32];\n" +
        "mov.f32 acc6, acc4;\n" +
        "mov.f32 acc7, acc5;\n";

    private const string LoopHead =
        "mov.u32 k, 0;\n" +
        "mov.f32 z, 0f00000000;\n" +
        "mov.u32 e0, %7;\n" +
        "LOOP:\n" +
        "add.u32 e1, e0, 4;\n" +
        "setp.lt.u32 i0, e0, %6;\n" +
        "setp.lt.u32 i1, e1, %6;\n" +
        "and.pred p00, v0, i0;\n" +
        "and.pred p10, v1, i0;\n" +
        "and.pred p01, v0, i1;\n" +
        "and.pred p11, v1, i1;\n" +
        "mov.f32 y00, 0f00000000;\n" +
        "mov.f32 y10, 0f00000000;\n" +
        "mov.f32 y01, 0f00000000;\n" +
        "mov.f32 y11, 0f00000000;\n";

    // Float32 features: y = x - centre.
    private const string SingleLoads =
        "mul.wide.u32 o0, e0, 4;\n" +
        "mul.wide.u32 o1, e1, 4;\n" +
        "mov.f32 c0, 0f00000000;\n" +
        "mov.f32 c1, 0f00000000;\n" +
        "add.u64 a, cp, o0;\n" +
        "@i0 ld.global.nc.f32 c0, [a];\n" +
        "add.u64 a, cp, o1;\n" +
        "@i1 ld.global.nc.f32 c1, [a];\n" +
        "add.u64 a, r0, o0;\n" +
        "@p00 ld.global.nc.f32 y00, [a];\n" +
        "add.u64 a, r1, o0;\n" +
        "@p10 ld.global.nc.f32 y10, [a];\n" +
        "add.u64 a, r0, o1;\n" +
        "@p01 ld.global.nc.f32 y01, [a];\n" +
        "add.u64 a, r1, o1;\n" +
        "@p11 ld.global.nc.f32 y11, [a];\n" +
        "@p00 sub.f32 y00, y00, c0;\n" +
        "@p10 sub.f32 y10, y10, c0;\n" +
        "@p01 sub.f32 y01, y01, c1;\n" +
        "@p11 sub.f32 y11, y11, c1;\n";

    // Binary16 features, already centred (HalfFeatures.Encode): widen only.
    private const string HalfLoads =
        "mul.wide.u32 o0, e0, 2;\n" +
        "mul.wide.u32 o1, e1, 2;\n" +
        "add.u64 a, r0, o0;\n" +
        "@p00 ld.global.nc.b16 h, [a];\n" +
        "@p00 cvt.f32.f16 y00, h;\n" +
        "add.u64 a, r1, o0;\n" +
        "@p10 ld.global.nc.b16 h, [a];\n" +
        "@p10 cvt.f32.f16 y10, h;\n" +
        "add.u64 a, r0, o1;\n" +
        "@p01 ld.global.nc.b16 h, [a];\n" +
        "@p01 cvt.f32.f16 y01, h;\n" +
        "add.u64 a, r1, o1;\n" +
        "@p11 ld.global.nc.b16 h, [a];\n" +
        "@p11 cvt.f32.f16 y11, h;\n";

    // [y², y] fragments split big + small (tf32(x), tf32(x - big)).
    private const string Split =
        "mul.f32 q00, y00, y00;\n" +
        "mul.f32 q10, y10, y10;\n" +
        "mul.f32 q01, y01, y01;\n" +
        "mul.f32 q11, y11, y11;\n" +
        "cvt.rna.tf32.f32 yb0, y00;\n" +
        "mov.b32 f, yb0;\n" +
        "sub.f32 f, y00, f;\n" +
        "cvt.rna.tf32.f32 ys0, f;\n" +
        "cvt.rna.tf32.f32 yb1, y10;\n" +
        "mov.b32 f, yb1;\n" +
        "sub.f32 f, y10, f;\n" +
        "cvt.rna.tf32.f32 ys1, f;\n" +
        "cvt.rna.tf32.f32 yb2, y01;\n" +
        "mov.b32 f, yb2;\n" +
        "sub.f32 f, y01, f;\n" +
        "cvt.rna.tf32.f32 ys2, f;\n" +
        "cvt.rna.tf32.f32 yb3, y11;\n" +
        "mov.b32 f, yb3;\n" +
        "sub.f32 f, y11, f;\n" +
        "cvt.rna.tf32.f32 ys3, f;\n" +
        "cvt.rna.tf32.f32 qb0, q00;\n" +
        "mov.b32 f, qb0;\n" +
        "sub.f32 f, q00, f;\n" +
        "cvt.rna.tf32.f32 qs0, f;\n" +
        "cvt.rna.tf32.f32 qb1, q10;\n" +
        "mov.b32 f, qb1;\n" +
        "sub.f32 f, q10, f;\n" +
        "cvt.rna.tf32.f32 qs1, f;\n" +
        "cvt.rna.tf32.f32 qb2, q01;\n" +
        "mov.b32 f, qb2;\n" +
        "sub.f32 f, q01, f;\n" +
        "cvt.rna.tf32.f32 qs2, f;\n" +
        "cvt.rna.tf32.f32 qb3, q11;\n" +
        "mov.b32 f, qb3;\n" +
        "sub.f32 f, q11, f;\n" +
        "cvt.rna.tf32.f32 qs3, f;\n";

    private const string FirstTile =
        "ld.global.nc.v4.b32 {sb0, sb1, ss0, ss1}, [w+0];\n" +
        "ld.global.nc.v4.b32 {lb0, lb1, ls0, ls1}, [w+16];\n" +
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {s0, s1, s2, s3}, {qs0, qs1, qs2, qs3}, {sb0, sb1}, {z, z, z, z};\n" +
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {l0, l1, l2, l3}, {ys0, ys1, ys2, ys3}, {lb0, lb1}, {z, z, z, z};\n" +
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {s0, s1, s2, s3}, {qb0, qb1, qb2, qb3}, {ss0, ss1}, {s0, s1, s2, s3};\n" +
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {l0, l1, l2, l3}, {yb0, yb1, yb2, yb3}, {ls0, ls1}, {l0, l1, l2, l3};\n" +
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {s0, s1, s2, s3}, {qb0, qb1, qb2, qb3}, {sb0, sb1}, {s0, s1, s2, s3};\n" +
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {l0, l1, l2, l3}, {yb0, yb1, yb2, yb3}, {lb0, lb1}, {l0, l1, l2, l3};\n" +
        "add.rn.f32 s0, s0, l0;\n" +
        "add.rn.f32 s1, s1, l1;\n" +
        "add.rn.f32 s2, s2, l2;\n" +
        "add.rn.f32 s3, s3, l3;\n" +
        "add.rn.f32 acc0, acc0, s0;\n" +
        "add.rn.f32 acc1, acc1, s1;\n" +
        "add.rn.f32 acc2, acc2, s2;\n" +
        "add.rn.f32 acc3, acc3, s3;\n";

    private const string SecondTile =
        "ld.global.nc.v4.b32 {sb0, sb1, ss0, ss1}, [w+1024];\n" +
        "ld.global.nc.v4.b32 {lb0, lb1, ls0, ls1}, [w+1040];\n" +
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {s0, s1, s2, s3}, {qs0, qs1, qs2, qs3}, {sb0, sb1}, {z, z, z, z};\n" +
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {l0, l1, l2, l3}, {ys0, ys1, ys2, ys3}, {lb0, lb1}, {z, z, z, z};\n" +
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {s0, s1, s2, s3}, {qb0, qb1, qb2, qb3}, {ss0, ss1}, {s0, s1, s2, s3};\n" +
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {l0, l1, l2, l3}, {yb0, yb1, yb2, yb3}, {ls0, ls1}, {l0, l1, l2, l3};\n" +
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {s0, s1, s2, s3}, {qb0, qb1, qb2, qb3}, {sb0, sb1}, {s0, s1, s2, s3};\n" +
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {l0, l1, l2, l3}, {yb0, yb1, yb2, yb3}, {lb0, lb1}, {l0, l1, l2, l3};\n" +
        "add.rn.f32 s0, s0, l0;\n" +
        "add.rn.f32 s1, s1, l1;\n" +
        "add.rn.f32 s2, s2, l2;\n" +
        "add.rn.f32 s3, s3, l3;\n" +
        "add.rn.f32 acc4, acc4, s0;\n" +
        "add.rn.f32 acc5, acc5, s1;\n" +
        "add.rn.f32 acc6, acc6, s2;\n" +
        "add.rn.f32 acc7, acc7, s3;\n";

    private const string TileTail =
        "add.u64 w, w, %4;\n" +
        "add.u32 e0, e0, 8;\n" +
        "add.u32 k, k, 1;\n" +
        "setp.lt.u32 more, k, %5;\n" +
        "@more bra LOOP;\n";

    // The accumulators into the warp's component tile (8-byte stores; the pitch ≡ 8 mod 32 puts the 32 lanes' pairs of a
    // store in two wavefronts without bank conflicts): rows g and g + 8 (%12 bytes apart) of the first tile at %11, of the
    // second 32 bytes on.
    private const string StoreHead =
        "mov.u64 sc, __dyn_shared_alloca;\n" +
        "add.u64 sc, sc, %11;\n" +
        "add.u64 sd, sc, %12;\n" +
        "st.shared.v2.f32 [sc], {acc0, acc1};\n" +
        "st.shared.v2.f32 [sd], {acc2, acc3};\n";

    private const string StoreSecond =
        "st.shared.v2.f32 [sc+32], {acc4, acc5};\n" +
        "st.shared.v2.f32 [sd+32], {acc6, acc7};\n";

    private const string SingleOneTile = TileHead + LoopHead + SingleLoads + Split + FirstTile + TileTail + StoreHead + "}\n";
    private const string SingleTwoTiles = TileHead + BiasSecond + LoopHead + SingleLoads + Split + FirstTile + SecondTile + TileTail + StoreHead + StoreSecond + "}\n";
    private const string HalfOneTile = TileHead + LoopHead + HalfLoads + Split + FirstTile + TileTail + StoreHead + "}\n";
    private const string HalfTwoTiles = TileHead + BiasSecond + LoopHead + HalfLoads + Split + FirstTile + SecondTile + TileTail + StoreHead + StoreSecond + "}\n";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Valid(GaussianParams p, long frame)
    {
        if (frame >= p.FrameCount) return false;
        int f = (int)frame;
        int b = f / p.MaxLength;
        return f - b * p.MaxLength < p.Lengths[b];
    }
}

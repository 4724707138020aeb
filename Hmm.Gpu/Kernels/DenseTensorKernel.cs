using System.Runtime.CompilerServices;
using Hmm.Engine;
using Hmm.Primitives;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Hmm.Gpu.Kernels;

/// <summary>Launch arguments of <see cref="DenseTensorKernel"/>.</summary>
internal struct DenseTensorParams
{
    /// <summary>[count, MaxLength, Stride] emission log-likelihoods, padding lanes -inf.</summary>
    public ArrayView<float> Emissions;
    /// <summary>[count] sequence lengths.</summary>
    public ArrayView<int> Lengths;
    /// <summary>[Stride] log initial probabilities, padding -inf.</summary>
    public ArrayView<float> Initial;
    /// <summary>[Rows, Stride] the dense log "into" table: only the exact fallback reads it.</summary>
    public ArrayView<float> LogTable;
    /// <summary>[Stride] colMax of <see cref="Definitions.ScaledTable"/>.</summary>
    public ArrayView<float> ColumnMax;
    /// <summary>Score slots, three per sequence as in <see cref="RecursionParams.Scores"/>: this kernel writes slot 0 (forward).</summary>
    public ArrayView<double> Scores;
    /// <summary>Device address of the packed linear table (<see cref="DenseTensorKernel.Pack"/>).</summary>
    public long Packed;
    public int Count, MaxLength, Stride, Rows;
}

/// <summary>
/// The dense forward log-likelihood with the scaled step's linear sum on tensor cores (CUDA, SM 8.0 and later): a group
/// carries 16 sequences (the MMA's M) and <c>Stride / 8</c> warps, warp w owning destination states 8w .. 8w + 7 (one
/// 8-column tile) and, in the next frame, k block w of the product. Per frame, <c>S = P · Alin</c> for all 16 sequences is
/// <c>mma.sync.m16n8k8</c> TF32 in the split 3xTF32 form (as in <see cref="GaussianTensorKernel"/>), P = exp(c - w) from
/// <see cref="Definitions.ScaleSources{TL, TV, TM}"/>'s formula with each warp's own row maximum w, and each
/// (sequence, state) is finished by <see cref="Definitions.ScaledValue{TL, TV}"/> or, where
/// <see cref="Definitions.ScaledNeedsExact{TL, TV}"/> says so, by <see cref="Definitions.FinishScaled{TL, TV, TM}"/> with its
/// exact two-pass fallback. The tensor core replaces only the FMA loop of
/// <see cref="Definitions.ScaledPartialSum{TL, TV, TM}"/>; the recursion, its scaling and the log-likelihood bookkeeping
/// are those of the one-pass kernel.
/// </summary>
/// <remarks>
/// <para>Why: the one-pass kernel gives each sequence its own group, so a large batch is many groups of dependent shared
/// loads, barriers and FMAs per frame. Here 16 sequences share each instruction and the N² products are MMAs: measured on
/// an H200, N=64 B=4096 2.7 ms against 10.7 ms. Small batches stay on the one-pass kernel (16 groups leave the device
/// empty and a frame is latency-bound: N=64 B=256 1.9 against 1.55 ms); GPU-NOTES has the sweep and the profile.</para>
/// <para>Per frame: the PTX statement (row maxima m over the warps' maxima of the previous frame, each k block's MMAs
/// scaled by exp(w - m)) → finish the lane's 4 (sequence, state) values → write them (the log column, for the next frame's
/// fallback), each row's warp maximum, and p = exp(c - w) split into its A-fragment slots → one barrier. P, the maxima and
/// the log columns are double-buffered by frame parity, so one barrier a frame suffices. Sequences that ended keep their
/// last column (frozen); the group runs to its longest sequence.</para>
/// <para>The inline PTX reads P and the maxima from shared memory through ILGPU's dynamic shared-memory symbol
/// <c>__dyn_shared_alloca</c> (P at offset 0 of the dynamic allocation): ILGPU 1.5.3 cannot turn a view into an address
/// inside a kernel. If a later ILGPU renamed it, the PTX would fail to compile and the CUDA tests would fail.</para>
/// </remarks>
internal static class DenseTensorKernel
{
    /// <summary>Sequences per group (the MMA's M).</summary>
    public const int Sequences = 16;

    /// <summary>Floats per (tile, k block, lane) in the packed table: big b0, big b1, small b0, small b1.</summary>
    public const int PackedPerLane = 4;

    /// <summary>Warps per group for a padded state count (a multiple of 16): one 8-column tile, and one k block of P, per warp.</summary>
    public static int Warps(int stride) => stride / 8;

    /// <summary>
    /// Floats of one P buffer: P in A-fragment order, split for 3xTF32 by its producer: per k block, 32 lanes × 4 big
    /// values, then 32 lanes × 4 small values (a consumer lane reads each with one 16-byte load, a warp 512 contiguous bytes).
    /// </summary>
    public static int PFloats(int stride) => stride / 8 * 2 * 32 * 4;

    /// <summary>Dynamic shared memory: two P buffers, two log columns, two sets of per-warp row maxima, the final sums.</summary>
    public static int SharedFloats(int stride) => 2 * PFloats(stride) + 2 * Sequences * stride + 3 * Warps(stride) * Sequences;

    /// <summary>
    /// The linear table <c>Alin</c> (rows of <see cref="Definitions.ScaledTable"/>) in m16n8k8 B-fragment order, split for
    /// 3xTF32: for tile n (destinations 8n .. 8n + 7), k block kb (sources 8kb .. 8kb + 7) and lane (g, t), four floats
    /// [big(A[8kb + t, 8n + g]), big(A[8kb + t + 4, 8n + g]), small(...), small(...)]; sources past
    /// <paramref name="rows"/> are 0.
    /// </summary>
    public static float[] Pack(float[] scaledTable, int rows, int stride)
    {
        int tiles = stride / 8;
        var packed = new float[tiles * tiles * 32 * PackedPerLane];
        for (int n = 0; n < tiles; n++)
            for (int kb = 0; kb < tiles; kb++)
                for (int lane = 0; lane < 32; lane++)
                {
                    int g = lane >> 2, t = lane & 3, j = 8 * n + g;
                    int o = ((n * tiles + kb) * 32 + lane) * PackedPerLane;
                    for (int half = 0; half < 2; half++)
                    {
                        int i = 8 * kb + t + 4 * half;
                        float a = i < rows ? scaledTable[i * stride + j] : 0f;
                        float big = GaussianTensorKernel.RoundToTf32(a);
                        packed[o + half] = big;
                        packed[o + 2 + half] = GaussianTensorKernel.RoundToTf32(a - big);
                    }
                }
        return packed;
    }

    /// <summary><see cref="Forward"/> compiled for one model shape.</summary>
    public static void ForwardSpecialized(DenseTensorParams p, SpecializedValue<int> stride, SpecializedValue<int> rows)
    {
        p.Stride = stride.Value;
        p.Rows = rows.Value;
        Forward(p);
    }

    /// <summary>One group = 16 sequences, Stride / 8 warps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward(DenseTensorParams p)
    {
        int lane = Warp.LaneIdx, warp = Warp.WarpIdx, warps = Group.DimX / Warp.WarpSize;
        int g = lane >> 2, tq = lane & 3;
        int stride = p.Stride;
        int b0 = Grid.IdxX * Sequences;
        // Shared memory (floats): P, twice (parity), at offset 0 (the inline PTX addresses it there); the log columns, twice;
        // each warp's row maxima, twice; the final sums.
        int pFloats = PFloats(stride), logFloats = Sequences * stride, partialFloats = warps * Sequences;
        var shared = SharedMemory.GetDynamic<float>();
        int logAt = 2 * pFloats, partialsAt = logAt + 2 * logFloats, sumsAt = partialsAt + 2 * partialFloats;
        var sums = shared.SubView(sumsAt, partialFloats);

        // This lane's two sequences (rows g and g + 8 of the fragments) and two states (j, j + 1).
        int rowA = g, rowB = g + 8;
        int bA = b0 + rowA, bB = b0 + rowB;
        int lenA = bA < p.Count ? p.Lengths[bA] : 0, lenB = bB < p.Count ? p.Lengths[bB] : 0;
        int frames = 0;
        for (int r = 0; r < Sequences; r++)
        {
            if (b0 + r < p.Count) frames = XMath.Max(frames, p.Lengths[b0 + r]);
        }
        int j = 8 * warp + 2 * tq;
        long eA = (long)bA * p.MaxLength * stride, eB = (long)bB * p.MaxLength * stride;
        float ninf = float.NegativeInfinity;

        // Frame 0: c = initial + e_0.
        float a0 = ninf, a1 = ninf, c0 = ninf, c1 = ninf;
        if (lenA > 0)
        {
            a0 = Definitions.InitialScore<GpuLane, float>(p.Initial[j], p.Emissions[eA + j]);
            a1 = Definitions.InitialScore<GpuLane, float>(p.Initial[j + 1], p.Emissions[eA + j + 1]);
        }
        if (lenB > 0)
        {
            c0 = Definitions.InitialScore<GpuLane, float>(p.Initial[j], p.Emissions[eB + j]);
            c1 = Definitions.InitialScore<GpuLane, float>(p.Initial[j + 1], p.Emissions[eB + j + 1]);
        }
        Publish(shared, pFloats, logAt, partialsAt, 0, stride, warp, warps, g, tq, j, true, true, a0, a1, c0, c1);

        double totalA = 0, totalB = 0;
        float mA = ninf, mB = ninf;
        // colMax of the lane's two states, for every frame.
        float cm0 = p.ColumnMax[j], cm1 = p.ColumnMax[j + 1];
        long packedLane = p.Packed + 4L * (((long)warp * (stride / 8)) * 32 + lane) * PackedPerLane;
        var table = new GpuMemory(p.LogTable);
        var columnMax = new GpuMemory(p.ColumnMax);
        // Emissions of the next frame are loaded a frame ahead: their global-memory latency hides behind a frame's work.
        LoadEmissions(p, eA, 1, lenA, stride, j, out float nA0, out float nA1);
        LoadEmissions(p, eB, 1, lenB, stride, j, out float nB0, out float nB1);
        for (int t = 1; t < frames; t++)
        {
            int previousParity = (t - 1) & 1, parity = t & 1;
            float eA0 = nA0, eA1 = nA1, eB0 = nB0, eB1 = nB1;
            LoadEmissions(p, eA, t + 1, lenA, stride, j, out nA0, out nA1);
            LoadEmissions(p, eB, t + 1, lenB, stride, j, out nB0, out nB1);
            var s0 = new Ref<float> { Value = 0f };
            var s1 = new Ref<float> { Value = 0f };
            var s2 = new Ref<float> { Value = 0f };
            var s3 = new Ref<float> { Value = 0f };
            var maxA = new Ref<float> { Value = 0f };
            var maxB = new Ref<float> { Value = 0f };
            Input<long> fragment = 4L * (previousParity * pFloats + 4 * lane);
            Input<long> weights = packedLane, maxima = 4L * (partialsAt + previousParity * partialFloats + rowA);
            Product(stride / 8, ref s0, ref s1, ref s2, ref s3, ref maxA, ref maxB, ref fragment, ref weights, ref maxima);
            // m of the previous column per sequence (the product is relative to it: each warp's block of P is scaled to it).
            mA = maxA.Value;
            mB = maxB.Value;
            bool liveA = t < lenA && mA != ninf, liveB = t < lenB && mB != ninf;
            if (liveA) totalA += mA;
            if (liveB) totalB += mB;
            // Fragment order: s0/s1 row g columns j, j + 1; s2/s3 row g + 8.
            var previous = new GpuMemory(shared.SubView(logAt + previousParity * logFloats, logFloats));
            if (liveA) FinishRow(s0.Value, s1.Value, mA, cm0, cm1, eA0, eA1, previous, rowA * stride, table, columnMax, p.Rows, stride, j, ref a0, ref a1);
            if (liveB) FinishRow(s2.Value, s3.Value, mB, cm0, cm1, eB0, eB1, previous, rowB * stride, table, columnMax, p.Rows, stride, j, ref c0, ref c1);
            Publish(shared, pFloats, logAt, partialsAt, parity, stride, warp, warps, g, tq, j, liveA, liveB, a0, a1, c0, c1);
        }

        // The last column of each sequence (frozen since its last frame): log-likelihood = total + m + log Σ exp(c - m).
        int lastParity = (XMath.Max(frames, 1) - 1) & 1;
        mA = ninf;
        mB = ninf;
        for (int w = 0; w < warps; w++)
        {
            mA = XMath.Max(mA, shared[partialsAt + lastParity * partialFloats + w * Sequences + rowA]);
            mB = XMath.Max(mB, shared[partialsAt + lastParity * partialFloats + w * Sequences + rowB]);
        }
        float sumA = mA == ninf ? 0f : XMath.Exp(a0 - mA) + XMath.Exp(a1 - mA);
        float sumB = mB == ninf ? 0f : XMath.Exp(c0 - mB) + XMath.Exp(c1 - mB);
        sumA = WarpReduce.Sum(sumA, 4);
        sumB = WarpReduce.Sum(sumB, 4);
        if (tq == 0)
        {
            sums[warp * Sequences + rowA] = sumA;
            sums[warp * Sequences + rowB] = sumB;
        }
        Group.Barrier();
        if (warp == 0 && tq == 0)
        {
            float totalSumA = 0f, totalSumB = 0f;
            for (int w = 0; w < warps; w++)
            {
                totalSumA += sums[w * Sequences + rowA];
                totalSumB += sums[w * Sequences + rowB];
            }
            if (bA < p.Count) p.Scores[3L * bA] = lenA == 0 ? 0.0 : mA == ninf ? double.NegativeInfinity : Definitions.LogLikelihood(totalA + mA, totalSumA);
            if (bB < p.Count) p.Scores[3L * bB] = lenB == 0 ? 0.0 : mB == ninf ? double.NegativeInfinity : Definitions.LogLikelihood(totalB + mB, totalSumB);
        }
    }

    /// <summary>The emissions of states j, j + 1 at frame <paramref name="t"/> of a sequence (0 past its length: never used).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadEmissions(DenseTensorParams p, long sequenceBase, int t, int length, int stride, int j, out float e0, out float e1)
    {
        e0 = 0f;
        e1 = 0f;
        if (t >= length) return;
        long e = sequenceBase + (long)t * stride;
        e0 = p.Emissions[e + j];
        e1 = p.Emissions[e + j + 1];
    }

    /// <summary>
    /// One sequence's two values of the frame (states j, j + 1) from their sums: the common case without a branch per value,
    /// the exact fallback (the definition's own, over the previous log column at <paramref name="sourceBase"/>) only where a
    /// value needs it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinishRow(float sum0, float sum1, float max, float colMax0, float colMax1, float e0, float e1, GpuMemory previous, int sourceBase,
        GpuMemory table, GpuMemory columnMax, int rows, int stride, int j, ref float v0, ref float v1)
    {
        float exact = 0f;
        v0 = Scaled(sum0, max, colMax0, e0, ref exact);
        v1 = Scaled(sum1, max, colMax1, e1, ref exact);
        if (exact == 0f) return;
        v0 = Finish(sum0, previous, sourceBase, max, table, columnMax, rows, stride, j) + e0;
        v1 = Finish(sum1, previous, sourceBase, max, table, columnMax, rows, stride, j + 1) + e1;
    }

    /// <summary>
    /// <see cref="Definitions.ScaledValue{TL, TV}"/> relative to the shift, plus the emission; <paramref name="exact"/> becomes
    /// 1 where <see cref="Definitions.ScaledNeedsExact{TL, TV}"/> says the value needs the fallback.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Scaled(float sum, float max, float colMax, float emission, ref float exact)
    {
        exact = XMath.Max(exact, Definitions.ScaledNeedsExact<GpuLane, float>(sum, colMax));
        return Definitions.ScaledValue<GpuLane, float>(sum, max, colMax) - max + emission;
    }

    /// <summary>
    /// <see cref="Definitions.FinishScaled{TL, TV, TM}"/> for one (sequence, state), relative to the shift <paramref name="max"/>
    /// (the one-pass kernel stores <c>value - m + e</c> and adds m to the sequence's total).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(float sum, GpuMemory previous, int sourceBase, float max, GpuMemory table, GpuMemory columnMax, int rows, int stride, int j)
        => Definitions.FinishScaled<GpuLane, float, GpuMemory>(sum, previous, sourceBase, max, table, columnMax, rows, stride, j) - max;

    /// <summary>
    /// After a frame (buffers of <paramref name="parity"/>): the lane's values into the log column (live sequences only);
    /// each row's maximum over the warp's eight states w_r into the warp's maxima; p = exp(c - w_r) into P
    /// (<see cref="Definitions.ScaleSources{TL, TV, TM}"/>'s formula with the warp's own shift: the product rescales each
    /// warp's block by exp(w_r - m_r), so the row maximum over warps needs no second barrier); one barrier.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Publish(ArrayView<float> shared, int pFloats, int logAt, int partialsAt, int parity, int stride, int warp, int warps,
        int g, int tq, int j, bool liveA, bool liveB, float a0, float a1, float c0, float c1)
    {
        int rowA = g, rowB = g + 8;
        int log = logAt + parity * Sequences * stride;
        if (liveA)
        {
            shared[log + rowA * stride + j] = a0;
            shared[log + rowA * stride + j + 1] = a1;
        }
        if (liveB)
        {
            shared[log + rowB * stride + j] = c0;
            shared[log + rowB * stride + j + 1] = c1;
        }
        float wA = XMath.Max(a0, a1), wB = XMath.Max(c0, c1);
        wA = WarpReduce.Max(wA, 4);
        wB = WarpReduce.Max(wB, 4);
        if (tq == 0)
        {
            int partials = partialsAt + parity * warps * Sequences + warp * Sequences;
            shared[partials + rowA] = wA;
            shared[partials + rowB] = wB;
        }
        // -inf - (-inf) would be NaN: a dead block shifts by 0 and exp(-inf) = 0.
        float shiftA = wA == float.NegativeInfinity ? 0f : wA, shiftB = wB == float.NegativeInfinity ? 0f : wB;
        // This warp's states are k block 'warp' of the product: its columns 2·tq and 2·tq + 1 go to their A-fragment slots.
        int block = parity * pFloats + warp * 2 * 32 * 4;
        StoreSplit(shared, block + FragmentIndex(rowA, 2 * tq), XMath.Exp(a0 - shiftA));
        StoreSplit(shared, block + FragmentIndex(rowA, 2 * tq + 1), XMath.Exp(a1 - shiftA));
        StoreSplit(shared, block + FragmentIndex(rowB, 2 * tq), XMath.Exp(c0 - shiftB));
        StoreSplit(shared, block + FragmentIndex(rowB, 2 * tq + 1), XMath.Exp(c1 - shiftB));
        Group.Barrier();
    }

    /// <summary>
    /// p split for 3xTF32 (big = tf32(p), small = tf32(p - big)) into its fragment slot: big at <paramref name="at"/>, small
    /// 128 floats on. Rounding as <c>cvt.rna.tf32.f32</c> (<see cref="GaussianTensorKernel.RoundToTf32"/>); p is finite and ≥ 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreSplit(ArrayView<float> shared, int at, float value)
    {
        float big = RoundToTf32(value);
        shared[at] = big;
        shared[at + 128] = RoundToTf32(value - big);
    }

    /// <summary>
    /// <c>cvt.rna.tf32.f32</c> for finite values in the kernel (integer operations: ILGPU has no TF32 conversion); equal to
    /// <see cref="GaussianTensorKernel.RoundToTf32"/> for every finite value whose rounding stays finite (tested in CI).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float RoundToTf32(float value) => Interop.IntAsFloat((Interop.FloatAsInt(value) + 0x1000u) & 0xFFFFE000u);

    /// <summary>
    /// Where element (row, column) of a 16×8 block of P sits in the block's big half of the m16n8k8 A fragment (the PTX ISA
    /// layout for .tf32: lane 4·(row mod 8) + (column mod 4) holds rows g, g + 8 and columns t, t + 4 in slots 0-3 as
    /// (g, t), (g + 8, t), (g, t + 4), (g + 8, t + 4)): lane · 4 + slot.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int FragmentIndex(int row, int column) => 4 * (4 * (row & 7) + (column & 3)) + (column >= 4 ? 2 : 0) + (row >= 8 ? 1 : 0);

    // The product of one 8-column tile over all k blocks in one PTX statement, unrolled (ptxas does not pipeline a loop of
    // dependent MMAs; a rolled loop measured 3.9 ms for N=64 B=256). ILGPU passes every inline-assembly operand through
    // local memory (see GaussianTensorKernel), and its PTX must be a constant, so there is one constant per k-block count
    // (Stride / 8 = 2, 4, ..., 16). Operands: %0-%3 the tile's accumulators (out), %4 / %5 m for rows g and g + 8 (out: the
    // maximum over the warps' row maxima, -inf for a dead row), %6 the byte offset in dynamic shared memory of the lane's
    // A fragment of k block 0 in the current P buffer (P at offset 0; big values, the small ones 512 bytes on, the next
    // block 1,024 bytes on), %7 the lane's packed table at k block 0, %8 the byte offset of warp 0's maximum of row g (row
    // g + 8 is 32 bytes on, warp w 64·w bytes on).
    //
    // K block kb is warp kb's block of P, scaled by its own row maxima w: it enters the sum times f = exp(w - m) (0 for
    // a dead block; m = -inf shifts by 0). Per block: the A fragment (P[g][8kb + t], P[g + 8][8kb + t], P[g][8kb + t + 4],
    // P[g + 8][8kb + t + 4], split big + small by the producer), three MMAs into a zero fragment (small·big, big·small, big·big), then the
    // running sum += f · block with round-to-nearest FMAs (the tensor core's own accumulation truncates).
    private const string Head =
        "{\n" +
        ".reg .u64 base, sa, w, pa;\n" +
        ".reg .f32 z, q, r, ma, mb, ha, hb, fa, fb, s<4>;\n" +
        ".reg .pred da, db;\n" +
        ".reg .b32 ab<4>, as<4>, bb<2>, bs<2>;\n" +
        "mov.u64 base, __dyn_shared_alloca;\n" +
        "add.u64 sa, base, %6;\n" +
        "add.u64 pa, base, %8;\n" +
        "cvta.to.global.u64 w, %7;\n" +
        "mov.f32 z, 0f00000000;\n" +
        "mov.f32 %0, 0f00000000;\n" +
        "mov.f32 %1, 0f00000000;\n" +
        "mov.f32 %2, 0f00000000;\n" +
        "mov.f32 %3, 0f00000000;\n" +
        "ld.shared.f32 ma, [pa];\n" +
        "ld.shared.f32 mb, [pa+32];\n";

    // One more warp's row maxima into m (blocks 1 .. KB - 1).
    private const string MaxStep =
        "add.u64 pa, pa, 64;\n" +
        "ld.shared.f32 q, [pa];\n" +
        "ld.shared.f32 r, [pa+32];\n" +
        "max.f32 ma, ma, q;\n" +
        "max.f32 mb, mb, r;\n";

    // m out; the shift (0 for a dead row); pa back to warp 0.
    private const string Shift =
        "mov.f32 %4, ma;\n" +
        "mov.f32 %5, mb;\n" +
        "setp.eq.f32 da, ma, 0fFF800000;\n" +
        "setp.eq.f32 db, mb, 0fFF800000;\n" +
        "selp.f32 ha, 0f00000000, ma, da;\n" +
        "selp.f32 hb, 0f00000000, mb, db;\n" +
        "add.u64 pa, base, %8;\n";

    private const string Block =
        "ld.shared.v4.b32 {ab0, ab1, ab2, ab3}, [sa];\n" +
        "ld.shared.v4.b32 {as0, as1, as2, as3}, [sa+512];\n" +
        "ld.shared.f32 q, [pa];\n" +
        "ld.shared.f32 r, [pa+32];\n" +
        "ld.global.nc.v4.b32 {bb0, bb1, bs0, bs1}, [w];\n" +
        "sub.f32 q, q, ha;\n" +
        "sub.f32 r, r, hb;\n" +
        "mul.f32 q, q, 0f3FB8AA3B;\n" +
        "mul.f32 r, r, 0f3FB8AA3B;\n" +
        "ex2.approx.ftz.f32 fa, q;\n" +
        "ex2.approx.ftz.f32 fb, r;\n" +
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {s0, s1, s2, s3}, {as0, as1, as2, as3}, {bb0, bb1}, {z, z, z, z};\n" +
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {s0, s1, s2, s3}, {ab0, ab1, ab2, ab3}, {bs0, bs1}, {s0, s1, s2, s3};\n" +
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {s0, s1, s2, s3}, {ab0, ab1, ab2, ab3}, {bb0, bb1}, {s0, s1, s2, s3};\n" +
        "fma.rn.f32 %0, s0, fa, %0;\n" +
        "fma.rn.f32 %1, s1, fa, %1;\n" +
        "fma.rn.f32 %2, s2, fb, %2;\n" +
        "fma.rn.f32 %3, s3, fb, %3;\n" +
        "add.u64 sa, sa, 1024;\n" +
        "add.u64 pa, pa, 64;\n" +
        "add.u64 w, w, 512;\n";

    private const string Max2 = MaxStep;
    private const string Max4 = Max2 + MaxStep + MaxStep;
    private const string Max8 = Max4 + MaxStep + MaxStep + MaxStep + MaxStep;
    private const string Blocks2 = Block + Block;
    private const string Blocks4 = Blocks2 + Blocks2;
    private const string Blocks8 = Blocks4 + Blocks4;
    private const string Tile2 = Head + Max2 + Shift + Blocks2 + "}\n";
    private const string Tile4 = Head + Max4 + Shift + Blocks4 + "}\n";
    private const string Tile6 = Head + Max4 + MaxStep + MaxStep + Shift + Blocks4 + Blocks2 + "}\n";
    private const string Tile8 = Head + Max8 + Shift + Blocks8 + "}\n";
    private const string Tile10 = Head + Max8 + MaxStep + MaxStep + Shift + Blocks8 + Blocks2 + "}\n";
    private const string Tile12 = Head + Max8 + Max4 + MaxStep + Shift + Blocks8 + Blocks4 + "}\n";
    private const string Tile14 = Head + Max8 + Max4 + MaxStep + MaxStep + MaxStep + Shift + Blocks8 + Blocks4 + Blocks2 + "}\n";
    private const string Tile16 = Head + Max8 + Max8 + MaxStep + Shift + Blocks8 + Blocks8 + "}\n";

    /// <summary>S = P · Alin for the warp's tile over <paramref name="blocks"/> k blocks, and m (a constant when specialised: the other branches fold away).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Product(int blocks, ref Ref<float> s0, ref Ref<float> s1, ref Ref<float> s2, ref Ref<float> s3, ref Ref<float> maxA, ref Ref<float> maxB,
        ref Input<long> fragment, ref Input<long> weights, ref Input<long> maxima)
    {
        if (blocks == 2) CudaAsm.EmitRef(Tile2, ref s0, ref s1, ref s2, ref s3, ref maxA, ref maxB, ref fragment, ref weights, ref maxima);
        else if (blocks == 4) CudaAsm.EmitRef(Tile4, ref s0, ref s1, ref s2, ref s3, ref maxA, ref maxB, ref fragment, ref weights, ref maxima);
        else if (blocks == 6) CudaAsm.EmitRef(Tile6, ref s0, ref s1, ref s2, ref s3, ref maxA, ref maxB, ref fragment, ref weights, ref maxima);
        else if (blocks == 8) CudaAsm.EmitRef(Tile8, ref s0, ref s1, ref s2, ref s3, ref maxA, ref maxB, ref fragment, ref weights, ref maxima);
        else if (blocks == 10) CudaAsm.EmitRef(Tile10, ref s0, ref s1, ref s2, ref s3, ref maxA, ref maxB, ref fragment, ref weights, ref maxima);
        else if (blocks == 12) CudaAsm.EmitRef(Tile12, ref s0, ref s1, ref s2, ref s3, ref maxA, ref maxB, ref fragment, ref weights, ref maxima);
        else if (blocks == 14) CudaAsm.EmitRef(Tile14, ref s0, ref s1, ref s2, ref s3, ref maxA, ref maxB, ref fragment, ref weights, ref maxima);
        else CudaAsm.EmitRef(Tile16, ref s0, ref s1, ref s2, ref s3, ref maxA, ref maxB, ref fragment, ref weights, ref maxima);
    }
}

using System.Runtime.CompilerServices;
using Hmm.Engine;
using Hmm.Primitives;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Hmm.Gpu.Kernels;

/// <summary>Everything the chunked (parallel-in-time) forward / Viterbi / backward kernels read and write for one launch.</summary>
internal struct ChunkParams
{
    /// <summary>[count, MaxLength, Stride] emission log-likelihoods.</summary>
    public ArrayView<float> Emissions;
    /// <summary>[count] sequence lengths.</summary>
    public ArrayView<int> Lengths;
    /// <summary>[Rows, Stride] forward table.</summary>
    public ArrayView<float> IntoTable;
    /// <summary>[Stride] initial log-probabilities.</summary>
    public ArrayView<float> Initial;
    /// <summary>[Rows + 1, Stride] <see cref="Definitions.ScaledTable"/> of <see cref="IntoTable"/> (dense; a dummy otherwise).</summary>
    public ArrayView<float> IntoScaled;
    /// <summary>[Rows + 1, Stride] <see cref="Definitions.ScaledTable"/> of <see cref="OutOfTable"/> (dense; a dummy otherwise).</summary>
    public ArrayView<float> OutOfScaled;
    /// <summary>1: forward and backward transfer rows and replays take <see cref="Definitions.RelaxDenseScaled{TL, TV, TM}"/>.</summary>
    public int Scaled;
    /// <summary>[count, Chunks, ModeCount, States, Stride] normalised rows of each chunk's transfer matrix (max 0, or all -inf).</summary>
    public ArrayView<float> Transfer;
    /// <summary>[count, Chunks, ModeCount, States] the log scale of each transfer row (float64; -inf for a dead row).</summary>
    public ArrayView<double> TransferScales;
    /// <summary>[count, Chunks, ModeCount, Stride] normalised column at the last frame before chunk c (c ≥ 1).</summary>
    public ArrayView<float> Boundary;
    /// <summary>[count, ModeCount] Viterbi: the best final state, -1 when the sequence is impossible.</summary>
    public ArrayView<int> Final;
    /// <summary>[Rows, Stride] backward table.</summary>
    public ArrayView<float> OutOfTable;
    /// <summary>[count, MaxLength, Stride] normalised forward columns (posteriors).</summary>
    public ArrayView<float> AlphaColumns;
    /// <summary>[count, MaxLength] forward column scales.</summary>
    public ArrayView<float> AlphaScales;
    /// <summary>[count, MaxLength, Stride] normalised backward columns (posteriors).</summary>
    public ArrayView<float> BetaColumns;
    /// <summary>[count, MaxLength] backward scales: beta-hat_t = Relax(e_{t+1} + beta-hat_{t+1}) - scale_t.</summary>
    public ArrayView<float> BetaScales;
    /// <summary>Bit s set: slot s is re-run from its boundaries (Viterbi back-pointers, or recorded columns).</summary>
    public int ReplayMask;
    /// <summary>[count, MaxLength, Stride] Viterbi back-pointers.</summary>
    public ArrayView<float> Backpointers;
    /// <summary>[count, PathStride] Viterbi paths.</summary>
    public ArrayView<int> Paths;
    /// <summary>[count, 3]: forward log-likelihood, Viterbi score, (backward: unused).</summary>
    public ArrayView<double> Scores;
    public int MaxLength;
    public int States;
    public int Stride;
    public int Rows;
    public int Banded;
    public int Pad;
    public int PathStride;
    public int ModeCount;
    public int Mode0;
    public int Mode1;
    /// <summary>1 when the transition table is copied into shared memory.</summary>
    public int TableInShared;
    /// <summary>Frames of emissions (and back-pointers) staged in shared memory at a time.</summary>
    public int ChunkFrames;
    /// <summary>1: every thread scans the column for its maximum; 0: warp-shuffle reduction.</summary>
    public int ScanMax;
    /// <summary>Frames per time chunk (L).</summary>
    public int Segment;
    /// <summary>Time chunks per sequence (C = ⌈MaxLength / L⌉).</summary>
    public int Segments;
    /// <summary>Transfer rows computed by one group (each by <see cref="Stride"/> threads); 1 unless the stride is under a warp.</summary>
    public int RowsPerGroup;
}

/// <summary>
/// Parallel-in-time forward and Viterbi for long sequences in small batches. Each sequence is cut into chunks of
/// <c>L</c> frames. (1) <see cref="Transfer"/>: for every chunk c ≥ 1 and source state i, the ordinary recursion
/// (<see cref="Definitions.Relax{TL, TV, TS, TM}"/>, one thread per state, normalised per frame) runs over the chunk
/// from the one-hot column e_i at the frame before it; its last column is row i of the chunk's semiring transfer matrix
/// M_c, kept normalised with its log scale in float64. Chunk 0 runs once from the initial column. (2)
/// <see cref="Combine"/>: per sequence, v_{c+1} = v_c ⊗ M_c, which is <see cref="Definitions.RelaxDense{TL, TV, TS, TM}"/>
/// with M_c as the table and (v_c(i) + scale_i) as the source (normalised in float64). That gives the log-likelihood
/// or Viterbi score and each chunk's exact boundary column. (3) <see cref="Replay"/>: every chunk re-runs from its
/// boundary column writing Viterbi back-pointers (then <see cref="Backtrace"/> follows them as the one-pass kernel does)
/// or, for posteriors, normalised forward and backward columns. Backward is the mirror image (chunks from the end, the
/// "out-of" table, u_t = e_t + beta-hat_t as the carried column).
/// </summary>
internal static class ChunkedKernel
{
    public static int TransferSharedFloats(int pad, int stride, int rows, bool tableInShared, int chunkFrames, int warps, int rowsPerGroup, bool scaled) =>
        2 * rowsPerGroup * (2 * pad + stride) + (tableInShared ? rows * stride : 0) + (scaled ? rowsPerGroup * stride : 0) + chunkFrames * stride + 2 * warps + 1;

    public static int CombineSharedFloats(int pad, int stride, int warps) => 2 * (2 * pad + stride) + 2 * warps + 1;

    public static void TransferSpecialized(ChunkParams p, SpecializedValue<int> rows, SpecializedValue<int> stride, SpecializedValue<int> pad,
        SpecializedValue<int> banded, SpecializedValue<int> scanMax, SpecializedValue<int> rowsPerGroup, SpecializedValue<int> scaled)
    {
        p.Rows = rows.Value; p.Stride = stride.Value; p.Pad = pad.Value; p.Banded = banded.Value; p.ScanMax = scanMax.Value; p.RowsPerGroup = rowsPerGroup.Value;
        p.Scaled = scaled.Value;
        Transfer(p);
    }

    public static void CombineSpecialized(ChunkParams p, SpecializedValue<int> states, SpecializedValue<int> stride, SpecializedValue<int> pad, SpecializedValue<int> scanMax)
    {
        p.States = states.Value; p.Stride = stride.Value; p.Pad = pad.Value; p.ScanMax = scanMax.Value;
        Combine(p);
    }

    public static void ReplaySpecialized(ChunkParams p, SpecializedValue<int> rows, SpecializedValue<int> stride, SpecializedValue<int> pad,
        SpecializedValue<int> banded, SpecializedValue<int> scanMax, SpecializedValue<int> scaled)
    {
        p.Rows = rows.Value; p.Stride = stride.Value; p.Pad = pad.Value; p.Banded = banded.Value; p.ScanMax = scanMax.Value; p.Scaled = scaled.Value;
        Replay(p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ModeOf(ChunkParams p, int slot) => slot == 0 ? p.Mode0 : p.Mode1;

    /// <summary>The step's tables (<see cref="StepTables"/>), with <paramref name="columns"/> shared columns for scaled sources.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static StepTables StageTables(ChunkParams p, ArrayView<float> shared, ref int offset, bool backward, bool viterbi, int columns)
        => StepTables.Stage(shared, ref offset, p.TableInShared != 0, backward ? p.OutOfTable : p.IntoTable, backward ? p.OutOfScaled : p.IntoScaled,
            p.Scaled != 0 && !viterbi, p.Scaled != 0 ? columns * p.Stride : 0, p.Rows, p.Stride, p.Stride);

    /// <summary>
    /// The frames of emissions staged in shared memory: [Lo, Lo + frames) walking forward from the chunk's first frame,
    /// or ending at the chunk's last frame walking backward.
    /// </summary>
    private struct Window
    {
        private readonly int _lo, _hi, _frames;
        private readonly bool _backward;
        public int Lo, Hi;

        public Window(int lo, int hi, int frames, bool backward)
        {
            _lo = lo; _hi = hi; _frames = frames; _backward = backward;
            Lo = backward ? XMath.Max(lo, hi - frames) : lo;
            Hi = backward ? hi : XMath.Min(lo + frames, hi);
        }

        /// <summary>Moves the window when frame t is outside it; true when it moved (stage it).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Advance(int t)
        {
            if (t >= Lo && t < Hi) return false;
            if (_backward) { Hi = t + 1; Lo = XMath.Max(_lo, t + 1 - _frames); }
            else { Lo = t; Hi = XMath.Min(t + _frames, _hi); }
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Row(int t) => t - Lo;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Stage(ArrayView<float> source, ArrayView<float> chunk, int stride) => LoadRows(source, Lo, Hi, chunk, stride);
    }

    // ------------------------------------------------------------------ (1) transfer rows

    /// <summary>Group g = (((b · Chunks + c) · ModeCount + slot) · rowBlocks + block): rows block·R .. block·R + R - 1 of M_c.</summary>
    public static void Transfer(ChunkParams p)
    {
        int rowBlocks = (p.States + p.RowsPerGroup - 1) / p.RowsPerGroup;
        int g = Grid.IdxX;
        int block = g % rowBlocks;
        int rest = g / rowBlocks;
        int slot = rest % p.ModeCount;
        rest /= p.ModeCount;
        int c = rest % p.Segments;
        int b = rest / p.Segments;
        int length = p.Lengths[b];
        int lo = c * p.Segment;
        if (lo >= length) return; // uniform over the group
        int hi = XMath.Min(lo + p.Segment, length);
        int mode = ModeOf(p, slot);
        bool backward = mode == RecursionKernel.ModeBackward;
        // The chunk that holds the recursion's start (first for forward, last for backward) runs once, from the start column.
        bool start = backward ? hi == length : c == 0;
        if (start && block != 0) return;
        if (mode == RecursionKernel.ModeViterbi) TransferRows<MaxPlus>(p, b, c, slot, block, lo, hi, false, start, true);
        else TransferRows<LogSumExp>(p, b, c, slot, block, lo, hi, backward, start, false);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransferRows<TS>(ChunkParams p, int b, int c, int slot, int block, int lo, int hi, bool backward, bool start, bool viterbi)
        where TS : struct, ISemiring
    {
        int tid = Group.IdxX, threads = Group.DimX;
        int stride = p.Stride, pad = p.Pad, colSize = 2 * pad + stride, rpg = p.RowsPerGroup, chunkFrames = p.ChunkFrames;
        var shared = SharedMemory.GetDynamic<float>();
        int offset = 2 * rpg * colSize;
        var tables = StageTables(p, shared, ref offset, backward, viterbi, rpg);
        var chunk = shared.SubView(offset, chunkFrames * stride);
        offset += chunkFrames * stride;
        int warps = (threads + Warp.WarpSize - 1) / Warp.WarpSize;
        var partials = shared.SubView(offset, 2 * warps);
        for (int i = tid; i < 2 * rpg * colSize; i += threads) shared[i] = float.NegativeInfinity;
        long seqBase = (long)b * p.MaxLength * stride;
        var emissions = p.Emissions.SubView(seqBase, (long)p.MaxLength * stride);
        var window = new Window(lo, hi, chunkFrames, backward);
        window.Stage(emissions, chunk, stride);
        Group.Barrier();

        // This thread's row (with R > 1 every thread owns exactly one (row, state); with R = 1 it loops over states).
        int myRow = rpg > 1 ? XMath.Min(tid / stride, rpg - 1) : 0;
        int frames = hi - lo;
        if (start)
        {
            // Forward: Initial + e_0 at frame 0. Backward: e_{T-1} + beta_{T-1} (0 on real states) at the last frame.
            int first = backward ? hi - 1 : lo;
            int row0 = window.Row(first) * stride;
            for (int j = tid; j < stride; j += threads)
            {
                shared[pad + j] = backward
                    ? Definitions.FinalBeta<GpuLane, float>(p.States, j) + chunk[row0 + j]
                    : Definitions.InitialScore<GpuLane, float>(p.Initial[j], chunk[row0 + j]);
            }
            frames--;
        }
        else
        {
            for (int r = tid; r < rpg; r += threads)
            {
                int i = block * rpg + r;
                if (i < p.States) shared[2 * r * colSize + pad + i] = 0f;
            }
        }
        Group.Barrier();

        double total = 0;
        int parity = 0, which = 0;
        var tab = new GpuMemory(tables.Table);
        int direction = backward ? 1 : -1;
        for (int k = 0; k < frames; k++)
        {
            int t = backward ? hi - 1 - (hi - lo - frames) - k : lo + (hi - lo - frames) + k;
            var prev = shared.SubView((2 * myRow + which) * colSize, colSize);
            float max = ColumnMax(prev, pad, stride, partials, parity, p.ScanMax);
            parity ^= 1;
            float m = max == float.NegativeInfinity ? 0f : max; // a dead row stays all -inf (no -inf - -inf)
            total += m;
            if (tables.Scaled)
            {
                // Each thread owns one (row, state) when R > 1 (max is its row's), and the group one row otherwise.
                for (int u = tid; u < rpg * stride; u += threads)
                {
                    int r = u / stride, j = u - r * stride;
                    Definitions.ScaleSources<GpuLane, float, GpuMemory>(new GpuMemory(shared.SubView((2 * r + which) * colSize, colSize)), pad, max,
                        new GpuMemory(tables.Sources.SubView(r * stride, stride)), j);
                }
            }
            bool stage = window.Advance(t);
            if (stage) window.Stage(emissions, chunk, stride);
            if (stage || tables.Scaled) Group.Barrier();
            int row = window.Row(t) * stride;
            for (int u = tid; u < rpg * stride; u += threads)
            {
                int r = u / stride, j = u - r * stride;
                var source = new GpuMemory(shared.SubView((2 * r + which) * colSize, colSize));
                float arg = 0f;
                float v = tables.Scaled
                    ? Definitions.RelaxDenseScaled<GpuLane, float, GpuMemory>(source, pad, new GpuMemory(tables.Sources), r * stride, max, tab,
                        new GpuMemory(tables.Linear), new GpuMemory(tables.ColumnMax), p.Rows, stride, j)
                    : Definitions.Relax<GpuLane, float, TS, GpuMemory>(source, pad, tab, p.Rows, p.Banded != 0, stride, j, direction, ref arg);
                shared[(2 * r + (which ^ 1)) * colSize + pad + j] = v - m + chunk[row + j];
            }
            Group.Barrier();
            which ^= 1;
        }

        var last = shared.SubView((2 * myRow + which) * colSize, colSize);
        float mLast = ColumnMax(last, pad, stride, partials, parity, p.ScanMax);
        bool dead = mLast == float.NegativeInfinity;
        long rowBase = (((long)b * p.Segments + c) * p.ModeCount + slot) * p.States;
        for (int u = tid; u < rpg * stride; u += threads)
        {
            int r = u / stride, j = u - r * stride;
            int i = block * rpg + r;
            if (i >= p.States) continue;
            float x = shared[(2 * r + which) * colSize + pad + j];
            p.Transfer[(rowBase + i) * stride + j] = dead ? float.NegativeInfinity : x - mLast;
            if (j == 0) p.TransferScales[rowBase + i] = dead ? double.NegativeInfinity : total + mLast;
        }
    }

    // ------------------------------------------------------------------ (2) combine chunks

    /// <summary>Group g = b · ModeCount + slot: v_{c+1} = v_c ⊗ M_c over the sequence's chunks, the score, the boundaries.</summary>
    public static void Combine(ChunkParams p)
    {
        int g = Grid.IdxX;
        int b = g / p.ModeCount, slot = g - b * p.ModeCount;
        int mode = ModeOf(p, slot);
        if (mode == RecursionKernel.ModeViterbi) CombineChunks<MaxPlus>(p, b, slot, mode);
        else CombineChunks<LogSumExp>(p, b, slot, mode);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CombineChunks<TS>(ChunkParams p, int b, int slot, int mode) where TS : struct, ISemiring
    {
        int tid = Group.IdxX, threads = Group.DimX;
        int stride = p.Stride, pad = p.Pad, colSize = 2 * pad + stride, n = p.States;
        int length = p.Lengths[b];
        bool viterbi = mode == RecursionKernel.ModeViterbi, backward = mode == RecursionKernel.ModeBackward;
        // The mode numbers are the score slots (forward 0, Viterbi 1, backward 2). Not `backward ? 2 : viterbi ? 1 : 0`:
        // ILGPU 1.5.3 compiled that nested select to slot 1 for backward on CUDA (the CPU accelerator was right).
        int scoreSlot = b * 3 + mode;
        if (length == 0)
        {
            if (tid == 0) { p.Scores[scoreSlot] = 0.0; p.Final[b * p.ModeCount + slot] = -1; }
            return;
        }
        var shared = SharedMemory.GetDynamic<float>();
        var source = shared.SubView(0, colSize);
        var v = shared.SubView(colSize, colSize);
        int warps = (threads + Warp.WarpSize - 1) / Warp.WarpSize;
        var partials = shared.SubView(2 * colSize, 2 * warps);
        for (int i = tid; i < colSize; i += threads) { source[i] = float.NegativeInfinity; v[i] = float.NegativeInfinity; }
        Group.Barrier();
        int chunks = (length + p.Segment - 1) / p.Segment;
        long perChunk = (long)p.ModeCount * n;
        long rowsBase = ((long)b * p.Segments * p.ModeCount + slot) * n; // row block of chunk 0
        // Forward: chunk 0 then 1, 2, ...; backward: the last chunk, then down to 0 (v is u at the chunk's first frame).
        int first = backward ? chunks - 1 : 0;
        long rowsFirst = rowsBase + first * perChunk;
        for (int j = tid; j < stride; j += threads) v[pad + j] = j < n ? p.Transfer[rowsFirst * stride + j] : float.NegativeInfinity;
        double total = p.TransferScales[rowsFirst];
        Group.Barrier();
        int parity = 0;
        bool dead = total == double.NegativeInfinity;
        for (int step = 1; step < chunks && !dead; step++)
        {
            int c = backward ? chunks - 1 - step : step;
            float mv = ColumnMax(v, pad, stride, partials, parity, p.ScanMax);
            parity ^= 1;
            if (mv == float.NegativeInfinity) { dead = true; break; }
            long rowsC = rowsBase + c * perChunk;
            // The boundary of chunk c: forward, the column at its frame before; backward, u at the frame after it.
            long boundary = (((long)b * p.Segments + c) * p.ModeCount + slot) * stride;
            for (int j = tid; j < stride; j += threads) p.Boundary[boundary + j] = v[pad + j] - mv;
            // The source of the step: v(i) + scale_i, normalised in float64 (rows carry scales of thousands of nats).
            double mw = double.NegativeInfinity;
            for (int i = 0; i < n; i++) mw = XMath.Max(mw, (double)(v[pad + i] - mv) + p.TransferScales[rowsC + i]);
            if (mw == double.NegativeInfinity) { dead = true; break; }
            for (int i = tid; i < n; i += threads)
                source[pad + i] = (float)((double)(v[pad + i] - mv) + p.TransferScales[rowsC + i] - mw);
            total += mv + mw;
            Group.Barrier();
            var table = new GpuMemory(p.Transfer.SubView(rowsC * stride, n * stride));
            for (int j = tid; j < stride; j += threads)
            {
                float arg = 0f;
                v[pad + j] = Definitions.RelaxDense<GpuLane, float, TS, GpuMemory>(new GpuMemory(source), pad, table, n, stride, j, ref arg);
            }
            Group.Barrier();
        }
        float last = dead ? float.NegativeInfinity : ColumnMax(v, pad, stride, partials, parity, p.ScanMax);
        if (tid != 0) return;
        if (last == float.NegativeInfinity)
        {
            p.Scores[scoreSlot] = double.NegativeInfinity;
            p.Final[b * p.ModeCount + slot] = -1;
            return;
        }
        if (backward)
        {
            // log P(x) = offset + log Σ_j exp(π_j + u_0(j)), as the one-pass kernel ends.
            double score = Definitions.BackwardLogLikelihood<GpuLane, float, GpuMemory, WholeColumn>(new GpuMemory(p.Initial), new GpuMemory(v), pad,
                total, new ColumnSlice(0, stride, 1), default);
            p.Scores[scoreSlot] = score;
            p.Final[b * p.ModeCount + slot] = score == double.NegativeInfinity ? -1 : 0;
            return;
        }
        total += last;
        if (!viterbi)
        {
            p.Scores[scoreSlot] = Definitions.ForwardLogLikelihood<GpuLane, float, GpuMemory, WholeColumn>(new GpuMemory(v), pad, last, total,
                new ColumnSlice(0, stride, 1), default);
            p.Final[b * p.ModeCount + slot] = 0;
            return;
        }
        p.Scores[scoreSlot] = total;
        p.Final[b * p.ModeCount + slot] = Definitions.BestFinalState(new GpuMemory(v), pad, n);
    }

    // ------------------------------------------------------------------ (3) replay and backtrace

    /// <summary>
    /// Group g = (b · Chunks + c) · ModeCount + slot, for the slots in <see cref="ChunkParams.ReplayMask"/>: chunk c re-run
    /// from its boundary column, writing Viterbi back-pointers or the normalised forward / backward columns of posteriors.
    /// </summary>
    public static void Replay(ChunkParams p)
    {
        int g = Grid.IdxX;
        int slot = g % p.ModeCount;
        int rest = g / p.ModeCount;
        int c = rest % p.Segments, b = rest / p.Segments;
        if (((p.ReplayMask >> slot) & 1) == 0) return;
        int length = p.Lengths[b];
        int lo = c * p.Segment;
        if (lo >= length || p.Final[b * p.ModeCount + slot] < 0) return;
        int hi = XMath.Min(lo + p.Segment, length);
        int mode = ModeOf(p, slot);
        if (mode == RecursionKernel.ModeViterbi) ReplayChunk<MaxPlus>(p, b, c, slot, lo, hi, length, mode);
        else ReplayChunk<LogSumExp>(p, b, c, slot, lo, hi, length, mode);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ReplayChunk<TS>(ChunkParams p, int b, int c, int slot, int lo, int hi, int length, int mode) where TS : struct, ISemiring
    {
        bool backward = mode == RecursionKernel.ModeBackward, viterbi = mode == RecursionKernel.ModeViterbi;
        int tid = Group.IdxX, threads = Group.DimX;
        int stride = p.Stride, pad = p.Pad, colSize = 2 * pad + stride, chunkFrames = p.ChunkFrames;
        var shared = SharedMemory.GetDynamic<float>();
        var colA = shared.SubView(0, colSize);
        var colB = shared.SubView(colSize, colSize);
        int offset = 2 * colSize;
        var tables = StageTables(p, shared, ref offset, backward, viterbi, 1);
        var chunk = shared.SubView(offset, chunkFrames * stride);
        offset += chunkFrames * stride;
        int warps = (threads + Warp.WarpSize - 1) / Warp.WarpSize;
        var partials = shared.SubView(offset, 2 * warps);
        for (int i = tid; i < colSize; i += threads) { colA[i] = float.NegativeInfinity; colB[i] = float.NegativeInfinity; }
        long seqBase = (long)b * p.MaxLength * stride;
        long scaleBase = (long)b * p.MaxLength;
        var emissions = p.Emissions.SubView(seqBase, (long)p.MaxLength * stride);
        var window = new Window(lo, hi, chunkFrames, backward);
        window.Stage(emissions, chunk, stride);
        Group.Barrier();
        bool start = backward ? hi == length : c == 0;
        int frames = hi - lo;
        if (start)
        {
            int first = backward ? hi - 1 : lo;
            int row0 = window.Row(first) * stride;
            for (int j = tid; j < stride; j += threads)
            {
                float beta = Definitions.FinalBeta<GpuLane, float>(p.States, j);
                colA[pad + j] = backward ? beta + chunk[row0 + j] : Definitions.InitialScore<GpuLane, float>(p.Initial[j], chunk[row0 + j]);
                if (backward) p.BetaColumns[seqBase + (long)first * stride + j] = beta;
            }
            if (backward && tid == 0) p.BetaScales[scaleBase + first] = 0f;
            frames--;
        }
        else
        {
            long boundary = (((long)b * p.Segments + c) * p.ModeCount + slot) * stride;
            for (int j = tid; j < stride; j += threads) colA[pad + j] = p.Boundary[boundary + j];
        }
        Group.Barrier();
        var prev = colA;
        var cur = colB;
        var tab = new GpuMemory(tables.Table);
        int parity = 0, direction = backward ? 1 : -1;
        for (int k = 0; k < frames; k++)
        {
            int t = backward ? hi - 1 - (hi - lo - frames) - k : lo + (hi - lo - frames) + k;
            float max = ColumnMax(prev, pad, stride, partials, parity, p.ScanMax);
            parity ^= 1;
            float m = max == float.NegativeInfinity ? 0f : max;
            // Forward columns: frame t-1's column once it belongs to this chunk (the boundary column is the previous chunk's).
            if (!backward && !viterbi && (start || k > 0)) RecordColumn(p.AlphaColumns, p.AlphaScales, seqBase + (long)(t - 1) * stride, scaleBase + t - 1, prev, pad, stride, m);
            GroupColumns.ScaleSources(tables, prev, pad, max, stride);
            bool stage = window.Advance(t);
            if (stage) window.Stage(emissions, chunk, stride);
            if (stage || tables.Scaled) Group.Barrier();
            int row = window.Row(t) * stride;
            var source = new GpuMemory(prev);
            long column = seqBase + (long)t * stride;
            for (int j = tid; j < stride; j += threads)
            {
                float arg = 0f;
                float v = (tables.Scaled
                    ? Definitions.RelaxDenseScaled<GpuLane, float, GpuMemory>(source, pad, new GpuMemory(tables.Sources), 0, max, tab,
                        new GpuMemory(tables.Linear), new GpuMemory(tables.ColumnMax), p.Rows, stride, j)
                    : Definitions.Relax<GpuLane, float, TS, GpuMemory>(source, pad, tab, p.Rows, p.Banded != 0, stride, j, direction, ref arg)) - m;
                cur[pad + j] = v + chunk[row + j];
                if (viterbi) p.Backpointers[column + j] = arg;
                else if (backward) p.BetaColumns[column + j] = v;
            }
            if (backward && tid == 0) p.BetaScales[scaleBase + t] = m;
            Group.Barrier();
            var swap = prev;
            prev = cur;
            cur = swap;
        }
        if (viterbi) return;
        float mLast = ColumnMax(prev, pad, stride, partials, parity, p.ScanMax);
        if (mLast == float.NegativeInfinity) mLast = 0f;
        if (!backward)
        {
            RecordColumn(p.AlphaColumns, p.AlphaScales, seqBase + (long)(hi - 1) * stride, scaleBase + hi - 1, prev, pad, stride, mLast);
            return;
        }
        if (lo == 0) return;
        // Backward, frame lo: the previous chunk starts from u_lo normalised to max 0 (its boundary), so write beta-hat_lo
        // with the same offset (u_lo - max u_lo = e_lo + beta-hat_lo after the shift) and move it into this frame's scale.
        long lastColumn = seqBase + (long)lo * stride;
        for (int j = tid; j < stride; j += threads) p.BetaColumns[lastColumn + j] = p.BetaColumns[lastColumn + j] - mLast;
        if (tid == 0) p.BetaScales[scaleBase + lo] = p.BetaScales[scaleBase + lo] + mLast;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RecordColumn(ArrayView<float> columns, ArrayView<float> scales, long dst, long scaleIndex, ArrayView<float> column, int pad, int stride, float m)
    {
        for (int j = Group.IdxX; j < stride; j += Group.DimX) columns[dst + j] = column[pad + j] - m;
        if (Group.IdxX == 0) scales[scaleIndex] = m;
    }

    /// <summary>Group b: the backtrace from the final state over the back-pointers (staged through shared memory, thread 0 follows).</summary>
    public static void Backtrace(ChunkParams p)
    {
        int b = Grid.IdxX;
        int slot = p.Mode0 == RecursionKernel.ModeViterbi ? 0 : 1;
        if (ModeOf(p, slot) != RecursionKernel.ModeViterbi) return;
        int tid = Group.IdxX, threads = Group.DimX;
        int stride = p.Stride, chunkFrames = p.ChunkFrames, length = p.Lengths[b];
        long pathBase = (long)b * p.PathStride;
        if (length == 0) return;
        int state = p.Final[b * p.ModeCount + slot];
        if (state < 0)
        {
            for (int u = tid; u < length; u += threads) p.Paths[pathBase + u] = -1;
            return;
        }
        var chunk = SharedMemory.GetDynamic<float>().SubView(0, chunkFrames * stride);
        if (tid == 0) p.Paths[pathBase + length - 1] = state;
        long seqBase = (long)b * p.MaxLength * stride;
        var backpointers = p.Backpointers.SubView(seqBase, (long)p.MaxLength * stride);
        GroupColumns.FollowBackpointers(backpointers, chunk, p.Paths, pathBase, length, chunkFrames, stride, state, tid);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ColumnMax(ArrayView<float> column, int pad, int stride, ArrayView<float> partials, int parity, int scan)
        => GroupColumns.ColumnMax(column, pad, stride, partials, parity, scan);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadRows(ArrayView<float> source, int lo, int hi, ArrayView<float> chunk, int stride)
        => GroupColumns.LoadRows(source, lo, hi, chunk, stride);
}

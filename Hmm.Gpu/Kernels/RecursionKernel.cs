using System.Runtime.CompilerServices;
using Hmm.Engine;
using Hmm.Primitives;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Hmm.Gpu.Kernels;

/// <summary>Everything the recursion kernel reads and writes for one launch (a chunk of sequences).</summary>
internal struct RecursionParams
{
    /// <summary>[count, MaxLength, Stride] emission log-likelihoods, padding lanes -inf.</summary>
    public ArrayView<float> Emissions;
    /// <summary>[count] sequence lengths.</summary>
    public ArrayView<int> Lengths;
    /// <summary>[Rows, Stride] forward table (dense: row = from; banded: row = offset over destination).</summary>
    public ArrayView<float> IntoTable;
    /// <summary>[Rows, Stride] backward table (dense: the transpose; banded: row = offset over source).</summary>
    public ArrayView<float> OutOfTable;
    /// <summary>[Rows + 1, Stride] <see cref="Definitions.ScaledTable"/> of <see cref="IntoTable"/> (dense; a dummy otherwise).</summary>
    public ArrayView<float> IntoScaled;
    /// <summary>[Rows + 1, Stride] <see cref="Definitions.ScaledTable"/> of <see cref="OutOfTable"/> (dense; a dummy otherwise).</summary>
    public ArrayView<float> OutOfScaled;
    /// <summary>[Stride] initial log-probabilities, padding -inf.</summary>
    public ArrayView<float> Initial;
    /// <summary>[count, MaxLength, Stride] forward columns (normalised or absolute, see <see cref="RecordAlpha"/>).</summary>
    public ArrayView<float> AlphaColumns;
    /// <summary>[count, MaxLength] the scale of each normalised forward column.</summary>
    public ArrayView<float> AlphaScales;
    /// <summary>[count, MaxLength, Stride] backward columns.</summary>
    public ArrayView<float> BetaColumns;
    /// <summary>[count, MaxLength] the scale of each normalised backward column.</summary>
    public ArrayView<float> BetaScales;
    /// <summary>[count, MaxLength, Stride] Viterbi back-pointers (the definitions' arg, a float).</summary>
    public ArrayView<float> Backpointers;
    /// <summary>[count, PathStride] Viterbi paths.</summary>
    public ArrayView<int> Paths;
    /// <summary>[count, 3]: forward log-likelihood, Viterbi score, backward log-likelihood.</summary>
    public ArrayView<double> Scores;
    /// <summary>
    /// Banded: the offset of each table row (<see cref="GpuBand"/>). The one-pass launch takes the compacted tables of the
    /// live offsets (<c>BandedTransitions.LiveOffsets</c>, <see cref="Rows"/> of them); other launches read all rows in order.
    /// </summary>
    public ArrayView<int> BandOffsets;
    /// <summary>The first eight of <see cref="BandOffsets"/> as values (<see cref="GpuBand"/>).</summary>
    public int Band0, Band1, Band2, Band3, Band4, Band5, Band6, Band7;
    public int MaxLength;
    public int States;
    public int Stride;
    public int Rows;
    public int Banded;
    public int Pad;
    public int PathStride;
    /// <summary>Passes per sequence (1 to 3); group g runs pass <c>g % ModeCount</c> of sequence <c>g / ModeCount</c>.</summary>
    public int ModeCount;
    public int Mode0;
    public int Mode1;
    public int Mode2;
    /// <summary>0: no columns; 1: normalised columns and scales (posteriors); 2: absolute log values (lattices).</summary>
    public int RecordAlpha;
    /// <summary>As <see cref="RecordAlpha"/> for the backward pass.</summary>
    public int RecordBeta;
    /// <summary>1 when the transition table is copied into shared memory.</summary>
    public int TableInShared;
    /// <summary>Frames of emissions (and back-pointers) staged in shared memory at a time.</summary>
    public int ChunkFrames;
    /// <summary>1: every thread scans the column for its maximum; 0: warp-shuffle reduction.</summary>
    public int ScanMax;
    /// <summary>
    /// Threads per state (dense tables only). 1 = one thread per state. With the two-pass step (and for Viterbi) each
    /// thread runs the definition over a block of transition rows and the definition then combines the blocks' results;
    /// with the scaled step each of the K threads sums every K-th row (<see cref="Definitions.ScaledPartialSum{TL, TV, TM}"/>),
    /// a warp shuffle adds the K partial sums, and the state's first thread finishes (<see cref="Definitions.FinishScaled{TL, TV, TM}"/>).
    /// </summary>
    public int Split;
    /// <summary>1: forward and backward take <see cref="Definitions.RelaxDenseScaled{TL, TV, TM}"/> (dense tables; with a row split, its two halves).</summary>
    public int Scaled;
    /// <summary>Floats between rows of the linear table a scaled group reads (set by the kernel: <see cref="RecursionKernel.TablePitch"/> in shared memory, else the stride).</summary>
    public int LinearPitch;
    /// <summary>Sequences in this launch (the last packed group may have empty seats).</summary>
    public int Count;
    /// <summary>
    /// Sequences per group (<see cref="Seat"/>): 1 = one sequence per group; P &gt; 1 packs sequences P·g' .. P·g' + P - 1
    /// of one pass into group g = g'·ModeCount + pass, <see cref="Lanes"/> threads each.
    /// </summary>
    public int Pack;
    /// <summary>Threads per sequence when <see cref="Pack"/> &gt; 1: a power of two ≥ the state count (the group's width otherwise).</summary>
    public int Lanes;
    /// <summary>
    /// Unpacked launches: 1 when group g runs sequence <c>Order[g / ModeCount]</c> instead of g / ModeCount. The host lists
    /// the sequences longest first, so that a launch of more groups than the device holds at once starts the long ones
    /// first and fills the multiprocessors they leave with the short ones.
    /// </summary>
    public int Ordered;
    /// <summary>[count] sequence per packed group index (<see cref="Ordered"/>).</summary>
    public ArrayView<int> Order;
}

/// <summary>
/// Where a thread of the recursion kernel works. Unpacked (<see cref="RecursionParams.Pack"/> = 1) the group is one seat:
/// all its threads run one (sequence, pass). Packed, lanes s·L .. s·L + L - 1 (L = <see cref="RecursionParams.Lanes"/>, a
/// power of two ≥ the state count) are seat s and run sequence P·g' + s with their own columns, scaled sources, emission
/// chunk, maximum, float64 sum and backtrace; thread j of a seat computes state j (the definitions' j0), and the
/// states from L to the stride (padding) stay -infinity. The transition table in shared memory is the group's.
/// </summary>
internal struct Seat
{
    /// <summary>The seat's index s in its group.</summary>
    public int Index;
    /// <summary>This thread's place among the seat's threads.</summary>
    public int Lane;
    /// <summary>Threads of the seat.</summary>
    public int Lanes;
    /// <summary>The seat's sequence; for an empty seat (past the launch's last sequence) the group's first, only read.</summary>
    public int Sequence;
    /// <summary>False for an empty seat: it has length 0 and writes nothing.</summary>
    public bool Exists;
    /// <summary>The sequence's length (0 for an empty seat).</summary>
    public int Length;
    /// <summary>The longest sequence of the group: every loop that holds a barrier runs over it, so every thread reaches every barrier.</summary>
    public int GroupLength;
    /// <summary>States the per-frame step computes: the stride unpacked, the seat's lanes packed.</summary>
    public int Live;

    /// <summary>The seat of thread <paramref name="tid"/> in packed group <paramref name="packed"/> (the grid index over the pass count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Seat Of(RecursionParams p, int packed, int tid)
    {
        var seat = default(Seat);
        int pack = p.Pack;
        int first = packed * pack;
        if (pack <= 1)
        {
            int sequence = p.Ordered != 0 ? p.Order[packed] : first;
            seat.Lane = tid;
            seat.Lanes = Group.DimX;
            seat.Sequence = sequence;
            seat.Exists = true;
            seat.Length = p.Lengths[sequence];
            seat.GroupLength = seat.Length;
            seat.Live = p.Stride;
            return seat;
        }
        int lanes = p.Lanes;
        int s = tid / lanes;
        int b = first + s;
        seat.Index = s;
        seat.Lane = tid - s * lanes;
        seat.Lanes = lanes;
        seat.Exists = b < p.Count;
        seat.Sequence = seat.Exists ? b : first;
        seat.Length = seat.Exists ? p.Lengths[b] : 0;
        int longest = 0;
        for (int k = 0; k < pack; k++)
        {
            if (first + k < p.Count) longest = XMath.Max(longest, p.Lengths[first + k]);
        }
        seat.GroupLength = longest;
        seat.Live = lanes;
        return seat;
    }
}

/// <summary>
/// Forward, Viterbi and backward for a batch: one thread group per (sequence, pass), thread j computes state j
/// through <see cref="Definitions.Relax{TL, TV, TS, TM}"/> with <see cref="GpuLane"/> (j0 = j), the previous
/// column in shared memory, one barrier per frame. Dense forward and backward take
/// <see cref="Definitions.RelaxDenseScaled{TL, TV, TM}"/> instead: thread i first writes p_i = exp(c_i - m) to shared
/// memory (<see cref="Definitions.ScaleSources{TL, TV, TM}"/>), and one more barrier publishes it before the step.
/// With <see cref="RecursionParams.Pack"/> = P &gt; 1, a group holds P sequences of the same pass, one per
/// <see cref="Seat"/> of <see cref="RecursionParams.Lanes"/> threads (thread j of a seat = state j): each seat has its own
/// columns, sources, emission chunk, maximum and sums; loops that hold a barrier run to the group's longest sequence.
/// </summary>
/// <remarks>
/// Normalisation is folded into the next frame: the column written at frame t is
/// <c>c_t = Relax(c_{t-1}) - m_{t-1} + e_t</c> with <c>m_{t-1} = max c_{t-1}</c>, which equals the CPU engine's
/// <c>Relax(c_{t-1} - m_{t-1}) + e_t</c> because both semirings distribute over + (the ⊗). The maximum is taken at
/// the start of the next frame, by each thread reading the column (small N) or by a warp-shuffle reduction, so
/// a frame needs one barrier instead of three. The maxima are summed in float64 as on the CPU.
/// </remarks>
internal static partial class RecursionKernel
{
    public const int ModeForward = 0;
    public const int ModeViterbi = 1;
    public const int ModeBackward = 2;

    /// <summary>Score slots per sequence: the mode numbers double as the slot index (forward 0, Viterbi 1, backward 2).</summary>
    public const int ScoreSlots = 3;

    /// <summary>Floats of dynamic shared memory the kernel needs (<paramref name="pack"/> sequences per group: columns, sources and chunks per sequence).</summary>
    public static int SharedFloats(int pad, int stride, int rows, bool tableInShared, int chunkFrames, int warps, int split, bool scaled, int pack = 1) =>
        pack * 2 * (2 * pad + stride) + (tableInShared ? rows * TablePitch(stride, split, scaled) : 0) + (scaled ? pack * stride : 0) + pack * chunkFrames * stride
        + 2 * warps + 2 * (split > 1 ? stride * split : 1) + 1;

    /// <summary>
    /// Floats between rows of the transition table staged in shared memory: the stride, except for the scaled step with a
    /// row split. There thread k of a state reads rows k, k + K, ... (<see cref="Definitions.ScaledPartialSum{TL, TV, TM}"/>)
    /// while a warp covers only 32/K states, so with a stride that is a multiple of 32 its K rows would sit in one
    /// bank (a K-way conflict on every load). A pitch ≡ 32/K (mod 32) puts row k of the warp's states in banks
    /// k·32/K .. k·32/K + 32/K - 1: all 32 lanes in distinct banks.
    /// </summary>
    public static int TablePitch(int stride, int split, bool scaled)
    {
        if (!scaled || split <= 1) return stride;
        const int banks = 32;
        int target = banks / split;
        return stride + ((target - stride) % banks + banks) % banks;
    }

    /// <summary>True when the scaled step can run with <paramref name="split"/> threads per state: a power of two that divides the warp (the shuffle's combine).</summary>
    public static bool ScaledSplitFits(int split, int warpSize) => split > 1 && (split & (split - 1)) == 0 && split <= warpSize && split <= 32;
}

/// <summary>
/// The transition tables a recursion group reads. The exact step reads <see cref="Table"/> (log); the scaled step
/// (<see cref="Definitions.RelaxDenseScaled{TL, TV, TM}"/>) reads <see cref="Linear"/> every frame, <see cref="ColumnMax"/>
/// once a frame per thread, the column of scaled sources <see cref="Sources"/> in shared memory, and the log table only in its
/// fallback. So the table staged in shared memory (when it fits) is the linear one for the scaled step and the log one
/// otherwise; the other stays in global memory.
/// </summary>
internal readonly struct StepTables
{
    private StepTables(ArrayView<float> table, ArrayView<float> linear, ArrayView<float> columnMax, ArrayView<float> sources, bool scaled)
    {
        Table = table;
        Linear = linear;
        ColumnMax = columnMax;
        Sources = sources;
        Scaled = scaled;
    }

    /// <summary>[rows, stride] log table.</summary>
    public ArrayView<float> Table { get; }

    /// <summary>[rows, stride] linear table (scaled step); in shared memory its rows are <see cref="RecursionKernel.TablePitch"/> apart.</summary>
    public ArrayView<float> Linear { get; }

    /// <summary>[stride] column maxima (scaled step).</summary>
    public ArrayView<float> ColumnMax { get; }

    /// <summary>Shared memory for p = exp(source - max): one column per row the group carries (scaled step).</summary>
    public ArrayView<float> Sources { get; }

    /// <summary>True when this group takes the scaled step.</summary>
    public bool Scaled { get; }

    /// <summary>
    /// The tables of seat <paramref name="seat"/> of a packed group (<see cref="Seat"/>): the same tables, its own column of
    /// scaled sources (p depends on the sequence). Seat 0 of an unpacked group gets the whole column.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public StepTables ForSeat(int seat, int stride) =>
        Scaled ? new StepTables(Table, Linear, ColumnMax, Sources.SubView((long)seat * stride, stride), true) : this;

    /// <summary>
    /// Carves the tables out of shared memory at <paramref name="offset"/> (and advances it): the hot table when
    /// <paramref name="inShared"/>, then <paramref name="sourceFloats"/> floats for the scaled sources (0 when the launch
    /// has no scaled step; a launch reserves them for all its groups, Viterbi ones included).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StepTables Stage(ArrayView<float> shared, ref int offset, bool inShared, ArrayView<float> log, ArrayView<float> scaledTable,
        bool scaled, int sourceFloats, int rows, int stride, int pitch)
    {
        int tableSize = rows * stride;
        var hot = scaled ? scaledTable : log;
        if (inShared)
        {
            // The launch reserves rows · pitch floats (pitch ≥ stride; only a scaled group reads the padded rows).
            var staged = shared.SubView(offset, rows * pitch);
            offset += rows * pitch;
            if (pitch == stride)
            {
                for (int i = Group.IdxX; i < tableSize; i += Group.DimX) staged[i] = hot[i];
            }
            else
            {
                for (int i = Group.IdxX; i < tableSize; i += Group.DimX)
                {
                    int r = i / stride;
                    staged[(long)r * (scaled ? pitch : stride) + i - r * stride] = hot[i];
                }
            }
            hot = staged;
        }
        var sources = shared.SubView(offset, XMath.Max(sourceFloats, 1));
        offset += sourceFloats;
        if (!scaled) return new StepTables(hot, scaledTable, scaledTable, sources, false);
        return new StepTables(log, hot, scaledTable.SubView((long)rows * stride, stride), sources, true);
    }
}

/// <summary>The recursion kernel's passes: each transition step is <see cref="Definitions"/>' with the GPU lane.</summary>
internal static partial class RecursionKernel
{

    /// <summary>
    /// <see cref="Run"/> compiled for one shape: the transition rows, the stride, the padding and the layout become
    /// constants, so the per-state loops of the definitions have fixed trip counts the compiler can unroll. The packing
    /// (<paramref name="pack"/> sequences of <paramref name="lanes"/> threads per group) is part of the shape.
    /// </summary>
    public static void RunSpecialized(RecursionParams p, SpecializedValue<int> rows, SpecializedValue<int> stride, SpecializedValue<int> pad,
        SpecializedValue<int> banded, SpecializedValue<int> scanMax, SpecializedValue<int> split, SpecializedValue<int> scaled,
        SpecializedValue<int> pack, SpecializedValue<int> lanes)
    {
        p.Scaled = scaled.Value;
        p.Split = split.Value;
        p.Rows = rows.Value;
        p.Stride = stride.Value;
        p.Pad = pad.Value;
        p.Banded = banded.Value;
        p.ScanMax = scanMax.Value;
        p.Pack = pack.Value;
        p.Lanes = lanes.Value;
        Run(p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(RecursionParams p)
    {
        int group = Grid.IdxX;
        int packed = group / p.ModeCount;
        int slot = group - packed * p.ModeCount;
        int mode = slot == 0 ? p.Mode0 : slot == 1 ? p.Mode1 : p.Mode2;
        int tid = Group.IdxX, threads = Group.DimX;
        int stride = p.Stride, pad = p.Pad, colSize = 2 * pad + stride;
        var seat = Seat.Of(p, packed, tid);

        // Shared memory: each seat's two columns, the table (shared by the seats) and each seat's scaled sources, each
        // seat's emission chunk, the column-maximum partials, the row blocks.
        var shared = SharedMemory.GetDynamic<float>();
        var colA = shared.SubView(2 * seat.Index * colSize, colSize);
        var colB = shared.SubView((2 * seat.Index + 1) * colSize, colSize);
        int offset = 2 * p.Pack * colSize;
        p.LinearPitch = p.TableInShared != 0 ? RecursionKernel.TablePitch(stride, p.Split, p.Scaled != 0) : stride;
        var tables = StepTables.Stage(shared, ref offset, p.TableInShared != 0, mode == ModeBackward ? p.OutOfTable : p.IntoTable,
            mode == ModeBackward ? p.OutOfScaled : p.IntoScaled, p.Scaled != 0 && mode != ModeViterbi, p.Scaled != 0 ? p.Pack * stride : 0, p.Rows, stride,
            p.LinearPitch).ForSeat(seat.Index, stride);
        var chunk = shared.SubView(offset + seat.Index * p.ChunkFrames * stride, p.ChunkFrames * stride);
        offset += p.Pack * p.ChunkFrames * stride;
        int warps = (threads + Warp.WarpSize - 1) / Warp.WarpSize;
        var partials = shared.SubView(offset, 2 * warps);
        offset += 2 * warps;
        // Row-block results when several threads share a state: values, arg-maxes, and the 0 the combining step adds.
        var blocks = new RowBlocks(shared, offset, stride, p.Split);
        if (p.Split > 1 && tid == 0) blocks.Zero[0] = 0f;
        for (int i = tid; i < 2 * p.Pack * colSize; i += threads) shared[i] = float.NegativeInfinity;
        Group.Barrier();

        if (mode == ModeBackward) Backward(p, seat, colA, colB, tables, chunk, partials, blocks);
        else if (mode == ModeViterbi) Forward<MaxPlus>(p, seat, colA, colB, tables, chunk, partials, blocks, true);
        else Forward<LogSumExp>(p, seat, colA, colB, tables, chunk, partials, blocks, false);
    }

    /// <summary>
    /// With <see cref="RecursionParams.Split"/> = K &gt; 1, thread (j, k) runs the definition over rows
    /// [k·R, (k+1)·R) of the table (R = ⌈rows/K⌉) and stores the partial ⊕ and its arg; after a barrier, the definition
    /// combines the K partials of state j (a dense step over K rows of 0). Both are the one definition; the split only
    /// shortens each thread's dependent chain from rows to about rows/K + K steps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RelaxBlocks<TS>(RecursionParams p, GpuMemory source, ArrayView<float> table, int direction, RowBlocks blocks)
        where TS : struct, ISemiring
    {
        int split = p.Split, stride = p.Stride, rows = p.Rows;
        int per = (rows + split - 1) / split;
        for (int u = Group.IdxX; u < stride * split; u += Group.DimX)
        {
            int j = u / split, k = u - j * split;
            int r0 = XMath.Min(k * per, rows);
            int count = XMath.Min(per, rows - r0);
            if (count <= 0)
            {
                // An empty block (more threads than rows): the semiring's zero, which never wins the combination.
                blocks.Values[u] = float.NegativeInfinity;
                blocks.Args[u] = 0f;
                continue;
            }
            float arg = 0f;
            blocks.Values[u] = Definitions.Relax<GpuLane, float, TS, GpuMemory>(source, p.Pad + r0, new GpuMemory(table.SubView((long)r0 * stride)), count, false, stride, j, direction, ref arg);
            blocks.Args[u] = arg + r0;
        }
        Group.Barrier();
    }

    /// <summary>
    /// The scaled step with K = <see cref="RecursionParams.Split"/> threads per state, for lane <paramref name="u"/> of a
    /// trip over stride · K lanes (state j = u / K, row class k = u mod K, so a state's K lanes are adjacent lanes of one
    /// warp). Lane (j, k) sums rows k, k + K, ... (<see cref="Definitions.ScaledPartialSum{TL, TV, TM}"/>); a butterfly of
    /// shuffle-xors over log2 K lanes (<see cref="WarpReduce.Sum"/>) adds the K partial sums, which leaves every lane of the state with the same
    /// bits ((S0 + S2) + (S1 + S3) for K = 4: float addition commutes), independent of scheduling. Lane k = 0 then finishes
    /// (<see cref="Definitions.FinishScaled{TL, TV, TM}"/>, whose exact fallback loops over all rows in that thread) and
    /// gets <paramref name="j"/>; every other lane, and lanes past the last state, get j = -1. Every lane of the group
    /// must call this the same number of times (the shuffles need whole warps).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float SplitScaledValue(RecursionParams p, GpuMemory source, StepTables tables, float max, int u, out int j)
    {
        int split = p.Split, stride = p.Stride, rows = p.Rows;
        int state = u / split, k = u - state * split;
        bool live = state < stride;
        int count = live && k < rows ? (rows - k + split - 1) / split : 0;
        float sum = Definitions.ScaledPartialSum<GpuLane, float, GpuMemory>(new GpuMemory(tables.Sources), 0, new GpuMemory(tables.Linear), k, split, count, p.LinearPitch, live ? state : 0);
        sum = WarpReduce.Sum(sum, split);
        j = live && k == 0 ? state : -1;
        if (j < 0) return 0f;
        return Definitions.FinishScaled<GpuLane, float, GpuMemory>(sum, source, p.Pad, max, new GpuMemory(tables.Table), new GpuMemory(tables.ColumnMax), rows, stride, state);
    }

    /// <summary>
    /// State j's value for this frame: the scaled step (with <paramref name="max"/>, the source column's maximum, and p from
    /// <see cref="GroupColumns.ScaleSources(StepTables, ArrayView{float}, int, float, int)"/>), the definition over all rows, or the
    /// combination of its row blocks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float StateValue<TS>(RecursionParams p, GpuMemory source, StepTables tables, float max, int direction, RowBlocks blocks, int j, ref float arg)
        where TS : struct, ISemiring
    {
        var table = new GpuMemory(tables.Table);
        if (tables.Scaled)
            return Definitions.RelaxDenseScaled<GpuLane, float, GpuMemory>(source, p.Pad, new GpuMemory(tables.Sources), 0, max, table, new GpuMemory(tables.Linear),
                new GpuMemory(tables.ColumnMax), p.Rows, p.Stride, j);
        if (p.Split <= 1)
        {
            return p.Banded != 0
                ? Definitions.RelaxBand<GpuLane, float, TS, GpuMemory, GpuBand>(source, p.Pad, table, new GpuBand(p.BandOffsets, p.Band0, p.Band1, p.Band2, p.Band3, p.Band4, p.Band5, p.Band6, p.Band7), p.Rows, p.Stride, j, direction, ref arg)
                : Definitions.Relax<GpuLane, float, TS, GpuMemory>(source, p.Pad, table, p.Rows, false, p.Stride, j, direction, ref arg);
        }
        float which = 0f;
        float v = Definitions.Relax<GpuLane, float, TS, GpuMemory>(new GpuMemory(blocks.Values), j * p.Split, new GpuMemory(blocks.Zero), p.Split, false, 0, 0, direction, ref which);
        arg = blocks.Args[j * p.Split + (int)which];
        return v;
    }

    /// <summary>
    /// Forward or Viterbi for this thread's seat. Every loop that holds a barrier runs over the group's longest sequence
    /// (<see cref="Seat.GroupLength"/>), so that all threads of a packed group reach every barrier; a seat whose sequence
    /// has ended (or died, or is empty) idles through the remaining frames. Unpacked, the group is one seat and this is the
    /// one-sequence recursion.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Forward<TS>(RecursionParams p, Seat seat, ArrayView<float> colA, ArrayView<float> colB, StepTables tables,
        ArrayView<float> chunk, ArrayView<float> partials, RowBlocks blocks, bool viterbi)
        where TS : struct, ISemiring
    {
        int tid = seat.Lane, threads = seat.Lanes, b = seat.Sequence, live = seat.Live;
        int stride = p.Stride, pad = p.Pad, chunkFrames = p.ChunkFrames, length = seat.Length, frames = seat.GroupLength;
        long seqBase = (long)b * p.MaxLength * stride;
        var emissions = p.Emissions.SubView(seqBase, (long)p.MaxLength * stride);
        int scoreSlot = b * 3 + (viterbi ? 1 : 0);
        int record = viterbi ? 0 : p.RecordAlpha;
        if (length == 0 && seat.Exists)
        {
            if (tid == 0) p.Scores[scoreSlot] = 0.0;
            if (record == 2) FillTail(p.AlphaColumns, seqBase, 0, p.MaxLength, stride, tid, threads);
        }
        if (frames == 0) return; // every seat of the group is empty: uniform

        GroupColumns.LoadRows(emissions, 0, XMath.Min(chunkFrames, length), chunk, stride, tid, threads);
        Group.Barrier();
        int warps = (Group.DimX + Warp.WarpSize - 1) / Warp.WarpSize;
        bool fused = FusedMax(p, warps);
        float local = float.NegativeInfinity;
        if (length > 0)
        {
            local = Definitions.InitialColumn<GpuLane, float, GpuMemory>(new GpuMemory(p.Initial), new GpuMemory(chunk), 0,
                new GpuMemory(colA), pad, new ColumnSlice(tid, live, threads));
        }
        if (fused) GroupColumns.PublishWarpMax(local, partials, 0, warps);
        Group.Barrier();

        var prev = colA;
        var cur = colB;
        double total = 0;
        int parity = 0, chunkBase = 0;
        // The frame at which this seat's previous column was found dead (no live state), or 0 while it lives.
        int deadAt = 0;
        for (int t = 1; t < frames; t++)
        {
            // Every thread takes the maximum (a shuffle reduction needs the whole warp), live seat or not.
            float m = fused ? GroupColumns.PartialsMax(partials, parity, warps) : GroupColumns.ColumnMax(prev, pad, stride, partials, parity, p.ScanMax, tid, threads);
            parity ^= 1;
            // Unpacked, the loop runs over this sequence and stops where it dies: always active (a constant when specialised).
            bool active = p.Pack == 1 || (t < length && deadAt == 0);
            if (active && m == float.NegativeInfinity)
            {
                deadAt = t;
                active = false;
                if (p.Pack == 1) break; // one seat: the whole group stops (uniform)
            }
            if (active)
            {
                total += m;
                if (record != 0) RecordForward(p, record, b, t - 1, prev, pad, stride, m, total, seqBase, tid, threads);
                // The scaled step's p column and a new chunk of emissions share one barrier.
                GroupColumns.ScaleSources(tables, prev, pad, m, live, tid, threads);
            }
            // Chunks start at multiples of chunkFrames in every seat, so the staging barrier is uniform.
            bool stage = t - chunkBase >= chunkFrames;
            if (stage)
            {
                chunkBase = t;
                if (active) GroupColumns.LoadRows(emissions, t, XMath.Min(t + chunkFrames, length), chunk, stride, tid, threads);
            }
            if (stage || tables.Scaled) Group.Barrier();
            if (active)
            {
                // A row split (barriers and shuffles inside) runs only unpacked, where 'active' holds in the whole group.
                int row = (t - chunkBase) * stride;
                var source = new GpuMemory(prev);
                long bpRow = seqBase + (long)t * stride;
                if (p.Split > 1 && !tables.Scaled) RelaxBlocks<TS>(p, source, tables.Table, -1, blocks);
                if (p.Split > 1 && tables.Scaled)
                {
                    for (int u0 = 0; u0 < stride * p.Split; u0 += threads)
                    {
                        float v = SplitScaledValue(p, source, tables, m, u0 + tid, out int j);
                        if (j >= 0) cur[pad + j] = v - m + chunk[row + j];
                    }
                }
                else
                {
                    local = float.NegativeInfinity;
                    for (int j = tid; j < live; j += threads)
                    {
                        float arg = 0f;
                        float value = StateValue<TS>(p, source, tables, m, -1, blocks, j, ref arg) - m + chunk[row + j];
                        cur[pad + j] = value;
                        local = XMath.Max(local, value);
                        if (viterbi) p.Backpointers[bpRow + j] = arg;
                    }
                    if (fused) GroupColumns.PublishWarpMax(local, partials, parity, warps);
                }
            }
            Group.Barrier();
            if (active)
            {
                var swap = prev;
                prev = cur;
                cur = swap;
            }
        }

        float last = GroupColumns.ColumnMax(prev, pad, stride, partials, parity, p.ScanMax, tid, threads);
        int state = 0;
        bool trace = false;
        if (deadAt > 0)
        {
            // Column deadAt-1 has no live state: every later frame is impossible (as the CPU engine records it).
            if (tid == 0) p.Scores[scoreSlot] = double.NegativeInfinity;
            if (record != 0)
            {
                for (int u = deadAt - 1; u < length; u++) RecordDead(p.AlphaColumns, p.AlphaScales, record, b, u, seqBase, stride, p.MaxLength, tid, threads);
            }
            if (viterbi)
            {
                for (int u = tid; u < length; u += threads) p.Paths[(long)b * p.PathStride + u] = -1;
            }
            if (record == 2) FillTail(p.AlphaColumns, seqBase, length, p.MaxLength, stride, tid, threads);
        }
        else if (length > 0 && last == float.NegativeInfinity)
        {
            if (tid == 0) p.Scores[scoreSlot] = double.NegativeInfinity;
            if (record != 0) RecordDead(p.AlphaColumns, p.AlphaScales, record, b, length - 1, seqBase, stride, p.MaxLength, tid, threads);
            if (viterbi)
            {
                for (int u = tid; u < length; u += threads) p.Paths[(long)b * p.PathStride + u] = -1;
            }
            if (record == 2) FillTail(p.AlphaColumns, seqBase, length, p.MaxLength, stride, tid, threads);
        }
        else if (length > 0)
        {
            total += last;
            if (record != 0) RecordForward(p, record, b, length - 1, prev, pad, stride, last, total, seqBase, tid, threads);
            if (record == 2) FillTail(p.AlphaColumns, seqBase, length, p.MaxLength, stride, tid, threads);
            if (!viterbi && tid == 0)
            {
                p.Scores[scoreSlot] = Definitions.ForwardLogLikelihood<GpuLane, float, GpuMemory, WholeColumn>(new GpuMemory(prev), pad, last, total,
                    new ColumnSlice(0, stride, 1), default);
            }
            if (viterbi)
            {
                // Viterbi: score and the final state, then the backtrace on the device.
                if (tid == 0)
                {
                    p.Scores[scoreSlot] = total;
                    state = Definitions.BestFinalState(new GpuMemory(prev), pad, p.States);
                    p.Paths[(long)b * p.PathStride + length - 1] = state;
                }
                trace = true;
            }
        }
        // The backtrace's barriers follow the group's longest sequence; unpacked, a dead sequence skips it (uniform).
        if (!viterbi || (p.Pack == 1 && !trace)) return;
        var backpointers = p.Backpointers.SubView(seqBase, (long)p.MaxLength * stride);
        GroupColumns.FollowBackpointers(backpointers, chunk, p.Paths, (long)b * p.PathStride, length, chunkFrames, stride, state, tid, threads, trace, frames);
    }

    /// <summary>Backward for this thread's seat; as <see cref="Forward{TS}"/>, the loops with barriers run over the group's longest sequence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Backward(RecursionParams p, Seat seat, ArrayView<float> colA, ArrayView<float> colB, StepTables tables,
        ArrayView<float> chunk, ArrayView<float> partials, RowBlocks blocks)
    {
        int tid = seat.Lane, threads = seat.Lanes, b = seat.Sequence, live = seat.Live;
        int stride = p.Stride, pad = p.Pad, chunkFrames = p.ChunkFrames, length = seat.Length, frames = seat.GroupLength;
        long seqBase = (long)b * p.MaxLength * stride;
        var emissions = p.Emissions.SubView(seqBase, (long)p.MaxLength * stride);
        int scoreSlot = b * 3 + 2;
        int record = p.RecordBeta;
        if (length == 0 && seat.Exists)
        {
            if (tid == 0) p.Scores[scoreSlot] = 0.0;
            if (record == 2) FillTail(p.BetaColumns, seqBase, 0, p.MaxLength, stride, tid, threads);
        }
        if (frames == 0) return; // every seat of the group is empty: uniform

        // u_t = e_t + beta-hat_t lives in shared memory; beta-hat_{T-1} = 0 on real states.
        int chunkLo = XMath.Max(0, length - chunkFrames);
        GroupColumns.LoadRows(emissions, chunkLo, length, chunk, stride, tid, threads);
        Group.Barrier();
        int warps = (Group.DimX + Warp.WarpSize - 1) / Warp.WarpSize;
        bool fused = FusedMax(p, warps);
        float local = float.NegativeInfinity;
        if (length > 0)
        {
            int lastRow = (length - 1 - chunkLo) * stride;
            for (int j = tid; j < stride; j += threads)
            {
                float beta = Definitions.FinalBeta<GpuLane, float>(p.States, j);
                float value = chunk[lastRow + j] + beta;
                colA[pad + j] = value;
                local = XMath.Max(local, value);
                if (record != 0) p.BetaColumns[seqBase + (long)(length - 1) * stride + j] = beta;
            }
            if (record == 1 && tid == 0) p.BetaScales[(long)b * p.MaxLength + length - 1] = 0f;
        }
        if (fused) GroupColumns.PublishWarpMax(local, partials, 0, warps);
        Group.Barrier();

        var prev = colA;
        var cur = colB;
        double total = 0;
        int parity = 0;
        // The frame at which this seat's next column was found dead, or -1 while it lives.
        int deadAt = -1;
        // Step k is frame t = length - 2 - k of this seat. A seat stages emissions at t = length - 1 - c·chunkFrames
        // (c ≥ 1), i.e. at step k = c·chunkFrames - 1 in every seat, so the staging barrier falls on 'nextStage' (uniform).
        int nextStage = chunkFrames - 1;
        for (int k = 0; k < frames - 1; k++)
        {
            int t = length - 2 - k;
            float m = fused ? GroupColumns.PartialsMax(partials, parity, warps) : GroupColumns.ColumnMax(prev, pad, stride, partials, parity, p.ScanMax, tid, threads);
            parity ^= 1;
            bool active = p.Pack == 1 || (t >= 0 && deadAt < 0);
            if (active && m == float.NegativeInfinity)
            {
                deadAt = t;
                active = false;
                if (p.Pack == 1) break; // one seat: the whole group stops (uniform)
            }
            if (active)
            {
                total += m;
                GroupColumns.ScaleSources(tables, prev, pad, m, live, tid, threads);
            }
            bool stage = k == nextStage;
            if (stage) nextStage += chunkFrames;
            if (active && t < chunkLo)
            {
                chunkLo = XMath.Max(0, t - chunkFrames + 1);
                GroupColumns.LoadRows(emissions, chunkLo, t + 1, chunk, stride, tid, threads);
            }
            if (stage || tables.Scaled) Group.Barrier();
            if (active)
            {
                // A row split (barriers and shuffles inside) runs only unpacked, where 'active' holds in the whole group.
                int row = (t - chunkLo) * stride;
                var source = new GpuMemory(prev);
                long column = seqBase + (long)t * stride;
                if (p.Split > 1 && !tables.Scaled) RelaxBlocks<LogSumExp>(p, source, tables.Table, +1, blocks);
                if (p.Split > 1 && tables.Scaled)
                {
                    for (int u0 = 0; u0 < stride * p.Split; u0 += threads)
                    {
                        float beta = SplitScaledValue(p, source, tables, m, u0 + tid, out int j) - m;
                        if (j >= 0) StoreBeta(p, record, column, total, beta, cur, pad, chunk, row, j);
                    }
                }
                else
                {
                    local = float.NegativeInfinity;
                    for (int j = tid; j < live; j += threads)
                    {
                        float arg = 0f;
                        float beta = StateValue<LogSumExp>(p, source, tables, m, +1, blocks, j, ref arg) - m;
                        local = XMath.Max(local, StoreBeta(p, record, column, total, beta, cur, pad, chunk, row, j));
                    }
                    if (fused) GroupColumns.PublishWarpMax(local, partials, parity, warps);
                    // States past the seat's lanes stay -inf in the columns (never written); the recorded column still gets them.
                    if (record != 0)
                    {
                        for (int j = live + tid; j < stride; j += threads) StoreBeta(p, record, column, total, float.NegativeInfinity, cur, pad, chunk, row, j);
                    }
                }
                if (record == 1 && tid == 0) p.BetaScales[(long)b * p.MaxLength + t] = m;
            }
            Group.Barrier();
            if (active)
            {
                var swap = prev;
                prev = cur;
                cur = swap;
            }
        }

        if (deadAt >= 0)
        {
            if (tid == 0) p.Scores[scoreSlot] = double.NegativeInfinity;
            if (record != 0)
            {
                for (int u = deadAt; u >= 0; u--) RecordDead(p.BetaColumns, p.BetaScales, record, b, u, seqBase, stride, p.MaxLength, tid, threads);
            }
        }
        else if (length > 0 && tid == 0)
        {
            // log P(x) = Σ scales + log Σ_j exp(π_j + u_0(j)).
            p.Scores[scoreSlot] = Definitions.BackwardLogLikelihood<GpuLane, float, GpuMemory, WholeColumn>(new GpuMemory(p.Initial), new GpuMemory(prev), pad,
                total, new ColumnSlice(0, stride, 1), default);
        }
        if (record == 2 && length > 0) FillTail(p.BetaColumns, seqBase, length, p.MaxLength, stride, tid, threads);
    }

    /// <summary>
    /// Backward: state j's normalised beta into the recorded columns (when recorded) and u_t = e_t + beta into
    /// <paramref name="cur"/>; returns u_t (the next frame's maximum is over it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float StoreBeta(RecursionParams p, int record, long column, double total, float beta, ArrayView<float> cur, int pad,
        ArrayView<float> chunk, int row, int j)
    {
        if (record == 1) p.BetaColumns[column + j] = beta;
        else if (record == 2) p.BetaColumns[column + j] = (float)(beta + total);
        float value = chunk[row + j] + beta;
        cur[pad + j] = value;
        return value;
    }

    /// <summary>
    /// Whether a group takes each column's maximum from warp partials published with the column itself
    /// (<see cref="GroupColumns.PublishWarpMax"/> before the frame's closing barrier, <see cref="GroupColumns.PartialsMax"/> after it) instead of
    /// <see cref="GroupColumns.ColumnMax(ArrayView{float}, int, int, ArrayView{float}, int, int, int, int)"/>, which reads the column
    /// again and needs a barrier of its own: one barrier a frame instead of two. Unpacked groups of several warps, one
    /// thread per state (the row split and the scan keep their own ways); uniform, a constant when specialised.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FusedMax(RecursionParams p, int warps) => p.ScanMax == 0 && p.Pack == 1 && p.Split <= 1 && warps > 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RecordForward(RecursionParams p, int record, int b, int t, ArrayView<float> column, int pad, int stride, float m, double total, long seqBase,
        int lane, int lanes)
    {
        long dst = seqBase + (long)t * stride;
        for (int j = lane; j < stride; j += lanes)
        {
            float normalised = column[pad + j] - m;
            p.AlphaColumns[dst + j] = record == 1 ? normalised : (float)(normalised + total);
        }
        if (record == 1 && lane == 0) p.AlphaScales[(long)b * p.MaxLength + t] = m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RecordDead(ArrayView<float> columns, ArrayView<float> scales, int record, int b, int t, long seqBase, int stride, int maxLength,
        int lane, int lanes)
    {
        long dst = seqBase + (long)t * stride;
        for (int j = lane; j < stride; j += lanes) columns[dst + j] = float.NegativeInfinity;
        if (record == 1 && lane == 0) scales[(long)b * maxLength + t] = float.NegativeInfinity;
    }

    /// <summary>Frames past a sequence's length read -inf, as in a freshly allocated lattice.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FillTail(ArrayView<float> columns, long seqBase, int from, int maxLength, int stride, int lane, int lanes)
    {
        long start = seqBase + (long)from * stride, end = seqBase + (long)maxLength * stride;
        for (long i = start + lane; i < end; i += lanes) columns[i] = float.NegativeInfinity;
    }

}

/// <summary>Shared-memory views for the row-block split of a dense step.</summary>
internal readonly struct RowBlocks
{
    public RowBlocks(ArrayView<float> shared, int offset, int stride, int split)
    {
        int n = split > 1 ? stride * split : 0;
        Values = shared.SubView(offset, XMath.Max(n, 1));
        Args = shared.SubView(offset + n, XMath.Max(n, 1));
        Zero = shared.SubView(offset + 2 * n, 1);
    }

    /// <summary>[stride · split] partial results, state-major.</summary>
    public ArrayView<float> Values { get; }

    /// <summary>[stride · split] their arg-maxes (absolute row indices).</summary>
    public ArrayView<float> Args { get; }

    /// <summary>One 0: the "transition" the combining step adds to each partial.</summary>
    public ArrayView<float> Zero { get; }
}

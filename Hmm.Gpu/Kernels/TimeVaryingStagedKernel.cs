using System.Runtime.CompilerServices;
using Hmm.Engine;
using ILGPU;
using ILGPU.Algorithms;

namespace Hmm.Gpu.Kernels;

/// <summary>
/// The staged forward, Viterbi and backward over per-frame transitions (<see cref="TimeVaryingTransitions"/>), one thread
/// group per sequence. Three changes from <see cref="TimeVaryingKernel.Recursion"/>, whose results it reproduces to float
/// rounding:
/// <list type="bullet">
/// <item>Frame t + 1's table (and emissions) is copied into shared memory by the whole group while frame t is computed: each
/// thread issues its (up to eight) coalesced global loads into registers before the frame's step and stores them into the
/// other half of a double buffer after it, so the table's load latency overlaps the step instead of sitting inside every
/// thread's dependent accumulation.</item>
/// <item>K = <see cref="TimeVaryingParams.Split"/> threads per state (adjacent lanes of one warp): lane k of state j runs
/// <see cref="Definitions.RelaxDense{TL, TV, TS, TM}"/> over source rows k, k + K, … (the staged table read with a row
/// pitch of K · <see cref="TimeVaryingParams.Pitch"/>, the source column kept in a class-major copy so that those rows are
/// contiguous) and a butterfly of warp shuffles joins the K partial results with <see cref="Definitions.CombineTwo{TS}"/>
/// (on a max-plus tie the smaller source row wins, as in one pass over the rows). Banded tables take K = 1 and
/// <see cref="Definitions.RelaxBanded{TL, TV, TS, TM}"/>.</item>
/// <item>The column normalisation is folded into the next frame as in <see cref="RecursionKernel"/>: a frame's column is
/// stored unnormalised, each warp publishes the maximum of what it wrote, and the next frame reads the partials after the
/// one barrier a frame, subtracts the maximum from its step and adds it (float64) to the running total. Recorded columns
/// (normalised, with their scales) and scores are those of the first kernel.</item>
/// </list>
/// Viterbi's backtrace stages the back-pointers through the (then free) table buffers
/// (<see cref="GroupColumns.FollowBackpointers(ArrayView{float}, ArrayView{float}, ArrayView{int}, long, int, int, int, int, int)"/>).
/// </summary>
internal static class TimeVaryingStagedKernel
{
    /// <summary>Floats each thread keeps in registers for the next frame's table: loads issued together, stored after the step.</summary>
    private const int Prefetch = 8;

    /// <summary>Floats of the class-major source column: K classes of <paramref name="classPitch"/>, with padding on both sides (banded reads).</summary>
    public static int SourceFloats(int pad, int split, int classPitch) => 2 * pad + split * classPitch;

    /// <summary>
    /// Floats of dynamic shared memory a group needs: two value columns, two source columns, two staged tables of
    /// <paramref name="rows"/> × <paramref name="pitch"/>, two emission rows and two slots of per-warp maxima.
    /// </summary>
    public static int SharedFloats(int pad, int stride, int rows, int pitch, int split, int classPitch, int warps) =>
        2 * stride + 2 * SourceFloats(pad, split, classPitch) + 2 * rows * pitch + 2 * stride + 2 * warps;

    /// <summary>
    /// Row pitch of the staged table for <paramref name="split"/> threads per state: the stride with one thread (consecutive
    /// states, no conflict), else ≡ 32 / K (mod 32), so that the K rows a warp's lanes of one state read sit in distinct banks.
    /// </summary>
    public static int Pitch(int stride, int split) => split <= 1 ? stride : RecursionKernel.TablePitch(stride, split, scaled: true);

    /// <summary>Floats between source classes of the class-major column: ⌈stride / K⌉ made odd, so that the K classes' reads fall in distinct banks.</summary>
    public static int ClassPitch(int stride, int split) => split <= 1 ? stride : ((stride + split - 1) / split) | 1;

    /// <summary>One group per sequence, one pass (<see cref="TimeVaryingParams.Mode"/>).</summary>
    public static void Recursion(TimeVaryingParams p)
    {
        if (p.Mode == RecursionKernel.ModeViterbi) ForwardPass<MaxPlus>(p);
        else if (p.Mode == RecursionKernel.ModeForward) ForwardPass<LogSumExp>(p);
        else BackwardPass(p);
    }

    /// <summary>The shared-memory views of one group.</summary>
    private readonly struct Layout
    {
        public readonly ArrayView<float> ValuesA, ValuesB, SourceA, SourceB, TableA, TableB, EmissionA, EmissionB, Partials;
        private readonly ArrayView<float> _shared;
        private readonly int _tables;

        public Layout(ArrayView<float> shared, TimeVaryingParams p, int warps)
        {
            int stride = p.Stride, source = SourceFloats(p.Pad, p.Split, p.ClassPitch), table = p.Rows * p.Pitch;
            int offset = 0;
            ValuesA = shared.SubView(offset, stride); offset += stride;
            ValuesB = shared.SubView(offset, stride); offset += stride;
            SourceA = shared.SubView(offset, source); offset += source;
            SourceB = shared.SubView(offset, source); offset += source;
            _shared = shared;
            _tables = offset;
            TableA = shared.SubView(offset, table); offset += table;
            TableB = shared.SubView(offset, table); offset += table;
            EmissionA = shared.SubView(offset, stride); offset += stride;
            EmissionB = shared.SubView(offset, stride); offset += stride;
            Partials = shared.SubView(offset, 2 * warps);
        }

        public ArrayView<float> Table(int parity) => parity == 0 ? TableA : TableB;

        /// <summary>The first <paramref name="floats"/> of the two table buffers, which lie back to back (the backtrace's chunk).</summary>
        public ArrayView<float> Tables(int floats) => _shared.SubView(_tables, floats);

        public ArrayView<float> Emission(int parity) => parity == 0 ? EmissionA : EmissionB;
    }

    /// <summary>Where state <paramref name="j"/> sits in the class-major source column (after its padding).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SourceIndex(TimeVaryingParams p, int j) => p.Pad + (j & (p.Split - 1)) * p.ClassPitch + (j >> p.SplitShift);

    /// <summary>
    /// A frame's table and emission row on their way into shared memory: the first <see cref="Prefetch"/> of this thread's
    /// elements of the table (elements tid, tid + threads, …) and its emission, loaded into registers together.
    /// </summary>
    private struct Staging
    {
        public float V0, V1, V2, V3, V4, V5, V6, V7, E;

        /// <summary>Issues the loads (guarded past the frame's end); nothing waits on them until <see cref="Store"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Load(ArrayView<float> table, long start, int count, ArrayView<float> emissions, long emissionStart, int stride, int tid, int threads)
        {
            int s = threads;
            V0 = tid < count ? table[start + tid] : 0f;
            V1 = tid + s < count ? table[start + tid + s] : 0f;
            V2 = tid + 2 * s < count ? table[start + tid + 2 * s] : 0f;
            V3 = tid + 3 * s < count ? table[start + tid + 3 * s] : 0f;
            V4 = tid + 4 * s < count ? table[start + tid + 4 * s] : 0f;
            V5 = tid + 5 * s < count ? table[start + tid + 5 * s] : 0f;
            V6 = tid + 6 * s < count ? table[start + tid + 6 * s] : 0f;
            V7 = tid + 7 * s < count ? table[start + tid + 7 * s] : 0f;
            E = tid < stride ? emissions[emissionStart + tid] : 0f;
        }

        /// <summary>
        /// Stores the registers into the staged table (element q = row · stride + column goes to row · pitch + column) and
        /// the emission row, then copies what did not fit the registers (more than eight elements a thread) directly.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(ArrayView<float> table, long start, int count, ArrayView<float> emissions, long emissionStart,
            ArrayView<float> staged, ArrayView<float> emissionRow, int stride, int pitch, int tid, int threads)
        {
            // Row and column of element tid + c · threads, advanced without a division per element.
            int row = tid / stride, column = tid - row * stride;
            int rowStep = threads / stride, columnStep = threads - rowStep * stride;
            int q = tid;
            if (q < count) staged[row * pitch + column] = V0;
            Advance(ref row, ref column, ref q, rowStep, columnStep, stride, threads);
            if (q < count) staged[row * pitch + column] = V1;
            Advance(ref row, ref column, ref q, rowStep, columnStep, stride, threads);
            if (q < count) staged[row * pitch + column] = V2;
            Advance(ref row, ref column, ref q, rowStep, columnStep, stride, threads);
            if (q < count) staged[row * pitch + column] = V3;
            Advance(ref row, ref column, ref q, rowStep, columnStep, stride, threads);
            if (q < count) staged[row * pitch + column] = V4;
            Advance(ref row, ref column, ref q, rowStep, columnStep, stride, threads);
            if (q < count) staged[row * pitch + column] = V5;
            Advance(ref row, ref column, ref q, rowStep, columnStep, stride, threads);
            if (q < count) staged[row * pitch + column] = V6;
            Advance(ref row, ref column, ref q, rowStep, columnStep, stride, threads);
            if (q < count) staged[row * pitch + column] = V7;
            Advance(ref row, ref column, ref q, rowStep, columnStep, stride, threads);
            // Frames larger than eight elements a thread (N past 64 at 512 threads): the rest without overlap, four loads in flight.
            while (q < count)
            {
                int r0 = row, c0 = column;
                float w0 = table[start + q];
                Advance(ref row, ref column, ref q, rowStep, columnStep, stride, threads);
                int r1 = row, c1 = column, q1 = q;
                float w1 = q1 < count ? table[start + q1] : 0f;
                Advance(ref row, ref column, ref q, rowStep, columnStep, stride, threads);
                int r2 = row, c2 = column, q2 = q;
                float w2 = q2 < count ? table[start + q2] : 0f;
                Advance(ref row, ref column, ref q, rowStep, columnStep, stride, threads);
                int r3 = row, c3 = column, q3 = q;
                float w3 = q3 < count ? table[start + q3] : 0f;
                Advance(ref row, ref column, ref q, rowStep, columnStep, stride, threads);
                staged[r0 * pitch + c0] = w0;
                if (q1 < count) staged[r1 * pitch + c1] = w1;
                if (q2 < count) staged[r2 * pitch + c2] = w2;
                if (q3 < count) staged[r3 * pitch + c3] = w3;
            }
            if (tid < stride) emissionRow[tid] = E;
            for (int j = tid + threads; j < stride; j += threads) emissionRow[j] = emissions[emissionStart + j];
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Advance(ref int row, ref int column, ref int q, int rowStep, int columnStep, int stride, int threads)
        {
            q += threads;
            row += rowStep;
            column += columnStep;
            if (column >= stride)
            {
                column -= stride;
                row++;
            }
        }
    }

    /// <summary>Loads and stores one frame at once (before the first step, nothing to overlap with).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StageNow(TimeVaryingParams p, ArrayView<float> tables, long start, long emissionStart, ArrayView<float> staged,
        ArrayView<float> emissionRow, int tid, int threads)
    {
        var s = default(Staging);
        int count = p.Rows * p.Stride;
        s.Load(tables, start, count, p.Emissions, emissionStart, p.Stride, tid, threads);
        s.Store(tables, start, count, p.Emissions, emissionStart, staged, emissionRow, p.Stride, p.Pitch, tid, threads);
    }

    /// <summary>
    /// The step of lane u (state j = u / K, source class k = u mod K) from the class-major <paramref name="source"/> over
    /// the staged <paramref name="table"/>: the definition over the class's rows, then the butterfly that joins the K
    /// classes (every lane of the state ends with the same value and arg-max, an absolute source index). Every lane of the
    /// group must call it the same number of times (the shuffles).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Step<TS>(TimeVaryingParams p, ArrayView<float> source, ArrayView<float> table, int u, int direction, out float arg)
        where TS : struct, ISemiring
    {
        int split = p.Split, stride = p.Stride, rows = p.Rows;
        int j = u >> p.SplitShift, k = u & (split - 1);
        int state = j < stride ? j : 0;
        float a = 0f;
        if (p.Banded != 0)
        {
            // K = 1: the band from the padded source column (arg: the absolute source index).
            float banded = Definitions.RelaxBanded<GpuLane, float, TS, GpuMemory>(new GpuMemory(source), p.Pad, new GpuMemory(table), rows, p.Pitch, state, direction, ref a);
            arg = a;
            return banded;
        }
        int count = j < stride && k < rows ? (rows - k + split - 1) >> p.SplitShift : 0;
        // A class past the last row (K > rows) reads nothing; its view starts at row 0 so that it stays inside the table.
        int first = k < rows ? k : 0;
        float v = Definitions.RelaxDense<GpuLane, float, TS, GpuMemory>(new GpuMemory(source), p.Pad + first * p.ClassPitch,
            new GpuMemory(table.SubView(first * p.Pitch)), count, split * p.Pitch, state, ref a);
        arg = k + a * split;
        if (split > 16) v = Join<TS>(v, ref arg, 16);
        if (split > 8) v = Join<TS>(v, ref arg, 8);
        if (split > 4) v = Join<TS>(v, ref arg, 4);
        if (split > 2) v = Join<TS>(v, ref arg, 2);
        if (split > 1) v = Join<TS>(v, ref arg, 1);
        return v;
    }

    /// <summary>
    /// One butterfly level: this lane's result and its partner's (lane xor <paramref name="mask"/>) joined by
    /// <see cref="Definitions.CombineTwo{TS}"/>, the one with the smaller source index first (the lower lane for the sum),
    /// so that both lanes compute the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Join<TS>(float v, ref float arg, int mask) where TS : struct, ISemiring
    {
        float other = Warp.ShuffleXor(v, mask);
        bool lower = (Warp.LaneIdx & mask) == 0;
        if (default(TS).NeedsSumPass)
        {
            float a = lower ? v : other, b = lower ? other : v;
            return Definitions.CombineTwo<TS>(a, 0f, b, 0f, out _);
        }
        float otherArg = Warp.ShuffleXor(arg, mask);
        bool first = arg < otherArg || (arg == otherArg && lower);
        float result = first
            ? Definitions.CombineTwo<TS>(v, arg, other, otherArg, out float joined)
            : Definitions.CombineTwo<TS>(other, otherArg, v, arg, out joined);
        arg = joined;
        return result;
    }

    private static void ForwardPass<TS>(TimeVaryingParams p) where TS : struct, ISemiring
    {
        int b = Grid.IdxX, tid = Group.IdxX, threads = Group.DimX;
        int stride = p.Stride, length = p.Lengths[b], split = p.Split;
        int warps = (threads + Warp.WarpSize - 1) / Warp.WarpSize;
        bool viterbi = !default(TS).NeedsSumPass;
        var shared = SharedMemory.GetDynamic<float>();
        var s = new Layout(shared, p, warps);
        int sourceFloats = SourceFloats(p.Pad, split, p.ClassPitch);
        for (int q = tid; q < sourceFloats; q += threads)
        {
            s.SourceA[q] = float.NegativeInfinity;
            s.SourceB[q] = float.NegativeInfinity;
        }
        if (length == 0)
        {
            if (tid == 0) p.Scores[b * 3 + p.Mode] = 0.0;
            return;
        }
        long emissions = (long)b * p.MaxLength * stride;
        long frameSize = (long)p.Rows * stride, tables = (long)b * p.TableLength * frameSize;
        int frame = p.Rows * stride;
        var initial = p.Initial.SubView((long)b * stride, stride);
        Group.Barrier();
        if (length > 1) StageNow(p, p.Tables, tables + frameSize, emissions + stride, s.Table(1), s.Emission(1), tid, threads);
        float local = float.NegativeInfinity;
        for (int j = tid; j < stride; j += threads)
        {
            float v = Definitions.InitialScore<GpuLane, float>(initial[j], p.Emissions[emissions + j]);
            s.ValuesA[j] = v;
            s.SourceA[SourceIndex(p, j)] = v;
            local = XMath.Max(local, v);
        }
        GroupColumns.PublishWarpMax(local, s.Partials, 0, warps);
        Group.Barrier();
        var previous = s.ValuesA;
        var current = s.ValuesB;
        var from = s.SourceA;
        var to = s.SourceB;
        double total = 0;
        long record = (long)b * p.MaxLength;
        for (int t = 1; t < length; t++)
        {
            float m = GroupColumns.PartialsMax(s.Partials, (t - 1) & 1, warps);
            float shift = m == float.NegativeInfinity ? 0f : m;
            total += m;
            if (p.Record != 0) RecordColumn(p.AlphaColumns, p.AlphaScales, previous, record, t - 1, stride, m, shift, tid, threads);
            var staging = default(Staging);
            bool next = t + 1 < length;
            if (next) staging.Load(p.Tables, tables + (t + 1) * frameSize, frame, p.Emissions, emissions + (long)(t + 1) * stride, stride, tid, threads);
            var table = s.Table(t & 1);
            var emission = s.Emission(t & 1);
            long row = emissions + (long)t * stride;
            local = float.NegativeInfinity;
            for (int u0 = 0; u0 < stride * split; u0 += threads)
            {
                int u = u0 + tid, j = u >> p.SplitShift;
                float v = Step<TS>(p, from, table, u, -1, out float arg);
                if (j < stride && (u & (split - 1)) == 0)
                {
                    v = v - shift + emission[j];
                    current[j] = v;
                    to[SourceIndex(p, j)] = v;
                    local = XMath.Max(local, v);
                    if (viterbi) p.Backpointers[row + j] = arg;
                }
            }
            GroupColumns.PublishWarpMax(local, s.Partials, t & 1, warps);
            if (next)
                staging.Store(p.Tables, tables + (t + 1) * frameSize, frame, p.Emissions, emissions + (long)(t + 1) * stride,
                    s.Table((t + 1) & 1), s.Emission((t + 1) & 1), stride, p.Pitch, tid, threads);
            Group.Barrier();
            (previous, current) = (current, previous);
            (from, to) = (to, from);
        }
        float last = GroupColumns.PartialsMax(s.Partials, (length - 1) & 1, warps);
        total += last;
        if (p.Record != 0)
            RecordColumn(p.AlphaColumns, p.AlphaScales, previous, record, length - 1, stride, last, last == float.NegativeInfinity ? 0f : last, tid, threads);
        // Every thread holds the same total (the same partials, summed in the same order): the branches are uniform.
        if (viterbi && !double.IsNegativeInfinity(total))
        {
            // The backtrace by the whole group: back-pointers staged a chunk of frames at a time into the table buffers
            // (free after the loop's last barrier), thread 0 following them in shared memory.
            int state = Definitions.BestFinalState(new GpuMemory(previous), 0, p.States);
            if (tid == 0)
            {
                p.Scores[b * 3 + p.Mode] = total;
                p.Paths[(long)b * p.MaxLength + length - 1] = state;
            }
            int chunkFrames = 2 * p.Rows * p.Pitch / stride;
            GroupColumns.FollowBackpointers(p.Backpointers.SubView(emissions, (long)length * stride), s.Tables(chunkFrames * stride),
                p.Paths, (long)b * p.MaxLength, length, chunkFrames, stride, state, tid);
            return;
        }
        if (tid != 0) return;
        if (double.IsNegativeInfinity(total))
        {
            p.Scores[b * 3 + p.Mode] = double.NegativeInfinity;
            if (viterbi) for (int t = 0; t < length; t++) p.Paths[(long)b * p.MaxLength + t] = -1;
            return;
        }
        p.Scores[b * 3 + p.Mode] = Definitions.ForwardLogLikelihood<GpuLane, float, GpuMemory, WholeColumn>(new GpuMemory(previous), 0, last, total,
            new ColumnSlice(0, stride, 1), default);
    }

    private static void BackwardPass(TimeVaryingParams p)
    {
        int b = Grid.IdxX, tid = Group.IdxX, threads = Group.DimX;
        int stride = p.Stride, length = p.Lengths[b], split = p.Split;
        int warps = (threads + Warp.WarpSize - 1) / Warp.WarpSize;
        var shared = SharedMemory.GetDynamic<float>();
        var s = new Layout(shared, p, warps);
        int sourceFloats = SourceFloats(p.Pad, split, p.ClassPitch);
        for (int q = tid; q < sourceFloats; q += threads)
        {
            s.SourceA[q] = float.NegativeInfinity;
            s.SourceB[q] = float.NegativeInfinity;
        }
        if (length == 0)
        {
            if (tid == 0) p.Scores[b * 3 + RecursionKernel.ModeBackward] = 0.0;
            return;
        }
        long emissions = (long)b * p.MaxLength * stride;
        long frameSize = (long)p.Rows * stride, tables = (long)b * p.TableLength * frameSize;
        int frame = p.Rows * stride;
        Group.Barrier();
        // Step t (from t + 1 to t) reads frame t + 1's backward table and writes e_t + beta into the next source column:
        // staged for step t in slot t mod 2 are that table and e_t.
        if (length > 1) StageNow(p, p.OutOf, tables + (length - 1) * frameSize, emissions + (long)(length - 2) * stride, s.Table((length - 2) & 1), s.Emission((length - 2) & 1), tid, threads);
        // Values: beta (unnormalised); sources: e + beta of the same frame, the next step's input.
        float local = float.NegativeInfinity;
        for (int j = tid; j < stride; j += threads)
        {
            float v = Definitions.FinalBeta<GpuLane, float>(p.States, j);
            s.ValuesA[j] = v;
            s.SourceA[SourceIndex(p, j)] = p.Emissions[emissions + (long)(length - 1) * stride + j] + v;
            local = XMath.Max(local, v);
        }
        GroupColumns.PublishWarpMax(local, s.Partials, (length - 1) & 1, warps);
        Group.Barrier();
        var previous = s.ValuesA;
        var current = s.ValuesB;
        var from = s.SourceA;
        var to = s.SourceB;
        double total = 0;
        long record = (long)b * p.MaxLength;
        for (int t = length - 2; t >= 0; t--)
        {
            // The maximum of frame t + 1's column: its scale, taken out of this step.
            float m = GroupColumns.PartialsMax(s.Partials, (t + 1) & 1, warps);
            float shift = m == float.NegativeInfinity ? 0f : m;
            total += m;
            if (p.Record != 0) RecordColumn(p.BetaColumns, p.BetaScales, previous, record, t + 1, stride, m, shift, tid, threads);
            var staging = default(Staging);
            bool next = t > 0;
            if (next) staging.Load(p.OutOf, tables + t * frameSize, frame, p.Emissions, emissions + (long)(t - 1) * stride, stride, tid, threads);
            var table = s.Table(t & 1);
            var emission = s.Emission(t & 1);
            local = float.NegativeInfinity;
            for (int u0 = 0; u0 < stride * split; u0 += threads)
            {
                int u = u0 + tid, i = u >> p.SplitShift;
                float v = Step<LogSumExp>(p, from, table, u, +1, out _);
                if (i < stride && (u & (split - 1)) == 0)
                {
                    v -= shift;
                    current[i] = v;
                    to[SourceIndex(p, i)] = emission[i] + v;
                    local = XMath.Max(local, v);
                }
            }
            GroupColumns.PublishWarpMax(local, s.Partials, t & 1, warps);
            if (next)
                staging.Store(p.OutOf, tables + t * frameSize, frame, p.Emissions, emissions + (long)(t - 1) * stride,
                    s.Table((t - 1) & 1), s.Emission((t - 1) & 1), stride, p.Pitch, tid, threads);
            Group.Barrier();
            (previous, current) = (current, previous);
            (from, to) = (to, from);
        }
        float first = GroupColumns.PartialsMax(s.Partials, 0, warps);
        if (p.Record != 0)
            RecordColumn(p.BetaColumns, p.BetaScales, previous, record, 0, stride, first, first == float.NegativeInfinity ? 0f : first, tid, threads);
        if (tid != 0) return;
        // log P(x) = total + log Σ exp(π + u_0) with u_0 = e_0 + beta_0 (beta_0 less the scales of frames 1 on, in total).
        for (int j = 0; j < stride; j++) current[j] = p.Emissions[emissions + j] + previous[j];
        p.Scores[b * 3 + RecursionKernel.ModeBackward] = double.IsNegativeInfinity(total) ? double.NegativeInfinity
            : Definitions.BackwardLogLikelihood<GpuLane, float, GpuMemory, WholeColumn>(new GpuMemory(p.Initial.SubView((long)b * stride, stride)),
                new GpuMemory(current), 0, total, new ColumnSlice(0, stride, 1), default);
    }

    /// <summary>
    /// Records frame <paramref name="t"/>'s column as the first kernel does: normalised (less <paramref name="shift"/>, its
    /// maximum or 0 when every state is impossible) with the maximum <paramref name="max"/> as its scale.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RecordColumn(ArrayView<float> columns, ArrayView<float> scales, ArrayView<float> values, long sequence, int t,
        int stride, float max, float shift, int tid, int threads)
    {
        long start = (sequence + t) * stride;
        for (int j = tid; j < stride; j += threads) columns[start + j] = values[j] - shift;
        if (tid == 0) scales[sequence + t] = max;
    }
}

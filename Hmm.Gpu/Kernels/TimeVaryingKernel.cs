using Hmm.Engine;
using ILGPU;
using ILGPU.Algorithms;

namespace Hmm.Gpu.Kernels;

/// <summary>Inputs and outputs of the time-varying kernels for one launch (the whole batch).</summary>
internal struct TimeVaryingParams
{
    /// <summary>[count, MaxLength, Stride] emission log-likelihoods, padding lanes -inf.</summary>
    public ArrayView<float> Emissions;
    /// <summary>[count] sequence lengths.</summary>
    public ArrayView<int> Lengths;
    /// <summary>[count, TableLength, Rows, Stride] the forward ("into") tables, as <see cref="TimeVaryingTransitions"/> lays them out.</summary>
    public ArrayView<float> Tables;
    /// <summary>[count, TableLength, Rows, Stride] the backward tables (<see cref="TimeVaryingKernel.OutOf"/> writes them).</summary>
    public ArrayView<float> OutOf;
    /// <summary>[count, Stride] initial log-probabilities.</summary>
    public ArrayView<float> Initial;
    /// <summary>[count, MaxLength, Stride] normalised forward columns (when <see cref="Record"/>).</summary>
    public ArrayView<float> AlphaColumns;
    /// <summary>[count, MaxLength] the scale of each forward column.</summary>
    public ArrayView<float> AlphaScales;
    /// <summary>[count, MaxLength, Stride] normalised backward columns (when <see cref="Record"/>).</summary>
    public ArrayView<float> BetaColumns;
    /// <summary>[count, MaxLength] the scale of each backward column.</summary>
    public ArrayView<float> BetaScales;
    /// <summary>[count, MaxLength, Stride] Viterbi back-pointers.</summary>
    public ArrayView<float> Backpointers;
    /// <summary>[count, MaxLength] Viterbi paths.</summary>
    public ArrayView<int> Paths;
    /// <summary>[count, 3]: forward log-likelihood, Viterbi score, backward log-likelihood.</summary>
    public ArrayView<double> Scores;
    /// <summary>[count, MaxLength, Stride] state posteriors.</summary>
    public ArrayView<float> Gamma;
    /// <summary>[count, MaxLength, Rows, Stride] per-frame transition posteriors (when <see cref="PerFrame"/>).</summary>
    public ArrayView<float> PerFrameCounts;
    /// <summary>[count, Rows, Stride] transition posteriors summed over frames.</summary>
    public ArrayView<float> SummedCounts;
    public int MaxLength;
    public int TableLength;
    public int States;
    public int Stride;
    public int Rows;
    public int Banded;
    public int Pad;
    /// <summary><see cref="RecursionKernel.ModeForward"/>, <see cref="RecursionKernel.ModeViterbi"/> or <see cref="RecursionKernel.ModeBackward"/>.</summary>
    public int Mode;
    /// <summary>1: record the normalised columns and their scales.</summary>
    public int Record;
    /// <summary>1: write per-frame transition posteriors.</summary>
    public int PerFrame;
    /// <summary>Staged kernel (<see cref="TimeVaryingStagedKernel"/>): threads per state, a power of two (1 for banded tables).</summary>
    public int Split;
    /// <summary>log2 of <see cref="Split"/>.</summary>
    public int SplitShift;
    /// <summary>Staged kernel: floats between rows of a staged table (<see cref="TimeVaryingStagedKernel.Pitch"/>).</summary>
    public int Pitch;
    /// <summary>Staged kernel: floats between source classes of the class-major column (<see cref="TimeVaryingStagedKernel.ClassPitch"/>).</summary>
    public int ClassPitch;
}

/// <summary>
/// The first kernel (<see cref="Recursion"/>: run where <see cref="GpuEngineOptions.TimeVaryingStaged"/> is off or
/// <see cref="TimeVaryingStagedKernel"/>'s two staged tables do not fit shared memory), the posteriors and the backward layout.
/// Forward, Viterbi and backward over per-frame transitions (<see cref="TimeVaryingTransitions"/>): one thread group per
/// sequence, its threads over the states of a column (state j, j + threads, …), the columns in shared memory, two barriers a
/// frame. Each state's step is <see cref="Definitions.RelaxDense{TL, TV, TS, TM}"/> or
/// <see cref="Definitions.RelaxBanded{TL, TV, TS, TM}"/> with <see cref="GpuLane"/>, reading frame t's table from global
/// memory (a different base offset a frame, all the difference from the time-invariant recursions); columns are normalised to
/// a maximum of 0 each frame and the maxima summed in float64, as <c>CpuPasses</c> does. <see cref="Posteriors"/> then computes
/// γ and ξ from the recorded columns with <see cref="Definitions.PosteriorNormaliser{TL, TV, TM, TR}"/>,
/// <see cref="Definitions.Posterior{TL, TV}"/>, <see cref="Definitions.CountShift"/> and
/// <see cref="Definitions.ExpectedCountTerm{TL, TV}"/>.
/// </summary>
internal static class TimeVaryingKernel
{
    /// <summary>Floats of dynamic shared memory a group needs: three padded columns.</summary>
    public static int SharedFloats(int pad, int stride) => 3 * (2 * pad + stride);

    /// <summary>One group per sequence, one pass (<see cref="TimeVaryingParams.Mode"/>).</summary>
    public static void Recursion(TimeVaryingParams p)
    {
        if (p.Mode == RecursionKernel.ModeViterbi) ForwardPass<MaxPlus>(p);
        else if (p.Mode == RecursionKernel.ModeForward) ForwardPass<LogSumExp>(p);
        else BackwardPass(p);
    }

    private static void ForwardPass<TS>(TimeVaryingParams p) where TS : struct, ISemiring
    {
        int b = Grid.IdxX, tid = Group.IdxX, threads = Group.DimX;
        int stride = p.Stride, pad = p.Pad, size = 2 * pad + stride, length = p.Lengths[b];
        bool viterbi = !default(TS).NeedsSumPass;
        var shared = SharedMemory.GetDynamic<float>();
        for (int q = tid; q < 3 * size; q += threads) shared[q] = float.NegativeInfinity;
        Group.Barrier();
        if (length == 0)
        {
            if (tid == 0) p.Scores[b * 3 + p.Mode] = 0.0;
            return;
        }
        long emissions = (long)b * p.MaxLength * stride;
        var initial = p.Initial.SubView((long)b * stride, stride);
        // Columns: raw at 0, the normalised ones alternate at size and 2 · size (each with its padding).
        int raw = pad, previous = size + pad, current = 2 * size + pad;
        for (int j = tid; j < stride; j += threads)
            shared[raw + j] = Definitions.InitialScore<GpuLane, float>(initial[j], p.Emissions[emissions + j]);
        Group.Barrier();
        double total = Normalise(p, shared, raw, previous, stride, tid, threads, b, 0, forward: true);
        var gpu = new GpuMemory(shared);
        float arg = 0f;
        for (int t = 1; t < length; t++)
        {
            var table = new GpuMemory(p.Tables.SubView(((long)b * p.TableLength + t) * p.Rows * stride, (long)p.Rows * stride));
            long e = emissions + (long)t * stride;
            for (int j = tid; j < stride; j += threads)
            {
                arg = 0f;
                float v = Definitions.Relax<GpuLane, float, TS, GpuMemory>(gpu, previous, table, p.Rows, p.Banded != 0, stride, j, -1, ref arg);
                shared[raw + j] = v + p.Emissions[e + j];
                if (viterbi) p.Backpointers[e + j] = arg;
            }
            Group.Barrier();
            total += Normalise(p, shared, raw, current, stride, tid, threads, b, t, forward: true);
            (previous, current) = (current, previous);
        }
        if (tid != 0) return;
        if (double.IsNegativeInfinity(total))
        {
            p.Scores[b * 3 + p.Mode] = double.NegativeInfinity;
            if (viterbi) for (int t = 0; t < length; t++) p.Paths[(long)b * p.MaxLength + t] = -1;
            return;
        }
        var last = new GpuMemory(shared.SubView(previous, stride));
        if (viterbi)
        {
            p.Scores[b * 3 + p.Mode] = total;
            int state = Definitions.BestFinalState(last, 0, p.States);
            var path = new DevicePath(p.Paths, (long)b * p.MaxLength);
            path.Set(length - 1, state);
            Definitions.FollowBackpointers(new GpuMemory(p.Backpointers.SubView(emissions, (long)length * stride)), 0, stride, length - 1, 1, state, ref path);
            return;
        }
        p.Scores[b * 3 + p.Mode] = Definitions.ForwardLogLikelihood<GpuLane, float, GpuMemory, WholeColumn>(last, 0, 0f, total,
            new ColumnSlice(0, stride, 1), default);
    }

    private static void BackwardPass(TimeVaryingParams p)
    {
        int b = Grid.IdxX, tid = Group.IdxX, threads = Group.DimX;
        int stride = p.Stride, pad = p.Pad, size = 2 * pad + stride, length = p.Lengths[b];
        var shared = SharedMemory.GetDynamic<float>();
        for (int q = tid; q < 3 * size; q += threads) shared[q] = float.NegativeInfinity;
        Group.Barrier();
        if (length == 0)
        {
            if (tid == 0) p.Scores[b * 3 + RecursionKernel.ModeBackward] = 0.0;
            return;
        }
        long emissions = (long)b * p.MaxLength * stride;
        // raw: the unnormalised step; w: e + beta-hat of the next frame (the step's source); beta: beta-hat.
        int raw = pad, w = size + pad, beta = 2 * size + pad;
        for (int j = tid; j < stride; j += threads)
        {
            float v = Definitions.FinalBeta<GpuLane, float>(p.States, j);
            shared[beta + j] = v;
            if (p.Record != 0) p.BetaColumns[emissions + (long)(length - 1) * stride + j] = v;
        }
        if (tid == 0 && p.Record != 0) p.BetaScales[(long)b * p.MaxLength + length - 1] = 0f;
        Group.Barrier();
        var gpu = new GpuMemory(shared);
        double total = 0;
        for (int t = length - 2; t >= 0; t--)
        {
            long e = emissions + (long)(t + 1) * stride;
            for (int j = tid; j < stride; j += threads) shared[w + j] = p.Emissions[e + j] + shared[beta + j];
            Group.Barrier();
            // The step from t to t + 1 reads frame t + 1's table, in the backward layout.
            var table = new GpuMemory(p.OutOf.SubView(((long)b * p.TableLength + t + 1) * p.Rows * stride, (long)p.Rows * stride));
            for (int i = tid; i < stride; i += threads)
            {
                float arg = 0f;
                shared[raw + i] = Definitions.Relax<GpuLane, float, LogSumExp, GpuMemory>(gpu, w, table, p.Rows, p.Banded != 0, stride, i, +1, ref arg);
            }
            Group.Barrier();
            total += Normalise(p, shared, raw, beta, stride, tid, threads, b, t, forward: false);
        }
        if (tid != 0) return;
        // log P(x) = total + log Σ exp(π + u_0) with u_0 = e_0 + beta-hat_0.
        for (int j = 0; j < stride; j++) shared[w + j] = p.Emissions[emissions + j] + shared[beta + j];
        p.Scores[b * 3 + RecursionKernel.ModeBackward] = double.IsNegativeInfinity(total) ? double.NegativeInfinity
            : Definitions.BackwardLogLikelihood<GpuLane, float, GpuMemory, WholeColumn>(new GpuMemory(p.Initial.SubView((long)b * stride, stride)),
                new GpuMemory(shared.SubView(w, stride)), 0, total, new ColumnSlice(0, stride, 1), default);
    }

    /// <summary>
    /// Every thread finds the raw column's maximum, then writes its states less the maximum into the normalised column (and
    /// the record); returns the maximum (-infinity when every state is impossible: the column stays -infinity). Ends on a barrier.
    /// </summary>
    private static float Normalise(TimeVaryingParams p, ArrayView<float> shared, int raw, int normalised, int stride, int tid, int threads, int b, int t, bool forward)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < stride; j++) max = XMath.Max(max, shared[raw + j]);
        float shift = max == float.NegativeInfinity ? 0f : max;
        long record = ((long)b * p.MaxLength + t) * stride;
        for (int j = tid; j < stride; j += threads)
        {
            float v = shared[raw + j] - shift;
            shared[normalised + j] = v;
            if (p.Record != 0)
            {
                if (forward) p.AlphaColumns[record + j] = v;
                else p.BetaColumns[record + j] = v;
            }
        }
        if (tid == 0 && p.Record != 0)
        {
            if (forward) p.AlphaScales[(long)b * p.MaxLength + t] = max;
            else p.BetaScales[(long)b * p.MaxLength + t] = max;
        }
        Group.Barrier();
        return max;
    }

    /// <summary>
    /// γ and ξ of one sequence per group from the recorded columns: frame by frame, every thread takes the frame's normaliser
    /// (the whole column), then its own states' posteriors and the transition posteriors into them (dense: from every source;
    /// banded: from j - d), written per frame in the tables' layout and added to the sums. An impossible sequence gets zeros.
    /// </summary>
    public static void Posteriors(TimeVaryingParams p)
    {
        int b = Grid.IdxX, tid = Group.IdxX, threads = Group.DimX;
        int stride = p.Stride, rows = p.Rows, length = p.Lengths[b];
        long frameSize = (long)rows * stride;
        bool impossible = double.IsNegativeInfinity(p.Scores[b * 3 + RecursionKernel.ModeForward]);
        long summed = b * frameSize;
        for (int j = tid; j < stride; j += threads)
            for (int r = 0; r < rows; r++) p.SummedCounts[summed + r * stride + j] = 0f;
        for (int t = 0; t < p.MaxLength; t++)
        {
            long column = ((long)b * p.MaxLength + t) * stride;
            long frameCounts = ((long)b * p.MaxLength + t) * frameSize;
            if (t >= length || impossible)
            {
                for (int j = tid; j < stride; j += threads)
                {
                    p.Gamma[column + j] = 0f;
                    if (p.PerFrame != 0) for (int r = 0; r < rows; r++) p.PerFrameCounts[frameCounts + r * stride + j] = 0f;
                }
                continue;
            }
            var alpha = new GpuMemory(p.AlphaColumns.SubView(column, stride));
            var beta = new GpuMemory(p.BetaColumns.SubView(column, stride));
            float total = Definitions.PosteriorNormaliser<GpuLane, float, GpuMemory, WholeColumn>(alpha, beta, 0, new ColumnSlice(0, stride, 1), default, out float mx);
            float inverse = 1f / total;
            for (int j = tid; j < stride; j += threads)
                p.Gamma[column + j] = Definitions.Posterior<GpuLane, float>(alpha[j], beta[j], mx, inverse);
            if (t == 0)
            {
                if (p.PerFrame != 0)
                    for (int j = tid; j < stride; j += threads)
                        for (int r = 0; r < rows; r++) p.PerFrameCounts[frameCounts + r * stride + j] = 0f;
                continue;
            }
            // ξ_t: from frame t - 1 (alpha-hat, its normaliser and beta scale) into frame t (w = e + beta-hat), frame t's table.
            long previousColumn = column - stride;
            var previousAlpha = new GpuMemory(p.AlphaColumns.SubView(previousColumn, stride));
            var previousBeta = new GpuMemory(p.BetaColumns.SubView(previousColumn, stride));
            float previousTotal = Definitions.PosteriorNormaliser<GpuLane, float, GpuMemory, WholeColumn>(previousAlpha, previousBeta, 0,
                new ColumnSlice(0, stride, 1), default, out float previousMax);
            float shift = Definitions.CountShift(previousMax, previousTotal, p.BetaScales[(long)b * p.MaxLength + t - 1]);
            long table = ((long)b * p.TableLength + t) * frameSize;
            for (int j = tid; j < stride; j += threads)
            {
                float next = p.Emissions[column + j] + beta[j];
                for (int r = 0; r < rows; r++)
                {
                    int source = p.Banded != 0 ? j - r : r;
                    float x = source < 0 ? 0f
                        : Definitions.ExpectedCountTerm<GpuLane, float>(previousAlpha[source], p.Tables[table + r * stride + j], next, shift);
                    if (p.PerFrame != 0) p.PerFrameCounts[frameCounts + r * stride + j] = x;
                    p.SummedCounts[summed + r * stride + j] += x;
                }
            }
        }
    }

    /// <summary>
    /// The backward layout of every frame's table, one element a thread (no arithmetic): dense, the transpose; banded, row d
    /// over source i from row d over destination i + d (-infinity past the last state).
    /// </summary>
    public static void OutOf(TimeVaryingParams p, long elements)
    {
        long q = (long)Grid.IdxX * Group.DimX + Group.IdxX;
        if (q >= elements) return;
        int stride = p.Stride;
        long frameSize = (long)p.Rows * stride;
        long frame = q / frameSize;
        int within = (int)(q - frame * frameSize);
        int row = within / stride, lane = within - row * stride;
        long source = frame * frameSize;
        if (p.Banded == 0) p.OutOf[q] = row < p.States && lane < p.States ? p.Tables[source + (long)lane * stride + row] : float.NegativeInfinity;
        else p.OutOf[q] = lane + row < p.States ? p.Tables[source + (long)row * stride + lane + row] : float.NegativeInfinity;
    }
}

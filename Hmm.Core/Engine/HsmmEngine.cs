using System;
using System.Collections.Concurrent;
using System.Threading.Tasks;
using Hmm.Simd;

namespace Hmm.Engine;

/// <summary>The explicit-duration (HSMM) recursions over a batch, as both engines provide them.</summary>
public interface IHsmmEngine
{
    /// <summary>Forward: log P(x) per sequence (-infinity where no segmentation explains it).</summary>
    void Forward(HsmmModel model, EmissionBatch emissions, Span<double> logLikelihoods);

    /// <summary>Backward: log P(x) per sequence, computed from the other end (a check on <see cref="Forward"/>).</summary>
    void Backward(HsmmModel model, EmissionBatch emissions, Span<double> logLikelihoods);

    /// <summary>Forward-backward: state occupancies per frame, expected duration, transition, initial and final counts.</summary>
    void Posteriors(HsmmModel model, EmissionBatch emissions, HsmmPosteriors result);

    /// <summary>Viterbi: the best segmentation (segments and frame states) and its score per sequence.</summary>
    void Viterbi(HsmmModel model, EmissionBatch emissions, HsmmViterbiResult result);
}

/// <summary>One segment of an HSMM path: a state held for <see cref="Duration"/> frames from <see cref="Start"/>.</summary>
public readonly struct HsmmSegment : IEquatable<HsmmSegment>
{
    /// <summary>Creates a segment.</summary>
    public HsmmSegment(int state, int start, int duration) => (State, Start, Duration) = (state, start, duration);

    /// <summary>The state.</summary>
    public int State { get; }

    /// <summary>Its first frame.</summary>
    public int Start { get; }

    /// <summary>Its number of frames (1 .. D).</summary>
    public int Duration { get; }

    /// <inheritdoc/>
    public bool Equals(HsmmSegment other) => State == other.State && Start == other.Start && Duration == other.Duration;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is HsmmSegment s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode() => (State * 397 ^ Start) * 397 ^ Duration;

    /// <summary>Equal segments.</summary>
    public static bool operator ==(HsmmSegment left, HsmmSegment right) => left.Equals(right);

    /// <summary>Different segments.</summary>
    public static bool operator !=(HsmmSegment left, HsmmSegment right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => $"state {State} frames {Start}..{Start + Duration - 1}";
}

/// <summary>
/// HSMM posteriors of a batch. Reuse one across calls with the same or smaller shapes: nothing is reallocated. Counts
/// are summed over the batch's sequences with a finite log-likelihood (those with -infinity contribute nothing and get
/// zero occupancy).
/// </summary>
public sealed class HsmmPosteriors
{
    /// <summary>Allocates for a batch of up to <paramref name="batchSize"/> sequences of <paramref name="maxLength"/> frames.</summary>
    public HsmmPosteriors(int batchSize, int maxLength, int stateCount, int maxDuration)
    {
        Guard.Positive(maxDuration, nameof(maxDuration));
        StateOccupancy = new StateLattice(batchSize, maxLength, stateCount);
        LogLikelihoods = new double[batchSize];
        DurationCounts = new double[stateCount, maxDuration];
        TransitionCounts = new double[stateCount, stateCount];
        InitialCounts = new double[stateCount];
        FinalCounts = new double[stateCount];
    }

    /// <summary>[B, T, N] P(state j at frame t | x).</summary>
    public StateLattice StateOccupancy { get; }

    /// <summary>[B] log P(x).</summary>
    public double[] LogLikelihoods { get; }

    /// <summary>[N, D] expected number of segments of state j lasting d frames (index d - 1), summed over the batch.</summary>
    public double[,] DurationCounts { get; }

    /// <summary>[N, N] expected number of moves from a segment of i to a segment of j, summed over the batch.</summary>
    public double[,] TransitionCounts { get; }

    /// <summary>[N] expected number of sequences starting in j.</summary>
    public double[] InitialCounts { get; }

    /// <summary>[N] expected number of sequences ending in j.</summary>
    public double[] FinalCounts { get; }

    internal void Check(HsmmModel model, EmissionBatch emissions, string name)
    {
        if (StateOccupancy.StateCount != model.StateCount || DurationCounts.GetLength(1) != model.MaxDuration)
            throw new ArgumentException($"{name} was allocated for {StateOccupancy.StateCount} states and durations up to {DurationCounts.GetLength(1)} but the model has {model.StateCount} and {model.MaxDuration}.", name);
        StateOccupancy.ShapeLike(emissions, name);
        Array.Clear(DurationCounts, 0, DurationCounts.Length);
        Array.Clear(TransitionCounts, 0, TransitionCounts.Length);
        Array.Clear(InitialCounts, 0, InitialCounts.Length);
        Array.Clear(FinalCounts, 0, FinalCounts.Length);
    }
}

/// <summary>
/// HSMM Viterbi results of a batch: per sequence the best score, its segments and the state of each frame. Reuse one
/// across calls with the same or smaller shapes.
/// </summary>
public sealed class HsmmViterbiResult
{
    private readonly HsmmSegment[] _segments;
    private readonly int[] _segmentCounts, _paths;

    /// <summary>Allocates for up to <paramref name="batchSize"/> sequences of <paramref name="maxLength"/> frames.</summary>
    public HsmmViterbiResult(int batchSize, int maxLength)
    {
        Guard.Positive(batchSize, nameof(batchSize));
        Guard.Positive(maxLength, nameof(maxLength));
        BatchSize = batchSize;
        MaxLength = maxLength;
        Scores = new double[batchSize];
        _segments = new HsmmSegment[(long)batchSize * maxLength];
        _segmentCounts = new int[batchSize];
        _paths = new int[(long)batchSize * maxLength];
    }

    /// <summary>Sequences it can hold.</summary>
    public int BatchSize { get; }

    /// <summary>Frames per sequence it can hold.</summary>
    public int MaxLength { get; }

    /// <summary>[B] the best segmentation's log score; -infinity where none exists (its segments are then empty).</summary>
    public double[] Scores { get; }

    /// <summary>Sequence <paramref name="index"/>'s segments in time order.</summary>
    public ReadOnlySpan<HsmmSegment> Segments(int index) => _segments.AsSpan(Row(index), _segmentCounts[index]);

    /// <summary>Sequence <paramref name="index"/>'s state per frame (its length's first entries).</summary>
    public ReadOnlySpan<int> Path(int index) => _paths.AsSpan(Row(index), Lengths[index]);

    internal int[] Lengths { get; private set; } = Array.Empty<int>();

    private readonly struct ArraySegmentWriter : IHsmmSegmentWriter
    {
        private readonly HsmmSegment[] _target;
        private readonly int _offset;

        public ArraySegmentWriter(HsmmSegment[] target, int offset) => (_target, _offset) = (target, offset);

        public void Write(int index, int state, int start, int duration) => _target[_offset + index] = new HsmmSegment(state, start, duration);
    }

    internal Span<HsmmSegment> SegmentRow(int index) => _segments.AsSpan(Row(index), MaxLength);

    internal Span<int> PathRow(int index) => _paths.AsSpan(Row(index), MaxLength);

    internal void SetSegmentCount(int index, int count) => _segmentCounts[index] = count;

    private int Row(int index)
    {
        if ((uint)index >= (uint)Lengths.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {Lengths.Length}).");
        return index * MaxLength;
    }

    internal void Check(EmissionBatch emissions, string name)
    {
        if (BatchSize < emissions.BatchSize || MaxLength < emissions.MaxLength)
            throw new ArgumentException($"{name} holds {BatchSize} sequences of {MaxLength} frames but the emissions have {emissions.BatchSize} of up to {emissions.MaxLength}.", name);
        if (Lengths.Length != emissions.BatchSize) Lengths = new int[emissions.BatchSize];
        emissions.Lengths.CopyTo(Lengths);
    }

    /// <summary>Walks the back-pointers of one sequence from its last frame (<see cref="Definitions.HsmmBacktrace{TP, TW}"/>) into segments and frame states.</summary>
    internal void Complete<TP>(int index, TP pointers, int length, int lastState, double score) where TP : struct, IHsmmPointers
    {
        Scores[index] = score;
        if (double.IsNegativeInfinity(score) || lastState < 0)
        {
            _segmentCounts[index] = 0;
            return;
        }
        var writer = new ArraySegmentWriter(_segments, Row(index));
        int count = Definitions.HsmmBacktrace(pointers, length, lastState, ref writer);
        Finish(index, count);
    }

    /// <summary>
    /// Sets sequence <paramref name="index"/>'s score and the segments an engine's own <see cref="Definitions.HsmmBacktrace{TP, TW}"/>
    /// walk found: <paramref name="count"/> (state, start, duration) triples in <paramref name="lastFirst"/>, last first (the GPU
    /// engine walks on the device); a negative count is a broken walk.
    /// </summary>
    internal void CompleteSegments(int index, ReadOnlySpan<int> lastFirst, int count, double score)
    {
        Scores[index] = score;
        if (double.IsNegativeInfinity(score))
        {
            _segmentCounts[index] = 0;
            return;
        }
        var writer = new ArraySegmentWriter(_segments, Row(index));
        for (int q = 0; q < count; q++) writer.Write(q, lastFirst[3 * q], lastFirst[3 * q + 1], lastFirst[3 * q + 2]);
        Finish(index, count);
    }

    // Puts a walk's segments (last first) in time order and fills the frame states.
    private void Finish(int index, int count)
    {
        if (count < 0) throw new InvalidOperationException($"HSMM back-pointers of sequence {index} are broken (an engine defect).");
        Array.Reverse(_segments, Row(index), count);
        _segmentCounts[index] = count;
        var segments = SegmentRow(index);
        var path = PathRow(index);
        for (int q = 0; q < count; q++)
            for (int u = 0; u < segments[q].Duration; u++) path[segments[q].Start + u] = segments[q].State;
    }
}

/// <summary>
/// The explicit-duration HMM on the SIMD CPU: forward, backward, posteriors (state occupancy, expected durations and
/// transitions) and Viterbi segmentation, O(T·N·D) per sequence, instantiating <see cref="Definitions"/>' HSMM definitions
/// (the GPU engine runs the same ones) for the chosen <see cref="SimdWidth"/>.
/// </summary>
/// <remarks>
/// <para><b>Layout: lanes over candidate segments.</b> For one state and frame, the D segments that end there (forward) or
/// start there (backward) sit in consecutive window cells, so a register scores Count of them with contiguous loads
/// (<see cref="Definitions.HsmmSegments{TL, TV, TS, TM, TR}"/>). N is often small (a phone's 3 states, a 10-state model)
/// while D is tens of frames, so this keeps lanes full where lanes over states would not; a batch runs its sequences on
/// <see cref="MaxDegreeOfParallelism"/> threads.</para>
/// <para>Memory per (sequence, frame): 4N bytes of window and 8N of forward rows (alpha, in) for forward; 16N plus the
/// window for posteriors (adds beta, beta*) and 16N for Viterbi (adds two int back-pointers). Scratch is reused across
/// calls with the same or smaller shapes. Not thread-safe: use one engine per thread.</para>
/// </remarks>
public sealed unsafe class HsmmEngine : IHsmmEngine
{
    private readonly HsmmWorkspace _single = new();
    private readonly ConcurrentBag<HsmmWorkspace> _pool = new();

    /// <summary>Creates an engine.</summary>
    /// <param name="width">Lane width; <see cref="SimdWidth.Auto"/> takes the widest the processor accelerates.</param>
    /// <param name="maxDegreeOfParallelism">Sequences of a batch run at once on separate threads.</param>
    public HsmmEngine(SimdWidth width = SimdWidth.Auto, int maxDegreeOfParallelism = 1)
        : this(width, maxDegreeOfParallelism, allowUnaccelerated: false)
    {
    }

    /// <summary>Tests run every width, emulated where the processor lacks it.</summary>
    internal HsmmEngine(SimdWidth width, int maxDegreeOfParallelism, bool allowUnaccelerated)
    {
        Width = allowUnaccelerated && width != SimdWidth.Auto ? width : SimdCapabilities.Resolve(width, nameof(width));
        Guard.Positive(maxDegreeOfParallelism, nameof(maxDegreeOfParallelism));
        MaxDegreeOfParallelism = maxDegreeOfParallelism;
    }

    /// <summary>The lane width in use.</summary>
    public SimdWidth Width { get; }

    /// <summary>Threads used per batch.</summary>
    public int MaxDegreeOfParallelism { get; }

    /// <summary>
    /// Frames between checkpoints of <see cref="Posteriors"/>, <see cref="Forward"/> and <see cref="Backward"/>; 0 (default)
    /// keeps every frame's rows. With K &gt; 0 a sequence is processed in blocks of K frames: the forward pass keeps only each
    /// block's starting state (the windows' last D cells and one row), and the backward pass recomputes a block's forward rows
    /// from it before using them: memory O((T / K)·N·D + K·N) instead of O(T·N), for one more forward pass. K near
    /// sqrt(T·D) (<see cref="SqrtCheckpointInterval"/>) minimises it. Viterbi keeps its back-pointers for every frame regardless.
    /// </summary>
    public int CheckpointInterval
    {
        get => _checkpointInterval;
        set
        {
            Guard.NonNegative(value, nameof(value));
            _checkpointInterval = value;
        }
    }

    private int _checkpointInterval;

    /// <summary>The checkpoint interval that minimises memory for sequences of <paramref name="length"/> frames and durations up to <paramref name="maxDuration"/>.</summary>
    public static int SqrtCheckpointInterval(int length, int maxDuration) =>
        Math.Max(1, (int)Math.Sqrt((double)Math.Max(1, length) * Definitions.HsmmDurationStride(Math.Max(1, maxDuration))));

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">Bad emissions, shapes that disagree, or a sequence no segmentation can cover (see <see cref="HsmmArguments.Check"/>).</exception>
    public void Forward(HsmmModel model, EmissionBatch emissions, Span<double> logLikelihoods)
    {
        HsmmArguments.Check(model, emissions, nameof(emissions));
        HsmmArguments.CheckOutput(logLikelihoods.Length, emissions.BatchSize, nameof(logLikelihoods));
        var results = _single.Scores(emissions.BatchSize);
        Run(model, emissions, Pass.Forward, results, null);
        for (int b = 0; b < emissions.BatchSize; b++) logLikelihoods[b] = results[b];
    }

    /// <inheritdoc/>
    public void Backward(HsmmModel model, EmissionBatch emissions, Span<double> logLikelihoods)
    {
        HsmmArguments.Check(model, emissions, nameof(emissions));
        HsmmArguments.CheckOutput(logLikelihoods.Length, emissions.BatchSize, nameof(logLikelihoods));
        var results = _single.Scores(emissions.BatchSize);
        Run(model, emissions, Pass.Backward, results, null);
        for (int b = 0; b < emissions.BatchSize; b++) logLikelihoods[b] = results[b];
    }

    /// <inheritdoc/>
    public void Posteriors(HsmmModel model, EmissionBatch emissions, HsmmPosteriors result)
    {
        Guard.NotNull(result, nameof(result));
        HsmmArguments.Check(model, emissions, nameof(emissions));
        result.Check(model, emissions, nameof(result));
        Run(model, emissions, Pass.Posteriors, result.LogLikelihoods, result);
    }

    /// <inheritdoc/>
    public void Viterbi(HsmmModel model, EmissionBatch emissions, HsmmViterbiResult result)
    {
        Guard.NotNull(result, nameof(result));
        HsmmArguments.Check(model, emissions, nameof(emissions));
        result.Check(emissions, nameof(result));
        Run(model, emissions, Pass.Viterbi, result.Scores, result);
    }

    private enum Pass { Forward, Backward, Posteriors, Viterbi }

    private void Run(HsmmModel model, EmissionBatch emissions, Pass pass, double[] scores, object? result)
    {
        int batch = emissions.BatchSize;
        var sync = new object();
        if (MaxDegreeOfParallelism == 1 || batch < 2)
        {
            for (int b = 0; b < batch; b++) scores[b] = Sequence(model, emissions, b, pass, result, _single, sync);
            return;
        }
        Parallel.For(0, batch, new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism }, b =>
        {
            if (!_pool.TryTake(out var ws)) ws = new HsmmWorkspace();
            try { scores[b] = Sequence(model, emissions, b, pass, result, ws, sync); }
            finally { _pool.Add(ws); }
        });
    }

    // One sequence in blocks of K frames (one block without checkpoints): see CheckpointInterval.
    private double Sequence(HsmmModel model, EmissionBatch emissions, int b, Pass pass, object? result, HsmmWorkspace ws, object sync)
    {
        int length = emissions.Lengths[b];
        int n = model.StateCount, stride = model.Stride, ds = model.DurationStride, d = model.MaxDuration;
        int k = pass == Pass.Viterbi || CheckpointInterval == 0 ? length : Math.Min(CheckpointInterval, length);
        int blocks = (length + k - 1) / k;
        int windowStride = ds + k + ds;
        int changeStride = length + ds + 1;
        ws.Ensure((k + 2) * stride, n * windowStride, n * ds, n * stride, pass == Pass.Viterbi ? length * stride : 0,
            pass == Pass.Posteriors && blocks > 1 ? blocks * (n * ds + stride) : 0, pass == Pass.Posteriors ? n * changeStride : 0);
        ws.EnsureShifted(length * stride);
        double shift;
        fixed (float* source = &emissions.Data[emissions.Offset(b, 0)], shifted = ws.Shifted)
            shift = CpuPasses.HsmmShiftEmissions(Width, source, shifted, length, stride);
        fixed (float* e = ws.Shifted)
        fixed (float* initial = model.InitialPadded, final = model.FinalPadded, into = model.IntoTable, outOf = model.OutOfTable)
        fixed (float* fd = model.ForwardDurations, bd = model.BackwardDurations, windows = ws.Windows, backWindows = ws.BackWindows, lanes = ws.Lanes)
        fixed (float* alpha = ws.Alpha, inRow = ws.In, beta = ws.Beta, star = ws.BetaStar, checkpoints = ws.Checkpoints)
        fixed (float* counts = ws.DurationCounts, transitions = ws.Transitions, changes = ws.Changes, carried = ws.Carried)
        fixed (int* durations = ws.Durations, predecessors = ws.Predecessors)
        {
            var job = new HsmmJob
            {
                States = n, Stride = stride, MaxDuration = d, DurationStride = ds, Length = length,
                Emissions = e, Initial = initial, Final = final, Into = into, OutOf = outOf, ForwardDurations = fd, BackwardDurations = bd,
                Windows = windows, WindowStride = windowStride, WindowLead = ds, Alpha = alpha, In = inRow, Beta = beta, BetaStar = star,
                Lanes = lanes, Durations = pass == Pass.Viterbi ? durations : null, Predecessors = pass == Pass.Viterbi ? predecessors : null,
            };
            if (pass == Pass.Viterbi)
            {
                Fill(windows, (long)n * windowStride);
                job.Start = 0;
                job.End = length;
                job.RowOrigin = -1;
                double score = CpuPasses.HsmmForwardPass<MaxPlus>(Width, ref job) + shift;
                int last = Definitions.HsmmBestFinal(new CpuMemory(alpha + (long)length * stride), 0, new CpuMemory(final), 0, n);
                ((HsmmViterbiResult)result!).Complete(b, new CpuHsmmPointers(durations, predecessors, stride), length, last, score);
                return score;
            }
            float logLikelihood = float.NaN;
            if (pass != Pass.Backward)
            {
                // The forward pass block by block; with several blocks, each block's starting state is a checkpoint.
                Fill(windows, (long)n * windowStride);
                for (int c = 0; c < blocks; c++)
                {
                    int t0 = c * k;
                    if (c > 0) NextForwardBlock(ref job, t0, t0 - k);
                    if (pass == Pass.Posteriors && blocks > 1) SaveCheckpoint(ref job, checkpoints + (long)c * (n * ds + stride));
                    job.Start = t0;
                    job.End = Math.Min(length, t0 + k);
                    job.RowOrigin = t0 - 1;
                    job.WindowOrigin = t0;
                    logLikelihood = CpuPasses.HsmmForwardPass<LogSumExp>(Width, ref job);
                }
                if (pass == Pass.Forward) return logLikelihood + shift;
            }
            var posteriors = result as HsmmPosteriors;
            if (posteriors != null)
            {
                var lattice = posteriors.StateOccupancy;
                if (float.IsNegativeInfinity(logLikelihood))
                {
                    lattice.Data.AsSpan(lattice.Offset(b, 0), length * stride).Clear();
                    return double.NegativeInfinity;
                }
                job.LogLikelihood = logLikelihood;
                job.DurationCounts = counts;
                job.Changes = changes;
                job.ChangeStride = changeStride;
                new Span<float>(counts, n * ds).Clear();
                new Span<float>(transitions, n * stride).Clear();
                new Span<float>(changes, n * changeStride).Clear();
            }
            // The backward pass from the last block to the first, each block's forward rows recomputed from its checkpoint.
            Fill(backWindows, (long)n * windowStride);
            Fill(carried, stride);
            double backward = double.NaN;
            for (int c = blocks - 1; c >= 0; c--)
            {
                int t0 = c * k, t1 = Math.Min(length, t0 + k);
                if (posteriors != null && blocks > 1)
                {
                    job.Windows = windows;
                    RestoreCheckpoint(ref job, checkpoints + (long)c * (n * ds + stride), c == 0);
                    job.Start = t0;
                    job.End = t1;
                    job.RowOrigin = t0 - 1;
                    job.WindowOrigin = t0;
                    CpuPasses.HsmmForwardPass<LogSumExp>(Width, ref job);
                }
                job.Windows = backWindows;
                if (c < blocks - 1) NextBackwardBlock(ref job, t0, t1);
                job.Start = t0;
                job.End = t1;
                job.RowOrigin = t0 - 1;
                job.WindowOrigin = t0;
                new Span<float>(carried, stride).CopyTo(new Span<float>(star + (long)(t1 - job.RowOrigin) * stride, stride));
                float value = CpuPasses.HsmmBackwardPass(Width, ref job);
                if (c == 0) backward = value;
                new Span<float>(star + stride, stride).CopyTo(new Span<float>(carried, stride)); // beta* of frame t0, for the block before
                if (posteriors == null) continue;
                CpuPasses.HsmmTransitionPass(Width, ref job, transitions);
                if (c == blocks - 1)
                    lock (sync)
                        for (int j = 0; j < n; j++) posteriors.FinalCounts[j] += Math.Exp((double)alpha[(long)(length - t0) * stride + j] + final[j] - logLikelihood);
                if (c == 0)
                    lock (sync)
                        for (int j = 0; j < n; j++) posteriors.InitialCounts[j] += Math.Exp((double)inRow[stride + j] + star[stride + j] - logLikelihood);
            }
            if (posteriors == null) return backward + shift;
            // Occupancy: each state's running sum of its changes, frame by frame.
            var occupancy = posteriors.StateOccupancy.Data.AsSpan(posteriors.StateOccupancy.Offset(b, 0), length * stride);
            for (int j = 0; j < stride; j++)
            {
                float runningSum = 0f;
                float* change = changes + (long)j * changeStride;
                for (int t = 0; t < length; t++) occupancy[t * stride + j] = j < n ? Definitions.HsmmOccupancy(ref runningSum, change[t]) : 0f;
            }
            lock (sync)
            {
                for (int j = 0; j < n; j++)
                {
                    for (int q = 0; q < d; q++) posteriors.DurationCounts[j, q] += counts[j * ds + q];
                    for (int i = 0; i < n; i++) posteriors.TransitionCounts[j, i] += transitions[j * stride + i];
                }
            }
            return logLikelihood + shift;
        }
    }

    private static void Fill(float* buffer, long count) => new Span<float>(buffer, (int)count).Fill(float.NegativeInfinity);

    // Forward windows move from origin `previous` to `t0`: the cells of frames [t0 - DS, t0) to the front, the rest -infinity;
    // alpha of frame t0 - 1 to row 0.
    private static void NextForwardBlock(ref HsmmJob job, int t0, int previous)
    {
        int ds = job.DurationStride, lead = job.WindowLead;
        for (int j = 0; j < job.States; j++)
        {
            float* w = job.Windows + (long)j * job.WindowStride;
            new Span<float>(w + lead + (t0 - ds) - previous, ds).CopyTo(new Span<float>(w + lead - ds, ds));
            new Span<float>(w + lead, job.WindowStride - lead).Fill(float.NegativeInfinity);
        }
        new Span<float>(job.Alpha + (long)(t0 - 1 - (previous - 1)) * job.Stride, job.Stride).CopyTo(new Span<float>(job.Alpha, job.Stride));
    }

    // A block's forward starting state: its windows' DS cells before t0 and alpha of frame t0 - 1 (row 0).
    private static void SaveCheckpoint(ref HsmmJob job, float* checkpoint)
    {
        int ds = job.DurationStride, lead = job.WindowLead;
        for (int j = 0; j < job.States; j++)
            new Span<float>(job.Windows + (long)j * job.WindowStride + lead - ds, ds).CopyTo(new Span<float>(checkpoint + (long)j * ds, ds));
        new Span<float>(job.Alpha, job.Stride).CopyTo(new Span<float>(checkpoint + (long)job.States * ds, job.Stride));
    }

    private static void RestoreCheckpoint(ref HsmmJob job, float* checkpoint, bool first)
    {
        int ds = job.DurationStride, lead = job.WindowLead;
        for (int j = 0; j < job.States; j++)
        {
            float* w = job.Windows + (long)j * job.WindowStride;
            if (first) new Span<float>(w, job.WindowStride).Fill(float.NegativeInfinity);
            else
            {
                new Span<float>(checkpoint + (long)j * ds, ds).CopyTo(new Span<float>(w + lead - ds, ds));
                new Span<float>(w + lead, job.WindowStride - lead).Fill(float.NegativeInfinity);
            }
        }
        new Span<float>(checkpoint + (long)job.States * ds, job.Stride).CopyTo(new Span<float>(job.Alpha, job.Stride));
    }

    // Backward windows move from origin t1 to t0: the cells of frames [t1, t1 + DS) to their new place, the rest -infinity.
    private static void NextBackwardBlock(ref HsmmJob job, int t0, int t1)
    {
        int ds = job.DurationStride, lead = job.WindowLead, shift = t1 - t0;
        for (int j = 0; j < job.States; j++)
        {
            float* w = job.Windows + (long)j * job.WindowStride;
            new Span<float>(w + lead, ds).CopyTo(new Span<float>(w + lead + shift, ds));
            new Span<float>(w + lead, shift).Fill(float.NegativeInfinity);
        }
    }
}

/// <summary>Argument checks shared by the HSMM engines.</summary>
public static class HsmmArguments
{
    /// <summary>
    /// Checks a model and a batch before a pass: equal state counts, no NaN or +infinity, no empty sequence, durations no
    /// longer than the longest sequence (<see cref="HsmmModel.WithMaxDuration"/> cuts them), and every sequence's length
    /// coverable by some segmentation of the model's structure.
    /// </summary>
    /// <exception cref="ArgumentException">Naming <paramref name="name"/> (or the model) and the problem.</exception>
    public static void Check(HsmmModel model, EmissionBatch emissions, string name)
    {
        Guard.NotNull(model, "model");
        Guard.NotNull(emissions, name);
        if (emissions.StateCount != model.StateCount)
            throw new ArgumentException($"{name} has {emissions.StateCount} states but the model has {model.StateCount}.", name);
        int longest = 0;
        for (int b = 0; b < emissions.BatchSize; b++)
        {
            int length = emissions.Lengths[b];
            if (length == 0) throw new ArgumentException($"{name}: sequence {b} is empty; an HSMM segmentation needs at least one frame.", name);
            longest = Math.Max(longest, length);
        }
        if (model.MaxDuration > longest)
            throw new ArgumentException($"model: durations reach {model.MaxDuration} frames but the longest sequence in {name} has {longest}; cut them with HsmmModel.WithMaxDuration({longest}).", nameof(model));
        for (int b = 0; b < emissions.BatchSize; b++)
        {
            int length = emissions.Lengths[b];
            if (!model.CanCover(length))
                throw new ArgumentException($"{name}: sequence {b} has {length} frames, which no segmentation of the model covers (its initial, transition, duration and final tables allow no path of that length).", name);
        }
        emissions.Validate(name);
    }

    /// <summary>Checks that an output of <paramref name="length"/> entries (named <paramref name="name"/>) holds one per sequence of a batch of <paramref name="batch"/>.</summary>
    /// <exception cref="ArgumentException">It is shorter.</exception>
    public static void CheckOutput(int length, int batch, string name)
    {
        if (length < batch) throw new ArgumentException($"{name} has {length} entries but the batch has {batch} sequences.", name);
    }
}

/// <summary>HSMM Viterbi back-pointers as <see cref="Definitions.HsmmBacktrace{TP, TW}"/> reads them.</summary>
public interface IHsmmPointers
{
    /// <summary>The best duration of a segment of <paramref name="state"/> ending at frame <paramref name="t"/>.</summary>
    int Duration(int t, int state);

    /// <summary>The best predecessor of a segment of <paramref name="state"/> starting at frame <paramref name="t"/> &gt; 0.</summary>
    int Predecessor(int t, int state);
}

internal readonly unsafe struct CpuHsmmPointers : IHsmmPointers
{
    private readonly int* _durations, _predecessors;
    private readonly int _stride;

    public CpuHsmmPointers(int* durations, int* predecessors, int stride)
    {
        _durations = durations;
        _predecessors = predecessors;
        _stride = stride;
    }

    public int Duration(int t, int state) => _durations[(long)t * _stride + state];

    public int Predecessor(int t, int state) => _predecessors[(long)t * _stride + state];
}

/// <summary>One HSMM worker's scratch, grown on demand.</summary>
internal sealed class HsmmWorkspace
{
    public float[] Windows = Array.Empty<float>(), BackWindows = Array.Empty<float>();
    public float[] Alpha = Array.Empty<float>(), In = Array.Empty<float>(), Beta = Array.Empty<float>(), BetaStar = Array.Empty<float>();
    public float[] Lanes = new float[2 * SimdCapabilities.MaxLaneCount];
    public int[] Durations = Array.Empty<int>(), Predecessors = Array.Empty<int>();
    public float[] DurationCounts = Array.Empty<float>(), Transitions = Array.Empty<float>(), Changes = Array.Empty<float>(), Carried = Array.Empty<float>();
    public float[] Checkpoints = Array.Empty<float>();
    public float[] Shifted = Array.Empty<float>();

    public void EnsureShifted(int floats)
    {
        if (Shifted.Length < floats) Shifted = new float[floats];
    }
    private double[] _scores = Array.Empty<double>();

    public double[] Scores(int batch) => _scores.Length >= batch ? _scores : _scores = new double[batch];

    public void Ensure(int rows, int windows, int durationCounts, int transitions, int pointers, int checkpoints, int changes)
    {
        if (Windows.Length < windows) { Windows = new float[windows]; BackWindows = new float[windows]; }
        if (Alpha.Length < rows) { Alpha = new float[rows]; In = new float[rows]; Beta = new float[rows]; BetaStar = new float[rows]; }
        if (Durations.Length < pointers) { Durations = new int[pointers]; Predecessors = new int[pointers]; }
        if (DurationCounts.Length < durationCounts) DurationCounts = new float[durationCounts];
        if (Transitions.Length < transitions) Transitions = new float[transitions];
        if (Carried.Length < transitions) Carried = new float[transitions]; // at least Stride floats
        if (Changes.Length < changes) Changes = new float[changes];
        if (Checkpoints.Length < checkpoints) Checkpoints = new float[checkpoints];
    }
}

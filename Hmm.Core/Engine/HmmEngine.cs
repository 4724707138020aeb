using System.Runtime.CompilerServices;
using System;
using System.Collections.Concurrent;
using System.Threading.Tasks;
using Hmm.Engine;
using Hmm.Primitives;
using Hmm.Simd;

namespace Hmm;

/// <summary>
/// The SIMD CPU engine: emissions, forward, backward, posteriors and Viterbi over batches of variable-length
/// sequences. Every algorithm is the lane-generic definition in <see cref="Definitions"/>, instantiated for
/// the chosen <see cref="SimdWidth"/>. Reuse one engine: its scratch memory grows to the largest shape seen
/// and is then reused, so repeated calls allocate nothing (with <see cref="MaxDegreeOfParallelism"/> = 1;
/// the parallel path allocates a few task objects per call).
/// </summary>
/// <remarks>An engine is not thread-safe: use one per thread, or serialise calls.</remarks>
public sealed unsafe partial class HmmEngine : IHmmEngine
{
    private readonly Workspace _single = new();
    private readonly ConcurrentBag<Workspace> _pool = new();
    private double[] _scores = Array.Empty<double>();

    /// <summary>Creates an engine.</summary>
    /// <param name="width">Lane width; <see cref="SimdWidth.Auto"/> takes the widest the processor accelerates.</param>
    /// <param name="maxDegreeOfParallelism">Sequences decoded at once on separate threads (1 = the calling thread only).</param>
    /// <exception cref="PlatformNotSupportedException">The width is not accelerated here.</exception>
    public HmmEngine(SimdWidth width = SimdWidth.Auto, int maxDegreeOfParallelism = 1)
        : this(width, maxDegreeOfParallelism, allowUnaccelerated: false)
    {
    }

    /// <summary>
    /// Tests run every lane width on every machine: .NET emulates a vector width the processor lacks (slowly but
    /// exactly), so the 512-bit code path is checked even where AVX-512 is switched off.
    /// </summary>
    internal HmmEngine(SimdWidth width, int maxDegreeOfParallelism, bool allowUnaccelerated)
    {
        Width = allowUnaccelerated && width != SimdWidth.Auto ? width : SimdCapabilities.Resolve(width, nameof(width));
        Guard.Positive(maxDegreeOfParallelism, nameof(maxDegreeOfParallelism));
        MaxDegreeOfParallelism = maxDegreeOfParallelism;
    }

    /// <summary>The lane width in use (never <see cref="SimdWidth.Auto"/>).</summary>
    public SimdWidth Width { get; }

    /// <summary>Threads used per batch.</summary>
    public int MaxDegreeOfParallelism { get; }

    /// <summary>
    /// Forward and backward on dense tables take <see cref="Definitions.RelaxDenseScaled{TL, TV, TM}"/> (exact to float
    /// rounding, see there) instead of the two-pass <see cref="Definitions.RelaxDense{TL, TV, TS, TM}"/>. Benchmark and test
    /// knob; default true.
    /// </summary>
    internal bool ScaledDenseStep { get; init; } = true;

    /// <summary>The scaled tables of a model's dense forward (into) or backward (out-of) step, or null for the exact step.</summary>
    private float[]? ScaledTable(TransitionModel tr, bool backward) =>
        ScaledDenseStep ? (backward ? tr.ScaledOutOfTable : tr.ScaledIntoTable) : null;

    // ---------------------------------------------------------------- emissions

    /// <summary>Computes log p(frame | state) for every frame of <paramref name="features"/> into <paramref name="output"/> (lengths copied over).</summary>
    /// <exception cref="ArgumentException">Shapes disagree, or a feature is NaN/infinite, or a categorical symbol is out of range.</exception>
    public void ComputeEmissions(EmissionModel model, SequenceBatch features, EmissionBatch output)
    {
        EngineArguments.EmissionShapes(model, features, output);
        features.EnsureFinite(nameof(features));
        for (int b = 0; b < features.BatchSize; b++) output.SetLength(b, features.Lengths[b]);
        switch (model)
        {
            case GaussianMixtureEmissions gmm:
                if (Serial(features.BatchSize)) for (int b = 0; b < features.BatchSize; b++) GaussianSequence(gmm.Tables, features, b, _single, output.Data, output.Offset(b, 0), output.Stride);
                else GaussianInParallel(gmm, features, output);
                break;
            case CategoricalEmissions cat:
                for (int b = 0; b < features.BatchSize; b++) CategoricalSequence(cat, features, output, b);
                break;
            case TiedMixtureEmissions tied:
                if (Serial(features.BatchSize)) for (int b = 0; b < features.BatchSize; b++) TiedMixtureSequence(tied.Tables, features, b, _single, output.Data, output.Offset(b, 0), output.Stride);
                else TiedMixtureInParallel(tied, features, output);
                break;
            default:
                throw new ArgumentException($"emission model {model.GetType().Name} is not supported by the CPU engine.", nameof(model));
        }
    }

    /// <summary>Sequence <paramref name="b"/>'s emissions into <paramref name="output"/> from <paramref name="offset"/>, frames <paramref name="stride"/> floats apart.</summary>
    private void GaussianSequence(GmmTables tables, SequenceBatch features, int b, Workspace ws, float[] output, int offset, int stride)
    {
        ws.EnsureGaussian(2 * tables.Dimension, tables.RowStride);
        fixed (float* x = features.Data)
        fixed (float* w = tables.Weights)
        fixed (float* bias = tables.Bias)
        fixed (float* center = tables.Center)
        fixed (float* fs = ws.Features)
        fixed (float* cs = ws.Components)
        fixed (float* o = output)
        {
            var gmm = new GmmPointers
            {
                Weights = w, Bias = bias, Center = center, States = tables.States, Components = tables.Components,
                Dimension = tables.Dimension, PaddedColumns = tables.PaddedColumns, RowStride = tables.RowStride,
            };
            CpuPasses.GaussianMixturePass(Width, x + (long)b * features.MaxLength * features.Dimension, features.Lengths[b], gmm, fs, cs,
                o + offset, stride, CpuPasses.GaussianGroupFrames);
        }
    }

    /// <summary>Sequence <paramref name="b"/>'s tied-mixture emissions into <paramref name="output"/> from <paramref name="offset"/>, frames <paramref name="stride"/> floats apart.</summary>
    private void TiedMixtureSequence(TiedMixtureTables tables, SequenceBatch features, int b, Workspace ws, float[] output, int offset, int stride)
    {
        if (ws.Components.Length < tables.ScratchFloats) ws.Components = new float[tables.ScratchFloats];
        fixed (float* x = features.Data)
        fixed (float* o = output)
            CpuPasses.TiedMixture(Width, tables, x + (long)b * features.MaxLength * features.Dimension, features.Lengths[b], ws.Components, o + offset, stride);
    }

    private static void CategoricalSequence(CategoricalEmissions model, SequenceBatch features, EmissionBatch output, int b)
    {
        var frames = features.Sequence(b);
        var table = model.Table;
        for (int t = 0; t < frames.Length; t++)
        {
            int s = model.SymbolIndex(frames[t], nameof(features));
            Array.Copy(table, s * model.Stride, output.Data, output.Offset(b, t), model.Stride);
        }
    }

    // ---------------------------------------------------------------- forward / backward

    /// <summary>log P(x) per sequence by the forward algorithm; optionally the absolute log forward variables.</summary>
    /// <param name="model">Initial and transition probabilities.</param>
    /// <param name="emissions">Emission log-likelihoods.</param>
    /// <param name="logLikelihoods">Receives one value per sequence: 0 for an empty sequence, -inf when no path exists.</param>
    /// <param name="logAlpha">When given, receives log α_t(j) = log P(x_0..x_t, state_t = j).</param>
    public void Forward(HmmModel model, EmissionBatch emissions, Span<double> logLikelihoods, StateLattice? logAlpha = null)
    {
        Check(model, emissions, logLikelihoods.Length, nameof(logLikelihoods));
        logAlpha?.ShapeLike(emissions, nameof(logAlpha));
        var scores = Scores(emissions.BatchSize);
        if (Serial(Pairs(emissions.BatchSize))) for (int b = 0; b < emissions.BatchSize; b += 2) ForwardPair(model, emissions, b, _single, scores, logAlpha);
        else ForwardInParallel(model, emissions, scores, logAlpha);
        scores.AsSpan(0, emissions.BatchSize).CopyTo(logLikelihoods);
    }

    /// <summary>log P(x) per sequence by the backward algorithm; optionally the absolute log backward variables.</summary>
    /// <param name="model">Initial and transition probabilities.</param>
    /// <param name="emissions">Emission log-likelihoods.</param>
    /// <param name="logLikelihoods">Receives one value per sequence (agrees with <see cref="Forward(HmmModel, EmissionBatch, Span{double}, StateLattice)"/>).</param>
    /// <param name="logBeta">When given, receives log β_t(i) = log P(x_{t+1}.. | state_t = i).</param>
    public void Backward(HmmModel model, EmissionBatch emissions, Span<double> logLikelihoods, StateLattice? logBeta = null)
    {
        Check(model, emissions, logLikelihoods.Length, nameof(logLikelihoods));
        logBeta?.ShapeLike(emissions, nameof(logBeta));
        var scores = Scores(emissions.BatchSize);
        if (Serial(emissions.BatchSize)) for (int b = 0; b < emissions.BatchSize; b++) scores[b] = BackwardSequence(model, emissions, b, _single, logBeta);
        else BackwardInParallel(model, emissions, scores, logBeta);
        scores.AsSpan(0, emissions.BatchSize).CopyTo(logLikelihoods);
    }

    /// <summary>
    /// The forward pair pass over two built jobs (their model pointers pinned by the caller), with the workspace's columns where
    /// <paramref name="logAlpha"/> wants every frame; the time-invariant and the per-frame drivers share it.
    /// </summary>
    private void ForwardPairPass(ref SequenceJob first, ref SequenceJob second, Workspace ws, double[] scores, int a, bool two, StateLattice? logAlpha)
    {
        fixed (float* columnsA = ws.ColumnsA)
        fixed (float* columnsB = ws.ColumnsB)
        fixed (float* scalesA = ws.ScalesA)
        fixed (float* scalesB = ws.ScalesB)
        {
            if (logAlpha != null)
            {
                first.Columns = columnsA; first.Scales = scalesA;
                second.Columns = columnsB; second.Scales = scalesB;
            }
            scores[a] = CpuPasses.PairPass<LogSumExp, LogSumExp>(Width, ref first, ref second, out double llB);
            if (two) scores[a + 1] = llB;
            if (logAlpha == null) return;
            StoreAbsolute(ref first, logAlpha, a, forward: true);
            if (two) StoreAbsolute(ref second, logAlpha, a + 1, forward: true);
        }
    }

    /// <summary>Sequences <paramref name="a"/> and a + 1 (when the batch has it) through one <see cref="CpuPasses.PairPass{TL, TV, TA, TB}"/>.</summary>
    private void ForwardPair(HmmModel model, EmissionBatch emissions, int a, Workspace ws, double[] scores, StateLattice? logAlpha)
    {
        var tr = model.Transitions;
        bool two = a + 1 < emissions.BatchSize;
        int lengthA = emissions.Lengths[a], lengthB = two ? emissions.Lengths[a + 1] : 0, stride = emissions.Stride;
        ws.EnsureColumns(stride, tr.TableRows, columns: 6);
        if (logAlpha != null) ws.EnsureLattice(System.Math.Max(lengthA, lengthB), stride, both: true);
        fixed (float* e = emissions.Data)
        fixed (float* table = StepTable(tr, backward: false))
        fixed (float* scaled = ScaledTable(tr, backward: false))
        fixed (float* init = model.LogInitialPadded)
        fixed (float* scratch = ws.Scratch)
        {
            PairJobs(model, emissions, a, e, table, init, scratch, ws.Pad, columnsEach: 3, out var first, out var second);
            first.Scaled = second.Scaled = scaled;
            ForwardPairPass(ref first, ref second, ws, scores, a, two, logAlpha);
        }
    }

    private double BackwardSequence(HmmModel model, EmissionBatch emissions, int b, Workspace ws, StateLattice? logBeta)
    {
        var tr = model.Transitions;
        int length = emissions.Lengths[b], stride = emissions.Stride;
        ws.EnsureColumns(stride, tr.TableRows);
        if (logBeta != null) ws.EnsureLattice(length, stride, both: false);
        fixed (float* e = emissions.Data)
        fixed (float* table = StepTable(tr, backward: true))
        fixed (float* scaled = ScaledTable(tr, backward: true))
        fixed (float* init = model.LogInitialPadded)
        fixed (float* scratch = ws.Scratch)
        fixed (float* columns = ws.ColumnsA)
        fixed (float* scales = ws.ScalesA)
        {
            var job = Job(model, e + emissions.Offset(b, 0), length, stride, table, init, scratch, ws.Pad);
            job.Scaled = scaled;
            if (logBeta != null) { job.Columns = columns; job.Scales = scales; }
            double ll = CpuPasses.BackwardPass(Width, ref job, init);
            if (logBeta != null) StoreAbsolute(ref job, logBeta, b, forward: false);
            return ll;
        }
    }

    /// <summary>
    /// A pass's recorded normalised columns made absolute into <paramref name="lattice"/>: each frame's column plus the
    /// scales summed from the start (forward) or from the end (backward).
    /// </summary>
    private static void StoreAbsolute(ref SequenceJob job, StateLattice lattice, int b, bool forward)
    {
        double cumulative = 0;
        int length = job.Length;
        for (int u = 0; u < length; u++)
        {
            int t = forward ? u : length - 1 - u;
            cumulative += job.Scales[t];
            float* column = job.Columns + (long)t * job.Stride;
            var destination = lattice.Data.AsSpan(lattice.Offset(b, t), job.Stride);
            for (int j = 0; j < job.States; j++) destination[j] = (float)(column[j] + cumulative);
        }
    }

    // ---------------------------------------------------------------- posteriors

    /// <summary>Forward-backward: log-likelihoods, state posteriors and expected transition counts.</summary>
    public void Posteriors(HmmModel model, EmissionBatch emissions, PosteriorResult result)
    {
        Guard.NotNull(result, nameof(result));
        Check(model, emissions, result.LogLikelihoodArray.Length, nameof(result));
        if (result.TransitionRows != model.Transitions.TableRows)
            throw new ArgumentException($"result has {result.TransitionRows} transition rows but the model needs {model.Transitions.TableRows}; create it with PosteriorResult.For.", nameof(result));
        result.StatePosteriors.ShapeLike(emissions, nameof(result));
        result.BatchSize = emissions.BatchSize;
        result.Banded = model.Transitions.Layout == TransitionLayout.Banded;
        if (Serial(emissions.BatchSize)) for (int b = 0; b < emissions.BatchSize; b++) result.LogLikelihoodArray[b] = PosteriorSequence(model, emissions, b, _single, result);
        else PosteriorsInParallel(model, emissions, result);
    }

    private double PosteriorSequence(HmmModel model, EmissionBatch emissions, int b, Workspace ws, PosteriorResult result)
    {
        var tr = model.Transitions;
        int length = emissions.Lengths[b], stride = emissions.Stride, rows = tr.TableRows;
        ws.EnsureColumns(stride, rows);
        ws.EnsureLattice(length, stride, both: true);
        var posteriors = result.StatePosteriors;
        fixed (float* e = emissions.Data)
        fixed (float* into = StepTable(tr, backward: false))
        fixed (float* outOf = StepTable(tr, backward: true))
        fixed (float* countsTable = tr.Layout == TransitionLayout.Banded ? tr.OutOfTable : tr.IntoTable)
        fixed (float* scaledInto = ScaledTable(tr, backward: false))
        fixed (float* scaledOutOf = ScaledTable(tr, backward: true))
        fixed (float* init = model.LogInitialPadded)
        fixed (float* scratch = ws.Scratch)
        fixed (float* alpha = ws.ColumnsA)
        fixed (float* beta = ws.ColumnsB)
        fixed (float* alphaScales = ws.ScalesA)
        fixed (float* betaScales = ws.ScalesB)
        fixed (float* gamma = posteriors.Data)
        fixed (float* counts = result.CountArray)
        {
            float* seqGamma = gamma + posteriors.Offset(b, 0);
            float* seqCounts = counts + (long)b * rows * stride;
            var job = Job(model, e + emissions.Offset(b, 0), length, stride, into, init, scratch, ws.Pad);
            job.Columns = alpha;
            job.Scales = alphaScales;
            job.Scaled = scaledInto;
            double ll = CpuPasses.ForwardPass<LogSumExp>(Width, ref job);
            if (double.IsNegativeInfinity(ll) || length == 0)
            {
                new Span<float>(seqGamma, length * stride).Clear();
                new Span<float>(seqCounts, rows * stride).Clear();
                return ll;
            }
            job.Table = outOf;
            job.Scaled = scaledOutOf;
            job.Columns = beta;
            job.Scales = betaScales;
            CpuPasses.BackwardPass(Width, ref job, init);
            // Expected counts read the table whose rows are what they count: "into" rows are sources for dense
            // models; banded counts are indexed by source state along each offset, the "out-of" layout.
            // Expected counts read every row of the full table (the live rows only served the recursions).
            job.Table = countsTable;
            job.TableRows = tr.TableRows;
            job.BandOffsets = null;
            CpuPasses.PosteriorPass(Width, ref job, alpha, beta, betaScales, seqGamma, seqCounts);
            return ll;
        }
    }

    // ---------------------------------------------------------------- Viterbi

    /// <summary>The most likely state path of every sequence, with its log score.</summary>
    public void Viterbi(HmmModel model, EmissionBatch emissions, ViterbiResult result)
    {
        Guard.NotNull(result, nameof(result));
        Check(model, emissions, result.BatchCapacity, nameof(result));
        if (result.MaxLength < emissions.MaxLength)
            throw new ArgumentException($"result holds paths of {result.MaxLength} frames but emissions have up to {emissions.MaxLength}.", nameof(result));
        result.BatchSize = emissions.BatchSize;
        if (Serial(Pairs(emissions.BatchSize))) for (int b = 0; b < emissions.BatchSize; b += 2) ViterbiPair(model, emissions, b, _single, result);
        else ViterbiInParallel(model, emissions, result);
    }

    /// <summary>Sequences <paramref name="a"/> and a + 1 (when the batch has it) through one <see cref="CpuPasses.PairPass{TL, TV, TA, TB}"/>.</summary>
    private void ViterbiPair(HmmModel model, EmissionBatch emissions, int a, Workspace ws, ViterbiResult result)
    {
        var tr = model.Transitions;
        bool two = a + 1 < emissions.BatchSize;
        int lengthA = emissions.Lengths[a], lengthB = two ? emissions.Lengths[a + 1] : 0, stride = emissions.Stride, n = emissions.StateCount;
        ws.EnsureColumns(stride, tr.TableRows, columns: 4);
        ws.EnsureBackpointers(lengthA + lengthB, stride);
        fixed (float* e = emissions.Data)
        fixed (float* table = StepTable(tr, backward: false))
        fixed (float* init = model.LogInitialPadded)
        fixed (float* scratch = ws.Scratch)
        fixed (float* bp = ws.Backpointers)
        {
            PairJobs(model, emissions, a, e, table, init, scratch, ws.Pad, columnsEach: 2, out var first, out var second);
            // The second sequence's back-pointers follow the first's.
            first.Backpointers = bp;
            second.Backpointers = bp + (long)lengthA * stride;
            double scoreA = CpuPasses.PairPass<MaxPlus, MaxPlus>(Width, ref first, ref second, out double scoreB);
            Backtrace(result, a, scoreA, ref first, n);
            if (two) Backtrace(result, a + 1, scoreB, ref second, n);
        }
    }

    /// <summary>
    /// Stores a Viterbi pass's score and traces its path back from the last column (normalised, max 0: it sits in the
    /// scratch buffer the pass ended on) through the back-pointers. No path: every state -1.
    /// </summary>
    private static void Backtrace(ViterbiResult result, int b, double score, ref SequenceJob job, int states)
    {
        int length = job.Length, stride = job.Stride;
        result.ScoreArray[b] = score;
        result.LengthArray[b] = length;
        if (length == 0) return;
        var path = result.PathArray.AsSpan(b * result.MaxLength, length);
        if (double.IsNegativeInfinity(score))
        {
            path.Fill(-1);
            return;
        }
        float* last = job.Scratch + job.Pad + ((length - 1) % 2 == 0 ? 0 : job.ColumnSize);
        int state = Definitions.BestFinalState(new CpuMemory(last), 0, states);
        path[length - 1] = state;
        var writer = new ArrayPath(result.PathArray, b * result.MaxLength);
        Definitions.FollowBackpointers(new CpuMemory(job.Backpointers), 0, stride, length - 1, 1, state, ref writer);
    }

    /// <summary>A Viterbi path in a row of a result's path array.</summary>
    private readonly struct ArrayPath(int[] paths, int offset) : IPathWriter
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Set(int t, int state) => paths[offset + t] = state;
    }

    // ---------------------------------------------------------------- decode

    /// <summary>
    /// GMM emissions, forward log-likelihoods and Viterbi paths in one call: per sequence the emissions go to scratch
    /// memory, then forward and Viterbi run in one time loop (two independent dependency chains, interleaved frame by
    /// frame). The results equal <see cref="ComputeEmissions"/>, <see cref="Forward(HmmModel, EmissionBatch, Span{double}, StateLattice)"/> and <see cref="Viterbi(HmmModel, EmissionBatch, ViterbiResult)"/> called
    /// one after the other, bit for bit; no emission batch is needed.
    /// </summary>
    /// <param name="emissionModel">The GMM; its state count must equal the model's.</param>
    /// <param name="model">Initial and transition probabilities.</param>
    /// <param name="features">The feature sequences.</param>
    /// <param name="logLikelihoods">Receives log P(x) per sequence: 0 for an empty sequence, -inf when no path exists.</param>
    /// <param name="result">Receives the best path and its score per sequence.</param>
    /// <exception cref="ArgumentException">Shapes disagree, or a feature is NaN/infinite.</exception>
    public void Decode(GaussianMixtureEmissions emissionModel, HmmModel model, SequenceBatch features, Span<double> logLikelihoods, ViterbiResult result)
    {
        EngineArguments.DecodeShapes(emissionModel, model, features, logLikelihoods.Length, nameof(logLikelihoods), result);
        features.EnsureFinite(nameof(features));
        int batch = features.BatchSize;
        result.BatchSize = batch;
        var scores = Scores(batch);
        if (Serial(batch)) for (int b = 0; b < batch; b++) scores[b] = DecodeSequence(emissionModel.Tables, model, features, b, _single, result);
        else DecodeInParallel(emissionModel, model, features, scores, result);
        scores.AsSpan(0, batch).CopyTo(logLikelihoods);
    }

    private double DecodeSequence(GmmTables tables, HmmModel model, SequenceBatch features, int b, Workspace ws, ViterbiResult result)
    {
        var tr = model.Transitions;
        int length = features.Lengths[b], stride = tr.PaddedStateCount;
        ws.EnsureColumns(stride, tr.TableRows, columns: 5);
        ws.EnsureBackpointers(length, stride);
        ws.EnsureEmissions(length, stride);
        GaussianSequence(tables, features, b, ws, ws.Emissions, 0, stride);
        fixed (float* e = ws.Emissions)
        fixed (float* table = StepTable(tr, backward: false))
        fixed (float* scaled = ScaledTable(tr, backward: false))
        fixed (float* init = model.LogInitialPadded)
        fixed (float* scratch = ws.Scratch)
        fixed (float* bp = ws.Backpointers)
        {
            var forward = Job(model, e, length, stride, table, init, scratch, ws.Pad);
            forward.Scaled = scaled;
            // Viterbi's two columns follow forward's three.
            var viterbi = Job(model, e, length, stride, table, init, scratch + 3 * forward.ColumnSize, ws.Pad);
            viterbi.Backpointers = bp;
            double ll = CpuPasses.PairPass<LogSumExp, MaxPlus>(Width, ref forward, ref viterbi, out double score);
            Backtrace(result, b, score, ref viterbi, model.StateCount);
            return ll;
        }
    }

    // ---------------------------------------------------------------- plumbing

    /// <summary>
    /// The table a recursion step reads: for a banded model only its live rows (<c>BandedTransitions.LiveOffsets</c>: an
    /// alignment graph's band is S + 2 wide with 3 offsets that hold transitions), for a dense one the full table.
    /// </summary>
    private static float[] StepTable(TransitionModel tr, bool backward) => tr switch
    {
        BandedTransitions banded => backward ? banded.LiveOutOfTable : banded.LiveIntoTable,
        _ => backward ? tr.OutOfTable : tr.IntoTable,
    };

    private static SequenceJob Job(HmmModel model, float* emissions, int length, int stride, float* table, float* init, float* scratch, int pad) => new()
    {
        Emissions = emissions,
        Length = length,
        States = model.StateCount,
        Stride = stride,
        Table = table,
        TableRows = model.Transitions is BandedTransitions banded ? banded.LiveOffsets.Length : model.Transitions.TableRows,
        Banded = model.Transitions.Layout == TransitionLayout.Banded,
        BandOffsets = model.Transitions is BandedTransitions live && live.LiveOffsets.Length < live.Bandwidth ? live.LiveOffsets : null,
        Initial = init,
        Scratch = scratch,
        Pad = pad,
    };

    /// <summary>
    /// The jobs of sequences <paramref name="a"/> and a + 1 for one <see cref="CpuPasses.PairPass{TL, TV, TA, TB}"/>: the
    /// second's <paramref name="columnsEach"/> scratch columns follow the first's; past the batch's end it has length 0.
    /// </summary>
    private static void PairJobs(HmmModel model, EmissionBatch emissions, int a, float* e, float* table, float* init, float* scratch, int pad,
        int columnsEach, out SequenceJob first, out SequenceJob second)
    {
        bool two = a + 1 < emissions.BatchSize;
        int stride = emissions.Stride;
        first = Job(model, e + emissions.Offset(a, 0), emissions.Lengths[a], stride, table, init, scratch, pad);
        second = Job(model, e + (two ? emissions.Offset(a + 1, 0) : 0), two ? emissions.Lengths[a + 1] : 0, stride, table, init,
            scratch + columnsEach * first.ColumnSize, pad);
    }

    private static void Check(HmmModel model, EmissionBatch emissions, int capacity, string capacityName)
    {
        EngineArguments.RecursionShapes(model, emissions, capacity, capacityName);
        emissions.Validate(nameof(emissions));
    }

    private double[] Scores(int batch)
    {
        if (_scores.Length < batch) _scores = new double[batch];
        return _scores;
    }

    private void GaussianInParallel(GaussianMixtureEmissions gmm, SequenceBatch features, EmissionBatch output) => ForEach(features.BatchSize, (b, ws) => GaussianSequence(gmm.Tables, features, b, ws, output.Data, output.Offset(b, 0), output.Stride));

    private void TiedMixtureInParallel(TiedMixtureEmissions tied, SequenceBatch features, EmissionBatch output) => ForEach(features.BatchSize, (b, ws) => TiedMixtureSequence(tied.Tables, features, b, ws, output.Data, output.Offset(b, 0), output.Stride));

    private void ForwardInParallel(HmmModel model, EmissionBatch emissions, double[] scores, StateLattice? logAlpha) => ForEach(Pairs(emissions.BatchSize), (p, ws) => ForwardPair(model, emissions, 2 * p, ws, scores, logAlpha));

    private void BackwardInParallel(HmmModel model, EmissionBatch emissions, double[] scores, StateLattice? logBeta) => ForEach(emissions.BatchSize, (b, ws) => scores[b] = BackwardSequence(model, emissions, b, ws, logBeta));

    private void PosteriorsInParallel(HmmModel model, EmissionBatch emissions, PosteriorResult result) => ForEach(emissions.BatchSize, (b, ws) => result.LogLikelihoodArray[b] = PosteriorSequence(model, emissions, b, ws, result));

    private void DecodeInParallel(GaussianMixtureEmissions gmm, HmmModel model, SequenceBatch features, double[] scores, ViterbiResult result) => ForEach(features.BatchSize, (b, ws) => scores[b] = DecodeSequence(gmm.Tables, model, features, b, ws, result));

    // Delegates live in their own methods so that the serial path allocates no closure.
    private void ViterbiInParallel(HmmModel model, EmissionBatch emissions, ViterbiResult result) => ForEach(Pairs(emissions.BatchSize), (p, ws) => ViterbiPair(model, emissions, 2 * p, ws, result));

    /// <summary>Forward and Viterbi run sequences two at a time (<see cref="CpuPasses.PairPass{TL, TV, TA, TB}"/>).</summary>
    private static int Pairs(int batch) => (batch + 1) / 2;

    // The serial path is written out at each call site (no delegate) so that it allocates nothing.
    private bool Serial(int batch) => MaxDegreeOfParallelism == 1 || batch == 1;

    private void ForEach(int batch, Action<int, Workspace> body)
    {
        Parallel.For(0, batch, new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism },
            () => _pool.TryTake(out var ws) ? ws : new Workspace(),
            (b, _, ws) => { body(b, ws); return ws; },
            ws => _pool.Add(ws));
    }
}

using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace Hmm;

/// <summary>
/// Per-sequence graphs whose states share ("tie") the emissions of a smaller GMM model, as in forced alignment: graph
/// state j of sequence b emits as model state <c>Tie(b, j)</c> plus a constant log bias, or never (-infinity). One
/// <see cref="HmmModel"/> (the graph's transitions) serves every sequence of the batch; what differs per sequence is
/// which model state each graph state reads and which graph states may end the sequence (at the last frame every
/// other state gets -infinity, so only complete paths survive).
/// </summary>
/// <remarks>
/// Engines that implement <see cref="ITiedStateEngine"/> compute the model-state emissions once per frame and gather
/// the graph's emissions from them where the lattices live (the GPU engine: on the device), instead of the caller
/// expanding a lattice of every graph state on the host (<see cref="Expand"/>).
/// </remarks>
public sealed class TiedStateBatch
{
    private readonly int[] _ties;
    private readonly float[] _bias;
    private readonly float[] _end;

    /// <summary>Room for <paramref name="batchCapacity"/> sequences of a graph of <paramref name="graphStates"/> states; every state starts untied (never emits) and no state may end.</summary>
    public TiedStateBatch(int batchCapacity, int graphStates)
    {
        Guard.Positive(batchCapacity, nameof(batchCapacity));
        Guard.Positive(graphStates, nameof(graphStates));
        BatchCapacity = batchCapacity;
        GraphStates = graphStates;
        _ties = new int[batchCapacity * graphStates];
        _bias = new float[_ties.Length];
        _end = new float[_ties.Length];
        for (int b = 0; b < batchCapacity; b++) Clear(b);
    }

    /// <summary>Sequences this batch can describe.</summary>
    public int BatchCapacity { get; }

    /// <summary>States of the shared graph (the <see cref="HmmModel.StateCount"/> of the graph model).</summary>
    public int GraphStates { get; }

    internal int[] Ties => _ties;
    internal float[] Bias => _bias;
    internal float[] EndBias => _end;

    /// <summary>Makes every graph state of sequence <paramref name="b"/> untied (never emits) and unable to end the sequence.</summary>
    public void Clear(int b)
    {
        CheckSequence(b);
        _ties.AsSpan(b * GraphStates, GraphStates).Fill(-1);
        _bias.AsSpan(b * GraphStates, GraphStates).Clear();
        _end.AsSpan(b * GraphStates, GraphStates).Fill(float.NegativeInfinity);
    }

    /// <summary>Graph state <paramref name="graphState"/> of sequence <paramref name="b"/> emits as model state <paramref name="modelState"/> plus <paramref name="logBias"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range, the model state is negative, or the bias is NaN or +infinity.</exception>
    public void Tie(int b, int graphState, int modelState, float logBias = 0f)
    {
        CheckSequence(b);
        CheckState(graphState);
        if (modelState < 0) throw new ArgumentOutOfRangeException(nameof(modelState), modelState, "modelState must not be negative.");
        if (float.IsNaN(logBias) || float.IsPositiveInfinity(logBias)) throw new ArgumentOutOfRangeException(nameof(logBias), logBias, "logBias must be finite or -infinity.");
        _ties[b * GraphStates + graphState] = modelState;
        _bias[b * GraphStates + graphState] = logBias;
    }

    /// <summary>Lets graph state <paramref name="graphState"/> end sequence <paramref name="b"/> (occupy its last frame).</summary>
    public void AllowEnd(int b, int graphState)
    {
        CheckSequence(b);
        CheckState(graphState);
        _end[b * GraphStates + graphState] = 0f;
    }

    /// <summary>The model state graph state <paramref name="graphState"/> of sequence <paramref name="b"/> reads, or -1.</summary>
    public int TiedState(int b, int graphState) => _ties[b * GraphStates + graphState];

    /// <summary>
    /// Host expansion: fills sequence <paramref name="b"/> of <paramref name="graph"/> (lengths included) from the
    /// model-state log-likelihoods of the same sequence index in <paramref name="modelLogLikelihoods"/>.
    /// </summary>
    public void Expand(EmissionBatch modelLogLikelihoods, EmissionBatch graph, int b, int frames)
    {
        Guard.NotNull(modelLogLikelihoods, nameof(modelLogLikelihoods));
        Guard.NotNull(graph, nameof(graph));
        graph.SetLength(b, frames);
        int g = GraphStates, offset = b * g;
        for (int t = 0; t < frames; t++)
        {
            var row = graph.Frame(b, t);
            var ll = modelLogLikelihoods.Frame(b, t);
            bool last = t == frames - 1;
            for (int j = 0; j < g; j++)
            {
                int s = _ties[offset + j];
                float v = s < 0 ? float.NegativeInfinity : ll[s] + _bias[offset + j];
                row[j] = last ? v + _end[offset + j] : v;
            }
        }
    }

    /// <summary>Throws unless the first <paramref name="batch"/> sequences tie only to states below <paramref name="modelStates"/>.</summary>
    internal void Validate(int batch, int modelStates, string name)
    {
        if (batch > BatchCapacity) throw new ArgumentException($"{name} describes {BatchCapacity} sequences but the batch has {batch}.", name);
        for (int i = 0; i < batch * GraphStates; i++)
        {
            if (_ties[i] >= modelStates)
                throw new ArgumentException($"{name}: graph state {i % GraphStates} of sequence {i / GraphStates} is tied to model state {_ties[i]}, but the emission model has {modelStates}.", name);
        }
    }

    private void CheckSequence(int b)
    {
        if ((uint)b >= (uint)BatchCapacity) throw new ArgumentOutOfRangeException(nameof(b), b, $"b must be in [0, {BatchCapacity}).");
    }

    private void CheckState(int graphState)
    {
        if ((uint)graphState >= (uint)GraphStates) throw new ArgumentOutOfRangeException(nameof(graphState), graphState, $"graphState must be in [0, {GraphStates}).");
    }
}

/// <summary>
/// Occupancy statistics of GMM components gathered by forward-backward over tied-state graphs
/// (<see cref="ITiedStateEngine.AccumulateStatistics"/>): per component (state-major, <c>state * K + component</c> with
/// the model's padded component count K) the occupancy sum gamma and the first moment sum gamma x, the E-step of mean
/// re-estimation (MAP adaptation, MLLR, Baum-Welch). Calls add to what it holds; <see cref="Clear"/> starts over.
/// </summary>
public sealed class GmmStatistics
{
    /// <summary>Statistics for a model of <paramref name="states"/> states of <paramref name="components"/> components over <paramref name="dimension"/> features, with per-sequence log-likelihoods for up to <paramref name="batchCapacity"/> sequences.</summary>
    public GmmStatistics(int states, int components, int dimension, int batchCapacity)
    {
        Guard.Positive(states, nameof(states));
        Guard.Positive(components, nameof(components));
        Guard.Positive(dimension, nameof(dimension));
        Guard.Positive(batchCapacity, nameof(batchCapacity));
        States = states;
        Components = components;
        Dimension = dimension;
        Occupancy = new double[states * components];
        FirstMoments = new double[states * components * dimension];
        LogLikelihoods = new double[batchCapacity];
    }

    /// <summary>Creates statistics shaped for <paramref name="model"/>.</summary>
    public static GmmStatistics For(GaussianMixtureEmissions model, int batchCapacity)
    {
        Guard.NotNull(model, nameof(model));
        return new GmmStatistics(model.StateCount, model.ComponentCount, model.FeatureDimension, batchCapacity);
    }

    /// <summary>Model states N.</summary>
    public int States { get; }

    /// <summary>Components per state K (padded: the model's <see cref="GaussianMixtureEmissions.ComponentCount"/>).</summary>
    public int Components { get; }

    /// <summary>Feature dimension D.</summary>
    public int Dimension { get; }

    /// <summary>Sum of component occupancies, [N * K].</summary>
    public double[] Occupancy { get; }

    /// <summary>Sum of occupancy-weighted frames, [N * K * D].</summary>
    public double[] FirstMoments { get; }

    /// <summary>Forward log-likelihood of each sequence of the last call (-infinity: no path; it then adds nothing).</summary>
    public double[] LogLikelihoods { get; }

    /// <summary>Sets the sums to zero.</summary>
    public void Clear()
    {
        Array.Clear(Occupancy, 0, Occupancy.Length);
        Array.Clear(FirstMoments, 0, FirstMoments.Length);
    }

    internal void CheckFits(GaussianMixtureEmissions model, int batch, string name)
    {
        if (States != model.StateCount || Components != model.ComponentCount || Dimension != model.FeatureDimension)
            throw new ArgumentException($"{name} is shaped [{States} states, {Components} components, {Dimension} dims] but the model is [{model.StateCount}, {model.ComponentCount}, {model.FeatureDimension}]; create it with GmmStatistics.For.", name);
        if (LogLikelihoods.Length < batch) throw new ArgumentException($"{name} holds log-likelihoods for {LogLikelihoods.Length} sequences but the batch has {batch}.", name);
    }
}

/// <summary>Thresholds of <see cref="ITiedStateEngine.AccumulateStatistics"/>: tiny occupancies are skipped (they change nothing measurable and cost most of the work).</summary>
/// <param name="StateThreshold">A graph state's posterior below this adds nothing (1e-4).</param>
/// <param name="ComponentThreshold">A component's share of a frame (state posterior x component responsibility) below this adds nothing (1e-6).</param>
public readonly record struct StatisticsThresholds(float StateThreshold = 1e-4f, float ComponentThreshold = 1e-6f)
{
    /// <summary>The defaults: 1e-4 and 1e-6.</summary>
    public static StatisticsThresholds Default => new(1e-4f, 1e-6f);
}

/// <summary>
/// An engine that runs whole tied-state passes where its lattices live: GMM emissions of the model states, the graphs'
/// emissions gathered from them (<see cref="TiedStateBatch"/>), the recursions, and the reductions the caller needs,
/// handing back only the small results. <see cref="HostTiedStateEngine"/> does the same through any
/// <see cref="IHmmEngine"/> with host lattices, and defines the results.
/// </summary>
public interface ITiedStateEngine
{
    /// <summary>
    /// Forward-backward over each sequence's graph, then for every frame and graph state whose posterior reaches the
    /// state threshold, the frame split over the tied model state's components by their responsibilities, added to
    /// <paramref name="statistics"/> (occupancy and first moment; shares below the component threshold are skipped).
    /// Sequences without a complete path add nothing and get log-likelihood -infinity.
    /// </summary>
    void AccumulateStatistics(GaussianMixtureEmissions emissions, HmmModel graph, TiedStateBatch ties, SequenceBatch features,
        StatisticsThresholds thresholds, GmmStatistics statistics);

    /// <summary>
    /// The Viterbi path of each sequence through its graph (<paramref name="viterbi"/>), and, when
    /// <paramref name="leaveTimes"/> is given, forward-backward block exit expectations: graph states form blocks of
    /// <paramref name="blockSize"/> consecutive states (block o = states <c>o*blockSize .. o*blockSize+blockSize-1</c>,
    /// <c>GraphStates / blockSize</c> blocks, states past the last whole block ignored), and entry
    /// <c>[b * blocks + o]</c> receives <c>sum over frames t of min(1, P(state at t in a block &lt;= o))</c> (the probability
    /// normalised over the blocks' states): the posterior mean of the first frame past block o. Its forward
    /// log-likelihood goes to <paramref name="logLikelihoods"/> (-infinity: no path, and its leave times are meaningless).
    /// </summary>
    void Align(GaussianMixtureEmissions emissions, HmmModel graph, TiedStateBatch ties, SequenceBatch features, ViterbiResult viterbi,
        int blockSize, double[]? leaveTimes, Span<double> logLikelihoods);
}

/// <summary>
/// <see cref="ITiedStateEngine"/> through any <see cref="IHmmEngine"/>: model-state emissions, graph lattices expanded on
/// the host (<see cref="TiedStateBatch.Expand"/>), the engine's <see cref="IHmmEngine.Posteriors"/> and
/// <see cref="IHmmEngine.Viterbi"/>, and the reductions in double precision on the host. The statistics are added per
/// model state in (sequence, frame, graph state) order, so they do not depend on the thread count.
/// </summary>
public sealed class HostTiedStateEngine : ITiedStateEngine
{
    private readonly IHmmEngine _engine;
    private readonly ParallelOptions _parallel;

    /// <summary>Runs the passes on <paramref name="engine"/>, the host work on up to <paramref name="maxDegreeOfParallelism"/> threads.</summary>
    public HostTiedStateEngine(IHmmEngine engine, int maxDegreeOfParallelism = 1)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        Guard.Positive(maxDegreeOfParallelism, nameof(maxDegreeOfParallelism));
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
    }

    /// <summary>The engine the passes run on.</summary>
    public IHmmEngine Engine => _engine;

    private EmissionBatch Graph(GaussianMixtureEmissions emissions, HmmModel graph, TiedStateBatch ties, SequenceBatch features)
    {
        TiedStateArguments.Check(emissions, graph, ties, features);
        features.ValidateFinite(nameof(features));
        var modelLl = new EmissionBatch(features.BatchSize, features.MaxLength, emissions.StateCount);
        _engine.ComputeEmissions(emissions, features, modelLl);
        var lattice = new EmissionBatch(features.BatchSize, features.MaxLength, graph.StateCount);
        Parallel.For(0, features.BatchSize, _parallel, b => ties.Expand(modelLl, lattice, b, features.Lengths[b]));
        return lattice;
    }

    /// <inheritdoc/>
    public void AccumulateStatistics(GaussianMixtureEmissions emissions, HmmModel graph, TiedStateBatch ties, SequenceBatch features,
        StatisticsThresholds thresholds, GmmStatistics statistics)
    {
        Guard.NotNull(statistics, nameof(statistics));
        statistics.CheckFits(emissions, features?.BatchSize ?? 0, nameof(statistics));
        var lattice = Graph(emissions, graph, ties, features!);
        var post = PosteriorResult.For(graph, lattice);
        _engine.Posteriors(graph, lattice, post);
        int batch = features!.BatchSize, g = ties.GraphStates;
        var found = new List<(int State, float Gamma, int Offset)>?[batch];
        Parallel.For(0, batch, _parallel, b =>
        {
            double score = post.LogLikelihoods[b];
            statistics.LogLikelihoods[b] = double.IsNaN(score) ? double.NegativeInfinity : score;
            if (double.IsNegativeInfinity(score) || double.IsNaN(score)) return;
            var list = new List<(int, float, int)>();
            for (int t = 0; t < features.Lengths[b]; t++)
            {
                var row = post.StatePosteriors.Frame(b, t);
                for (int j = 0; j < g; j++)
                {
                    float gamma = row[j];
                    int s = ties.TiedState(b, j);
                    if (gamma < thresholds.StateThreshold || s < 0) continue;
                    list.Add((s, gamma, (b * features.MaxLength + t) * features.Dimension));
                }
            }
            found[b] = list;
        });
        var perState = new List<(float Gamma, int Offset)>?[emissions.StateCount];
        for (int b = 0; b < batch; b++)
        {
            if (found[b] is not { } list) continue;
            foreach (var (s, gamma, offset) in list) (perState[s] ??= new List<(float, int)>()).Add((gamma, offset));
        }
        var gmm = GmmFrameStatistics.For(emissions);
        Parallel.For(0, perState.Length, _parallel, () => new double[emissions.ComponentCount], (s, _, scratch) =>
        {
            if (perState[s] is not { } list) return scratch;
            foreach (var (gamma, offset) in list)
                gmm.Add(s, gamma, features.Data.AsSpan(offset, features.Dimension), thresholds.ComponentThreshold, statistics.Occupancy, statistics.FirstMoments, scratch);
            return scratch;
        }, _ => { });
    }

    /// <inheritdoc/>
    public void Align(GaussianMixtureEmissions emissions, HmmModel graph, TiedStateBatch ties, SequenceBatch features, ViterbiResult viterbi,
        int blockSize, double[]? leaveTimes, Span<double> logLikelihoods)
    {
        TiedStateArguments.CheckAlign(ties, features, viterbi, blockSize, leaveTimes, logLikelihoods.Length);
        var lattice = Graph(emissions, graph, ties, features);
        _engine.Viterbi(graph, lattice, viterbi);
        var post = PosteriorResult.For(graph, lattice);
        _engine.Posteriors(graph, lattice, post);
        post.LogLikelihoods.CopyTo(logLikelihoods);
        if (leaveTimes is null) return;
        int blocks = ties.GraphStates / blockSize;
        Parallel.For(0, features.BatchSize, _parallel, b =>
        {
            var leave = leaveTimes.AsSpan(b * blocks, blocks);
            leave.Clear();
            var cumulative = new double[blocks];
            int s = blockSize;
            for (int t = 0; t < features.Lengths[b]; t++)
            {
                var row = post.StatePosteriors.Frame(b, t).Slice(0, blocks * s);
                // The posteriors are zero outside a band around the path. Zeros change neither the running sum nor (adding
                // +0) the leave times, and past the band every ratio is sum / sum = 1 exactly, so summing and dividing only
                // over the band's blocks gives the same doubles as the full loop (kept for frames whose sum is not positive).
                int first = FirstNonZero(row);
                if (first < 0) continue;
                int firstBlock = first / s, lastBlock = LastNonZero(row) / s;
                double sum = 0;
                for (int o = firstBlock; o <= lastBlock; o++)
                {
                    for (int k = 0; k < s; k++) sum += row[o * s + k];
                    cumulative[o] = sum;
                }
                if (sum > 0)
                {
                    for (int o = firstBlock; o <= lastBlock; o++) leave[o] += Math.Min(1, cumulative[o] / sum);
                    for (int o = lastBlock + 1; o < blocks; o++) leave[o] += 1;
                    continue;
                }
                sum = 0;
                for (int o = 0; o < blocks; o++)
                {
                    for (int k = 0; k < s; k++) sum += row[o * s + k];
                    cumulative[o] = sum;
                }
                double total = sum > 0 ? sum : 1;
                for (int o = 0; o < blocks; o++) leave[o] += Math.Min(1, cumulative[o] / total);
            }
        });
    }

    /// <summary>Index of the first value that is not ±0, or -1 (NaN counts as non-zero). Vectorised on the bits: the
    /// runtime's IndexOfAnyExcept is scalar for float.</summary>
    private static int FirstNonZero(ReadOnlySpan<float> row)
    {
        var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(row);
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<int, System.Numerics.Vector<int>>(bits);
            var magnitude = new System.Numerics.Vector<int>(int.MaxValue);
            int v = 0;
            while (v < vectors.Length && System.Numerics.Vector.EqualsAll(vectors[v] & magnitude, System.Numerics.Vector<int>.Zero)) v++;
            i = v * System.Numerics.Vector<int>.Count;
        }
        for (; i < bits.Length; i++) if ((bits[i] & int.MaxValue) != 0) return i;
        return -1;
    }

    /// <summary>Index of the last value that is not ±0, or -1 (as <see cref="FirstNonZero"/>).</summary>
    private static int LastNonZero(ReadOnlySpan<float> row)
    {
        var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(row);
        int width = System.Numerics.Vector<int>.Count;
        int i = bits.Length - 1;
        int whole = bits.Length / width;
        for (; i >= whole * width; i--) if ((bits[i] & int.MaxValue) != 0) return i;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<int, System.Numerics.Vector<int>>(bits);
            var magnitude = new System.Numerics.Vector<int>(int.MaxValue);
            int v = whole - 1;
            while (v >= 0 && System.Numerics.Vector.EqualsAll(vectors[v] & magnitude, System.Numerics.Vector<int>.Zero)) v--;
            i = v * width + width - 1;
        }
        for (; i >= 0; i--) if ((bits[i] & int.MaxValue) != 0) return i;
        return -1;
    }
}

/// <summary>Argument checks both tied-state implementations share.</summary>
internal static class TiedStateArguments
{
    public static void Check(GaussianMixtureEmissions emissions, HmmModel graph, TiedStateBatch ties, SequenceBatch features)
    {
        Guard.NotNull(emissions, nameof(emissions));
        Guard.NotNull(graph, nameof(graph));
        Guard.NotNull(ties, nameof(ties));
        Guard.NotNull(features, nameof(features));
        if (ties.GraphStates != graph.StateCount)
            throw new ArgumentException($"ties describe graphs of {ties.GraphStates} states but the graph model has {graph.StateCount}.", nameof(ties));
        if (features.Dimension != emissions.FeatureDimension)
            throw new ArgumentException($"features have dimension {features.Dimension} but the emission model expects {emissions.FeatureDimension}.", nameof(features));
        ties.Validate(features.BatchSize, emissions.StateCount, nameof(ties));
    }

    public static void CheckAlign(TiedStateBatch ties, SequenceBatch features, ViterbiResult viterbi, int blockSize, double[]? leaveTimes, int logLikelihoods)
    {
        Guard.NotNull(ties, nameof(ties));
        Guard.NotNull(features, nameof(features));
        Guard.NotNull(viterbi, nameof(viterbi));
        if (viterbi.BatchCapacity < features.BatchSize || viterbi.MaxLength < features.MaxLength)
            throw new ArgumentException($"viterbi holds {viterbi.BatchCapacity} paths of {viterbi.MaxLength} frames but the batch has {features.BatchSize} of up to {features.MaxLength}.", nameof(viterbi));
        if (logLikelihoods < features.BatchSize)
            throw new ArgumentException($"logLikelihoods holds {logLikelihoods} values but the batch has {features.BatchSize} sequences.", nameof(logLikelihoods));
        if (leaveTimes is null) return;
        if (blockSize < 1 || blockSize > ties.GraphStates)
            throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, $"blockSize must be in [1, {ties.GraphStates}] (the graph's state count).");
        long needed = (long)features.BatchSize * (ties.GraphStates / blockSize);
        if (leaveTimes.Length < needed)
            throw new ArgumentException($"leaveTimes holds {leaveTimes.Length} values but {features.BatchSize} sequences x {ties.GraphStates / blockSize} blocks need {needed}.", nameof(leaveTimes));
    }
}

/// <summary>
/// One frame's contribution to <see cref="GmmStatistics"/>: the state occupancy split over the state's components by
/// their posterior responsibilities, in double precision (the reference the GPU kernel is checked against).
/// </summary>
internal sealed class GmmFrameStatistics
{
    private readonly GaussianMixtureEmissions _model;
    private readonly double[] _constants; // per component: log w - 0.5 (D log 2 pi + sum log var)
    private readonly double[] _inverseVariances;

    private GmmFrameStatistics(GaussianMixtureEmissions model)
    {
        _model = model;
        int n = model.StateCount, k = model.ComponentCount, d = model.FeatureDimension;
        _constants = new double[n * k];
        _inverseVariances = new double[n * k * d];
        double log2Pi = Math.Log(2 * Math.PI);
        for (int s = 0; s < n; s++)
            for (int c = 0; c < k; c++)
            {
                double a = Math.Log(model.Weight(s, c)) - 0.5 * d * log2Pi;
                for (int e = 0; e < d; e++)
                {
                    double v = model.Variance(s, c, e);
                    a -= 0.5 * Math.Log(v);
                    _inverseVariances[(s * k + c) * d + e] = 1.0 / v;
                }
                _constants[s * k + c] = a;
            }
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<GaussianMixtureEmissions, GmmFrameStatistics> Cache = new();

    public static GmmFrameStatistics For(GaussianMixtureEmissions model) => Cache.GetValue(model, m => new GmmFrameStatistics(m));

    /// <summary>log w - 0.5 (D log 2 pi + sum log var) per component, state-major (-infinity for a zero weight).</summary>
    public double[] Constants => _constants;

    /// <summary>1 / variance per component and dimension, state-major.</summary>
    public double[] InverseVariances => _inverseVariances;

    /// <summary>
    /// The share of each of <paramref name="state"/>'s components in frame <paramref name="x"/> with state occupancy
    /// <paramref name="gamma"/>: gamma times the component's posterior responsibility, into <paramref name="shares"/> (K values).
    /// </summary>
    public void Shares(int state, float gamma, ReadOnlySpan<float> x, Span<double> shares)
    {
        int k = _model.ComponentCount, d = _model.FeatureDimension;
        double max = double.NegativeInfinity;
        for (int c = 0; c < k; c++)
        {
            int idx = state * k + c;
            double a = _constants[idx];
            if (double.IsNegativeInfinity(a)) { shares[c] = a; continue; }
            for (int e = 0; e < d; e++)
            {
                double diff = x[e] - _model.Mean(state, c, e);
                a -= 0.5 * diff * diff * _inverseVariances[idx * d + e];
            }
            shares[c] = a;
            if (a > max) max = a;
        }
        double sum = 0;
        for (int c = 0; c < k; c++) { shares[c] = Math.Exp(shares[c] - max); sum += shares[c]; }
        for (int c = 0; c < k; c++) shares[c] = gamma * shares[c] / sum;
    }

    /// <summary>Adds frame <paramref name="x"/> with state occupancy <paramref name="gamma"/> to the sums of <paramref name="state"/>'s components (padded layout).</summary>
    public void Add(int state, float gamma, ReadOnlySpan<float> x, float componentThreshold, double[] occupancy, double[] sums, double[] scratch)
    {
        int k = _model.ComponentCount, d = _model.FeatureDimension;
        Shares(state, gamma, x, scratch);
        for (int c = 0; c < k; c++)
        {
            double r = scratch[c];
            if (r < componentThreshold) continue;
            int idx = state * k + c;
            occupancy[idx] += r;
            for (int e = 0; e < d; e++) sums[idx * d + e] += r * x[e];
        }
    }
}

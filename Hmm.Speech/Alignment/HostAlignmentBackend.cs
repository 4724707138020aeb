using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Hmm.Engine;
using Hmm.Primitives;

namespace Hmm.Speech;

/// <summary>
/// <see cref="IAlignmentBackend"/> through any <see cref="IHmmEngine"/>: model-state emissions, graph lattices expanded on
/// the host (<see cref="TiedStateBatch.Expand(EmissionBatch, EmissionBatch, int, int)"/>), the engine's <see cref="IHmmEngine.Posteriors"/> and
/// <see cref="IHmmEngine.Viterbi"/>, and the reductions in double precision on the host. The statistics are added per
/// model state in (sequence, frame, graph state) order, so they do not depend on the thread count.
/// </summary>
/// <remarks>
/// The lattices' storage (as large as the largest batch's) and every scratch array are kept from call to call: with one
/// thread and an engine that allocates nothing after warm-up (<see cref="HmmEngine"/> with one thread), repeated passes
/// over a batch of the last call's shape allocate nothing, and a batch of another shape only its small lattice objects.
/// </remarks>
public sealed class HostAlignmentBackend : IAlignmentBackend
{
    private readonly IHmmEngine _engine;
    private readonly int _threads;
    private readonly ParallelOptions _parallel;
    private Lattices? _last; // the last call's lattices, over the storage below
    private float[] _modelStorage = Array.Empty<float>();
    private float[] _graphStorage = Array.Empty<float>();
    private float[] _posteriorStorage = Array.Empty<float>();
    private SequenceBatch? _features;
    private int[] _entryStates = Array.Empty<int>();
    private float[] _entryGammas = Array.Empty<float>();
    private int[] _entryOffsets = Array.Empty<int>();
    private int[] _order = Array.Empty<int>();
    private int[] _stateStarts = Array.Empty<int>();
    private float[] _shares = Array.Empty<float>();
    private double[] _cumulative = Array.Empty<double>();

    /// <summary>Runs the passes on <paramref name="engine"/>, the host work on up to <paramref name="maxDegreeOfParallelism"/> threads.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="engine"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDegreeOfParallelism"/> is not positive.</exception>
    public HostAlignmentBackend(IHmmEngine engine, int maxDegreeOfParallelism = 1)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        Guard.Positive(maxDegreeOfParallelism, nameof(maxDegreeOfParallelism));
        _threads = maxDegreeOfParallelism;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
    }

    /// <summary>The engine the passes run on.</summary>
    public IHmmEngine Engine => _engine;

    /// <inheritdoc/>
    public void LoadFeatures(SequenceBatch features)
    {
        Guard.NotNull(features, nameof(features));
        _features = null;
        features.EnsureFinite(nameof(features));
        _features = features;
    }

    /// <inheritdoc/>
    public void AccumulateStatistics(GaussianMixtureEmissions emissions, HmmModel graph, TiedStateBatch ties, StatisticsThresholds thresholds,
        GmmStatistics statistics)
    {
        var features = AlignmentArguments.Loaded(_features);
        AlignmentArguments.Check(emissions, graph, ties, features);
        AlignmentArguments.CheckStatistics(emissions, features, statistics);
        var set = Graph(emissions, graph, ties, features);
        _engine.Posteriors(graph, set.Graph, set.Posteriors);
        int count = FrameShares(set.Posteriors, ties, features, thresholds.StateThreshold, statistics.LogLikelihoods);
        SortByState(count, emissions.StateCount);
        var gmm = GmmFrameStatistics.For(emissions);
        int k = emissions.ComponentCount;
        if (_threads == 1)
        {
            if (_shares.Length < k) _shares = new float[k];
            for (int s = 0; s < emissions.StateCount; s++) AddState(s, gmm, features, thresholds.ComponentThreshold, statistics, _shares);
            return;
        }
        Parallel.For(0, emissions.StateCount, _parallel, () => new float[k], (s, _, scratch) =>
        {
            AddState(s, gmm, features, thresholds.ComponentThreshold, statistics, scratch);
            return scratch;
        }, _ => { });
    }

    /// <inheritdoc/>
    public void Align(EmissionModel emissions, HmmModel graph, TiedStateBatch ties, ViterbiResult viterbi,
        int blockSize, double[]? leaveTimes, Span<double> logLikelihoods)
    {
        var features = AlignmentArguments.Loaded(_features);
        AlignmentArguments.Check(emissions, graph, ties, features);
        AlignmentArguments.CheckAlign(ties, features, viterbi, blockSize, leaveTimes, logLikelihoods.Length);
        var set = Graph(emissions, graph, ties, features);
        _engine.Viterbi(graph, set.Graph, viterbi);
        _engine.Posteriors(graph, set.Graph, set.Posteriors);
        set.Posteriors.LogLikelihoods.CopyTo(logLikelihoods);
        if (leaveTimes is null) return;
        int blocks = ties.GraphStates / blockSize;
        if (_threads == 1)
        {
            if (_cumulative.Length < blocks) _cumulative = new double[blocks];
            for (int b = 0; b < features.BatchSize; b++) LeaveTimes(set.Posteriors, b, features.Lengths[b], blockSize, blocks, leaveTimes, _cumulative);
            return;
        }
        Parallel.For(0, features.BatchSize, _parallel, () => new double[blocks], (b, _, scratch) =>
        {
            LeaveTimes(set.Posteriors, b, features.Lengths[b], blockSize, blocks, leaveTimes, scratch);
            return scratch;
        }, _ => { });
    }

    /// <summary>The lattices of one shape: model-state emissions, graph emissions and the graph's posteriors.</summary>
    private sealed class Lattices(EmissionBatch model, EmissionBatch graph, PosteriorResult posteriors, int transitionRows)
    {
        public EmissionBatch Model { get; } = model;
        public EmissionBatch Graph { get; } = graph;
        public PosteriorResult Posteriors { get; } = posteriors;
        public int TransitionRows { get; } = transitionRows;

        public bool Fits(int batch, int maxLength, int modelStates, int graphStates, int rows) =>
            Model.BatchSize == batch && Model.MaxLength == maxLength && Model.StateCount == modelStates && Graph.StateCount == graphStates
            && TransitionRows == rows;
    }

    /// <summary>Model-state emissions of the loaded features, then each sequence's graph emissions expanded from them.</summary>
    private Lattices Graph(EmissionModel emissions, HmmModel graph, TiedStateBatch ties, SequenceBatch features)
    {
        var set = Shaped(features.BatchSize, features.MaxLength, emissions.StateCount, graph);
        _engine.ComputeEmissions(emissions, features, set.Model);
        if (_threads == 1)
        {
            for (int b = 0; b < features.BatchSize; b++) ties.Expand(set.Model, set.Graph, b, features.Lengths[b]);
        }
        else
        {
            Parallel.For(0, features.BatchSize, _parallel, b => ties.Expand(set.Model, set.Graph, b, features.Lengths[b]));
        }
        return set;
    }

    /// <summary>
    /// The lattices of this shape: the last call's when it had the same shape, else new views over the kept storage
    /// (grown when too small), so that batch after batch of changing shapes reuses three arrays instead of leaving
    /// hundreds of megabytes of garbage per batch.
    /// </summary>
    private Lattices Shaped(int batch, int maxLength, int modelStates, HmmModel graph)
    {
        int rows = graph.Transitions.TableRows, graphStates = graph.StateCount;
        if (_last is { } kept && kept.Fits(batch, maxLength, modelStates, graphStates, rows)) return kept;
        _last = null;
        var model = new EmissionBatch(batch, maxLength, modelStates, Storage(ref _modelStorage, StateLattice.Size(batch, maxLength, modelStates)));
        long size = StateLattice.Size(batch, maxLength, graphStates);
        var lattice = new EmissionBatch(batch, maxLength, graphStates, Storage(ref _graphStorage, size));
        var posteriors = new PosteriorResult(batch, maxLength, graphStates, rows, Storage(ref _posteriorStorage, size));
        return _last = new Lattices(model, lattice, posteriors, rows);
    }

    /// <summary>The kept array when it holds <paramref name="size"/> floats, else a new one kept instead (null past one array: the lattice refuses it).</summary>
    private static float[]? Storage(ref float[] kept, long size)
    {
        if (size > int.MaxValue) return null;
        if (kept.Length < size)
        {
            kept = Array.Empty<float>(); // the old array is garbage before the new one is allocated
            kept = new float[size];
        }
        return kept;
    }

    /// <summary>
    /// Lists every (model state, occupancy, feature offset) whose graph state's posterior reaches <paramref name="stateThreshold"/>,
    /// in (sequence, frame, graph state) order, and each sequence's log-likelihood; returns how many were listed.
    /// </summary>
    private int FrameShares(PosteriorResult posteriors, TiedStateBatch ties, SequenceBatch features, float stateThreshold, double[] logLikelihoods)
    {
        int count = 0, g = ties.GraphStates;
        for (int b = 0; b < features.BatchSize; b++)
        {
            double score = posteriors.LogLikelihoods[b];
            logLikelihoods[b] = double.IsNaN(score) ? double.NegativeInfinity : score;
            if (double.IsNegativeInfinity(score) || double.IsNaN(score)) continue;
            var tied = ties.Ties.Slice(b * g, g);
            for (int t = 0; t < features.Lengths[b]; t++)
            {
                var row = posteriors.StatePosteriors.Frame(b, t);
                int offset = (b * features.MaxLength + t) * features.Dimension;
                for (int j = 0; j < g; j++)
                {
                    float gamma = row[j];
                    int s = tied[j];
                    if (gamma < stateThreshold || s < 0) continue;
                    if (count == _entryStates.Length) GrowEntries();
                    _entryStates[count] = s;
                    _entryGammas[count] = gamma;
                    _entryOffsets[count] = offset;
                    count++;
                }
            }
        }
        return count;
    }

    private void GrowEntries()
    {
        int size = Math.Max(1024, 2 * _entryStates.Length);
        Array.Resize(ref _entryStates, size);
        Array.Resize(ref _entryGammas, size);
        Array.Resize(ref _entryOffsets, size);
    }

    /// <summary>A stable counting sort of the listed entries by model state: <c>_order[_stateStarts[s] .. _stateStarts[s + 1])</c>.</summary>
    private void SortByState(int count, int states)
    {
        if (_stateStarts.Length < states + 1) _stateStarts = new int[states + 1];
        if (_order.Length < count) _order = new int[Math.Max(count, _entryStates.Length)];
        var starts = _stateStarts.AsSpan(0, states + 1);
        starts.Clear();
        for (int i = 0; i < count; i++) starts[_entryStates[i] + 1]++;
        for (int s = 0; s < states; s++) starts[s + 1] += starts[s];
        for (int i = 0; i < count; i++) _order[starts[_entryStates[i]]++] = i;
        // The pass above moved each start to the next state's: shift them back.
        for (int s = states; s > 0; s--) starts[s] = starts[s - 1];
        starts[0] = 0;
    }

    private void AddState(int s, GmmFrameStatistics gmm, SequenceBatch features, float componentThreshold, GmmStatistics statistics, float[] scratch)
    {
        for (int q = _stateStarts[s]; q < _stateStarts[s + 1]; q++)
        {
            int i = _order[q];
            gmm.Add(s, _entryGammas[i], features.Data.AsSpan(_entryOffsets[i], features.Dimension), componentThreshold,
                statistics.Occupancy, statistics.FirstMoments, scratch);
        }
    }

    /// <summary>Sequence <paramref name="b"/>'s block leave times (see <see cref="IAlignmentBackend.Align"/>) into <paramref name="leaveTimes"/>.</summary>
    private static void LeaveTimes(PosteriorResult posteriors, int b, int length, int blockSize, int blocks, double[] leaveTimes, double[] cumulative)
    {
        var leave = leaveTimes.AsSpan(b * blocks, blocks);
        leave.Clear();
        int s = blockSize;
        for (int t = 0; t < length; t++)
        {
            var row = posteriors.StatePosteriors.Frame(b, t).Slice(0, blocks * s);
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
                for (int o = firstBlock; o <= lastBlock; o++) leave[o] += Definitions.LeaveShare(cumulative[o], sum);
                for (int o = lastBlock + 1; o < blocks; o++) leave[o] += 1;
                continue;
            }
            sum = 0;
            for (int o = 0; o < blocks; o++)
            {
                for (int k = 0; k < s; k++) sum += row[o * s + k];
                cumulative[o] = sum;
            }
            for (int o = 0; o < blocks; o++) leave[o] += Definitions.LeaveShare(cumulative[o], sum);
        }
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

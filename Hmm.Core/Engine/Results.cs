using System;

namespace Hmm;

/// <summary>
/// Viterbi output for a batch, allocated once and reused across calls (the engine writes into it and
/// allocates nothing). A sequence no path can produce gets score -infinity and a path of -1s.
/// </summary>
public sealed class ViterbiResult
{
    private readonly int[] _paths;
    private readonly double[] _scores;
    private readonly int[] _lengths;

    /// <summary>Reserves room for <paramref name="batchCapacity"/> sequences of up to <paramref name="maxLength"/> frames.</summary>
    public ViterbiResult(int batchCapacity, int maxLength)
    {
        Guard.Positive(batchCapacity, nameof(batchCapacity));
        Guard.NonNegative(maxLength, nameof(maxLength));
        BatchCapacity = batchCapacity;
        MaxLength = maxLength;
        _paths = new int[(long)batchCapacity * maxLength];
        _scores = new double[batchCapacity];
        _lengths = new int[batchCapacity];
    }

    /// <summary>Sequences this result can hold.</summary>
    public int BatchCapacity { get; }

    /// <summary>Frames per sequence this result can hold.</summary>
    public int MaxLength { get; }

    /// <summary>Number of sequences written by the last call.</summary>
    public int BatchSize { get; internal set; }

    /// <summary>log P(best path, x) per sequence; 0 for an empty sequence.</summary>
    public ReadOnlySpan<double> Scores => _scores.AsSpan(0, BatchSize);

    /// <summary>The best state path of sequence <paramref name="index"/> (one state per frame).</summary>
    public ReadOnlySpan<int> Path(int index)
    {
        if ((uint)index >= (uint)BatchSize) throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {BatchSize}).");
        return _paths.AsSpan(index * MaxLength, _lengths[index]);
    }

    internal int[] PathArray => _paths;
    internal double[] ScoreArray => _scores;
    internal int[] LengthArray => _lengths;
}

/// <summary>
/// Forward-backward output for a batch: per-sequence log-likelihoods, state posteriors (probabilities per frame,
/// summing to one) and expected transition counts, the statistics Baum-Welch training needs. Reusable.
/// </summary>
public sealed class PosteriorResult
{
    private readonly double[] _logLikelihoods;
    private readonly float[] _counts;

    /// <summary>Reserves room for <paramref name="batchCapacity"/> sequences of up to <paramref name="maxLength"/> frames of <paramref name="stateCount"/> states, with transition tables of <paramref name="transitionRows"/> rows (N for dense transitions, the bandwidth for banded ones).</summary>
    public PosteriorResult(int batchCapacity, int maxLength, int stateCount, int transitionRows)
        : this(batchCapacity, maxLength, stateCount, transitionRows, null)
    {
    }

    /// <summary>
    /// As <see cref="PosteriorResult(int, int, int, int)"/>, its state posteriors over <paramref name="latticeStorage"/>
    /// (null: allocated; see <see cref="StateLattice(int, int, int, float[])"/>).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="latticeStorage"/> is shorter than <see cref="StateLattice.Size"/>.</exception>
    public PosteriorResult(int batchCapacity, int maxLength, int stateCount, int transitionRows, float[]? latticeStorage)
    {
        Guard.Positive(transitionRows, nameof(transitionRows));
        StatePosteriors = new StateLattice(batchCapacity, maxLength, stateCount, latticeStorage);
        TransitionRows = transitionRows;
        _logLikelihoods = new double[batchCapacity];
        _counts = new float[(long)batchCapacity * transitionRows * StatePosteriors.Stride];
    }

    /// <summary>Creates a result shaped for <paramref name="model"/> and <paramref name="emissions"/>.</summary>
    public static PosteriorResult For(HmmModel model, EmissionBatch emissions)
    {
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(emissions, nameof(emissions));
        return new PosteriorResult(emissions.BatchSize, emissions.MaxLength, model.StateCount, model.Transitions.TableRows);
    }

    /// <summary>Number of sequences written by the last call.</summary>
    public int BatchSize { get; internal set; }

    /// <summary>Rows of each expected-count table.</summary>
    public int TransitionRows { get; }

    /// <summary>Whether the last call's model was banded (changes what <see cref="ExpectedTransitions"/> rows mean).</summary>
    public bool Banded { get; internal set; }

    /// <summary>log P(x) per sequence.</summary>
    public ReadOnlySpan<double> LogLikelihoods => _logLikelihoods.AsSpan(0, BatchSize);

    /// <summary>P(state at frame t = j | x) for every sequence (0 everywhere for an impossible sequence).</summary>
    public StateLattice StatePosteriors { get; }

    /// <summary>Expected number of transitions from <paramref name="from"/> to <paramref name="to"/> in sequence <paramref name="index"/>.</summary>
    public float ExpectedTransitions(int index, int from, int to)
    {
        if ((uint)index >= (uint)BatchSize) throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {BatchSize}).");
        int n = StatePosteriors.StateCount, stride = StatePosteriors.Stride;
        if ((uint)from >= (uint)n) throw new ArgumentOutOfRangeException(nameof(from), from, $"from must be in [0, {n}).");
        if ((uint)to >= (uint)n) throw new ArgumentOutOfRangeException(nameof(to), to, $"to must be in [0, {n}).");
        long baseOffset = (long)index * TransitionRows * stride;
        if (!Banded) return _counts[baseOffset + (long)from * stride + to];
        int d = to - from;
        return d >= 0 && d < TransitionRows ? _counts[baseOffset + (long)d * stride + from] : 0f;
    }

    internal double[] LogLikelihoodArray => _logLikelihoods;
    internal float[] CountArray => _counts;
}

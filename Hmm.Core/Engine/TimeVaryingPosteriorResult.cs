using System;

namespace Hmm;

/// <summary>
/// Forward-backward output over per-frame transitions (<see cref="ITimeVaryingEngine.Posteriors"/>): log-likelihoods,
/// state posteriors γ_t(j), the transition posteriors ξ_t(i, j) = P(state_{t-1} = i, state_t = j | x) of every frame t ≥ 1
/// (when kept) and their sums over frames. ξ_t is ∂ log P(x) / ∂ log A_t: the gradient with respect to the per-frame
/// tables. Allocate once and reuse.
/// </summary>
public sealed class TimeVaryingPosteriorResult
{
    private readonly double[] _logLikelihoods;
    private readonly float[] _perFrame;
    private readonly float[] _summed;

    /// <summary>
    /// Reserves room for <paramref name="batchCapacity"/> sequences of up to <paramref name="maxLength"/> frames of
    /// <paramref name="stateCount"/> states, with tables of the given layout.
    /// </summary>
    /// <param name="batchCapacity">Sequences.</param>
    /// <param name="maxLength">Frames per sequence.</param>
    /// <param name="stateCount">States N.</param>
    /// <param name="layout">The tables' layout.</param>
    /// <param name="bandwidth">W for banded tables (ignored for dense ones).</param>
    /// <param name="perFrameTransitions">Whether to keep ξ of every frame (<c>[B, T, rows, stride]</c> floats, as large as the
    /// tables); false keeps only the sums over frames.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the bandwidth is outside [1, N].</exception>
    public TimeVaryingPosteriorResult(int batchCapacity, int maxLength, int stateCount, TransitionLayout layout, int bandwidth, bool perFrameTransitions = true)
    {
        Guard.Positive(stateCount, nameof(stateCount));
        if (layout == TransitionLayout.Banded && (bandwidth <= 0 || bandwidth > stateCount))
            throw new ArgumentOutOfRangeException(nameof(bandwidth), bandwidth, $"bandwidth must be in [1, {stateCount}] (the state count).");
        StatePosteriors = new StateLattice(batchCapacity, maxLength, stateCount);
        Layout = layout;
        TableRows = layout == TransitionLayout.Banded ? bandwidth : stateCount;
        PerFrameTransitions = perFrameTransitions;
        int stride = StatePosteriors.Stride;
        long perFrame = perFrameTransitions ? (long)batchCapacity * maxLength * TableRows * stride : 0;
        if (perFrame > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(maxLength), $"per-frame transition posteriors of {perFrame} floats exceed one array; split the batch or keep the sums only.");
        _perFrame = new float[perFrame];
        _summed = new float[(long)batchCapacity * TableRows * stride];
        _logLikelihoods = new double[batchCapacity];
    }

    /// <summary>A result shaped for <paramref name="transitions"/> (its batch, length, states and layout).</summary>
    /// <param name="transitions">The tables the result will hold posteriors of.</param>
    /// <param name="perFrameTransitions">Whether to keep ξ of every frame.</param>
    public static TimeVaryingPosteriorResult For(TimeVaryingTransitions transitions, bool perFrameTransitions = true)
    {
        Guard.NotNull(transitions, nameof(transitions));
        return new TimeVaryingPosteriorResult(transitions.BatchSize, transitions.MaxLength, transitions.StateCount, transitions.Layout,
            transitions.Bandwidth, perFrameTransitions);
    }

    /// <summary>Number of sequences written by the last call.</summary>
    public int BatchSize { get; internal set; }

    /// <summary>Frames per sequence this result can hold.</summary>
    public int MaxLength => StatePosteriors.MaxLength;

    /// <summary>The tables' layout.</summary>
    public TransitionLayout Layout { get; }

    /// <summary>Rows of a transition-posterior table: N dense, W banded.</summary>
    public int TableRows { get; }

    /// <summary>Whether ξ of every frame is kept (otherwise only <see cref="ExpectedTransitions"/>).</summary>
    public bool PerFrameTransitions { get; }

    /// <summary>log P(x) per sequence.</summary>
    public ReadOnlySpan<double> LogLikelihoods => _logLikelihoods.AsSpan(0, BatchSize);

    /// <summary>P(state at frame t = j | x) for every sequence (0 everywhere for an impossible sequence).</summary>
    public StateLattice StatePosteriors { get; }

    /// <summary>
    /// ξ_t(from, to) = P(state_{t-1} = <paramref name="from"/>, state_t = <paramref name="to"/> | x) for t = <paramref name="frame"/>
    /// ≥ 1 (0 at frame 0, past the sequence's length, outside a band and for an impossible sequence).
    /// </summary>
    /// <exception cref="InvalidOperationException">The result keeps only the sums (<see cref="PerFrameTransitions"/> false).</exception>
    public float TransitionPosterior(int index, int frame, int from, int to)
    {
        var table = TransitionPosteriorFrame(index, frame);
        int n = StatePosteriors.StateCount, stride = StatePosteriors.Stride;
        CheckState(from, nameof(from), n);
        CheckState(to, nameof(to), n);
        if (Layout == TransitionLayout.Dense) return table[from * stride + to];
        int d = to - from;
        return d >= 0 && d < TableRows ? table[d * stride + to] : 0f;
    }

    /// <summary>
    /// Frame <paramref name="frame"/>'s transition posteriors of sequence <paramref name="index"/> in the layout of
    /// <see cref="TimeVaryingTransitions.Frame"/> (<c>[rows, stride]</c>; dense: row = from, column = to; banded: row = d,
    /// column = destination), the gradient of log P(x) with respect to that frame's table. Padding lanes are 0.
    /// </summary>
    /// <exception cref="InvalidOperationException">The result keeps only the sums.</exception>
    public ReadOnlySpan<float> TransitionPosteriorFrame(int index, int frame)
    {
        if (!PerFrameTransitions) throw new InvalidOperationException("this result keeps only the summed counts; create it with perFrameTransitions: true.");
        CheckIndex(index);
        if ((uint)frame >= (uint)MaxLength) throw new ArgumentOutOfRangeException(nameof(frame), frame, $"frame must be in [0, {MaxLength}).");
        int size = TableRows * StatePosteriors.Stride;
        return _perFrame.AsSpan((index * MaxLength + frame) * size, size);
    }

    /// <summary>Expected number of transitions from <paramref name="from"/> to <paramref name="to"/> in sequence <paramref name="index"/>: Σ_t ξ_t.</summary>
    public float ExpectedTransitions(int index, int from, int to)
    {
        CheckIndex(index);
        int n = StatePosteriors.StateCount, stride = StatePosteriors.Stride;
        CheckState(from, nameof(from), n);
        CheckState(to, nameof(to), n);
        long baseOffset = (long)index * TableRows * stride;
        if (Layout == TransitionLayout.Dense) return _summed[baseOffset + (long)from * stride + to];
        int d = to - from;
        return d >= 0 && d < TableRows ? _summed[baseOffset + (long)d * stride + to] : 0f;
    }

    /// <summary>Checks that this result fits <paramref name="transitions"/> and <paramref name="emissions"/>.</summary>
    internal void CheckShape(TimeVaryingTransitions transitions, EmissionBatch emissions, string name)
    {
        if (Layout != transitions.Layout || TableRows != transitions.TableRows)
            throw new ArgumentException($"{name} holds {Layout} tables of {TableRows} rows but the transitions are {transitions.Layout} with {transitions.TableRows}; create it with TimeVaryingPosteriorResult.For.", name);
        StatePosteriors.ShapeLike(emissions, name);
        if (_logLikelihoods.Length < emissions.BatchSize)
            throw new ArgumentException($"{name} has room for {_logLikelihoods.Length} sequences but the batch has {emissions.BatchSize}.", name);
    }

    internal double[] LogLikelihoodArray => _logLikelihoods;

    /// <summary>[batchCapacity, maxLength, rows, stride], or empty.</summary>
    internal float[] PerFrameArray => _perFrame;

    /// <summary>[batchCapacity, rows, stride].</summary>
    internal float[] SummedArray => _summed;

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)BatchSize) throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {BatchSize}).");
    }

    private static void CheckState(int state, string name, int n)
    {
        if ((uint)state >= (uint)n) throw new ArgumentOutOfRangeException(name, state, $"{name} must be in [0, {n}).");
    }
}

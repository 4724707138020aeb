using System;
using Hmm.Engine;
using Hmm.Simd;

namespace Hmm;

/// <summary>
/// An explicit-duration HMM (hidden semi-Markov model): a state, once entered, emits for a duration d drawn from its own
/// distribution p_j(d), d = 1 .. <see cref="MaxDuration"/>, then moves to another state by the transition table. Emissions
/// are separate (log-likelihoods in an <see cref="EmissionBatch"/>), as for <see cref="HmmModel"/>. Immutable.
/// </summary>
/// <remarks>
/// A plain HMM gives each state a geometric duration; speech sounds last for a typical time instead, which is what the
/// duration table expresses. Every sequence must be covered exactly by whole segments: the last segment ends on the last
/// frame, in a state whose <see cref="LogFinal"/> weight is finite. A transition row that is all -infinity makes its
/// state terminal (its segment can only end the sequence); a self-transition is allowed and means two segments of the
/// same state in a row.
/// </remarks>
public sealed class HsmmModel
{
    private readonly float[] _initial, _final, _into, _outOf, _durations, _forwardDurations, _backwardDurations;
    private readonly object _coverLock = new();
    private bool[] _coverable = Array.Empty<bool>();

    /// <summary>Creates a model.</summary>
    /// <param name="logInitial">[N] log P(the first segment's state = j), summing to one.</param>
    /// <param name="logTransitions">[N, N] log P(next segment's state = j | this one = i): each row sums to one, or is all -infinity (a terminal state).</param>
    /// <param name="logDurations">[N, D] log p_j(d) for d = 1 .. D: each row sums to one (see <see cref="DurationDistributions"/>).</param>
    /// <param name="logFinal">[N] log weights (≤ 0) of ending the sequence in state j; empty (default): any state may end it.</param>
    /// <exception cref="ArgumentException">A shape that disagrees, NaN or +infinity, a row that does not sum to one, D of 0, or no state that may end a sequence.</exception>
    public HsmmModel(ReadOnlySpan<float> logInitial, float[,] logTransitions, float[,] logDurations, ReadOnlySpan<float> logFinal = default)
    {
        Guard.NotNull(logTransitions, nameof(logTransitions));
        Guard.NotNull(logDurations, nameof(logDurations));
        int n = logInitial.Length;
        if (n == 0) throw new ArgumentException("logInitial is empty: a model needs at least one state.", nameof(logInitial));
        if (logTransitions.GetLength(0) != n || logTransitions.GetLength(1) != n)
            throw new ArgumentException($"logTransitions is {logTransitions.GetLength(0)}×{logTransitions.GetLength(1)} but logInitial has {n} states: it must be {n}×{n}.", nameof(logTransitions));
        if (logDurations.GetLength(0) != n)
            throw new ArgumentException($"logDurations has {logDurations.GetLength(0)} rows but the model has {n} states (one duration distribution per state).", nameof(logDurations));
        int d = logDurations.GetLength(1);
        if (d == 0) throw new ArgumentException("logDurations has no columns: the longest duration (D) must be at least 1 frame.", nameof(logDurations));
        if (d > MaxSupportedDuration)
            throw new ArgumentException($"logDurations allows durations up to {d} frames; at most {MaxSupportedDuration} are supported.", nameof(logDurations));
        Guard.LogValues(logInitial, nameof(logInitial));
        Guard.LogRowSumsToOne(logInitial, nameof(logInitial), "the initial distribution");
        if (!logFinal.IsEmpty)
        {
            if (logFinal.Length != n) throw new ArgumentException($"logFinal has {logFinal.Length} entries but the model has {n} states.", nameof(logFinal));
            Guard.LogValues(logFinal, nameof(logFinal));
            bool any = false;
            for (int j = 0; j < n; j++)
            {
                if (logFinal[j] > 1e-6f) throw new ArgumentException($"logFinal[{j}] = {logFinal[j]} is a log weight above 0.", nameof(logFinal));
                any |= logFinal[j] != float.NegativeInfinity;
            }
            if (!any) throw new ArgumentException("logFinal is -infinity for every state: no sequence could end.", nameof(logFinal));
        }

        StateCount = n;
        MaxDuration = d;
        Stride = SimdCapabilities.Pad(n);
        DurationStride = Definitions.HsmmDurationStride(d);
        _initial = Filled(Stride);
        logInitial.CopyTo(_initial);
        _final = Filled(Stride);
        if (logFinal.IsEmpty) _final.AsSpan(0, n).Clear();
        else logFinal.CopyTo(_final);

        _into = Filled(n * Stride);
        _outOf = Filled(n * Stride);
        var row = new float[Math.Max(n, d)];
        for (int i = 0; i < n; i++)
        {
            bool terminal = true;
            for (int j = 0; j < n; j++)
            {
                row[j] = logTransitions[i, j];
                terminal &= row[j] == float.NegativeInfinity;
            }
            Guard.LogValues(row.AsSpan(0, n), nameof(logTransitions));
            if (!terminal) Guard.LogRowSumsToOne(row.AsSpan(0, n), nameof(logTransitions), $"row {i}");
            for (int j = 0; j < n; j++)
            {
                _into[i * Stride + j] = row[j];
                _outOf[j * Stride + i] = row[j];
            }
        }

        _durations = new float[n * d];
        _forwardDurations = Filled(n * DurationStride);
        _backwardDurations = Filled(n * DurationStride);
        for (int j = 0; j < n; j++)
        {
            for (int k = 0; k < d; k++) row[k] = logDurations[j, k];
            Guard.LogValues(row.AsSpan(0, d), nameof(logDurations));
            Guard.LogRowSumsToOne(row.AsSpan(0, d), nameof(logDurations), $"the duration distribution of state {j}");
            for (int k = 0; k < d; k++)
            {
                _durations[j * d + k] = row[k];
                _backwardDurations[j * DurationStride + k] = row[k];       // cell k of a backward window: duration k + 1
                _forwardDurations[j * DurationStride + d - 1 - k] = row[k]; // cell k of a forward window: duration D - k
            }
        }
    }

    /// <summary>The longest duration a model may have (frames).</summary>
    public const int MaxSupportedDuration = 1 << 16;

    /// <summary>Number of states N.</summary>
    public int StateCount { get; }

    /// <summary>The longest duration D (frames) any state can have.</summary>
    public int MaxDuration { get; }

    /// <summary>log P(first state = j).</summary>
    public ReadOnlySpan<float> LogInitial => _initial.AsSpan(0, StateCount);

    /// <summary>Log weight of ending the sequence in state j (0 for every state unless given).</summary>
    public ReadOnlySpan<float> LogFinal => _final.AsSpan(0, StateCount);

    /// <summary>log P(next state = <paramref name="to"/> | state <paramref name="from"/>).</summary>
    public float LogTransition(int from, int to)
    {
        if ((uint)from >= (uint)StateCount) throw new ArgumentOutOfRangeException(nameof(from), from, $"from must be in [0, {StateCount}).");
        if ((uint)to >= (uint)StateCount) throw new ArgumentOutOfRangeException(nameof(to), to, $"to must be in [0, {StateCount}).");
        return _into[from * Stride + to];
    }

    /// <summary>log p_<paramref name="state"/>(d) for d = 1 .. <see cref="MaxDuration"/> (index d - 1).</summary>
    public ReadOnlySpan<float> LogDurations(int state)
    {
        if ((uint)state >= (uint)StateCount) throw new ArgumentOutOfRangeException(nameof(state), state, $"state must be in [0, {StateCount}).");
        return _durations.AsSpan(state * MaxDuration, MaxDuration);
    }

    /// <summary>The log transition matrix as a new [N, N] array.</summary>
    public float[,] LogTransitions()
    {
        var a = new float[StateCount, StateCount];
        for (int i = 0; i < StateCount; i++)
            for (int j = 0; j < StateCount; j++) a[i, j] = _into[i * Stride + j];
        return a;
    }

    /// <summary>The log duration table as a new [N, D] array.</summary>
    public float[,] LogDurationTable()
    {
        var t = new float[StateCount, MaxDuration];
        for (int j = 0; j < StateCount; j++)
            for (int k = 0; k < MaxDuration; k++) t[j, k] = _durations[j * MaxDuration + k];
        return t;
    }

    /// <summary>
    /// A left-to-right model: the first segment is state 0, state j moves on to j + 1, the last state is terminal and the
    /// sequence ends in it (every state visited once, in order: forced alignment of a known sequence of units).
    /// </summary>
    /// <param name="logDurations">[N, D] log duration probabilities, one row per state.</param>
    public static HsmmModel LeftToRight(float[,] logDurations)
    {
        Guard.NotNull(logDurations, nameof(logDurations));
        int n = logDurations.GetLength(0);
        if (n == 0) throw new ArgumentException("logDurations has no rows: a model needs at least one state.", nameof(logDurations));
        var initial = new float[n];
        var final = new float[n];
        initial.AsSpan().Fill(float.NegativeInfinity);
        final.AsSpan().Fill(float.NegativeInfinity);
        initial[0] = 0f;
        final[n - 1] = 0f;
        var a = new float[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) a[i, j] = j == i + 1 ? 0f : float.NegativeInfinity;
        return new HsmmModel(initial, a, logDurations, final);
    }

    /// <summary>
    /// This model with durations cut at <paramref name="maxDuration"/> frames and each row renormalised (a model built for
    /// longer sequences, used on short ones). A state with no probability left below the cut keeps a point mass on it.
    /// </summary>
    public HsmmModel WithMaxDuration(int maxDuration)
    {
        Guard.Positive(maxDuration, nameof(maxDuration));
        if (maxDuration >= MaxDuration) return this;
        var table = new float[StateCount, maxDuration];
        for (int j = 0; j < StateCount; j++)
        {
            double sum = 0;
            for (int k = 0; k < maxDuration; k++) sum += Math.Exp(_durations[j * MaxDuration + k]);
            for (int k = 0; k < maxDuration; k++)
                table[j, k] = sum > 0 ? (float)(_durations[j * MaxDuration + k] - Math.Log(sum)) : k == maxDuration - 1 ? 0f : float.NegativeInfinity;
        }
        return new HsmmModel(LogInitial, LogTransitions(), table, _final.AsSpan(0, StateCount));
    }

    /// <summary>
    /// Whether some segmentation of a sequence of <paramref name="length"/> frames is allowed by the structure alone
    /// (initial, transitions, durations and final weights, ignoring emissions). Computed once per length bound and cached.
    /// </summary>
    public bool CanCover(int length)
    {
        Guard.Positive(length, nameof(length));
        var cached = _coverable;
        if (length < cached.Length) return cached[length];
        lock (_coverLock)
        {
            if (length >= _coverable.Length) _coverable = ComputeCoverable(Math.Max(length + 1, 2 * _coverable.Length));
            return _coverable[length];
        }
    }

    // Reachability of "a segment of j ends at t" with emissions ignored: the forward recursion in the Boolean semiring.
    private bool[] ComputeCoverable(int limit)
    {
        int n = StateCount, d = MaxDuration;
        var ends = new bool[limit * n];
        var starts = new bool[limit * n];
        var result = new bool[limit];
        for (int t = 0; t + 1 < limit; t++)
        {
            for (int j = 0; j < n; j++)
            {
                bool start = t == 0 ? _initial[j] != float.NegativeInfinity : false;
                for (int i = 0; i < n && t > 0 && !start; i++)
                    start = ends[(t - 1) * n + i] && _into[i * Stride + j] != float.NegativeInfinity;
                starts[t * n + j] = start;
            }
            bool cover = false;
            for (int j = 0; j < n; j++)
            {
                bool end = false;
                for (int k = 1; k <= d && k <= t + 1 && !end; k++)
                    end = starts[(t - k + 1) * n + j] && _durations[j * d + k - 1] != float.NegativeInfinity;
                ends[t * n + j] = end;
                cover |= end && _final[j] != float.NegativeInfinity;
            }
            result[t + 1] = cover;
        }
        return result;
    }

    private static float[] Filled(int count)
    {
        var a = new float[count];
        a.AsSpan().Fill(float.NegativeInfinity);
        return a;
    }

    /// <summary>States padded to whole lane groups (the engines' column stride).</summary>
    internal int Stride { get; }

    /// <summary>Floats per duration row in the engines' layouts (<see cref="Definitions.HsmmDurationStride"/>).</summary>
    internal int DurationStride { get; }

    /// <summary>[Stride] initial log-probabilities, -infinity padding.</summary>
    internal float[] InitialPadded => _initial;

    /// <summary>[Stride] final log weights, -infinity padding.</summary>
    internal float[] FinalPadded => _final;

    /// <summary>[N, Stride] transitions, row = from (forward's "into" step).</summary>
    internal float[] IntoTable => _into;

    /// <summary>[N, Stride] transitions transposed, row = to (backward's step).</summary>
    internal float[] OutOfTable => _outOf;

    /// <summary>[N, DurationStride] log p_j(D - k) at cell k: the forward window's order.</summary>
    internal float[] ForwardDurations => _forwardDurations;

    /// <summary>[N, DurationStride] log p_j(k + 1) at cell k: the backward window's order.</summary>
    internal float[] BackwardDurations => _backwardDurations;
}

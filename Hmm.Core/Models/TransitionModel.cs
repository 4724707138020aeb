using System;
using Hmm.Simd;

namespace Hmm;

/// <summary>How a transition model stores its log-probabilities for the engines.</summary>
public enum TransitionLayout
{
    /// <summary>A full N×N matrix: any state to any state.</summary>
    Dense,
    /// <summary>Left-to-right band: state i reaches i, i+1, ..., i+W-1 only (alignment graphs).</summary>
    Banded,
}

/// <summary>
/// Log transition probabilities between the states of an HMM. Rows (the "from" state) must sum to one in
/// probability space within <c>1e-3</c>; -infinity marks an impossible transition.
/// </summary>
/// <remarks>
/// The engines read a padded copy: every state axis is padded with -infinity to a multiple of
/// <see cref="SimdCapabilities.MaxLaneCount"/> so that no SIMD loop needs a scalar remainder.
/// </remarks>
public abstract class TransitionModel
{
    private protected TransitionModel(int stateCount)
    {
        StateCount = stateCount;
        PaddedStateCount = SimdCapabilities.Pad(stateCount);
    }

    /// <summary>Number of states N.</summary>
    public int StateCount { get; }

    /// <summary>N rounded up to a multiple of <see cref="SimdCapabilities.MaxLaneCount"/>: the stride of the padded tables.</summary>
    public int PaddedStateCount { get; }

    /// <summary>Which layout the engines use.</summary>
    public abstract TransitionLayout Layout { get; }

    /// <summary>log P(to | from), -infinity where the transition is impossible or outside the band.</summary>
    public abstract float LogProbability(int from, int to);

    /// <summary>
    /// Forward table: for the dense layout [N, stride] with row i = log P(i → j) over j;
    /// for the banded layout [W, stride] with row d = log P(j-d → j) over destination j.
    /// </summary>
    internal abstract float[] IntoTable { get; }

    /// <summary>
    /// Backward table: for the dense layout [N, stride] with row j = log P(i → j) over source i (the transpose);
    /// for the banded layout [W, stride] with row d = log P(i → i+d) over source i.
    /// </summary>
    internal abstract float[] OutOfTable { get; }

    /// <summary>Rows of the transition tables: N for dense transitions, the bandwidth W for banded ones (what <see cref="PosteriorResult"/>'s expected counts hold per sequence).</summary>
    public abstract int TableRows { get; }

    /// <summary>
    /// Dense layout: <see cref="Engine.Definitions.ScaledTable"/> of <see cref="IntoTable"/> ([N + 1, stride]: the linear
    /// table, then the column maxima), the forward tables of the scaled log-semiring step; null for banded layouts.
    /// </summary>
    internal virtual float[]? ScaledIntoTable => null;

    /// <summary>As <see cref="ScaledIntoTable"/> for <see cref="OutOfTable"/> (backward).</summary>
    internal virtual float[]? ScaledOutOfTable => null;

    private protected static void CheckIndex(int value, int count, string name)
    {
        if ((uint)value >= (uint)count) throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, {count}).");
    }
}

/// <summary>A full N×N transition matrix.</summary>
public sealed class DenseTransitions : TransitionModel
{
    private readonly float[] _into;
    private readonly float[] _outOf;
    private readonly float[] _scaledInto;
    private readonly float[] _scaledOutOf;

    private DenseTransitions(int n, float[] into, float[] outOf) : base(n)
    {
        _into = into;
        _outOf = outOf;
        // Once per model: the engines' scaled log-semiring step reads these every frame.
        _scaledInto = Engine.Definitions.ScaledTable(into, n, PaddedStateCount);
        _scaledOutOf = Engine.Definitions.ScaledTable(outOf, n, PaddedStateCount);
    }

    /// <inheritdoc/>
    public override TransitionLayout Layout => TransitionLayout.Dense;

    internal override float[] IntoTable => _into;
    internal override float[] OutOfTable => _outOf;
    /// <inheritdoc/>
    public override int TableRows => StateCount;
    internal override float[] ScaledIntoTable => _scaledInto;
    internal override float[] ScaledOutOfTable => _scaledOutOf;

    /// <summary>Builds from log-probabilities <c>logProbabilities[from, to]</c>.</summary>
    /// <exception cref="ArgumentException">Not square, empty, NaN or +inf, or a row that does not sum to one.</exception>
    public static DenseTransitions FromLogProbabilities(float[,] logProbabilities)
    {
        Guard.NotNull(logProbabilities, nameof(logProbabilities));
        int n = logProbabilities.GetLength(0);
        if (n == 0) throw new ArgumentException("logProbabilities has no states.", nameof(logProbabilities));
        if (logProbabilities.GetLength(1) != n)
            throw new ArgumentException($"logProbabilities must be square; got {n}×{logProbabilities.GetLength(1)}.", nameof(logProbabilities));
        int stride = SimdCapabilities.Pad(n);
        var into = new float[n * stride];
        var outOf = new float[n * stride];
        into.AsSpan().Fill(float.NegativeInfinity);
        outOf.AsSpan().Fill(float.NegativeInfinity);
        var row = new float[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) row[j] = logProbabilities[i, j];
            Guard.LogValues(row, nameof(logProbabilities));
            Guard.LogRowSumsToOne(row, nameof(logProbabilities), $"row {i}");
            for (int j = 0; j < n; j++)
            {
                into[i * stride + j] = row[j];
                outOf[j * stride + i] = row[j];
            }
        }
        return new DenseTransitions(n, into, outOf);
    }

    /// <summary>Builds from probabilities <c>probabilities[from, to]</c> (rows sum to one; zeros become -infinity).</summary>
    public static DenseTransitions FromProbabilities(float[,] probabilities)
    {
        Guard.NotNull(probabilities, nameof(probabilities));
        var logs = new float[probabilities.GetLength(0), probabilities.GetLength(1)];
        for (int i = 0; i < logs.GetLength(0); i++)
            for (int j = 0; j < logs.GetLength(1); j++)
            {
                float p = probabilities[i, j];
                if (!(p >= 0f) || float.IsPositiveInfinity(p))
                    throw new ArgumentException($"probabilities[{i}, {j}] = {p} is not a probability.", nameof(probabilities));
                logs[i, j] = MathF.Log(p);
            }
        return FromLogProbabilities(logs);
    }

    /// <inheritdoc/>
    public override float LogProbability(int from, int to)
    {
        CheckIndex(from, StateCount, nameof(from));
        CheckIndex(to, StateCount, nameof(to));
        return _into[from * PaddedStateCount + to];
    }
}

/// <summary>
/// Left-to-right banded transitions: state i moves to i + d for d in [0, W), the shape of alignment graphs
/// (self-loop, next state, optional skips). Cost per frame is O(N·W) instead of O(N²).
/// </summary>
public sealed class BandedTransitions : TransitionModel
{
    private readonly float[] _into;
    private readonly float[] _outOf;

    private BandedTransitions(int n, int bandwidth, float[] into, float[] outOf) : base(n)
    {
        Bandwidth = bandwidth;
        _into = into;
        _outOf = outOf;
        (LiveOffsets, LiveIntoTable, LiveOutOfTable) = Compact(bandwidth, PaddedStateCount, into, outOf);
    }

    /// <summary>
    /// The offsets d whose table row has a possible transition for some state, rising. An alignment graph with optional
    /// pauses has bandwidth S + 2 but only offsets 0, 1 and S + 1 live: the engines' banded step
    /// (<see cref="Engine.Definitions.RelaxBand{TL, TV, TS, TM, TB}"/>) reads only these rows.
    /// </summary>
    internal int[] LiveOffsets { get; }

    /// <summary><see cref="IntoTable"/> with only the rows of <see cref="LiveOffsets"/> ([live, stride]; the same array when every row lives).</summary>
    internal float[] LiveIntoTable { get; }

    /// <summary><see cref="OutOfTable"/> with only the rows of <see cref="LiveOffsets"/>.</summary>
    internal float[] LiveOutOfTable { get; }

    private static (int[] Offsets, float[] Into, float[] OutOf) Compact(int bandwidth, int stride, float[] into, float[] outOf)
    {
        var live = new System.Collections.Generic.List<int>(bandwidth);
        for (int d = 0; d < bandwidth; d++)
        {
            var row = outOf.AsSpan(d * stride, stride);
            foreach (float v in row)
            {
                if (!float.IsNegativeInfinity(v))
                {
                    live.Add(d);
                    break;
                }
            }
        }
        if (live.Count == bandwidth) return (live.ToArray(), into, outOf);
        var liveInto = new float[live.Count * stride];
        var liveOutOf = new float[live.Count * stride];
        for (int r = 0; r < live.Count; r++)
        {
            into.AsSpan(live[r] * stride, stride).CopyTo(liveInto.AsSpan(r * stride));
            outOf.AsSpan(live[r] * stride, stride).CopyTo(liveOutOf.AsSpan(r * stride));
        }
        return (live.ToArray(), liveInto, liveOutOf);
    }

    /// <summary>W: the number of reachable successors per state, the self-loop included.</summary>
    public int Bandwidth { get; }

    /// <inheritdoc/>
    public override TransitionLayout Layout => TransitionLayout.Banded;

    internal override float[] IntoTable => _into;
    internal override float[] OutOfTable => _outOf;
    /// <inheritdoc/>
    public override int TableRows => Bandwidth;

    /// <summary>
    /// Builds from <c>logProbabilities[i, d]</c> = log P(i → i + d). Entries that would leave the last state
    /// must be -infinity, and each row must sum to one.
    /// </summary>
    public static BandedTransitions FromLogProbabilities(float[,] logProbabilities) => Build(logProbabilities, stochastic: true);

    /// <summary>
    /// A weighted band (<c>logWeights[i, d]</c> = the log weight of i → i + d) whose rows need not sum to one: the graphs
    /// of weighted automata such as CTC's, where every allowed transition weighs 1. The engines never assume stochastic
    /// rows; only the public constructors insist on them, since an HMM's must be.
    /// </summary>
    internal static BandedTransitions FromLogWeights(float[,] logWeights) => Build(logWeights, stochastic: false);

    private static BandedTransitions Build(float[,] logProbabilities, bool stochastic)
    {
        Guard.NotNull(logProbabilities, nameof(logProbabilities));
        int n = logProbabilities.GetLength(0);
        int w = logProbabilities.GetLength(1);
        if (n == 0) throw new ArgumentException("logProbabilities has no states.", nameof(logProbabilities));
        if (w == 0) throw new ArgumentException("logProbabilities has bandwidth 0: every state needs at least a self-loop column.", nameof(logProbabilities));
        if (w > n) throw new ArgumentException($"bandwidth {w} exceeds the state count {n}.", nameof(logProbabilities));
        int stride = SimdCapabilities.Pad(n);
        var into = new float[w * stride];
        var outOf = new float[w * stride];
        into.AsSpan().Fill(float.NegativeInfinity);
        outOf.AsSpan().Fill(float.NegativeInfinity);
        var row = new float[w];
        for (int i = 0; i < n; i++)
        {
            for (int d = 0; d < w; d++) row[d] = logProbabilities[i, d];
            Guard.LogValues(row, nameof(logProbabilities));
            for (int d = n - i; d < w; d++)
            {
                if (!float.IsNegativeInfinity(row[d]))
                    throw new ArgumentException($"logProbabilities[{i}, {d}] leads past the last state ({i + d} >= {n}); it must be -infinity.", nameof(logProbabilities));
            }
            if (stochastic) Guard.LogRowSumsToOne(row, nameof(logProbabilities), $"row {i}");
            for (int d = 0; d < w && i + d < n; d++)
            {
                into[d * stride + i + d] = row[d];
                outOf[d * stride + i] = row[d];
            }
        }
        return new BandedTransitions(n, w, into, outOf);
    }

    /// <summary>
    /// A left-to-right chain of <paramref name="stateCount"/> states with self-loop probability
    /// <paramref name="selfLoop"/>; the last state loops on itself with probability one.
    /// </summary>
    public static BandedTransitions LeftToRight(int stateCount, float selfLoop)
    {
        Guard.Positive(stateCount, nameof(stateCount));
        if (!(selfLoop > 0f && selfLoop < 1f)) throw new ArgumentOutOfRangeException(nameof(selfLoop), selfLoop, "selfLoop must be in (0, 1).");
        int w = stateCount == 1 ? 1 : 2;
        var logs = new float[stateCount, w];
        for (int i = 0; i < stateCount; i++)
        {
            if (i == stateCount - 1)
            {
                logs[i, 0] = 0f;
                if (w == 2) logs[i, 1] = float.NegativeInfinity;
            }
            else
            {
                logs[i, 0] = MathF.Log(selfLoop);
                logs[i, 1] = MathF.Log(1f - selfLoop);
            }
        }
        return FromLogProbabilities(logs);
    }

    /// <inheritdoc/>
    public override float LogProbability(int from, int to)
    {
        CheckIndex(from, StateCount, nameof(from));
        CheckIndex(to, StateCount, nameof(to));
        int d = to - from;
        return d >= 0 && d < Bandwidth ? _outOf[d * PaddedStateCount + from] : float.NegativeInfinity;
    }
}

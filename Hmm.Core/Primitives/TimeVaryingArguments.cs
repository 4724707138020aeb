using System;
using System.Buffers;
using Hmm.Engine;
using Hmm.Simd;

namespace Hmm.Primitives;

// The private helpers below name the public methods' argument "transitions", which CA2208 cannot see through.
#pragma warning disable CA2208

/// <summary>
/// The argument checks of every <see cref="ITimeVaryingEngine"/> (shapes, then values), each naming the argument, so that
/// the CPU and GPU engines reject the same inputs with the same messages.
/// </summary>
public static class TimeVaryingArguments
{
    /// <summary>
    /// Checks a call: shapes (states, batch, lengths, the result's room), the emissions' values (NaN, +infinity), and the
    /// tables' values inside each sequence's length (NaN, +infinity, padding lanes that are not -infinity, and for
    /// <see cref="TimeVaryingTransitions.Normalised"/> tables the initial distributions and the rows of the states that can
    /// be occupied: see <see cref="TimeVaryingTransitions"/>).
    /// </summary>
    /// <param name="transitions">The per-frame tables.</param>
    /// <param name="emissions">The emissions.</param>
    /// <param name="capacity">Sequences the result can hold.</param>
    /// <param name="capacityName">The result's argument name.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">A check fails; the message names the sequence, frame and state.</exception>
    public static void Check(TimeVaryingTransitions transitions, EmissionBatch emissions, int capacity, string capacityName)
    {
        Guard.NotNull(transitions, nameof(transitions));
        Guard.NotNull(emissions, nameof(emissions));
        if (emissions.StateCount != transitions.StateCount)
            throw new ArgumentException($"emissions have {emissions.StateCount} states but the transitions have {transitions.StateCount}.", nameof(emissions));
        if (transitions.BatchSize < emissions.BatchSize)
            throw new ArgumentException($"transitions hold {transitions.BatchSize} sequences but the emissions have {emissions.BatchSize}.", nameof(transitions));
        for (int b = 0; b < emissions.BatchSize; b++)
        {
            if (emissions.Lengths[b] > transitions.MaxLength)
                throw new ArgumentException($"transitions hold {transitions.MaxLength} frames per sequence but emission sequence {b} has {emissions.Lengths[b]}.", nameof(transitions));
        }
        if (capacity < emissions.BatchSize)
            throw new ArgumentException($"{capacityName} has room for {capacity} sequences but the batch has {emissions.BatchSize}.", capacityName);
        emissions.Validate(nameof(emissions));
        for (int b = 0; b < emissions.BatchSize; b++) CheckSequence(transitions, b, emissions.Lengths[b]);
    }

    /// <summary>Checks the result of a Viterbi call: room for the batch and its longest sequence.</summary>
    /// <param name="transitions">The per-frame tables.</param>
    /// <param name="emissions">The emissions.</param>
    /// <param name="result">The result.</param>
    public static void CheckViterbi(TimeVaryingTransitions transitions, EmissionBatch emissions, ViterbiResult result)
    {
        Guard.NotNull(result, nameof(result));
        Check(transitions, emissions, result.BatchCapacity, nameof(result));
        if (result.MaxLength < emissions.MaxLength)
            throw new ArgumentException($"result holds paths of {result.MaxLength} frames but emissions have up to {emissions.MaxLength}.", nameof(result));
    }

    /// <summary>Checks a posteriors call, the result's shape included.</summary>
    /// <param name="transitions">The per-frame tables.</param>
    /// <param name="emissions">The emissions.</param>
    /// <param name="result">The result.</param>
    public static void CheckPosteriors(TimeVaryingTransitions transitions, EmissionBatch emissions, TimeVaryingPosteriorResult result)
    {
        Guard.NotNull(result, nameof(result));
        Check(transitions, emissions, result.LogLikelihoodArray.Length, nameof(result));
        result.CheckShape(transitions, emissions, nameof(result));
    }

    private static void CheckSequence(TimeVaryingTransitions tr, int b, int length)
    {
        const string name = "transitions";
        if (length == 0) return;
        int n = tr.StateCount, stride = tr.Stride, rows = tr.TableRows, size = tr.FrameSize;
        var initial = tr.LogInitial(b);
        Guard.LogValues(initial, name);
        // The message is built only when the sum is off (a checked call allocates nothing).
        if (tr.Normalised && !SumsToOne(initial)) Guard.LogRowSumsToOne(initial, name, $"sequence {b}'s initial distribution");
        if (length == 1) return;
        // Which states can be occupied at the previous frame (whatever the emissions): only their rows must be stochastic.
        bool[]? reachable = null, next = null;
        if (tr.Normalised)
        {
            reachable = ArrayPool<bool>.Shared.Rent(n);
            next = ArrayPool<bool>.Shared.Rent(n);
            for (int i = 0; i < n; i++) reachable[i] = !float.IsNegativeInfinity(initial[i]);
        }
        try
        {
            CheckFrames(tr, b, length, reachable, next);
        }
        finally
        {
            if (reachable is not null) ArrayPool<bool>.Shared.Return(reachable);
            if (next is not null) ArrayPool<bool>.Shared.Return(next);
        }
    }

    private static void CheckFrames(TimeVaryingTransitions tr, int b, int length, bool[]? reachable, bool[]? next)
    {
        const string name = "transitions";
        int n = tr.StateCount, stride = tr.Stride, rows = tr.TableRows, size = tr.FrameSize;
        var data = tr.Data;
        for (int t = 1; t < length; t++)
        {
            var frame = data.AsSpan(tr.Offset(b, t), size);
            if (!Guard.NoNaNOrPositiveInfinity(frame)) NameBadValue(tr, b, t, frame);
            for (int r = 0; r < rows; r++)
            {
                for (int j = n; j < stride; j++)
                {
                    if (!float.IsNegativeInfinity(frame[r * stride + j]))
                        throw new ArgumentException($"{name}: sequence {b}, frame {t}, row {r}: padding lane {j} (past the {n} states) is {frame[r * stride + j]}; it must stay -infinity.", name);
                }
            }
            if (reachable is null || next is null) continue;
            Array.Clear(next, 0, n);
            if (tr.Layout == TransitionLayout.Dense) DenseRows(frame, n, stride, reachable, next, b, t);
            else BandedRows(frame, n, stride, rows, reachable, next, b, t);
            (reachable, next) = (next, reachable);
        }
    }

    /// <summary>
    /// Dense rows: row i of an occupiable state sums to one (its log-sum-exp by the engine's lanes,
    /// <see cref="CpuPasses.RowLogSumExp{TL, TV}"/>, at the widest width); the states it reaches are occupiable next.
    /// </summary>
    private static unsafe void DenseRows(Span<float> frame, int n, int stride, bool[] reachable, bool[] next, int b, int t)
    {
        var width = SimdCapabilities.Best;
        int occupiable = 0;
        fixed (float* table = frame)
        {
            for (int i = 0; i < n; i++)
            {
                if (!reachable[i]) continue;
                float lse = CpuPasses.RowLogSumExp(width, table + (long)i * stride, stride);
                RowSum(lse, b, t, i);
                // Once every state is occupiable next (a full row does it), the remaining rows cannot add any.
                if (occupiable == n) continue;
                var rowValues = frame.Slice(i * stride, n);
                for (int j = 0; j < n; j++)
                {
                    if (next[j] || float.IsNegativeInfinity(rowValues[j])) continue;
                    next[j] = true;
                    occupiable++;
                }
            }
        }
    }

    /// <summary>Banded rows: row i's W entries sit at (d, i + d).</summary>
    private static void BandedRows(Span<float> frame, int n, int stride, int rows, bool[] reachable, bool[] next, int b, int t)
    {
        for (int i = 0; i < n; i++)
        {
            if (!reachable[i]) continue;
            float max = float.NegativeInfinity;
            for (int d = 0; d < rows && i + d < n; d++) max = Math.Max(max, frame[d * stride + i + d]);
            float sum = 0f;
            if (max != float.NegativeInfinity)
            {
                for (int d = 0; d < rows && i + d < n; d++)
                {
                    float v = frame[d * stride + i + d];
                    sum += MathF.Exp(v - max);
                    if (!float.IsNegativeInfinity(v)) next[i + d] = true;
                }
            }
            RowSum(max + MathF.Log(sum), b, t, i);
        }
    }

    /// <summary>Throws unless a row's log-sum-exp <paramref name="lse"/> is 0 within <see cref="Guard.RowSumTolerance"/> in probability.</summary>
    private static void RowSum(float lse, int b, int t, int i)
    {
        const string name = "transitions";
        if (lse == float.NegativeInfinity)
            throw new ArgumentException($"{name}: sequence {b}, frame {t}: row {i} is all -infinity, but state {i} can be occupied at frame {t - 1}; its row must sum to one (or pass normalised: false).", name);
        double total = Math.Exp(lse);
        if (!(Math.Abs(total - 1.0) <= Guard.RowSumTolerance))
            throw new ArgumentException($"{name}: sequence {b}, frame {t}: row {i} sums to {total:G6} in probability space, not 1 (tolerance {Guard.RowSumTolerance}; normalised: false skips this check).", name);
    }

    private static bool SumsToOne(ReadOnlySpan<float> logs)
    {
        double sum = 0;
        foreach (float v in logs)
        {
            if (v > 1e-6f) return false;
            sum += Math.Exp(v);
        }
        return Math.Abs(sum - 1.0) <= Guard.RowSumTolerance;
    }

    private static void NameBadValue(TimeVaryingTransitions tr, int b, int t, Span<float> frame)
    {
        for (int q = 0; q < frame.Length; q++)
        {
            float v = frame[q];
            if (float.IsNaN(v) || float.IsPositiveInfinity(v))
                throw new ArgumentException($"transitions: sequence {b}, frame {t}, row {q / tr.Stride}, lane {q % tr.Stride} is {v}; log-probabilities must be finite or -infinity.", "transitions");
        }
    }
}

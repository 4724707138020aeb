using System;
using System.Collections.Generic;

namespace Hmm.Testing;

/// <summary>
/// A deliberately plain float64 reference implementation of every HMM algorithm, used only to check the
/// fast engines. Everything runs in log space with plain loops over <see cref="double"/> and a stable
/// log-sum-exp; there is no SIMD, no padding and no reuse of engine tables: the model is read only through
/// its public API (<see cref="HmmModel.LogInitial"/>, <see cref="TransitionModel.LogProbability(int, int)"/>,
/// <see cref="EmissionModel.LogLikelihood(ReadOnlySpan{float}, int)"/>).
/// </summary>
/// <remarks>
/// <para>Conventions shared by every method:</para>
/// <list type="bullet">
/// <item><description>Emissions are a <c>[T, N]</c> array of log-likelihoods <c>log p(x_t | state)</c>; -infinity marks a
/// frame a state cannot emit. NaN and +infinity are rejected with <see cref="ArgumentException"/>.</description></item>
/// <item><description>An impossible observation (every path has probability zero) gives a log-likelihood of
/// -infinity, never NaN: the log-sum-exp of values that are all -infinity is -infinity.</description></item>
/// <item><description>A zero-length sequence (T = 0) is the empty observation, which has probability one:
/// log-likelihoods and the Viterbi score are 0.0 and the per-frame outputs are empty.</description></item>
/// </list>
/// </remarks>
public static class ReferenceHmm
{
    /// <summary>
    /// Evaluates <paramref name="model"/> on every frame of every sequence of <paramref name="features"/> by calling
    /// <see cref="EmissionModel.LogLikelihood(ReadOnlySpan{float}, int)"/> directly.
    /// </summary>
    /// <param name="model">The emission model.</param>
    /// <param name="features">The feature batch; its dimension must equal the model's <see cref="EmissionModel.FeatureDimension"/>.</param>
    /// <returns>One array per sequence b, shaped <c>[Lengths[b], N]</c> (N = the model's state count).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The feature dimension differs from the model's.</exception>
    public static double[][,] EmissionLogLikelihoods(EmissionModel model, SequenceBatch features)
    {
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(features, nameof(features));
        if (features.Dimension != model.FeatureDimension)
            throw new ArgumentException($"features has dimension {features.Dimension} but the model reads {model.FeatureDimension}.", nameof(features));
        int n = model.StateCount;
        var result = new double[features.BatchSize][,];
        for (int b = 0; b < features.BatchSize; b++)
        {
            int length = features.Lengths[b];
            var e = new double[length, n];
            for (int t = 0; t < length; t++)
            {
                ReadOnlySpan<float> frame = features.Frame(b, t);
                for (int j = 0; j < n; j++) e[t, j] = model.LogLikelihood(frame, j);
            }
            result[b] = e;
        }
        return result;
    }

    /// <summary>Copies the log-likelihoods of an <see cref="EmissionBatch"/> into per-sequence float64 arrays.</summary>
    /// <param name="emissions">The batch.</param>
    /// <returns>One array per sequence b, shaped <c>[Lengths[b], N]</c>, holding the batch's values widened to <see cref="double"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="emissions"/> is null.</exception>
    public static double[][,] FromBatch(EmissionBatch emissions)
    {
        Guard.NotNull(emissions, nameof(emissions));
        int n = emissions.StateCount;
        var result = new double[emissions.BatchSize][,];
        for (int b = 0; b < emissions.BatchSize; b++)
        {
            int length = emissions.Lengths[b];
            var e = new double[length, n];
            for (int t = 0; t < length; t++)
            {
                ReadOnlySpan<float> row = emissions.Frame(b, t);
                for (int j = 0; j < n; j++) e[t, j] = row[j];
            }
            result[b] = e;
        }
        return result;
    }

    /// <summary>
    /// The forward algorithm: <c>log α_0(j) = log π_j + e[0, j]</c> and
    /// <c>log α_t(j) = logsumexp_i(log α_{t-1}(i) + log A(i, j)) + e[t, j]</c>.
    /// </summary>
    /// <param name="model">The HMM structure.</param>
    /// <param name="emissions">Log-likelihoods <c>[T, N]</c>.</param>
    /// <param name="logAlpha">The absolute (unnormalized) log forward variables, <c>[T, N]</c>: log P(x_0..x_t, state_t = j).</param>
    /// <returns>log P(x) = logsumexp_j log α_{T-1}(j); 0.0 when T = 0; -infinity when the observation is impossible.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The column count of <paramref name="emissions"/> differs from the state count, or it holds NaN or +infinity.</exception>
    public static double Forward(HmmModel model, double[,] emissions, out double[,] logAlpha)
    {
        int n = CheckModelAndEmissions(model, emissions);
        int length = emissions.GetLength(0);
        var transitions = LogTransitions(model);
        logAlpha = new double[length, n];
        if (length == 0) return 0.0;
        ReadOnlySpan<float> init = model.LogInitial;
        for (int j = 0; j < n; j++) logAlpha[0, j] = init[j] + emissions[0, j];
        var terms = new double[n];
        for (int t = 1; t < length; t++)
        {
            for (int j = 0; j < n; j++)
            {
                for (int i = 0; i < n; i++) terms[i] = logAlpha[t - 1, i] + transitions[i, j];
                logAlpha[t, j] = LogSumExp(terms) + emissions[t, j];
            }
        }
        var last = new double[n];
        for (int j = 0; j < n; j++) last[j] = logAlpha[length - 1, j];
        return LogSumExp(last);
    }

    /// <summary>
    /// The backward algorithm: <c>log β_{T-1}(i) = 0</c> and
    /// <c>log β_t(i) = logsumexp_j(log A(i, j) + e[t+1, j] + log β_{t+1}(j))</c>.
    /// </summary>
    /// <param name="model">The HMM structure.</param>
    /// <param name="emissions">Log-likelihoods <c>[T, N]</c>.</param>
    /// <param name="logBeta">The log backward variables, <c>[T, N]</c>: log P(x_{t+1}..x_{T-1} | state_t = i); the last row is 0.</param>
    /// <returns>
    /// log P(x) computed from the backward variables alone, <c>logsumexp_i(log π_i + e[0, i] + log β_0(i))</c>;
    /// 0.0 when T = 0; -infinity when the observation is impossible.
    /// </returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The column count of <paramref name="emissions"/> differs from the state count, or it holds NaN or +infinity.</exception>
    public static double Backward(HmmModel model, double[,] emissions, out double[,] logBeta)
    {
        int n = CheckModelAndEmissions(model, emissions);
        int length = emissions.GetLength(0);
        var transitions = LogTransitions(model);
        logBeta = new double[length, n];
        if (length == 0) return 0.0;
        for (int i = 0; i < n; i++) logBeta[length - 1, i] = 0.0;
        var terms = new double[n];
        for (int t = length - 2; t >= 0; t--)
        {
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++) terms[j] = transitions[i, j] + emissions[t + 1, j] + logBeta[t + 1, j];
                logBeta[t, i] = LogSumExp(terms);
            }
        }
        ReadOnlySpan<float> init = model.LogInitial;
        for (int i = 0; i < n; i++) terms[i] = init[i] + emissions[0, i] + logBeta[0, i];
        return LogSumExp(terms);
    }

    /// <summary>
    /// Forward-backward posteriors: state marginals <c>γ_t(i) = P(state_t = i | x)</c> and expected transition counts
    /// <c>Σ_{t=0}^{T-2} ξ_t(i, j)</c> with <c>ξ_t(i, j) = P(state_t = i, state_{t+1} = j | x)</c>.
    /// </summary>
    /// <param name="model">The HMM structure.</param>
    /// <param name="emissions">Log-likelihoods <c>[T, N]</c>.</param>
    /// <param name="statePosteriors">
    /// <c>[T, N]</c> LINEAR probabilities <c>exp(log α_t(i) + log β_t(i) - log P(x))</c>; each row sums to one up to
    /// rounding (rows are not renormalized). All zero when the observation is impossible.
    /// </param>
    /// <param name="expectedTransitions">
    /// <c>[N, N]</c> LINEAR expected counts, entry <c>[i, j]</c> for transitions from i to j, summed over t = 0..T-2
    /// (so the entries sum to T-1). All zero when T &lt; 2 or the observation is impossible.
    /// </param>
    /// <returns>log P(x) from the forward pass; 0.0 when T = 0; -infinity when the observation is impossible.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The column count of <paramref name="emissions"/> differs from the state count, or it holds NaN or +infinity.</exception>
    public static double Posteriors(HmmModel model, double[,] emissions, out double[,] statePosteriors, out double[,] expectedTransitions)
    {
        int n = CheckModelAndEmissions(model, emissions);
        int length = emissions.GetLength(0);
        statePosteriors = new double[length, n];
        expectedTransitions = new double[n, n];
        if (length == 0) return 0.0;
        double logLikelihood = Forward(model, emissions, out var logAlpha);
        Backward(model, emissions, out var logBeta);
        if (double.IsNegativeInfinity(logLikelihood)) return logLikelihood;
        var transitions = LogTransitions(model);
        for (int t = 0; t < length; t++)
            for (int i = 0; i < n; i++)
                statePosteriors[t, i] = Math.Exp(logAlpha[t, i] + logBeta[t, i] - logLikelihood);
        for (int t = 0; t + 1 < length; t++)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    expectedTransitions[i, j] += Math.Exp(logAlpha[t, i] + transitions[i, j] + emissions[t + 1, j] + logBeta[t + 1, j] - logLikelihood);
        return logLikelihood;
    }

    /// <summary>
    /// The Viterbi algorithm: the single most likely state path.
    /// </summary>
    /// <remarks>
    /// Ties are broken deterministically toward the LOWEST index: at every step the best previous state is found by
    /// scanning i = 0, 1, ... upward with a strict <c>&gt;</c> comparison, and the final state the same way. The
    /// partial score is accumulated as <c>(δ_{t-1}(i) + log A(i, j)) + e[t, j]</c>, the same order as
    /// <see cref="PathScore(HmmModel, double[,], IReadOnlyList{int})"/>, so the returned score equals the path's score.
    /// </remarks>
    /// <param name="model">The HMM structure.</param>
    /// <param name="emissions">Log-likelihoods <c>[T, N]</c>.</param>
    /// <param name="path">
    /// The best path, length T. When the best score is -infinity (no possible path) every entry is -1.
    /// Empty when T = 0.
    /// </param>
    /// <returns>The best path's score log P(path, x); 0.0 when T = 0; -infinity when no path is possible.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The column count of <paramref name="emissions"/> differs from the state count, or it holds NaN or +infinity.</exception>
    public static double Viterbi(HmmModel model, double[,] emissions, out int[] path)
    {
        int n = CheckModelAndEmissions(model, emissions);
        int length = emissions.GetLength(0);
        path = new int[length];
        if (length == 0) return 0.0;
        var transitions = LogTransitions(model);
        var delta = new double[length, n];
        var back = new int[length, n];
        ReadOnlySpan<float> init = model.LogInitial;
        for (int j = 0; j < n; j++)
        {
            delta[0, j] = init[j] + emissions[0, j];
            back[0, j] = -1;
        }
        for (int t = 1; t < length; t++)
        {
            for (int j = 0; j < n; j++)
            {
                double best = double.NegativeInfinity;
                int arg = -1;
                for (int i = 0; i < n; i++)
                {
                    double candidate = delta[t - 1, i] + transitions[i, j];
                    if (candidate > best)
                    {
                        best = candidate;
                        arg = i;
                    }
                }
                delta[t, j] = best + emissions[t, j];
                back[t, j] = arg;
            }
        }
        double score = double.NegativeInfinity;
        int state = -1;
        for (int j = 0; j < n; j++)
        {
            if (delta[length - 1, j] > score)
            {
                score = delta[length - 1, j];
                state = j;
            }
        }
        if (state < 0)
        {
            for (int t = 0; t < length; t++) path[t] = -1;
            return double.NegativeInfinity;
        }
        for (int t = length - 1; t >= 0; t--)
        {
            path[t] = state;
            state = back[t, state];
        }
        return score;
    }

    /// <summary>
    /// The joint log-probability of one state path and the observation:
    /// <c>log π[p_0] + e[0, p_0] + Σ_{t=1}^{T-1} (log A(p_{t-1}, p_t) + e[t, p_t])</c>, accumulated left to right.
    /// </summary>
    /// <param name="model">The HMM structure.</param>
    /// <param name="emissions">Log-likelihoods <c>[T, N]</c>.</param>
    /// <param name="path">The state path, exactly T entries, each in [0, N).</param>
    /// <returns>log P(path, x); -infinity when any term is -infinity; 0.0 for the empty path when T = 0.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// The column count of <paramref name="emissions"/> differs from the state count, it holds NaN or +infinity,
    /// the path length differs from T, or a path entry is outside [0, N).
    /// </exception>
    public static double PathScore(HmmModel model, double[,] emissions, IReadOnlyList<int> path)
    {
        int n = CheckModelAndEmissions(model, emissions);
        Guard.NotNull(path, nameof(path));
        int length = emissions.GetLength(0);
        if (path.Count != length)
            throw new ArgumentException($"path has {path.Count} entries but emissions has {length} frames.", nameof(path));
        for (int t = 0; t < length; t++)
        {
            if ((uint)path[t] >= (uint)n)
                throw new ArgumentException($"path[{t}] = {path[t]} is not a state in [0, {n}).", nameof(path));
        }
        if (length == 0) return 0.0;
        ReadOnlySpan<float> init = model.LogInitial;
        double score = init[path[0]] + emissions[0, path[0]];
        for (int t = 1; t < length; t++)
        {
            score += model.Transitions.LogProbability(path[t - 1], path[t]);
            score += emissions[t, path[t]];
        }
        return score;
    }

    /// <summary>Stable log(Σ exp(values)); -infinity (never NaN) when every value is -infinity or there are none.</summary>
    private static double LogSumExp(double[] values)
    {
        double max = double.NegativeInfinity;
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] > max) max = values[i];
        }
        if (double.IsNegativeInfinity(max)) return double.NegativeInfinity;
        double sum = 0.0;
        for (int i = 0; i < values.Length; i++) sum += Math.Exp(values[i] - max);
        return max + Math.Log(sum);
    }

    /// <summary>The transitions as a dense <c>[N, N]</c> float64 table read through the public API.</summary>
    private static double[,] LogTransitions(HmmModel model)
    {
        int n = model.StateCount;
        var table = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                table[i, j] = model.Transitions.LogProbability(i, j);
        return table;
    }

    /// <summary>Null checks, the state count check and the NaN / +infinity check; returns N.</summary>
    private static int CheckModelAndEmissions(HmmModel model, double[,] emissions)
    {
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(emissions, nameof(emissions));
        int n = model.StateCount;
        if (emissions.GetLength(1) != n)
            throw new ArgumentException($"emissions has {emissions.GetLength(1)} columns but the model has {n} states.", nameof(emissions));
        for (int t = 0; t < emissions.GetLength(0); t++)
        {
            for (int j = 0; j < n; j++)
            {
                double v = emissions[t, j];
                if (double.IsNaN(v) || double.IsPositiveInfinity(v))
                    throw new ArgumentException($"emissions[{t}, {j}] is {v}; log-likelihoods must be finite or -infinity.", nameof(emissions));
            }
        }
        return n;
    }
}

using System;
using System.Collections.Generic;

namespace Hmm.Engine;

/// <summary>What <see cref="HsmmTrainer"/> re-estimates and how. Immutable.</summary>
public sealed record HsmmTrainingOptions
{
    /// <summary>EM iterations at most (default 10).</summary>
    public int Iterations { get; init; } = 10;

    /// <summary>Stop when the batch's total log-likelihood improves by less than this per frame (default 1e-4).</summary>
    public double Tolerance { get; init; } = 1e-4;

    /// <summary>The family the re-estimated durations are fitted to (default <see cref="DurationFamily.Nonparametric"/>).</summary>
    public DurationFamily DurationFamily { get; init; } = DurationFamily.Nonparametric;

    /// <summary>Probability floor of the re-estimated durations (<see cref="DurationDistributions.Fit"/>; default 1e-6).</summary>
    public double DurationFloor { get; init; } = 1e-6;

    /// <summary>Re-estimate the initial distribution (default true).</summary>
    public bool UpdateInitial { get; init; } = true;

    /// <summary>Re-estimate the transitions (default true; impossible transitions stay impossible).</summary>
    public bool UpdateTransitions { get; init; } = true;

    /// <summary>Re-estimate the durations (default true).</summary>
    public bool UpdateDurations { get; init; } = true;

    /// <summary>Re-estimate the Gaussian emissions' means and variances, where the call has them (default true).</summary>
    public bool UpdateEmissions { get; init; } = true;

    /// <summary>Smallest variance a re-estimated Gaussian keeps (default 1e-3).</summary>
    public float VarianceFloor { get; init; } = 1e-3f;
}

/// <summary>The outcome of <see cref="HsmmTrainer"/>: the models and the log-likelihood before each M-step.</summary>
public sealed class HsmmTrainingResult
{
    internal HsmmTrainingResult(HsmmModel model, DiagonalGaussianEmissions? emissions, IReadOnlyList<double> logLikelihoods)
    {
        Model = model;
        Emissions = emissions;
        LogLikelihoods = logLikelihoods;
    }

    /// <summary>The re-estimated model.</summary>
    public HsmmModel Model { get; }

    /// <summary>The re-estimated emissions (null when the call trained on fixed log-likelihoods).</summary>
    public DiagonalGaussianEmissions? Emissions { get; }

    /// <summary>The batch's total log-likelihood under each iteration's starting model (EM never lowers it, up to the floors).</summary>
    public IReadOnlyList<double> LogLikelihoods { get; }
}

/// <summary>
/// Expectation-maximisation for the explicit-duration HMM on any <see cref="IHsmmEngine"/> (the SIMD CPU
/// <see cref="HsmmEngine"/> or the GPU engine's): each iteration runs the engine's posteriors (state occupancies, expected
/// durations, transitions, initial states) and re-estimates the model from them in float64 on the host; with diagonal
/// Gaussian emissions, also their means and variances from the occupancies, the frame log-likelihoods being computed by an
/// <see cref="IHmmEngine"/> between iterations.
/// </summary>
public sealed class HsmmTrainer
{
    private readonly IHsmmEngine _engine;
    private readonly IHmmEngine? _emissionEngine;

    /// <summary>Creates a trainer.</summary>
    /// <param name="engine">Runs the posteriors.</param>
    /// <param name="emissionEngine">Computes Gaussian frame log-likelihoods (only for training with emissions); default the CPU <see cref="HmmEngine"/>.</param>
    public HsmmTrainer(IHsmmEngine engine, IHmmEngine? emissionEngine = null)
    {
        Guard.NotNull(engine, nameof(engine));
        _engine = engine;
        _emissionEngine = emissionEngine;
    }

    /// <summary>Re-estimates initial, transitions and durations with the emissions fixed (log-likelihoods given per frame).</summary>
    /// <exception cref="ArgumentException">Bad options, or what the engine rejects (naming the argument).</exception>
    public HsmmTrainingResult Train(HsmmModel model, EmissionBatch emissions, HsmmTrainingOptions? options = null)
    {
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(emissions, nameof(emissions));
        options = Check(options);
        var history = new List<double>();
        var posteriors = new HsmmPosteriors(emissions.BatchSize, emissions.MaxLength, model.StateCount, model.MaxDuration);
        for (int iteration = 0; iteration < options.Iterations; iteration++)
        {
            _engine.Posteriors(model, emissions, posteriors);
            double total = Total(posteriors, emissions.BatchSize, nameof(emissions));
            bool converged = Converged(history, total, emissions, options);
            history.Add(total);
            if (converged) break;
            model = Reestimate(model, posteriors, options);
        }
        return new HsmmTrainingResult(model, null, history);
    }

    /// <summary>
    /// Re-estimates the model and diagonal Gaussian emissions (one Gaussian per state) from feature sequences.
    /// </summary>
    /// <exception cref="ArgumentException">Features whose dimension or state count disagree with the emissions, or what the engines reject.</exception>
    public HsmmTrainingResult Train(HsmmModel model, DiagonalGaussianEmissions emissions, SequenceBatch features, HsmmTrainingOptions? options = null)
    {
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(emissions, nameof(emissions));
        Guard.NotNull(features, nameof(features));
        options = Check(options);
        if (emissions.StateCount != model.StateCount)
            throw new ArgumentException($"emissions have {emissions.StateCount} states but the model has {model.StateCount}.", nameof(emissions));
        if (emissions.FeatureDimension != features.Dimension)
            throw new ArgumentException($"features have dimension {features.Dimension} but the emissions {emissions.FeatureDimension}.", nameof(features));
        features.EnsureFinite(nameof(features));
        var engine = _emissionEngine ?? new HmmEngine();
        var frameLl = new EmissionBatch(features.BatchSize, features.MaxLength, model.StateCount);
        var posteriors = new HsmmPosteriors(features.BatchSize, features.MaxLength, model.StateCount, model.MaxDuration);
        var history = new List<double>();
        for (int iteration = 0; iteration < options.Iterations; iteration++)
        {
            engine.ComputeEmissions(emissions, features, frameLl);
            _engine.Posteriors(model, frameLl, posteriors);
            double total = Total(posteriors, features.BatchSize, nameof(features));
            bool converged = Converged(history, total, frameLl, options);
            history.Add(total);
            if (converged) break;
            model = Reestimate(model, posteriors, options);
            if (options.UpdateEmissions) emissions = ReestimateGaussians(emissions, features, posteriors, options.VarianceFloor);
        }
        return new HsmmTrainingResult(model, emissions, history);
    }

    private static HsmmTrainingOptions Check(HsmmTrainingOptions? options)
    {
        options ??= new HsmmTrainingOptions();
        if (options.Iterations < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Iterations, "options.Iterations must be at least 1.");
        if (!(options.VarianceFloor > 0)) throw new ArgumentOutOfRangeException(nameof(options), options.VarianceFloor, "options.VarianceFloor must be positive.");
        return options;
    }

    private static double Total(HsmmPosteriors posteriors, int batch, string name)
    {
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            double ll = posteriors.LogLikelihoods[b];
            if (double.IsNegativeInfinity(ll))
                throw new ArgumentException($"{name}: sequence {b} has probability 0 under the model (every segmentation meets an impossible emission): EM cannot learn from it; remove it or floor its emissions.", name);
            total += ll;
        }
        return total;
    }

    private static bool Converged(List<double> history, double total, StateLattice batch, HsmmTrainingOptions options)
    {
        if (history.Count == 0) return false;
        long frames = 0;
        foreach (int length in batch.Lengths) frames += length;
        return Math.Abs(total - history[history.Count - 1]) < options.Tolerance * Math.Max(1, frames);
    }

    private static HsmmModel Reestimate(HsmmModel model, HsmmPosteriors p, HsmmTrainingOptions options)
    {
        int n = model.StateCount, d = model.MaxDuration;
        var initial = model.LogInitial.ToArray();
        if (options.UpdateInitial) Normalise(p.InitialCounts.AsSpan(), initial);
        var transitions = model.LogTransitions();
        if (options.UpdateTransitions)
        {
            var row = new double[n];
            var logs = new float[n];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++) row[j] = p.TransitionCounts[i, j];
                for (int j = 0; j < n; j++) logs[j] = transitions[i, j];
                Normalise(row, logs);
                for (int j = 0; j < n; j++) transitions[i, j] = logs[j];
            }
        }
        var durations = model.LogDurationTable();
        if (options.UpdateDurations)
        {
            var counts = new double[d];
            for (int j = 0; j < n; j++)
            {
                double total = 0;
                for (int k = 0; k < d; k++) total += counts[k] = p.DurationCounts[j, k];
                if (!(total > 1e-9)) continue; // an unvisited state keeps its durations
                var fitted = DurationDistributions.Fit(counts, options.DurationFamily, options.DurationFloor);
                for (int k = 0; k < d; k++) durations[j, k] = (float)Math.Log(fitted[k]);
            }
        }
        return new HsmmModel(initial, transitions, durations, model.LogFinal);
    }

    // Counts to log-probabilities in place; an all-zero row keeps its old values (a state never left, or never entered).
    private static void Normalise(ReadOnlySpan<double> counts, Span<float> logs)
    {
        double total = 0;
        foreach (double c in counts) total += c;
        if (!(total > 1e-9)) return;
        for (int j = 0; j < counts.Length; j++)
            logs[j] = logs[j] == float.NegativeInfinity || counts[j] <= 0 ? float.NegativeInfinity : (float)Math.Log(counts[j] / total);
    }

    private static DiagonalGaussianEmissions ReestimateGaussians(DiagonalGaussianEmissions old, SequenceBatch features, HsmmPosteriors p, float floor)
    {
        int n = old.StateCount, dim = old.FeatureDimension;
        var weight = new double[n];
        var sum = new double[n, dim];
        var square = new double[n, dim];
        for (int b = 0; b < features.BatchSize; b++)
            for (int t = 0; t < features.Lengths[b]; t++)
            {
                var x = features.Frame(b, t);
                var g = p.StateOccupancy.Frame(b, t);
                for (int j = 0; j < n; j++)
                {
                    double w = g[j];
                    if (w <= 0) continue;
                    weight[j] += w;
                    for (int e = 0; e < dim; e++)
                    {
                        sum[j, e] += w * x[e];
                        square[j, e] += w * x[e] * x[e];
                    }
                }
            }
        var means = new float[n, dim];
        var variances = new float[n, dim];
        for (int j = 0; j < n; j++)
            for (int e = 0; e < dim; e++)
            {
                if (weight[j] < 1e-6)
                {
                    means[j, e] = old.Mean(j, 0, e);
                    variances[j, e] = old.Variance(j, 0, e);
                    continue;
                }
                double mean = sum[j, e] / weight[j];
                means[j, e] = (float)mean;
                variances[j, e] = (float)Math.Max(floor, square[j, e] / weight[j] - mean * mean);
            }
        return new DiagonalGaussianEmissions(means, variances);
    }
}

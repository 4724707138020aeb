using System;

namespace Hmm.Speech;

/// <summary>
/// Occupancy statistics of GMM components gathered by forward-backward over tied-state graphs
/// (<see cref="IAlignmentBackend.AccumulateStatistics"/>): per component (state-major, <c>state * K + component</c> with
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

    /// <summary>Throws unless these statistics are shaped for <paramref name="model"/> and hold log-likelihoods for <paramref name="batch"/> sequences.</summary>
    /// <param name="model">The emission model.</param>
    /// <param name="batch">Sequences of the call.</param>
    /// <param name="name">The argument name for the exception.</param>
    /// <exception cref="ArgumentException">The shapes disagree.</exception>
    public void EnsureFits(GaussianMixtureEmissions model, int batch, string name)
    {
        if (States != model.StateCount || Components != model.ComponentCount || Dimension != model.FeatureDimension)
            throw new ArgumentException($"{name} is shaped [{States} states, {Components} components, {Dimension} dims] but the model is [{model.StateCount}, {model.ComponentCount}, {model.FeatureDimension}]; create it with GmmStatistics.For.", name);
        if (LogLikelihoods.Length < batch) throw new ArgumentException($"{name} holds log-likelihoods for {LogLikelihoods.Length} sequences but the batch has {batch}.", name);
    }
}

/// <summary>Thresholds of <see cref="IAlignmentBackend.AccumulateStatistics"/>: tiny occupancies are skipped (they change nothing measurable and cost most of the work).</summary>
/// <param name="StateThreshold">A graph state's posterior below this adds nothing (1e-4).</param>
/// <param name="ComponentThreshold">A component's share of a frame (state posterior x component responsibility) below this adds nothing (1e-6).</param>
public readonly record struct StatisticsThresholds(float StateThreshold = 1e-4f, float ComponentThreshold = 1e-6f)
{
    /// <summary>The defaults: 1e-4 and 1e-6.</summary>
    public static StatisticsThresholds Default => new(1e-4f, 1e-6f);
}

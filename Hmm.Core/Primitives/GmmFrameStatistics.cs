using System;

namespace Hmm.Primitives;

/// <summary>
/// One frame's contribution to a GMM's occupancy statistics: the state occupancy split over the state's components by
/// their posterior responsibilities, in double precision (the reference the GPU kernel is checked against).
/// </summary>
public sealed class GmmFrameStatistics
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

    /// <summary>The statistics of <paramref name="model"/> (made once per model object and kept while it lives).</summary>
    public static GmmFrameStatistics For(GaussianMixtureEmissions model)
    {
        Guard.NotNull(model, nameof(model));
        return Cache.GetValue(model, m => new GmmFrameStatistics(m));
    }

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

    /// <summary>
    /// Adds frame <paramref name="x"/> with state occupancy <paramref name="gamma"/> to the sums of <paramref name="state"/>'s
    /// components (padded layout): <paramref name="occupancy"/> [N·K], <paramref name="sums"/> [N·K·D]; shares below
    /// <paramref name="componentThreshold"/> add nothing. <paramref name="scratch"/> holds K doubles.
    /// </summary>
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

using System;
using Hmm.Simd;

namespace Hmm.Primitives;

/// <summary>
/// A <see cref="GaussianMixtureEmissions"/> as the engines read it: one product <c>[y², y] · W + bias</c> per frame with
/// <c>y = x - Center</c>, W a [2D, columns] matrix and a bias per component column (column <c>c = k·N + j</c> holds
/// component k of state j), then log-sum-exp over each state's components. Built once per model.
/// </summary>
public sealed class GmmTables
{
    private GmmTables(int n, int k, int d, VarianceTerms terms)
    {
        States = n;
        Components = k;
        Dimension = d;
        Columns = n * k;
        PaddedColumns = SimdCapabilities.Pad(Columns);
        // State-major reads at k*N + j for a lane group starting at j need (K-1)*N + stride columns.
        RowStride = Math.Max(PaddedColumns, (k - 1) * n + SimdCapabilities.Pad(n));
        Weights = new float[2 * d * PaddedColumns];
        Bias = new float[PaddedColumns];
        Center = new float[d];
        _terms = terms;
    }

    /// <summary>
    /// What the tables take from the weights and variances alone, kept for <see cref="WithMeans"/>: per component
    /// <c>log w - D/2 log 2π - 1/2 Σ log σ²</c>, and 1/σ² per component and dimension.
    /// </summary>
    private sealed class VarianceTerms(double[] constantBias, double[] inverseVariances)
    {
        public double[] ConstantBias { get; } = constantBias;
        public double[] InverseVariances { get; } = inverseVariances;
    }

    private readonly VarianceTerms _terms;

    /// <summary>The tables of <paramref name="model"/> (built with it).</summary>
    public static GmmTables Of(GaussianMixtureEmissions model)
    {
        Guard.NotNull(model, nameof(model));
        return model.Tables;
    }

    /// <summary>States N.</summary>
    public int States { get; }

    /// <summary>Components per state K.</summary>
    public int Components { get; }

    /// <summary>Feature dimension D.</summary>
    public int Dimension { get; }

    /// <summary>N·K; column c = k·N + j holds component k of state j.</summary>
    public int Columns { get; }

    /// <summary>Columns padded to the widest SIMD register (the row stride of <see cref="Weights"/>).</summary>
    public int PaddedColumns { get; }

    /// <summary>Floats per frame in the component scratch.</summary>
    public int RowStride { get; }

    /// <summary>[2D, PaddedColumns]: rows 0..D-1 multiply y², rows D..2D-1 multiply y.</summary>
    public float[] Weights { get; }

    /// <summary>Per padded column: <c>log w - D/2 log 2π - 1/2 Σ log σ² - 1/2 Σ (μ - c)²/σ²</c>.</summary>
    public float[] Bias { get; }

    /// <summary>The centre c subtracted from every frame: the mean of all component means, per dimension.</summary>
    public float[] Center { get; }

    internal static GmmTables Build(int n, int k, int d, float[] weights, float[] means, float[] variances)
    {
        var constantBias = new double[n * k];
        var inverseVariances = new double[n * k * d];
        for (int comp = 0; comp < n * k; comp++)
        {
            constantBias[comp] = Engine.Definitions.ComponentConstant(Math.Log(weights[comp]), d, SumOfLogs(variances.AsSpan(comp * d, d)));
            for (int e = 0; e < d; e++) inverseVariances[comp * d + e] = 1.0 / variances[comp * d + e];
        }
        var t = new GmmTables(n, k, d, new VarianceTerms(constantBias, inverseVariances));
        for (int e = 0; e < d; e++)
        {
            float[] row = t.Weights;
            int offset = e * t.PaddedColumns;
            for (int j = 0; j < n; j++)
                for (int c = 0; c < k; c++) row[offset + c * n + j] = (float)(-0.5 * inverseVariances[(j * k + c) * d + e]);
        }
        t.FillMeanTerms(means);
        return t;
    }

    /// <summary>
    /// The per-component constants and the reciprocal variances in float32, state-major, as the occupancy statistics
    /// (<see cref="GmmFrameStatistics"/>) read them.
    /// </summary>
    internal (float[] Constants, float[] InverseVariances) ComponentTerms()
    {
        var constants = new float[_terms.ConstantBias.Length];
        for (int i = 0; i < constants.Length; i++) constants[i] = (float)_terms.ConstantBias[i];
        var inverseVariances = new float[_terms.InverseVariances.Length];
        for (int i = 0; i < inverseVariances.Length; i++) inverseVariances[i] = (float)_terms.InverseVariances[i];
        return (constants, inverseVariances);
    }

    /// <summary>
    /// The tables of the same mixture with other means (an adaptation round): the y² rows and the variance terms are the
    /// same, so only the centre, the y rows and the biases are computed, with the same arithmetic as <see cref="Build"/>
    /// (the same floats).
    /// </summary>
    internal GmmTables WithMeans(float[] means)
    {
        var t = new GmmTables(States, Components, Dimension, _terms);
        Array.Copy(Weights, t.Weights, Dimension * PaddedColumns);
        t.FillMeanTerms(means);
        return t;
    }

    /// <summary>The centre, the y rows (μ - c)/σ² and the biases from <paramref name="means"/> and the variance terms.</summary>
    private void FillMeanTerms(float[] means)
    {
        int n = States, k = Components, d = Dimension;
        for (int e = 0; e < d; e++)
        {
            double c = 0;
            for (int i = 0; i < n * k; i++) c += means[i * d + e];
            Center[e] = (float)(c / (n * k));
        }
        var inverseVariances = _terms.InverseVariances;
        for (int j = 0; j < n; j++)
        {
            for (int c = 0; c < k; c++)
            {
                int col = c * n + j, comp = j * k + c;
                double bias = _terms.ConstantBias[comp];
                for (int e = 0; e < d; e++)
                {
                    double inverse = inverseVariances[comp * d + e];
                    double mu = means[comp * d + e] - (double)Center[e];
                    bias -= 0.5 * (mu * mu * inverse);
                    Weights[(d + e) * PaddedColumns + col] = (float)(mu * inverse);
                }
                Bias[col] = (float)bias;
            }
        }
    }

    /// <summary>
    /// Σ log v over positive floats as logs of products of eight (a product of eight floats stays within double range):
    /// one logarithm per eight values, a component's tables being rebuilt in every adaptation round.
    /// </summary>
    private static double SumOfLogs(ReadOnlySpan<float> values)
    {
        double sum = 0;
        for (int i = 0; i < values.Length; i += 8)
        {
            double product = 1;
            int end = Math.Min(values.Length, i + 8);
            for (int e = i; e < end; e++) product *= values[e];
            sum += Math.Log(product);
        }
        return sum;
    }
}

using System;
using Hmm.Primitives;
using Hmm.Simd;

namespace Hmm;

/// <summary>An emission model: turns feature frames into per-state log-likelihoods (an <see cref="EmissionBatch"/>).</summary>
public abstract class EmissionModel
{
    private protected EmissionModel(int stateCount, int featureDimension)
    {
        StateCount = stateCount;
        FeatureDimension = featureDimension;
    }

    /// <summary>Number of states N.</summary>
    public int StateCount { get; }

    /// <summary>Feature dimension D the model reads per frame (1 for categorical symbols).</summary>
    public int FeatureDimension { get; }

    /// <summary>log p(frame | state), computed plainly in float64; the engines must agree with it.</summary>
    public abstract double LogLikelihood(ReadOnlySpan<float> frame, int state);

    /// <summary>
    /// A model over some of this model's states only (its state i is this model's <c>states[i]</c>, with equal
    /// log-likelihoods), for a decoder that needs only those; null when this kind of model gains nothing from it and the
    /// caller should use the whole model.
    /// </summary>
    /// <param name="states">States of this model (one may appear more than once: two phones that share states).</param>
    /// <exception cref="ArgumentException">A state is out of range.</exception>
    public virtual EmissionModel? Subset(ReadOnlySpan<int> states) => null;
}

/// <summary>
/// Diagonal-covariance Gaussian mixture emissions: state j emits from
/// <c>Σ_k w[j,k] N(x; μ[j,k,:], diag σ²[j,k,:])</c> (the seed library's MixtureGaussianHMM).
/// </summary>
/// <remarks>
/// The engines evaluate all N·K components of a frame as one small matrix product: with
/// <c>y = x - c</c> (c: the mean of all component means, which keeps the expansion free of cancellation),
/// <c>log N = bias - ½ Σ y²/σ² + Σ y μ'/σ²</c>, so features <c>[y², y]</c> meet a weight matrix <c>[2D, N·K]</c>.
/// </remarks>
public class GaussianMixtureEmissions : EmissionModel
{
    private readonly float[] _weights;    // [N, K] probabilities
    private readonly float[] _means;      // [N, K, D]
    private readonly float[] _variances;  // [N, K, D]

    /// <summary>Creates the model from mixture weights <c>[N, K]</c> (rows sum to one), means and variances <c>[N, K, D]</c>.</summary>
    /// <exception cref="ArgumentException">Shapes disagree, zero components, NaN/inf, non-positive variances, or weights not summing to one.</exception>
    public GaussianMixtureEmissions(float[,] weights, float[,,] means, float[,,] variances)
        : base(CheckShapes(weights, means, variances), means.GetLength(2))
    {
        int n = StateCount, k = weights.GetLength(1), d = FeatureDimension;
        ComponentCount = k;
        _weights = new float[n * k];
        _means = new float[n * k * d];
        _variances = new float[n * k * d];
        for (int j = 0; j < n; j++)
        {
            double sum = 0;
            for (int c = 0; c < k; c++)
            {
                float w = weights[j, c];
                if (!(w >= 0f) || float.IsPositiveInfinity(w))
                    throw new ArgumentException($"weights[{j}, {c}] = {w} is not a probability.", nameof(weights));
                sum += w;
                _weights[j * k + c] = w;
                for (int e = 0; e < d; e++)
                {
                    float mu = means[j, c, e], v = variances[j, c, e];
                    if (!Guard.IsFinite(mu)) throw new ArgumentException($"means[{j}, {c}, {e}] = {mu} is not finite.", nameof(means));
                    if (!(v > 0f) || float.IsPositiveInfinity(v))
                        throw new ArgumentException($"variances[{j}, {c}, {e}] = {v}; variances must be positive and finite.", nameof(variances));
                    if (v < 1e-30f || float.IsInfinity(1f / v))
                        throw new ArgumentException($"variances[{j}, {c}, {e}] = {v} is too small to invert in float32 (floor variances at 1e-30 or above).", nameof(variances));
                    _means[(j * k + c) * d + e] = mu;
                    _variances[(j * k + c) * d + e] = v;
                }
            }
            if (Math.Abs(sum - 1.0) > Guard.RowSumTolerance)
                throw new ArgumentException($"weights row {j} sums to {sum:G6}, not 1 (tolerance {Guard.RowSumTolerance}).", nameof(weights));
        }
        Tables = GmmTables.Build(n, k, d, _weights, _means, _variances);
    }

    /// <summary>
    /// The same mixture with other means: weights, variances and their derived tables are shared, so an adaptation round
    /// rebuilds only what depends on the means.
    /// </summary>
    /// <param name="means">[N, K, D] flat, state-major then component, finite; the new model keeps this array (do not change it later).</param>
    /// <exception cref="ArgumentException"><paramref name="means"/> has the wrong length or a value that is not finite.</exception>
    public GaussianMixtureEmissions WithMeans(float[] means)
    {
        Guard.NotNull(means, nameof(means));
        Guard.Finite(means, nameof(means));
        return new(this, means);
    }

    private GaussianMixtureEmissions(GaussianMixtureEmissions source, float[] means)
        : base(source.StateCount, source.FeatureDimension)
    {
        if (means.Length != source._means.Length) throw new ArgumentException($"means holds {means.Length} values, expected {source._means.Length}.", nameof(means));
        ComponentCount = source.ComponentCount;
        _weights = source._weights;
        _means = means;
        _variances = source._variances;
        Tables = source.Tables.WithMeans(means);
    }

    private static int CheckShapes(float[,] weights, float[,,] means, float[,,] variances)
    {
        Guard.NotNull(weights, nameof(weights));
        Guard.NotNull(means, nameof(means));
        Guard.NotNull(variances, nameof(variances));
        int n = weights.GetLength(0), k = weights.GetLength(1);
        if (n == 0) throw new ArgumentException("weights has no states.", nameof(weights));
        if (k == 0) throw new ArgumentException("weights has zero mixture components; every state needs at least one.", nameof(weights));
        if (means.GetLength(0) != n || means.GetLength(1) != k)
            throw new ArgumentException($"means is [{means.GetLength(0)}, {means.GetLength(1)}, D] but weights is [{n}, {k}].", nameof(means));
        if (means.GetLength(2) == 0) throw new ArgumentException("means has feature dimension 0.", nameof(means));
        if (variances.GetLength(0) != n || variances.GetLength(1) != k || variances.GetLength(2) != means.GetLength(2))
            throw new ArgumentException($"variances is [{variances.GetLength(0)}, {variances.GetLength(1)}, {variances.GetLength(2)}] but means is [{n}, {k}, {means.GetLength(2)}].", nameof(variances));
        return n;
    }

    /// <summary>Components per state K.</summary>
    public int ComponentCount { get; }

    /// <summary>Mixture weight of component <paramref name="component"/> of state <paramref name="state"/>.</summary>
    public float Weight(int state, int component) => _weights[state * ComponentCount + component];

    /// <summary>Mean of one component along one dimension.</summary>
    public float Mean(int state, int component, int dimension) => _means[(state * ComponentCount + component) * FeatureDimension + dimension];

    /// <summary>Variance of one component along one dimension.</summary>
    public float Variance(int state, int component, int dimension) => _variances[(state * ComponentCount + component) * FeatureDimension + dimension];

    internal GmmTables Tables { get; }

    /// <summary>The weight and variance arrays: shared by <see cref="WithMeans"/> copies, so engines can tell that only the means changed.</summary>
    internal (float[] Weights, float[] Variances) Shape => (_weights, _variances);

    /// <summary>The means, [N, K, D] flat (read-only by convention).</summary>
    internal float[] MeanArray => _means;

    /// <inheritdoc/>
    public override double LogLikelihood(ReadOnlySpan<float> frame, int state)
    {
        if (frame.Length != FeatureDimension) throw new ArgumentException($"frame has {frame.Length} values, expected {FeatureDimension}.", nameof(frame));
        int k = ComponentCount, d = FeatureDimension;
        double max = double.NegativeInfinity;
        Span<double> logs = k <= 64 ? stackalloc double[k] : new double[k];
        for (int c = 0; c < k; c++)
        {
            double acc = Math.Log(_weights[state * k + c]) - 0.5 * d * Math.Log(2 * Math.PI);
            for (int e = 0; e < d; e++)
            {
                double v = _variances[(state * k + c) * d + e];
                double diff = frame[e] - (double)_means[(state * k + c) * d + e];
                acc -= 0.5 * (Math.Log(v) + diff * diff / v);
            }
            logs[c] = acc;
            if (acc > max) max = acc;
        }
        if (double.IsNegativeInfinity(max)) return max;
        double sum = 0;
        for (int c = 0; c < k; c++) sum += Math.Exp(logs[c] - max);
        return max + Math.Log(sum);
    }
}

/// <summary>Diagonal Gaussian emissions: a mixture with one component per state.</summary>
public sealed class DiagonalGaussianEmissions : GaussianMixtureEmissions
{
    /// <summary>Creates the model from means and variances <c>[N, D]</c>.</summary>
    public DiagonalGaussianEmissions(float[,] means, float[,] variances)
        : base(Ones(means), Lift(means, nameof(means)), Lift(variances, nameof(variances)))
    {
    }

    private static float[,] Ones(float[,] means)
    {
        Guard.NotNull(means, nameof(means));
        var w = new float[means.GetLength(0), 1];
        for (int j = 0; j < w.GetLength(0); j++) w[j, 0] = 1f;
        return w;
    }

    private static float[,,] Lift(float[,] values, string name)
    {
        Guard.NotNull(values, name);
        var r = new float[values.GetLength(0), 1, values.GetLength(1)];
        for (int j = 0; j < values.GetLength(0); j++)
            for (int e = 0; e < values.GetLength(1); e++) r[j, 0, e] = values[j, e];
        return r;
    }
}

/// <summary>
/// Categorical emissions over V symbols: features have dimension 1 and hold whole-number symbol indices
/// in [0, V).
/// </summary>
public sealed class CategoricalEmissions : EmissionModel
{
    private readonly float[] _table; // [V, stride] log-probabilities, padded lanes -inf

    /// <summary>Creates the model from <c>probabilities[state, symbol]</c>; rows sum to one.</summary>
    public CategoricalEmissions(float[,] probabilities) : base(CheckRows(probabilities), 1)
    {
        int n = StateCount, v = probabilities.GetLength(1);
        SymbolCount = v;
        Stride = SimdCapabilities.Pad(n);
        _table = new float[v * Stride];
        _table.AsSpan().Fill(float.NegativeInfinity);
        for (int j = 0; j < n; j++)
        {
            double sum = 0;
            for (int s = 0; s < v; s++)
            {
                float p = probabilities[j, s];
                if (!(p >= 0f) || float.IsPositiveInfinity(p))
                    throw new ArgumentException($"probabilities[{j}, {s}] = {p} is not a probability.", nameof(probabilities));
                sum += p;
                _table[s * Stride + j] = MathF.Log(p);
            }
            if (Math.Abs(sum - 1.0) > Guard.RowSumTolerance)
                throw new ArgumentException($"probabilities row {j} sums to {sum:G6}, not 1 (tolerance {Guard.RowSumTolerance}).", nameof(probabilities));
        }
    }

    private static int CheckRows(float[,] probabilities)
    {
        Guard.NotNull(probabilities, nameof(probabilities));
        if (probabilities.GetLength(0) == 0) throw new ArgumentException("probabilities has no states.", nameof(probabilities));
        if (probabilities.GetLength(1) == 0) throw new ArgumentException("probabilities has no symbols.", nameof(probabilities));
        return probabilities.GetLength(0);
    }

    /// <summary>Number of symbols V.</summary>
    public int SymbolCount { get; }

    internal int Stride { get; }

    /// <summary>log P(symbol | state) rows, [V, stride].</summary>
    internal float[] Table => _table;

    /// <inheritdoc/>
    public override double LogLikelihood(ReadOnlySpan<float> frame, int state)
    {
        if (frame.Length != 1) throw new ArgumentException("categorical frames have exactly one value (the symbol).", nameof(frame));
        int s = SymbolIndex(frame[0], "frame");
        return _table[s * Stride + state];
    }

    internal int SymbolIndex(float value, string name)
    {
        if (!(value >= 0f && value < SymbolCount) || value != MathF.Floor(value))
            throw new ArgumentException($"{name}: symbol {value} is not a whole number in [0, {SymbolCount}).", name);
        return (int)value;
    }
}

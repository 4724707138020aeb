using System;
using System.Collections.Generic;
using Hmm.Primitives;
using Hmm.Simd;

namespace Hmm;

/// <summary>
/// Tied-mixture ("semi-continuous") emissions with several feature streams, the scheme of CMU Sphinx's phonetically tied
/// mixtures (PTM): each state reads one of a few codebooks of diagonal Gaussians, every state of a codebook has its own
/// mixture weights over the codebook's Gaussians, and the streams (slices of the feature vector) are independent. Per
/// frame, stream f and codebook c, only the <see cref="TopN"/> best Gaussians count; a Gaussian's score is floored at
/// <see cref="ScoreFloor"/> nats below the stream's best Gaussian over all codebooks:
/// <code>
/// g(c,f,k) = log N(x_f; μ(c,f,k), diag σ²(c,f,k))         best_f = max over c, k of g(c,f,k)
/// log p(x | s) = Σ_f [ best_f + log Σ over k in top(c(s),f) of w(s,f,k) · exp(max(g(c(s),f,k) − best_f, −ScoreFloor)) ]
/// </code>
/// Mixture weights below <see cref="MinimumLogWeight"/> (in log) count as that value, zero weights as zero.
/// </summary>
/// <remarks>
/// The engines evaluate a frame in three steps, each a definition of <c>Hmm.Engine.Definitions</c>: the Gaussians of
/// every codebook and stream with lanes over components (<c>CodebookScores</c>), the top N per codebook and stream
/// (<c>InsertTopN</c>) with their floored shares (<c>FlooredShare</c>), then every state's weighted sums with lanes over
/// states, multiplied over the streams (<c>StreamMixture</c>), and one log per state (<c>TiedMixtureLogLikelihood</c>).
/// The product over streams stays in float range because the floor and the weight clamp bound each stream's sum from
/// below by e^−(ScoreFloor − MinimumLogWeight) (the constructor checks that the streams together stay above e^−80).
/// </remarks>
public sealed class TiedMixtureEmissions : EmissionModel
{
    /// <summary>How far below e^0 the product over streams may go (float32's smallest normal is about e^−87.3).</summary>
    private const double ProductRange = 80;

    private readonly float[] _means;      // [codebook][stream][component][stream dims], as given
    private readonly float[] _variances;  // same layout
    private readonly float[] _logWeights; // [stream][component][state]
    private readonly int[] _stateCodebooks;
    private readonly int[] _streamDimensions;
    private readonly int[] _streamOffsets;

    /// <summary>Creates the model.</summary>
    /// <param name="streamDimensions">The dimensions of each stream; the feature vector is the streams one after another.</param>
    /// <param name="codebookCount">Codebooks C.</param>
    /// <param name="componentCount">Gaussians per codebook and stream K.</param>
    /// <param name="means">Means, <c>[codebook][stream][component][stream dimension]</c> flat (C · K · D values).</param>
    /// <param name="variances">Diagonal variances in the same layout, positive.</param>
    /// <param name="stateCodebooks">The codebook each state reads (its length is the state count).</param>
    /// <param name="logWeights">Natural-log mixture weights, <c>[stream][component][state]</c> flat; −infinity for a zero weight.</param>
    /// <param name="topN">Gaussians per codebook and stream that count (1 to K).</param>
    /// <param name="scoreFloor">Nats below the stream's best Gaussian at which a Gaussian's score is floored (positive, finite).</param>
    /// <exception cref="ArgumentException">A shape, value or setting is out of range (the message names which).</exception>
    public TiedMixtureEmissions(int[] streamDimensions, int codebookCount, int componentCount, float[] means, float[] variances,
        int[] stateCodebooks, float[] logWeights, int topN, float scoreFloor)
        : base(Check(stateCodebooks, codebookCount), Dimension(streamDimensions))
    {
        Guard.NotNull(means, nameof(means));
        Guard.NotNull(variances, nameof(variances));
        Guard.NotNull(logWeights, nameof(logWeights));
        Guard.Positive(componentCount, nameof(componentCount));
        int f = streamDimensions.Length, d = FeatureDimension, s = StateCount;
        if (means.Length != (long)codebookCount * componentCount * d)
            throw new ArgumentException($"means holds {means.Length} values; {codebookCount} codebooks x {componentCount} components x {d} dimensions need {(long)codebookCount * componentCount * d}.", nameof(means));
        if (variances.Length != means.Length)
            throw new ArgumentException($"variances holds {variances.Length} values; it must match means ({means.Length}).", nameof(variances));
        if (logWeights.Length != (long)f * componentCount * s)
            throw new ArgumentException($"logWeights holds {logWeights.Length} values; {f} streams x {componentCount} components x {s} states need {(long)f * componentCount * s}.", nameof(logWeights));
        if (topN < 1 || topN > componentCount)
            throw new ArgumentOutOfRangeException(nameof(topN), topN, $"topN must be in [1, {componentCount}] (the components per codebook).");
        if (!(scoreFloor > 0) || scoreFloor >= ProductRange / f)
            throw new ArgumentOutOfRangeException(nameof(scoreFloor), scoreFloor, $"scoreFloor must be positive and below {ProductRange / f:0.##} nats ({ProductRange} over {f} streams), so the product over streams stays in float range.");
        for (int i = 0; i < means.Length; i++)
        {
            if (!Guard.IsFinite(means[i])) throw new ArgumentException($"means[{i}] = {means[i]} is not finite.", nameof(means));
            float v = variances[i];
            if (!(v >= 1e-30f) || float.IsInfinity(v)) throw new ArgumentException($"variances[{i}] = {v}; variances must be at least 1e-30 and finite.", nameof(variances));
        }
        for (int i = 0; i < logWeights.Length; i++)
        {
            float w = logWeights[i];
            if (float.IsNaN(w) || w > 1e-4f) throw new ArgumentException($"logWeights[{i}] = {w} is not the log of a probability.", nameof(logWeights));
        }
        _streamDimensions = (int[])streamDimensions.Clone();
        _streamOffsets = new int[f];
        for (int i = 1; i < f; i++) _streamOffsets[i] = _streamOffsets[i - 1] + _streamDimensions[i - 1];
        _means = means;
        _variances = variances;
        _logWeights = logWeights;
        _stateCodebooks = (int[])stateCodebooks.Clone();
        CodebookCount = codebookCount;
        ComponentCount = componentCount;
        TopN = topN;
        ScoreFloor = scoreFloor;
        MinimumLogWeight = -(float)(ProductRange / f - scoreFloor);
        Tables = new TiedMixtureTables(this);
    }

    /// <summary>Codebooks C.</summary>
    public int CodebookCount { get; }

    /// <summary>Gaussians per codebook and stream K.</summary>
    public int ComponentCount { get; }

    /// <summary>Gaussians per codebook and stream that count for a frame.</summary>
    public int TopN { get; }

    /// <summary>Nats below the stream's best Gaussian at which scores are floored.</summary>
    public float ScoreFloor { get; }

    /// <summary>The smallest log mixture weight used; smaller non-zero weights count as this.</summary>
    public float MinimumLogWeight { get; }

    /// <summary>Streams F.</summary>
    public int StreamCount => _streamDimensions.Length;

    /// <summary>The dimensions of stream <paramref name="stream"/>.</summary>
    public int StreamDimension(int stream) => _streamDimensions[stream];

    /// <summary>The first feature index of stream <paramref name="stream"/>.</summary>
    public int StreamOffset(int stream) => _streamOffsets[stream];

    /// <summary>The codebook state <paramref name="state"/> reads.</summary>
    public int Codebook(int state) => _stateCodebooks[state];

    /// <summary>Mean of Gaussian <paramref name="component"/> of a codebook and stream along dimension <paramref name="dimension"/> of the stream.</summary>
    public float Mean(int codebook, int stream, int component, int dimension) => _means[Index(codebook, stream, component, dimension)];

    /// <summary>Variance in the same place as <see cref="Mean"/>.</summary>
    public float Variance(int codebook, int stream, int component, int dimension) => _variances[Index(codebook, stream, component, dimension)];

    /// <summary>Natural-log mixture weight of Gaussian <paramref name="component"/> for state <paramref name="state"/> in stream <paramref name="stream"/> (as given).</summary>
    public float LogWeight(int stream, int component, int state) => _logWeights[((long)stream * ComponentCount + component) * StateCount + state];

    internal TiedMixtureTables Tables { get; }

    private int Index(int codebook, int stream, int component, int dimension) =>
        ((codebook * ComponentCount) * FeatureDimension) + _streamOffsets[stream] * ComponentCount + component * _streamDimensions[stream] + dimension;

    /// <inheritdoc/>
    /// <remarks>
    /// The Gaussians are shared (every codebook is still evaluated, since each stream's floor is relative to its best
    /// Gaussian over all codebooks); only the listed states' weighted sums are computed, which is most of the work when a
    /// decoder needs a few hundred of thousands of states.
    /// </remarks>
    public override EmissionModel Subset(ReadOnlySpan<int> states)
    {
        if (states.Length == 0) throw new ArgumentException("states is empty: a subset needs at least one state.", nameof(states));
        var codebooks = new int[states.Length];
        int f = StreamCount, k = ComponentCount, n = states.Length;
        var logWeights = new float[f * k * n];
        for (int i = 0; i < n; i++)
        {
            int s = states[i];
            if ((uint)s >= (uint)StateCount) throw new ArgumentException($"states[{i}] = {s} is outside [0, {StateCount}).", nameof(states));
            codebooks[i] = _stateCodebooks[s];
            for (int st = 0; st < f; st++)
                for (int m = 0; m < k; m++) logWeights[(st * k + m) * n + i] = LogWeight(st, m, s);
        }
        return new TiedMixtureEmissions(this, codebooks, logWeights);
    }

    /// <summary>A subset of <paramref name="source"/>'s states (already checked): its Gaussians and their tables are shared.</summary>
    private TiedMixtureEmissions(TiedMixtureEmissions source, int[] stateCodebooks, float[] logWeights)
        : base(stateCodebooks.Length, source.FeatureDimension)
    {
        _streamDimensions = source._streamDimensions;
        _streamOffsets = source._streamOffsets;
        _means = source._means;
        _variances = source._variances;
        _logWeights = logWeights;
        _stateCodebooks = stateCodebooks;
        CodebookCount = source.CodebookCount;
        ComponentCount = source.ComponentCount;
        TopN = source.TopN;
        ScoreFloor = source.ScoreFloor;
        MinimumLogWeight = source.MinimumLogWeight;
        Tables = new TiedMixtureTables(this, source.Tables);
    }

    /// <inheritdoc/>
    /// <remarks>The float64 reference of the engines: every Gaussian of every codebook, exact top-N, exact exponentials.</remarks>
    public override double LogLikelihood(ReadOnlySpan<float> frame, int state)
    {
        if (frame.Length != FeatureDimension) throw new ArgumentException($"frame has {frame.Length} values, expected {FeatureDimension}.", nameof(frame));
        if ((uint)state >= (uint)StateCount) throw new ArgumentOutOfRangeException(nameof(state));
        int cs = _stateCodebooks[state], k = ComponentCount;
        double total = 0;
        var scores = new double[k];
        for (int f = 0; f < StreamCount; f++)
        {
            double best = double.NegativeInfinity;
            for (int c = 0; c < CodebookCount; c++)
            {
                for (int m = 0; m < k; m++)
                {
                    double g = GaussianLog(frame, c, f, m);
                    if (g > best) best = g;
                    if (c == cs) scores[m] = g;
                }
            }
            var order = new List<int>(k);
            for (int m = 0; m < k; m++) order.Add(m);
            order.Sort((a, b) => scores[b] != scores[a] ? scores[b].CompareTo(scores[a]) : a.CompareTo(b));
            double sum = 0;
            for (int n = 0; n < TopN; n++)
            {
                int m = order[n];
                double lw = LogWeight(f, m, state);
                double w = double.IsNegativeInfinity(lw) ? 0 : Math.Exp(Math.Max(lw, MinimumLogWeight));
                sum += w * Math.Exp(Math.Max(scores[m] - best, -ScoreFloor));
            }
            total += best + Math.Log(sum);
        }
        return total;
    }

    private double GaussianLog(ReadOnlySpan<float> frame, int codebook, int stream, int component)
    {
        int o = _streamOffsets[stream], dims = _streamDimensions[stream];
        int at = Index(codebook, stream, component, 0);
        double g = 0;
        for (int j = 0; j < dims; j++)
        {
            double v = _variances[at + j], diff = frame[o + j] - _means[at + j];
            g -= 0.5 * (Math.Log(2 * Math.PI * v) + diff * diff / v);
        }
        return g;
    }

    private static int Check(int[] stateCodebooks, int codebookCount)
    {
        Guard.NotNull(stateCodebooks, nameof(stateCodebooks));
        Guard.Positive(codebookCount, nameof(codebookCount));
        if (stateCodebooks.Length == 0) throw new ArgumentException("stateCodebooks is empty: the model needs at least one state.", nameof(stateCodebooks));
        for (int s = 0; s < stateCodebooks.Length; s++)
            if ((uint)stateCodebooks[s] >= (uint)codebookCount)
                throw new ArgumentException($"state {s} reads codebook {stateCodebooks[s]}, outside [0, {codebookCount}).", nameof(stateCodebooks));
        return stateCodebooks.Length;
    }

    private static int Dimension(int[] streamDimensions)
    {
        Guard.NotNull(streamDimensions, nameof(streamDimensions));
        if (streamDimensions.Length == 0) throw new ArgumentException("streamDimensions is empty: the model needs at least one stream.", nameof(streamDimensions));
        int d = 0;
        foreach (int n in streamDimensions)
        {
            if (n < 1) throw new ArgumentException($"a stream has {n} dimensions; each needs at least 1.", nameof(streamDimensions));
            d += n;
        }
        return d;
    }
}

using System;
using Hmm.Engine;
using Hmm.Simd;

namespace Hmm.Primitives;

/// <summary>
/// One frame's contribution to a Gaussian mixture's occupancy statistics: the state occupancy split over the state's
/// components by their posterior responsibilities (<see cref="Definitions.ComponentLogDensity{TM, TR}"/>,
/// <see cref="Definitions.ComponentShare{TL}"/>, <see cref="Definitions.Responsibility"/>), in float32 as the CUDA
/// statistics kernel computes it. The tables are flat and state-major: component c of state s is <c>s·K + c</c>.
/// </summary>
public sealed class GmmFrameStatistics
{
    private readonly float[] _constants;
    private readonly float[] _means;
    private readonly float[] _inverseVariances;

    /// <summary>
    /// Tables of <paramref name="states"/> states with <paramref name="components"/> components each over
    /// <paramref name="dimension"/> features: <paramref name="constants"/> [N·K] (<see cref="Definitions.ComponentConstant"/>,
    /// −infinity for a padding component), <paramref name="means"/> and <paramref name="inverseVariances"/> [N·K·D].
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive or an array's length disagrees with the sizes.</exception>
    public GmmFrameStatistics(int states, int components, int dimension, float[] constants, float[] means, float[] inverseVariances)
    {
        Guard.Positive(states, nameof(states));
        Guard.Positive(components, nameof(components));
        Guard.Positive(dimension, nameof(dimension));
        Guard.NotNull(constants, nameof(constants));
        Guard.NotNull(means, nameof(means));
        Guard.NotNull(inverseVariances, nameof(inverseVariances));
        long count = (long)states * components;
        if (constants.Length != count)
            throw new ArgumentException($"constants holds {constants.Length} values but {states} states x {components} components need {count}.", nameof(constants));
        if (means.Length != count * dimension)
            throw new ArgumentException($"means holds {means.Length} values but {count} components x {dimension} dimensions need {count * dimension}.", nameof(means));
        if (inverseVariances.Length != count * dimension)
            throw new ArgumentException($"inverseVariances holds {inverseVariances.Length} values but {count} components x {dimension} dimensions need {count * dimension}.", nameof(inverseVariances));
        States = states;
        Components = components;
        Dimension = dimension;
        _constants = constants;
        _means = means;
        _inverseVariances = inverseVariances;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<GaussianMixtureEmissions, GmmFrameStatistics> Cache = new();

    /// <summary>The statistics of <paramref name="model"/> (made once per model object and kept while it lives).</summary>
    public static GmmFrameStatistics For(GaussianMixtureEmissions model)
    {
        Guard.NotNull(model, nameof(model));
        return Cache.GetValue(model, m =>
        {
            var (constants, inverseVariances) = m.Tables.ComponentTerms();
            return new GmmFrameStatistics(m.StateCount, m.ComponentCount, m.FeatureDimension, constants, m.MeanArray, inverseVariances);
        });
    }

    /// <summary>States N.</summary>
    public int States { get; }

    /// <summary>Components per state K.</summary>
    public int Components { get; }

    /// <summary>Feature dimension D.</summary>
    public int Dimension { get; }

    /// <summary>Per component: <c>log w − ½ (D log 2π + Σ log σ²)</c>, state-major (−infinity for a zero weight).</summary>
    public ReadOnlySpan<float> Constants => _constants;

    /// <summary>Per component and dimension: the mean, state-major.</summary>
    public ReadOnlySpan<float> Means => _means;

    /// <summary>Per component and dimension: 1 / variance, state-major.</summary>
    public ReadOnlySpan<float> InverseVariances => _inverseVariances;

    /// <summary>
    /// The share of each of <paramref name="state"/>'s components in frame <paramref name="x"/> (D values) with state
    /// occupancy <paramref name="gamma"/>: gamma times the component's responsibility, into <paramref name="shares"/> (K values).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="state"/> is not a state of the tables.</exception>
    /// <exception cref="ArgumentException"><paramref name="x"/> or <paramref name="shares"/> is too short.</exception>
    public unsafe void Shares(int state, float gamma, ReadOnlySpan<float> x, Span<float> shares)
    {
        int k = Components, d = Dimension;
        if ((uint)state >= (uint)States) throw new ArgumentOutOfRangeException(nameof(state), state, $"The tables have {States} states.");
        if (x.Length < d) throw new ArgumentException($"The frame holds {x.Length} values but the model has {d} dimensions.", nameof(x));
        if (shares.Length < k) throw new ArgumentException($"shares holds {shares.Length} values but a state has {k} components.", nameof(shares));
        fixed (float* features = x)
        fixed (float* constants = _constants)
        fixed (float* means = _means)
        fixed (float* inverseVariances = _inverseVariances)
        {
            var dimensions = new ColumnSlice(0, d, 1);
            float max = float.NegativeInfinity;
            for (int c = 0; c < k; c++)
            {
                shares[c] = Definitions.ComponentLogDensity(new CpuMemory(constants), new CpuMemory(features), new CpuMemory(means),
                    new CpuMemory(inverseVariances), state * k + c, d, dimensions, default(WholeColumn));
                max = Math.Max(max, shares[c]);
            }
            float total = 0f;
            for (int c = 0; c < k; c++)
            {
                shares[c] = Definitions.ComponentShare<LaneScalar>(shares[c], max);
                total += shares[c];
            }
            for (int c = 0; c < k; c++) shares[c] = Definitions.Responsibility(gamma, shares[c], total);
        }
    }

    /// <summary>
    /// Adds frame <paramref name="x"/> with state occupancy <paramref name="gamma"/> to the sums of <paramref name="state"/>'s
    /// components: <paramref name="occupancy"/> [N·K], <paramref name="sums"/> [N·K·D]; shares below
    /// <paramref name="componentThreshold"/> add nothing (<see cref="Definitions.ShareCounts"/>). <paramref name="scratch"/>
    /// holds K floats.
    /// </summary>
    public void Add(int state, float gamma, ReadOnlySpan<float> x, float componentThreshold, Span<double> occupancy, Span<double> sums, Span<float> scratch)
    {
        int k = Components, d = Dimension;
        Shares(state, gamma, x, scratch);
        for (int c = 0; c < k; c++)
        {
            float r = scratch[c];
            if (!Definitions.ShareCounts(r, componentThreshold)) continue;
            int idx = state * k + c;
            occupancy[idx] += r;
            var sum = sums.Slice(idx * d, d);
            for (int e = 0; e < d; e++) sum[e] += r * x[e];
        }
    }
}

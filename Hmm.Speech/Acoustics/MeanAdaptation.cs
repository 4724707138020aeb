using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Hmm.Primitives;

namespace Hmm.Speech;

/// <summary>
/// Maximum a posteriori adaptation of the component means to the audio being aligned (Gauvain and Lee 1994):
/// <c>mu = (tau mu0 + sum gamma x) / (tau + sum gamma)</c>, where gamma are the component occupancies from
/// forward-backward over the utterances' own transcripts. Components with little data stay near the trained
/// model (the prior); well-observed ones move to the new voice or channel. Weights, variances and transitions
/// are kept.
/// </summary>
internal sealed class MeanAdaptation
{
    private readonly AcousticModel _prior;
    private readonly int _d;
    private readonly int[] _offset;       // first component of each state in the flat arrays
    private readonly double[] _occupancy; // per component
    private readonly double[] _sums;      // per component x D

    public MeanAdaptation(AcousticModel prior, AcousticModel current)
    {
        _prior = prior;
        _d = prior.FrontEnd.FeatureDimension;
        _offset = new int[prior.StateCount + 1];
        for (int s = 0; s < prior.StateCount; s++) _offset[s + 1] = _offset[s] + prior.ComponentCount(s);
        _occupancy = new double[_offset[prior.StateCount]];
        _sums = new double[_occupancy.Length * _d];
        Current = current;
    }

    /// <summary>
    /// Adds statistics gathered by an alignment backend (<see cref="IAlignmentBackend"/>) under
    /// <see cref="Current"/>'s emissions: component c of state s (padded layout s * K + c) feeds this model's component
    /// c of s; padding components have weight 0 and hold nothing.
    /// </summary>
    public void AddStatistics(GmmStatistics statistics, int maxDegreeOfParallelism = 1)
    {
        int k = statistics.Components;
        Parallel.For(0, _prior.StateCount, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, s =>
        {
            for (int c = 0; c < _prior.ComponentCount(s); c++)
            {
                int from = s * k + c, to = _offset[s] + c;
                _occupancy[to] += statistics.Occupancy[from];
                for (int e = 0; e < _d; e++) _sums[to * _d + e] += statistics.FirstMoments[from * _d + e];
            }
        });
    }

    /// <summary>The model whose posteriors are being accumulated.</summary>
    public AcousticModel Current { get; }

    /// <summary>
    /// Adds frame x with state occupancy gamma, split over the state's components by their responsibilities under
    /// <see cref="Current"/> (<see cref="GmmFrameStatistics.Shares"/>); shares below the default component threshold add nothing.
    /// </summary>
    public void Add(int state, float gamma, ReadOnlySpan<float> x)
    {
        var frame = GmmFrameStatistics.For(Current.Emissions);
        int k = Current.Emissions.ComponentCount;
        Span<float> shares = k <= 64 ? stackalloc float[k] : new float[k];
        frame.Shares(state, gamma, x, shares);
        float threshold = StatisticsThresholds.Default.ComponentThreshold;
        for (int c = 0; c < Current.ComponentCount(state); c++)
        {
            float r = shares[c];
            if (!Engine.Definitions.ShareCounts(r, threshold)) continue;
            int idx = _offset[state] + c;
            _occupancy[idx] += r;
            for (int e = 0; e < _d; e++) _sums[idx * _d + e] += r * x[e];
        }
    }

    /// <summary>
    /// The MLLR transforms (<see cref="Mllr.Estimate"/>) of the prior's means from the statistics gathered so far, one
    /// per regression class, and the class of every state.
    /// </summary>
    public (double[][] Transforms, int[] ClassOfState) Transforms(MllrRegression mode, double ridge)
    {
        var (classes, count) = Mllr.Classes(_prior, mode);
        return (Mllr.Estimate(_prior, _offset, _occupancy, _sums, classes, count, ridge, 20.0 * (_d + 1)), classes);
    }

    /// <summary>The prior model with MAP-updated means (prior weight <paramref name="tau"/> frames).</summary>
    public AcousticModel Adapted(double tau) => Adapted(tau, MllrRegression.None, 0, map: true);

    /// <summary>
    /// The prior model with adapted means: first the MLLR transform of <paramref name="mllr"/> (ridge
    /// <paramref name="ridge"/>) if any, then, when <paramref name="map"/>, a MAP update whose prior is the transformed
    /// model (weight <paramref name="tau"/> frames).
    /// </summary>
    public AcousticModel Adapted(double tau, MllrRegression mllr, double ridge, bool map, int maxDegreeOfParallelism = 1)
    {
        int states = _prior.StateCount;
        var means = new float[states][];
        double[][]? transforms = null;
        int[]? classOf = null;
        if (mllr != MllrRegression.None) (transforms, classOf) = Transforms(mllr, ridge);
        // States are independent; each writes only its own means.
        Parallel.For(0, states, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, s =>
        {
            int k = _prior.ComponentCount(s);
            means[s] = _prior.Means(s).ToArray();
            if (transforms is not null)
                for (int c = 0; c < k; c++) Mllr.Apply(transforms[classOf![s]], means[s].AsSpan(c * _d, _d));
            if (!map) return;
            for (int c = 0; c < k; c++)
            {
                int idx = _offset[s] + c;
                double occ = _occupancy[idx];
                if (occ <= 0) continue;
                for (int e = 0; e < _d; e++)
                    means[s][c * _d + e] = (float)((tau * means[s][c * _d + e] + _sums[idx * _d + e]) / (tau + occ));
            }
        });
        // Only the means change: the prior's weights, variances, self-loops and tables carry over unvalidated.
        return _prior.WithMeans(means);
    }
}

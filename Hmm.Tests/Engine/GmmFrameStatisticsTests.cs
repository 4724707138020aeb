using System;
using System.Linq;
using Hmm.Primitives;
using Xunit;

namespace Hmm.Tests.Engine;

/// <summary>
/// The one definition of a frame's split over a state's components (<see cref="GmmFrameStatistics"/>, float32, which
/// the host backend, the trainer, mean adaptation and the CUDA statistics kernel share) against plain float64 arithmetic.
/// </summary>
public class GmmFrameStatisticsTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(3, 4)]
    [InlineData(4, 7)]
    public void Shares_match_float64_and_sum_to_the_state_occupancy(int seed, int components)
    {
        var model = Hmm.Tests.Alignment.TestModels.Random(seed, components).Emissions;
        var frame = GmmFrameStatistics.For(model);
        var random = new Random(seed);
        int k = model.ComponentCount, d = model.FeatureDimension;
        var x = new float[d];
        var shares = new float[k];
        for (int trial = 0; trial < 200; trial++)
        {
            int s = random.Next(model.StateCount);
            float gamma = (float)random.NextDouble();
            // Frames near one of the state's components, and some far from all (densities that underflow float).
            int near = random.Next(k);
            double spread = trial % 5 == 0 ? 40 : 1;
            for (int e = 0; e < d; e++) x[e] = model.Mean(s, near, e) + (float)(spread * Math.Sqrt(model.Variance(s, near, e)) * (random.NextDouble() * 2 - 1));
            frame.Shares(s, gamma, x, shares);
            var expected = Float64Shares(model, s, gamma, x);
            for (int c = 0; c < k; c++)
                Assert.True(Math.Abs(expected[c] - shares[c]) <= Tolerances.ComponentShare * gamma,
                    $"state {s} component {c} (trial {trial}): float64 {expected[c]:G9}, got {shares[c]:G9}");
            Assert.True(Math.Abs(shares.Sum() - gamma) <= Tolerances.ComponentShare * gamma, $"trial {trial}: shares sum to {shares.Sum()}, gamma {gamma}");
        }
    }

    [Fact]
    public void Padding_components_take_no_share_and_bad_arguments_are_named()
    {
        // Two states over one dimension: state 0 has one real component and one padding component (constant -infinity).
        var frame = new GmmFrameStatistics(2, 2, 1, new[] { -1f, float.NegativeInfinity, -1f, -2f }, new[] { 0f, 0f, 1f, -1f }, new[] { 1f, 1f, 1f, 1f });
        var shares = new float[2];
        frame.Shares(0, 0.5f, new[] { 3f }, shares);
        Assert.Equal(0.5f, shares[0]);
        Assert.Equal(0f, shares[1]);
        Assert.Contains("constants", Assert.Throws<ArgumentException>(() => new GmmFrameStatistics(2, 2, 1, new float[3], new float[4], new float[4])).Message);
        Assert.Equal("state", Assert.Throws<ArgumentOutOfRangeException>(() => frame.Shares(2, 1f, new[] { 0f }, shares)).ParamName);
        Assert.Equal("shares", Assert.Throws<ArgumentException>(() => frame.Shares(0, 1f, new[] { 0f }, new float[1])).ParamName);
    }

    private static double[] Float64Shares(GaussianMixtureEmissions model, int s, float gamma, float[] x)
    {
        int k = model.ComponentCount, d = model.FeatureDimension;
        var logs = new double[k];
        for (int c = 0; c < k; c++)
        {
            double w = model.Weight(s, c);
            if (w == 0) { logs[c] = double.NegativeInfinity; continue; }
            double a = Math.Log(w);
            for (int e = 0; e < d; e++)
            {
                double v = model.Variance(s, c, e), diff = (double)x[e] - model.Mean(s, c, e);
                a -= 0.5 * (Math.Log(2 * Math.PI * v) + diff * diff / v);
            }
            logs[c] = a;
        }
        double max = logs.Max(), total = logs.Sum(a => Math.Exp(a - max));
        return logs.Select(a => gamma * Math.Exp(a - max) / total).ToArray();
    }
}

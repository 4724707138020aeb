using System;

namespace Hmm.Testing;

/// <summary>Draws state paths and feature frames from a model: synthetic data with a known truth, for demos and tests.</summary>
public static class HmmSampler
{
    /// <summary>
    /// Samples <paramref name="length"/> frames from <paramref name="model"/> with Gaussian-mixture emissions into
    /// <paramref name="features"/> (<c>length × D</c>) and the hidden states into <paramref name="states"/>.
    /// </summary>
    public static void Sample(HmmModel model, GaussianMixtureEmissions emissions, Random random, Span<int> states, Span<float> features)
    {
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(emissions, nameof(emissions));
        Guard.NotNull(random, nameof(random));
        if (emissions.StateCount != model.StateCount)
            throw new ArgumentException($"emissions have {emissions.StateCount} states but the model has {model.StateCount}.", nameof(emissions));
        int d = emissions.FeatureDimension;
        if (features.Length != states.Length * d)
            throw new ArgumentException($"features must hold states.Length × {d} = {states.Length * d} floats, not {features.Length}.", nameof(features));
        int n = model.StateCount;
        int state = -1;
        for (int t = 0; t < states.Length; t++)
        {
            state = t == 0 ? Draw(random, n, j => model.LogInitial[j]) : Draw(random, n, j => model.Transitions.LogProbability(state, j));
            states[t] = state;
            int s = state;
            int k = Draw(random, emissions.ComponentCount, c => MathF.Log(emissions.Weight(s, c)));
            for (int e = 0; e < d; e++)
                features[t * d + e] = emissions.Mean(s, k, e) + MathF.Sqrt(emissions.Variance(s, k, e)) * Normal(random);
        }
    }

    private static int Draw(Random random, int count, Func<int, float> logProbability)
    {
        double u = random.NextDouble(), cumulative = 0;
        int last = 0;
        for (int i = 0; i < count; i++)
        {
            double p = Math.Exp(logProbability(i));
            if (p <= 0) continue;
            last = i;
            cumulative += p;
            if (u < cumulative) return i;
        }
        return last; // rounding left u above the total: take the last possible outcome
    }

    private static float Normal(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}

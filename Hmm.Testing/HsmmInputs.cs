using System;

namespace Hmm.Testing;

/// <summary>Seeded HSMM inputs at the anchor shapes, shared by the BenchmarkDotNet class and the GPU harness.</summary>
public static class HsmmInputs
{
    /// <summary>
    /// An ergodic model of <paramref name="states"/> states (no self-transitions, random rows) with gamma durations up to
    /// <paramref name="maxDuration"/> frames (means between a quarter and three quarters of D), and a batch of
    /// <paramref name="batch"/> sequences of <paramref name="frames"/> frames of random log emissions in [-10, 0].
    /// </summary>
    public static (HsmmModel Model, EmissionBatch Emissions) Random(int batch, int frames, int states, int maxDuration, int seed)
    {
        var rng = new System.Random(seed);
        var initial = new float[states];
        var a = new float[states, states];
        var rows = new double[states][];
        for (int i = 0; i < states; i++)
        {
            initial[i] = (float)Math.Log(1.0 / states);
            double sum = 0;
            var p = new double[states];
            for (int j = 0; j < states; j++) sum += p[j] = states == 1 || i != j ? 0.1 + rng.NextDouble() : 0;
            for (int j = 0; j < states; j++) a[i, j] = (float)Math.Log(p[j] / sum);
            double mean = maxDuration * (0.25 + 0.5 * rng.NextDouble());
            rows[i] = DurationDistributions.Gamma(4, mean / 4, maxDuration);
        }
        var model = new HsmmModel(initial, a, DurationDistributions.ToLogTable(rows));
        var emissions = new EmissionBatch(batch, frames, states);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < frames; t++)
            {
                var row = emissions.Frame(b, t);
                for (int j = 0; j < states; j++) row[j] = (float)(-10 * rng.NextDouble());
            }
        return (model, emissions);
    }
}

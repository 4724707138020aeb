using System;

namespace Hmm.Testing;

/// <summary>
/// Seeded time-varying inputs for the benchmarks and the GPU harness: dense per-frame tables whose rows are log-softmax of
/// normal logits (scale 2), and emissions of normal log-likelihoods.
/// </summary>
public static class TimeVaryingInputs
{
    /// <summary>
    /// Dense tables [B, T, N, N] and emissions [B, T, N], all sequences T frames. The tables cycle through
    /// <paramref name="distinctFrames"/> random frames (copied, not shared: every frame has its own memory, as a network's
    /// output would), which keeps building the 4.2 GB shape to seconds.
    /// </summary>
    /// <param name="batch">B.</param>
    /// <param name="frames">T.</param>
    /// <param name="states">N.</param>
    /// <param name="seed">The random seed.</param>
    /// <param name="normalised">Whether the engines check the rows (false: the recursions alone).</param>
    /// <param name="distinctFrames">Random frames generated before cycling.</param>
    public static (TimeVaryingTransitions Transitions, EmissionBatch Emissions) Dense(int batch, int frames, int states, int seed, bool normalised = true, int distinctFrames = 97)
    {
        var rng = new Random(seed);
        var tr = TimeVaryingTransitions.Dense(batch, frames, states, normalised);
        int distinct = Math.Min(distinctFrames, batch * frames);
        var pool = new float[distinct][];
        var z = new double[states];
        for (int f = 0; f < distinct; f++)
        {
            var table = new float[tr.FrameSize];
            table.AsSpan().Fill(float.NegativeInfinity);
            for (int i = 0; i < states; i++)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int j = 0; j < states; j++) max = Math.Max(max, z[j] = 2 * Normal(rng));
                for (int j = 0; j < states; j++) sum += Math.Exp(z[j] - max);
                for (int j = 0; j < states; j++) table[i * tr.Stride + j] = (float)(z[j] - max - Math.Log(sum));
            }
            pool[f] = table;
        }
        int k = 0;
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < frames; t++, k++) pool[k % distinct].AsSpan().CopyTo(tr.Frame(b, t));
        var emissions = new EmissionBatch(batch, frames, states);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < frames; t++)
            {
                var row = emissions.Frame(b, t);
                for (int j = 0; j < states; j++) row[j] = (float)(-3 + 2 * Normal(rng));
            }
        return (tr, emissions);
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}

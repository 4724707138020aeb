using System;

namespace Hmm.Testing;

/// <summary>Seeded CTC inputs for the benchmarks and the GPU harness: torchaudio's anchor shapes with random data.</summary>
public static class CtcInputs
{
    /// <summary>Random log-softmax frames (normal logits, scale 3) and random labels 1..C-1 (blank 0), seeded.</summary>
    public static (EmissionBatch Input, CtcTargets Targets) Random(int batch, int frames, int labels, int classes, int seed)
    {
        var rng = new System.Random(seed);
        var input = new EmissionBatch(batch, frames, classes);
        var z = new double[classes];
        var targets = new int[batch][];
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < frames; t++)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int c = 0; c < classes; c++)
                {
                    z[c] = 3 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                    max = Math.Max(max, z[c]);
                }
                for (int c = 0; c < classes; c++) sum += Math.Exp(z[c] - max);
                var row = input.Frame(b, t);
                for (int c = 0; c < classes; c++) row[c] = (float)(z[c] - max - Math.Log(sum));
            }
            targets[b] = new int[labels];
            for (int k = 0; k < labels; k++) targets[b][k] = 1 + rng.Next(classes - 1);
        }
        return (input, new CtcTargets(classes, 0, targets));
    }
}

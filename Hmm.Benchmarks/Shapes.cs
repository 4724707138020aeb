using System;
using Hmm.Simd;

namespace Hmm.Benchmarks;

/// <summary>The seed library's benchmark shapes, built deterministically.</summary>
internal static class Shapes
{
    public static GaussianMixtureEmissions Gmm(int n, int k, int d, Random rng)
    {
        var w = new float[n, k];
        var mu = new float[n, k, d];
        var v = new float[n, k, d];
        for (int j = 0; j < n; j++)
            for (int c = 0; c < k; c++)
            {
                w[j, c] = 1f / k;
                for (int e = 0; e < d; e++)
                {
                    mu[j, c, e] = (float)(rng.NextDouble() * 2 - 1);
                    v[j, c, e] = (float)(0.5 + rng.NextDouble());
                }
            }
        return new GaussianMixtureEmissions(w, mu, v);
    }

    private static readonly int[] SphinxStreams = { 13, 13, 13 };

    /// <summary>
    /// A random tied-mixture model of the Debian Sphinx en-us model's shapes: 42 codebooks, streams of 13, 13, 13, 128
    /// Gaussians, 5,126 states (the first 126 three per codebook, the rest spread over them), top 4, floor 96 units (9.83 nats).
    /// </summary>
    public static TiedMixtureEmissions SphinxShapedTiedMixture(Random rng)
    {
        const int c = 42, k = 128, d = 39, states = 5126;
        var means = new float[c * k * d];
        var variances = new float[c * k * d];
        for (int i = 0; i < means.Length; i++)
        {
            means[i] = (float)(rng.NextDouble() * 4 - 2);
            variances[i] = (float)(0.3 + rng.NextDouble());
        }
        var codebooks = new int[states];
        for (int j = 0; j < states; j++) codebooks[j] = j < 3 * c ? j / 3 : rng.Next(c);
        var logWeights = new float[3 * k * states];
        for (int i = 0; i < logWeights.Length; i++) logWeights[i] = (float)(-rng.NextDouble() * 16);
        return new TiedMixtureEmissions(SphinxStreams, c, k, means, variances, codebooks, logWeights, 4, 9.83f);
    }

    public static HmmModel Ergodic(int n)
    {
        var a = new float[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) a[i, j] = n == 1 ? 1f : i == j ? 0.7f : 0.3f / (n - 1);
        return HmmModel.UniformStart(DenseTransitions.FromProbabilities(a));
    }

    public static SequenceBatch Features(int b, int t, int d, Random rng)
    {
        var f = new SequenceBatch(b, t, d);
        for (int i = 0; i < f.Data.Length; i++) f.Data[i] = (float)(rng.NextDouble() * 2 - 1);
        return f;
    }

    public static EmissionBatch Emissions(int b, int t, int n, Random rng)
    {
        var e = new EmissionBatch(b, t, n);
        for (int s = 0; s < b; s++)
            for (int u = 0; u < t; u++)
            {
                var row = e.Frame(s, u);
                for (int j = 0; j < n; j++) row[j] = (float)(-50 - 20 * rng.NextDouble());
            }
        return e;
    }

    public static readonly SimdWidth[] Widths = { SimdWidth.Vector512, SimdWidth.Vector256, SimdWidth.Vector128, SimdWidth.VectorT, SimdWidth.Scalar };
}

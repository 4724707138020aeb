using System;
using System.Linq;

namespace Hmm.Tests.Support;

/// <summary>One random test case: a model and a batch of emission log-likelihoods with mixed lengths.</summary>
public sealed record HmmCase(int States, bool Banded, int Bandwidth, int[] Lengths, int Seed)
{
    public override string ToString() =>
        $"N={States} {(Banded ? $"banded W={Bandwidth}" : "dense")} lengths=[{string.Join(",", Lengths)}] seed={Seed}";

    public HmmModel Model() => RandomModels.Model(States, Banded, Bandwidth, new Random(Seed));

    public EmissionBatch Emissions() => RandomModels.Emissions(States, Lengths, new Random(Seed + 1));
}

/// <summary>
/// Random models and batches, built from a seed so that a failing case can be replayed. Plain <see cref="Random"/> only:
/// this file is also compiled into the Mono tests (netstandard2.1), which have no CsCheck; its generators are in
/// RandomCases.cs.
/// </summary>
public static partial class RandomModels
{
    /// <summary>
    /// A case drawn from <paramref name="rng"/> as <c>Cases</c> draws one (N from 1 to <paramref name="maxStates"/>, dense or
    /// banded, 1 to <paramref name="maxBatch"/> sequences, mostly short with the occasional long one), for runners without CsCheck.
    /// </summary>
    public static HmmCase Case(Random rng, int maxStates = 70, int maxBatch = 4)
    {
        int n = rng.Next(1, maxStates + 1);
        bool banded = rng.Next(2) == 0;
        int w = rng.Next(1, 5);
        var lengths = new int[rng.Next(1, maxBatch + 1)];
        for (int b = 0; b < lengths.Length; b++) lengths[b] = rng.Next(5) == 0 ? rng.Next(0, 2001) : rng.Next(0, 61);
        return new HmmCase(n, banded, Math.Min(w, n), lengths, rng.Next(0, int.MaxValue - 2));
    }

    public static HmmModel Model(int n, bool banded, int bandwidth, Random rng)
    {
        TransitionModel transitions;
        if (banded)
        {
            var logs = new float[n, bandwidth];
            // Half of the bands of width 3 or more lose some middle offsets for every state, as an alignment graph's skip
            // over an optional pause does (offsets 0, 1 and S + 1 of S + 2): the engines read only the live rows.
            var dead = new bool[bandwidth];
            if (bandwidth >= 3 && rng.Next(2) == 0)
            {
                for (int d = 1; d < bandwidth - 1; d++) dead[d] = rng.Next(3) != 0;
            }
            for (int i = 0; i < n; i++)
            {
                int reach = Math.Min(bandwidth, n - i);
                var p = RandomDistribution(reach, rng, sparse: reach > 1);
                for (int d = 1; d < reach; d++)
                {
                    if (dead[d]) p[d] = 0f;
                }
                float sum = p.Sum();
                if (sum == 0f) p[0] = sum = 1f;
                for (int d = 0; d < bandwidth; d++) logs[i, d] = d < reach && p[d] > 0f ? MathF.Log(p[d] / sum) : float.NegativeInfinity;
            }
            transitions = BandedTransitions.FromLogProbabilities(logs);
        }
        else
        {
            var logs = new float[n, n];
            for (int i = 0; i < n; i++)
            {
                var p = RandomDistribution(n, rng, sparse: true);
                for (int j = 0; j < n; j++) logs[i, j] = MathF.Log(p[j]);
            }
            transitions = DenseTransitions.FromLogProbabilities(logs);
        }
        var init = RandomDistribution(n, rng, sparse: true).Select(p => MathF.Log(p)).ToArray();
        return new HmmModel(init, transitions);
    }

    /// <summary>A probability vector; when sparse, about a quarter of the entries are exactly zero.</summary>
    public static float[] RandomDistribution(int n, Random rng, bool sparse)
    {
        var p = new double[n];
        double sum = 0;
        int keep = rng.Next(n);
        for (int i = 0; i < n; i++)
        {
            p[i] = sparse && i != keep && rng.NextDouble() < 0.25 ? 0 : 0.05 + rng.NextDouble();
            sum += p[i];
        }
        return p.Select(v => (float)(v / sum)).ToArray();
    }

    /// <summary>
    /// Log-likelihoods shaped like real acoustic scores: per-frame offsets of tens to hundreds of nats, state
    /// spreads of up to ~100 nats, and about 2% impossible (-inf) entries.
    /// </summary>
    public static EmissionBatch Emissions(int n, int[] lengths, Random rng)
    {
        int maxLength = Math.Max(1, lengths.Max());
        var batch = new EmissionBatch(lengths.Length, maxLength, n);
        for (int b = 0; b < lengths.Length; b++)
        {
            batch.SetLength(b, lengths[b]);
            double spread = 1 + rng.NextDouble() * 30;
            for (int t = 0; t < lengths[b]; t++)
            {
                var row = batch.Frame(b, t);
                double offset = -rng.NextDouble() * 200;
                for (int j = 0; j < n; j++)
                {
                    double g = rng.NextDouble();
                    row[j] = rng.NextDouble() < 0.02 ? float.NegativeInfinity : (float)(offset - spread * g * g * 3);
                }
            }
        }
        return batch;
    }

    public static GaussianMixtureEmissions Gmm(int n, int k, int d, Random rng)
    {
        var w = new float[n, k];
        var mu = new float[n, k, d];
        var v = new float[n, k, d];
        for (int j = 0; j < n; j++)
        {
            var p = RandomDistribution(k, rng, sparse: false);
            for (int c = 0; c < k; c++)
            {
                w[j, c] = p[c];
                for (int e = 0; e < d; e++)
                {
                    mu[j, c, e] = (float)(rng.NextDouble() * 4 - 2);
                    v[j, c, e] = (float)(0.3 + rng.NextDouble() * 2);
                }
            }
        }
        return new GaussianMixtureEmissions(w, mu, v);
    }

    public static SequenceBatch Features(int d, int[] lengths, Random rng)
    {
        var batch = new SequenceBatch(lengths.Length, Math.Max(1, lengths.Max()), d);
        for (int b = 0; b < lengths.Length; b++)
        {
            batch.SetLength(b, lengths[b]);
            var s = batch.Sequence(b);
            for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 5 - 2.5);
        }
        return batch;
    }

    /// <summary>Magnitude scale of a sequence for tolerances: frames plus the sum of each frame's largest |log-likelihood|.</summary>
    public static double Magnitude(double[,] emissions)
    {
        double sum = emissions.GetLength(0);
        for (int t = 0; t < emissions.GetLength(0); t++)
        {
            double m = 0;
            for (int j = 0; j < emissions.GetLength(1); j++)
                if (!double.IsNegativeInfinity(emissions[t, j])) m = Math.Max(m, Math.Abs(emissions[t, j]));
            sum += m;
        }
        return sum;
    }
}

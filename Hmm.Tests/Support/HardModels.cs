using System;
using System.Linq;
using CsCheck;

namespace Hmm.Tests.Support;

/// <summary>
/// A dense case built to exercise the scaled log-semiring step's exact fallback: transitions spanning ~120 nats with
/// -inf entries and all -inf columns, emissions spread over more than 100 nats with -inf entries, and (N ≥ 2) a pair of
/// states a → b where a goes only to b and b is entered only from a, with "gap" frames that put a (forward) or b
/// (backward) 90+ nats below the rest of the column right before a frame where only that path survives.
/// </summary>
public sealed record HardCase(int States, int[] Lengths, int Seed, double Gap, bool CleanGaps)
{
    public override string ToString() =>
        $"N={States} lengths=[{string.Join(",", Lengths)}] seed={Seed} gap={Gap:F1} {(CleanGaps ? "clean" : "mixed")}";

    /// <summary>The constrained pair (a, b); (0, 0) when N = 1.</summary>
    public (int A, int B) Pair()
    {
        if (States == 1) return (0, 0);
        var rng = new Random(Seed + 7);
        int a = rng.Next(States);
        int b = (a + 1 + rng.Next(States - 1)) % States;
        return (a, b);
    }

    public HmmModel Model() => HardModels.Model(this, new Random(Seed));

    public EmissionBatch Emissions() => HardModels.Emissions(this, new Random(Seed + 1));
}

/// <summary>Generators and builders for <see cref="HardCase"/>.</summary>
public static class HardModels
{
    /// <summary>N from 1 to <paramref name="maxStates"/> (every tail of 4-, 8- and 16-lane registers up to 70), short sequences.</summary>
    public static Gen<HardCase> Cases(int maxStates = 70, int maxLength = 40, int maxBatch = 3) =>
        from n in Gen.Int[1, maxStates]
        from lengths in Gen.Int[1, maxLength].Array[1, maxBatch]
        from seed in Gen.Int[0, int.MaxValue - 8]
        from gap in Gen.Double[90, 140]
        from clean in Gen.Bool
        select new HardCase(n, lengths, seed, gap, clean);

    /// <summary>
    /// Dense transitions: a goes only to b and b is entered only from a; a few other columns are all -inf (unreachable
    /// states); the rest are random log-probabilities over ~120 nats with about a third -inf (or, clean, uniform).
    /// </summary>
    public static HmmModel Model(HardCase c, Random rng)
    {
        int n = c.States;
        var (a, b) = c.Pair();
        var killed = new bool[n];
        if (n > 2)
        {
            for (int j = 0; j < n; j++) killed[j] = j != a && j != b && rng.NextDouble() < 0.15;
        }
        var logs = new float[n, n];
        var row = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                bool allowed = n == 1 || (i == a ? j == b : j != b && !killed[j]);
                row[j] = !allowed ? double.NegativeInfinity
                    : c.CleanGaps ? 0.0
                    : rng.NextDouble() < 0.33 ? double.NegativeInfinity
                    : -rng.NextDouble() * 120;
            }
            if (row.All(double.IsNegativeInfinity)) row[n == 1 ? 0 : i == a ? b : a] = 0.0; // a row needs one finite entry (a is never killed)
            Normalise(row);
            for (int j = 0; j < n; j++) logs[i, j] = (float)row[j];
        }
        var init = new double[n];
        for (int j = 0; j < n; j++) init[j] = killed[j] || (n > 1 && j == b) ? double.NegativeInfinity : -rng.NextDouble() * (c.CleanGaps ? 3 : 100);
        Normalise(init);
        return new HmmModel(init.Select(v => (float)v).ToArray(), DenseTransitions.FromLogProbabilities(logs));
    }

    /// <summary>
    /// Per frame an offset in [-200, 0] and states spread over up to 150 nats (clean: 3) with 5 % -inf; then gap frames:
    /// forward (frame t: a sits Gap below the rest; frame t+1: only b may emit) and backward (frame t: only a; frame t+1:
    /// b sits Gap below the rest).
    /// </summary>
    public static EmissionBatch Emissions(HardCase c, Random rng)
    {
        int n = c.States;
        var (a, b) = c.Pair();
        int maxLength = c.Lengths.Max();
        var batch = new EmissionBatch(c.Lengths.Length, maxLength, n);
        for (int s = 0; s < c.Lengths.Length; s++)
        {
            int length = c.Lengths[s];
            batch.SetLength(s, length);
            var offsets = new double[length];
            for (int t = 0; t < length; t++)
            {
                var frame = batch.Frame(s, t);
                offsets[t] = -rng.NextDouble() * 200;
                for (int j = 0; j < n; j++)
                {
                    double g = rng.NextDouble();
                    frame[j] = !c.CleanGaps && rng.NextDouble() < 0.05 ? float.NegativeInfinity : (float)(offsets[t] - (c.CleanGaps ? 3 * g : 150 * g * g));
                }
            }
            if (n == 1) continue;
            for (int t = 0; t + 1 < length; t += 2)
            {
                double u = rng.NextDouble();
                if (u < 0.35)
                {
                    // Forward: alpha_{t+1}(b) comes only from alpha_t(a), Gap below the column.
                    batch.Frame(s, t)[a] = (float)(offsets[t] - c.Gap);
                    OnlyState(batch.Frame(s, t + 1), b, offsets[t + 1]);
                }
                else if (u < 0.7)
                {
                    // Backward: beta_t(a) comes only from e_{t+1}(b) + beta_{t+1}(b), Gap below the column.
                    OnlyState(batch.Frame(s, t), a, offsets[t]);
                    batch.Frame(s, t + 1)[b] = (float)(offsets[t + 1] - c.Gap);
                }
            }
        }
        return batch;
    }

    private static void OnlyState(Span<float> frame, int state, double value)
    {
        frame.Fill(float.NegativeInfinity);
        frame[state] = (float)value;
    }

    private static void Normalise(double[] logs)
    {
        double max = logs.Max();
        double sum = logs.Sum(v => Math.Exp(v - max));
        double lse = max + Math.Log(sum);
        for (int i = 0; i < logs.Length; i++) logs[i] -= lse;
    }
}

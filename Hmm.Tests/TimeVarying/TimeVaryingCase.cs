using System;
using System.Linq;
using CsCheck;
using Hmm.Testing;

namespace Hmm.Tests.TimeVarying;

/// <summary>
/// A random time-varying case: states, per-sequence lengths (variable in a batch), dense or banded tables, the share of
/// impossible transitions, whether some emissions are -infinity, whether each sequence has its own initial distribution,
/// and a seed. Rows are log-softmax of Gaussian logits over their possible entries (so they are stochastic); frame 0's
/// table holds finite garbage (the engines must never read it).
/// </summary>
public sealed record TimeVaryingCase(int States, int[] Lengths, bool Banded, int Bandwidth, double Sparsity, bool HardEmissions, bool PerSequenceInitial, int Seed)
{
    public int MaxLength => Math.Max(1, Lengths.Max());

    public TimeVaryingTransitions Transitions()
    {
        var rng = new Random(Seed);
        int n = States, batch = Lengths.Length;
        var tr = Banded ? TimeVaryingTransitions.Banded(batch, MaxLength, n, Bandwidth) : TimeVaryingTransitions.Dense(batch, MaxLength, n);
        var logits = new double[n];
        var shared = Distribution(rng, n);
        for (int b = 0; b < batch; b++)
        {
            var init = PerSequenceInitial ? Distribution(rng, n) : shared;
            for (int i = 0; i < n; i++) tr.LogInitial(b)[i] = init[i];
            for (int t = 0; t < MaxLength; t++)
            {
                for (int i = 0; i < n; i++)
                {
                    int first = Banded ? i : 0, end = Banded ? Math.Min(n, i + Bandwidth) : n;
                    var row = Distribution(rng, end - first);
                    for (int j = first; j < end; j++)
                        tr[b, t, i, j] = t == 0 ? (float)(rng.NextDouble() * 7 - 3) : row[j - first];
                }
            }
        }
        return tr;
    }

    /// <summary>A log distribution over <paramref name="count"/> entries, some -infinity (never all).</summary>
    private float[] Distribution(Random rng, int count)
    {
        var logits = new double[count];
        int keep = rng.Next(count);
        for (int k = 0; k < count; k++)
            logits[k] = k != keep && rng.NextDouble() < Sparsity ? double.NegativeInfinity : 2.5 * Gaussian(rng);
        double lse = ReferenceTimeVarying.LogSumExp(logits);
        return logits.Select(v => (float)(v - lse)).ToArray();
    }

    public EmissionBatch Emissions()
    {
        var rng = new Random(Seed ^ 0x5bd1e995);
        var e = new EmissionBatch(Lengths.Length, MaxLength, States);
        for (int b = 0; b < Lengths.Length; b++)
        {
            e.SetLength(b, Lengths[b]);
            for (int t = 0; t < Lengths[b]; t++)
            {
                var row = e.Frame(b, t);
                for (int j = 0; j < States; j++)
                    row[j] = HardEmissions && rng.NextDouble() < 0.15 ? float.NegativeInfinity : (float)(-4 * rng.NextDouble() + 2 * Gaussian(rng));
            }
        }
        return e;
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    public override string ToString() =>
        $"N={States} lengths=[{string.Join(",", Lengths)}] {(Banded ? $"banded W={Bandwidth}" : "dense")} sparsity={Sparsity:F2} hard={HardEmissions} seed={Seed}";

    public static Gen<TimeVaryingCase> Generator(int maxStates, int maxLength, int maxBatch) =>
        from n in Gen.Int[1, maxStates]
        from count in Gen.Int[1, maxBatch]
        from lengths in Gen.Int[0, maxLength].Array[count]
        from banded in Gen.Bool
        from w in Gen.Int[1, 4]
        from sparsity in Gen.Frequency((2, Gen.Const(0.0)), (2, Gen.Double[0.1, 0.6]))
        from hard in Gen.Frequency((3, Gen.Const(false)), (1, Gen.Const(true)))
        from perSequence in Gen.Bool
        from seed in Gen.Int[0, int.MaxValue - 1]
        select new TimeVaryingCase(n, lengths, banded, Math.Min(w, n), sparsity, hard, perSequence, seed);
}

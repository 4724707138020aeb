using System;
using System.Collections.Generic;
using System.Linq;
#if !HMM_MONO
using CsCheck;
#endif
using Hmm.Engine;
using Hmm.Testing;
using Xunit;

namespace Hmm.Tests.Hsmm;

/// <summary>The topologies the random cases draw.</summary>
public enum HsmmTopology
{
    /// <summary>Any state to any other, no self-transitions, any state may end.</summary>
    Ergodic,
    /// <summary>Dense with self-transitions and final weights.</summary>
    DenseWithSelf,
    /// <summary>0 → 1 → … → N-1, ends in N-1.</summary>
    LeftToRight,
    /// <summary>Ergodic with some transitions and durations impossible and a terminal state.</summary>
    Sparse,
}

/// <summary>A random HSMM case: states, longest duration, topology, duration family, sequence lengths and a seed.</summary>
public sealed record HsmmCase(int States, int MaxDuration, HsmmTopology Topology, int Family, int[] Lengths, int Seed)
{
    public (double[] Initial, double[,] Transitions, double[,] Durations, double[] Final) Tables()
    {
        var rng = new Random(Seed);
        int n = States, d = MaxDuration;
        double ninf = double.NegativeInfinity;
        var initial = new double[n];
        var a = new double[n, n];
        var final = new double[n];
        if (Topology == HsmmTopology.LeftToRight)
        {
            for (int j = 0; j < n; j++)
            {
                initial[j] = j == 0 ? 0 : ninf;
                final[j] = j == n - 1 ? 0 : ninf;
                for (int k = 0; k < n; k++) a[j, k] = k == j + 1 ? 0 : ninf;
            }
        }
        else
        {
            bool self = Topology == HsmmTopology.DenseWithSelf || n == 1;
            LogDistribution(rng, initial, q => false);
            for (int i = 0; i < n; i++)
            {
                bool terminal = Topology == HsmmTopology.Sparse && i == n - 1 && n > 1;
                var row = new double[n];
                if (terminal) Array.Fill(row, ninf);
                else LogDistribution(rng, row, k => (!self && k == i) || (Topology == HsmmTopology.Sparse && k != i && rng.NextDouble() < 0.3));
                for (int k = 0; k < n; k++) a[i, k] = row[k];
                final[i] = Topology == HsmmTopology.Ergodic ? 0 : Math.Log(0.05 + 0.95 * rng.NextDouble());
            }
        }
        var durations = new double[n, d];
        for (int j = 0; j < n; j++)
        {
            double mean = 1 + rng.NextDouble() * (d - 1);
            double[] p = Family switch
            {
                1 => DurationDistributions.Poisson(mean, d),
                2 => DurationDistributions.Gamma(0.5 + 4 * rng.NextDouble(), mean / 2, d),
                3 => DurationDistributions.LogNormal(Math.Log(mean), 0.2 + rng.NextDouble(), d),
                _ => Nonparametric(rng, d, Topology == HsmmTopology.Sparse),
            };
            for (int k = 0; k < d; k++) durations[j, k] = Math.Log((float)p[k]);
        }
        return (initial, a, durations, final);
    }

    private static double[] Nonparametric(Random rng, int d, bool holes)
    {
        var p = new double[d];
        for (int k = 0; k < d; k++) p[k] = holes && k > 0 && rng.NextDouble() < 0.3 ? 0 : rng.NextDouble();
        double s = p.Sum();
        return p.Select(v => v / s).ToArray();
    }

    private static void LogDistribution(Random rng, double[] row, Func<int, bool> impossible)
    {
        var p = new double[row.Length];
        for (int k = 0; k < row.Length; k++) p[k] = impossible(k) ? 0 : 0.05 + rng.NextDouble();
        if (p.Sum() == 0) p[rng.Next(row.Length)] = 1;
        double s = p.Sum();
        for (int k = 0; k < row.Length; k++) row[k] = Math.Log((float)(p[k] / s));
    }

    public HsmmModel Model()
    {
        var (initial, a, durations, final) = Tables();
        return new HsmmModel(initial.Select(v => (float)v).ToArray(), ToFloat(a), ToFloat(durations), final.Select(v => (float)v).ToArray());
    }

    public double[][,] Emissions()
    {
        var rng = new Random(Seed ^ 0x5bd1e995);
        return Lengths.Select(length =>
        {
            var e = new double[length, States];
            for (int t = 0; t < length; t++)
                for (int j = 0; j < States; j++)
                    e[t, j] = rng.NextDouble() < 0.02 ? double.NegativeInfinity : (float)(-8 * rng.NextDouble() - 0.5 * (j % 3));
            return e;
        }).ToArray();
    }

    public EmissionBatch Batch(double[][,] emissions)
    {
        var batch = new EmissionBatch(emissions.Length, emissions.Max(e => e.GetLength(0)), States);
        for (int b = 0; b < emissions.Length; b++)
        {
            batch.SetLength(b, emissions[b].GetLength(0));
            for (int t = 0; t < emissions[b].GetLength(0); t++)
            {
                var row = batch.Frame(b, t);
                for (int j = 0; j < States; j++) row[j] = (float)emissions[b][t, j];
            }
        }
        return batch;
    }

    private static float[,] ToFloat(double[,] a)
    {
        var f = new float[a.GetLength(0), a.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) f[i, j] = (float)a[i, j];
        return f;
    }

    /// <summary>A case drawn from <paramref name="seed"/> within the bounds (lengths at least D, so D never exceeds the batch).</summary>
    public static HsmmCase FromSeed(int seed, int maxStates, int maxDuration, int maxLength, int maxBatch)
    {
        var rng = new Random(seed);
        int n = rng.Next(1, maxStates + 1), d = rng.Next(1, maxDuration + 1);
        var topology = (HsmmTopology)rng.Next(4);
        int family = rng.Next(4), count = rng.Next(1, maxBatch + 1);
        var lengths = new int[count];
        for (int b = 0; b < count; b++) lengths[b] = rng.Next(d, Math.Max(d, maxLength) + 1);
        return new HsmmCase(n, d, topology, family, lengths, rng.Next(0, int.MaxValue));
    }

    /// <summary>Runs <paramref name="check"/> on <paramref name="iterations"/> cases: seeds from CsCheck (its failure report names the seed), or under Mono (no CsCheck build there) from a fixed seeded Random.</summary>
    public static void ForEach(int maxStates, int maxDuration, int maxLength, int maxBatch, long iterations, Action<HsmmCase> check)
    {
#if HMM_MONO
        var rng = new Random(2026);
        for (long i = 0; i < iterations; i++) check(FromSeed(rng.Next(), maxStates, maxDuration, maxLength, maxBatch));
#else
        Gen.Int[0, int.MaxValue - 1].Sample(seed => check(FromSeed(seed, maxStates, maxDuration, maxLength, maxBatch)), iter: iterations, threads: 1);
#endif
    }
}

/// <summary>
/// The explicit-duration HMM against the float64 <see cref="ReferenceHsmm"/> on random shapes, topologies, duration
/// families and batches of variable lengths; each engine (SIMD width, ILGPU's CPU accelerator, CUDA) is a thin subclass.
/// </summary>
public abstract class HsmmSuite
{
    /// <summary>The engine under test.</summary>
    protected abstract IHsmmEngine Engine { get; }

    protected virtual long Iterations => 40;
    protected virtual int MaxStates => 6;
    protected virtual int MaxDuration => 20;
    protected virtual int MaxLength => 60;
    protected virtual int MaxBatch => 3;

    /// <summary>Magnitude the float32 roundings of a sequence scale with: its frames plus Σ_t max_j |e_t(j)|.</summary>
    private static double Magnitude(double[,] e)
    {
        double m = e.GetLength(0);
        for (int t = 0; t < e.GetLength(0); t++)
        {
            double top = 0;
            for (int j = 0; j < e.GetLength(1); j++) if (!double.IsInfinity(e[t, j])) top = Math.Max(top, Math.Abs(e[t, j]));
            m += top;
        }
        return m;
    }

    private static void CloseLog(double expected, double actual, double magnitude, string what)
    {
        if (double.IsNegativeInfinity(expected))
        {
            Assert.True(double.IsNegativeInfinity(actual), $"{what}: expected -infinity, got {actual}");
            return;
        }
        double tolerance = Tolerances.LogAbsolute + Tolerances.LogRelative * magnitude * 4; // D-term windows: a few more roundings a frame
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected}, got {actual} (tolerance {tolerance:G3})");
    }

    private static (HsmmModel Model, double[][,] E, EmissionBatch Batch, ReferenceHsmm.Result[] Expected) Prepare(HsmmCase c)
    {
        var (initial, a, durations, final) = c.Tables();
        var e = c.Emissions();
        var expected = e.Select(x => ReferenceHsmm.Run(initial, a, durations, final, x)).ToArray();
        return (c.Model(), e, c.Batch(e), expected);
    }

    private static bool Coverable(HsmmModel model, HsmmCase c) => c.Lengths.All(model.CanCover);

    [Fact]
    public void Forward_and_backward_match_the_float64_reference()
    {
        int finite = 0;
        HsmmCase.ForEach(MaxStates, MaxDuration, MaxLength, MaxBatch, Iterations, c =>
        {
            var (model, e, batch, expected) = Prepare(c);
            if (!Coverable(model, c)) return;
            var forward = new double[c.Lengths.Length];
            var backward = new double[c.Lengths.Length];
            Engine.Forward(model, batch, forward);
            Engine.Backward(model, batch, backward);
            for (int b = 0; b < forward.Length; b++)
            {
                double m = Magnitude(e[b]);
                CloseLog(expected[b].LogLikelihood, forward[b], m, $"{c} sequence {b} forward");
                CloseLog(expected[b].LogLikelihood, backward[b], m, $"{c} sequence {b} backward");
                if (!double.IsNegativeInfinity(forward[b])) finite++;
            }
        });
        Assert.True(finite > Iterations / 2, $"only {finite} finite sequences: the generator makes too many impossible cases");
    }

    [Fact]
    public void Posteriors_match_the_float64_reference()
    {
        HsmmCase.ForEach(MaxStates, MaxDuration, MaxLength, MaxBatch, Iterations, c =>
        {
            var (model, e, batch, expected) = Prepare(c);
            if (!Coverable(model, c)) return;
            var result = new HsmmPosteriors(batch.BatchSize, batch.MaxLength, c.States, c.MaxDuration);
            Engine.Posteriors(model, batch, result);
            var durations = new double[c.States, c.MaxDuration];
            var transitions = new double[c.States, c.States];
            var initial = new double[c.States];
            var final = new double[c.States];
            for (int b = 0; b < e.Length; b++)
            {
                string what = $"{c} sequence {b}";
                var r = expected[b];
                CloseLog(r.LogLikelihood, result.LogLikelihoods[b], Magnitude(e[b]), what + " log-likelihood");
                if (double.IsNegativeInfinity(r.LogLikelihood)) continue;
                for (int t = 0; t < c.Lengths[b]; t++)
                {
                    double sum = 0;
                    for (int j = 0; j < c.States; j++)
                    {
                        double g = result.StateOccupancy[b, t, j];
                        sum += g;
                        Assert.True(Math.Abs(r.Occupancy[t, j] - g) <= Tolerances.Probability, $"{what} occupancy[{t}, {j}]: expected {r.Occupancy[t, j]}, got {g}");
                    }
                    Assert.True(Math.Abs(sum - 1) <= Tolerances.Probability, $"{what} frame {t} occupancies sum to {sum}");
                }
                for (int j = 0; j < c.States; j++)
                {
                    for (int k = 0; k < c.MaxDuration; k++) durations[j, k] += r.DurationCounts[j, k];
                    for (int i = 0; i < c.States; i++) transitions[j, i] += r.TransitionCounts[j, i];
                    initial[j] += r.InitialCounts[j];
                    final[j] += r.FinalCounts[j];
                }
            }
            for (int j = 0; j < c.States; j++)
            {
                for (int k = 0; k < c.MaxDuration; k++) CloseCount(durations[j, k], result.DurationCounts[j, k], $"{c} duration count [{j}, {k + 1}]");
                for (int i = 0; i < c.States; i++) CloseCount(transitions[j, i], result.TransitionCounts[j, i], $"{c} transition count [{j}, {i}]");
                CloseCount(initial[j], result.InitialCounts[j], $"{c} initial count {j}");
                CloseCount(final[j], result.FinalCounts[j], $"{c} final count {j}");
            }
        });
    }

    private static void CloseCount(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= Tolerances.ExpectedTransitions * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected}, got {actual}");

    [Fact]
    public void Viterbi_finds_the_best_segmentation()
    {
        int identical = 0, compared = 0;
        HsmmCase.ForEach(MaxStates, MaxDuration, MaxLength, MaxBatch, Iterations, c =>
        {
            var (model, e, batch, expected) = Prepare(c);
            if (!Coverable(model, c)) return;
            var (initial, a, durations, final) = c.Tables();
            var result = new HsmmViterbiResult(batch.BatchSize, batch.MaxLength);
            Engine.Viterbi(model, batch, result);
            for (int b = 0; b < e.Length; b++)
            {
                string what = $"{c} sequence {b}";
                double m = Magnitude(e[b]);
                CloseLog(expected[b].ViterbiScore, result.Scores[b], m, what + " score");
                var segments = result.Segments(b).ToArray();
                if (double.IsNegativeInfinity(expected[b].ViterbiScore))
                {
                    Assert.Empty(segments);
                    continue;
                }
                // A valid segmentation whose float64 score is the optimum (a different one only on a near-tie).
                Assert.Equal(0, segments[0].Start);
                double score = initial[segments[0].State] + final[segments[^1].State];
                for (int q = 0; q < segments.Length; q++)
                {
                    var s = segments[q];
                    Assert.InRange(s.Duration, 1, c.MaxDuration);
                    if (q > 0)
                    {
                        Assert.Equal(segments[q - 1].Start + segments[q - 1].Duration, s.Start);
                        score += a[segments[q - 1].State, s.State];
                    }
                    score += durations[s.State, s.Duration - 1];
                    for (int u = s.Start; u < s.Start + s.Duration; u++)
                    {
                        score += e[b][u, s.State];
                        Assert.Equal(s.State, result.Path(b)[u]);
                    }
                }
                Assert.Equal(c.Lengths[b], segments[^1].Start + segments[^1].Duration);
                CloseLog(expected[b].ViterbiScore, score, m, what + " path score");
                // Two segments of one state in a row (a self-transition) can swap durations at an equal score, which float32
                // breaks either way: only models without self-transitions are expected to give the reference's segmentation.
                if (c.Topology == HsmmTopology.DenseWithSelf || c.States == 1) continue;
                compared++;
                if (segments.Select(s => (s.State, s.Start, s.Duration)).SequenceEqual(expected[b].Segments)) identical++;
            }
        });
        // The optimality check above is the test; identity only guards against an engine that finds a different optimum
        // systematically. Random float emissions leave near-ties (a few in a hundred) that float32 breaks either way; one is
        // allowed however few sequences were compared (suites on the simulator compare five or six: one tie is under 85 %).
        Assert.True(identical >= Math.Min(compared - 1, compared * 0.85), $"identical segmentations {identical} of {compared}");
    }

    /// <summary>
    /// Hand-made shapes against the SIMD CPU engine: D over a warp's 32 lanes, ragged lengths with a one-frame sequence (D = 1
    /// states allowed), a sequence no path survives (a frame impossible in every state), and Viterbi ties (equal emissions,
    /// uniform tables: every segmentation of equal-length segments scores the same), which both engines must break alike
    /// (lowest cell, lowest predecessor).
    /// </summary>
    [Fact]
    public void Edge_shapes_match_the_cpu_engine()
    {
        var cpu = new HsmmEngine();
        foreach (var (n, d, lengths, ties) in new[] { (3, 40, new[] { 1, 45, 90, 7 }, false), (4, 6, new[] { 12, 1, 30 }, true), (2, 33, new[] { 70, 66 }, true) })
        {
            var rng = new Random(n * 100 + d);
            var initial = new float[n];
            var a = new float[n, n];
            var durations = new float[n, d];
            for (int i = 0; i < n; i++)
            {
                initial[i] = ties ? -MathF.Log(n) : (float)Math.Log(0.2 + rng.NextDouble());
                for (int j = 0; j < n; j++) a[i, j] = ties ? -MathF.Log(n) : (float)Math.Log(0.1 + rng.NextDouble());
                // Duration 1 always possible, so that one-frame sequences and every length can be covered.
                for (int k = 0; k < d; k++) durations[i, k] = ties ? -MathF.Log(d) : (float)Math.Log(0.05 + rng.NextDouble());
            }
            // Normalised rows (the model checks them).
            static void Normalise(Func<int, float> get, Action<int, float> set, int count)
            {
                double sum = 0;
                for (int q = 0; q < count; q++) sum += Math.Exp(get(q));
                for (int q = 0; q < count; q++) set(q, (float)(get(q) - Math.Log(sum)));
            }
            Normalise(q => initial[q], (q, v) => initial[q] = v, n);
            for (int i = 0; i < n; i++)
            {
                int row = i;
                Normalise(q => a[row, q], (q, v) => a[row, q] = v, n);
                Normalise(q => durations[row, q], (q, v) => durations[row, q] = v, d);
            }
            var model = new HsmmModel(initial, a, durations);
            int maxLength = lengths.Max();
            var batch = new EmissionBatch(lengths.Length, maxLength, n);
            for (int b = 0; b < lengths.Length; b++)
            {
                batch.SetLength(b, lengths[b]);
                for (int t = 0; t < lengths[b]; t++)
                    for (int j = 0; j < n; j++)
                        batch.Frame(b, t)[j] = ties ? -1f : (!ties && b == 2 && t == 20) ? float.NegativeInfinity : (float)(-6 * rng.NextDouble());
            }
            string what = $"N={n} D={d} lengths [{string.Join(", ", lengths)}]";
            var expected = new double[lengths.Length];
            var actual = new double[lengths.Length];
            cpu.Forward(model, batch, expected);
            Engine.Forward(model, batch, actual);
            for (int b = 0; b < lengths.Length; b++)
            {
                if (double.IsNegativeInfinity(expected[b])) Assert.True(double.IsNegativeInfinity(actual[b]), $"{what} sequence {b}: expected -infinity, got {actual[b]}");
                else Assert.True(Math.Abs(expected[b] - actual[b]) <= 1e-4 * Math.Max(1, Math.Abs(expected[b])), $"{what} sequence {b}: forward {actual[b]} vs CPU {expected[b]}");
            }
            Engine.Backward(model, batch, actual);
            for (int b = 0; b < lengths.Length; b++)
                if (!double.IsNegativeInfinity(expected[b]))
                    Assert.True(Math.Abs(expected[b] - actual[b]) <= 1e-4 * Math.Max(1, Math.Abs(expected[b])), $"{what} sequence {b}: backward {actual[b]} vs CPU {expected[b]}");
            var pe = new HsmmPosteriors(lengths.Length, maxLength, n, d);
            var pa = new HsmmPosteriors(lengths.Length, maxLength, n, d);
            cpu.Posteriors(model, batch, pe);
            Engine.Posteriors(model, batch, pa);
            for (int b = 0; b < lengths.Length; b++)
                for (int t = 0; t < lengths[b]; t++)
                    for (int j = 0; j < n; j++)
                        Assert.True(Math.Abs(pe.StateOccupancy[b, t, j] - pa.StateOccupancy[b, t, j]) <= 1e-3, $"{what} sequence {b} frame {t} state {j}: occupancy {pa.StateOccupancy[b, t, j]} vs CPU {pe.StateOccupancy[b, t, j]}");
            for (int i = 0; i < n; i++)
            {
                Assert.True(Math.Abs(pe.InitialCounts[i] - pa.InitialCounts[i]) <= 1e-3, $"{what}: initial count {i}");
                Assert.True(Math.Abs(pe.FinalCounts[i] - pa.FinalCounts[i]) <= 1e-3, $"{what}: final count {i}");
                for (int j = 0; j < n; j++) Assert.True(Math.Abs(pe.TransitionCounts[i, j] - pa.TransitionCounts[i, j]) <= 1e-3 * Math.Max(1, pe.TransitionCounts[i, j]), $"{what}: transition count {i} -> {j}");
                for (int k = 0; k < d; k++) Assert.True(Math.Abs(pe.DurationCounts[i, k] - pa.DurationCounts[i, k]) <= 1e-3 * Math.Max(1, pe.DurationCounts[i, k]), $"{what}: duration count {i}, {k + 1}");
            }
            var ve = new HsmmViterbiResult(lengths.Length, maxLength);
            var va = new HsmmViterbiResult(lengths.Length, maxLength);
            cpu.Viterbi(model, batch, ve);
            Engine.Viterbi(model, batch, va);
            for (int b = 0; b < lengths.Length; b++)
            {
                if (double.IsNegativeInfinity(ve.Scores[b]))
                {
                    Assert.True(double.IsNegativeInfinity(va.Scores[b]), $"{what} sequence {b}: Viterbi expected -infinity");
                    Assert.Empty(va.Segments(b).ToArray());
                    continue;
                }
                Assert.True(Math.Abs(ve.Scores[b] - va.Scores[b]) <= 1e-4 * Math.Max(1, Math.Abs(ve.Scores[b])), $"{what} sequence {b}: Viterbi {va.Scores[b]} vs CPU {ve.Scores[b]}");
                if (ties) Assert.Equal(ve.Segments(b).ToArray(), va.Segments(b).ToArray());
                Assert.Equal(ve.Path(b).ToArray(), va.Path(b).ToArray());
            }
        }
    }

    [Fact]
    public void A_one_frame_duration_model_is_the_plain_hmm()
    {
        // D = 1 forces every segment to one frame: the HSMM is then the HMM with the same transitions.
        var rng = new Random(5);
        int n = 4, length = 30;
        var a = new float[n, n];
        for (int i = 0; i < n; i++)
        {
            var p = Enumerable.Range(0, n).Select(_ => 0.1 + rng.NextDouble()).ToArray();
            for (int j = 0; j < n; j++) a[i, j] = (float)Math.Log(p[j] / p.Sum());
        }
        var initial = Enumerable.Repeat((float)Math.Log(1.0 / n), n).ToArray();
        var durations = new float[n, 1];
        var hsmm = new HsmmModel(initial, a, durations);
        var hmm = new HmmModel(initial, DenseTransitions.FromLogProbabilities(a));
        var batch = new EmissionBatch(1, length, n);
        for (int t = 0; t < length; t++)
            for (int j = 0; j < n; j++) batch.Frame(0, t)[j] = (float)(-5 * rng.NextDouble());
        var hs = new double[1];
        var hm = new double[1];
        Engine.Forward(hsmm, batch, hs);
        new HmmEngine().Forward(hmm, batch, hm);
        Assert.True(Math.Abs(hs[0] - hm[0]) < 1e-3, $"HSMM {hs[0]} vs HMM {hm[0]}");
    }
}

/// <summary>The float64 reference itself, against every segmentation enumerated (tiny cases).</summary>
public sealed class ReferenceHsmmTests
{
    [Fact]
    public void Reference_matches_enumeration()
    {
        HsmmCase.ForEach(3, 3, 7, 1, 300, c =>
        {
            var (initial, a, durations, final) = c.Tables();
            var e = c.Emissions()[0];
            var r = ReferenceHsmm.Run(initial, a, durations, final, e);
            var (ll, best, segments) = ReferenceHsmm.Enumerate(initial, a, durations, final, e);
            double Score(System.Collections.Generic.List<(int State, int Start, int Duration)> path)
            {
                double score = initial[path[0].State] + final[path[^1].State];
                for (int q = 0; q < path.Count; q++)
                {
                    if (q > 0) score += a[path[q - 1].State, path[q].State];
                    score += durations[path[q].State, path[q].Duration - 1];
                    for (int u = path[q].Start; u < path[q].Start + path[q].Duration; u++) score += e[u, path[q].State];
                }
                return score;
            }
            if (double.IsNegativeInfinity(ll))
            {
                Assert.True(double.IsNegativeInfinity(r.LogLikelihood));
                Assert.True(double.IsNegativeInfinity(r.ViterbiScore));
                return;
            }
            Assert.True(Math.Abs(ll - r.LogLikelihood) < 1e-9, $"{c}: forward {r.LogLikelihood} vs enumeration {ll}");
            Assert.True(Math.Abs(ll - r.BackwardLogLikelihood) < 1e-9, $"{c}: backward {r.BackwardLogLikelihood} vs enumeration {ll}");
            Assert.True(Math.Abs(best - r.ViterbiScore) < 1e-9, $"{c}: Viterbi {r.ViterbiScore} vs enumeration {best}");
            // Equal scores may come from different segmentations (two segments of one state swap durations): compare scores.
            Assert.True(Math.Abs(best - Score(r.Segments)) < 1e-9, $"{c}: the reference's segmentation scores {Score(r.Segments)}, the best {best}");
            Assert.True(Math.Abs(best - Score(segments)) < 1e-9);
            // Occupancies sum to one per frame; expected segments cover the frames: Σ_d d·count = T.
            int length = e.GetLength(0);
            for (int t = 0; t < length; t++)
                Assert.True(Math.Abs(Enumerable.Range(0, c.States).Sum(j => r.Occupancy[t, j]) - 1) < 1e-9);
            double frames = 0;
            for (int j = 0; j < c.States; j++)
                for (int k = 0; k < c.MaxDuration; k++) frames += (k + 1) * r.DurationCounts[j, k];
            Assert.True(Math.Abs(frames - length) < 1e-9, $"{c}: expected segments cover {frames} frames of {length}");
        });
    }
}

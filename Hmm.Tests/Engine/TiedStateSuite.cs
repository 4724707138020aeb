using System;
using System.Linq;
using Hmm.Speech;
using Hmm.Testing;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Engine;

/// <summary>
/// <see cref="IAlignmentBackend"/> against a float64 reference built from <see cref="ReferenceHmm"/>: random GMMs, random
/// banded graphs whose states tie to random model states with random biases (some untied), random end states (sometimes
/// none: no path), batches of several lengths. Checks Viterbi scores and paths, forward log-likelihoods, block leave
/// times and the GMM occupancy statistics.
/// </summary>
public abstract class TiedStateSuite
{
    /// <summary>The engine under test.</summary>
    protected abstract IAlignmentBackend CreateEngine();

    /// <summary>Random cases per property.</summary>
    protected virtual int Iterations => 40;

    /// <summary>Called after every engine call (a GPU subclass asserts that nothing fell back to the CPU).</summary>
    protected virtual void AfterCall(IAlignmentBackend engine) { }

    private sealed record Case(GaussianMixtureEmissions Gmm, HmmModel Graph, TiedStateBatch Ties, SequenceBatch Features, int BlockSize, string Name);

    private static Case Draw(int seed)
    {
        var rng = new Random(seed);
        int n = rng.Next(1, 9), k = rng.Next(1, 7), d = rng.Next(1, 6); // K above 4 takes the serial path of a 4-lane simulated warp
        int g = rng.Next(2, 26), w = rng.Next(1, 4), batch = rng.Next(1, 5);
        var gmm = RandomModels.Gmm(n, k, d, rng);
        var graph = RandomModels.Model(g, banded: true, bandwidth: Math.Min(w, g), rng);
        var lengths = Enumerable.Range(0, batch).Select(_ => rng.Next(0, 8) == 0 ? rng.Next(1, 4) : rng.Next(1, 45)).ToArray();
        var features = RandomModels.Features(d, lengths, rng);
        var ties = new TiedStateBatch(batch, g);
        for (int b = 0; b < batch; b++)
        {
            for (int j = 0; j < g; j++)
                if (rng.NextDouble() < 0.85) ties.Tie(b, j, rng.Next(n), (float)(-rng.NextDouble()));
            bool none = rng.Next(10) == 0;
            for (int j = 0; j < g && !none; j++)
                if (rng.NextDouble() < 0.4 || j == g - 1) ties.AllowEnd(b, j);
        }
        int blockSize = rng.Next(1, Math.Min(g, 5) + 1);
        return new Case(gmm, graph, ties, features, blockSize, $"seed {seed}: N={n} K={k} D={d} G={g} w={w} lengths [{string.Join(",", lengths)}] block {blockSize}");
    }

    /// <summary>The graph emissions of sequence b in float64.</summary>
    private static double[,] GraphEmissions(Case c, double[][,] modelLl, int b)
    {
        int length = c.Features.Lengths[b], g = c.Ties.GraphStates;
        var e = new double[length, g];
        for (int t = 0; t < length; t++)
            for (int j = 0; j < g; j++)
            {
                int s = c.Ties.TiedState(b, j);
                double v = s < 0 ? double.NegativeInfinity : modelLl[b][t, s] + c.Ties.Bias[b * g + j];
                e[t, j] = t == length - 1 ? v + c.Ties.EndBias[b * g + j] : v;
            }
        return e;
    }

    /// <summary>
    /// Tied-mixture (Sphinx PTM) model states: the backend's Viterbi scores, forward log-likelihoods and leave times equal
    /// the host backend's over the SIMD CPU engine (whose emissions the TiedMixture suites check against float64).
    /// </summary>
    [Fact]
    public void Tied_mixture_states_align_as_on_the_cpu_engine()
    {
        var engine = CreateEngine();
        var host = new HostAlignmentBackend(new HmmEngine(Hmm.Simd.SimdWidth.Auto));
        for (int it = 0; it < Math.Max(3, Iterations / 5); it++)
        {
            var rng = new Random(5000 + it);
            int n = rng.Next(2, 12), g = rng.Next(2, 20), batch = rng.Next(1, 4);
            var model = TiedMixtureSuite.RandomModel(rng, n, out _);
            var graph = RandomModels.Model(g, banded: true, bandwidth: Math.Min(2, g), rng);
            var lengths = Enumerable.Range(0, batch).Select(_ => rng.Next(2, 30)).ToArray();
            var features = RandomModels.Features(model.FeatureDimension, lengths, rng);
            var ties = new TiedStateBatch(batch, g);
            for (int b = 0; b < batch; b++)
            {
                for (int j = 0; j < g; j++) ties.Tie(b, j, rng.Next(n), (float)(-rng.NextDouble()));
                ties.AllowEnd(b, g - 1);
            }
            int block = rng.Next(1, Math.Min(g, 4) + 1), blocks = g / block;
            var (scores, ll, leave) = Run(engine, model, graph, ties, features, block, blocks);
            AfterCall(engine);
            var (hostScores, hostLl, hostLeave) = Run(host, model, graph, ties, features, block, blocks);
            for (int b = 0; b < batch; b++)
            {
                Tolerance.LogValue(hostScores[b], scores[b], 10 * lengths[b] + Math.Abs(hostScores[b]), $"case {it} Viterbi score {b}");
                Tolerance.LogValue(hostLl[b], ll[b], 10 * lengths[b] + Math.Abs(hostLl[b]), $"case {it} log-likelihood {b}");
            }
            for (int i = 0; i < leave.Length; i++) Assert.True(Math.Abs(leave[i] - hostLeave[i]) < 1e-2, $"case {it} leave time {i}: {leave[i]} against {hostLeave[i]}");
        }
    }

    private static (double[] Scores, double[] LogLikelihoods, double[] Leave) Run(IAlignmentBackend backend, EmissionModel model, HmmModel graph,
        TiedStateBatch ties, SequenceBatch features, int block, int blocks)
    {
        var viterbi = new ViterbiResult(features.BatchSize, features.MaxLength);
        var leave = new double[features.BatchSize * blocks];
        var ll = new double[features.BatchSize];
        backend.LoadFeatures(features);
        backend.Align(model, graph, ties, viterbi, block, leave, ll);
        return (viterbi.Scores.ToArray(), ll, leave);
    }

    [Fact]
    public void Viterbi_likelihood_and_leave_times_match_reference()
    {
        var engine = CreateEngine();
        for (int it = 0; it < Iterations; it++)
        {
            var c = Draw(1000 + it);
            int batch = c.Features.BatchSize, blocks = c.Ties.GraphStates / c.BlockSize;
            var viterbi = new ViterbiResult(batch, c.Features.MaxLength);
            var leave = new double[batch * blocks];
            var ll = new double[batch];
            engine.LoadFeatures(c.Features);
            engine.Align(c.Gmm, c.Graph, c.Ties, viterbi, c.BlockSize, leave, ll);
            AfterCall(engine);
            var modelLl = ReferenceHmm.EmissionLogLikelihoods(c.Gmm, c.Features);
            for (int b = 0; b < batch; b++)
            {
                var e = GraphEmissions(c, modelLl, b);
                double magnitude = RandomModels.Magnitude(e);
                double expected = ReferenceHmm.Posteriors(c.Graph, e, out var gamma, out _);
                double best = ReferenceHmm.Viterbi(c.Graph, e, out _);
                Tolerance.LogValue(expected, ll[b], magnitude, $"{c.Name}: forward log-likelihood of {b}");
                Tolerance.LogValue(best, viterbi.Scores[b], magnitude, $"{c.Name}: Viterbi score of {b}");
                if (double.IsNegativeInfinity(best)) continue;
                var path = viterbi.Path(b).ToArray();
                Assert.Equal(c.Features.Lengths[b], path.Length);
                Tolerance.LogValue(best, ReferenceHmm.PathScore(c.Graph, e, path), magnitude, $"{c.Name}: score of the returned path of {b}");
                int length = c.Features.Lengths[b];
                for (int o = 0; o < blocks; o++)
                {
                    double sum = 0;
                    for (int t = 0; t < length; t++)
                    {
                        double cumulative = 0, total = 0;
                        for (int j = 0; j < blocks * c.BlockSize; j++)
                        {
                            total += gamma[t, j];
                            if (j < (o + 1) * c.BlockSize) cumulative += gamma[t, j];
                        }
                        sum += Math.Min(1, cumulative / (total > 0 ? total : 1));
                    }
                    Assert.True(Math.Abs(sum - leave[b * blocks + o]) <= Tolerances.LeaveTimePerFrame * (1 + length),
                        $"{c.Name}: leave time of block {o} of {b}: expected {sum:G6}, got {leave[b * blocks + o]:G6}");
                }
            }
        }
    }

    [Fact]
    public void Statistics_match_reference_and_accumulate()
    {
        var engine = CreateEngine();
        for (int it = 0; it < Iterations; it++)
        {
            var c = Draw(5000 + it);
            int batch = c.Features.BatchSize, n = c.Gmm.StateCount, k = c.Gmm.ComponentCount, d = c.Gmm.FeatureDimension;
            var stats = GmmStatistics.For(c.Gmm, batch);
            // Two calls add: the expected sums are twice one call's.
            engine.LoadFeatures(c.Features);
            engine.AccumulateStatistics(c.Gmm, c.Graph, c.Ties, StatisticsThresholds.Default, stats);
            AfterCall(engine);
            engine.AccumulateStatistics(c.Gmm, c.Graph, c.Ties, StatisticsThresholds.Default, stats);
            var occupancy = new double[n * k];
            var moments = new double[n * k * d];
            var modelLl = ReferenceHmm.EmissionLogLikelihoods(c.Gmm, c.Features);
            int frames = 0;
            for (int b = 0; b < batch; b++)
            {
                var e = GraphEmissions(c, modelLl, b);
                double expected = ReferenceHmm.Posteriors(c.Graph, e, out var gamma, out _);
                Tolerance.LogValue(expected, stats.LogLikelihoods[b], RandomModels.Magnitude(e), $"{c.Name}: log-likelihood of {b}");
                if (double.IsNegativeInfinity(expected)) continue;
                int length = c.Features.Lengths[b];
                frames += length;
                for (int t = 0; t < length; t++)
                {
                    var x = c.Features.Frame(b, t);
                    for (int j = 0; j < c.Ties.GraphStates; j++)
                    {
                        int s = c.Ties.TiedState(b, j);
                        if (s < 0 || gamma[t, j] < 1e-4) continue;
                        var logs = new double[k];
                        for (int m = 0; m < k; m++)
                        {
                            double a = Math.Log(c.Gmm.Weight(s, m));
                            for (int f = 0; f < d; f++)
                            {
                                double v = c.Gmm.Variance(s, m, f), diff = x[f] - c.Gmm.Mean(s, m, f);
                                a -= 0.5 * (Math.Log(2 * Math.PI * v) + diff * diff / v);
                            }
                            logs[m] = a;
                        }
                        double max = logs.Max(), total = logs.Sum(a => Math.Exp(a - max));
                        for (int m = 0; m < k; m++)
                        {
                            double r = gamma[t, j] * Math.Exp(logs[m] - max) / total;
                            if (r < 1e-6) continue;
                            occupancy[s * k + m] += 2 * r;
                            for (int f = 0; f < d; f++) moments[(s * k + m) * d + f] += 2 * r * x[f];
                        }
                    }
                }
            }
            double slack = Tolerances.StatisticsAbsolute + Tolerances.StatisticsThresholdPerFrame * frames;
            for (int i = 0; i < occupancy.Length; i++)
                Assert.True(Math.Abs(occupancy[i] - stats.Occupancy[i]) <= slack + Tolerances.StatisticsRelative * occupancy[i],
                    $"{c.Name}: occupancy of component {i}: expected {occupancy[i]:G8}, got {stats.Occupancy[i]:G8}");
            for (int i = 0; i < moments.Length; i++)
                Assert.True(Math.Abs(moments[i] - stats.FirstMoments[i]) <= 3 * slack + Tolerances.StatisticsRelative * Math.Abs(moments[i]),
                    $"{c.Name}: first moment {i}: expected {moments[i]:G8}, got {stats.FirstMoments[i]:G8}");
        }
    }

    /// <summary>
    /// A backend may keep the loaded features where its passes read them (the GPU backend: on the device): a caller that
    /// changes the batch in place and loads it again must get the results of the changed values, equal to those of a
    /// fresh copy of the batch, for both passes.
    /// </summary>
    [Fact]
    public void Features_changed_in_place_and_loaded_again_are_seen()
    {
        var engine = CreateEngine();
        for (int it = 0; it < Math.Max(3, Iterations / 5); it++)
        {
            var c = Draw(7000 + it);
            int batch = c.Features.BatchSize;
            var first = GmmStatistics.For(c.Gmm, batch);
            engine.LoadFeatures(c.Features);
            engine.AccumulateStatistics(c.Gmm, c.Graph, c.Ties, StatisticsThresholds.Default, first);
            var rng = new Random(it);
            int b = rng.Next(batch);
            foreach (ref float v in c.Features.Sequence(b)) v += (float)(rng.NextDouble() - 0.5);
            var copy = new SequenceBatch(batch, c.Features.MaxLength, c.Features.Dimension);
            c.Features.Data.CopyTo(copy.Data, 0);
            for (int i = 0; i < batch; i++) copy.SetLength(i, c.Features.Lengths[i]);

            var changed = GmmStatistics.For(c.Gmm, batch);
            var fresh = GmmStatistics.For(c.Gmm, batch);
            engine.LoadFeatures(c.Features);
            engine.AccumulateStatistics(c.Gmm, c.Graph, c.Ties, StatisticsThresholds.Default, changed);
            AfterCall(engine);
            engine.LoadFeatures(copy);
            engine.AccumulateStatistics(c.Gmm, c.Graph, c.Ties, StatisticsThresholds.Default, fresh);
            for (int i = 0; i < batch; i++) Assert.Equal(fresh.LogLikelihoods[i], changed.LogLikelihoods[i], 6);
            for (int i = 0; i < fresh.Occupancy.Length; i++)
                Assert.True(Math.Abs(fresh.Occupancy[i] - changed.Occupancy[i]) <= Tolerances.ReloadedOccupancy * (1 + fresh.Occupancy[i]), $"{c.Name}: occupancy {i}");
            if (c.Features.Lengths[b] > 0 && !double.IsNegativeInfinity(first.LogLikelihoods[b]))
                Assert.NotEqual(first.LogLikelihoods[b], changed.LogLikelihoods[b]);

            // Align on the same batch object after a second change and load.
            foreach (ref float v in c.Features.Sequence(b)) v -= 0.25f;
            c.Features.Data.CopyTo(copy.Data, 0);
            var viterbi = new ViterbiResult(batch, Math.Max(1, c.Features.MaxLength));
            var viterbiFresh = new ViterbiResult(batch, Math.Max(1, c.Features.MaxLength));
            var ll = new double[batch];
            var llFresh = new double[batch];
            engine.LoadFeatures(c.Features);
            engine.Align(c.Gmm, c.Graph, c.Ties, viterbi, c.BlockSize, null, ll);
            engine.LoadFeatures(copy);
            engine.Align(c.Gmm, c.Graph, c.Ties, viterbiFresh, c.BlockSize, null, llFresh);
            for (int i = 0; i < batch; i++)
            {
                Assert.Equal(viterbiFresh.Scores[i], viterbi.Scores[i], 6);
                Assert.Equal(viterbiFresh.Path(i).ToArray(), viterbi.Path(i).ToArray());
            }
        }
    }

    [Fact]
    public void A_pass_before_any_load_says_so()
    {
        var engine = CreateEngine();
        var c = Draw(78);
        var e = Assert.Throws<InvalidOperationException>(() =>
            engine.Align(c.Gmm, c.Graph, c.Ties, new ViterbiResult(c.Features.BatchSize, 1), 1, null, new double[c.Features.BatchSize]));
        Assert.Contains("LoadFeatures", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_arguments_name_the_argument()
    {
        var engine = CreateEngine();
        var c = Draw(77);
        int batch = c.Features.BatchSize;
        var viterbi = new ViterbiResult(batch, c.Features.MaxLength);
        var ll = new double[batch];
        engine.LoadFeatures(c.Features);
        var wrongTies = new TiedStateBatch(batch, c.Ties.GraphStates);
        wrongTies.Tie(0, 0, c.Gmm.StateCount); // one past the model's states
        var e1 = Assert.Throws<ArgumentException>(() => engine.Align(c.Gmm, c.Graph, wrongTies, viterbi, 1, null, ll));
        Assert.Equal("ties", e1.ParamName);
        var e2 = Assert.ThrowsAny<ArgumentException>(() => engine.Align(c.Gmm, c.Graph, c.Ties, viterbi, 0, new double[batch * c.Ties.GraphStates], ll));
        Assert.Equal("blockSize", e2.ParamName);
        var e3 = Assert.Throws<ArgumentException>(() => engine.Align(c.Gmm, c.Graph, c.Ties, viterbi, 1, new double[1], ll)); // graphs have 2+ states
        Assert.Equal("leaveTimes", e3.ParamName);
        var otherGraph = RandomModels.Model(c.Ties.GraphStates + 1, banded: true, bandwidth: 1, new Random(1));
        var e4 = Assert.Throws<ArgumentException>(() => engine.Align(c.Gmm, otherGraph, c.Ties, viterbi, 1, null, ll));
        Assert.Equal("ties", e4.ParamName);
        var bad = RandomModels.Features(c.Gmm.FeatureDimension, new[] { 5 }, new Random(2));
        bad.Frame(0, 3)[0] = float.NaN;
        var e5 = Assert.ThrowsAny<ArgumentException>(() => engine.LoadFeatures(bad));
        Assert.Equal("features", e5.ParamName);
        engine.LoadFeatures(c.Features);
        var wrongStats = new GmmStatistics(c.Gmm.StateCount + 1, c.Gmm.ComponentCount, c.Gmm.FeatureDimension, batch);
        var e6 = Assert.Throws<ArgumentException>(() => engine.AccumulateStatistics(c.Gmm, c.Graph, c.Ties, StatisticsThresholds.Default, wrongStats));
        Assert.Equal("statistics", e6.ParamName);
    }
}

/// <summary>The host implementation over the SIMD CPU engine.</summary>
public sealed class TiedStateHostSimd : TiedStateSuite
{
    protected override IAlignmentBackend CreateEngine() => new HostAlignmentBackend(new HmmEngine(Hmm.Simd.SimdWidth.Auto, 2), 2);
}

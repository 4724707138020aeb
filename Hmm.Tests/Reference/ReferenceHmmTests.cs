using System;
using System.Collections.Generic;
using Hmm.Testing;
using Xunit;

namespace Hmm.Tests.Reference;

/// <summary>
/// Independent checks of <see cref="ReferenceHmm"/> itself: every algorithm against brute-force enumeration of all
/// N^T state paths, computed straight from the raw random tables (not through the model objects).
/// </summary>
public class ReferenceHmmTests
{
    private const double Tolerance = Tolerances.Reference;

    // ---------------------------------------------------------------------------------------------------------
    // Random problems

    /// <summary>A random problem: the raw tables and the model built from them.</summary>
    private sealed class Problem
    {
        public required int N { get; init; }
        public required float[] LogInit { get; init; }
        /// <summary>Dense log A[from, to], exactly the floats the model holds.</summary>
        public required float[,] LogA { get; init; }
        public required HmmModel Model { get; init; }
        public required double[,] Emissions { get; init; }
        public int T => Emissions.GetLength(0);
    }

    /// <summary>Random probability row with some exact zeros (never all zero), as float logs.</summary>
    private static float[] RandomLogRow(Random rng, int length, double zeroChance)
    {
        var p = new double[length];
        double sum = 0;
        for (int i = 0; i < length; i++)
        {
            p[i] = rng.NextDouble() < zeroChance ? 0.0 : 0.05 + rng.NextDouble();
            sum += p[i];
        }
        if (sum == 0)
        {
            int k = rng.Next(length);
            p[k] = 1.0;
            sum = 1.0;
        }
        var logs = new float[length];
        for (int i = 0; i < length; i++) logs[i] = p[i] == 0 ? float.NegativeInfinity : (float)Math.Log(p[i] / sum);
        return logs;
    }

    private static double[,] RandomEmissions(Random rng, int t, int n, double impossibleChance)
    {
        var e = new double[t, n];
        for (int i = 0; i < t; i++)
            for (int j = 0; j < n; j++)
                e[i, j] = rng.NextDouble() < impossibleChance ? double.NegativeInfinity : -6.0 + 7.0 * rng.NextDouble();
        return e;
    }

    private static Problem RandomDense(int seed, int n, int t)
    {
        var rng = new Random(seed);
        var init = RandomLogRow(rng, n, 0.25);
        var a = new float[n, n];
        for (int i = 0; i < n; i++)
        {
            var row = RandomLogRow(rng, n, 0.3);
            for (int j = 0; j < n; j++) a[i, j] = row[j];
        }
        var model = new HmmModel(init, DenseTransitions.FromLogProbabilities(a));
        return new Problem { N = n, LogInit = init, LogA = a, Model = model, Emissions = RandomEmissions(rng, t, n, 0.15) };
    }

    /// <summary>Random banded problem; also returns the same transitions written densely.</summary>
    private static (Problem Banded, HmmModel Dense) RandomBanded(int seed, int n, int w, int t)
    {
        var rng = new Random(seed);
        var init = RandomLogRow(rng, n, 0.25);
        var band = new float[n, w];
        var dense = new float[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) dense[i, j] = float.NegativeInfinity;
        for (int i = 0; i < n; i++)
        {
            int reach = Math.Min(w, n - i);
            var row = RandomLogRow(rng, reach, 0.3);
            for (int d = 0; d < w; d++)
            {
                band[i, d] = d < reach ? row[d] : float.NegativeInfinity;
                if (d < reach) dense[i, i + d] = row[d];
            }
        }
        var banded = new HmmModel(init, BandedTransitions.FromLogProbabilities(band));
        var denseModel = new HmmModel(init, DenseTransitions.FromLogProbabilities(dense));
        var problem = new Problem { N = n, LogInit = init, LogA = dense, Model = banded, Emissions = RandomEmissions(rng, t, n, 0.15) };
        return (problem, denseModel);
    }

    public static IEnumerable<object[]> Cases()
    {
        int seed = 1000;
        for (int n = 1; n <= 3; n++)
            for (int t = 0; t <= 6; t++)
                for (int rep = 0; rep < 3; rep++)
                    yield return new object[] { n, t, seed++ };
    }

    // ---------------------------------------------------------------------------------------------------------
    // Brute force

    private sealed class Brute
    {
        public double LogLikelihood;
        public double Best = double.NegativeInfinity;
        public double[,] Posteriors = new double[0, 0];
        public double[,] Transitions = new double[0, 0];
        public double[,] LogAlpha = new double[0, 0];
        public double[,] LogBeta = new double[0, 0];
    }

    private static IEnumerable<int[]> AllPaths(int n, int t)
    {
        var p = new int[t];
        long count = 1;
        for (int i = 0; i < t; i++) count *= n;
        for (long c = 0; c < count; c++)
        {
            long r = c;
            for (int i = t - 1; i >= 0; i--)
            {
                p[i] = (int)(r % n);
                r /= n;
            }
            yield return (int[])p.Clone();
        }
    }

    /// <summary>log P(path, x) straight from the raw tables.</summary>
    private static double RawScore(Problem pr, int[] path)
    {
        if (path.Length == 0) return 0.0;
        double s = pr.LogInit[path[0]] + pr.Emissions[0, path[0]];
        for (int t = 1; t < path.Length; t++) s += pr.LogA[path[t - 1], path[t]] + pr.Emissions[t, path[t]];
        return s;
    }

    private static double LogSumExp(List<double> values)
    {
        double max = double.NegativeInfinity;
        foreach (var v in values) max = Math.Max(max, v);
        if (double.IsNegativeInfinity(max)) return max;
        double sum = 0;
        foreach (var v in values) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }

    private static Brute Enumerate(Problem pr)
    {
        int n = pr.N, tt = pr.T;
        var paths = new List<int[]>(AllPaths(n, tt));
        var scores = new List<double>();
        foreach (var p in paths) scores.Add(RawScore(pr, p));
        var b = new Brute { LogLikelihood = LogSumExp(scores) };
        foreach (var s in scores) b.Best = Math.Max(b.Best, s);
        if (tt == 0) b.Best = 0.0;

        b.Posteriors = new double[tt, n];
        b.Transitions = new double[n, n];
        if (!double.IsNegativeInfinity(b.LogLikelihood))
        {
            for (int k = 0; k < paths.Count; k++)
            {
                double w = Math.Exp(scores[k] - b.LogLikelihood);
                var p = paths[k];
                for (int t = 0; t < tt; t++) b.Posteriors[t, p[t]] += w;
                for (int t = 0; t + 1 < tt; t++) b.Transitions[p[t], p[t + 1]] += w;
            }
        }

        // log alpha[t, j] over all prefixes of length t+1 ending in j; log beta[t, i] over all suffixes after i.
        b.LogAlpha = new double[tt, n];
        b.LogBeta = new double[tt, n];
        for (int t = 0; t < tt; t++)
        {
            for (int j = 0; j < n; j++)
            {
                var prefix = new List<double>();
                foreach (var p in AllPaths(n, t + 1))
                {
                    if (p[t] != j) continue;
                    double s = pr.LogInit[p[0]] + pr.Emissions[0, p[0]];
                    for (int u = 1; u <= t; u++) s += pr.LogA[p[u - 1], p[u]] + pr.Emissions[u, p[u]];
                    prefix.Add(s);
                }
                b.LogAlpha[t, j] = LogSumExp(prefix);

                var suffix = new List<double>();
                foreach (var q in AllPaths(n, tt - 1 - t))
                {
                    double s = 0;
                    int prev = j;
                    for (int u = 0; u < q.Length; u++)
                    {
                        s += pr.LogA[prev, q[u]] + pr.Emissions[t + 1 + u, q[u]];
                        prev = q[u];
                    }
                    suffix.Add(s);
                }
                b.LogBeta[t, j] = LogSumExp(suffix);
            }
        }
        return b;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Comparisons

    /// <summary>Log-domain values: equal infinities, else relative 1e-9 with a floor of 1 on the scale (a log near 0).</summary>
    private static void AssertLogClose(double expected, double actual, string what)
    {
        Assert.False(double.IsNaN(actual), $"{what}: NaN");
        if (double.IsInfinity(expected) || double.IsInfinity(actual))
        {
            Assert.True(expected == actual, $"{what}: expected {expected}, got {actual}");
            return;
        }
        double scale = Math.Max(1.0, Math.Max(Math.Abs(expected), Math.Abs(actual)));
        Assert.True(Math.Abs(expected - actual) <= Tolerance * scale, $"{what}: expected {expected:R}, got {actual:R}");
    }

    /// <summary>Linear probabilities / counts: relative 1e-9 (zero only matches zero up to 1e-300).</summary>
    private static void AssertLinearClose(double expected, double actual, string what)
    {
        Assert.False(double.IsNaN(actual), $"{what}: NaN");
        double scale = Math.Max(Math.Abs(expected), Math.Abs(actual));
        Assert.True(Math.Abs(expected - actual) <= Tolerance * scale + 1e-300, $"{what}: expected {expected:R}, got {actual:R}");
    }

    private static void AssertLogArray(double[,] expected, double[,] actual, string what)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                AssertLogClose(expected[i, j], actual[i, j], $"{what}[{i},{j}]");
    }

    private static void AssertLinearArray(double[,] expected, double[,] actual, string what)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                AssertLinearClose(expected[i, j], actual[i, j], $"{what}[{i},{j}]");
    }

    private static void CheckAgainstBruteForce(Problem pr)
    {
        var brute = Enumerate(pr);

        double fwd = ReferenceHmm.Forward(pr.Model, pr.Emissions, out var logAlpha);
        AssertLogClose(brute.LogLikelihood, fwd, "forward log P(x)");
        AssertLogArray(brute.LogAlpha, logAlpha, "log alpha");

        double bwd = ReferenceHmm.Backward(pr.Model, pr.Emissions, out var logBeta);
        AssertLogClose(fwd, bwd, "backward log P(x) vs forward");
        AssertLogArray(brute.LogBeta, logBeta, "log beta");
        for (int i = 0; i < pr.N && pr.T > 0; i++) Assert.Equal(0.0, logBeta[pr.T - 1, i]);

        double post = ReferenceHmm.Posteriors(pr.Model, pr.Emissions, out var gamma, out var xi);
        AssertLogClose(brute.LogLikelihood, post, "posteriors log P(x)");
        AssertLinearArray(brute.Posteriors, gamma, "gamma");
        AssertLinearArray(brute.Transitions, xi, "expected transitions");
        if (!double.IsNegativeInfinity(brute.LogLikelihood))
        {
            for (int t = 0; t < pr.T; t++)
            {
                double rowSum = 0;
                for (int i = 0; i < pr.N; i++) rowSum += gamma[t, i];
                AssertLinearClose(1.0, rowSum, $"gamma row {t} sum");
            }
            double total = 0;
            foreach (var v in xi) total += v;
            AssertLinearClose(Math.Max(pr.T - 1, 0), total, "expected transitions total");
        }

        double vit = ReferenceHmm.Viterbi(pr.Model, pr.Emissions, out var path);
        AssertLogClose(brute.Best, vit, "viterbi score");
        Assert.Equal(pr.T, path.Length);
        if (double.IsNegativeInfinity(vit))
        {
            Assert.All(path, s => Assert.Equal(-1, s));
        }
        else
        {
            double claimed = ReferenceHmm.PathScore(pr.Model, pr.Emissions, path);
            Assert.Equal(vit, claimed);
            AssertLogClose(RawScore(pr, path), claimed, "path score vs raw");
        }

        // PathScore agrees with the raw tables on every path.
        foreach (var p in AllPaths(pr.N, pr.T))
            AssertLogClose(RawScore(pr, p), ReferenceHmm.PathScore(pr.Model, pr.Emissions, p), "path score");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Brute-force tests

    [Theory]
    [MemberData(nameof(Cases))]
    public void Dense_MatchesBruteForce(int n, int t, int seed)
    {
        CheckAgainstBruteForce(RandomDense(seed, n, t));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Banded_MatchesBruteForce(int n, int t, int seed)
    {
        int w = 1 + seed % n;
        CheckAgainstBruteForce(RandomBanded(seed, n, w, t).Banded);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Banded_AgreesWithSameTransitionsWrittenDensely(int n, int t, int seed)
    {
        int w = 1 + (seed / 3) % n;
        var (banded, dense) = RandomBanded(seed + 77, n, w, t);
        var e = banded.Emissions;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                Assert.Equal(dense.Transitions.LogProbability(i, j), banded.Model.Transitions.LogProbability(i, j));

        AssertLogClose(ReferenceHmm.Forward(dense, e, out var a1), ReferenceHmm.Forward(banded.Model, e, out var a2), "forward");
        AssertLogArray(a1, a2, "alpha");
        AssertLogClose(ReferenceHmm.Backward(dense, e, out var b1), ReferenceHmm.Backward(banded.Model, e, out var b2), "backward");
        AssertLogArray(b1, b2, "beta");
        AssertLogClose(ReferenceHmm.Posteriors(dense, e, out var g1, out var x1), ReferenceHmm.Posteriors(banded.Model, e, out var g2, out var x2), "posteriors");
        AssertLinearArray(g1, g2, "gamma");
        AssertLinearArray(x1, x2, "xi");
        AssertLogClose(ReferenceHmm.Viterbi(dense, e, out var p1), ReferenceHmm.Viterbi(banded.Model, e, out var p2), "viterbi");
        Assert.Equal(p1, p2);
    }

    [Fact]
    public void LongerRandomSequences_BackwardEqualsForward_AndPosteriorsNormalized()
    {
        int possible = 0;
        for (int seed = 0; seed < 20; seed++)
        {
            var pr = RandomDense(seed, 4, 40);
            double fwd = ReferenceHmm.Forward(pr.Model, pr.Emissions, out _);
            double bwd = ReferenceHmm.Backward(pr.Model, pr.Emissions, out _);
            AssertLogClose(fwd, bwd, $"seed {seed}");
            double post = ReferenceHmm.Posteriors(pr.Model, pr.Emissions, out var gamma, out var xi);
            Assert.DoesNotContain(double.NaN, Flatten(gamma));
            Assert.DoesNotContain(double.NaN, Flatten(xi));
            if (double.IsNegativeInfinity(post)) continue;
            possible++;
            for (int t = 0; t < pr.T; t++)
            {
                double rowSum = 0;
                for (int i = 0; i < pr.N; i++) rowSum += gamma[t, i];
                AssertLinearClose(1.0, rowSum, $"seed {seed} gamma row {t} sum");
            }
            double total = 0;
            foreach (var v in xi) total += v;
            AssertLinearClose(pr.T - 1, total, $"seed {seed} expected transitions total");
        }
        Assert.True(possible >= 10, $"only {possible} of 20 long random sequences were possible");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Impossible observations

    [Fact]
    public void AllImpossibleFrame_GivesNegativeInfinity_AndNoNaN()
    {
        var pr = RandomDense(5, 3, 5);
        var e = (double[,])pr.Emissions.Clone();
        for (int j = 0; j < 3; j++) e[2, j] = double.NegativeInfinity;
        CheckImpossible(pr.Model, e);
    }

    [Fact]
    public void StructurallyImpossible_GivesNegativeInfinity_AndNoNaN()
    {
        // Starts in 0, must alternate 0 -> 1 -> 0; state 1 cannot emit frame 1, state 0 cannot emit frame 3.
        var a = new float[,] { { float.NegativeInfinity, 0f }, { 0f, float.NegativeInfinity } };
        var model = new HmmModel(new[] { 0f, float.NegativeInfinity }, DenseTransitions.FromLogProbabilities(a));
        var e = new double[,] { { -1, -2 }, { -0.5, double.NegativeInfinity }, { -1, -1 } };
        CheckImpossible(model, e);

        var pr = new Problem { N = 2, LogInit = new[] { 0f, float.NegativeInfinity }, LogA = a, Model = model, Emissions = e };
        CheckAgainstBruteForce(pr);
    }

    [Fact]
    public void ImpossibleInitialState_OnlyStateGivesNegativeInfinity()
    {
        var model = HmmModel.StartingInFirstState(DenseTransitions.FromLogProbabilities(new float[,] { { 0f, float.NegativeInfinity }, { 0f, float.NegativeInfinity } }));
        var e = new double[,] { { double.NegativeInfinity, 0.0 } };
        CheckImpossible(model, e);
    }

    private static void CheckImpossible(HmmModel model, double[,] e)
    {
        int tt = e.GetLength(0), n = model.StateCount;
        Assert.Equal(double.NegativeInfinity, ReferenceHmm.Forward(model, e, out var alpha));
        Assert.DoesNotContain(double.NaN, Flatten(alpha));
        Assert.Equal(double.NegativeInfinity, ReferenceHmm.Backward(model, e, out var beta));
        Assert.DoesNotContain(double.NaN, Flatten(beta));
        Assert.Equal(double.NegativeInfinity, ReferenceHmm.Posteriors(model, e, out var gamma, out var xi));
        Assert.Equal(tt, gamma.GetLength(0));
        Assert.Equal(n, gamma.GetLength(1));
        Assert.All(Flatten(gamma), v => Assert.Equal(0.0, v));
        Assert.All(Flatten(xi), v => Assert.Equal(0.0, v));
        Assert.Equal(double.NegativeInfinity, ReferenceHmm.Viterbi(model, e, out var path));
        Assert.Equal(tt, path.Length);
        Assert.All(path, s => Assert.Equal(-1, s));
        foreach (var p in AllPaths(n, tt))
            Assert.Equal(double.NegativeInfinity, ReferenceHmm.PathScore(model, e, p));
    }

    private static List<double> Flatten(double[,] values)
    {
        var list = new List<double>();
        foreach (var v in values) list.Add(v);
        return list;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Zero length, ties, argument checks

    [Fact]
    public void ZeroLength_IsTheCertainEmptyObservation()
    {
        var pr = RandomDense(9, 3, 0);
        var e = new double[0, 3];
        Assert.Equal(0.0, ReferenceHmm.Forward(pr.Model, e, out var alpha));
        Assert.Equal(0, alpha.GetLength(0));
        Assert.Equal(3, alpha.GetLength(1));
        Assert.Equal(0.0, ReferenceHmm.Backward(pr.Model, e, out var beta));
        Assert.Equal(0, beta.GetLength(0));
        Assert.Equal(3, beta.GetLength(1));
        Assert.Equal(0.0, ReferenceHmm.Posteriors(pr.Model, e, out var gamma, out var xi));
        Assert.Equal(0, gamma.GetLength(0));
        Assert.Equal(3, gamma.GetLength(1));
        Assert.Equal(3, xi.GetLength(0));
        Assert.Equal(3, xi.GetLength(1));
        Assert.All(Flatten(xi), v => Assert.Equal(0.0, v));
        Assert.Equal(0.0, ReferenceHmm.Viterbi(pr.Model, e, out var path));
        Assert.Empty(path);
        Assert.Equal(0.0, ReferenceHmm.PathScore(pr.Model, e, Array.Empty<int>()));
    }

    [Fact]
    public void Viterbi_TiesGoToTheLowestIndex()
    {
        var model = HmmModel.UniformStart(DenseTransitions.FromProbabilities(new float[,] { { 0.5f, 0.5f }, { 0.5f, 0.5f } }));
        var e = new double[,] { { -1, -1 }, { -2, -2 }, { -3, -3 }, { -1, -1 } };
        ReferenceHmm.Viterbi(model, e, out var path);
        int[] allZero = { 0, 0, 0, 0 };
        Assert.Equal(allZero, path);

        // Tie on the previous state only: both predecessors of state 1 score the same at frame 1.
        var e2 = new double[,] { { -1, -1 }, { double.NegativeInfinity, 0 } };
        ReferenceHmm.Viterbi(model, e2, out var path2);
        int[] expected2 = { 0, 1 };
        Assert.Equal(expected2, path2);

        // Tie on the final state only.
        var e3 = new double[,] { { -1, -1 } };
        ReferenceHmm.Viterbi(model, e3, out var path3);
        int[] expected3 = { 0 };
        Assert.Equal(expected3, path3);

        // No tie: the larger one wins even when it is a higher index.
        var e4 = new double[,] { { -2, -1 }, { -1, -1 } };
        ReferenceHmm.Viterbi(model, e4, out var path4);
        int[] expected4 = { 1, 0 };
        Assert.Equal(expected4, path4);
    }

    [Fact]
    public void ArgumentChecks()
    {
        var pr = RandomDense(3, 2, 3);
        var wrong = new double[3, 3];
        Assert.Equal("emissions", Assert.Throws<ArgumentException>(() => ReferenceHmm.Forward(pr.Model, wrong, out _)).ParamName);
        Assert.Equal("emissions", Assert.Throws<ArgumentException>(() => ReferenceHmm.Backward(pr.Model, wrong, out _)).ParamName);
        Assert.Equal("emissions", Assert.Throws<ArgumentException>(() => ReferenceHmm.Posteriors(pr.Model, wrong, out _, out _)).ParamName);
        Assert.Equal("emissions", Assert.Throws<ArgumentException>(() => ReferenceHmm.Viterbi(pr.Model, wrong, out _)).ParamName);
        int[] threeZeros = { 0, 0, 0 }, tooShort = { 0, 1 }, tooLarge = { 0, 2, 1 }, negative = { -1, 0, 1 };
        Assert.Equal("emissions", Assert.Throws<ArgumentException>(() => ReferenceHmm.PathScore(pr.Model, wrong, threeZeros)).ParamName);

        Assert.Equal("path", Assert.Throws<ArgumentException>(() => ReferenceHmm.PathScore(pr.Model, pr.Emissions, tooShort)).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => ReferenceHmm.PathScore(pr.Model, pr.Emissions, tooLarge)).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => ReferenceHmm.PathScore(pr.Model, pr.Emissions, negative)).ParamName);

        var nan = (double[,])pr.Emissions.Clone();
        nan[1, 1] = double.NaN;
        Assert.Equal("emissions", Assert.Throws<ArgumentException>(() => ReferenceHmm.Forward(pr.Model, nan, out _)).ParamName);
        var posInf = (double[,])pr.Emissions.Clone();
        posInf[0, 0] = double.PositiveInfinity;
        Assert.Equal("emissions", Assert.Throws<ArgumentException>(() => ReferenceHmm.Viterbi(pr.Model, posInf, out _)).ParamName);

        Assert.Throws<ArgumentNullException>(() => ReferenceHmm.Forward(null!, pr.Emissions, out _));
        Assert.Throws<ArgumentNullException>(() => ReferenceHmm.Forward(pr.Model, null!, out _));
        Assert.Throws<ArgumentNullException>(() => ReferenceHmm.PathScore(pr.Model, pr.Emissions, null!));

        var gmm = new DiagonalGaussianEmissions(new float[,] { { 0f, 0f } }, new float[,] { { 1f, 1f } });
        var features = SequenceBatch.FromSequences(new float[2, 3]);
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => ReferenceHmm.EmissionLogLikelihoods(gmm, features)).ParamName);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Emissions

    [Fact]
    public void SingleGaussian_HandComputed()
    {
        var model = new DiagonalGaussianEmissions(new float[,] { { 0f } }, new float[,] { { 1f } });
        var features = SequenceBatch.FromSequences(new float[,] { { 1f } });
        var e = ReferenceHmm.EmissionLogLikelihoods(model, features);
        Assert.Single(e);
        Assert.Equal(1, e[0].GetLength(0));
        Assert.Equal(1, e[0].GetLength(1));
        AssertLogClose(-0.5 * Math.Log(2 * Math.PI) - 0.5, e[0][0, 0], "N(1; 0, 1)");
    }

    [Fact]
    public void TwoComponentMixture_HandComputed()
    {
        // State 0: 0.25 N(x; 0, 1) + 0.75 N(x; 2, 4) at x = 1.
        var model = new GaussianMixtureEmissions(
            new float[,] { { 0.25f, 0.75f } },
            new float[,,] { { { 0f }, { 2f } } },
            new float[,,] { { { 1f }, { 4f } } });
        var features = SequenceBatch.FromSequences(new float[,] { { 1f } });
        double p = 0.25 * Math.Exp(-0.5) / Math.Sqrt(2 * Math.PI) + 0.75 * Math.Exp(-0.5 * 1.0 / 4.0) / Math.Sqrt(2 * Math.PI * 4.0);
        AssertLogClose(Math.Log(p), ReferenceHmm.EmissionLogLikelihoods(model, features)[0][0, 0], "mixture");
    }

    [Fact]
    public void Gmm_EmissionLogLikelihoods_EqualDirectEvaluation()
    {
        var rng = new Random(42);
        int n = 3, k = 2, d = 4;
        var weights = new float[n, k];
        var means = new float[n, k, d];
        var variances = new float[n, k, d];
        for (int j = 0; j < n; j++)
        {
            float w0 = (float)(0.1 + 0.8 * rng.NextDouble());
            weights[j, 0] = w0;
            weights[j, 1] = 1f - w0;
            for (int c = 0; c < k; c++)
                for (int e = 0; e < d; e++)
                {
                    means[j, c, e] = (float)(rng.NextDouble() * 4 - 2);
                    variances[j, c, e] = (float)(0.2 + rng.NextDouble() * 2);
                }
        }
        var model = new GaussianMixtureEmissions(weights, means, variances);
        int[] lengths = { 5, 0, 3 };
        var seqs = new float[lengths.Length][,];
        for (int b = 0; b < lengths.Length; b++)
        {
            seqs[b] = new float[lengths[b], d];
            for (int t = 0; t < lengths[b]; t++)
                for (int e = 0; e < d; e++) seqs[b][t, e] = (float)(rng.NextDouble() * 6 - 3);
        }
        var features = SequenceBatch.FromSequences(seqs);
        var result = ReferenceHmm.EmissionLogLikelihoods(model, features);
        Assert.Equal(lengths.Length, result.Length);
        for (int b = 0; b < lengths.Length; b++)
        {
            Assert.Equal(lengths[b], result[b].GetLength(0));
            Assert.Equal(n, result[b].GetLength(1));
            for (int t = 0; t < lengths[b]; t++)
            {
                var frame = new float[d];
                for (int e = 0; e < d; e++) frame[e] = seqs[b][t, e];
                for (int j = 0; j < n; j++)
                {
                    Assert.Equal(model.LogLikelihood(frame, j), result[b][t, j]);

                    // And an independent evaluation of the mixture density here.
                    double p = 0;
                    for (int c = 0; c < k; c++)
                    {
                        double logN = 0;
                        for (int e = 0; e < d; e++)
                        {
                            double v = variances[j, c, e], diff = frame[e] - (double)means[j, c, e];
                            logN += -0.5 * Math.Log(2 * Math.PI * v) - 0.5 * diff * diff / v;
                        }
                        p += weights[j, c] * Math.Exp(logN);
                    }
                    AssertLogClose(Math.Log(p), result[b][t, j], $"gmm b{b} t{t} j{j}");
                }
            }
        }
    }

    [Fact]
    public void FromBatch_WidensEveryValue_AndRespectsLengths()
    {
        var s0 = new float[,] { { -1.5f, float.NegativeInfinity }, { 0.25f, -3f }, { -0.1f, -0.2f } };
        var s1 = new float[0, 2];
        var s2 = new float[,] { { -7f, 1f } };
        var batch = EmissionBatch.FromLogLikelihoods(s0, s1, s2);
        var result = ReferenceHmm.FromBatch(batch);
        Assert.Equal(3, result.Length);
        var inputs = new[] { s0, s1, s2 };
        for (int b = 0; b < 3; b++)
        {
            Assert.Equal(inputs[b].GetLength(0), result[b].GetLength(0));
            Assert.Equal(2, result[b].GetLength(1));
            for (int t = 0; t < inputs[b].GetLength(0); t++)
                for (int j = 0; j < 2; j++) Assert.Equal((double)inputs[b][t, j], result[b][t, j]);
        }
    }

    [Fact]
    public void Categorical_EndToEnd_MatchesBruteForce()
    {
        var emissionModel = new CategoricalEmissions(new float[,] { { 0.7f, 0.2f, 0.1f }, { 0.1f, 0.3f, 0.6f } });
        var features = SequenceBatch.FromSequences(new float[,] { { 0 }, { 2 }, { 1 }, { 2 } });
        var e = ReferenceHmm.EmissionLogLikelihoods(emissionModel, features)[0];
        var init = new[] { (float)Math.Log(0.6), (float)Math.Log(0.4) };
        var a = new float[,] { { (float)Math.Log(0.9), (float)Math.Log(0.1) }, { (float)Math.Log(0.2), (float)Math.Log(0.8) } };
        var model = new HmmModel(init, DenseTransitions.FromLogProbabilities(a));
        Assert.Equal((double)MathF.Log(0.7f), e[0, 0]);
        Assert.Equal((double)MathF.Log(0.6f), e[1, 1]);
        CheckAgainstBruteForce(new Problem { N = 2, LogInit = init, LogA = a, Model = model, Emissions = e });
    }
}

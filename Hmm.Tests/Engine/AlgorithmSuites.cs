using System;
using System.Linq;
#if !HMM_MONO
using CsCheck;
#endif
using Hmm.Testing;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Engine;

/// <summary>Base of the per-algorithm suites: each engine (SIMD width, later ILGPU and CUDA) is a thin subclass.</summary>
public abstract class EngineSuite
{
    /// <summary>The engine under test.</summary>
    protected abstract IHmmEngine CreateEngine();

    /// <summary>Random cases per property; subclasses on slow backends may lower it.</summary>
    protected virtual long Iterations => 12;

    /// <summary>Largest state count drawn.</summary>
    protected virtual int MaxStates => 70;

    /// <summary>Longest sequence drawn (the occasional long one); simulated backends may lower it.</summary>
    protected virtual int MaxFrames => 2000;

    protected void ForEachCase(Action<HmmCase> check) => ForEachCase(MaxStates, check);

#if HMM_MONO
    // CsCheck has no netstandard build: under Mono (Hmm.Tests.Mono) the cases come from a seeded Random.
    protected void ForEachCase(int maxStates, Action<HmmCase> check)
    {
        maxStates = Math.Min(maxStates, MaxStates);
        var rng = new Random(1000 + maxStates);
        for (long i = 0; i < Iterations; i++) check(RandomModels.Case(rng, maxStates));
    }
#else
    protected void ForEachCase(int maxStates, Action<HmmCase> check) =>
        RandomModels.Cases(maxStates, maxFrames: MaxFrames).Sample(check, iter: Iterations, threads: 1);
#endif
}

/// <summary>Forward: log-likelihoods and log alpha against the float64 reference.</summary>
public abstract class ForwardSuite : EngineSuite
{
    [Fact]
    public void Log_likelihood_matches_reference()
    {
        var engine = CreateEngine();
        ForEachCase(c =>
        {
            var model = c.Model();
            var emissions = c.Emissions();
            var ll = new double[emissions.BatchSize];
            engine.Forward(model, emissions, ll);
            var reference = ReferenceHmm.FromBatch(emissions);
            for (int b = 0; b < ll.Length; b++)
            {
                double expected = ReferenceHmm.Forward(model, reference[b], out _);
                Tolerance.LogValue(expected, ll[b], RandomModels.Magnitude(reference[b]), $"{c} sequence {b}");
            }
        });
    }

    [Fact]
    public void Log_alpha_matches_reference()
    {
        var engine = CreateEngine();
        ForEachCase(20, c =>
        {
            var model = c.Model();
            var emissions = c.Emissions();
            var alpha = new StateLattice(emissions.BatchSize, emissions.MaxLength, c.States);
            engine.Forward(model, emissions, new double[emissions.BatchSize], alpha);
            var reference = ReferenceHmm.FromBatch(emissions);
            for (int b = 0; b < emissions.BatchSize; b++)
            {
                ReferenceHmm.Forward(model, reference[b], out var expected);
                double magnitude = RandomModels.Magnitude(reference[b]);
                for (int t = 0; t < expected.GetLength(0); t++)
                    for (int j = 0; j < c.States; j++)
                        Tolerance.LogValue(expected[t, j], alpha[b, t, j], magnitude, $"{c} alpha[{b},{t},{j}]");
            }
        });
    }

    [Fact]
    public void Sequence_no_path_can_produce_is_negative_infinity_not_nan()
    {
        // State 0 only stays in 0 and emits nothing at frame 2: every path dies there.
        var model = new HmmModel(new[] { 0f, float.NegativeInfinity },
            DenseTransitions.FromLogProbabilities(new float[,] { { 0f, float.NegativeInfinity }, { MathF.Log(0.5f), MathF.Log(0.5f) } }));
        var e = EmissionBatch.FromLogLikelihoods(new float[,] { { -1f, -2f }, { -1f, -1f }, { float.NegativeInfinity, -1f }, { -3f, -1f } });
        var ll = new double[1];
        CreateEngine().Forward(model, e, ll);
        Assert.Equal(double.NegativeInfinity, ll[0]);
    }

    [Fact]
    public void Zero_length_sequence_has_log_likelihood_zero()
    {
        var model = new HmmCase(3, false, 1, new[] { 0 }, 7).Model();
        var e = new EmissionBatch(2, 5, 3);
        e.SetLength(0, 0);
        var ll = new double[2];
        var rng = new Random(3);
        for (int t = 0; t < 5; t++) for (int j = 0; j < 3; j++) e.Frame(1, t)[j] = -(float)rng.NextDouble();
        CreateEngine().Forward(model, e, ll);
        Assert.Equal(0.0, ll[0]);
        Assert.True(ll[1] < 0 && !double.IsInfinity(ll[1]));
    }
}

/// <summary>Backward: agrees with the forward log-likelihood and with the reference log beta.</summary>
public abstract class BackwardSuite : EngineSuite
{
    [Fact]
    public void Log_likelihood_and_log_beta_match_reference()
    {
        var engine = CreateEngine();
        ForEachCase(40, c =>
        {
            var model = c.Model();
            var emissions = c.Emissions();
            var beta = new StateLattice(emissions.BatchSize, emissions.MaxLength, c.States);
            var ll = new double[emissions.BatchSize];
            engine.Backward(model, emissions, ll, beta);
            var reference = ReferenceHmm.FromBatch(emissions);
            for (int b = 0; b < emissions.BatchSize; b++)
            {
                double expectedLl = ReferenceHmm.Backward(model, reference[b], out var expected);
                double magnitude = RandomModels.Magnitude(reference[b]);
                Tolerance.LogValue(expectedLl, ll[b], magnitude, $"{c} loglik {b}");
                for (int t = 0; t < expected.GetLength(0); t++)
                    for (int j = 0; j < c.States; j++)
                        Tolerance.LogValue(expected[t, j], beta[b, t, j], magnitude, $"{c} beta[{b},{t},{j}]");
            }
        });
    }
}

/// <summary>Posteriors and expected transition counts against the reference.</summary>
public abstract class PosteriorSuite : EngineSuite
{
    [Fact]
    public void Posteriors_and_expected_counts_match_reference()
    {
        var engine = CreateEngine();
        ForEachCase(40, c =>
        {
            var model = c.Model();
            var emissions = c.Emissions();
            var result = PosteriorResult.For(model, emissions);
            engine.Posteriors(model, emissions, result);
            var reference = ReferenceHmm.FromBatch(emissions);
            for (int b = 0; b < emissions.BatchSize; b++)
            {
                double expectedLl = ReferenceHmm.Posteriors(model, reference[b], out var gamma, out var xi);
                Tolerance.LogValue(expectedLl, result.LogLikelihoods[b], RandomModels.Magnitude(reference[b]), $"{c} loglik {b}");
                for (int t = 0; t < gamma.GetLength(0); t++)
                    for (int j = 0; j < c.States; j++)
                        Tolerance.ProbabilityValue(gamma[t, j], result.StatePosteriors[b, t, j], $"{c} gamma[{b},{t},{j}]");
                int length = gamma.GetLength(0);
                for (int i = 0; i < c.States; i++)
                    for (int j = 0; j < c.States; j++)
                    {
                        double expected = xi[i, j], actual = result.ExpectedTransitions(b, i, j);
                        Assert.True(Math.Abs(expected - actual) <= Tolerance.Probability * Math.Max(1, expected) + 1e-4 * length,
                            $"{c} xi[{b},{i},{j}]: expected {expected:G6}, got {actual:G6}");
                    }
            }
        });
    }

    [Fact]
    public void Posteriors_sum_to_one_per_frame()
    {
        var engine = CreateEngine();
        ForEachCase(c =>
        {
            var model = c.Model();
            var emissions = c.Emissions();
            var result = PosteriorResult.For(model, emissions);
            engine.Posteriors(model, emissions, result);
            for (int b = 0; b < emissions.BatchSize; b++)
            {
                if (double.IsNegativeInfinity(result.LogLikelihoods[b])) continue;
                for (int t = 0; t < emissions.Lengths[b]; t++)
                {
                    double sum = 0;
                    for (int j = 0; j < c.States; j++) sum += result.StatePosteriors[b, t, j];
                    Assert.True(Math.Abs(sum - 1) < Tolerances.PosteriorSum, $"{c}: frame {t} of sequence {b} sums to {sum}");
                }
            }
        });
    }
}

/// <summary>Viterbi: the score matches the reference and the path scores what it claims.</summary>
public abstract class ViterbiSuite : EngineSuite
{
    [Fact]
    public void Score_matches_reference_and_path_scores_what_it_claims()
    {
        var engine = CreateEngine();
        ForEachCase(c =>
        {
            var model = c.Model();
            var emissions = c.Emissions();
            var result = new ViterbiResult(emissions.BatchSize, emissions.MaxLength);
            engine.Viterbi(model, emissions, result);
            var reference = ReferenceHmm.FromBatch(emissions);
            for (int b = 0; b < emissions.BatchSize; b++)
            {
                double expected = ReferenceHmm.Viterbi(model, reference[b], out _);
                double magnitude = RandomModels.Magnitude(reference[b]);
                Tolerance.LogValue(expected, result.Scores[b], magnitude, $"{c} score {b}");
                var path = result.Path(b).ToArray();
                Assert.Equal(emissions.Lengths[b], path.Length);
                if (double.IsNegativeInfinity(expected))
                {
                    Assert.All(path, s => Assert.Equal(-1, s));
                    continue;
                }
                Assert.All(path, s => Assert.InRange(s, 0, c.States - 1));
                Tolerance.LogValue(result.Scores[b], ReferenceHmm.PathScore(model, reference[b], path), magnitude, $"{c} path score {b}");
            }
        });
    }

    [Fact]
    public void Ties_resolve_to_the_lowest_state_like_the_reference()
    {
        // Uniform everything: every path ties, so the first arg-max rule must pick all zeros.
        var model = HmmModel.UniformStart(DenseTransitions.FromProbabilities(new float[,] { { 0.5f, 0.5f }, { 0.5f, 0.5f } }));
        var e = EmissionBatch.FromLogLikelihoods(new float[,] { { -1f, -1f }, { -1f, -1f }, { -1f, -1f } });
        var result = new ViterbiResult(1, 3);
        CreateEngine().Viterbi(model, e, result);
        ReferenceHmm.Viterbi(model, ReferenceHmm.FromBatch(e)[0], out var expected);
        Assert.Equal(expected, result.Path(0).ToArray());
    }
}

#if !HMM_MONO
/// <summary>Emission log-likelihoods against the model's own float64 evaluation.</summary>
public abstract class EmissionSuite : EngineSuite
{
    [Fact]
    public void Gaussian_mixture_log_likelihoods_match_reference()
    {
        var engine = CreateEngine();
        var gen = from n in Gen.Int[1, 20] from k in Gen.Int[1, 5] from d in Gen.Int[1, 40]
                  from lengths in Gen.Int[0, 30].Array[1, 3] from seed in Gen.Int
                  select (n, k, d, lengths, seed);
        gen.Sample(x =>
        {
            var rng = new Random(x.seed);
            var gmm = RandomModels.Gmm(x.n, x.k, x.d, rng);
            var features = RandomModels.Features(x.d, x.lengths, rng);
            var output = new EmissionBatch(features.BatchSize, features.MaxLength, x.n);
            engine.ComputeEmissions(gmm, features, output);
            var reference = ReferenceHmm.EmissionLogLikelihoods(gmm, features);
            for (int b = 0; b < features.BatchSize; b++)
                for (int t = 0; t < x.lengths[b]; t++)
                    for (int j = 0; j < x.n; j++)
                    {
                        double expected = reference[b][t, j];
                        // Each log-density sums 2D float products of size |y|²/σ²: scale the tolerance by D.
                        Tolerance.LogValue(expected, output[b, t, j], 20 * x.d + Math.Abs(expected), $"N={x.n} K={x.k} D={x.d} [{b},{t},{j}]");
                    }
        }, iter: 25, threads: 1);
    }

    /// <summary>
    /// Models of over a thousand component columns (an alignment model has 1,640): on the GPU engine the whole component
    /// row leaves the row kernel a tile of 4 to 8 frames. Padding frames (a zero-length sequence in the middle) must not disturb the others.
    /// </summary>
    [Theory]
    [InlineData(131, 8, 4)]
    [InlineData(205, 8, 3)]
    [InlineData(67, 16, 2)]
    public void Wide_gaussian_mixtures_match_reference(int n, int k, int d)
    {
        var engine = CreateEngine();
        var rng = new Random(n * 31 + k);
        var gmm = RandomModels.Gmm(n, k, d, rng);
        var lengths = new[] { 13, 0, 22 };
        var features = RandomModels.Features(d, lengths, rng);
        var output = new EmissionBatch(features.BatchSize, features.MaxLength, n);
        engine.ComputeEmissions(gmm, features, output);
        var reference = ReferenceHmm.EmissionLogLikelihoods(gmm, features);
        for (int b = 0; b < features.BatchSize; b++)
            for (int t = 0; t < lengths[b]; t++)
                for (int j = 0; j < n; j++)
                {
                    double expected = reference[b][t, j];
                    Tolerance.LogValue(expected, output[b, t, j], 20 * d + Math.Abs(expected), $"N={n} K={k} D={d} [{b},{t},{j}]");
                }
    }

    [Fact]
    public void Categorical_log_likelihoods_are_table_lookups()
    {
        var probs = new float[,] { { 0.5f, 0.25f, 0.25f }, { 0f, 0.5f, 0.5f } };
        var model = new CategoricalEmissions(probs);
        var features = SequenceBatch.FromSequences(new float[,] { { 0 }, { 2 }, { 1 } });
        var output = new EmissionBatch(1, 3, 2);
        CreateEngine().ComputeEmissions(model, features, output);
        Assert.Equal(MathF.Log(0.5f), output[0, 0, 0]);
        Assert.Equal(float.NegativeInfinity, output[0, 0, 1]);
        Assert.Equal(MathF.Log(0.25f), output[0, 1, 0]);
        Assert.Equal(MathF.Log(0.5f), output[0, 2, 1]);
    }
}
#endif

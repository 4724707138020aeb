using System;
using CsCheck;
using Hmm.Testing;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.TimeVarying;

/// <summary>
/// Per-frame transitions on one engine against the float64 <see cref="ReferenceTimeVarying"/> on random shapes, variable
/// lengths in a batch, dense and banded tables, sparse rows and impossible emissions: forward (with α), backward (with β),
/// posteriors (γ, per-frame ξ and their sums) and Viterbi. Each engine (SIMD width, ILGPU's CPU accelerator, CUDA) is a
/// thin subclass.
/// </summary>
public abstract class TimeVaryingSuite
{
    protected abstract ITimeVaryingEngine Engine { get; }

    protected virtual long Iterations => 40;
    protected virtual int MaxStates => 20;
    protected virtual int MaxLength => 30;
    protected virtual int MaxBatch => 4;

    private Gen<TimeVaryingCase> Cases => TimeVaryingCase.Generator(MaxStates, MaxLength, MaxBatch);

    private static double Magnitude(double[,] e) => RandomModels.Magnitude(e);

    [Fact]
    public void Forward_matches_the_reference()
    {
        Cases.Sample(c =>
        {
            var tr = c.Transitions();
            var emissions = c.Emissions();
            var ll = new double[c.Lengths.Length];
            var alpha = new StateLattice(c.Lengths.Length, c.MaxLength, c.States);
            Engine.Forward(tr, emissions, ll, alpha);
            var e = ReferenceHmm.FromBatch(emissions);
            for (int b = 0; b < c.Lengths.Length; b++)
            {
                var (init, tables) = ReferenceTimeVarying.Read(tr, b, c.Lengths[b]);
                double expected = ReferenceTimeVarying.Forward(init, tables, e[b], out var logAlpha);
                double magnitude = Magnitude(e[b]);
                Tolerance.LogValue(expected, ll[b], magnitude, $"{c} loglik {b}");
                if (double.IsNegativeInfinity(expected)) continue;
                for (int t = 0; t < c.Lengths[b]; t++)
                    for (int j = 0; j < c.States; j++)
                        Tolerance.LogValue(logAlpha[t, j], alpha[b, t, j], magnitude, $"{c} alpha[{b},{t},{j}]");
            }
            // Without the lattice: the same log-likelihoods.
            var again = new double[c.Lengths.Length];
            Engine.Forward(tr, emissions, again);
            Assert.Equal(ll, again);
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void Backward_matches_the_reference()
    {
        Cases.Sample(c =>
        {
            var tr = c.Transitions();
            var emissions = c.Emissions();
            var ll = new double[c.Lengths.Length];
            var beta = new StateLattice(c.Lengths.Length, c.MaxLength, c.States);
            Engine.Backward(tr, emissions, ll, beta);
            var e = ReferenceHmm.FromBatch(emissions);
            for (int b = 0; b < c.Lengths.Length; b++)
            {
                var (init, tables) = ReferenceTimeVarying.Read(tr, b, c.Lengths[b]);
                double expected = ReferenceTimeVarying.Backward(init, tables, e[b], out var logBeta);
                double magnitude = Magnitude(e[b]);
                Tolerance.LogValue(expected, ll[b], magnitude, $"{c} loglik {b}");
                // β does not depend on the initial distribution: compared even where the sequence is impossible.
                for (int t = 0; t < c.Lengths[b]; t++)
                    for (int j = 0; j < c.States; j++)
                        Tolerance.LogValue(logBeta[t, j], beta[b, t, j], magnitude, $"{c} beta[{b},{t},{j}]");
            }
        }, iter: Iterations, threads: 1);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Posteriors_match_the_reference(bool perFrame)
    {
        Cases.Sample(c =>
        {
            var tr = c.Transitions();
            var emissions = c.Emissions();
            var result = TimeVaryingPosteriorResult.For(tr, perFrame);
            Engine.Posteriors(tr, emissions, result);
            var e = ReferenceHmm.FromBatch(emissions);
            for (int b = 0; b < c.Lengths.Length; b++)
            {
                int length = c.Lengths[b];
                var (init, tables) = ReferenceTimeVarying.Read(tr, b, length);
                double expected = ReferenceTimeVarying.Posteriors(init, tables, e[b], out var gamma, out var xi);
                Tolerance.LogValue(expected, result.LogLikelihoods[b], Magnitude(e[b]), $"{c} loglik {b}");
                for (int t = 0; t < length; t++)
                    for (int j = 0; j < c.States; j++)
                        Tolerance.ProbabilityValue(gamma[t, j], result.StatePosteriors[b, t, j], $"{c} gamma[{b},{t},{j}]");
                for (int i = 0; i < c.States; i++)
                    for (int j = 0; j < c.States; j++)
                    {
                        double sum = 0;
                        for (int t = 1; t < length; t++)
                        {
                            sum += xi[t, i, j];
                            if (perFrame) Tolerance.ProbabilityValue(xi[t, i, j], result.TransitionPosterior(b, t, i, j), $"{c} xi[{b},{t},{i},{j}]");
                        }
                        if (perFrame)
                            for (int t = length; t < c.MaxLength; t++) Assert.Equal(0f, result.TransitionPosterior(b, t, i, j));
                        double actual = result.ExpectedTransitions(b, i, j);
                        Assert.True(Math.Abs(sum - actual) <= Tolerance.Probability * Math.Max(1, sum) + 1e-4 * length,
                            $"{c} counts[{b},{i},{j}]: expected {sum:G6}, got {actual:G6}");
                    }
            }
        }, iter: Iterations / 2, threads: 1);
    }

    [Fact]
    public void Transition_posteriors_are_the_gradient_of_the_log_likelihood()
    {
        // ∂ log P / ∂ log A_t(i, j) = ξ_t(i, j): a central difference on one entry of one frame's table (unnormalised tables).
        var c = new TimeVaryingCase(5, new[] { 9 }, false, 5, 0.2, false, false, 1234);
        var tr = c.Transitions();
        var loose = TimeVaryingTransitions.Dense(1, c.MaxLength, c.States, normalised: false);
        for (int t = 0; t < c.MaxLength; t++) tr.Frame(0, t).CopyTo(loose.Frame(0, t));
        tr.LogInitial(0).CopyTo(loose.LogInitial(0));
        var emissions = c.Emissions();
        var result = TimeVaryingPosteriorResult.For(loose);
        Engine.Posteriors(loose, emissions, result);
        var (init, _) = ReferenceTimeVarying.Read(loose, 0, 9);
        var e = ReferenceHmm.FromBatch(emissions)[0];
        int checkedEntries = 0;
        for (int t = 1; t < 9; t += 3)
            for (int i = 0; i < c.States; i++)
                for (int j = 0; j < c.States; j++)
                {
                    if (float.IsNegativeInfinity(loose[0, t, i, j])) continue;
                    const double h = 1e-4;
                    var (_, tables) = ReferenceTimeVarying.Read(loose, 0, 9);
                    tables[t, i, j] += h;
                    double up = ReferenceTimeVarying.Forward(init, tables, e, out _);
                    tables[t, i, j] -= 2 * h;
                    double down = ReferenceTimeVarying.Forward(init, tables, e, out _);
                    Assert.True(Math.Abs((up - down) / (2 * h) - result.TransitionPosterior(0, t, i, j)) < 1e-3, $"t={t} i={i} j={j}");
                    checkedEntries++;
                }
        Assert.True(checkedEntries > 20);
    }

    [Fact]
    public void Viterbi_matches_the_reference()
    {
        int identical = 0, compared = 0;
        Cases.Sample(c =>
        {
            var tr = c.Transitions();
            var emissions = c.Emissions();
            var result = new ViterbiResult(c.Lengths.Length, c.MaxLength);
            Engine.Viterbi(tr, emissions, result);
            var e = ReferenceHmm.FromBatch(emissions);
            for (int b = 0; b < c.Lengths.Length; b++)
            {
                var (init, tables) = ReferenceTimeVarying.Read(tr, b, c.Lengths[b]);
                double expected = ReferenceTimeVarying.Viterbi(init, tables, e[b], out var path);
                double magnitude = Magnitude(e[b]);
                Tolerance.LogValue(expected, result.Scores[b], magnitude, $"{c} score {b}");
                var actual = result.Path(b).ToArray();
                Assert.Equal(c.Lengths[b], actual.Length);
                if (double.IsNegativeInfinity(expected))
                {
                    Assert.All(actual, s => Assert.Equal(-1, s));
                    continue;
                }
                // The engine's path is optimal: its float64 score is the optimum (a different path only on a near-tie).
                Tolerance.LogValue(expected, ReferenceTimeVarying.PathScore(init, tables, e[b], actual), magnitude, $"{c} path score {b}");
                compared++;
                if (actual.AsSpan().SequenceEqual(path)) identical++;
            }
        }, iter: Iterations, threads: 1);
        Assert.True(identical >= compared * 0.9, $"identical paths {identical} of {compared}");
    }

    [Fact]
    public void Forward_and_backward_agree_on_long_sequences()
    {
        // T = 600: the per-frame normalisation keeps float32 columns exact where absolute log-likelihoods reach thousands.
        var c = new TimeVaryingCase(12, new[] { 600, 17, 0 }, false, 12, 0.3, false, true, 77);
        var tr = c.Transitions();
        var emissions = c.Emissions();
        var forward = new double[3];
        var backward = new double[3];
        Engine.Forward(tr, emissions, forward);
        Engine.Backward(tr, emissions, backward);
        var e = ReferenceHmm.FromBatch(emissions);
        for (int b = 0; b < 3; b++)
        {
            var (init, tables) = ReferenceTimeVarying.Read(tr, b, c.Lengths[b]);
            double expected = ReferenceTimeVarying.Forward(init, tables, e[b], out _);
            Tolerance.LogValue(expected, forward[b], Magnitude(e[b]), $"forward {b}");
            Tolerance.LogValue(expected, backward[b], Magnitude(e[b]), $"backward {b}");
        }
        Assert.Equal(0.0, forward[2]);
    }
}

using CsCheck;
using System;
using Hmm.Testing;
using Xunit;

namespace Hmm.Tests.TimeVarying;

/// <summary>The float64 reference's recursions against brute-force enumeration of every state path on tiny cases.</summary>
public sealed class ReferenceTimeVaryingTests
{
    private const double Tight = 1e-9;

    [Fact]
    public void Recursions_match_enumeration_of_all_paths()
    {
        int checkedCases = 0;
        TimeVaryingCase.Generator(maxStates: 3, maxLength: 6, maxBatch: 2).Sample(c =>
        {
            var tr = c.Transitions();
            var emissions = c.Emissions();
            var e = ReferenceHmm.FromBatch(emissions);
            for (int b = 0; b < c.Lengths.Length; b++)
            {
                var (init, tables) = ReferenceTimeVarying.Read(tr, b, c.Lengths[b]);
                double expected = ReferenceTimeVarying.Enumerate(init, tables, e[b], out double bestScore, out var bestPath, out var gamma, out var xi);
                double forward = ReferenceTimeVarying.Forward(init, tables, e[b], out _);
                double backward = ReferenceTimeVarying.Backward(init, tables, e[b], out _);
                double ll = ReferenceTimeVarying.Posteriors(init, tables, e[b], out var g, out var x);
                double score = ReferenceTimeVarying.Viterbi(init, tables, e[b], out var path);
                Same(expected, forward, $"{c} forward {b}");
                Same(expected, backward, $"{c} backward {b}");
                Same(expected, ll, $"{c} posteriors {b}");
                Same(bestScore, score, $"{c} viterbi {b}");
                if (double.IsNegativeInfinity(score)) Assert.All(path, s => Assert.Equal(-1, s));
                else Same(bestScore, ReferenceTimeVarying.PathScore(init, tables, e[b], path), $"{c} viterbi path {b}");
                for (int t = 0; t < c.Lengths[b]; t++)
                    for (int i = 0; i < c.States; i++)
                    {
                        Assert.True(Math.Abs(gamma[t, i] - g[t, i]) < Tight, $"{c} gamma {b},{t},{i}: {gamma[t, i]} vs {g[t, i]}");
                        for (int j = 0; j < c.States; j++)
                            Assert.True(Math.Abs(xi[t, i, j] - x[t, i, j]) < Tight, $"{c} xi {b},{t},{i},{j}: {xi[t, i, j]} vs {x[t, i, j]}");
                    }
                checkedCases++;
            }
        }, iter: 300, threads: 1);
        Assert.True(checkedCases > 300);
    }

    [Fact]
    public void Enumeration_of_a_hand_worked_case()
    {
        // Two states, two frames: π = (1, 0), A_1 = [[0.5, 0.5], [1, 0]], emissions all log 1 except frame 1 state 1 (log 0.5).
        var init = new[] { 0.0, double.NegativeInfinity };
        var tables = new double[2, 2, 2];
        tables[1, 0, 0] = Math.Log(0.5); tables[1, 0, 1] = Math.Log(0.5); tables[1, 1, 0] = 0; tables[1, 1, 1] = double.NegativeInfinity;
        var e = new double[2, 2];
        e[1, 1] = Math.Log(0.5);
        double ll = ReferenceTimeVarying.Enumerate(init, tables, e, out double best, out var path, out var gamma, out var xi);
        Assert.Equal(Math.Log(0.75), ll, 12);
        Assert.Equal(Math.Log(0.5), best, 12);
        Assert.Equal(new[] { 0, 0 }, path);
        Assert.Equal(2.0 / 3, gamma[1, 0], 12);
        Assert.Equal(1.0 / 3, xi[1, 0, 1], 12);
        Assert.Equal(Math.Log(0.75), ReferenceTimeVarying.Forward(init, tables, e, out _), 12);
    }

    private static void Same(double expected, double actual, string what)
    {
        if (double.IsNegativeInfinity(expected)) Assert.True(double.IsNegativeInfinity(actual), $"{what}: expected -inf, got {actual}");
        else Assert.True(Math.Abs(expected - actual) < Tight * (1 + Math.Abs(expected)), $"{what}: expected {expected}, got {actual}");
    }
}

using System;
using System.Linq;
using Hmm.Simd;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Engine;

/// <summary>
/// The CPU engine's <see cref="ITiedStateEngine"/> (each graph state's emission gathered from its model state's column as
/// the recursions read it) against the expanded lattice (<see cref="TiedStateBatch.Expand(EmissionBatch, EmissionBatch, int, int)"/>
/// then <see cref="HmmEngine.Viterbi"/> and <see cref="HmmEngine.Forward"/> on the same engine): scores, paths and
/// log-likelihoods bit for bit, on every lane width (the gather instruction and the assembled register), dense and banded
/// graphs, biases, untied states, end constraints (sometimes none), empty and one-frame sequences, odd batches.
/// </summary>
public sealed class TiedViterbiCpuTests
{
    public static TheoryData<SimdWidth> AllWidths => new() { SimdWidth.Scalar, SimdWidth.VectorT, SimdWidth.Vector128, SimdWidth.Vector256, SimdWidth.Vector512 };

    private sealed record Case(HmmModel Graph, EmissionBatch ModelLl, TiedStateBatch Ties, string Name);

    private static Case Draw(Random rng)
    {
        // 16 and 32 model states fill their rows' padding: no spare -infinity slot to read.
        int m = rng.Next(4) == 0 ? 16 * rng.Next(1, 3) : rng.Next(1, 40);
        int g = rng.Next(1, 70), batch = rng.Next(1, 6);
        bool banded = rng.Next(3) != 0;
        var graph = RandomModels.Model(g, banded, Math.Min(rng.Next(1, 4), g), rng);
        var lengths = Enumerable.Range(0, batch).Select(_ => rng.Next(8) switch { 0 => 0, 1 => 1, _ => rng.Next(2, 80) }).ToArray();
        var modelLl = RandomModels.Emissions(m, lengths, rng);
        var ties = new TiedStateBatch(batch, g);
        for (int b = 0; b < batch; b++)
        {
            for (int j = 0; j < g; j++)
            {
                if (rng.NextDouble() >= 0.85) continue;
                float bias = rng.Next(5) switch { 0 => 0f, 1 => float.NegativeInfinity, _ => (float)(-3 * rng.NextDouble()) };
                ties.Tie(b, j, rng.Next(m), bias);
            }
            bool none = rng.Next(10) == 0;
            for (int j = 0; j < g && !none; j++)
                if (rng.NextDouble() < 0.4 || j == g - 1) ties.AllowEnd(b, j);
        }
        return new Case(graph, modelLl, ties, $"M={m} G={g} {(banded ? "banded" : "dense")} lengths [{string.Join(",", lengths)}]");
    }

    private static void Compare(HmmEngine engine, Case c)
    {
        int batch = c.ModelLl.BatchSize, maxLength = c.ModelLl.MaxLength;
        var expanded = new EmissionBatch(batch, maxLength, c.Ties.GraphStates);
        for (int b = 0; b < batch; b++) c.Ties.Expand(c.ModelLl, expanded, b, c.ModelLl.Lengths[b]);
        var expected = new ViterbiResult(batch, maxLength);
        var expectedLl = new double[batch];
        engine.Viterbi(c.Graph, expanded, expected);
        engine.Forward(c.Graph, expanded, expectedLl);

        var tied = new ViterbiResult(batch, maxLength);
        var tiedLl = new double[batch];
        engine.TiedViterbi(c.Graph, c.ModelLl, c.Ties, tied, tiedLl);
        var viterbiOnly = new ViterbiResult(batch, maxLength);
        engine.TiedViterbi(c.Graph, c.ModelLl, c.Ties, viterbiOnly, Span<double>.Empty);
        var forwardOnly = new double[batch];
        engine.TiedViterbi(c.Graph, c.ModelLl, c.Ties, null, forwardOnly);

        Assert.Equal(batch, tied.BatchSize);
        for (int b = 0; b < batch; b++)
        {
            string what = $"{c.Name} ({engine.Width}) sequence {b}";
            Assert.True(expected.Scores[b].Equals(tied.Scores[b]), $"{what}: Viterbi score {tied.Scores[b]:R}, expanded {expected.Scores[b]:R}");
            Assert.True(expected.Scores[b].Equals(viterbiOnly.Scores[b]), $"{what}: Viterbi-only score {viterbiOnly.Scores[b]:R}, expanded {expected.Scores[b]:R}");
            Assert.True(expectedLl[b].Equals(tiedLl[b]), $"{what}: log-likelihood {tiedLl[b]:R}, expanded {expectedLl[b]:R}");
            Assert.True(expectedLl[b].Equals(forwardOnly[b]), $"{what}: forward-only log-likelihood {forwardOnly[b]:R}, expanded {expectedLl[b]:R}");
            Assert.Equal(expected.Path(b).ToArray(), tied.Path(b).ToArray());
            Assert.Equal(expected.Path(b).ToArray(), viterbiOnly.Path(b).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(AllWidths))]
    public void Tied_passes_equal_the_expanded_lattice_bit_for_bit(SimdWidth width)
    {
        var engine = Widths.Engine(width);
        var rng = new Random(1000 + (int)width);
        for (int i = 0; i < 60; i++) Compare(engine, Draw(rng));
    }

    [Fact]
    public void Several_threads_give_what_one_gives()
    {
        var engine = new HmmEngine(SimdWidth.Auto, 3);
        var rng = new Random(77);
        for (int i = 0; i < 20; i++) Compare(engine, Draw(rng));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        var engine = new HmmEngine();
        var rng = new Random(5);
        var graph = RandomModels.Model(6, banded: true, bandwidth: 2, rng);
        var modelLl = RandomModels.Emissions(3, new[] { 5, 4 }, rng);
        var ties = new TiedStateBatch(2, 6);
        ties.Tie(0, 0, 2);
        ties.AllowEnd(0, 5);
        var result = new ViterbiResult(2, 5);
        Assert.Contains("nothing would be computed", Assert.Throws<ArgumentException>(() => engine.TiedViterbi(graph, modelLl, ties, null, Span<double>.Empty)).Message);
        Assert.Contains("ties describe 6", Assert.Throws<ArgumentException>(() => engine.TiedViterbi(RandomModels.Model(7, true, 2, rng), modelLl, ties, result, Span<double>.Empty)).Message);
        Assert.Contains("viterbi holds", Assert.Throws<ArgumentException>(() => engine.TiedViterbi(graph, modelLl, ties, new ViterbiResult(2, 4), Span<double>.Empty)).Message);
        Assert.Contains("logLikelihoods holds", Assert.Throws<ArgumentException>(() => engine.TiedViterbi(graph, modelLl, ties, null, new double[1])).Message);
        ties.Tie(1, 3, 3);
        Assert.Contains("tied to model state 3", Assert.Throws<ArgumentException>(() => engine.TiedViterbi(graph, modelLl, ties, result, Span<double>.Empty)).Message);
        ties.Clear(1);
        modelLl.Frame(1, 2)[1] = float.NaN;
        Assert.Contains("sequence 1, frame 2, state 1 is NaN", Assert.Throws<ArgumentException>(() => engine.TiedViterbi(graph, modelLl, ties, result, Span<double>.Empty)).Message);
    }
}

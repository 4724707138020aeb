using System;
using System.Linq;
using Hmm.Online;
using Hmm.Simd;
using Hmm.Speech;
using Hmm.Testing;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Online;

/// <summary>
/// <see cref="UnitLoopTransitions"/>' structured online step against the same model as a dense matrix (the float64
/// reference and the dense online step), and the phone loop and bigram built on it.
/// </summary>
public class UnitLoopTests
{
    internal static (HmmModel Loop, HmmModel Dense) RandomLoop(int units, int statesPerUnit, Random random)
    {
        var loops = new float[units * statesPerUnit];
        for (int i = 0; i < loops.Length; i++) loops[i] = (float)(0.05 + 0.9 * random.NextDouble());
        var table = new float[units, units];
        for (int u = 0; u < units; u++)
        {
            var p = RandomModels.RandomDistribution(units, random, sparse: true);
            for (int q = 0; q < units; q++) table[u, q] = MathF.Log(p[q]);
        }
        var transitions = new UnitLoopTransitions(units, statesPerUnit, loops, table);
        var initial = new float[units * statesPerUnit];
        initial.AsSpan().Fill(float.NegativeInfinity);
        var start = RandomModels.RandomDistribution(units, random, sparse: false);
        for (int u = 0; u < units; u++) initial[u * statesPerUnit] = MathF.Log(start[u]);
        var logs = new float[transitions.StateCount, transitions.StateCount];
        for (int i = 0; i < transitions.StateCount; i++)
            for (int j = 0; j < transitions.StateCount; j++) logs[i, j] = transitions.LogProbability(i, j);
        return (new HmmModel(initial, transitions), new HmmModel(initial, DenseTransitions.FromLogProbabilities(logs)));
    }

    [Theory]
    [InlineData(SimdWidth.Auto)]
    [InlineData(SimdWidth.Scalar)]
    [InlineData(SimdWidth.VectorT)]
    public void The_structured_step_filters_and_decodes_like_the_dense_model(SimdWidth width)
    {
        var random = new Random(21);
        for (int it = 0; it < 20; it++)
        {
            int units = random.Next(1, 20), s = random.Next(2, 6), length = random.Next(1, 70);
            var (loop, dense) = RandomLoop(units, s, random);
            int n = loop.StateCount;
            var emissions = RandomModels.Emissions(n, new[] { length }, random);
            var reference = ReferenceHmm.FromBatch(emissions)[0];
            double ll = ReferenceHmm.Forward(dense, reference, out var logAlpha);
            double best = ReferenceHmm.Viterbi(dense, reference, out _);
            var online = new OnlineDecoder(loop, lag: length, width);
            var denseOnline = new OnlineDecoder(dense, lag: length, width);
            for (int t = 0; t < length; t++)
            {
                online.PushEmissions(emissions.Frame(0, t));
                denseOnline.PushEmissions(emissions.Frame(0, t));
                if (!online.Alive) break;
                double max = Enumerable.Range(0, n).Max(j => logAlpha[t, j]);
                double sum = Enumerable.Range(0, n).Sum(j => Math.Exp(logAlpha[t, j] - max));
                for (int j = 0; j < n; j++)
                    Assert.True(Math.Abs(Math.Exp(logAlpha[t, j] - max) / sum - online.Posteriors[j]) <= Tolerances.Probability,
                        $"U={units} S={s} t={t} j={j}: reference {Math.Exp(logAlpha[t, j] - max) / sum:G6}, online {online.Posteriors[j]:G6}");
            }
            Assert.Equal(denseOnline.Alive, online.Alive);
            if (double.IsNegativeInfinity(ll)) continue;
            Tolerance.LogValue(ll, online.LogLikelihood, RandomModels.Magnitude(reference), $"U={units} S={s}: log-likelihood");
            var path = new int[length];
            online.Flush(path);
            // The path must be one the model allows and score the best score (ties may pick another best path).
            double score = ReferenceHmm.PathScore(dense, reference, path);
            Tolerance.LogValue(best, score, RandomModels.Magnitude(reference), $"U={units} S={s}: Viterbi path score");
        }
    }

    [Fact]
    public void Bad_tables_are_named()
    {
        var table = new float[2, 2];
        table[0, 0] = table[0, 1] = table[1, 0] = table[1, 1] = MathF.Log(0.5f);
        Assert.Equal("selfLoops", Assert.Throws<ArgumentException>(() => new UnitLoopTransitions(2, 3, new float[5], table)).ParamName);
        Assert.Equal("selfLoops", Assert.Throws<ArgumentException>(() => new UnitLoopTransitions(2, 3, Enumerable.Repeat(1f, 6).ToArray(), table)).ParamName);
        Assert.Equal("unitLogProbabilities", Assert.Throws<ArgumentException>(() => new UnitLoopTransitions(3, 2, new float[6], table)).ParamName);
        Assert.Equal("statesPerUnit", Assert.Throws<ArgumentException>(() => new UnitLoopTransitions(2, 1, new float[2], table)).ParamName);
        var bad = (float[,])table.Clone();
        bad[1, 1] = 0f;
        Assert.Equal("unitLogProbabilities", Assert.Throws<ArgumentException>(() => new UnitLoopTransitions(2, 2, new float[4], bad)).ParamName);
    }

    /// <summary>The stored default bigram is the one the dictionary gives, value for value.</summary>
    [Fact]
    public void The_built_in_bigram_is_the_dictionary_estimate()
    {
        var estimated = PhoneBigram.FromLexicon(PronunciationLexicon.LoadDefault(), PhoneSet.Default);
        var stored = PhoneBigram.Default;
        int p = PhoneSet.Default.Count;
        for (int a = 0; a < p; a++)
        {
            Assert.Equal(estimated.LogInitial(a), stored.LogInitial(a));
            for (int q = 0; q < p; q++) Assert.Equal(estimated.LogProbability(a, q), stored.LogProbability(a, q));
        }
    }

    [Fact]
    public void Bigram_rows_are_distributions_with_a_floor_and_pauses_follow_word_ends()
    {
        var bigram = PhoneBigram.Default;
        var phones = PhoneSet.Default;
        int p = phones.Count, sil = phones.IndexOf(PhoneSet.Silence);
        for (int a = 0; a < p; a++)
        {
            double sum = Enumerable.Range(0, p).Sum(q => Math.Exp(bigram.LogProbability(a, q)));
            Assert.True(Math.Abs(sum - 1) < 1e-4, $"row {phones[a]} sums to {sum}");
            Assert.True(Enumerable.Range(0, p).All(q => bigram.LogProbability(a, q) > float.NegativeInfinity));
        }
        // After NG (mostly word-final: -ing) a pause is far likelier than after ZH (mostly word-internal).
        Assert.True(bigram.LogProbability(phones.IndexOf("NG"), sil) > bigram.LogProbability(phones.IndexOf("ZH"), sil));
        Assert.Throws<ArgumentException>(() => PhoneBigram.FromLexicon(PronunciationLexicon.LoadDefault(), new PhoneSet(new[] { "AA", "B" }, new[] { PhoneClass.Vowel, PhoneClass.Stop })));
        Assert.Equal("pauseProbability", Assert.Throws<ArgumentOutOfRangeException>(() => PhoneBigram.FromLexicon(PronunciationLexicon.LoadDefault(), phones, 1.5)).ParamName);
    }

    [Fact]
    public void The_phone_loop_has_the_models_states_and_refuses_another_phone_set()
    {
        var model = AcousticModel.LoadDefault();
        var loop = PhoneLoop.Build(model, PhoneBigram.Default);
        Assert.Equal(model.StateCount, loop.StateCount);
        var transitions = Assert.IsType<UnitLoopTransitions>(loop.Transitions);
        Assert.Equal(model.Phones.Count, transitions.Units);
        Assert.Equal(model.SelfLoop(7), MathF.Exp(transitions.LogProbability(7, 7)), 5);
        var other = PhoneBigram.Uniform(new PhoneSet(new[] { "AA", "sil" }, new[] { PhoneClass.Vowel, PhoneClass.Silence }));
        Assert.Equal("bigram", Assert.Throws<ArgumentException>(() => PhoneLoop.Build(model, other)).ParamName);
        Assert.Equal("bigramWeight", Assert.Throws<ArgumentOutOfRangeException>(() => PhoneLoop.Build(model, PhoneBigram.Default, -1f)).ParamName);
    }
}

using System;
using System.Linq;
using CsCheck;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Engine;

/// <summary>One random <see cref="HmmEngine.Decode"/> case: a GMM, an HMM (dense or banded) and features of mixed lengths.</summary>
public sealed record DecodeCase(int States, bool Banded, int Bandwidth, int Components, int Dimension, int[] Lengths, int Seed, int Blowups)
{
    public override string ToString() =>
        $"N={States} {(Banded ? $"banded W={Bandwidth}" : "dense")} K={Components} D={Dimension} lengths=[{string.Join(",", Lengths)}] seed={Seed} blowups={Blowups}";

    public GaussianMixtureEmissions Gmm() => RandomModels.Gmm(States, Components, Dimension, new Random(Seed));

    public HmmModel Model() => RandomModels.Model(States, Banded, Bandwidth, new Random(Seed + 1));

    /// <summary>
    /// Random features, with <see cref="Blowups"/> frames where one feature is huge (finite): its squared deviation
    /// overflows for components of small variance, so some or all states' emissions are -inf there (states, then whole
    /// sequences, become impossible).
    /// </summary>
    public SequenceBatch Features()
    {
        var rng = new Random(Seed + 2);
        var features = RandomModels.Features(Dimension, Lengths, rng);
        for (int i = 0; i < Blowups; i++)
        {
            int b = rng.Next(Lengths.Length);
            if (Lengths[b] == 0) continue;
            var frame = features.Frame(b, rng.Next(Lengths[b]));
            // 1.5e19² = 2.25e38 is finite; divided by a variance under ~0.66 it overflows. 1e30 overflows for every state.
            frame[rng.Next(Dimension)] = rng.Next(3) == 0 ? 1e30f : (rng.Next(2) == 0 ? 1.5e19f : -1.5e19f);
        }
        return features;
    }

    public static Gen<DecodeCase> Generator(int maxStates = 40) =>
        from n in Gen.Int[1, maxStates]
        from banded in Gen.Bool
        from w in Gen.Int[1, 4]
        from k in Gen.Int[1, 4]
        from d in Gen.Int[1, 24]
        from lengths in Gen.Frequency((1, Gen.Int[0, 600]), (4, Gen.Int[0, 50])).Array[1, 5]
        from seed in Gen.Int[0, int.MaxValue - 3]
        from blowups in Gen.Frequency((2, Gen.Const(0)), (1, Gen.Int[1, 6]))
        select new DecodeCase(n, banded, Math.Min(w, n), k, d, lengths, seed, blowups);
}

/// <summary>
/// <see cref="HmmEngine.Decode"/> against <see cref="HmmEngine.ComputeEmissions"/> + <see cref="HmmEngine.Forward"/> +
/// <see cref="HmmEngine.Viterbi"/>: the fused pass calls the same definitions, so everything must agree bit for bit.
/// </summary>
public abstract class DecodeSuite
{
    /// <summary>The engine under test (one lane width) with the given thread count.</summary>
    protected abstract HmmEngine CreateEngine(int threads);

    [Fact]
    public void Decode_equals_emissions_forward_and_viterbi_bit_for_bit() => CheckCases(CreateEngine(1), iterations: 25);

    [Fact]
    public void Parallel_decode_equals_the_separate_calls_bit_for_bit() => CheckCases(CreateEngine(3), iterations: 6);

    [Fact]
    public void Decode_with_the_two_pass_dense_step_equals_the_separate_calls()
    {
        var engine = CreateEngine(1);
        CheckCases(new HmmEngine(engine.Width, 1, allowUnaccelerated: true) { ScaledDenseStep = false }, iterations: 6);
    }

    [Fact]
    public void Impossible_sequences_decode_to_negative_infinity_and_minus_one_paths()
    {
        var engine = CreateEngine(1);
        var c = new DecodeCase(5, false, 1, 2, 3, new[] { 7, 4, 0 }, 11, 0);
        var features = c.Features();
        features.Frame(0, 3)[1] = 1e30f;
        var ll = new double[3];
        var result = new ViterbiResult(3, features.MaxLength);
        engine.Decode(c.Gmm(), c.Model(), features, ll, result);
        Assert.Equal(double.NegativeInfinity, ll[0]);
        Assert.Equal(double.NegativeInfinity, result.Scores[0]);
        Assert.All(result.Path(0).ToArray(), s => Assert.Equal(-1, s));
        Assert.True(double.IsFinite(ll[1]) && double.IsFinite(result.Scores[1]));
        Assert.Equal(0.0, ll[2]);
        Assert.Equal(0, result.Path(2).Length);
        CheckOne(engine, c.Gmm(), c.Model(), features, c.ToString());
    }

    private static void CheckCases(HmmEngine engine, long iterations) =>
        DecodeCase.Generator().Sample(c => CheckOne(engine, c.Gmm(), c.Model(), c.Features(), c.ToString()), iter: iterations, threads: 1);

    private static void CheckOne(HmmEngine engine, GaussianMixtureEmissions gmm, HmmModel model, SequenceBatch features, string label)
    {
        int batch = features.BatchSize;
        var emissions = new EmissionBatch(batch, features.MaxLength, model.StateCount);
        engine.ComputeEmissions(gmm, features, emissions);
        var expectedLl = new double[batch];
        engine.Forward(model, emissions, expectedLl);
        var expected = new ViterbiResult(batch, features.MaxLength);
        engine.Viterbi(model, emissions, expected);

        // Spare room in both outputs: Decode fills only the batch's entries.
        var ll = Enumerable.Repeat(12345.0, batch + 1).ToArray();
        var actual = new ViterbiResult(batch + 1, features.MaxLength + 2);
        engine.Decode(gmm, model, features, ll, actual);
        Assert.Equal(12345.0, ll[batch]);
        Assert.Equal(batch, actual.BatchSize);
        for (int b = 0; b < batch; b++)
        {
            Assert.True(BitEqual(expectedLl[b], ll[b]), $"{label} sequence {b}: log-likelihood {ll[b]:R}, separate calls {expectedLl[b]:R}");
            Assert.True(BitEqual(expected.Scores[b], actual.Scores[b]), $"{label} sequence {b}: score {actual.Scores[b]:R}, separate calls {expected.Scores[b]:R}");
            Assert.Equal(expected.Path(b).ToArray(), actual.Path(b).ToArray());
        }
    }

    private static bool BitEqual(double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);
}

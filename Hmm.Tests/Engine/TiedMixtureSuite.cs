using System;
using System.Linq;
using CsCheck;
using Hmm.Simd;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Engine;

/// <summary>Tied-mixture (PTM) emissions of an engine against the model's float64 reference, on random shapes.</summary>
public abstract class TiedMixtureSuite
{
    /// <summary>The engine under test.</summary>
    protected abstract IHmmEngine CreateEngine();

    /// <summary>Random cases of <see cref="Log_likelihoods_match_reference"/> (fewer on ILGPU's CPU accelerator, a slow simulator).</summary>
    protected virtual long Iterations => 30;

    /// <summary>A random model: 1-3 streams of 1-6 dimensions, 1-5 codebooks of 1-40 Gaussians, some zero weights.</summary>
    internal static TiedMixtureEmissions RandomModel(Random rng, int states, out int[] dims)
    {
        int f = rng.Next(1, 4), c = rng.Next(1, 6), k = rng.Next(1, 41);
        dims = Enumerable.Range(0, f).Select(_ => rng.Next(1, 7)).ToArray();
        int d = dims.Sum();
        var means = Enumerable.Range(0, c * k * d).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var variances = Enumerable.Range(0, c * k * d).Select(_ => (float)(0.2 + rng.NextDouble() * 2)).ToArray();
        var codebooks = Enumerable.Range(0, states).Select(_ => rng.Next(c)).ToArray();
        var logWeights = new float[f * k * states];
        for (int i = 0; i < logWeights.Length; i++)
            logWeights[i] = rng.NextDouble() < 0.1 ? float.NegativeInfinity : (float)(-rng.NextDouble() * 30);
        int topN = rng.Next(1, Math.Min(k, 6) + 1);
        float floor = (float)(1 + rng.NextDouble() * (80.0 / f - 2));
        return new TiedMixtureEmissions(dims, c, k, means, variances, codebooks, logWeights, topN, floor);
    }

    /// <summary>
    /// Whether the float64 order of codebook <paramref name="codebook"/>'s Gaussians in a stream is too close at the top-N
    /// boundary for float32 to be sure of the same choice (then the engines may pick the other one).
    /// </summary>
    internal static bool NearTie(TiedMixtureEmissions model, ReadOnlySpan<float> frame, int codebook)
    {
        for (int f = 0; f < model.StreamCount; f++)
        {
            if (model.TopN == model.ComponentCount) continue;
            var scores = new double[model.ComponentCount];
            for (int k = 0; k < scores.Length; k++)
            {
                double g = 0;
                for (int j = 0; j < model.StreamDimension(f); j++)
                {
                    double v = model.Variance(codebook, f, k, j), diff = frame[model.StreamOffset(f) + j] - model.Mean(codebook, f, k, j);
                    g -= 0.5 * (Math.Log(2 * Math.PI * v) + diff * diff / v);
                }
                scores[k] = g;
            }
            Array.Sort(scores);
            Array.Reverse(scores);
            if (scores[model.TopN - 1] - scores[model.TopN] < 1e-3) return true;
        }
        return false;
    }

    [Fact]
    public void Log_likelihoods_match_reference()
    {
        var engine = CreateEngine();
        var gen = from states in Gen.Int[1, 60] from lengths in Gen.Int[0, 12].Array[1, 3] from seed in Gen.Int select (states, lengths, seed);
        int compared = 0, ties = 0;
        gen.Sample(x =>
        {
            var rng = new Random(x.seed);
            var model = RandomModel(rng, x.states, out var dims);
            var features = RandomModels.Features(model.FeatureDimension, x.lengths, rng);
            var output = new EmissionBatch(features.BatchSize, features.MaxLength, x.states);
            engine.ComputeEmissions(model, features, output);
            for (int b = 0; b < features.BatchSize; b++)
                for (int t = 0; t < x.lengths[b]; t++)
                {
                    var frame = features.Sequence(b).Slice(t * model.FeatureDimension, model.FeatureDimension);
                    for (int s = 0; s < x.states; s++)
                    {
                        if (NearTie(model, frame, model.Codebook(s))) { ties++; continue; }
                        double expected = model.LogLikelihood(frame, s);
                        Tolerance.LogValue(expected, output[b, t, s], 20 * model.FeatureDimension + Math.Abs(expected),
                            $"streams {string.Join("+", dims)} C={model.CodebookCount} K={model.ComponentCount} N={model.TopN} [{b},{t},{s}]");
                        compared++;
                    }
                }
        }, iter: Iterations, threads: 1);
        Assert.True(compared > 20 * ties, $"{ties} near-ties skipped against {compared} compared");
    }

    [Fact]
    public void Padding_columns_and_frames_stay_out_of_the_results()
    {
        var engine = CreateEngine();
        var rng = new Random(7);
        var model = RandomModel(rng, 37, out _);
        var features = RandomModels.Features(model.FeatureDimension, new[] { 5, 0, 9 }, rng);
        var output = new EmissionBatch(features.BatchSize, features.MaxLength, 37);
        engine.ComputeEmissions(model, features, output);
        Assert.Equal(new[] { 5, 0, 9 }, Enumerable.Range(0, 3).Select(b => output.Lengths[b]).ToArray());
        var single = new SequenceBatch(1, 9, model.FeatureDimension);
        single.SetLength(0, 9);
        features.Sequence(2).CopyTo(single.Sequence(0));
        var alone = new EmissionBatch(1, 9, 37);
        engine.ComputeEmissions(model, single, alone);
        for (int t = 0; t < 9; t++)
            for (int s = 0; s < 37; s++) Assert.Equal(alone[0, t, s], output[2, t, s]);
    }

    [Fact]
    public void Subsets_match_the_full_model_and_back()
    {
        // A subset shares its source's Gaussian tables (engines may keep them loaded) but has its own weights and groups.
        var engine = CreateEngine();
        var rng = new Random(9);
        var model = RandomModel(rng, 40, out _);
        var features = RandomModels.Features(model.FeatureDimension, new[] { 7, 4 }, rng);
        var full = new EmissionBatch(2, 7, 40);
        engine.ComputeEmissions(model, features, full);
        int[] states = { 39, 3, 17, 0, 22 };
        var part = new EmissionBatch(2, 7, states.Length);
        engine.ComputeEmissions(model.Subset(states), features, part);
        var again = new EmissionBatch(2, 7, 40);
        engine.ComputeEmissions(model, features, again);
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < features.Lengths[b]; t++)
            {
                for (int i = 0; i < states.Length; i++)
                {
                    float want = full[b, t, states[i]], got = part[b, t, i];
                    Assert.True(Math.Abs(want - got) <= 1e-4 * (1 + Math.Abs(want)), $"[{b},{t}] state {states[i]}: full {want}, subset {got}");
                }
                for (int s = 0; s < 40; s++) Assert.Equal(full[b, t, s], again[b, t, s]);
            }
    }
}

public sealed class TiedMixtureScalar : TiedMixtureSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Scalar); }
public sealed class TiedMixtureVectorT : TiedMixtureSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.VectorT); }
public sealed class TiedMixtureVector128 : TiedMixtureSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector128); }
public sealed class TiedMixtureVector256 : TiedMixtureSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector256); }
public sealed class TiedMixtureVector512 : TiedMixtureSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector512); }

using System;
using System.Linq;
using Hmm.FrameClassifier;
using Hmm.Onnx;
using Hmm.Primitives;
using Xunit;
using static Hmm.Tests.Onnx.OnnxTestModels;

namespace Hmm.Tests.Onnx;

/// <summary>
/// The adapter on models written by the project's ONNX writer: its scaled log-likelihoods against a float64 re-computation
/// of the same network from the same weights (which checks the writer, ONNX Runtime's reading of it, and the adapter's
/// prior subtraction and row layout end to end), both output paths (in place when N fills the stride, staged otherwise),
/// models with and without a batch dimension, reuse across sequences of changing length, and the transition output.
/// </summary>
public sealed class OnnxScorerTests
{
    // ONNX Runtime's float32 MatMul and LogSoftmax against float64: a few ulps of values up to ~30 in magnitude.
    private const double Tol = 2e-4;

    [Theory]
    [InlineData(5, false)]
    [InlineData(16, false)]   // N = stride: ONNX Runtime writes into the batch's rows
    [InlineData(41, false)]
    [InlineData(32, true)]
    [InlineData(41, true)]
    public void Mlp_log_likelihoods_match_float64_recomputation(int classes, bool batchDimension)
    {
        var mlp = RandomMlp(dimension: 7, context: 2, hidden: 12, classes, seed: classes);
        var priors = SkewedPriors(classes);
        using var scorer = new OnnxEmissionScorer(mlp.ToOnnx(batchDimension: batchDimension), "random-mlp", new OnnxEmissionOptions { Priors = priors, IntraOpThreads = 1 });
        Assert.Equal(batchDimension, scorer.HasBatchDimension);
        Assert.Equal(7, scorer.FeatureDimension);
        Assert.Equal(classes, scorer.StateCount);
        Assert.Equal(classes % 16 == 0, scorer.WritesInPlace);

        var features = RandomFeatures(23, 7, seed: 3);
        var emissions = scorer.Score(features);
        Assert.Equal(23, emissions.Lengths[0]);
        AssertMatches(ReferenceLogPosteriors(mlp, features), priors, emissions, 0);
        // In place: ONNX Runtime wrote into the batch, the scorer never needed its scratch.
        Assert.Equal(classes % 16 == 0, scorer.ScratchLength == 0);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(41)]
    public void Scoring_file_after_file_reuses_the_scorers_buffers(int classes)
    {
        // 300 frames of 41 classes would be a 49 KB scratch if the staged path allocated one per call; what a call allocates
        // once warm is ONNX Runtime's per-call tensor wrappers (about 400 bytes).
        var mlp = RandomMlp(dimension: 13, context: 2, hidden: 32, classes, seed: 7);
        using var scorer = new OnnxEmissionScorer(mlp.ToOnnx(), "random-mlp", new OnnxEmissionOptions { Priors = SkewedPriors(classes), IntraOpThreads = 1 });
        var features = RandomFeatures(300, 13, seed: 1);
        var emissions = new EmissionBatch(2, 300, classes);
        long bytes = Support.SteadyAllocation.Bytes(() => scorer.Score(features, emissions, 1), warmUp: 20, calls: 100);
        Assert.True(bytes / 100 < 1024, $"{bytes / 100} bytes a call");
    }

    [Fact]
    public void Sequences_of_changing_length_reuse_one_batch_and_scorer()
    {
        var mlp = RandomMlp(dimension: 5, context: 3, hidden: 9, classes: 6, seed: 11);
        var priors = SkewedPriors(6);
        using var scorer = new OnnxEmissionScorer(mlp.ToOnnx(), "random-mlp", new OnnxEmissionOptions { Priors = priors, IntraOpThreads = 1 });
        var emissions = new EmissionBatch(3, 80, 6);
        int[] lengths = { 50, 2, 80, 1, 64 };
        for (int i = 0; i < lengths.Length; i++)
        {
            var features = RandomFeatures(lengths[i], 5, seed: 100 + i);
            int index = i % 3;
            scorer.Score(features, emissions, index);
            Assert.Equal(lengths[i], emissions.Lengths[index]);
            AssertMatches(ReferenceLogPosteriors(mlp, features), priors, emissions, index);
        }
        // An empty sequence: length 0, nothing run.
        scorer.Score(Array.Empty<float>(), emissions, 1);
        Assert.Equal(0, emissions.Lengths[1]);
    }

    [Fact]
    public void A_feature_batch_scores_every_sequence_in_place()
    {
        var mlp = RandomMlp(dimension: 4, context: 1, hidden: 8, classes: 16, seed: 21);
        var priors = SkewedPriors(16);
        using var scorer = new OnnxEmissionScorer(mlp.ToOnnx(batchDimension: true), "random-mlp", new OnnxEmissionOptions { Priors = priors, IntraOpThreads = 1 });
        var batch = new SequenceBatch(3, 30, 4);
        int[] lengths = { 30, 17, 9 };
        var perSequence = new float[3][];
        for (int b = 0; b < 3; b++)
        {
            batch.SetLength(b, lengths[b]);
            perSequence[b] = RandomFeatures(lengths[b], 4, seed: 40 + b);
            perSequence[b].CopyTo(batch.Sequence(b));
        }
        var emissions = new EmissionBatch(3, 30, 16);
        scorer.Score(batch, emissions);
        for (int b = 0; b < 3; b++)
        {
            Assert.Equal(lengths[b], emissions.Lengths[b]);
            AssertMatches(ReferenceLogPosteriors(mlp, perSequence[b]), priors, emissions, b);
        }
    }

    [Fact]
    public void Priors_from_the_models_metadata_are_floored_counts()
    {
        var mlp = RandomMlp(dimension: 3, context: 0, hidden: 4, classes: 4, seed: 2);
        double[] counts = { 300, 100, 0, 600 };
        using var scorer = new OnnxEmissionScorer(mlp.ToOnnx(new[] { "a", "b", "c", "d" }, counts), "with-metadata", new OnnxEmissionOptions { PriorFloor = 0.01 });
        Assert.Equal(new[] { "a", "b", "c", "d" }, scorer.ClassNames);
        var expected = ClassPriors.FromCounts(counts, 0.01);
        for (int c = 0; c < 4; c++) Assert.Equal(expected.LogPriors[c], scorer.Priors.LogPriors[c]);
        // The zero count got the floor (renormalised), not log 0.
        Assert.Equal(0.01 / 1.01, scorer.Priors.Probabilities[2], 12);
        var features = RandomFeatures(6, 3, seed: 9);
        AssertMatches(ReferenceLogPosteriors(mlp, features), expected, scorer.Score(features), 0);
    }

    /// <summary>Emissions LogSoftmax(x W) ("logp") and transitions LogSoftmax over the last axis of Reshape(x V, [-1, N, N]) ("trans").</summary>
    private static byte[] EmissionsAndTransitions(int d, int n, float[] w, float[] v)
    {
        var g = new OnnxGraphBuilder("with-transitions");
        g.AddInput("x", OnnxElementType.Float, "frames", d);
        g.AddOutput("logp", OnnxElementType.Float, "frames", n);
        g.AddOutput("trans", OnnxElementType.Float, "frames", n, n);
        g.AddInitializer("W", w, d, n);
        g.AddInitializer("V", v, d, n * n);
        g.AddInitializer("shape", new long[] { -1, n, n }, 3);
        g.AddNode("MatMul", new[] { "x", "W" }, new[] { "z" });
        g.AddNode("LogSoftmax", new[] { "z" }, new[] { "logp" }, OnnxAttribute.Int("axis", -1));
        g.AddNode("MatMul", new[] { "x", "V" }, new[] { "u" });
        g.AddNode("Reshape", new[] { "u", "shape" }, new[] { "u3" });
        g.AddNode("LogSoftmax", new[] { "u3" }, new[] { "trans" }, OnnxAttribute.Int("axis", -1));
        return g.ToModel();
    }

    [Fact]
    public void A_neural_hmm_runs_from_the_models_transitions_through_the_time_varying_engine()
    {
        // The same two-output graph as below; its transitions go into TimeVaryingTransitions and HmmEngine's time-varying
        // forward and Viterbi run on them, checked against the float64 reference over the tables and emissions read back.
        const int d = 3, n = 5, frames = 12;
        float[] w = RandomFeatures(d, n, seed: 15), v = RandomFeatures(d, n * n, seed: 16);
        using var scorer = new OnnxEmissionScorer(EmissionsAndTransitions(d, n, w, v), "neural-hmm", new OnnxEmissionOptions { Priors = ClassPriors.Uniform(n), TransitionOutput = "trans" });
        var emissions = new EmissionBatch(2, frames, n);
        var transitions = TimeVaryingTransitions.Dense(2, frames, n);
        transitions.SetLogInitial(Enumerable.Repeat((float)Math.Log(1.0 / n), n).ToArray());
        scorer.Score(RandomFeatures(frames, d, seed: 17), emissions, 0, transitions);
        scorer.Score(RandomFeatures(frames - 4, d, seed: 18), emissions, 1, transitions);
        var engine = new HmmEngine();
        var ll = new double[2];
        engine.Forward(transitions, emissions, ll);
        var best = new ViterbiResult(2, frames);
        engine.Viterbi(transitions, emissions, best);
        for (int b = 0; b < 2; b++)
        {
            int length = emissions.Lengths[b];
            var (initial, tables) = Hmm.Testing.ReferenceTimeVarying.Read(transitions, b, length);
            var e = new double[length, n];
            for (int t = 0; t < length; t++)
                for (int j = 0; j < n; j++) e[t, j] = emissions[b, t, j];
            double expected = Hmm.Testing.ReferenceTimeVarying.Forward(initial, tables, e, out _);
            Assert.Equal(expected, ll[b], 4);
            double score = Hmm.Testing.ReferenceTimeVarying.Viterbi(initial, tables, e, out _);
            Assert.Equal(score, best.Scores[b], 4);
        }
        Assert.Equal("transitions", Assert.Throws<ArgumentException>(() => scorer.Score(RandomFeatures(frames, d, seed: 1), emissions, 0, TimeVaryingTransitions.Dense(1, frames, n + 1))).ParamName);
        Assert.Equal("transitions", Assert.Throws<ArgumentException>(() => scorer.Score(RandomFeatures(frames, d, seed: 1), emissions, 0, TimeVaryingTransitions.Banded(1, frames, n, 2))).ParamName);
    }

    [Fact]
    public void Transitions_are_written_into_the_callers_array_and_match_float64()
    {
        // Emissions: LogSoftmax(x W); transitions: LogSoftmax over the last axis of Reshape(x V, [-1, N, N]).
        const int d = 3, n = 4, frames = 9;
        float[] w = RandomFeatures(d, n, seed: 5), v = RandomFeatures(d, n * n, seed: 6);
        var priors = ClassPriors.Uniform(n);
        using var scorer = new OnnxEmissionScorer(EmissionsAndTransitions(d, n, w, v), "with-transitions", new OnnxEmissionOptions { Priors = priors, TransitionOutput = "trans" });
        Assert.Equal("logp", scorer.LogPosteriorOutput);

        var x = RandomFeatures(frames, d, seed: 8);
        var emissions = new EmissionBatch(1, frames, n);
        var transitions = new float[scorer.TransitionLength(frames) + 5];
        transitions.AsSpan().Fill(123f);
        scorer.Score(x, emissions, 0, transitions);
        for (int t = 0; t < frames; t++)
            for (int i = 0; i < n; i++)
            {
                var row = new double[n];
                for (int j = 0; j < n; j++)
                    for (int k = 0; k < d; k++) row[j] += x[t * d + k] * (double)v[k * n * n + i * n + j];
                double max = double.NegativeInfinity, total = 0;
                foreach (double r in row) max = Math.Max(max, r);
                foreach (double r in row) total += Math.Exp(r - max);
                for (int j = 0; j < n; j++)
                    Assert.Equal(row[j] - max - Math.Log(total), transitions[(t * n + i) * n + j], Tol);
            }
        Assert.Equal(123f, transitions[^1]);   // only T·N·N floats written
        var logp = new double[frames, n];
        for (int t = 0; t < frames; t++)
        {
            var z = new double[n];
            for (int j = 0; j < n; j++) for (int k = 0; k < d; k++) z[j] += x[t * d + k] * (double)w[k * n + j];
            double max = double.NegativeInfinity, total = 0;
            foreach (double r in z) max = Math.Max(max, r);
            foreach (double r in z) total += Math.Exp(r - max);
            for (int j = 0; j < n; j++) logp[t, j] = z[j] - max - Math.Log(total);
        }
        AssertMatches(logp, priors, emissions, 0);
    }

    [Fact]
    public void Padding_lanes_stay_negative_infinity_on_the_staged_path()
    {
        var mlp = RandomMlp(dimension: 2, context: 1, hidden: 5, classes: 3, seed: 4);
        using var scorer = new OnnxEmissionScorer(mlp.ToOnnx(), "random-mlp", new OnnxEmissionOptions { Priors = ClassPriors.Uniform(3) });
        var emissions = new EmissionBatch(1, 10, 3);
        scorer.Score(RandomFeatures(10, 2, 1), emissions, 0);
        for (int t = 0; t < 10; t++)
            for (int j = 3; j < emissions.Stride; j++)
                Assert.Equal(float.NegativeInfinity, emissions.Data[emissions.Offset(0, t) + j]);
        emissions.Validate("emissions");
    }

    internal static void AssertMatches(double[,] logPosteriors, ClassPriors priors, EmissionBatch emissions, int index)
    {
        int frames = logPosteriors.GetLength(0), classes = logPosteriors.GetLength(1);
        Assert.Equal(frames, emissions.Lengths[index]);
        for (int t = 0; t < frames; t++)
            for (int c = 0; c < classes; c++)
            {
                double expected = logPosteriors[t, c] - Math.Log(priors.Probabilities[c]);
                double actual = emissions[index, t, c];
                Assert.True(Math.Abs(expected - actual) <= Tol * (1 + Math.Abs(expected)),
                    $"sequence {index}, frame {t}, class {c}: expected {expected:R}, got {actual:R}");
            }
    }
}

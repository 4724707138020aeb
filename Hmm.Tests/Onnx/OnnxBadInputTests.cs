using System;
using System.Collections.Generic;
using System.IO;
using Hmm.FrameClassifier;
using Hmm.Onnx;
using Xunit;
using static Hmm.Tests.Onnx.OnnxTestModels;

namespace Hmm.Tests.Onnx;

/// <summary>
/// Bad input to the adapter and the priors: each gets a clear exception that names the argument or the model and the problem.
/// </summary>
public sealed class OnnxBadInputTests
{
    private static readonly OnnxEmissionOptions Uniform4 = new() { Priors = ClassPriors.Uniform(4) };

    private static T Throws<T>(Action action, params string[] fragments) where T : Exception
    {
        var e = Assert.Throws<T>(action);
        foreach (string f in fragments) Assert.Contains(f, e.Message, StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public void Missing_model_file_names_the_path()
    {
        string path = Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid().ToString("N") + ".onnx");
        var e = Throws<FileNotFoundException>(() => new OnnxEmissionScorer(path, Uniform4), path);
        Assert.Equal(path, e.FileName);
    }

    [Fact]
    public void A_file_that_is_not_an_onnx_model_names_the_file()
    {
        using var file = new TempFile(System.Text.Encoding.UTF8.GetBytes("0.000\t0.100\tsil\n"), ".onnx");
        var e = Throws<OnnxModelException>(() => new OnnxEmissionScorer(file.Path, Uniform4), file.Path, "not a loadable ONNX model");
        Assert.Equal(file.Path, e.ModelName);
    }

    [Fact]
    public void Null_arguments_are_named()
    {
        Assert.Equal("modelPath", Assert.Throws<ArgumentNullException>(() => new OnnxEmissionScorer((string)null!)).ParamName);
        Assert.Equal("model", Assert.Throws<ArgumentNullException>(() => new OnnxEmissionScorer((byte[])null!, "m")).ParamName);
    }

    public static TheoryData<string, OnnxDim[], OnnxDim[], OnnxElementType, OnnxElementType, string> BadShapes => new()
    {
        { "input rank 1", new OnnxDim[] { 3 }, new OnnxDim[] { "T", 4 }, OnnxElementType.Float, OnnxElementType.Float, "input 'x' has rank 1" },
        { "input rank 4", new OnnxDim[] { 1, 1, "T", 3 }, new OnnxDim[] { "T", 4 }, OnnxElementType.Float, OnnxElementType.Float, "input 'x' has rank 4" },
        { "free feature dimension", new OnnxDim[] { "T", "D" }, new OnnxDim[] { "T", 4 }, OnnxElementType.Float, OnnxElementType.Float, "input 'x' has no fixed number of features" },
        { "fixed batch of 2", new OnnxDim[] { 2, "T", 3 }, new OnnxDim[] { 2, "T", 4 }, OnnxElementType.Float, OnnxElementType.Float, "input 'x' has a fixed batch of 2" },
        { "double input", new OnnxDim[] { "T", 3 }, new OnnxDim[] { "T", 4 }, OnnxElementType.Double, OnnxElementType.Double, "input 'x' holds Double; the adapter needs float32" },
    };

    [Theory]
    [MemberData(nameof(BadShapes))]
    public void Input_or_output_that_does_not_fit_is_named_with_its_shape(string _, OnnxDim[] input, OnnxDim[] output, OnnxElementType inType, OnnxElementType outType, string message)
    {
        byte[] model = outType == OnnxElementType.Double
            ? Graph(input, output, g => g.AddNode("Identity", new[] { "x" }, new[] { "y" }), inType, outType)
            : Graph(input, output, g =>
            {
                g.AddInitializer("W", RandomFeatures(3, 4, 1), 3, 4);
                g.AddNode("MatMul", new[] { "x", "W" }, new[] { "y" });
            }, inType, outType);
        var e = Throws<OnnxModelException>(() => new OnnxEmissionScorer(model, "bad-model", Uniform4), "bad-model: ", message);
        Assert.Equal("bad-model", e.ModelName);
    }

    [Fact]
    public void Output_of_rank_1_is_named_with_its_shape()
    {
        // Frames averaged away: [T, 3] -> [4].
        byte[] model = Graph(new OnnxDim[] { "T", 3 }, new OnnxDim[] { 4 }, g =>
        {
            g.AddInitializer("W", RandomFeatures(3, 4, 1), 3, 4);
            g.AddNode("MatMul", new[] { "x", "W" }, new[] { "z" });
            g.AddNode("ReduceMean", new[] { "z" }, new[] { "y" }, OnnxAttribute.IntList("axes", 0), OnnxAttribute.Int("keepdims", 0));
        });
        Throws<OnnxModelException>(() => new OnnxEmissionScorer(model, "bad-model", Uniform4), "bad-model: output 'y' has rank 1 ([4])");
    }

    [Fact]
    public void Output_without_a_fixed_class_count_is_named()
    {
        // Transposed frames: [T, 3] -> [3, T], so the last dimension is the free frame count.
        byte[] model = Graph(new OnnxDim[] { "T", 3 }, new OnnxDim[] { 3, "T" }, g => g.AddNode("Transpose", new[] { "x" }, new[] { "y" }));
        Throws<OnnxModelException>(() => new OnnxEmissionScorer(model, "bad-model", Uniform4), "bad-model: output 'y' has no fixed number of classes ([3, T])");
    }

    [Fact]
    public void Priors_of_the_wrong_length_are_named()
    {
        byte[] model = LinearClassifier(new OnnxDim[] { "T", 3 }, new OnnxDim[] { "T", 4 }, 3, 4);
        var e = Throws<ArgumentException>(() => new OnnxEmissionScorer(model, "m", new OnnxEmissionOptions { Priors = ClassPriors.Uniform(5) }),
            "options.Priors has 5 classes", "output 'y' has 4");
        Assert.Equal("options", e.ParamName);
    }

    [Fact]
    public void No_priors_and_no_metadata_says_what_to_give()
    {
        byte[] model = LinearClassifier(new OnnxDim[] { "T", 3 }, new OnnxDim[] { "T", 4 }, 3, 4);
        Throws<ArgumentException>(() => new OnnxEmissionScorer(model, "m"), "options.Priors is null", "hmm.class_counts");
    }

    [Fact]
    public void Metadata_counts_that_do_not_fit_name_the_key()
    {
        var meta = new Dictionary<string, string> { ["hmm.class_counts"] = "1 2 3" };
        byte[] model = Graph(new OnnxDim[] { "T", 3 }, new OnnxDim[] { "T", 4 }, g =>
        {
            g.AddInitializer("W", RandomFeatures(3, 4, 1), 3, 4);
            g.AddNode("MatMul", new[] { "x", "W" }, new[] { "y" });
        }, metadata: meta);
        Throws<OnnxModelException>(() => new OnnxEmissionScorer(model, "m"), "metadata 'hmm.class_counts' has 3 counts", "4 classes");
    }

    [Fact]
    public void Names_of_missing_inputs_and_outputs_are_reported_with_the_ones_that_exist()
    {
        byte[] model = LinearClassifier(new OnnxDim[] { "T", 3 }, new OnnxDim[] { "T", 4 }, 3, 4);
        Throws<ArgumentException>(() => new OnnxEmissionScorer(model, "m", Uniform4 with { InputName = "feats" }), "options.InputName is 'feats'", "its inputs: x");
        Throws<ArgumentException>(() => new OnnxEmissionScorer(model, "m", Uniform4 with { TransitionOutput = "trans" }), "options.TransitionOutput is 'trans'", "its outputs: y");
    }

    [Fact]
    public void Features_that_do_not_fit_the_model_or_the_batch_are_named()
    {
        byte[] model = LinearClassifier(new OnnxDim[] { "T", 3 }, new OnnxDim[] { "T", 4 }, 3, 4);
        using var scorer = new OnnxEmissionScorer(model, "m", Uniform4);
        var emissions = new EmissionBatch(2, 5, 4);
        Assert.Equal("features", Throws<ArgumentException>(() => scorer.Score(new float[10], emissions, 0), "features holds 10 floats, not a whole number of frames of 3").ParamName);
        Assert.Equal("emissions", Throws<ArgumentException>(() => scorer.Score(new float[18], emissions, 0), "features have 6 frames but emissions holds at most 5").ParamName);
        Assert.Equal("emissions", Throws<ArgumentException>(() => scorer.Score(new float[9], new EmissionBatch(1, 5, 6), 0), "emissions has 6 states", "4 classes").ParamName);
        Assert.Equal("index", Assert.Throws<ArgumentOutOfRangeException>(() => scorer.Score(new float[9], emissions, 2)).ParamName);
        Assert.Equal("features", Throws<ArgumentException>(() => scorer.Score(new SequenceBatch(1, 4, 2), emissions), "features has dimension 2", "takes 3").ParamName);
        Assert.Throws<InvalidOperationException>(() => scorer.Score(new float[9], emissions, 0, new float[100]));
    }

    [Fact]
    public void A_fixed_frame_count_that_differs_from_the_features_is_named()
    {
        byte[] fixedInput = LinearClassifier(new OnnxDim[] { 5, 3 }, new OnnxDim[] { 5, 4 }, 3, 4);
        using var a = new OnnxEmissionScorer(fixedInput, "m", Uniform4);
        a.Score(new float[15], new EmissionBatch(1, 5, 4), 0);   // 5 frames fit
        Throws<ArgumentException>(() => a.Score(new float[12], new EmissionBatch(1, 5, 4), 0), "features have 4 frames", "input 'x' has a fixed 5");
        byte[] fixedOutput = LinearClassifier(new OnnxDim[] { "T", 3 }, new OnnxDim[] { 5, 4 }, 3, 4);
        using var b = new OnnxEmissionScorer(fixedOutput, "m", Uniform4);
        Throws<ArgumentException>(() => b.Score(new float[12], new EmissionBatch(1, 5, 4), 0), "output 'y' has a fixed 5", "one output frame per input frame");
    }

    [Fact]
    public void A_model_whose_output_frames_differ_at_run_time_is_an_onnx_model_error()
    {
        // Declares [T, 4] out but drops the first frame (Slice from 1): ONNX Runtime refuses to write T - 1 rows into T.
        byte[] model = Graph(new OnnxDim[] { "T", 3 }, new OnnxDim[] { "T", 4 }, g =>
        {
            g.AddInitializer("W", RandomFeatures(3, 4, 1), 3, 4);
            g.AddInitializer("starts", new long[] { 1 }, 1);
            g.AddInitializer("ends", new long[] { long.MaxValue }, 1);
            g.AddNode("Slice", new[] { "x", "starts", "ends" }, new[] { "xs" });
            g.AddNode("MatMul", new[] { "xs", "W" }, new[] { "y" });
        });
        using var scorer = new OnnxEmissionScorer(model, "subsampling", Uniform4);
        Throws<OnnxModelException>(() => scorer.Score(new float[12], new EmissionBatch(1, 4, 4), 0), "subsampling: ONNX Runtime could not run the model on 4 frames");
    }

    [Theory]
    [InlineData(-1f, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    public void NaN_or_positive_infinity_in_the_output_names_frame_and_class(float value, string shown)
    {
        // y = Log(x) with N = D = 16 (the in-place path) and 3 (the staged path).
        foreach (int n in new[] { 16, 3 })
        {
            byte[] model = Graph(new OnnxDim[] { "T", n }, new OnnxDim[] { "T", n }, g => g.AddNode("Log", new[] { "x" }, new[] { "y" }));
            using var scorer = new OnnxEmissionScorer(model, "log-model", new OnnxEmissionOptions { Priors = ClassPriors.Uniform(n) });
            var x = new float[4 * n];
            x.AsSpan().Fill(0.5f);
            x[2 * n + 1] = value;
            Throws<OnnxModelException>(() => scorer.Score(x), "log-model: output 'y' is " + shown, "frame 2, class 1");
            x[2 * n + 1] = 0f;   // log 0 = -infinity: allowed (a class the network rules out)
            var e = scorer.Score(x);
            Assert.Equal(float.NegativeInfinity, e[0, 2, 1]);
        }
    }

    [Fact]
    public void Transition_outputs_of_the_wrong_shape_or_with_nan_are_named()
    {
        byte[] Model(OnnxDim[] transShape, long[] reshape, string op = "Identity") =>
            new Func<byte[]>(() =>
            {
                var g = new OnnxGraphBuilder("t");
                g.AddInput("x", OnnxElementType.Float, "T", 3);
                g.AddOutput("y", OnnxElementType.Float, "T", 2);
                g.AddOutput("trans", OnnxElementType.Float, transShape);
                g.AddInitializer("W", RandomFeatures(3, 2, 1), 3, 2);
                g.AddInitializer("V", RandomFeatures(3, 4, 2), 3, 4);
                g.AddInitializer("shape", reshape, reshape.Length);
                g.AddNode("MatMul", new[] { "x", "W" }, new[] { "z" });
                g.AddNode("LogSoftmax", new[] { "z" }, new[] { "y" }, OnnxAttribute.Int("axis", -1));
                g.AddNode("MatMul", new[] { "x", "V" }, new[] { "u" });
                g.AddNode(op, new[] { "u" }, new[] { "u2" });
                g.AddNode("Reshape", new[] { "u2", "shape" }, new[] { "trans" });
                return g.ToModel();
            })();
        var options = new OnnxEmissionOptions { Priors = ClassPriors.Uniform(2), TransitionOutput = "trans" };
        Throws<OnnxModelException>(() => new OnnxEmissionScorer(Model(new OnnxDim[] { "T", 4 }, new long[] { -1, 4 }), "t", options), "output 'trans' has rank 2");
        Throws<OnnxModelException>(() => new OnnxEmissionScorer(Model(new OnnxDim[] { "T", 1, 4 }, new long[] { -1, 1, 4 }), "t", options), "output 'trans' is [T, 1, 4]", "must end in [2, 2]");
        using var scorer = new OnnxEmissionScorer(Model(new OnnxDim[] { "T", 2, 2 }, new long[] { -1, 2, 2 }, "Sqrt"), "sqrt-trans", options);
        var x = RandomFeatures(5, 3, 7);
        var emissions = new EmissionBatch(1, 5, 2);
        Assert.Equal("transitions", Throws<ArgumentException>(() => scorer.Score(x, emissions, 0, new float[19]), "transitions holds 19 floats", "need 20").ParamName);
        // Sqrt of the random projections: some are negative, so NaN.
        Throws<OnnxModelException>(() => scorer.Score(x, emissions, 0, new float[20]), "sqrt-trans: output 'trans' is NaN at frame");
    }

    [Fact]
    public void Priors_with_zeros_or_of_no_probability_distribution_are_named()
    {
        Assert.Equal("probabilities", Throws<ArgumentException>(() => ClassPriors.FromProbabilities(new[] { 0.5, 0, 0.5 }), "probabilities[1] is 0", "must be positive").ParamName);
        Throws<ArgumentException>(() => ClassPriors.FromProbabilities(new[] { 0.5, double.NaN, 0.5 }), "probabilities[1] is NaN");
        Throws<ArgumentException>(() => ClassPriors.FromProbabilities(new[] { 0.5, 0.4 }), "sum to 0.9");
        Throws<ArgumentException>(() => ClassPriors.FromProbabilities(ReadOnlySpan<double>.Empty), "probabilities is empty");
        Assert.Equal("counts", Throws<ArgumentException>(() => ClassPriors.FromCounts(new[] { 3.0, -1 }), "counts[1] is -1").ParamName);
        Throws<ArgumentException>(() => ClassPriors.FromCounts(new[] { 0.0, 0 }), "counts are all zero");
        Assert.Equal("floor", Assert.Throws<ArgumentOutOfRangeException>(() => ClassPriors.FromCounts(new[] { 1.0, 1 }, 0)).ParamName);
        Assert.Equal("floor", Assert.Throws<ArgumentOutOfRangeException>(() => ClassPriors.FromCounts(new[] { 1.0, 1 }, 0.6)).ParamName);
        Assert.Equal("labels", Throws<ArgumentException>(() => ClassPriors.FromFrameLabels(new[] { 0, 2, 3 }, 3), "labels[2] is 3").ParamName);
        // What is accepted: counts with a zero get the floor; probabilities are normalised exactly.
        var p = ClassPriors.FromFrameLabels(new[] { 0, 0, 1, 0 }, 3, floor: 0.1);
        Assert.Equal(new[] { 0.75 / 1.1, 0.25 / 1.1, 0.1 / 1.1 }, p.Probabilities.ToArray(), new ToleranceComparer(1e-12));
        var q = ClassPriors.FromProbabilities(new[] { 0.2, 0.7999 });
        Assert.Equal(1.0, q.Probabilities[0] + q.Probabilities[1], 12);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}

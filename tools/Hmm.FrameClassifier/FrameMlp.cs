using System;
using System.Globalization;
using System.Linq;
using System.Numerics;

namespace Hmm.FrameClassifier;

/// <summary>
/// A frame classifier: each frame's features with <see cref="Context"/> frames either side (edge frames repeated at the
/// ends), one hidden ReLU layer, log-softmax over <see cref="Classes"/>. Weights are row-major float32:
/// <see cref="W1"/> <c>[(2c + 1) D, H]</c>, <see cref="W2"/> <c>[H, C]</c>; the stacked input of frame t is
/// <c>[x(t - c), ..., x(t + c)]</c>.
/// </summary>
public sealed class FrameMlp
{
    /// <summary>A classifier with the given weights (not copied).</summary>
    public FrameMlp(int inputDimension, int context, int hidden, int classes, float[] w1, float[] b1, float[] w2, float[] b2)
    {
        if (inputDimension <= 0 || context < 0 || hidden <= 0 || classes <= 0) throw new ArgumentOutOfRangeException(nameof(inputDimension), "sizes must be positive (context not negative).");
        InputDimension = inputDimension;
        Context = context;
        Hidden = hidden;
        Classes = classes;
        W1 = Check(w1, StackedDimension * hidden, nameof(w1));
        B1 = Check(b1, hidden, nameof(b1));
        W2 = Check(w2, hidden * classes, nameof(w2));
        B2 = Check(b2, classes, nameof(b2));
    }

    /// <summary>Values per input frame D.</summary>
    public int InputDimension { get; }

    /// <summary>Frames of context on each side c.</summary>
    public int Context { get; }

    /// <summary>Hidden units H.</summary>
    public int Hidden { get; }

    /// <summary>Classes C.</summary>
    public int Classes { get; }

    /// <summary>(2c + 1) D.</summary>
    public int StackedDimension => (2 * Context + 1) * InputDimension;

    /// <summary>Input-to-hidden weights <c>[(2c + 1) D, H]</c>.</summary>
    public float[] W1 { get; }

    /// <summary>Hidden biases.</summary>
    public float[] B1 { get; }

    /// <summary>Hidden-to-class weights <c>[H, C]</c>.</summary>
    public float[] W2 { get; }

    /// <summary>Class biases.</summary>
    public float[] B2 { get; }

    /// <summary>He-initialised weights, zero biases, from <paramref name="seed"/>.</summary>
    public static FrameMlp Random(int inputDimension, int context, int hidden, int classes, int seed)
    {
        var random = new Random(seed);
        int stacked = (2 * context + 1) * inputDimension;
        var w1 = new float[stacked * hidden];
        var w2 = new float[hidden * classes];
        Fill(w1, Math.Sqrt(2.0 / stacked), random);
        Fill(w2, Math.Sqrt(2.0 / hidden), random);
        return new FrameMlp(inputDimension, context, hidden, classes, w1, new float[hidden], w2, new float[classes]);
    }

    /// <summary>Writes frame <paramref name="t"/>'s stacked input (edge frames repeated) into <paramref name="destination"/>.</summary>
    public void Stack(ReadOnlySpan<float> features, int frames, int t, Span<float> destination)
    {
        int d = InputDimension;
        for (int k = -Context; k <= Context; k++)
        {
            int source = Math.Clamp(t + k, 0, frames - 1);
            features.Slice(source * d, d).CopyTo(destination.Slice((k + Context) * d, d));
        }
    }

    /// <summary>The hidden layer and class scores (logits) of one stacked input; returns nothing, fills both spans.</summary>
    public void Forward(ReadOnlySpan<float> stacked, Span<float> hidden, Span<float> logits)
    {
        B1.CopyTo(hidden);
        for (int k = 0; k < stacked.Length; k++)
        {
            float x = stacked[k];
            if (x != 0) MultiplyAdd(x, W1.AsSpan(k * Hidden, Hidden), hidden);
        }
        for (int h = 0; h < Hidden; h++) hidden[h] = Math.Max(hidden[h], 0f);
        B2.CopyTo(logits);
        for (int h = 0; h < Hidden; h++)
        {
            float a = hidden[h];
            if (a != 0) MultiplyAdd(a, W2.AsSpan(h * Classes, Classes), logits);
        }
    }

    /// <summary>Class of each frame by the largest score (float32 forward pass, the training code's own).</summary>
    public int[] Classify(ReadOnlySpan<float> features, int frames)
    {
        var stacked = new float[StackedDimension];
        var hidden = new float[Hidden];
        var logits = new float[Classes];
        var result = new int[frames];
        for (int t = 0; t < frames; t++)
        {
            Stack(features, frames, t, stacked);
            Forward(stacked, hidden, logits);
            int best = 0;
            for (int c = 1; c < Classes; c++) if (logits[c] > logits[best]) best = c;
            result[t] = best;
        }
        return result;
    }

    /// <summary>
    /// The network as an ONNX model (opset 13): input <c>features</c> <c>[frames, D]</c> (or <c>[batch, frames, D]</c> with
    /// <paramref name="batchDimension"/>), output <c>log_posteriors</c> of the same leading shape with C classes. Context
    /// stacking is in the graph (Pad with edge mode, one Slice per offset, Concat), then MatMul, Add, Relu, MatMul, Add,
    /// LogSoftmax. <paramref name="classNames"/> and <paramref name="classCounts"/> go into the metadata the adapter reads.
    /// </summary>
    public byte[] ToOnnx(string[]? classNames = null, double[]? classCounts = null, bool batchDimension = false, string? description = null)
    {
        var g = new OnnxGraphBuilder("frame_mlp");
        int time = batchDimension ? 1 : 0;
        int rank = batchDimension ? 3 : 2;
        OnnxDim[] inputShape = batchDimension ? new OnnxDim[] { "batch", "frames", InputDimension } : new OnnxDim[] { "frames", InputDimension };
        OnnxDim[] outputShape = batchDimension ? new OnnxDim[] { "batch", "frames", Classes } : new OnnxDim[] { "frames", Classes };
        g.AddInput("features", OnnxElementType.Float, inputShape);
        g.AddOutput("log_posteriors", OnnxElementType.Float, outputShape);

        string stacked = "features";
        if (Context > 0)
        {
            var pads = new long[2 * rank];
            pads[time] = Context;
            pads[rank + time] = Context;
            g.AddInitializer("pads", pads, pads.Length);
            g.AddNode("Pad", new[] { "features", "pads" }, new[] { "padded" }, OnnxAttribute.String("mode", "edge"));
            g.AddInitializer("slice_axes", new long[] { time }, 1);
            var parts = new string[2 * Context + 1];
            for (int k = 0; k <= 2 * Context; k++)
            {
                // Frame t of part k is padded frame t + k, i.e. x(t + k - c): rows k .. k + T of T + 2c.
                long end = k == 2 * Context ? long.MaxValue : k - 2 * Context;
                g.AddInitializer($"slice_start_{k}", new long[] { k }, 1);
                g.AddInitializer($"slice_end_{k}", new long[] { end }, 1);
                parts[k] = $"context_{k}";
                g.AddNode("Slice", new[] { "padded", $"slice_start_{k}", $"slice_end_{k}", "slice_axes" }, new[] { parts[k] });
            }
            g.AddNode("Concat", parts, new[] { "stacked" }, OnnxAttribute.Int("axis", rank - 1));
            stacked = "stacked";
        }
        g.AddInitializer("W1", W1, StackedDimension, Hidden);
        g.AddInitializer("b1", B1, Hidden);
        g.AddInitializer("W2", W2, Hidden, Classes);
        g.AddInitializer("b2", B2, Classes);
        g.AddNode("MatMul", new[] { stacked, "W1" }, new[] { "hidden_linear" });
        g.AddNode("Add", new[] { "hidden_linear", "b1" }, new[] { "hidden_biased" });
        g.AddNode("Relu", new[] { "hidden_biased" }, new[] { "hidden" });
        g.AddNode("MatMul", new[] { "hidden", "W2" }, new[] { "logits_linear" });
        g.AddNode("Add", new[] { "logits_linear", "b2" }, new[] { "logits" });
        g.AddNode("LogSoftmax", new[] { "logits" }, new[] { "log_posteriors" }, OnnxAttribute.Int("axis", -1));

        g.AddMetadata("hmm.context", Context.ToString(CultureInfo.InvariantCulture));
        if (classNames is not null)
        {
            if (classNames.Length != Classes) throw new ArgumentException($"classNames has {classNames.Length} names for {Classes} classes.", nameof(classNames));
            g.AddMetadata("hmm.classes", string.Join(' ', classNames));
        }
        if (classCounts is not null)
        {
            if (classCounts.Length != Classes) throw new ArgumentException($"classCounts has {classCounts.Length} counts for {Classes} classes.", nameof(classCounts));
            g.AddMetadata("hmm.class_counts", string.Join(' ', classCounts.Select(c => c.ToString("R", CultureInfo.InvariantCulture))));
        }
        if (description is not null) g.AddMetadata("hmm.description", description);
        return g.ToModel(opset: 13);
    }

    /// <summary>y += a · x, a register at a time.</summary>
    internal static void MultiplyAdd(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0;
        var va = new Vector<float>(a);
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            (new Vector<float>(y.Slice(i)) + va * new Vector<float>(x.Slice(i))).CopyTo(y.Slice(i));
        for (; i < x.Length; i++) y[i] += a * x[i];
    }

    /// <summary>Σ x · y, a register at a time.</summary>
    internal static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        int i = 0;
        var acc = Vector<float>.Zero;
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            acc += new Vector<float>(x.Slice(i)) * new Vector<float>(y.Slice(i));
        float sum = Vector.Sum(acc);
        for (; i < x.Length; i++) sum += x[i] * y[i];
        return sum;
    }

    private static float[] Check(float[] array, int length, string name)
    {
        ArgumentNullException.ThrowIfNull(array, name);
        if (array.Length != length) throw new ArgumentException($"{name} has {array.Length} values, expected {length}.", name);
        return array;
    }

    private static void Fill(float[] weights, double scale, Random random)
    {
        for (int i = 0; i < weights.Length; i++)
        {
            // Box-Muller: a normal deviate from two uniforms.
            double u = 1.0 - random.NextDouble(), v = random.NextDouble();
            weights[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v));
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using Hmm.FrameClassifier;
using Hmm.Onnx;
using Hmm.Tests.Alignment;

namespace Hmm.Tests.Onnx;

/// <summary>
/// Test models written with the project's own ONNX writer (tools/Hmm.FrameClassifier), the shipped phone classifier, and
/// the float64 re-computations the adapter is checked against.
/// </summary>
internal static class OnnxTestModels
{
    public static string ShippedModelPath => Path.Combine(AlignmentTestData.RepositoryRoot, "samples", "onnx", "phone-mlp.onnx");

    public static float[] RandomFeatures(int frames, int dimension, int seed)
    {
        var random = new Random(seed);
        var x = new float[frames * dimension];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 4 - 2);
        return x;
    }

    public static FrameMlp RandomMlp(int dimension, int context, int hidden, int classes, int seed)
    {
        var mlp = FrameMlp.Random(dimension, context, hidden, classes, seed);
        var random = new Random(seed + 1000);
        for (int i = 0; i < mlp.B1.Length; i++) mlp.B1[i] = (float)(random.NextDouble() - 0.5);
        for (int i = 0; i < mlp.B2.Length; i++) mlp.B2[i] = (float)(random.NextDouble() - 0.5);
        return mlp;
    }

    /// <summary>Priors from made-up counts (one class rare, so the floor and the subtraction both matter).</summary>
    public static ClassPriors SkewedPriors(int classes)
    {
        var counts = new double[classes];
        for (int c = 0; c < classes; c++) counts[c] = 1 + (c * 37 % 11) * 10;
        counts[classes - 1] = 0;
        return ClassPriors.FromCounts(counts, 1e-3);
    }

    /// <summary>
    /// The MLP in float64 from its weights: stacked input with edge frames repeated, ReLU hidden layer, log-softmax;
    /// <c>[T, C]</c> log-posteriors.
    /// </summary>
    public static double[,] ReferenceLogPosteriors(float[] w1, float[] b1, float[] w2, float[] b2, int dimension, int context, float[] features)
    {
        int hidden = b1.Length, classes = b2.Length, frames = features.Length / dimension;
        int stackedLength = (2 * context + 1) * dimension;
        var result = new double[frames, classes];
        var stacked = new double[stackedLength];
        var h = new double[hidden];
        var z = new double[classes];
        for (int t = 0; t < frames; t++)
        {
            for (int k = -context; k <= context; k++)
            {
                int source = Math.Clamp(t + k, 0, frames - 1);
                for (int d = 0; d < dimension; d++) stacked[(k + context) * dimension + d] = features[source * dimension + d];
            }
            for (int j = 0; j < hidden; j++)
            {
                double sum = b1[j];
                for (int i = 0; i < stackedLength; i++) sum += stacked[i] * w1[i * hidden + j];
                h[j] = Math.Max(sum, 0);
            }
            double max = double.NegativeInfinity;
            for (int c = 0; c < classes; c++)
            {
                double sum = b2[c];
                for (int j = 0; j < hidden; j++) sum += h[j] * w2[j * classes + c];
                z[c] = sum;
                max = Math.Max(max, sum);
            }
            double total = 0;
            for (int c = 0; c < classes; c++) total += Math.Exp(z[c] - max);
            double logTotal = max + Math.Log(total);
            for (int c = 0; c < classes; c++) result[t, c] = z[c] - logTotal;
        }
        return result;
    }

    public static double[,] ReferenceLogPosteriors(FrameMlp mlp, float[] features) =>
        ReferenceLogPosteriors(mlp.W1, mlp.B1, mlp.W2, mlp.B2, mlp.InputDimension, mlp.Context, features);

    /// <summary>A file that is deleted on dispose.</summary>
    public sealed class TempFile : IDisposable
    {
        public TempFile(byte[] contents, string extension = ".onnx")
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hmm-onnx-" + Guid.NewGuid().ToString("N") + extension);
            File.WriteAllBytes(Path, contents);
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }

    /// <summary>A one-node-chain model: input x of <paramref name="inputShape"/>, the nodes <paramref name="build"/> adds, output y.</summary>
    public static byte[] Graph(OnnxDim[] inputShape, OnnxDim[] outputShape, Action<OnnxGraphBuilder> build,
        OnnxElementType inputType = OnnxElementType.Float, OnnxElementType outputType = OnnxElementType.Float, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var g = new OnnxGraphBuilder("test");
        g.AddInput("x", inputType, inputShape);
        g.AddOutput("y", outputType, outputShape);
        build(g);
        if (metadata is not null) foreach (var (k, v) in metadata) g.AddMetadata(k, v);
        return g.ToModel();
    }

    /// <summary>y = LogSoftmax(x · W) with W <c>[D, N]</c> from a seed: a minimal classifier of any input and output shape.</summary>
    public static byte[] LinearClassifier(OnnxDim[] inputShape, OnnxDim[] outputShape, int dimension, int classes,
        OnnxElementType inputType = OnnxElementType.Float, OnnxElementType outputType = OnnxElementType.Float) =>
        Graph(inputShape, outputShape, g =>
        {
            g.AddInitializer("W", RandomFeatures(dimension, classes, 5), dimension, classes);
            g.AddNode("MatMul", new[] { "x", "W" }, new[] { "z" });
            g.AddNode("LogSoftmax", new[] { "z" }, new[] { "y" }, OnnxAttribute.Int("axis", -1));
        }, inputType, outputType);
}

/// <summary>
/// The initializers of an ONNX file, read with a protobuf reader written for the tests (independent of the writer): name,
/// dims and float32 or int64 values of each <c>ModelProto.graph.initializer</c>.
/// </summary>
internal static class OnnxInitializerReader
{
    public sealed record Tensor(long[] Dims, float[] Floats, long[] Longs);

    public static Dictionary<string, Tensor> Read(byte[] model)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (field, graph) in Fields(model))
            if (field == 7)
                foreach (var (gField, tensor) in Fields(graph))
                    if (gField == 5) Add(result, tensor);
        return result;
    }

    private static void Add(Dictionary<string, Tensor> result, ReadOnlyMemory<byte> tensor)
    {
        var dims = new List<long>();
        string name = "";
        long type = 0;
        ReadOnlyMemory<byte> raw = default;
        var span = tensor.Span;
        int i = 0;
        while (i < span.Length)
        {
            ulong tag = Varint(span, ref i);
            int field = (int)(tag >> 3), wire = (int)(tag & 7);
            if (wire == 0)
            {
                ulong v = Varint(span, ref i);
                if (field == 1) dims.Add((long)v);
                else if (field == 2) type = (long)v;
            }
            else if (wire == 2)
            {
                int length = (int)Varint(span, ref i);
                if (field == 8) name = System.Text.Encoding.UTF8.GetString(span.Slice(i, length));
                else if (field == 9) raw = tensor.Slice(i, length);
                else if (field == 1) { int end = i + length; while (i < end) dims.Add((long)Varint(span, ref i)); continue; }
                i += length;
            }
            else throw new InvalidDataException($"unexpected wire type {wire} in a TensorProto");
        }
        var bytes = raw.Span;
        float[] floats = type == 1 ? new float[bytes.Length / 4] : Array.Empty<float>();
        long[] longs = type == 7 ? new long[bytes.Length / 8] : Array.Empty<long>();
        for (int k = 0; k < floats.Length; k++) floats[k] = BitConverter.ToSingle(bytes.Slice(k * 4, 4));
        for (int k = 0; k < longs.Length; k++) longs[k] = BitConverter.ToInt64(bytes.Slice(k * 8, 8));
        result[name] = new Tensor(dims.ToArray(), floats, longs);
    }

    private static IEnumerable<(int Field, ReadOnlyMemory<byte> Value)> Fields(ReadOnlyMemory<byte> message)
    {
        int i = 0;
        var list = new List<(int, ReadOnlyMemory<byte>)>();
        var span = message.Span;
        while (i < span.Length)
        {
            ulong tag = Varint(span, ref i);
            int field = (int)(tag >> 3), wire = (int)(tag & 7);
            switch (wire)
            {
                case 0: Varint(span, ref i); break;
                case 1: i += 8; break;
                case 5: i += 4; break;
                case 2:
                    int length = (int)Varint(span, ref i);
                    list.Add((field, message.Slice(i, length)));
                    i += length;
                    break;
                default: throw new InvalidDataException($"unexpected wire type {wire}");
            }
        }
        return list;
    }

    private static ulong Varint(ReadOnlySpan<byte> span, ref int i)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = span[i++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }
}

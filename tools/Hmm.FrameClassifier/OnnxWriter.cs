using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;

namespace Hmm.FrameClassifier;

/// <summary>ONNX tensor element types (onnx.proto's <c>TensorProto.DataType</c>), those the writer is used with.</summary>
public enum OnnxElementType
{
    /// <summary>float32.</summary>
    Float = 1,

    /// <summary>int32.</summary>
    Int32 = 6,

    /// <summary>int64.</summary>
    Int64 = 7,

    /// <summary>float64.</summary>
    Double = 11,
}

/// <summary>One dimension of a graph input or output: a fixed size, or a named free one (<c>dim_param</c>).</summary>
public readonly record struct OnnxDim(long Value, string? Symbol)
{
    /// <summary>A fixed size.</summary>
    public static implicit operator OnnxDim(long value) => new(value, null);

    /// <summary>A free dimension named <paramref name="symbol"/>.</summary>
    public static implicit operator OnnxDim(string symbol) => new(0, symbol);
}

/// <summary>A node attribute (onnx.proto's <c>AttributeProto</c>): an int, a float, a string or a list of ints.</summary>
public sealed class OnnxAttribute
{
    private OnnxAttribute(string name, int type, long i = 0, float f = 0, string? s = null, long[]? ints = null)
    {
        Name = name;
        Type = type;
        I = i;
        F = f;
        S = s;
        Ints = ints;
    }

    /// <summary>The attribute's name.</summary>
    public string Name { get; }

    internal int Type { get; }
    internal long I { get; }
    internal float F { get; }
    internal string? S { get; }
    internal long[]? Ints { get; }

    /// <summary>An INT attribute.</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, 2, i: value);

    /// <summary>A FLOAT attribute.</summary>
    public static OnnxAttribute Float(string name, float value) => new(name, 1, f: value);

    /// <summary>A STRING attribute (UTF-8).</summary>
    public static OnnxAttribute String(string name, string value) => new(name, 3, s: value);

    /// <summary>An INTS attribute.</summary>
    public static OnnxAttribute IntList(string name, params long[] values) => new(name, 7, ints: values);
}

/// <summary>
/// A minimal ONNX model writer: the protobuf messages <c>ModelProto</c>, <c>GraphProto</c>, <c>NodeProto</c>, <c>TensorProto</c>,
/// <c>ValueInfoProto</c> (and the few they contain) encoded by hand from onnx.proto's field numbers, so that the project can
/// export the networks it trains without Python or an ONNX package. Initializers are stored as <c>raw_data</c> (little-endian).
/// </summary>
public sealed class OnnxGraphBuilder
{
    private readonly List<byte[]> _nodes = new();
    private readonly List<byte[]> _initializers = new();
    private readonly List<byte[]> _inputs = new();
    private readonly List<byte[]> _outputs = new();
    private readonly Dictionary<string, string> _metadata = new(StringComparer.Ordinal);
    private int _nodeCount;

    /// <summary>Starts an empty graph called <paramref name="name"/>.</summary>
    public OnnxGraphBuilder(string name)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
    }

    /// <summary>The graph's name.</summary>
    public string Name { get; }

    /// <summary>Adds a graph input.</summary>
    public void AddInput(string name, OnnxElementType type, params OnnxDim[] shape) => _inputs.Add(ValueInfo(name, type, shape));

    /// <summary>Adds a graph output.</summary>
    public void AddOutput(string name, OnnxElementType type, params OnnxDim[] shape) => _outputs.Add(ValueInfo(name, type, shape));

    /// <summary>Adds a float32 initializer (a constant tensor) of shape <paramref name="dims"/>.</summary>
    public void AddInitializer(string name, ReadOnlySpan<float> data, params long[] dims)
    {
        CheckCount(name, data.Length, dims);
        var raw = new byte[data.Length * 4];
        for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), data[i]);
        _initializers.Add(Tensor(name, OnnxElementType.Float, dims, raw));
    }

    /// <summary>Adds an int64 initializer of shape <paramref name="dims"/>.</summary>
    public void AddInitializer(string name, ReadOnlySpan<long> data, params long[] dims)
    {
        CheckCount(name, data.Length, dims);
        var raw = new byte[data.Length * 8];
        for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), data[i]);
        _initializers.Add(Tensor(name, OnnxElementType.Int64, dims, raw));
    }

    /// <summary>Adds a node of the default domain's operator <paramref name="opType"/>.</summary>
    public void AddNode(string opType, string[] inputs, string[] outputs, params OnnxAttribute[] attributes)
    {
        var w = new ProtoWriter();
        foreach (string input in inputs) w.String(1, input);
        foreach (string output in outputs) w.String(2, output);
        w.String(3, opType + "_" + _nodeCount++);
        w.String(4, opType);
        foreach (var a in attributes) w.Message(5, Attribute(a));
        _nodes.Add(w.ToArray());
    }

    /// <summary>Adds a model metadata entry (<c>metadata_props</c>), as ONNX Runtime's <c>ModelMetadata.CustomMetadataMap</c> reads it.</summary>
    public void AddMetadata(string key, string value) => _metadata[key] = value;

    /// <summary>The serialised <c>ModelProto</c>: IR version 8, the default domain at <paramref name="opset"/>.</summary>
    public byte[] ToModel(int opset = 13, string producer = "hmm-frame-classifier")
    {
        var graph = new ProtoWriter();
        foreach (var node in _nodes) graph.Message(1, node);
        graph.String(2, Name);
        foreach (var init in _initializers) graph.Message(5, init);
        foreach (var input in _inputs) graph.Message(11, input);
        foreach (var output in _outputs) graph.Message(12, output);

        var opsetId = new ProtoWriter();
        opsetId.String(1, "");
        opsetId.Varint(2, opset);

        var model = new ProtoWriter();
        model.Varint(1, 8);               // ir_version
        model.String(2, producer);        // producer_name
        model.String(3, "1");             // producer_version
        model.Message(7, graph.ToArray());
        model.Message(8, opsetId.ToArray());
        foreach (var (key, value) in _metadata)
        {
            var entry = new ProtoWriter();
            entry.String(1, key);
            entry.String(2, value);
            model.Message(14, entry.ToArray());
        }
        return model.ToArray();
    }

    private static void CheckCount(string name, int count, long[] dims)
    {
        long product = 1;
        foreach (long d in dims) product *= d;
        if (product != count) throw new ArgumentException($"initializer '{name}' has {count} values but shape [{string.Join(", ", dims)}] holds {product}.", nameof(dims));
    }

    private static byte[] Tensor(string name, OnnxElementType type, long[] dims, byte[] raw)
    {
        var w = new ProtoWriter();
        foreach (long d in dims) w.Varint(1, d);
        w.Varint(2, (int)type);
        w.String(8, name);
        w.Bytes(9, raw);
        return w.ToArray();
    }

    private static byte[] ValueInfo(string name, OnnxElementType type, OnnxDim[] shape)
    {
        var shapeProto = new ProtoWriter();
        foreach (var dim in shape)
        {
            var d = new ProtoWriter();
            if (dim.Symbol is null) d.Varint(1, dim.Value);
            else d.String(2, dim.Symbol);
            shapeProto.Message(1, d.ToArray());
        }
        var tensorType = new ProtoWriter();
        tensorType.Varint(1, (int)type);
        tensorType.Message(2, shapeProto.ToArray());
        var typeProto = new ProtoWriter();
        typeProto.Message(1, tensorType.ToArray());
        var info = new ProtoWriter();
        info.String(1, name);
        info.Message(2, typeProto.ToArray());
        return info.ToArray();
    }

    private static byte[] Attribute(OnnxAttribute a)
    {
        var w = new ProtoWriter();
        w.String(1, a.Name);
        switch (a.Type)
        {
            case 1: w.Fixed32(2, a.F); break;
            case 2: w.Varint(3, a.I); break;
            case 3: w.Bytes(4, Encoding.UTF8.GetBytes(a.S!)); break;
            case 7: foreach (long v in a.Ints!) w.Varint(8, v); break;
        }
        w.Varint(20, a.Type);
        return w.ToArray();
    }

    /// <summary>Protocol-buffer wire format: varints, 32-bit floats, and length-delimited strings, bytes and messages.</summary>
    private sealed class ProtoWriter
    {
        private readonly List<byte> _bytes = new();

        public void Varint(int field, long value)
        {
            Tag(field, 0);
            Raw((ulong)value);
        }

        public void Fixed32(int field, float value)
        {
            Tag(field, 5);
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(b, value);
            _bytes.AddRange(b);
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Message(int field, byte[] message) => Bytes(field, message);

        public void Bytes(int field, byte[] value)
        {
            Tag(field, 2);
            Raw((ulong)value.Length);
            _bytes.AddRange(value);
        }

        public byte[] ToArray() => _bytes.ToArray();

        private void Tag(int field, int wireType) => Raw((ulong)((field << 3) | wireType));

        private void Raw(ulong value)
        {
            while (value >= 0x80)
            {
                _bytes.Add((byte)(value | 0x80));
                value >>= 7;
            }
            _bytes.Add((byte)value);
        }
    }
}

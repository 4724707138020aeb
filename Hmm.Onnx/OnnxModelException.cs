using System;
using System.IO;

namespace Hmm.Onnx;

/// <summary>
/// An ONNX model that cannot be used as an emission model: not an ONNX model, or its inputs and outputs do not have the
/// shape, rank or element type the adapter needs, or ONNX Runtime failed to run it. The message starts with the model's
/// name (its file path, or the name given with an in-memory model), then the problem.
/// </summary>
public sealed class OnnxModelException : IOException
{
    /// <summary>Creates an exception for <paramref name="modelName"/> describing <paramref name="problem"/>.</summary>
    public OnnxModelException(string modelName, string problem) : base(modelName + ": " + problem)
    {
        ModelName = modelName;
        Problem = problem;
    }

    /// <summary>Creates an exception for <paramref name="modelName"/> with an inner cause (ONNX Runtime's error).</summary>
    public OnnxModelException(string modelName, string problem, Exception innerException) : base(modelName + ": " + problem, innerException)
    {
        ModelName = modelName;
        Problem = problem;
    }

    /// <summary>Creates an exception with a generic message (framework convention).</summary>
    public OnnxModelException() : this("(unknown)", "unusable ONNX model") { }

    /// <summary>Creates an exception with a message (framework convention).</summary>
    public OnnxModelException(string message) : base(message)
    {
        ModelName = "(unknown)";
        Problem = message;
    }

    /// <summary>Creates an exception with a message and a cause (framework convention).</summary>
    public OnnxModelException(string message, Exception innerException) : base(message, innerException)
    {
        ModelName = "(unknown)";
        Problem = message;
    }

    /// <summary>The model file (or the name of an in-memory model) that could not be used.</summary>
    public string ModelName { get; }

    /// <summary>What is wrong with it, without the model's name.</summary>
    public string Problem { get; }
}

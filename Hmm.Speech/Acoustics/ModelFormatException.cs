using System;
using System.IO;

namespace Hmm.Speech;

/// <summary>
/// An acoustic model file that cannot be used: not a model, truncated, corrupt (checksum), written by a newer
/// format version, or made for another feature set-up. The message starts with the file name, then the problem.
/// </summary>
public sealed class ModelFormatException : IOException
{
    /// <summary>Creates an exception for <paramref name="fileName"/> describing <paramref name="problem"/>.</summary>
    public ModelFormatException(string fileName, string problem) : base(fileName + ": " + problem)
    {
        FileName = fileName;
        Problem = problem;
    }

    /// <summary>Creates an exception for <paramref name="fileName"/> with an inner cause.</summary>
    public ModelFormatException(string fileName, string problem, Exception innerException) : base(fileName + ": " + problem, innerException)
    {
        FileName = fileName;
        Problem = problem;
    }

    /// <summary>Creates an exception with a generic message (framework convention).</summary>
    public ModelFormatException() : this("(unknown)", "invalid acoustic model file") { }

    /// <summary>Creates an exception with a message (framework convention).</summary>
    public ModelFormatException(string message) : base(message)
    {
        FileName = "(unknown)";
        Problem = message;
    }

    /// <summary>Creates an exception with a message and a cause (framework convention).</summary>
    public ModelFormatException(string message, Exception innerException) : base(message, innerException)
    {
        FileName = "(unknown)";
        Problem = message;
    }

    /// <summary>The file that could not be used.</summary>
    public string FileName { get; }

    /// <summary>What is wrong with it, without the file name.</summary>
    public string Problem { get; }
}

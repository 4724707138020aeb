using System;
using System.IO;

namespace Hmm.Speech.Training;

/// <summary>
/// A WAV file that is corrupt, truncated or in an encoding this reader does not support. The message always
/// starts with the file's name and then says what is wrong, e.g.
/// <c>"X.wav: data chunk declares 123456 bytes but the file ends after 1000 of them (truncated file?)"</c>.
/// It is an <see cref="IOException"/> (as <see cref="InvalidDataException"/> would be, which is sealed), so one
/// catch handles it together with missing or unreadable files.
/// </summary>
public sealed class WavFormatException : IOException
{
    /// <summary>Creates an exception for <paramref name="fileName"/> describing <paramref name="problem"/>.</summary>
    /// <param name="fileName">The file (or stream name) that could not be read.</param>
    /// <param name="problem">What is wrong with it, without the file name.</param>
    public WavFormatException(string fileName, string problem)
        : base(fileName + ": " + problem)
    {
        FileName = fileName;
        Problem = problem;
    }

    /// <summary>Creates an exception for <paramref name="fileName"/> with an inner cause.</summary>
    /// <param name="fileName">The file (or stream name) that could not be read.</param>
    /// <param name="problem">What is wrong with it, without the file name.</param>
    /// <param name="innerException">The underlying error.</param>
    public WavFormatException(string fileName, string problem, Exception innerException)
        : base(fileName + ": " + problem, innerException)
    {
        FileName = fileName;
        Problem = problem;
    }

    /// <summary>Creates an exception with a message only (for serialization and framework conventions).</summary>
    public WavFormatException() : this("(unknown)", "invalid WAV data") { }

    /// <summary>Creates an exception with a message only (for framework conventions).</summary>
    /// <param name="message">The full message.</param>
    public WavFormatException(string message) : base(message)
    {
        FileName = "(unknown)";
        Problem = message;
    }

    /// <summary>Creates an exception with a message and an inner cause (for framework conventions).</summary>
    /// <param name="message">The full message.</param>
    /// <param name="innerException">The underlying error.</param>
    public WavFormatException(string message, Exception innerException) : base(message, innerException)
    {
        FileName = "(unknown)";
        Problem = message;
    }

    /// <summary>The file (or stream name) that could not be read.</summary>
    public string FileName { get; }

    /// <summary>What is wrong with the file, without its name.</summary>
    public string Problem { get; }
}

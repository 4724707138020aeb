using System.Collections.Generic;
using System.IO;
using System.Text;
using Hmm.Speech;
using Hmm.Speech.Training;

namespace Samples.RealtimeVoice;

/// <summary>
/// Guards for the files the CLI reads. .NET does not say whether a path is a FIFO or a device, and opening a FIFO blocks
/// until a writer comes while /dev/zero never ends; both report a size of 0, as does an empty file, which is of no use to
/// any reader here. So a file of size 0 is refused without being opened, and text is read only up to a bound.
/// </summary>
internal static class InputFile
{
    /// <summary>The most bytes of a transcript or phone file read (far beyond any recording's transcript).</summary>
    public const int MaxTextBytes = 16 << 20;

    /// <summary>Throws when <paramref name="path"/> is empty or not a regular file (a FIFO, a device), before opening it.</summary>
    /// <exception cref="InvalidDataException">The file has size 0; the message names it.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static void RefuseEmptyOrSpecial(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"{path}: no such file.", path);
        if (info.Length == 0) throw new InvalidDataException($"{path}: the file is empty (0 bytes), or is a FIFO or a device, which is not read.");
    }

    /// <summary>
    /// Reads a label file (.lab, .TextGrid, .json by extension) as <see cref="ReadText"/> does; one with no labels is refused
    /// too, since an empty output scored or trained on silently hides the failure that left it empty.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is empty, special, too large, malformed or holds no labels; the message names it.</exception>
    public static IReadOnlyList<PhoneSegment> ReadLabels(string path)
    {
        var format = LabelFile.FormatOf(path) ?? throw new InvalidDataException($"{path}: unknown label file extension; expected .lab, .TextGrid or .json.");
        var segments = LabelFile.Parse(ReadText(path), format, path);
        if (segments.Count == 0) throw new InvalidDataException($"{path}: holds no labels.");
        return segments;
    }

    /// <summary>Reads a text file (UTF-8, or UTF-16 with a byte-order mark) after <see cref="RefuseEmptyOrSpecial"/>, up to <see cref="MaxTextBytes"/>.</summary>
    /// <exception cref="InvalidDataException">The file is empty, special or larger than the bound; the message names it.</exception>
    public static string ReadText(string path)
    {
        RefuseEmptyOrSpecial(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        // The size can change after the check (a file being written): the bound holds for what is read, not what stat said.
        var buffer = new byte[(int)System.Math.Min(stream.Length, MaxTextBytes) + 1];
        int total = 0, n;
        while (total < buffer.Length && (n = stream.Read(buffer, total, buffer.Length - total)) > 0) total += n;
        if (total > MaxTextBytes) throw new InvalidDataException($"{path}: larger than {MaxTextBytes >> 20} MiB, far more text than one recording holds.");
        using var reader = new StreamReader(new MemoryStream(buffer, 0, total), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Hmm.Speech;
using Hmm.Speech.Training;
using Xunit;

namespace Hmm.Tests.Fuzz;

/// <summary>
/// The inputs that fuzzing found to crash a reader (tools/Hmm.Fuzz; Fuzz/Inputs holds them, named TARGET-what.ext):
/// each must now end in the reader's documented bad-input exception, whose message names the file.
/// </summary>
public class FuzzRegressionTests
{
    private static readonly string InputFolder = Path.Combine(AppContext.BaseDirectory, "Fuzz", "Inputs");

    /// <summary>Every committed input, by file name.</summary>
    public static TheoryData<string> Inputs()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.GetFiles(InputFolder).OrderBy(p => p, StringComparer.Ordinal)) data.Add(Path.GetFileName(path));
        return data;
    }

    /// <summary>Reads <paramref name="bytes"/> with the reader that <paramref name="file"/>'s prefix names, as the fuzz harness does.</summary>
    private static void Read(string file, byte[] bytes)
    {
        string text() => new UTF8Encoding(false, false).GetString(bytes);
        string target = file.Substring(0, file.IndexOf('-', StringComparison.Ordinal));
        switch (target)
        {
            case "model": AcousticModel.Load(new MemoryStream(bytes), file); break;
            case "wav": WavReader.Read(new MemoryStream(bytes), file, 16000); break;
            case "labels": LabelFile.Parse(text(), LabelFormat.Lab, file); break;
            case "textgrid": LabelFile.Parse(text(), LabelFormat.TextGrid, file); break;
            case "json": LabelFile.Parse(text(), LabelFormat.Json, file); break;
            case "dictionary": PronunciationLexicon.Load(new MemoryStream(bytes), file); break;
            case "offsets": BoundaryOffsetTable.Parse(text(), file); break;
            case "transcript": new Transcriber(PronunciationLexicon.LoadDefault()).Transcribe(text(), new List<string>()); break;
            default: throw new InvalidOperationException($"{file}: no reader for the prefix '{target}'");
        }
    }

    /// <summary>The exception a reader documents for bad input (null: the reader accepts any input).</summary>
    private static Type? Documented(string file) => file.Substring(0, file.IndexOf('-', StringComparison.Ordinal)) switch
    {
        "model" => typeof(ModelFormatException),
        "wav" => typeof(WavFormatException),
        "transcript" => null,
        _ => typeof(InvalidDataException),
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void A_fuzz_finding_ends_in_the_documented_exception_naming_the_file(string file)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(InputFolder, file));
        Type? expected = Documented(file);
        Exception? e = Record.Exception(() => Read(file, bytes));
        if (expected is null)
        {
            Assert.Null(e);
            return;
        }
        // Some findings are inputs the reader now accepts (the crash was in reading a valid file): no exception is fine.
        if (e is null) return;
        Assert.IsType(expected, e);
        Assert.StartsWith(file, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("model-description-7bit-length.hmmam")]
    [InlineData("model-phone-name-7bit-length.hmmam")]
    [InlineData("model-phone-name-negative-length.hmmam")]
    public void A_model_string_with_a_corrupt_length_prefix_is_a_model_format_error(string file)
    {
        // BinaryReader.ReadString threw FormatException / IOException out of AcousticModel.Load (the checksum matched).
        byte[] bytes = File.ReadAllBytes(Path.Combine(InputFolder, file));
        var e = Assert.Throws<ModelFormatException>(() => AcousticModel.Load(new MemoryStream(bytes), file));
        Assert.Contains("corrupt length prefix", e.Message, StringComparison.Ordinal);
        Assert.Equal(file, e.FileName);
    }

    [Theory]
    [InlineData("textgrid-interval-count-int-max.TextGrid")]
    [InlineData("textgrid-interval-count-huge.TextGrid")]
    public void A_TextGrid_interval_count_beyond_the_file_is_a_format_error_not_an_allocation(string file)
    {
        // The declared count sized the interval list: int.MaxValue threw OutOfMemoryException, 3e8 allocated 7.6 GB.
        string text = File.ReadAllText(Path.Combine(InputFolder, file));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => LabelFile.Parse(text, LabelFormat.TextGrid, file));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "the parse allocated more than 16 MB");
        Assert.StartsWith(file + ":", e.Message, StringComparison.Ordinal);
    }
}

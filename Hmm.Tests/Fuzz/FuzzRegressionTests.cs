using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Hmm.Speech;
using Hmm.Speech.Sphinx;
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

    /// <summary>The fuzz target a file is for: its name up to the first dash, or the second for sphinx-*.</summary>
    private static string TargetOf(string file)
    {
        string[] parts = file.Split('-');
        return parts[0] == "sphinx" ? parts[0] + "-" + parts[1] : parts[0];
    }

    /// <summary>
    /// Reads the input <paramref name="file"/> with the reader its target names, as the fuzz harness does; the Sphinx
    /// readers take the path, the others the bytes or text with <paramref name="file"/> as the name.
    /// </summary>
    private static void Read(string file)
    {
        string path = Path.Combine(InputFolder, file);
        byte[] bytes = File.ReadAllBytes(path);
        string text() => new UTF8Encoding(false, false).GetString(bytes);
        switch (TargetOf(file))
        {
            case "model": AcousticModel.Load(new MemoryStream(bytes), file); break;
            case "wav": WavReader.Read(new MemoryStream(bytes), file, 16000); break;
            case "labels": LabelFile.Parse(text(), LabelFormat.Lab, file); break;
            case "textgrid": LabelFile.Parse(text(), LabelFormat.TextGrid, file); break;
            case "json": LabelFile.Parse(text(), LabelFormat.Json, file); break;
            case "dictionary": PronunciationLexicon.Load(new MemoryStream(bytes), file); break;
            case "offsets": BoundaryOffsetTable.Parse(text(), file); break;
            case "transcript": new Transcriber(PronunciationLexicon.LoadDefault()).Transcribe(text(), new List<string>()); break;
            case "sphinx-mdef": SphinxModelDefinition.Read(path); break;
            case "sphinx-gaussians": SphinxModelFiles.ReadGaussians(path); break;
            case "sphinx-transitions": SphinxModelFiles.ReadTransitionMatrices(path); break;
            case "sphinx-sendump": SphinxModelFiles.ReadSendump(path); break;
            case "sphinx-featparams": SphinxModelText.ReadFrontEndOptions(path); break;
            case "sphinx-noisedict": SphinxModelText.ReadNoiseDictionary(path); break;
            default: throw new InvalidOperationException($"{file}: no reader for the target '{TargetOf(file)}'");
        }
    }

    /// <summary>The exception a reader documents for bad input (null: the reader accepts any input).</summary>
    private static Type? Documented(string file) => TargetOf(file) switch
    {
        "model" or "sphinx-featparams" => typeof(ModelFormatException),
        "wav" => typeof(WavFormatException),
        "transcript" => null,
        _ => typeof(InvalidDataException),
    };

    /// <summary>The name the reader's messages start with: the path for the Sphinx readers, else the name passed.</summary>
    private static string NameInMessages(string file) => file.StartsWith("sphinx-", StringComparison.Ordinal) ? Path.Combine(InputFolder, file) : file;

    [Theory]
    [MemberData(nameof(Inputs))]
    public void A_fuzz_finding_ends_in_the_documented_exception_naming_the_file(string file)
    {
        Type? expected = Documented(file);
        Exception? e = Record.Exception(() => Read(file));
        if (expected is null)
        {
            Assert.Null(e);
            return;
        }
        // Some findings are inputs the reader now accepts (the crash was in reading a valid file): no exception is fine.
        if (e is null) return;
        Assert.IsType(expected, e);
        Assert.StartsWith(NameInMessages(file) + ":", e.Message, StringComparison.Ordinal);
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

    [Theory]
    [InlineData("sphinx-sendump-string-length-overflow", "truncated in the header (a string of 2147483646 bytes")]
    [InlineData("sphinx-mdef-description-length-overflow", "truncated in the description (2147483646 bytes)")]
    [InlineData("sphinx-mdef-ci-phone-count-huge", "truncated in the CI phone names (2147483647 names")]
    [InlineData("sphinx-gaussians-stream-count-huge", "n_feat is 67108866, but only 27 bytes follow")]
    public void A_Sphinx_count_or_length_beyond_the_file_is_a_format_error(string file, string problem)
    {
        // Before: position + length overflowed int (ArgumentOutOfRangeException from GetString or BitConverter), or a count
        // sized an array before the data was there (OutOfMemoryException; 256 MB for the 77-byte Gaussian file).
        string path = Path.Combine(InputFolder, file);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Read(file));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "the read allocated more than 16 MB");
        Assert.StartsWith(path + ": " + problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gzip_dictionary_shorter_than_a_gzip_header_is_a_truncation()
    {
        // Three bytes 1f 8b 0b: GZipStream read nothing, and the seek to the 4-byte trailer threw IOException.
        const string file = "dictionary-gzip-3-bytes.dict.gz";
        byte[] bytes = File.ReadAllBytes(Path.Combine(InputFolder, file));
        var e = Assert.Throws<InvalidDataException>(() => PronunciationLexicon.Load(new MemoryStream(bytes), file));
        Assert.Equal(file + ": the gzip data is truncated: 3 bytes, less than the 18 of a gzip header and trailer (a cut download?).", e.Message);
    }
}

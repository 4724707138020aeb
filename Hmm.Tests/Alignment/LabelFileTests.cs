using System.Collections.Generic;
using System.IO;
using Hmm.Speech.Training;
using Hmm.Speech;
using Xunit;

namespace Hmm.Tests.Alignment;

public class LabelFileTests
{
    private static readonly PhoneSegment[] Sample =
    {
        new(0.000, 0.316, "sil"), new(0.316, 0.344, "AH"), new(0.344, 0.446, "S"), new(0.446, 1.250, "sil"),
    };

    [Theory]
    [InlineData(LabelFormat.Lab)]
    [InlineData(LabelFormat.TextGrid)]
    [InlineData(LabelFormat.Json)]
    public void Every_format_round_trips(LabelFormat format)
    {
        string text = LabelFile.Format(Sample, format);
        var back = LabelFile.Parse(text, format, "x");
        Assert.Equal(Sample, back);
    }

    [Fact]
    public void Lab_is_tab_separated_seconds_with_three_decimals()
    {
        Assert.Equal("0.000\t0.316\tsil\n0.316\t0.344\tAH\n0.344\t0.446\tS\n0.446\t1.250\tsil\n", LabelFile.Format(Sample, LabelFormat.Lab));
    }

    [Fact]
    public void Reads_a_Praat_short_format_TextGrid_and_picks_the_phones_tier()
    {
        string text = "File type = \"ooTextFile\"\nObject class = \"TextGrid\"\n\n0\n1.5\n<exists>\n2\n\"IntervalTier\"\n\"words\"\n0\n1.5\n1\n0\n1.5\n\"hello\"\n"
            + "\"IntervalTier\"\n\"phones\"\n0\n1.5\n3\n0\n0.5\n\"HH\"\n0.5\n1.0\n\"\"\n1.0\n1.5\n\"OW\"\n";
        var segments = LabelFile.Parse(text, LabelFormat.TextGrid, "short.TextGrid");
        Assert.Equal(new[] { new PhoneSegment(0, 0.5, "HH"), new PhoneSegment(1.0, 1.5, "OW") }, segments);
    }

    [Theory]
    [InlineData("0.000\t0.316\tsil\n0.3x6\t0.344\tAH\n", "bad.lab:2", "start time")]
    [InlineData("0.000\t0.316\tsil\n0.400\t0.344\tAH\n", "bad.lab:2", "ends")]
    [InlineData("0.000\t0.316\tsil\n0.200\t0.344\tAH\n", "bad.lab:2", "before the previous one ends")]
    [InlineData("0.000\t0.316\n", "bad.lab:1", "expected")]
    [InlineData("-1\t0.316\tsil\n", "bad.lab:1", "negative")]
    public void Malformed_lab_files_name_file_line_and_problem(string text, string where, string problem)
    {
        var e = Assert.Throws<InvalidDataException>(() => LabelFile.Parse(text, LabelFormat.Lab, "bad.lab"));
        Assert.StartsWith(where, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void A_truncated_TextGrid_says_so()
    {
        string full = LabelFile.Format(Sample, LabelFormat.TextGrid);
        var e = Assert.Throws<InvalidDataException>(() => LabelFile.Parse(full.Substring(0, full.Length / 2), LabelFormat.TextGrid, "cut.TextGrid"));
        Assert.StartsWith("cut.TextGrid", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Theory]
    [InlineData("{\"segments\": [{\"start\": 0, \"end\": 1}]}", "phone")]
    [InlineData("{\"segments\": [{\"start\": 0, \"end\": 1, \"phone\": \"AA\"}", "truncated")]
    [InlineData("{\"nothing\": 1}", "segments")]
    [InlineData("{\"segments\": [{\"start\": 0, \"end\": 1, \"phone\": \"AA\"}]} x", "not valid JSON")]
    [InlineData("[{\"start\": 0, \"end\": 1, \"phone\": \"AA\"}, {\"start\": 0.5, \"end\": 2, \"phone\": \"B\"}]", "segments[1]: segment 'B' starts")]
    [InlineData("[{\"start\": 0, \"end\": \"1\", \"phone\": \"AA\"}]", "numeric \"end\"")]
    public void Malformed_json_names_the_problem(string text, string problem)
    {
        var e = Assert.Throws<InvalidDataException>(() => LabelFile.Parse(text, LabelFormat.Json, "bad.json"));
        Assert.StartsWith("bad.json", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void A_JSON_syntax_error_names_file_line_and_column()
    {
        var e = Assert.Throws<InvalidDataException>(() => LabelFile.Parse("{\n  \"segments\": [\n    {\"start\": 0 \"end\": 1}\n  ]\n}\n", LabelFormat.Json, "bad.json"));
        Assert.StartsWith("bad.json:3: not valid JSON, column ", e.Message);
        Assert.DoesNotContain("truncated", e.Message);
    }

    [Fact]
    public void Json_layout_is_one_segment_a_line_with_three_decimals()
    {
        Assert.Equal(
            "{\n  \"duration\": 1.250,\n  \"segments\": [\n"
            + "    {\"start\": 0.000, \"end\": 0.316, \"phone\": \"sil\"},\n"
            + "    {\"start\": 0.316, \"end\": 0.344, \"phone\": \"AH\"},\n"
            + "    {\"start\": 0.344, \"end\": 0.446, \"phone\": \"S\"},\n"
            + "    {\"start\": 0.446, \"end\": 1.250, \"phone\": \"sil\"}\n  ]\n}\n",
            LabelFile.Format(Sample, LabelFormat.Json));
        Assert.Equal("{\n  \"duration\": 0.000,\n  \"segments\": []\n}\n", LabelFile.Format(System.Array.Empty<PhoneSegment>(), LabelFormat.Json));
    }

    [Fact]
    public void Json_escapes_only_what_it_must_and_reads_it_back()
    {
        var odd = new[] { new PhoneSegment(0, 0.5, "a\"b\\c\nd\u0001e\u007fé<>&") };
        string text = LabelFile.Format(odd, LabelFormat.Json);
        Assert.Contains("\"phone\": \"a\\\"b\\\\c\\nd\\u0001e\u007fé<>&\"", text);
        Assert.Equal(odd, LabelFile.Parse(text, LabelFormat.Json, "x"));
    }

    [Fact]
    public void Read_and_write_choose_the_format_by_extension()
    {
        using var dir = AlignmentTestData.TempDirectory();
        foreach (var format in new[] { LabelFormat.Lab, LabelFormat.TextGrid, LabelFormat.Json })
        {
            string path = dir.File("x" + LabelFile.Extension(format));
            LabelFile.Write(path, Sample, format);
            Assert.Equal(format, LabelFile.FormatOf(path));
            Assert.Equal(Sample, LabelFile.Read(path));
        }
        Assert.Throws<InvalidDataException>(() => LabelFile.Read(dir.File("x.txt")));
        Assert.Throws<System.ArgumentException>(() => LabelFile.ParseFormat("csv"));
    }

    [Fact]
    public void Write_replaces_a_longer_or_shorter_existing_file_byte_for_byte()
    {
        // Write overwrites in place (no truncation to zero first): what was there must not survive past the new end.
        using var dir = AlignmentTestData.TempDirectory();
        string path = dir.File("x.lab");
        byte[] expected = new System.Text.UTF8Encoding(false).GetBytes(LabelFile.Format(Sample, LabelFormat.Lab));
        File.WriteAllText(path, new string('#', 4 * expected.Length));
        LabelFile.Write(path, Sample, LabelFormat.Lab);
        Assert.Equal(expected, File.ReadAllBytes(path));
        File.WriteAllText(path, "0.000\t0.001\tX\n");
        LabelFile.Write(path, Sample, LabelFormat.Lab);
        Assert.Equal(expected, File.ReadAllBytes(path));
        LabelFile.Write(path, new[] { new PhoneSegment(0, 0.5, "sil") }, LabelFormat.Lab);
        Assert.Equal("0.000\t0.500\tsil\n", File.ReadAllText(path));
    }

    [Fact]
    public void The_speech_dev_labels_shipped_with_the_samples_parse_and_tile_the_audio()
    {
        foreach (string id in AlignmentTestData.SampleIds)
        {
            var labels = AlignmentTestData.Labels(id);
            Assert.Equal(0, labels[0].Start);
            for (int i = 1; i < labels.Count; i++) Assert.Equal(labels[i - 1].End, labels[i].Start);
            double duration = AlignmentTestData.Samples(id).Length / 16000.0;
            Assert.Equal(duration, labels[^1].End, 3);
        }
    }
}

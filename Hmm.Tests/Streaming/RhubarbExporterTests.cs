using System;
using System.IO;
using Hmm.Streaming;
using Xunit;

namespace Hmm.Tests.Streaming;

/// <summary>
/// The expected texts are Rhubarb Lip Sync 1.14.0's, read from its source (github.com/DanielSWolf/rhubarb-lip-sync at
/// tag v1.14.0): rhubarb/src/exporters/TsvExporter.cpp, XmlExporter.cpp (Boost.PropertyTree's write_xml with a
/// two-space indent: boost/property_tree/detail/xml_parser_write.hpp and xml_parser_utils.hpp of Boost 1.86, the
/// release build's), JsonExporter.cpp, DatExporter.cpp, exporterTools.cpp (the cue of an empty animation),
/// tools/tools.cpp (formatDuration: "{0:.2f}" seconds) and tools/stringTools.cpp (escapeJsonString). The "Hi" cues
/// and their TSV, XML and JSON texts are also the examples of Rhubarb's README.adoc ("Output formats"), which agree.
/// </summary>
public class RhubarbExporterTests
{
    private const string HiWav = @"C:\Users\Daniel\Desktop\av\hi\hi.wav";

    private static readonly MouthCue[] Hi =
    [
        new(0.00, 0.05, RhubarbShape.X), new(0.05, 0.27, RhubarbShape.D), new(0.27, 0.31, RhubarbShape.C),
        new(0.31, 0.43, RhubarbShape.B), new(0.43, 0.47, RhubarbShape.X),
    ];

    [Fact]
    public void Tsv_is_start_tab_shape_then_the_end_time_with_the_closed_mouth()
    {
        Assert.Equal("0.00\tX\n0.05\tD\n0.27\tC\n0.31\tB\n0.43\tX\n0.47\tX\n",
            RhubarbExporter.Format(RhubarbExportFormat.Tsv, Hi, HiWav, 0.47));
    }

    [Fact]
    public void Xml_is_boosts_property_tree_layout()
    {
        const string expected =
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" +
            "<rhubarbResult>\n" +
            "  <metadata>\n" +
            "    <soundFile>C:\\Users\\Daniel\\Desktop\\av\\hi\\hi.wav</soundFile>\n" +
            "    <duration>0.47</duration>\n" +
            "  </metadata>\n" +
            "  <mouthCues>\n" +
            "    <mouthCue start=\"0.00\" end=\"0.05\">X</mouthCue>\n" +
            "    <mouthCue start=\"0.05\" end=\"0.27\">D</mouthCue>\n" +
            "    <mouthCue start=\"0.27\" end=\"0.31\">C</mouthCue>\n" +
            "    <mouthCue start=\"0.31\" end=\"0.43\">B</mouthCue>\n" +
            "    <mouthCue start=\"0.43\" end=\"0.47\">X</mouthCue>\n" +
            "  </mouthCues>\n" +
            "</rhubarbResult>\n";
        Assert.Equal(expected, RhubarbExporter.Format(RhubarbExportFormat.Xml, Hi, HiWav, 0.47));
    }

    [Fact]
    public void Json_has_metadata_and_one_cue_a_line()
    {
        const string expected =
            "{\n" +
            "  \"metadata\": {\n" +
            "    \"soundFile\": \"C:\\\\Users\\\\Daniel\\\\Desktop\\\\av\\\\hi\\\\hi.wav\",\n" +
            "    \"duration\": 0.47\n" +
            "  },\n" +
            "  \"mouthCues\": [\n" +
            "    { \"start\": 0.00, \"end\": 0.05, \"value\": \"X\" },\n" +
            "    { \"start\": 0.05, \"end\": 0.27, \"value\": \"D\" },\n" +
            "    { \"start\": 0.27, \"end\": 0.31, \"value\": \"C\" },\n" +
            "    { \"start\": 0.31, \"end\": 0.43, \"value\": \"B\" },\n" +
            "    { \"start\": 0.43, \"end\": 0.47, \"value\": \"X\" }\n" +
            "  ]\n" +
            "}\n";
        Assert.Equal(expected, RhubarbExporter.Format(RhubarbExportFormat.Json, Hi, HiWav, 0.47));
    }

    [Fact]
    public void Dat_is_moho_switch_data_in_one_based_frames()
    {
        // 24 fps: frame = 1 + (int)(24 * start): 0.05 -> 2 (1.2), 0.27 -> 7 (6.48), 0.31 -> 8 (7.44), 0.43 -> 11 (10.32), end 0.47 -> 12.
        Assert.Equal("MohoSwitch1\n1 X\n2 D\n7 C\n8 B\n11 X\n12 X\n", RhubarbExporter.Format(RhubarbExportFormat.Dat, Hi, HiWav, 0.47));
        var prestonBlair = new RhubarbExportOptions { DatUsePrestonBlair = true };
        Assert.Equal("MohoSwitch1\n1 rest\n2 AI\n7 E\n8 etc\n11 rest\n12 rest\n",
            RhubarbExporter.Format(RhubarbExportFormat.Dat, Hi, HiWav, 0.47, prestonBlair));
    }

    [Fact]
    public void Dat_skips_cues_on_a_taken_frame_and_moves_a_clashing_end_one_frame_on()
    {
        MouthCue[] cues = [new(0.00, 0.01, RhubarbShape.X), new(0.01, 0.05, RhubarbShape.A), new(0.05, 0.06, RhubarbShape.G)];
        // 0.01 s is frame 1 (0.24), taken by X: A is left out. The end 0.06 s is frame 2 (1.44), taken by G: it becomes 3.
        Assert.Equal("MohoSwitch1\n1 X\n2 G\n3 X\n", RhubarbExporter.Format(RhubarbExportFormat.Dat, cues, "a.wav", 0.06));
        Assert.Equal("MohoSwitch1\n1 rest\n2 FV\n3 rest\n",
            RhubarbExporter.Format(RhubarbExportFormat.Dat, cues, "a.wav", 0.06, new RhubarbExportOptions { DatUsePrestonBlair = true }));
    }

    [Fact]
    public void Dat_frames_truncate_the_double_product_as_rhubarb_does()
    {
        // At 100 fps, 0.29 s is 1 + (int)(100 * (29 / 100.0)) = 1 + (int)28.999999999999996 = 29, not 30.
        MouthCue[] cues = [new(0.00, 0.29, RhubarbShape.X), new(0.29, 0.30, RhubarbShape.B)];
        var options = new RhubarbExportOptions { DatFrameRate = 100 };
        Assert.Equal("MohoSwitch1\n1 X\n29 B\n31 X\n", RhubarbExporter.Format(RhubarbExportFormat.Dat, cues, "a.wav", 0.30, options));
    }

    [Theory]
    [InlineData(23.9)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void Dat_frame_rates_outside_24_to_100_are_refused(double rate)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            RhubarbExporter.Format(RhubarbExportFormat.Dat, Hi, HiWav, 0.47, new RhubarbExportOptions { DatFrameRate = rate }));
        Assert.Contains("Frame rate must be between 24 and 100 fps.", e.Message);
        // Other formats do not read the frame rate, as in Rhubarb (whose option only applies to dat).
        RhubarbExporter.Format(RhubarbExportFormat.Tsv, Hi, HiWav, 0.47, new RhubarbExportOptions { DatFrameRate = rate });
    }

    [Fact]
    public void Without_x_in_the_extended_shapes_the_closing_mouth_is_a()
    {
        var basic = new RhubarbExportOptions { ExtendedShapes = "" };
        MouthCue[] cues = [new(0, 0.10, RhubarbShape.A), new(0.10, 0.20, RhubarbShape.C)];
        Assert.Equal("0.00\tA\n0.10\tC\n0.20\tA\n", RhubarbExporter.Format(RhubarbExportFormat.Tsv, cues, "a.wav", 0.20, basic));
        Assert.Equal("MohoSwitch1\n1 A\n3 C\n5 A\n", RhubarbExporter.Format(RhubarbExportFormat.Dat, cues, "a.wav", 0.20, basic));
        Assert.Throws<ArgumentException>(() => RhubarbExporter.Format(RhubarbExportFormat.Tsv, cues, "a.wav", 0.20, new RhubarbExportOptions { ExtendedShapes = "GQ" }));
    }

    [Fact]
    public void An_empty_animation_gets_rhubarbs_zero_length_closed_mouth_in_xml_and_json_and_only_the_end_line_in_tsv()
    {
        MouthCue[] none = [];
        Assert.Equal("0.00\tX\n", RhubarbExporter.Format(RhubarbExportFormat.Tsv, none, "a.wav", 0));
        Assert.Contains("  \"mouthCues\": [\n    { \"start\": 0.00, \"end\": 0.00, \"value\": \"X\" }\n  ]\n",
            RhubarbExporter.Format(RhubarbExportFormat.Json, none, "a.wav", 0));
        Assert.Contains("  <mouthCues>\n    <mouthCue start=\"0.00\" end=\"0.00\">A</mouthCue>\n  </mouthCues>\n",
            RhubarbExporter.Format(RhubarbExportFormat.Xml, none, "a.wav", 0, new RhubarbExportOptions { ExtendedShapes = "GH" }));
        Assert.Equal("MohoSwitch1\n1 X\n", RhubarbExporter.Format(RhubarbExportFormat.Dat, none, "a.wav", 0));
    }

    [Fact]
    public void Json_escapes_the_path_as_rhubarb_does_every_non_ascii_utf16_unit_in_lower_case_hex()
    {
        string path = "/tmp/\"q\"\\caf\u00e9 \U0001F600\t\u0001\u007f.wav";
        string text = RhubarbExporter.Format(RhubarbExportFormat.Json, Hi, path, 0.47);
        Assert.Contains("    \"soundFile\": \"/tmp/\\\"q\\\"\\\\caf\\u00e9 \\ud83d\\ude00\\t\\u0001\u007f.wav\",\n", text);
    }

    [Fact]
    public void Xml_escapes_markup_characters_and_writes_an_empty_path_as_an_empty_element()
    {
        string text = RhubarbExporter.Format(RhubarbExportFormat.Xml, Hi, "/a&b/<c>/'d\"/\u00e9.wav", 0.47);
        Assert.Contains("    <soundFile>/a&amp;b/&lt;c&gt;/&apos;d&quot;/\u00e9.wav</soundFile>\n", text);
        Assert.Contains("  <metadata>\n    <soundFile/>\n    <duration>0.47</duration>\n",
            RhubarbExporter.Format(RhubarbExportFormat.Xml, Hi, "", 0.47));
        // Boost encodes text of spaces only by its first space.
        Assert.Contains("    <soundFile>&#32;  </soundFile>\n", RhubarbExporter.Format(RhubarbExportFormat.Xml, Hi, "   ", 0.47));
    }

    [Fact]
    public void Windows_line_ends_on_request()
    {
        var crlf = new RhubarbExportOptions { NewLine = "\r\n" };
        Assert.Equal("0.00\tX\r\n0.05\tD\r\n0.27\tC\r\n0.31\tB\r\n0.43\tX\r\n0.47\tX\r\n",
            RhubarbExporter.Format(RhubarbExportFormat.Tsv, Hi, HiWav, 0.47, crlf));
        Assert.StartsWith("MohoSwitch1\r\n1 X\r\n", RhubarbExporter.Format(RhubarbExportFormat.Dat, Hi, HiWav, 0.47, crlf));
    }

    [Fact]
    public void Times_are_whole_centiseconds_with_two_decimals()
    {
        MouthCue[] cues = [new(0, 1.004, RhubarbShape.B), new(1.004, 12.3456, RhubarbShape.C)];
        Assert.Equal("0.00\tB\n1.00\tC\n12.35\tX\n", RhubarbExporter.Format(RhubarbExportFormat.Tsv, cues, "a.wav", 12.3456));
    }

    [Fact]
    public void Cues_out_of_order_or_past_the_end_are_refused()
    {
        Assert.Throws<ArgumentException>(() => RhubarbExporter.Format(RhubarbExportFormat.Tsv,
            [new(0, 0.2, RhubarbShape.B), new(0.1, 0.3, RhubarbShape.C)], "a.wav", 0.3));
        Assert.Throws<ArgumentException>(() => RhubarbExporter.Format(RhubarbExportFormat.Tsv, [new(0.2, 0.1, RhubarbShape.B)], "a.wav", 0.3));
        Assert.Throws<ArgumentException>(() => RhubarbExporter.Format(RhubarbExportFormat.Tsv, [new(0, 0.5, RhubarbShape.B)], "a.wav", 0.3));
        Assert.Throws<ArgumentException>(() => RhubarbExporter.Format(RhubarbExportFormat.Tsv, [new(-1, 0.5, RhubarbShape.B)], "a.wav", 0.6));
        Assert.Throws<ArgumentOutOfRangeException>(() => RhubarbExporter.Format(RhubarbExportFormat.Tsv, [new(0, 0.5, (RhubarbShape)12)], "a.wav", 0.6));
    }

    [Fact]
    public void Write_goes_to_the_given_writer()
    {
        using var writer = new StringWriter();
        RhubarbExporter.Write(RhubarbExportFormat.Tsv, writer, Hi, HiWav, 0.47);
        RhubarbExporter.WriteDat(writer, Hi, HiWav, 0.47);
        Assert.Equal("0.00\tX\n0.05\tD\n0.27\tC\n0.31\tB\n0.43\tX\n0.47\tX\nMohoSwitch1\n1 X\n2 D\n7 C\n8 B\n11 X\n12 X\n", writer.ToString());
    }
}

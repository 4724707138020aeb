using System.IO;
using Hmm.Streaming;
using Xunit;

namespace Hmm.Tests.Streaming;

/// <summary>
/// The expected lines are those of Rhubarb Lip Sync 1.14.0's --machineReadable mode, read from its source
/// (github.com/DanielSWolf/rhubarb-lip-sync at v1.14.0): rhubarb/src/rhubarb/sinks/MachineReadableStderrSink.cpp (line
/// layouts, progress thinning, "{:.2f}" values), rhubarb/src/rhubarb/semanticEntries.cpp (the messages and levels),
/// rhubarb/src/logging/Level.cpp (level names) and tools/stringTools.cpp (escapeJsonString). README.adoc's example
/// quotes the input file in the start message; that is an older version's text, and 1.14's source writes it bare.
/// </summary>
public class RhubarbStatusWriterTests
{
    [Fact]
    public void A_successful_run_writes_start_thinned_progress_and_success()
    {
        using var text = new StringWriter();
        var status = new RhubarbStatusWriter(text);
        status.WriteStart("hi.wav");
        Assert.True(status.WriteProgress(0));
        Assert.False(status.WriteProgress(0.004)); // still 0 %
        Assert.True(status.WriteProgress(0.01));
        Assert.True(status.WriteProgress(0.6899)); // printed 0.69 but truncated to 68 %, as in README.adoc's example
        Assert.False(status.WriteProgress(0.685));
        Assert.True(status.WriteProgress(1));
        status.WriteSuccess();
        Assert.Equal(
            "{ \"type\": \"start\", \"file\": \"hi.wav\", \"log\": { \"level\": \"Info\", \"message\": \"Application startup. Input file: hi.wav.\" } }\n" +
            "{ \"type\": \"progress\", \"value\": 0.00, \"log\": { \"level\": \"Trace\", \"message\": \"Progress: 0%\" } }\n" +
            "{ \"type\": \"progress\", \"value\": 0.01, \"log\": { \"level\": \"Trace\", \"message\": \"Progress: 1%\" } }\n" +
            "{ \"type\": \"progress\", \"value\": 0.69, \"log\": { \"level\": \"Trace\", \"message\": \"Progress: 68%\" } }\n" +
            "{ \"type\": \"progress\", \"value\": 1.00, \"log\": { \"level\": \"Trace\", \"message\": \"Progress: 100%\" } }\n" +
            "{ \"type\": \"success\", \"log\": { \"level\": \"Info\", \"message\": \"Application terminating normally.\" } }\n",
            text.ToString());
    }

    [Fact]
    public void A_failure_escapes_its_reason_in_both_places()
    {
        using var text = new StringWriter();
        new RhubarbStatusWriter(text).WriteFailure("Error processing file no-such-file.wav.\nCould not open \"no-such-file.wav\".");
        Assert.Equal(
            "{ \"type\": \"failure\", \"reason\": \"Error processing file no-such-file.wav.\\nCould not open \\\"no-such-file.wav\\\".\", " +
            "\"log\": { \"level\": \"Fatal\", \"message\": \"Application terminating with error: Error processing file no-such-file.wav.\\nCould not open \\\"no-such-file.wav\\\".\" } }\n",
            text.ToString());
    }

    [Fact]
    public void Log_lines_below_the_console_level_are_left_out()
    {
        using var text = new StringWriter();
        var status = new RhubarbStatusWriter(text, RhubarbLogLevel.Warn, "\r\n");
        Assert.False(status.WriteLog(RhubarbLogLevel.Info, "quiet"));
        Assert.True(status.WriteLog(RhubarbLogLevel.Warn, "caf\u00e9"));
        Assert.Equal("{ \"type\": \"log\", \"log\": { \"level\": \"Warn\", \"message\": \"caf\\u00e9\" } }\r\n", text.ToString());
    }

    [Theory]
    [InlineData(0.125, "0.12")] // an exact tie rounds to even, as printf does
    [InlineData(0.375, "0.38")]
    [InlineData(0.015, "0.01")] // 0.01499999999999999944… in binary
    [InlineData(0.995, "0.99")] // 0.99499999999999999556…
    [InlineData(0.5, "0.50")]
    public void Progress_values_are_printfs_two_decimals(double progress, string value)
    {
        using var text = new StringWriter();
        new RhubarbStatusWriter(text).WriteProgress(progress);
        Assert.StartsWith("{ \"type\": \"progress\", \"value\": " + value + ",", text.ToString());
    }
}

using System;
using System.IO;
using System.Linq;
using Hmm.Speech;
using Xunit;

namespace Hmm.Tests.Alignment;

/// <summary>Boundary offset tables (what <c>hmm calibrate</c> writes), the Sphinx model's shipped offsets, and the command.</summary>
public class BoundaryOffsetTests
{
    [Fact]
    public void A_table_round_trips_with_its_fingerprint()
    {
        var offsets = new float[AcousticModel.ClassCount, AcousticModel.ClassCount];
        offsets[(int)PhoneClass.Vowel, (int)PhoneClass.Stop] = 0.021f;
        offsets[(int)PhoneClass.Silence, (int)PhoneClass.Vowel] = -0.015f;
        string text = BoundaryOffsetTable.Format(offsets, "means-sha256 abc", new[] { "made here" });
        var (read, fingerprint) = BoundaryOffsetTable.Parse(text, "t.tsv");
        Assert.Equal("means-sha256 abc", fingerprint);
        Assert.Equal(offsets.Cast<float>(), read.Cast<float>());
    }

    [Theory]
    [InlineData("before\tafter\tseconds\nvowel\tstopp\t0.01\n", "t.tsv:2")]
    [InlineData("before\tafter\tseconds\nvowel\tstop\t0.5\n", "within 0.1 s")]
    [InlineData("vowel\tstop\t0.01\n", "header")]
    [InlineData("# only comments\n", "not a boundary offset table")]
    public void A_bad_table_is_refused_naming_the_line(string text, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => BoundaryOffsetTable.Parse(text, "t.tsv"));
        Assert.Contains(expected, e.Message);
        Assert.Contains("t.tsv", e.Message);
    }

    [Fact]
    public void The_debian_model_gets_the_shipped_offsets_and_can_take_others()
    {
        var model = SphinxAcousticModelTests.Model();
        Assert.StartsWith("means-sha256 ", model.Fingerprint);
        // Measured on speech-dev: Sphinx's boundaries into stops come about 20 ms late.
        Assert.InRange(model.BoundaryOffset(PhoneClass.Vowel, PhoneClass.Stop), 0.01f, 0.04f);
        var none = model.WithBoundaryOffsets(new float[AcousticModel.ClassCount, AcousticModel.ClassCount]);
        Assert.Equal(0f, none.BoundaryOffset(PhoneClass.Vowel, PhoneClass.Stop));
        Assert.Same(model.Emissions, none.Emissions);
        Assert.Throws<ArgumentException>(() => model.WithBoundaryOffsets(new float[2, 2]));
    }

    [Fact]
    public void Calibrate_writes_a_table_that_the_aligner_reads()
    {
        string data = Path.Combine(Path.GetTempPath(), "hmm-calibrate-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        try
        {
            string samples = Path.Combine(AppContext.BaseDirectory, "Data", "Sphinx");
            File.Copy(Path.Combine(samples, "s044-us2.wav"), Path.Combine(data, "s044-us2.wav"));
            File.Copy(Path.Combine(samples, "s044-us2.lab"), Path.Combine(data, "s044-us2.lab"));
            string table = Path.Combine(data, "offsets.tsv");
            var stderr = new StringWriter();
            int code = Samples.RealtimeVoice.Cli.Run(new[] { "calibrate", data, "--out", table, "--threads", "1" }, new StringWriter(), stderr, _ => null);
            Assert.True(code == 0, stderr.ToString());
            var (offsets, fingerprint) = BoundaryOffsetTable.Parse(File.ReadAllText(table), table);
            Assert.Null(fingerprint); // our own model: its offsets live in its file
            Assert.Contains("1 recordings", File.ReadAllText(table));
            Assert.Equal(AcousticModel.ClassCount, offsets.GetLength(0));
            Assert.Contains("boundaries of 1 recordings", stderr.ToString());
        }
        finally { Directory.Delete(data, true); }
    }
}

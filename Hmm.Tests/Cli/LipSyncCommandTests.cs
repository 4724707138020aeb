using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Hmm.Tests.Alignment;
using Samples.RealtimeVoice;
using Xunit;

namespace Hmm.Tests.Cli;

/// <summary>`hmm lipsync` run in-process on the bundled samples, a folder, standard input, and bad input.</summary>
public class LipSyncCommandTests
{
    private static (int Code, string Out, string Err) Run(Func<Stream>? input, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Samples.RealtimeVoice.Cli.Run(args, new CliContext(stdout, stderr, _ => null, Input: input));
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static (int Code, string Out, string Err) Run(params string[] args) => Run(null, args);

    private static string Sample(string id) => AlignmentTestData.Wav(id);

    /// <summary>Rhubarb's TSV: "seconds\tshape" lines, times rising from 0, ending with the recording's length and X.</summary>
    private static void AssertTsv(string tsv, double duration)
    {
        var lines = tsv.Split('\n');
        Assert.Equal("", lines[^1]); // ends with a newline
        lines = lines[..^1];
        Assert.True(lines.Length >= 3, tsv);
        double previous = -1;
        foreach (string line in lines)
        {
            var cells = line.Split('\t');
            Assert.Equal(2, cells.Length);
            double time = double.Parse(cells[0], CultureInfo.InvariantCulture);
            Assert.True(time > previous, $"{line} after {previous}");
            previous = time;
            Assert.Contains(cells[1], new[] { "A", "B", "C", "D", "E", "F", "G", "H", "X" });
        }
        Assert.StartsWith("0.00\t", lines[0]);
        Assert.Equal($"{Math.Floor(duration * 100 + 1e-6) / 100:0.00}\tX", lines[^1]);
    }

    private static double Duration(string wav)
    {
        var audio = Hmm.Speech.Training.WavReader.Read(wav);
        return audio.Samples.Length / (double)audio.SampleRate;
    }

    [Fact]
    public void A_sample_gives_Rhubarb_tsv_on_stdout_ending_with_its_length_and_X()
    {
        var (code, output, err) = Run("lipsync", Sample("s017-us1"));
        Assert.True(code == 0, err);
        AssertTsv(output, Duration(Sample("s017-us1")));
        Assert.Contains("lipsync: 1 of 1 files", err);
        // Speech has open mouths: more than one shape.
        Assert.True(output.Split('\n').Select(l => l.Split('\t').Last()).Distinct().Count() > 3, output);
    }

    [Fact]
    public void A_folder_with_out_writes_one_file_per_wav()
    {
        using var dir = AlignmentTestData.TempDirectory();
        using var outDir = AlignmentTestData.TempDirectory();
        foreach (string id in AlignmentTestData.SampleIds) File.Copy(Sample(id), dir.File(id + ".wav"));
        var (code, output, err) = Run("lipsync", dir.Path, "--out", outDir.Path);
        Assert.True(code == 0, err);
        Assert.Equal("", output);
        Assert.Equal(AlignmentTestData.SampleIds.Select(id => id + ".tsv").OrderBy(n => n, StringComparer.Ordinal),
            Directory.GetFiles(outDir.Path).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
        foreach (string id in AlignmentTestData.SampleIds)
        {
            AssertTsv(File.ReadAllText(outDir.File(id + ".tsv")), Duration(Sample(id)));
            // The same as one file on stdout (the copies have no transcript beside them: the sample's own is ignored).
            Assert.Equal(Run("lipsync", Sample(id), "--no-text").Out, File.ReadAllText(outDir.File(id + ".tsv")));
        }
    }

    /// <summary>
    /// --adapt moves the model toward the folder's voice before the lip-sync pass, from transcripts or from a first pass's
    /// phones: the cues change but stay well-formed, a corrupt file is still reported alone, and a negative count is a
    /// usage error.
    /// </summary>
    [Fact]
    public void Adapt_tunes_the_model_to_the_folder_and_keeps_the_files_apart()
    {
        using var dir = AlignmentTestData.TempDirectory();
        foreach (string id in AlignmentTestData.SampleIds)
        {
            File.Copy(Sample(id), dir.File(id + ".wav"));
            if (id != AlignmentTestData.SampleIds[0]) File.Copy(Path.ChangeExtension(Sample(id), ".txt"), dir.File(id + ".txt"));
        }
        File.WriteAllBytes(dir.File("bad.wav"), new byte[100]);
        using var plain = AlignmentTestData.TempDirectory();
        using var adapted = AlignmentTestData.TempDirectory();
        Assert.Equal(1, Run("lipsync", dir.Path, "--out", plain.Path).Code);
        var (code, _, err) = Run("lipsync", dir.Path, "--out", adapted.Path, "--adapt", "2");
        Assert.Equal(1, code);
        Assert.Contains("bad.wav", err);
        Assert.Contains("1 failed", err);
        bool changed = false;
        foreach (string id in AlignmentTestData.SampleIds)
        {
            string tsv = File.ReadAllText(adapted.File(id + ".tsv"));
            AssertTsv(tsv, Duration(Sample(id)));
            changed |= tsv != File.ReadAllText(plain.File(id + ".tsv"));
        }
        Assert.True(changed, "adaptation changed no cue");
        var usage = Run("lipsync", dir.Path, "--out", adapted.Path, "--adapt", "-1");
        Assert.NotEqual(0, usage.Code);
        Assert.Contains("--adapt", usage.Err);
    }

    [Fact]
    public void A_corrupt_wav_in_a_folder_is_reported_by_name_and_the_others_are_written()
    {
        using var dir = AlignmentTestData.TempDirectory();
        using var outDir = AlignmentTestData.TempDirectory();
        foreach (string id in AlignmentTestData.SampleIds) File.Copy(Sample(id), dir.File(id + ".wav"));
        var garbage = new byte[5000];
        new Random(1).NextBytes(garbage);
        File.WriteAllBytes(dir.File("bad.wav"), garbage);
        var (code, _, err) = Run("lipsync", dir.Path, "--out", outDir.Path);
        Assert.Equal(1, code);
        Assert.Contains("bad.wav", err.Split('\n').Single(l => l.StartsWith("hmm: lipsync: ", StringComparison.Ordinal)));
        Assert.Contains("3 of 4 files", err);
        Assert.Contains("1 failed", err);
        Assert.DoesNotContain("   at ", err);
        Assert.Equal(AlignmentTestData.SampleIds.Length, Directory.GetFiles(outDir.Path).Length);
        Assert.False(File.Exists(outDir.File("bad.tsv")));
    }

    [Fact]
    public void Names_that_differ_only_in_case_are_reported_instead_of_writing_one_result_twice()
    {
        using var dir = AlignmentTestData.TempDirectory();
        using var outDir = AlignmentTestData.TempDirectory();
        File.Copy(Sample("s017-us1"), dir.File("x.wav"));
        File.Copy(Sample("s044-us2"), dir.File("x.WAV"));
        if (Directory.GetFiles(dir.Path).Length < 2) return; // a case-insensitive file system holds only one of them
        var (code, _, err) = Run("lipsync", dir.Path, "--out", outDir.Path);
        Assert.Equal(1, code);
        Assert.Contains("x.wav: its result file would be that of x.WAV (the names differ only in case); rename one.", err);
        Assert.Equal(new[] { "x.tsv" }, Directory.GetFiles(outDir.Path).Select(Path.GetFileName));
        // The one written is the first file's, whole.
        AssertTsv(File.ReadAllText(outDir.File("x.tsv")), Duration(Sample("s044-us2")));
    }

    [Fact]
    public void An_out_that_is_a_file_or_cannot_be_created_is_refused_before_any_work()
    {
        using var dir = AlignmentTestData.TempDirectory();
        File.WriteAllText(dir.File("file"), "");
        var (code, _, err) = Run("lipsync", Sample("s017-us1"), "--out", dir.File("file"));
        Assert.Equal(2, code);
        Assert.Contains("lipsync: --out " + dir.File("file") + " is a file; give a folder.", err);
        if (!OperatingSystem.IsLinux()) return;
        (code, _, err) = Run("lipsync", Sample("s017-us1"), "--out", "/proc/hmm-no-such/out");
        Assert.Equal(2, code);
        Assert.Contains("lipsync: --out /proc/hmm-no-such/out cannot be written", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void A_second_run_into_an_out_in_use_is_refused_and_the_folder_is_free_again_afterwards()
    {
        using var dir = AlignmentTestData.TempDirectory();
        string outDir = Path.Combine(dir.Path, "out");
        Directory.CreateDirectory(outDir);
        using (Samples.RealtimeVoice.OutputFile.LockFolder("test", outDir))
        {
            foreach (var verb in new[] { "lipsync", "align" })
            {
                var (code, _, err) = Run(verb, Sample("s017-us1"), "--out", outDir);
                Assert.Equal(2, code);
                Assert.Contains($"{verb}: --out {outDir} is in use by another hmm run", err);
                Assert.DoesNotContain("   at ", err);
            }
            Assert.Empty(Directory.GetFiles(outDir, "s017-us1*"));
        }
        var (after, _, afterErr) = Run("lipsync", Sample("s017-us1"), "--out", outDir);
        Assert.True(after == 0, afterErr);
        Assert.False(File.Exists(Path.Combine(outDir, ".hmm-lock")));
        Assert.Single(Directory.GetFiles(outDir, "s017-us1*"));
    }

    [Fact]
    public void Words_of_the_transcript_that_cannot_be_pronounced_are_named()
    {
        using var dir = AlignmentTestData.TempDirectory();
        File.WriteAllText(dir.File("cjk.txt"), "Is this the \u673A\u573A train \u0663?");
        var (code, output, err) = Run("lipsync", Sample("s044-us2"), "--text", dir.File("cjk.txt"));
        Assert.True(code == 0, err);
        AssertTsv(output, Duration(Sample("s044-us2")));
        Assert.Contains("cjk.txt: out of vocabulary and not pronounceable by rule (left out): \u673A\u573A", err);
    }

    /// <summary>A stream that never ends (what /dev/zero on standard input is).</summary>
    private sealed class EndlessStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) { Array.Clear(buffer, offset, count); return count; }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public void An_endless_standard_input_is_refused_at_the_bound_instead_of_filling_memory()
    {
        var e = Assert.Throws<InvalidDataException>(() => LipSyncCommand.ReadPcm(new EndlessStream(), 16, maxBytes: 1 << 20));
        Assert.Equal("standard input: more than 1 MiB of audio (an endless stream?); give a WAV file, or split the audio.", e.Message);
        Assert.Equal(1 << 19, LipSyncCommand.ReadPcm(new MemoryStream(new byte[1 << 20]), 16, maxBytes: 1 << 20).Length); // at the bound: read
    }

    [Fact]
    public void Stdin_needs_rate_and_takes_16_bit_pcm_from_the_context_input()
    {
        var (code, _, err) = Run(() => new MemoryStream(new byte[320]), "lipsync", "-");
        Assert.Equal(2, code);
        Assert.StartsWith("hmm: lipsync: ", err);
        Assert.Contains("--rate", err);

        // The sample's 16-bit samples as raw PCM: the same cues as the WAV itself normalised as a live stream (a WAV file
        // is otherwise normalised with its own statistics, which a stream cannot know ahead).
        string wav = Sample("s044-us2");
        short[] pcm = LipSyncTestAudio16(wav);
        var bytes = new byte[pcm.Length * 2];
        Buffer.BlockCopy(pcm, 0, bytes, 0, bytes.Length);
        var (code2, output, err2) = Run(() => new MemoryStream(bytes), "lipsync", "-", "--rate", "16000", "--quiet");
        Assert.True(code2 == 0, err2);
        Assert.Equal("", err2);
        Assert.Equal(Run("lipsync", wav, "--no-text", "--live-normalisation").Out, output);
        Assert.NotEqual(Run("lipsync", wav, "--no-text").Out, output);
    }

    /// <summary>
    /// A transcript beside the WAV (or --text) makes the processor follow it: other cues than without it, the same
    /// whether found beside the file or given; --text with a folder or with --no-text is a usage error.
    /// </summary>
    [Fact]
    public void A_transcript_is_followed_when_given_or_beside_the_wav()
    {
        string wav = Sample("s017-us1");
        var beside = Run("lipsync", wav);
        var given = Run("lipsync", wav, "--text", System.IO.Path.ChangeExtension(wav, ".txt"));
        var without = Run("lipsync", wav, "--no-text");
        Assert.True(beside.Code == 0 && given.Code == 0 && without.Code == 0, beside.Err + given.Err + without.Err);
        Assert.Equal(beside.Out, given.Out);
        Assert.NotEqual(beside.Out, without.Out);
        var both = Run("lipsync", wav, "--text", System.IO.Path.ChangeExtension(wav, ".txt"), "--no-text");
        Assert.Equal(2, both.Code);
        Assert.Contains("--no-text", both.Err);
        // A .phones file is followed too; a phone the model lacks is named.
        using var phonesDir = AlignmentTestData.TempDirectory();
        File.WriteAllText(phonesDir.File("p.phones"), "sil IH Z DH IH S sil DH IY EH R P AO R T T R EY N sil");
        var phones = Run("lipsync", wav, "--text", phonesDir.File("p.phones"));
        Assert.True(phones.Code == 0, phones.Err);
        Assert.NotEqual(without.Out, phones.Out);
        File.WriteAllText(phonesDir.File("bad.phones"), "sil IH QQ sil");
        var bad = Run("lipsync", wav, "--text", phonesDir.File("bad.phones"));
        Assert.Equal(1, bad.Code);
        Assert.Contains("QQ", bad.Err);
        // --plot draws a PNG beside the cues (standard output keeps only the cues).
        var plotted = Run("lipsync", wav, "--plot", phonesDir.File("x.png"));
        Assert.True(plotted.Code == 0, plotted.Err);
        Assert.Equal(beside.Out, plotted.Out);
        Assert.True(new FileInfo(phonesDir.File("x.png")).Length > 10_000);
        using var dir = AlignmentTestData.TempDirectory();
        Assert.Equal(2, Run("lipsync", dir.Path, "--plot", phonesDir.File("y.png")).Code);
        // --machineReadable: Rhubarb's status lines, progress included; --live: the current frame on stderr, paced.
        var machine = Run("lipsync", wav, "--machineReadable");
        Assert.Equal(beside.Out, machine.Out);
        Assert.Contains("\"type\": \"progress\"", machine.Err);
        Assert.Contains("\"type\": \"success\"", machine.Err);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var live = Run("lipsync", wav, "--live", "--quiet");
        Assert.Equal(Run("lipsync", wav, "--live-normalisation").Out, live.Out); // live: statistics learnt as the audio plays
        Assert.Contains("mouth ", live.Err);
        Assert.True(clock.Elapsed.TotalSeconds >= Duration(wav) - 0.1, "--live plays the audio in real time");
        var folder = Run("lipsync", dir.Path, "--text", System.IO.Path.ChangeExtension(wav, ".txt"));
        Assert.Equal(2, folder.Code);
        Assert.Contains("--text", folder.Err);
    }

    /// <summary>The 16-bit samples of a 16-bit PCM WAV (the samples WavReader scales by 1/32768).</summary>
    private static short[] LipSyncTestAudio16(string wav)
    {
        var audio = Hmm.Speech.Training.WavReader.Read(wav);
        Assert.Equal(16000, audio.SampleRate);
        return audio.Samples.Select(s => checked((short)Math.Round(s * 32768.0))).ToArray();
    }

    [Fact]
    public void Empty_stdin_is_an_error_that_says_so()
    {
        var (code, output, err) = Run(() => new MemoryStream(), "lipsync", "-", "--rate", "16000");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("hmm: lipsync: ", err);
        Assert.Contains("empty", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void Bigram_weight_reaches_the_phone_loop_and_a_negative_one_is_a_usage_error()
    {
        var (code, flat, err) = Run("lipsync", Sample("s017-us1"), "--no-text", "--bigram-weight", "0");
        Assert.True(code == 0, err);
        AssertTsv(flat, Duration(Sample("s017-us1")));
        var (code2, strong, err2) = Run("lipsync", Sample("s017-us1"), "--no-text", "--bigram-weight", "20");
        Assert.True(code2 == 0, err2);
        Assert.NotEqual(flat, strong); // a bigram twenty times as strong changes some phone decisions of a 3 s sentence
        var (code3, output, err3) = Run("lipsync", Sample("s017-us1"), "--bigram-weight", "-1");
        Assert.Equal(2, code3);
        Assert.Equal("", output);
        Assert.Contains("--bigram-weight", err3);
    }

    [Fact]
    public void Oculus_set_with_a_Rhubarb_format_is_a_usage_error()
    {
        var (code, output, err) = Run("lipsync", Sample("s017-us1"), "--set", "oculus", "--format", "tsv");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("hmm: lipsync: ", err);
        Assert.Contains("--set oculus", err);
        Assert.Contains("--format tsv", err);
    }

    [Fact]
    public void Format_dat_writes_Moho_switch_data()
    {
        var (code, output, err) = Run("lipsync", Sample("s017-us1"), "--format", "dat");
        Assert.True(code == 0, err);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("MohoSwitch1", lines[0]);
        Assert.True(lines.Length >= 3, output);
        foreach (string line in lines.Skip(1))
        {
            var cells = line.Split(' ');
            Assert.Equal(2, cells.Length);
            Assert.True(int.Parse(cells[0], CultureInfo.InvariantCulture) >= 1, line);
        }
        Assert.EndsWith(" X", lines[^1]);
    }
}

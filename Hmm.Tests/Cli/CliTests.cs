using System;
using System.IO;
using System.Linq;
using Hmm.Speech.Training;
using Hmm.Speech;
using Hmm.Tests.Alignment;
using Samples.RealtimeVoice;
using Xunit;
using static Hmm.Tests.Cli.CliVerbs;

namespace Hmm.Tests.Cli;

/// <summary>The `hmm align`, `hmm eval` and `hmm train` verbs run in-process with captured output.</summary>
public class CliTests
{
    private static string Sample(string id, string ext) => Path.Combine(AlignmentTestData.SamplesDirectory, id + ext);

    [Fact]
    public void Align_one_file_prints_its_phone_table_and_the_score_against_the_label_beside_it()
    {
        var (code, output, _) = Run(AlignCommand.Run, Sample("s044-us2", ".wav"), "--model", AlignmentTestData.ModelPath, "--dict", AlignmentTestData.DictionaryPath);
        Assert.Equal(0, code);
        Assert.Contains("phone   start     end", output);
        Assert.Contains("text: Is this the airport train?", output);
        Assert.Contains("boundaries within 20 ms", output);
        Assert.Contains(" sil ", output);
    }

    [Theory]
    [InlineData("lab")]
    [InlineData("textgrid")]
    [InlineData("json")]
    public void Align_writes_each_format_that_reads_back(string format)
    {
        using var dir = AlignmentTestData.TempDirectory();
        File.WriteAllText(dir.File("p.phones"), string.Join(" ", AlignmentTestData.Labels("s017-us1").Select(s => s.Phone)));
        var (code, _, err) = Run(AlignCommand.Run, Sample("s017-us1", ".wav"), "--phones", dir.File("p.phones"), "--model", AlignmentTestData.ModelPath,
            "--format", format, "--out", dir.Path, "--quiet");
        Assert.True(code == 0, err);
        string written = Directory.GetFiles(dir.Path).Single(f => f != dir.File("p.phones"));
        Assert.Equal(AlignmentTestData.Labels("s017-us1").Select(s => s.Phone), LabelFile.Read(written).Select(s => s.Phone));
    }

    [Fact]
    public void A_folder_with_bad_files_reports_each_and_still_writes_the_good_ones()
    {
        using var dir = AlignmentTestData.TempDirectory();
        using var outDir = AlignmentTestData.TempDirectory();
        var good = File.ReadAllBytes(Sample("s017-us1", ".wav"));
        string phones = string.Join(" ", AlignmentTestData.Labels("s017-us1").Select(s => s.Phone));
        File.WriteAllBytes(dir.File("good.wav"), good);
        File.WriteAllText(dir.File("good.phones"), phones);
        File.WriteAllBytes(dir.File("text.wav"), good);
        File.Copy(Sample("s017-us1", ".txt"), dir.File("text.txt"));
        File.WriteAllBytes(dir.File("nopair.wav"), good);
        File.WriteAllBytes(dir.File("badphone.wav"), good);
        File.WriteAllText(dir.File("badphone.phones"), "sil AA ZZ sil");
        File.WriteAllBytes(dir.File("empty.wav"), AlignmentTestData.PcmWav(Array.Empty<float>()));
        File.WriteAllText(dir.File("empty.phones"), "sil AA sil");
        File.WriteAllBytes(dir.File("short.wav"), AlignmentTestData.PcmWav(new float[1200]));
        File.WriteAllText(dir.File("short.phones"), phones);
        File.WriteAllBytes(dir.File("corrupt.wav"), good.AsSpan(0, 30).ToArray());
        File.WriteAllText(dir.File("corrupt.phones"), phones);
        File.WriteAllText(dir.File("blank.phones"), "   ");
        File.WriteAllBytes(dir.File("blank.wav"), good);
        // A transcript named in another case pairs only where the file system says it is the same name.
        File.WriteAllBytes(dir.File("upper.wav"), good);
        File.Copy(Sample("s017-us1", ".txt"), dir.File("UPPER.TXT"));
        bool caseInsensitive = File.Exists(dir.File("upper.txt"));

        var (code, _, err) = Run(AlignCommand.Run, dir.Path, "--model", AlignmentTestData.ModelPath, "--dict", AlignmentTestData.DictionaryPath, "--out", outDir.Path, "--quiet");
        Assert.Equal(1, code);
        Assert.True(File.Exists(outDir.File("good.lab")));
        Assert.True(File.Exists(outDir.File("text.lab")));
        Assert.Equal(caseInsensitive ? 4 : 3, Directory.GetFiles(outDir.Path).Length); // the labels and the confidence table
        string Line(string name) => err.Split('\n').Single(l => l.Contains(Path.DirectorySeparatorChar + name + ".wav:"));
        Assert.Contains("no transcript", Line("nopair"));
        if (!caseInsensitive) Assert.Contains("no transcript", Line("upper"));
        Assert.Contains("not in the model: ZZ", Line("badphone"));
        Assert.Contains("empty", Line("empty"));
        Assert.Contains("too short", Line("short"));
        Assert.Contains("corrupt.wav", Line("corrupt"));
        Assert.Contains("is empty", Line("blank"));
    }

    [Fact]
    public void Silence_noise_and_another_files_transcript_are_flagged_and_skipped_on_request_and_a_good_file_is_not()
    {
        using var dir = AlignmentTestData.TempDirectory();
        using var outDir = AlignmentTestData.TempDirectory();
        File.Copy(Sample("s044-us2", ".wav"), dir.File("good.wav"));
        File.Copy(Sample("s044-us2", ".txt"), dir.File("good.txt"));
        File.Copy(Sample("s044-us2", ".wav"), dir.File("swapped.wav"));
        File.Copy(Sample("s017-us1", ".txt"), dir.File("swapped.txt"));
        File.WriteAllBytes(dir.File("silence.wav"), AlignmentTestData.PcmWav(new float[3 * 16000]));
        File.Copy(Sample("s044-us2", ".txt"), dir.File("silence.txt"));
        var random = new Random(17);
        File.WriteAllBytes(dir.File("noise.wav"), AlignmentTestData.PcmWav(Enumerable.Range(0, 3 * 16000).Select(_ => (float)(0.1 * (random.NextDouble() - 0.5))).ToArray()));
        File.Copy(Sample("s044-us2", ".txt"), dir.File("noise.txt"));
        string[] args = [dir.Path, "--model", AlignmentTestData.ModelPath, "--dict", AlignmentTestData.DictionaryPath, "--out", outDir.Path, "--engine", "cpu"];

        // By default the bad files are written but named, and the run still succeeds.
        var (code, _, err) = Run(AlignCommand.Run, [.. args, "--quiet"]);
        Assert.True(code == 0, err);
        string? Line(string name) => err.Split('\n').SingleOrDefault(l => l.Contains(Path.DirectorySeparatorChar + name + ".wav:"));
        Assert.Null(Line("good"));
        Assert.Contains("no speech found", Line("silence"));
        Assert.Contains("no speech found", Line("noise"));
        Assert.Contains("does not match the transcript", Line("swapped"));
        var table = File.ReadAllLines(outDir.File(AlignCommand.ConfidenceFileName)).Skip(1).Select(l => l.Split('\t')).ToDictionary(f => f[0], f => f[3]);
        Assert.Equal("ok", table["good.wav"]);
        Assert.All(new[] { "silence.wav", "noise.wav", "swapped.wav" }, n => Assert.Equal("mismatched", table[n]));
        Assert.True(File.Exists(outDir.File("swapped.lab")));

        (code, _, err) = Run(AlignCommand.Run, [.. args, "--skip-mismatched"]);
        Assert.Equal(1, code);
        Assert.Contains("3 failed", err);
        Assert.True(File.Exists(outDir.File("good.lab")), err);
        // The labels written by the first run are removed: they are not an alignment.
        Assert.All(new[] { "silence", "noise", "swapped" }, n => Assert.False(File.Exists(outDir.File(n + ".lab")), n));
        Assert.Contains("--skip-mismatched", Line("swapped"));
    }

    /// <summary>A 32-bit float WAV of <paramref name="samples"/> at 16 kHz.</summary>
    private static byte[] FloatWav(float[] samples)
    {
        var stream = new MemoryStream();
        var w = new BinaryWriter(stream);
        w.Write("RIFF"u8); w.Write(36 + 4 * samples.Length); w.Write("WAVE"u8);
        w.Write("fmt "u8); w.Write(16); w.Write((short)3); w.Write((short)1); w.Write(16000); w.Write(64000); w.Write((short)4); w.Write((short)32);
        w.Write("data"u8); w.Write(4 * samples.Length);
        foreach (float x in samples) w.Write(x);
        w.Flush();
        return stream.ToArray();
    }

    [Fact]
    public void Files_that_break_the_transcriber_the_features_or_the_write_fail_alone_and_the_others_are_written()
    {
        using var dir = AlignmentTestData.TempDirectory();
        using var outDir = AlignmentTestData.TempDirectory();
        string text = File.ReadAllText(Sample("s017-us1", ".txt"));
        File.Copy(Sample("s017-us1", ".wav"), dir.File("good.wav"));
        File.WriteAllText(dir.File("good.txt"), text);
        // Digits outside ASCII have made the transcriber throw.
        File.Copy(Sample("s017-us1", ".wav"), dir.File("digit.wav"));
        File.WriteAllText(dir.File("digit.txt"), "Platform \u0663 is closed.");
        // Finite float samples so large that the power spectrum overflows.
        File.WriteAllBytes(dir.File("huge.wav"), FloatWav(Enumerable.Range(0, 16000).Select(i => (float)(1e20 * Math.Sin(i * 0.05))).ToArray()));
        File.WriteAllText(dir.File("huge.txt"), text);
        // A folder where a label file should go.
        File.Copy(Sample("s017-us1", ".wav"), dir.File("blocked.wav"));
        File.WriteAllText(dir.File("blocked.txt"), text);
        Directory.CreateDirectory(outDir.File("blocked.lab"));

        var (code, _, err) = Run(AlignCommand.Run, dir.Path, "--model", AlignmentTestData.ModelPath, "--dict", AlignmentTestData.DictionaryPath, "--out", outDir.Path,
            "--quiet", "--engine", "cpu");
        Assert.True(code is 0 or 1, err);
        Assert.DoesNotContain("   at ", err);
        Assert.True(File.Exists(outDir.File("good.lab")), err);
        string Line(string name) => err.Split('\n').Single(l => l.Contains(Path.DirectorySeparatorChar + name + ".wav:"));
        Assert.Contains("non-finite features", Line("huge"));
        Assert.Contains("blocked.lab: a folder of that name is in the way", Line("blocked"));
        Assert.True(File.Exists(outDir.File("digit.lab")), err); // an Arabic-Indic digit is spelled, not an error
        Assert.Equal(1, code);
    }

    [Fact]
    public void An_out_that_is_the_input_folder_with_reference_labels_is_refused_before_any_work()
    {
        using var dir = AlignmentTestData.TempDirectory();
        File.Copy(Sample("s017-us1", ".wav"), dir.File("a.wav"));
        File.Copy(Sample("s017-us1", ".txt"), dir.File("a.txt"));
        File.Copy(Sample("s017-us1", ".lab"), dir.File("a.lab"));
        var reference = File.ReadAllBytes(dir.File("a.lab"));
        var (code, _, err) = Run(AlignCommand.Run, dir.Path, "--model", AlignmentTestData.ModelPath, "--dict", AlignmentTestData.DictionaryPath, "--out", dir.Path + "/", "--quiet");
        Assert.Equal(2, code);
        Assert.Contains("is the input folder, and the labels would overwrite 1 file(s) there (a.lab); give another --out.", err);
        Assert.Equal(reference, File.ReadAllBytes(dir.File("a.lab")));
        // Another format overwrites nothing there, so it may go beside the inputs.
        (code, _, err) = Run(AlignCommand.Run, dir.Path, "--model", AlignmentTestData.ModelPath, "--dict", AlignmentTestData.DictionaryPath, "--out", dir.Path,
            "--format", "json", "--quiet", "--engine", "cpu");
        Assert.True(code == 0, err);
        Assert.True(File.Exists(dir.File("a.json")));
        Assert.Equal(reference, File.ReadAllBytes(dir.File("a.lab")));
    }

    [Fact]
    public void The_label_of_an_earlier_run_is_removed_when_its_file_now_fails()
    {
        using var dir = AlignmentTestData.TempDirectory();
        using var outDir = AlignmentTestData.TempDirectory();
        foreach (string name in new[] { "a", "b" })
        {
            File.Copy(Sample("s017-us1", ".wav"), dir.File(name + ".wav"));
            File.Copy(Sample("s017-us1", ".txt"), dir.File(name + ".txt"));
        }
        string[] args = [dir.Path, "--model", AlignmentTestData.ModelPath, "--dict", AlignmentTestData.DictionaryPath, "--out", outDir.Path, "--quiet", "--engine", "cpu"];
        var (code, _, err) = Run(AlignCommand.Run, args);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(outDir.File("b.lab")));
        File.WriteAllBytes(dir.File("b.wav"), File.ReadAllBytes(Sample("s017-us1", ".wav")).Take(3000).ToArray());
        (code, _, err) = Run(AlignCommand.Run, args);
        Assert.Equal(1, code);
        Assert.Contains("data chunk declares", err);
        Assert.Contains("(the earlier b.lab in --out was removed)", err);
        Assert.False(File.Exists(outDir.File("b.lab"))); // eval would have scored the old result
        Assert.True(File.Exists(outDir.File("a.lab")));
    }

    [Fact]
    public void Names_that_differ_only_in_case_are_reported_and_the_first_keeps_its_label()
    {
        using var dir = AlignmentTestData.TempDirectory();
        using var outDir = AlignmentTestData.TempDirectory();
        File.Copy(Sample("s017-us1", ".wav"), dir.File("x.WAV"));
        File.Copy(Sample("s017-us1", ".wav"), dir.File("x.wav"));
        File.Copy(Sample("s017-us1", ".txt"), dir.File("x.txt"));
        if (Directory.GetFiles(dir.Path).Length < 3) return; // a case-insensitive file system holds only one of them
        var (code, _, err) = Run(AlignCommand.Run, dir.Path, "--model", AlignmentTestData.ModelPath, "--dict", AlignmentTestData.DictionaryPath, "--out", outDir.Path,
            "--quiet", "--engine", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("x.wav: its label file would be that of x.WAV (the names differ only in case or extension); rename one.", err);
        Assert.Equal(new[] { AlignCommand.ConfidenceFileName, "x.lab" }, Directory.GetFiles(outDir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Labels_are_replaced_by_a_rename_and_an_out_that_is_a_file_is_refused_first()
    {
        using var dir = AlignmentTestData.TempDirectory();
        using var outDir = AlignmentTestData.TempDirectory();
        File.Copy(Sample("s017-us1", ".wav"), dir.File("a.wav"));
        File.Copy(Sample("s017-us1", ".txt"), dir.File("a.txt"));
        File.WriteAllText(outDir.File("a.lab"), "old");
        // A reader of the old label keeps the old file: it was replaced by a rename, not rewritten in place (a failure
        // half-way through a rewrite would have left half a file).
        using (var held = new FileStream(outDir.File("a.lab"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            var (code, _, err) = Run(AlignCommand.Run, dir.Path, "--model", AlignmentTestData.ModelPath, "--dict", AlignmentTestData.DictionaryPath, "--out", outDir.Path,
                "--quiet", "--engine", "cpu");
            Assert.True(code == 0, err);
            Assert.Equal("old", new StreamReader(held).ReadToEnd());
        }
        Assert.True(LabelFile.Read(outDir.File("a.lab")).Count > 10);
        Assert.Equal(new[] { "a.lab", AlignCommand.ConfidenceFileName }, Directory.GetFiles(outDir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal)); // no temporary file left
        var (code2, _, err2) = Run(AlignCommand.Run, dir.Path, "--model", AlignmentTestData.ModelPath, "--out", outDir.File("a.lab"));
        Assert.Equal(2, code2);
        Assert.Contains("align: --out " + outDir.File("a.lab") + " is a file; give a folder.", err2);
    }

    /// <summary>Runs a verb on another thread and fails (instead of hanging the suite) when it does not finish within a minute.</summary>
    private static (int Code, string Out, string Err) RunBounded(Func<string[], TextWriter, TextWriter, int> verb, params string[] args)
    {
        var run = System.Threading.Tasks.Task.Run(() => Run(verb, args));
        Assert.True(run.Wait(TimeSpan.FromMinutes(1)), "the command hung: " + string.Join(" ", args));
        return run.Result;
    }

    [Fact]
    public void Devices_given_as_model_phones_or_dictionary_are_refused_without_reading_them()
    {
        if (!OperatingSystem.IsLinux()) return;
        const string refused = "/dev/zero: the file is empty (0 bytes), or is a FIFO or a device, which is not read.";
        var (code, _, err) = RunBounded(AlignCommand.Run, Sample("s017-us1", ".wav"), "--model", "/dev/zero");
        Assert.Equal(2, code);
        Assert.Contains(refused, err);
        (code, _, err) = RunBounded(AlignCommand.Run, Sample("s017-us1", ".wav"), "--model", AlignmentTestData.ModelPath, "--phones", "/dev/zero");
        Assert.Equal(1, code);
        Assert.Contains(refused, err);
        (code, _, err) = RunBounded(AlignCommand.Run, Sample("s017-us1", ".wav"), "--model", AlignmentTestData.ModelPath, "--text", Sample("s017-us1", ".txt"), "--dict", "/dev/zero");
        Assert.Equal(2, code);
        Assert.Contains(refused, err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void A_fifo_named_wav_in_a_folder_is_refused_by_name_and_the_others_are_written()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var dir = AlignmentTestData.TempDirectory();
        using var outDir = AlignmentTestData.TempDirectory();
        File.Copy(Sample("s017-us1", ".wav"), dir.File("good.wav"));
        File.Copy(Sample("s017-us1", ".txt"), dir.File("good.txt"));
        File.Copy(Sample("s017-us1", ".txt"), dir.File("fifo.txt"));
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", dir.File("fifo.wav"))) mkfifo.WaitForExit();
        Assert.True(File.Exists(dir.File("fifo.wav")));
        var (code, _, err) = RunBounded(AlignCommand.Run, dir.Path, "--model", AlignmentTestData.ModelPath, "--dict", AlignmentTestData.DictionaryPath,
            "--out", outDir.Path, "--quiet", "--engine", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("fifo.wav: the file is empty (0 bytes), or is a FIFO or a device", err);
        Assert.True(File.Exists(outDir.File("good.lab")), err);
    }

    [Fact]
    public void An_out_file_that_cannot_be_written_is_refused_before_any_work_by_plot_calibrate_and_train()
    {
        if (!OperatingSystem.IsLinux()) return;
        void Refused(string verb, params string[] args)
        {
            var (stdout, stderr) = (new StringWriter(), new StringWriter());
            int code = Samples.RealtimeVoice.Cli.Run([verb, .. args, "--out", "/proc/hmm-no-such/out.x"], new CliContext(stdout, stderr, _ => null));
            Assert.Equal(2, code);
            Assert.Contains($"hmm: {verb}: --out /proc/hmm-no-such/out.x cannot be written", stderr.ToString());
            Assert.Equal("", stdout.ToString()); // nothing measured, trained or drawn first
        }
        Refused("plot", Sample("s017-us1", ".wav"), Sample("s017-us1", ".lab"));
        Refused("calibrate", AlignmentTestData.SamplesDirectory, "--model", AlignmentTestData.ModelPath);
        Refused("train", AlignmentTestData.SamplesDirectory);
    }

    [Fact]
    public void Train_names_the_label_file_of_a_phone_outside_the_phone_set_and_a_truncated_wav()
    {
        using var dir = AlignmentTestData.TempDirectory();
        foreach (string id in AlignmentTestData.SampleIds.Take(2))
        {
            File.Copy(Sample(id, ".wav"), dir.File(id + ".wav"));
            File.Copy(Sample(id, ".lab"), dir.File(id + ".lab"));
        }
        string bad = dir.File(AlignmentTestData.SampleIds[1] + ".lab");
        var lines = File.ReadAllLines(bad);
        lines[1] = string.Join("\t", lines[1].Split('\t', ' ')[..2]) + "\tXYZ";
        File.WriteAllLines(bad, lines);
        using var outDir = AlignmentTestData.TempDirectory();
        var (code, _, err) = Run(TrainCommand.Run, dir.Path, "--out", outDir.File("m.hmmam"), "--iterations", "1");
        Assert.Equal(2, code);
        Assert.Contains($"hmm: train: {bad}: label 2 ('XYZ' at ", err);
        Assert.DoesNotContain("   at ", err);
        File.Copy(Sample(AlignmentTestData.SampleIds[1], ".lab"), bad, overwrite: true); // one problem at a time: files are read in parallel
        File.WriteAllBytes(dir.File(AlignmentTestData.SampleIds[0] + ".wav"), File.ReadAllBytes(Sample(AlignmentTestData.SampleIds[0], ".wav")).Take(3000).ToArray());
        (code, _, err) = Run(TrainCommand.Run, dir.Path, "--out", outDir.File("m.hmmam"), "--iterations", "1");
        Assert.Equal(2, code);
        Assert.Contains(AlignmentTestData.SampleIds[0] + ".wav: data chunk declares", err);
        Assert.False(File.Exists(outDir.File("m.hmmam")));
    }

    [Fact]
    public void Progress_bars_and_tables_on_a_terminal_do_not_change_the_files_written_or_stdout()
    {
        using var dir = AlignmentTestData.TempDirectory();
        foreach (string id in AlignmentTestData.SampleIds.Take(2))
        {
            File.Copy(Sample(id, ".wav"), dir.File(id + ".wav"));
            File.Copy(Sample(id, ".txt"), dir.File(id + ".txt"));
        }
        using var plain = AlignmentTestData.TempDirectory();
        using var terminal = AlignmentTestData.TempDirectory();
        string[] Args(string outDir) => new[] { "align", dir.Path, "--model", AlignmentTestData.ModelPath, "--dict", AlignmentTestData.DictionaryPath, "--out", outDir, "--engine", "cpu" };
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, Samples.RealtimeVoice.Cli.Run(Args(plain.Path), new CliContext(stdout, stderr, _ => null)));
        Assert.StartsWith("aligned 2 of 2 files", stderr.ToString());
        var (stdout2, stderr2) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, Samples.RealtimeVoice.Cli.Run(Args(terminal.Path), new CliContext(stdout2, stderr2, _ => null, ErrorIsTerminal: true, OutputIsTerminal: true)));
        Assert.Equal("", stdout.ToString() + stdout2.ToString()); // progress and the summary table go to stderr
        Assert.Contains("adapt-posteriors", stderr2.ToString());
        var names = Directory.GetFiles(plain.Path).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(3, names.Length); // two labels and the confidence table
        Assert.Equal(names, Directory.GetFiles(terminal.Path).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray());
        foreach (string? name in names) Assert.Equal(File.ReadAllBytes(Path.Combine(plain.Path, name!)), File.ReadAllBytes(Path.Combine(terminal.Path, name!)));
    }

    [Fact]
    public void Words_that_cannot_be_pronounced_are_named_with_the_transcript_not_dropped_silently()
    {
        using var dir = AlignmentTestData.TempDirectory();
        File.WriteAllText(dir.File("cjk.txt"), "Is this the \u673A\u573A train?");
        var (code, output, err) = Run(AlignCommand.Run, Sample("s044-us2", ".wav"), "--text", dir.File("cjk.txt"), "--model", AlignmentTestData.ModelPath,
            "--dict", AlignmentTestData.DictionaryPath, "--engine", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("phone   start", output);
        Assert.Contains("cjk.txt: out of vocabulary and not pronounceable by rule (left out): \u673A\u573A", err);
    }

    [Fact]
    public void A_crlf_multi_line_transcript_is_quoted_on_one_header_line()
    {
        using var dir = AlignmentTestData.TempDirectory();
        File.WriteAllText(dir.File("crlf.txt"), "Is this\r\nthe airport\r\n  train?\r\n");
        var (code, output, err) = Run(AlignCommand.Run, Sample("s044-us2", ".wav"), "--text", dir.File("crlf.txt"), "--model", AlignmentTestData.ModelPath,
            "--dict", AlignmentTestData.DictionaryPath, "--engine", "cpu");
        Assert.True(code == 0, err);
        Assert.EndsWith("(text: Is this the airport train?)", output.Split('\n')[0].TrimEnd('\r'));
    }

    [Fact]
    public void Phones_in_lower_case_or_with_cmudict_stress_digits_are_read_as_the_models()
    {
        // A phone the model knows in no spelling stays as written, for the error to name.
        Assert.Equal("sil IH Z DH AH sil xyz1", AlignCommand.NormalisePhones("SIL ih1 Z0 dh AH2 sil xyz1", PhoneSet.Default));
        using var dir = AlignmentTestData.TempDirectory();
        File.WriteAllText(dir.File("p.phones"), string.Join(" ", AlignmentTestData.Labels("s017-us1").Select(s => s.Phone == "sil" ? "SIL" : s.Phone.ToLowerInvariant() + "1")));
        var (code, output, err) = Run(AlignCommand.Run, Sample("s017-us1", ".wav"), "--phones", dir.File("p.phones"), "--model", AlignmentTestData.ModelPath, "--engine", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("phones: sil ", output);
    }

    [Fact]
    public void A_transcript_left_unused_beside_a_phones_file_is_noted()
    {
        using var dir = AlignmentTestData.TempDirectory();
        using var outDir = AlignmentTestData.TempDirectory();
        File.Copy(Sample("s017-us1", ".wav"), dir.File("a.wav"));
        File.Copy(Sample("s017-us1", ".txt"), dir.File("a.txt"));
        File.WriteAllText(dir.File("a.phones"), string.Join(" ", AlignmentTestData.Labels("s017-us1").Select(s => s.Phone)));
        var (code, _, err) = Run(AlignCommand.Run, dir.Path, "--model", AlignmentTestData.ModelPath, "--out", outDir.Path, "--engine", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("a.wav: aligned to a.phones; a.txt beside it is not used.", err);
    }

    [Fact]
    public void A_bad_dictionary_line_is_a_message_not_a_stack_trace()
    {
        using var dir = AlignmentTestData.TempDirectory();
        File.WriteAllText(dir.File("bad.dict"), "BADLINE\n");
        var (code, _, err) = Run(AlignCommand.Run, Sample("s017-us1", ".wav"), "--model", AlignmentTestData.ModelPath, "--dict", dir.File("bad.dict"));
        Assert.Equal(2, code);
        Assert.StartsWith("hmm: align: ", err);
        Assert.Contains("bad.dict:1: 'BADLINE' has no pronunciation", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void A_corrupt_model_is_refused_with_its_name()
    {
        using var dir = AlignmentTestData.TempDirectory();
        var bytes = File.ReadAllBytes(AlignmentTestData.ModelPath);
        bytes[^40] ^= 0xFF;
        File.WriteAllBytes(dir.File("bad.hmmam"), bytes);
        var (code, _, err) = Run(AlignCommand.Run, Sample("s017-us1", ".wav"), "--model", dir.File("bad.hmmam"), "--dict", AlignmentTestData.DictionaryPath);
        Assert.Equal(2, code);
        Assert.StartsWith("hmm: ", err);
        Assert.Contains("bad.hmmam: checksum mismatch", err);
    }

    [Fact]
    public void Usage_errors_name_the_problem()
    {
        void Fails(string expected, (int Code, string Out, string Err) run)
        {
            Assert.Equal(2, run.Code);
            Assert.StartsWith("hmm: ", run.Err);
            Assert.Contains(expected, run.Err);
            Assert.DoesNotContain("   at ", run.Err); // no stack trace
        }
        Fails("/nonexistent.wav: no such file", Run(AlignCommand.Run, "/nonexistent.wav"));
        Fails("needs --out", Run(AlignCommand.Run, AlignmentTestData.SamplesDirectory, "--model", AlignmentTestData.ModelPath));
        Fails("--format: unknown label format 'csv'", Run(AlignCommand.Run, Sample("s017-us1", ".wav"), "--format", "csv"));
        Fails("'--bogus'", Run(EvalCommand.Run, "a", "b", "--bogus"));
        Fails("--threads must be a whole number from 1 to 1024 (got 'abc')", Run(AlignCommand.Run, Sample("s017-us1", ".wav"), "--threads", "abc"));
        Fails("eval: ", Run(EvalCommand.Run, "a"));
    }

    [Fact]
    public void Eval_scores_hand_made_label_pairs()
    {
        using var hyp = AlignmentTestData.TempDirectory();
        using var reference = AlignmentTestData.TempDirectory();
        PhoneSegment[] Ref() => new[] { new PhoneSegment(0, 0.3, "sil"), new PhoneSegment(0.3, 0.4, "AA"), new PhoneSegment(0.4, 0.5, "B"), new PhoneSegment(0.5, 0.8, "sil") };
        LabelFile.Write(reference.File("a.lab"), Ref(), LabelFormat.Lab);
        LabelFile.Write(reference.File("b.lab"), Ref(), LabelFormat.Lab);
        // a: errors 5, 15, 30 ms; b (as JSON): exact.
        LabelFile.Write(hyp.File("a.lab"), new[] { new PhoneSegment(0, 0.305, "sil"), new PhoneSegment(0.305, 0.385, "AA"), new PhoneSegment(0.385, 0.53, "B"), new PhoneSegment(0.53, 0.8, "sil") }, LabelFormat.Lab);
        LabelFile.Write(hyp.File("b.json"), Ref(), LabelFormat.Json);
        var (code, output, err) = Run(EvalCommand.Run, hyp.Path, reference.Path);
        Assert.True(code == 0, err);
        Assert.Contains("2 files, 6 boundaries", output);
        Assert.Contains("within 10 ms     66.7 %", output);
        Assert.Contains("within 20 ms     83.3 %", output);
        Assert.Contains("within 40 ms    100.0 %", output);
        Assert.Contains("mean |error|      8.3 ms", output);
        Assert.Contains("vowel", output);
        Assert.Contains("worst files", output);
        Assert.StartsWith("a ", output.Split('\n').SkipWhile(l => !l.StartsWith("worst files", StringComparison.Ordinal)).Skip(1).First());

        File.WriteAllText(hyp.File("c.lab"), "0\t1\tsil\n");
        var (code2, _, err2) = Run(EvalCommand.Run, hyp.Path, reference.Path);
        Assert.Equal(1, code2);
        Assert.Contains("no reference c", err2);
    }

    [Fact]
    public void Eval_reports_an_empty_hypothesis_instead_of_scoring_it()
    {
        using var hyp = AlignmentTestData.TempDirectory();
        using var reference = AlignmentTestData.TempDirectory();
        var labels = new[] { new PhoneSegment(0, 0.3, "sil"), new PhoneSegment(0.3, 0.4, "AA"), new PhoneSegment(0.4, 0.8, "sil") };
        foreach (string name in new[] { "a.lab", "b.lab", "c.lab" }) LabelFile.Write(reference.File(name), labels, LabelFormat.Lab);
        LabelFile.Write(hyp.File("a.lab"), labels, LabelFormat.Lab);
        File.WriteAllBytes(hyp.File("b.lab"), Array.Empty<byte>()); // what a failed run leaves
        File.WriteAllText(hyp.File("c.lab"), "\n\n");
        var (code, output, err) = Run(EvalCommand.Run, hyp.Path, reference.Path);
        Assert.Equal(1, code);
        Assert.Contains("b.lab: the file is empty (0 bytes)", err);
        Assert.Contains("c.lab: holds no labels.", err);
        Assert.Contains("1 files, 2 boundaries", output); // only a is scored
    }

    [Fact]
    public void Train_writes_a_model_that_loads_and_reports_every_iteration()
    {
        using var data = AlignmentTestData.TempDirectory();
        using var outDir = AlignmentTestData.TempDirectory();
        foreach (string id in AlignmentTestData.SampleIds.Take(2))
        {
            File.Copy(Sample(id, ".wav"), data.File(id + ".wav"));
            File.Copy(Sample(id, ".lab"), data.File(id + ".lab"));
        }
        var (code, output, err) = Run(TrainCommand.Run, data.Path, "--out", outDir.File("m.hmmam"), "--components", "2", "--iterations", "1", "--speeds", "1", "--noisy", "0", "--reverb", "0", "--delta-window", "1");
        Assert.True(code == 0, err);
        Assert.Contains("iteration  1", output);
        Assert.Contains("iteration  2", output);
        Assert.Contains("log-likelihood/frame", output);
        var model = AcousticModel.Load(outDir.File("m.hmmam"));
        Assert.Equal(2, model.MaxComponents);
        Assert.Equal(1, model.FrontEnd.DeltaWindow);

        File.Delete(data.File(AlignmentTestData.SampleIds[0] + ".lab"));
        var (code2, _, err2) = Run(TrainCommand.Run, data.Path, "--out", outDir.File("n.hmmam"));
        Assert.Equal(2, code2);
        Assert.Contains("has no label file", err2);
    }
}

public class PlotCommandTests
{
    [Fact]
    public void Plot_draws_a_png_with_one_tier_per_label_file()
    {
        using var dir = AlignmentTestData.TempDirectory();
        string wav = System.IO.Path.Combine(AlignmentTestData.SamplesDirectory, "s017-us1.wav");
        string lab = System.IO.Path.Combine(AlignmentTestData.SamplesDirectory, "s017-us1.lab");
        var stdout = new StringWriter();
        int code = PlotCommand.Run(new[] { wav, lab, lab, "--out", dir.File("p.png"), "--width", "800" }, stdout, new StringWriter());
        Assert.Equal(0, code);
        var bytes = File.ReadAllBytes(dir.File("p.png"));
        Assert.True(bytes.Length > 10000);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes.Take(4).ToArray());
        // Width and height are in the IHDR chunk (big-endian at offsets 16 and 20).
        Assert.Equal(800, (bytes[16] << 24) | (bytes[17] << 16) | (bytes[18] << 8) | bytes[19]);
        Assert.Equal(460, (bytes[20] << 24) | (bytes[21] << 16) | (bytes[22] << 8) | bytes[23]);
        var stderr = new StringWriter();
        Assert.Equal(2, PlotCommand.Run(new[] { wav, "--out" }, stdout, stderr));
        Assert.Contains("Required argument missing for option: '--out'", stderr.ToString());
    }
}

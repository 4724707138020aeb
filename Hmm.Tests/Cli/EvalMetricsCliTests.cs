using System;
using System.IO;
using System.Linq;
using Hmm.Tests.Alignment;
using Hmm.Tests.Audio;
using Samples.RealtimeVoice;
using Xunit;
using static Hmm.Tests.Cli.CliVerbs;

namespace Hmm.Tests.Cli;

/// <summary>`hmm eval pitch`, `hmm eval durations` and `hmm plot --pitch`, run in-process with captured output.</summary>
public class EvalMetricsCliTests
{
    private static string Line(string output, string first) => output.Split('\n').Single(l => l.StartsWith(first + " ", StringComparison.Ordinal));

    private static float[] ClippedNoise()
    {
        var random = new Random(3);
        return Enumerable.Range(0, 16000).Select(_ => (float)Math.Clamp(random.NextDouble() * 2 - 1, -0.2, 0.2)).ToArray();
    }

    [Fact]
    public void Eval_pitch_of_identical_folders_is_perfect()
    {
        var (code, output, err) = Run(EvalCommand.Run, "pitch", AlignmentTestData.SamplesDirectory, AlignmentTestData.SamplesDirectory);
        Assert.True(code == 0, err);
        Assert.Contains("3 file pairs", output);
        string all = Line(output, "all");
        Assert.Equal(new[] { "all", "564", "0.0", "0.00", "0.0", "0.0", "1.000" }, all.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where((_, i) => i != 2));
    }

    [Fact]
    public void Eval_mcd_is_zero_for_identical_folders_and_dtw_forgives_a_shift_that_frame_pairing_does_not()
    {
        var (code, output, err) = Run(EvalCommand.Run, "mcd", AlignmentTestData.SamplesDirectory, AlignmentTestData.SamplesDirectory);
        Assert.True(code == 0, err);
        Assert.Contains("3 file pairs", output);
        Assert.Equal("0.00", Line(output, "all").Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]);

        using var hyp = AlignmentTestData.TempDirectory();
        using var reference = AlignmentTestData.TempDirectory();
        var speech = AlignmentTestData.Samples("s017-us1");
        var rng = new Random(3);
        // The same utterance 150 ms later, behind faint noise (mel-cepstra of digital silence are not finite).
        var shifted = new float[speech.Length + 2400];
        for (int i = 0; i < shifted.Length; i++) shifted[i] = (float)(1e-3 * (rng.NextDouble() - 0.5)) + (i >= 2400 ? speech[i - 2400] : 0f);
        File.WriteAllBytes(hyp.File("late.wav"), AlignmentTestData.PcmWav(shifted));
        File.WriteAllBytes(reference.File("late.wav"), AlignmentTestData.PcmWav(speech));
        File.WriteAllBytes(hyp.File("corrupt.wav"), File.ReadAllBytes(AlignmentTestData.Wav("s017-us1")).AsSpan(0, 30).ToArray());
        File.WriteAllBytes(reference.File("corrupt.wav"), File.ReadAllBytes(AlignmentTestData.Wav("s017-us1")));

        (code, output, err) = Run(EvalCommand.Run, "mcd", hyp.Path, reference.Path);
        Assert.Equal(1, code); // the corrupt pair is reported, the other scored
        Assert.Contains(hyp.File("corrupt.wav"), err);
        double dtw = double.Parse(Line(output, "late").Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], System.Globalization.CultureInfo.InvariantCulture);
        (_, output, _) = Run(EvalCommand.Run, "mcd", hyp.Path, reference.Path, "--frame-aligned");
        Assert.Contains("by index", output);
        double frames = double.Parse(Line(output, "late").Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(dtw > 0 && dtw < frames / 2, $"DTW-paired MCD {dtw} dB against frame-paired {frames} dB");
    }

    [Fact]
    public void Eval_pitch_reports_each_bad_file_and_still_scores_the_others()
    {
        using var hyp = AlignmentTestData.TempDirectory();
        using var reference = AlignmentTestData.TempDirectory();
        var good = File.ReadAllBytes(AlignmentTestData.Wav("s017-us1"));
        foreach (var dir in new[] { hyp, reference })
        {
            File.WriteAllBytes(dir.File("good.wav"), good);
            File.WriteAllBytes(dir.File("silence.wav"), AlignmentTestData.PcmWav(new float[16000]));
            File.WriteAllBytes(dir.File("noise.wav"), AlignmentTestData.PcmWav(ClippedNoise()));
            File.WriteAllBytes(dir.File("empty.wav"), AlignmentTestData.PcmWav(Array.Empty<float>()));
        }
        // A vowel against the same vowel a little higher: F0 off by 2 %, about 34 cents.
        File.WriteAllBytes(hyp.File("vowel.wav"), AlignmentTestData.PcmWav(PitchTrackerTests.GlottalVowel(122.4, 1.0)));
        File.WriteAllBytes(reference.File("vowel.wav"), AlignmentTestData.PcmWav(PitchTrackerTests.GlottalVowel(120, 1.0)));
        File.WriteAllBytes(hyp.File("corrupt.wav"), good.AsSpan(0, 30).ToArray());
        File.WriteAllBytes(reference.File("corrupt.wav"), good);
        File.WriteAllBytes(hyp.File("nopair.wav"), good);

        var (code, output, err) = Run(EvalCommand.Run, "pitch", hyp.Path, reference.Path);
        Assert.Equal(1, code);
        Assert.Contains(hyp.File("corrupt.wav"), err);
        Assert.Contains("empty.wav: the audio is empty", err);
        Assert.Contains(hyp.File("nopair.wav") + ": no reference", err);
        Assert.Equal(3, err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("4 file pairs", output);
        Assert.Contains("0.0", Line(output, "good"));
        // Silence: 100 frames, none voiced in either, so no F0 measures and no voicing errors.
        Assert.Equal(new[] { "silence", "100", "0", "0.0", "-", "-", "-", "-" }, Line(output, "silence").Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("100", Line(output, "noise").Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        double cents = double.Parse(Line(output, "vowel").Split(' ', StringSplitOptions.RemoveEmptyEntries)[5], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(cents, 30, 38);
    }

    [Fact]
    public void Eval_pitch_scores_pairs_of_different_lengths_over_their_overlap_and_says_so()
    {
        using var hyp = AlignmentTestData.TempDirectory();
        using var reference = AlignmentTestData.TempDirectory();
        File.WriteAllBytes(reference.File("v.wav"), AlignmentTestData.PcmWav(PitchTrackerTests.GlottalVowel(120, 1.0)));
        File.WriteAllBytes(hyp.File("v.wav"), AlignmentTestData.PcmWav(PitchTrackerTests.GlottalVowel(120, 1.0).Concat(new float[4000]).ToArray()));
        var (code, output, err) = Run(EvalCommand.Run, "pitch", hyp.Path, reference.Path);
        Assert.True(code == 0, err);
        Assert.Contains("1 pair differs in length (scored over its overlap)", output);
        Assert.Equal(new[] { "v", "100" }, Line(output, "v").Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2));
    }

    [Fact]
    public void Eval_pitch_refuses_a_missing_folder_and_a_floor_above_the_ceiling()
    {
        var (code, _, err) = Run(EvalCommand.Run, "pitch", "/nonexistent/hyp", AlignmentTestData.SamplesDirectory);
        Assert.Equal(2, code);
        Assert.Equal("hmm: eval pitch: /nonexistent/hyp: no such folder." + Environment.NewLine, err);
        (code, _, err) = Run(EvalCommand.Run, "pitch", AlignmentTestData.SamplesDirectory, AlignmentTestData.SamplesDirectory, "--floor", "300", "--ceiling", "200");
        Assert.Equal(2, code);
        Assert.Contains("--floor (300 Hz) must be below --ceiling (200 Hz)", err);
    }

    [Fact]
    public void Eval_durations_scores_pairs_and_names_both_files_of_a_different_phone_sequence()
    {
        using var hyp = AlignmentTestData.TempDirectory();
        using var reference = AlignmentTestData.TempDirectory();
        File.WriteAllText(reference.File("a.lab"), "0.000\t0.100\tsil\n0.100\t0.250\tAA\n0.250\t0.300\tB\n0.300\t0.500\tsil\n");
        File.WriteAllText(hyp.File("a.lab"), "0.000\t0.120\tsil\n0.120\t0.250\tAA\n0.250\t0.330\tB\n0.330\t0.500\tsil\n");
        File.WriteAllText(reference.File("b.lab"), "0.000\t0.100\tsil\n0.100\t0.300\tAA\n");
        File.WriteAllText(hyp.File("b.lab"), "0.000\t0.100\tsil\n0.100\t0.300\tIY\n");
        var (code, output, err) = Run(EvalCommand.Run, "durations", hyp.Path, reference.Path);
        Assert.Equal(1, code);
        Assert.Contains(hyp.File("b.lab"), err);
        Assert.Contains(reference.File("b.lab"), err);
        Assert.Equal(new[] { "a", "4", "50.0", "25.0", "3", "66.7" }, Line(output, "a").Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(new[] { "all", "4", "50.0", "25.0", "3", "66.7" }, Line(output, "all").Split(' ', StringSplitOptions.RemoveEmptyEntries));
        (code, output, err) = Run(EvalCommand.Run, "durations", hyp.Path, reference.Path, "--tolerance", "30");
        Assert.Equal("100.0", Line(output, "a").Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]);
    }

    [Fact]
    public void Eval_durations_of_the_samples_against_themselves_is_perfect_and_plain_eval_is_unchanged()
    {
        var (code, output, err) = Run(EvalCommand.Run, "durations", AlignmentTestData.SamplesDirectory, AlignmentTestData.SamplesDirectory);
        Assert.True(code == 0, err);
        Assert.Equal(new[] { "all", "67", "100.0", "0.0", "64", "100.0" }, Line(output, "all").Split(' ', StringSplitOptions.RemoveEmptyEntries));
        (code, output, err) = Run(EvalCommand.Run, AlignmentTestData.SamplesDirectory, AlignmentTestData.SamplesDirectory);
        Assert.True(code == 0, err);
        Assert.StartsWith("3 files, 64 boundaries", output);
    }

    [Theory]
    [InlineData("pitch", "--floor", "--ceiling")]
    [InlineData("durations", "--tolerance", "--tolerance")]
    public void The_help_of_an_eval_subcommand_shows_its_own_arguments_only(string verb, string option1, string option2)
    {
        foreach (var args in new[] { new[] { "eval", verb, "--help" }, new[] { "help", "eval", verb } })
        {
            var (code, output, err) = Run((a, o, e) => Samples.RealtimeVoice.Cli.Run(a, o, e, _ => null), args);
            Assert.True(code == 0, err);
            Assert.Contains($" eval {verb} <HYP_DIR> <REF_DIR> [options]", output); // the root is named after the process (hmm, or the test host)
            Assert.Equal(2, output.Split('\n').Count(l => l.TrimStart().StartsWith("<HYP_DIR>", StringComparison.Ordinal) || l.TrimStart().StartsWith("<REF_DIR>", StringComparison.Ordinal)));
            Assert.Contains(option1, output);
            Assert.Contains(option2, output);
        }
        var (_, plain, _) = Run((a, o, e) => Samples.RealtimeVoice.Cli.Run(a, o, e, _ => null), "eval", "--help");
        Assert.Contains(" eval <HYP_DIR> <REF_DIR> [command] [options]", plain);
        Assert.Contains("pitch", plain);
        Assert.Contains("durations", plain);
    }

    [Fact]
    public void Plot_with_pitch_writes_a_taller_png()
    {
        using var dir = AlignmentTestData.TempDirectory();
        var (code, output, err) = Run(PlotCommand.Run, AlignmentTestData.Wav("s044-us2"), Path.Combine(AlignmentTestData.SamplesDirectory, "s044-us2.lab"), "--out", dir.File("p.png"), "--pitch");
        Assert.True(code == 0, err);
        Assert.Contains("(1600x500)", output);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(dir.File("p.png")).Take(4));
        // Silence draws an empty F0 panel rather than failing.
        File.WriteAllBytes(dir.File("silence.wav"), AlignmentTestData.PcmWav(new float[8000]));
        (code, _, err) = Run(PlotCommand.Run, dir.File("silence.wav"), "--out", dir.File("s.png"), "--pitch");
        Assert.True(code == 0, err);
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Hmm.Speech;
using Hmm.Speech.Training;
using Hmm.Tests.Alignment;
using Samples.RealtimeVoice;
using Xunit;
using static Hmm.Tests.Cli.CliVerbs;

namespace Hmm.Tests.Cli;

/// <summary>`hmm align` and `hmm lipsync` on recordings longer than the aligner cuts into pieces and than a script is followed for.</summary>
public sealed class LongRecordingCliTests
{
    private static (int Code, string Out, string Err) Lipsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Samples.RealtimeVoice.Cli.Run(["lipsync", .. args], new CliContext(stdout, stderr, _ => null));
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The shipped samples joined <paramref name="rounds"/> times with 0.5 s pauses, as X.wav and X.txt in <paramref name="dir"/>.</summary>
    private static double Write(TempDirectory dir, string name, int rounds, string? extraWords = null)
    {
        var audio = new List<float>();
        var text = new List<string>();
        for (int r = 0; r < rounds; r++)
        {
            foreach (string id in AlignmentTestData.SampleIds)
            {
                audio.AddRange(AlignmentTestData.Samples(id));
                audio.AddRange(new float[8000]);
                text.Add(AlignmentTestData.Text(id).Trim());
                if (r == 1 && id == AlignmentTestData.SampleIds[0] && extraWords is not null) text.Add(extraWords);
            }
        }
        File.WriteAllBytes(dir.File(name + ".wav"), AlignmentTestData.PcmWav(audio.ToArray()));
        File.WriteAllText(dir.File(name + ".txt"), string.Join("\n", text) + "\n");
        return audio.Count / 16000.0;
    }

    [Fact]
    public void Align_places_a_long_transcript_scores_it_in_windows_and_names_words_never_said()
    {
        using var input = AlignmentTestData.TempDirectory();
        using var output = AlignmentTestData.TempDirectory();
        double seconds = Write(input, "long", 11, "banana yesterday carpet mountain orange");
        Assert.True(seconds > 70, $"{seconds} s");
        var (code, _, err) = Run(AlignCommand.Run, input.Path, "--out", output.Path, "--model", AlignmentTestData.ModelPath, "--dict", AlignmentTestData.DictionaryPath);
        Assert.Equal(0, code);
        var labels = LabelFile.Read(output.File("long.lab"));
        Assert.Equal(Math.Round(seconds, 3), labels[^1].End, 3);
        // The windows of the confidence table cover the file; all score as matched except, perhaps, the one with the extra words.
        var windows = File.ReadAllLines(output.File(AlignCommand.WindowsFileName)).Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.True(windows.Count >= 2);
        Assert.Equal("0.00", windows[0][1]);
        Assert.Equal(seconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), windows[^1][2]);
        Assert.True(windows.Count(w => w[4] == "ok") >= windows.Count - 1, string.Join("\n", windows.Select(w => string.Join(" ", w))));
        // The five words never said are named, with their time, on stderr and in the table.
        var mismatches = File.ReadAllLines(output.File(AlignCommand.MismatchesFileName)).Skip(1).Select(l => l.Split('\t')).ToList();
        var notHeard = Assert.Single(mismatches, m => m[3] == "not-heard");
        Assert.Contains("B AH N AE N AH", notHeard[5]);
        Assert.Contains("words of the transcript not heard", err);
        // Nothing long to report: the tables of long recordings go (a stale one from the last run included).
        File.Delete(input.File("long.wav"));
        File.Delete(input.File("long.txt"));
        File.Copy(Path.Combine(AlignmentTestData.SamplesDirectory, "s044-us2.wav"), input.File("short.wav"));
        File.Copy(Path.Combine(AlignmentTestData.SamplesDirectory, "s044-us2.txt"), input.File("short.txt"));
        Assert.Equal(0, Run(AlignCommand.Run, input.Path, "--out", output.Path, "--model", AlignmentTestData.ModelPath, "--dict", AlignmentTestData.DictionaryPath).Code);
        Assert.False(File.Exists(output.File(AlignCommand.MismatchesFileName)));
        Assert.False(File.Exists(output.File(AlignCommand.WindowsFileName)));
    }

    [Fact]
    public void Lipsync_says_when_a_recording_is_too_long_to_follow_its_transcript()
    {
        using var input = AlignmentTestData.TempDirectory();
        double seconds = Write(input, "long", 18);
        Assert.True(seconds > LipSyncCommand.MaxScriptSeconds, $"{seconds} s");
        var (code, output, err) = Lipsync(input.File("long.wav"));
        Assert.Equal(0, code);
        Assert.Contains("longer than the 120 s a transcript is followed for", err);
        Assert.Contains("long.txt", err);
        Assert.Equal(Lipsync(input.File("long.wav"), "--no-text").Out, output);
    }
}

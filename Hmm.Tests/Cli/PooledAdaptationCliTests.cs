using System;
using System.IO;
using System.Linq;
using Hmm.Tests.Alignment;
using Samples.RealtimeVoice;
using Xunit;

namespace Hmm.Tests.Cli;

/// <summary>`hmm align` adapts the model to all files of a folder at once: files that do not match their transcripts must not move the others' labels.</summary>
public sealed class PooledAdaptationCliTests
{
    private static (int Code, string Out, string Err) Align(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = AlignCommand.Run([.. args, "--model", AlignmentTestData.ModelPath, "--dict", AlignmentTestData.DictionaryPath], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Noise_files_beside_good_ones_leave_the_good_ones_labels_as_they_are_alone()
    {
        using var good = AlignmentTestData.TempDirectory();
        using var mixed = AlignmentTestData.TempDirectory();
        foreach (string id in AlignmentTestData.SampleIds)
            foreach (var dir in new[] { good, mixed })
            {
                File.Copy(AlignmentTestData.Wav(id), dir.File(id + ".wav"));
                File.WriteAllText(dir.File(id + ".txt"), AlignmentTestData.Text(id));
            }
        // Three seconds of white noise each, with the samples' transcripts: flagged, and left out of the adaptation.
        var random = new Random(4);
        for (int k = 0; k < 6; k++)
        {
            var noise = Enumerable.Range(0, 48000).Select(_ => (float)(0.1 * (random.NextDouble() * 2 - 1))).ToArray();
            File.WriteAllBytes(mixed.File($"noise{k}.wav"), AlignmentTestData.PcmWav(noise));
            File.WriteAllText(mixed.File($"noise{k}.txt"), AlignmentTestData.Text(AlignmentTestData.SampleIds[k % 3]));
        }
        using var outGood = AlignmentTestData.TempDirectory();
        using var outMixed = AlignmentTestData.TempDirectory();
        Assert.Equal(0, Align(good.Path, "--out", outGood.Path).Code);
        var (code, _, err) = Align(mixed.Path, "--out", outMixed.Path);
        Assert.Equal(0, code); // flagged files are written unless --skip-mismatched
        foreach (string id in AlignmentTestData.SampleIds)
            Assert.Equal(File.ReadAllText(outGood.File(id + ".lab")), File.ReadAllText(outMixed.File(id + ".lab")));
        Assert.Contains("3 files aligned again with the model adapted without the 6 that do not match their transcripts", err);
    }
}

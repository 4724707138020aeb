using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using Hmm.Speech.Training;
using Hmm.Speech;
using Hmm.Speech.Audio;

namespace Hmm.Tests.Alignment;

/// <summary>
/// The shipped alignment assets: the default model and dictionary (files in Hmm.Speech/Data, embedded in Hmm.Speech) and
/// three speech-dev utterances with exact labels (samples/), found from this source file so that the tests need nothing
/// outside the clone.
/// </summary>
internal static class AlignmentTestData
{
    private static readonly Lazy<AcousticModel> LazyModel = new(AcousticModel.LoadDefault);
    private static readonly Lazy<PronunciationLexicon> LazyLexicon = new(PronunciationLexicon.LoadDefault);

    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The files the Hmm.Speech assembly embeds.</summary>
    public static string SpeechDataDirectory => Path.Combine(RepositoryRoot, "Hmm.Speech", "Data");

    public static string ModelPath => Path.Combine(SpeechDataDirectory, "default.hmmam");

    public static string DictionaryPath => Path.Combine(SpeechDataDirectory, "cmudict.txt.gz");

    public static string SamplesDirectory => Path.Combine(RepositoryRoot, "samples");

    public static string[] SampleIds => new[] { "s017-us1", "s044-us2", "s004-us2" };

    public static AcousticModel DefaultModel => LazyModel.Value;

    public static PronunciationLexicon Lexicon => LazyLexicon.Value;

    public static string Wav(string id) => Path.Combine(SamplesDirectory, id + ".wav");

    public static float[] Samples(string id) => WavReader.Read(Wav(id), 16000).Samples;

    /// <summary>
    /// Aligns the shipped samples (phones given) in one batch, asserts that every file succeeds with the reference's phone
    /// sequence (and whatever <paramref name="check"/> adds per file), and returns the boundary-accuracy summary.
    /// </summary>
    public static EvaluationSummary AlignShippedSamples(ForcedAligner aligner, Action<IReadOnlyList<PhoneSegment>, IReadOnlyList<PhoneSegment>>? check = null)
    {
        var inputs = SampleIds.Select(id => new AlignmentInput(id, Samples(id), PhonesOf(id))).ToArray();
        var outcomes = aligner.Align(inputs);
        var evals = new List<FileEvaluation>();
        for (int i = 0; i < inputs.Length; i++)
        {
            Xunit.Assert.True(outcomes[i].Succeeded, outcomes[i].Error);
            var reference = Labels(inputs[i].Name);
            Xunit.Assert.Equal(reference.Select(s => s.Phone), outcomes[i].Segments!.Select(s => s.Phone));
            check?.Invoke(reference, outcomes[i].Segments!);
            evals.Add(AlignmentEvaluation.CompareFile(inputs[i].Name, reference, outcomes[i].Segments!));
        }
        return AlignmentEvaluation.Summarize(evals);
    }

    public static IReadOnlyList<PhoneSegment> Labels(string id) => LabelFile.Read(Path.Combine(SamplesDirectory, id + ".lab"));

    public static string Text(string id) => File.ReadAllText(Path.Combine(SamplesDirectory, id + ".txt"));

    public static PhoneSequence PhonesOf(string id) => new(Labels(id).Select(s => s.Phone).ToArray());

    /// <summary>A fresh empty folder under the temp directory, deleted by the caller's using.</summary>
    public static TempDirectory TempDirectory() => new();

    /// <summary>A minimal 16-bit mono PCM WAV file holding <paramref name="samples"/>.</summary>
    public static byte[] PcmWav(float[] samples, int rate = 16000)
    {
        var ms = new MemoryStream();
        var w = new BinaryWriter(ms);
        w.Write(Encoding.ASCII.GetBytes("RIFF"));
        w.Write(36 + samples.Length * 2);
        w.Write(Encoding.ASCII.GetBytes("WAVEfmt "));
        w.Write(16);
        w.Write((short)1);
        w.Write((short)1);
        w.Write(rate);
        w.Write(rate * 2);
        w.Write((short)2);
        w.Write((short)16);
        w.Write(Encoding.ASCII.GetBytes("data"));
        w.Write(samples.Length * 2);
        foreach (float s in samples) w.Write((short)Math.Clamp(Math.Round(s * 32767), -32768, 32767));
        w.Flush();
        return ms.ToArray();
    }

    private static string FindRoot([CallerFilePath] string path = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(path)!); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hmm.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"the repository root (with Hmm.sln) was not found above {path}.");
    }
}

/// <summary>A temporary folder removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hmm-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

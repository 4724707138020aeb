using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Hmm.Speech;
using Hmm.Speech.Audio;

namespace Hmm.FrameClassifier;

/// <summary>
/// <c>train [--data DIR] [--out FILE] [--epochs N] [--hidden H] [--context C] [--seed S]</c>: trains the phone-frame classifier
/// on speech-dev (clean and degraded copies) and writes it as ONNX. Held out from training: the repository's three sample
/// utterances (samples/, every condition of them) and, for validation, the sentences whose number is a multiple of 8.
/// <c>hybrid ...</c> and <c>score-cues ...</c>: the hybrid NN/HMM lip-sync experiment, see <see cref="HybridExperiment"/>.
/// </summary>
internal static class Program
{
    /// <summary>The utterances the repository ships in samples/: never trained on, so the tests measure held-out speech.</summary>
    internal static readonly string[] SampleIds = { "s004-us2", "s017-us1", "s044-us2" };

    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "hybrid") return HybridExperiment.Run(args[1..]);
        if (args.Length > 0 && args[0] == "score-cues") return HybridExperiment.ScoreCues(args[1..]);
        if (args.Length == 0 || args[0] != "train")
        {
            Console.Error.WriteLine("usage: train [--data DIR (speech-dev)] [--out FILE] [--epochs N] [--hidden H] [--context C] [--seed S] | hybrid ... | score-cues LAB_DIR CUE_DIR (see HybridExperiment)");
            return 2;
        }
        string root = FindRoot();
        string data = Option(args, "--data") ?? Path.GetFullPath(Path.Combine(root, "..", "shared", "data", "speech-dev"));
        string output = Option(args, "--out") ?? Path.Combine(root, "samples", "onnx", "phone-mlp.onnx");
        int epochs = int.Parse(Option(args, "--epochs") ?? "12", CultureInfo.InvariantCulture);
        int hidden = int.Parse(Option(args, "--hidden") ?? "256", CultureInfo.InvariantCulture);
        int context = int.Parse(Option(args, "--context") ?? "3", CultureInfo.InvariantCulture);
        int seed = int.Parse(Option(args, "--seed") ?? "1", CultureInfo.InvariantCulture);

        var extractor = new FeatureExtractor(FrontEndOptions.Default);
        var train = new List<LabelledUtterance>();
        var validation = new List<LabelledUtterance>();
        var samples = new List<LabelledUtterance>();
        var clock = Stopwatch.StartNew();
        foreach (string wav in Directory.EnumerateFiles(Path.Combine(data, "clean"), "*.wav").Concat(Directory.EnumerateFiles(Path.Combine(data, "degraded"), "*.wav")).Order(StringComparer.Ordinal))
        {
            string id = Path.GetFileNameWithoutExtension(wav);
            string utterance = id.Length >= 8 ? id[..8] : id;                 // sNNN-usK, without a condition suffix
            var item = SpeechFrames.Load(wav, Path.ChangeExtension(wav, ".lab"), extractor);
            bool clean = id == utterance;
            if (SampleIds.Contains(utterance)) { if (clean) samples.Add(item); }
            else if (int.Parse(utterance.AsSpan(1, 3), CultureInfo.InvariantCulture) % 8 == 0) { if (clean) validation.Add(item); }
            else train.Add(item);
        }
        Console.WriteLine($"read {train.Count} training files ({train.Sum(u => u.Frames)} frames), {validation.Count} validation, {samples.Count} sample files in {clock.Elapsed.TotalSeconds:F1} s");

        int classes = PhoneSet.Default.Count;
        var model = FrameMlp.Random(extractor.FeatureDimension, context, hidden, classes, seed);
        clock.Restart();
        FrameMlpTrainer.Train(model, train, new FrameMlpTrainingOptions { Epochs = epochs, Seed = seed }, Console.WriteLine);
        Console.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F1} s");

        var counts = new double[classes];
        foreach (var u in train) for (int t = 0; t < u.Frames; t++) counts[u.Labels[t]]++;
        string report = "";
        foreach (var (name, set) in new[] { ("training", train), ("validation (speech-dev clean, sentences % 8 == 0)", validation), ("samples/ (held out)", samples) })
        {
            var (accuracy, majority, frames) = SpeechFrames.Score(set, u => model.Classify(u.Features, u.Frames), classes);
            string line = $"{name}: frame accuracy {accuracy:P1} over {frames} frames (most frequent class {majority:P1})";
            Console.WriteLine(line);
            report += line + "; ";
        }

        string description = $"Phone frame classifier ({classes} classes, PhoneSet.Default), input FrontEndOptions.Default features ({extractor.FeatureDimension} a frame), " +
            $"context {context}, hidden {hidden}, {epochs} epochs, seed {seed}; trained by tools/Hmm.FrameClassifier on speech-dev. {report.TrimEnd(' ', ';')}.";
        byte[] onnx = model.ToOnnx(PhoneSet.Default.Phones.ToArray(), counts, description: description);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllBytes(output, onnx);
        Console.WriteLine($"wrote {output} ({onnx.Length} bytes)");
        return 0;
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Hmm.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}

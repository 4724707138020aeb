using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Hmm.Speech;
using Hmm.Speech.Audio;
using Hmm.Speech.Training;
using Hmm.Streaming;

namespace Hmm.FrameClassifier;

/// <summary>
/// <c>hybrid --model FOLD.hmmam --train DIR --test DIR [--vt] [--hidden H] [--context C] [--epochs N] [--seed S]
/// [--mlp FILE] [--report FILE]</c>: the hybrid NN/HMM lip-sync experiment of issue 14. One leave-one-voice-out fold:
/// a <see cref="FrameMlp"/> over the fold model's own features is trained on the training voices (sentences 1-72 of
/// <c>--train</c>, clean and degraded copies, the vocal-tract copies with <c>--vt</c>), its acoustic scale and prior exponent
/// are chosen on sentences 73-80 of the same voices (clean), and then the GMM fold model and the MLP decode the held-out
/// voice's test files with the same phone loop (the fold model's states and self-loops, <see cref="PhoneBigram.Default"/>),
/// offline Viterbi over the whole file. Both are scored the same way: the share of 5 ms frames whose phone is the label's,
/// and the share of 10 ms frames (centres at 5 + 10k ms) whose Rhubarb mouth shape is the label's.
/// </summary>
internal static class HybridExperiment
{
    /// <summary>One file: features (the fold model's front end), the phone at each frame's centre, and the labels.</summary>
    private sealed record Item(string Name, string Condition, float[] Features, int Frames, int[] Phones, IReadOnlyList<PhoneSegment> Labels, int Samples);

    /// <summary>Runs the experiment; <paramref name="args"/> as in the class summary (after <c>hybrid</c>).</summary>
    public static int Run(string[] args)
    {
        string modelPath = Option(args, "--model") ?? throw new ArgumentException("--model FOLD.hmmam is required.");
        string trainDir = Option(args, "--train") ?? throw new ArgumentException("--train DIR is required.");
        string testDir = Option(args, "--test") ?? throw new ArgumentException("--test DIR is required.");
        bool vt = args.Contains("--vt");
        int hidden = Int(args, "--hidden", 512), context = Int(args, "--context", 5), epochs = Int(args, "--epochs", 8), seed = Int(args, "--seed", 1);
        string? mlpPath = Option(args, "--mlp");
        string? reportPath = Option(args, "--report");
        var report = new StringBuilder();
        void Log(string line) { Console.WriteLine(line); report.AppendLine(line); }

        var model = AcousticModel.Load(modelPath);
        var extractor = new FeatureExtractor(model.FrontEnd);
        var phones = model.Phones;
        int p = phones.Count, s = model.StatesPerPhone;
        var clock = Stopwatch.StartNew();
        var train = new List<Item>();
        var validation = new List<Item>();
        foreach (string wav in Directory.EnumerateFiles(trainDir, "*.wav").Order(StringComparer.Ordinal))
        {
            var (sentence, condition, isVt) = Parse(Path.GetFileNameWithoutExtension(wav));
            if (isVt && !vt) continue;
            if (sentence <= 72) train.Add(Load(wav, extractor, phones, condition));
            else if (condition == "clean" && !isVt) validation.Add(Load(wav, extractor, phones, condition));
        }
        var test = Directory.EnumerateFiles(testDir, "*.wav").Order(StringComparer.Ordinal)
            .Select(w => Load(w, extractor, phones, Parse(Path.GetFileNameWithoutExtension(w)).Condition)).ToList();
        Log($"fold model {Path.GetFileName(modelPath)} ({model.Description}); features {extractor.FeatureDimension} a frame, hop {model.FrontEnd.HopLengthMs} ms");
        Log($"read {train.Count} training files ({train.Sum(u => u.Frames)} frames{(vt ? ", vocal-tract copies included" : "")}), {validation.Count} validation files, {test.Count} test files in {clock.Elapsed.TotalSeconds:F0} s");

        // The network: trained here, or read back from --mlp when that file exists.
        FrameMlp mlp;
        var counts = new double[p];
        foreach (var u in train) foreach (int q in u.Phones.AsSpan(0, u.Frames)) counts[q]++;
        if (mlpPath is not null && File.Exists(mlpPath))
        {
            mlp = ReadMlp(mlpPath);
            Log($"read the network from {mlpPath}: context {mlp.Context}, hidden {mlp.Hidden}");
        }
        else
        {
            mlp = FrameMlp.Random(extractor.FeatureDimension, context, hidden, p, seed);
            clock.Restart();
            var data = train.Select(u => new LabelledUtterance(u.Name, u.Features, u.Frames, u.Phones)).ToList();
            FrameMlpTrainer.Train(mlp, data, new FrameMlpTrainingOptions { Epochs = epochs, Seed = seed }, Log);
            Log($"trained context {context}, hidden {hidden}, {epochs} epochs in {clock.Elapsed.TotalSeconds:F0} s (one thread)");
            if (mlpPath is not null) WriteMlp(mlp, mlpPath);
        }
        double total = counts.Sum();
        var logPrior = counts.Select(c => (float)Math.Log(Math.Max(c / total, 1e-4))).ToArray();

        var engine = new HmmEngine();
        var loop = PhoneLoop.Build(model, PhoneBigram.Default);
        var gmm = PhoneLoop.Emissions(model);
        var map = VisemeMap.For(VisemeSet.Rhubarb, phones);
        int maxFrames = train.Concat(validation).Concat(test).Max(u => u.Frames);
        var emissions = new EmissionBatch(1, maxFrames, p * s);
        var viterbi = new ViterbiResult(1, maxFrames);
        var features = new SequenceBatch(1, maxFrames, extractor.FeatureDimension);

        // Log-posteriors of every file, once (the scale and prior exponent only rescale them).
        var posteriors = new Dictionary<Item, float[]>();
        foreach (var u in validation.Concat(test)) posteriors[u] = LogPosteriors(mlp, u);

        int[] DecodeMlp(Item u, float scale, float priorExponent)
        {
            var post = posteriors[u];
            emissions.SetLength(0, u.Frames);
            for (int t = 0; t < u.Frames; t++)
            {
                var row = emissions.Frame(0, t);
                for (int q = 0; q < p; q++)
                {
                    float v = scale * (post[t * p + q] - priorExponent * logPrior[q]);
                    for (int k = 0; k < s; k++) row[q * s + k] = v;
                }
            }
            engine.Viterbi(loop, emissions, viterbi);
            return PhonesOf(viterbi.Path(0), s);
        }

        long gmmTicks = 0, gmmFrames = 0;
        int[] DecodeGmm(Item u)
        {
            features.SetLength(0, u.Frames);
            u.Features.AsSpan(0, u.Frames * extractor.FeatureDimension).CopyTo(features.Sequence(0));
            emissions.SetLength(0, u.Frames);
            long start = Stopwatch.GetTimestamp();
            engine.ComputeEmissions(gmm, features, emissions);
            gmmTicks += Stopwatch.GetTimestamp() - start;
            gmmFrames += u.Frames;
            engine.Viterbi(loop, emissions, viterbi);
            return PhonesOf(viterbi.Path(0), s);
        }

        // Acoustic scale and prior exponent: chosen on the training voices' held-back sentences, never on the test voice.
        float bestScale = 1, bestExponent = 1;
        double bestMouth = -1;
        Log("validation (training voices, sentences 73-80, clean), mouth-shape accuracy by acoustic scale x prior exponent:");
        foreach (float exponent in new[] { 0f, 0.5f, 0.8f, 1f })
        {
            var line = new StringBuilder($"  prior^{exponent}:");
            foreach (float scale in new[] { 0.2f, 0.3f, 0.5f, 0.7f, 1f, 1.5f, 2f, 3f })
            {
                var score = Score(validation, u => DecodeMlp(u, scale, exponent), extractor, map);
                line.Append(CultureInfo.InvariantCulture, $" x{scale} {score.Mouth:P1}");
                if (score.Mouth > bestMouth) { bestMouth = score.Mouth; bestScale = scale; bestExponent = exponent; }
            }
            Log(line.ToString());
        }
        Log($"chosen: acoustic scale {bestScale}, prior exponent {bestExponent} (validation {bestMouth:P1}); GMM on validation (in its training set): {Score(validation, DecodeGmm, extractor, map).Mouth:P1}");

        Log("");
        Log("held-out voice, offline Viterbi over the phone loop (bigram weight 1): frame phone accuracy (5 ms) / mouth-shape accuracy (10 ms) / MLP frame argmax phone accuracy");
        Log("condition | files | GMM phone | GMM mouth | MLP phone | MLP mouth | MLP argmax phone");
        foreach (var group in new[] { "clean", "degraded", "noise20", "reverb", "quiet" })
        {
            var set = test.Where(u => group == "degraded" ? u.Condition != "clean" : u.Condition == group).ToList();
            if (set.Count == 0) continue;
            var g = Score(set, DecodeGmm, extractor, map);
            var m = Score(set, u => DecodeMlp(u, bestScale, bestExponent), extractor, map);
            var a = Score(set, u => Argmax(posteriors[u], u.Frames, p), extractor, map);
            Log($"{group} | {set.Count} | {g.Phone:P1} | {g.Mouth:P1} | {m.Phone:P1} | {m.Mouth:P1} | {a.Phone:P1}");
        }
        // Cost per frame on the clean test files, best of three passes each (a shared box: the minimum is the least disturbed).
        var clean = test.Where(u => u.Condition == "clean").ToList();
        int cleanFrames = clean.Sum(u => u.Frames);
        double mlpMicros = double.MaxValue, gmmMicros = double.MaxValue;
        for (int pass = 0; pass < 3; pass++)
        {
            long start = Stopwatch.GetTimestamp();
            foreach (var u in clean) LogPosteriors(mlp, u);
            mlpMicros = Math.Min(mlpMicros, Stopwatch.GetElapsedTime(start).TotalMilliseconds * 1000 / cleanFrames);
            gmmTicks = 0;
            gmmFrames = 0;
            foreach (var u in clean) DecodeGmm(u);
            gmmMicros = Math.Min(gmmMicros, new TimeSpan(gmmTicks * TimeSpan.TicksPerSecond / Stopwatch.Frequency).TotalMilliseconds * 1000 / gmmFrames);
        }
        Log($"cost per 5 ms frame, one thread: MLP forward {mlpMicros:F1} us (context {mlp.Context}, hidden {mlp.Hidden}, {mlp.StackedDimension * mlp.Hidden + mlp.Hidden * mlp.Classes} multiply-adds), GMM emissions {gmmMicros:F1} us ({p * s} states, HmmEngine.ComputeEmissions)");
        if (reportPath is not null) File.WriteAllText(reportPath, report.ToString());
        return 0;
    }

    /// <summary>
    /// <c>score-cues LAB_DIR CUE_DIR</c>: the share of 10 ms frames (centres at 5 + 10k ms) whose Rhubarb shape in
    /// <c>CUE_DIR/X.tsv</c> (<c>hmm lipsync --out</c>) is the one X.lab gives, for all files and by condition.
    /// </summary>
    public static int ScoreCues(string[] args)
    {
        if (args.Length < 2) { Console.Error.WriteLine("usage: score-cues LAB_DIR CUE_DIR"); return 2; }
        var map = VisemeMap.For(VisemeSet.Rhubarb, PhoneSet.Default);
        var right = new Dictionary<string, (long Right, long Frames)>();
        foreach (string wav in Directory.EnumerateFiles(args[0], "*.wav").Order(StringComparer.Ordinal))
        {
            string id = Path.GetFileNameWithoutExtension(wav);
            string tsv = Path.Combine(args[1], id + ".tsv");
            if (!File.Exists(tsv)) { Console.Error.WriteLine($"{tsv}: missing"); continue; }
            var cues = File.ReadAllLines(tsv).Where(l => l.Length > 0)
                .Select(l => l.Split('\t')).Select(f => (Start: double.Parse(f[0], CultureInfo.InvariantCulture), Shape: f[1].Trim())).ToList();
            var labels = LabelFile.Read(Path.ChangeExtension(wav, ".lab"));
            int count = WavReader.Read(wav, 16000).Span.Length / 160, r = 0, k = 0;
            long ok = 0;
            for (int f = 0; f < count; f++)
            {
                double centre = (f + 0.5) / 100;
                while (r < labels.Count - 1 && labels[r].End <= centre) r++;
                while (k < cues.Count - 1 && cues[k + 1].Start <= centre) k++;
                if (map.Name(map.ShapeOf(labels[r].Phone)) == cues[k].Shape) ok++;
            }
            string condition = Parse(id).Condition;
            foreach (string key in new[] { "all", condition, condition == "clean" ? "clean" : "degraded" }.Distinct())
            {
                right.TryGetValue(key, out var v);
                right[key] = (v.Right + ok, v.Frames + count);
            }
        }
        foreach (var (key, v) in right.OrderBy(e => e.Key, StringComparer.Ordinal))
            Console.WriteLine($"{key}: {(double)v.Right / v.Frames:P1} of {v.Frames} frames");
        return 0;
    }

    /// <summary>(sentence number, condition, vocal-tract copy) of a name such as <c>v081-us3vt145-noise20</c>.</summary>
    private static (int Sentence, string Condition, bool Vt) Parse(string id)
    {
        var parts = id.Split('-');
        int sentence = int.Parse(parts[0].AsSpan(1), CultureInfo.InvariantCulture);
        return (sentence, parts.Length > 2 ? parts[2] : "clean", parts[1].Contains("vt", StringComparison.Ordinal));
    }

    private static Item Load(string wav, FeatureExtractor extractor, PhoneSet phones, string condition)
    {
        var audio = WavReader.Read(wav, extractor.Options.SampleRate);
        float[] features = extractor.Extract(audio.Span);
        int frames = features.Length / extractor.FeatureDimension;
        var labels = LabelFile.Read(Path.ChangeExtension(wav, ".lab"));
        var classes = new int[frames];
        int r = 0;
        for (int t = 0; t < frames; t++)
        {
            double centre = extractor.FrameCentreSeconds(t);
            while (r < labels.Count - 1 && centre >= labels[r].End) r++;
            classes[t] = phones.IndexOf(labels[r].Phone);
            if (classes[t] < 0) throw new InvalidDataException($"{wav}: phone '{labels[r].Phone}' is not in the model's phone set.");
        }
        return new Item(Path.GetFileNameWithoutExtension(wav), condition, features, frames, classes, labels, audio.Span.Length);
    }

    private static float[] LogPosteriors(FrameMlp mlp, Item u)
    {
        var result = new float[u.Frames * mlp.Classes];
        var stacked = new float[mlp.StackedDimension];
        var hidden = new float[mlp.Hidden];
        var logits = new float[mlp.Classes];
        for (int t = 0; t < u.Frames; t++)
        {
            mlp.Stack(u.Features, u.Frames, t, stacked);
            mlp.Forward(stacked, hidden, logits);
            float max = logits.Max();
            double sum = 0;
            foreach (float l in logits) sum += Math.Exp(l - max);
            float logSum = max + (float)Math.Log(sum);
            for (int c = 0; c < mlp.Classes; c++) result[t * mlp.Classes + c] = logits[c] - logSum;
        }
        return result;
    }

    private static int[] Argmax(float[] post, int frames, int classes)
    {
        var result = new int[frames];
        for (int t = 0; t < frames; t++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++) if (post[t * classes + c] > post[t * classes + best]) best = c;
            result[t] = best;
        }
        return result;
    }

    private static int[] PhonesOf(ReadOnlySpan<int> path, int statesPerPhone)
    {
        var result = new int[path.Length];
        for (int t = 0; t < path.Length; t++) result[t] = path[t] / statesPerPhone;
        return result;
    }

    /// <summary>
    /// Phone accuracy over 5 ms frames (the label at each frame's centre) and mouth-shape accuracy over 10 ms frames
    /// (centres at 5 + 10k ms; the hypothesis is the phone of the 5 ms frame whose span, centre ± half a hop, holds it).
    /// </summary>
    private static (double Phone, double Mouth) Score(IReadOnlyList<Item> set, Func<Item, int[]> decode, FeatureExtractor extractor, VisemeMap map)
    {
        long phoneRight = 0, phoneFrames = 0, mouthRight = 0, mouthFrames = 0;
        double hop = extractor.Options.HopLengthMs / 1000.0, first = extractor.FrameCentreSeconds(0);
        foreach (var u in set)
        {
            int[] hyp = decode(u);
            for (int t = 0; t < u.Frames; t++) { if (hyp[t] == u.Phones[t]) phoneRight++; phoneFrames++; }
            int count = u.Samples / 160, r = 0;
            for (int f = 0; f < count; f++)
            {
                double centre = (f + 0.5) / 100;
                while (r < u.Labels.Count - 1 && u.Labels[r].End <= centre) r++;
                int t = Math.Clamp((int)Math.Floor((centre - first) / hop + 0.5), 0, u.Frames - 1);
                if (map.ShapeOf(u.Labels[r].Phone) == map.ShapeOf(hyp[t])) mouthRight++;
                mouthFrames++;
            }
        }
        return ((double)phoneRight / phoneFrames, (double)mouthRight / mouthFrames);
    }

    private static void WriteMlp(FrameMlp mlp, string path)
    {
        using var writer = new BinaryWriter(File.Create(path));
        foreach (int v in new[] { mlp.InputDimension, mlp.Context, mlp.Hidden, mlp.Classes }) writer.Write(v);
        foreach (var array in new[] { mlp.W1, mlp.B1, mlp.W2, mlp.B2 }) foreach (float v in array) writer.Write(v);
    }

    private static FrameMlp ReadMlp(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        int d = reader.ReadInt32(), c = reader.ReadInt32(), h = reader.ReadInt32(), k = reader.ReadInt32();
        float[] Read(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = reader.ReadSingle(); return a; }
        var w1 = Read((2 * c + 1) * d * h);
        var b1 = Read(h);
        var w2 = Read(h * k);
        var b2 = Read(k);
        return new FrameMlp(d, c, h, k, w1, b1, w2, b2);
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int Int(string[] args, string name, int fallback) =>
        Option(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
}

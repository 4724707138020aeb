// Duration-aware (HSMM) against plain HMM forced alignment: the figures of BENCHMARKS.md ("Duration-aware alignment"), as a
// .NET 10 file-based app:
//   dotnet run -c Release tools/hsmm-align-figures/hsmm-align-figures.cs loo MODEL_US1 MODEL_US2 [speech-dev dir]
//   dotnet run -c Release tools/hsmm-align-figures/hsmm-align-figures.cs other MODEL NAME=DIR...
// loo: leave-one-voice-out on speech-dev as Hmm.Speech/Alignment/ACCURACY.md does it (MODEL_US1 trained on us1's 30 clean
// utterances aligns us2's files, and the other way round; pooled), clean and degraded, phones and text given, the plain
// aligner against the duration-aware one with each duration family (the histograms stored in the models by
// `hmm train --durations`, refitted per family) and its variants.
// other: one model on other folders of X.wav + X.lab (+ X.txt), e.g. tools/make_voice_corpus.py output at other voices and
// speaking rates (--rate WPM).
// Everything runs on one thread of the SIMD CPU engine, with the aligner's defaults (2 MAP rounds, posterior-mean boundaries,
// the model's boundary offsets), as `hmm align` does.
#:project ../../Hmm.Speech.Training/Hmm.Speech.Training.csproj
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Hmm;
using Hmm.Speech;
using Hmm.Speech.Training;

var inv = CultureInfo.InvariantCulture;
// --only "NAME;NAME": just those variants (the names of the table's first column).
string[]? only = null;
int onlyAt = Array.IndexOf(args, "--only");
if (onlyAt >= 0)
{
    only = args[onlyAt + 1].Split(';');
    args = args.Take(onlyAt).Concat(args.Skip(onlyAt + 2)).ToArray();
}
var transcriber = new Transcriber(PronunciationLexicon.LoadDefault());

PhoneSequence Sequence(string wav, bool text)
{
    string stem = Path.ChangeExtension(wav, null);
    if (!text) return new PhoneSequence(LabelFile.Read(stem + ".lab").Select(s => s.Phone).ToArray());
    string txt = stem + ".txt";
    if (!File.Exists(txt))
    {
        // speech-dev's degraded copies share the clean utterance's text.
        string id = Path.GetFileName(stem);
        foreach (string c in new[] { "-noise20", "-reverb", "-quiet" }) if (id.EndsWith(c, StringComparison.Ordinal)) id = id[..^c.Length];
        txt = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(stem))!, "clean", id + ".txt");
    }
    var words = transcriber.Transcribe(File.ReadAllText(txt));
    return PhoneSequence.FromWords(words.Select(w => (IReadOnlyList<string>)w.Phones));
}

List<(string Name, ForcedAlignerOptions Options)> Variants(AcousticModel model)
{
    var stored = model.Durations ?? throw new ArgumentException($"{model.Description}: the model has no durations (hmm train --durations).");
    var list = new List<(string, ForcedAlignerOptions)> { ("HMM (plain)", new ForcedAlignerOptions()) };
    foreach (var family in new[] { DurationFamily.Gamma, DurationFamily.LogNormal, DurationFamily.Poisson, DurationFamily.Nonparametric })
        list.Add(($"HSMM {PhoneDurations.FamilyName(family)}", new ForcedAlignerOptions { Durations = stored.WithFamily(family), DurationScore = DurationFrameScore.BestState }));
    var gamma = stored.WithFamily(DurationFamily.Gamma);
    list.Add(("HSMM gamma, mean of states", new ForcedAlignerOptions { Durations = gamma, DurationScore = DurationFrameScore.MeanOfStates }));
    list.Add(("HSMM gamma, each state", new ForcedAlignerOptions { Durations = gamma, DurationScore = DurationFrameScore.EachState }));
    list.Add(("HMM, Viterbi boundaries", new ForcedAlignerOptions { Placement = BoundaryPlacement.Viterbi }));
    list.Add(("HSMM gamma, Viterbi boundaries", new ForcedAlignerOptions { Durations = gamma, DurationScore = DurationFrameScore.BestState, Placement = BoundaryPlacement.Viterbi }));
    list.Add(("HSMM gamma, each state, Viterbi boundaries", new ForcedAlignerOptions { Durations = gamma, DurationScore = DurationFrameScore.EachState, Placement = BoundaryPlacement.Viterbi }));
    foreach (double weight in new[] { 0.3, 1.0, 3.0, 10.0 })
    {
        list.Add(($"HSMM gamma, Viterbi boundaries, weight {weight.ToString(inv)}", new ForcedAlignerOptions { Durations = gamma, DurationScore = DurationFrameScore.BestState, Placement = BoundaryPlacement.Viterbi, DurationWeight = weight }));
        list.Add(($"HSMM gamma, each state, Viterbi boundaries, weight {weight.ToString(inv)}", new ForcedAlignerOptions { Durations = gamma, DurationScore = DurationFrameScore.EachState, Placement = BoundaryPlacement.Viterbi, DurationWeight = weight }));
    }
    return only is null ? list : list.Where(v => only.Contains(v.Item1)).ToList();
}

// Aligns the files with one model and variant; returns the file evaluations and the seconds the call took.
(List<FileEvaluation> Files, double Seconds, double Audio) Run(AcousticModel model, ForcedAlignerOptions options, string[] wavs, bool text)
{
    var inputs = wavs.Select(w => new AlignmentInput(Path.GetFileNameWithoutExtension(w), WavReader.Read(w, 16000).Samples, Sequence(w, text))).ToArray();
    var aligner = new ForcedAligner(model, options);
    var watch = Stopwatch.StartNew();
    var outcomes = aligner.Align(inputs);
    double seconds = watch.Elapsed.TotalSeconds;
    var files = new List<FileEvaluation>();
    for (int i = 0; i < inputs.Length; i++)
    {
        if (!outcomes[i].Succeeded) { Console.Error.WriteLine($"{inputs[i].Name}: {outcomes[i].Error}"); continue; }
        files.Add(AlignmentEvaluation.CompareFile(inputs[i].Name, LabelFile.Read(Path.ChangeExtension(wavs[i], ".lab")), outcomes[i].Segments!));
    }
    return (files, seconds, inputs.Sum(x => x.Samples.Length) / 16000.0);
}

string Row(string name, List<FileEvaluation> files, double seconds, double audio)
{
    var o = AlignmentEvaluation.Summarize(files).Overall;
    return string.Format(inv, "| {0} | {1:0.0} % | **{2:0.0} %** | {3:0.0} % | {4:0.0} ms | {5:0}x |", name, 100 * o.Within10, 100 * o.Within20, 100 * o.Within40,
        1000 * o.MeanAbsoluteError, audio / seconds);
}

void Header(string title)
{
    Console.WriteLine();
    Console.WriteLine($"{title}");
    Console.WriteLine();
    Console.WriteLine("| aligner | <= 10 ms | <= 20 ms | <= 40 ms | mean abs error | x real time (1 thread, 2 MAP rounds) |");
    Console.WriteLine("|---|---|---|---|---|---|");
}

if (args.Length >= 3 && args[0] == "loo")
{
    var models = new[] { AcousticModel.Load(args[1]), AcousticModel.Load(args[2]) };
    string dev = args.Length > 3 ? args[3] : "/work/shared/data/speech-dev";
    string[] voices = { "us2", "us1" }; // model i aligns voices[i]
    foreach (string condition in new[] { "clean", "degraded" })
    {
        foreach (bool text in new[] { false, true })
        {
            Header($"{condition}, {(text ? "text" : "phones")} given (pooled over us1 -> us2 and us2 -> us1)");
            var perDirection = new List<string>();
            var names = Variants(models[0]).Select(v => v.Name).ToList();
            foreach (string name in names)
            {
                var files = new List<FileEvaluation>();
                double seconds = 0, audio = 0;
                var direction = new List<double>();
                for (int m = 0; m < 2; m++)
                {
                    var options = Variants(models[m]).Single(v => v.Name == name).Options;
                    var wavs = Directory.GetFiles(Path.Combine(dev, condition), $"*-{voices[m]}*.wav").OrderBy(x => x, StringComparer.Ordinal).ToArray();
                    var r = Run(models[m], options, wavs, text);
                    files.AddRange(r.Files);
                    seconds += r.Seconds;
                    audio += r.Audio;
                    direction.Add(AlignmentEvaluation.Summarize(r.Files).Overall.Within20);
                }
                Console.WriteLine(Row(name, files, seconds, audio));
                perDirection.Add(string.Format(inv, "{0}: us1 -> us2 {1:0.0} %, us2 -> us1 {2:0.0} %", name, 100 * direction[0], 100 * direction[1]));
            }
            Console.WriteLine();
            foreach (string line in perDirection) Console.WriteLine("    " + line);
        }
    }
}
else if (args.Length >= 3 && args[0] == "other")
{
    var model = AcousticModel.Load(args[1]);
    foreach (string spec in args.Skip(2))
    {
        string name = spec[..spec.IndexOf('=')], dir = spec[(spec.IndexOf('=') + 1)..];
        var wavs = Directory.GetFiles(dir, "*.wav").OrderBy(x => x, StringComparer.Ordinal).ToArray();
        double mean = wavs.SelectMany(w => LabelFile.Read(Path.ChangeExtension(w, ".lab"))).Where(s => s.Phone != "sil").Average(s => s.End - s.Start);
        foreach (bool text in new[] { false, true })
        {
            Header(string.Format(inv, "{0}: {1} files, mean phone {2:0} ms, {3} given", name, wavs.Length, 1000 * mean, text ? "text" : "phones"));
            foreach (var (variant, options) in Variants(model))
            {
                var r = Run(model, options, wavs, text);
                Console.WriteLine(Row(variant, r.Files, r.Seconds, r.Audio));
            }
        }
    }
}
else
{
    Console.Error.WriteLine("usage: hsmm-align-figures.cs loo MODEL_US1 MODEL_US2 [speech-dev dir] | other MODEL NAME=DIR...");
    return 2;
}
return 0;

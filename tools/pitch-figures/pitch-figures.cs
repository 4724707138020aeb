// The pitch tracker's figures in BENCHMARKS.md ("Pitch tracker against Praat and SPTK"), as a .NET 10 file-based app:
//   dotnet run -c Release tools/pitch-figures/pitch-figures.cs [speech-dev dir]
// 1. agreement with Praat, RAPT and SWIPE' on the fixtures of Hmm.Tests/Data/Pitch (tools/make-pitch-fixtures.sh);
// 2. every tracker against MBROLA's pitch targets (speech-dev's .pho files), running praat and SPTK's pitch itself
//    (Debian's praat, sptk and sox must be installed);
// 3. our time on 10 s of speech-dev speech (the first clean utterances joined), minimum of 30 calls.
// Needs the speech-dev corpus (default /work/shared/data/speech-dev) for 2 and 3 and for the eight non-bundled fixtures.
#:project ../../Hmm.Speech.Training/Hmm.Speech.Training.csproj
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Globalization;
using System.Runtime.CompilerServices;
using Hmm.Speech.Audio;
using Hmm.Speech.Training;

var inv = CultureInfo.InvariantCulture;
string root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ThisFile())!, "..", ".."));
string dev = args.Length > 0 ? args[0] : "/work/shared/data/speech-dev";
string clean = Path.Combine(dev, "clean"), fixtures = Path.Combine(root, "Hmm.Tests", "Data", "Pitch");
string[] bundled = { "s004-us2", "s017-us1", "s044-us2" };
string[] withFixtures = Directory.GetFiles(fixtures, "*.praat.tsv").Select(p => Path.GetFileName(p)[..^".praat.tsv".Length]).OrderBy(x => x, StringComparer.Ordinal).ToArray();
string Wav(string id) => bundled.Contains(id) ? Path.Combine(root, "samples", id + ".wav") : Path.Combine(clean, id + ".wav");
(double T, float F)[] ReadTrack(string path) => File.ReadAllLines(path).Select(l => l.Split('\t')).Select(r => (double.Parse(r[0], inv), float.Parse(r[1], inv))).ToArray();
float[] Ours(string wav) => PitchTracker.Track(WavReader.Read(wav, 16000).Samples, 16000).F0.ToArray();

// 1. Agreement: each frame of the reference track with the other's frame nearest in time (the other is on the 10 ms grid).
PitchComparison Against((double T, float F)[] reference, float[] other)
{
    var pairs = Enumerable.Range(0, reference.Length).Select(i => (i, (int)Math.Round(reference[i].T / 0.01))).Where(p => p.Item2 < other.Length).ToList();
    return PitchEvaluation.Compare(reference.Select(x => x.F).ToArray(), other, pairs);
}
void Row(string set, string pair, PitchComparison c) =>
    Console.WriteLine(string.Format(inv, "| {0} | {1} | {2:N0} | {3:0.0} % | {4:N0} | {5:0.00} % | {6:0.00} | {7:0.0} |", set, pair, c.Frames, 100 * (1 - c.VoicingDecisionError), c.VoicedInBoth, 100 * c.GrossErrorRate, c.RmseHz, c.RmseCents));
Console.WriteLine("| set | pair (reference, other) | frames | voicing agreement | voiced in both | gross errors | RMSE Hz | RMSE cents |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
bool haveDev = Directory.Exists(clean);
var sets = new List<(string, string[])> { ("bundled 3", bundled) };
if (haveDev) sets.Add(($"all {withFixtures.Length}", withFixtures));
var names = new Dictionary<string, string> { ["praat"] = "Praat", ["rapt"] = "RAPT", ["swipe"] = "SWIPE'" };
foreach (var (set, ids) in sets)
{
    var ours = ids.ToDictionary(id => id, id => Ours(Wav(id)));
    foreach (var o in new[] { "praat", "rapt", "swipe" })
        Row(set, $"{names[o]}, ours", PitchEvaluation.Combine(ids.Select(id => Against(ReadTrack(Path.Combine(fixtures, $"{id}.{o}.tsv")), ours[id]))));
    foreach (var (a, b) in new[] { ("praat", "rapt"), ("praat", "swipe"), ("rapt", "swipe") })
        Row(set, $"{names[a]}, {names[b]}", PitchEvaluation.Combine(ids.Select(id => Against(ReadTrack(Path.Combine(fixtures, $"{id}.{a}.tsv")), ReadTrack(Path.Combine(fixtures, $"{id}.{b}.tsv")).Select(x => x.F).ToArray()))));
}
if (!haveDev) { Console.WriteLine($"{clean} not found: the rest needs speech-dev."); return; }

// 2. Against MBROLA's targets.
string temp = Directory.CreateTempSubdirectory("pitch-figures").FullName;
void Exec(string command)
{
    using var p = Process.Start(new ProcessStartInfo("sh", new[] { "-c", command }) { RedirectStandardError = true })!;
    string err = p.StandardError.ReadToEnd();
    p.WaitForExit();
    if (p.ExitCode != 0) throw new InvalidOperationException($"{command}: {err}");
}
string sptk = "/usr/libexec/sptk/bin";
var allIds = Directory.GetFiles(clean, "*.wav").Select(p => Path.GetFileNameWithoutExtension(p)!).OrderBy(x => x, StringComparer.Ordinal).ToArray();
foreach (var id in allIds)
{
    string wav = Path.Combine(clean, id + ".wav"), raw = Path.Combine(temp, "a.raw");
    Exec($"praat --run '{root}/tools/praat-pitch.praat' '{wav}' '{temp}/{id}.praat.tsv'");
    Exec($"sox '{wav}' -t raw -e signed -b 16 -c 1 -r 16000 '{raw}'");
    foreach (var (a, name) in new[] { (0, "rapt"), (1, "swipe") })
        Exec($"{sptk}/x2x +sf < '{raw}' | {sptk}/pitch -a {a} -s 16 -p 160 -L 75 -H 600 -o 1 | {sptk}/x2x +fa | awk '{{ printf \"%.6f\\t%.3f\\n\", (NR - 1) * 0.01, $1 }}' > '{temp}/{id}.{name}.tsv'");
}
// The targets: (time, Hz) points, linear between them; a frame counts when it lies inside a phone with targets, 20 ms from its edges.
double? Target(List<(double T, double F)> points, List<(double A, double B)> spans, double t)
{
    if (!spans.Any(s => t > s.A + 0.02 && t < s.B - 0.02)) return null;
    int j = points.FindIndex(p => p.T >= t);
    if (j <= 0) return null;
    var (ta, fa) = points[j - 1];
    var (tb, fb) = points[j];
    return tb > ta ? fa + (fb - fa) * (t - ta) / (tb - ta) : fb;
}
Console.WriteLine();
Console.WriteLine("| tracker | truth frames | called voiced | gross errors | RMSE Hz | RMSE cents | median error |");
Console.WriteLine("|---|---|---|---|---|---|---|");
foreach (var tracker in new[] { "ours", "praat", "rapt", "swipe" })
{
    var comparisons = new List<PitchComparison>();
    var cents = new List<double>();
    int truthFrames = 0, voiced = 0;
    foreach (var id in allIds)
    {
        var points = new List<(double, double)>();
        var spans = new List<(double, double)>();
        double start = 0;
        foreach (var line in File.ReadAllLines(Path.Combine(clean, id + ".pho")))
        {
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 2 || line.StartsWith(';')) continue;
            double duration = double.Parse(f[1], inv) / 1000;
            if (f.Length > 2) spans.Add((start, start + duration));
            for (int i = 2; i + 1 < f.Length; i += 2) points.Add((start + duration * double.Parse(f[i], inv) / 100, double.Parse(f[i + 1], inv)));
            start += duration;
        }
        var track = tracker == "ours"
            ? Ours(Path.Combine(clean, id + ".wav")).Select((f, k) => (T: k * 0.01, F: f)).ToArray()
            : ReadTrack(Path.Combine(temp, $"{id}.{tracker}.tsv"));
        var truth = track.Select(x => Target(points, spans, x.T)).ToArray();
        var pairs = Enumerable.Range(0, track.Length).Where(k => truth[k] is not null).Select(k => (k, Other: k)).ToList();
        truthFrames += pairs.Count;
        voiced += pairs.Count(p => track[p.k].F > 0);
        comparisons.Add(PitchEvaluation.Compare(truth.Select(t => (float)(t ?? 0)).ToArray(), track.Select(x => x.F).ToArray(), pairs));
        cents.AddRange(pairs.Where(p => track[p.k].F > 0).Select(p => 1200 * Math.Log2(track[p.k].F / truth[p.k]!.Value)));
    }
    var c = PitchEvaluation.Combine(comparisons);
    cents.Sort();
    Console.WriteLine(string.Format(inv, "| {0} | {1:N0} | {2:0.0} % | {3:0.00} % | {4:0.00} | {5:0.0} | {6:+0;-0} cents |", tracker, truthFrames, 100.0 * voiced / truthFrames,
        100 * c.GrossErrorRate, c.RmseHz, c.RmseCents, cents[cents.Count / 2]));
}
Directory.Delete(temp, true);

// 3. Our time on 10 s of speech.
var joined = allIds.SelectMany(id => WavReader.Read(Path.Combine(clean, id + ".wav"), 16000).Samples).Take(160000).ToArray();
foreach (var smooth in new[] { true, false })
{
    var options = PitchOptions.Default with { Smooth = smooth };
    for (int i = 0; i < 5; i++) PitchTracker.Track(joined, 16000, options);
    double best = double.MaxValue;
    for (int i = 0; i < 30; i++)
    {
        var watch = Stopwatch.StartNew();
        PitchTracker.Track(joined, 16000, options);
        best = Math.Min(best, watch.Elapsed.TotalMilliseconds);
    }
    Console.WriteLine(string.Format(inv, "\nours on 10 s of speech, {0}: {1:0.00} ms (minimum of 30)", smooth ? "best path" : "frame by frame", best));
}

static string ThisFile([CallerFilePath] string path = "") => path;

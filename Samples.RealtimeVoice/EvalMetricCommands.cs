using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using Hmm.Speech.Audio;
using Hmm.Speech.Training;
using Spectre.Console;

namespace Samples.RealtimeVoice;

/// <summary>
/// The metric subcommands of `hmm eval`, each over pairs of files with the same name in HYP_DIR and REF_DIR, printing a
/// row per file and an overall row (frames or phones pooled over all files):
/// `hmm eval pitch HYP_DIR REF_DIR` (X.wav pairs tracked by <see cref="PitchTracker"/>: voicing decision error, F0 RMSE in
/// Hz and cents, gross errors, correlation) and `hmm eval durations HYP_DIR REF_DIR` (X.lab/.TextGrid/.json pairs of the
/// same phone sequence: duration accuracy, mean duration error, boundaries within 20 ms). A file that cannot be read or
/// scored is reported on stderr and the others are still scored (exit code 1); no scored pair at all is an error.
/// A folder named like a subcommand is given as ./pitch.
/// </summary>
internal static class EvalMetricCommands
{
    /// <summary>`hmm eval pitch`.</summary>
    internal static Command CreatePitch(CliContext context)
    {
        var hyp = CliOptions.RejectOptionLikeValues(new Argument<string>("HYP_DIR") { Description = "Folder of hypothesis WAV files (X.wav), e.g. synthesised speech." });
        var reference = CliOptions.RejectOptionLikeValues(new Argument<string>("REF_DIR") { Description = "Folder of reference WAV files with the same names." });
        var floor = CliOptions.Double("--floor", PitchOptions.Default.FloorHz, 20, 1000, "Lowest F0 searched, Hz.", "HZ");
        var ceiling = CliOptions.Double("--ceiling", PitchOptions.Default.CeilingHz, 40, 3900, "Highest F0 searched, Hz (below a quarter of 16 kHz).", "HZ");
        var command = new Command("pitch", "F0 RMSE (Hz, cents) over frames voiced in both, voicing decision error, gross errors and F0 correlation of WAV files against references (same-named pairs, frames paired by time over their overlap).")
        {
            hyp, reference, floor, ceiling,
        };
        command.SetAction(p => RunPitch(context, p.GetValue(hyp)!, p.GetValue(reference)!, p.GetValue(floor), p.GetValue(ceiling)));
        return CliOptions.LastWins(command);
    }

    /// <summary>`hmm eval durations`.</summary>
    internal static Command CreateDurations(CliContext context)
    {
        var hyp = CliOptions.RejectOptionLikeValues(new Argument<string>("HYP_DIR") { Description = "Folder of hypothesis label files (X.lab, X.TextGrid or X.json)." });
        var reference = CliOptions.RejectOptionLikeValues(new Argument<string>("REF_DIR") { Description = "Folder of reference label files with the same names and phone sequences." });
        var tolerance = CliOptions.Double("--tolerance", 1000 * DurationEvaluation.DefaultToleranceSeconds, 0, 1000, "A phone's duration is accurate within this many ms of the reference's.", "MS");
        var command = new Command("durations", "Duration accuracy (share of phones whose duration is within the tolerance of the reference's), mean duration error and boundaries within 20 ms of label files against references of the same phone sequence.")
        {
            hyp, reference, tolerance,
        };
        command.SetAction(p => RunDurations(context, p.GetValue(hyp)!, p.GetValue(reference)!, p.GetValue(tolerance) / 1000));
        return CliOptions.LastWins(command);
    }

    /// <summary>`hmm eval mcd`.</summary>
    internal static Command CreateMcd(CliContext context)
    {
        var hyp = CliOptions.RejectOptionLikeValues(new Argument<string>("HYP_DIR") { Description = "Folder of hypothesis WAV files (X.wav), e.g. synthesised speech." });
        var reference = CliOptions.RejectOptionLikeValues(new Argument<string>("REF_DIR") { Description = "Folder of reference WAV files with the same names." });
        var frames = new Option<bool>("--frame-aligned") { Description = "Pair frames by index over the shorter file instead of by DTW (only for renderings that share their timing)." };
        var command = new Command("mcd", "Mel-cepstral distortion (dB; mel-cepstra of order 24, alpha 0.42 at 16 kHz, c0 excluded; frames paired by DTW) of WAV files against references (same-named pairs).")
        {
            hyp, reference, frames,
        };
        command.SetAction(p => RunMcd(context, p.GetValue(hyp)!, p.GetValue(reference)!, p.GetValue(frames) ? McdAlignment.Frames : McdAlignment.Dtw));
        return CliOptions.LastWins(command);
    }

    private static int RunMcd(CliContext context, string hypDir, string refDir, McdAlignment alignment)
    {
        var scored = new List<(string Name, double Mcd, int HypFrames, int RefFrames)>();
        int problems = ScorePairs(context, "eval mcd", hypDir, refDir, WavFiles, (name, hypPath, refPath) =>
        {
            var refAudio = WavReader.Read(refPath, 16000);
            var hypAudio = WavReader.Read(hypPath, 16000);
            if (refAudio.Samples.Length == 0) throw new InvalidDataException($"{refPath}: the audio is empty.");
            if (hypAudio.Samples.Length == 0) throw new InvalidDataException($"{hypPath}: the audio is empty.");
            var options = MelCepstrumOptions.ForSampleRate(16000);
            double mcd = MelCepstralDistortion.Compute(refAudio.Samples, hypAudio.Samples, 16000, alignment, options);
            scored.Add((name, mcd, MelCepstrum.FrameCount(hypAudio.Samples.Length, options), MelCepstrum.FrameCount(refAudio.Samples.Length, options)));
        });
        if (scored.Count == 0) throw new ArgumentException($"eval mcd: no WAV file in {hypDir} could be scored against {refDir}.");
        var inv = CultureInfo.InvariantCulture;
        var rows = scored.Select(s => new[] { s.Name, s.HypFrames.ToString(inv), s.RefFrames.ToString(inv), s.Mcd.ToString("0.00", inv) }).ToList();
        rows.Add(["all (mean of files)", scored.Sum(s => s.HypFrames).ToString(inv), scored.Sum(s => s.RefFrames).ToString(inv), scored.Average(s => s.Mcd).ToString("0.00", inv)]);
        string head = string.Format(inv, "{0} file pairs, mel-cepstral distortion (order 24, alpha 0.42, c0 excluded, 16 kHz), frames paired {1}",
            scored.Count, alignment == McdAlignment.Dtw ? "by DTW" : "by index over the shorter file");
        WriteRows(context, head, ["file", "hyp frames", "ref frames", "MCD dB"], rows);
        return problems > 0 ? 1 : 0;
    }

    private static int RunPitch(CliContext context, string hypDir, string refDir, double floorHz, double ceilingHz)
    {
        if (!(floorHz < ceilingHz)) throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "eval pitch: --floor ({0} Hz) must be below --ceiling ({1} Hz).", floorHz, ceilingHz));
        var options = PitchOptions.Default with { FloorHz = floorHz, CeilingHz = ceilingHz };
        var scored = new List<(string Name, PitchComparison Result, bool SameLength)>();
        int problems = ScorePairs(context, "eval pitch", hypDir, refDir, WavFiles, (name, hypPath, refPath) =>
        {
            var refTrack = TrackFile(refPath, options);
            var hypTrack = TrackFile(hypPath, options);
            scored.Add((name, PitchEvaluation.Compare(refTrack, hypTrack), refTrack.FrameCount == hypTrack.FrameCount));
        });
        if (scored.Count == 0) throw new ArgumentException($"eval pitch: no WAV file in {hypDir} could be scored against {refDir}.");
        var inv = CultureInfo.InvariantCulture;
        string F(double v, string format) => double.IsNaN(v) ? "-" : v.ToString(format, inv);
        string[] Row(string name, PitchComparison c) =>
            [name, c.Frames.ToString(inv), c.VoicedInBoth.ToString(inv), F(100 * c.VoicingDecisionError, "0.0"), F(c.RmseHz, "0.00"), F(c.RmseCents, "0.0"), F(100 * c.GrossErrorRate, "0.0"), F(c.Correlation, "0.000")];
        var rows = scored.Select(s => Row(s.Name, s.Result)).ToList();
        rows.Add(Row("all", PitchEvaluation.Combine(scored.Select(s => s.Result))));
        int differing = scored.Count(s => !s.SameLength);
        string head = string.Format(inv, "{0} file pairs, F0 by YIN ({1}..{2} Hz, 10 ms hop); RMSE over frames voiced in both{3}", scored.Count, floorHz, ceilingHz,
            differing == 0 ? "" : differing == 1 ? "; 1 pair differs in length (scored over its overlap)" : $"; {differing} pairs differ in length (scored over their overlap)");
        WriteRows(context, head, ["file", "frames", "voiced both", "VDE %", "F0 RMSE Hz", "RMSE cents", "gross %", "corr"], rows);
        return problems > 0 ? 1 : 0;
    }

    private static int RunDurations(CliContext context, string hypDir, string refDir, double toleranceSeconds)
    {
        var scored = new List<DurationComparison>();
        int problems = ScorePairs(context, "eval durations", hypDir, refDir, EvalCommand.LabelFiles, (name, hypPath, refPath) =>
            scored.Add(DurationEvaluation.CompareFile(refPath, InputFile.ReadLabels(refPath), hypPath, InputFile.ReadLabels(hypPath), toleranceSeconds)));
        if (scored.Count == 0) throw new ArgumentException($"eval durations: no label file in {hypDir} could be scored against {refDir}.");
        var inv = CultureInfo.InvariantCulture;
        var rows = scored.Select(d => new[]
        {
            Path.GetFileNameWithoutExtension(d.Name), d.Phones.ToString(inv), (100 * d.DurationAccuracy).ToString("0.0", inv), (1000 * d.MeanAbsoluteError).ToString("0.0", inv),
            d.Boundaries.Boundaries.Count.ToString(inv), (100 * d.Boundaries.ShareWithin(0.020)).ToString("0.0", inv),
        }).ToList();
        var pooled = DurationEvaluation.Pool(scored);
        var boundaries = AlignmentEvaluation.Summarize(scored.Select(d => d.Boundaries)).Overall;
        rows.Add(["all", pooled.Phones.ToString(inv), (100 * pooled.DurationAccuracy).ToString("0.0", inv), (1000 * pooled.MeanAbsoluteError).ToString("0.0", inv),
            boundaries.Count.ToString(inv), (100 * boundaries.Within20).ToString("0.0", inv)]);
        string ms = (1000 * toleranceSeconds).ToString("0.#", inv);
        WriteRows(context, $"{scored.Count} file pairs; a phone's duration is accurate within {ms} ms of the reference's",
            ["file", "phones", $"dur <={ms}ms %", "mean |d dur| ms", "boundaries", "<=20ms %"], rows);
        return problems > 0 ? 1 : 0;
    }

    /// <summary>
    /// Calls <paramref name="score"/> for each file of <paramref name="hypDir"/> with a same-named reference; reports a
    /// hypothesis without a reference, and a pair whose reading or scoring fails (the others go on), on stderr. Returns
    /// the number of problems. The place for any metric over file pairs (mel-cepstral distortion too).
    /// </summary>
    internal static int ScorePairs(CliContext context, string verb, string hypDir, string refDir, Func<string, Dictionary<string, string>> list, Action<string, string, string> score)
    {
        foreach (string dir in new[] { hypDir, refDir }) if (!Directory.Exists(dir)) throw new ArgumentException($"{verb}: {dir}: no such folder.");
        var refs = list(refDir);
        int problems = 0;
        foreach (var (stem, hypPath) in list(hypDir))
        {
            if (!refs.TryGetValue(stem, out string? refPath))
            {
                context.Err.WriteLine($"hmm: {verb}: {hypPath}: no reference of that name in {refDir}.");
                problems++;
                continue;
            }
            try
            {
                score(stem, hypPath, refPath);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
            {
                context.Err.WriteLine($"hmm: {verb}: {e.Message}");
                problems++;
            }
        }
        return problems;
    }

    /// <summary>X.wav files of a folder by name without the extension.</summary>
    internal static Dictionary<string, string> WavFiles(string dir)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string f in Directory.GetFiles(dir).OrderBy(f => f, StringComparer.Ordinal))
            if (string.Equals(Path.GetExtension(f), ".wav", StringComparison.OrdinalIgnoreCase)) map.TryAdd(Path.GetFileNameWithoutExtension(f), f);
        return map;
    }

    /// <summary>The F0 track of a WAV file at 16 kHz; empty audio is refused with the file's name (silence is not: it is all unvoiced).</summary>
    internal static PitchTrack TrackFile(string path, PitchOptions options)
    {
        var audio = WavReader.Read(path, 16000);
        if (audio.Samples.Length == 0) throw new InvalidDataException($"{path}: the audio is empty.");
        return PitchTracker.Track(audio.Samples, audio.SampleRate, options);
    }

    /// <summary>A header line and a table: Spectre's on a terminal, aligned plain text when redirected (scripts read it).</summary>
    private static void WriteRows(CliContext context, string head, string[] headers, List<string[]> rows)
    {
        if (context.OutputIsTerminal)
        {
            var console = CliConsole.Over(context.Out);
            console.WriteLine(head);
            var table = CliConsole.Table(headers);
            foreach (var row in rows) table.Row(row);
            console.Write(table);
            return;
        }
        context.Out.WriteLine(head);
        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        context.Out.WriteLine(string.Join("  ", headers.Select((h, i) => i == 0 ? h.PadRight(widths[i]) : h.PadLeft(widths[i]))).TrimEnd());
        foreach (var row in rows)
            context.Out.WriteLine(string.Join("  ", row.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd());
    }
}

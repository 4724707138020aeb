using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using Spectre.Console;
using Hmm.Speech.Training;
using Hmm.Speech;

namespace Samples.RealtimeVoice;

/// <summary>
/// `hmm eval HYP_DIR REF_DIR`: scores every hypothesis label file (X.lab, X.TextGrid or X.json) in HYP_DIR
/// against the reference with the same name in REF_DIR: the share of boundaries within 10/20/40 ms, the mean absolute
/// boundary error, a table by phone class and the worst files. Exit code 1 when a hypothesis has no reference or a
/// file cannot be read. Its subcommands score other things over the same pairing by name: `hmm eval pitch` (F0 of
/// X.wav pairs, <see cref="EvalMetricCommands"/>) and `hmm eval durations` (phone durations of label pairs).
/// </summary>
internal static class EvalCommand
{
    /// <summary>Runs `hmm eval ARGS` as the program does (usage errors: "hmm: ..." on stderr and exit code 2).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Cli.Run(["eval", .. args], stdout, stderr, Environment.GetEnvironmentVariable);

    /// <summary>The `eval` verb: its arguments, options, help and action.</summary>
    internal static Command Create(CliContext context)
    {
        var hyp = CliOptions.RejectOptionLikeValues(new Argument<string>("HYP_DIR") { Description = "Folder of hypothesis label files (X.lab, X.TextGrid or X.json)." });
        var reference = CliOptions.RejectOptionLikeValues(new Argument<string>("REF_DIR") { Description = "Folder of reference label files with the same names." });
        var worst = CliOptions.Int("--worst", 5, 0, 100000, "How many of the worst files to list (0: none).");
        var command = new Command("eval", "Boundary accuracy of label files against references; 'eval pitch' and 'eval durations' score F0 and phone durations.")
        {
            hyp, reference, worst,
            EvalMetricCommands.CreatePitch(context),
            EvalMetricCommands.CreateDurations(context),
            EvalMetricCommands.CreateMcd(context),
        };
        command.SetAction(p => Run(context, p.GetValue(hyp)!, p.GetValue(reference)!, p.GetValue(worst)));
        return CliOptions.LastWins(command);
    }

    private static int Run(CliContext context, string hypDir, string refDir, int worst)
    {
        TextWriter stdout = context.Out, stderr = context.Err;
        foreach (string dir in new[] { hypDir, refDir }) if (!Directory.Exists(dir)) throw new ArgumentException($"eval: {dir}: no such folder.");

        var refs = LabelFiles(refDir);
        var files = new List<FileEvaluation>();
        int problems = 0;
        foreach (var (stem, hypPath) in LabelFiles(hypDir))
        {
            if (!refs.TryGetValue(stem, out string? refPath))
            {
                stderr.WriteLine($"hmm: eval: {hypPath}: no reference {stem}.lab/.TextGrid/.json in {refDir}.");
                problems++;
                continue;
            }
            try
            {
                files.Add(AlignmentEvaluation.CompareFile(stem, InputFile.ReadLabels(refPath), InputFile.ReadLabels(hypPath)));
            }
            catch (InvalidDataException e)
            {
                stderr.WriteLine($"hmm: eval: {e.Message}");
                problems++;
            }
        }
        if (files.Count == 0) throw new ArgumentException($"eval: no hypothesis in {hypDir} has a reference in {refDir}.");
        var summary = AlignmentEvaluation.Summarize(files);
        if (context.OutputIsTerminal) WriteTables(stdout, summary, files, worst);
        else WriteText(stdout, summary, files, worst);
        return problems > 0 ? 1 : 0;
    }

    /// <summary>The first line: files, boundaries, and what did not match.</summary>
    private static string Head(EvaluationSummary summary, List<FileEvaluation> files)
    {
        var o = summary.Overall;
        int differing = files.Count(f => !f.SameSequence);
        return string.Format(CultureInfo.InvariantCulture, "{0} files, {1} boundaries{2}{3}", files.Count, o.Count,
            o.Unmatched > 0 ? $" ({o.Unmatched} without a counterpart: counted as misses)" : "",
            differing > 0 ? $"; {differing} files with a different phone sequence (matched by edit distance)" : "");
    }

    /// <summary>Plain text, for redirected output (scripts read it).</summary>
    private static void WriteText(TextWriter stdout, EvaluationSummary summary, List<FileEvaluation> files, int worst)
    {
        var inv = CultureInfo.InvariantCulture;
        var o = summary.Overall;
        stdout.WriteLine(Head(summary, files));
        stdout.WriteLine(string.Format(inv, "within 10 ms   {0,6:0.0} %", 100 * o.Within10));
        stdout.WriteLine(string.Format(inv, "within 20 ms   {0,6:0.0} %", 100 * o.Within20));
        stdout.WriteLine(string.Format(inv, "within 40 ms   {0,6:0.0} %", 100 * o.Within40));
        stdout.WriteLine(string.Format(inv, "mean |error|   {0,6:0.0} ms", 1000 * o.MeanAbsoluteError));
        stdout.WriteLine(string.Format(inv, "frame accuracy {0,6:0.0} %", 100 * summary.FrameAccuracy));
        stdout.WriteLine();
        stdout.WriteLine("boundary into   count  <=10ms  <=20ms  <=40ms  mean ms");
        foreach (var c in summary.ByClass)
        {
            stdout.WriteLine(string.Format(inv, "{0,-12} {1,8} {2,7:0.0} {3,7:0.0} {4,7:0.0} {5,8:0.0}", c.Label, c.Count, 100 * c.Within10, 100 * c.Within20, 100 * c.Within40, 1000 * c.MeanAbsoluteError));
        }
        if (worst > 0)
        {
            stdout.WriteLine();
            stdout.WriteLine("worst files      <=20ms  mean ms");
            foreach (var f in summary.Files.Take(worst))
                stdout.WriteLine(string.Format(inv, "{0,-16} {1,6:0.0} {2,8:0.0}", f.Name, 100 * f.ShareWithin(0.020), 1000 * f.MeanAbsoluteError));
        }
    }

    /// <summary>The same results as tables, for a terminal.</summary>
    private static void WriteTables(TextWriter stdout, EvaluationSummary summary, List<FileEvaluation> files, int worst)
    {
        var inv = CultureInfo.InvariantCulture;
        var o = summary.Overall;
        var console = CliConsole.Over(stdout);
        console.WriteLine(Head(summary, files));
        var overall = CliConsole.Table("measure", "value")
            .Row("within 10 ms", (100 * o.Within10).ToString("0.0", inv) + " %")
            .Row("within 20 ms", (100 * o.Within20).ToString("0.0", inv) + " %")
            .Row("within 40 ms", (100 * o.Within40).ToString("0.0", inv) + " %")
            .Row("mean |error|", (1000 * o.MeanAbsoluteError).ToString("0.0", inv) + " ms")
            .Row("frame accuracy", (100 * summary.FrameAccuracy).ToString("0.0", inv) + " %");
        console.Write(overall);
        var byClass = CliConsole.Table("boundary into", "count", "<=10ms %", "<=20ms %", "<=40ms %", "mean ms");
        foreach (var c in summary.ByClass)
        {
            byClass.Row(c.Label, c.Count.ToString(inv), (100 * c.Within10).ToString("0.0", inv), (100 * c.Within20).ToString("0.0", inv),
                (100 * c.Within40).ToString("0.0", inv), (1000 * c.MeanAbsoluteError).ToString("0.0", inv));
        }
        console.Write(byClass);
        if (worst > 0)
        {
            var worstFiles = CliConsole.Table("worst files", "<=20ms %", "mean ms");
            foreach (var f in summary.Files.Take(worst))
                worstFiles.Row(f.Name, (100 * f.ShareWithin(0.020)).ToString("0.0", inv), (1000 * f.MeanAbsoluteError).ToString("0.0", inv));
            console.Write(worstFiles);
        }
    }

    internal static Dictionary<string, string> LabelFiles(string dir)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string f in Directory.GetFiles(dir).OrderBy(f => f, StringComparer.Ordinal))
        {
            if (LabelFile.FormatOf(f) is null) continue;
            map.TryAdd(Path.GetFileNameWithoutExtension(f), f);
        }
        return map;
    }
}

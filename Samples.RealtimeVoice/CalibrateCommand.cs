using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using Hmm.Speech;
using Hmm.Speech.Training;

namespace Samples.RealtimeVoice;

/// <summary>
/// `hmm calibrate DATA_DIR --model M --out FILE`: a model's systematic boundary offsets by phone class pair, measured on
/// X.wav + X.lab pairs (<see cref="BoundaryOffsetCalibration"/>), written as a <see cref="BoundaryOffsetTable"/> with the
/// model's fingerprint. This is how the Sphinx model's shipped offsets were made.
/// </summary>
internal static class CalibrateCommand
{
    private static readonly string[] LabelExtensions = { ".lab", ".TextGrid", ".json" };

    /// <summary>The `calibrate` verb: its arguments, options, help and action.</summary>
    internal static Command Create(CliContext context)
    {
        var data = CliOptions.RejectOptionLikeValues(new Argument<string>("DATA_DIR") { Description = "A folder of X.wav files each with its phone labels X.lab (or X.TextGrid, X.json)." });
        var modelPath = CliOptions.Path("--model", "FILE|sphinx-en-us|DIR", ModelChoice.Help);
        var output = CliOptions.NonEmpty(new Option<string>("--out") { Description = "The offset table to write.", HelpName = "FILE", Required = true });
        var engine = CliOptions.Engine("Where the alignments run.");
        var threads = CliOptions.Threads();
        var command = new Command("calibrate", "Measures a model's boundary offsets by phone class pair on labelled recordings (what the aligner subtracts).")
            { data, modelPath, output, engine, threads };
        command.SetAction(p => Run(context, p.GetValue(data)!, p.GetValue(modelPath), p.GetValue(output)!, p.GetValue(engine), p.GetValue(threads)));
        return CliOptions.LastWins(command);
    }

    private static int Run(CliContext context, string dataDir, string? modelSpec, string outPath, string? engineName, int threads)
    {
        if (!Directory.Exists(dataDir)) throw new ArgumentException($"calibrate: {dataDir}: no such folder.");
        OutputFile.CheckFile("calibrate", outPath);
        var model = ModelChoice.Load("calibrate", modelSpec);
        var utterances = new List<TrainingUtterance>();
        int problems = 0;
        foreach (string wav in Directory.GetFiles(dataDir, "*.wav").OrderBy(f => f, StringComparer.Ordinal))
        {
            string? labels = LabelExtensions.Select(e => Path.ChangeExtension(wav, e)).FirstOrDefault(File.Exists);
            if (labels is null) continue;
            try
            {
                var audio = WavReader.Read(wav, model.FrontEnd.SampleRate);
                utterances.Add(new TrainingUtterance(Path.GetFileNameWithoutExtension(wav), audio.Samples, InputFile.ReadLabels(labels)));
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or WavFormatException)
            {
                context.Err.WriteLine($"hmm: calibrate: {e.Message}");
                problems++;
            }
        }
        if (utterances.Count == 0) throw new ArgumentException($"calibrate: {dataDir} holds no X.wav with X.lab (or X.TextGrid, X.json) beside it.");
        var engine = EngineChoice.Create("calibrate", engineName, threads, context.Environment, out string engineDescription, warnings: context.Err);
        try
        {
            var offsets = BoundaryOffsetCalibration.Measure(model, utterances, new ForcedAlignerOptions { Engine = engine, MaxDegreeOfParallelism = threads }, out int measured);
            string? fingerprint = (model as SphinxAcousticModel)?.Fingerprint;
            var comments = new[]
            {
                "hmm boundary offsets: median of hypothesis minus reference by phone class pair, in seconds (the aligner subtracts them)",
                $"model: {model.Description}",
                $"measured on {utterances.Count} recordings of {Path.GetFileName(Path.GetFullPath(dataDir).TrimEnd(Path.DirectorySeparatorChar))}: {measured} boundaries; pairs with fewer than {BoundaryOffsetCalibration.MinimumBoundaries} are left at 0",
            };
            OutputFile.WriteText(outPath, BoundaryOffsetTable.Format(offsets, fingerprint, comments));
            int pairs = offsets.Cast<float>().Count(o => o != 0);
            context.Err.WriteLine(string.Format(CultureInfo.InvariantCulture, "calibrate: {0} boundaries of {1} recordings; offsets for {2} class pairs, written to {3} ({4})",
                measured, utterances.Count, pairs, outPath, engineDescription));
            return problems > 0 ? 1 : 0;
        }
        finally
        {
            (engine as IDisposable)?.Dispose();
        }
    }
}

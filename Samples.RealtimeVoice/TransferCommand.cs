using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using Hmm.Speech;
using Hmm.Speech.Training;

namespace Samples.RealtimeVoice;

/// <summary>
/// `hmm transfer SRC.wav SRC.lab DST.wav --out DST.lab`, or `hmm transfer SRCDIR DSTDIR --out OUTDIR` (pairs by file name:
/// SRCDIR/X.wav with its labels X.lab/.TextGrid/.json, DSTDIR/X.wav): carries phone labels from one recording of a
/// sentence to another recording of the same words through dynamic time warping of their features
/// (<see cref="LabelTransfer"/>). Exit code 1 when some files of a folder failed (each named on stderr), 2 for usage errors.
/// </summary>
internal static class TransferCommand
{
    private static readonly string[] LabelExtensions = [".lab", ".TextGrid", ".json"];

    /// <summary>The `transfer` verb: its arguments, options, help and action.</summary>
    internal static Command Create(CliContext context)
    {
        var inputs = CliOptions.RejectOptionLikeValues(new Argument<string[]>("INPUTS")
        {
            Description = "SRC.wav SRC.lab DST.wav (one pair), or SRCDIR DSTDIR (every X.wav in DSTDIR whose name is in SRCDIR with labels).",
            Arity = new ArgumentArity(2, 3),
        });
        var output = CliOptions.Path("--out", "FILE|DIR", "The destination's labels: a file for one pair (format by extension: .lab, .TextGrid, .json), a folder for two folders (X.lab each).");
        output.Required = true;
        var features = new Option<string>("--features")
        {
            Description = "What --method dtw compares: 'posteriorgram' (the acoustic model's phone posteriors, the default), 'mfcc' (MFCCs with deltas, normalised per utterance) or 'raw-mfcc'.",
            DefaultValueFactory = _ => "posteriorgram",
            HelpName = "KIND",
        };
        features.AcceptOnlyFromAmong("posteriorgram", "mfcc", "raw-mfcc");
        var method = new Option<string>("--method")
        {
            Description = "'dtw' (default): dynamic time warping between the recordings; 'align': forced alignment of the destination to the source labels' phone sequence (the acoustic model's timing, not the source's); 'linear': scale every boundary by the ratio of the lengths (a baseline).",
            DefaultValueFactory = _ => "dtw",
            HelpName = "METHOD",
        };
        method.AcceptOnlyFromAmong("dtw", "align", "linear");
        var modelPath = CliOptions.Path("--model", "FILE", "Acoustic model for the front end and the posteriorgram (default: the one embedded in Hmm.Speech).");
        var command = new Command("transfer", "Carry phone labels from one recording of a sentence to another (another voice, another timing) by dynamic time warping.")
        {
            inputs, output, features, method, modelPath,
        };
        command.SetAction(p => Run(context, p.GetValue(inputs)!, p.GetValue(output)!, Kind(p.GetValue(features)!), p.GetValue(method)!, p.GetValue(modelPath)));
        return CliOptions.LastWins(command);
    }

    private static TransferFeatures Kind(string name) => name switch
    {
        "mfcc" => TransferFeatures.Mfcc,
        "raw-mfcc" => TransferFeatures.RawMfcc,
        _ => TransferFeatures.Posteriorgram,
    };

    private static int Run(CliContext context, string[] inputs, string output, TransferFeatures features, string method, string? modelPath)
    {
        var model = ModelChoice.Load("transfer", modelPath);
        var transfer = new LabelTransfer(model);
        if (inputs.Length == 3)
        {
            var format = LabelFile.FormatOf(output) ?? throw new ArgumentException($"transfer: --out {output}: unknown label file extension; expected .lab, .TextGrid or .json.");
            OutputFile.CheckFile("transfer", output);
            var segments = method == "align"
                ? Aligned(model, [Read(transfer, "pair", inputs[0], inputs[1], inputs[2])])[0] ?? throw new InvalidDataException($"{inputs[2]}: forced alignment failed.")
                : One(transfer, inputs[0], inputs[1], inputs[2], features, method == "linear");
            OutputFile.WriteText(output, LabelFile.Format(segments, format));
            context.Out.WriteLine($"transfer: {segments.Count} segments -> {output}");
            return 0;
        }
        string srcDir = inputs[0], dstDir = inputs[1];
        foreach (string dir in new[] { srcDir, dstDir })
            if (!Directory.Exists(dir)) throw new ArgumentException($"transfer: {dir}: no such folder (two arguments are SRCDIR DSTDIR; one pair is SRC.wav SRC.lab DST.wav).");
        OutputFile.CheckFolder("transfer", output);
        var wavs = Directory.GetFiles(dstDir, "*.wav").OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (wavs.Count == 0) throw new ArgumentException($"transfer: {dstDir}: holds no .wav files.");
        int done = 0, problems = 0;
        var pending = new List<(string Stem, AlignmentInput Input)>();
        foreach (string dst in wavs)
        {
            string stem = Path.GetFileNameWithoutExtension(dst);
            string src = Path.Combine(srcDir, stem + ".wav");
            string? lab = LabelExtensions.Select(e => Path.Combine(srcDir, stem + e)).FirstOrDefault(File.Exists);
            if (!File.Exists(src) || lab is null)
            {
                context.Err.WriteLine($"hmm: transfer: {dst}: no {stem}.wav with labels ({stem}.lab/.TextGrid/.json) in {srcDir}.");
                problems++;
                continue;
            }
            try
            {
                if (method == "align")
                {
                    pending.Add((stem, Read(transfer, stem, src, lab, dst)));
                    continue;
                }
                var segments = One(transfer, src, lab, dst, features, method == "linear");
                OutputFile.WriteText(Path.Combine(output, stem + ".lab"), LabelFile.Format(segments, LabelFormat.Lab));
                done++;
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException or IOException)
            {
                context.Err.WriteLine($"hmm: transfer: {stem}: {e.Message}");
                problems++;
            }
        }
        if (pending.Count > 0)
        {
            var aligned = Aligned(model, pending.Select(p => p.Input).ToList());
            for (int i = 0; i < pending.Count; i++)
            {
                if (aligned[i] is null)
                {
                    context.Err.WriteLine($"hmm: transfer: {pending[i].Stem}: forced alignment failed.");
                    problems++;
                    continue;
                }
                OutputFile.WriteText(Path.Combine(output, pending[i].Stem + ".lab"), LabelFile.Format(aligned[i]!, LabelFormat.Lab));
                done++;
            }
        }
        context.Out.WriteLine($"transfer: {done} of {wavs.Count} files -> {output}" + (problems > 0 ? $"; {problems} failed" : ""));
        return problems > 0 ? 1 : 0;
    }

    /// <summary>The destination's audio with the source labels' phones as its transcript (for --method align).</summary>
    private static AlignmentInput Read(LabelTransfer transfer, string name, string srcWav, string srcLab, string dstWav)
    {
        foreach (string path in new[] { srcWav, srcLab, dstWav }) InputFile.RefuseEmptyOrSpecial(path);
        var labels = InputFile.ReadLabels(srcLab);
        var source = ReadWav(srcWav, transfer.SampleRate);
        try
        {
            LabelTransfer.Linear(labels, source.DurationSeconds, source.DurationSeconds); // the same coverage check as the other methods
        }
        catch (ArgumentException e) when (e.ParamName == "labels")
        {
            throw new InvalidDataException($"{srcLab}: {e.Message.Replace(" (Parameter 'labels')", "", StringComparison.Ordinal)} ({srcWav})");
        }
        var destination = ReadWav(dstWav, transfer.SampleRate);
        return new AlignmentInput(name, destination.Samples, PhoneSequence.Parse(string.Join(" ", labels.Select(l => l.Phone))));
    }

    /// <summary>Forced alignment of the inputs in one call (the model adapts to all of them, as `hmm align` does); null where one failed.</summary>
    private static IReadOnlyList<PhoneSegment>?[] Aligned(IAcousticModel model, IReadOnlyList<AlignmentInput> inputs) =>
        new ForcedAligner(model).Align(inputs).Select(o => o.Succeeded ? o.Segments : null).ToArray();

    private static IReadOnlyList<PhoneSegment> One(LabelTransfer transfer, string srcWav, string srcLab, string dstWav, TransferFeatures features, bool linear)
    {
        foreach (string path in new[] { srcWav, srcLab, dstWav }) InputFile.RefuseEmptyOrSpecial(path);
        var labels = InputFile.ReadLabels(srcLab);
        var source = ReadWav(srcWav, transfer.SampleRate);
        var destination = ReadWav(dstWav, transfer.SampleRate);
        try
        {
            return linear
                ? LabelTransfer.Linear(labels, source.DurationSeconds, destination.DurationSeconds)
                : transfer.Transfer(source.Samples, labels, destination.Samples, features);
        }
        catch (ArgumentException e) when (e.ParamName == "labels")
        {
            throw new InvalidDataException($"{srcLab}: {e.Message.Replace(" (Parameter 'labels')", "", StringComparison.Ordinal)} ({srcWav})");
        }
    }

    private static WavAudio ReadWav(string path, int sampleRate)
    {
        try
        {
            return WavReader.Read(path, sampleRate);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or EndOfStreamException or FormatException)
        {
            throw new InvalidDataException(e.Message.Contains(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}", e);
        }
    }
}

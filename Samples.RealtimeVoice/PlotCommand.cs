using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using Hmm.Speech.Training;
using Hmm.Speech;
using Hmm.Speech.Audio;
using ScottPlot;

namespace Samples.RealtimeVoice;

/// <summary>
/// `hmm plot X.wav [X.lab ...] --out X.png [--pitch]`: the waveform, a log-mel spectrogram, with --pitch the F0 track
/// (<see cref="PitchTracker"/>, voiced frames only) and one phone tier per label file (e.g. reference against hypothesis)
/// on a shared time axis, drawn with ScottPlot.
/// </summary>
internal static class PlotCommand
{
    /// <summary>Runs `hmm plot ARGS` as the program does (usage errors: "hmm: ..." on stderr and exit code 2).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Cli.Run(["plot", .. args], stdout, stderr, Environment.GetEnvironmentVariable);

    /// <summary>The `plot` verb: its arguments, options, help and action.</summary>
    internal static Command Create(CliContext context)
    {
        var wavArgument = CliOptions.RejectOptionLikeValues(new Argument<string>("X.wav") { Description = "The WAV file to draw." });
        var labels = CliOptions.RejectOptionLikeValues(new Argument<string[]>("X.lab") { Description = "Label files, one phone tier each (e.g. reference, then hypothesis).", Arity = ArgumentArity.ZeroOrMore });
        var outPath = CliOptions.NonEmpty(new Option<string>("--out") { Description = "The PNG file to write.", Required = true, HelpName = "X.png" });
        var width = CliOptions.Int("--width", 1600, 200, 20000, "Image width in pixels.");
        var height = CliOptions.OptionalInt("--height", 200, 20000, "Image height in pixels (default: 300, plus 80 per label file, plus 120 with --pitch).");
        var pitch = CliOptions.Flag("--pitch", "Add an F0 panel: the pitch track (YIN, 75..600 Hz, 10 ms hop) of the voiced frames, its range in Hz written beside it.");
        var command = new Command("plot", "Waveform, spectrogram, optionally the F0 track, and one phone tier per label file, as a PNG.") { wavArgument, labels, outPath, width, height, pitch };
        command.SetAction(p =>
        {
            var labelPaths = p.GetValue(labels) ?? Array.Empty<string>();
            bool withPitch = p.GetValue(pitch);
            return Run(context, p.GetValue(wavArgument)!, labelPaths, p.GetValue(outPath)!, p.GetValue(width), p.GetValue(height) ?? 300 + 80 * labelPaths.Length + (withPitch ? 120 : 0), withPitch);
        });
        return CliOptions.LastWins(command);
    }

    internal static int Run(CliContext context, string wav, string[] labelPaths, string outPath, int width, int height, bool withPitch = false)
    {
        OutputFile.CheckFile("plot", outPath);
        var audio = WavReader.Read(wav, 16000);
        if (audio.Samples.Length == 0) throw new ArgumentException($"plot: {wav}: the audio is empty.");
        // Tiers are named "folder/file" so that a reference and a hypothesis of the same name stay apart.
        var tiers = labelPaths.Select(p => (Name: Path.Combine(Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(p))) ?? "", Path.GetFileName(p)), Segments: InputFile.ReadLabels(p))).ToList();
        double duration = audio.DurationSeconds;

        var plot = new Plot();
        // One shared time axis; the panels are stacked bands of the y axis: tiers at the bottom (one unit each),
        // the spectrogram above them (3 units), the F0 track with --pitch (2 units), the waveform on top (2 units).
        double specBottom = tiers.Count, specTop = specBottom + 3, pitchTop = specTop + (withPitch ? 2 : 0), waveMid = pitchTop + 1;

        // Waveform as a min/max envelope of at most 4000 columns.
        int columns = Math.Min(4000, audio.Samples.Length);
        var xs = new List<double>(2 * columns);
        var ys = new List<double>(2 * columns);
        float peak = Math.Max(1e-6f, audio.Samples.Max(Math.Abs));
        for (int c = 0; c < columns; c++)
        {
            int from = (int)((long)c * audio.Samples.Length / columns), to = Math.Max(from + 1, (int)((long)(c + 1) * audio.Samples.Length / columns));
            float lo = float.MaxValue, hi = float.MinValue;
            for (int n = from; n < to; n++) { lo = Math.Min(lo, audio.Samples[n]); hi = Math.Max(hi, audio.Samples[n]); }
            double x = from / (double)audio.SampleRate;
            xs.Add(x); ys.Add(waveMid + 0.95 * lo / peak);
            xs.Add(x); ys.Add(waveMid + 0.95 * hi / peak);
        }
        var wave = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray());
        wave.LineWidth = 1;
        // After the waveform, so that it keeps the palette's first colour.
        if (withPitch) DrawPitch(plot, PitchTracker.Track(audio.Samples, audio.SampleRate), specTop, pitchTop);

        // Log-mel spectrogram (80 bands, 5 ms hop), low frequencies at the bottom.
        var options = FrontEndOptions.Default with { Kind = FeatureKind.LogMel, MelFilterCount = 80, DeltaOrder = 0, Normalization = CmvnMode.None, HopLengthMs = 5 };
        var extractor = new FeatureExtractor(options);
        int frames = extractor.FrameCount(audio.Samples.Length);
        if (frames > 0)
        {
            var mel = new float[frames * 80];
            extractor.Extract(audio.Samples, mel);
            var grid = new double[80, frames];
            double max = mel.Max();
            for (int t = 0; t < frames; t++)
                for (int m = 0; m < 80; m++) grid[79 - m, t] = Math.Max(mel[t * 80 + m], max - 18); // 18 nepers ~ 80 dB of range
            var heatmap = plot.Add.Heatmap(grid);
            heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
            heatmap.Rectangle = new CoordinateRect(extractor.FrameCentreSeconds(0), extractor.FrameCentreSeconds(frames - 1), specBottom, specTop);
        }

        // Tiers: alternating boxes with the phone names, the first file on top.
        for (int i = 0; i < tiers.Count; i++)
        {
            double top = tiers.Count - i, bottom = top - 1;
            var label = plot.Add.Text(tiers[i].Name, 0, top - 0.05);
            label.LabelFontSize = 11;
            label.LabelAlignment = Alignment.UpperLeft;
            int k = 0;
            foreach (var s in tiers[i].Segments)
            {
                var box = plot.Add.Rectangle(s.Start, s.End, bottom + 0.05, top - 0.3);
                box.FillStyle.Color = (k++ % 2 == 0 ? Colors.SteelBlue : Colors.LightSkyBlue).WithAlpha(0.5);
                box.LineStyle.Color = Colors.Black;
                var text = plot.Add.Text(s.Phone, (s.Start + s.End) / 2, (bottom + top - 0.25) / 2);
                text.LabelFontSize = 12;
                text.LabelAlignment = Alignment.MiddleCenter;
            }
        }
        plot.Axes.SetLimits(0, duration, 0, waveMid + 1);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual();
        plot.XLabel("time (s)");
        plot.Title(Path.GetFileName(wav));
        OutputFile.WriteVia(outPath, temp => plot.SavePng(temp, width, height));
        context.Out.WriteLine($"wrote {outPath} ({width}x{height})");
        return 0;
    }

    /// <summary>
    /// The F0 panel between <paramref name="bottom"/> and <paramref name="top"/>: each voiced run as a line, scaled to the
    /// track's own range (printed at the panel's left), so that intonation shows whatever the voice's register.
    /// </summary>
    private static void DrawPitch(Plot plot, PitchTrack track, double bottom, double top)
    {
        var f0 = track.F0.ToArray();
        var voiced = f0.Where(f => f > 0).ToArray();
        string range = voiced.Length == 0 ? "F0: no voiced frames" : $"F0 {voiced.Min():0}..{voiced.Max():0} Hz";
        var label = plot.Add.Text(range, 0, top - 0.05);
        label.LabelFontSize = 11;
        label.LabelAlignment = Alignment.UpperLeft;
        if (voiced.Length == 0) return;
        double lo = voiced.Min(), hi = Math.Max(voiced.Max(), lo + 1);
        double Y(float f) => bottom + 0.1 + 1.6 * (f - lo) / (hi - lo);
        for (int k = 0; k < f0.Length;)
        {
            if (f0[k] == 0) { k++; continue; }
            int end = k;
            while (end < f0.Length && f0[end] > 0) end++;
            var xs = Enumerable.Range(k, end - k).Select(i => track.TimeOf(i)).ToArray();
            var ys = Enumerable.Range(k, end - k).Select(i => Y(f0[i])).ToArray();
            var run = plot.Add.ScatterLine(xs, ys);
            run.LineWidth = 2;
            run.MarkerSize = end - k == 1 ? 3 : 0; // a one-frame run has no line to draw
            run.Color = Colors.OrangeRed;
            k = end;
        }
    }
}

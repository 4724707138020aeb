using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Hmm.Speech;
using Hmm.Speech.Audio;
using Hmm.Speech.Training;

namespace Samples.RealtimeVoice;

/// <summary>
/// `hmm train DATA_DIR [DATA_DIR ...] --out MODEL [--states N] [--components K] [--iterations I] [--hop MS] [--floor F]
/// [--slack FRAMES] [--embedded N] [--viterbi] [--phoneset phones.tsv] [--threads N] [--engine auto|cpu|gpu] [--no-offsets]
///`: trains phone models on X.wav + X.lab
/// pairs and writes a model file; prints one line per iteration (log-likelihood per frame, time).
/// </summary>
internal static class TrainCommand
{
    private static readonly string[] Valued = { "--out", "--states", "--components", "--iterations", "--hop", "--floor", "--slack", "--embedded", "--phoneset", "--threads", "--batch", "--speeds", "--noisy", "--reverb", "--engine" };
    private static readonly string[] Flags = { "--viterbi", "--quiet", "--no-offsets" };

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter)"/>, reading environment variables through <paramref name="environment"/>.</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment)
    {
        var a = new CliArguments("train", args, Valued, Flags);
        if (a.Positional.Count == 0) throw new ArgumentException("train: expected DATA_DIR (folders of X.wav + X.lab pairs); usage: hmm train DATA_DIR [...] --out MODEL");
        string outPath = a.Get("--out") ?? throw new ArgumentException("train: --out MODEL is required.");
        int threads = a.GetInt("--threads", Environment.ProcessorCount, 1, 1024);
        var phones = a.Get("--phoneset") is string ps ? PhoneSet.Load(ps) : PhoneSet.Default;
        var options = new TrainingOptions
        {
            FrontEnd = FrontEndOptions.Default with { HopLengthMs = a.GetDouble("--hop", 5, 1, 25) },
            Phones = phones,
            StatesPerPhone = a.GetInt("--states", 5, 1, 10),
            MaxComponents = a.GetInt("--components", 8, 1, 256),
            IterationsPerMixture = a.GetInt("--iterations", 4, 1, 100),
            VarianceFloor = a.GetDouble("--floor", 0.01, 1e-6, 0.99),
            BoundarySlackFrames = a.GetInt("--slack", 1, 0, 1000),
            EmbeddedIterations = a.GetInt("--embedded", 0, 0, 100),
            Mode = a.Has("--viterbi") ? ReestimationMode.Viterbi : ReestimationMode.BaumWelch,
            BatchSize = a.GetInt("--batch", 16, 1, 4096),
            SpeedFactors = ParseList(a.Get("--speeds") ?? "0.8,0.85,0.9,0.95,1,1.05,1.1,1.15,1.2,1.25"),
            NoisyCopies = a.GetInt("--noisy", 1, 0, 100),
            ReverberantCopies = a.GetInt("--reverb", 1, 0, 100),
            MeasureBoundaryOffsets = !a.Has("--no-offsets"),
            MaxDegreeOfParallelism = threads,
        };
        bool quiet = a.Has("--quiet");

        var pairs = new List<(string Wav, string Lab)>();
        foreach (string dir in a.Positional)
        {
            if (!Directory.Exists(dir)) throw new ArgumentException($"train: {dir}: no such folder.");
            foreach (string wav in Directory.GetFiles(dir).Where(f => f.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)).OrderBy(f => f, StringComparer.Ordinal))
            {
                string lab = Path.ChangeExtension(wav, ".lab");
                if (!File.Exists(lab)) throw new ArgumentException($"train: {wav} has no label file {Path.GetFileName(lab)} beside it.");
                pairs.Add((wav, lab));
            }
        }
        if (pairs.Count == 0) throw new ArgumentException($"train: no X.wav + X.lab pairs in {string.Join(", ", a.Positional)}.");

        string? engineName = a.Get("--engine");
        if (engineName is not null and not ("auto" or "cpu" or "gpu")) throw new ArgumentException($"train: --engine must be auto, cpu or gpu (got '{engineName}').");
        var engine = EngineChoice.Create("train", engineName, threads, environment, out string engineDescription, warnings: stderr);
        try
        {
            return Train(a, pairs, options with { Engine = engine }, engineDescription, quiet, outPath, stdout);
        }
        finally
        {
            (engine as IDisposable)?.Dispose();
        }
    }

    private static int Train(CliArguments a, List<(string Wav, string Lab)> pairs, TrainingOptions options, string engine, bool quiet, string outPath, TextWriter stdout)
    {
        int threads = options.MaxDegreeOfParallelism;
        var watch = Stopwatch.StartNew();
        var data = new TrainingUtterance[pairs.Count];
        Parallel.For(0, pairs.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            var audio = WavReader.Read(pairs[i].Wav, options.FrontEnd.SampleRate);
            data[i] = new TrainingUtterance(pairs[i].Wav, audio.Samples, LabelFile.Read(pairs[i].Lab));
        });
        double seconds = data.Sum(u => u.Samples.Length) / (double)options.FrontEnd.SampleRate;
        var inv = CultureInfo.InvariantCulture;
        if (!quiet) stdout.WriteLine(string.Format(inv, "training on {0} utterances ({1:0.0} s of audio) from {2}; engine {3}", data.Length, seconds, string.Join(", ", a.Positional), engine));
        var progress = new SyncProgress<TrainingProgress>(p =>
        {
            if (quiet) return;
            stdout.WriteLine(string.Format(inv, "iteration {0,2}  {1,3} components  {2}  log-likelihood/frame {3,9:0.000}  {4,6:0.00} s{5}",
                p.Iteration, p.Components, p.Embedded ? "embedded " : "label-confined", p.LogLikelihoodPerFrame, p.Seconds,
                p.SkippedUtterances > 0 ? $"  ({p.SkippedUtterances} utterances skipped: no path)" : ""));
        });
        var model = AcousticModelTrainer.Train(data, options, progress);
        string? dir2 = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (dir2 is not null) Directory.CreateDirectory(dir2);
        model.Save(outPath);
        if (!quiet)
        {
            stdout.WriteLine(string.Format(inv, "wrote {0} ({1:0} KB) in {2:0.0} s total", outPath, new FileInfo(outPath).Length / 1024.0, watch.Elapsed.TotalSeconds));
            stdout.WriteLine(model.Description);
        }
        return 0;
    }

    private static double[] ParseList(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !(values[i] >= 0.5 && values[i] <= 2))
                throw new ArgumentException($"train: --speeds takes comma-separated speeds from 0.5 to 2 (got '{parts[i]}').");
        }
        return values;
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Hmm.Speech;
using Hmm.Speech.Audio;
using Hmm.Speech.Training;
using Spectre.Console;

namespace Samples.RealtimeVoice;

/// <summary>
/// `hmm train DATA_DIR [DATA_DIR ...] --out MODEL`: trains phone models on X.wav + X.lab pairs and writes a model file;
/// prints one line per iteration (log-likelihood per frame, time). The options and their help are defined once, in <see cref="Create"/>.
/// </summary>
internal static class TrainCommand
{
    private const string DefaultSpeeds = "0.8,0.85,0.9,0.95,1,1.05,1.1,1.15,1.2,1.25";

    /// <summary>Runs `hmm train ARGS` as the program does (usage errors: "hmm: ..." on stderr and exit code 2).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter)"/>, reading environment variables through <paramref name="environment"/>.</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment) =>
        Cli.Run(["train", .. args], stdout, stderr, environment);

    /// <summary>The `train` verb: its arguments, options, help and action.</summary>
    internal static Command Create(CliContext context)
    {
        var dataDirs = CliOptions.RejectOptionLikeValues(new Argument<string[]>("DATA_DIR") { Description = "Folders of X.wav + X.lab pairs.", Arity = ArgumentArity.OneOrMore });
        var outPath = CliOptions.NonEmpty(new Option<string>("--out") { Description = "The model file to write.", Required = true, HelpName = "MODEL" });
        var states = CliOptions.Int("--states", 5, 1, 10, "HMM states per phone.");
        var components = CliOptions.Int("--components", 8, 1, 256, "Gaussian components per state, reached by splitting.");
        var iterations = CliOptions.Int("--iterations", 4, 1, 100, "Re-estimation iterations per mixture size.");
        var hop = CliOptions.Double("--hop", 5, 1, 25, "Frame hop in milliseconds.", "MS");
        var deltaWindow = CliOptions.Int("--delta-window", FrontEndOptions.Default.DeltaWindow, 1, 5,
            "Delta regression half-window in frames; the live processor waits 2 x this many frames for a frame's deltas.");
        var noiseRemoval = new Option<string>("--noise-removal") { Description = "Noise removal on the mel energies (CMU Sphinx's scheme), stored in the model: on or off.", DefaultValueFactory = _ => "off", HelpName = "on|off" };
        noiseRemoval.AcceptOnlyFromAmong("on", "off");
        var floor = CliOptions.Double("--floor", 0.01, 1e-6, 0.99, "Variance floor, as a share of the global variance.", "F");
        var slack = CliOptions.Int("--slack", 1, 0, 1000, "Frames a label boundary may move during label-confined training.");
        var embedded = CliOptions.Int("--embedded", 0, 0, 100, "Embedded re-estimation iterations after the label-confined ones.");
        var viterbi = CliOptions.Flag("--viterbi", "Viterbi re-estimation instead of Baum-Welch.");
        var phoneset = CliOptions.Path("--phoneset", "FILE", "Phone set (phones.tsv; default: the built-in one).");
        var threads = CliOptions.Threads();
        var batch = CliOptions.Int("--batch", 16, 1, 4096, "Utterances per engine call.");
        var speeds = new Option<string>("--speeds") { Description = "Speed-perturbed copies of every utterance: comma-separated speeds from 0.5 to 2.", DefaultValueFactory = _ => DefaultSpeeds, HelpName = "S,S,..." };
        speeds.Validators.Add(result =>
        {
            foreach (string part in (result.GetValueOrDefault<string>() ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v >= 0.5 && v <= 2))
                {
                    result.AddError($"--speeds takes comma-separated speeds from 0.5 to 2 (got '{part}').");
                    return;
                }
            }
        });
        var noisy = CliOptions.Int("--noisy", 1, 0, 100, "Noisy copies of every utterance.");
        var reverb = CliOptions.Int("--reverb", 1, 0, 100, "Reverberant copies of every utterance.");
        var engineName = CliOptions.Engine("auto takes the GPU engine where a CUDA device exists, else the SIMD CPU engine.");
        var noOffsets = CliOptions.Flag("--no-offsets", "Do not measure the model's boundary offsets (used by align to correct boundaries).");
        var quiet = CliOptions.Flag("--quiet", "No progress lines.");
        var durations = new Option<string>("--durations")
        {
            Description = "Also learn per-phone duration distributions of this family from the training labels and store them with the model (for hmm align --durations).",
            HelpName = "gamma|lognormal|poisson|nonparametric",
        };
        durations.Validators.Add(result =>
        {
            string? v = result.GetValueOrDefault<string>();
            try { PhoneDurations.ParseFamily(v!); }
            catch (ArgumentException) { result.AddError($"--durations must be gamma, lognormal, poisson or nonparametric (got '{v}')."); }
        });

        var command = new Command("train", "Trains phone models on X.wav + X.lab pairs and writes a model file.")
        {
            dataDirs, outPath, states, components, iterations, hop, deltaWindow, noiseRemoval, floor, slack, embedded, viterbi, phoneset, threads, batch, speeds, noisy, reverb,
            engineName, noOffsets, quiet, durations,
        };
        command.SetAction(p =>
        {
            int threadCount = p.GetValue(threads);
            var options = new TrainingOptions
            {
                FrontEnd = FrontEndOptions.Default with { HopLengthMs = p.GetValue(hop), DeltaWindow = p.GetValue(deltaWindow), NoiseRemoval = p.GetValue(noiseRemoval) == "on" },
                Phones = p.GetValue(phoneset) is string ps ? PhoneSet.Load(ps) : PhoneSet.Default,
                StatesPerPhone = p.GetValue(states),
                MaxComponents = p.GetValue(components),
                IterationsPerMixture = p.GetValue(iterations),
                VarianceFloor = p.GetValue(floor),
                BoundarySlackFrames = p.GetValue(slack),
                EmbeddedIterations = p.GetValue(embedded),
                Mode = p.GetValue(viterbi) ? ReestimationMode.Viterbi : ReestimationMode.BaumWelch,
                BatchSize = p.GetValue(batch),
                SpeedFactors = ParseList(p.GetValue(speeds)!),
                NoisyCopies = p.GetValue(noisy),
                ReverberantCopies = p.GetValue(reverb),
                MeasureBoundaryOffsets = !p.GetValue(noOffsets),
                MaxDegreeOfParallelism = threadCount,
                Durations = p.GetValue(durations) is string family ? PhoneDurations.ParseFamily(family) : null,
            };
            return Run(context, p.GetValue(dataDirs)!, p.GetValue(outPath)!, options, p.GetValue(engineName), p.GetValue(quiet));
        });
        return CliOptions.LastWins(command);
    }

    private static int Run(CliContext context, string[] dataDirs, string outPath, TrainingOptions options, string? engineName, bool quiet)
    {
        var stderr = context.Err;

        var pairs = new List<(string Wav, string Lab)>();
        foreach (string dir in dataDirs)
        {
            if (!Directory.Exists(dir)) throw new ArgumentException($"train: {dir}: no such folder.");
            foreach (string wav in Directory.GetFiles(dir).Where(f => f.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)).OrderBy(f => f, StringComparer.Ordinal))
            {
                string lab = Path.ChangeExtension(wav, ".lab");
                if (!File.Exists(lab)) throw new ArgumentException($"train: {wav} has no label file {Path.GetFileName(lab)} beside it.");
                pairs.Add((wav, lab));
            }
        }
        if (pairs.Count == 0) throw new ArgumentException($"train: no X.wav + X.lab pairs in {string.Join(", ", dataDirs)}.");
        OutputFile.CheckFile("train", outPath);

        var engine = EngineChoice.Create("train", engineName, options.MaxDegreeOfParallelism, context.Environment, out string engineDescription, warnings: stderr);
        try
        {
            return Train(context, dataDirs, pairs, options with { Engine = engine }, engineDescription, quiet, outPath);
        }
        finally
        {
            (engine as IDisposable)?.Dispose();
        }
    }

    private static int Train(CliContext context, string[] dataDirs, List<(string Wav, string Lab)> pairs, TrainingOptions options, string engine, bool quiet, string outPath)
    {
        var stdout = context.Out;
        var watch = Stopwatch.StartNew();
        if (quiet || !context.ErrorIsTerminal) return Train(dataDirs, pairs, options, engine, quiet, outPath, stdout.WriteLine, null, watch);
        // On a terminal: a live line on stderr (files read, then the current iteration). Where stdout is the same terminal
        // the iteration lines go through that console, which prints them above the live line instead of through it.
        int code = 0;
        var console = CliConsole.Over(context.Err);
        console.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"reading {pairs.Count} files", maxValue: pairs.Count);
                Action<string> line = context.OutputIsTerminal ? console.WriteLine : stdout.WriteLine;
                code = Train(dataDirs, pairs, options, engine, quiet, outPath, line, (text, read) =>
                {
                    if (read) task.Increment(1);
                    else
                    {
                        task.Description = Markup.Escape(text);
                        task.IsIndeterminate = true;
                    }
                }, watch);
            });
        return code;
    }

    /// <summary>Reads the pairs, trains, writes the model; <paramref name="live"/> hears of each file read (true) and each stage (false).</summary>
    private static int Train(string[] dataDirs, List<(string Wav, string Lab)> pairs, TrainingOptions options, string engine, bool quiet, string outPath,
        Action<string> line, Action<string, bool>? live, Stopwatch watch)
    {
        int threads = options.MaxDegreeOfParallelism;
        var data = new TrainingUtterance[pairs.Count];
        Parallel.For(0, pairs.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            var audio = WavReader.Read(pairs[i].Wav, options.FrontEnd.SampleRate);
            var labels = InputFile.ReadLabels(pairs[i].Lab);
            // Checked here, where the label file is known: the trainer names only the utterance (and its speed copy).
            int unknown = labels.ToList().FindIndex(l => !options.Phones.Contains(l.Phone));
            if (unknown >= 0)
            {
                throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture, "{0}: label {1} ('{2}' at {3:0.000} s) is not in the phone set ({4}).",
                    pairs[i].Lab, unknown + 1, labels[unknown].Phone, labels[unknown].Start, string.Join(" ", options.Phones.Phones)));
            }
            data[i] = new TrainingUtterance(pairs[i].Wav, audio.Samples, labels);
            live?.Invoke("", true);
        });
        double seconds = data.Sum(u => u.Samples.Length) / (double)options.FrontEnd.SampleRate;
        var inv = CultureInfo.InvariantCulture;
        if (!quiet) line(string.Format(inv, "training on {0} utterances ({1:0.0} s of audio) from {2}; engine {3}", data.Length, seconds, string.Join(", ", dataDirs), engine));
        live?.Invoke("training: first iteration", false);
        var progress = new SyncProgress<TrainingProgress>(p =>
        {
            if (quiet) return;
            line(string.Format(inv, "iteration {0,2}  {1,3} components  {2}  log-likelihood/frame {3,9:0.000}  {4,6:0.00} s{5}",
                p.Iteration, p.Components, p.Embedded ? "embedded " : "label-confined", p.LogLikelihoodPerFrame, p.Seconds,
                p.SkippedUtterances > 0 ? $"  ({p.SkippedUtterances} utterances skipped: no path)" : ""));
            live?.Invoke(string.Format(inv, "training: iteration {0} done ({1} components)", p.Iteration, p.Components), false);
        });
        var model = AcousticModelTrainer.Train(data, options, progress);
        OutputFile.WriteVia(outPath, model.Save);
        if (!quiet)
        {
            line(string.Format(inv, "wrote {0} ({1:0} KB) in {2:0.0} s total", outPath, new FileInfo(outPath).Length / 1024.0, watch.Elapsed.TotalSeconds));
            line(model.Description);
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

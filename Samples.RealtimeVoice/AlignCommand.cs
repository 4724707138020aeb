using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using System.CommandLine;
using Hmm;
using Hmm.Speech.Training;
using Hmm.Speech;
using Hmm.Speech.Audio;
using Spectre.Console;

namespace Samples.RealtimeVoice;

/// <summary>
/// `hmm align INPUT`: forced alignment of one WAV file (prints its phone table) or of a folder of X.wav + X.phones / X.txt
/// pairs (writes DIR/X.lab etc.; a progress bar on an interactive stderr and a summary line with the time of each stage).
/// A file that cannot be aligned is reported on stderr and the exit code is 1, but every other file's result is still
/// written. The options and their help are defined once, in <see cref="Create"/>.
/// </summary>
internal static class AlignCommand
{
    /// <summary>
    /// Files read, aligned and written per round (bounds memory for large folders). It is also the set of files the mean
    /// adaptation pools, so it is the same for every engine and batch size: the labels do not depend on them.
    /// </summary>
    private const int ChunkSize = 256;

    /// <summary>Utterances per engine call on the GPU: a whole chunk (the CPU engine's default is 16).</summary>
    private const int GpuBatchSize = ChunkSize;

    /// <summary>Lattice cells per batch on the GPU (2^28: 1 GiB per lattice; the engine splits by its device memory budget).</summary>
    private const long GpuMaxCellsPerBatch = 1L << 28;

    private sealed class Job
    {
        public required string Name { get; init; }
        public required string WavPath { get; init; }
        public string? PhonesPath { get; init; }
        public string? TextPath { get; init; }
        public string? Error { get; set; }
        public string? Transcript { get; set; }
        /// <summary>False where another input writes the same output name (x.wav and x.WAV): a failure must not remove that one's label.</summary>
        public bool OwnsOutput { get; set; } = true;
        /// <summary>A transcript beside the WAV that is not used because X.phones is (said in a note: the two may disagree).</summary>
        public string? IgnoredText { get; init; }
        /// <summary>How far its alignment can be trusted (null until aligned).</summary>
        public AlignmentConfidence? Confidence { get; set; }
    }

    /// <summary>One pass over the input: what was aligned, and how long each stage took.</summary>
    private sealed class Pass
    {
        public List<Job> Jobs { get; } = new();
        public List<(Job Job, AlignmentOutcome Outcome)> Results { get; } = new();
        public List<string> Errors { get; } = new();
        public AlignmentTimings Stages { get; } = new();
        public int Failed { get; set; }
        /// <summary>Files whose audio does not look like their transcript (skipped or written with a warning).</summary>
        public int Mismatched { get; set; }

        /// <summary>Files aligned a second time, adapted without the files of their call that do not match their transcripts.</summary>
        public int Realigned { get; set; }
        public double AudioSeconds { get; set; }
        public TimeSpan Read { get; set; }
        public TimeSpan Write { get; set; }
        public TimeSpan Wall { get; set; }
    }

    /// <summary>Runs `hmm align ARGS` as the program does (usage errors: "hmm: ..." on stderr and exit code 2).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter)"/>, reading environment variables through <paramref name="environment"/>.</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment) =>
        Cli.Run(["align", .. args], stdout, stderr, environment);

    /// <summary>The `align` verb: its arguments, options, help and action.</summary>
    internal static Command Create(CliContext context)
    {
        var input = CliOptions.RejectOptionLikeValues(new Argument<string>("INPUT") { Description = "A WAV file, or a folder of X.wav files each with X.phones or X.txt beside it." });
        var phones = CliOptions.Path("--phones", "FILE", "Phone sequence of a single WAV file (default: X.phones beside it).");
        var text = CliOptions.Path("--text", "FILE", "Transcript of a single WAV file (default: X.txt beside it); words are looked up in --dict, unknown words pronounced by rule.");
        var modelPath = CliOptions.Path("--model", "FILE|sphinx-en-us|DIR", ModelChoice.Help);
        var dict = CliOptions.Path("--dict", "FILE", "Pronouncing dictionary for transcripts (default: the dictionary embedded in Hmm.Speech).");
        var format = new Option<string>("--format") { Description = "Label file format.", DefaultValueFactory = _ => "lab", HelpName = "lab|textgrid|json" };
        format.Validators.Add(result =>
        {
            try
            {
                LabelFile.ParseFormat(result.GetValueOrDefault<string>());
            }
            catch (ArgumentException e)
            {
                result.AddError($"--format: {e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal)}");
            }
        });
        var outDir = CliOptions.Path("--out", "DIR", "Folder for the label files (required for a folder; a single file prints its phone table).");
        var quiet = CliOptions.Flag("--quiet", "No progress bar, notes or summary line (errors still go to stderr).");
        var engineName = CliOptions.Engine("auto takes the GPU engine for a folder where a CUDA device exists, else the SIMD CPU engine.");
        var threads = CliOptions.Threads();
        var batch = CliOptions.OptionalInt("--batch", 1, 4096, $"Utterances per engine call (default: {GpuBatchSize} on the GPU engine, 16 on the CPU engine); the labels do not depend on it.");
        var adapt = CliOptions.Int("--adapt", 2, 0, 100, "Rounds of adaptation of the model's means to the files being aligned.");
        var tau = CliOptions.Double("--tau", 10, 1e-3, 1e9, "Prior weight of the MAP adaptation (higher: closer to the model).", "T");
        var pause = CliOptions.Double("--pause", 0.5, 1e-6, 1 - 1e-6, "Probability of an optional pause between words.", "P");
        var noOffsets = CliOptions.Flag("--no-offsets", "Do not correct boundaries by the model's measured boundary offsets.");
        var viterbiBoundaries = CliOptions.Flag("--viterbi-boundaries", "Place boundaries on the Viterbi path instead of at their posterior mean.");
        var timing = CliOptions.Flag("--timing", "Print the summary line (files, audio seconds, wall seconds, x real time, time per stage) even with --quiet.");
        var repeat = CliOptions.Int("--repeat", 1, 1, 1000, "Benchmark: align N times in one process (the first pass is the warm-up) and report the best and median of the others.");
        var mllr = new Option<string>("--mllr")
        {
            Description = "In each adaptation round, also estimate MLLR mean transforms mu' = A mu + b from the files being aligned: one (global) " +
                "or one per phone class (classes: silence, vowels, consonants); none keeps MAP alone.",
            DefaultValueFactory = _ => "none", HelpName = "none|global|classes",
        };
        mllr.Validators.Add(result =>
        {
            string? v = result.GetValueOrDefault<string>();
            if (v is not ("none" or "global" or "classes")) result.AddError($"--mllr must be none, global or classes (got '{v}').");
        });
        var mllrRidge = CliOptions.Double("--mllr-ridge", 0.01, 1e-9, 1e9, "Pull of the MLLR estimate toward the identity, as a share of each row's data weight.", "R");
        var noMap = CliOptions.Flag("--no-map", "Skip the per-Gaussian MAP update of each adaptation round (with --mllr: MLLR alone).");
        var durations = CliOptions.Flag("--durations",
            "Duration-aware alignment: place the phones with an explicit-duration HMM whose per-phone durations the model learned from its training labels (hmm train --durations); the model must have them. Boundaries are the HSMM's Viterbi ones (its posterior means measured worse).");
        var durationScore = new Option<string>("--duration-score")
        {
            Description = "With --durations: best-state (one explicit-duration state per phone, each frame scored by the phone's best state; phones may be one frame long), " +
                "each-state (each of a phone's states an explicit-duration state with a share of the phone's duration; a phone lasts at least as many frames as it has states) or mean-of-states.",
            DefaultValueFactory = _ => "best-state", HelpName = "best-state|each-state|mean-of-states",
        };
        durationScore.Validators.Add(result =>
        {
            string? v = result.GetValueOrDefault<string>();
            if (v is not ("each-state" or "best-state" or "mean-of-states")) result.AddError($"--duration-score must be best-state, each-state or mean-of-states (got '{v}').");
        });
        var durationWeight = CliOptions.Double("--duration-weight", 10, 1e-3, 1e3, "With --durations: weight of the duration log-probabilities against the acoustic scores (higher: phones nearer their learned lengths).", "W");
        var skipMismatched = CliOptions.Flag("--skip-mismatched",
            "Write no labels for a file whose audio does not match its transcript (no speech, or a confidence below the threshold) and count it as failed (exit code 1); without it such a file is written and named on stderr.");

        var command = new Command("align", "Forced alignment of a WAV file (prints its phone table) or of a folder of X.wav + X.phones / X.txt (writes label files).")
        {
            input, phones, text, modelPath, dict, format, outDir, quiet, engineName, threads, batch, adapt, tau, pause,
            noOffsets, viterbiBoundaries, timing, repeat, mllr, mllrRidge, noMap, skipMismatched, durations, durationWeight, durationScore,
        };
        command.SetAction(p => Run(context, new Settings
        {
            Input = p.GetValue(input)!, Phones = p.GetValue(phones), Text = p.GetValue(text), Model = p.GetValue(modelPath), Dict = p.GetValue(dict),
            Format = LabelFile.ParseFormat(p.GetValue(format)!), OutDir = p.GetValue(outDir), Quiet = p.GetValue(quiet), Timing = p.GetValue(timing),
            Engine = p.GetValue(engineName), Threads = p.GetValue(threads), Batch = p.GetValue(batch), Adapt = p.GetValue(adapt), Tau = p.GetValue(tau),
            Pause = p.GetValue(pause), Repeat = p.GetValue(repeat), NoOffsets = p.GetValue(noOffsets), ViterbiBoundaries = p.GetValue(viterbiBoundaries),
            Mllr = ParseMllr(p.GetValue(mllr)), MllrRidge = p.GetValue(mllrRidge), NoMap = p.GetValue(noMap),
            SkipMismatched = p.GetValue(skipMismatched), Durations = p.GetValue(durations), DurationWeight = p.GetValue(durationWeight),
            DurationScore = p.GetValue(durationScore) switch { "each-state" => DurationFrameScore.EachState, "mean-of-states" => DurationFrameScore.MeanOfStates, _ => DurationFrameScore.BestState },
        }));
        return CliOptions.LastWins(command);
    }

    /// <summary>The parsed options of one `hmm align`.</summary>
    private sealed class Settings
    {
        public required string Input { get; init; }
        public string? Phones { get; init; }
        public string? Text { get; init; }
        public string? Model { get; init; }
        public string? Dict { get; init; }
        public LabelFormat Format { get; init; }
        public string? OutDir { get; init; }
        public bool Quiet { get; init; }
        public bool Timing { get; init; }
        public string? Engine { get; init; }
        public int Threads { get; init; }
        public int? Batch { get; init; }
        public int Adapt { get; init; }
        public double Tau { get; init; }
        public double Pause { get; init; }
        public int Repeat { get; init; }
        public bool NoOffsets { get; init; }
        public bool ViterbiBoundaries { get; init; }
        public MllrRegression Mllr { get; init; }
        public double MllrRidge { get; init; }
        public bool NoMap { get; init; }
        public bool SkipMismatched { get; init; }
        public bool Durations { get; init; }
        public double DurationWeight { get; init; }
        public DurationFrameScore DurationScore { get; init; }
    }

    private static int Run(CliContext context, Settings s)
    {
        TextWriter stdout = context.Out, stderr = context.Err;
        string input = s.Input;
        if (s.Phones is not null && s.Text is not null) throw new ArgumentException("align: give --phones or --text, not both.");
        string? outDir = s.OutDir;
        bool quiet = s.Quiet;
        int threads = s.Threads;

        bool folder = Directory.Exists(input);
        if (!folder && !File.Exists(input)) throw new ArgumentException($"align: {input}: no such file or folder.");
        if (folder && (s.Phones is not null || s.Text is not null))
            throw new ArgumentException("align: --phones and --text go with a single WAV file; in a folder each X.wav pairs with X.phones or X.txt.");
        if (folder && outDir is null) throw new ArgumentException("align: a folder needs --out DIR for the label files.");
        if (outDir is not null) OutputFile.CheckFolder("align", outDir);
        using var outLock = outDir is null ? null : OutputFile.LockFolder("align", outDir);

        var setup = Stopwatch.StartNew();
        var model = ModelChoice.Load("align", s.Model);
        PhoneDurations? durations = null;
        if (s.Durations)
        {
            durations = (model as AcousticModel)?.Durations
                ?? throw new ArgumentException($"align: --durations: the model {s.Model ?? AcousticModel.DefaultModelName} has no learned phone durations; train one with hmm train --durations gamma|lognormal|poisson|nonparametric.");
        }

        List<Job> ListJobs() => folder ? FolderJobs(input) : new List<Job> { FileJob(input, s.Phones, s.Text) };
        var firstJobs = ListJobs();
        if (firstJobs.Count == 0) throw new ArgumentException($"align: {input} holds no .wav files.");
        if (outDir is not null) RefuseOverwritingInputs(firstJobs, outDir, s.Format);

        Transcriber? transcriber = null;
        if (firstJobs.Any(j => j.TextPath is not null))
        {
            string? dict = s.Dict;
            if (dict is not null && !File.Exists(dict)) throw new ArgumentException($"align: --dict {dict}: no such file.");
            if (dict is not null) InputFile.RefuseEmptyOrSpecial(dict);
            transcriber = new Transcriber(dict is null ? PronunciationLexicon.LoadDefault() : PronunciationLexicon.Load(dict));
        }

        var engine = EngineChoice.Create("align", s.Engine, threads, context.Environment, out string engineDescription, bulk: folder, warnings: stderr);
        try
        {
            bool gpu = EngineChoice.IsGpu(engine);
            int batch = s.Batch ?? (gpu ? GpuBatchSize : 16);
            var aligner = new ForcedAligner(model, new ForcedAlignerOptions
            {
                Engine = engine, BatchSize = batch, MaxCellsPerBatch = gpu ? GpuMaxCellsPerBatch : new ForcedAlignerOptions().MaxCellsPerBatch,
                MaxDegreeOfParallelism = threads, AdaptationIterations = s.Adapt, AdaptationPriorWeight = s.Tau, PauseProbability = s.Pause,
                CorrectBoundaries = !s.NoOffsets, Placement = s.ViterbiBoundaries || s.Durations ? BoundaryPlacement.Viterbi : BoundaryPlacement.PosteriorMean,
                Mllr = s.Mllr, MllrRidge = s.MllrRidge, MapAdaptation = !s.NoMap,
                Durations = durations, DurationWeight = s.DurationWeight, DurationScore = s.DurationScore,
            });
            setup.Stop();

            var passes = new List<Pass>();
            for (int r = 0; r < s.Repeat; r++)
            {
                // Every pass lists the input again (inside its wall time): a pass is the whole job, model and dictionary aside.
                // The bar is drawn only on a terminal: redirected to a file it would leave a frozen "0%" line.
                bool bar = folder && !quiet && s.Repeat == 1 && context.ErrorIsTerminal;
                passes.Add(bar ? WithProgressBar(stderr, firstJobs.Count, advance => Align(ListJobs, aligner, model, transcriber, outDir, s, advance))
                    : Align(ListJobs, aligner, model, transcriber, outDir, s, null));
            }

            var last = passes[^1];
            foreach (string e in last.Errors) stderr.WriteLine(e);
            if (!folder && last.Results.Count == 1 && last.Results[0].Outcome.Succeeded && last.Jobs[0].Error is null) PrintTable(stdout, last.Jobs[0], last.Results[0].Outcome);
            if (s.Timing || (folder && !quiet))
            {
                // A table on a terminal; one line where stderr is a log (scripts and tests read it).
                if (context.ErrorIsTerminal) SummaryTable(stderr, passes, setup.Elapsed, engineDescription, threads, batch);
                else stderr.WriteLine(Summary(passes, setup.Elapsed, engineDescription, threads, batch));
            }
            return last.Failed > 0 ? 1 : 0;
        }
        finally
        {
            (engine as IDisposable)?.Dispose();
        }
    }

    private static Pass WithProgressBar(TextWriter stderr, int files, Func<Action<int>, Pass> run)
    {
        Pass? pass = null;
        CliConsole.Over(stderr).Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"aligning {files} files", maxValue: files);
                pass = run(n => task.Increment(n));
            });
        return pass!;
    }

    /// <summary>Lists the input, then reads, aligns and writes every job, <see cref="ChunkSize"/> files at a time, timing each stage.</summary>
    private static Pass Align(Func<List<Job>> list, ForcedAligner aligner, IAcousticModel model, Transcriber? transcriber, string? outDir, Settings s,
        Action<int>? advance)
    {
        var (format, threads, quiet) = (s.Format, s.Threads, s.Quiet);
        var loopEmissions = LoopEmissions(model);
        var pass = new Pass();
        var wall = Stopwatch.StartNew();
        var jobs = list();
        pass.Jobs.AddRange(jobs);
        pass.Read += wall.Elapsed;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
        var errors = pass.Errors;
        for (int start = 0; start < jobs.Count; start += ChunkSize)
        {
            var chunk = jobs.Skip(start).Take(ChunkSize).ToList();
            var inputs = new AlignmentInput?[chunk.Count];
            var clock = Stopwatch.StartNew();
            Parallel.For(0, chunk.Count, parallel, i =>
            {
                inputs[i] = Load(chunk[i], model, transcriber, quiet ? null : errors);
            });
            pass.Read += clock.Elapsed;
            var ready = Enumerable.Range(0, chunk.Count).Where(i => inputs[i] is not null).ToList();
            foreach (int i in Enumerable.Range(0, chunk.Count).Where(i => inputs[i] is null)) advance?.Invoke(1);
            var progress = advance is null ? null : new DeltaProgress(advance);
            AlignmentOutcome[] outcomes;
            try
            {
                outcomes = aligner.Align(ready.Select(i => inputs[i]!).ToList(), progress, pass.Stages);
            }
            catch (ArgumentException)
            {
                // The aligner checks the features of a whole batch at once: the files that failed the check are set
                // aside, so that one bad file does not cost the others their labels.
                if (SetAsideNonFiniteFeatures(chunk, inputs, ready, model, advance) == 0) throw;
                ready = Enumerable.Range(0, chunk.Count).Where(i => inputs[i] is not null).ToList();
                outcomes = aligner.Align(ready.Select(i => inputs[i]!).ToList(), progress, pass.Stages);
            }
            clock.Restart();
            var confidences = new AlignmentConfidence?[ready.Count];
            Parallel.For(0, ready.Count, parallel, r =>
            {
                if (outcomes[r].Succeeded) confidences[r] = AlignmentConfidence.Measure(model, loopEmissions, inputs[ready[r]]!.Samples, outcomes[r].Segments!);
            });
            // The adaptation pools the files of a call: a file that does not match its transcript (noise, another
            // sentence) would move the others' labels. When one is flagged, the others are aligned again without it.
            var kept = Enumerable.Range(0, ready.Count).Where(r => confidences[r] is { Matched: true }).ToList();
            int flagged = confidences.Count(c => c is { Matched: false });
            if (s.Adapt > 0 && flagged > 0 && kept.Count > 0)
            {
                var again = aligner.Align(kept.Select(r => inputs[ready[r]]!).ToList(), null, pass.Stages);
                for (int k = 0; k < kept.Count; k++)
                {
                    int r = kept[k];
                    outcomes[r] = again[k];
                    confidences[r] = again[k].Succeeded ? AlignmentConfidence.Measure(model, loopEmissions, inputs[ready[r]]!.Samples, again[k].Segments!) : null;
                }
                pass.Realigned += kept.Count;
                if (!quiet) lock (errors) errors.Add($"hmm: align: {kept.Count} file{(kept.Count == 1 ? "" : "s")} aligned again with the model adapted without the {flagged} that do not match their transcripts");
            }
            Parallel.For(0, ready.Count, parallel, r =>
            {
                var outcome = outcomes[r];
                var job = chunk[ready[r]];
                if (!outcome.Succeeded)
                {
                    job.Error = outcome.Error;
                    return;
                }
                var confidence = job.Confidence = confidences[r]!;
                if (!confidence.Matched && s.SkipMismatched) job.Error = confidence.Problem + " (not written: --skip-mismatched)";
                else if (outDir is not null) Write(job, Path.Combine(outDir, job.Name + LabelFile.Extension(format)), outcome.Segments!, format);
                // A flagged file is named even with --quiet: it is a wrong result, not a note.
                if (!confidence.Matched && !s.SkipMismatched) lock (errors) errors.Add($"hmm: align: {job.WavPath}: {confidence.Problem}");
                // A long recording: the stretches whose labels deserve a look are named too (also in tables beside a folder's labels).
                var inv = CultureInfo.InvariantCulture;
                foreach (var w in confidence.Windows.Where(w => w.Score < AlignmentConfidence.MinScore))
                    lock (errors) errors.Add(string.Format(inv, "hmm: align: {0}: {1:0.00}-{2:0.00} s: low confidence ({3:0.00} nats/frame, below {4:0.0}): the transcript may not match the audio there", job.WavPath, w.Start, w.End, w.Score, AlignmentConfidence.MinScore));
                foreach (var m in outcome.Mismatches)
                    lock (errors) errors.Add(string.Format(inv, "hmm: align: {0}: {1:0.00}-{2:0.00} s: {3}", job.WavPath, m.Start, m.End,
                        m.Kind == TranscriptMismatchKind.NotHeard ? $"{m.Words} words of the transcript not heard ({m.Phones})" : $"speech not in the transcript (heard {m.Phones})"));
            });
            pass.Write += clock.Elapsed;
            for (int r = 0; r < ready.Count; r++)
            {
                pass.AudioSeconds += inputs[ready[r]]!.Samples.Length / (double)model.FrontEnd.SampleRate;
                pass.Results.Add((chunk[ready[r]], outcomes[r]));
            }
            pass.Mismatched += chunk.Count(j => j.Confidence is { Matched: false });
            foreach (var job in chunk.Where(j => j.Error is not null))
            {
                pass.Failed++;
                string stale = outDir is not null && job.OwnsOutput ? RemoveStale(Path.Combine(outDir, job.Name + LabelFile.Extension(format))) : "";
                lock (errors) errors.Add($"hmm: align: {job.WavPath}: {job.Error}{stale}");
            }
        }
        // A single file's confidence is on its phone table's last line; a folder's goes in a table beside its labels.
        if (outDir is not null && s.Input is var input && Directory.Exists(input)) WriteConfidence(pass, outDir, errors);
        pass.Wall = wall.Elapsed;
        return pass;
    }

    /// <summary>The name of the per-file confidence table written in --out (not a label extension, so no input's label can take it).</summary>
    internal const string ConfidenceFileName = "alignment-confidence.tsv";

    /// <summary>
    /// Writes one row per aligned file (its speech seconds, confidence score and verdict, for scripts to sort and filter),
    /// and the long recordings' window scores and transcript mismatches where there are any.
    /// </summary>
    private static void WriteConfidence(Pass pass, string outDir, List<string> errors)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new System.Text.StringBuilder("file\tspeech_s\tconfidence\tverdict\n");
        var windows = new System.Text.StringBuilder("file\tstart_s\tend_s\tconfidence\tverdict\n");
        var mismatches = new System.Text.StringBuilder("file\tstart_s\tend_s\tkind\twords\tphones\n");
        int windowRows = 0, mismatchRows = 0;
        foreach (var (job, outcome) in pass.Results)
        {
            string file = Path.GetFileName(job.WavPath);
            if (job.Confidence is { } c) text.Append(inv, $"{file}\t{c.SpeechSeconds:0.00}\t{c.Score:0.00}\t{(c.Matched ? "ok" : "mismatched")}\n");
            foreach (var w in job.Confidence?.Windows ?? [])
            {
                windows.Append(inv, $"{file}\t{w.Start:0.00}\t{w.End:0.00}\t{w.Score:0.00}\t{(w.Score >= AlignmentConfidence.MinScore ? "ok" : "low")}\n");
                windowRows++;
            }
            foreach (var m in outcome.Mismatches)
            {
                mismatches.Append(inv, $"{file}\t{m.Start:0.00}\t{m.End:0.00}\t{(m.Kind == TranscriptMismatchKind.NotHeard ? "not-heard" : "not-in-transcript")}\t{m.Words}\t{m.Phones}\n");
                mismatchRows++;
            }
        }
        // The tables of long recordings are written only when a file has rows in them (a stale one is removed).
        foreach (var (name, content, write) in new[] { (ConfidenceFileName, text, true), (WindowsFileName, windows, windowRows > 0), (MismatchesFileName, mismatches, mismatchRows > 0) })
        {
            string path = Path.Combine(outDir, name);
            try
            {
                if (write) OutputFile.WriteText(path, content.ToString());
                else if (File.Exists(path)) File.Delete(path);
            }
            catch (IOException e)
            {
                lock (errors) errors.Add($"hmm: align: {path}: {e.Message}");
            }
        }
    }

    /// <summary>Per-window confidence of recordings longer than <see cref="AlignmentConfidence.WindowedLongerThanSeconds"/>.</summary>
    internal const string WindowsFileName = "alignment-windows.tsv";

    /// <summary>Where long recordings' transcripts and audio disagree (<see cref="AlignmentOutcome.Mismatches"/>).</summary>
    internal const string MismatchesFileName = "transcript-mismatches.tsv";

    /// <summary>The context-free states a free phone loop decodes with; null where the model's cannot be restricted to them (only the speech check is made).</summary>
    private static EmissionModel? LoopEmissions(IAcousticModel model)
    {
        try
        {
            return PhoneLoop.Emissions(model);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// Removes the label an earlier run left for a file that now fails (a success would have replaced it), so that
    /// `hmm eval` does not score an old result as the new one; returns a note for the error line.
    /// </summary>
    private static string RemoveStale(string path)
    {
        if (!File.Exists(path)) return "";
        try
        {
            File.Delete(path);
            return $" (the earlier {Path.GetFileName(path)} in --out was removed)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $" (the earlier {path} is stale, and could not be removed: {e.Message})";
        }
    }

    /// <summary>Writes one label file; a failure (a full disk, a folder in the way) becomes the job's error, and no partial file is left.</summary>
    private static void Write(Job job, string path, IReadOnlyList<PhoneSegment> segments, LabelFormat format)
    {
        try
        {
            OutputFile.WriteText(path, LabelFile.Format(segments, format));
        }
        catch (IOException e)
        {
            // Written under a temporary name and renamed: a failure leaves the earlier file or none, never a partial one.
            job.Error = e.Message;
        }
    }

    /// <summary>
    /// Marks the inputs of <paramref name="ready"/> whose features are not finite (huge float samples overflow the power
    /// spectrum) as failed and removes them from <paramref name="inputs"/>; returns how many.
    /// </summary>
    private static int SetAsideNonFiniteFeatures(List<Job> chunk, AlignmentInput?[] inputs, List<int> ready, IAcousticModel model, Action<int>? advance)
    {
        var extractor = new FeatureExtractor(model.FrontEnd);
        int bad = 0;
        foreach (int i in ready)
        {
            var samples = inputs[i]!.Samples;
            int frames = extractor.FrameCount(samples.Length);
            if (frames <= 0) continue; // too short: the aligner says so itself
            var features = extractor.Extract(samples);
            int at = Array.FindIndex(features, f => !float.IsFinite(f));
            if (at < 0) continue;
            chunk[i].Error = string.Format(CultureInfo.InvariantCulture,
                "the audio gives non-finite features from frame {0} on; its largest sample is {1:g3}, where WAV float samples lie within -1 to 1.",
                at / Math.Max(1, features.Length / frames), samples.Max(Math.Abs));
            inputs[i] = null;
            advance?.Invoke(1);
            bad++;
        }
        return bad;
    }

    /// <summary>
    /// The summary line: files, audio, wall time, multiple of real time and the stages of one pass; with several passes
    /// the best and the median of those after the warm-up (the first), and the stages of the best.
    /// </summary>
    private static string Summary(List<Pass> passes, TimeSpan setup, string engine, int threads, int batch)
    {
        var inv = CultureInfo.InvariantCulture;
        var (head, best) = SummaryHead(passes);
        string stages = string.Join(", ", Stages(best).Select(st => st.Name + " " + st.Seconds.ToString("0.000", inv))) + " s";
        string failed = (best.Failed > 0 ? $"; {best.Failed} failed (see above)" : "") + Flagged(best);
        return string.Format(inv, "{0}{1}; {2}{3}: {4}; engine {5}, batch {6}, threads {7}, setup {8:0.000} s",
            head, failed, passes.Count > 1 ? "best pass " : "", "stages", stages, engine, batch, threads, setup.TotalSeconds);
    }

    /// <summary>The summary as a table, for an interactive terminal.</summary>
    private static void SummaryTable(TextWriter stderr, List<Pass> passes, TimeSpan setup, string engine, int threads, int batch)
    {
        var inv = CultureInfo.InvariantCulture;
        var (head, best) = SummaryHead(passes);
        var table = CliConsole.Table(passes.Count > 1 ? "stage (best pass)" : "stage", "seconds", "share");
        double wall = Math.Max(1e-9, best.Wall.TotalSeconds);
        foreach (var (name, seconds) in Stages(best)) table.Row(name, seconds.ToString("0.000", inv), (seconds / wall).ToString("0 %", inv));
        table.Row("setup", setup.TotalSeconds.ToString("0.000", inv), "");
        var console = CliConsole.Over(stderr);
        console.WriteLine(head + (best.Failed > 0 ? $"; {best.Failed} failed (see above)" : "") + Flagged(best));
        console.Write(table);
        console.WriteLine(string.Format(inv, "engine {0}, batch {1}, threads {2}", engine, batch, threads));
    }

    /// <summary>The summary's count of files whose audio does not match the transcript ("" when none).</summary>
    private static string Flagged(Pass pass) => pass.Mismatched > 0 ? $"; {pass.Mismatched} flagged as not matching their transcript (see above, and {ConfidenceFileName})" : "";

    /// <summary>The first part of the summary, and the pass whose stages it reports.</summary>
    private static (string Head, Pass Best) SummaryHead(List<Pass> passes)
    {
        var inv = CultureInfo.InvariantCulture;
        var measured = passes.Count > 1 ? passes.Skip(1).OrderBy(p => p.Wall).ToList() : passes;
        var best = measured[0];
        var median = measured[(measured.Count - 1) / 2];
        int files = best.Jobs.Count;
        double audio = best.AudioSeconds;
        string Speed(Pass p)
        {
            double x = audio / Math.Max(1e-9, p.Wall.TotalSeconds);
            return x.ToString(x < 10 ? "0.00" : "0", inv);
        }
        string head = passes.Count == 1
            ? string.Format(inv, "aligned {0} of {1} files ({2:0.0} s of audio) in {3:0.000} s: {4}x real time", files - best.Failed, files, audio, best.Wall.TotalSeconds, Speed(best))
            : string.Format(inv, "aligned {0} of {1} files ({2:0.0} s of audio) {3} times: best {4:0.000} s ({5}x real time), median {6:0.000} s ({7}x) of passes 2-{3}, warm-up {8:0.000} s",
                files - best.Failed, files, audio, passes.Count, best.Wall.TotalSeconds, Speed(best), median.Wall.TotalSeconds, Speed(median), passes[0].Wall.TotalSeconds);
        return (head, best);
    }

    /// <summary>The stages of one pass, in seconds, in the order they run.</summary>
    private static List<(string Name, double Seconds)> Stages(Pass pass)
    {
        var t = pass.Stages;
        double other = pass.Wall.TotalSeconds - pass.Read.TotalSeconds - pass.Write.TotalSeconds - t.Total.TotalSeconds;
        return new List<(string, double)>
        {
            ("read", pass.Read.TotalSeconds), ("splitting", t[AlignmentStage.Splitting].TotalSeconds), ("features", t[AlignmentStage.Features].TotalSeconds), ("graphs", t[AlignmentStage.Graphs].TotalSeconds),
            ("adapt-posteriors", t[AlignmentStage.AdaptationPosteriors].TotalSeconds), ("adapt-update", t[AlignmentStage.AdaptationUpdate].TotalSeconds),
            ("final-pass", t[AlignmentStage.FinalPass].TotalSeconds), ("segments", t[AlignmentStage.Segments].TotalSeconds), ("write", pass.Write.TotalSeconds),
            ("other", Math.Max(0, other)),
        };
    }

    /// <summary>The value of <c>--mllr</c>: none (also when absent), global or classes.</summary>
    internal static MllrRegression ParseMllr(string? value) => value switch
    {
        null or "none" => MllrRegression.None,
        "global" => MllrRegression.Global,
        "classes" => MllrRegression.Classes,
        _ => throw new ArgumentException($"align: --mllr must be none, global or classes (got '{value}')."),
    };

    /// <summary>Turns the aligner's running count into increments for the progress bar (reported on the calling thread).</summary>
    private sealed class DeltaProgress(Action<int> advance) : IProgress<int>
    {
        private readonly object _gate = new();
        private int _last;

        public void Report(int value)
        {
            int delta;
            lock (_gate)
            {
                delta = value - _last;
                _last = Math.Max(_last, value);
            }
            if (delta > 0) advance(delta);
        }
    }

    /// <summary>
    /// Refuses, before any work, an --out that is the input folder when an output would replace a file there: that is
    /// where the reference X.lab of a corpus lives, and it cannot be told from an earlier run's output.
    /// </summary>
    private static void RefuseOverwritingInputs(List<Job> jobs, string outDir, LabelFormat format)
    {
        var taken = jobs.Where(j => OutputFile.SameFolder(Path.GetDirectoryName(j.WavPath) is { Length: > 0 } d ? d : ".", outDir))
            .Select(j => Path.Combine(outDir, j.Name + LabelFile.Extension(format))).Where(File.Exists).ToList();
        if (taken.Count == 0) return;
        throw new ArgumentException($"align: --out {outDir} is the input folder, and the labels would overwrite {taken.Count} file(s) there " +
            $"({string.Join(", ", taken.Take(3).Select(Path.GetFileName))}{(taken.Count > 3 ? ", ..." : "")}); give another --out.");
    }

    private static List<Job> FolderJobs(string folder)
    {
        var jobs = new List<Job>();
        var files = Directory.GetFiles(folder);
        // Transcripts are looked up in the listing instead of one File.Exists per candidate (two system calls per file).
        // A name the listing holds only in another case is left to File.Exists: whether it matches is the file system's call.
        var exact = new HashSet<string>(files.Select(Path.GetFileName)!, StringComparer.Ordinal);
        var anyCase = new HashSet<string>(exact, StringComparer.OrdinalIgnoreCase);
        bool Exists(string path)
        {
            string name = Path.GetFileName(path);
            return exact.Contains(name) || (anyCase.Contains(name) && File.Exists(path));
        }
        foreach (string wav in files.Where(f => f.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)).OrderBy(f => f, StringComparer.Ordinal))
        {
            string stem = Path.Combine(folder, Path.GetFileNameWithoutExtension(wav));
            string? phones = Exists(stem + ".phones") ? stem + ".phones" : null;
            string? text = phones is null && Exists(stem + ".txt") ? stem + ".txt" : null;
            var job = new Job
            {
                Name = Path.GetFileNameWithoutExtension(wav), WavPath = wav, PhonesPath = phones, TextPath = text,
                IgnoredText = phones is not null && Exists(stem + ".txt") ? stem + ".txt" : null,
            };
            if (phones is null && text is null) job.Error = $"no transcript: expected {Path.GetFileName(stem)}.phones or {Path.GetFileName(stem)}.txt beside it.";
            jobs.Add(job);
        }
        // x.wav and x.WAV (or X.wav) would write one label file: the first keeps it and the others fail by name.
        foreach (var (later, first) in OutputFile.CaseCollisions(jobs.Select(j => j.Name).ToList()))
            (jobs[later].OwnsOutput, jobs[later].Error) = (false, $"its label file would be that of {Path.GetFileName(jobs[first].WavPath)} (the names differ only in case or extension); rename one.");
        return jobs;
    }

    private static Job FileJob(string wav, string? phones, string? text)
    {
        string stem = Path.Combine(Path.GetDirectoryName(wav) ?? "", Path.GetFileNameWithoutExtension(wav));
        if (phones is null && text is null)
        {
            if (File.Exists(stem + ".phones")) phones = stem + ".phones";
            else if (File.Exists(stem + ".txt")) text = stem + ".txt";
        }
        var job = new Job { Name = Path.GetFileNameWithoutExtension(wav), WavPath = wav, PhonesPath = phones, TextPath = text };
        if (phones is null && text is null)
            job.Error = $"no transcript: pass --phones FILE or --text FILE, or put {Path.GetFileName(stem)}.phones or {Path.GetFileName(stem)}.txt beside it.";
        return job;
    }

    /// <summary>Reads one job's audio and transcript; null (with job.Error set) when either is unusable.</summary>
    private static AlignmentInput? Load(Job job, IAcousticModel model, Transcriber? transcriber, List<string>? notes)
    {
        if (job.Error is not null) return null;
        try
        {
            PhoneSequence sequence;
            if (job.PhonesPath is not null)
            {
                string content = InputFile.ReadText(job.PhonesPath);
                if (content.Trim().Length == 0) { job.Error = $"{job.PhonesPath} is empty: expected whitespace-separated phones."; return null; }
                sequence = PhoneSequence.Parse(NormalisePhones(content, model.Phones));
                if (job.IgnoredText is not null && notes is not null)
                {
                    lock (notes) notes.Add($"hmm: align: {job.WavPath}: aligned to {Path.GetFileName(job.PhonesPath)}; {Path.GetFileName(job.IgnoredText)} beside it is not used.");
                }
                job.Transcript = "phones: " + string.Join(" ", sequence.Phones);
            }
            else
            {
                string content = InputFile.ReadText(job.TextPath!);
                var unpronounceable = new List<string>();
                var words = transcriber!.Transcribe(content, unpronounceable);
                if (unpronounceable.Count > 0 && notes is not null)
                {
                    // Left out, every later boundary shifts: the user has to know which words the audio holds extra.
                    lock (notes) notes.Add($"hmm: align: {job.WavPath}: {job.TextPath}: out of vocabulary and not pronounceable by rule (left out): {string.Join(", ", unpronounceable)}");
                }
                if (words.Count == 0) { job.Error = $"{job.TextPath} has no words to align."; return null; }
                sequence = PhoneSequence.FromWords(words.Select(w => (IReadOnlyList<string>)w.Phones));
                // One line: the table's header quotes it, and a CRLF or multi-line transcript broke that line in two.
                job.Transcript = "text: " + string.Join(" ", content.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
                var guessed = words.Where(w => w.Source == PronunciationSource.Rules).ToList();
                if (guessed.Count > 0 && notes is not null)
                {
                    lock (notes) notes.Add($"hmm: align: {job.WavPath}: not in the dictionary, pronounced by rule: {string.Join(", ", guessed.Select(w => w.Text + " /" + string.Join(" ", w.Phones) + "/").Distinct(StringComparer.Ordinal))}");
                }
            }
            var audio = WavReader.Read(job.WavPath, model.FrontEnd.SampleRate);
            return new AlignmentInput(job.Name, audio.Samples, sequence);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Any failure here belongs to this file alone (the transcriber has thrown FormatException and
            // IndexOutOfRangeException on some digits): the file is reported and the others go on.
            // WavFormatException messages already start with the file name.
            job.Error = e is WavFormatException w ? w.Problem
                : e is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException ? e.Message
                : $"{job.TextPath ?? job.PhonesPath}: {e.GetType().Name}: {e.Message}";
            return null;
        }
    }

    /// <summary>
    /// Phones written as CMUdict writes them (`ih`, `IH1`, `SIL`) become the model's (`IH`, `sil`): only a phone the model
    /// does not know is changed, and only into one it does, so a phone set with lower-case names keeps them.
    /// </summary>
    internal static string NormalisePhones(string content, PhoneSet phones)
    {
        var tokens = content.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < tokens.Length; i++)
        {
            if (phones.Contains(tokens[i])) continue;
            string bare = tokens[i].TrimEnd('0', '1', '2');
            foreach (string candidate in new[] { bare, bare.ToUpperInvariant(), bare.ToLowerInvariant() })
            {
                if (candidate.Length > 0 && phones.Contains(candidate)) { tokens[i] = candidate; break; }
            }
        }
        return string.Join(" ", tokens);
    }

    private static void PrintTable(TextWriter stdout, Job job, AlignmentOutcome outcome)
    {
        var segments = outcome.Segments!;
        var inv = CultureInfo.InvariantCulture;
        stdout.WriteLine($"{job.WavPath}: {segments.Count} segments, {segments[segments.Count - 1].End.ToString("0.000", inv)} s ({job.Transcript})");
        string refPath = Path.Combine(Path.GetDirectoryName(job.WavPath) ?? "", job.Name + ".lab");
        IReadOnlyList<PhoneSegment>? reference = null;
        try
        {
            if (File.Exists(refPath)) reference = LabelFile.Read(refPath);
        }
        catch (InvalidDataException)
        {
            reference = null;
        }
        bool same = reference is not null && reference.Select(s => s.Phone).SequenceEqual(segments.Select(s => s.Phone));
        stdout.WriteLine(same ? "  #  phone   start     end   dur ms   ref start  error ms" : "  #  phone   start     end   dur ms");
        for (int i = 0; i < segments.Count; i++)
        {
            var s = segments[i];
            string line = string.Format(inv, "{0,3}  {1,-5} {2,7:0.000} {3,7:0.000} {4,8:0}", i + 1, s.Phone, s.Start, s.End, s.Duration * 1000);
            if (same) line += string.Format(inv, "   {0,9:0.000} {1,9:+0;-0;0}", reference![i].Start, (s.Start - reference[i].Start) * 1000);
            stdout.WriteLine(line);
        }
        if (reference is not null)
        {
            var eval = AlignmentEvaluation.CompareFile(job.Name, reference, segments);
            stdout.WriteLine(string.Format(inv, "against {0}: {1:0.0} % of {2} boundaries within 20 ms, mean error {3:0.0} ms",
                refPath, 100 * eval.ShareWithin(0.020), eval.Boundaries.Count, 1000 * eval.MeanAbsoluteError));
        }
        if (job.Confidence is { } c)
            stdout.WriteLine(string.Format(inv, "confidence {0:0.00} nats/frame (flagged below {1:0.0}), {2:0.00} s of speech: {3}",
                c.Score, AlignmentConfidence.MinScore, c.SpeechSeconds, c.Matched ? "ok" : "mismatched"));
    }
}

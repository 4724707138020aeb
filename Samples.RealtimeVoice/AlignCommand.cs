using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Hmm.Alignment;
using Hmm.Audio;
using Spectre.Console;

namespace Samples.RealtimeVoice;

/// <summary>
/// `hmm align INPUT [--phones FILE | --text FILE] [--model FILE] [--dict FILE] [--format lab|textgrid|json] [--out DIR]
/// [--threads N] [--batch N] [--quiet]`: forced alignment of one WAV file (prints its phone table) or of a folder of
/// X.wav + X.phones / X.txt pairs (writes DIR/X.lab etc.; progress bar on stderr). A file that cannot be aligned is
/// reported on stderr and the exit code is 1, but every other file's result is still written.
/// </summary>
internal static class AlignCommand
{
    private static readonly string[] Valued = { "--phones", "--text", "--model", "--dict", "--format", "--out", "--threads", "--batch", "--adapt", "--tau", "--pause" };
    private static readonly string[] Flags = { "--quiet", "--no-offsets", "--viterbi-boundaries" };

    /// <summary>Files read, aligned and written per round (bounds memory for large folders).</summary>
    private const int ChunkSize = 256;

    private sealed class Job
    {
        public required string Name { get; init; }
        public required string WavPath { get; init; }
        public string? PhonesPath { get; init; }
        public string? TextPath { get; init; }
        public string? Error { get; set; }
        public string? Transcript { get; set; }
    }

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var a = new CliArguments("align", args, Valued, Flags);
        if (a.Positional.Count != 1) throw new ArgumentException("align: expected one INPUT (a WAV file or a folder); usage: hmm align INPUT [--phones FILE | --text FILE] [--model FILE] [--format lab|textgrid|json] [--out DIR] [--quiet]");
        string input = a.Positional[0];
        if (a.Has("--phones") && a.Has("--text")) throw new ArgumentException("align: give --phones or --text, not both.");
        var format = LabelFile.ParseFormat(a.Get("--format") ?? "lab");
        string? outDir = a.Get("--out");
        bool quiet = a.Has("--quiet");
        int threads = a.GetInt("--threads", Environment.ProcessorCount, 1, 1024);
        int batch = a.GetInt("--batch", 16, 1, 4096);
        int adapt = a.GetInt("--adapt", 2, 0, 100);
        double tau = a.GetDouble("--tau", 10, 1e-3, 1e9);
        double pause = a.GetDouble("--pause", 0.5, 1e-6, 1 - 1e-6);

        bool folder = Directory.Exists(input);
        if (!folder && !File.Exists(input)) throw new ArgumentException($"align: {input}: no such file or folder.");
        if (folder && (a.Has("--phones") || a.Has("--text")))
            throw new ArgumentException("align: --phones and --text go with a single WAV file; in a folder each X.wav pairs with X.phones or X.txt.");
        if (folder && outDir is null) throw new ArgumentException("align: a folder needs --out DIR for the label files.");

        string modelPath = a.Get("--model") ?? Assets.DefaultModel;
        if (a.Get("--model") is null && !File.Exists(modelPath))
            throw new ArgumentException($"align: the default model is missing ({modelPath}); pass --model FILE (train one with hmm train).");
        var model = AcousticModel.Load(modelPath);

        var jobs = folder ? FolderJobs(input) : new List<Job> { FileJob(input, a.Get("--phones"), a.Get("--text")) };
        if (jobs.Count == 0) throw new ArgumentException($"align: {input} holds no .wav files.");
        if (outDir is not null) Directory.CreateDirectory(outDir);

        Transcriber? transcriber = null;
        Transcriber GetTranscriber()
        {
            if (transcriber is not null) return transcriber;
            string dict = a.Get("--dict") ?? Assets.Dictionary;
            if (!File.Exists(dict)) throw new ArgumentException($"align: the pronouncing dictionary is missing ({dict}); pass --dict FILE.");
            return transcriber = new Transcriber(PronunciationLexicon.Load(dict));
        }
        if (jobs.Any(j => j.TextPath is not null)) GetTranscriber();

        var aligner = new ForcedAligner(model, new ForcedAlignerOptions { BatchSize = batch, MaxDegreeOfParallelism = threads, AdaptationIterations = adapt, AdaptationPriorWeight = tau, PauseProbability = pause, CorrectBoundaries = !a.Has("--no-offsets"), Placement = a.Has("--viterbi-boundaries") ? BoundaryPlacement.Viterbi : BoundaryPlacement.PosteriorMean });
        var watch = Stopwatch.StartNew();
        double audioSeconds = 0;
        int failed = 0;
        var errors = new List<string>();
        var results = new List<(Job Job, AlignmentOutcome Outcome)>();

        void ProcessAll(Action<int>? advance)
        {
            for (int start = 0; start < jobs.Count; start += ChunkSize)
            {
                var chunk = jobs.Skip(start).Take(ChunkSize).ToList();
                var inputs = new AlignmentInput?[chunk.Count];
                Parallel.For(0, chunk.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
                {
                    inputs[i] = Load(chunk[i], model, transcriber, quiet ? null : errors);
                });
                var ready = Enumerable.Range(0, chunk.Count).Where(i => inputs[i] is not null).ToList();
                foreach (int i in Enumerable.Range(0, chunk.Count).Where(i => inputs[i] is null)) advance?.Invoke(1);
                var outcomes = aligner.Align(ready.Select(i => inputs[i]!).ToList(), advance is null ? null : new DeltaProgress(advance));
                for (int r = 0; r < ready.Count; r++)
                {
                    var job = chunk[ready[r]];
                    var outcome = outcomes[r];
                    audioSeconds += inputs[ready[r]]!.Samples.Length / (double)model.FrontEnd.SampleRate;
                    if (!outcome.Succeeded) job.Error = outcome.Error;
                    else if (outDir is not null) LabelFile.Write(Path.Combine(outDir, job.Name + LabelFile.Extension(format)), outcome.Segments!, format);
                    results.Add((job, outcome));
                }
                foreach (var job in chunk.Where(j => j.Error is not null))
                {
                    failed++;
                    lock (errors) errors.Add($"hmm: align: {job.WavPath}: {job.Error}");
                }
            }
        }

        if (folder && !quiet)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stderr) });
            console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"aligning {jobs.Count} files", maxValue: jobs.Count);
                    ProcessAll(n => task.Increment(n));
                });
        }
        else
        {
            ProcessAll(null);
        }
        watch.Stop();

        foreach (string e in errors) stderr.WriteLine(e);
        if (!folder && results.Count == 1 && results[0].Outcome.Succeeded) PrintTable(stdout, jobs[0], results[0].Outcome);
        if (folder && !quiet)
        {
            double speed = audioSeconds / Math.Max(1e-9, watch.Elapsed.TotalSeconds);
            stderr.WriteLine(string.Format(CultureInfo.InvariantCulture, "aligned {0} of {1} files ({2:0.0} s of audio) in {3:0.00} s: {4:0}x real time{5}",
                jobs.Count - failed, jobs.Count, audioSeconds, watch.Elapsed.TotalSeconds, speed, failed > 0 ? $"; {failed} failed (see above)" : ""));
        }
        return failed > 0 ? 1 : 0;
    }

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

    private static List<Job> FolderJobs(string folder)
    {
        var jobs = new List<Job>();
        foreach (string wav in Directory.GetFiles(folder).Where(f => f.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)).OrderBy(f => f, StringComparer.Ordinal))
        {
            string stem = Path.Combine(folder, Path.GetFileNameWithoutExtension(wav));
            string? phones = File.Exists(stem + ".phones") ? stem + ".phones" : null;
            string? text = phones is null && File.Exists(stem + ".txt") ? stem + ".txt" : null;
            var job = new Job { Name = Path.GetFileNameWithoutExtension(wav), WavPath = wav, PhonesPath = phones, TextPath = text };
            if (phones is null && text is null) job.Error = $"no transcript: expected {Path.GetFileName(stem)}.phones or {Path.GetFileName(stem)}.txt beside it.";
            jobs.Add(job);
        }
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
    private static AlignmentInput? Load(Job job, AcousticModel model, Transcriber? transcriber, List<string>? notes)
    {
        if (job.Error is not null) return null;
        try
        {
            PhoneSequence sequence;
            if (job.PhonesPath is not null)
            {
                string content = File.ReadAllText(job.PhonesPath);
                if (content.Trim().Length == 0) { job.Error = $"{job.PhonesPath} is empty: expected whitespace-separated phones."; return null; }
                sequence = PhoneSequence.Parse(content);
                job.Transcript = "phones: " + string.Join(" ", sequence.Phones);
            }
            else
            {
                string content = File.ReadAllText(job.TextPath!);
                var words = transcriber!.Transcribe(content);
                if (words.Count == 0) { job.Error = $"{job.TextPath} has no words to align."; return null; }
                sequence = PhoneSequence.FromWords(words.Select(w => (IReadOnlyList<string>)w.Phones));
                job.Transcript = "text: " + content.Trim();
                var guessed = words.Where(w => w.Source == PronunciationSource.Rules).ToList();
                if (guessed.Count > 0 && notes is not null)
                {
                    lock (notes) notes.Add($"hmm: align: {job.WavPath}: not in the dictionary, pronounced by rule: {string.Join(", ", guessed.Select(w => w.Text + " /" + string.Join(" ", w.Phones) + "/"))}");
                }
            }
            var audio = WavReader.Read(job.WavPath, model.FrontEnd.SampleRate);
            return new AlignmentInput(job.Name, audio.Samples, sequence);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // WavFormatException messages already start with the file name.
            job.Error = e is WavFormatException w ? w.Problem : e.Message;
            return null;
        }
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
    }
}

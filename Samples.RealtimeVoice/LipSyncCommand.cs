using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Hmm.Speech;
using Hmm.Speech.Training;
using Hmm.Streaming;

namespace Samples.RealtimeVoice;

/// <summary>
/// `hmm lipsync INPUT`: streams audio through the live <see cref="LipSyncProcessor"/> (no transcript) and writes mouth
/// cues in Rhubarb Lip Sync 1.14's formats (Rhubarb's shape set) or per-frame viseme weights as JSON (the Oculus and
/// vowel sets). INPUT is a WAV file, a folder of them, or `-` for raw PCM on standard input; a transcript (--text, or
/// X.txt beside X.wav) makes the processor follow it live.
/// </summary>
internal static class LipSyncCommand
{
    /// <summary>Milliseconds per push: four analysis hops, decoded with one pass of the mixture product (--realtime paces them).</summary>
    private const int BlockMs = 20;

    /// <summary>The `lipsync` verb: its arguments, options, help and action.</summary>
    internal static Command Create(CliContext context)
    {
        var input = CliOptions.RejectOptionLikeValues(new Argument<string>("INPUT") { Description = "A WAV file, a folder of WAV files, or - for raw PCM on standard input (with --rate)." });
        var set = Choice("--set", "rhubarb", ["rhubarb", "oculus", "vowels"], "Mouth shapes: Rhubarb's A-H and X (cues), the 15 Oculus visemes or the vowel set A I U E O N (per-frame weights, JSON).");
        var format = Choice("--format", "tsv", ["tsv", "json", "xml", "dat"], "Output format of the Rhubarb set, as Rhubarb Lip Sync 1.14 writes it.");
        var lookahead = CliOptions.Int("--lookahead", 100, 0, 300, "Milliseconds the decoder waits before committing a phone (more: fewer wrong mouth shapes, later).");
        var outDir = CliOptions.Path("--out", "DIR", "Folder for the results (X.wav gives X.tsv, X.json, X.xml or X.dat); default: standard output for one input.");
        var rate = CliOptions.OptionalInt("--rate", 4000, 384000, "Sample rate of raw PCM on standard input, Hz (required with -).");
        var bits = CliOptions.Int("--bits", 16, 16, 32, "Bits per sample of raw PCM on standard input: 16 (signed integers) or 32 (floats), little-endian, mono.");
        var realtime = CliOptions.Flag("--realtime", "Pace the audio as it would play (default: as fast as it decodes).");
        var datRate = CliOptions.Double("--datFrameRate", 24, 24, 100, "Frames per second of the DAT format.", "FPS");
        var prestonBlair = CliOptions.Flag("--datUsePrestonBlair", "DAT: Preston Blair's shape names.");
        var extended = new Option<string>("--extendedShapes") { Description = "Which of the extended shapes G, H and X to use (Rhubarb's option).", DefaultValueFactory = _ => "GHX", HelpName = "GHX" };
        var machine = CliOptions.Flag("--machineReadable", "Progress and errors as Rhubarb's JSON status lines on standard error.");
        var quiet = CliOptions.Flag("--quiet", "No summary on standard error.");
        var text = CliOptions.Path("--text", "FILE", "The transcript of a single INPUT, text or .phones (default: X.txt, else X.phones, beside X.wav): the processor follows it live instead of recognising free phones.");
        var noText = CliOptions.Flag("--no-text", "Ignore transcripts beside the WAV files: recognise phones without one.");
        var live = CliOptions.Flag("--live", "Show the current mouth shape, phone and word on standard error while the audio plays (implies --realtime).");
        var plot = CliOptions.Path("--plot", "X.png", "Also draw the waveform, spectrogram, committed phones and mouth cues of a single WAV INPUT as a PNG.");
        var modelPath = CliOptions.Path("--model", "FILE|sphinx-en-us|DIR", ModelChoice.Help + " Its phones must be the default phone set's.");
        var liveNormalisation = CliOptions.Flag("--live-normalisation",
            "Normalise the features as a live stream must, learning their statistics as the audio comes, instead of from the whole file's (--realtime, --live and standard input always do).");
        var bigramWeight = CliOptions.Double("--bigram-weight", LipSyncOptions.Balanced.BigramWeight, 0, 20,
            "Without a transcript: weight of the phone-bigram against the acoustic scores (0: any phone may follow any).", "W");
        var adapt = CliOptions.Int("--adapt", 0, 0, 20,
            "Rounds of MAP adaptation of the model's means to the input's voice before lip-syncing (one speaker per folder): on the transcripts, or on a first pass's phones where there is none (0: off).");
        var command = new Command("lipsync", "Live lip-sync, with or without a transcript: mouth cues (Rhubarb's formats) or viseme weights from audio.")
        {
            input, set, format, lookahead, outDir, rate, bits, realtime, datRate, prestonBlair, extended, machine, quiet, modelPath, text, noText, plot, live, bigramWeight, liveNormalisation, adapt,
        };
        command.SetAction(p => Run(context, new Settings(p.GetValue(input)!, p.GetValue(set)!, p.GetValue(format)!, p.GetValue(lookahead), p.GetValue(outDir),
            p.GetValue(rate), p.GetValue(bits), p.GetValue(realtime), p.GetValue(datRate), p.GetValue(prestonBlair), p.GetValue(extended)!, p.GetValue(machine), p.GetValue(quiet), p.GetValue(modelPath), p.GetValue(text), p.GetValue(noText), p.GetValue(plot), p.GetValue(live), (float)p.GetValue(bigramWeight), p.GetValue(liveNormalisation))
        {
            Adapt = p.GetValue(adapt),
        }));
        return CliOptions.LastWins(command);
    }

    private sealed record Settings(string Input, string Set, string Format, int LookaheadMs, string? Out, int? Rate, int Bits, bool Realtime,
        double DatFrameRate, bool PrestonBlair, string ExtendedShapes, bool MachineReadable, bool Quiet, string? Model, string? Text, bool NoText, string? Plot, bool LiveView, float BigramWeight, bool LiveNormalisation)
    {
        /// <summary>--adapt: rounds of mean adaptation to the inputs before the lip-sync pass.</summary>
        public int Adapt { get; init; }

        /// <summary>--live: paced, with the current frame on standard error.</summary>
        public bool Live => LiveView;

        /// <summary>Turns transcripts into phones (made on first use).</summary>
        public Hmm.Speech.Transcriber? Transcriber { get; set; }

        /// <summary>The acoustic model, loaded once per command.</summary>
        public Hmm.Speech.IAcousticModel? Loaded { get; set; }

        /// <summary>
        /// The last processor without a script, reset and used again by the next file with the same options: a folder's
        /// files then share one phone loop and one set of buffers instead of building them per file.
        /// </summary>
        public LipSyncProcessor? Reusable { get; set; }
    }

    /// <summary>
    /// The longest recording (120 s) lip-synced following its transcript: the script graph grows with the text and a
    /// two-minute one already runs at about 5x real time on one core; longer files are lip-synced without it, with a note.
    /// </summary>
    internal const double MaxScriptSeconds = 120;

    private static Option<string> Choice(string name, string fallback, string[] choices, string description)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => fallback, HelpName = string.Join("|", choices) };
        option.Validators.Add(result =>
        {
            string? v = result.GetValueOrDefault<string>();
            if (!choices.Contains(v)) result.AddError($"{name} must be {string.Join(", ", choices.Take(choices.Length - 1))} or {choices[^1]} (got '{v}').");
        });
        return option;
    }

    private static int Run(CliContext context, Settings s)
    {
        if (s.Bits is not (16 or 32)) throw new ArgumentException($"lipsync: --bits must be 16 or 32 (got {s.Bits}).");
        if (s.Set != "rhubarb" && s.Format != "json") throw new ArgumentException($"lipsync: --set {s.Set} writes per-frame weights as JSON; --format {s.Format} is for the rhubarb set.");
        try
        {
            RhubarbShapes.ValidateExtendedShapes(s.ExtendedShapes);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"lipsync: --extendedShapes: {e.Message}");
        }
        if (s.Model is not null)
        {
            s.Loaded = ModelChoice.Load("lipsync", s.Model);
            if (!s.Loaded.Phones.Phones.SequenceEqual(Hmm.Speech.PhoneSet.Default.Phones))
                throw new ArgumentException($"lipsync: --model {s.Model}: its phones are not the default phone set, which the built-in bigram and viseme maps cover.");
        }
        if (s.Text is not null && s.NoText) throw new ArgumentException("lipsync: --text and --no-text contradict each other.");
        if (s.Text is not null && (s.Input == "-" ? false : Directory.Exists(s.Input)))
            throw new ArgumentException("lipsync: --text is for a single INPUT; in a folder each X.wav takes X.txt beside it.");
        if (s.Plot is not null && (s.Input == "-" || Directory.Exists(s.Input)))
            throw new ArgumentException("lipsync: --plot draws a single WAV INPUT.");
        var status = s.MachineReadable ? new RhubarbStatusWriter(context.Err) : null;
        if (s.Input == "-")
        {
            if (s.Rate is null) throw new ArgumentException("lipsync: reading raw PCM from standard input needs --rate (its sample rate in Hz).");
            using var stdin = context.Input?.Invoke() ?? Console.OpenStandardInput();
            var result = Analyse(ReadPcm(stdin, s.Bits), s.Rate.Value, s, Script(s, s.Text, s.Quiet || s.MachineReadable ? null : context.Err));
            Write(context, s, "-", result, s.Out is null ? null : Path.Combine(s.Out, "stdin" + Extension(s)));
            return 0;
        }
        List<string> files;
        bool folder = Directory.Exists(s.Input);
        if (folder) files = Directory.GetFiles(s.Input, "*.wav").Concat(Directory.GetFiles(s.Input, "*.WAV")).Distinct().OrderBy(f => f, StringComparer.Ordinal).ToList();
        else if (File.Exists(s.Input)) files = [s.Input];
        else throw new ArgumentException($"lipsync: {s.Input}: no such file or folder.");
        if (folder && files.Count == 0) throw new ArgumentException($"lipsync: {s.Input}: the folder has no .wav files.");
        if (files.Count > 1 && s.Out is null) throw new ArgumentException("lipsync: a folder of inputs needs --out DIR (one result file per input).");
        if (s.Out is not null) OutputFile.CheckFolder("lipsync", s.Out);
        using var outLock = s.Out is null ? null : OutputFile.LockFolder("lipsync", s.Out);
        // x.wav and x.WAV would write one result file: the first keeps it, the others fail by name.
        var collisions = OutputFile.CaseCollisions(files.Select(f => Path.GetFileNameWithoutExtension(f)).ToList());
        int failed = 0;
        double audioSeconds = 0;
        var clock = Stopwatch.StartNew();
        if (s.Adapt > 0) s.Loaded = AdaptedModel(files, s);
        for (int index = 0; index < files.Count; index++)
        {
            string file = files[index];
            status?.WriteStart(Path.GetFullPath(file));
            try
            {
                if (s.Out is not null && collisions.TryGetValue(index, out int first))
                    throw new IOException($"{file}: its result file would be that of {Path.GetFileName(files[first])} (the names differ only in case); rename one.");
                var audio = WavReader.Read(file);
                if (audio.Samples.Length == 0) throw new InvalidDataException($"{file}: the audio is empty.");
                string? transcript = s.NoText ? null : s.Text ?? Beside(file, ".txt") ?? Beside(file, ".phones");
                double seconds = audio.Samples.Length / (double)audio.SampleRate;
                if (transcript is not null && seconds > MaxScriptSeconds)
                {
                    // The script follower's graph is the whole transcript and each hop steps all of it: past a couple of
                    // minutes it runs slower than real time. Said, not hidden; hmm align places the text at any length.
                    if (!s.Quiet && !s.MachineReadable)
                        context.Err.WriteLine(string.Format(CultureInfo.InvariantCulture, "hmm: lipsync: {0}: {1:0.0} s is longer than the {2:0} s a transcript is followed for; lip-synced without {3} (hmm align places a transcript in audio of any length)",
                            file, seconds, MaxScriptSeconds, Path.GetFileName(transcript)));
                    transcript = null;
                }
                var result = Analyse(audio.Samples, audio.SampleRate, s, Script(s, transcript, s.Quiet || s.MachineReadable ? null : context.Err), status, s.Live ? context.Err : null, wholeFile: !s.Realtime && !s.Live && !s.LiveNormalisation);
                audioSeconds += result.Duration;
                Write(context, s, file, result, s.Out is null ? null : Path.Combine(s.Out, Path.GetFileNameWithoutExtension(file) + Extension(s)));
                if (s.Plot is not null) Plot(context, file, result, s);
                status?.WriteSuccess();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Whatever one file raises (its audio, its transcript, its numbers, its output) is that file's failure alone.
                failed++;
                string message = e.Message.StartsWith(file, StringComparison.Ordinal) ? e.Message : $"{file}: {e.Message}";
                if (status is not null) status.WriteFailure(message);
                else context.Err.WriteLine($"hmm: lipsync: {message}");
            }
        }
        if (!s.Quiet && !s.MachineReadable)
            context.Err.WriteLine(string.Format(CultureInfo.InvariantCulture, "lipsync: {0} of {1} files, {2:F1} s of audio in {3:F2} s ({4:F0}x real time){5}",
                files.Count - failed, files.Count, audioSeconds, clock.Elapsed.TotalSeconds, audioSeconds / Math.Max(1e-9, clock.Elapsed.TotalSeconds),
                failed > 0 ? $"; {failed} failed" : ""));
        return failed > 0 ? 1 : 0;
    }

    /// <summary>
    /// The model adapted to the files' voice (--adapt): the forced aligner's MAP rounds on each file's transcript, or on
    /// the phones a first lip-sync pass commits where it has none. Files that cannot be read are left to the main pass to
    /// report.
    /// </summary>
    private static Hmm.Speech.IAcousticModel AdaptedModel(List<string> files, Settings s)
    {
        Hmm.Speech.IAcousticModel model = s.Loaded ?? Hmm.Speech.AcousticModel.LoadDefault();
        var inputs = new List<AlignmentInput>();
        foreach (var file in files)
        {
            try
            {
                var audio = WavReader.Read(file, model.FrontEnd.SampleRate);
                if (audio.Samples.Length == 0) continue;
                string? transcript = s.NoText ? null : s.Text ?? Beside(file, ".txt") ?? Beside(file, ".phones");
                var words = Script(s, transcript);
                IEnumerable<IReadOnlyList<string>> phones;
                if (words is not null) phones = words.Select(w => (IReadOnlyList<string>)w.Phones);
                else
                {
                    // Without a transcript, the phones a first pass recognises stand in for one; pauses split them into words.
                    var first = Analyse(audio.Samples, audio.SampleRate, s with { Set = "rhubarb" }, null, wholeFile: true);
                    var groups = new List<List<string>> { new() };
                    foreach (var segment in first.Segments)
                    {
                        string phone = first.Phones[segment.Phone];
                        if (phone == Hmm.Speech.PhoneSet.Silence) { if (groups[^1].Count > 0) groups.Add(new()); }
                        else groups[^1].Add(phone);
                    }
                    phones = groups.Where(g => g.Count > 0);
                    if (!phones.Any()) continue;
                }
                inputs.Add(new AlignmentInput(file, audio.Samples, PhoneSequence.FromWords(phones)));
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or WavFormatException)
            {
                // The main pass reads the file again and reports it.
            }
        }
        s.Reusable = null; // its phone loop is the unadapted model's
        if (inputs.Count == 0) return model;
        var aligner = new ForcedAligner(model, new ForcedAlignerOptions { AdaptationIterations = s.Adapt, MaxDegreeOfParallelism = Environment.ProcessorCount });
        return aligner.AdaptedModel(inputs);
    }

    private static string Extension(Settings s) => s.Set != "rhubarb" ? ".json" : s.Format switch { "tsv" => ".tsv", "xml" => ".xml", "json" => ".json", _ => ".dat" };

    /// <summary>What one input gives: committed phones and, for the weight sets, every frame's weights.</summary>
    private sealed record Analysis(double Duration, List<CommittedPhone> Segments, List<(double Time, float[] Weights)> Frames, Hmm.Speech.PhoneSet Phones);

    private static string? Beside(string wav, string extension) => File.Exists(Path.ChangeExtension(wav, extension)) ? Path.ChangeExtension(wav, extension) : null;

    /// <summary>
    /// The words of <paramref name="path"/>'s transcript (a .phones file: whitespace-separated phones, `sil` between
    /// groups taken as pauses and each group as a word), or null without one.
    /// </summary>
    private static IReadOnlyList<Hmm.Speech.TranscribedWord>? Script(Settings s, string? path, TextWriter? notes = null)
    {
        if (path is null) return null;
        string text = InputFile.ReadText(path);
        if (path.EndsWith(".phones", StringComparison.OrdinalIgnoreCase))
        {
            var groups = new List<Hmm.Speech.TranscribedWord>();
            var current = new List<string>();
            void Close()
            {
                if (current.Count > 0) groups.Add(new Hmm.Speech.TranscribedWord(string.Join(" ", current), current.ToArray(), Hmm.Speech.PronunciationSource.Dictionary));
                current.Clear();
            }
            foreach (var phone in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                if (phone == Hmm.Speech.PhoneSet.Silence) Close();
                else if (!Hmm.Speech.PhoneSet.Default.Contains(phone)) throw new InvalidDataException($"{path}: '{phone}' is not a phone of the model.");
                else current.Add(phone);
            }
            Close();
            if (groups.Count == 0) throw new InvalidDataException($"{path}: no phones (expected whitespace-separated phones such as 'sil DH AH sil').");
            return groups;
        }
        s.Transcriber ??= new Hmm.Speech.Transcriber(Hmm.Speech.PronunciationLexicon.LoadDefault());
        var unpronounceable = new List<string>();
        var words = s.Transcriber.Transcribe(text, unpronounceable);
        if (words.Count == 0) throw new InvalidDataException($"{path}: the transcript has no words.");
        // The mouth would run ahead of the audio past a word left out: the user has to know which.
        if (unpronounceable.Count > 0) notes?.WriteLine($"hmm: lipsync: {path}: out of vocabulary and not pronounceable by rule (left out): {string.Join(", ", unpronounceable)}");
        return words;
    }

    /// <summary>Weight of a file's own statistics in its normalisation, frames (it decays with the 5 s time constant: it dominates for about a minute).</summary>
    private const double FilePriorFrames = 1e6;

    private static Analysis Analyse(float[] samples, int sampleRate, Settings s, IReadOnlyList<Hmm.Speech.TranscribedWord>? script,
        RhubarbStatusWriter? status = null, TextWriter? live = null, bool wholeFile = false)
    {
        var options = LipSyncOptions.Balanced with { Script = script, Model = s.Loaded, LookaheadMs = s.LookaheadMs, BigramWeight = s.BigramWeight, InputSampleRate = sampleRate, MaxBlockSamples = Math.Max(1, sampleRate * BlockMs / 1000),
            FrameOutputs = s.Set != "rhubarb" || live is not null }; // Rhubarb's cues come from the committed segments alone
        // A whole file is known ahead: its own feature statistics start the running normalisation, with a weight that
        // outlasts a sentence, so it normalises like an offline pass instead of learning the statistics as it goes.
        if (wholeFile) options = options with { PriorFrames = FilePriorFrames };
        LipSyncProcessor processor;
        // A folder's files share one processor: each file only brings its own script's graph.
        if (s.Reusable is { } kept && kept.Options with { Script = null } == options with { Script = null })
        {
            processor = kept;
            processor.ResetScript(script);
        }
        else
        {
            processor = new LipSyncProcessor(options);
            s.Reusable = processor;
        }
        var frames = new List<(double, float[])>();
        processor.FrameAnalysed = s.Set == "rhubarb" ? null : f => frames.Add((f.Time, (float[])(s.Set == "oculus" ? f.Oculus : f.Vowels).Clone()));
        var segments = new List<CommittedPhone>();
        var buffer = new CommittedPhone[256];
        int block = options.MaxBlockSamples;
        if (wholeFile)
        {
            // One front-end pass gives both the statistics and the frames.
            processor.SegmentCommitted = segments.Add;
            try
            {
                processor.ProcessRecording(samples);
            }
            finally
            {
                processor.SegmentCommitted = null;
            }
            status?.WriteProgress(1);
            return new Analysis(samples.Length / (double)sampleRate, segments, frames, processor.Phones);
        }
        var paced = Stopwatch.StartNew();
        var latest = new LipSyncFrame(processor.Phones);
        double shown = -1;
        for (int i = 0; i < samples.Length; i += block)
        {
            int n = Math.Min(block, samples.Length - i);
            processor.Push(samples.AsSpan(i, n));
            Drain(processor, buffer, segments);
            status?.WriteProgress((i + n) / (double)samples.Length);
            if (live is not null && processor.TryReadLatest(latest) && latest.Time - shown >= 0.05)
            {
                // One line redrawn in place: time, mouth shape, phone and (following a script) the word.
                shown = latest.Time;
                string word = latest.Word >= 0 && script is not null ? script[latest.Word].Text : "";
                live.Write(string.Format(CultureInfo.InvariantCulture, "\r{0,7:F2} s  mouth {1}  phone {2,-3}  voice {3,3:P0}  {4,-20}", latest.Time,
                    latest.RhubarbShape, latest.PhoneName, latest.VoiceActivity, word));
                live.Flush();
            }
            if (s.Realtime || s.Live)
            {
                double due = (i + n) * 1000.0 / sampleRate - paced.Elapsed.TotalMilliseconds;
                if (due > 1) Thread.Sleep((int)due);
            }
        }
        processor.Flush();
        Drain(processor, buffer, segments);
        live?.WriteLine();
        return new Analysis(samples.Length / (double)sampleRate, segments, frames, processor.Phones);
    }

    private static void Drain(LipSyncProcessor processor, CommittedPhone[] buffer, List<CommittedPhone> segments)
    {
        int n;
        while ((n = processor.ReadSegments(buffer)) > 0) segments.AddRange(buffer.Take(n));
    }

    private static void Write(CliContext context, Settings s, string input, Analysis result, string? path)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        string soundFile = input == "-" ? "" : Path.GetFullPath(input);
        if (s.Set == "rhubarb")
        {
            var cues = Cues(result, s.ExtendedShapes);
            var format = s.Format switch { "tsv" => RhubarbExportFormat.Tsv, "xml" => RhubarbExportFormat.Xml, "json" => RhubarbExportFormat.Json, _ => RhubarbExportFormat.Dat };
            var options = new RhubarbExportOptions { DatFrameRate = s.DatFrameRate, DatUsePrestonBlair = s.PrestonBlair, ExtendedShapes = s.ExtendedShapes };
            RhubarbExporter.Write(format, text, cues, soundFile, MouthCueBuilder.DurationOf((long)Math.Round(result.Duration * 1e6), 1_000_000), options);
        }
        else WriteWeights(text, s.Set, soundFile, result);
        if (path is null) context.Out.Write(text.ToString());
        else OutputFile.WriteText(path, text.ToString());
    }

    /// <summary>Rhubarb cues from the committed phones: each 10 ms frame takes the shape of the phone at its centre.</summary>
    private static MouthCue[] Cues(Analysis result, string extendedShapes)
    {
        var map = VisemeMap.For(VisemeSet.Rhubarb, result.Phones);
        int frames = (int)Math.Floor(result.Duration * 100);
        var shapes = new RhubarbShape[frames];
        int k = 0;
        for (int f = 0; f < frames; f++)
        {
            double centre = (f + 0.5) / 100;
            while (k < result.Segments.Count - 1 && result.Segments[k].End <= centre) k++;
            shapes[f] = result.Segments.Count == 0 ? RhubarbShape.X : (RhubarbShape)map.ShapeOf(result.Segments[k].Phone);
        }
        return MouthCueBuilder.FromFrames(shapes, 10, result.Duration, extendedShapes);
    }

    /// <summary>`--plot`: the committed phones and the mouth cues as two label tiers under the waveform and spectrogram.</summary>
    private static void Plot(CliContext context, string wav, Analysis result, Settings s)
    {
        // The tiers are named "folder/file": a folder "lipsync" inside a unique one names them "lipsync/phones.lab" and "lipsync/mouth.lab".
        string parent = Path.Combine(Path.GetTempPath(), "hmm-" + Guid.NewGuid().ToString("N")), dir = Path.Combine(parent, "lipsync");
        Directory.CreateDirectory(dir);
        try
        {
            string phones = Path.Combine(dir, "phones.lab"), shapes = Path.Combine(dir, "mouth.lab");
            LabelFile.Write(phones, result.Segments.Select(g => new Hmm.Speech.PhoneSegment(g.Start, g.End, result.Phones[g.Phone])).ToList(), LabelFormat.Lab);
            LabelFile.Write(shapes, Cues(result, s.ExtendedShapes).Where(c => c.End > c.Start)
                .Select(c => new Hmm.Speech.PhoneSegment(c.Start, c.End, c.Shape.ToString())).ToList(), LabelFormat.Lab);
            PlotCommand.Run(context with { Out = context.Err }, wav, [phones, shapes], s.Plot!, 1600, 460);
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    private static void WriteWeights(TextWriter w, string set, string soundFile, Analysis result)
    {
        var names = VisemeMap.ShapeNames(set == "oculus" ? VisemeSet.Oculus : VisemeSet.Vowels);
        w.Write("{\n  \"soundFile\": \"");
        w.Write(System.Text.Json.JsonEncodedText.Encode(soundFile).ToString());
        w.Write(string.Format(CultureInfo.InvariantCulture, "\",\n  \"duration\": {0:0.000},\n  \"visemes\": [", result.Duration));
        w.Write(string.Join(", ", names.Select(n => "\"" + n + "\"")));
        w.Write("],\n  \"frames\": [");
        for (int i = 0; i < result.Frames.Count; i++)
        {
            var (time, weights) = result.Frames[i];
            w.Write(i == 0 ? "\n    " : ",\n    ");
            w.Write(string.Format(CultureInfo.InvariantCulture, "{{ \"time\": {0:0.0000}, \"weights\": [", time));
            w.Write(string.Join(", ", weights.Select(v => v.ToString("0.####", CultureInfo.InvariantCulture))));
            w.Write("] }");
        }
        w.Write("\n  ]\n}\n");
    }

    /// <summary>Raw little-endian mono PCM: 16-bit integers or 32-bit floats.</summary>
    /// <summary>The most bytes of raw PCM read from standard input: 1 GiB, over 9 hours of 16-bit audio at 16 kHz.</summary>
    internal const int MaxStdinBytes = 1 << 30;

    /// <summary>Reads raw PCM from <paramref name="stream"/> to its end, refusing more than <paramref name="maxBytes"/> (an endless stream).</summary>
    internal static float[] ReadPcm(Stream stream, int bits, int maxBytes = MaxStdinBytes)
    {
        using var memory = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (memory.Length + n > maxBytes)
                throw new InvalidDataException($"standard input: more than {maxBytes >> 20} MiB of audio (an endless stream?); give a WAV file, or split the audio.");
            memory.Write(chunk, 0, n);
        }
        var bytes = memory.GetBuffer().AsSpan(0, (int)memory.Length);
        int size = bits / 8;
        if (bytes.Length % size != 0) throw new InvalidDataException($"standard input: {bytes.Length} bytes is not a whole number of {bits}-bit samples.");
        if (bytes.Length == 0) throw new InvalidDataException("standard input: no audio (the stream is empty).");
        var samples = new float[bytes.Length / size];
        for (int i = 0; i < samples.Length; i++)
            samples[i] = bits == 16 ? BitConverter.ToInt16(bytes.Slice(2 * i, 2)) / 32768f : BitConverter.ToSingle(bytes.Slice(4 * i, 4));
        return samples;
    }
}

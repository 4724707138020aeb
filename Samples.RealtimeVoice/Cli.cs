using System;
using System.IO;
using Hmm.Speech.Training;
using Hmm.Speech;

namespace Samples.RealtimeVoice;

/// <summary>Dispatches `hmm VERB ...` and turns usage and input errors into "hmm: message" and exit code 2.</summary>
internal static class Cli
{
    /// <summary>Runs one command line; returns the process exit code.</summary>
    /// <param name="args">The arguments, verb first.</param>
    /// <param name="stdout">Standard output.</param>
    /// <param name="stderr">Standard error.</param>
    /// <param name="environment">Reads an environment variable (tests pass their own).</param>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment)
    {
        try
        {
            string verb = args.Length > 0 ? args[0] : "help";
            var rest = args.Length > 0 ? args[1..] : Array.Empty<string>();
            return verb switch
            {
                "align" => AlignCommand.Run(rest, stdout, stderr, environment),
                "train" => TrainCommand.Run(rest, stdout, stderr, environment),
                "eval" => EvalCommand.Run(rest, stdout, stderr),
                "plot" => PlotCommand.Run(rest, stdout, stderr),
                "help" or "--help" or "-h" => Help(stdout),
                _ => Fail(stderr, $"unknown command '{verb}'."),
            };
        }
        catch (ModelFormatException ex)
        {
            return Fail(stderr, ex.Message);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            return Fail(stderr, ex.Message);
        }
    }

    private static int Help(TextWriter stdout)
    {
        stdout.WriteLine("usage: hmm VERB [options]");
        stdout.WriteLine("         options: --states N --components K --dim D --batch B --length T --seed S");
        stdout.WriteLine("  align  INPUT [--phones FILE | --text FILE] [--model FILE] [--dict FILE] [--format lab|textgrid|json] [--out DIR] [--quiet]");
        stdout.WriteLine("         [--engine auto|cpu|gpu] [--adapt ROUNDS] [--tau T] [--no-offsets] [--viterbi-boundaries] [--threads N] [--batch N]");
        stdout.WriteLine("         [--mllr none|global|classes] [--mllr-ridge R] [--no-map] [--timing] [--repeat N]");
        stdout.WriteLine("         forced alignment of a WAV file (prints its phone table) or a folder of X.wav + X.phones / X.txt;");
        stdout.WriteLine("         --engine auto takes the GPU where a CUDA device exists; --timing prints the time of each stage;");
        stdout.WriteLine("         --repeat N aligns N times in one process and reports the best and median pass after the first (benchmark)");
        stdout.WriteLine("  train  DATA_DIR [...] --out MODEL [--components K] [--iterations I] [--states N] [--hop MS] [--floor F] [--slack N]");
        stdout.WriteLine("         [--speeds 0.8,...,1.25] [--noisy N] [--reverb N] [--embedded N] [--viterbi] [--no-offsets]");
        stdout.WriteLine("         [--threads N] [--engine auto|cpu|gpu]");
        stdout.WriteLine("         trains phone models on X.wav + X.lab pairs");
        stdout.WriteLine("  eval   HYP_DIR REF_DIR [--worst N]   boundary accuracy of label files against references");
        stdout.WriteLine("  plot   X.wav [X.lab ...] --out X.png   waveform, spectrogram and one phone tier per label file");
        return 0;
    }

    private static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"hmm: {message}");
        return 2;
    }
}

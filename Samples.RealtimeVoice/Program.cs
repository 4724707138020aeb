using System;
using Hmm.Alignment;
using Samples.RealtimeVoice;

// `hmm VERB ...`: the command-line face of the Hmm library.
try
{
    string verb = args.Length > 0 ? args[0] : "help";
    var rest = args.Length > 0 ? args[1..] : Array.Empty<string>();
    return verb switch
    {
        "demo" => DemoCommand.Run(rest),
        "align" => AlignCommand.Run(rest, Console.Out, Console.Error),
        "train" => TrainCommand.Run(rest, Console.Out, Console.Error),
        "eval" => EvalCommand.Run(rest, Console.Out, Console.Error),
        "plot" => PlotCommand.Run(rest, Console.Out, Console.Error),
        "help" or "--help" or "-h" => Help(),
        _ => Fail($"unknown command '{verb}'."),
    };
}
catch (ModelFormatException ex)
{
    return Fail(ex.Message);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or System.IO.IOException or InvalidOperationException or UnauthorizedAccessException)
{
    return Fail(ex.Message);
}

static int Help()
{
    Console.WriteLine("usage: hmm VERB [options]");
    Console.WriteLine("  demo   sample sequences from a known GMM-HMM, decode them with every engine, print accuracy and speed");
    Console.WriteLine("         options: --states N --components K --dim D --batch B --length T --seed S");
    Console.WriteLine("  align  INPUT [--phones FILE | --text FILE] [--model FILE] [--dict FILE] [--format lab|textgrid|json] [--out DIR] [--quiet]");
    Console.WriteLine("         [--adapt ROUNDS] [--tau T] [--no-offsets] [--viterbi-boundaries] [--threads N] [--batch N]");
    Console.WriteLine("         forced alignment of a WAV file (prints its phone table) or a folder of X.wav + X.phones / X.txt");
    Console.WriteLine("  train  DATA_DIR [...] --out MODEL [--components K] [--iterations I] [--states N] [--hop MS] [--floor F] [--slack N]");
    Console.WriteLine("         [--speeds 0.8,...,1.25] [--noisy N] [--reverb N] [--embedded N] [--viterbi] [--no-offsets] [--threads N]");
    Console.WriteLine("         trains phone models on X.wav + X.lab pairs");
    Console.WriteLine("  eval   HYP_DIR REF_DIR [--worst N]   boundary accuracy of label files against references");
    Console.WriteLine("  plot   X.wav [X.lab ...] --out X.png   waveform, spectrogram and one phone tier per label file");
    return 0;
}

static int Fail(string message)
{
    Console.Error.WriteLine($"hmm: {message}");
    return 2;
}

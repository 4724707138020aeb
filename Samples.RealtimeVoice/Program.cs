using System;
using Samples.RealtimeVoice;

// `hmm VERB ...`: the command-line face of the Hmm library.
try
{
    string verb = args.Length > 0 ? args[0] : "help";
    var rest = args.Length > 0 ? args[1..] : Array.Empty<string>();
    return verb switch
    {
        "demo" => DemoCommand.Run(rest),
        "help" or "--help" or "-h" => Help(),
        _ => Fail($"unknown command '{verb}'."),
    };
}
catch (Exception ex) when (ex is ArgumentException or FormatException or System.IO.IOException or InvalidOperationException)
{
    return Fail(ex.Message);
}

static int Help()
{
    Console.WriteLine("usage: hmm VERB [options]");
    Console.WriteLine("  demo   sample sequences from a known GMM-HMM, decode them with every engine, print accuracy and speed");
    Console.WriteLine("         options: --states N --components K --dim D --batch B --length T --seed S");
    return 0;
}

static int Fail(string message)
{
    Console.Error.WriteLine($"hmm: {message}");
    return 2;
}

using System;
using Samples.RealtimeVoice;

// `hmm VERB ...`: the command-line face of the Hmm library.
return Cli.Run(args, new CliContext(Console.Out, Console.Error, Environment.GetEnvironmentVariable,
    ErrorIsTerminal: !Console.IsErrorRedirected, OutputIsTerminal: !Console.IsOutputRedirected));

using System;
using Samples.RealtimeVoice;

// `hmm VERB ...`: the command-line face of the Hmm library.
if (!Console.IsErrorRedirected)
{
    // A progress bar hides the cursor while it draws; Ctrl-C would otherwise leave the terminal without one.
    Console.CancelKeyPress += (_, _) => Console.Error.Write("\u001b[?25h");
}
return Cli.Run(args, new CliContext(Console.Out, Console.Error, Environment.GetEnvironmentVariable,
    ErrorIsTerminal: !Console.IsErrorRedirected, OutputIsTerminal: !Console.IsOutputRedirected));

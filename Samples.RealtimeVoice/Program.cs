using System;
using Hmm.Speech.Training;
using Samples.RealtimeVoice;

// `hmm VERB ...`: the command-line face of the Hmm library.
return Cli.Run(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable);

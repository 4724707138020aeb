using System;
using System.CommandLine;
using System.CommandLine.Help;
using System.IO;
using System.Linq;
using Hmm.Speech;

namespace Samples.RealtimeVoice;

/// <summary>
/// `hmm VERB ...` on System.CommandLine: each verb's options and help are defined once, in its command class. Usage and
/// input errors become "hmm: VERB: message" on stderr and exit code 2; a verb returns 1 when some of its files failed.
/// </summary>
internal static class Cli
{
    /// <summary>Exit code of a usage or input error.</summary>
    public const int UsageError = 2;

    /// <summary>Runs one command line; returns the process exit code.</summary>
    /// <param name="args">The arguments, verb first.</param>
    /// <param name="stdout">Standard output.</param>
    /// <param name="stderr">Standard error.</param>
    /// <param name="environment">Reads an environment variable (tests pass their own).</param>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment) =>
        Run(args, new CliContext(stdout, stderr, environment));

    /// <summary>Runs one command line in <paramref name="context"/>; returns the process exit code.</summary>
    public static int Run(string[] args, CliContext context)
    {
        // `hmm help [VERB]` was the help verb before System.CommandLine; it stays an alias of `hmm [VERB] --help`.
        if (args.Length > 0 && args[0] == "help") args = args.Skip(1).Append("--help").ToArray();
        var root = CreateRoot(context);
        // File names may start with '@' (a response file to System.CommandLine): arguments are taken literally.
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        string verb = parsed.CommandResult.Command == root ? "" : CommandPath(parsed.CommandResult) + ": ";
        if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
        {
            foreach (var error in parsed.Errors) context.Err.WriteLine($"hmm: {Prefixed(verb, error.Message)}");
            bool unknown = parsed.UnmatchedTokens.Count > 0 || parsed.Errors.Any(e => e.Message.StartsWith(CliOptions.UnknownOption, StringComparison.Ordinal));
            if (unknown) context.Err.WriteLine($"hmm: see 'hmm {verb.Replace(":", "", StringComparison.Ordinal)}--help' for the options.");
            return UsageError;
        }
        // A subcommand's help would list its parent verb's arguments (`hmm eval <HYP_DIR> <REF_DIR> pitch ...`), which do
        // not apply to it; the root is built per run, so hiding them here changes nothing else.
        if (parsed.Action is HelpAction && parsed.CommandResult.Parent is System.CommandLine.Parsing.CommandResult { Command: not RootCommand } parentVerb)
            foreach (var argument in parentVerb.Command.Arguments) argument.Hidden = true;
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = context.Out, Error = context.Err, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (Exception ex) when (Message(ex) is string message)
        {
            context.Err.WriteLine($"hmm: {Prefixed(verb, message)}");
            return UsageError;
        }
    }

    /// <summary>The root command with every verb.</summary>
    internal static RootCommand CreateRoot(CliContext context)
    {
        var root = new RootCommand("hmm: forced alignment, training and evaluation of phone models (the command-line face of the Hmm library).")
        {
            AlignCommand.Create(context),
            TrainCommand.Create(context),
            EvalCommand.Create(context),
            PlotCommand.Create(context),
            CalibrateCommand.Create(context),
            LipSyncCommand.Create(context),
            TransferCommand.Create(context),
        };
        // `hmm` alone prints the help, as it always has.
        root.SetAction(parseResult => new HelpAction().Invoke(parseResult));
        return root;
    }

    /// <summary>A verb's name, with its parent verb's for a subcommand ("eval pitch").</summary>
    private static string CommandPath(System.CommandLine.Parsing.CommandResult result) =>
        result.Parent is System.CommandLine.Parsing.CommandResult { Command: not RootCommand } parent ? CommandPath(parent) + " " + result.Command.Name : result.Command.Name;

    /// <summary>The messages of the verbs' own errors start with the verb already; System.CommandLine's do not.</summary>
    private static string Prefixed(string verb, string message) => verb.Length == 0 || message.StartsWith(verb, StringComparison.Ordinal) ? message : verb + message;

    /// <summary>The message of an input or usage error (null for a bug, which keeps its stack trace).</summary>
    private static string? Message(Exception ex) => ex switch
    {
        AggregateException a => Message(a.Flatten().InnerExceptions[0]) is string first
            ? first + (a.Flatten().InnerExceptions.Count > 1 ? $" (and {a.Flatten().InnerExceptions.Count - 1} more errors)" : "") : null,
        // "(Parameter 'name')" names a library parameter, not anything the user typed.
        ArgumentException { ParamName: string name } => ex.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal),
        ModelFormatException or ArgumentException or FormatException or IOException or InvalidDataException
            or InvalidOperationException or UnauthorizedAccessException => ex.Message,
        _ => null,
    };
}

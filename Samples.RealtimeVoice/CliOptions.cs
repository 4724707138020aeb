using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.IO;

namespace Samples.RealtimeVoice;

/// <summary>What a verb's action writes to and reads from: the two output streams and the environment.</summary>
/// <param name="Out">Standard output (results).</param>
/// <param name="Err">Standard error (messages, progress, summaries).</param>
/// <param name="Environment">Reads an environment variable (tests pass their own).</param>
/// <param name="ErrorIsTerminal">True when <paramref name="Err"/> is an interactive terminal: only then is a live progress bar drawn.</param>
/// <param name="OutputIsTerminal">True when <paramref name="Out"/> is an interactive terminal: only then are results drawn as tables
/// (redirected output keeps the plain text that scripts read).</param>
/// <param name="Input">Opens standard input (`hmm lipsync -`); null: the process's.</param>
internal sealed record CliContext(TextWriter Out, TextWriter Err, Func<string, string?> Environment, bool ErrorIsTerminal = false, bool OutputIsTerminal = false,
    Func<Stream>? Input = null);

/// <summary>Option factories shared by the verbs: numbers with a range (one message for both a bad number and one out of range), choices.</summary>
internal static class CliOptions
{
    /// <summary>A whole-number option from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<int> Int(string name, int fallback, int min, int max, string description)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => fallback, HelpName = "N" };
        option.CustomParser = result => ParseInt(result, name, min, max) ?? fallback;
        return option;
    }

    /// <summary>A whole-number option whose default depends on other choices (null when absent); the description says what it is.</summary>
    public static Option<int?> OptionalInt(string name, int min, int max, string description)
    {
        var option = new Option<int?>(name) { Description = description, HelpName = "N" };
        option.CustomParser = result => ParseInt(result, name, min, max);
        return option;
    }

    /// <summary>A number option from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<double> Double(string name, double fallback, double min, double max, string description, string helpName = "X")
    {
        var option = new Option<double>(name) { Description = description, DefaultValueFactory = _ => fallback, HelpName = helpName };
        option.CustomParser = result =>
        {
            if (result.Tokens.Count == 0) return fallback;
            string v = result.Tokens[^1].Value;
            if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !(x >= min && x <= max))
            {
                result.AddError(string.Format(CultureInfo.InvariantCulture, "{0} must be a number from {1} to {2} (got '{3}').", name, min, max, v));
                return fallback;
            }
            return x;
        };
        return option;
    }

    /// <summary>A file or folder option (null when absent).</summary>
    public static Option<string?> Path(string name, string helpName, string description) =>
        NonEmpty(new Option<string?>(name) { Description = description, HelpName = helpName });

    /// <summary>Refuses an empty value (`--out ''`), which would otherwise fail later with a message that does not name the option.</summary>
    public static T NonEmpty<T>(T option) where T : Option
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && string.IsNullOrWhiteSpace(result.Tokens[^1].Value)) result.AddError($"{option.Name} needs a name (got an empty string).");
        });
        return option;
    }

    /// <summary>An on/off option.</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>`--engine auto|cpu|gpu` (see <see cref="EngineChoice"/>).</summary>
    public static Option<string> Engine(string description)
    {
        var option = new Option<string>("--engine") { Description = description, DefaultValueFactory = _ => "auto", HelpName = "auto|cpu|gpu" };
        option.Validators.Add(result =>
        {
            string? v = result.GetValueOrDefault<string>();
            if (v is not ("auto" or "cpu" or "gpu")) result.AddError($"--engine must be auto, cpu or gpu (got '{v}').");
        });
        return option;
    }

    /// <summary>`--threads N`: threads of the CPU engine and of reading and writing files.</summary>
    public static Option<int> Threads() =>
        Int("--threads", Environment.ProcessorCount, 1, 1024, "Threads for the CPU engine and for reading and writing files; the default is this machine's processor count.");

    /// <summary>
    /// Lets every valued option of <paramref name="command"/> be given more than once, the last one winning (as `hmm` has
    /// always done: scripts append overrides); System.CommandLine refuses a repeated single-value option by default.
    /// </summary>
    public static Command LastWins(Command command)
    {
        foreach (var option in command.Options)
        {
            if (option.Arity.MinimumNumberOfValues != 1 || option.Arity.MaximumNumberOfValues != 1) continue; // flags and help
            // One value per occurrence (AllowMultipleArgumentsPerToken stays false), any number of occurrences.
            option.Arity = new ArgumentArity(1, 100);
            // Numbers have their own parsers (which take the last token); text options get one here.
            if (option is Option<string> text) text.CustomParser ??= result => result.Tokens[^1].Value;
        }
        return command;
    }

    /// <summary>Start of the message for an unknown option taken as an argument value (see <see cref="RejectOptionLikeValues"/>).</summary>
    public const string UnknownOption = "unknown option";

    /// <summary>
    /// Makes an argument refuse values that look like options: System.CommandLine hands an unknown `--word` to an argument
    /// that still has room (`hmm train DIR --bogus` would train on a folder named "--bogus"), and a mistyped option should
    /// be named as one.
    /// </summary>
    public static T RejectOptionLikeValues<T>(T argument) where T : Argument
    {
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
                if (token.Value.StartsWith("--", StringComparison.Ordinal)) result.AddError($"{UnknownOption} '{token.Value}'.");
        });
        return argument;
    }

    private static int? ParseInt(ArgumentResult result, string name, int min, int max)
    {
        if (result.Tokens.Count == 0) return null;
        string v = result.Tokens[^1].Value;
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int x) || x < min || x > max)
        {
            result.AddError($"{name} must be a whole number from {min} to {max} (got '{v}').");
            return null;
        }
        return x;
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using Hmm.Speech.Training;

namespace Samples.RealtimeVoice;

/// <summary>A verb's arguments: positional values and --options (with or without a value), checked against what the verb knows.</summary>
internal sealed class CliArguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);

    public CliArguments(string verb, string[] args, IReadOnlyCollection<string> valued, IReadOnlyCollection<string> flags)
    {
        Verb = verb;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (((ICollection<string>)valued).Contains(a))
                {
                    if (i + 1 >= args.Length) throw new ArgumentException($"{verb}: {a} needs a value.");
                    _options[a] = args[++i];
                }
                else if (((ICollection<string>)flags).Contains(a))
                {
                    _options[a] = null;
                }
                else
                {
                    throw new ArgumentException($"{verb}: unknown option {a} (options: {string.Join(" ", valued)} {string.Join(" ", flags)}).");
                }
            }
            else
            {
                Positional.Add(a);
            }
        }
    }

    public string Verb { get; }

    public List<string> Positional { get; } = new();

    public bool Has(string option) => _options.ContainsKey(option);

    public string? Get(string option) => _options.TryGetValue(option, out var v) ? v : null;

    public int GetInt(string option, int fallback, int min, int max)
    {
        string? v = Get(option);
        if (v is null) return fallback;
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int x) || x < min || x > max)
            throw new ArgumentException($"{Verb}: {option} must be a whole number from {min} to {max} (got '{v}').");
        return x;
    }

    public double GetDouble(string option, double fallback, double min, double max)
    {
        string? v = Get(option);
        if (v is null) return fallback;
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !(x >= min && x <= max))
            throw new ArgumentException($"{Verb}: {option} must be a number from {min} to {max} (got '{v}').");
        return x;
    }
}

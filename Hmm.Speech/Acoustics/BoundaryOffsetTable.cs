using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace Hmm.Speech;

/// <summary>
/// Boundary offsets by phone class pair as text (what <c>hmm calibrate</c> writes): comment lines starting with <c>#</c>,
/// one of which may be <c># fingerprint: TEXT</c> naming the model the offsets belong to, then a header line
/// <c>before after seconds</c> and one tab-separated line per class pair with an offset (pairs not listed are 0).
/// </summary>
public static class BoundaryOffsetTable
{
    /// <summary>The table of <paramref name="offsets"/> (<c>[before, after]</c> over <see cref="PhoneClass"/>), with comment lines and a fingerprint.</summary>
    public static string Format(float[,] offsets, string? fingerprint, IEnumerable<string> comments)
    {
        Guard.NotNull(offsets, nameof(offsets));
        Guard.NotNull(comments, nameof(comments));
        var text = new StringBuilder();
        foreach (string comment in comments) text.Append("# ").Append(comment).Append('\n');
        if (fingerprint is not null) text.Append("# fingerprint: ").Append(fingerprint).Append('\n');
        text.Append("before\tafter\tseconds\n");
        for (int a = 0; a < offsets.GetLength(0); a++)
            for (int b = 0; b < offsets.GetLength(1); b++)
                if (offsets[a, b] != 0)
                    text.Append(((PhoneClass)a).ToString().ToLowerInvariant()).Append('\t').Append(((PhoneClass)b).ToString().ToLowerInvariant()).Append('\t')
                        .Append(offsets[a, b].ToString("0.0000", CultureInfo.InvariantCulture)).Append('\n');
        return text.ToString();
    }

    /// <summary>Reads a table; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="InvalidDataException">A line is not a class pair with an offset within ±0.1 s (the message names the source and line).</exception>
    public static (float[,] Offsets, string? Fingerprint) Parse(string text, string source)
    {
        Guard.NotNull(text, nameof(text));
        var offsets = new float[AcousticModel.ClassCount, AcousticModel.ClassCount];
        string? fingerprint = null;
        bool header = false;
        int number = 0;
        foreach (string raw in text.Split('\n'))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0) continue;
            if (line[0] == '#')
            {
                const string Tag = "# fingerprint:";
                if (line.StartsWith(Tag, StringComparison.Ordinal)) fingerprint = line.Substring(Tag.Length).Trim();
                continue;
            }
            var fields = line.Split('\t');
            if (!header)
            {
                if (fields.Length != 3 || fields[0] != "before" || fields[1] != "after" || fields[2] != "seconds")
                    throw new InvalidDataException($"{source}:{number}: expected the header 'before<TAB>after<TAB>seconds', found '{line}'.");
                header = true;
                continue;
            }
            if (fields.Length != 3 || !PhoneSet.TryParseClass(fields[0], out var before) || !PhoneSet.TryParseClass(fields[1], out var after)
                || !float.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out float seconds) || !(Math.Abs(seconds) <= 0.1f))
                throw new InvalidDataException($"{source}:{number}: '{line}' is not 'class<TAB>class<TAB>seconds' with phone classes and an offset within 0.1 s.");
            offsets[(int)before, (int)after] = seconds;
        }
        if (!header) throw new InvalidDataException($"{source}: no 'before<TAB>after<TAB>seconds' header: not a boundary offset table.");
        return (offsets, fingerprint);
    }
}

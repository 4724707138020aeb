using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace Hmm.Speech.Training;

/// <summary>Label file formats.</summary>
public enum LabelFormat
{
    /// <summary><c>start&lt;TAB&gt;end&lt;TAB&gt;phone</c> per line, seconds with 3 decimals (Audacity labels, speech-dev <c>.lab</c>).</summary>
    Lab,
    /// <summary>Praat TextGrid (long text format on writing; long or short format on reading), one interval tier "phones".</summary>
    TextGrid,
    /// <summary>JSON: <c>{"duration": s, "segments": [{"start": s, "end": s, "phone": "AA"}, ...]}</c>.</summary>
    Json,
}

/// <summary>
/// Reads and writes phone segmentations as <c>.lab</c>, Praat <c>.TextGrid</c> and <c>.json</c> files. Readers check
/// what alignment needs (numbers parse, times are finite, non-negative, each segment ends no earlier than it starts,
/// segments do not go back in time) and throw <see cref="InvalidDataException"/> naming the file, the line and the problem.
/// </summary>
public static class LabelFile
{
    private static readonly char[] FieldSeparators = { '\t', ' ' };

    /// <summary>The file extension of a format, with the dot (<c>.lab</c>, <c>.TextGrid</c>, <c>.json</c>).</summary>
    public static string Extension(LabelFormat format) => format switch
    {
        LabelFormat.Lab => ".lab",
        LabelFormat.TextGrid => ".TextGrid",
        LabelFormat.Json => ".json",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown label format."),
    };

    /// <summary>Parses a format name: <c>lab</c>, <c>textgrid</c> or <c>json</c> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static LabelFormat ParseFormat(string name) => name?.Trim().ToUpperInvariant() switch
    {
        "LAB" => LabelFormat.Lab,
        "TEXTGRID" => LabelFormat.TextGrid,
        "JSON" => LabelFormat.Json,
        _ => throw new ArgumentException($"unknown label format '{name}': use lab, textgrid or json.", nameof(name)),
    };

    /// <summary>The format a file name's extension says (<c>.lab</c>, <c>.TextGrid</c>, <c>.json</c>; case-insensitive), or null.</summary>
    public static LabelFormat? FormatOf(string path)
    {
        string ext = Path.GetExtension(path ?? "").ToUpperInvariant();
        return ext switch
        {
            ".LAB" => LabelFormat.Lab,
            ".TEXTGRID" => LabelFormat.TextGrid,
            ".JSON" => LabelFormat.Json,
            _ => null,
        };
    }

    /// <summary>Reads a label file, choosing the format by its extension.</summary>
    /// <exception cref="InvalidDataException">Unknown extension or malformed content (the message names the file and line).</exception>
    public static IReadOnlyList<PhoneSegment> Read(string path)
    {
        Guard.NotNull(path, nameof(path));
        var format = FormatOf(path) ?? throw new InvalidDataException($"{path}: unknown label file extension; expected .lab, .TextGrid or .json.");
        return Parse(File.ReadAllText(path), format, path);
    }

    private static readonly UTF8Encoding Utf8NoBom = new(false);

    /// <summary>
    /// Writes <paramref name="segments"/> to <paramref name="path"/> in <paramref name="format"/> (UTF-8, no byte-order
    /// mark), replacing what the file held.
    /// </summary>
    /// <remarks>
    /// An existing file is overwritten in place and cut only when it was longer, instead of truncated to zero first
    /// (File.WriteAllText): on ext4, truncating a file to zero and rewriting it makes the close flush it to disk
    /// (auto_da_alloc), which dominates rewriting a folder of small label files. The bytes written are the same.
    /// </remarks>
    public static void Write(string path, IReadOnlyList<PhoneSegment> segments, LabelFormat format)
    {
        Guard.NotNull(path, nameof(path));
        byte[] bytes = Utf8NoBom.GetBytes(Format(segments, format));
        using var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 1);
        long previousLength = stream.Length;
        stream.Write(bytes, 0, bytes.Length);
        if (previousLength > bytes.Length) stream.SetLength(bytes.Length);
    }

    /// <summary>Formats segments as the text of a label file.</summary>
    public static string Format(IReadOnlyList<PhoneSegment> segments, LabelFormat format)
    {
        Guard.NotNull(segments, nameof(segments));
        return format switch
        {
            LabelFormat.Lab => FormatLab(segments),
            LabelFormat.TextGrid => FormatTextGrid(segments),
            LabelFormat.Json => FormatJson(segments),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown label format."),
        };
    }

    /// <summary>Parses the text of a label file.</summary>
    /// <param name="text">The file content.</param>
    /// <param name="format">Its format.</param>
    /// <param name="source">The name used in error messages (usually the path).</param>
    /// <exception cref="InvalidDataException">Malformed content.</exception>
    public static IReadOnlyList<PhoneSegment> Parse(string text, LabelFormat format, string source)
    {
        Guard.NotNull(text, nameof(text));
        source ??= "(label text)";
        return format switch
        {
            LabelFormat.Lab => ParseLab(text, source),
            LabelFormat.TextGrid => ParseTextGrid(text, source),
            LabelFormat.Json => ParseJson(text, source),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown label format."),
        };
    }

    private static string Seconds(double s) => s.ToString("0.000", CultureInfo.InvariantCulture);

    // ------------------------------------------------------------------ .lab

    private static string FormatLab(IReadOnlyList<PhoneSegment> segments)
    {
        var sb = new StringBuilder();
        foreach (var s in segments) sb.Append(Seconds(s.Start)).Append('\t').Append(Seconds(s.End)).Append('\t').Append(s.Phone).Append('\n');
        return sb.ToString();
    }

    private static List<PhoneSegment> ParseLab(string text, string source)
    {
        var result = new List<PhoneSegment>();
        var lines = text.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n].TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            // Audacity writes tabs; hand-made files often use spaces: accept any whitespace between the fields.
            var cells = line.Split(FieldSeparators, 3, StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length < 3) throw new InvalidDataException($"{source}:{n + 1}: expected 'start<TAB>end<TAB>phone', got '{line}'.");
            double start = Time(cells[0], source, n + 1, "start");
            double end = Time(cells[1], source, n + 1, "end");
            Add(result, new PhoneSegment(start, end, cells[2].Trim()), source, n + 1);
        }
        return result;
    }

    private static double Time(string cell, string source, int line, string what)
    {
        if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || double.IsNaN(v) || double.IsInfinity(v))
            throw new InvalidDataException($"{source}:{line}: the {what} time '{cell}' is not a finite number of seconds.");
        if (v < 0) throw new InvalidDataException($"{source}:{line}: the {what} time {cell} is negative.");
        return v;
    }

    private static void Add(List<PhoneSegment> list, PhoneSegment s, string source, int line)
    {
        if (s.End < s.Start) throw new InvalidDataException($"{source}:{line}: segment '{s.Phone}' ends ({Seconds(s.End)}) before it starts ({Seconds(s.Start)}).");
        if (s.Phone.Length == 0) throw new InvalidDataException($"{source}:{line}: segment at {Seconds(s.Start)} has an empty label.");
        if (list.Count > 0 && s.Start < list[list.Count - 1].End - 1e-9)
            throw new InvalidDataException($"{source}:{line}: segment '{s.Phone}' starts at {Seconds(s.Start)}, before the previous one ends ({Seconds(list[list.Count - 1].End)}).");
        list.Add(s);
    }

    // ------------------------------------------------------------------ TextGrid

    private static string FormatTextGrid(IReadOnlyList<PhoneSegment> segments)
    {
        double xmin = segments.Count > 0 ? Math.Min(0, segments[0].Start) : 0;
        double xmax = segments.Count > 0 ? segments[segments.Count - 1].End : 0;
        var sb = new StringBuilder();
        sb.Append("File type = \"ooTextFile\"\nObject class = \"TextGrid\"\n\n");
        sb.Append("xmin = ").Append(Seconds(xmin)).Append(" \nxmax = ").Append(Seconds(xmax)).Append(" \ntiers? <exists> \nsize = 1 \nitem []: \n");
        sb.Append("    item [1]:\n        class = \"IntervalTier\" \n        name = \"phones\" \n");
        sb.Append("        xmin = ").Append(Seconds(xmin)).Append(" \n        xmax = ").Append(Seconds(xmax)).Append(" \n");
        // Praat wants the tier tiled: gaps become empty intervals.
        var tiled = new List<PhoneSegment>();
        double t = xmin;
        foreach (var s in segments)
        {
            if (s.Start > t + 1e-9) tiled.Add(new PhoneSegment(t, s.Start, ""));
            tiled.Add(s);
            t = s.End;
        }
        sb.Append("        intervals: size = ").Append(tiled.Count.ToString(CultureInfo.InvariantCulture)).Append(" \n");
        for (int i = 0; i < tiled.Count; i++)
        {
            sb.Append("        intervals [").Append((i + 1).ToString(CultureInfo.InvariantCulture)).Append("]:\n");
            sb.Append("            xmin = ").Append(Seconds(tiled[i].Start)).Append(" \n");
            sb.Append("            xmax = ").Append(Seconds(tiled[i].End)).Append(" \n");
            sb.Append("            text = \"").Append(tiled[i].Phone.Replace("\"", "\"\"")).Append("\" \n");
        }
        return sb.ToString();
    }

    private readonly record struct Token(string Text, bool IsString, int Line);

    private static List<PhoneSegment> ParseTextGrid(string text, string source)
    {
        // Praat's text format is a stream of numbers, quoted strings and <flags>; everything else ("xmin =",
        // "item [1]:") is a comment. The long and short formats therefore read the same way.
        var tokens = new List<Token>();
        int line = 1;
        for (int i = 0; i < text.Length;)
        {
            char c = text[i];
            if (c == '\n') { line++; i++; continue; }
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '"')
            {
                var sb = new StringBuilder();
                int startLine = line;
                i++;
                while (true)
                {
                    if (i >= text.Length) throw new InvalidDataException($"{source}:{startLine}: unterminated string (truncated file?).");
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"') { sb.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    if (text[i] == '\n') line++;
                    sb.Append(text[i++]);
                }
                tokens.Add(new Token(sb.ToString(), true, startLine));
                continue;
            }
            int j = i;
            while (j < text.Length && !char.IsWhiteSpace(text[j])) j++;
            string word = text.Substring(i, j - i);
            i = j;
            if (word == "<exists>" || word == "<absent>" || (word.Length > 0 && (char.IsDigit(word[0]) || word[0] == '-' || word[0] == '.')))
                tokens.Add(new Token(word, false, line));
        }
        int pos = 0;
        Token Next(string what)
        {
            if (pos >= tokens.Count) throw new InvalidDataException($"{source}: ends while reading {what} (truncated file?).");
            return tokens[pos++];
        }
        double Number(string what)
        {
            var t = Next(what);
            if (t.IsString || !double.TryParse(t.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || double.IsNaN(v) || double.IsInfinity(v))
                throw new InvalidDataException($"{source}:{t.Line}: expected {what} (a number), got '{t.Text}'.");
            return v;
        }
        string Str(string what)
        {
            var t = Next(what);
            if (!t.IsString) throw new InvalidDataException($"{source}:{t.Line}: expected {what} (a quoted string), got '{t.Text}'.");
            return t.Text;
        }
        if (Str("the file type") != "ooTextFile") throw new InvalidDataException($"{source}:1: not a Praat text file (File type must be \"ooTextFile\").");
        if (Str("the object class") != "TextGrid") throw new InvalidDataException($"{source}:2: not a TextGrid (Object class must be \"TextGrid\").");
        Number("xmin");
        Number("xmax");
        var flag = Next("the tiers flag");
        if (flag.Text != "<exists>") return new List<PhoneSegment>();
        int tierCount = (int)Number("the tier count");
        List<PhoneSegment>? first = null;
        for (int tier = 0; tier < tierCount; tier++)
        {
            string cls = Str("a tier class");
            string name = Str("a tier name");
            Number("tier xmin");
            Number("tier xmax");
            var countToken = tokens.Count > pos ? tokens[pos] : default;
            int count = (int)Number("an interval count");
            if (count < 0) throw new InvalidDataException($"{source}:{countToken.Line}: negative interval count.");
            if (cls == "IntervalTier")
            {
                // Each interval is three tokens: a corrupt count (2147483647) must not size the list (fuzzing found the
                // OutOfMemoryException); the loop then ends with "ends while reading" like any truncated file.
                var segments = new List<PhoneSegment>(Math.Min(count, (tokens.Count - pos) / 3));
                for (int k = 0; k < count; k++)
                {
                    int at = pos < tokens.Count ? tokens[pos].Line : line;
                    double a = Number("an interval xmin"), b = Number("an interval xmax");
                    string label = Str("an interval text");
                    if (a < 0) throw new InvalidDataException($"{source}:{at}: interval starts at a negative time.");
                    // Empty intervals are Praat's gaps, not phones.
                    if (label.Trim().Length > 0) Add(segments, new PhoneSegment(a, b, label.Trim()), source, at);
                }
                bool phoneTier = name.Equals("phones", StringComparison.OrdinalIgnoreCase) || name.Equals("phone", StringComparison.OrdinalIgnoreCase);
                if (phoneTier) return segments;
                first ??= segments;
            }
            else if (cls == "TextTier")
            {
                for (int k = 0; k < count; k++) { Number("a point time"); Str("a point mark"); }
            }
            else
            {
                throw new InvalidDataException($"{source}: unknown tier class '{cls}'.");
            }
        }
        return first ?? throw new InvalidDataException($"{source}: the TextGrid has no interval tier.");
    }

    // ------------------------------------------------------------------ JSON

    // The layout (one segment per line, times with 3 decimals, a space after each ':' and ',') is fixed, so the text
    // is laid out here; only reading goes through System.Text.Json. Utf8JsonWriter cannot produce this layout, and its
    // encoders escape differently from what label files have always held (\b and \f short forms, upper-case \u hex,
    // DEL and unassigned code points escaped), so AppendJsonString below keeps the bytes written unchanged.
    private static string FormatJson(IReadOnlyList<PhoneSegment> segments)
    {
        var sb = new StringBuilder();
        double duration = segments.Count > 0 ? segments[segments.Count - 1].End : 0;
        sb.Append("{\n  \"duration\": ").Append(Seconds(duration)).Append(",\n  \"segments\": [");
        for (int i = 0; i < segments.Count; i++)
        {
            var s = segments[i];
            sb.Append(i == 0 ? "\n" : ",\n");
            sb.Append("    {\"start\": ").Append(Seconds(s.Start)).Append(", \"end\": ").Append(Seconds(s.End)).Append(", \"phone\": ");
            AppendJsonString(sb, s.Phone);
            sb.Append('}');
        }
        sb.Append(segments.Count > 0 ? "\n  ]\n}\n" : "]\n}\n");
        return sb.ToString();
    }

    /// <summary>A JSON string literal: quote, backslash, \n, \r, \t escaped, other control characters as \u00xx, the rest as is.</summary>
    private static void AppendJsonString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    private static List<PhoneSegment> ParseJson(string text, string source)
    {
        using var document = ParseJsonDocument(text, source);
        var root = document.RootElement;
        JsonElement array;
        if (root.ValueKind == JsonValueKind.Array) array = root;
        else if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("segments", out var s) && s.ValueKind == JsonValueKind.Array) array = s;
        else throw new InvalidDataException($"{source}: expected an object with a \"segments\" array (or an array of segments).");
        var result = new List<PhoneSegment>(array.GetArrayLength());
        int i = 0;
        foreach (var seg in array.EnumerateArray())
        {
            if (seg.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: segments[{i}] is not an object.");
            double Field(string name)
            {
                if (!seg.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Number) throw new InvalidDataException($"{source}: segments[{i}] lacks a numeric \"{name}\".");
                // TryGetDouble refuses a number beyond double's range (it would be infinite): not a time either.
                if (!v.TryGetDouble(out double d) || double.IsNaN(d) || double.IsInfinity(d) || d < 0)
                    throw new InvalidDataException($"{source}: segments[{i}].{name} = {v.GetRawText()} is not a non-negative time.");
                return d;
            }
            if (!seg.TryGetProperty("phone", out var p) || p.ValueKind != JsonValueKind.String) throw new InvalidDataException($"{source}: segments[{i}] lacks a string \"phone\".");
            try
            {
                Add(result, new PhoneSegment(Field("start"), Field("end"), p.GetString()!), source, 0);
            }
            catch (InvalidDataException e)
            {
                // Add names a line; JSON segments are better named by index.
                throw new InvalidDataException(e.Message.Replace($"{source}:0:", $"{source}: segments[{i}]:"));
            }
            i++;
        }
        return result;
    }

    /// <summary>Parses JSON text, turning a syntax error into an <see cref="InvalidDataException"/> naming the file, line, column and problem.</summary>
    private static JsonDocument ParseJsonDocument(string text, string source)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            // The reader's message ends with " LineNumber: n | BytePositionInLine: m." (0-based): say it as line:column instead.
            string problem = e.Message;
            int cut = problem.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0) problem = problem.Substring(0, cut).TrimEnd(' ', '|', '.');
            long line = (e.LineNumber ?? 0) + 1;
            string column = e.BytePositionInLine is long b ? $", column {b + 1}" : "";
            bool atEnd = text.TrimEnd().Length == 0 || IsAtEnd(text, e.LineNumber, e.BytePositionInLine);
            string hint = atEnd ? " (the JSON ends early: truncated file?)" : "";
            throw new InvalidDataException($"{source}:{line}: not valid JSON{column}: {problem}{hint}.", e);
        }
    }

    /// <summary>Whether a reader position (0-based line, byte in line) is at or past the last non-blank character.</summary>
    private static bool IsAtEnd(string text, long? line, long? bytePosition)
    {
        if (line is null || bytePosition is null) return false;
        string[] lines = text.TrimEnd().Split('\n');
        return line.Value >= lines.Length - 1 && bytePosition.Value >= Utf8NoBom.GetByteCount(lines[lines.Length - 1]);
    }
}

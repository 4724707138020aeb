using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace Hmm.Speech.Training;

/// <summary>
/// The little JSON this library reads and writes (label files), without a package: System.Text.Json is not part
/// of netstandard2.1 (the Unity build), and a dependency for one small format is not worth it. Parses into
/// <see cref="Dictionary{TKey, TValue}"/>, <see cref="List{T}"/>, string, double, bool and null.
/// </summary>
internal static class MiniJson
{
    public static object? Parse(string text, string source)
    {
        int pos = 0;
        var value = ParseValue(text, ref pos, source);
        SkipSpace(text, ref pos);
        if (pos != text.Length) throw Error(text, pos, source, "unexpected text after the JSON value");
        return value;
    }

    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
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
        return sb.Append('"').ToString();
    }

    private static object? ParseValue(string s, ref int pos, string source)
    {
        SkipSpace(s, ref pos);
        if (pos >= s.Length) throw Error(s, pos, source, "unexpected end of file (truncated JSON?)");
        char c = s[pos];
        switch (c)
        {
            case '{':
            {
                pos++;
                var obj = new Dictionary<string, object?>(StringComparer.Ordinal);
                SkipSpace(s, ref pos);
                if (pos < s.Length && s[pos] == '}') { pos++; return obj; }
                while (true)
                {
                    SkipSpace(s, ref pos);
                    if (pos >= s.Length || s[pos] != '"') throw Error(s, pos, source, "expected a quoted property name");
                    string key = ParseString(s, ref pos, source);
                    SkipSpace(s, ref pos);
                    if (pos >= s.Length || s[pos] != ':') throw Error(s, pos, source, "expected ':' after a property name");
                    pos++;
                    obj[key] = ParseValue(s, ref pos, source);
                    SkipSpace(s, ref pos);
                    if (pos < s.Length && s[pos] == ',') { pos++; continue; }
                    if (pos < s.Length && s[pos] == '}') { pos++; return obj; }
                    throw Error(s, pos, source, "expected ',' or '}' in an object");
                }
            }
            case '[':
            {
                pos++;
                var list = new List<object?>();
                SkipSpace(s, ref pos);
                if (pos < s.Length && s[pos] == ']') { pos++; return list; }
                while (true)
                {
                    list.Add(ParseValue(s, ref pos, source));
                    SkipSpace(s, ref pos);
                    if (pos < s.Length && s[pos] == ',') { pos++; continue; }
                    if (pos < s.Length && s[pos] == ']') { pos++; return list; }
                    throw Error(s, pos, source, "expected ',' or ']' in an array");
                }
            }
            case '"':
                return ParseString(s, ref pos, source);
            case 't': return Literal(s, ref pos, "true", true, source);
            case 'f': return Literal(s, ref pos, "false", false, source);
            case 'n': return Literal(s, ref pos, "null", null, source);
            default:
            {
                int start = pos;
                while (pos < s.Length && "+-0123456789.eE".Contains(s[pos])) pos++;
                if (start == pos || !double.TryParse(s.AsSpan(start, pos - start), NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
                    throw Error(s, start, source, "expected a value");
                return d;
            }
        }
    }

    private static object? Literal(string s, ref int pos, string word, object? value, string source)
    {
        if (string.CompareOrdinal(s, pos, word, 0, word.Length) != 0) throw Error(s, pos, source, "expected a value");
        pos += word.Length;
        return value;
    }

    private static string ParseString(string s, ref int pos, string source)
    {
        var sb = new StringBuilder();
        pos++;
        while (pos < s.Length)
        {
            char c = s[pos++];
            if (c == '"') return sb.ToString();
            if (c != '\\') { sb.Append(c); continue; }
            if (pos >= s.Length) break;
            char e = s[pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'u':
                    if (pos + 4 > s.Length || !int.TryParse(s.AsSpan(pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int code))
                        throw Error(s, pos, source, "bad \\u escape");
                    sb.Append((char)code);
                    pos += 4;
                    break;
                default: sb.Append(e); break;
            }
        }
        throw Error(s, pos, source, "unterminated string (truncated JSON?)");
    }

    private static void SkipSpace(string s, ref int pos)
    {
        while (pos < s.Length && char.IsWhiteSpace(s[pos])) pos++;
    }

    private static InvalidDataException Error(string s, int pos, string source, string problem)
    {
        int line = 1;
        for (int i = 0; i < pos && i < s.Length; i++) if (s[i] == '\n') line++;
        return new InvalidDataException($"{source}:{line}: {problem}.");
    }
}

using System;
using System.Globalization;
using System.IO;
using System.Numerics;

namespace Hmm.Streaming;

/// <summary>The text conventions of Rhubarb Lip Sync 1.14's output, shared by its exporters and status lines.</summary>
internal static class RhubarbText
{
    /// <summary>Seconds to whole centiseconds, to the nearest (Rhubarb keeps every time in centiseconds).</summary>
    public static long Centiseconds(double seconds) => (long)Math.Round(seconds * 100, MidpointRounding.AwayFromZero);

    /// <summary>
    /// A time in centiseconds as Rhubarb's <c>formatDuration</c> writes it (tools/tools.cpp: <c>fmt::format("{0:.2f}", seconds)</c>
    /// of <c>cs / 100.0</c>): whole seconds, a point, two digits. <c>cs / 100.0</c> is never within rounding of a tie, so
    /// the digits are those of the integer.
    /// </summary>
    public static void WriteTime(TextWriter writer, long centiseconds)
    {
        if (centiseconds < 0)
        {
            writer.Write('-');
            centiseconds = -centiseconds;
        }
        writer.Write((centiseconds / 100).ToString(CultureInfo.InvariantCulture));
        writer.Write('.');
        long fraction = centiseconds % 100;
        writer.Write((char)('0' + fraction / 10));
        writer.Write((char)('0' + fraction % 10));
    }

    /// <summary>
    /// Rhubarb's <c>escapeJsonString</c> (tools/stringTools.cpp), without the quotes: <c>" \ \b \f \n \r \t</c> by their
    /// short escapes, every other UTF-16 unit under 0x20 or from 0x80 up as <c>\uXXXX</c> with lower-case hex digits
    /// (so all non-ASCII text is escaped), the rest as is.
    /// </summary>
    public static void WriteJsonEscaped(TextWriter writer, string text)
    {
        foreach (char c in text)
        {
            switch (c)
            {
                case '"': writer.Write("\\\""); break;
                case '\\': writer.Write("\\\\"); break;
                case '\b': writer.Write("\\b"); break;
                case '\f': writer.Write("\\f"); break;
                case '\n': writer.Write("\\n"); break;
                case '\r': writer.Write("\\r"); break;
                case '\t': writer.Write("\\t"); break;
                default:
                    if (c < '\x20' || c >= '\x80')
                    {
                        writer.Write("\\u");
                        writer.Write(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        writer.Write(c);
                    }
                    break;
            }
        }
    }

    /// <summary>
    /// Boost.PropertyTree's <c>encode_char_entities</c> (boost/property_tree/detail/xml_parser_utils.hpp, unchanged from
    /// Boost 1.86, which Rhubarb 1.14's release build uses): text of spaces only becomes <c>&amp;#32;</c> and the other
    /// spaces; otherwise <c>&lt; &gt; &amp; " '</c> become entities and everything else (non-ASCII and control characters
    /// included) stays.
    /// </summary>
    public static void WriteXmlEscaped(TextWriter writer, string text)
    {
        if (text.Length == 0) return;
        if (text.Trim(' ').Length == 0)
        {
            writer.Write("&#32;");
            writer.Write(new string(' ', text.Length - 1));
            return;
        }
        foreach (char c in text)
        {
            switch (c)
            {
                case '<': writer.Write("&lt;"); break;
                case '>': writer.Write("&gt;"); break;
                case '&': writer.Write("&amp;"); break;
                case '"': writer.Write("&quot;"); break;
                case '\'': writer.Write("&apos;"); break;
                default: writer.Write(c); break;
            }
        }
    }

    /// <summary>
    /// C's <c>printf("%.2f", value)</c>, which Rhubarb's bundled fmt (cppformat) calls for <c>{:.2f}</c>: the exact binary
    /// value rounded to two decimals, a tie to the even digit (glibc, macOS, and the Windows CRT since Windows 10 2004).
    /// </summary>
    public static string FormatFixed2(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        long bits = BitConverter.DoubleToInt64Bits(value);
        bool negative = bits < 0;
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0) exponent = 1;
        else mantissa |= 1L << 52;
        int e = exponent - 1075; // value = mantissa * 2^e
        BigInteger scaled = new BigInteger(mantissa) * 100;
        if (e >= 0)
        {
            scaled <<= e;
        }
        else
        {
            int shift = -e;
            BigInteger quotient = scaled >> shift;
            BigInteger remainder = scaled - (quotient << shift);
            int order = remainder.CompareTo(BigInteger.One << (shift - 1));
            if (order > 0 || (order == 0 && !quotient.IsEven)) quotient += 1;
            scaled = quotient;
        }
        BigInteger whole = BigInteger.DivRem(scaled, 100, out BigInteger fraction);
        return (negative ? "-" : "") + whole.ToString(CultureInfo.InvariantCulture) + "." +
               ((int)fraction).ToString("00", CultureInfo.InvariantCulture);
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Hmm.Streaming;

/// <summary>
/// Writes mouth cues in the output formats of Rhubarb Lip Sync 1.14, byte for byte as its exporters do
/// (rhubarb/src/exporters/TsvExporter.cpp, XmlExporter.cpp, JsonExporter.cpp, DatExporter.cpp and exporterTools.cpp),
/// so that tools reading Rhubarb's files read these. Times are written in seconds with two decimals (Rhubarb's
/// centiseconds); <c>duration</c> is the recording's length, which Rhubarb truncates to whole centiseconds
/// (<see cref="MouthCueBuilder.DurationOf"/>). Cues must be in time order without overlaps; Rhubarb's own cues also
/// cover the recording without gaps and never repeat a shape in consecutive cues (<see cref="MouthCueBuilder"/> makes such cues).
/// </summary>
/// <remarks>
/// <para><c>soundFile</c> is written as given: Rhubarb writes the absolute path of its input file in XML and JSON, so
/// pass <see cref="Path.GetFullPath(string)"/> of the file for the same text. Write to a UTF-8 writer without a byte order
/// mark (Rhubarb writes the path's UTF-8 bytes; JSON escapes every non-ASCII character anyway).</para>
/// <para>Line ends are <see cref="RhubarbExportOptions.NewLine"/>, not the writer's own.</para>
/// </remarks>
public static class RhubarbExporter
{
    /// <summary>Writes <paramref name="cues"/> in <paramref name="format"/>.</summary>
    /// <param name="format">The output format.</param>
    /// <param name="writer">Receives the text; not flushed or closed.</param>
    /// <param name="cues">The mouth cues, in time order.</param>
    /// <param name="soundFile">The recording's path (XML and JSON metadata only).</param>
    /// <param name="duration">The recording's length in seconds, not before the last cue's end.</param>
    /// <param name="options">Frame rate, names, extended shapes and line end; null for the defaults.</param>
    /// <exception cref="ArgumentException">Cues overlap, run backwards, are negative or not finite, end after <paramref name="duration"/>, or an option is invalid.</exception>
    public static void Write(RhubarbExportFormat format, TextWriter writer, IReadOnlyList<MouthCue> cues, string soundFile, double duration, RhubarbExportOptions? options = null)
    {
        switch (format)
        {
            case RhubarbExportFormat.Tsv: WriteTsv(writer, cues, soundFile, duration, options); break;
            case RhubarbExportFormat.Xml: WriteXml(writer, cues, soundFile, duration, options); break;
            case RhubarbExportFormat.Json: WriteJson(writer, cues, soundFile, duration, options); break;
            case RhubarbExportFormat.Dat: WriteDat(writer, cues, soundFile, duration, options); break;
            default: throw new ArgumentOutOfRangeException(nameof(format), format, "unknown export format.");
        }
    }

    /// <summary>The text <see cref="Write"/> would write.</summary>
    /// <param name="format">The output format.</param>
    /// <param name="cues">The mouth cues, in time order.</param>
    /// <param name="soundFile">The recording's path (XML and JSON metadata only).</param>
    /// <param name="duration">The recording's length in seconds, not before the last cue's end.</param>
    /// <param name="options">Frame rate, names, extended shapes and line end; null for the defaults.</param>
    public static string Format(RhubarbExportFormat format, IReadOnlyList<MouthCue> cues, string soundFile, double duration, RhubarbExportOptions? options = null)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        Write(format, writer, cues, soundFile, duration, options);
        return writer.ToString();
    }

    /// <summary>
    /// TSV: a line per cue with its start time, a tab and its shape, then a line with the end time and the closed mouth
    /// (X, or A without X in <see cref="RhubarbExportOptions.ExtendedShapes"/>). No cues: only that last line.
    /// </summary>
    /// <param name="writer">Receives the text; not flushed or closed.</param>
    /// <param name="cues">The mouth cues, in time order.</param>
    /// <param name="soundFile">The recording's path (XML and JSON metadata only).</param>
    /// <param name="duration">The recording's length in seconds, not before the last cue's end.</param>
    /// <param name="options">Frame rate, names, extended shapes and line end; null for the defaults.</param>
    /// <exception cref="ArgumentException">Cues overlap, run backwards, are negative or not finite, end after <paramref name="duration"/>, or an option is invalid.</exception>
    public static void WriteTsv(TextWriter writer, IReadOnlyList<MouthCue> cues, string soundFile, double duration, RhubarbExportOptions? options = null)
    {
        var (o, times, end) = Prepare(writer, cues, soundFile, duration, options, dat: false);
        string nl = o.NewLine;
        for (int i = 0; i < cues.Count; i++)
        {
            RhubarbText.WriteTime(writer, times[2 * i]);
            writer.Write('\t');
            writer.Write(RhubarbShapes.Name(cues[i].Shape));
            writer.Write(nl);
        }
        RhubarbText.WriteTime(writer, end);
        writer.Write('\t');
        writer.Write(RhubarbShapes.Name(RhubarbShapes.ExtendedMask(o.ExtendedShapes).Rest));
        writer.Write(nl);
    }

    /// <summary>
    /// XML as Boost.PropertyTree writes Rhubarb's tree with two-space indents: a declaration, <c>rhubarbResult</c> with
    /// <c>metadata</c> (<c>soundFile</c>, <c>duration</c>) and <c>mouthCues</c>, one <c>mouthCue start= end=</c> per cue.
    /// No cues: one zero-length closed-mouth cue at 0.00. An empty <paramref name="soundFile"/> is written <c>&lt;soundFile/&gt;</c>.
    /// </summary>
    /// <param name="writer">Receives the text; not flushed or closed.</param>
    /// <param name="cues">The mouth cues, in time order.</param>
    /// <param name="soundFile">The recording's path (XML and JSON metadata only).</param>
    /// <param name="duration">The recording's length in seconds, not before the last cue's end.</param>
    /// <param name="options">Frame rate, names, extended shapes and line end; null for the defaults.</param>
    /// <exception cref="ArgumentException">Cues overlap, run backwards, are negative or not finite, end after <paramref name="duration"/>, or an option is invalid.</exception>
    public static void WriteXml(TextWriter writer, IReadOnlyList<MouthCue> cues, string soundFile, double duration, RhubarbExportOptions? options = null)
    {
        var (o, times, end) = Prepare(writer, cues, soundFile, duration, options, dat: false);
        string nl = o.NewLine;
        writer.Write("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
        writer.Write(nl);
        writer.Write("<rhubarbResult>");
        writer.Write(nl);
        writer.Write("  <metadata>");
        writer.Write(nl);
        if (soundFile.Length == 0)
        {
            writer.Write("    <soundFile/>");
        }
        else
        {
            writer.Write("    <soundFile>");
            RhubarbText.WriteXmlEscaped(writer, soundFile);
            writer.Write("</soundFile>");
        }
        writer.Write(nl);
        writer.Write("    <duration>");
        RhubarbText.WriteTime(writer, end);
        writer.Write("</duration>");
        writer.Write(nl);
        writer.Write("  </metadata>");
        writer.Write(nl);
        writer.Write("  <mouthCues>");
        writer.Write(nl);
        ForEachCue(cues, times, o, (start, stop, shape) =>
        {
            writer.Write("    <mouthCue start=\"");
            RhubarbText.WriteTime(writer, start);
            writer.Write("\" end=\"");
            RhubarbText.WriteTime(writer, stop);
            writer.Write("\">");
            writer.Write(RhubarbShapes.Name(shape));
            writer.Write("</mouthCue>");
            writer.Write(nl);
        });
        writer.Write("  </mouthCues>");
        writer.Write(nl);
        writer.Write("</rhubarbResult>");
        writer.Write(nl);
    }

    /// <summary>
    /// JSON as Rhubarb formats it by hand: a <c>metadata</c> object (<c>soundFile</c> escaped as Rhubarb escapes it,
    /// <c>duration</c>) and a <c>mouthCues</c> array, one cue a line. No cues: one zero-length closed-mouth cue at 0.00.
    /// </summary>
    /// <param name="writer">Receives the text; not flushed or closed.</param>
    /// <param name="cues">The mouth cues, in time order.</param>
    /// <param name="soundFile">The recording's path (XML and JSON metadata only).</param>
    /// <param name="duration">The recording's length in seconds, not before the last cue's end.</param>
    /// <param name="options">Frame rate, names, extended shapes and line end; null for the defaults.</param>
    /// <exception cref="ArgumentException">Cues overlap, run backwards, are negative or not finite, end after <paramref name="duration"/>, or an option is invalid.</exception>
    public static void WriteJson(TextWriter writer, IReadOnlyList<MouthCue> cues, string soundFile, double duration, RhubarbExportOptions? options = null)
    {
        var (o, times, end) = Prepare(writer, cues, soundFile, duration, options, dat: false);
        string nl = o.NewLine;
        writer.Write("{");
        writer.Write(nl);
        writer.Write("  \"metadata\": {");
        writer.Write(nl);
        writer.Write("    \"soundFile\": \"");
        RhubarbText.WriteJsonEscaped(writer, soundFile);
        writer.Write("\",");
        writer.Write(nl);
        writer.Write("    \"duration\": ");
        RhubarbText.WriteTime(writer, end);
        writer.Write(nl);
        writer.Write("  },");
        writer.Write(nl);
        writer.Write("  \"mouthCues\": [");
        writer.Write(nl);
        bool first = true;
        ForEachCue(cues, times, o, (start, stop, shape) =>
        {
            if (!first)
            {
                writer.Write(",");
                writer.Write(nl);
            }
            first = false;
            writer.Write("    { \"start\": ");
            RhubarbText.WriteTime(writer, start);
            writer.Write(", \"end\": ");
            RhubarbText.WriteTime(writer, stop);
            writer.Write(", \"value\": \"");
            writer.Write(RhubarbShapes.Name(shape));
            writer.Write("\" }");
        });
        writer.Write(nl);
        writer.Write("  ]");
        writer.Write(nl);
        writer.Write("}");
        writer.Write(nl);
    }

    /// <summary>
    /// Moho switch data (<c>MohoSwitch1</c>): a line per cue with its 1-based frame, <c>1 + (int)(frameRate * start)</c>,
    /// a space and its shape name; a cue that falls on the frame of the last written one is left out. A last line puts
    /// the closed mouth on the end time's frame, one frame later if that frame is taken.
    /// </summary>
    /// <param name="writer">Receives the text; not flushed or closed.</param>
    /// <param name="cues">The mouth cues, in time order.</param>
    /// <param name="soundFile">The recording's path (XML and JSON metadata only).</param>
    /// <param name="duration">The recording's length in seconds, not before the last cue's end.</param>
    /// <param name="options">Frame rate, names, extended shapes and line end; null for the defaults.</param>
    /// <exception cref="ArgumentException">Cues overlap, run backwards, are negative or not finite, end after <paramref name="duration"/>, or an option is invalid.</exception>
    public static void WriteDat(TextWriter writer, IReadOnlyList<MouthCue> cues, string soundFile, double duration, RhubarbExportOptions? options = null)
    {
        var (o, times, end) = Prepare(writer, cues, soundFile, duration, options, dat: true);
        string nl = o.NewLine;
        writer.Write("MohoSwitch1");
        writer.Write(nl);
        int lastFrame = 0;
        for (int i = 0; i < cues.Count; i++)
        {
            int frame = DatFrame(o.DatFrameRate, times[2 * i]);
            if (frame == lastFrame) continue;
            WriteDatLine(writer, frame, cues[i].Shape, o);
            lastFrame = frame;
        }
        int endFrame = DatFrame(o.DatFrameRate, end);
        if (endFrame == lastFrame) endFrame++;
        WriteDatLine(writer, endFrame, RhubarbShapes.ExtendedMask(o.ExtendedShapes).Rest, o);
    }

    /// <summary>The 1-based DAT frame of a time: DatExporter::toFrameNumber, <c>1 + static_cast&lt;int&gt;(frameRate * seconds)</c> with seconds <c>cs / 100.0</c>.</summary>
    private static int DatFrame(double frameRate, long centiseconds) => 1 + (int)(frameRate * (centiseconds / 100.0));

    private static void WriteDatLine(TextWriter writer, int frame, RhubarbShape shape, RhubarbExportOptions o)
    {
        writer.Write(frame.ToString(CultureInfo.InvariantCulture));
        writer.Write(' ');
        writer.Write(o.DatUsePrestonBlair ? RhubarbShapes.PrestonBlairName(shape) : RhubarbShapes.Name(shape));
        writer.Write(o.NewLine);
    }

    /// <summary>The cues, or the zero-length closed mouth Rhubarb's dummyShapeIfEmpty puts in an empty list (XML, JSON).</summary>
    private static void ForEachCue(IReadOnlyList<MouthCue> cues, long[] times, RhubarbExportOptions o, Action<long, long, RhubarbShape> write)
    {
        if (cues.Count == 0)
        {
            write(0, 0, RhubarbShapes.ExtendedMask(o.ExtendedShapes).Rest);
            return;
        }
        for (int i = 0; i < cues.Count; i++) write(times[2 * i], times[2 * i + 1], cues[i].Shape);
    }

    /// <summary>Checks the arguments and converts times to centiseconds: starts and ends interleaved, and the end time.</summary>
    private static (RhubarbExportOptions Options, long[] Times, long End) Prepare(
        TextWriter writer, IReadOnlyList<MouthCue> cues, string soundFile, double duration, RhubarbExportOptions? options, bool dat)
    {
        Guard.NotNull(writer, nameof(writer));
        Guard.NotNull(cues, nameof(cues));
        Guard.NotNull(soundFile, nameof(soundFile));
        var o = options ?? RhubarbExportOptions.Default;
        o.Validate(dat, nameof(options));
        if (!(duration >= 0) || double.IsInfinity(duration)) throw new ArgumentOutOfRangeException(nameof(duration), duration, "duration must be finite and not negative.");
        var times = new long[2 * cues.Count];
        long previousEnd = 0;
        for (int i = 0; i < cues.Count; i++)
        {
            var cue = cues[i];
            RhubarbShapes.Index(cue.Shape);
            if (!(cue.Start >= 0) || double.IsInfinity(cue.End) || double.IsNaN(cue.End))
                throw new ArgumentException($"cues[{i}] ({cue.Start}, {cue.End}): times must be finite and not negative.", nameof(cues));
            long start = RhubarbText.Centiseconds(cue.Start), end = RhubarbText.Centiseconds(cue.End);
            if (end < start) throw new ArgumentException($"cues[{i}] ends ({cue.End} s) before it starts ({cue.Start} s).", nameof(cues));
            if (start < previousEnd) throw new ArgumentException($"cues[{i}] starts ({cue.Start} s) before cues[{i - 1}] ends ({cues[i - 1].End} s).", nameof(cues));
            times[2 * i] = start;
            times[2 * i + 1] = end;
            previousEnd = end;
        }
        long total = RhubarbText.Centiseconds(duration);
        if (total < previousEnd) throw new ArgumentException($"duration {duration} s ends before the last cue ({cues[cues.Count - 1].End} s).", nameof(duration));
        return (o, times, total);
    }
}

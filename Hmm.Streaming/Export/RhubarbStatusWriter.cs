using System;
using System.Globalization;
using System.IO;

namespace Hmm.Streaming;

/// <summary>Rhubarb Lip Sync's log levels, as its status lines name them.</summary>
public enum RhubarbLogLevel
{
    /// <summary>"Trace" (progress events).</summary>
    Trace,
    /// <summary>"Debug".</summary>
    Debug,
    /// <summary>"Info" (start and success events).</summary>
    Info,
    /// <summary>"Warn".</summary>
    Warn,
    /// <summary>"Error".</summary>
    Error,
    /// <summary>"Fatal" (failure events).</summary>
    Fatal,
}

/// <summary>
/// Writes the status lines of Rhubarb Lip Sync's <c>--machineReadable</c> mode (which it writes to stderr), one JSON
/// object a line, as rhubarb/src/rhubarb/sinks/MachineReadableStderrSink.cpp and semanticEntries.cpp of Rhubarb 1.14
/// format them, so that a host application written for Rhubarb (an editor plug-in showing a progress bar) can read
/// them: <c>{ "type": "progress", "value": 0.42, "log": { "level": "Trace", "message": "Progress: 42%" } }</c>.
/// Each line is flushed at once, as Rhubarb does. Not thread-safe.
/// </summary>
public sealed class RhubarbStatusWriter
{
    private static readonly string[] LevelNames = ["Trace", "Debug", "Info", "Warn", "Error", "Fatal"];

    private readonly TextWriter _writer;
    private readonly RhubarbLogLevel _minLogLevel;
    private readonly string _newLine;
    private int _lastProgressPercent = -1;

    /// <summary>Creates a writer.</summary>
    /// <param name="writer">Receives the lines (Rhubarb: stderr).</param>
    /// <param name="minLogLevel">Plain log lines below this level are not written (Rhubarb's <c>--consoleLevel</c>, default Error); start, progress, success and failure lines always are.</param>
    /// <param name="newLine">The line end (Rhubarb's <c>std::endl</c>: <c>\n</c>, which a Windows console stream turns into <c>\r\n</c>).</param>
    public RhubarbStatusWriter(TextWriter writer, RhubarbLogLevel minLogLevel = RhubarbLogLevel.Error, string newLine = "\n")
    {
        _writer = writer ?? throw new ArgumentNullException(nameof(writer));
        _minLogLevel = minLogLevel;
        _newLine = newLine ?? throw new ArgumentNullException(nameof(newLine));
    }

    /// <summary>The start line: <c>{ "type": "start", "file": "…", "log": { "level": "Info", "message": "Application startup. Input file: …." } }</c>.</summary>
    /// <param name="inputFile">The input file as given on the command line (not made absolute).</param>
    public void WriteStart(string inputFile)
    {
        Guard.NotNull(inputFile, nameof(inputFile));
        Begin("start");
        _writer.Write(", \"file\": \"");
        RhubarbText.WriteJsonEscaped(_writer, inputFile);
        _writer.Write('"');
        End(RhubarbLogLevel.Info, "Application startup. Input file: " + inputFile + ".");
    }

    /// <summary>
    /// A progress line, <c>"value"</c> with two decimals and the message <c>Progress: N%</c> with N the truncated percentage,
    /// written only when N is above the last written one (as Rhubarb thins its progress events).
    /// </summary>
    /// <param name="progress">Progress from 0 to 1.</param>
    /// <returns>Whether a line was written.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="progress"/> is NaN.</exception>
    public bool WriteProgress(double progress)
    {
        if (double.IsNaN(progress)) throw new ArgumentOutOfRangeException(nameof(progress), progress, "progress is NaN.");
        int percent = (int)(progress * 100);
        if (percent <= _lastProgressPercent) return false;
        Begin("progress");
        _writer.Write(", \"value\": ");
        _writer.Write(RhubarbText.FormatFixed2(progress));
        End(RhubarbLogLevel.Trace, "Progress: " + percent.ToString(CultureInfo.InvariantCulture) + "%");
        _lastProgressPercent = percent;
        return true;
    }

    /// <summary>The success line: <c>{ "type": "success", "log": { "level": "Info", "message": "Application terminating normally." } }</c>.</summary>
    public void WriteSuccess()
    {
        Begin("success");
        End(RhubarbLogLevel.Info, "Application terminating normally.");
    }

    /// <summary>The failure line, with <c>"reason"</c> and the message <c>Application terminating with error: reason</c> at level Fatal.</summary>
    /// <param name="reason">What went wrong (may span lines; escaped).</param>
    public void WriteFailure(string reason)
    {
        Guard.NotNull(reason, nameof(reason));
        Begin("failure");
        _writer.Write(", \"reason\": \"");
        RhubarbText.WriteJsonEscaped(_writer, reason);
        _writer.Write('"');
        End(RhubarbLogLevel.Fatal, "Application terminating with error: " + reason);
    }

    /// <summary>A plain log line, <c>{ "type": "log", "log": { "level": …, "message": … } }</c>, if <paramref name="level"/> reaches the minimum.</summary>
    /// <param name="level">The message's level.</param>
    /// <param name="message">The message.</param>
    /// <returns>Whether a line was written.</returns>
    public bool WriteLog(RhubarbLogLevel level, string message)
    {
        Guard.NotNull(message, nameof(message));
        LevelName(level);
        if (level < _minLogLevel) return false;
        Begin("log");
        End(level, message);
        return true;
    }

    private void Begin(string type)
    {
        _writer.Write("{ \"type\": \"");
        _writer.Write(type);
        _writer.Write('"');
    }

    private void End(RhubarbLogLevel level, string message)
    {
        _writer.Write(", \"log\": { \"level\": \"");
        _writer.Write(LevelName(level));
        _writer.Write("\", \"message\": \"");
        RhubarbText.WriteJsonEscaped(_writer, message);
        _writer.Write("\" } }");
        _writer.Write(_newLine);
        _writer.Flush();
    }

    private static string LevelName(RhubarbLogLevel level)
    {
        if ((uint)level >= (uint)LevelNames.Length) throw new ArgumentOutOfRangeException(nameof(level), level, "unknown log level.");
        return LevelNames[(int)level];
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Samples.RealtimeVoice;

/// <summary>
/// Output files the CLI can be trusted with: each is written under a temporary name in its own folder and renamed into
/// place, so that a full disk or a failure leaves the previous file or none, never a 0-byte or half-written one; and an
/// output folder is checked before any work, so that a run does not fail after minutes of alignment.
/// </summary>
internal static class OutputFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(false);

    /// <summary>Writes <paramref name="text"/> (UTF-8, no byte-order mark) to <paramref name="path"/> through a temporary file and a rename.</summary>
    /// <exception cref="IOException">The file cannot be written; the message names <paramref name="path"/>.</exception>
    public static void WriteText(string path, string text) => Write(path, Utf8NoBom.GetBytes(text));

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> through a temporary file and a rename.</summary>
    /// <exception cref="IOException">The file cannot be written; the message names <paramref name="path"/>.</exception>
    public static void Write(string path, byte[] bytes)
    {
        if (Directory.Exists(path)) throw new IOException($"cannot write {path}: a folder of that name is in the way.");
        string full = Path.GetFullPath(path);
        // A hidden name ending in .tmp: readers that list *.lab or *.wav never take a leftover for an output.
        string temp = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
            {
                stream.Write(bytes, 0, bytes.Length);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new IOException($"cannot write {path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Lets <paramref name="write"/> write a file at a temporary path (same folder, same extension, for writers that go by
    /// it) and renames it to <paramref name="path"/>.
    /// </summary>
    /// <exception cref="IOException">The file cannot be written; the message names <paramref name="path"/>.</exception>
    public static void WriteVia(string path, Action<string> write)
    {
        if (Directory.Exists(path)) throw new IOException($"cannot write {path}: a folder of that name is in the way.");
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileNameWithoutExtension(full)}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp{Path.GetExtension(full)}");
        try
        {
            write(temp);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new IOException($"cannot write {path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Checks before any work (training takes minutes to hours) that the file <paramref name="path"/> can be written:
    /// not a folder, its folder created if missing and writable (a probe file is written and deleted).
    /// </summary>
    /// <exception cref="ArgumentException">It cannot; the message starts with <paramref name="verb"/> and names --out.</exception>
    public static void CheckFile(string verb, string path)
    {
        if (Directory.Exists(path)) throw new ArgumentException($"{verb}: --out {path} is a folder; give the file's name (e.g. {Path.Combine(path, "out" + Example(verb))}).");
        try
        {
            CheckFolder(verb, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
        }
        catch (ArgumentException e) when (e.InnerException is not null)
        {
            throw new ArgumentException($"{verb}: --out {path} cannot be written: {e.InnerException.Message}", e.InnerException);
        }
    }

    private static string Example(string verb) => verb switch { "train" => ".hmmam", "plot" => ".png", _ => ".tsv" };

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The write's own error names the output; a leftover hidden .tmp is harmless.
        }
    }

    /// <summary>
    /// Checks before any work that <paramref name="dir"/> can hold output files: creates it if missing, refuses a file of
    /// that name, and writes and deletes a probe file (permissions, read-only mounts).
    /// </summary>
    /// <exception cref="ArgumentException">The folder cannot be used; the message starts with <paramref name="verb"/> and names --out.</exception>
    public static void CheckFolder(string verb, string dir)
    {
        if (File.Exists(dir)) throw new ArgumentException($"{verb}: --out {dir} is a file; give a folder.");
        string probe = "";
        try
        {
            Directory.CreateDirectory(dir);
            probe = Path.Combine(dir, $".hmm-probe.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ArgumentException($"{verb}: --out {dir} cannot be written: {e.Message}", e);
        }
    }

    /// <summary>
    /// Holds <paramref name="dir"/> for this run (an exclusive lock on <c>.hmm-lock</c> there, released and removed when the
    /// returned handle is disposed or the process ends): two runs into one --out would otherwise leave a silent mix of
    /// their outputs.
    /// </summary>
    /// <exception cref="ArgumentException">Another run holds the folder; the message starts with <paramref name="verb"/> and names --out.</exception>
    public static IDisposable LockFolder(string verb, string dir)
    {
        string path = Path.Combine(dir, ".hmm-lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose);
        }
        catch (IOException e)
        {
            throw new ArgumentException($"{verb}: --out {dir} is in use by another hmm run (it holds {path}); wait for it or give another --out.", e);
        }
    }

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> name the same folder (as written, after resolving relative parts).</summary>
    public static bool SameFolder(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal);

    /// <summary>
    /// Groups <paramref name="names"/> (output names, e.g. the stems of x.wav and x.WAV) that differ only in case: on a
    /// case-insensitive file system, and on any when they are equal, their outputs would overwrite each other. Returns,
    /// for each name after the first of its group (in the given order), the first one.
    /// </summary>
    public static Dictionary<int, int> CaseCollisions(IReadOnlyList<string> names)
    {
        var first = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var collisions = new Dictionary<int, int>();
        for (int i = 0; i < names.Count; i++)
        {
            if (first.TryGetValue(names[i], out int f)) collisions[i] = f;
            else first[names[i]] = i;
        }
        return collisions;
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace Hmm.Speech;

/// <summary>
/// A pronouncing dictionary in the CMUdict text layout: one <c>word PH PH ...</c> per line, alternative
/// pronunciations as <c>word(2)</c>, <c>;;;</c> comment lines, <c>#</c> trailing comments. Stress digits are
/// removed (<c>AH0</c> becomes <c>AH</c>) and words are matched case-insensitively. Files may be gzip-compressed
/// (detected from the content, not the name).
/// </summary>
public sealed class PronunciationLexicon
{
    private static readonly char[] Separators = { ' ', '\t' };

    private readonly Dictionary<string, List<string[]>> _entries = new(StringComparer.Ordinal);

    /// <summary>Number of distinct words.</summary>
    public int Count => _entries.Count;

    /// <summary>Name of the dictionary that ships inside this assembly, as messages name it.</summary>
    public const string DefaultDictionaryName = "cmudict.txt.gz (built in)";

    /// <summary>
    /// Reads the CMU Pronouncing Dictionary that ships inside this assembly (its licence is
    /// Hmm.Speech/Data/CMUDICT-LICENSE.txt). Each call reads a new copy: about 135,000 words, a fraction of a second.
    /// </summary>
    public static PronunciationLexicon LoadDefault()
    {
        using var stream = typeof(PronunciationLexicon).Assembly.GetManifestResourceStream("Hmm.Speech.cmudict.txt.gz")
            ?? throw new InvalidOperationException("the default dictionary is missing from the Hmm.Speech assembly (resource Hmm.Speech.cmudict.txt.gz).");
        return Load(stream, DefaultDictionaryName);
    }

    /// <summary>Reads a dictionary file (plain or gzip).</summary>
    /// <exception cref="InvalidDataException">A line without a pronunciation; the message names the file and line.</exception>
    public static PronunciationLexicon Load(string path)
    {
        Guard.NotNull(path, nameof(path));
        using var stream = File.OpenRead(path);
        return Load(stream, path);
    }

    /// <summary>Reads a dictionary from a seekable stream (plain or gzip); <paramref name="name"/> appears in error messages.</summary>
    /// <exception cref="InvalidDataException">A line without a pronunciation, or truncated or corrupt gzip data; the message names <paramref name="name"/>.</exception>
    public static PronunciationLexicon Load(Stream stream, string name)
    {
        Guard.NotNull(stream, nameof(stream));
        var buffered = new BufferedStream(stream);
        int b0 = buffered.ReadByte(), b1 = buffered.ReadByte();
        buffered.Seek(0, SeekOrigin.Begin);
        Stream source = buffered;
        var dict = new PronunciationLexicon();
        try
        {
            if (b0 == 0x1f && b1 == 0x8b) source = Inflate(buffered, stream, name);
            using var reader = new StreamReader(source, Encoding.UTF8);
            string? line;
            int n = 0;
            while ((line = reader.ReadLine()) != null)
            {
                n++;
                dict.AddLine(line, name, n);
            }
        }
        catch (InvalidDataException e) when (e.InnerException is null && !e.Message.StartsWith(name, StringComparison.Ordinal))
        {
            // GZipStream reports a corrupt stream without a name.
            throw new InvalidDataException($"{name}: {e.Message}", e);
        }
        return dict;
    }

    /// <summary>The most bytes a gzip dictionary may inflate to (CMUdict is 3.6 MB): a gzip bomb is refused, not read on.</summary>
    private const int MaxInflatedBytes = 256 << 20;

    /// <summary>
    /// Inflates a gzip dictionary whole and checks its length against the gzip trailer: GZipStream ends a truncated file
    /// (a cut download) without an error, and its last line would then be reported as the problem.
    /// </summary>
    private static MemoryStream Inflate(Stream buffered, Stream file, string name)
    {
        // A gzip member is at least a 10-byte header and an 8-byte trailer. GZipStream reads a shorter file as empty, and
        // the trailer seek below then threw IOException (before the start of the stream; found by fuzzing, tools/Hmm.Fuzz).
        const int MinGzipBytes = 18;
        if (file.Length < MinGzipBytes)
            throw new InvalidDataException($"{name}: the gzip data is truncated: {file.Length} bytes, less than the {MinGzipBytes} of a gzip header and trailer (a cut download?).");
        var inflated = new MemoryStream();
        using (var gzip = new GZipStream(buffered, CompressionMode.Decompress, leaveOpen: true))
        {
            var chunk = new byte[81920];
            int n;
            while ((n = gzip.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (inflated.Length + n > MaxInflatedBytes) throw new InvalidDataException($"{name}: inflates to more than {MaxInflatedBytes >> 20} MiB; not a pronouncing dictionary.");
                inflated.Write(chunk, 0, n);
            }
        }
        // ISIZE, the last 4 bytes, is the inflated length mod 2^32 (of the last member: a multi-member file would need
        // each member's, which no dictionary this reads is).
        var trailer = new byte[4];
        file.Seek(-4, SeekOrigin.End);
        int got = 0;
        while (got < 4 && file.Read(trailer, got, 4 - got) is int r && r > 0) got += r;
        uint size = (uint)(trailer[0] | trailer[1] << 8 | trailer[2] << 16 | trailer[3] << 24);
        if (got < 4 || size != (uint)inflated.Length)
            throw new InvalidDataException($"{name}: the gzip data is truncated or corrupt: it inflates to {inflated.Length} bytes where its trailer says {size} (a cut download?).");
        inflated.Position = 0;
        return inflated;
    }

    /// <summary>Adds (or extends) an entry: <paramref name="phones"/> become another pronunciation of <paramref name="word"/>.</summary>
    public void Add(string word, IReadOnlyList<string> phones)
    {
        Guard.NotNull(word, nameof(word));
        if (phones is null || phones.Count == 0) throw new ArgumentException($"the pronunciation of '{word}' is empty.", nameof(phones));
        string key = word.ToLowerInvariant();
        var array = new string[phones.Count];
        for (int i = 0; i < array.Length; i++) array[i] = StripStress(phones[i]);
        if (!_entries.TryGetValue(key, out var list)) _entries[key] = list = new List<string[]>(1);
        list.Add(array);
    }

    /// <summary>The pronunciations of <paramref name="word"/> (first = most common), or an empty list.</summary>
    public IReadOnlyList<string[]> Lookup(string word) =>
        word is not null && _entries.TryGetValue(word.ToLowerInvariant(), out var list) ? list : Array.Empty<string[]>();

    /// <summary>Every pronunciation of every word (words in no particular order), phones without stress marks.</summary>
    public IEnumerable<string[]> Pronunciations()
    {
        foreach (var list in _entries.Values)
            foreach (var phones in list) yield return phones;
    }

    /// <summary>Whether the dictionary has <paramref name="word"/>.</summary>
    public bool Contains(string word) => word is not null && _entries.ContainsKey(word.ToLowerInvariant());

    private void AddLine(string line, string name, int n)
    {
        if (line.Length == 0 || line.StartsWith(";;;", StringComparison.Ordinal)) return;
        // A binary file given as the dictionary (a WAV, a model) would otherwise be quoted back as a screen of garbage.
        foreach (char c in line)
        {
            if (c == '\uFFFD' || (char.IsControl(c) && c != '\t' && c != '\r'))
                throw new InvalidDataException($"{name}:{n}: binary data (U+{(int)c:X4}{(c == '\uFFFD' ? ", a byte that is not UTF-8" : "")}): not a UTF-8 text pronouncing dictionary (word, then phones, one entry a line).");
        }
        int hash = line.IndexOf('#');
        if (hash >= 0) line = line.Substring(0, hash);
        var parts = line.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) return;
        if (parts.Length < 2) throw new InvalidDataException($"{name}:{n}: '{line.Trim()}' has no pronunciation.");
        string word = parts[0];
        int paren = word.IndexOf('(');
        if (paren > 0 && word[word.Length - 1] == ')') word = word.Substring(0, paren);
        var phones = new string[parts.Length - 1];
        Array.Copy(parts, 1, phones, 0, phones.Length);
        Add(word, phones);
    }

    private static string StripStress(string phone)
    {
        string p = phone.Trim();
        int end = p.Length;
        while (end > 0 && char.IsDigit(p[end - 1])) end--;
        return p.Substring(0, end).ToUpper(CultureInfo.InvariantCulture);
    }
}

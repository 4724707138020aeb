using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Hmm.Speech;

/// <summary>Broad phonetic class of a phone, used to group alignment errors.</summary>
public enum PhoneClass
{
    /// <summary>Monophthong vowel.</summary>
    Vowel,
    /// <summary>Diphthong.</summary>
    Diphthong,
    /// <summary>Oral stop (plosive).</summary>
    Stop,
    /// <summary>Flap (DX).</summary>
    Flap,
    /// <summary>Affricate.</summary>
    Affricate,
    /// <summary>Fricative (HH included).</summary>
    Fricative,
    /// <summary>Nasal.</summary>
    Nasal,
    /// <summary>Liquid (L, R).</summary>
    Liquid,
    /// <summary>Glide (W, Y).</summary>
    Glide,
    /// <summary>Silence or pause.</summary>
    Silence,
    /// <summary>A phone not in a known class.</summary>
    Other,
}

/// <summary>
/// A phone inventory: names (case-sensitive, e.g. ARPAbet <c>AA</c> .. <c>ZH</c> plus <c>sil</c>) and their classes.
/// <see cref="Default"/> is the speech-dev set (39 CMU phones, the flap DX and <c>sil</c>); <see cref="Load"/> reads
/// the same <c>phones.tsv</c> layout (a header line with <c>phone</c> and <c>class</c> columns).
/// </summary>
public sealed class PhoneSet
{
    /// <summary>The name of the silence phone.</summary>
    public const string Silence = "sil";

    private readonly string[] _phones;
    private readonly PhoneClass[] _classes;
    private readonly Dictionary<string, int> _index;

    /// <summary>Creates an inventory from names and classes (equal lengths, names unique and non-empty, no whitespace).</summary>
    /// <param name="phones">Phone names.</param>
    /// <param name="classes">The class of each phone.</param>
    public PhoneSet(IReadOnlyList<string> phones, IReadOnlyList<PhoneClass> classes)
    {
        Guard.NotNull(phones, nameof(phones));
        Guard.NotNull(classes, nameof(classes));
        if (phones.Count != classes.Count) throw new ArgumentException($"phones has {phones.Count} entries but classes has {classes.Count}.", nameof(classes));
        if (phones.Count == 0) throw new ArgumentException("phones is empty: an inventory needs at least one phone.", nameof(phones));
        _phones = new string[phones.Count];
        _classes = new PhoneClass[phones.Count];
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < phones.Count; i++)
        {
            string p = phones[i] ?? throw new ArgumentException($"phones[{i}] is null.", nameof(phones));
            if (p.Length == 0 || HasWhitespace(p)) throw new ArgumentException($"phones[{i}] '{p}' is empty or contains whitespace.", nameof(phones));
            if (_index.ContainsKey(p)) throw new ArgumentException($"phones[{i}] '{p}' appears twice.", nameof(phones));
            _index.Add(p, i);
            _phones[i] = p;
            _classes[i] = classes[i];
        }
    }

    /// <summary>The speech-dev inventory: 39 CMU phones, DX and sil.</summary>
    public static PhoneSet Default { get; } = CreateDefault();

    /// <summary>Number of phones.</summary>
    public int Count => _phones.Length;

    /// <summary>Phone names in inventory order.</summary>
    public IReadOnlyList<string> Phones => _phones;

    /// <summary>Name of phone <paramref name="index"/>.</summary>
    public string this[int index] => _phones[index];

    /// <summary>Index of <paramref name="phone"/>, or -1 if it is not in the inventory.</summary>
    public int IndexOf(string phone) => phone is not null && _index.TryGetValue(phone, out int i) ? i : -1;

    /// <summary>Whether <paramref name="phone"/> is in the inventory.</summary>
    public bool Contains(string phone) => IndexOf(phone) >= 0;

    /// <summary>Class of <paramref name="phone"/> (<see cref="PhoneClass.Other"/> when not in the inventory).</summary>
    public PhoneClass ClassOf(string phone)
    {
        int i = IndexOf(phone);
        return i >= 0 ? _classes[i] : PhoneClass.Other;
    }

    /// <summary>Class of phone <paramref name="index"/>.</summary>
    public PhoneClass ClassOf(int index) => _classes[index];

    /// <summary>Reads a <c>phones.tsv</c> file: tab-separated, a header naming at least the <c>phone</c> and <c>class</c> columns.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The inventory in file order.</returns>
    /// <exception cref="InvalidDataException">The header lacks a column, a line is short, a class is unknown or a phone repeats; the message names the file and line.</exception>
    public static PhoneSet Load(string path)
    {
        Guard.NotNull(path, nameof(path));
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new InvalidDataException($"{path}: empty file; expected a header with 'phone' and 'class' columns.");
        var header = lines[0].Split('\t');
        int phoneCol = Array.IndexOf(header, "phone"), classCol = Array.IndexOf(header, "class");
        if (phoneCol < 0 || classCol < 0) throw new InvalidDataException($"{path}:1: the header must name 'phone' and 'class' columns (tab-separated).");
        var phones = new List<string>();
        var classes = new List<PhoneClass>();
        for (int n = 1; n < lines.Length; n++)
        {
            if (lines[n].Trim().Length == 0) continue;
            var cells = lines[n].Split('\t');
            if (cells.Length <= Math.Max(phoneCol, classCol)) throw new InvalidDataException($"{path}:{n + 1}: expected at least {Math.Max(phoneCol, classCol) + 1} tab-separated columns.");
            if (!TryParseClass(cells[classCol], out var cls)) throw new InvalidDataException($"{path}:{n + 1}: unknown phone class '{cells[classCol]}'.");
            phones.Add(cells[phoneCol].Trim());
            classes.Add(cls);
        }
        try
        {
            return new PhoneSet(phones, classes);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Parses a class name as written in <c>phones.tsv</c> (case-insensitive).</summary>
    public static bool TryParseClass(string text, out PhoneClass phoneClass) =>
        Enum.TryParse(text?.Trim(), ignoreCase: true, out phoneClass) && phoneClass >= PhoneClass.Vowel && phoneClass <= PhoneClass.Other;

    private static bool HasWhitespace(string s)
    {
        foreach (char c in s) if (char.IsWhiteSpace(c)) return true;
        return false;
    }

    private static PhoneSet CreateDefault()
    {
        // The speech-dev phones.tsv, built in so that alignment needs no file beside the program.
        const string table =
            "AA vowel,AE vowel,AH vowel,AO vowel,AW diphthong,AY diphthong,EH vowel,ER vowel,EY diphthong,IH vowel," +
            "IY vowel,OW diphthong,OY diphthong,UH vowel,UW vowel,P stop,B stop,T stop,D stop,K stop,G stop,DX flap," +
            "CH affricate,JH affricate,F fricative,V fricative,TH fricative,DH fricative,S fricative,Z fricative," +
            "SH fricative,ZH fricative,HH fricative,M nasal,N nasal,NG nasal,L liquid,R liquid,W glide,Y glide,sil silence";
        var phones = new List<string>();
        var classes = new List<PhoneClass>();
        foreach (string entry in table.Split(','))
        {
            var parts = entry.Split(' ');
            phones.Add(parts[0]);
            if (!TryParseClass(parts[1], out var cls)) throw new InvalidOperationException($"built-in phone table: unknown class {parts[1]}.");
            classes.Add(cls);
        }
        return new PhoneSet(phones, classes);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join(" ", _phones) + " (" + Count.ToString(CultureInfo.InvariantCulture) + " phones)";
}

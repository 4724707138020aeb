using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Hmm.Speech;

namespace Hmm.Streaming;

/// <summary>
/// Maps each phone of a <see cref="PhoneSet"/> onto a mouth shape of a <see cref="VisemeSet"/>, and a diphthong's
/// phone onto the shape it glides to where the table gives one. Shapes are indices: the numeric values of
/// <see cref="RhubarbShape"/>, <see cref="OculusViseme"/> or <see cref="VowelShape"/>. A phone with no shape
/// (silence in the <see cref="VisemeSet.Vowels"/> table) has shape -1 and adds to no weight, so rest is all weights 0.
/// <see cref="For"/> gives the built-in tables (Data/README.md in the source explains them); <see cref="Load(Stream, string, VisemeSet, PhoneSet)"/>
/// reads a user's table in the same CSV layout. A map is immutable and may be shared between threads.
/// </summary>
public sealed class VisemeMap
{
    private static readonly string[] RhubarbNames = ["A", "B", "C", "D", "E", "F", "G", "H", "X"];
    private static readonly string[] OculusNames = ["sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou"];
    private static readonly string[] VowelNames = ["A", "I", "U", "E", "O", "N"];

    private readonly int[] _shape;
    private readonly int[] _offglide;
    private readonly string[] _names;

    private VisemeMap(VisemeSet set, PhoneSet phones, string tableName, int[] shape, int[] offglide)
    {
        Set = set;
        Phones = phones;
        TableName = tableName;
        _shape = shape;
        _offglide = offglide;
        _names = NamesOf(set);
    }

    /// <summary>The shape vocabulary this map targets.</summary>
    public VisemeSet Set { get; }

    /// <summary>The phone inventory whose indices <see cref="Accumulate(ReadOnlySpan{float}, Span{float})"/> reads.</summary>
    public PhoneSet Phones { get; }

    /// <summary>The table's name as given to <see cref="Load(Stream, string, VisemeSet, PhoneSet)"/> (for the built-in tables, e.g. <c>rhubarb.csv (built-in)</c>).</summary>
    public string TableName { get; }

    /// <summary>Number of shapes in <see cref="Set"/>: the length of the weight vectors.</summary>
    public int Count => _names.Length;

    /// <summary>The rest shape's index: <see cref="RhubarbShape.X"/> or <see cref="OculusViseme.sil"/>; -1 for <see cref="VisemeSet.Vowels"/>, whose rest is all weights 0.</summary>
    public int RestShape => RestShapeOf(Set);

    /// <summary>The name of shape <paramref name="shape"/> as tables write it (<c>X</c>, <c>kk</c>, <c>A</c>).</summary>
    /// <param name="shape">A shape index, 0 to <see cref="Count"/> - 1.</param>
    public string Name(int shape)
    {
        if ((uint)shape >= (uint)_names.Length) throw new ArgumentOutOfRangeException(nameof(shape), shape, $"{Set} has shapes 0 to {_names.Length - 1}.");
        return _names[shape];
    }

    /// <summary>The shape of phone <paramref name="phone"/> (its nucleus, for a diphthong), or -1 when it has none.</summary>
    /// <param name="phone">A phone index of <see cref="Phones"/>.</param>
    public int ShapeOf(int phone) => _shape[phone];

    /// <summary>The shape phone <paramref name="phone"/> glides to (a diphthong's second half), or -1 when the table gives none.</summary>
    /// <param name="phone">A phone index of <see cref="Phones"/>.</param>
    public int OffglideOf(int phone) => _offglide[phone];

    /// <summary>The shape of the phone named <paramref name="phone"/>, or -1 when it has none.</summary>
    /// <exception cref="ArgumentException">The phone is not in <see cref="Phones"/>.</exception>
    public int ShapeOf(string phone)
    {
        int i = Phones.IndexOf(phone);
        if (i < 0) throw new ArgumentException($"phone '{phone}' is not in the phone set.", nameof(phone));
        return _shape[i];
    }

    /// <summary>
    /// Adds each phone's posterior to its shape's weight: <c>shapeWeights[ShapeOf(p)] += phonePosteriors[p]</c>.
    /// The weights are not cleared first (clear them for one frame's weights). Phones without a shape add nothing,
    /// so the weights sum to the posterior mass less that of shapeless phones. Allocates nothing.
    /// </summary>
    /// <param name="phonePosteriors">One value per phone of <see cref="Phones"/>, in its order.</param>
    /// <param name="shapeWeights">One value per shape (<see cref="Count"/>), added to.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public void Accumulate(ReadOnlySpan<float> phonePosteriors, Span<float> shapeWeights)
    {
        CheckLengths(phonePosteriors.Length, shapeWeights.Length);
        int[] shape = _shape;
        for (int p = 0; p < shape.Length; p++)
        {
            int s = shape[p];
            if (s >= 0) shapeWeights[s] += phonePosteriors[p];
        }
    }

    /// <summary>
    /// As <see cref="Accumulate(ReadOnlySpan{float}, Span{float})"/>, but a diphthong with an offglide shape gives that
    /// shape <paramref name="offglideShare"/> of its posterior and its nucleus the rest: a static stand-in for the glide
    /// when the frame's position in the segment is unknown. The total added is the same. Allocates nothing.
    /// </summary>
    /// <param name="phonePosteriors">One value per phone of <see cref="Phones"/>, in its order.</param>
    /// <param name="shapeWeights">One value per shape (<see cref="Count"/>), added to.</param>
    /// <param name="offglideShare">The offglide's share, 0 to 1 (0 gives the two-argument overload's result).</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offglideShare"/> is outside [0, 1].</exception>
    public void Accumulate(ReadOnlySpan<float> phonePosteriors, Span<float> shapeWeights, float offglideShare)
    {
        CheckLengths(phonePosteriors.Length, shapeWeights.Length);
        if (!(offglideShare >= 0f && offglideShare <= 1f)) ThrowShare(offglideShare);
        int[] shape = _shape, offglide = _offglide;
        float nucleusShare = 1f - offglideShare;
        for (int p = 0; p < shape.Length; p++)
        {
            int s = shape[p];
            if (s < 0) continue;
            float v = phonePosteriors[p];
            int o = offglide[p];
            if (o < 0)
            {
                shapeWeights[s] += v;
            }
            else
            {
                shapeWeights[s] += nucleusShare * v;
                shapeWeights[o] += offglideShare * v;
            }
        }
    }

    private void CheckLengths(int posteriors, int weights)
    {
        if (posteriors != _shape.Length) ThrowLength("phonePosteriors", posteriors, _shape.Length, "phones");
        if (weights != _names.Length) ThrowLength("shapeWeights", weights, _names.Length, "shapes");
    }

    private static void ThrowLength(string name, int actual, int expected, string what) =>
        throw new ArgumentException($"{name} has {actual} values; the map has {expected} {what}.", name);

    private static void ThrowShare(float offglideShare) =>
        throw new ArgumentOutOfRangeException(nameof(offglideShare), offglideShare, "offglideShare must be between 0 and 1.");

    /// <summary>Number of shapes in <paramref name="set"/> (9, 15 or 6).</summary>
    public static int ShapeCount(VisemeSet set) => NamesOf(set).Length;

    /// <summary>The shape names of <paramref name="set"/>, in index order.</summary>
    public static IReadOnlyList<string> ShapeNames(VisemeSet set) => NamesOf(set);

    /// <summary>The rest shape of <paramref name="set"/>, or -1 where rest is all weights 0 (<see cref="VisemeSet.Vowels"/>).</summary>
    public static int RestShapeOf(VisemeSet set) => set switch
    {
        VisemeSet.Rhubarb => (int)RhubarbShape.X,
        VisemeSet.Oculus => (int)OculusViseme.sil,
        VisemeSet.Vowels => -1,
        _ => throw new ArgumentOutOfRangeException(nameof(set), set, "unknown viseme set."),
    };

    /// <summary>The index of the shape named <paramref name="name"/> in <paramref name="set"/> (case-insensitive), or -1.</summary>
    public static int ShapeIndex(VisemeSet set, string name)
    {
        if (name is null) return -1;
        var names = NamesOf(set);
        for (int i = 0; i < names.Length; i++) if (string.Equals(names[i], name, StringComparison.Ordinal)) return i;
        for (int i = 0; i < names.Length; i++) if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    private static string[] NamesOf(VisemeSet set) => set switch
    {
        VisemeSet.Rhubarb => RhubarbNames,
        VisemeSet.Oculus => OculusNames,
        VisemeSet.Vowels => VowelNames,
        _ => throw new ArgumentOutOfRangeException(nameof(set), set, "unknown viseme set."),
    };

    /// <summary>The file name of the built-in table for <paramref name="set"/> (<c>rhubarb.csv</c>, <c>oculus.csv</c>, <c>vowels.csv</c>).</summary>
    public static string BuiltInTableName(VisemeSet set) => set switch
    {
        VisemeSet.Rhubarb => "rhubarb.csv",
        VisemeSet.Oculus => "oculus.csv",
        VisemeSet.Vowels => "vowels.csv",
        _ => throw new ArgumentOutOfRangeException(nameof(set), set, "unknown viseme set."),
    };

    /// <summary>
    /// The built-in table for <paramref name="set"/>, for <paramref name="phones"/>. The tables cover the phones of
    /// <see cref="PhoneSet.Default"/> (ARPAbet without stress, DX and sil); another inventory must have exactly those names.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="phones"/> has a phone the table lacks, or lacks one the table has; the message names the phone and the table.</exception>
    public static VisemeMap For(VisemeSet set, PhoneSet phones)
    {
        Guard.NotNull(phones, nameof(phones));
        string file = BuiltInTableName(set);
        string resource = "Hmm.Streaming." + file;
        using var stream = typeof(VisemeMap).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the assembly lacks its embedded table {resource}.");
        try
        {
            return Load(stream, file + " (built-in)", set, phones);
        }
        catch (InvalidDataException e)
        {
            throw new ArgumentException(e.Message + " Load a table written for this phone set with VisemeMap.Load.", nameof(phones), e);
        }
    }

    /// <summary>Reads a CSV table from a file; see <see cref="Load(Stream, string, VisemeSet, PhoneSet)"/>.</summary>
    /// <param name="path">The CSV file; error messages name it.</param>
    /// <param name="set">The shape vocabulary the table's shape names belong to.</param>
    /// <param name="phones">The phone inventory; the table must have one row for each of its phones and no others.</param>
    public static VisemeMap Load(string path, VisemeSet set, PhoneSet phones)
    {
        Guard.NotNull(path, nameof(path));
        using var stream = File.OpenRead(path);
        return Load(stream, path, set, phones);
    }

    /// <summary>
    /// Reads a phone-to-shape table in CSV (UTF-8, comma-separated, fields in double quotes where they hold commas,
    /// blank lines and lines starting with <c>#</c> skipped). The first line is a header naming a <c>phone</c> column
    /// and a shape column (<c>shape</c>, or the set's own name: <c>rhubarb_shape</c>, <c>oculus_viseme</c>,
    /// <c>vowel_shape</c>); an optional column whose name starts with <c>offglide</c> gives a diphthong's second shape.
    /// Other columns are ignored. Shape names are those of <see cref="ShapeNames"/> (case-insensitive). An empty shape
    /// means "no shape" and is allowed only for a phone of class <see cref="PhoneClass.Silence"/>; an empty offglide means none.
    /// Every phone of <paramref name="phones"/> needs exactly one row, and every row's phone must be in it.
    /// </summary>
    /// <param name="stream">The table; read to its end, not closed.</param>
    /// <param name="name">The table's name (a file name) for error messages and <see cref="TableName"/>.</param>
    /// <param name="set">The shape vocabulary.</param>
    /// <param name="phones">The phone inventory.</param>
    /// <exception cref="InvalidDataException">The header lacks a column, a line is short or has an unclosed quote, a phone is unknown, repeated or missing, or a shape name is unknown; the message names the table and line (or the missing phones).</exception>
    public static VisemeMap Load(Stream stream, string name, VisemeSet set, PhoneSet phones)
    {
        Guard.NotNull(stream, nameof(stream));
        Guard.NotNull(name, nameof(name));
        Guard.NotNull(phones, nameof(phones));
        string[] names = NamesOf(set);
        string setColumn = set switch { VisemeSet.Rhubarb => "rhubarb_shape", VisemeSet.Oculus => "oculus_viseme", _ => "vowel_shape" };
        var shape = new int[phones.Count];
        var offglide = new int[phones.Count];
        var rowLine = new int[phones.Count];
        int phoneCol = -1, shapeCol = -1, offglideCol = -1, needed = 0;
        bool haveHeader = false;
        using var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 4096, leaveOpen: true);
        var cells = new List<string>();
        int lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            string trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#') continue;
            SplitCsv(line, name, lineNumber, cells);
            if (!haveHeader)
            {
                haveHeader = true;
                for (int c = 0; c < cells.Count; c++)
                {
                    string h = cells[c];
                    if (phoneCol < 0 && Is(h, "phone")) phoneCol = c;
                    else if (shapeCol < 0 && (Is(h, "shape") || Is(h, setColumn))) shapeCol = c;
                    else if (offglideCol < 0 && h.StartsWith("offglide", StringComparison.OrdinalIgnoreCase)) offglideCol = c;
                }
                if (phoneCol < 0 || shapeCol < 0)
                    throw new InvalidDataException($"{name}:{lineNumber}: the header must name a 'phone' column and a shape column ('{setColumn}' or 'shape') for the {set} set; it has: {string.Join(", ", cells)}.");
                needed = Math.Max(phoneCol, shapeCol) + 1;
                continue;
            }
            if (cells.Count < needed)
                throw new InvalidDataException($"{name}:{lineNumber}: expected at least {needed} comma-separated columns, found {cells.Count}.");
            string phone = cells[phoneCol];
            if (phone.Length == 0) throw new InvalidDataException($"{name}:{lineNumber}: the phone column is empty.");
            int p = phones.IndexOf(phone);
            if (p < 0) throw new InvalidDataException($"{name}:{lineNumber}: phone '{phone}' is not in the phone set ({phones.Count} phones: {string.Join(" ", phones.Phones)}).");
            if (rowLine[p] != 0) throw new InvalidDataException($"{name}:{lineNumber}: phone '{phone}' already has a row (line {rowLine[p]}).");
            rowLine[p] = lineNumber;
            string shapeName = cells[shapeCol];
            if (shapeName.Length == 0)
            {
                if (phones.ClassOf(p) != PhoneClass.Silence)
                    throw new InvalidDataException($"{name}:{lineNumber}: phone '{phone}' has no shape; only a silence phone may have none.");
                shape[p] = -1;
            }
            else
            {
                shape[p] = ParseShape(set, names, shapeName, name, lineNumber, phone);
            }
            offglide[p] = -1;
            if (offglideCol >= 0 && offglideCol < cells.Count && cells[offglideCol].Length != 0)
            {
                if (shape[p] < 0) throw new InvalidDataException($"{name}:{lineNumber}: phone '{phone}' has an offglide but no shape.");
                offglide[p] = ParseShape(set, names, cells[offglideCol], name, lineNumber, phone);
            }
        }
        if (!haveHeader) throw new InvalidDataException($"{name}: empty table; expected a header with 'phone' and '{setColumn}' columns.");
        var missing = new List<string>();
        for (int p = 0; p < rowLine.Length; p++) if (rowLine[p] == 0) missing.Add(phones[p]);
        if (missing.Count > 0)
        {
            bool silence = missing.Exists(m => phones.ClassOf(m) == PhoneClass.Silence);
            throw new InvalidDataException(
                $"{name}: no row for phone{(missing.Count > 1 ? "s" : "")} '{string.Join("', '", missing)}' of the phone set" +
                (silence ? " (silence needs a row too: its rest shape, or an empty shape for none)." : "."));
        }
        return new VisemeMap(set, phones, name, shape, offglide);
    }

    private static int ParseShape(VisemeSet set, string[] names, string text, string table, int line, string phone)
    {
        int s = ShapeIndex(set, text);
        if (s < 0) throw new InvalidDataException($"{table}:{line}: phone '{phone}': '{text}' is not a {set} shape ({string.Join(" ", names)}).");
        return s;
    }

    private static bool Is(string header, string name) => string.Equals(header, name, StringComparison.OrdinalIgnoreCase);

    /// <summary>Splits one CSV line into trimmed cells; double quotes enclose commas, and "" inside them is a quote.</summary>
    private static void SplitCsv(string line, string table, int lineNumber, List<string> cells)
    {
        cells.Clear();
        var cell = new StringBuilder();
        int i = 0;
        while (true)
        {
            cell.Clear();
            while (i < line.Length && (line[i] == ' ' || line[i] == '\t')) i++;
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length) throw new InvalidDataException($"{table}:{lineNumber}: a quoted field is not closed.");
                    char c = line[i++];
                    if (c != '"') { cell.Append(c); continue; }
                    if (i < line.Length && line[i] == '"') { cell.Append('"'); i++; continue; }
                    break;
                }
                while (i < line.Length && (line[i] == ' ' || line[i] == '\t')) i++;
                if (i < line.Length && line[i] != ',') throw new InvalidDataException($"{table}:{lineNumber}: text after a closing quote (column {cells.Count + 1}).");
                cells.Add(cell.ToString());
            }
            else
            {
                while (i < line.Length && line[i] != ',') cell.Append(line[i++]);
                cells.Add(cell.ToString().Trim());
            }
            if (i >= line.Length) return;
            i++; // the comma
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{TableName}: {Phones.Count} phones -> {Count} {Set} shapes";
}

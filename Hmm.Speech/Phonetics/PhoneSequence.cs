using System;
using System.Collections.Generic;
using System.Linq;

namespace Hmm.Speech;

/// <summary>
/// What to align: a sequence of phones that must all appear, in order, and the places where an optional pause
/// (<c>sil</c>) may appear. Phone-given alignment uses no optional pauses (write <c>sil</c> where a pause is);
/// text-given alignment allows a pause before the first word, between words and after the last.
/// </summary>
public sealed class PhoneSequence
{
    private readonly string[] _phones;
    private readonly bool[] _pauseBefore;

    /// <summary>Creates a sequence.</summary>
    /// <param name="phones">The phones, in order (at least one).</param>
    /// <param name="pauseBefore">One flag per phone plus one for the end: whether an optional pause may come before phone i (index Count: after the last); null for none.</param>
    public PhoneSequence(IReadOnlyList<string> phones, IReadOnlyList<bool>? pauseBefore = null)
    {
        Guard.NotNull(phones, nameof(phones));
        if (phones.Count == 0) throw new ArgumentException("the phone sequence is empty.", nameof(phones));
        _phones = new string[phones.Count];
        for (int i = 0; i < phones.Count; i++)
        {
            string p = phones[i] ?? throw new ArgumentException($"phones[{i}] is null.", nameof(phones));
            if (p.Length == 0) throw new ArgumentException($"phones[{i}] is empty.", nameof(phones));
            _phones[i] = p;
        }
        _pauseBefore = new bool[phones.Count + 1];
        if (pauseBefore is not null)
        {
            if (pauseBefore.Count != phones.Count + 1) throw new ArgumentException($"pauseBefore has {pauseBefore.Count} flags; expected phones + 1 = {phones.Count + 1}.", nameof(pauseBefore));
            for (int i = 0; i < pauseBefore.Count; i++) _pauseBefore[i] = pauseBefore[i];
        }
    }

    /// <summary>The phones.</summary>
    public IReadOnlyList<string> Phones => _phones;

    /// <summary>Number of phones.</summary>
    public int Count => _phones.Length;

    /// <summary>Whether an optional pause may come before phone <paramref name="index"/> (<see cref="Count"/>: after the last).</summary>
    public bool PauseBefore(int index) => _pauseBefore[index];

    /// <summary>Whether any optional pause is allowed.</summary>
    public bool HasOptionalPauses => _pauseBefore.Any(x => x);

    /// <summary>Parses whitespace-separated phones (a <c>.phones</c> file's content); no optional pauses.</summary>
    /// <exception cref="ArgumentException">No phones in the text.</exception>
    public static PhoneSequence Parse(string text)
    {
        Guard.NotNull(text, nameof(text));
        var phones = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (phones.Length == 0) throw new ArgumentException("no phones in the text (expected whitespace-separated phones such as 'sil DH AH sil').", nameof(text));
        return new PhoneSequence(phones);
    }

    /// <summary>Joins words' phones with an optional pause before the first word, between words and after the last.</summary>
    /// <exception cref="ArgumentException">No words, or a word without phones.</exception>
    public static PhoneSequence FromWords(IEnumerable<IReadOnlyList<string>> words)
    {
        Guard.NotNull(words, nameof(words));
        var phones = new List<string>();
        var pause = new List<bool>();
        foreach (var w in words)
        {
            if (w is null || w.Count == 0) throw new ArgumentException("a word has no phones.", nameof(words));
            for (int i = 0; i < w.Count; i++)
            {
                phones.Add(w[i]);
                pause.Add(i == 0);
            }
        }
        if (phones.Count == 0) throw new ArgumentException("the text has no words to align.", nameof(words));
        pause.Add(true);
        return new PhoneSequence(phones, pause);
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var parts = new List<string>();
        for (int i = 0; i <= _phones.Length; i++)
        {
            if (_pauseBefore[i]) parts.Add("[sil]");
            if (i < _phones.Length) parts.Add(_phones[i]);
        }
        return string.Join(" ", parts);
    }
}

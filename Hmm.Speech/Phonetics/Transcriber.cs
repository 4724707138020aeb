using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Hmm.Speech;

/// <summary>Where a word's pronunciation came from.</summary>
public enum PronunciationSource
{
    /// <summary>The pronouncing dictionary.</summary>
    Dictionary,
    /// <summary>The letter-to-sound rules (the word is not in the dictionary).</summary>
    Rules,
}

/// <summary>A word of the text and the phones chosen for it.</summary>
/// <param name="Text">The word as normalised (lower case).</param>
/// <param name="Phones">Its phones.</param>
/// <param name="Source">Dictionary or rules.</param>
public readonly record struct TranscribedWord(string Text, string[] Phones, PronunciationSource Source);

/// <summary>
/// Turns text into words and phones: lower-cases, splits on anything that is not a letter, digit or an apostrophe
/// inside a word, spells out numbers (0 to 999,999,999 digit groups), and looks each word up in the dictionary, falling
/// back to <see cref="LetterToSound"/>. The first dictionary pronunciation is used.
/// </summary>
public sealed class Transcriber
{
    private static readonly string[] Ones = { "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen" };
    private static readonly string[] Tens = { "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety" };

    private readonly PronunciationLexicon _dictionary;

    /// <summary>Creates a transcriber over <paramref name="dictionary"/>.</summary>
    public Transcriber(PronunciationLexicon dictionary)
    {
        _dictionary = dictionary ?? throw new ArgumentNullException(nameof(dictionary));
    }

    /// <summary>The words of <paramref name="text"/> with their phones.</summary>
    public IReadOnlyList<TranscribedWord> Transcribe(string text) => Transcribe(text, null);

    /// <summary>
    /// The words of <paramref name="text"/> with their phones; words that neither the dictionary nor the rules can
    /// pronounce (Chinese, Japanese, Cyrillic, ...: the rules read only a to z) are left out and added to
    /// <paramref name="unpronounceable"/>, so that a caller can say so instead of dropping them silently.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="unpronounceable">Receives the words left out, in order; null to ignore them.</param>
    public IReadOnlyList<TranscribedWord> Transcribe(string text, ICollection<string>? unpronounceable)
    {
        Guard.NotNull(text, nameof(text));
        var result = new List<TranscribedWord>();
        foreach (string token in Words(text))
        {
            var prons = _dictionary.Lookup(token);
            if (prons.Count > 0)
            {
                result.Add(new TranscribedWord(token, prons[0], PronunciationSource.Dictionary));
                continue;
            }
            // Possessives and contractions of known words ("boat's") are common and the rules say them badly.
            if (token.EndsWith("'s", StringComparison.Ordinal) && _dictionary.Lookup(token.Substring(0, token.Length - 2)) is { Count: > 0 } stem)
            {
                var phones = new List<string>(stem[0]);
                string last = phones[phones.Count - 1];
                if (last is "S" or "Z" or "SH" or "ZH" or "CH" or "JH") phones.Add("IH");
                phones.Add(last is "P" or "T" or "K" or "F" or "TH" ? "S" : "Z");
                result.Add(new TranscribedWord(token, phones.ToArray(), PronunciationSource.Dictionary));
                continue;
            }
            var rules = LetterToSound.Pronounce(token);
            if (rules.Length > 0) result.Add(new TranscribedWord(token, rules, PronunciationSource.Rules));
            else unpronounceable?.Add(token);
        }
        return result;
    }

    /// <summary>Splits and normalises text into words (numbers spelled out).</summary>
    public static IReadOnlyList<string> Words(string text)
    {
        Guard.NotNull(text, nameof(text));
        var words = new List<string>();
        var sb = new StringBuilder();
        string s = text.Replace('\u2019', '\'').Replace('\u2018', '\'');
        for (int i = 0; i <= s.Length; i++)
        {
            char c = i < s.Length ? AsciiDigit(char.ToLowerInvariant(s[i])) : ' ';
            bool inner = c == '\'' && sb.Length > 0 && i + 1 < s.Length && char.IsLetter(s[i + 1]);
            // "1,250" is one number: a comma between digit groups does not end the word.
            bool digitGroup = c == ',' && sb.Length > 0 && IsAllDigits(sb) && AreDigits(s, i + 1, 3);
            if (char.IsLetterOrDigit(c) || inner) { sb.Append(c); continue; }
            if (digitGroup) continue;
            if (sb.Length == 0) continue;
            string word = sb.ToString();
            sb.Clear();
            if (IsAllDigits(word)) words.AddRange(SpellNumber(word));
            else words.Add(word);
        }
        return words;
    }

    /// <summary>A decimal digit of any script ('\u0663', fullwidth '\uFF13') as its ASCII digit; other characters unchanged.</summary>
    private static char AsciiDigit(char c) =>
        c > '\u007F' && char.GetUnicodeCategory(c) == UnicodeCategory.DecimalDigitNumber ? (char)('0' + (int)char.GetNumericValue(c)) : c;

    private static bool AreDigits(string s, int start, int count)
    {
        if (start + count > s.Length) return false;
        for (int i = start; i < start + count; i++) if (!char.IsDigit(s[i])) return false;
        return start + count == s.Length || !char.IsDigit(s[start + count]);
    }

    private static bool IsAllDigits(StringBuilder sb)
    {
        for (int i = 0; i < sb.Length; i++) if (!char.IsDigit(sb[i])) return false;
        return true;
    }

    private static bool IsAllDigits(string s)
    {
        foreach (char c in s) if (!char.IsDigit(c)) return false;
        return s.Length > 0;
    }

    /// <summary>Spells a string of digits (of any script) as English words; longer than 9 digits, digit by digit.</summary>
    /// <exception cref="ArgumentException"><paramref name="digits"/> is empty or holds a character that is not a decimal digit.</exception>
    public static IReadOnlyList<string> SpellNumber(string digits)
    {
        Guard.NotNull(digits, nameof(digits));
        var ascii = new StringBuilder(digits.Length);
        foreach (char c in digits)
        {
            char d = AsciiDigit(c);
            if (d < '0' || d > '9') throw new ArgumentException($"'{digits}' is not a string of decimal digits.", nameof(digits));
            ascii.Append(d);
        }
        if (ascii.Length == 0) throw new ArgumentException("no digits to spell.", nameof(digits));
        digits = ascii.ToString();
        var words = new List<string>();
        if (digits.Length > 9 || (digits.Length > 1 && digits[0] == '0'))
        {
            foreach (char d in digits) words.Add(Ones[d - '0']);
            return words;
        }
        long n = long.Parse(digits, CultureInfo.InvariantCulture);
        if (n == 0) { words.Add("zero"); return words; }
        void Below1000(long v)
        {
            if (v >= 100) { words.Add(Ones[v / 100]); words.Add("hundred"); v %= 100; }
            if (v >= 20) { words.Add(Tens[v / 10]); v %= 10; if (v > 0) words.Add(Ones[v]); }
            else if (v > 0) words.Add(Ones[v]);
        }
        if (n >= 1_000_000) { Below1000(n / 1_000_000); words.Add("million"); n %= 1_000_000; }
        if (n >= 1000) { Below1000(n / 1000); words.Add("thousand"); n %= 1000; }
        Below1000(n);
        return words;
    }
}

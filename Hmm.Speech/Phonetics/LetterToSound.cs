using System;
using System.Collections.Generic;

namespace Hmm.Speech;

/// <summary>
/// Letter-to-sound rules for words the dictionary lacks: ordered context rules in the style of the NRL rules
/// (Elovitz et al. 1976, public domain), cut down to the common English spellings and written for the unified
/// ARPAbet set (no stress). A rule is <c>left[match]right = phones</c>; the first rule whose letters match at the
/// current position and whose contexts hold wins, and its letters are consumed. Context symbols:
/// <c>#</c> one or more vowels, <c>:</c> zero or more consonants, <c>^</c> one consonant, <c>+</c> a front vowel
/// (e, i, y), <c>%</c> a suffix (e, er, es, ed, ing, ely, ely), a space for the word edge; other letters stand
/// for themselves. Expect roughly one phone error in four on unseen words: enough to align a name or a
/// rare word, not a replacement for the dictionary.
/// </summary>
public static class LetterToSound
{
    private readonly record struct Rule(string Left, string Match, string Right, string[] Phones);

    private static readonly Dictionary<char, Rule[]> Rules = Build();

    /// <summary>Phones for a lower- or upper-case word of letters and apostrophes (other characters are skipped).</summary>
    public static string[] Pronounce(string word)
    {
        Guard.NotNull(word, nameof(word));
        var letters = new System.Text.StringBuilder(word.Length);
        foreach (char c in word.ToLowerInvariant()) if (c >= 'a' && c <= 'z') letters.Append(c);
        string w = " " + letters + " ";
        var phones = new List<string>();
        int i = 1;
        while (i < w.Length - 1)
        {
            bool matched = false;
            if (Rules.TryGetValue(w[i], out var rules))
            {
                foreach (var r in rules)
                {
                    if (string.CompareOrdinal(w, i, r.Match, 0, r.Match.Length) != 0) continue;
                    if (!RightMatches(w, i + r.Match.Length, r.Right) || !LeftMatches(w, i - 1, r.Left)) continue;
                    phones.AddRange(r.Phones);
                    i += r.Match.Length;
                    matched = true;
                    break;
                }
            }
            if (!matched) i++;
        }
        // Doubled consonants across rules (e.g. "bb" handled letter by letter) give repeated phones: say them once.
        for (int k = phones.Count - 1; k > 0; k--) if (phones[k] == phones[k - 1] && !IsVowelPhone(phones[k])) phones.RemoveAt(k);
        return phones.ToArray();
    }

    private static bool IsVowelPhone(string p) => "AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW".Contains(p);

    private static bool IsVowel(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u' or 'y';

    private static bool IsConsonant(char c) => c >= 'a' && c <= 'z' && !IsVowel(c);

    private static bool RightMatches(string w, int at, string pattern)
    {
        int i = at;
        for (int p = 0; p < pattern.Length; p++)
        {
            char c = pattern[p];
            switch (c)
            {
                case '#':
                    if (i >= w.Length || !IsVowel(w[i])) return false;
                    while (i < w.Length && IsVowel(w[i])) i++;
                    break;
                case ':':
                    while (i < w.Length && IsConsonant(w[i])) i++;
                    break;
                case '^':
                    if (i >= w.Length || !IsConsonant(w[i])) return false;
                    i++;
                    break;
                case '+':
                    if (i >= w.Length || (w[i] != 'e' && w[i] != 'i' && w[i] != 'y')) return false;
                    i++;
                    break;
                case '%':
                    foreach (string suffix in new[] { "ely", "ing", "er", "es", "ed", "e" })
                    {
                        if (string.CompareOrdinal(w, i, suffix, 0, suffix.Length) == 0 && i + suffix.Length < w.Length && w[i + suffix.Length] == ' ')
                            return p == pattern.Length - 1;
                    }
                    return false;
                default:
                    if (i >= w.Length || w[i] != c) return false;
                    i++;
                    break;
            }
        }
        return true;
    }

    private static bool LeftMatches(string w, int at, string pattern)
    {
        int i = at;
        for (int p = pattern.Length - 1; p >= 0; p--)
        {
            char c = pattern[p];
            switch (c)
            {
                case '#':
                    if (i < 0 || !IsVowel(w[i])) return false;
                    while (i >= 0 && IsVowel(w[i])) i--;
                    break;
                case ':':
                    while (i >= 0 && IsConsonant(w[i])) i--;
                    break;
                case '^':
                    if (i < 0 || !IsConsonant(w[i])) return false;
                    i--;
                    break;
                case '+':
                    if (i < 0 || (w[i] != 'e' && w[i] != 'i' && w[i] != 'y')) return false;
                    i--;
                    break;
                default:
                    if (i < 0 || w[i] != c) return false;
                    i--;
                    break;
            }
        }
        return true;
    }

    private static Dictionary<char, Rule[]> Build()
    {
        // One rule per line: "left|match|right|phones". Order matters within a letter: specific before general.
        const string table = @"
 |a| |AH
|augh||AO
|au||AO
|aw||AO
|ai||EY
|ay||EY
|ar|#|EH R
|are| |AA R
|ar||AA R
|all||AO L
|al|k|AO
|ea|r|IH
|a|^e |EY
|a|^#|EY
|a|^%|EY
|a|ng|AE
|a||AE
|b||B
|ch||CH
| |c|+|S
|c|+|S
|ck||K
|c||K
|dge||JH
|d||D
 |e| |IY
|ea||IY
|ee||IY
|ei||IY
|eu||Y UW
|ew||UW
|er|#|EH R
|er||ER
#:|e| |
|e|^e |IY
|e|^#|IY
|e||EH
|f||F
|gh| |
|g|+|JH
|g||G
|h|#|HH
|h||
|igh||AY
|ie| |AY
|ie||IY
|ir||ER
|i|nd|AY
|i|^e |AY
|i|^#|AY
|i||IH
|j||JH
|kn||N
|k||K
|le| |AH L
|l||L
|m||M
|ng||NG
|n|k|NG
|n||N
 |o| |OW
|oa||OW
|oo|k|UH
|oo||UW
|ou||AW
|ow| |OW
|ow||AW
|oi||OY
|oy||OY
|or||AO R
|o|^e |OW
|o|^#|OW
|o|ld|OW
|o||AA
|ph||F
|p||P
|qu||K W
|q||K
|r||R
|sh||SH
|sion||ZH AH N
|s|#|S
#|s|#|Z
#|s| |Z
|s||S
|tion||SH AH N
|th||TH
|t||T
|ur||ER
|u|^e |UW
|u|^#|UW
|u||AH
|v||V
|wh||W
|wr||R
|w||W
|x||K S
 |y|#|Y
|y| |IY
|y|^e |AY
#|y||IY
|y||IH
|z||Z
";
        var rules = new Dictionary<char, List<Rule>>();
        foreach (string raw in table.Split('\n'))
        {
            if (raw.Trim().Length == 0) continue;
            var parts = raw.Split('|');
            var phones = parts[3].Trim().Length == 0 ? Array.Empty<string>() : parts[3].Trim().Split(' ');
            var rule = new Rule(parts[0], parts[1], parts[2], phones);
            if (!rules.TryGetValue(rule.Match[0], out var list)) rules[rule.Match[0]] = list = new List<Rule>();
            list.Add(rule);
        }
        var result = new Dictionary<char, Rule[]>();
        foreach (var kv in rules) result[kv.Key] = kv.Value.ToArray();
        return result;
    }
}

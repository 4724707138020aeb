using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using Hmm.Speech;
using Xunit;

namespace Hmm.Tests.Alignment;

public class PronunciationTests
{
    private static PronunciationLexicon FromText(string text, bool gzip)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (gzip)
        {
            var ms = new MemoryStream();
            using (var z = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) z.Write(bytes);
            bytes = ms.ToArray();
        }
        return PronunciationLexicon.Load(new MemoryStream(bytes), "test.dict");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_cmudict_lines_with_variants_comments_and_stress(bool gzip)
    {
        var lex = FromText(";;; comment\nTOMATO  T AH0 M EY1 T OW2\ntomato(2) T AH0 M AA1 T OW2 # british\nthe DH AH0\n", gzip);
        Assert.Equal(2, lex.Count);
        var prons = lex.Lookup("Tomato");
        Assert.Equal(2, prons.Count);
        Assert.Equal(new[] { "T", "AH", "M", "EY", "T", "OW" }, prons[0]);
        Assert.Equal(new[] { "T", "AH", "M", "AA", "T", "OW" }, prons[1]);
        Assert.Empty(lex.Lookup("potato"));
    }

    [Fact]
    public void A_truncated_gzip_dictionary_is_reported_as_truncated_not_by_its_last_line()
    {
        var whole = File.ReadAllBytes(AlignmentTestData.DictionaryPath);
        var cut = whole.Take(20000).ToArray(); // mid-stream: the last line inflated is cut in half
        var e = Assert.Throws<InvalidDataException>(() => PronunciationLexicon.Load(new MemoryStream(cut), "cut.dict.gz"));
        Assert.StartsWith("cut.dict.gz: the gzip data is truncated or corrupt", e.Message);
        Assert.True(PronunciationLexicon.Load(new MemoryStream(whole), "whole.dict.gz").Count > 100_000);
    }

    [Fact]
    public void A_binary_file_is_refused_as_not_a_dictionary_without_quoting_it()
    {
        var e = Assert.Throws<InvalidDataException>(() => PronunciationLexicon.Load(File.OpenRead(AlignmentTestData.ModelPath), "model.hmmam"));
        Assert.Matches(@"^model\.hmmam:\d+: binary data \(U\+[0-9A-F]{4}[^)]*\): not a UTF-8 text pronouncing dictionary", e.Message);
        Assert.True(e.Message.Length < 150, e.Message);
    }

    [Fact]
    public void A_line_without_pronunciation_names_file_and_line()
    {
        var e = Assert.Throws<InvalidDataException>(() => FromText("the DH AH0\nbroken\n", gzip: false));
        Assert.StartsWith("test.dict:2", e.Message);
    }

    [Fact]
    public void The_shipped_dictionary_loads_and_uses_only_phones_of_the_default_set()
    {
        var lex = AlignmentTestData.Lexicon;
        Assert.True(lex.Count > 120000);
        Assert.Equal(new[] { "DH", "AH" }, lex.Lookup("the")[0]);
        Assert.Equal(new[] { "K", "EH", "T", "AH", "L" }, lex.Lookup("kettle")[0]);
        Assert.True(new FileInfo(AlignmentTestData.DictionaryPath).Length < 2_000_000);
    }

    [Fact]
    public void Text_becomes_words_with_numbers_spelled_out()
    {
        Assert.Equal(new[] { "it's", "one", "thousand", "two", "hundred", "fifty", "miles", "to", "rome" }, Transcriber.Words("It's 1,250 miles—to Rome!"));
        Assert.Equal(new[] { "twenty", "one" }, Transcriber.SpellNumber("21"));
        Assert.Equal(new[] { "zero", "seven" }, Transcriber.SpellNumber("07"));
    }

    [Theory]
    [InlineData("Platform \u0663 is closed", "platform three is closed")] // Arabic-Indic digit
    [InlineData("in \uFF11\uFF19\uFF19\uFF19", "in one thousand nine hundred ninety nine")] // fullwidth digits
    [InlineData("\u0967\u0968", "twelve")] // Devanagari digits
    [InlineData("\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661",
        "one two three four five six seven eight nine zero one")] // 11 digits: digit by digit
    public void Digits_of_every_script_are_spelled_like_ascii_ones(string text, string words)
    {
        Assert.Equal(words.Split(' '), Transcriber.Words(text));
    }

    [Fact]
    public void Spell_number_takes_digits_of_any_script_and_refuses_other_characters_by_argument()
    {
        Assert.Equal(new[] { "three" }, Transcriber.SpellNumber("\u0663"));
        Assert.Equal(new[] { "nineteen" }, Transcriber.SpellNumber("\uFF11\uFF19"));
        Assert.Throws<System.ArgumentException>(() => Transcriber.SpellNumber("1a"));
        Assert.Throws<System.ArgumentException>(() => Transcriber.SpellNumber(""));
    }

    [Fact]
    public void Words_no_rule_can_pronounce_are_reported_not_silently_dropped()
    {
        var t = new Transcriber(AlignmentTestData.Lexicon);
        var left = new System.Collections.Generic.List<string>();
        var words = t.Transcribe("Is this the \u673A\u573A train?", left);
        Assert.Equal(new[] { "is", "this", "the", "train" }, words.Select(w => w.Text));
        Assert.Equal(new[] { "\u673A\u573A" }, left);
    }

    [Fact]
    public void Known_words_come_from_the_dictionary_and_unknown_ones_from_the_rules()
    {
        var t = new Transcriber(AlignmentTestData.Lexicon);
        var words = t.Transcribe("The kettle zorblat");
        Assert.Equal(3, words.Count);
        Assert.Equal(PronunciationSource.Dictionary, words[0].Source);
        Assert.Equal(PronunciationSource.Rules, words[2].Source);
        Assert.All(words.SelectMany(w => w.Phones), p => Assert.True(PhoneSet.Default.Contains(p), p));
    }

    [Theory]
    [InlineData("cat", "K AE T")]
    [InlineData("ship", "SH IH P")]
    [InlineData("phone", "F OW N")]
    [InlineData("thin", "TH IH N")]
    [InlineData("seed", "S IY D")]
    [InlineData("bring", "B R IH NG")]
    public void Letter_to_sound_rules_say_regular_words(string word, string phones)
    {
        Assert.Equal(phones, string.Join(" ", LetterToSound.Pronounce(word)));
    }

    [Fact]
    public void Letter_to_sound_rules_get_most_phones_of_common_dictionary_words_right()
    {
        // Phone error rate of the rules on 2,000 dictionary words (every 60th entry): a regression guard, not a claim
        // of quality; the rules only serve words the dictionary lacks.
        var lines = new StreamReader(new GZipStream(File.OpenRead(AlignmentTestData.DictionaryPath), CompressionMode.Decompress)).ReadToEnd().Split('\n');
        long errors = 0, total = 0;
        for (int i = 0; i < lines.Length && total < 12000; i += 60)
        {
            var parts = lines[i].Split(' ');
            if (parts.Length < 2 || !parts[0].All(char.IsLetter)) continue;
            var reference = parts.Skip(1).ToArray();
            var guess = LetterToSound.Pronounce(parts[0]);
            errors += EditDistance(reference, guess);
            total += reference.Length;
        }
        double rate = errors / (double)total;
        Assert.True(rate < 0.35, $"phone error rate {rate:P1}"); // 26 % measured over every 13th dictionary word
    }

    private static int EditDistance(string[] a, string[] b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
                d[i, j] = System.Math.Min(d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1), System.Math.Min(d[i - 1, j], d[i, j - 1]) + 1);
        return d[a.Length, b.Length];
    }

    [Fact]
    public void Phone_sets_load_from_phones_tsv_and_reject_unknown_classes()
    {
        using var dir = AlignmentTestData.TempDirectory();
        File.WriteAllText(dir.File("p.tsv"), "phone\tclass\tipa\nAA\tvowel\ta\nsil\tsilence\t\n");
        var set = PhoneSet.Load(dir.File("p.tsv"));
        Assert.Equal(2, set.Count);
        Assert.Equal(PhoneClass.Silence, set.ClassOf("sil"));
        File.WriteAllText(dir.File("q.tsv"), "phone\tclass\nAA\tvowl\n");
        var e = Assert.Throws<InvalidDataException>(() => PhoneSet.Load(dir.File("q.tsv")));
        Assert.Contains("q.tsv:2", e.Message);
        Assert.Equal(41, PhoneSet.Default.Count);
        Assert.Equal(PhoneClass.Flap, PhoneSet.Default.ClassOf("DX"));
    }
}

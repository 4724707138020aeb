using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using Hmm.Speech;
using Hmm.Streaming;
using Hmm.Tests.Alignment;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Streaming;

public class VisemeMapTests
{
    public static readonly TheoryData<VisemeSet> Sets = new() { VisemeSet.Rhubarb, VisemeSet.Oculus, VisemeSet.Vowels };

    [Theory]
    [MemberData(nameof(Sets))]
    public void Every_phone_of_the_default_set_has_a_shape_and_only_silence_may_have_none(VisemeSet set)
    {
        var phones = PhoneSet.Default;
        var map = VisemeMap.For(set, phones);
        Assert.Equal(VisemeMap.ShapeCount(set), map.Count);
        for (int p = 0; p < phones.Count; p++)
        {
            int shape = map.ShapeOf(p);
            if (shape < 0)
            {
                Assert.Equal(VisemeSet.Vowels, set);
                Assert.Equal(PhoneSet.Silence, phones[p]);
            }
            else
            {
                Assert.InRange(shape, 0, map.Count - 1);
            }
            Assert.InRange(map.OffglideOf(p), -1, map.Count - 1);
        }
        // Silence is the set's rest shape: X, sil, or no shape at all for the vowels.
        Assert.Equal(map.RestShape, map.ShapeOf(PhoneSet.Silence));
    }

    [Fact]
    public void Shape_counts_and_names_follow_the_enums()
    {
        Assert.Equal(Enum.GetNames<RhubarbShape>(), VisemeMap.ShapeNames(VisemeSet.Rhubarb));
        Assert.Equal(Enum.GetNames<OculusViseme>(), VisemeMap.ShapeNames(VisemeSet.Oculus));
        Assert.Equal(Enum.GetNames<VowelShape>(), VisemeMap.ShapeNames(VisemeSet.Vowels));
        Assert.Equal(new[] { 9, 15, 6 }, new[] { VisemeSet.Rhubarb, VisemeSet.Oculus, VisemeSet.Vowels }.Select(VisemeMap.ShapeCount));
        var oculus = VisemeMap.For(VisemeSet.Oculus, PhoneSet.Default);
        Assert.Equal("kk", oculus.Name((int)OculusViseme.kk));
        Assert.Equal((int)RhubarbShape.X, VisemeMap.RestShapeOf(VisemeSet.Rhubarb));
        Assert.Equal(-1, VisemeMap.RestShapeOf(VisemeSet.Vowels));
        Assert.Throws<ArgumentOutOfRangeException>(() => oculus.Name(15));
    }

    [Theory]
    [InlineData(VisemeSet.Rhubarb, "rhubarb.csv", "rhubarb_shape", "offglide_rhubarb_shape")]
    [InlineData(VisemeSet.Oculus, "oculus.csv", "oculus_viseme", "offglide_oculus_viseme")]
    [InlineData(VisemeSet.Vowels, "vowels.csv", "vowel_shape", "offglide_vowel_shape")]
    public void Built_in_maps_match_the_csv_files_in_the_source_tree(VisemeSet set, string file, string shapeColumn, string offglideColumn)
    {
        // Read with a parser of its own: the first three columns hold no quotes or commas.
        var lines = File.ReadAllLines(Path.Combine(DataFolder(), file));
        var header = lines[0].Split(',');
        int phoneCol = Array.IndexOf(header, "phone"), shapeCol = Array.IndexOf(header, shapeColumn), offCol = Array.IndexOf(header, offglideColumn);
        Assert.True(phoneCol >= 0 && shapeCol >= 0 && offCol >= 0, $"{file}: header {lines[0]}");
        var map = VisemeMap.For(set, PhoneSet.Default);
        var names = VisemeMap.ShapeNames(set);
        var seen = new HashSet<string>();
        foreach (string line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var cells = line.Split(',');
            string phone = cells[phoneCol];
            Assert.True(seen.Add(phone), $"{file}: {phone} twice");
            int p = PhoneSet.Default.IndexOf(phone);
            Assert.True(p >= 0, $"{file}: {phone} is not a default phone");
            Assert.Equal(cells[shapeCol], map.ShapeOf(p) < 0 ? "" : names[map.ShapeOf(p)]);
            Assert.Equal(cells[offCol], map.OffglideOf(p) < 0 ? "" : names[map.OffglideOf(p)]);
        }
        Assert.Equal(PhoneSet.Default.Count, seen.Count);
    }

    [Fact]
    public void Some_known_entries()
    {
        var rhubarb = VisemeMap.For(VisemeSet.Rhubarb, PhoneSet.Default);
        var oculus = VisemeMap.For(VisemeSet.Oculus, PhoneSet.Default);
        var vowels = VisemeMap.For(VisemeSet.Vowels, PhoneSet.Default);
        Assert.Equal((int)RhubarbShape.A, rhubarb.ShapeOf("M"));
        Assert.Equal((int)RhubarbShape.G, rhubarb.ShapeOf("F"));
        Assert.Equal((int)RhubarbShape.X, rhubarb.ShapeOf("sil"));
        Assert.Equal((int)RhubarbShape.D, rhubarb.ShapeOf("AY"));
        Assert.Equal((int)RhubarbShape.B, rhubarb.OffglideOf(PhoneSet.Default.IndexOf("AY")));
        Assert.Equal((int)OculusViseme.PP, oculus.ShapeOf("B"));
        Assert.Equal((int)OculusViseme.sil, oculus.ShapeOf("sil"));
        Assert.Equal((int)VowelShape.A, vowels.ShapeOf("AA"));
        Assert.Equal((int)VowelShape.N, vowels.ShapeOf("M"));
        Assert.Equal((int)VowelShape.N, vowels.ShapeOf("NG"));
        Assert.Equal((int)VowelShape.U, vowels.OffglideOf(PhoneSet.Default.IndexOf("OW")));
        Assert.Equal(-1, vowels.ShapeOf("sil"));
        Assert.Equal("rhubarb.csv (built-in)", rhubarb.TableName);
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void Accumulate_sums_to_the_posterior_mass_of_phones_with_a_shape(VisemeSet set)
    {
        var map = VisemeMap.For(set, PhoneSet.Default);
        var random = new Random(7);
        var posteriors = new float[PhoneSet.Default.Count];
        var weights = new float[map.Count];
        for (int trial = 0; trial < 20; trial++)
        {
            double mass = 0, shapeless = 0;
            for (int p = 0; p < posteriors.Length; p++)
            {
                posteriors[p] = (float)random.NextDouble();
                mass += posteriors[p];
                if (map.ShapeOf(p) < 0) shapeless += posteriors[p];
            }
            Array.Clear(weights);
            map.Accumulate(posteriors, weights);
            Assert.Equal(mass - shapeless, weights.Sum(w => (double)w), Tolerances.ShapeWeightSum * mass);
            // Each shape gets exactly its phones' posteriors.
            for (int s = 0; s < map.Count; s++)
            {
                double expected = Enumerable.Range(0, posteriors.Length).Where(p => map.ShapeOf(p) == s).Sum(p => (double)posteriors[p]);
                Assert.Equal(expected, weights[s], Tolerances.ShapeWeightSum * mass);
            }
            // Splitting diphthongs moves mass between shapes but keeps the total.
            Array.Clear(weights);
            map.Accumulate(posteriors, weights, 0.4f);
            Assert.Equal(mass - shapeless, weights.Sum(w => (double)w), Tolerances.ShapeWeightSum * mass);
        }
    }

    [Fact]
    public void Accumulate_adds_to_the_weights_and_splits_a_diphthong_by_the_offglide_share()
    {
        var map = VisemeMap.For(VisemeSet.Rhubarb, PhoneSet.Default);
        var posteriors = new float[PhoneSet.Default.Count];
        posteriors[PhoneSet.Default.IndexOf("AY")] = 1f; // D gliding to B
        var weights = new float[map.Count];
        weights[(int)RhubarbShape.X] = 0.5f;
        map.Accumulate(posteriors, weights, 0.25f);
        Assert.Equal(0.75f, weights[(int)RhubarbShape.D]);
        Assert.Equal(0.25f, weights[(int)RhubarbShape.B]);
        Assert.Equal(0.5f, weights[(int)RhubarbShape.X]);
        map.Accumulate(posteriors, weights);
        Assert.Equal(1.75f, weights[(int)RhubarbShape.D]);
        Assert.Throws<ArgumentOutOfRangeException>(() => map.Accumulate(posteriors, weights, 1.5f));
        Assert.Throws<ArgumentException>(() => map.Accumulate(posteriors.AsSpan(1), weights));
        Assert.Throws<ArgumentException>(() => map.Accumulate(posteriors, new float[8]));
    }

    [Fact]
    public void Accumulate_allocates_nothing()
    {
        var map = VisemeMap.For(VisemeSet.Oculus, PhoneSet.Default);
        var posteriors = Enumerable.Range(0, PhoneSet.Default.Count).Select(i => 1f / (i + 1)).ToArray();
        var weights = new float[map.Count];
        map.Accumulate(posteriors, weights); // warm-up
        Assert.Equal(0, SteadyAllocation.Bytes(() =>
        {
            map.Accumulate(posteriors, weights);
            map.Accumulate(posteriors, weights, 0.3f);
        }, warmUp: 1, calls: 10_000));
    }

    [Fact]
    public void A_user_table_loads_with_quotes_comments_a_generic_shape_column_and_extra_columns()
    {
        var phones = new PhoneSet(new[] { "a", "m", "sil" }, new[] { PhoneClass.Vowel, PhoneClass.Nasal, PhoneClass.Silence });
        string csv = "# my map\nnote,phone,shape,offglide\n\"open, wide\",a,d,b\n\n\"closed \"\"m\"\"\",m,A,\n,sil,X,\n";
        var map = VisemeMap.Load(Stream(csv), "mine.csv", VisemeSet.Rhubarb, phones);
        Assert.Equal(new[] { (int)RhubarbShape.D, (int)RhubarbShape.A, (int)RhubarbShape.X }, Enumerable.Range(0, 3).Select(map.ShapeOf));
        Assert.Equal((int)RhubarbShape.B, map.OffglideOf(0));
        Assert.Equal(-1, map.OffglideOf(1));
        Assert.Equal("mine.csv", map.TableName);
    }

    [Theory]
    [InlineData("phone,rhubarb_shape\nAA,Q\n", "bad.csv:2", "'Q' is not a Rhubarb shape")]
    [InlineData("phone,rhubarb_shape\nAA,D\nQQ,A\n", "bad.csv:3", "phone 'QQ' is not in the phone set")]
    [InlineData("phone,rhubarb_shape\nAA,D\nAA,C\n", "bad.csv:3", "phone 'AA' already has a row (line 2)")]
    [InlineData("phone,viseme\nAA,D\n", "bad.csv:1", "must name a 'phone' column and a shape column")]
    [InlineData("phone,rhubarb_shape\nAA\n", "bad.csv:2", "expected at least 2")]
    [InlineData("phone,rhubarb_shape,note\nAA,D,\"open\n", "bad.csv:2", "quoted field is not closed")]
    [InlineData("phone,rhubarb_shape\nAA,\n", "bad.csv:2", "phone 'AA' has no shape")]
    [InlineData("phone,rhubarb_shape,offglide\nAA,D,Z\n", "bad.csv:2", "'Z' is not a Rhubarb shape")]
    [InlineData("", "bad.csv", "empty table")]
    public void Malformed_tables_name_the_table_line_and_problem(string csv, string where, string problem)
    {
        var e = Assert.Throws<InvalidDataException>(() => VisemeMap.Load(Stream(csv), "bad.csv", VisemeSet.Rhubarb, PhoneSet.Default));
        Assert.StartsWith(where, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void A_table_without_rows_for_some_phones_names_them_and_silence_is_not_exempt()
    {
        string full = Encoding.UTF8.GetString(ReadAllBytes(Path.Combine(DataFolder(), "oculus.csv")));
        string withoutSil = string.Join("\n", full.Split('\n').Where(l => !l.StartsWith("sil,", StringComparison.Ordinal)));
        var e = Assert.Throws<InvalidDataException>(() => VisemeMap.Load(Stream(withoutSil), "oculus-nosil.csv", VisemeSet.Oculus, PhoneSet.Default));
        Assert.StartsWith("oculus-nosil.csv: no row for phone 'sil'", e.Message);
        Assert.Contains("silence", e.Message);

        string withoutTwo = string.Join("\n", full.Split('\n').Where(l => !l.StartsWith("ZH,", StringComparison.Ordinal) && !l.StartsWith("DX,", StringComparison.Ordinal)));
        e = Assert.Throws<InvalidDataException>(() => VisemeMap.Load(Stream(withoutTwo), "short.csv", VisemeSet.Oculus, PhoneSet.Default));
        Assert.StartsWith("short.csv: no row for phones 'DX', 'ZH'", e.Message);
    }

    [Fact]
    public void The_built_in_tables_refuse_a_phone_set_they_do_not_fit_naming_phone_and_table()
    {
        // A phone the table lacks.
        var extra = new PhoneSet(PhoneSet.Default.Phones.Append("AX").ToArray(),
            Enumerable.Range(0, PhoneSet.Default.Count).Select(PhoneSet.Default.ClassOf).Append(PhoneClass.Vowel).ToArray());
        var e = Assert.Throws<ArgumentException>(() => VisemeMap.For(VisemeSet.Vowels, extra));
        Assert.Contains("vowels.csv (built-in)", e.Message);
        Assert.Contains("'AX'", e.Message);
        // A table phone the set lacks.
        var fewer = new PhoneSet(PhoneSet.Default.Phones.Where(p => p != "DX").ToArray(),
            Enumerable.Range(0, PhoneSet.Default.Count).Where(i => PhoneSet.Default[i] != "DX").Select(PhoneSet.Default.ClassOf).ToArray());
        e = Assert.Throws<ArgumentException>(() => VisemeMap.For(VisemeSet.Rhubarb, fewer));
        Assert.Contains("rhubarb.csv (built-in)", e.Message);
        Assert.Contains("phone 'DX' is not in the phone set", e.Message);
    }

    [Fact]
    public void Load_from_a_path_names_the_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("map.csv");
        File.WriteAllText(path, "phone,vowel_shape\nAA,X\n");
        var e = Assert.Throws<InvalidDataException>(() => VisemeMap.Load(path, VisemeSet.Vowels, PhoneSet.Default));
        Assert.StartsWith(path + ":2", e.Message);
        Assert.Contains("'X' is not a Vowels shape (A I U E O N)", e.Message);
    }

    private static MemoryStream Stream(string text) => new(Encoding.UTF8.GetBytes(text));

    private static byte[] ReadAllBytes(string path) => File.ReadAllBytes(path);

    internal static string DataFolder([CallerFilePath] string path = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(path)!); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hmm.sln"))) return Path.Combine(dir.FullName, "Hmm.Streaming", "Data");
        }
        throw new DirectoryNotFoundException($"the repository root (with Hmm.sln) was not found above {path}.");
    }
}

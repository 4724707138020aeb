using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace Hmm.Fuzz;

/// <summary>
/// The smoke run CI does: the committed corpus of a target, then N mutations of it from a seeded generator (the same
/// inputs on every machine), through the same harness as afl-fuzz in this process. The first finding stops the run:
/// it prints the input (base64), saves it under tools/Hmm.Fuzz/findings and exits 1.
/// </summary>
internal static class Smoke
{
    private static readonly int[] InterestingInts =
    {
        0, 1, -1, 2, 7, 8, 16, 32, 64, 127, 128, 255, 256, 1000, 1024, 4095, 4096, 32767, -32768, 65535, 65536, 100000,
        int.MaxValue, int.MinValue, int.MaxValue - 1, 0x40000000, unchecked((int)0xfffffffe), 44100, 16000, 384000, 4000,
    };

    public static int Run(Target target, string[] args)
    {
        int iterations = Options.GetInt(args, "--iterations", 2000);
        int seed = Options.GetInt(args, "--seed", 1);
        string corpusFolder = Program.CorpusFolder(target, Options.Get(args, "--corpus"));
        var corpus = new List<byte[]>();
        string[] files = Directory.GetFiles(corpusFolder);
        Array.Sort(files, StringComparer.Ordinal);
        foreach (string f in files) corpus.Add(File.ReadAllBytes(f));
        if (corpus.Count == 0) throw new UsageException($"{corpusFolder}: the corpus is empty");

        target.Warm?.Invoke();
        var total = Stopwatch.StartNew();
        var random = new Random(seed);
        long bytes = 0;
        TimeSpan slowest = TimeSpan.Zero;
        for (int i = -corpus.Count; i < iterations; i++)
        {
            byte[] input = i < 0 ? corpus[i + corpus.Count] : Mutate(random, corpus, target.Tokens);
            bytes += input.Length;
            var sw = Stopwatch.StartNew();
            string? failure = null;
            try
            {
                Program.Execute(target, input);
            }
            catch (Exception e)
            {
                failure = e.ToString();
            }
            sw.Stop();
            if (failure is null && sw.Elapsed > Program.MaxInputTime)
                failure = $"the input took {sw.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s, over the {Program.MaxInputTime.TotalSeconds} s bound (a hang?)";
            if (sw.Elapsed > slowest) slowest = sw.Elapsed;
            if (failure is not null)
            {
                string what = i < 0 ? $"corpus file {Path.GetFileName(files[i + corpus.Count])}" : $"mutation {i} (seed {seed})";
                string saved = Program.SaveFinding(target, input, corpusFolder);
                Console.Error.WriteLine($"FINDING in {target.Name}, {what}: {failure}");
                Console.Error.WriteLine($"input ({input.Length} bytes, saved as {saved}), base64:");
                Console.Error.WriteLine(Convert.ToBase64String(input));
                Console.Error.WriteLine($"reproduce: dotnet tools/Hmm.Fuzz/bin/Release/net10.0/Hmm.Fuzz.dll replay {target.Name} {saved}");
                return 1;
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"smoke {target.Name}: {corpus.Count} corpus files + {iterations} mutations (seed {seed}), {bytes / 1024} KB, no finding; {total.Elapsed.TotalSeconds:0.0} s, slowest input {slowest.TotalMilliseconds:0} ms"));
        return 0;
    }

    /// <summary>One to four mutations of a corpus entry: bit flips, byte sets, interesting integers, inserts, deletes, copies, tokens, splices.</summary>
    internal static byte[] Mutate(Random random, List<byte[]> corpus, byte[][] tokens)
    {
        var data = new List<byte>(corpus[random.Next(corpus.Count)]);
        int rounds = 1 + random.Next(4);
        for (int r = 0; r < rounds; r++)
        {
            switch (random.Next(tokens.Length > 0 ? 9 : 8))
            {
                case 0 when data.Count > 0: // flip a bit
                {
                    int at = random.Next(data.Count);
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                }
                case 1 when data.Count > 0: // set a byte
                    data[random.Next(data.Count)] = (byte)random.Next(256);
                    break;
                case 2 when data.Count >= 4: // an interesting 32-bit integer (little-endian) over four bytes: header fields
                {
                    // WAV and model headers keep their fields in the first 64 bytes: aim there half of the time.
                    int limit = random.Next(2) == 0 ? Math.Min(data.Count - 3, 64) : data.Count - 3;
                    int at = random.Next(limit);
                    int v = InterestingInts[random.Next(InterestingInts.Length)];
                    for (int k = 0; k < 4; k++) data[at + k] = (byte)(v >> (8 * k));
                    break;
                }
                case 3 when data.Count >= 2: // an interesting 16-bit integer
                {
                    int at = random.Next(Math.Min(data.Count - 1, 64));
                    int v = InterestingInts[random.Next(InterestingInts.Length)];
                    data[at] = (byte)v;
                    data[at + 1] = (byte)(v >> 8);
                    break;
                }
                case 4: // insert random bytes
                {
                    int at = random.Next(data.Count + 1);
                    int n = 1 + random.Next(16);
                    for (int k = 0; k < n; k++) data.Insert(at, (byte)random.Next(256));
                    break;
                }
                case 5 when data.Count > 0: // delete a range (truncation included)
                {
                    int at = random.Next(data.Count);
                    int n = random.Next(3) == 0 ? data.Count - at : 1 + random.Next(Math.Min(64, data.Count - at));
                    data.RemoveRange(at, n);
                    break;
                }
                case 6 when data.Count > 0: // duplicate a range elsewhere
                {
                    int from = random.Next(data.Count);
                    int n = 1 + random.Next(Math.Min(128, data.Count - from));
                    byte[] copy = data.GetRange(from, n).ToArray();
                    data.InsertRange(random.Next(data.Count + 1), copy);
                    break;
                }
                case 7: // splice: this input's head with another entry's tail
                {
                    byte[] other = corpus[random.Next(corpus.Count)];
                    int cut = random.Next(data.Count + 1);
                    int otherCut = random.Next(other.Length + 1);
                    data.RemoveRange(cut, data.Count - cut);
                    for (int k = otherCut; k < other.Length; k++) data.Add(other[k]);
                    break;
                }
                case 8: // a token of the format (a keyword, a number, a control character), inserted or written over
                {
                    byte[] token = tokens[random.Next(tokens.Length)];
                    if (token.Length == 0) break;
                    if (random.Next(2) == 0 && data.Count >= token.Length)
                    {
                        int at = random.Next(data.Count - token.Length + 1);
                        for (int k = 0; k < token.Length; k++) data[at + k] = token[k];
                    }
                    else
                    {
                        data.InsertRange(random.Next(data.Count + 1), token);
                    }
                    break;
                }
            }
        }
        return data.ToArray();
    }
}

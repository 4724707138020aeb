using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;

namespace Hmm.Fuzz;

/// <summary>
/// The fuzz harnesses (README.md here). <c>afl TARGET</c>: the SharpFuzz loop under afl-fuzz (tools/fuzz.sh);
/// <c>smoke TARGET --iterations N --seed S</c>: the committed corpus and N deterministic mutations of it in-process (CI);
/// <c>replay TARGET FILE...</c>: inputs once each, with the stack trace of a finding.
/// </summary>
internal static class Program
{
    /// <summary>An input that allocates more than this is a finding (an unbounded allocation), even when it then throws as documented.</summary>
    internal const long MaxAllocatedBytes = 256L << 20;

    /// <summary>An input that takes longer than this in smoke or replay is a finding (a hang or a quadratic blow-up).</summary>
    internal static readonly TimeSpan MaxInputTime = TimeSpan.FromSeconds(3);

    private static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "seed-models") return Seeds.WriteModels(args[1]);
        if (args.Length < 2 || Targets.Find(args[1]) is not { } target)
        {
            Usage();
            return 2;
        }
        try
        {
            return args[0] switch
            {
                "afl" => Afl(target),
                "smoke" => Smoke.Run(target, args),
                "replay" => Replay(target, args),
                _ => Usage(),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: Hmm.Fuzz afl TARGET                                (under afl-fuzz; tools/fuzz.sh runs it)");
        Console.Error.WriteLine("       Hmm.Fuzz smoke TARGET [--iterations N] [--seed S] [--corpus DIR]");
        Console.Error.WriteLine("       Hmm.Fuzz replay TARGET FILE...");
        Console.Error.WriteLine("       Hmm.Fuzz seed-models CORPUS    (writes the small models of corpus/model and corpus/model-payload)");
        Console.Error.WriteLine("targets:");
        foreach (Target t in Targets.All) Console.Error.WriteLine($"  {t.Name,-18} {t.Description}");
        foreach (Target t in Targets.Sphinx) Console.Error.WriteLine($"  {t.Name,-18} {t.Description}");
        return 2;
    }

    /// <summary>
    /// One input through the target: a documented exception is a pass (and is returned; null when the input was read);
    /// anything else, or too much allocation, throws.
    /// </summary>
    internal static Exception? Execute(Target target, byte[] input)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Exception? rejected = null;
        try
        {
            target.Run(input);
        }
        catch (Exception e) when (target.IsExpected(e))
        {
            rejected = e; // bad input, reported as documented
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > MaxAllocatedBytes)
            throw new FuzzFindingException($"the input ({input.Length} bytes) allocated {allocated / (1 << 20)} MB, over the {MaxAllocatedBytes >> 20} MB bound (unbounded allocation)");
        return rejected;
    }

    private static int Afl(Target target)
    {
        // No target.Warm here: instrumented code run before Fuzzer.Run has no shared memory to record into, and the
        // fork server aborts (signal 6). The first input loads what Warm would.
        // Persistent loop: afl-fuzz feeds inputs through shared memory; an exception that escapes is reported as a crash.
        SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
        {
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            Execute(target, ms.ToArray());
        });
        return 0;
    }

    private static int Replay(Target target, string[] args)
    {
        int failures = 0;
        target.Warm?.Invoke();
        for (int i = 2; i < args.Length; i++)
        {
            byte[] input = File.ReadAllBytes(args[i]);
            var sw = Stopwatch.StartNew();
            try
            {
                Exception? rejected = Execute(target, input);
                string slow = sw.Elapsed > MaxInputTime ? " (TOO SLOW)" : "";
                if (slow.Length > 0) failures++;
                string outcome = rejected is null ? "read" : $"rejected as documented ({rejected.GetType().Name}: {rejected.Message})";
                Console.WriteLine($"{args[i]}: ok, {outcome}, in {sw.Elapsed.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)} ms{slow}");
            }
            catch (Exception e)
            {
                failures++;
                Console.WriteLine($"{args[i]}: FINDING {e}");
            }
        }
        return failures == 0 ? 0 : 1;
    }

    /// <summary>Where the committed corpus of <paramref name="target"/> is: --corpus, else tools/Hmm.Fuzz/corpus/TARGET above the binary.</summary>
    internal static string CorpusFolder(Target target, string? given)
    {
        if (given is not null) return given;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "corpus", target.Name);
            if (File.Exists(Path.Combine(dir.FullName, "Hmm.Fuzz.csproj")) && Directory.Exists(candidate)) return candidate;
            candidate = Path.Combine(dir.FullName, "tools", "Hmm.Fuzz", "corpus", target.Name);
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new UsageException($"no corpus folder for {target.Name} (tools/Hmm.Fuzz/corpus/{target.Name}); pass --corpus DIR");
    }

    /// <summary>Saves a finding under tools/Hmm.Fuzz/findings (ignored by git) and returns its path.</summary>
    internal static string SaveFinding(Target target, byte[] input, string corpus)
    {
        string root = Path.GetFullPath(Path.Combine(corpus, "..", "..", "findings"));
        Directory.CreateDirectory(root);
        string hash = Convert.ToHexString(SHA256.HashData(input)).Substring(0, 16).ToLowerInvariant();
        string path = Path.Combine(root, $"smoke-{target.Name}-{hash}.bin");
        File.WriteAllBytes(path, input);
        return path;
    }
}

/// <summary>A fuzz finding that is not an exception of the reader: an unbounded allocation or a hang.</summary>
internal sealed class FuzzFindingException : Exception
{
    public FuzzFindingException(string message) : base(message) { }

    public FuzzFindingException() { }

    public FuzzFindingException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A bad command line or a missing corpus: the message is printed, the exit code is 2.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message) : base(message) { }

    public UsageException() { }

    public UsageException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Parses <c>--name value</c> options.</summary>
internal static class Options
{
    public static string? Get(IReadOnlyList<string> args, string name)
    {
        for (int i = 0; i < args.Count - 1; i++)
            if (args[i] == name) return args[i + 1];
        return null;
    }

    public static int GetInt(IReadOnlyList<string> args, string name, int fallback)
    {
        string? v = Get(args, name);
        if (v is null) return fallback;
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < 0)
            throw new UsageException($"{name} must be a non-negative integer, not '{v}'");
        return n;
    }
}

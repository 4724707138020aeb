using System;
using BenchmarkDotNet.Running;

namespace Hmm.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project Hmm.Benchmarks -- --filter '*'</c> (BenchmarkDotNet switches), or <c>-- demo [options]</c>
/// for the synthetic GMM-HMM decode with every SIMD width.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "demo") return Demo.Run(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}

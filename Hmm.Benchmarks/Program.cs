using System;
using BenchmarkDotNet.Running;

namespace Hmm.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project Hmm.Benchmarks -- --filter '*'</c> (BenchmarkDotNet switches), or <c>-- demo [options]</c>
/// for the synthetic GMM-HMM decode with every SIMD width, or <c>-- lipsync-latency DIR [PRESET]</c> for the live processor's per-hop
/// time distribution on the WAV files of DIR, <c>-- lipsync-hour DIR</c> for one hour of audio through one processor
/// (bounded memory), or <c>-- normalisation-prior DIR OUT.csv</c> for Hmm.Streaming's built-in
/// normalisation prior (tools/make-normalisation-prior.sh).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "demo") return Demo.Run(args[1..]);
        if (args.Length > 0 && args[0] == "lipsync-latency") return LipSyncBenchmarks.Latency(args[1..]);
        if (args.Length > 0 && args[0] == "lipsync-hour") return LipSyncBenchmarks.Hour(args[1..]);
        if (args.Length > 0 && args[0] == "normalisation-prior") return NormalisationPrior.Run(args[1..]);
        if (args.Length > 0 && args[0] == "phone-bigram") return NormalisationPrior.WriteBigram(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}

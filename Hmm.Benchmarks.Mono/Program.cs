using System;
using System.IO;
using System.Linq;
using Hmm.Speech.Training;

namespace Hmm.Benchmarks;

/// <summary>
/// <c>mono Hmm.Benchmarks.Mono.dll DIR|FILE.wav [PRESET]</c>: the live processor's latency table (<see cref="LipSyncLatency"/>)
/// under Mono, whose <c>Vector&lt;float&gt;</c> is not accelerated: the scalar path Unity players run.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length < 1 || !(Directory.Exists(args[0]) || File.Exists(args[0])))
        {
            Console.Error.WriteLine("usage: Hmm.Benchmarks.Mono DIR|FILE.wav [PRESET] (WAV files; PRESET: part of a preset's name)");
            return 2;
        }
        var files = File.Exists(args[0]) ? new[] { args[0] } : Directory.GetFiles(args[0], "*.wav").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        var audio = files.Select(f => WavReader.Read(f, 16000).Samples).ToArray();
        LipSyncLatency.Print(Console.Out, audio, args.Length > 1 ? args[1] : null);
        return 0;
    }
}

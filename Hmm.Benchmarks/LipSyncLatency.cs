using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Runtime.InteropServices;
using Hmm.Simd;
using Hmm.Speech;
using Hmm.Streaming;

namespace Hmm.Benchmarks;

/// <summary>
/// The live processor's latency table: audio through a fresh processor per preset in 10 ms pushes, the per-hop
/// distribution from <see cref="LipSyncProcessor.Monitor"/> and the per-push one timed here. One source for both runners:
/// <c>lipsync-latency</c> in Hmm.Benchmarks (net10.0, with or without hardware intrinsics) and Hmm.Benchmarks.Mono (this
/// file compiled for netstandard2.1 and run under Mono, the path a Unity player takes).
/// </summary>
public static class LipSyncLatency
{
    /// <summary>Samples per push: 10 ms at 16 kHz, as an audio callback delivers them.</summary>
    public const int Block = 160;

    /// <summary>The presets timed, in table order.</summary>
    public static IReadOnlyList<(string Name, LipSyncOptions Options)> Presets { get; } = new[]
    {
        ("LowLatency (1 provisional frame)", LipSyncOptions.LowLatency),
        ("LowLatency, no provisional frame", LipSyncOptions.LowLatency with { ProvisionalFrames = 0 }),
        ("LowLatency, 2 provisional frames", LipSyncOptions.LowLatency with { ProvisionalFrames = 2 }),
        ("LowLatency, 3 provisional frames", LipSyncOptions.LowLatency with { ProvisionalFrames = 3 }),
        ("Balanced", LipSyncOptions.Balanced),
        ("SeedPreset", LipSyncOptions.SeedPreset),
        ("Balanced, segments only", LipSyncOptions.Balanced with { FrameOutputs = false }),
    };

    /// <summary>
    /// Prints the table for <paramref name="audio"/> (16 kHz) and the presets whose name contains <paramref name="only"/>
    /// (all when null); <paramref name="accuracy"/>, where given, fills the last column for a preset's warm processor.
    /// </summary>
    public static void Print(TextWriter output, float[][] audio, string? only = null, Func<LipSyncProcessor, string>? accuracy = null)
    {
        double seconds = 0;
        int pushes = 0;
        foreach (var a in audio)
        {
            seconds += a.Length / 16000.0;
            pushes += (a.Length + Block - 1) / Block;
        }
        output.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "{0} files, {1:F1} s of audio, 10 ms pushes, one thread; {2}, {3}, SIMD width {4} (Vector<float>: {5} lanes, {6}accelerated), {7} processors",
            audio.Length, seconds, RuntimeInformation.FrameworkDescription, RuntimeInformation.ProcessArchitecture, SimdCapabilities.Best,
            Vector<float>.Count, Vector.IsHardwareAccelerated ? "" : "not ", Environment.ProcessorCount));
        output.WriteLine("preset | latency (mouth / committed) ms | hop p50 | p95 | p99 | max us | push p50 | p95 | p99 | max us | overruns | bytes allocated | x real time | mouth frames right (smoothed / unsmoothed)");
        var pushTicks = new long[pushes];
        foreach (var (name, options) in Presets)
        {
            if (only is not null && name.IndexOf(only, StringComparison.OrdinalIgnoreCase) < 0) continue;
            using var processor = new LipSyncProcessor(options with { MaxBlockSamples = Math.Max(options.MaxBlockSamples, Block) });
            // Warm-up: the JIT's optimised code, then count from a clean monitor.
            for (int rep = 0; rep < 2; rep++) Run(processor, audio, pushTicks);
            processor.Monitor.Reset();
            var clock = Stopwatch.StartNew();
            Run(processor, audio, pushTicks);
            double elapsed = clock.Elapsed.TotalSeconds;
            Array.Sort(pushTicks);
            var m = processor.Monitor;
            string right = accuracy is null || !options.FrameOutputs ? "-" : accuracy(processor);
            output.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "{0} | {1:F1} / {2:F1} | {3:F1} | {4:F1} | {5:F1} | {6:F0} | {7:F1} | {8:F1} | {9:F1} | {10:F0} | {11} | {12} | {13:F0} | {14}",
                name, processor.LatencyMs, processor.CommitLatencyMs, m.Percentile(50), m.Percentile(95), m.Percentile(99), m.MaxMicroseconds,
                Microseconds(Percentile(pushTicks, 50)), Microseconds(Percentile(pushTicks, 95)), Microseconds(Percentile(pushTicks, 99)),
                Microseconds(pushTicks[pushTicks.Length - 1]), m.Overruns, m.AllocatedBytes, seconds / elapsed, right));
        }
    }

    /// <summary>
    /// Every file of <paramref name="audio"/> through <paramref name="processor"/> from a reset, in 10 ms pushes with the
    /// segments read after each; each push's time into <paramref name="pushTicks"/> (Stopwatch ticks) when given.
    /// </summary>
    public static void Run(LipSyncProcessor processor, float[][] audio, long[]? pushTicks = null)
    {
        var segments = new CommittedPhone[256];
        int k = 0;
        foreach (var a in audio)
        {
            processor.Reset();
            for (int i = 0; i < a.Length; i += Block)
            {
                long start = Stopwatch.GetTimestamp();
                processor.Push(a.AsSpan(i, Math.Min(Block, a.Length - i)));
                if (pushTicks is not null) pushTicks[k++] = Stopwatch.GetTimestamp() - start;
                while (processor.ReadSegments(segments) > 0) { }
            }
            processor.Flush();
            while (processor.ReadSegments(segments) > 0) { }
        }
    }

    /// <summary>The nearest-rank percentile of sorted values.</summary>
    private static long Percentile(long[] sorted, double percent) =>
        sorted[Math.Max(0, Math.Min(sorted.Length - 1, (int)Math.Ceiling(percent / 100 * sorted.Length) - 1))];

    private static double Microseconds(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
}

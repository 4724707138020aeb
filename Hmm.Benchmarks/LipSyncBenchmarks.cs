using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Hmm.Speech;
using Hmm.Speech.Training;
using Hmm.Streaming;

namespace Hmm.Benchmarks;

/// <summary>
/// The live lip-sync processor (<see cref="LipSyncProcessor"/>, default model, no transcript) fed 10 ms blocks of a
/// speech-like signal at 16 kHz as an audio callback would: time and allocation per push (two analysis hops of 5 ms),
/// for the low-latency and the default preset. <c>-- lipsync-latency DIR</c> gives the per-hop distribution on real
/// speech instead.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(3), IterationCount(10)]
public class LipSyncBenchmarks : IDisposable
{
    private const int Block = 160;
    private const int Pushes = 100;
    private LipSyncProcessor _processor = null!;
    private float[] _audio = null!;
    private int _position;

    [Params(0, 100)]
    public int LookaheadMs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _audio = FrontEndBenchmarks.Signal(16000 * 5, 3);
        _processor = new LipSyncProcessor(LipSyncOptions.Balanced with { LookaheadMs = LookaheadMs, MaxBlockSamples = Block });
        for (int i = 0; i < 300; i++) Push();
    }

    [GlobalCleanup]
    public void Cleanup() => Dispose();

    /// <summary>Releases the processor.</summary>
    public void Dispose()
    {
        _processor?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>One 10 ms push (features, decoding and visemes of two hops); averaged over 100 pushes.</summary>
    [Benchmark(OperationsPerInvoke = Pushes)]
    public void Push10Ms()
    {
        for (int i = 0; i < Pushes; i++) Push();
    }

    private void Push()
    {
        if (_position + Block > _audio.Length) _position = 0;
        _processor.Push(_audio.AsSpan(_position, Block));
        _position += Block;
    }

    /// <summary>
    /// `lipsync-latency DIR [PRESET]`: every WAV of DIR through a fresh processor per preset (those whose name contains PRESET)
    /// in 10 ms pushes (<see cref="LipSyncLatency"/>); prints the per-hop and per-push percentiles, overruns, allocation after
    /// warm-up and throughput (one thread), and, where every WAV has its X.lab beside it, the share of published frames whose
    /// mouth shape (the smoothed Rhubarb weights' largest, and the unsmoothed ones') is the one the labels give at the frame's time.
    /// </summary>
    public static int Latency(string[] args)
    {
        if (args.Length < 1 || !Directory.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: lipsync-latency DIR [PRESET] (a folder of WAV files; PRESET: part of a preset's name)");
            return 2;
        }
        var files = Directory.GetFiles(args[0], "*.wav").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        var audio = files.Select(f => WavReader.Read(f, 16000).Samples).ToArray();
        var labels = files.All(f => File.Exists(Path.ChangeExtension(f, ".lab"))) ? files.Select(f => LabelFile.Read(Path.ChangeExtension(f, ".lab"))).ToArray() : null;
        LipSyncLatency.Print(Console.Out, audio, args.Length > 1 ? args[1] : null, labels is null ? null : p => MouthAccuracy(p, audio, labels));
        return 0;
    }

    /// <summary>
    /// `lipsync-hour DIR`: one hour of audio (the WAV files of DIR, repeated) through one processor in 10 ms pushes, segments
    /// read as they come: managed heap and working set before and after, bytes allocated on the pushing thread, time.
    /// Bounded memory means the heap after equals the heap before.
    /// </summary>
    public static int Hour(string[] args)
    {
        if (args.Length < 1 || !Directory.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: lipsync-hour DIR (a folder of WAV files)");
            return 2;
        }
        var audio = Directory.GetFiles(args[0], "*.wav").OrderBy(f => f, StringComparer.Ordinal).SelectMany(f => WavReader.Read(f, 16000).Samples).ToArray();
        long total = 3600L * 16000;
        using var processor = new LipSyncProcessor(LipSyncOptions.Balanced with { MaxBlockSamples = 160 });
        var segments = new CommittedPhone[256];
        long read = 0, position = 0;
        void Push()
        {
            if (position + 160 > audio.Length) position = 0;
            processor.Push(audio.AsSpan((int)position, 160));
            position += 160;
            int n;
            while ((n = processor.ReadSegments(segments)) > 0) read += n;
        }
        for (int i = 0; i < 1000; i++) Push();
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        long workingBefore = Environment.WorkingSet;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        int gcBefore = GC.CollectionCount(0);
        var clock = Stopwatch.StartNew();
        for (long pushed = 0; pushed < total; pushed += 160) Push();
        double seconds = clock.Elapsed.TotalSeconds;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        int collections = GC.CollectionCount(0) - gcBefore;
        long heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "1 hour of audio in {0:F1} s ({1:F0}x real time): {2} hops, {3} segments read; managed heap {4:F2} -> {5:F2} MB, working set {6:F1} -> {7:F1} MB; {8} bytes allocated while pushing, {9} gen-0 collections; hop p50 {10:F1} p99 {11:F1} max {12:F0} us",
            seconds, 3600 / seconds, processor.Monitor.Hops, read, heapBefore / 1e6, heapAfter / 1e6, workingBefore / 1e6, Environment.WorkingSet / 1e6,
            allocated, collections, processor.Monitor.Percentile(50), processor.Monitor.Percentile(99), processor.Monitor.MaxMicroseconds));
        return 0;
    }

    /// <summary>
    /// Shares of published frames whose mouth shape is the labels' at the frame's time (the Rhubarb map of the model's
    /// phones): the frame's <see cref="LipSyncFrame.RhubarbShape"/> (smoothed weights) / the largest unsmoothed weight.
    /// </summary>
    private static string MouthAccuracy(LipSyncProcessor processor, float[][] audio, IReadOnlyList<PhoneSegment>[] labels)
    {
        var map = VisemeMap.For(VisemeSet.Rhubarb, processor.Phones);
        long right = 0, total = 0, rightUnsmoothed = 0;
        var weights = new float[map.Count];
        IReadOnlyList<PhoneSegment> current = labels[0];
        processor.FrameAnalysed = f =>
        {
            int k = 0;
            while (k < current.Count - 1 && current[k].End <= f.Time) k++;
            int phone = processor.Phones.IndexOf(current[k].Phone);
            int shape = phone < 0 ? -1 : map.ShapeOf(phone);
            if (shape < 0) return;
            total++;
            if ((int)f.RhubarbShape == shape) right++;
            Array.Clear(weights, 0, weights.Length);
            map.Accumulate(f.PhonePosteriors, weights);
            int best = 0;
            for (int q = 1; q < weights.Length; q++) if (weights[q] > weights[best]) best = q;
            if (best == shape) rightUnsmoothed++;
        };
        for (int i = 0; i < audio.Length; i++)
        {
            current = labels[i];
            LipSyncLatency.Run(processor, new[] { audio[i] });
        }
        processor.FrameAnalysed = null;
        return total == 0 ? "-" : string.Format(CultureInfo.InvariantCulture, "{0:P1} / {1:P1}", right / (double)total, rightUnsmoothed / (double)total);
    }
}

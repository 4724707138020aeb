using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Hmm.Simd;
using Hmm.Testing;

namespace Hmm.Gpu.Bench;

internal static partial class Benchmarks
{
    /// <summary>
    /// <c>ctc OUTDIR</c>: CTC forced alignment at torchaudio's anchor shapes (40 classes, blank 0, 150 labels; B=1 T=1000,
    /// B=1 T=3000, B=256 T=1000) on the GPU engine and on one CPU thread: medians of end-to-end time (warm-up first),
    /// frame labels GPU against CPU. Each case's input goes to <c>OUTDIR/ctc-NAME.bin</c> (int32 B, T, C, L; float32
    /// log-probabilities [B, T, C]; int32 labels [B, L]) and the GPU's frame labels to <c>OUTDIR/ctc-NAME-ours.bin</c>
    /// (int32 [B, T]), which <c>tools/ctc_torchaudio_check.py OUTDIR</c> aligns again with torchaudio's
    /// <c>forced_align</c> in the same device call, timing it and comparing paths.
    /// </summary>
    public static int Ctc(string outDir)
    {
        Directory.CreateDirectory(outDir);
        using var gpuEngine = new GpuEngine(new GpuEngineOptions { Profiling = true });
        Console.WriteLine($"device: {gpuEngine.DeviceName} (CUDA: {gpuEngine.IsCuda}); host threads {Environment.ProcessorCount}; SIMD {SimdCapabilities.Best}");
        var gpu = new CtcAligner(gpuEngine);
        var cpu = new CtcAligner(new HmmEngine(SimdWidth.Auto, 1));
        foreach (var (name, batch, frames) in new[] { ("b1-t1000", 1, 1000), ("b1-t3000", 1, 3000), ("b256-t1000", 256, 1000) })
        {
            var (input, targets) = CtcInputs.Random(batch, frames, labels: 150, classes: 40, seed: 42 + batch + frames);
            Write(Path.Combine(outDir, $"ctc-{name}.bin"), input, targets);
            double gpuMs = Median(() => gpu.Align(input, targets), warmUp: 2, runs: batch > 1 ? 5 : 20, out var gpuPaths);
            double kernelMs = gpuEngine.LastRun.KernelTime.TotalMilliseconds;
            double cpuMs = Median(() => cpu.Align(input, targets), warmUp: 3, runs: batch > 1 ? 1 : 10, out var cpuPaths);
            int same = Enumerable.Range(0, batch).Count(b => gpuPaths[b].FrameLabels.AsSpan().SequenceEqual(cpuPaths[b].FrameLabels));
            double worst = Enumerable.Range(0, batch).Max(b => Math.Abs(gpuPaths[b].Score - cpuPaths[b].Score));
            using (var w = new BinaryWriter(File.Create(Path.Combine(outDir, $"ctc-{name}-ours.bin"))))
                foreach (var a in gpuPaths) foreach (int c in a.FrameLabels) w.Write(c);
            Console.WriteLine($"CTC forced alignment {name} (C=40, L=150): GPU {gpuMs:F3} ms (kernels of the last run {kernelMs:F3} ms), CPU one thread ({cpu.Engine switch { HmmEngine h => h.Width.ToString(), _ => "" }}) {cpuMs:F3} ms; "
                + $"paths GPU = CPU {same}/{batch}, max |score difference| {worst:E2}; GPU chunks {gpuEngine.LastRun.ChunkCount}, CPU fallback sequences {gpuEngine.LastRun.CpuFallbackSequences}");
        }
        return 0;
    }

    private static double Median(Func<CtcAlignment[]> run, int warmUp, int runs, out CtcAlignment[] last)
    {
        last = Array.Empty<CtcAlignment>();
        for (int i = 0; i < warmUp; i++) last = run();
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            last = run();
            times[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[runs / 2];
    }

    private static void Write(string path, EmissionBatch input, CtcTargets targets)
    {
        using var w = new BinaryWriter(File.Create(path));
        w.Write(input.BatchSize); w.Write(input.MaxLength); w.Write(input.StateCount); w.Write(targets.MaxLabels);
        for (int b = 0; b < input.BatchSize; b++)
            for (int t = 0; t < input.MaxLength; t++)
                foreach (float v in input.Frame(b, t)) w.Write(v);
        for (int b = 0; b < targets.Count; b++) foreach (int c in targets.Labels(b)) w.Write(c);
    }
}

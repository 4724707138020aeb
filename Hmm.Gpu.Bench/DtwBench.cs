using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Hmm.Engine;

namespace Hmm.Gpu.Bench;

internal static partial class Benchmarks
{
    /// <summary>
    /// Batched DTW on the device: B pairs of N × N frames, D = 39, symmetric2, squared Euclidean; cost only (the issue's
    /// figure: cells per second), then with the path. Kernel time is the wavefront kernels with the stream synchronised
    /// around them (<see cref="GpuEngine.LastDtwKernelTime"/>); end-to-end adds the host's transposition, copies and backtrace.
    /// Checks the costs (and paths) of the first pairs against the SIMD CPU engine.
    /// </summary>
    public static int Dtw(int batch, int frames)
    {
        const int dimension = 39;
        var rng = new Random(18);
        float[] Rows(int length)
        {
            var f = new float[length * dimension];
            for (int q = 0; q < f.Length; q++) f[q] = (float)(rng.NextDouble() * 2 - 1);
            return f;
        }
        var x = Enumerable.Range(0, batch).Select(_ => Rows(frames)).ToArray();
        var y = Enumerable.Range(0, batch).Select(_ => Rows(frames)).ToArray();
        using var engine = new GpuEngine();
        Console.WriteLine($"device: {engine.DeviceName}; B={batch}, {frames}x{frames}, D={dimension}");
        double cells = (double)batch * frames * frames;
        foreach (bool path in new[] { false, true })
        {
            var options = new DtwOptions { ComputePath = path };
            for (int i = 0; i < 2; i++) engine.Dtw(x, y, dimension, options);
            var kernel = new List<double>();
            var e2e = new List<double>();
            DtwResult[] results = Array.Empty<DtwResult>();
            for (int i = 0; i < 5; i++)
            {
                var sw = Stopwatch.StartNew();
                results = engine.Dtw(x, y, dimension, options);
                e2e.Add(sw.Elapsed.TotalMilliseconds);
                kernel.Add(engine.LastDtwKernelTime.TotalMilliseconds);
            }
            double k = Median(kernel), e = Median(e2e);
            var cpu = new DtwEngine();
            double worst = 0;
            int samePaths = 0, check = Math.Min(4, batch);
            for (int b = 0; b < check; b++)
            {
                var c = cpu.Align(x[b], y[b], dimension, options);
                worst = Math.Max(worst, Math.Abs(c.Cost - results[b].Cost) / Math.Abs(c.Cost));
                if (path && c.Path().SequenceEqual(results[b].Path())) samePaths++;
            }
            Console.WriteLine($"{(path ? "with path" : "cost only")}: kernel {k:F2} ms ({cells / (k / 1000):E2} cells/s), end-to-end {e:F2} ms ({cells / (e / 1000):E2} cells/s); " +
                $"CPU check on {check} pairs: worst relative cost difference {worst:E1}" + (path ? $", identical paths {samePaths}/{check}" : ""));
        }
        return 0;
    }
}

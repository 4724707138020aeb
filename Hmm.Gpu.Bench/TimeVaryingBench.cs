using System;
using System.Collections.Generic;
using System.Diagnostics;
using Hmm.Simd;
using Hmm.Testing;

namespace Hmm.Gpu.Bench;

internal static partial class Benchmarks
{
    /// <summary>
    /// Issue 19's time-varying goal: dense per-frame transitions, N = 64, B = 256, T = 1000, forward (goal ≤ 2 ms). Kernel time
    /// is the recursion kernel with the stream synchronised around it (<see cref="GpuEngine.LastTimeVaryingKernelTime"/>);
    /// end-to-end adds the upload of the 4.2 GB of tables and the emissions. Then Viterbi and posteriors (per-frame ξ) once
    /// each, and a check of the first sequences' log-likelihoods against the SIMD CPU engine.
    /// </summary>
    public static int TimeVarying(int batch, int frames, int states)
    {
        var (tables, emissions) = TimeVaryingInputs.Dense(batch, frames, states, seed: 19, normalised: false);
        using var engine = new GpuEngine();
        Console.WriteLine($"device: {engine.DeviceName}; dense N={states}, B={batch}, T={frames}: tables {(double)tables.FrameSize * batch * frames * 4 / 1e9:F2} GB, " +
            $"{tables.FrameSize * 4 + tables.Stride * 4} bytes read per (sequence, frame)");
        var ll = new double[batch];
        for (int i = 0; i < 2; i++) engine.Forward(tables, emissions, ll);
        var kernel = new List<double>();
        var e2e = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            engine.Forward(tables, emissions, ll);
            e2e.Add(sw.Elapsed.TotalMilliseconds);
            kernel.Add(engine.LastTimeVaryingKernelTime.TotalMilliseconds);
        }
        double k = Median(kernel), e = Median(e2e);
        Console.WriteLine($"forward: kernel {k:F2} ms (goal <= 2 ms), end-to-end {e:F1} ms; {(double)batch * frames / (k / 1000):E2} frames/s in the kernel");
        var viterbi = new ViterbiResult(batch, frames);
        engine.Viterbi(tables, emissions, viterbi);
        Console.WriteLine($"Viterbi: kernel {engine.LastTimeVaryingKernelTime.TotalMilliseconds:F2} ms");
        int small = Math.Min(batch, 16);
        var (smallTables, smallEmissions) = TimeVaryingInputs.Dense(small, frames, states, seed: 19, normalised: false);
        var posteriors = TimeVaryingPosteriorResult.For(smallTables);
        engine.Posteriors(smallTables, smallEmissions, posteriors);
        Console.WriteLine($"posteriors with per-frame xi, B={small}: kernels {engine.LastTimeVaryingKernelTime.TotalMilliseconds:F2} ms");
        var cpu = new HmmEngine(SimdWidth.Auto);
        var expected = new double[small];
        cpu.Forward(smallTables, smallEmissions, expected);
        double worst = 0;
        for (int b = 0; b < small; b++) worst = Math.Max(worst, Math.Abs(expected[b] - posteriors.LogLikelihoods[b]) / Math.Abs(expected[b]));
        Console.WriteLine($"CPU check on {small} sequences: worst relative log-likelihood difference {worst:E1}");
        return 0;
    }
}

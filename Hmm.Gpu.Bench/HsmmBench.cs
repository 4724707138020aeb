using System;
using System.Collections.Generic;
using System.Diagnostics;
using Hmm.Engine;
using Hmm.Simd;
using Hmm.Testing;

namespace Hmm.Gpu.Bench;

internal static partial class Benchmarks
{
    /// <summary>
    /// The explicit-duration HMM on the device at issue 19's anchor shape (N = 10 states, D = 50, B sequences of T frames;
    /// default B = 32, T = 1000; goal: forward-backward ≤ 0.5 ms): forward, forward-backward (posteriors with duration
    /// counts) and Viterbi, kernel time (<see cref="GpuEngine.LastHsmmKernelTime"/>) and end to end; the same on the SIMD CPU
    /// engine on all cores, and the log-likelihoods and occupancies checked against it.
    /// </summary>
    public static int Hsmm(int batch, int frames)
    {
        const int states = 10, maxDuration = 50;
        var (model, emissions) = HsmmInputs.Random(batch, frames, states, maxDuration, seed: 1);
        using var engine = new GpuEngine();
        var gpu = engine.Hsmm;
        var cpu = new HsmmEngine(SimdWidth.Auto, Environment.ProcessorCount);
        Console.WriteLine($"device: {engine.DeviceName}; HSMM N={states} D={maxDuration} B={batch} T={frames}; CPU engine on {Environment.ProcessorCount} threads");
        var ll = new double[batch];
        var cpuLl = new double[batch];
        var posteriors = new HsmmPosteriors(batch, frames, states, maxDuration);
        var cpuPosteriors = new HsmmPosteriors(batch, frames, states, maxDuration);
        var viterbi = new HsmmViterbiResult(batch, frames);
        (double Kernel, double EndToEnd) Time(Action action)
        {
            for (int i = 0; i < 2; i++) action();
            var kernel = new List<double>();
            var e2e = new List<double>();
            for (int i = 0; i < 7; i++)
            {
                var sw = Stopwatch.StartNew();
                action();
                e2e.Add(sw.Elapsed.TotalMilliseconds);
                kernel.Add(engine.LastHsmmKernelTime.TotalMilliseconds);
            }
            return (Median(kernel), Median(e2e));
        }
        double CpuTime(Action action)
        {
            action();
            var times = new List<double>();
            for (int i = 0; i < 3; i++)
            {
                var sw = Stopwatch.StartNew();
                action();
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            return Median(times);
        }
        var forward = Time(() => gpu.Forward(model, emissions, ll));
        var fb = Time(() => gpu.Posteriors(model, emissions, posteriors));
        var vit = Time(() => gpu.Viterbi(model, emissions, viterbi));
        double cpuForward = CpuTime(() => cpu.Forward(model, emissions, cpuLl));
        double cpuFb = CpuTime(() => cpu.Posteriors(model, emissions, cpuPosteriors));
        double frames64 = (double)batch * frames;
        Console.WriteLine($"forward:          kernel {forward.Kernel:F3} ms, end-to-end {forward.EndToEnd:F3} ms; CPU {cpuForward:F2} ms ({cpuForward / forward.EndToEnd:F1}x)");
        Console.WriteLine($"forward-backward: kernel {fb.Kernel:F3} ms, end-to-end {fb.EndToEnd:F3} ms ({frames64 / (fb.EndToEnd / 1000):E2} frames/s); CPU {cpuFb:F2} ms ({cpuFb / fb.EndToEnd:F1}x)");
        Console.WriteLine($"Viterbi:          kernel {vit.Kernel:F3} ms, end-to-end {vit.EndToEnd:F3} ms");
        double worstLl = 0, worstGamma = 0;
        for (int b = 0; b < batch; b++)
        {
            worstLl = Math.Max(worstLl, Math.Abs(ll[b] - cpuLl[b]) / Math.Abs(cpuLl[b]));
            for (int t = 0; t < frames; t++)
                for (int j = 0; j < states; j++)
                    worstGamma = Math.Max(worstGamma, Math.Abs(posteriors.StateOccupancy[b, t, j] - cpuPosteriors.StateOccupancy[b, t, j]));
        }
        Console.WriteLine($"check against the CPU engine: worst relative log-likelihood difference {worstLl:E1}, worst occupancy difference {worstGamma:E1}");
        Console.WriteLine($"memory per (sequence, frame): rows 4 x {4 * model.StateCount} B (alpha, in, beta, beta*) + window {4 * model.StateCount} B + occupancy {4 * model.StateCount} B; Viterbi adds {8 * model.StateCount} B of back-pointers");
        return 0;
    }
}

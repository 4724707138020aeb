using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Hmm.Engine;
using Hmm.Simd;
using Hmm.Testing;

namespace Hmm.Gpu.Bench;

internal static partial class Benchmarks
{
    /// <summary>
    /// The explicit-duration HMM on the device at issue 19's anchor shape (N = 10 states, D = 50, B sequences of T frames;
    /// default B = 32, T = 1000; goal: forward-backward ≤ 0.5 ms): forward, forward-backward (posteriors with duration
    /// counts) and Viterbi, kernel time (<see cref="GpuEngine.LastHsmmKernelTime"/>) and end to end, for both kernel sets
    /// (the shared-memory default, then the global-memory one through <c>HMM_GPU_TUNING=HsmmGlobalKernels=true</c>); the same on the SIMD CPU engine on all cores, and
    /// log-likelihoods, occupancies, duration counts and Viterbi scores and paths checked against it.
    /// </summary>
    public static int Hsmm(int batch, int frames)
    {
        const int states = 10, maxDuration = 50;
        var (model, emissions) = HsmmInputs.Random(batch, frames, states, maxDuration, seed: 1);
        using var engine = new GpuEngine();
        Environment.SetEnvironmentVariable("HMM_GPU_TUNING", "HsmmGlobalKernels=true");
        using var globalEngine = new GpuEngine();
        Environment.SetEnvironmentVariable("HMM_GPU_TUNING", null);
        var cpu = new HsmmEngine(SimdWidth.Auto, Environment.ProcessorCount);
        Console.WriteLine($"device: {engine.DeviceName}; HSMM N={states} D={maxDuration} B={batch} T={frames}; CPU engine on {Environment.ProcessorCount} threads");
        var ll = new double[batch];
        var cpuLl = new double[batch];
        var posteriors = new HsmmPosteriors(batch, frames, states, maxDuration);
        var cpuPosteriors = new HsmmPosteriors(batch, frames, states, maxDuration);
        var viterbi = new HsmmViterbiResult(batch, frames);
        (double Kernel, double EndToEnd) Time(Action action, Func<double> lastKernel)
        {
            for (int i = 0; i < 2; i++) action();
            var kernel = new List<double>();
            var e2e = new List<double>();
            for (int i = 0; i < 7; i++)
            {
                var sw = Stopwatch.StartNew();
                action();
                e2e.Add(sw.Elapsed.TotalMilliseconds);
                kernel.Add(lastKernel());
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
        double cpuForward = CpuTime(() => cpu.Forward(model, emissions, cpuLl));
        double cpuFb = CpuTime(() => cpu.Posteriors(model, emissions, cpuPosteriors));
        var cpuViterbi = new HsmmViterbiResult(batch, frames);
        double cpuVit = CpuTime(() => cpu.Viterbi(model, emissions, cpuViterbi));
        double frames64 = (double)batch * frames;
        Console.WriteLine($"CPU engine: forward {cpuForward:F2} ms, forward-backward {cpuFb:F2} ms, Viterbi {cpuVit:F2} ms");
        // Both kernel sets in one run: the shared-memory default, then the global-memory one.
        foreach (var (variant, current) in new[] { ("shared", engine), ("global", globalEngine) })
        {
            var gpu = current.Hsmm;
            double Kernel() => current.LastHsmmKernelTime.TotalMilliseconds;
            var forward = Time(() => gpu.Forward(model, emissions, ll), Kernel);
            var fb = Time(() => gpu.Posteriors(model, emissions, posteriors), Kernel);
            var vit = Time(() => gpu.Viterbi(model, emissions, viterbi), Kernel);
            Console.WriteLine($"[{variant} kernels]");
            Console.WriteLine($"forward:          kernel {forward.Kernel:F3} ms, end-to-end {forward.EndToEnd:F3} ms; CPU {cpuForward:F2} ms ({cpuForward / forward.EndToEnd:F1}x)");
            Console.WriteLine($"forward-backward: kernel {fb.Kernel:F3} ms, end-to-end {fb.EndToEnd:F3} ms ({frames64 / (fb.EndToEnd / 1000):E2} frames/s); CPU {cpuFb:F2} ms ({cpuFb / fb.EndToEnd:F1}x)");
            Console.WriteLine($"Viterbi:          kernel {vit.Kernel:F3} ms, end-to-end {vit.EndToEnd:F3} ms; CPU {cpuVit:F2} ms ({cpuVit / vit.EndToEnd:F1}x)");
            double worstLl = 0, worstGamma = 0, worstScore = 0, worstCount = 0;
            int samePaths = 0;
            for (int b = 0; b < batch; b++)
            {
                worstLl = Math.Max(worstLl, Math.Abs(ll[b] - cpuLl[b]) / Math.Abs(cpuLl[b]));
                worstScore = Math.Max(worstScore, Math.Abs(viterbi.Scores[b] - cpuViterbi.Scores[b]) / Math.Abs(cpuViterbi.Scores[b]));
                if (viterbi.Path(b).SequenceEqual(cpuViterbi.Path(b))) samePaths++;
                for (int t = 0; t < frames; t++)
                    for (int j = 0; j < states; j++)
                        worstGamma = Math.Max(worstGamma, Math.Abs(posteriors.StateOccupancy[b, t, j] - cpuPosteriors.StateOccupancy[b, t, j]));
            }
            for (int j = 0; j < states; j++)
                for (int k = 0; k < maxDuration; k++)
                    worstCount = Math.Max(worstCount, Math.Abs(posteriors.DurationCounts[j, k] - cpuPosteriors.DurationCounts[j, k]) / Math.Max(1, Math.Abs(cpuPosteriors.DurationCounts[j, k])));
            Console.WriteLine($"check against the CPU engine: worst relative log-likelihood difference {worstLl:E1}, worst occupancy difference {worstGamma:E1}, " +
                $"worst relative duration-count difference {worstCount:E1}, worst relative Viterbi score difference {worstScore:E1}, identical Viterbi paths {samePaths}/{batch}");
        }
        Console.WriteLine($"memory per (sequence, frame), global variant: rows 4 x {4 * model.StateCount} B (alpha, in, beta, beta*) + window {4 * model.StateCount} B + occupancy {4 * model.StateCount} B; Viterbi adds {8 * model.StateCount} B of back-pointers");
        Console.WriteLine($"shared variant: alpha and in rows {8 * model.StateCount} B + occupancy {4 * model.StateCount} B per (sequence, frame) (posteriors only), Viterbi back-pointers {8 * model.StateCount} B; windows and counts in shared memory");
        return 0;
    }
}

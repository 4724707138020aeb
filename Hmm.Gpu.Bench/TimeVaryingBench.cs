using System;
using System.Collections.Generic;
using System.Diagnostics;
using Hmm.Simd;
using Hmm.Testing;

namespace Hmm.Gpu.Bench;

internal static partial class Benchmarks
{
    /// <summary>
    /// Issue 19's time-varying goal: dense per-frame transitions, N = 64, B = 256, T = 1000, forward (goal ≤ 2 ms), for both
    /// recursion kernels in one run: the staged one (the default, knob <c>TimeVaryingStaged=true</c>) and the first one
    /// (<c>TimeVaryingStaged=false</c>). Kernel time is the recursion kernel with the stream synchronised around it
    /// (<see cref="GpuEngine.LastTimeVaryingKernelTime"/>); end-to-end adds the upload of the 4.2 GB of tables and the
    /// emissions. Then Viterbi and posteriors (per-frame ξ) for each, and a check of the first sequences' forward and
    /// posterior log-likelihoods and Viterbi scores against the SIMD CPU engine. Knobs given in HMM_GPU_TUNING (e.g.
    /// <c>TimeVaryingSplit=4</c>) apply to both variants.
    /// </summary>
    public static int TimeVarying(int batch, int frames, int states)
    {
        var (tables, emissions) = TimeVaryingInputs.Dense(batch, frames, states, seed: 19, normalised: false);
        int small = Math.Min(batch, 16);
        var (smallTables, smallEmissions) = TimeVaryingInputs.Dense(small, frames, states, seed: 19, normalised: false);
        var cpu = new HmmEngine(SimdWidth.Auto);
        var expected = new double[small];
        cpu.Forward(smallTables, smallEmissions, expected);
        var expectedViterbi = new ViterbiResult(small, frames);
        cpu.Viterbi(smallTables, smallEmissions, expectedViterbi);
        bool header = true;
        foreach (var (name, tuning) in new[] { ("staged", "TimeVaryingStaged=true"), ("first", "TimeVaryingStaged=false") })
        {
            using var engine = Tuned(tuning, profiling: false);
            if (header)
            {
                Console.WriteLine($"device: {engine.DeviceName}; dense N={states}, B={batch}, T={frames}: tables {(double)tables.FrameSize * batch * frames * 4 / 1e9:F2} GB, " +
                    $"{tables.FrameSize * 4 + tables.Stride * 4} bytes read per (sequence, frame)");
                header = false;
            }
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
            Console.WriteLine($"[{name}] forward: kernel {k:F2} ms (goal <= 2 ms), end-to-end {e:F1} ms; {(double)batch * frames / (k / 1000):E2} frames/s in the kernel");
            var viterbi = new ViterbiResult(batch, frames);
            var viterbiTimes = new List<double>();
            for (int i = 0; i < 3; i++)
            {
                engine.Viterbi(tables, emissions, viterbi);
                viterbiTimes.Add(engine.LastTimeVaryingKernelTime.TotalMilliseconds);
            }
            Console.WriteLine($"[{name}] Viterbi: kernel {Median(viterbiTimes):F2} ms");
            var posteriors = TimeVaryingPosteriorResult.For(smallTables);
            engine.Posteriors(smallTables, smallEmissions, posteriors);
            Console.WriteLine($"[{name}] posteriors with per-frame xi, B={small}: kernels {engine.LastTimeVaryingKernelTime.TotalMilliseconds:F2} ms");
            var forward = new double[small];
            engine.Forward(smallTables, smallEmissions, forward);
            var smallViterbi = new ViterbiResult(small, frames);
            engine.Viterbi(smallTables, smallEmissions, smallViterbi);
            double worstForward = 0, worstPosterior = 0, worstViterbi = 0;
            int samePaths = 0;
            for (int b = 0; b < small; b++)
            {
                worstForward = Math.Max(worstForward, Math.Abs(expected[b] - forward[b]) / Math.Abs(expected[b]));
                worstPosterior = Math.Max(worstPosterior, Math.Abs(expected[b] - posteriors.LogLikelihoods[b]) / Math.Abs(expected[b]));
                worstViterbi = Math.Max(worstViterbi, Math.Abs(expectedViterbi.Scores[b] - smallViterbi.Scores[b]) / Math.Abs(expectedViterbi.Scores[b]));
                if (expectedViterbi.Path(b).SequenceEqual(smallViterbi.Path(b))) samePaths++;
            }
            Console.WriteLine($"[{name}] CPU check on {small} sequences: worst relative difference forward {worstForward:E1}, posteriors {worstPosterior:E1}, " +
                $"Viterbi score {worstViterbi:E1}; identical Viterbi paths {samePaths} of {small}");
        }
        return 0;
    }
}

using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Hmm.Primitives;
using Hmm;
using Hmm.Engine;
using Hmm.Gpu.Kernels;

namespace Hmm.Gpu.Bench;

internal static partial class Benchmarks
{
    /// <summary>
    /// The tensor-core dense forward against the one-pass (and, where the engine picks it, chunked) kernels per shape, in one
    /// process: log-likelihoods checked against the CPU engine; the medians of kernel time.
    /// </summary>
    public static int TensorRecursion()
    {
        var rng = new Random(11);
        foreach (var (n, batch) in new[] { (64, 256), (64, 32), (64, 16), (64, 4096), (32, 256), (48, 256), (100, 256), (128, 256), (16, 256), (10, 32), (10, 256), (10, 4096) })
        {
            var model = RandomDense(n, rng);
            var emissions = RandomEmissions(batch, 1000, n, rng);
            var ll = new double[batch];
            string line = $"N={n,3} B={batch,4} T=1000:";
            foreach (var (label, tensor) in new[] { ("tensor", (bool?)true), ("off", false), ("auto", null) })
            {
                using var engine = Tuned("TensorCoreRecursion=" + tensor switch { true => "true", false => "false", null => "auto" });
                var (_, k) = Time(engine, () => engine.Forward(model, emissions, ll), 2, batch >= 4096 ? 5 : 15);
                line += $" {label} {k:F3} ms (rel err {CheckForwardAgainstCpu(model, emissions, ll):E1});";
            }
            Console.WriteLine(line);
        }
        return 0;
    }

    /// <summary>Three launches of the tensor-core dense forward (N=64, B=256, T=1000) for Nsight Compute.</summary>
    public static int TensorProfile()
    {
        var rng = new Random(11);
        var model = RandomDense(64, rng);
        var emissions = RandomEmissions(256, 1000, 64, rng);
        var ll = new double[256];
        using var engine = Tuned("TensorCoreRecursion=true", profiling: false);
        for (int i = 0; i < 3; i++) engine.Forward(model, emissions, ll);
        return 0;
    }

    /// <summary>Three launches of the GMM emission kernel at B=4096 T=1000 (N=10 K=4 D=80) for Nsight Compute.</summary>
    public static int GmmProfile()
    {
        var rng = new Random(7);
        var gmm = RandomGmm(10, 4, 80, rng);
        var features = RandomFeatures(4096, 1000, 80, rng);
        var emissions = new EmissionBatch(4096, 1000, 10);
        using var engine = new GpuEngine();
        for (int i = 0; i < 3; i++) engine.ComputeEmissions(gmm, features, emissions);
        return 0;
    }
}

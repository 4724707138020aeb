using System;
using System.Diagnostics;
using Hmm.Simd;

namespace Hmm.Gpu.Bench;

internal static partial class Benchmarks
{
    /// <summary>
    /// <c>tied [B] [T]</c>: tied-mixture (PTM) emissions of a random model of CMU Sphinx's en-us shape (42 codebooks, 3 streams
    /// of 13 dimensions, 128 Gaussians, 5,126 states, top 4, floor 9.83 nats) over B sequences of T frames (default 64 x 1000):
    /// the medians of kernel time and end-to-end time (upload, kernels, the lattice's download) as frames/s, then the CPU
    /// engine (all host threads) on the same input, its time, and the largest |GPU − CPU| over every state of every frame.
    /// </summary>
    public static int TiedMixture(int batch, int length)
    {
        var rng = new Random(13);
        var model = RandomSphinxTiedMixture(rng);
        var features = RandomFeatures(batch, length, model.FeatureDimension, rng);
        using var engine = new GpuEngine(new GpuEngineOptions { Profiling = true });
        Console.WriteLine($"device: {engine.DeviceName} (CUDA: {engine.IsCuda}); host threads {Environment.ProcessorCount}; SIMD {SimdCapabilities.Best}");
        var output = new EmissionBatch(batch, length, model.StateCount);
        var (e2e, kernel) = Time(engine, () => engine.ComputeEmissions(model, features, output), 2, 10);
        double frames = (double)batch * length;
        var run = engine.LastRun;
        Console.WriteLine($"PTM emissions C=42 F=3x13 K=128 N=5126 top 4 floor 9.83, B={batch} T={length}: kernel {kernel:F3} ms ({frames / (kernel / 1e3):E2} frames/s), "
            + $"end-to-end {e2e:F1} ms ({frames / (e2e / 1e3):E2} frames/s); chunks {run.ChunkCount}, CPU fallback sequences {run.CpuFallbackSequences}");

        var cpu = new HmmEngine(SimdWidth.Auto, Environment.ProcessorCount);
        var want = new EmissionBatch(batch, length, model.StateCount);
        cpu.ComputeEmissions(model, features, want); // warm-up
        var sw = Stopwatch.StartNew();
        cpu.ComputeEmissions(model, features, want);
        double cpuMs = sw.Elapsed.TotalMilliseconds;
        double worst = 0;
        long over = 0, cells = 0;
        (int B, int T, int S) at = default;
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < features.Lengths[b]; t++)
                for (int s = 0; s < model.StateCount; s++, cells++)
                {
                    float g = output[b, t, s], c = want[b, t, s];
                    double e = g == c ? 0 : Math.Abs((double)g - c);
                    if (double.IsNaN(e)) e = double.PositiveInfinity;
                    if (e > 1e-2) over++;
                    if (e > worst) { worst = e; at = (b, t, s); }
                }
        Console.WriteLine($"CPU engine ({cpu.Width}, {Environment.ProcessorCount} threads): {cpuMs:F0} ms ({frames / (cpuMs / 1e3):E2} frames/s); "
            + $"max |gpu - cpu| {worst:E2} nats at [{at.B},{at.T},{at.S}] (gpu {output[at.B, at.T, at.S]}, cpu {want[at.B, at.T, at.S]}); cells over 0.01 nats: {over} of {cells}");
        return 0;
    }

    /// <summary>A random tied-mixture model of Sphinx's en-us shape: sparse-ish mixture weights (a few zero), means and variances around the features' range.</summary>
    private static TiedMixtureEmissions RandomSphinxTiedMixture(Random rng)
    {
        const int Codebooks = 42, Components = 128, States = 5126;
        int[] streams = { 13, 13, 13 };
        int d = 39, f = streams.Length;
        var means = new float[Codebooks * Components * d];
        var variances = new float[means.Length];
        for (int i = 0; i < means.Length; i++)
        {
            means[i] = (float)(rng.NextDouble() * 4 - 2);
            variances[i] = (float)(0.2 + rng.NextDouble() * 2);
        }
        var codebooks = new int[States];
        for (int s = 0; s < States; s++) codebooks[s] = rng.Next(Codebooks);
        var logWeights = new float[f * Components * States];
        var w = new double[Components];
        for (int st = 0; st < f; st++)
            for (int s = 0; s < States; s++)
            {
                double sum = 0;
                for (int k = 0; k < Components; k++)
                {
                    double u = rng.NextDouble();
                    w[k] = u < 0.05 ? 0 : u * u * u;
                    sum += w[k];
                }
                for (int k = 0; k < Components; k++)
                    logWeights[(st * Components + k) * States + s] = w[k] == 0 ? float.NegativeInfinity : (float)Math.Log(w[k] / sum);
            }
        return new TiedMixtureEmissions(streams, Codebooks, Components, means, variances, codebooks, logWeights, topN: 4, scoreFloor: 9.83f);
    }
}

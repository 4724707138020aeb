using System;
using System.Diagnostics;
using System.Globalization;
using Hmm;
using Hmm.Testing;
using Hmm.Simd;

namespace Hmm.Benchmarks;

/// <summary>
/// `dotnet run -c Release --project Hmm.Benchmarks -- demo`: samples sequences from a known GMM-HMM, decodes them with every SIMD width (and the float64
/// reference), and prints how many states Viterbi recovered and each engine's frames per second.
/// </summary>
internal static class Demo
{
    public static int Run(string[] args)
    {
        int n = 10, k = 4, d = 80, batch = 32, length = 1000, seed = 1;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--states": n = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--components": k = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--dim": d = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--batch": batch = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--length": length = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {args[i]} (demo takes --states --components --dim --batch --length --seed)");
            }
        }

        var random = new Random(seed);
        var (model, gmm) = KnownModel(n, k, d, random);
        var features = new SequenceBatch(batch, length, d);
        var truth = new int[batch * length];
        for (int b = 0; b < batch; b++)
            HmmSampler.Sample(model, gmm, random, truth.AsSpan(b * length, length), features.Sequence(b));
        Console.WriteLine($"GMM-HMM N={n} K={k} D={d}: {batch} sequences × {length} frames sampled (seed {seed}).");
        Console.WriteLine();
        Console.WriteLine($"{"engine",-22} {"states recovered",18} {"frames/s (emissions + Viterbi)",32}");

        var emissions = new EmissionBatch(batch, length, n);
        var result = new ViterbiResult(batch, length);
        foreach (var width in new[] { SimdWidth.Vector512, SimdWidth.Vector256, SimdWidth.Vector128, SimdWidth.VectorT, SimdWidth.Scalar })
        {
            if (!SimdCapabilities.IsSupported(width)) { Console.WriteLine($"{width,-22} {"(not accelerated here)",18}"); continue; }
            var engine = new HmmEngine(width);
            engine.ComputeEmissions(gmm, features, emissions); // warm-up: JIT and scratch sizing
            engine.Viterbi(model, emissions, result);
            var watch = Stopwatch.StartNew();
            int reps = 0;
            do
            {
                engine.ComputeEmissions(gmm, features, emissions);
                engine.Viterbi(model, emissions, result);
                reps++;
            } while (watch.Elapsed.TotalSeconds < 0.5);
            double fps = (double)batch * length * reps / watch.Elapsed.TotalSeconds;
            Console.WriteLine($"{"SIMD " + width,-22} {Recovered(result, truth, batch, length),18:P2} {fps,32:N0}");
        }

        // The plain float64 reference on the first sequence only (it is slow by design).
        var reference = ReferenceHmm.EmissionLogLikelihoods(gmm, features);
        var refWatch = Stopwatch.StartNew();
        ReferenceHmm.Viterbi(model, reference[0], out var refPath);
        double refSeconds = refWatch.Elapsed.TotalSeconds;
        int agree = 0;
        for (int t = 0; t < length; t++) if (refPath[t] == truth[t]) agree++;
        Console.WriteLine($"{"float64 reference",-22} {(double)agree / length,18:P2} {length / refSeconds,32:N0}   (Viterbi only, first sequence)");
        return 0;
    }

    private static string Recovered(ViterbiResult result, int[] truth, int batch, int length)
    {
        long agree = 0;
        for (int b = 0; b < batch; b++)
        {
            var path = result.Path(b);
            for (int t = 0; t < length; t++) if (path[t] == truth[b * length + t]) agree++;
        }
        return ((double)agree / ((long)batch * length)).ToString("P2", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A sticky ergodic HMM whose states have well-separated but overlapping mixtures.</summary>
    private static (HmmModel, GaussianMixtureEmissions) KnownModel(int n, int k, int d, Random random)
    {
        var a = new float[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) a[i, j] = n == 1 ? 1f : i == j ? 0.9f : 0.1f / (n - 1);
        var model = HmmModel.UniformStart(DenseTransitions.FromProbabilities(a));
        var w = new float[n, k];
        var mu = new float[n, k, d];
        var v = new float[n, k, d];
        for (int j = 0; j < n; j++)
            for (int c = 0; c < k; c++)
            {
                w[j, c] = 1f / k;
                for (int e = 0; e < d; e++)
                {
                    mu[j, c, e] = (float)(random.NextDouble() * 2 - 1) * 0.6f;
                    v[j, c, e] = 1f;
                }
            }
        return (model, new GaussianMixtureEmissions(w, mu, v));
    }
}

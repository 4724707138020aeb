using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Hmm.Primitives;
using Hmm;
using Hmm.Gpu;
using Hmm.Gpu.Kernels;
using Hmm.Simd;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Hmm.Gpu.Bench;

/// <summary>
/// The GPU harness, run on the lent GPU (see GPU-NOTES.md):
/// <c>bench [seed.txt]</c> times the speed table (warm-up, then medians; kernel time from device events, end-to-end
/// with host copies and checks); <c>profile</c>, <c>cpu</c>, <c>tensor</c> and <c>gmm-profile</c> time one part each;
/// <c>tied [B] [T]</c> times tied-mixture (PTM) emissions of a Sphinx-shaped model against the CPU engine; <c>ctc OUTDIR</c>
/// times CTC forced alignment and writes its inputs and paths for tools/ctc_torchaudio_check.py;
/// <c>dtw [B] [N]</c> times batched DTW of B pairs of N × N frames (D = 39) and checks it against the CPU engine;
/// <c>hsmm [B] [T]</c> times the explicit-duration HMM (N = 10, D = 50) and checks it against the CPU engine;
/// <c>timevarying [B] [T] [N]</c> times forward over dense per-frame transitions (issue 19: N = 64, B = 256, T = 1000).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string mode = args.Length > 0 ? args[0] : "bench";
        return mode switch
        {
            "profile" => Benchmarks.Profile(),
            "cpu" => Benchmarks.CpuWidths(rounds: args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 11),
            "tensor" => Benchmarks.TensorRecursion(),
            "tensor-profile" => Benchmarks.TensorProfile(),
            "gmm-profile" => Benchmarks.GmmProfile(),
            "tied" => Benchmarks.TiedMixture(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64,
                args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1000),
            "ctc" => Benchmarks.Ctc(args.Length > 1 ? args[1] : "ctc-out"),
            "hsmm" => Benchmarks.Hsmm(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32,
                args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1000),
            "dtw" => Benchmarks.Dtw(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 256,
                args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1000),
            "timevarying" => Benchmarks.TimeVarying(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 256,
                args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1000,
                args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 64),
            "bench" => Benchmarks.Run(args.Length > 1 ? args[1] : null, args.Skip(2).ToArray()),
            _ => Usage(),
        };
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: Hmm.Gpu.Bench bench [seed.txt] [rows...] | profile | cpu [rounds] | tensor | tensor-profile | gmm-profile | tied [B] [T] | ctc OUTDIR | dtw [B] [N] | hsmm [B] [T] | timevarying [B] [T] [N]");
        return 2;
    }
}

/// <summary>The issue's speed table.</summary>
internal static partial class Benchmarks
{
    private sealed record Row(string Work, string Seed, string Kernel, string EndToEnd, string Goal, string Note);

    public static int Run(string? seedFile, string[] only)
    {
        var seed = seedFile != null && File.Exists(seedFile) ? File.ReadAllLines(seedFile) : Array.Empty<string>();
        // "small" shrinks every shape for a smoke test on the CPU accelerator; the table is then meaningless.
        bool small = only.Contains("small");
        int T = small ? 40 : 1000, B1 = small ? 4 : 32, B2 = small ? 8 : 4096, B4 = small ? 4 : 256;
        var rows = new List<Row>();
        using var engine = new GpuEngine(new GpuEngineOptions { Profiling = true });
        Console.WriteLine($"device: {engine.DeviceName} (CUDA: {engine.IsCuda}); host threads {Environment.ProcessorCount}; SIMD {SimdCapabilities.Best}");
        long freeBefore = FreeDeviceMemory(engine);

        // ---- GMM-HMM N=10 K=4 D=80: emissions + log-likelihood + Viterbi, fused on the device.
        var rng = new Random(7);
        var gmm = RandomGmm(10, 4, 80, rng);
        var model = RandomDense(10, rng);
        var features32 = RandomFeatures(B1, T, 80, rng);
        var ll = new double[4096];
        var paths = new ViterbiResult(4096, 1000);
        var (e2e32, k32) = Time(engine, () => engine.Decode(gmm, model, features32, ll, paths), 3, 30);
        long peak32 = engine.PeakDeviceBytes;
        long freeAfter = FreeDeviceMemory(engine);
        var emissions32 = new EmissionBatch(B1, T, 10);
        var (_, kGmm32) = Time(engine, () => engine.ComputeEmissions(gmm, features32, emissions32), 2, 20);
        CheckDecodeAgainstCpu(gmm, model, features32, ll, paths);
        rows.Add(new Row("GMM-HMM N=10 K=4 D=80 loglik+Viterbi, B=32 T=1000",
            SeedMs(seed, "seed MixtureGaussianHMM viterbi ", "N=10 D=80 K=4 B=32 T=1000"),
            $"{k32:F3} ms (GMM {kGmm32:F3})", $"{e2e32:F3} ms", "<= 0.1 ms", ""));

        var features4096 = RandomFeatures(B2, T, 80, rng);
        var (e2e4096, k4096) = Time(engine, () => engine.Decode(gmm, model, features4096, ll, paths), 1, 5);
        string seed1024 = SeedFramesPerSecond(seed, "seed MixtureGaussianHMM viterbi ", "N=10 D=80 K=4 B=1024 T=1000");
        rows.Add(new Row("same model, B=4096 T=1000 (frames/s)", seed1024 + " (B=1024)",
            $"{(double)B2 * T / (k4096 / 1e3):E2} ({k4096:F2} ms)", $"{(double)B2 * T / (e2e4096 / 1e3):E2} ({e2e4096:F1} ms)", ">= 1e9 frames/s",
            $"chunks {engine.LastRun.ChunkCount}"));
        // Reference answers of the default engine at B=4096, for the variants' agreement check (packing must not change a bit).
        var ll4096 = new double[B2];
        var paths4096 = new ViterbiResult(B2, T);
        engine.Decode(gmm, model, features4096, ll4096, paths4096);
        var emissions4096 = new EmissionBatch(B2, T, 10);
        var (_, kGmm4096) = Time(engine, () => engine.ComputeEmissions(gmm, features4096, emissions4096), 1, 3);
        string blockVariants = $"GMM emission kernel, B={B2}: tensor cores {(engine.UsesTensorCores(gmm) ? "on" : "off")} (default) {kGmm4096:F2} ms;";
        var breakdown = new List<string>
        {
            blockVariants,
            $"GMM emission kernel alone, B={B2}: {kGmm4096:F2} ms ({(double)B2 * T / (kGmm4096 / 1e3):E2} frames/s); recursion (forward + Viterbi) = the rest of the decode kernels",
        };
        // ---- half-precision features (binary16 upload, float32 arithmetic): speed and the proven error bound.
        using (var half = new GpuEngine(new GpuEngineOptions { Profiling = true, EmissionPrecision = EmissionPrecision.Half }))
        {
            var llH = new double[4096];
            var pathsH = new ViterbiResult(4096, 1000);
            var (e2eH, kH) = Time(half, () => half.Decode(gmm, model, features32, llH, pathsH), 3, 30);
            string check = CheckHalf(half, gmm, model, features32, llH, pathsH);
            rows.Add(new Row("half-precision features, decode B=32 T=1000", "-", $"{kH:F3} ms", $"{e2eH:F3} ms", "error within the proven bound", check));
            var (e2eH4, kH4) = Time(half, () => half.Decode(gmm, model, features4096, llH, pathsH), 1, 5);
            rows.Add(new Row($"half-precision features, decode B={B2} T=1000 (frames/s)", "-",
                $"{(double)B2 * T / (kH4 / 1e3):E2} ({kH4:F2} ms)", $"{(double)B2 * T / (e2eH4 / 1e3):E2} ({e2eH4:F1} ms)", ">= 1e9 frames/s",
                $"half sequences {half.LastRun.HalfPrecisionSequences}/{B2}, largest bound {half.LastRun.HalfPrecisionErrorBounds.ToArray().Max():F2} nats"));
        }
        emissions4096 = null!;
        engine.TrimDeviceMemory();

        // ---- forward-backward posteriors N=10, B=32 T=1000, given emissions.
        var emissionsFb = RandomEmissions(B1, T, 10, rng);
        var posteriors = PosteriorResult.For(model, emissionsFb);
        var (e2eFb, kFb) = Time(engine, () => engine.Posteriors(model, emissionsFb, posteriors), 3, 30);
        double gammaError = CheckPosteriorsAgainstCpu(model, emissionsFb, posteriors);
        rows.Add(new Row("forward-backward posteriors N=10, B=32 T=1000",
            SeedMs(seed, "seed HMMPyTorch forward_backward", "N=10 B=32 T=1000"), $"{kFb:F3} ms", $"{e2eFb:F3} ms", "<= 0.15 ms",
            $"max |gamma - cpu| {gammaError:E1}"));

        // ---- dense forward N=64, B=256 T=1000.
        var model64 = RandomDense(64, rng);
        var emissions64 = RandomEmissions(B4, T, 64, rng);
        var ll64 = new double[256];
        var (e2e64, k64) = Time(engine, () => engine.Forward(model64, emissions64, ll64), 3, 20);
        double llError = CheckForwardAgainstCpu(model64, emissions64, ll64);
        rows.Add(new Row("dense forward N=64, B=256 T=1000",
            SeedMs(seed, "plain torch logsumexp forward", "N=64 B=256 T=1000"), $"{k64:F3} ms", $"{e2e64:F3} ms", "<= 0.5 ms",
            $"max rel |ll - cpu| {llError:E1}"));
        // Tensor-core dense recursion (16 sequences a group) against the one-pass kernel, same call.
        using (var oneRecursion = Tuned("TensorCoreRecursion=false"))
        using (var tensorRecursion = Tuned("TensorCoreRecursion=true"))
        {
            var (_, k64Tensor) = Time(tensorRecursion, () => tensorRecursion.Forward(model64, emissions64, ll64), 3, 20);
            string tensorError = $"{CheckForwardAgainstCpu(model64, emissions64, ll64):E1}";
            breakdown.Add($"dense forward N=64 B={B4}: tensor cores {k64Tensor:F3} ms (max rel err {tensorError}) vs one-pass {k64:F3} ms (the default here)");
            foreach (int big in small ? new[] { 32 } : new[] { 1024, 4096 })
            {
                var emissionsBig = RandomEmissions(big, T, 64, rng);
                var llBig = new double[big];
                var (_, kOne) = Time(oneRecursion, () => oneRecursion.Forward(model64, emissionsBig, llBig), 1, 5);
                var (e2eT, kT) = Time(tensorRecursion, () => tensorRecursion.Forward(model64, emissionsBig, llBig), 1, 5);
                double errT = CheckForwardAgainstCpu(model64, emissionsBig, llBig);
                rows.Add(new Row($"dense forward N=64, B={big} T=1000 (frames/s)", "-",
                    $"{(double)big * T / (kT / 1e3):E2} ({kT:F2} ms, tensor cores; one-pass {kOne:F2} ms)", $"{(double)big * T / (e2eT / 1e3):E2} ({e2eT:F1} ms)", "-",
                    $"max rel |ll - cpu| {errT:E1}"));
            }
        }

        rows.Add(new Row("device memory, first row", "seed claims 2.1 GB",
            $"{peak32 / 1048576.0:F1} MiB engine buffers", freeBefore >= 0 ? $"{(freeBefore - freeAfter) / 1048576.0:F1} MiB device total delta" : "n/a",
            "<= 64 MB", ""));

        // ---- the SIMD CPU engine, one thread, same host: emissions + forward + Viterbi for the first row.
        var cpu = new HmmEngine(SimdWidth.Auto, 1);
        var cpuEmissions = new EmissionBatch(B1, T, 10);
        var cpuPaths = new ViterbiResult(B1, T);
        var cpuLl = new double[B1];
        var cpuTimes = new List<double>();
        var cpuDecodeTimes = new List<double>();
        // 30 warm-up rounds: tiered JIT must reach its optimised code (4 rounds measured Tier-0/OSR code before).
        // Rounds alternate the separate calls and Decode (one fused pass per sequence) so both see the same machine state.
        for (int r = 0; r < 41; r++)
        {
            var sw = Stopwatch.StartNew();
            cpu.ComputeEmissions(gmm, features32, cpuEmissions);
            cpu.Forward(model, cpuEmissions, cpuLl);
            cpu.Viterbi(model, cpuEmissions, cpuPaths);
            if (r >= 30) cpuTimes.Add(sw.Elapsed.TotalMilliseconds);
            sw.Restart();
            cpu.Decode(gmm, model, features32, cpuLl, cpuPaths);
            if (r >= 30) cpuDecodeTimes.Add(sw.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"host CPU: {CpuModel()}, SIMD {SimdCapabilities.Best}; CPU engine first row: separate calls min {cpuTimes.Min():F1} ms, median {Median(cpuTimes):F1} ms; Decode min {cpuDecodeTimes.Min():F1} ms, median {Median(cpuDecodeTimes):F1} ms");
        CpuWidths(gmm, model, features32);
        rows.Add(new Row($"SIMD CPU engine, 1 thread ({cpu.Width}), first row", SeedMs(seed, "seed MixtureGaussianHMM viterbi CPU1", "N=10 D=80 K=4 B=32 T=1000") + " (seed, 1 thread)",
            "-", $"{Median(cpuDecodeTimes):F1} ms", ">= 50x the seed", $"Decode; separate calls {Median(cpuTimes):F1} ms"));

        // ---- variants: time chunks, the scaled step's row split (RowSplit 2/4: compare fwd N=64 B=256 with the default line).
        // Each is a tuning string of the engine's internal knobs (HMM_GPU_TUNING, see Tuned).
        var variants = new List<string>();
        var options = new (string Label, string Tuning)[]
        {
            ("default (auto time chunks)", ""),
            ("one pass (time chunks off)", "TimeChunkFrames=-1"),
            ("FMA emissions (tensor cores off)", "TensorCoreEmissions=false"),
            ("scaled row split 2", "RowSplit=2"),
            ("scaled row split 4", "RowSplit=4"),
            ("time chunks of 25 frames", "TimeChunkFrames=25"),
            ("time chunks of 50 frames", "TimeChunkFrames=50"),
            ("time chunks of 100 frames", "TimeChunkFrames=100"),
            ("time chunks of 200 frames", "TimeChunkFrames=200"),
            // Sequence packing (N=10: two sequences per 32-thread group of the one-pass kernel) against one sequence per group:
            // compare decode B=4096 (one-pass either way) with the default line, and the N=10 B=32 columns with "one pass".
            ("packed sequences off", "PackSequences=false"),
            ("packed sequences off, time chunks off", "PackSequences=false,TimeChunkFrames=-1"),
        };
        var llB1 = new double[B1];
        var pathsB1 = new ViterbiResult(B1, T);
        var llV = new double[B2];
        var pathsV = new ViterbiResult(B2, T);
        foreach (var (label, tuning) in options)
        {
            using var variant = Tuned(tuning);
            var (_, kd4096) = Time(variant, () => variant.Decode(gmm, model, features4096, llV, pathsV), 1, 5);
            Console.WriteLine($"  checked {label}: decode B={B2} against the default engine: {CompareDecode(ll4096, paths4096, llV, pathsV)}");
            variant.TrimDeviceMemory();
            var (_, kd) = Time(variant, () => variant.Decode(gmm, model, features32, ll, paths), 3, 20);
            var (_, kfw) = Time(variant, () => variant.Forward(model, emissions32, llB1), 2, 20);
            var (_, kvi) = Time(variant, () => variant.Viterbi(model, emissions32, pathsB1), 2, 20);
            var (_, kbw) = Time(variant, () => variant.Backward(model, emissions32, llB1), 2, 20);
            var (_, kp) = Time(variant, () => variant.Posteriors(model, emissionsFb, posteriors), 2, 20);
            var (_, kf) = Time(variant, () => variant.Forward(model64, emissions64, ll64), 2, 10);
            CheckDecodeAgainstCpu(gmm, model, features32, ll, paths);
            variant.Forward(model, emissions32, llB1);
            string fwdCheck = $"{CheckForwardAgainstCpu(model, emissions32, llB1):E1}";
            variant.Backward(model, emissions32, llB1);
            Console.WriteLine($"  checked {label}: N=10 max rel |ll - cpu| fwd {fwdCheck} bwd {CheckForwardAgainstCpu(model, emissions32, llB1):E1}, posteriors max |gamma - cpu| {CheckPosteriorsAgainstCpu(model, emissionsFb, posteriors):E1}");
            variants.Add($"{label,-38}: decode B=32 {kd:F3} | N=10 B=32 fwd {kfw:F3} vit {kvi:F3} bwd {kbw:F3} post {kp:F3} | fwd N=64 B=256 {kf:F3} ms"
                + $" | decode B={B2} {kd4096:F2} ms ({(double)B2 * T / (kd4096 / 1e3):E2} frames/s)");
        }
        features4096 = null!;

        Console.WriteLine();
        foreach (var b in breakdown) Console.WriteLine(b);
        Console.WriteLine();
        foreach (var v in variants) Console.WriteLine(v);
        Console.WriteLine();
        Console.WriteLine($"| work | seed (same call) | ours: kernels | ours: end-to-end | goal | note |");
        Console.WriteLine($"|---|---|---|---|---|---|");
        foreach (var r in rows) Console.WriteLine($"| {r.Work} | {r.Seed} | {r.Kernel} | {r.EndToEnd} | {r.Goal} | {r.Note} |");
        Console.WriteLine($"device: {engine.DeviceName}");
        return 0;
    }

    /// <summary>Largest |log-likelihood difference|, largest |score difference| and the share of identical paths: a variant against the default engine.</summary>
    private static string CompareDecode(double[] ll, ViterbiResult paths, double[] llV, ViterbiResult pathsV)
    {
        double llDiff = 0, scoreDiff = 0;
        int same = 0;
        for (int b = 0; b < ll.Length; b++)
        {
            llDiff = Math.Max(llDiff, ll[b] == llV[b] ? 0 : Math.Abs(ll[b] - llV[b]));
            scoreDiff = Math.Max(scoreDiff, paths.Scores[b] == pathsV.Scores[b] ? 0 : Math.Abs(paths.Scores[b] - pathsV.Scores[b]));
            if (paths.Path(b).SequenceEqual(pathsV.Path(b))) same++;
        }
        return $"max |ll diff| {llDiff:E1}, max |score diff| {scoreDiff:E1}, identical paths {100.0 * same / ll.Length:F1}%";
    }

    /// <summary>A few launches for Nsight Compute: two warm-up rounds (6 kernels), then one round (6 kernels) to profile.</summary>
    public static int Profile()
    {
        var rng = new Random(7);
        var gmm = RandomGmm(10, 4, 80, rng);
        var model = RandomDense(10, rng);
        var features = RandomFeatures(32, 1000, 80, rng);
        var model64 = RandomDense(64, rng);
        var emissions64 = RandomEmissions(256, 1000, 64, rng);
        var emissions10 = RandomEmissions(32, 1000, 10, rng);
        var ll = new double[256];
        var paths = new ViterbiResult(32, 1000);
        var posteriors = PosteriorResult.For(model, emissions10);
        using var engine = new GpuEngine();
        for (int round = 0; round < 3; round++)
        {
            if (round == 2) Console.WriteLine("profiled round: decode (gaussian, recursion), forward N=64 (recursion), posteriors (recursion, gamma, counts)");
            engine.Decode(gmm, model, features, ll, paths);
            engine.Forward(model64, emissions64, ll);
            engine.Posteriors(model, emissions10, posteriors);
        }
        return 0;
    }

    /// <summary>
    /// An engine with the internal kernel knobs of <paramref name="tuning"/> (e.g. <c>"RowSplit=2,PackSequences=false"</c>),
    /// which are not public API: the engine applies the environment variable HMM_GPU_TUNING as it is constructed, so this
    /// sets it around the construction. A value given to the whole run comes first (the variant's entries win over it) and
    /// is restored afterwards.
    /// </summary>
    private static GpuEngine Tuned(string tuning, bool profiling = true)
    {
        const string Variable = "HMM_GPU_TUNING";
        string? outer = Environment.GetEnvironmentVariable(Variable);
        Environment.SetEnvironmentVariable(Variable, string.IsNullOrWhiteSpace(outer) ? tuning : outer + "," + tuning);
        try
        {
            return new GpuEngine(new GpuEngineOptions { Profiling = profiling });
        }
        finally
        {
            Environment.SetEnvironmentVariable(Variable, outer);
        }
    }

    private static (double EndToEnd, double Kernel) Time(GpuEngine engine, Action call, int warm, int reps)
    {
        for (int i = 0; i < warm; i++) call();
        var e2e = new List<double>();
        var kernel = new List<double>();
        for (int i = 0; i < reps; i++)
        {
            var sw = Stopwatch.StartNew();
            call();
            e2e.Add(sw.Elapsed.TotalMilliseconds);
            kernel.Add(engine.LastRun.KernelTime.TotalMilliseconds);
        }
        return (Median(e2e), Median(kernel));
    }

    private static double Median(List<double> values)
    {
        var s = values.OrderBy(v => v).ToArray();
        return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static long FreeDeviceMemory(GpuEngine engine)
    {
        if (!engine.IsCuda) return -1;
        try
        {
            CudaAPI.CurrentAPI.GetMemoryInfo(out long free, out long _);
            return free;
        }
        catch (Exception ex) when (ex is CudaException or InvalidOperationException or EntryPointNotFoundException)
        {
            return -1;
        }
    }

    private static string SeedMs(string[] seed, string name, string config)
    {
        var line = seed.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal) && l.Contains(config, StringComparison.Ordinal));
        if (line == null) return "not run";
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int ms = Array.IndexOf(parts, "ms");
        return ms > 0 ? parts[ms - 1] + " ms" : "?";
    }

    private static string SeedFramesPerSecond(string[] seed, string name, string config)
    {
        var line = seed.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal) && l.Contains(config, StringComparison.Ordinal));
        if (line == null) return "not run";
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int fps = Array.IndexOf(parts, "frames/s");
        return fps > 0 && double.TryParse(parts[fps - 1], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? $"{v:E2}" : "?";
    }

    /// <summary>
    /// The SIMD CPU engine on one thread at each width: emissions + forward + Viterbi of the first row, as separate calls
    /// and as one <see cref="HmmEngine.Decode"/>, rounds alternating the two after 30
    /// warm-up rounds, with a bit-for-bit check that they agree. <c>cpu N</c> times N rounds (default 11).
    /// </summary>
    public static int CpuWidths(GaussianMixtureEmissions? gmm = null, HmmModel? model = null, SequenceBatch? features = null, int rounds = 11)
    {
        var rng = new Random(7);
        gmm ??= RandomGmm(10, 4, 80, rng);
        model ??= RandomDense(10, rng);
        features ??= RandomFeatures(32, 1000, 80, rng);
        var emissions = new EmissionBatch(features.BatchSize, features.MaxLength, model.StateCount);
        var ll = new double[features.BatchSize];
        var paths = new ViterbiResult(features.BatchSize, features.MaxLength);
        var decodeLl = new double[features.BatchSize];
        var decodePaths = new ViterbiResult(features.BatchSize, features.MaxLength);
        foreach (var width in new[] { SimdWidth.Vector512, SimdWidth.Vector256, SimdWidth.VectorT })
        {
            HmmEngine engine;
            try { engine = new HmmEngine(width, 1); }
            catch (PlatformNotSupportedException) { continue; }
            var total = new List<double>();
            var emit = new List<double>();
            var decode = new List<double>();
            for (int r = 0; r < 30 + rounds; r++)
            {
                var sw = Stopwatch.StartNew();
                engine.ComputeEmissions(gmm, features, emissions);
                double e = sw.Elapsed.TotalMilliseconds;
                engine.Forward(model, emissions, ll);
                engine.Viterbi(model, emissions, paths);
                double separate = sw.Elapsed.TotalMilliseconds;
                sw.Restart();
                engine.Decode(gmm, model, features, decodeLl, decodePaths);
                if (r < 30) continue;
                decode.Add(sw.Elapsed.TotalMilliseconds);
                total.Add(separate);
                emit.Add(e);
            }
            bool same = Same(ll, paths, decodeLl, decodePaths);
            Console.WriteLine($"  CPU engine {width}, 1 thread: separate calls median {Median(total):F1} ms (emissions {Median(emit):F1} ms), Decode median {Median(decode):F1} ms ({Median(total) / Median(decode):F2}x; {(same ? "bit-identical" : "RESULTS DIFFER")}), {CpuModel()}");
            Console.WriteLine($"    minima over {rounds} rounds (a loaded machine): separate {total.Min():F2} ms (emissions {emit.Min():F2}), Decode {decode.Min():F2} ms");
        }
        return 0;
    }

    /// <summary>Largest difference between two emission lattices (default kernel vs the FMA kernel), absolute and relative to |value|.</summary>
    private static string CompareEmissions(EmissionBatch a, EmissionBatch b, int batch, int frames, int states)
    {
        double worstAbs = 0, worstRel = 0;
        for (int s = 0; s < batch; s++)
            for (int t = 0; t < frames; t++)
                for (int j = 0; j < states; j++)
                {
                    double x = a[s, t, j], y = b[s, t, j];
                    if (double.IsNegativeInfinity(x) && double.IsNegativeInfinity(y)) continue;
                    double diff = Math.Abs(x - y);
                    worstAbs = Math.Max(worstAbs, diff);
                    worstRel = Math.Max(worstRel, diff / Math.Max(1.0, Math.Abs(y)));
                }
        return $"check emissions default vs FMA kernel: max |diff| {worstAbs:E2} nats, max |diff|/max(1,|value|) {worstRel:E2}";
    }

    private static bool Same(double[] ll, ViterbiResult paths, double[] otherLl, ViterbiResult otherPaths) =>
        ll.AsSpan().SequenceEqual(otherLl) && paths.ScoreArray.AsSpan().SequenceEqual(otherPaths.ScoreArray) && paths.PathArray.AsSpan().SequenceEqual(otherPaths.PathArray);

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line == null ? "unknown" : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { return "unknown"; }
    }

    /// <summary>Half-precision decode against the float32 CPU engine: errors, the proven bound, path agreement.</summary>
    private static string CheckHalf(GpuEngine half, GaussianMixtureEmissions gmm, HmmModel model, SequenceBatch features, double[] ll, ViterbiResult paths)
    {
        var cpu = new HmmEngine();
        var emissions = new EmissionBatch(features.BatchSize, features.MaxLength, model.StateCount);
        cpu.ComputeEmissions(gmm, features, emissions);
        var cpuLl = new double[features.BatchSize];
        cpu.Forward(model, emissions, cpuLl);
        var cpuPaths = new ViterbiResult(features.BatchSize, features.MaxLength);
        cpu.Viterbi(model, emissions, cpuPaths);
        double worstLl = 0, worstScore = 0, worstRatio = 0;
        long same = 0, total = 0;
        var bounds = half.LastRun.HalfPrecisionErrorBounds.Span;
        for (int b = 0; b < features.BatchSize; b++)
        {
            double e = Math.Abs(ll[b] - cpuLl[b]), s = Math.Abs(paths.Scores[b] - cpuPaths.Scores[b]);
            worstLl = Math.Max(worstLl, e);
            worstScore = Math.Max(worstScore, s);
            worstRatio = Math.Max(worstRatio, Math.Max(e, s) / bounds[b]);
            var p = paths.Path(b);
            var q = cpuPaths.Path(b);
            for (int t = 0; t < p.Length; t++, total++) if (p[t] == q[t]) same++;
        }
        return $"max |ll - cpu| {worstLl:F3}, max |score - cpu| {worstScore:F3} nats (largest error/bound {worstRatio:F4}; bound per sequence {bounds.ToArray().Average():F1} nats), path frames equal {100.0 * same / Math.Max(1, total):F2}%";
    }

    private static void CheckDecodeAgainstCpu(GaussianMixtureEmissions gmm, HmmModel model, SequenceBatch features, double[] ll, ViterbiResult paths)
    {
        var cpu = new HmmEngine();
        var emissions = new EmissionBatch(features.BatchSize, features.MaxLength, model.StateCount);
        cpu.ComputeEmissions(gmm, features, emissions);
        var cpuLl = new double[features.BatchSize];
        cpu.Forward(model, emissions, cpuLl);
        var cpuPaths = new ViterbiResult(features.BatchSize, features.MaxLength);
        cpu.Viterbi(model, emissions, cpuPaths);
        double worstLl = 0, worstScore = 0;
        long same = 0, total = 0;
        for (int b = 0; b < features.BatchSize; b++)
        {
            worstLl = Math.Max(worstLl, Math.Abs(ll[b] - cpuLl[b]) / Math.Max(1, Math.Abs(cpuLl[b])));
            worstScore = Math.Max(worstScore, Math.Abs(paths.Scores[b] - cpuPaths.Scores[b]) / Math.Max(1, Math.Abs(cpuPaths.Scores[b])));
            var p = paths.Path(b);
            var q = cpuPaths.Path(b);
            for (int t = 0; t < p.Length; t++, total++) if (p[t] == q[t]) same++;
        }
        Console.WriteLine($"check decode B={features.BatchSize}: max rel |loglik - cpu| {worstLl:E2}, max rel |score - cpu| {worstScore:E2}, path frames equal to cpu {100.0 * same / Math.Max(1, total):F3}%");
    }

    private static double CheckPosteriorsAgainstCpu(HmmModel model, EmissionBatch emissions, PosteriorResult result)
    {
        var want = PosteriorResult.For(model, emissions);
        new HmmEngine().Posteriors(model, emissions, want);
        double worst = 0;
        for (int b = 0; b < emissions.BatchSize; b++)
            for (int t = 0; t < emissions.Lengths[b]; t++)
                for (int j = 0; j < model.StateCount; j++)
                    worst = Math.Max(worst, Math.Abs(want.StatePosteriors[b, t, j] - result.StatePosteriors[b, t, j]));
        return worst;
    }

    private static double CheckForwardAgainstCpu(HmmModel model, EmissionBatch emissions, double[] ll)
    {
        var want = new double[emissions.BatchSize];
        new HmmEngine().Forward(model, emissions, want);
        double worst = 0;
        for (int b = 0; b < want.Length; b++) worst = Math.Max(worst, Math.Abs(want[b] - ll[b]) / Math.Max(1, Math.Abs(want[b])));
        return worst;
    }

    private static float[] Distribution(int n, Random rng)
    {
        var p = new double[n];
        for (int i = 0; i < n; i++) p[i] = 0.05 + rng.NextDouble();
        double s = p.Sum();
        return p.Select(v => (float)(v / s)).ToArray();
    }

    private static HmmModel RandomDense(int n, Random rng)
    {
        var logs = new float[n, n];
        for (int i = 0; i < n; i++)
        {
            var p = Distribution(n, rng);
            for (int j = 0; j < n; j++) logs[i, j] = MathF.Log(p[j]);
        }
        return HmmModel.UniformStart(DenseTransitions.FromLogProbabilities(logs));
    }

    private static GaussianMixtureEmissions RandomGmm(int n, int k, int d, Random rng)
    {
        var w = new float[n, k];
        var mu = new float[n, k, d];
        var v = new float[n, k, d];
        for (int j = 0; j < n; j++)
        {
            var p = Distribution(k, rng);
            for (int c = 0; c < k; c++)
            {
                w[j, c] = p[c];
                for (int e = 0; e < d; e++)
                {
                    mu[j, c, e] = (float)(rng.NextDouble() * 2 - 1);
                    v[j, c, e] = (float)(0.5 + rng.NextDouble());
                }
            }
        }
        return new GaussianMixtureEmissions(w, mu, v);
    }

    private static SequenceBatch RandomFeatures(int batch, int length, int d, Random rng)
    {
        var features = new SequenceBatch(batch, length, d);
        var data = features.Data;
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 4 - 2);
        return features;
    }

    private static EmissionBatch RandomEmissions(int batch, int length, int n, Random rng)
    {
        var e = new EmissionBatch(batch, length, n);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < length; t++)
            {
                var row = e.Frame(b, t);
                double offset = -rng.NextDouble() * 100;
                for (int j = 0; j < n; j++) row[j] = (float)(offset - rng.NextDouble() * 20);
            }
        return e;
    }
}

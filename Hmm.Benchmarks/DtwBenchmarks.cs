using System;
using BenchmarkDotNet.Attributes;
using Hmm.Engine;

namespace Hmm.Benchmarks;

/// <summary>
/// CPU dynamic time warping of one 1000 × 1000-frame pair, D = 39 (MFCC + deltas), symmetric2, squared Euclidean:
/// full matrix with and without the path, and a Sakoe-Chiba band of radius 100 with the path. One thread, the widest
/// SIMD lane; the result is reused, so a call allocates nothing once warm.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(2), IterationCount(8)]
public class DtwBenchmarks
{
    private const int Frames = 1000, Dimension = 39;
    private readonly DtwEngine _engine = new();
    private readonly DtwResult _result = new();
    private float[] _x = null!, _y = null!;
    private static readonly DtwOptions Path = new();
    private static readonly DtwOptions CostOnly = new() { ComputePath = false };
    private static readonly DtwOptions Band = new() { WindowRadius = 100 };

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(18);
        _x = new float[Frames * Dimension];
        _y = new float[Frames * Dimension];
        for (int q = 0; q < _x.Length; q++) _x[q] = (float)(rng.NextDouble() * 2 - 1);
        for (int q = 0; q < _y.Length; q++) _y[q] = (float)(rng.NextDouble() * 2 - 1);
    }

    [Benchmark(Baseline = true)]
    public double FullCostOnly()
    {
        _engine.Align(_x, _y, Dimension, CostOnly, _result);
        return _result.Cost;
    }

    [Benchmark]
    public double FullWithPath()
    {
        _engine.Align(_x, _y, Dimension, Path, _result);
        return _result.Cost;
    }

    [Benchmark]
    public double Band100WithPath()
    {
        _engine.Align(_x, _y, Dimension, Band, _result);
        return _result.Cost;
    }
}

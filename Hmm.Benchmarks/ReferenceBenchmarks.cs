using System;
using BenchmarkDotNet.Attributes;
using Hmm.Testing;

namespace Hmm.Benchmarks;

/// <summary>The plain float64 reference on the same shapes (one sequence of each), for the speed-up column.</summary>
[MemoryDiagnoser]
[WarmupCount(1), IterationCount(5)]
public class ReferenceBaseline
{
    private const int T = 1000;
    private GaussianMixtureEmissions _gmm = null!;
    private HmmModel _model10 = null!, _model64 = null!;
    private SequenceBatch _features = null!;
    private double[,] _e10 = null!, _e64 = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _gmm = Shapes.Gmm(10, 4, 80, rng);
        _model10 = Shapes.Ergodic(10);
        _model64 = Shapes.Ergodic(64);
        _features = Shapes.Features(1, T, 80, rng);
        _e10 = ReferenceHmm.FromBatch(Shapes.Emissions(1, T, 10, new Random(2)))[0];
        _e64 = ReferenceHmm.FromBatch(Shapes.Emissions(1, T, 64, new Random(3)))[0];
    }

    [Benchmark(OperationsPerInvoke = T)]
    public double GmmEmissionsAndViterbi() => ReferenceHmm.Viterbi(_model10, ReferenceHmm.EmissionLogLikelihoods(_gmm, _features)[0], out _);

    [Benchmark(OperationsPerInvoke = T)]
    public double Posteriors() => ReferenceHmm.Posteriors(_model10, _e10, out _, out _);

    [Benchmark(OperationsPerInvoke = T)]
    public double DenseForward64() => ReferenceHmm.Forward(_model64, _e64, out _);
}

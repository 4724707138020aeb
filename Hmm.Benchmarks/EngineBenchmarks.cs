using System;
using BenchmarkDotNet.Attributes;
using Hmm.Simd;

namespace Hmm.Benchmarks;

// Every benchmark reports time per FRAME (OperationsPerInvoke = B·T), so frames/s = 1 / Mean.

/// <summary>Seed P1: GMM-HMM N=10 K=4 D=80, B=32 T=1000, emission log-likelihoods + Viterbi.</summary>
[MemoryDiagnoser]
[WarmupCount(3), IterationCount(8)]
public class GmmDecode
{
    private const int N = 10, K = 4, D = 80, B = 32, T = 1000;
    private HmmEngine _engine = null!;
    private GaussianMixtureEmissions _gmm = null!;
    private HmmModel _model = null!;
    private SequenceBatch _features = null!;
    private EmissionBatch _emissions = null!;
    private ViterbiResult _result = null!;
    private readonly double[] _logLikelihoods = new double[B];

    [ParamsSource(nameof(WidthValues))]
    public SimdWidth Width { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    public static SimdWidth[] WidthValues => Shapes.Widths;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _engine = new HmmEngine(Width, Threads);
        _gmm = Shapes.Gmm(N, K, D, rng);
        _model = Shapes.Ergodic(N);
        _features = Shapes.Features(B, T, D, rng);
        _emissions = new EmissionBatch(B, T, N);
        _result = new ViterbiResult(B, T);
        // ViterbiOnly decodes real emissions: an all -inf batch would end every sequence at its first frame.
        _engine.ComputeEmissions(_gmm, _features, _emissions);
    }

    [Benchmark(OperationsPerInvoke = B * T)]
    public void EmissionsAndViterbi()
    {
        _engine.ComputeEmissions(_gmm, _features, _emissions);
        _engine.Viterbi(_model, _emissions, _result);
    }

    /// <summary>Emissions, log-likelihoods and Viterbi in one call (the first row): no emission batch, forward and Viterbi fused.</summary>
    [Benchmark(OperationsPerInvoke = B * T)]
    public void Decode() => _engine.Decode(_gmm, _model, _features, _logLikelihoods, _result);

    [Benchmark(OperationsPerInvoke = B * T)]
    public void EmissionsOnly() => _engine.ComputeEmissions(_gmm, _features, _emissions);

    [Benchmark(OperationsPerInvoke = B * T)]
    public void ViterbiOnly() => _engine.Viterbi(_model, _emissions, _result);
}

/// <summary>Seed P3: forward-backward posteriors (and expected counts) N=10, B=32 T=1000.</summary>
[MemoryDiagnoser]
[WarmupCount(3), IterationCount(8)]
public class ForwardBackward
{
    private const int N = 10, B = 32, T = 1000;
    private HmmEngine _engine = null!;
    private HmmModel _model = null!;
    private EmissionBatch _emissions = null!;
    private PosteriorResult _result = null!;

    [ParamsSource(nameof(WidthValues))]
    public SimdWidth Width { get; set; }

    public static SimdWidth[] WidthValues => Shapes.Widths;

    [GlobalSetup]
    public void Setup()
    {
        _engine = new HmmEngine(Width);
        _model = Shapes.Ergodic(N);
        _emissions = Shapes.Emissions(B, T, N, new Random(2));
        _result = PosteriorResult.For(_model, _emissions);
    }

    [Benchmark(OperationsPerInvoke = B * T)]
    public void Posteriors() => _engine.Posteriors(_model, _emissions, _result);
}

/// <summary>Seed P4: dense forward N=64, B=256 T=1000.</summary>
[MemoryDiagnoser]
[WarmupCount(1), IterationCount(3)]
public class DenseForward
{
    private const int N = 64, B = 256, T = 1000;
    private HmmEngine _engine = null!;
    private HmmModel _model = null!;
    private EmissionBatch _emissions = null!;
    private double[] _ll = null!;

    [Params(SimdWidth.Vector512, SimdWidth.Vector256)]
    public SimdWidth Width { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _engine = new HmmEngine(Width, Threads);
        _model = Shapes.Ergodic(N);
        _emissions = Shapes.Emissions(B, T, N, new Random(3));
        _ll = new double[B];
    }

    [Benchmark(OperationsPerInvoke = B * T)]
    public void Forward() => _engine.Forward(_model, _emissions, _ll);
}

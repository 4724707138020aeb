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

/// <summary>
/// Tied-mixture (PTM) emissions of a Sphinx-shaped random model (42 codebooks, 3 streams of 13, 128 Gaussians, top 4,
/// 5,126 states; the Debian en-us model's shapes): all states, the 123 states a phone loop reads, and one frame at a time
/// through the online decoder as the lip-sync processor runs it. Time per frame.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(3), IterationCount(8)]
public class TiedMixture
{
    private const int T = 1000;
    private HmmEngine _engine = null!;
    private TiedMixtureEmissions _all = null!;
    private EmissionModel _phones = null!;
    private SequenceBatch _features = null!;
    private EmissionBatch _allOut = null!, _phoneOut = null!;
    private Online.OnlineDecoder _decoder = null!;
    private float[] _frames = null!;

    [ParamsSource(nameof(WidthValues))]
    public SimdWidth Width { get; set; }

    public static SimdWidth[] WidthValues => Shapes.Widths;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _all = Shapes.SphinxShapedTiedMixture(rng);
        var phoneStates = new int[123];
        for (int i = 0; i < phoneStates.Length; i++) phoneStates[i] = i; // the CI senones come first in a Sphinx mdef
        _phones = _all.Subset(phoneStates)!;
        _engine = new HmmEngine(Width, 1);
        _features = Shapes.Features(1, T, 39, rng);
        _allOut = new EmissionBatch(1, T, _all.StateCount);
        _phoneOut = new EmissionBatch(1, T, _phones.StateCount);
        _decoder = new Online.OnlineDecoder(PhoneLoopShape(41, 3), _phones, lag: 10, Width);
        _frames = _features.Sequence(0).ToArray();
    }

    [Benchmark(OperationsPerInvoke = T)]
    public void AllStates() => _engine.ComputeEmissions(_all, _features, _allOut);

    [Benchmark(OperationsPerInvoke = T)]
    public void PhoneLoopStates() => _engine.ComputeEmissions(_phones, _features, _phoneOut);

    /// <summary>
    /// The live path as the lip-sync processor runs it: the emissions of the frames a push completes (two 10 ms frames for
    /// a 20 ms audio block) in one pass, then a phone-loop decoder step per frame.
    /// </summary>
    [Benchmark(OperationsPerInvoke = T)]
    public void OnlineFrames()
    {
        for (int t = 0; t < T; t += 2)
        {
            _decoder.PrepareFrames(_frames.AsSpan(t * 39, 2 * 39));
            _decoder.PushPrepared();
            _decoder.PushPrepared();
        }
    }

    /// <summary>A free phone loop's shape: <paramref name="units"/> left-to-right units of <paramref name="states"/> states, any unit after any.</summary>
    private static HmmModel PhoneLoopShape(int units, int states)
    {
        var selfLoops = new float[units * states];
        selfLoops.AsSpan().Fill(0.6f);
        var table = new float[units, units];
        for (int a = 0; a < units; a++)
            for (int b = 0; b < units; b++) table[a, b] = -MathF.Log(units);
        var initial = new float[units * states];
        initial.AsSpan().Fill(float.NegativeInfinity);
        for (int u = 0; u < units; u++) initial[u * states] = -MathF.Log(units);
        return new HmmModel(initial, new UnitLoopTransitions(units, states, selfLoops, table));
    }
}

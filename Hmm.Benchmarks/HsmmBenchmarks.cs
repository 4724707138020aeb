using BenchmarkDotNet.Attributes;
using Hmm.Engine;
using Hmm.Simd;
using Hmm.Testing;

namespace Hmm.Benchmarks;

/// <summary>
/// The explicit-duration HMM on the SIMD CPU engine, one thread, at issue 19's anchor shape: N = 10 states, D = 50 frames,
/// B = 32 sequences of T = 1000 frames (goal: forward-backward at ≥ 2e5 frames/s on one core, i.e. ≤ 160 ms a batch).
/// </summary>
[MemoryDiagnoser]
[WarmupCount(2), IterationCount(8)]
public class HsmmBenchmarks
{
    private const int Batch = 32, Frames = 1000, States = 10, MaxDuration = 50;
    private HsmmEngine _engine = null!, _checkpointed = null!;
    private HsmmModel _model = null!;
    private EmissionBatch _emissions = null!;
    private HsmmPosteriors _posteriors = null!;
    private HsmmViterbiResult _viterbi = null!;
    private readonly double[] _ll = new double[Batch];

    [GlobalSetup]
    public void Setup()
    {
        _engine = new HsmmEngine(SimdWidth.Auto, 1);
        _checkpointed = new HsmmEngine(SimdWidth.Auto, 1) { CheckpointInterval = HsmmEngine.SqrtCheckpointInterval(Frames, MaxDuration) };
        (_model, _emissions) = HsmmInputs.Random(Batch, Frames, States, MaxDuration, seed: 1);
        _posteriors = new HsmmPosteriors(Batch, Frames, States, MaxDuration);
        _viterbi = new HsmmViterbiResult(Batch, Frames);
    }

    [Benchmark(Description = "forward, N=10 D=50 B=32 T=1000")]
    public double Forward()
    {
        _engine.Forward(_model, _emissions, _ll);
        return _ll[0];
    }

    [Benchmark(Description = "forward-backward (posteriors, duration counts), N=10 D=50 B=32 T=1000")]
    public double Posteriors()
    {
        _engine.Posteriors(_model, _emissions, _posteriors);
        return _posteriors.LogLikelihoods[0];
    }

    [Benchmark(Description = "forward-backward, checkpointed every sqrt(T·D) frames, N=10 D=50 B=32 T=1000")]
    public double PosteriorsCheckpointed()
    {
        _checkpointed.Posteriors(_model, _emissions, _posteriors);
        return _posteriors.LogLikelihoods[0];
    }

    [Benchmark(Description = "Viterbi segmentation, N=10 D=50 B=32 T=1000")]
    public double Viterbi()
    {
        _engine.Viterbi(_model, _emissions, _viterbi);
        return _viterbi.Scores[0];
    }
}

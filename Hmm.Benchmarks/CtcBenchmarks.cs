using System;
using BenchmarkDotNet.Attributes;
using Hmm.Simd;
using Hmm.Testing;

namespace Hmm.Benchmarks;

/// <summary>
/// CTC on the SIMD CPU engine, one thread, at torchaudio's anchor shape (issue 18: <c>forced_align</c> with T = 1000 frames,
/// 150 labels over 40 classes; and T = 3000): forced alignment, the log-likelihood (CTC loss) and the class posteriors
/// (the loss's gradient); and a batch of 32 such sequences aligned in one call.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(3), IterationCount(10)]
public class CtcBenchmarks
{
    private const int Classes = 40, Labels = 150;
    private CtcAligner _ctc = null!;
    private EmissionBatch _input = null!, _batch = null!;
    private CtcTargets _targets = null!, _batchTargets = null!;
    private StateLattice _posteriors = null!;
    private readonly double[] _ll = new double[32];

    /// <summary>Frames per sequence.</summary>
    [Params(1000, 3000)]
    public int Frames { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _ctc = new CtcAligner(new HmmEngine(SimdWidth.Auto, 1));
        (_input, _targets) = CtcInputs.Random(1, Frames, Labels, Classes, seed: 1);
        (_batch, _batchTargets) = CtcInputs.Random(32, Frames, Labels, Classes, seed: 2);
        _posteriors = new StateLattice(1, Frames, Classes);
    }

    [Benchmark(Description = "forced alignment, B=1")]
    public CtcAlignment[] Align() => _ctc.Align(_input, _targets);

    [Benchmark(Description = "log-likelihood (loss), B=1")]
    public double LogLikelihood()
    {
        _ctc.LogLikelihoods(_input, _targets, _ll.AsSpan(0, 1));
        return _ll[0];
    }

    [Benchmark(Description = "class posteriors (gradient), B=1")]
    public double Posteriors()
    {
        _ctc.ClassPosteriors(_input, _targets, _posteriors, _ll.AsSpan(0, 1));
        return _ll[0];
    }

    [Benchmark(Description = "forced alignment, B=32 (per sequence: divide by 32)")]
    public CtcAlignment[] AlignBatch() => _ctc.Align(_batch, _batchTargets);
}

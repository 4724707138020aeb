using System;
using BenchmarkDotNet.Attributes;
using Hmm.Simd;

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
        (_input, _targets) = Inputs(1, Frames, Labels, Classes, seed: 1);
        (_batch, _batchTargets) = Inputs(32, Frames, Labels, Classes, seed: 2);
        _posteriors = new StateLattice(1, Frames, Classes);
    }

    /// <summary>Random log-softmax frames (normal logits, scale 3) and random labels (blank 0), seeded.</summary>
    internal static (EmissionBatch Input, CtcTargets Targets) Inputs(int batch, int frames, int labels, int classes, int seed)
    {
        var rng = new Random(seed);
        var input = new EmissionBatch(batch, frames, classes);
        var z = new double[classes];
        var targets = new int[batch][];
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < frames; t++)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int c = 0; c < classes; c++)
                {
                    z[c] = 3 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                    max = Math.Max(max, z[c]);
                }
                for (int c = 0; c < classes; c++) sum += Math.Exp(z[c] - max);
                var row = input.Frame(b, t);
                for (int c = 0; c < classes; c++) row[c] = (float)(z[c] - max - Math.Log(sum));
            }
            targets[b] = new int[labels];
            for (int k = 0; k < labels; k++) targets[b][k] = 1 + rng.Next(classes - 1);
        }
        return (input, new CtcTargets(classes, 0, targets));
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

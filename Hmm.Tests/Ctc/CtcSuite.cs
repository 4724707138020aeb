using System;
using System.Linq;
#if !HMM_MONO
using CsCheck;
#endif
using Hmm.Simd;
using Hmm.Testing;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Ctc;

/// <summary>One random CTC batch: log-softmax frames, labels with repeats, some sequences too short for their labels.</summary>
public sealed class CtcCase
{
    public CtcCase(int seed, int maxLabels, int maxBatch)
    {
        Seed = seed;
        var rng = new Random(seed);
        Classes = rng.Next(2, 9);
        Blank = rng.Next(Classes);
        int batch = rng.Next(1, maxBatch + 1);
        Labels = new int[batch][];
        Frames = new double[batch][,];
        for (int b = 0; b < batch; b++)
        {
            int count = rng.Next(0, maxLabels + 1);
            var labels = new int[count];
            for (int k = 0; k < count; k++)
            {
                // A third of the labels repeat their neighbour: CTC's per-sequence skip rule.
                if (k > 0 && rng.Next(3) == 0) labels[k] = labels[k - 1];
                else do labels[k] = rng.Next(Classes); while (labels[k] == Blank);
            }
            Labels[b] = labels;
            int repeats = Enumerable.Range(1, Math.Max(0, count - 1)).Count(k => labels[k] == labels[k - 1]);
            // Mostly feasible lengths, sometimes one frame short, sometimes empty.
            int frames = rng.Next(10) switch
            {
                0 => Math.Max(0, count + repeats - 1),
                1 => 0,
                _ => count + repeats + rng.Next(0, 3 * count + 6),
            };
            var logp = new double[frames, Classes];
            for (int t = 0; t < frames; t++)
            {
                double max = double.NegativeInfinity, sum = 0;
                var z = new double[Classes];
                for (int c = 0; c < Classes; c++) { z[c] = (float)(3 * Normal(rng)); max = Math.Max(max, z[c]); }
                for (int c = 0; c < Classes; c++) sum += Math.Exp(z[c] - max);
                // Rounded to float first, so the reference reads exactly what the engine reads.
                for (int c = 0; c < Classes; c++) logp[t, c] = (float)(z[c] - max - Math.Log(sum));
            }
            Frames[b] = logp;
        }
    }

    public int Seed { get; }
    public int Classes { get; }
    public int Blank { get; }
    public int[][] Labels { get; }
    public double[][,] Frames { get; }

    public CtcTargets Targets() => new(Classes, Blank, Labels);

    public EmissionBatch LogProbabilities()
    {
        int maxLength = Math.Max(1, Frames.Max(f => f.GetLength(0)));
        var batch = new EmissionBatch(Frames.Length, maxLength, Classes);
        for (int b = 0; b < Frames.Length; b++)
        {
            batch.SetLength(b, Frames[b].GetLength(0));
            for (int t = 0; t < Frames[b].GetLength(0); t++)
                for (int c = 0; c < Classes; c++) batch.Frame(b, t)[c] = (float)Frames[b][t, c];
        }
        return batch;
    }

    private static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    public override string ToString() => $"CTC case seed {Seed} (C={Classes}, blank {Blank}, B={Labels.Length})";
}

/// <summary>CTC on one engine against the float64 reference: log-likelihoods, class posteriors, forced alignment, bad input.</summary>
public abstract class CtcSuite
{
    protected abstract IHmmEngine CreateEngine();

    protected virtual long Iterations => 40;
    protected virtual int MaxLabels => 12;
    protected virtual int MaxBatch => 5;

#if HMM_MONO
    // CsCheck has no netstandard build: under Mono (Hmm.Tests.Mono) the cases come from a seeded Random.
    private void ForEachCase(Action<CtcCase> check)
    {
        var rng = new Random(2024);
        for (long i = 0; i < Iterations; i++) check(new CtcCase(rng.Next(), MaxLabels, MaxBatch));
    }
#else
    private void ForEachCase(Action<CtcCase> check) =>
        Gen.Int[0, int.MaxValue - 1].Sample(seed => check(new CtcCase(seed, MaxLabels, MaxBatch)), iter: Iterations, threads: 1);
#endif

    private static void Close(double expected, double actual, int frames, string what)
    {
        if (double.IsNegativeInfinity(expected))
        {
            Assert.True(double.IsNegativeInfinity(actual), $"{what}: expected -inf, got {actual}");
            return;
        }
        // Float32 frames summed per column, scales in float64: a few ulps of the magnitude per frame.
        double tolerance = 1e-4 + 2e-6 * frames * (1 + Math.Abs(expected) / Math.Max(1, frames));
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected}, got {actual} (tolerance {tolerance:G3})");
    }

    [Fact]
    public void Log_likelihoods_match_reference()
    {
        var ctc = new CtcAligner(CreateEngine());
        ForEachCase(c =>
        {
            var ll = new double[c.Labels.Length];
            ctc.LogLikelihoods(c.LogProbabilities(), c.Targets(), ll);
            for (int b = 0; b < ll.Length; b++)
                Close(ReferenceCtc.Forward(c.Frames[b], c.Labels[b], c.Blank, out _), ll[b], c.Frames[b].GetLength(0), $"{c} sequence {b}");
        });
    }

    [Fact]
    public void Class_posteriors_match_reference()
    {
        var ctc = new CtcAligner(CreateEngine());
        ForEachCase(c =>
        {
            var input = c.LogProbabilities();
            var posteriors = new StateLattice(input.BatchSize, input.MaxLength, c.Classes);
            var ll = new double[c.Labels.Length];
            ctc.ClassPosteriors(input, c.Targets(), posteriors, ll);
            for (int b = 0; b < ll.Length; b++)
            {
                double expectedLl = ReferenceCtc.ClassPosteriors(c.Frames[b], c.Labels[b], c.Blank, out var expected);
                int frames = c.Frames[b].GetLength(0);
                Close(expectedLl, ll[b], frames, $"{c} sequence {b} log-likelihood");
                for (int t = 0; t < frames; t++)
                {
                    double total = 0;
                    for (int k = 0; k < c.Classes; k++)
                    {
                        total += posteriors[b, t, k];
                        Assert.True(Math.Abs(expected[t, k] - posteriors[b, t, k]) <= 2e-3,
                            $"{c} sequence {b} frame {t} class {k}: expected {expected[t, k]}, got {posteriors[b, t, k]}");
                    }
                    // A feasible frame's posteriors sum to one; an infeasible sequence's are zeros.
                    Assert.True(Math.Abs(total - (double.IsNegativeInfinity(expectedLl) ? 0 : 1)) <= 2e-3, $"{c} sequence {b} frame {t} sums to {total}");
                }
            }
        });
    }

    [Fact]
    public void Forced_alignment_matches_reference_viterbi()
    {
        var ctc = new CtcAligner(CreateEngine());
        ForEachCase(c =>
        {
            var input = c.LogProbabilities();
            var alignments = ctc.Align(input, c.Targets());
            for (int b = 0; b < alignments.Length; b++)
            {
                var a = alignments[b];
                int frames = c.Frames[b].GetLength(0);
                double expected = ReferenceCtc.Viterbi(c.Frames[b], c.Labels[b], c.Blank, out var labels);
                Close(expected, a.Score, frames, $"{c} sequence {b} score");
                Assert.Equal(!double.IsNegativeInfinity(expected), a.Feasible);
                if (!a.Feasible || frames == 0) continue;
                Assert.Equal(labels, a.FrameLabels); // continuous random scores: no ties
                double sum = 0;
                for (int t = 0; t < frames; t++)
                {
                    Assert.Equal((float)c.Frames[b][t, a.FrameLabels[t]], a.FrameScores[t]);
                    sum += a.FrameScores[t];
                }
                Close(sum, a.Score, frames, $"{c} sequence {b} score against its frames");
                CheckSpans(a, c.Labels[b], c.Blank);
            }
        });
    }

    /// <summary>Spans in label order, inside the frames, each over frames of its token only, with the mean probability.</summary>
    private static void CheckSpans(CtcAlignment a, int[] labels, int blank)
    {
        Assert.Equal(labels.Length, a.Tokens.Length);
        int previousEnd = 0;
        for (int k = 0; k < labels.Length; k++)
        {
            var span = a.Tokens[k];
            Assert.Equal(k, span.LabelIndex);
            Assert.Equal(labels[k], span.Token);
            Assert.True(span.Start >= previousEnd && span.End > span.Start, $"span {k} [{span.Start}, {span.End}) after {previousEnd}");
            double mean = 0;
            for (int t = span.Start; t < span.End; t++)
            {
                Assert.Equal(labels[k], a.FrameLabels[t]);
                mean += Math.Exp(a.FrameScores[t]);
            }
            Assert.True(Math.Abs(mean / (span.End - span.Start) - span.Score) <= 1e-5, $"span {k} score {span.Score} against {mean / (span.End - span.Start)}");
            for (int t = previousEnd; t < span.Start; t++) Assert.Equal(blank, a.FrameLabels[t]);
            previousEnd = span.End;
        }
        for (int t = previousEnd; t < a.FrameLabels.Length; t++) Assert.Equal(blank, a.FrameLabels[t]);
    }

    [Fact]
    public void Tiny_cases_match_enumeration_of_every_labelling()
    {
        var ctc = new CtcAligner(CreateEngine());
        var rng = new Random(7);
        for (int i = 0; i < 30; i++)
        {
            var c = new CtcCase(rng.Next(), maxLabels: 3, maxBatch: 2);
            if (c.Frames.Any(f => f.GetLength(0) > 6) || c.Classes > 4) { i--; continue; }
            var ll = new double[c.Labels.Length];
            ctc.LogLikelihoods(c.LogProbabilities(), c.Targets(), ll);
            var alignments = ctc.Align(c.LogProbabilities(), c.Targets());
            for (int b = 0; b < ll.Length; b++)
            {
                double total = ReferenceCtc.Enumerate(c.Frames[b], c.Labels[b], c.Blank, out double best);
                int frames = c.Frames[b].GetLength(0);
                Close(total, ReferenceCtc.Forward(c.Frames[b], c.Labels[b], c.Blank, out _), frames, $"{c} reference forward vs enumeration");
                Close(best, ReferenceCtc.Viterbi(c.Frames[b], c.Labels[b], c.Blank, out _), frames, $"{c} reference Viterbi vs enumeration");
                Close(total, ll[b], frames, $"{c} sequence {b} against enumeration");
                Close(best, alignments[b].Score, frames, $"{c} sequence {b} best path against enumeration");
            }
        }
    }

    [Fact]
    public void Chunked_batches_give_the_same_results()
    {
        var whole = new CtcAligner(CreateEngine());
        var chunked = new CtcAligner(CreateEngine()) { MaxCellsPerChunk = 1 }; // one sequence per engine call
        ForEachCase(c =>
        {
            var input = c.LogProbabilities();
            var a = new double[c.Labels.Length];
            var b = new double[c.Labels.Length];
            whole.LogLikelihoods(input, c.Targets(), a);
            chunked.LogLikelihoods(input, c.Targets(), b);
            for (int i = 0; i < a.Length; i++) Close(a[i], b[i], c.Frames[i].GetLength(0), $"{c} sequence {i}");
            var pa = whole.Align(input, c.Targets());
            var pb = chunked.Align(input, c.Targets());
            for (int i = 0; i < pa.Length; i++) Assert.Equal(pa[i].FrameLabels, pb[i].FrameLabels);
        });
    }

    [Fact]
    public void Labels_longer_than_the_frames_allow_give_minus_infinity_and_a_flag()
    {
        var ctc = new CtcAligner(CreateEngine());
        // "a a b" needs 4 frames (a blank between the two a's); 3 frames cannot carry it, 4 can.
        var targets = new CtcTargets(3, 0, new[] { 1, 1, 2 }, new[] { 1, 1, 2 }, Array.Empty<int>(), new[] { 2 });
        Assert.Equal(4, targets.MinimumFrames(0));
        var input = Uniform(4, 4, 3, lengths: new[] { 3, 4, 0, 0 });
        var ll = new double[4];
        ctc.LogLikelihoods(input, targets, ll);
        Assert.True(double.IsNegativeInfinity(ll[0]));
        Assert.Equal(Math.Log(1.0 / 81), ll[1], 4); // one path: a _ a b
        Assert.Equal(0.0, ll[2]);                  // no frames, no labels: probability 1
        Assert.True(double.IsNegativeInfinity(ll[3]));
        var alignments = ctc.Align(input, targets);
        Assert.False(alignments[0].Feasible);
        Assert.Empty(alignments[0].FrameLabels);
        Assert.True(double.IsNegativeInfinity(alignments[0].Score));
        Assert.True(alignments[1].Feasible);
        Assert.Equal(new[] { 1, 0, 1, 2 }, alignments[1].FrameLabels);
        Assert.True(alignments[2].Feasible);
        Assert.False(alignments[3].Feasible);
    }

    [Fact]
    public void Bad_input_gets_a_clear_message()
    {
        var ctc = new CtcAligner(CreateEngine());
        var targets = new CtcTargets(3, 2, new[] { 0, 1 });
        var nan = Uniform(1, 5, 3, new[] { 5 });
        nan.Frame(0, 2)[1] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => ctc.LogLikelihoods(nan, targets, new double[1]));
        Assert.Contains("frame 2", e.Message);
        var unnormalised = Uniform(1, 5, 3, new[] { 5 });
        unnormalised.Frame(0, 1)[0] = 0f;
        e = Assert.Throws<ArgumentException>(() => ctc.Align(unnormalised, targets));
        Assert.Contains("sequence 0, frame 1", e.Message);
        Assert.Contains("log-softmax", e.Message);
        // Unnormalised scores are accepted when the caller says so.
        new CtcAligner(CreateEngine()) { NormalisationTolerance = float.PositiveInfinity }.Align(unnormalised, targets);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CtcTargets(3, 3, new[] { 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CtcTargets(3, -1, new[] { 0 }));
        Assert.Contains("is the blank", Assert.Throws<ArgumentException>(() => new CtcTargets(3, 0, new[] { 1, 0 })).Message);
        Assert.Contains("labels[0][1] is 5", Assert.Throws<ArgumentException>(() => new CtcTargets(3, 0, new[] { 1, 5 })).Message);
        Assert.Contains("4 classes", Assert.Throws<ArgumentException>(() => ctc.LogLikelihoods(Uniform(1, 5, 4, new[] { 5 }), targets, new double[1])).Message);
        Assert.Contains("2 sequences", Assert.Throws<ArgumentException>(() => ctc.LogLikelihoods(Uniform(2, 5, 3, new[] { 5, 5 }), targets, new double[2])).Message);
    }

    private static EmissionBatch Uniform(int batch, int maxLength, int classes, int[] lengths)
    {
        var e = new EmissionBatch(batch, maxLength, classes);
        for (int b = 0; b < batch; b++)
        {
            e.SetLength(b, lengths[b]);
            for (int t = 0; t < lengths[b]; t++) e.Frame(b, t).Fill(MathF.Log(1f / classes));
        }
        return e;
    }
}

/// <summary>
/// Hides every interface of an engine but <see cref="IHmmEngine"/>: CTC then expands the graph's emissions on the host
/// (<see cref="TiedStateBatch.Expand(EmissionBatch, int, EmissionBatch, int, int, int)"/>) instead of handing the class
/// log-probabilities to an <see cref="ITiedStateEngine"/>.
/// </summary>
public sealed class HostGather(IHmmEngine engine) : IHmmEngine
{
    public void ComputeEmissions(EmissionModel model, SequenceBatch features, EmissionBatch output) => engine.ComputeEmissions(model, features, output);
    public void Forward(HmmModel model, EmissionBatch emissions, Span<double> logLikelihoods, StateLattice? logAlpha = null) => engine.Forward(model, emissions, logLikelihoods, logAlpha);
    public void Backward(HmmModel model, EmissionBatch emissions, Span<double> logLikelihoods, StateLattice? logBeta = null) => engine.Backward(model, emissions, logLikelihoods, logBeta);
    public void Posteriors(HmmModel model, EmissionBatch emissions, PosteriorResult result) => engine.Posteriors(model, emissions, result);
    public void Viterbi(HmmModel model, EmissionBatch emissions, ViterbiResult result) => engine.Viterbi(model, emissions, result);
    public void Decode(GaussianMixtureEmissions emissionModel, HmmModel model, SequenceBatch features, Span<double> logLikelihoods, ViterbiResult result) =>
        engine.Decode(emissionModel, model, features, logLikelihoods, result);
}

#if !HMM_MONO
public sealed class CtcScalar : CtcSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Scalar); }
public sealed class CtcVectorT : CtcSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.VectorT); }
public sealed class CtcVector128 : CtcSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector128); }
public sealed class CtcVector256 : CtcSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector256); }
public sealed class CtcVector512 : CtcSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector512); }

/// <summary>
/// CTC on the CPU engine through the expanded lattice (<see cref="HostGather"/>): the engine's own <see cref="ITiedStateEngine"/>
/// reads the class columns directly, so this keeps the host gather and the chunked <see cref="IHmmEngine"/> path checked.
/// </summary>
public sealed class CtcExpandedCpu : CtcSuite { protected override IHmmEngine CreateEngine() => new HostGather(Widths.Engine(SimdWidth.Vector256)); }

/// <summary>A multi-threaded CPU engine (the gather spread over its threads too) gives what one thread gives.</summary>
public sealed class CtcThreadsTests
{
    [Fact]
    public void Threads_give_the_same_results_as_one()
    {
        var one = new CtcAligner(new HmmEngine(SimdWidth.Auto, 1));
        var four = new CtcAligner(new HmmEngine(SimdWidth.Auto, 4));
        for (int seed = 0; seed < 5; seed++)
        {
            var c = new CtcCase(seed, maxLabels: 20, maxBatch: 9);
            var input = c.LogProbabilities();
            var a = one.Align(input, c.Targets());
            var b = four.Align(input, c.Targets());
            for (int i = 0; i < a.Length; i++)
            {
                Assert.Equal(a[i].FrameLabels, b[i].FrameLabels);
                Assert.Equal(a[i].Score, b[i].Score);
            }
        }
    }

    [Fact]
    public void A_large_batch_checked_on_several_threads_names_the_first_bad_frame()
    {
        // 48 × 2,000 × 48 padded floats: past the size where the input check runs in parallel.
        var (input, targets) = CtcInputs.Random(48, 2000, labels: 30, classes: 40, seed: 5);
        var aligner = new CtcAligner(new HmmEngine(SimdWidth.Auto, 4));
        input.Frame(40, 1500)[3] = 0f; // an extra probability of 1: the frame sums to about 2
        input.Frame(31, 1700)[7] = 0f;
        var error = Assert.Throws<ArgumentException>(() => aligner.Align(input, targets));
        Assert.Contains("sequence 31, frame 1700 sums to", error.Message);
        input.Frame(44, 10)[0] = float.NaN; // a NaN is named before any unnormalised frame, wherever it is
        error = Assert.Throws<ArgumentException>(() => aligner.Align(input, targets));
        Assert.Contains("sequence 44, frame 10, state 0 is NaN", error.Message);
        Assert.Equal("logProbabilities", error.ParamName);
    }
}
#endif

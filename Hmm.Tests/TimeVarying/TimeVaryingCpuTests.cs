using System;
using CsCheck;
using Hmm.Simd;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.TimeVarying;

// One thin subclass per SIMD width (emulated where the processor lacks it, as the HMM suites do).
public abstract class TimeVaryingCpuSuite : TimeVaryingSuite
{
    protected abstract SimdWidth Width { get; }

    private HmmEngine? _engine;

    protected override ITimeVaryingEngine Engine => _engine ??= Widths.Engine(Width);

    /// <summary>
    /// A time-invariant model's table in every frame gives what <see cref="HmmEngine"/> gives for the model, bit for bit
    /// (with its exact two-pass dense step, the one the time-varying passes take): the same passes over the same numbers.
    /// </summary>
    [Fact]
    public void Repeated_time_invariant_tables_equal_the_time_invariant_engine()
    {
        var time = Widths.Engine(Width);
        var invariant = new HmmEngine(Width, 1, allowUnaccelerated: true) { ScaledDenseStep = false };
        TimeVaryingCase.Generator(18, 25, 3).Where(c => c.MaxLength >= 2).Sample(c =>
        {
            var model = InvariantModel(c);
            var tr = c.Banded
                ? TimeVaryingTransitions.Banded(c.Lengths.Length, c.MaxLength, c.States, c.Bandwidth)
                : TimeVaryingTransitions.Dense(c.Lengths.Length, c.MaxLength, c.States);
            tr.FillFrom(model);
            var emissions = c.Emissions();
            int batch = c.Lengths.Length;

            var expected = new double[batch];
            var actual = new double[batch];
            var alphaExpected = new StateLattice(batch, c.MaxLength, c.States);
            var alphaActual = new StateLattice(batch, c.MaxLength, c.States);
            invariant.Forward(model, emissions, expected, alphaExpected);
            time.Forward(tr, emissions, actual, alphaActual);
            Assert.Equal(expected, actual);
            SameLattice(alphaExpected, alphaActual, c.Lengths);

            var betaExpected = new StateLattice(batch, c.MaxLength, c.States);
            var betaActual = new StateLattice(batch, c.MaxLength, c.States);
            invariant.Backward(model, emissions, expected, betaExpected);
            time.Backward(tr, emissions, actual, betaActual);
            Assert.Equal(expected, actual);
            SameLattice(betaExpected, betaActual, c.Lengths);

            var v1 = new ViterbiResult(batch, c.MaxLength);
            var v2 = new ViterbiResult(batch, c.MaxLength);
            invariant.Viterbi(model, emissions, v1);
            time.Viterbi(tr, emissions, v2);
            Assert.Equal(v1.Scores.ToArray(), v2.Scores.ToArray());
            for (int b = 0; b < batch; b++) Assert.Equal(v1.Path(b).ToArray(), v2.Path(b).ToArray());

            var p1 = PosteriorResult.For(model, emissions);
            var p2 = TimeVaryingPosteriorResult.For(tr, perFrameTransitions: false);
            invariant.Posteriors(model, emissions, p1);
            time.Posteriors(tr, emissions, p2);
            Assert.Equal(p1.LogLikelihoods.ToArray(), p2.LogLikelihoods.ToArray());
            SameLattice(p1.StatePosteriors, p2.StatePosteriors, c.Lengths);
            for (int b = 0; b < batch; b++)
                for (int i = 0; i < c.States; i++)
                    for (int j = 0; j < c.States; j++)
                        Assert.Equal(p1.ExpectedTransitions(b, i, j), p2.ExpectedTransitions(b, i, j));
        }, iter: 30, threads: 1);
    }

    /// <summary>The case's frame-1 rows of sequence 0 as a time-invariant model (its own initial distribution).</summary>
    private static HmmModel InvariantModel(TimeVaryingCase c)
    {
        var source = c.Transitions();
        int n = c.States;
        TransitionModel transitions;
        if (c.Banded)
        {
            var logs = new float[n, c.Bandwidth];
            for (int i = 0; i < n; i++)
                for (int d = 0; d < c.Bandwidth; d++) logs[i, d] = i + d < n ? source[0, 1, i, i + d] : float.NegativeInfinity;
            transitions = BandedTransitions.FromLogProbabilities(logs);
        }
        else
        {
            var logs = new float[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) logs[i, j] = source[0, 1, i, j];
            transitions = DenseTransitions.FromLogProbabilities(logs);
        }
        return new HmmModel(source.LogInitial(0), transitions);
    }

    private static void SameLattice(StateLattice expected, StateLattice actual, int[] lengths)
    {
        for (int b = 0; b < lengths.Length; b++)
            for (int t = 0; t < lengths[b]; t++)
                Assert.Equal(expected.Frame(b, t).ToArray(), actual.Frame(b, t).ToArray());
    }
}

public sealed class TimeVaryingScalar : TimeVaryingCpuSuite { protected override SimdWidth Width => SimdWidth.Scalar; }
public sealed class TimeVaryingVectorT : TimeVaryingCpuSuite { protected override SimdWidth Width => SimdWidth.VectorT; }
public sealed class TimeVaryingVector128 : TimeVaryingCpuSuite { protected override SimdWidth Width => SimdWidth.Vector128; }
public sealed class TimeVaryingVector256 : TimeVaryingCpuSuite { protected override SimdWidth Width => SimdWidth.Vector256; }
public sealed class TimeVaryingVector512 : TimeVaryingCpuSuite { protected override SimdWidth Width => SimdWidth.Vector512; }

/// <summary>The batch on several threads gives what one thread gives (and the reference).</summary>
public sealed class TimeVaryingParallel : TimeVaryingSuite
{
    protected override ITimeVaryingEngine Engine { get; } = new HmmEngine(SimdWidth.Auto, 3);
    protected override long Iterations => 15;
    protected override int MaxBatch => 7;
}

using System;
using CsCheck;
using Hmm.Testing;
using Hmm.Simd;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Engine;

/// <summary>
/// The scaled dense log-semiring step (<c>Definitions.RelaxDenseScaled</c>) and its exact fallback, through an engine, on
/// <see cref="HardCase"/>s: every result against the float64 reference with the stated tolerances. The gap frames make
/// whole sequences depend on a path whose source sits 90+ nats below the column maximum, where the linear sum is 0 and
/// only the fallback gives the right (finite) answer.
/// </summary>
public abstract class ScaledStepSuite
{
    protected abstract IHmmEngine CreateEngine();

    protected virtual long Iterations => 10;

    protected virtual int MaxStates => 70;

    protected virtual int MaxLength => 40;

    private void ForEachCase(Action<HardCase> check) =>
        HardModels.Cases(MaxStates, MaxLength).Sample(check, iter: Iterations, threads: 1);

    private delegate void LatticePass(IHmmEngine engine, HmmModel model, EmissionBatch emissions, double[] logLikelihoods, StateLattice lattice);

    private delegate double ReferencePass(HmmModel model, double[,] emissions, out double[,] lattice);

    /// <summary>One pass (forward or backward) with its lattice, against the reference's, on every hard case.</summary>
    private void LatticeMatchesReference(LatticePass pass, ReferencePass referencePass, string name)
    {
        var engine = CreateEngine();
        ForEachCase(c =>
        {
            var model = c.Model();
            var emissions = c.Emissions();
            var ll = new double[emissions.BatchSize];
            var lattice = new StateLattice(emissions.BatchSize, emissions.MaxLength, c.States);
            pass(engine, model, emissions, ll, lattice);
            var reference = ReferenceHmm.FromBatch(emissions);
            for (int b = 0; b < ll.Length; b++)
            {
                double expectedLl = referencePass(model, reference[b], out var expected);
                double magnitude = RandomModels.Magnitude(reference[b]);
                Tolerance.LogValue(expectedLl, ll[b], magnitude, $"{c} loglik {b}");
                for (int t = 0; t < expected.GetLength(0); t++)
                    for (int j = 0; j < c.States; j++)
                        Tolerance.LogValue(expected[t, j], lattice[b, t, j], magnitude, $"{c} {name}[{b},{t},{j}]");
            }
        });
    }

    [Fact]
    public void Forward_matches_reference_on_hard_dense_cases() =>
        LatticeMatchesReference((engine, model, emissions, ll, alpha) => engine.Forward(model, emissions, ll, alpha), ReferenceHmm.Forward, "alpha");

    [Fact]
    public void Backward_matches_reference_on_hard_dense_cases() =>
        LatticeMatchesReference((engine, model, emissions, ll, beta) => engine.Backward(model, emissions, ll, beta), ReferenceHmm.Backward, "beta");

    [Fact]
    public void Posteriors_match_reference_on_hard_dense_cases()
    {
        var engine = CreateEngine();
        ForEachCase(c =>
        {
            var model = c.Model();
            var emissions = c.Emissions();
            var result = PosteriorResult.For(model, emissions);
            engine.Posteriors(model, emissions, result);
            var reference = ReferenceHmm.FromBatch(emissions);
            for (int b = 0; b < emissions.BatchSize; b++)
            {
                double expectedLl = ReferenceHmm.Posteriors(model, reference[b], out var gamma, out _);
                Tolerance.LogValue(expectedLl, result.LogLikelihoods[b], RandomModels.Magnitude(reference[b]), $"{c} loglik {b}");
                for (int t = 0; t < gamma.GetLength(0); t++)
                    for (int j = 0; j < c.States; j++)
                        Tolerance.ProbabilityValue(gamma[t, j], result.StatePosteriors[b, t, j], $"{c} gamma[{b},{t},{j}]");
            }
        });
    }

    [Fact]
    public void Path_through_a_source_ninety_nats_below_the_column_maximum_is_kept()
    {
        // Clean cases only: every sequence's likelihood runs through the gap frames, so a fallback that failed to take
        // over would turn a finite log-likelihood into -inf (or miss the far path's share of it).
        var engine = CreateEngine();
        HardModels.Cases(MaxStates, MaxLength).Where(c => c.States >= 2 && c.CleanGaps).Sample(c =>
        {
            var model = c.Model();
            var emissions = c.Emissions();
            var forward = new double[emissions.BatchSize];
            var backward = new double[emissions.BatchSize];
            engine.Forward(model, emissions, forward);
            engine.Backward(model, emissions, backward);
            var reference = ReferenceHmm.FromBatch(emissions);
            for (int b = 0; b < forward.Length; b++)
            {
                double expected = ReferenceHmm.Forward(model, reference[b], out _);
                Assert.False(double.IsNegativeInfinity(expected), $"{c}: the clean construction should leave a path");
                double magnitude = RandomModels.Magnitude(reference[b]);
                Tolerance.LogValue(expected, forward[b], magnitude, $"{c} forward {b}");
                Tolerance.LogValue(expected, backward[b], magnitude, $"{c} backward {b}");
            }
        }, iter: Iterations, threads: 1);
    }
}

/// <summary>
/// The two-pass dense step stays available (<c>HmmEngine.ScaledDenseStep = false</c>, the benchmarks' baseline): forward
/// and backward against the reference at every width, on the hard cases.
/// </summary>
public sealed class TwoPassDenseStep
{
    [Theory]
    [InlineData(SimdWidth.Scalar)]
    [InlineData(SimdWidth.VectorT)]
    [InlineData(SimdWidth.Vector128)]
    [InlineData(SimdWidth.Vector256)]
    [InlineData(SimdWidth.Vector512)]
    public void Matches_reference(SimdWidth width)
    {
        var engine = new HmmEngine(width, 1, allowUnaccelerated: true) { ScaledDenseStep = false };
        HardModels.Cases().Sample(c =>
        {
            var model = c.Model();
            var emissions = c.Emissions();
            var forward = new double[emissions.BatchSize];
            var backward = new double[emissions.BatchSize];
            engine.Forward(model, emissions, forward);
            engine.Backward(model, emissions, backward);
            var reference = ReferenceHmm.FromBatch(emissions);
            for (int b = 0; b < forward.Length; b++)
            {
                double expected = ReferenceHmm.Forward(model, reference[b], out _);
                double magnitude = RandomModels.Magnitude(reference[b]);
                Tolerance.LogValue(expected, forward[b], magnitude, $"{c} forward {b}");
                Tolerance.LogValue(expected, backward[b], magnitude, $"{c} backward {b}");
            }
        }, iter: 5, threads: 1);
    }
}

// The SIMD CPU engine at every lane width.
public sealed class ScaledStepScalar : ScaledStepSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Scalar); }
public sealed class ScaledStepVectorT : ScaledStepSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.VectorT); }
public sealed class ScaledStepVector128 : ScaledStepSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector128); }
public sealed class ScaledStepVector256 : ScaledStepSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector256); }
public sealed class ScaledStepVector512 : ScaledStepSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector512); }

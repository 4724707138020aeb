using System;
using Hmm.Simd;
using Hmm.Testing;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Mono;

/// <summary>
/// Forward, backward, Viterbi and posteriors run as Hmm.Tests' own suites (linked; <c>EngineSuites.cs</c> here). This
/// class holds the emission and allocation checks.
/// The netstandard2.1 engine (the widths a Unity player has: scalar, and <c>Vector&lt;float&gt;</c>, unaccelerated under
/// Mono) against the float64 <see cref="ReferenceHmm"/> on random dense and banded models, state counts and lengths
/// (<see cref="RandomModels.Case"/>): what Hmm.Tests' engine suites check on .NET, with seeded <see cref="Random"/>
/// cases in place of CsCheck (which has no netstandard build). A failure names the case, which replays from its seed.
/// </summary>
public class EngineTests
{
    public static TheoryData<SimdWidth> Widths() => new() { SimdWidth.Auto, SimdWidth.Scalar, SimdWidth.VectorT };

    private const int Cases = 12;

    private static void ForEachCase(SimdWidth width, int maxStates, Action<HmmCase> check)
    {
        var rng = new Random(1000 + (int)width * 7 + maxStates);
        for (int i = 0; i < Cases; i++) check(RandomModels.Case(rng, maxStates));
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Gaussian_mixture_emissions_and_decode_match_the_reference(SimdWidth width)
    {
        var engine = new HmmEngine(width);
        var rng = new Random(77 + (int)width);
        for (int i = 0; i < 20; i++)
        {
            int n = rng.Next(1, 21), k = rng.Next(1, 6), d = rng.Next(1, 41);
            var lengths = new int[rng.Next(1, 4)];
            for (int b = 0; b < lengths.Length; b++) lengths[b] = rng.Next(0, 31);
            var gmm = RandomModels.Gmm(n, k, d, rng);
            var model = RandomModels.Model(n, rng.Next(2) == 0, Math.Min(n, rng.Next(1, 4)), rng);
            var features = RandomModels.Features(d, lengths, rng);
            string what = $"N={n} K={k} D={d} lengths=[{string.Join(",", lengths)}]";
            var output = new EmissionBatch(features.BatchSize, features.MaxLength, n);
            engine.ComputeEmissions(gmm, features, output);
            var reference = ReferenceHmm.EmissionLogLikelihoods(gmm, features);
            for (int b = 0; b < features.BatchSize; b++)
                for (int t = 0; t < lengths[b]; t++)
                    for (int j = 0; j < n; j++)
                    {
                        double expected = reference[b][t, j];
                        // Each log-density sums 2D float products of size |y|²/σ²: the tolerance scales with D, as in Hmm.Tests.
                        Tolerance.LogValue(expected, output[b, t, j], 20 * d + Math.Abs(expected), $"{what} [{b},{t},{j}]");
                    }

            // Decode (emissions, forward and Viterbi in one call) against the reference on the reference's own emissions.
            var ll = new double[features.BatchSize];
            var best = new ViterbiResult(features.BatchSize, features.MaxLength);
            engine.Decode(gmm, model, features, ll, best);
            for (int b = 0; b < features.BatchSize; b++)
            {
                double magnitude = RandomModels.Magnitude(reference[b]) + 20 * d * lengths[b];
                Tolerance.LogValue(ReferenceHmm.Forward(model, reference[b], out _), ll[b], magnitude, $"{what} decode loglik {b}");
                Tolerance.LogValue(ReferenceHmm.Viterbi(model, reference[b], out _), best.Scores[b], magnitude, $"{what} decode score {b}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Every_algorithm_allocates_nothing_once_warm(SimdWidth width)
    {
        var engine = new HmmEngine(width);
        var rng = new Random(5);
        var gmm = RandomModels.Gmm(5, 2, 6, rng);
        var model = RandomModels.Model(5, banded: false, 1, rng);
        var banded = RandomModels.Model(5, banded: true, 2, rng);
        var features = RandomModels.Features(6, new[] { 20, 7, 0 }, rng);
        var emissions = new EmissionBatch(3, 20, 5);
        var ll = new double[3];
        var alpha = new StateLattice(3, 20, 5);
        var viterbi = new ViterbiResult(3, 20);
        var posteriors = PosteriorResult.For(model, emissions);
        var bandedPosteriors = PosteriorResult.For(banded, emissions);
        Assert.Equal(0, SteadyAllocation.Bytes(() =>
        {
            engine.ComputeEmissions(gmm, features, emissions);
            engine.Forward(model, emissions, ll, alpha);
            engine.Backward(banded, emissions, ll, alpha);
            engine.Viterbi(model, emissions, viterbi);
            engine.Posteriors(model, emissions, posteriors);
            engine.Posteriors(banded, emissions, bandedPosteriors);
            engine.Decode(gmm, banded, features, ll, viterbi);
        }, warmUp: 20, calls: 200));
    }
}

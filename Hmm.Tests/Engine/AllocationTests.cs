using System;
using Hmm.Simd;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Engine;

/// <summary>Hot calls allocate nothing once the engine's scratch has grown to the shape (single-threaded engine).</summary>
public class AllocationTests
{
    [Theory]
    [InlineData(SimdWidth.Scalar)]
    [InlineData(SimdWidth.VectorT)]
    [InlineData(SimdWidth.Vector128)]
    [InlineData(SimdWidth.Vector256)]
    [InlineData(SimdWidth.Vector512)]
    public void Emissions_forward_backward_posteriors_viterbi_and_decode_allocate_nothing_after_warm_up(SimdWidth width)
    {
        var engine = Widths.Engine(width);
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

        void All()
        {
            engine.ComputeEmissions(gmm, features, emissions);
            engine.Forward(model, emissions, ll, alpha);
            engine.Backward(banded, emissions, ll, alpha);
            engine.Viterbi(model, emissions, viterbi);
            engine.Posteriors(model, emissions, posteriors);
            engine.Posteriors(banded, emissions, bandedPosteriors);
            engine.Decode(gmm, model, features, ll, viterbi);
            engine.Decode(gmm, banded, features, ll, viterbi);
        }

        Assert.Equal(0, SteadyAllocation.Bytes(All));
    }
}

using System;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Engine;

/// <summary>Every kind of bad input gets an exception that names the argument and the problem.</summary>
public class BadInputTests
{
    private static readonly HmmEngine Engine = new();

    private static HmmModel TwoStates() =>
        HmmModel.UniformStart(DenseTransitions.FromProbabilities(new float[,] { { 0.9f, 0.1f }, { 0.2f, 0.8f } }));

    private static T Throws<T>(Action action, string param, string fragment) where T : ArgumentException
    {
        var ex = Assert.Throws<T>(action);
        Assert.Equal(param, ex.ParamName);
        Assert.Contains(fragment, ex.Message, StringComparison.OrdinalIgnoreCase);
        return ex;
    }

    [Fact]
    public void Emission_state_count_must_match_model() =>
        Throws<ArgumentException>(() => Engine.Forward(TwoStates(), new EmissionBatch(1, 3, 3), new double[1]), "emissions", "3 states");

    [Fact]
    public void Output_span_too_small() =>
        Throws<ArgumentException>(() => Engine.Forward(TwoStates(), new EmissionBatch(2, 3, 2), new double[1]), "logLikelihoods", "room for 1");

    [Fact]
    public void Viterbi_result_too_short() =>
        Throws<ArgumentException>(() => Engine.Viterbi(TwoStates(), new EmissionBatch(1, 5, 2), new ViterbiResult(1, 4)), "result", "4 frames");

    [Fact]
    public void Features_dimension_must_match_model()
    {
        var gmm = RandomModels.Gmm(2, 1, 3, new Random(1));
        Throws<ArgumentException>(() => Engine.ComputeEmissions(gmm, new SequenceBatch(1, 4, 2), new EmissionBatch(1, 4, 2)), "features", "dimension 2");
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    public void Non_finite_features_are_rejected_with_their_position(float bad, string shown)
    {
        var gmm = RandomModels.Gmm(2, 1, 3, new Random(1));
        var features = new SequenceBatch(2, 4, 3);
        features.Frame(1, 2)[1] = bad;
        var ex = Throws<ArgumentException>(() => Engine.ComputeEmissions(gmm, features, new EmissionBatch(2, 4, 2)), "features", "sequence 1, frame 2, dimension 1");
        Assert.Contains(shown, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Non_finite_emissions_are_rejected(float bad)
    {
        var e = new EmissionBatch(1, 3, 2);
        for (int t = 0; t < 3; t++) { e.Frame(0, t)[0] = -1; e.Frame(0, t)[1] = -1; }
        e.Frame(0, 1)[1] = bad;
        Throws<ArgumentException>(() => Engine.Viterbi(TwoStates(), e, new ViterbiResult(1, 3)), "emissions", "sequence 0, frame 1, state 1");
    }

    [Fact]
    public void NaN_in_transitions_is_rejected() =>
        Throws<ArgumentException>(() => DenseTransitions.FromLogProbabilities(new float[,] { { 0f, float.NaN }, { 0f, float.NegativeInfinity } }), "logProbabilities", "NaN");

    [Fact]
    public void NaN_in_initial_is_rejected() =>
        Throws<ArgumentException>(() => new HmmModel(new[] { float.NaN, 0f }, TwoStates().Transitions), "logInitial", "NaN");

    [Fact]
    public void Rows_that_do_not_sum_to_one_are_rejected() =>
        Throws<ArgumentException>(() => DenseTransitions.FromProbabilities(new float[,] { { 0.5f, 0.4f }, { 0.5f, 0.5f } }), "logProbabilities", "row 0 sums to 0.9");

    [Fact]
    public void Rows_within_the_stated_tolerance_are_accepted() =>
        Assert.Equal(2, DenseTransitions.FromProbabilities(new float[,] { { 0.5f, 0.5004f }, { 0.5f, 0.5f } }).StateCount);

    [Fact]
    public void Initial_distribution_must_sum_to_one() =>
        Throws<ArgumentException>(() => new HmmModel(new[] { MathF.Log(0.3f), MathF.Log(0.3f) }, TwoStates().Transitions), "logInitial", "sums to 0.6");

    [Fact]
    public void Non_square_transitions_are_rejected() =>
        Throws<ArgumentException>(() => DenseTransitions.FromLogProbabilities(new float[2, 3]), "logProbabilities", "square");

    [Fact]
    public void Banded_transition_past_the_last_state_is_rejected() =>
        Throws<ArgumentException>(() => BandedTransitions.FromLogProbabilities(new float[,] { { MathF.Log(0.5f), MathF.Log(0.5f) }, { MathF.Log(0.5f), MathF.Log(0.5f) } }), "logProbabilities", "past the last state");

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    public void Non_positive_variances_are_rejected(float variance) =>
        Throws<ArgumentException>(() => new DiagonalGaussianEmissions(new float[,] { { 0f } }, new float[,] { { variance } }), "variances", "variances must be positive");

    [Fact]
    public void Zero_mixture_components_are_rejected() =>
        Throws<ArgumentException>(() => new GaussianMixtureEmissions(new float[2, 0], new float[2, 0, 3], new float[2, 0, 3]), "weights", "zero mixture components");

    [Fact]
    public void Mixture_weights_must_sum_to_one() =>
        Throws<ArgumentException>(() => new GaussianMixtureEmissions(new float[,] { { 0.5f, 0.2f } }, new float[1, 2, 1], Fill(new float[1, 2, 1], 1f)), "weights", "sums to 0.7");

    [Fact]
    public void Mismatched_mixture_shapes_are_rejected() =>
        Throws<ArgumentException>(() => new GaussianMixtureEmissions(new float[,] { { 1f } }, new float[1, 1, 2], Fill(new float[1, 1, 3], 1f)), "variances", "variances is [1, 1, 3]");

    [Fact]
    public void Empty_batch_is_rejected()
    {
        Throws<ArgumentOutOfRangeException>(() => new EmissionBatch(0, 4, 2), "batchSize", "positive");
        Throws<ArgumentOutOfRangeException>(() => new SequenceBatch(0, 4, 2), "batchSize", "positive");
        Throws<ArgumentException>(() => EmissionBatch.FromLogLikelihoods(), "sequences", "at least one");
    }

    [Fact]
    public void Length_beyond_the_buffer_is_rejected()
    {
        Throws<ArgumentOutOfRangeException>(() => new EmissionBatch(1, 4, 2).SetLength(0, 5), "length", "[0, 4]");
        Throws<ArgumentOutOfRangeException>(() => new SequenceBatch(1, 4, 2).SetLength(0, -1), "length", "[0, 4]");
    }

    [Fact]
    public void Categorical_symbol_out_of_range_is_rejected()
    {
        var model = new CategoricalEmissions(new float[,] { { 0.5f, 0.5f } });
        var features = SequenceBatch.FromSequences(new float[,] { { 0 }, { 2 } });
        Throws<ArgumentException>(() => Engine.ComputeEmissions(model, features, new EmissionBatch(1, 2, 1)), "features", "symbol 2");
    }

    [Fact]
    public void Posterior_result_for_another_layout_is_rejected()
    {
        var banded = HmmModel.StartingInFirstState(BandedTransitions.LeftToRight(2, 0.5f));
        var e = EmissionBatch.FromLogLikelihoods(new float[,] { { -1f, -1f } });
        var wrong = new PosteriorResult(1, 1, 2, transitionRows: 7);
        Throws<ArgumentException>(() => Engine.Posteriors(banded, e, wrong), "result", "PosteriorResult.For");
    }

    [Fact]
    public void Null_arguments_name_themselves()
    {
        Throws<ArgumentNullException>(() => Engine.Forward((HmmModel)null!, new EmissionBatch(1, 1, 2), new double[1]), "model", "");
        Throws<ArgumentNullException>(() => Engine.Forward(TwoStates(), null!, new double[1]), "emissions", "");
    }

    [Fact]
    public void Decode_arguments_name_themselves()
    {
        var gmm = RandomModels.Gmm(2, 1, 3, new Random(1));
        var features = new SequenceBatch(2, 4, 3);
        var ll = new double[2];
        var result = new ViterbiResult(2, 4);
        Throws<ArgumentNullException>(() => Engine.Decode(null!, TwoStates(), features, ll, result), "emissionModel", "");
        Throws<ArgumentNullException>(() => Engine.Decode(gmm, null!, features, ll, result), "model", "");
        Throws<ArgumentNullException>(() => Engine.Decode(gmm, TwoStates(), null!, ll, result), "features", "");
        Throws<ArgumentNullException>(() => Engine.Decode(gmm, TwoStates(), features, ll, null!), "result", "");
        Throws<ArgumentException>(() => Engine.Decode(RandomModels.Gmm(3, 1, 3, new Random(1)), TwoStates(), features, ll, result), "emissionModel", "3 states");
        Throws<ArgumentException>(() => Engine.Decode(gmm, TwoStates(), new SequenceBatch(2, 4, 2), ll, result), "features", "dimension 2");
        Throws<ArgumentException>(() => Engine.Decode(gmm, TwoStates(), features, new double[1], result), "logLikelihoods", "room for 1");
        Throws<ArgumentException>(() => Engine.Decode(gmm, TwoStates(), features, ll, new ViterbiResult(1, 4)), "result", "[1, 4]");
        Throws<ArgumentException>(() => Engine.Decode(gmm, TwoStates(), features, ll, new ViterbiResult(2, 3)), "result", "[2, 3]");
        features.Frame(1, 2)[1] = float.NaN;
        Throws<ArgumentException>(() => Engine.Decode(gmm, TwoStates(), features, ll, result), "features", "sequence 1, frame 2, dimension 1");
    }

    private static float[,,] Fill(float[,,] a, float v)
    {
        for (int i = 0; i < a.GetLength(0); i++) for (int j = 0; j < a.GetLength(1); j++) for (int k = 0; k < a.GetLength(2); k++) a[i, j, k] = v;
        return a;
    }
}

using System;
using Hmm.Simd;
using Xunit;

namespace Hmm.Tests.TimeVarying;

/// <summary>Bad input to the time-varying engine: each case names the argument and says what is wrong.</summary>
public sealed class TimeVaryingBadInputTests
{
    private static readonly HmmEngine Engine = new(SimdWidth.Auto);

    /// <summary>Three states, two sequences of 4 and 2 frames, uniform rows everywhere (valid).</summary>
    private static (TimeVaryingTransitions Tables, EmissionBatch Emissions) Valid(bool banded = false, bool normalised = true)
    {
        var tr = banded ? TimeVaryingTransitions.Banded(2, 4, 3, 2, normalised) : TimeVaryingTransitions.Dense(2, 4, 3, normalised);
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 4; t++)
                for (int i = 0; i < 3; i++)
                {
                    int width = banded ? Math.Min(2, 3 - i) : 3;
                    for (int j = banded ? i : 0; j < (banded ? i + width : 3); j++) tr[b, t, i, j] = -MathF.Log(width);
                }
        var e = new EmissionBatch(2, 4, 3);
        e.SetLength(1, 2);
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < e.Lengths[b]; t++) e.Frame(b, t).Fill(-1f);
        return (tr, e);
    }

    private static ArgumentException Forward(TimeVaryingTransitions tr, EmissionBatch e) =>
        Assert.ThrowsAny<ArgumentException>(() => Engine.Forward(tr, e, new double[2]));

    [Fact]
    public void Valid_input_passes()
    {
        var (tr, e) = Valid();
        var ll = new double[2];
        Engine.Forward(tr, e, ll);
        // Uniform rows: every path equally likely, P(x) = Π_t e^-1.
        Assert.Equal(-4.0, ll[0], 5);
        Assert.Equal(-2.0, ll[1], 5);
    }

    [Fact]
    public void Row_that_does_not_sum_to_one_is_rejected_with_its_place()
    {
        var (tr, e) = Valid();
        tr[0, 2, 1, 1] = -0.1f;
        var ex = Forward(tr, e);
        Assert.Equal("transitions", ex.ParamName);
        Assert.Contains("sequence 0, frame 2: row 1 sums to", ex.Message);
    }

    [Fact]
    public void Banded_row_that_does_not_sum_to_one_is_rejected()
    {
        var (tr, e) = Valid(banded: true);
        tr[1, 1, 0, 1] = -3f;
        var ex = Forward(tr, e);
        Assert.Equal("transitions", ex.ParamName);
        Assert.Contains("sequence 1, frame 1: row 0 sums to", ex.Message);
    }

    [Fact]
    public void All_impossible_row_of_a_reachable_state_is_rejected()
    {
        var (tr, e) = Valid();
        for (int j = 0; j < 3; j++) tr[0, 3, 2, j] = float.NegativeInfinity;
        var ex = Forward(tr, e);
        Assert.Equal("transitions", ex.ParamName);
        Assert.Contains("row 2 is all -infinity, but state 2 can be occupied at frame 2", ex.Message);
    }

    [Fact]
    public void All_impossible_row_of_an_unreachable_state_is_allowed()
    {
        // Start in state 0; frame 1 only moves 0 → 0 or 0 → 1, so state 2 cannot be occupied at frame 1: frame 2's row 2 is never used.
        var (tr, e) = Valid();
        tr.SetLogInitial(new[] { 0f, float.NegativeInfinity, float.NegativeInfinity });
        tr[0, 1, 0, 0] = tr[0, 1, 0, 1] = MathF.Log(0.5f);
        tr[0, 1, 0, 2] = float.NegativeInfinity;
        for (int j = 0; j < 3; j++) tr[0, 2, 2, j] = float.NegativeInfinity;
        var ll = new double[2];
        Engine.Forward(tr, e, ll);
        Assert.Equal(-4.0, ll[0], 5);
        // Frame 0's table is never read, so it is never checked either.
        tr[0, 0, 0, 0] = 5f;
        Engine.Forward(tr, e, ll);
        // The same row past a sequence's length is not checked: sequence 1 has 2 frames.
        for (int j = 0; j < 3; j++) tr[1, 3, 0, j] = float.NegativeInfinity;
        Engine.Forward(tr, e, ll);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void NaN_or_positive_infinity_is_rejected_even_unnormalised(float bad)
    {
        var (tr, e) = Valid(normalised: false);
        tr[1, 1, 2, 0] = bad;
        var ex = Forward(tr, e);
        Assert.Equal("transitions", ex.ParamName);
        Assert.Contains("sequence 1, frame 1, row 2, lane 0", ex.Message);
    }

    [Fact]
    public void Unnormalised_tables_skip_the_row_sums()
    {
        var (tr, e) = Valid(normalised: false);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) tr[0, 1, i, j] = 0f; // every weight 1: rows sum to 3
        var ll = new double[2];
        Engine.Forward(tr, e, ll);
        Assert.Equal(-4.0 + Math.Log(3), ll[0], 4);
        var strict = TimeVaryingTransitions.Dense(2, 4, 3);
        for (int b = 0; b < 2; b++) for (int t = 0; t < 4; t++) tr.Frame(b, t).CopyTo(strict.Frame(b, t));
        Assert.Contains("sums to 3", Forward(strict, e).Message);
    }

    [Fact]
    public void Initial_distribution_that_does_not_sum_to_one_is_rejected()
    {
        var (tr, e) = Valid();
        tr.LogInitial(1)[0] = 0f;
        var ex = Forward(tr, e);
        Assert.Equal("transitions", ex.ParamName);
        Assert.Contains("sequence 1's initial distribution", ex.Message);
    }

    [Fact]
    public void Padding_lane_that_is_not_impossible_is_rejected()
    {
        var (tr, e) = Valid();
        tr.Frame(0, 1)[3] = -1f;
        var ex = Forward(tr, e);
        Assert.Equal("transitions", ex.ParamName);
        Assert.Contains("padding lane 3", ex.Message);
    }

    [Fact]
    public void State_count_mismatch_is_rejected()
    {
        var (tr, _) = Valid();
        var e = new EmissionBatch(2, 4, 4);
        var ex = Forward(tr, e);
        Assert.Equal("emissions", ex.ParamName);
        Assert.Contains("4 states but the transitions have 3", ex.Message);
    }

    [Fact]
    public void Emissions_longer_than_the_tables_are_rejected()
    {
        var (tr, _) = Valid();
        var e = new EmissionBatch(2, 5, 3);
        var ex = Forward(tr, e);
        Assert.Equal("transitions", ex.ParamName);
        Assert.Contains("4 frames per sequence but emission sequence 0 has 5", ex.Message);
    }

    [Fact]
    public void Larger_batch_than_the_tables_is_rejected()
    {
        var (tr, _) = Valid();
        var e = new EmissionBatch(3, 4, 3);
        Assert.Equal("transitions", Assert.ThrowsAny<ArgumentException>(() => Engine.Forward(tr, e, new double[3])).ParamName);
    }

    [Fact]
    public void NaN_emission_is_rejected()
    {
        var (tr, e) = Valid();
        e.Frame(0, 2)[1] = float.NaN;
        Assert.Equal("emissions", Forward(tr, e).ParamName);
    }

    [Fact]
    public void Results_too_small_are_rejected()
    {
        var (tr, e) = Valid();
        Assert.Equal("logLikelihoods", Assert.ThrowsAny<ArgumentException>(() => Engine.Forward(tr, e, new double[1])).ParamName);
        Assert.Equal("result", Assert.ThrowsAny<ArgumentException>(() => Engine.Viterbi(tr, e, new ViterbiResult(2, 3))).ParamName);
        var banded = TimeVaryingPosteriorResult.For(Valid(banded: true).Tables);
        Assert.Equal("result", Assert.ThrowsAny<ArgumentException>(() => Engine.Posteriors(tr, e, banded)).ParamName);
    }

    [Fact]
    public void Constructors_and_accessors_check_their_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TimeVaryingTransitions.Banded(1, 3, 3, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => TimeVaryingTransitions.Dense(0, 3, 3));
        Assert.Throws<ArgumentException>(() => TimeVaryingTransitions.Dense(2, 3, 3, storage: new float[10]));
        var banded = TimeVaryingTransitions.Banded(1, 3, 4, 2);
        Assert.Equal("to", Assert.Throws<ArgumentOutOfRangeException>(() => banded[0, 1, 1, 3] = 0f).ParamName);
        Assert.Equal(float.NegativeInfinity, banded[0, 1, 3, 0]);
        Assert.Throws<ArgumentException>(() => banded.SetLogInitial(new float[3]));
        var summed = TimeVaryingPosteriorResult.For(banded, perFrameTransitions: false);
        Assert.Throws<InvalidOperationException>(() => summed.TransitionPosteriorFrame(0, 0));
    }
}

/// <summary>One thread, warm: every time-varying call allocates nothing (checks included), as the time-invariant calls.</summary>
public sealed class TimeVaryingAllocationTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Warm_calls_allocate_nothing(bool banded)
    {
        var c = new TimeVaryingCase(20, new[] { 12, 7, 0 }, banded, 3, 0.2, false, true, 3);
        var tr = c.Transitions();
        var emissions = c.Emissions();
        var engine = new HmmEngine(SimdWidth.Auto, 1);
        var ll = new double[3];
        var alpha = new StateLattice(3, c.MaxLength, c.States);
        var viterbi = new ViterbiResult(3, c.MaxLength);
        var posteriors = TimeVaryingPosteriorResult.For(tr);
        void All()
        {
            engine.Forward(tr, emissions, ll, alpha);
            engine.Backward(tr, emissions, ll, alpha);
            engine.Viterbi(tr, emissions, viterbi);
            engine.Posteriors(tr, emissions, posteriors);
        }
        Assert.Equal(0, Hmm.Tests.Support.SteadyAllocation.Bytes(All, warmUp: 20, calls: 200));
    }
}

using System;
using Hmm.Streaming;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Streaming;

public class VisemeSmootherTests
{
    /// <summary>Hops until a unit step (up, or down from 1) has covered 63.2 % (1 - 1/e) of its height.</summary>
    private static int HopsTo63Percent(VisemeSmoother smoother, int shape, bool up)
    {
        var target = new float[smoother.Count];
        var output = new float[smoother.Count];
        if (!up)
        {
            Array.Fill(target, 1f);
            smoother.Reset(target);
            Array.Clear(target);
        }
        else
        {
            smoother.Reset();
            target[shape] = 1f;
        }
        double threshold = 1 - Math.Exp(-1);
        for (int hop = 1; hop <= 10_000; hop++)
        {
            smoother.Process(target, output);
            double covered = up ? output[shape] : 1 - output[shape];
            if (covered >= threshold - Tolerances.SmootherStep) return hop;
        }
        throw new InvalidOperationException("the step never reached 63 %");
    }

    [Theory]
    [InlineData(20.0, 120.0, 10.0)]
    [InlineData(15.0, 80.0, 5.0)]
    [InlineData(33.0, 250.0, 16.0)]
    public void A_step_reaches_63_percent_after_one_time_constant_within_a_hop(double attackMs, double releaseMs, double hopMs)
    {
        var smoother = new VisemeSmoother(3, attackMs, releaseMs, hopMs);
        Assert.InRange(HopsTo63Percent(smoother, 1, up: true) * hopMs, attackMs, attackMs + hopMs);
        Assert.InRange(HopsTo63Percent(smoother, 1, up: false) * hopMs, releaseMs, releaseMs + hopMs);
    }

    [Fact]
    public void The_step_response_is_the_sampled_exponential()
    {
        const double attack = 20, release = 100, hop = 10;
        var smoother = new VisemeSmoother(1, attack, release, hop);
        var output = new float[1];
        for (int n = 1; n <= 20; n++)
        {
            smoother.Process(new[] { 1f }, output);
            Assert.Equal(1 - Math.Exp(-n * hop / attack), output[0], Tolerances.SmootherStep);
        }
        float top = output[0];
        for (int n = 1; n <= 20; n++)
        {
            smoother.Process(new[] { 0f }, output);
            Assert.Equal(top * Math.Exp(-n * hop / release), output[0], Tolerances.SmootherStep);
        }
    }

    [Fact]
    public void Shapes_are_smoothed_independently_rising_fast_and_falling_slowly()
    {
        var smoother = new VisemeSmoother(2, 10, 100, 10);
        var output = new float[2];
        smoother.Reset(new[] { 0f, 1f });
        smoother.Process(new[] { 1f, 0f }, output);
        Assert.Equal(1 - Math.Exp(-1), output[0], Tolerances.SmootherStep); // attack: one time constant in one hop
        Assert.Equal(Math.Exp(-0.1), output[1], Tolerances.SmootherStep);    // release: a tenth of one
        Assert.Equal(output, smoother.Current.ToArray());
    }

    [Fact]
    public void A_zero_time_constant_follows_at_once_and_reset_returns_to_rest()
    {
        var smoother = new VisemeSmoother(2, 0, 0, 10);
        var output = new float[2];
        smoother.Process(new[] { 0.7f, 0.2f }, output);
        Assert.Equal(new[] { 0.7f, 0.2f }, output);
        smoother.Reset();
        Assert.Equal(new[] { 0f, 0f }, smoother.Current.ToArray());
        Assert.Equal(1f, smoother.AttackCoefficient);
    }

    [Fact]
    public void Output_may_overwrite_the_target()
    {
        var smoother = new VisemeSmoother(2, 10, 50, 10);
        var weights = new[] { 1f, 0.5f };
        smoother.Process(weights, weights);
        Assert.Equal(smoother.Current.ToArray(), weights);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new VisemeSmoother(0, 10, 10, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VisemeSmoother(3, -1, 10, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VisemeSmoother(3, 10, double.NaN, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VisemeSmoother(3, 10, 10, 0));
        var smoother = new VisemeSmoother(3, 10, 10, 10);
        Assert.Throws<ArgumentException>(() => smoother.Process(new float[2], new float[3]));
        Assert.Throws<ArgumentException>(() => smoother.Process(new float[3], new float[4]));
    }

    [Fact]
    public void Process_allocates_nothing()
    {
        var smoother = new VisemeSmoother(15, 15, 90, 10);
        var target = new float[15];
        var output = new float[15];
        int n = 0;
        smoother.Process(target, output); // warm-up
        Assert.Equal(0, SteadyAllocation.Bytes(() =>
        {
            target[n++ % 15] = n % 3;
            smoother.Process(target, output);
        }, warmUp: 1, calls: 10_000));
    }
}

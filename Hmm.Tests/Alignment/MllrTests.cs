using System;
using System.Collections.Generic;
using System.Linq;
using Hmm.Speech;
using Xunit;

namespace Hmm.Tests.Alignment;

/// <summary>MLLR mean adaptation (<see cref="Mllr"/>, <see cref="MeanAdaptation"/>, <see cref="ForcedAlignerOptions.Mllr"/>).</summary>
public class MllrTests
{
    /// <summary>Statistics whose every component's data mean is its model mean: the transform is the identity.</summary>
    [Theory]
    [InlineData(MllrRegression.Global)]
    [InlineData(MllrRegression.Classes)]
    public void DataAtTheModelMeansGivesTheIdentity(MllrRegression mode)
    {
        var model = TestModels.Random(3, components: 1);
        int d = model.FrontEnd.FeatureDimension;
        var adaptation = new MeanAdaptation(model, model);
        for (int s = 0; s < model.StateCount; s++)
            for (int r = 0; r < 30; r++) adaptation.Add(s, 1f, model.Means(s));
        var (transforms, _) = adaptation.Transforms(mode, 0.01);
        var identity = Mllr.Identity(d);
        foreach (var w in transforms)
            for (int i = 0; i < w.Length; i++) Assert.True(Math.Abs(w[i] - identity[i]) < Tolerances.MllrIdentity, $"w[{i}] = {w[i]}, identity {identity[i]}");
        var adapted = adaptation.Adapted(10, mode, 0.01, map: false);
        for (int s = 0; s < model.StateCount; s++)
        {
            var m0 = model.Means(s);
            var m1 = adapted.Means(s);
            for (int e = 0; e < m0.Length; e++) Assert.True(Math.Abs(m0[e] - m1[e]) < Tolerances.MllrIdentity, $"state {s}: mean {m1[e]} vs {m0[e]}");
        }
    }

    /// <summary>
    /// Frames drawn from the model with every mean moved by a known <c>A mu + b</c>: the global estimate recovers A and b,
    /// and MLLR alone moves the means of states that saw no data too.
    /// </summary>
    [Fact]
    public void RecoversAKnownTransform()
    {
        var model = TestModels.Random(5, components: 1);
        int d = model.FrontEnd.FeatureDimension, n = d + 1;
        var random = new Random(11);
        var a = new double[d, d];
        var b = new double[d];
        for (int i = 0; i < d; i++)
        {
            b[i] = 0.5 * (random.NextDouble() * 2 - 1);
            for (int j = 0; j < d; j++) a[i, j] = (i == j ? 1.1 : 0) + 0.05 * (random.NextDouble() * 2 - 1);
        }
        var adaptation = new MeanAdaptation(model, model);
        var x = new float[d];
        int unseen = 7; // a state that gets no frames
        for (int s = 0; s < model.StateCount; s++)
        {
            if (s == unseen) continue;
            var mu = model.Means(s);
            var v = model.Variances(s);
            for (int r = 0; r < 400; r++)
            {
                for (int i = 0; i < d; i++)
                {
                    double m = b[i];
                    for (int j = 0; j < d; j++) m += a[i, j] * mu[j];
                    x[i] = (float)(m + Math.Sqrt(v[i]) * Gaussian(random));
                }
                adaptation.Add(s, 1f, x);
            }
        }
        var (transforms, _) = adaptation.Transforms(MllrRegression.Global, 1e-4);
        var w = transforms[0];
        double maxA = 0, maxB = 0;
        for (int i = 0; i < d; i++)
        {
            maxB = Math.Max(maxB, Math.Abs(w[i * n] - b[i]));
            for (int j = 0; j < d; j++) maxA = Math.Max(maxA, Math.Abs(w[i * n + 1 + j] - a[i, j]));
        }
        Assert.True(maxA < 0.05, $"largest error in A: {maxA}");
        Assert.True(maxB < 0.05, $"largest error in b: {maxB}");

        var adapted = adaptation.Adapted(10, MllrRegression.Global, 1e-4, map: false);
        var mu0 = model.Means(unseen);
        var mu1 = adapted.Means(unseen);
        for (int i = 0; i < d; i++)
        {
            double expected = b[i];
            for (int j = 0; j < d; j++) expected += a[i, j] * mu0[j];
            Assert.True(Math.Abs(mu1[i] - expected) < 0.1, $"unseen state, dim {i}: {mu1[i]} vs {expected}");
        }
    }

    /// <summary>MLLR then MAP: a component without data keeps its transformed mean; MAP alone leaves it at the prior.</summary>
    [Fact]
    public void MapAfterMllrUsesTheTransformedPrior()
    {
        var model = TestModels.Random(8, components: 1);
        int d = model.FrontEnd.FeatureDimension;
        var adaptation = new MeanAdaptation(model, model);
        var x = new float[d];
        for (int s = 1; s < model.StateCount; s++)
        {
            var mu = model.Means(s);
            for (int r = 0; r < 20; r++)
            {
                for (int i = 0; i < d; i++) x[i] = mu[i] + 0.3f;
                adaptation.Add(s, 1f, x);
            }
        }
        var mapOnly = adaptation.Adapted(10);
        var both = adaptation.Adapted(10, MllrRegression.Global, 0.01, map: true);
        for (int i = 0; i < d; i++)
        {
            Assert.Equal(model.Means(0)[i], mapOnly.Means(0)[i]);
            Assert.True(Math.Abs(both.Means(0)[i] - (model.Means(0)[i] + 0.3f)) < 0.02, $"dim {i}: {both.Means(0)[i]}");
        }
    }

    /// <summary>The aligner with MLLR (alone and before MAP) still aligns the shipped samples close to their labels.</summary>
    [Theory]
    [InlineData(MllrRegression.Global, true)]
    [InlineData(MllrRegression.Classes, true)]
    [InlineData(MllrRegression.Classes, false)]
    public void AlignsTheShippedSamplesWithMllr(MllrRegression mode, bool map)
    {
        var aligner = new ForcedAligner(AlignmentTestData.DefaultModel, new ForcedAlignerOptions { BatchSize = 8, Mllr = mode, MapAdaptation = map });
        var summary = AlignmentTestData.AlignShippedSamples(aligner);
        Assert.True(summary.Overall.Within20 >= 0.9, $"{summary.Overall.Within20:P1} within 20 ms");
    }

    /// <summary>Bad option values fail with a message that names them.</summary>
    [Fact]
    public void BadOptionsFailClearly()
    {
        var model = TestModels.Random(1);
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => new ForcedAligner(model, new ForcedAlignerOptions { Mllr = (MllrRegression)7 }));
        Assert.Contains("Mllr", e1.Message);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => new ForcedAligner(model, new ForcedAlignerOptions { MllrRidge = 0 }));
        Assert.Contains("MllrRidge", e2.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ForcedAligner(model, new ForcedAlignerOptions { MllrRidge = double.NaN }));
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

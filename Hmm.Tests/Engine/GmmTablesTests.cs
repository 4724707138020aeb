using System;
using Hmm.Primitives;
using Xunit;

namespace Hmm.Tests.Engine;

public class GmmTablesTests
{
    /// <summary>An adaptation round's tables (<c>WithMeans</c>: variance terms reused) must be the floats a full build gives.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    public void Tables_with_other_means_equal_a_full_build_bit_for_bit(int seed)
    {
        var model = Hmm.Tests.Alignment.TestModels.Random(seed, components: 3).Emissions;
        var random = new Random(seed);
        var means = (float[])model.MeanArray.Clone();
        for (int i = 0; i < means.Length; i++) means[i] += (float)(random.NextDouble() * 4 - 2);
        var adapted = model.WithMeans(means);
        var (weights, variances) = model.Shape;
        var full = GmmTables.Build(model.StateCount, model.ComponentCount, model.FeatureDimension, weights, means, variances);
        Assert.Equal(full.Weights, adapted.Tables.Weights);
        Assert.Equal(full.Bias, adapted.Tables.Bias);
        Assert.Equal(full.Center, adapted.Tables.Center);
        // And a second round from the first.
        var again = adapted.WithMeans(model.MeanArray);
        Assert.Equal(model.Tables.Weights, again.Tables.Weights);
        Assert.Equal(model.Tables.Bias, again.Tables.Bias);
        Assert.Equal(model.Tables.Center, again.Tables.Center);
    }
}

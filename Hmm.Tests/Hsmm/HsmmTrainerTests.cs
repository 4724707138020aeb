using System;
using System.Linq;
using Hmm.Engine;
using Hmm.Simd;
using Hmm.Tests.Gpu;
using Xunit;

namespace Hmm.Tests.Hsmm;

/// <summary>EM for the HSMM on data sampled from a known model: the likelihood never falls and the durations come back.</summary>
public sealed class HsmmTrainerTests
{
    private static readonly double[] TrueMeans = { 5, 12, 20 };
    private static readonly float[] GaussianMeans = { -3f, 0f, 3f };
    internal const int MaxDuration = 30;

    /// <summary>Sequences of whole segments from an ergodic 3-state HSMM (no self-transitions) with gamma durations and 1-D Gaussians.</summary>
    internal static SequenceBatch Sample(int batch, int segments, int seed)
    {
        var rng = new Random(seed);
        var durations = TrueMeans.Select(m => DurationDistributions.Gamma(6, m / 6, MaxDuration)).ToArray();
        var sequences = new float[batch][,];
        for (int b = 0; b < batch; b++)
        {
            var frames = new System.Collections.Generic.List<float>();
            int state = rng.Next(3);
            for (int s = 0; s < segments; s++)
            {
                double u = rng.NextDouble(), c = 0;
                int d = MaxDuration;
                for (int k = 0; k < MaxDuration; k++) if ((c += durations[state][k]) >= u) { d = k + 1; break; }
                for (int f = 0; f < d; f++)
                {
                    double g = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                    frames.Add((float)(GaussianMeans[state] + 0.8 * g));
                }
                state = (state + 1 + rng.Next(2)) % 3;
            }
            var seq = new float[frames.Count, 1];
            for (int t = 0; t < frames.Count; t++) seq[t, 0] = frames[t];
            sequences[b] = seq;
        }
        return SequenceBatch.FromSequences(sequences);
    }

    internal static (HsmmModel, DiagonalGaussianEmissions) Start()
    {
        var uniform = Enumerable.Repeat(1.0 / MaxDuration, MaxDuration).ToArray();
        var a = new float[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) a[i, j] = i == j ? float.NegativeInfinity : (float)Math.Log(0.5);
        var model = new HsmmModel(Enumerable.Repeat((float)Math.Log(1.0 / 3), 3).ToArray(), a, DurationDistributions.ToLogTable(uniform, uniform, uniform));
        var emissions = new DiagonalGaussianEmissions(new float[,] { { -2f }, { 0.5f }, { 2f } }, new float[,] { { 1f }, { 1f }, { 1f } });
        return (model, emissions);
    }

    private static void Check(HsmmTrainingResult result)
    {
        for (int i = 1; i < result.LogLikelihoods.Count; i++)
            Assert.True(result.LogLikelihoods[i] >= result.LogLikelihoods[i - 1] - 1e-6 * Math.Abs(result.LogLikelihoods[i - 1]), // float32 posteriors: rounding only
                $"iteration {i}: log-likelihood fell from {result.LogLikelihoods[i - 1]} to {result.LogLikelihoods[i]}");
        for (int j = 0; j < 3; j++)
        {
            var p = result.Model.LogDurations(j).ToArray().Select(v => Math.Exp(v)).ToArray();
            double mean = p.Select((v, k) => v * (k + 1)).Sum();
            Assert.True(Math.Abs(mean - TrueMeans[j]) < 0.15 * TrueMeans[j], $"state {j}: mean duration {mean:F2}, drawn with {TrueMeans[j]}");
            Assert.True(Math.Abs(result.Emissions!.Mean(j, 0, 0) - GaussianMeans[j]) < 0.2, $"state {j}: mean {result.Emissions.Mean(j, 0, 0)}");
        }
        Assert.True(Math.Exp(result.Model.LogTransition(0, 1)) is > 0.35 and < 0.65);
    }

    [Fact]
    public void Em_on_the_cpu_recovers_durations_and_emissions()
    {
        var (model, emissions) = Start();
        var features = Sample(24, 14, seed: 3);
        var result = new HsmmTrainer(new HsmmEngine()).Train(model, emissions, features, new HsmmTrainingOptions { Iterations = 12, DurationFamily = DurationFamily.Gamma });
        Assert.True(result.LogLikelihoods.Count >= 3);
        Check(result);
        // Nonparametric durations: the likelihood rises at least as high.
        var free = new HsmmTrainer(new HsmmEngine()).Train(model, emissions, features, new HsmmTrainingOptions { Iterations = 12 });
        Check(free);
        Assert.True(free.LogLikelihoods[^1] >= result.LogLikelihoods[^1] - 1);
    }

    [Fact]
    public void Bad_options_and_impossible_sequences_are_named()
    {
        var (model, emissions) = Start();
        var features = Sample(2, 4, seed: 5);
        var trainer = new HsmmTrainer(new HsmmEngine());
        Assert.Equal("options", Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Train(model, emissions, features, new HsmmTrainingOptions { Iterations = 0 })).ParamName);
        var wrong = new DiagonalGaussianEmissions(new float[,] { { 0f, 0f }, { 0f, 0f }, { 0f, 0f } }, new float[,] { { 1f, 1f }, { 1f, 1f }, { 1f, 1f } });
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => trainer.Train(model, wrong, features)).ParamName);
        var impossible = new EmissionBatch(1, 40, 3);
        for (int t = 0; t < 40; t++) impossible.Frame(0, t).Fill(t == 7 ? float.NegativeInfinity : -1f);
        var e = Assert.Throws<ArgumentException>(() => trainer.Train(model, impossible));
        Assert.Contains("sequence 0", e.Message);
    }
}

/// <summary>The same EM on the GPU engine's HSMM (ILGPU's CPU accelerator here) gives the CPU engine's models.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class HsmmTrainerIlgpuCpuTests
{
    [Fact]
    public void Em_on_the_gpu_engine_matches_the_cpu()
    {
        var (model, emissions) = HsmmTrainerTests.Start();
        var features = HsmmTrainerTests.Sample(4, 8, seed: 4);
        var options = new HsmmTrainingOptions { Iterations = 3, DurationFamily = DurationFamily.LogNormal };
        var cpu = new HsmmTrainer(new HsmmEngine(SimdWidth.Auto, 1)).Train(model, emissions, features, options);
        var gpu = new HsmmTrainer(GpuTestEngines.Cpu.Hsmm, GpuTestEngines.Cpu).Train(model, emissions, features, options);
        Assert.Equal(cpu.LogLikelihoods.Count, gpu.LogLikelihoods.Count);
        for (int i = 0; i < cpu.LogLikelihoods.Count; i++)
            Assert.True(Math.Abs(cpu.LogLikelihoods[i] - gpu.LogLikelihoods[i]) < 1e-3 * Math.Abs(cpu.LogLikelihoods[i]), $"iteration {i}: {cpu.LogLikelihoods[i]} vs {gpu.LogLikelihoods[i]}");
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < HsmmTrainerTests.MaxDuration; k++)
                Assert.True(Math.Abs(Math.Exp(cpu.Model.LogDurations(j)[k]) - Math.Exp(gpu.Model.LogDurations(j)[k])) < 1e-3);
    }

}

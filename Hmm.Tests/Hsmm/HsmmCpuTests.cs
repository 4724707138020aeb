using System;
using System.Linq;
using Hmm.Engine;
using Hmm.Simd;
using Xunit;

namespace Hmm.Tests.Hsmm;

// One thin subclass per SIMD width (emulated where the processor lacks it, as the HMM suites do).
public abstract class HsmmCpuSuite : HsmmSuite
{
    protected abstract SimdWidth Width { get; }
    protected override IHsmmEngine Engine => new HsmmEngine(Width, 1, allowUnaccelerated: true);
}

public sealed class HsmmScalar : HsmmCpuSuite { protected override SimdWidth Width => SimdWidth.Scalar; }
public sealed class HsmmVectorT : HsmmCpuSuite { protected override SimdWidth Width => SimdWidth.VectorT; }
public sealed class HsmmVector128 : HsmmCpuSuite { protected override SimdWidth Width => SimdWidth.Vector128; }
public sealed class HsmmVector256 : HsmmCpuSuite { protected override SimdWidth Width => SimdWidth.Vector256; }
public sealed class HsmmVector512 : HsmmCpuSuite { protected override SimdWidth Width => SimdWidth.Vector512; }

/// <summary>The batch on several threads gives what one thread gives.</summary>
public sealed class HsmmParallel : HsmmSuite
{
    protected override IHsmmEngine Engine => new HsmmEngine(SimdWidth.Auto, 3);
    protected override long Iterations => 15;
    protected override int MaxBatch => 6;
}

/// <summary>Checkpointed blocks of 7 frames (shorter and longer than D): the same results with O(T / K) memory.</summary>
public sealed class HsmmCheckpointed : HsmmSuite
{
    protected override IHsmmEngine Engine => new HsmmEngine(SimdWidth.Auto, 1) { CheckpointInterval = 7 };
    protected override long Iterations => 25;
}

public sealed class HsmmCheckpointTests
{
    [Fact]
    public void Occupancy_has_no_residue_after_a_segment_ends()
    {
        // A segment enters and leaves the occupancy with the same float, so a state's occupancy after its last segment is
        // exactly what rounding of the running sum leaves (about 1e-7 a frame), not the error of exp(alpha + beta - log P)
        // at log values near -1e3 (about 1e-4 here, and growing with them).
        // Emissions from a sampled segmentation: the segment's state near -2, the others near -20.
        const int n = 4, d = 40, length = 600;
        var (model, batch, expected) = SampledSegmentation(seed: 21, length, n, d, best: -2, others: -20, spread: 2);
        foreach (int k in new[] { 0, 97 })
        {
            var result = new HsmmPosteriors(1, length, n, d);
            new HsmmEngine { CheckpointInterval = k }.Posteriors(model, batch, result);
            double worst = 0, residue = 0;
            for (int t = 0; t < length; t++)
                for (int j = 0; j < n; j++)
                {
                    double g = result.StateOccupancy[0, t, j];
                    worst = Math.Max(worst, Math.Abs(expected.Occupancy[t, j] - g));
                    if (expected.Occupancy[t, j] < 1e-9) residue = Math.Max(residue, g);
                }
            Assert.True(residue < 2e-5, $"K = {k}: occupancy {residue} where the state cannot be (worst error {worst})");
            Assert.True(worst < Tolerances.Probability, $"K = {k}: worst occupancy error {worst}");
        }
    }

    [Fact]
    public void Frames_shifted_by_their_maxima_keep_long_loud_sequences_precise()
    {
        // Log emissions near -200 (the segment's state) and -230 to -250 (the others) over 1500 frames: log P(x) near -3e5, where
        // float32's spacing is 0.03. Shifted by each frame's maximum, the recursions carry only the gaps, and the occupancy
        // and log-likelihood stay close to float64.
        const int n = 4, d = 40, length = 1500;
        var (model, batch, expected) = SampledSegmentation(seed: 22, length, n, d, best: -200, others: -230, spread: 20);
        foreach (int k in new[] { 0, 97 })
        {
            var result = new HsmmPosteriors(1, length, n, d);
            new HsmmEngine { CheckpointInterval = k }.Posteriors(model, batch, result);
            Assert.True(Math.Abs(expected.LogLikelihood - result.LogLikelihoods[0]) < 1e-6 * Math.Abs(expected.LogLikelihood),
                $"K = {k}: log-likelihood {result.LogLikelihoods[0]}, float64 {expected.LogLikelihood}");
            double worst = 0;
            for (int t = 0; t < length; t++)
                for (int j = 0; j < n; j++) worst = Math.Max(worst, Math.Abs(expected.Occupancy[t, j] - result.StateOccupancy[0, t, j]));
            Assert.True(worst < 1e-3, $"K = {k}: worst occupancy error {worst}");
        }
        var best = new HsmmViterbiResult(1, length);
        new HsmmEngine().Viterbi(model, batch, best);
        Assert.True(Math.Abs(expected.ViterbiScore - best.Scores[0]) < 1e-6 * Math.Abs(expected.ViterbiScore));
    }

    /// <summary>
    /// An ergodic model of <paramref name="n"/> states (no self-transitions, gamma durations up to <paramref name="d"/>) and one
    /// sequence whose emissions follow a sampled segmentation: the segment's state at <paramref name="best"/>, the others at
    /// <paramref name="others"/>, each minus up to <paramref name="spread"/>; with the float64 reference's results.
    /// </summary>
    private static (HsmmModel Model, EmissionBatch Batch, Hmm.Testing.ReferenceHsmm.Result Expected) SampledSegmentation(
        int seed, int length, int n, int d, double best, double others, double spread)
    {
        var rng = new Random(seed);
        var a = new float[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) a[i, j] = i == j ? float.NegativeInfinity : (float)Math.Log(1.0 / (n - 1));
        var rows = Enumerable.Range(0, n).Select(j => DurationDistributions.Gamma(3 + j, 3, d)).ToArray();
        var model = new HsmmModel(Enumerable.Repeat((float)Math.Log(1.0 / n), n).ToArray(), a, DurationDistributions.ToLogTable(rows));
        var e = new double[length, n];
        var batch = new EmissionBatch(1, length, n);
        int state = 0, left = 10;
        for (int t = 0; t < length; t++)
        {
            if (left-- == 0) { state = (state + 1 + rng.Next(n - 1)) % n; left = 5 + rng.Next(25); }
            for (int j = 0; j < n; j++) batch.Frame(0, t)[j] = (float)(e[t, j] = (float)((j == state ? best : others) - spread * rng.NextDouble()));
        }
        var expected = Hmm.Testing.ReferenceHsmm.Run(model.LogInitial.ToArray().Select(v => (double)v).ToArray(), ToDouble(model.LogTransitions()),
            ToDouble(model.LogDurationTable()), model.LogFinal.ToArray().Select(v => (double)v).ToArray(), e);
        return (model, batch, expected);
    }

    private static double[,] ToDouble(float[,] a)
    {
        var r = new double[a.GetLength(0), a.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) r[i, j] = a[i, j];
        return r;
    }

    [Fact]
    public void Checkpointed_posteriors_are_bit_identical_to_the_full_ones()
    {
        var (model, emissions) = Hmm.Testing.HsmmInputs.Random(3, 300, 6, 25, seed: 9);
        emissions.SetLength(1, 217);
        var full = new HsmmPosteriors(3, 300, 6, 25);
        new HsmmEngine().Posteriors(model, emissions, full);
        foreach (int k in new[] { 1, 13, 25, 64, HsmmEngine.SqrtCheckpointInterval(300, 25), 299 })
        {
            var blocks = new HsmmPosteriors(3, 300, 6, 25);
            new HsmmEngine { CheckpointInterval = k }.Posteriors(model, emissions, blocks);
            Assert.Equal(full.LogLikelihoods, blocks.LogLikelihoods);
            for (int b = 0; b < 3; b++)
                for (int t = 0; t < emissions.Lengths[b]; t++)
                    Assert.True(full.StateOccupancy.Frame(b, t).SequenceEqual(blocks.StateOccupancy.Frame(b, t)), $"K = {k}: sequence {b} frame {t}");
            Assert.Equal(full.DurationCounts.Cast<double>(), blocks.DurationCounts.Cast<double>());
            Assert.Equal(full.TransitionCounts.Cast<double>(), blocks.TransitionCounts.Cast<double>());
            Assert.Equal(full.InitialCounts, blocks.InitialCounts);
            Assert.Equal(full.FinalCounts, blocks.FinalCounts);
            var ll = new double[3];
            var blockLl = new double[3];
            new HsmmEngine().Backward(model, emissions, ll);
            new HsmmEngine { CheckpointInterval = k }.Backward(model, emissions, blockLl);
            Assert.Equal(ll, blockLl);
            new HsmmEngine { CheckpointInterval = k }.Forward(model, emissions, blockLl);
            Assert.Equal(full.LogLikelihoods, blockLl);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new HsmmEngine { CheckpointInterval = -1 });
    }
}

public sealed class HsmmBadInputTests
{
    private static readonly HsmmEngine Engine = new();

    private static float[,] Durations(int n, int d)
    {
        var t = new float[n, d];
        for (int j = 0; j < n; j++)
            for (int k = 0; k < d; k++) t[j, k] = (float)Math.Log(1.0 / d);
        return t;
    }

    private static float[,] Ergodic(int n)
    {
        var a = new float[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) a[i, j] = n == 1 ? 0f : i == j ? float.NegativeInfinity : (float)Math.Log(1.0 / (n - 1));
        return a;
    }

    private static float[] Uniform(int n) => Enumerable.Repeat((float)Math.Log(1.0 / n), n).ToArray();

    private static EmissionBatch Emissions(int n, params int[] lengths)
    {
        var batch = new EmissionBatch(lengths.Length, lengths.Max(), n);
        for (int b = 0; b < lengths.Length; b++)
        {
            batch.SetLength(b, lengths[b]);
            for (int t = 0; t < lengths[b]; t++) batch.Frame(b, t).Fill(-1f);
        }
        return batch;
    }

    [Fact]
    public void Durations_that_do_not_sum_to_one_are_rejected()
    {
        var d = Durations(2, 4);
        d[1, 2] = 0f; // probability 1 on top of the rest
        var e = Assert.Throws<ArgumentException>(() => new HsmmModel(Uniform(2), Ergodic(2), d));
        Assert.Equal("logDurations", e.ParamName);
        Assert.Contains("state 1", e.Message);
        Assert.Contains("sums to", e.Message);
    }

    [Fact]
    public void Zero_max_duration_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new HsmmModel(Uniform(2), Ergodic(2), new float[2, 0]));
        Assert.Equal("logDurations", e.ParamName);
        Assert.Contains("at least 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => DurationDistributions.Poisson(3, 0));
    }

    [Fact]
    public void Max_duration_past_the_sequence_length_is_rejected_with_the_fix()
    {
        var model = new HsmmModel(Uniform(2), Ergodic(2), Durations(2, 40));
        var e = Assert.Throws<ArgumentException>(() => Engine.Forward(model, Emissions(2, 12, 20), new double[2]));
        Assert.Equal("model", e.ParamName);
        Assert.Contains("40", e.Message);
        Assert.Contains("WithMaxDuration(20)", e.Message);
        var cut = model.WithMaxDuration(20);
        Assert.Equal(20, cut.MaxDuration);
        var ll = new double[2];
        Engine.Forward(cut, Emissions(2, 12, 20), ll);
        Assert.All(ll, v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void A_length_no_segmentation_covers_is_rejected_naming_the_sequence()
    {
        // Left to right, 3 states of at most 4 frames: 3 .. 12 frames can be covered, 13 cannot.
        var model = HsmmModel.LeftToRight(Durations(3, 4));
        Assert.True(model.CanCover(12));
        Assert.False(model.CanCover(13));
        Assert.False(model.CanCover(2));
        var e = Assert.Throws<ArgumentException>(() => Engine.Forward(model, Emissions(3, 8, 13), new double[2]));
        Assert.Equal("emissions", e.ParamName);
        Assert.Contains("sequence 1", e.Message);
        Assert.Contains("13 frames", e.Message);
    }

    [Fact]
    public void Shapes_and_values_are_checked()
    {
        Assert.Equal("logTransitions", Assert.Throws<ArgumentException>(() => new HsmmModel(Uniform(2), Ergodic(3), Durations(2, 3))).ParamName);
        Assert.Equal("logDurations", Assert.Throws<ArgumentException>(() => new HsmmModel(Uniform(2), Ergodic(2), Durations(3, 3))).ParamName);
        var nan = Durations(2, 3);
        nan[0, 1] = float.NaN;
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => new HsmmModel(Uniform(2), Ergodic(2), nan)).Message);
        var bad = Ergodic(2);
        bad[0, 1] = -0.5f;
        Assert.Contains("row 0", Assert.Throws<ArgumentException>(() => new HsmmModel(Uniform(2), bad, Durations(2, 3))).Message);
        Assert.Equal("logFinal", Assert.Throws<ArgumentException>(() => new HsmmModel(Uniform(2), Ergodic(2), Durations(2, 3), new[] { float.NegativeInfinity, float.NegativeInfinity })).ParamName);
        var model = new HsmmModel(Uniform(2), Ergodic(2), Durations(2, 3));
        Assert.Equal("emissions", Assert.Throws<ArgumentException>(() => Engine.Forward(model, Emissions(3, 5), new double[1])).ParamName);
        Assert.Equal("logLikelihoods", Assert.Throws<ArgumentException>(() => Engine.Forward(model, Emissions(2, 5, 5), new double[1])).ParamName);
        var withNaN = Emissions(2, 5);
        withNaN.Frame(0, 3)[1] = float.NaN;
        Assert.Equal("emissions", Assert.Throws<ArgumentException>(() => Engine.Forward(model, withNaN, new double[1])).ParamName);
        var empty = Emissions(2, 5, 5);
        empty.SetLength(1, 0);
        Assert.Contains("sequence 1 is empty", Assert.Throws<ArgumentException>(() => Engine.Forward(model, empty, new double[2])).Message);
        Assert.Equal("result", Assert.Throws<ArgumentException>(() => Engine.Posteriors(model, Emissions(2, 5), new HsmmPosteriors(1, 5, 2, 4))).ParamName);
        Assert.Equal("result", Assert.Throws<ArgumentException>(() => Engine.Viterbi(model, Emissions(2, 5, 5), new HsmmViterbiResult(1, 5))).ParamName);
    }

    [Fact]
    public void Duration_families_are_checked_and_normalised()
    {
        foreach (var p in new[] { DurationDistributions.Poisson(6, 30), DurationDistributions.Gamma(3, 2, 30), DurationDistributions.LogNormal(Math.Log(6), 0.4, 30) })
        {
            Assert.True(Math.Abs(p.Sum() - 1) < 1e-12);
            Assert.All(p, v => Assert.True(v >= 0));
            double mean = p.Select((v, k) => v * (k + 1)).Sum();
            Assert.InRange(mean, 5, 7.5); // each is built around six frames
        }
        Assert.Throws<ArgumentException>(() => DurationDistributions.Nonparametric(new[] { 0.5, 0.4 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => DurationDistributions.Gamma(-1, 2, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => DurationDistributions.LogNormal(1, 0, 10));
        // Mass beyond D: a Poisson of mean 500 truncated at 10 frames has (numerically) nothing left.
        Assert.Contains("maxDuration", Assert.Throws<ArgumentException>(() => DurationDistributions.Poisson(5000, 10)).Message);
    }

    [Fact]
    public void Fits_recover_the_family_they_were_drawn_from()
    {
        var gamma = DurationDistributions.Gamma(4, 1.5, 40);
        var fitted = DurationDistributions.Fit(gamma.Select(p => p * 1000).ToArray(), DurationFamily.Gamma, floor: 0);
        for (int k = 0; k < 40; k++) Assert.True(Math.Abs(gamma[k] - fitted[k]) < 0.01, $"d = {k + 1}: {gamma[k]} vs {fitted[k]}");
        var poisson = DurationDistributions.Poisson(8, 40);
        var fp = DurationDistributions.Fit(poisson.Select(p => p * 50).ToArray(), DurationFamily.Poisson, floor: 0);
        for (int k = 0; k < 40; k++) Assert.True(Math.Abs(poisson[k] - fp[k]) < 1e-6);
        Assert.Throws<ArgumentException>(() => DurationDistributions.Fit(new double[5], DurationFamily.Nonparametric));
    }

    [Fact]
    public void Incomplete_gamma_and_normal_cdf_match_known_values()
    {
        // P(1, x) = 1 - e^-x; P(3, 2) = 1 - 5e^-2; Φ(1.959963985) = 0.975.
        Assert.Equal(1 - Math.Exp(-2.5), DurationDistributions.RegularizedGammaP(1, 2.5), 12);
        Assert.Equal(1 - 5 * Math.Exp(-2), DurationDistributions.RegularizedGammaP(3, 2), 12);
        Assert.Equal(0.975, DurationDistributions.NormalCdf(1.959963985), 8);
        Assert.Equal(0.025, DurationDistributions.NormalCdf(-1.959963985), 8);
        Assert.Equal(Math.Log(24), DurationDistributions.LogGamma(5), 12);
    }
}

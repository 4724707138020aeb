using System;
using System.Linq;
using Hmm.Gpu;
using Hmm.Primitives;
using Hmm.Testing;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Gpu;

/// <summary>
/// What the GPU engine promises beyond the algorithm suites: batches split by the memory budget, recovery from
/// device out-of-memory (injected through the allocation hook) by splitting and then by the CPU engine, reuse of
/// device buffers across calls, and the fused GMM decode. Subclassed per accelerator.
/// </summary>
public abstract class GpuEngineBehaviourSuite
{
    /// <summary>The shared engine of this accelerator.</summary>
    protected abstract GpuEngine Shared { get; }

    /// <summary>A fresh engine of this accelerator with <paramref name="options"/> (the accelerator choice is the subclass's).</summary>
    protected abstract GpuEngine Create(GpuEngineOptions options);

    private static (HmmModel Model, EmissionBatch Emissions) Case(int seed, int states = 7, int batch = 6, bool banded = false)
    {
        var rng = new Random(seed);
        var lengths = Enumerable.Range(0, batch).Select(i => i == 1 ? 0 : 1 + rng.Next(80)).ToArray();
        var model = RandomModels.Model(states, banded, Math.Min(3, states), new Random(seed));
        return (model, RandomModels.Emissions(states, lengths, new Random(seed + 1)));
    }

    /// <summary>Checks every output of Forward, Viterbi and Posteriors against the SIMD CPU engine.</summary>
    private static void AssertMatchesCpu(GpuEngine engine, HmmModel model, EmissionBatch emissions)
    {
        var cpu = new HmmEngine();
        int batch = emissions.BatchSize;
        var expected = new double[batch];
        var actual = new double[batch];
        cpu.Forward(model, emissions, expected);
        engine.Forward(model, emissions, actual);
        var reference = ReferenceHmm.FromBatch(emissions);
        for (int b = 0; b < batch; b++)
            Tolerance.LogValue(expected[b], actual[b], RandomModels.Magnitude(reference[b]), $"forward {b}");

        var paths = new ViterbiResult(batch, emissions.MaxLength);
        engine.Viterbi(model, emissions, paths);
        for (int b = 0; b < batch; b++)
        {
            double score = ReferenceHmm.Viterbi(model, reference[b], out _);
            Tolerance.LogValue(score, paths.Scores[b], RandomModels.Magnitude(reference[b]), $"viterbi {b}");
            Assert.Equal(emissions.Lengths[b], paths.Path(b).Length);
            if (!double.IsNegativeInfinity(score))
                Tolerance.LogValue(paths.Scores[b], ReferenceHmm.PathScore(model, reference[b], paths.Path(b).ToArray()), RandomModels.Magnitude(reference[b]), $"path {b}");
        }

        var want = PosteriorResult.For(model, emissions);
        var got = PosteriorResult.For(model, emissions);
        cpu.Posteriors(model, emissions, want);
        engine.Posteriors(model, emissions, got);
        for (int b = 0; b < batch; b++)
        {
            Tolerance.LogValue(want.LogLikelihoods[b], got.LogLikelihoods[b], RandomModels.Magnitude(reference[b]), $"posterior loglik {b}");
            for (int t = 0; t < emissions.Lengths[b]; t++)
                for (int j = 0; j < model.StateCount; j++)
                    Tolerance.ProbabilityValue(want.StatePosteriors[b, t, j], got.StatePosteriors[b, t, j], $"gamma[{b},{t},{j}]");
            for (int i = 0; i < model.StateCount; i++)
                for (int j = 0; j < model.StateCount; j++)
                    Assert.True(Math.Abs(want.ExpectedTransitions(b, i, j) - got.ExpectedTransitions(b, i, j)) <= Tolerances.ExpectedTransitions * Math.Max(1, want.ExpectedTransitions(b, i, j)),
                        $"xi[{b},{i},{j}]: {want.ExpectedTransitions(b, i, j)} vs {got.ExpectedTransitions(b, i, j)}");
        }
    }

    [Fact]
    public void Batches_split_by_the_memory_budget_give_the_same_answers()
    {
        var (model, emissions) = Case(11);
        using var engine = Create(new GpuEngineOptions { DeviceMemoryBudget = 8 * 1024 });
        AssertMatchesCpu(engine, model, emissions);
        Assert.True(engine.LastRun.ChunkCount > 1, $"expected several chunks, got {engine.LastRun.ChunkCount}");
        Assert.Equal(0, engine.LastRun.CpuFallbackSequences);
        Assert.Equal(0, engine.LastRun.OutOfMemoryRetries);
    }

    [Fact]
    public void Out_of_memory_splits_the_batch_and_retries()
    {
        var (model, emissions) = Case(12, banded: true);
        var engine = Shared;
        long perSequence = 4L * emissions.MaxLength * emissions.Stride;
        engine.TrimDeviceMemory();
        engine.FailAllocationWhen = bytes => bytes > 2 * perSequence; // at most two sequences' lattices fit
        try
        {
            var ll = new double[emissions.BatchSize];
            engine.Forward(model, emissions, ll);
            Assert.True(engine.LastRun.OutOfMemoryRetries > 0, "the injected failure never happened");
            Assert.True(engine.LastRun.ChunkCount >= 3, $"expected the batch split into chunks of at most two, got {engine.LastRun.ChunkCount}");
            Assert.Equal(0, engine.LastRun.CpuFallbackSequences);
            AssertMatchesCpu(engine, model, emissions);
        }
        finally
        {
            engine.FailAllocationWhen = null;
            engine.TrimDeviceMemory();
        }
    }

    [Fact]
    public void Sequences_that_never_fit_fall_back_to_the_cpu_engine()
    {
        var (model, emissions) = Case(13);
        var engine = Shared;
        engine.TrimDeviceMemory();
        engine.FailAllocationWhen = _ => true;
        try
        {
            var ll = new double[emissions.BatchSize];
            engine.Forward(model, emissions, ll);
            Assert.Equal(emissions.BatchSize, engine.LastRun.CpuFallbackSequences);
            Assert.Equal(0, engine.LastRun.ChunkCount);
            Assert.All(ll, v => Assert.False(double.IsNaN(v)));
            AssertMatchesCpu(engine, model, emissions);
            Assert.Equal(emissions.BatchSize, engine.LastRun.CpuFallbackSequences);
        }
        finally
        {
            engine.FailAllocationWhen = null;
            engine.TrimDeviceMemory();
        }
    }

    [Fact]
    public void Invalid_inputs_are_rejected_like_the_cpu_engine()
    {
        var engine = Shared;
        var rng = new Random(41);
        var gmm = RandomModels.Gmm(3, 2, 5, rng);
        var model = RandomModels.Model(3, false, 1, rng);
        var features = RandomModels.Features(5, new[] { 7, 3 }, rng);
        features.Frame(1, 2)[4] = float.NaN;
        var output = new EmissionBatch(2, features.MaxLength, 3);
        Assert.Throws<ArgumentException>(() => engine.ComputeEmissions(gmm, features, output));
        Assert.Throws<ArgumentException>(() => engine.Decode(gmm, model, features, new double[2], new ViterbiResult(2, features.MaxLength)));
        features.Frame(1, 2)[4] = 0f;
        features.Frame(1, 5)[0] = float.PositiveInfinity; // past sequence 1's length (3): ignored
        engine.ComputeEmissions(gmm, features, output);

        var emissions = RandomModels.Emissions(3, new[] { 9, 4 }, rng);
        emissions.Frame(0, 8)[2] = float.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => engine.Forward(model, emissions, new double[2]));
        emissions.Frame(0, 8)[2] = float.NaN;
        Assert.Throws<ArgumentException>(() => engine.Viterbi(model, emissions, new ViterbiResult(2, emissions.MaxLength)));
        emissions.Frame(0, 8)[2] = float.NegativeInfinity;
        engine.Forward(model, emissions, new double[2]);
    }

    [Fact]
    public void Tied_viterbi_without_log_likelihoods_gives_the_same_paths_and_skips_nothing_else()
    {
        var rng = new Random(31);
        var modelLl = RandomModels.Emissions(5, new[] { 12, 7, 0, 9 }, rng);
        var graph = RandomModels.Model(8, banded: true, 3, new Random(32));
        var ties = new TiedStateBatch(modelLl.BatchSize, graph.StateCount);
        for (int b = 0; b < modelLl.BatchSize; b++)
            for (int j = 0; j < graph.StateCount; j++)
            {
                ties.Tie(b, j, rng.Next(5), (float)(-rng.NextDouble()));
                if (j >= graph.StateCount - 2) ties.AllowEnd(b, j);
            }
        var engine = Shared;
        var both = new ViterbiResult(modelLl.BatchSize, modelLl.MaxLength);
        var pathsOnly = new ViterbiResult(modelLl.BatchSize, modelLl.MaxLength);
        var ll = new double[modelLl.BatchSize];
        engine.TiedViterbi(graph, modelLl, ties, both, ll);
        engine.TiedViterbi(graph, modelLl, ties, pathsOnly, Span<double>.Empty);
        for (int b = 0; b < modelLl.BatchSize; b++)
        {
            Assert.Equal(both.Scores[b], pathsOnly.Scores[b]);
            Assert.Equal(both.Path(b).ToArray(), pathsOnly.Path(b).ToArray());
            if (!double.IsNegativeInfinity(both.Scores[b])) Assert.True(ll[b] >= both.Scores[b] - 1e-4, $"sequence {b}: forward {ll[b]} below its best path {both.Scores[b]}");
        }
        var error = Assert.Throws<ArgumentException>(() => engine.TiedViterbi(graph, modelLl, ties, null, Span<double>.Empty));
        Assert.Equal("logLikelihoods", error.ParamName);
    }

    [Fact]
    public void Out_of_memory_without_cpu_fallback_throws()
    {
        var (model, emissions) = Case(14);
        using var engine = Create(new GpuEngineOptions { CpuFallback = false });
        engine.FailAllocationWhen = _ => true;
        Assert.ThrowsAny<Exception>(() => engine.Forward(model, emissions, new double[emissions.BatchSize]));
    }

    [Fact]
    public void Repeated_calls_allocate_no_new_device_buffers()
    {
        var (model, emissions) = Case(15, states: 9);
        var engine = Shared;
        var ll = new double[emissions.BatchSize];
        var alpha = new StateLattice(emissions.BatchSize, emissions.MaxLength, model.StateCount);
        var paths = new ViterbiResult(emissions.BatchSize, emissions.MaxLength);
        var posteriors = PosteriorResult.For(model, emissions);
        void All()
        {
            engine.Forward(model, emissions, ll, alpha);
            engine.Backward(model, emissions, ll);
            engine.Viterbi(model, emissions, paths);
            engine.Posteriors(model, emissions, posteriors);
        }
        All();
        int allocations = engine.DeviceAllocationCount;
        long bytes = engine.DeviceBytesInUse;
        for (int i = 0; i < 3; i++) All();
        Assert.Equal(allocations, engine.DeviceAllocationCount);
        Assert.Equal(bytes, engine.DeviceBytesInUse);

        // A smaller batch fits the buffers already there.
        var (_, smaller) = Case(15, states: 9, batch: 3);
        engine.Viterbi(model, smaller, paths);
        Assert.Equal(allocations, engine.DeviceAllocationCount);
    }

    [Fact]
    public void Decode_matches_cpu_emissions_forward_and_viterbi()
    {
        var rng = new Random(21);
        var gmm = RandomModels.Gmm(6, 3, 12, rng);
        var model = RandomModels.Model(6, false, 1, rng);
        var features = RandomModels.Features(12, new[] { 40, 0, 17, 1, 33 }, rng);
        var cpu = new HmmEngine();
        var emissions = new EmissionBatch(features.BatchSize, features.MaxLength, 6);
        cpu.ComputeEmissions(gmm, features, emissions);
        var expectedLl = new double[features.BatchSize];
        cpu.Forward(model, emissions, expectedLl);
        var expectedPaths = new ViterbiResult(features.BatchSize, features.MaxLength);
        cpu.Viterbi(model, emissions, expectedPaths);

        var engine = Shared;
        var ll = new double[features.BatchSize];
        var paths = new ViterbiResult(features.BatchSize, features.MaxLength);
        engine.Decode(gmm, model, features, ll, paths);
        Assert.Equal(0, engine.LastRun.CpuFallbackSequences);
        var reference = ReferenceHmm.FromBatch(emissions);
        for (int b = 0; b < features.BatchSize; b++)
        {
            double magnitude = 20 * 12 * features.Lengths[b] + RandomModels.Magnitude(reference[b]);
            Tolerance.LogValue(expectedLl[b], ll[b], magnitude, $"loglik {b}");
            Tolerance.LogValue(expectedPaths.Scores[b], paths.Scores[b], magnitude, $"score {b}");
            Assert.Equal(features.Lengths[b], paths.Path(b).Length);
            Tolerance.LogValue(paths.Scores[b], ReferenceHmm.PathScore(model, reference[b], paths.Path(b).ToArray()), magnitude, $"path {b}");
        }
    }

    [Theory]
    [InlineData(5, 2, 13, 41)]
    [InlineData(10, 4, 40, 42)]
    [InlineData(3, 1, 80, 43)]
    public void Half_precision_emissions_stay_within_the_proven_bound(int states, int components, int dimension, int seed)
    {
        var rng = new Random(seed);
        var gmm = RandomModels.Gmm(states, components, dimension, rng);
        var model = RandomModels.Model(states, false, 1, rng);
        var features = RandomModels.Features(dimension, new[] { 60, 0, 23, 1, 47 }, rng);
        var reference = ReferenceHmm.EmissionLogLikelihoods(gmm, features);
        using var engine = Create(new GpuEngineOptions { EmissionPrecision = EmissionPrecision.Half, HalfPrecisionMaxFrameError = double.PositiveInfinity });

        // Every emission: within the frame's bound B_t (recomputed here from the definition) plus float32 rounding.
        var emissions = new EmissionBatch(features.BatchSize, features.MaxLength, states);
        engine.ComputeEmissions(gmm, features, emissions);
        Assert.Equal(features.BatchSize, engine.LastRun.HalfPrecisionSequences);
        var (precision, offset) = HalfFeatures.BoundFactors(gmm);
        var bits = new ushort[dimension];
        double largestError = 0;
        for (int b = 0; b < features.BatchSize; b++)
        {
            double sequenceBound = 0;
            for (int t = 0; t < features.Lengths[b]; t++)
            {
                double frameBound = HalfFeatures.EncodeFrame(features.Sequence(b).Slice(t * dimension, dimension), gmm.Tables.Center, precision, offset, bits);
                sequenceBound += frameBound;
                for (int j = 0; j < states; j++)
                {
                    double expected = reference[b][t, j], error = Math.Abs(emissions[b, t, j] - expected);
                    largestError = Math.Max(largestError, error);
                    double floatRounding = Tolerance.Relative * (20 * dimension + Math.Abs(expected)) + Tolerance.Absolute;
                    Assert.True(error <= frameBound + floatRounding, $"[{b},{t},{j}]: |half - reference| {error:G4} > bound {frameBound:G4} + {floatRounding:G3}");
                }
            }
            Assert.Equal(sequenceBound, engine.LastRun.HalfPrecisionErrorBounds.Span[b], 6);
        }
        // The half path really ran: float32 features agree to ~1e-4, rounding to binary16 moves emissions far more.
        Assert.True(largestError > 1e-3, $"largest emission change {largestError:G3}: were the features rounded at all?");

        // Decode: log-likelihood and path score within Σ_t B_t of the float64 reference.
        var ll = new double[features.BatchSize];
        var paths = new ViterbiResult(features.BatchSize, features.MaxLength);
        engine.Decode(gmm, model, features, ll, paths);
        Assert.Equal(features.BatchSize, engine.LastRun.HalfPrecisionSequences);
        for (int b = 0; b < features.BatchSize; b++)
        {
            double want = ReferenceHmm.Forward(model, reference[b], out _);
            double best = ReferenceHmm.Viterbi(model, reference[b], out _);
            double magnitude = 20 * dimension * features.Lengths[b] + RandomModels.Magnitude(reference[b]);
            double allowed = engine.LastRun.HalfPrecisionErrorBounds.Span[b] + Tolerance.Relative * magnitude + Tolerance.Absolute;
            Assert.True(Math.Abs(ll[b] - want) <= allowed, $"loglik {b}: {ll[b]:R} vs {want:R}, allowed {allowed:G4}");
            Assert.True(Math.Abs(paths.Scores[b] - best) <= allowed, $"score {b}: {paths.Scores[b]:R} vs {best:R}, allowed {allowed:G4}");
        }
    }

    [Fact]
    public void Half_precision_falls_back_to_float32_where_its_bound_is_too_large()
    {
        var rng = new Random(44);
        var gmm = RandomModels.Gmm(4, 2, 6, rng);
        var features = RandomModels.Features(6, new[] { 30, 12 }, rng);
        var full = new EmissionBatch(2, features.MaxLength, 4);
        Shared.ComputeEmissions(gmm, features, full);

        // A budget no rounding meets: every chunk goes up in float32 and the answers are the float32 ones.
        using var strict = Create(new GpuEngineOptions { EmissionPrecision = EmissionPrecision.Half, HalfPrecisionMaxFrameError = 1e-12 });
        var output = new EmissionBatch(2, features.MaxLength, 4);
        strict.ComputeEmissions(gmm, features, output);
        Assert.Equal(0, strict.LastRun.HalfPrecisionSequences);
        Assert.All(strict.LastRun.HalfPrecisionErrorBounds.ToArray(), bound => Assert.Equal(0, bound));
        for (int t = 0; t < 30; t++)
            for (int j = 0; j < 4; j++)
                Assert.Equal(full[0, t, j], output[0, t, j]);

        // Values past binary16's range (65504) have no bound at all: float32, whatever the budget.
        features.Sequence(1)[5] = 1e6f;
        using var lenient = Create(new GpuEngineOptions { EmissionPrecision = EmissionPrecision.Half, HalfPrecisionMaxFrameError = double.MaxValue });
        lenient.ComputeEmissions(gmm, features, output);
        Assert.Equal(0, lenient.LastRun.HalfPrecisionSequences);
        Shared.ComputeEmissions(gmm, features, full);
        for (int t = 0; t < 12; t++)
            for (int j = 0; j < 4; j++)
                Assert.Equal(full[1, t, j], output[1, t, j]);
    }

    [Fact]
    public void Last_run_is_a_snapshot_that_later_calls_leave_alone()
    {
        var rng = new Random(45);
        var gmm = RandomModels.Gmm(4, 2, 6, rng);
        var model = RandomModels.Model(4, false, 1, rng);
        var features = RandomModels.Features(6, new[] { 30, 0, 12 }, rng);
        var other = RandomModels.Features(6, new[] { 9, 40 }, rng);
        using var engine = Create(new GpuEngineOptions { EmissionPrecision = EmissionPrecision.Half, HalfPrecisionMaxFrameError = double.PositiveInfinity });
        Assert.Equal(default, engine.LastRun);

        engine.ComputeEmissions(gmm, features, new EmissionBatch(3, features.MaxLength, 4));
        var first = engine.LastRun;
        double[] firstBounds = first.HalfPrecisionErrorBounds.ToArray();
        Assert.Equal(3, first.HalfPrecisionSequences);
        Assert.Equal(3, firstBounds.Length);
        Assert.True(firstBounds[0] > 0 && firstBounds[1] == 0 && firstBounds[2] > 0, string.Join(", ", firstBounds));
        Assert.True(first.ChunkCount >= 1);
        Assert.Equal(0, first.CpuFallbackSequences);

        // A call that uploads no features reports no half-precision sequences; one on other features reports its own bounds.
        var emissions = new EmissionBatch(2, other.MaxLength, 4);
        engine.ComputeEmissions(gmm, other, emissions);
        Assert.Equal(2, engine.LastRun.HalfPrecisionErrorBounds.Length);
        engine.Forward(model, emissions, new double[2]);
        Assert.Equal(0, engine.LastRun.HalfPrecisionSequences);
        Assert.True(engine.LastRun.HalfPrecisionErrorBounds.IsEmpty);
        Assert.Equal(firstBounds, first.HalfPrecisionErrorBounds.ToArray());
        Assert.Equal(3, first.HalfPrecisionSequences);
    }

    [Theory]
    [InlineData(true, 0, true)]
    [InlineData(false, 0, true)]
    [InlineData(true, 2, true)]
    [InlineData(false, 2, true)]
    [InlineData(true, 4, true)]
    [InlineData(false, 4, true)]
    [InlineData(false, 4, false)]
    [InlineData(false, 8, true)]
    [InlineData(false, 0, false)]
    [InlineData(true, 0, false)]
    public void Kernel_variants_agree_with_the_cpu(bool specialise, int rowSplit, bool scaledDenseStep)
    {
        using var engine = Create(new GpuEngineOptions { SpecializeKernels = specialise, RowSplit = rowSplit, ScaledDenseStep = scaledDenseStep });
        var (dense, denseEmissions) = Case(31, states: 12);
        AssertMatchesCpu(engine, dense, denseEmissions);
        var (banded, bandedEmissions) = Case(32, states: 20, banded: true);
        AssertMatchesCpu(engine, banded, bandedEmissions);
        Assert.Equal(0, engine.LastRun.CpuFallbackSequences);
    }
}

/// <summary>The behaviour suite on ILGPU's CPU accelerator (CI).</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class GpuEngineBehaviourIlgpuCpu : GpuEngineBehaviourSuite
{
    protected override GpuEngine Shared => GpuTestEngines.Cpu;

    protected override GpuEngine Create(GpuEngineOptions options) => new(new GpuEngineOptions
    {
        ForceCpuAccelerator = true,
        DeviceMemoryBudget = options.DeviceMemoryBudget,
        CpuFallback = options.CpuFallback,
        SpecializeKernels = options.SpecializeKernels,
        ScanMaxStride = options.ScanMaxStride,
        RowSplit = options.RowSplit,
        EmissionPrecision = options.EmissionPrecision,
        HalfPrecisionMaxFrameError = options.HalfPrecisionMaxFrameError,
        ScaledDenseStep = options.ScaledDenseStep,
        PackSequences = options.PackSequences,
    });

    [Fact]
    public void Runs_on_the_cpu_accelerator() => Assert.False(GpuTestEngines.Cpu.IsCuda);

    /// <summary>
    /// The scaled split's shared-memory pitch: a warp's 32 lanes (32/K states, K row classes, lane = state·K + k, thread k
    /// at row k + K·t) land in 32 distinct banks at every step t, for any stride the engine pads to.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Scaled_split_pitch_puts_a_warp_in_distinct_banks(int split)
    {
        Assert.Equal(64, Hmm.Gpu.Kernels.RecursionKernel.TablePitch(64, split, scaled: false));
        Assert.Equal(64, Hmm.Gpu.Kernels.RecursionKernel.TablePitch(64, 1, scaled: true));
        for (int stride = 16; stride <= 256; stride += 16)
        {
            int pitch = Hmm.Gpu.Kernels.RecursionKernel.TablePitch(stride, split, scaled: true);
            Assert.InRange(pitch - stride, 0, 31);
            for (int t = 0; t < 3; t++)
            {
                var banks = new System.Collections.Generic.HashSet<int>();
                for (int lane = 0; lane < 32; lane++)
                {
                    int state = 32 + lane / split, k = lane % split, row = k + split * t;
                    banks.Add((row * pitch + state) % 32);
                }
                Assert.Equal(32, banks.Count);
            }
        }
    }

    [Fact]
    public void Host_checks_find_every_bad_value_at_every_position()
    {
        for (int n = 1; n < 70; n++)
        {
            var values = new float[n];
            Assert.True(HostValidation.AllFinite(values));
            Assert.True(HostValidation.NoNaNOrPositiveInfinity(values));
            for (int i = 0; i < n; i++)
            {
                values[i] = float.NaN;
                Assert.False(HostValidation.AllFinite(values));
                Assert.False(HostValidation.NoNaNOrPositiveInfinity(values));
                values[i] = float.PositiveInfinity;
                Assert.False(HostValidation.AllFinite(values));
                Assert.False(HostValidation.NoNaNOrPositiveInfinity(values));
                values[i] = float.NegativeInfinity;
                Assert.False(HostValidation.AllFinite(values));
                Assert.True(HostValidation.NoNaNOrPositiveInfinity(values));
                values[i] = -3.5f;
            }
        }
    }

    [Fact]
    public void Lanes_follow_the_scalar_lane()
    {
        var gpu = default(GpuLane);
        var scalar = default(Hmm.Simd.LaneScalar);
        foreach (float x in new[] { float.NegativeInfinity, -100f, -1.5f, 0f, 2f })
        {
            Assert.Equal(scalar.IsFinite(x), gpu.IsFinite(x));
            Assert.Equal(scalar.Exp(x), gpu.Exp(x), 6);
            if (x >= 0f) Assert.Equal(scalar.Log(x), gpu.Log(x), 6);
            Assert.Equal(scalar.GreaterThan(x, -1.5f), gpu.GreaterThan(x, -1.5f));
            Assert.Equal(scalar.Select(1f, x, 3f), gpu.Select(1f, x, 3f));
        }
    }
}

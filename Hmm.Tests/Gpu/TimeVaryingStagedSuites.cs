using System;
using Hmm.Gpu;
using Hmm.Testing;
using Hmm.Tests.Support;
using Hmm.Tests.TimeVarying;
using Xunit;

namespace Hmm.Tests.Gpu;

/// <summary>
/// Engines for the two time-varying kernels: the staged one (the default, <see cref="GpuEngineOptions.TimeVaryingStaged"/>)
/// with the default simulated warp of 4 lanes and with CUDA-sized warps of 32 (threads per state up to 32, several trips a
/// frame), and the first kernel (staging off).
/// </summary>
public static class TimeVaryingTestEngines
{
    private static readonly Lazy<GpuEngine> CpuWarp32 = new(() => new GpuEngine(new GpuEngineOptions { ForceCpuAccelerator = true, CpuWarpSize = 32 }));
    private static readonly Lazy<GpuEngine> CpuSplit32 = new(() => new GpuEngine(new GpuEngineOptions { ForceCpuAccelerator = true, CpuWarpSize = 32, TimeVaryingSplit = 32 }));
    private static readonly Lazy<GpuEngine> CpuFirst = new(() => new GpuEngine(new GpuEngineOptions { ForceCpuAccelerator = true, TimeVaryingStaged = false }));
    private static readonly Lazy<GpuEngine> CudaFirst = new(() => CreateCuda(new GpuEngineOptions { TimeVaryingStaged = false }));

    /// <summary>The staged kernel on the CPU accelerator with 32-lane warps (default split: up to 8 threads a state at 512 threads).</summary>
    public static GpuEngine CpuStagedWarp32 => CpuWarp32.Value;

    /// <summary>As <see cref="CpuStagedWarp32"/> with 32 threads per state forced (a whole warp a state, most of them without rows on small N).</summary>
    public static GpuEngine CpuStagedSplit32 => CpuSplit32.Value;

    /// <summary>The first kernel (staging off) on the CPU accelerator.</summary>
    public static GpuEngine CpuUnstaged => CpuFirst.Value;

    /// <summary>The first kernel (staging off) on the CUDA device.</summary>
    public static GpuEngine CudaUnstaged => CudaFirst.Value;

    private static GpuEngine CreateCuda(GpuEngineOptions options)
    {
        var engine = new GpuEngine(options);
        if (!engine.IsCuda)
        {
            engine.Dispose();
            throw new InvalidOperationException("no CUDA device: a CUDA test class must call CudaDevice.Require() in its constructor, so that it is skipped here.");
        }
        return engine;
    }
}

/// <summary>
/// The staged time-varying kernel's edge cases on one engine, each against the float64 <see cref="ReferenceTimeVarying"/>
/// (forward with α, backward with β, Viterbi, posteriors with per-frame ξ) and each asserting which kernel ran: tables
/// whose two staged frames do not fit shared memory (the first kernel), banded tables (one thread per state), state counts
/// that are not a multiple of the threads per state, sequences of one frame, ragged batches with empty and impossible
/// sequences. Thin subclasses per accelerator and warp width.
/// </summary>
public abstract class TimeVaryingStagedSuite
{
    protected abstract GpuEngine Engine { get; }

    /// <summary>Dense state counts past this are skipped (the CPU accelerator simulates a wide split's shuffles slowly).</summary>
    protected virtual int MaxDenseStates => 64;

    /// <summary>Dense N = 80: two staged tables of 80 rows (pitch 88) are 56 KB, past the 48 KB a group gets: the first kernel runs.</summary>
    [Fact]
    public void Tables_that_do_not_fit_shared_memory_take_the_first_kernel()
    {
        Check(new TimeVaryingCase(80, new[] { 4, 2 }, false, 80, 0.2, false, true, 11), staged: false);
    }

    [Theory]
    [InlineData(9, 1)]
    [InlineData(9, 3)]
    [InlineData(33, 4)]
    public void Banded_tables_run_one_thread_per_state(int states, int bandwidth)
    {
        Check(new TimeVaryingCase(states, new[] { 7, 1, 5 }, true, bandwidth, 0.2, false, true, 21 + states), staged: true);
        Assert.Equal(1, Engine.LastTimeVaryingSplit);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(13)]
    [InlineData(37)]
    [InlineData(64)]
    public void State_counts_that_are_not_a_multiple_of_the_split(int states)
    {
        Assert.SkipWhen(states > MaxDenseStates, $"N = {states} is past this engine's {MaxDenseStates} (slow on the simulator)");
        Check(new TimeVaryingCase(states, new[] { 6, 3 }, false, states, 0.3, false, true, 31 + states), staged: true);
        if (states > 1) Assert.True(Engine.LastTimeVaryingSplit > 1, $"split {Engine.LastTimeVaryingSplit}");
    }

    [Fact]
    public void Sequences_of_one_frame()
    {
        Check(new TimeVaryingCase(10, new[] { 1, 1, 1 }, false, 10, 0.0, false, true, 41), staged: true);
        Check(new TimeVaryingCase(10, new[] { 1, 2 }, true, 2, 0.0, false, true, 42), staged: true);
        Check(new TimeVaryingCase(1, new[] { 1, 5 }, false, 1, 0.0, false, true, 43), staged: true);
    }

    [Fact]
    public void Ragged_batches_with_empty_and_impossible_sequences()
    {
        Check(new TimeVaryingCase(12, new[] { 0, 1, 9, 4, 17, 0, 2 }, false, 12, 0.4, true, true, 51), staged: true);
        Check(new TimeVaryingCase(12, new[] { 17, 0, 3, 1 }, true, 3, 0.4, true, false, 52), staged: true);
    }

    private void Check(TimeVaryingCase c, bool staged)
    {
        var engine = Engine;
        var tr = c.Transitions();
        var emissions = c.Emissions();
        int count = c.Lengths.Length;
        var e = ReferenceHmm.FromBatch(emissions);

        var forward = new double[count];
        var alpha = new StateLattice(count, c.MaxLength, c.States);
        engine.Forward(tr, emissions, forward, alpha);
        Assert.Equal(staged, engine.LastTimeVaryingStaged);
        var backward = new double[count];
        var beta = new StateLattice(count, c.MaxLength, c.States);
        engine.Backward(tr, emissions, backward, beta);
        Assert.Equal(staged, engine.LastTimeVaryingStaged);
        var viterbi = new ViterbiResult(count, c.MaxLength);
        engine.Viterbi(tr, emissions, viterbi);
        Assert.Equal(staged, engine.LastTimeVaryingStaged);
        var posteriors = TimeVaryingPosteriorResult.For(tr, true);
        engine.Posteriors(tr, emissions, posteriors);

        for (int b = 0; b < count; b++)
        {
            int length = c.Lengths[b];
            var (init, tables) = ReferenceTimeVarying.Read(tr, b, length);
            double magnitude = RandomModels.Magnitude(e[b]);
            double expected = ReferenceTimeVarying.Forward(init, tables, e[b], out var logAlpha);
            ReferenceTimeVarying.Backward(init, tables, e[b], out var logBeta);
            Tolerance.LogValue(expected, forward[b], magnitude, $"{c} forward {b}");
            Tolerance.LogValue(expected, backward[b], magnitude, $"{c} backward {b}");
            Tolerance.LogValue(expected, posteriors.LogLikelihoods[b], magnitude, $"{c} posteriors {b}");
            for (int t = 0; t < length; t++)
                for (int j = 0; j < c.States; j++)
                {
                    Tolerance.LogValue(logBeta[t, j], beta[b, t, j], magnitude, $"{c} beta[{b},{t},{j}]");
                    if (!double.IsNegativeInfinity(expected)) Tolerance.LogValue(logAlpha[t, j], alpha[b, t, j], magnitude, $"{c} alpha[{b},{t},{j}]");
                }
            ReferenceTimeVarying.Posteriors(init, tables, e[b], out var gamma, out var xi);
            for (int t = 0; t < length; t++)
                for (int j = 0; j < c.States; j++)
                {
                    Tolerance.ProbabilityValue(gamma[t, j], posteriors.StatePosteriors[b, t, j], $"{c} gamma[{b},{t},{j}]");
                    for (int i = 0; i < c.States && t > 0; i++)
                        Tolerance.ProbabilityValue(xi[t, i, j], posteriors.TransitionPosterior(b, t, i, j), $"{c} xi[{b},{t},{i},{j}]");
                }
            double score = ReferenceTimeVarying.Viterbi(init, tables, e[b], out var path);
            Tolerance.LogValue(score, viterbi.Scores[b], magnitude, $"{c} viterbi {b}");
            var actual = viterbi.Path(b).ToArray();
            Assert.Equal(length, actual.Length);
            if (double.IsNegativeInfinity(score)) Assert.All(actual, s => Assert.Equal(-1, s));
            else Tolerance.LogValue(score, ReferenceTimeVarying.PathScore(init, tables, e[b], actual), magnitude, $"{c} viterbi path score {b}");
        }
    }
}

/// <summary>The staged kernel's edge cases on ILGPU's CPU accelerator (4-lane warps: up to 4 threads a state, 32 a group).</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class TimeVaryingStagedIlgpuCpu : TimeVaryingStagedSuite
{
    protected override GpuEngine Engine => GpuTestEngines.Cpu;
}

/// <summary>The staged kernel's edge cases with CUDA-sized 32-lane warps on the CPU accelerator (up to 8 threads a state, 32 a group).</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class TimeVaryingStagedWarp32IlgpuCpu : TimeVaryingStagedSuite
{
    protected override GpuEngine Engine => TimeVaryingTestEngines.CpuStagedWarp32;
}

/// <summary>
/// The staged kernel's edge cases with a whole 32-lane warp per state (the knob <see cref="GpuEngineOptions.TimeVaryingSplit"/>),
/// so that most lanes hold no source row (more threads a state than rows), up to N = 13.
/// </summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class TimeVaryingStagedSplit32IlgpuCpu : TimeVaryingStagedSuite
{
    protected override GpuEngine Engine => TimeVaryingTestEngines.CpuStagedSplit32;
    protected override int MaxDenseStates => 13;
}

/// <summary>The staged kernel's edge cases on the CUDA device; skipped without one.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class TimeVaryingStagedCuda : TimeVaryingStagedSuite
{
    public TimeVaryingStagedCuda() => CudaDevice.Require();
    protected override GpuEngine Engine => GpuTestEngines.Cuda;
}

/// <summary>The random suite on the first time-varying kernel (staging off) on the CPU accelerator, kept for comparison.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class TimeVaryingUnstagedIlgpuCpu : TimeVaryingSuite
{
    protected override ITimeVaryingEngine Engine => TimeVaryingTestEngines.CpuUnstaged;
    protected override long Iterations => 8;
    protected override int MaxStates => 40;
    protected override int MaxLength => 14;
    protected override int MaxBatch => 3;
}

/// <summary>The random suite on the first time-varying kernel (staging off) on the CUDA device; skipped without one.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class TimeVaryingUnstagedCuda : TimeVaryingSuite
{
    public TimeVaryingUnstagedCuda() => CudaDevice.Require();
    protected override ITimeVaryingEngine Engine => TimeVaryingTestEngines.CudaUnstaged;
    protected override long Iterations => 100;
    protected override int MaxStates => 80;
    protected override int MaxLength => 200;
    protected override int MaxBatch => 8;
}

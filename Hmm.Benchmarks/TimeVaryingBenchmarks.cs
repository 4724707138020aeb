using BenchmarkDotNet.Attributes;
using Hmm.Simd;
using Hmm.Testing;

namespace Hmm.Benchmarks;

/// <summary>
/// Time-varying (per-frame) dense transitions on the SIMD CPU engine, one thread, N = 64, T = 1000 (issue 19's GPU shape is
/// B = 256; B = 16 is the smaller one): forward and Viterbi over tables the engine does not check (<c>normalised: false</c>:
/// the recursions alone; <see cref="TimeVaryingCheckBenchmarks"/> times the checks). The tables are B · T · 64 · 64 floats
/// (4.2 GB at B = 256), built once.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(2), IterationCount(5)]
public class TimeVaryingBenchmarks
{
    private const int States = 64, Frames = 1000;
    private readonly HmmEngine _engine = new(SimdWidth.Auto, 1);
    private TimeVaryingTransitions _tables = null!;
    private EmissionBatch _emissions = null!;
    private double[] _ll = null!;
    private ViterbiResult _viterbi = null!;

    /// <summary>Sequences per call.</summary>
    [Params(16, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_tables, _emissions) = TimeVaryingInputs.Dense(Batch, Frames, States, seed: 19, normalised: false);
        _ll = new double[Batch];
        _viterbi = new ViterbiResult(Batch, Frames);
    }

    [Benchmark(Baseline = true, Description = "forward")]
    public double Forward()
    {
        _engine.Forward(_tables, _emissions, _ll);
        return _ll[0];
    }

    [Benchmark(Description = "Viterbi")]
    public double Viterbi()
    {
        _engine.Viterbi(_tables, _emissions, _viterbi);
        return _viterbi.Scores[0];
    }
}

/// <summary>
/// The cost of the row checks of normalised per-frame tables (NaN, +inf, padding, each occupiable state's row summing to one):
/// forward over the same B = 16, T = 1000, N = 64 tables with and without them.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(2), IterationCount(5)]
public class TimeVaryingCheckBenchmarks
{
    private const int Batch = 16, States = 64, Frames = 1000;
    private readonly HmmEngine _engine = new(SimdWidth.Auto, 1);
    private TimeVaryingTransitions _checked = null!, _unchecked = null!;
    private EmissionBatch _emissions = null!;
    private readonly double[] _ll = new double[Batch];

    [GlobalSetup]
    public void Setup()
    {
        (_checked, _emissions) = TimeVaryingInputs.Dense(Batch, Frames, States, seed: 19, normalised: true);
        (_unchecked, _) = TimeVaryingInputs.Dense(Batch, Frames, States, seed: 19, normalised: false);
    }

    [Benchmark(Baseline = true, Description = "forward, normalised: false")]
    public double Unchecked()
    {
        _engine.Forward(_unchecked, _emissions, _ll);
        return _ll[0];
    }

    [Benchmark(Description = "forward, normalised: true (checks every call)")]
    public double Checked()
    {
        _engine.Forward(_checked, _emissions, _ll);
        return _ll[0];
    }
}

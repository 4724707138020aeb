using BenchmarkDotNet.Attributes;
using Hmm.Speech.Audio;

namespace Hmm.Benchmarks;

/// <summary>
/// <see cref="PitchTracker.Track"/> on 10 s of a speech-like signal at 16 kHz (1,000 frames at the 10 ms hop, 75..600 Hz),
/// with the best path (the default) and frame by frame; the time is per call (the whole 10 s).
/// </summary>
[MemoryDiagnoser]
[WarmupCount(3), IterationCount(10)]
public class PitchBenchmarks
{
    private float[] _samples = null!;
    private readonly PitchOptions _frameByFrame = PitchOptions.Default with { Smooth = false };

    [GlobalSetup]
    public void Setup() => _samples = FrontEndBenchmarks.Signal(160000, 1);

    [Benchmark(Baseline = true)]
    public int TrackBestPath() => PitchTracker.Track(_samples, 16000).FrameCount;

    [Benchmark]
    public int TrackFrameByFrame() => PitchTracker.Track(_samples, 16000, _frameByFrame).FrameCount;
}

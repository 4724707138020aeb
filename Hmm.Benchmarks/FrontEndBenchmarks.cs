using System;
using BenchmarkDotNet.Attributes;
using Hmm.Speech.Audio;

namespace Hmm.Benchmarks;

/// <summary>
/// The speech front end on a 3 s utterance at 16 kHz (298 frames of the default MFCC set-up), per frame: the whole
/// <see cref="FeatureExtractor.Extract(ReadOnlySpan{float}, Span{float})"/> (MFCC + deltas + CMVN), its per-frame half
/// (<see cref="FeatureExtractor.ExtractRaw"/>), the FFT power spectrum alone, and building an extractor.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(3), IterationCount(10)]
public class FrontEndBenchmarks
{
    private const int Samples = 48000;
    private FeatureExtractor _extractor = null!;
    private float[] _samples = null!, _features = null!, _raw = null!, _frame = null!, _power = null!;
    private RealFft _fft = null!;
    private int _frames;

    [GlobalSetup]
    public void Setup()
    {
        _extractor = new FeatureExtractor();
        _samples = Signal(Samples, 1);
        _frames = _extractor.FrameCount(Samples);
        _features = new float[_frames * _extractor.FeatureDimension];
        _raw = new float[_frames * _extractor.RawDimension];
        _fft = new RealFft(512);
        _frame = new float[512];
        Array.Copy(_samples, 8000, _frame, 0, 400);
        _power = new float[512];
    }

    /// <summary>A speech-like test signal: a few harmonics with a moving pitch plus noise, full scale about 0.3.</summary>
    internal static float[] Signal(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n];
        double phase = 0;
        for (int i = 0; i < n; i++)
        {
            double f0 = 120 + 40 * Math.Sin(2 * Math.PI * i / 16000.0);
            phase += 2 * Math.PI * f0 / 16000;
            double v = 0;
            for (int h = 1; h <= 8; h++) v += Math.Sin(h * phase) / h;
            x[i] = (float)(0.1 * v + 0.01 * (rng.NextDouble() - 0.5));
        }
        return x;
    }

    [Benchmark(OperationsPerInvoke = 298)]
    public int Extract() => _extractor.Extract(_samples, _features);

    [Benchmark(OperationsPerInvoke = 298)]
    public int ExtractRaw() => _extractor.ExtractRaw(_samples, _raw);

    [Benchmark]
    public float PowerSpectrum()
    {
        _fft.PowerSpectrum(_frame, _power);
        return _power[3];
    }

    [Benchmark]
    public FeatureExtractor Construct() => new FeatureExtractor();
}

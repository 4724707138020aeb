using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using Hmm.Engine;
using Hmm.FrameClassifier;
using Hmm.Onnx;
using Hmm.Speech.Audio;

namespace Hmm.Benchmarks;

/// <summary>
/// The ONNX Runtime adapter (Hmm.Onnx) on a 10 s utterance (998 frames of the default 39-value MFCC front end): the shipped
/// phone classifier (samples/onnx/phone-mlp.onnx: context ±3, 256 hidden, 41 classes, so its rows are laid out at the
/// batch's 48-float stride by the prior-subtraction pass) with one and two ONNX Runtime threads; a random network of the same
/// size with 48 classes, whose log-posteriors ONNX Runtime writes straight into the batch (in place); and, for scale, the
/// CPU engine's Viterbi over the scored batch (a 41-phone loop).
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class OnnxBenchmarks : IDisposable
{
    private const int Frames = 998;
    private OnnxEmissionScorer _oneThread = null!, _twoThreads = null!, _inPlace = null!;
    private float[] _features = null!;
    private EmissionBatch _emissions = null!, _emissions48 = null!;
    private HmmModel _loop = null!;
    private HmmEngine _engine = null!;
    private ViterbiResult _viterbi = null!;

    [GlobalSetup]
    public void Setup()
    {
        string model = Path.Combine(FindRoot(), "samples", "onnx", "phone-mlp.onnx");
        _oneThread = new OnnxEmissionScorer(model, new OnnxEmissionOptions { IntraOpThreads = 1 });
        _twoThreads = new OnnxEmissionScorer(model, new OnnxEmissionOptions { IntraOpThreads = 2 });
        var random48 = FrameMlp.Random(39, 3, 256, 48, seed: 1).ToOnnx();
        _inPlace = new OnnxEmissionScorer(random48, "random-48", new OnnxEmissionOptions { Priors = ClassPriors.Uniform(48), IntraOpThreads = 1 });
        var extractor = new FeatureExtractor();
        int samples = (Frames - 1) * extractor.HopLength + extractor.FrameLength;
        _features = extractor.Extract(FrontEndBenchmarks.Signal(samples, 3));
        if (_features.Length != Frames * 39) throw new InvalidOperationException($"{_features.Length / 39} frames, expected {Frames}");
        _emissions = new EmissionBatch(1, Frames, 41);
        _emissions48 = new EmissionBatch(1, Frames, 48);
        int n = 41;
        var logA = new float[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) logA[i, j] = MathF.Log(i == j ? 0.85f : 0.15f / (n - 1));
        _loop = HmmModel.UniformStart(DenseTransitions.FromLogProbabilities(logA));
        _engine = new HmmEngine();
        _viterbi = new ViterbiResult(1, Frames);
        _oneThread.Score(_features, _emissions, 0);
    }

    [GlobalCleanup]
    public void Cleanup() => Dispose();

    /// <summary>Releases the sessions.</summary>
    public void Dispose()
    {
        _oneThread?.Dispose();
        _twoThreads?.Dispose();
        _inPlace?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true)]
    public void PhoneMlp_OneThread() => _oneThread.Score(_features, _emissions, 0);

    [Benchmark]
    public void PhoneMlp_TwoThreads() => _twoThreads.Score(_features, _emissions, 0);

    [Benchmark]
    public void RandomMlp48_InPlace_OneThread() => _inPlace.Score(_features, _emissions48, 0);

    [Benchmark]
    public void PhoneLoopViterbi() => _engine.Viterbi(_loop, _emissions, _viterbi);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Hmm.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("no Hmm.sln above " + AppContext.BaseDirectory);
    }
}

using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hmm.Speech.Audio;

/// <summary>
/// Offline speech front end: samples in, a row-major matrix of feature vectors out (frame t occupies
/// <c>features[t * FeatureDimension .. (t + 1) * FeatureDimension)</c>). Per frame: pre-emphasis, window, FFT
/// power spectrum, mel filterbank, log, then DCT and lifter (MFCC) or nothing (log-mel); over the utterance:
/// deltas and delta-deltas, then mean/variance normalisation of every dimension (or, with
/// <see cref="CmvnMode.SphinxCepstralMean"/>, CMU Sphinx's cepstral mean normalisation before the deltas).
/// </summary>
/// <remarks>
/// <para>Framing: frame t covers samples [t * HopLength, t * HopLength + FrameLength); only whole frames are
/// produced (<see cref="FrameCount"/>), unless <see cref="FrontEndOptions.FinalPartialFrame"/> adds one last frame of
/// the samples left after the last whole frame's hop, zero-padded; frame t's centre is at (t * HopLength + FrameLength / 2) / SampleRate
/// seconds. Pre-emphasis runs over the signal as a whole (x[-1] = 0), so each frame's first sample uses the
/// sample before the frame.</para>
/// <para>All scratch (FFT tables and buffers, window, filterbank, DCT matrix, normalisation sums) is allocated in
/// the constructor: <see cref="Extract(ReadOnlySpan{float}, Span{float})"/> and
/// <see cref="ExtractRaw(ReadOnlySpan{float}, Span{float})"/> allocate nothing. One instance is not thread-safe;
/// create one per thread.</para>
/// </remarks>
public sealed class FeatureExtractor
{
    private readonly FrameAnalyzer _analyzer;
    private readonly double[] _sums;
    private readonly float[] _cepstralMean;

    /// <summary>Creates an extractor for <paramref name="options"/> (validated here).</summary>
    /// <param name="options">The front-end set-up; <see cref="FrontEndOptions.Default"/> when null.</param>
    public FeatureExtractor(FrontEndOptions? options = null)
    {
        Options = options ?? FrontEndOptions.Default;
        _analyzer = new FrameAnalyzer(Options);
        FrameLength = Options.FrameLength;
        HopLength = Options.HopLength;
        RawDimension = Options.RawDimension;
        FeatureDimension = Options.FeatureDimension;
        _sums = new double[2 * FeatureDimension];
        _cepstralMean = new float[RawDimension];
    }

    /// <summary>The set-up this extractor computes.</summary>
    public FrontEndOptions Options { get; }

    /// <summary>Samples per frame.</summary>
    public int FrameLength { get; }

    /// <summary>Samples between frame starts.</summary>
    public int HopLength { get; }

    /// <summary>Values per frame before deltas (13 for the default MFCC).</summary>
    public int RawDimension { get; }

    /// <summary>Values per frame of <see cref="Extract(ReadOnlySpan{float}, Span{float})"/> (39 for the default set-up).</summary>
    public int FeatureDimension { get; }

    /// <summary>
    /// Number of frames in <paramref name="sampleCount"/> samples: the whole frames (0 if fewer samples than a frame, else
    /// 1 + (sampleCount - FrameLength) / HopLength), plus, with <see cref="FrontEndOptions.FinalPartialFrame"/>, one
    /// final partial frame when there is any sample.
    /// </summary>
    /// <param name="sampleCount">Number of samples.</param>
    /// <returns>The frame count.</returns>
    public int FrameCount(int sampleCount)
    {
        if (sampleCount < 0) throw new ArgumentOutOfRangeException(nameof(sampleCount), sampleCount, "The sample count must not be negative.");
        int whole = WholeFrames(sampleCount);
        return Options.FinalPartialFrame && sampleCount > 0 ? whole + 1 : whole;
    }

    private int WholeFrames(int sampleCount) => sampleCount < FrameLength ? 0 : 1 + (sampleCount - FrameLength) / HopLength;

    /// <summary>Time of frame <paramref name="frame"/>'s centre in seconds.</summary>
    /// <param name="frame">Frame index.</param>
    /// <returns>(frame * HopLength + FrameLength / 2) / SampleRate.</returns>
    public double FrameCentreSeconds(int frame) => (frame * (double)HopLength + FrameLength / 2.0) / Options.SampleRate;

    /// <summary>
    /// Computes the full features (raw + deltas, normalised per <see cref="FrontEndOptions.Normalization"/>) of a
    /// whole utterance; allocation-free.
    /// </summary>
    /// <param name="samples">The utterance at <see cref="FrontEndOptions.SampleRate"/>, full scale +/-1.</param>
    /// <param name="features">Receives FrameCount(samples.Length) * FeatureDimension values, row-major; may be longer.</param>
    /// <returns>The number of frames written.</returns>
    public int Extract(ReadOnlySpan<float> samples, Span<float> features)
    {
        int frames = FrameCount(samples.Length);
        int dim = FeatureDimension;
        CheckOutput(features, frames, dim);
        Span<float> matrix = features.Slice(0, frames * dim);
        ComputeRaw(samples, matrix, frames, dim);
        bool sphinxMean = Options.Normalization == CmvnMode.SphinxCepstralMean;
        if (sphinxMean) FeaturePostProcessing.SubtractSphinxBatchMean(matrix, frames, dim, RawDimension, _cepstralMean);
        FeaturePostProcessing.AddDeltas(matrix, frames, dim, RawDimension, Options.DeltaOrder, Options.DeltaWindow, Options.DeltaStyle);
        if (!sphinxMean) FeaturePostProcessing.Normalize(matrix, frames, dim, Options.Normalization, _sums);
        return frames;
    }

    /// <summary>Computes the full features of a whole utterance into a new array (row-major, FeatureDimension per frame).</summary>
    /// <param name="samples">The utterance at <see cref="FrontEndOptions.SampleRate"/>, full scale +/-1.</param>
    /// <returns>FrameCount(samples.Length) * FeatureDimension values.</returns>
    public float[] Extract(ReadOnlySpan<float> samples)
    {
        var features = new float[FrameCount(samples.Length) * FeatureDimension];
        Extract(samples, features);
        return features;
    }

    /// <summary>
    /// Computes only the raw per-frame features (no deltas, no normalisation), RawDimension per frame; the same
    /// values <see cref="StreamingFeatureExtractor"/> produces frame by frame. Allocation-free.
    /// </summary>
    /// <param name="samples">The utterance at <see cref="FrontEndOptions.SampleRate"/>, full scale +/-1.</param>
    /// <param name="rawFeatures">Receives FrameCount(samples.Length) * RawDimension values, row-major; may be longer.</param>
    /// <returns>The number of frames written.</returns>
    public int ExtractRaw(ReadOnlySpan<float> samples, Span<float> rawFeatures)
    {
        int frames = FrameCount(samples.Length);
        CheckOutput(rawFeatures, frames, RawDimension);
        ComputeRaw(samples, rawFeatures, frames, RawDimension);
        return frames;
    }

    private void ComputeRaw(ReadOnlySpan<float> samples, Span<float> output, int frames, int stride)
    {
        int raw = RawDimension;
        _analyzer.Reset();
        for (int t = 0; t < frames; t++)
        {
            int start = t * HopLength;
            float previous = start == 0 ? 0f : Unsafe.Add(ref MemoryMarshal.GetReference(samples), start - 1);
            // The final partial frame (FinalPartialFrame) is the samples left from its start; the analyser zero-pads it.
            _analyzer.Process(samples.Slice(start, Math.Min(FrameLength, samples.Length - start)), previous, output.Slice(t * stride, raw));
        }
    }

    private static void CheckOutput(Span<float> output, int frames, int dim)
    {
        long needed = (long)frames * dim;
        if (output.Length < needed)
        {
            throw new ArgumentException($"The feature span holds {output.Length} values; {frames} frames x {dim} = {needed} are needed.", nameof(output));
        }
    }
}

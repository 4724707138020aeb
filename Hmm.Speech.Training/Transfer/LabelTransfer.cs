using System;
using System.Collections.Generic;
using Hmm;
using Hmm.Engine;
using Hmm.Speech.Audio;

namespace Hmm.Speech.Training;

/// <summary>What <see cref="LabelTransfer"/> compares the two recordings on.</summary>
public enum TransferFeatures
{
    /// <summary>The front end's MFCCs with deltas, each dimension normalised to mean 0 and variance 1 per utterance; squared Euclidean distance.</summary>
    Mfcc = 0,
    /// <summary>The front end's raw MFCCs (no deltas, no normalisation); squared Euclidean distance. Weak across voices: the baseline.</summary>
    RawMfcc = 1,
    /// <summary>
    /// Phone posteriorgrams: per frame, the acoustic model's state likelihoods turned into posteriors (softmax over states)
    /// and summed per phone; cosine distance. Nearly speaker-independent.
    /// </summary>
    Posteriorgram = 2,
}

/// <summary>
/// Carries phone labels from one recording of a sentence to another recording of the same words (another voice, another
/// timing): dynamic time warping between the two recordings' features (<see cref="DtwEngine"/>) gives a path of frame
/// pairs, and each source boundary moves to the destination time that the path pairs with it (interpolated between frame
/// centres).
/// </summary>
/// <remarks>
/// The choices were measured on pairs of two MBROLA voices (us3 and en1, one also with a shorter vocal tract) reading the
/// same sentence with every phone's duration varied independently (tools/make_transfer_pairs.py; BENCHMARKS.md):
/// posteriorgrams with cosine distance beat MFCCs (normalised or raw), and Sakoe-Chiba's slope constraint
/// (<see cref="DtwStepPattern.SymmetricP1"/>) beat symmetric1 and symmetric2 with every feature kind.
/// </remarks>
public sealed class LabelTransfer
{
    private readonly IAcousticModel _model;
    private readonly FeatureExtractor _extractor;
    private readonly DtwEngine _dtw = new();
    private readonly HmmEngine _engine = new();

    /// <summary>Uses <paramref name="model"/> for the front end and the posteriorgram (the built-in default model when null).</summary>
    public LabelTransfer(IAcousticModel? model = null)
    {
        _model = model ?? AcousticModel.LoadDefault();
        _extractor = new FeatureExtractor(_model.FrontEnd);
    }

    /// <summary>The sample rate both recordings must have (the model's front end's).</summary>
    public int SampleRate => _model.FrontEnd.SampleRate;

    /// <summary>
    /// The labels of <paramref name="source"/> carried to <paramref name="destination"/>: the same phones in the same order,
    /// boundaries moved through the DTW path; the first segment starts at 0 and the last ends at the destination's length.
    /// </summary>
    /// <exception cref="ArgumentException">Empty audio, no labels, or labels that do not cover the source (their end differs from its length by more than 50 ms).</exception>
    public IReadOnlyList<PhoneSegment> Transfer(ReadOnlySpan<float> source, IReadOnlyList<PhoneSegment> labels, ReadOnlySpan<float> destination, TransferFeatures features = TransferFeatures.Posteriorgram)
    {
        CheckLabels(labels, source.Length / (double)SampleRate, nameof(labels));
        if (destination.Length == 0) throw new ArgumentException("destination is empty: there is no audio to carry the labels to.", nameof(destination));
        int dimension = 0;
        var x = Features(source, features, ref dimension);
        var y = Features(destination, features, ref dimension);
        var options = new DtwOptions
        {
            Pattern = DtwStepPattern.SymmetricP1,
            Distance = features == TransferFeatures.Posteriorgram ? DtwDistance.Cosine : DtwDistance.SquaredEuclidean,
        };
        var path = _dtw.Align(x, y, dimension, options);
        int n = x.Length / dimension;
        // Destination frame (average over the path's cells) for each source frame.
        var sum = new double[n];
        var count = new int[n];
        for (int p = 0; p < path.PathLength; p++)
        {
            sum[path.PathX[p]] += path.PathY[p];
            count[path.PathX[p]]++;
        }
        double hop = _extractor.HopLength / (double)SampleRate, offset = _extractor.FrameLength / 2.0 / SampleRate;
        double destinationEnd = destination.Length / (double)SampleRate;
        double Map(double t)
        {
            double f = (t - offset) / hop;
            if (f <= 0) return Math.Max(0, t - offset + (sum[0] / count[0]) * hop + offset);
            if (f >= n - 1) return t - (offset + (n - 1) * hop) + (sum[n - 1] / count[n - 1]) * hop + offset;
            int i = (int)f;
            double w = f - i, a = sum[i] / count[i], b = sum[i + 1] / count[i + 1];
            return (a + w * (b - a)) * hop + offset;
        }
        var result = new PhoneSegment[labels.Count];
        double previous = 0;
        for (int s = 0; s < labels.Count; s++)
        {
            double end = s == labels.Count - 1 ? destinationEnd : Math.Min(destinationEnd, Math.Max(previous + 0.001, Map(labels[s].End)));
            result[s] = new PhoneSegment(previous, end, labels[s].Phone);
            previous = end;
        }
        return result;
    }

    /// <summary>The baseline: every boundary scaled by the ratio of the two lengths.</summary>
    public static IReadOnlyList<PhoneSegment> Linear(IReadOnlyList<PhoneSegment> labels, double sourceSeconds, double destinationSeconds)
    {
        CheckLabels(labels, sourceSeconds, nameof(labels));
        double scale = destinationSeconds / sourceSeconds;
        var result = new PhoneSegment[labels.Count];
        for (int s = 0; s < labels.Count; s++)
            result[s] = new PhoneSegment(labels[s].Start * scale, s == labels.Count - 1 ? destinationSeconds : labels[s].End * scale, labels[s].Phone);
        return result;
    }

    private static void CheckLabels(IReadOnlyList<PhoneSegment> labels, double seconds, string name)
    {
        ArgumentNullException.ThrowIfNull(labels, name);
        if (seconds <= 0) throw new ArgumentException("source is empty: there is no audio the labels could describe.", name);
        if (labels.Count == 0) throw new ArgumentException("There are no source labels to transfer.", name);
        double end = labels[labels.Count - 1].End;
        if (Math.Abs(end - seconds) > 0.05 || labels[0].Start > 0.05)
            throw new ArgumentException($"The source labels run from {labels[0].Start:0.###} s to {end:0.###} s but the source audio lasts {seconds:0.###} s: the labels must cover the whole recording (within 50 ms).", name);
    }

    /// <summary>The features <see cref="Transfer"/> compares ([frames, dimension] rows), as <paramref name="kind"/> says.</summary>
    public float[] Features(ReadOnlySpan<float> samples, TransferFeatures kind, ref int dimension)
    {
        switch (kind)
        {
            case TransferFeatures.RawMfcc:
            {
                var raw = new float[_extractor.FrameCount(samples.Length) * _extractor.RawDimension];
                _extractor.ExtractRaw(samples, raw);
                dimension = _extractor.RawDimension;
                return raw;
            }
            case TransferFeatures.Mfcc:
                dimension = _extractor.FeatureDimension;
                return Standardise(_extractor.Extract(samples), dimension);
            case TransferFeatures.Posteriorgram:
                dimension = _model.Phones.Count;
                return Posteriorgram(_extractor.Extract(samples));
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown feature kind.");
        }
    }

    private static float[] Standardise(float[] features, int dimension)
    {
        int frames = features.Length / dimension;
        for (int d = 0; d < dimension; d++)
        {
            double mean = 0, square = 0;
            for (int t = 0; t < frames; t++) mean += features[t * dimension + d];
            mean /= frames;
            for (int t = 0; t < frames; t++) square += Math.Pow(features[t * dimension + d] - mean, 2);
            double scale = square > 0 ? 1 / Math.Sqrt(square / frames) : 1;
            for (int t = 0; t < frames; t++) features[t * dimension + d] = (float)((features[t * dimension + d] - mean) * scale);
        }
        return features;
    }

    private float[] Posteriorgram(float[] features)
    {
        int dimension = _extractor.FeatureDimension, frames = features.Length / dimension;
        int phones = _model.Phones.Count, perPhone = _model.StatesPerPhone;
        var batch = new SequenceBatch(1, frames, dimension, features);
        batch.SetLength(0, frames);
        var emissions = new EmissionBatch(1, frames, _model.StateCount);
        _engine.ComputeEmissions(_model.Emissions, batch, emissions);
        var result = new float[frames * phones];
        var share = new double[phones];
        for (int t = 0; t < frames; t++)
        {
            var row = emissions.Frame(0, t);
            double max = double.NegativeInfinity;
            for (int p = 0; p < phones; p++)
                for (int s = 0; s < perPhone; s++) max = Math.Max(max, row[_model.StateOf(p, s)]);
            double total = 0;
            for (int p = 0; p < phones; p++)
            {
                double sum = 0;
                for (int s = 0; s < perPhone; s++) sum += Math.Exp(row[_model.StateOf(p, s)] - max);
                share[p] = sum;
                total += sum;
            }
            for (int p = 0; p < phones; p++) result[t * phones + p] = (float)(share[p] / total);
        }
        return result;
    }
}


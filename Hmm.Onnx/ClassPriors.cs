using System;
using System.Globalization;

namespace Hmm.Onnx;

/// <summary>
/// Class priors p(s) for hybrid NN/HMM emissions: a network trained as a frame classifier gives posteriors p(s | x), and
/// an HMM needs likelihoods p(x | s) = p(s | x) p(x) / p(s); p(x) is the same for every state of a frame, so
/// log p(s | x) - log p(s) (a scaled log-likelihood) ranks paths exactly as the likelihood does. Priors are usually the
/// classes' shares of the training frames, floored so that a class seen rarely (or never) does not get an inflated
/// likelihood. Immutable.
/// </summary>
public sealed class ClassPriors
{
    /// <summary>The floor <see cref="FromCounts"/> and <see cref="FromFrameLabels"/> use unless told otherwise.</summary>
    public const double DefaultFloor = 1e-4;

    private readonly float[] _logPriors;
    private readonly double[] _probabilities;

    private ClassPriors(double[] probabilities)
    {
        _probabilities = probabilities;
        _logPriors = new float[probabilities.Length];
        for (int i = 0; i < probabilities.Length; i++) _logPriors[i] = (float)Math.Log(probabilities[i]);
    }

    /// <summary>Number of classes N.</summary>
    public int Count => _probabilities.Length;

    /// <summary>log p(s) per class, float32 (what the adapter subtracts).</summary>
    public ReadOnlySpan<float> LogPriors => _logPriors;

    /// <summary>p(s) per class, summing to one.</summary>
    public ReadOnlySpan<double> Probabilities => _probabilities;

    /// <summary>
    /// Priors given as probabilities: each finite and positive, summing to one within 1e-3 (then normalised exactly).
    /// </summary>
    /// <exception cref="ArgumentException">Empty, a value that is NaN, infinite, zero or negative, or a sum away from one.</exception>
    public static ClassPriors FromProbabilities(ReadOnlySpan<double> probabilities)
    {
        if (probabilities.IsEmpty) throw new ArgumentException("probabilities is empty: priors need at least one class.", nameof(probabilities));
        double sum = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            double p = probabilities[i];
            if (double.IsNaN(p) || double.IsInfinity(p))
                throw new ArgumentException($"probabilities[{i}] is {p.ToString(CultureInfo.InvariantCulture)}; priors must be finite.", nameof(probabilities));
            if (p <= 0)
                throw new ArgumentException($"probabilities[{i}] is {p.ToString(CultureInfo.InvariantCulture)}; a prior must be positive (a zero prior gives an infinite scaled likelihood): floor it, or use FromCounts, which floors.", nameof(probabilities));
            sum += p;
        }
        if (Math.Abs(sum - 1) > 1e-3)
            throw new ArgumentException($"probabilities sum to {sum.ToString("R", CultureInfo.InvariantCulture)}, not 1 (tolerance 1e-3).", nameof(probabilities));
        var normalised = new double[probabilities.Length];
        for (int i = 0; i < normalised.Length; i++) normalised[i] = probabilities[i] / sum;
        return new ClassPriors(normalised);
    }

    /// <summary>
    /// Priors from class counts (frames per class in the training labels): p = max(count / total, floor), renormalised.
    /// A class never seen gets the floor.
    /// </summary>
    /// <param name="counts">Non-negative, finite, not all zero.</param>
    /// <param name="floor">The smallest prior, in (0, 1 / N].</param>
    /// <exception cref="ArgumentException">Empty counts, a negative or non-finite count, all counts zero.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="floor"/> is not in (0, 1 / N].</exception>
    public static ClassPriors FromCounts(ReadOnlySpan<double> counts, double floor = DefaultFloor)
    {
        if (counts.IsEmpty) throw new ArgumentException("counts is empty: priors need at least one class.", nameof(counts));
        if (!(floor > 0) || floor > 1.0 / counts.Length)
            throw new ArgumentOutOfRangeException(nameof(floor), floor, $"floor must be in (0, 1/{counts.Length}] for {counts.Length} classes.");
        double total = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            double c = counts[i];
            if (double.IsNaN(c) || double.IsInfinity(c) || c < 0)
                throw new ArgumentException($"counts[{i}] is {c.ToString(CultureInfo.InvariantCulture)}; counts must be finite and not negative.", nameof(counts));
            total += c;
        }
        if (total <= 0) throw new ArgumentException("counts are all zero: no frame to estimate priors from.", nameof(counts));
        var p = new double[counts.Length];
        double sum = 0;
        for (int i = 0; i < p.Length; i++) sum += p[i] = Math.Max(counts[i] / total, floor);
        for (int i = 0; i < p.Length; i++) p[i] /= sum;
        return new ClassPriors(p);
    }

    /// <summary>Priors from per-frame class labels (the training targets), floored as <see cref="FromCounts"/> does.</summary>
    /// <param name="labels">One class index per frame, each in [0, <paramref name="classCount"/>).</param>
    /// <param name="classCount">Number of classes N.</param>
    /// <param name="floor">The smallest prior, in (0, 1 / N].</param>
    /// <exception cref="ArgumentException">No labels, or a label out of range.</exception>
    public static ClassPriors FromFrameLabels(ReadOnlySpan<int> labels, int classCount, double floor = DefaultFloor)
    {
        Guard.Positive(classCount, nameof(classCount));
        if (labels.IsEmpty) throw new ArgumentException("labels is empty: no frame to estimate priors from.", nameof(labels));
        var counts = new double[classCount];
        for (int t = 0; t < labels.Length; t++)
        {
            int c = labels[t];
            if ((uint)c >= (uint)classCount) throw new ArgumentException($"labels[{t}] is {c}, outside [0, {classCount}).", nameof(labels));
            counts[c]++;
        }
        return FromCounts(counts, floor);
    }

    /// <summary>Equal priors 1 / N: the scaled log-likelihoods are then the log-posteriors plus log N.</summary>
    public static ClassPriors Uniform(int classCount)
    {
        Guard.Positive(classCount, nameof(classCount));
        var p = new double[classCount];
        p.AsSpan().Fill(1.0 / classCount);
        return new ClassPriors(p);
    }
}

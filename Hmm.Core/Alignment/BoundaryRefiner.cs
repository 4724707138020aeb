using System;
using System.Collections.Generic;
using Hmm.Audio;

namespace Hmm.Alignment;

/// <summary>
/// A spectral-change curve of one utterance: at time <c>Time(k)</c> the distance between the mean log-mel spectrum of
/// the <see cref="BoundaryRefiner.SideFrames"/> frames that end just before it and the ones that start at it (10 ms
/// Hamming frames, 1 ms hop, 24 mel bands), as the root-mean-square difference of band log-energies, each band energy E
/// taken as ln(E + c) with c = <see cref="BoundaryRefiner.RelativeFloor"/> times the utterance's mean band energy. No
/// frame of either side straddles the time, and the floor keeps the log from magnifying faint sounds: in the log domain
/// a frame that holds a little of a sound (or the splatter of a change) already looks like it, which would turn the peak
/// into a plateau one frame wide, biased early for onsets and late for offsets.
/// </summary>
internal sealed class SpectralChange
{
    public SpectralChange(float[] values, double firstTime, double step, float median)
    {
        Values = values;
        FirstTime = firstTime;
        Step = step;
        Median = median;
    }

    /// <summary>The median of <see cref="Values"/> (0 when empty): the utterance's typical change.</summary>
    public float Median { get; }

    /// <summary>The curve.</summary>
    public float[] Values { get; }

    /// <summary>Time of <c>Values[0]</c> in seconds.</summary>
    public double FirstTime { get; }

    /// <summary>Seconds between values.</summary>
    public double Step { get; }

    /// <summary>Time of value <paramref name="k"/> in seconds.</summary>
    public double Time(int k) => FirstTime + k * Step;
}

/// <summary>
/// Acoustic boundary refinement after the HMM alignment: each boundary of chosen phone class pairs moves toward the
/// largest spectral change within a small window around it (<see cref="ForcedAlignerOptions.RefineBoundaries"/>). The
/// weight per class pair (0 = leave alone, 1 = move all the way to the peak) is learned on the training data by
/// <see cref="Learn"/> and stored in the model.
/// </summary>
internal static class BoundaryRefiner
{
    /// <summary>Frames (1 ms apart) averaged on each side of a candidate time: 10, i.e. 10 ms.</summary>
    public const int SideFrames = 10;

    /// <summary>The weights <see cref="Learn"/> chooses among for each class pair (0 is always a candidate).</summary>
    public static readonly float[] CandidateWeights = { 0.25f, 0.5f, 0.75f, 1f };

    /// <summary>Floor added to the mel band energies before the log, relative to the utterance's mean band energy (1e-4: -40 dB).</summary>
    public const double RelativeFloor = 1e-4;

    /// <summary>A peak moves a boundary only when it is at least this many times the utterance's median change (2).</summary>
    public const float MinimumPeakRatio = 2;

    /// <summary>Boundaries a class pair needs in the training data before a weight is learned for it.</summary>
    public const int MinimumBoundaries = 10;

    /// <summary>The analysis set-up of the spectral-change curve at <paramref name="sampleRate"/>.</summary>
    public static FrontEndOptions ChangeFrontEnd(int sampleRate)
    {
        int frame = (int)Math.Round(sampleRate * 0.010, MidpointRounding.AwayFromZero);
        int fft = 4;
        while (fft < frame) fft *= 2;
        return new FrontEndOptions
        {
            SampleRate = sampleRate, FrameLengthMs = 10, HopLengthMs = 1, FftSize = fft, MelFilterCount = 24,
            Kind = FeatureKind.LogMel, DeltaOrder = 0, Normalization = CmvnMode.None,
            LowFrequencyHz = Math.Min(50, sampleRate / 4.0),
        };
    }

    /// <summary>The spectral-change curve of <paramref name="samples"/> (empty when the audio is shorter than a few frames).</summary>
    public static SpectralChange Compute(ReadOnlySpan<float> samples, int sampleRate)
    {
        var extractor = new FeatureExtractor(ChangeFrontEnd(sampleRate));
        int frames = extractor.FrameCount(samples.Length), d = extractor.RawDimension;
        double step = extractor.HopLength / (double)sampleRate;
        // Value k compares frames [k, k + L) with [k + L + G, k + 2L + G): frame k + L - 1 ends where frame k + L + G starts
        // (G = frame length / hop - 1), and value k sits at that start.
        int gap = Math.Max(0, extractor.FrameLength / extractor.HopLength - 1);
        int count = frames - 2 * SideFrames - gap + 1;
        if (count <= 0) return new SpectralChange(Array.Empty<float>(), 0, step, 0);
        var mel = new float[frames * d];
        extractor.ExtractRaw(samples, mel);
        double mean = 0;
        for (int i = 0; i < mel.Length; i++) mean += Math.Exp(mel[i]);
        double floor = RelativeFloor * mean / mel.Length;
        for (int i = 0; i < mel.Length; i++) mel[i] = (float)Math.Log(Math.Exp(mel[i]) + floor);
        var values = new float[count];
        var before = new double[d];
        var after = new double[d];
        for (int f = 0; f < SideFrames; f++)
            for (int e = 0; e < d; e++)
            {
                before[e] += mel[f * d + e];
                after[e] += mel[(f + SideFrames + gap) * d + e];
            }
        for (int k = 0; ; k++)
        {
            double sum = 0;
            for (int e = 0; e < d; e++)
            {
                double diff = (after[e] - before[e]) / SideFrames;
                sum += diff * diff;
            }
            values[k] = (float)Math.Sqrt(sum / d);
            if (k + 1 >= count) break;
            // Slide both windows one frame on.
            int outBefore = k * d, inBefore = (k + SideFrames) * d, outAfter = (k + SideFrames + gap) * d, inAfter = (k + 2 * SideFrames + gap) * d;
            for (int e = 0; e < d; e++)
            {
                before[e] += mel[inBefore + e] - mel[outBefore + e];
                after[e] += mel[inAfter + e] - mel[outAfter + e];
            }
        }
        double firstTime = (SideFrames + gap) * (double)extractor.HopLength / sampleRate;
        var sorted = (float[])values.Clone();
        Array.Sort(sorted);
        return new SpectralChange(values, firstTime, step, sorted[sorted.Length / 2]);
    }

    /// <summary>
    /// The time of the largest spectral change within <paramref name="window"/> seconds of <paramref name="time"/>, or
    /// null when the largest value lies on the window's edge (the change continues outside it: no peak inside), is
    /// under <see cref="MinimumPeakRatio"/> times the utterance's median change, or the curve does not cover the window.
    /// </summary>
    public static double? Peak(SpectralChange curve, double time, double window)
    {
        var v = curve.Values;
        if (v.Length == 0) return null;
        int lo = (int)Math.Ceiling((time - window - curve.FirstTime) / curve.Step - 1e-9);
        int hi = (int)Math.Floor((time + window - curve.FirstTime) / curve.Step + 1e-9);
        if (lo < 0 || hi >= v.Length || hi - lo < 2) return null;
        int best = lo;
        for (int k = lo + 1; k <= hi; k++) if (v[k] > v[best]) best = k;
        if (best == lo || best == hi || !(v[best] >= MinimumPeakRatio * curve.Median)) return null;
        return curve.Time(best);
    }

    /// <summary>
    /// Moves each internal boundary b whose class pair has a weight w &gt; 0 to b + w (peak - b), peak being
    /// <see cref="Peak"/> within <paramref name="window"/> of b, keeping every segment at least <paramref name="minimum"/>
    /// seconds long and the boundaries in order. Times are rounded to the millisecond as the aligner's are.
    /// </summary>
    public static void Refine(List<PhoneSegment> segments, SpectralChange curve, Func<PhoneClass, PhoneClass, float> weight, PhoneSet phones, double window, double minimum)
    {
        for (int i = 1; i < segments.Count; i++)
        {
            float w = weight(phones.ClassOf(segments[i - 1].Phone), phones.ClassOf(segments[i].Phone));
            if (!(w > 0)) continue;
            double b = segments[i].Start;
            if (Peak(curve, b, window) is not double peak) continue;
            double lo = segments[i - 1].Start + minimum, hi = segments[i].End - minimum;
            if (lo > hi) continue;
            double moved = Math.Round(Math.Min(hi, Math.Max(lo, b + w * (peak - b))), 3);
            segments[i - 1] = segments[i - 1] with { End = moved };
            segments[i] = segments[i] with { Start = moved };
        }
    }

    /// <summary>
    /// Learns the refinement weight of every phone class pair from aligned training utterances: each candidate weight
    /// (0 and <see cref="CandidateWeights"/>) is applied to all boundaries, and each class pair with at least
    /// <see cref="MinimumBoundaries"/> boundaries keeps the weight that puts the most boundaries within 10 ms plus within
    /// 20 ms of the labels (a weight above 0 only when it beats 0 strictly; ties go to the smaller weight).
    /// </summary>
    /// <param name="utterances">Per utterance: the aligner's segments (same phones as the labels), the labels, the curve.</param>
    /// <param name="phones">The phone set (classes).</param>
    /// <param name="window">Search window in seconds.</param>
    /// <param name="minimum">Shortest segment in seconds (the aligner's hop).</param>
    /// <param name="refined">Receives the number of class pairs given a weight above 0.</param>
    public static float[,] Learn(IReadOnlyList<(IReadOnlyList<PhoneSegment> Hypothesis, IReadOnlyList<PhoneSegment> Labels, SpectralChange Curve)> utterances, PhoneSet phones, double window, double minimum, out int refined)
    {
        int n = AcousticModel.ClassCount, candidates = CandidateWeights.Length + 1;
        var score = new int[candidates, n, n];
        var count = new int[n, n];
        for (int c = 0; c < candidates; c++)
        {
            float w = c == 0 ? 0 : CandidateWeights[c - 1];
            foreach (var (hyp, labels, curve) in utterances)
            {
                var moved = new List<PhoneSegment>(hyp);
                if (w > 0) Refine(moved, curve, (_, _) => w, phones, window, minimum);
                for (int k = 1; k < labels.Count && k < moved.Count; k++)
                {
                    int a = (int)phones.ClassOf(labels[k - 1].Phone), b = (int)phones.ClassOf(labels[k].Phone);
                    double error = Math.Abs(moved[k].Start - labels[k].Start);
                    score[c, a, b] += (error <= 0.010 + 1e-9 ? 1 : 0) + (error <= 0.020 + 1e-9 ? 1 : 0);
                    if (c == 0) count[a, b]++;
                }
            }
        }
        var weights = new float[n, n];
        refined = 0;
        for (int a = 0; a < n; a++)
        {
            for (int b = 0; b < n; b++)
            {
                if (count[a, b] < MinimumBoundaries) continue;
                int best = 0;
                for (int c = 1; c < candidates; c++) if (score[c, a, b] > score[best, a, b]) best = c;
                if (best > 0)
                {
                    weights[a, b] = CandidateWeights[best - 1];
                    refined++;
                }
            }
        }
        return weights;
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using Hmm;
using Hmm.Speech;
using Hmm.Speech.Audio;

namespace Samples.RealtimeVoice;

/// <summary>
/// How far one file's alignment can be trusted: whether its audio holds speech at all, and how close each frame's
/// best state of the phone it was aligned to comes to the best state of any phone (what a free phone loop, without its
/// transitions, can reach), averaged over frames: the goodness-of-pronunciation measure of Witt and Young taken over the
/// whole file. A matched transcript comes within one to two nats per frame of it; another sentence falls several below.
/// </summary>
internal sealed record AlignmentConfidence(double SpeechSeconds, double Score, string? Problem)
{
    /// <summary>
    /// Least speech (seconds of frames well above the file's own noise floor and above <see cref="SilenceDbfs"/>) for a file
    /// to count as holding speech: a one-syllable word lasts longer.
    /// </summary>
    public const double MinSpeechSeconds = 0.15;

    /// <summary>A frame counts as speech only this far (dB) above the file's 10th-percentile frame energy: white noise never gets there.</summary>
    public const double SpeechOverFloorDb = 15;

    /// <summary>Frames quieter than this (dB full scale) are never speech (digital or near-digital silence).</summary>
    public const double SilenceDbfs = -60;

    /// <summary>
    /// Lowest score (nats per frame below the free bound) of a matched transcript: on speech-dev, clean and degraded files
    /// score -2.2 to -0.8 and files paired with another file's transcript -20.6 to -4.6 (BENCHMARKS.md); this lies between.
    /// </summary>
    public const double MinScore = -3.5;

    /// <summary>Whether the file looks like its transcript.</summary>
    public bool Matched => Problem is null;

    /// <summary>Recordings longer than this (60 s) are scored in windows of about <see cref="WindowSeconds"/>, each reported.</summary>
    public const double WindowedLongerThanSeconds = 60;

    /// <summary>The length a long recording's scoring windows aim at (30 s; each ends at the first pause after it, if any within 10 s).</summary>
    public const double WindowSeconds = 30;

    /// <summary>
    /// A long recording's windows (<see cref="WindowedLongerThanSeconds"/>) with their scores: a window below
    /// <see cref="MinScore"/> is a stretch whose labels are not to be trusted (empty for shorter files).
    /// </summary>
    public IReadOnlyList<(double Start, double End, double Score)> Windows { get; init; } = Array.Empty<(double, double, double)>();

    /// <summary>Measures one aligned file (<paramref name="samples"/> at the model's rate; <paramref name="loopEmissions"/>: <see cref="PhoneLoop.Emissions"/>, or null where the model has none: then only the speech check is made).</summary>
    public static AlignmentConfidence Measure(IAcousticModel model, EmissionModel? loopEmissions, float[] samples, IReadOnlyList<PhoneSegment> segments)
    {
        int rate = model.FrontEnd.SampleRate;
        double speech = SpeechSecondsOf(samples, rate);
        double sum = 0;
        int scored = 0;
        var windows = new List<(double Start, double End, double Score)>();
        if (samples.Length <= WindowedLongerThanSeconds * rate) (sum, scored) = ScoreFrames(model, loopEmissions, samples, segments);
        else
        {
            // Windows end in the middle of a pause where one comes soon after the target length (features, and memory,
            // per window: an hour's whole-file emissions would be 600 MB).
            int first = 0;
            double start = 0;
            while (first < segments.Count)
            {
                int last = first;
                while (last < segments.Count - 1 && segments[last].End - start < WindowSeconds) last++;
                int pause = last;
                while (pause < segments.Count - 1 && segments[pause].Phone != PhoneSet.Silence && segments[pause].End - start < WindowSeconds + 10) pause++;
                if (segments[pause].Phone == PhoneSet.Silence) last = pause;
                if (segments.Count - 1 - last < 3) last = segments.Count - 1; // no tiny last window
                bool cutInPause = segments[last].Phone == PhoneSet.Silence && last > first && last < segments.Count - 1;
                double end = last == segments.Count - 1 ? samples.Length / (double)rate
                    : cutInPause ? (segments[last].Start + segments[last].End) / 2 : segments[last].End;
                int from = (int)Math.Round(start * rate), to = Math.Min(samples.Length, (int)Math.Round(end * rate));
                var own = new List<PhoneSegment>();
                for (int k = first; k <= last; k++)
                    own.Add(new PhoneSegment(Math.Max(0, segments[k].Start - start), Math.Max(0, Math.Min(end, segments[k].End) - start), segments[k].Phone));
                var (windowSum, windowCount) = ScoreFrames(model, loopEmissions, samples.AsSpan(from, to - from), own);
                sum += windowSum;
                scored += windowCount;
                windows.Add((start, end, windowCount > 0 ? windowSum / windowCount : double.NaN));
                start = end;
                first = cutInPause ? last : last + 1; // a pause cut in two starts the next window too
            }
        }
        return Verdict(speech, scored > 0 ? sum / scored : double.NaN) with { Windows = windows };
    }

    /// <summary>
    /// The sum over frames of (best state of the aligned phone) less (best state of any phone), and the frames summed.
    /// </summary>
    private static (double Sum, int Count) ScoreFrames(IAcousticModel model, EmissionModel? loopEmissions, ReadOnlySpan<float> samples, IReadOnlyList<PhoneSegment> segments)
    {
        var extractor = new FeatureExtractor(model.FrontEnd);
        var features = extractor.Extract(samples);
        int d = extractor.FeatureDimension, frames = features.Length / Math.Max(1, d), states = model.StatesPerPhone;
        // Scored with the model as loaded, not as adapted to these files: adaptation to one file raises a wrong
        // transcript's fit too, and the score must mean the same with any --adapt.
        double sum = 0;
        int scored = 0, at = 0;
        if (loopEmissions is null || frames == 0) return (0, 0);
        // The SIMD engine's emissions, a few thousand frames at a time (memory stays flat on a long window): scoring every
        // state plainly cost 5x the alignment itself.
        const int Chunk = 4096;
        int length = Math.Min(Chunk, frames);
        var engine = new HmmEngine();
        var batch = new SequenceBatch(1, length, d);
        var ll = new EmissionBatch(1, length, loopEmissions.StateCount);
        for (int t0 = 0; t0 < frames; t0 += length)
        {
            int n = Math.Min(length, frames - t0);
            features.AsSpan(t0 * d, n * d).CopyTo(batch.Data);
            batch.SetLength(0, n);
            engine.ComputeEmissions(loopEmissions, batch, ll);
            for (int k = 0; k < n; k++)
            {
                double centre = extractor.FrameCentreSeconds(t0 + k);
                while (at < segments.Count - 1 && segments[at].End <= centre) at++;
                int phone = model.Phones.IndexOf(segments[at].Phone);
                if (phone < 0 || phone * states + states > loopEmissions.StateCount) continue;
                var frame = ll.Frame(0, k);
                double free = double.NegativeInfinity, forced = double.NegativeInfinity;
                for (int s = 0; s < frame.Length; s++)
                {
                    free = Math.Max(free, frame[s]);
                    if (s / states == phone) forced = Math.Max(forced, frame[s]);
                }
                if (!double.IsFinite(free) || !double.IsFinite(forced)) continue;
                sum += forced - free;
                scored++;
            }
        }
        return (sum, scored);
    }

    /// <summary>The verdict on a file's speech seconds and score.</summary>
    private static AlignmentConfidence Verdict(double speech, double score)
    {
        var inv = CultureInfo.InvariantCulture;
        string? problem = speech < MinSpeechSeconds
            ? string.Format(inv, "no speech found ({0:0.00} s of frames {1:0} dB over the noise floor; silence or noise?): the labels are not a real alignment", speech, SpeechOverFloorDb)
            : score < MinScore
                ? string.Format(inv, "the audio does not match the transcript (confidence {0:0.00} nats/frame, below {1:0.0}): the labels are not a real alignment", score, MinScore)
                : null;
        return new AlignmentConfidence(speech, score, problem);
    }

    /// <summary>
    /// Seconds of 25 ms frames (10 ms hop) whose energy is <see cref="SpeechOverFloorDb"/> over the file's 10th-percentile
    /// frame and above <see cref="SilenceDbfs"/>: a relative floor keeps noisy and quiet speech, the absolute one rejects silence.
    /// </summary>
    public static double SpeechSecondsOf(float[] samples, int sampleRate)
    {
        int length = Math.Max(1, sampleRate / 40), hop = Math.Max(1, sampleRate / 100);
        int n = samples.Length < length ? 0 : 1 + (samples.Length - length) / hop;
        if (n == 0) return 0;
        var db = new double[n];
        for (int f = 0; f < n; f++)
        {
            double sum = 0;
            for (int i = f * hop, end = i + length; i < end; i++) sum += samples[i] * (double)samples[i];
            db[f] = 10 * Math.Log10(sum / length + 1e-20);
        }
        var sorted = (double[])db.Clone();
        Array.Sort(sorted);
        double threshold = Math.Max(sorted[n / 10] + SpeechOverFloorDb, SilenceDbfs);
        int speech = 0;
        foreach (double v in db) if (v > threshold) speech++;
        return speech * hop / (double)sampleRate;
    }
}

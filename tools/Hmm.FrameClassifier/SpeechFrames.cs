using System;
using System.Collections.Generic;
using System.IO;
using Hmm.Speech;
using Hmm.Speech.Audio;
using Hmm.Speech.Training;

namespace Hmm.FrameClassifier;

/// <summary>Phone-labelled frames from WAV + label files: the library's default front end, and the phone at each frame's centre.</summary>
public static class SpeechFrames
{
    /// <summary>
    /// Features of <paramref name="wavPath"/> (<see cref="FrontEndOptions.Default"/>: 39 MFCC values a frame, each utterance
    /// mean- and variance-normalised) and, from the label file beside it, the <see cref="PhoneSet.Default"/> index of the
    /// phone whose segment holds each frame's centre.
    /// </summary>
    /// <exception cref="InvalidDataException">A label names a phone outside the phone set.</exception>
    public static LabelledUtterance Load(string wavPath, string labelPath, FeatureExtractor extractor)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        var audio = WavReader.Read(wavPath, extractor.Options.SampleRate);
        float[] features = extractor.Extract(audio.Span);
        int frames = features.Length / extractor.FeatureDimension;
        var segments = LabelFile.Read(labelPath);
        var labels = new int[frames];
        int s = 0;
        for (int t = 0; t < frames; t++)
        {
            double centre = extractor.FrameCentreSeconds(t);
            while (s < segments.Count - 1 && centre >= segments[s].End) s++;
            int phone = PhoneSet.Default.IndexOf(segments[s].Phone);
            if (phone < 0) throw new InvalidDataException($"{labelPath}: phone '{segments[s].Phone}' is not in the default phone set.");
            labels[t] = phone;
        }
        return new LabelledUtterance(Path.GetFileNameWithoutExtension(wavPath), features, frames, labels);
    }

    /// <summary>Frame accuracy of <paramref name="predict"/>'s classes against the labels, and the share of the most frequent label (chance for a constant guess).</summary>
    public static (double Accuracy, double Majority, int Frames) Score(IReadOnlyList<LabelledUtterance> data, Func<LabelledUtterance, int[]> predict, int classes)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(predict);
        long correct = 0, total = 0;
        var counts = new long[classes];
        foreach (var u in data)
        {
            int[] p = predict(u);
            for (int t = 0; t < u.Frames; t++)
            {
                if (p[t] == u.Labels[t]) correct++;
                counts[u.Labels[t]]++;
                total++;
            }
        }
        long most = 0;
        foreach (long c in counts) most = Math.Max(most, c);
        return total == 0 ? (0, 0, 0) : ((double)correct / total, (double)most / total, (int)total);
    }
}

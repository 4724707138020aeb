using System;
using System.Collections.Generic;
using System.Linq;
using Hmm.Speech;
using Hmm.Streaming;
using Xunit;

namespace Hmm.PackageTests;

/// <summary>Live lip-sync through the Hmm.Streaming package: the sample pushed in 10 ms blocks, following its transcript.</summary>
public class PackagedLipSyncTests(ITestOutputHelper output)
{
    [Fact]
    public void Lip_syncs_the_sample_into_mouth_cues_that_follow_the_exact_labels()
    {
        var samples = SampleUtterance.ReadWav(out int rate);
        var script = new Transcriber(PronunciationLexicon.LoadDefault()).Transcribe(SampleUtterance.Text);
        int block = rate / 100;
        var processor = new LipSyncProcessor(LipSyncOptions.Balanced with { Script = script, InputSampleRate = rate, MaxBlockSamples = block });
        var segments = new List<CommittedPhone>();
        var buffer = new CommittedPhone[64];
        var frame = new LipSyncFrame(processor.Phones);
        int framesRead = 0;
        for (int i = 0; i < samples.Length; i += block)
        {
            processor.Push(samples.AsSpan(i, Math.Min(block, samples.Length - i)));
            for (int n; (n = processor.ReadSegments(buffer)) > 0;) segments.AddRange(buffer.Take(n));
            if (processor.TryReadLatest(frame)) framesRead++;
        }
        processor.Flush();
        for (int n; (n = processor.ReadSegments(buffer)) > 0;) segments.AddRange(buffer.Take(n));

        Assert.True(framesRead > 0, "no frame was ever readable while the audio was pushed");
        Assert.NotEmpty(segments);
        for (int i = 1; i < segments.Count; i++) Assert.True(segments[i].Start >= segments[i - 1].End - 1e-9, $"segment {i} starts before {i - 1} ends");

        // Rhubarb cues from the committed phones, 10 ms frames, and the same from the exact labels.
        double duration = samples.Length / (double)rate;
        var map = VisemeMap.For(VisemeSet.Rhubarb, processor.Phones);
        var labels = SampleUtterance.Labels;
        int frames = (int)Math.Floor(duration * 100);
        var shapes = new RhubarbShape[frames];
        var expected = new RhubarbShape[frames];
        int k = 0, phonesAgree = 0, shapesAgree = 0;
        for (int f = 0; f < frames; f++)
        {
            double centre = (f + 0.5) / 100;
            while (k < segments.Count - 1 && segments[k].End <= centre) k++;
            string phone = processor.Phones[segments[k].Phone];
            string truth = SampleUtterance.PhoneAt(labels, centre);
            shapes[f] = (RhubarbShape)map.ShapeOf(phone);
            expected[f] = (RhubarbShape)map.ShapeOf(truth);
            if (phone == truth) phonesAgree++;
            if (shapes[f] == expected[f]) shapesAgree++;
        }
        var cues = MouthCueBuilder.FromFrames(shapes, 10, duration);

        output.WriteLine($"{cues.Length} cues: {string.Join(" ", cues.Select(c => c.Shape))}; phones right in {phonesAgree}, shapes in {shapesAgree} of {frames} frames");
        // Non-trivial: it opens and closes the mouth through several shapes, starting and ending at rest, and mostly
        // agrees with the shapes of the exact labels.
        Assert.True(cues.Length >= 8, $"only {cues.Length} cues");
        Assert.True(cues.Select(c => c.Shape).Distinct().Count() >= 4, "fewer than four distinct mouth shapes: " + string.Join(" ", cues.Select(c => c.Shape)));
        Assert.Equal(RhubarbShape.X, cues[0].Shape);
        Assert.Equal(RhubarbShape.X, cues[^1].Shape);
        Assert.InRange(cues[^1].End, duration - 0.01, duration + 0.01);
        Assert.True(phonesAgree >= 0.75 * frames, $"phones right in {phonesAgree} of {frames} frames");
        Assert.True(shapesAgree >= 0.8 * frames, $"mouth shapes right in {shapesAgree} of {frames} frames");
    }
}

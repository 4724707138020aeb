using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Hmm.Speech;
using Xunit;

namespace Hmm.PackageTests;

/// <summary>Forced alignment through the Hmm.Speech package alone: its embedded model and dictionary, the sample's text.</summary>
public class PackagedAlignmentTests(ITestOutputHelper output)
{
    [Fact]
    public void Aligns_the_sample_to_its_transcript_close_to_the_exact_labels()
    {
        var model = AcousticModel.LoadDefault();
        var samples = SampleUtterance.ReadWav(out int rate);
        Assert.Equal(model.FrontEnd.SampleRate, rate);
        var words = new Transcriber(PronunciationLexicon.LoadDefault()).Transcribe(SampleUtterance.Text);
        var phones = PhoneSequence.FromWords(words.Select(w => (IReadOnlyList<string>)w.Phones));

        var outcome = new ForcedAligner(model).Align(new AlignmentInput(SampleUtterance.Id, samples, phones));

        Assert.True(outcome.Succeeded, outcome.Error);
        var reference = SampleUtterance.Labels;
        var aligned = outcome.Segments!;
        double duration = samples.Length / (double)rate;
        Assert.Equal(0, aligned[0].Start, 3);
        Assert.Equal(duration, aligned[^1].End, 3);
        for (int i = 1; i < aligned.Count; i++) Assert.Equal(aligned[i - 1].End, aligned[i].Start, 6);

        // Each exact boundary against the nearest aligned one (the aligner may add a pause the labels lack, and the
        // dictionary's "the" is DH AH where the synthesiser said DH IH): all within 30 ms, most within 20 ms (the default
        // model places 93.8 % of speech-dev's clean boundaries within 20 ms).
        var errors = reference.SkipLast(1).Select(r => aligned.SkipLast(1).Min(a => Math.Abs(a.End - r.End))).ToArray();
        string shown = string.Join(" ", errors.Select(e => (e * 1000).ToString("F0", CultureInfo.InvariantCulture)));
        output.WriteLine($"boundary errors, ms: {shown}");
        Assert.All(errors, e => Assert.InRange(e, 0, 0.030));
        Assert.True(errors.Count(e => e <= 0.020) >= 0.85 * errors.Length, $"boundaries within 20 ms: {errors.Count(e => e <= 0.020)} of {errors.Length} ({shown} ms)");

        // The phone in each 10 ms frame, against the labels.
        int frames = (int)Math.Floor(duration * 100), agree = 0;
        for (int f = 0; f < frames; f++)
        {
            double centre = (f + 0.5) / 100;
            if (aligned.First(s => centre < s.End || s == aligned[^1]).Phone == SampleUtterance.PhoneAt(reference, centre)) agree++;
        }
        output.WriteLine($"phone right in {agree} of {frames} frames");
        Assert.True(agree >= 0.85 * frames, $"phone right in {agree} of {frames} frames");
    }
}

using System;
using System.Linq;
using Hmm.Streaming;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Streaming.Hosting;

/// <summary><see cref="VisemeTrack"/>: a recording baked ahead of time, sampled at playback without allocating.</summary>
public class VisemeTrackTests
{
    private static readonly Lazy<VisemeTrack> Baked = new(() => VisemeTrack.Bake(LipSyncTestAudio.Speech16k, 16000, LipSyncTestAudio.Script, frameRate: 60));

    [Fact]
    public void Baking_with_a_script_gives_every_set_at_the_frame_rate_and_the_words_in_order()
    {
        var track = Baked.Value;
        double seconds = LipSyncTestAudio.Speech16k.Length / 16000.0;
        Assert.Equal((int)Math.Floor(seconds * 60) + 1, track.FrameCount);
        Assert.Equal(track.FrameCount * 9, track.Weights(VisemeSet.Rhubarb).Length);
        Assert.Equal(track.FrameCount * 15, track.Weights(VisemeSet.Oculus).Length);
        Assert.Equal(track.FrameCount * 6, track.Weights(VisemeSet.Vowels).Length);
        var script = LipSyncTestAudio.Script;
        Assert.True(track.Words.Count >= script.Count - 1, $"{track.Words.Count} word cues for {script.Count} words");
        for (int i = 0; i < track.Words.Count; i++)
        {
            var w = track.Words[i];
            Assert.Equal(script[w.Word].Text, w.Text);
            Assert.True(w.End > w.Start);
            if (i > 0) Assert.True(w.Start >= track.Words[i - 1].End);
            Assert.Equal(i, track.WordAt((w.Start + w.End) / 2));
        }
        Assert.Equal(-1, track.WordAt(-1));
        Assert.Equal(-1, track.WordAt(seconds + 1));
        // Silence at the start: the rest shapes; speech in the middle: the mouth open.
        var rhubarb = new float[9];
        track.Sample(VisemeSet.Rhubarb, 0, rhubarb);
        Assert.Equal((int)RhubarbShape.X, Array.IndexOf(rhubarb, rhubarb.Max()));
        var w0 = track.Words[0];
        var vowels = new float[6];
        double loudest = 0;
        for (double t = w0.Start; t < track.Words[^1].End; t += 0.01)
        {
            track.Sample(VisemeSet.Vowels, t, vowels);
            loudest = Math.Max(loudest, vowels.Sum());
        }
        Assert.True(loudest > 0.5, $"vowel weights reach only {loudest}");
    }

    [Fact]
    public void Sampling_interpolates_between_frames_and_holds_the_ends()
    {
        // Two frames at 10 fps: Rhubarb A then B.
        var rhubarb = new float[18];
        rhubarb[(int)RhubarbShape.A] = 1;
        rhubarb[9 + (int)RhubarbShape.B] = 1;
        var track = new VisemeTrack(10, rhubarb, new float[30], new float[12]);
        var w = new float[9];
        track.Sample(VisemeSet.Rhubarb, 0.025, w);
        Assert.Equal(0.75f, w[(int)RhubarbShape.A], 5);
        Assert.Equal(0.25f, w[(int)RhubarbShape.B], 5);
        track.Sample(VisemeSet.Rhubarb, -3, w);
        Assert.Equal(1f, w[(int)RhubarbShape.A]);
        track.Sample(VisemeSet.Rhubarb, 99, w);
        Assert.Equal(1f, w[(int)RhubarbShape.B]);
        Assert.Equal(0.1, track.Duration, 9);
    }

    [Fact]
    public void Playback_allocates_nothing()
    {
        var track = Baked.Value;
        var oculus = new float[15];
        int word = 0;
        track.Sample(VisemeSet.Oculus, 0, oculus);
        // Rounds until one allocates nothing: tiered compilation may allocate once on this thread (SteadyAllocation).
        Assert.Equal(0, SteadyAllocation.Bytes(() =>
        {
            for (int i = 0; i < 20000; i++)
            {
                double t = i * (1 / 90.0) % track.Duration;
                track.Sample(VisemeSet.Oculus, t, oculus);
                word += track.WordAt(t);
            }
        }, warmUp: 0, calls: 1));
    }

    [Fact]
    public void A_track_read_back_is_checked()
    {
        var e = Assert.Throws<ArgumentException>(() => new VisemeTrack(60, new float[18], new float[15], new float[12]));
        Assert.Equal("oculus", e.ParamName);
        Assert.Contains("1 frames but rhubarb has 2", e.Message);
        Assert.Equal("rhubarb", Assert.Throws<ArgumentException>(() => new VisemeTrack(60, new float[10], new float[15], new float[6])).ParamName);
        Assert.Equal("frameRate", Assert.Throws<ArgumentOutOfRangeException>(() => new VisemeTrack(0, new float[9], new float[15], new float[6])).ParamName);
        var nan = new float[9];
        nan[3] = float.NaN;
        Assert.Contains("not finite", Assert.Throws<ArgumentException>(() => new VisemeTrack(60, nan, new float[15], new float[6])).Message);
        var words = new[] { new WordCue(0, "is", 0.5, 0.7), new WordCue(1, "this", 0.6, 0.9) };
        Assert.Contains("words[1] ('this'", Assert.Throws<ArgumentException>(() => new VisemeTrack(60, new float[9], new float[15], new float[6], words)).Message);
        Assert.Equal("samples", Assert.Throws<ArgumentException>(() => VisemeTrack.Bake(ReadOnlySpan<float>.Empty, 16000)).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => Baked.Value.Sample(VisemeSet.Oculus, 0, new float[9])).ParamName);
    }
}

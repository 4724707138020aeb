using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Hmm.Speech.Audio;
using Hmm.Speech.Training;
using Hmm.Tests.Alignment;
using Xunit;

namespace Hmm.Tests.Audio;

/// <summary>
/// <see cref="PitchTracker"/> (YIN) on synthetic signals of known F0, on silence and clipped noise, and on speech against
/// Praat 6.3 and SPTK 3.9 (RAPT, SWIPE'): the tracks in Data/Pitch, made by tools/make-pitch-fixtures.sh.
/// </summary>
public class PitchTrackerTests(ITestOutputHelper output)
{
    private const int Rate = 16000;

    /// <summary>Frames whose whole analysis span (up to 27 ms each side at a 75 Hz floor) lies inside a signal of <paramref name="seconds"/>.</summary>
    private static IEnumerable<int> InteriorFrames(PitchTrack track, double seconds) =>
        Enumerable.Range(0, track.FrameCount).Where(k => track.TimeOf(k) >= 0.03 && track.TimeOf(k) <= seconds - 0.03);

    [Theory]
    [InlineData(80.0)]
    [InlineData(123.4)]
    [InlineData(220.0)]
    [InlineData(440.0)]
    [InlineData(590.0)]
    public void A_sine_is_tracked_within_1_percent_in_every_interior_frame(double hz)
    {
        var x = Enumerable.Range(0, Rate).Select(n => (float)(0.5 * Math.Sin(2 * Math.PI * hz * n / Rate))).ToArray();
        var track = PitchTracker.Track(x, Rate);
        Assert.Equal(100, track.FrameCount);
        foreach (int k in InteriorFrames(track, 1.0))
        {
            Assert.True(Math.Abs(track.F0[k] - hz) <= 0.01 * hz, $"frame {k}: {track.F0[k]} Hz for {hz} Hz");
            Assert.True(track.Periodicity[k] > 0.95f, $"frame {k}: periodicity {track.Periodicity[k]}");
        }
    }

    [Theory]
    [InlineData(8000)]
    [InlineData(22050)]
    [InlineData(44100)]
    public void Other_sample_rates_give_the_same_frames_and_f0(int rate)
    {
        const double hz = 180;
        var x = Enumerable.Range(0, rate).Select(n => (float)(0.5 * Math.Sin(2 * Math.PI * hz * n / rate))).ToArray();
        var track = PitchTracker.Track(x, rate);
        Assert.Equal(100, track.FrameCount);
        foreach (int k in InteriorFrames(track, 1.0)) Assert.True(Math.Abs(track.F0[k] - hz) <= 0.01 * hz, $"frame {k}: {track.F0[k]} Hz");
    }

    [Fact]
    public void A_sine_sweep_is_tracked_within_1_percent_of_its_instantaneous_frequency()
    {
        const double seconds = 2, from = 100, to = 400;
        var x = new float[(int)(seconds * Rate)];
        for (int n = 0; n < x.Length; n++)
        {
            double t = n / (double)Rate;
            x[n] = (float)(0.5 * Math.Sin(2 * Math.PI * (from * t + (to - from) * t * t / (2 * seconds))));
        }
        var track = PitchTracker.Track(x, Rate);
        foreach (int k in InteriorFrames(track, seconds))
        {
            double truth = from + (to - from) * track.TimeOf(k) / seconds;
            Assert.True(Math.Abs(track.F0[k] - truth) <= 0.01 * truth, $"frame {k}: {track.F0[k]} Hz for {truth:0.0} Hz");
        }
    }

    /// <summary>
    /// Rosenberg glottal pulses (40 % opening, 16 % closing) at a known F0, differentiated (lip radiation) and passed
    /// through two formant resonators: a vowel-like signal whose harmonics are not all alike.
    /// </summary>
    internal static float[] GlottalVowel(double f0, double seconds, double vibratoHz = 0, double vibratoDepth = 0)
    {
        var x = new float[(int)(seconds * Rate)];
        double phase = 0, previous = 0;
        var resonators = new[] { new Resonator(700, 110), new Resonator(1200, 120) };
        for (int n = 0; n < x.Length; n++)
        {
            double t = n / (double)Rate;
            double f = f0 * (1 + vibratoDepth * Math.Sin(2 * Math.PI * vibratoHz * t));
            phase += f / Rate;
            double p = phase - Math.Floor(phase);
            double g = p < 0.4 ? 0.5 * (1 - Math.Cos(Math.PI * p / 0.4)) : p < 0.56 ? Math.Cos(Math.PI * (p - 0.4) / (2 * 0.16)) : 0;
            double y = g - previous;
            previous = g;
            foreach (var r in resonators) y = r.Next(y);
            x[n] = (float)y;
        }
        float peak = x.Max(Math.Abs);
        for (int n = 0; n < x.Length; n++) x[n] = 0.5f * x[n] / peak;
        return x;
    }

    private sealed class Resonator(double hz, double bandwidth)
    {
        private readonly double _a1 = 2 * Math.Exp(-Math.PI * bandwidth / Rate) * Math.Cos(2 * Math.PI * hz / Rate);
        private readonly double _a2 = -Math.Exp(-2 * Math.PI * bandwidth / Rate);
        private double _y1, _y2;

        public double Next(double x)
        {
            double y = x + _a1 * _y1 + _a2 * _y2;
            _y2 = _y1;
            _y1 = y;
            return y;
        }
    }

    [Theory]
    [InlineData(85.0)]
    [InlineData(110.0)]
    [InlineData(175.5)]
    [InlineData(260.0)]
    public void A_glottal_pulse_train_is_tracked_within_1_percent(double f0)
    {
        var track = PitchTracker.Track(GlottalVowel(f0, 1.0), Rate);
        foreach (int k in InteriorFrames(track, 1.0))
            Assert.True(Math.Abs(track.F0[k] - f0) <= 0.01 * f0, $"frame {k}: {track.F0[k]} Hz for {f0} Hz");
    }

    [Fact]
    public void A_glottal_pulse_train_with_vibrato_is_tracked_within_1_percent()
    {
        // 5.5 Hz vibrato of ±3 % around 150 Hz: F0 moves by up to 28 Hz/s.
        var x = GlottalVowel(150, 1.5, 5.5, 0.03);
        var track = PitchTracker.Track(x, Rate);
        foreach (int k in InteriorFrames(track, 1.5))
        {
            double truth = 150 * (1 + 0.03 * Math.Sin(2 * Math.PI * 5.5 * track.TimeOf(k)));
            Assert.True(Math.Abs(track.F0[k] - truth) <= 0.01 * truth, $"frame {k}: {track.F0[k]} Hz for {truth:0.0} Hz");
        }
    }

    [Fact]
    public void Silence_is_all_unvoiced_and_empty_audio_has_no_frames()
    {
        var track = PitchTracker.Track(new float[Rate], Rate);
        Assert.Equal(100, track.FrameCount);
        Assert.All(Enumerable.Range(0, 100), k => Assert.False(track.IsVoiced(k)));
        Assert.All(Enumerable.Range(0, 100), k => Assert.Equal(0f, track.Periodicity[k]));
        Assert.Equal(0, PitchTracker.Track(ReadOnlySpan<float>.Empty, Rate).FrameCount);
        // One sample more than 100 hops starts frame 100.
        Assert.Equal(101, PitchTracker.Track(new float[Rate + 1], Rate).FrameCount);
    }

    [Fact]
    public void Quiet_frames_between_voiced_ones_are_unvoiced()
    {
        var vowel = GlottalVowel(120, 0.5);
        var x = vowel.Concat(new float[Rate / 2]).Concat(vowel).ToArray();
        var track = PitchTracker.Track(x, Rate);
        Assert.All(Enumerable.Range(58, 34), k => Assert.False(track.IsVoiced(k), $"frame {k}"));
        Assert.All(Enumerable.Range(5, 40).Concat(Enumerable.Range(105, 40)), k => Assert.True(track.IsVoiced(k), $"frame {k}"));
    }

    [Theory]
    [InlineData(1, 0.3)]
    [InlineData(2, 0.05)]
    [InlineData(3, 1.0)]
    public void Clipped_noise_is_almost_all_unvoiced(int seed, double clip)
    {
        var random = new Random(seed);
        var x = new float[2 * Rate];
        for (int n = 0; n < x.Length; n++)
        {
            // Box-Muller Gaussian noise at 0.5 RMS, hard-clipped.
            double g = 0.5 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            x[n] = (float)Math.Clamp(g, -clip, clip);
        }
        var track = PitchTracker.Track(x, Rate);
        int voiced = Enumerable.Range(0, track.FrameCount).Count(track.IsVoiced);
        output.WriteLine($"clip {clip}: {voiced} of {track.FrameCount} frames voiced");
        Assert.True(voiced <= track.FrameCount / 50, $"{voiced} of {track.FrameCount} frames voiced");
    }

    [Fact]
    public void Bad_input_is_refused_with_the_setting_named()
    {
        Assert.Throws<ArgumentException>(() => PitchTracker.Track(new[] { 0f, float.NaN, 0f }, Rate));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => PitchTracker.Track(new float[100], Rate, PitchOptions.Default with { FloorHz = 700 }));
        Assert.Contains("FloorHz", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => PitchTracker.Track(new float[100], 2000, PitchOptions.Default));
        Assert.Contains("CeilingHz", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => PitchTracker.Track(new float[100], Rate, PitchOptions.Default with { HopMs = double.NaN }));
        Assert.Contains("HopMs", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => PitchTracker.Track(new float[100], 0));
    }

    [Fact]
    public void Without_smoothing_the_absolute_threshold_pick_is_kept_frame_by_frame()
    {
        var track = PitchTracker.Track(GlottalVowel(140, 1.0), Rate, PitchOptions.Default with { Smooth = false });
        foreach (int k in InteriorFrames(track, 1.0)) Assert.True(Math.Abs(track.F0[k] - 140) <= 1.4, $"frame {k}: {track.F0[k]}");
    }

    // ---- speech against Praat and SPTK ----

    private static string FixtureDirectory => Path.Combine(AppContext.BaseDirectory, "Data", "Pitch");

    /// <summary>An oracle's track: one (time, F0) per frame, 0 = unvoiced.</summary>
    private static (double Time, float F0)[] Oracle(string id, string tracker) =>
        File.ReadAllLines(Path.Combine(FixtureDirectory, $"{id}.{tracker}.tsv"))
            .Select(l => l.Split('\t'))
            .Select(r => (double.Parse(r[0], CultureInfo.InvariantCulture), float.Parse(r[1], CultureInfo.InvariantCulture)))
            .ToArray();

    /// <summary>Our track of <paramref name="wav"/> against an oracle's, each oracle frame paired with our frame nearest in time.</summary>
    internal static PitchComparison AgainstOracle(string wav, string id, string tracker)
    {
        var ours = PitchTracker.Track(WavReader.Read(wav, Rate).Samples, Rate);
        var oracle = Oracle(id, tracker);
        var pairs = Enumerable.Range(0, oracle.Length)
            .Select(i => (Reference: i, Hypothesis: (int)Math.Round(oracle[i].Time / ours.HopSeconds)))
            .Where(p => p.Hypothesis < ours.FrameCount)
            .ToList();
        return PitchEvaluation.Compare(oracle.Select(o => o.F0).ToArray(), ours.F0, pairs);
    }

    public static TheoryData<string, double, double> Oracles => new()
    {
        // tracker, highest gross error rate on frames both call voiced, lowest voicing agreement (BENCHMARKS.md has the measured figures)
        { "praat", 0.01, 0.94 },
        { "rapt", 0.01, 0.90 },
        { "swipe", 0.01, 0.90 },
    };

    [Theory]
    [MemberData(nameof(Oracles))]
    public void On_the_bundled_samples_our_track_agrees_with_the_established_trackers(string tracker, double maxGross, double minAgreement)
    {
        var results = AlignmentTestData.SampleIds.Select(id => AgainstOracle(AlignmentTestData.Wav(id), id, tracker)).ToList();
        var all = PitchEvaluation.Combine(results);
        output.WriteLine($"{tracker}: {all.Frames} frames, voicing agreement {1 - all.VoicingDecisionError:P1}, {all.VoicedInBoth} voiced in both, gross {all.GrossErrorRate:P2}, RMSE {all.RmseHz:0.00} Hz, {all.RmseCents:0.0} cents");
        Assert.True(all.VoicedInBoth > 200);
        Assert.True(all.GrossErrorRate <= maxGross, $"gross error rate {all.GrossErrorRate:P2}");
        Assert.True(1 - all.VoicingDecisionError >= minAgreement, $"voicing agreement {1 - all.VoicingDecisionError:P1}");
    }

    [Theory]
    [MemberData(nameof(Oracles))]
    public void On_more_speech_dev_utterances_our_track_agrees_with_the_established_trackers(string tracker, double maxGross, double minAgreement)
    {
        string clean;
        try
        {
            clean = Path.Combine(SpeechDev.Directory, "clean");
        }
        catch (DirectoryNotFoundException e)
        {
            Assert.Skip(e.Message);
            return;
        }
        var ids = Directory.GetFiles(FixtureDirectory, "*.praat.tsv").Select(p => Path.GetFileName(p)[..^".praat.tsv".Length])
            .Where(id => !AlignmentTestData.SampleIds.Contains(id)).ToList();
        Assert.Equal(8, ids.Count);
        var all = PitchEvaluation.Combine(ids.Select(id => AgainstOracle(Path.Combine(clean, id + ".wav"), id, tracker)));
        output.WriteLine($"{tracker}: {all.Frames} frames, voicing agreement {1 - all.VoicingDecisionError:P1}, {all.VoicedInBoth} voiced in both, gross {all.GrossErrorRate:P2}, RMSE {all.RmseHz:0.00} Hz, {all.RmseCents:0.0} cents");
        Assert.True(all.GrossErrorRate <= maxGross, $"gross error rate {all.GrossErrorRate:P2}");
        Assert.True(1 - all.VoicingDecisionError >= minAgreement, $"voicing agreement {1 - all.VoicingDecisionError:P1}");
    }
}

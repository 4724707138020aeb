using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Hmm.Streaming;
using Xunit;

namespace Hmm.Tests.Streaming;

/// <summary>
/// <see cref="LipSyncProcessor"/> as a stream: block sizes change nothing (segments and frames bit for bit), times
/// follow the caller's clock and the segments tile the stream, and bad input is refused or absorbed as documented.
/// </summary>
public class LipSyncProcessorTests
{
    // Under Mono (this file linked into Hmm.Tests.Mono) the scalar path is many times slower: the slowest theories keep
    // fewer rows there, enough to cover each rate, look-ahead and option once; .NET runs them all.
    public static TheoryData<int, int> RatesAndLookaheads() => new()
    {
#if HMM_MONO
        { 16000, 300 }, { 48000, 0 },
#else
        { 16000, 0 }, { 16000, 100 }, { 16000, 300 },
        { 48000, 0 }, { 48000, 100 }, { 48000, 300 },
#endif
    };

    private static LipSyncProcessor Processor(int rate, int lookaheadMs = 100, int maxBlock = 4800) =>
        new(LipSyncOptions.Balanced with { InputSampleRate = rate, LookaheadMs = lookaheadMs, MaxBlockSamples = maxBlock });

    [Theory]
    [MemberData(nameof(RatesAndLookaheads))]
    public void Random_block_sizes_give_the_same_segments_and_frames_as_whole_blocks_and_as_10ms_pushes(int rate, int lookaheadMs)
    {
        float[] audio = LipSyncTestAudio.Speech(rate);
        using var processor = Processor(rate, lookaheadMs);
        int max = processor.Options.MaxBlockSamples;
        var whole = LipSyncRecording.Run(processor, audio, LipSyncTestAudio.FixedBlocks(max));
        processor.Reset();
        var random = LipSyncRecording.Run(processor, audio, LipSyncTestAudio.RandomBlocks(rate + lookaheadMs, max));
        LipSyncRecording.AssertSame(whole, random, $"{rate} Hz, {lookaheadMs} ms, random blocks");
        processor.Reset();
        var hops = LipSyncRecording.Run(processor, audio, LipSyncTestAudio.FixedBlocks(160));
        LipSyncRecording.AssertSame(whole, hops, $"{rate} Hz, {lookaheadMs} ms, 160-sample pushes");

        // Every analysis hop made a frame, numbered in order: one per whole window of the audio at the model's rate.
        Assert.Equal(Enumerable.Range(0, whole.Frames.Count).Select(i => (long)i), whole.Frames.Select(f => f.FrameIndex));
        Assert.Equal(processor.Frames, whole.Frames.Count);
        var front = LipSyncTestAudio.DefaultFrontEnd;
        long modelSamples = (audio.Length * (long)front.SampleRate + rate - 1) / rate;
        Assert.Equal(1 + (modelSamples - front.FrameLength) / front.HopLength, whole.Frames.Count);
        AssertTiles(whole.Segments, 0, audio.Length, rate);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(100, false)]
    [InlineData(100, true)]
    public void Without_frame_outputs_the_segments_are_the_same_and_no_frame_is_published(int lookaheadMs, bool script)
    {
        float[] audio = LipSyncTestAudio.Speech(16000);
        var options = LipSyncOptions.Balanced with { LookaheadMs = lookaheadMs, Script = script ? LipSyncTestAudio.Script : null };
        using var full = new LipSyncProcessor(options);
        using var segmentsOnly = new LipSyncProcessor(options with { FrameOutputs = false });
        var expected = LipSyncRecording.Run(full, audio, LipSyncTestAudio.RandomBlocks(7, 4800));
        var actual = LipSyncRecording.Run(segmentsOnly, audio, LipSyncTestAudio.RandomBlocks(8, 4800));
        Assert.True(expected.Segments.Count > 5);
        Assert.Equal(expected.Segments, actual.Segments);
        Assert.Empty(actual.Frames);
        Assert.False(segmentsOnly.TryReadLatest(new LipSyncFrame(segmentsOnly.Phones)));
    }

    /// <summary>
    /// A whole recording at once (one front-end pass) gives, bit for bit, what its own statistics as the prior, pushes
    /// and a flush give: at the model's rate and resampled, with and without a script, frame outputs or provisional
    /// frames; twice on one processor; segments through <see cref="LipSyncProcessor.SegmentCommitted"/>.
    /// </summary>
    [Theory]
    [InlineData(16000, false, true, 0)]
    [InlineData(48000, false, true, 0)]
    [InlineData(16000, true, true, 0)]
    [InlineData(22050, false, false, 0)]
    [InlineData(16000, true, false, 0)]
    [InlineData(16000, false, true, 2)]
    public void A_whole_recording_gives_what_its_statistics_pushes_and_a_flush_give(int rate, bool script, bool frameOutputs, int provisional)
    {
        float[] audio = LipSyncTestAudio.Speech(rate);
        var options = LipSyncOptions.Balanced with
        {
            InputSampleRate = rate, PriorFrames = 1e6, Script = script ? LipSyncTestAudio.Script : null, FrameOutputs = frameOutputs, ProvisionalFrames = provisional,
        };
        using var pushed = new LipSyncProcessor(options);
        pushed.Reset(LipSyncProcessor.FeatureStatistics(null, audio, rate));
        var expected = LipSyncRecording.Run(pushed, audio, LipSyncTestAudio.RandomBlocks(rate, 4800));
        using var whole = new LipSyncProcessor(options with { SegmentCapacity = 1 });
        for (int pass = 0; pass < 2; pass++)
        {
            var actual = new LipSyncRecording();
            whole.FrameAnalysed = f => actual.Frames.Add(RecordedFrame.Of(f));
            whole.SegmentCommitted = actual.Segments.Add;
            whole.ProcessRecording(audio);
            Assert.Equal(0, whole.ReadSegments(new CommittedPhone[4]));
            if (!frameOutputs) Assert.Empty(actual.Frames);
            LipSyncRecording.AssertSame(expected, actual, $"{rate} Hz, script {script}, frame outputs {frameOutputs}, pass {pass}");
        }
        Assert.Equal(0, whole.Monitor.DroppedSegments);
    }

    /// <summary>
    /// One processor moved from script to script (and to none) gives what a fresh processor for each gives, bit for bit,
    /// and its options carry the script it follows.
    /// </summary>
    [Fact]
    public void ResetScript_follows_another_script_as_a_fresh_processor_would()
    {
        float[] audio = LipSyncTestAudio.Speech(16000);
        var full = LipSyncTestAudio.Script;
        var shorter = full.Take(full.Count / 2).ToArray();
        using var reused = new LipSyncProcessor(LipSyncOptions.Balanced with { Script = full });
        LipSyncRecording.Run(reused, audio, LipSyncTestAudio.FixedBlocks(4800));
        foreach (var script in new IReadOnlyList<Hmm.Speech.TranscribedWord>?[] { shorter, null, full })
        {
            reused.ResetScript(script);
            Assert.Same(script, reused.Options.Script);
            using var fresh = new LipSyncProcessor(LipSyncOptions.Balanced with { Script = script });
            var expected = LipSyncRecording.Run(fresh, audio, LipSyncTestAudio.FixedBlocks(4800));
            var actual = LipSyncRecording.Run(reused, audio, LipSyncTestAudio.RandomBlocks(script?.Count ?? 0, 4800));
            LipSyncRecording.AssertSame(expected, actual, $"script of {script?.Count ?? 0} words");
        }
    }

    /// <summary>
    /// A recording shorter than a window keeps the prior and gives no frame and no segment; NaN and infinite
    /// samples are silence for the statistics too (every result finite) and counted.
    /// </summary>
    [Fact]
    public void A_short_or_non_finite_recording_is_absorbed()
    {
        using var processor = new LipSyncProcessor(LipSyncOptions.Balanced with { PriorFrames = 1e6 });
        var segments = new List<CommittedPhone>();
        processor.SegmentCommitted = segments.Add;
        processor.ProcessRecording(new float[100]);
        Assert.Empty(segments);
        Assert.Equal(0, processor.Frames);
        float[] audio = (float[])LipSyncTestAudio.Speech16k.Clone();
        for (int i = 0; i < audio.Length; i += 997) audio[i] = i % 2 == 0 ? float.NaN : float.PositiveInfinity;
        long before = processor.Monitor.InvalidSamples;
        var frames = new List<RecordedFrame>();
        processor.FrameAnalysed = f => frames.Add(RecordedFrame.Of(f));
        processor.ProcessRecording(audio);
        Assert.Equal((audio.Length + 996) / 997, processor.Monitor.InvalidSamples - before);
        Assert.True(segments.Count > 5);
        Assert.All(frames, f => Assert.All(f.Values, v => Assert.True(float.IsFinite(v))));
        Assert.Equal(audio.Length, segments[^1].EndSample);
    }

    /// <summary>
    /// Provisional frames move the mouth ahead of the complete frames: the latency falls by a hop each, every frame is
    /// still published once and in order, whatever the block sizes, the stream's last frames (complete by then) are the
    /// ones a processor without provisional frames publishes, and the committed segments do not change.
    /// </summary>
    [Theory]
#if !HMM_MONO
    [InlineData(1, false)]
    [InlineData(3, false)]
#endif
    [InlineData(2, true)]
    public void Provisional_frames_cut_the_latency_and_change_no_segment(int provisional, bool script)
    {
        float[] audio = LipSyncTestAudio.Speech(16000);
        var options = LipSyncOptions.LowLatency with { ProvisionalFrames = 0, Script = script ? LipSyncTestAudio.Script : null };
        using var plain = new LipSyncProcessor(options);
        using var ahead = new LipSyncProcessor(options with { ProvisionalFrames = provisional });
        Assert.Equal(32.5, plain.LatencyMs, 9);
        Assert.Equal(32.5 - 5 * provisional, ahead.LatencyMs, 9);
        Assert.Equal(32.5, ahead.CommitLatencyMs, 9);
        var expected = LipSyncRecording.Run(plain, audio, LipSyncTestAudio.FixedBlocks(160));
        var actual = LipSyncRecording.Run(ahead, audio, LipSyncTestAudio.FixedBlocks(160));
        Assert.Equal(expected.Segments, actual.Segments);
        Assert.Equal(expected.Frames.Select(f => f.FrameIndex), actual.Frames.Select(f => f.FrameIndex));
        // The stream's last frame is published from the complete frames its end gives: the same phone posteriors.
        int n = expected.Frames.Count, phones = plain.Phones.Count;
        Assert.Equal(expected.Frames[n - 1].Values.Take(phones), actual.Frames[n - 1].Values.Take(phones));
        ahead.Reset();
        var random = LipSyncRecording.Run(ahead, audio, LipSyncTestAudio.RandomBlocks(provisional, 4800));
        LipSyncRecording.AssertSame(actual, random, $"{provisional} provisional frames, random blocks");
        // Provisional features differ from complete ones only in the deltas' outermost frames: the phones mostly agree.
        int agree = expected.Frames.Zip(actual.Frames, (a, b) => a.Phone == b.Phone ? 1 : 0).Sum();
        Assert.True(agree > 0.6 * n, $"{agree} of {n} frames agree on the phone");
    }

    /// <summary>
    /// A frame handler that takes 4 ms of every 5 ms hop makes decoding slow: with a latency target the processor
    /// groups frames (never past the target), and the frames and segments are the ones a processor without a target gives.
    /// </summary>
    [Theory]
    [InlineData(100.0, 4)]
    [InlineData(42.5, 3)]
    [InlineData(10.0, 1)]
    public void A_latency_target_groups_frames_when_decoding_is_slow_and_changes_no_result(double target, int most)
    {
        float[] audio = LipSyncTestAudio.Speech16k.AsSpan(0, 24000).ToArray();
        using var plain = new LipSyncProcessor(LipSyncOptions.Balanced);
        var expected = LipSyncRecording.Run(plain, audio, LipSyncTestAudio.FixedBlocks(160));
        Assert.Equal(1, plain.FramesPerPass);
        Assert.Equal(32.5, plain.LatencyMs, 9);

        using var adaptive = new LipSyncProcessor(LipSyncOptions.Balanced with { LatencyTargetMs = target });
        var frames = new List<RecordedFrame>();
        int largest = 0;
        adaptive.FrameAnalysed = f =>
        {
            frames.Add(RecordedFrame.Of(f));
            largest = Math.Max(largest, adaptive.FramesPerPass);
            Assert.True(adaptive.LatencyMs <= Math.Max(target, 32.5) + 1e-9, $"latency {adaptive.LatencyMs} ms over the target {target} ms");
            var spin = System.Diagnostics.Stopwatch.StartNew();
            while (spin.Elapsed.TotalMilliseconds < 4) { }
        };
        var segments = new List<CommittedPhone>();
        var buffer = new CommittedPhone[64];
        for (int i = 0; i < audio.Length; i += 160)
        {
            adaptive.Push(audio.AsSpan(i, Math.Min(160, audio.Length - i)));
            for (int n; (n = adaptive.ReadSegments(buffer)) > 0;) segments.AddRange(buffer.Take(n));
        }
        adaptive.Flush();
        for (int n; (n = adaptive.ReadSegments(buffer)) > 0;) segments.AddRange(buffer.Take(n));
        Assert.Equal(most, largest);
        Assert.Equal(expected.Segments, segments);
        Assert.Equal(expected.Frames.Count, frames.Count);
        for (int i = 0; i < frames.Count; i++) RecordedFrame.AssertSame(expected.Frames[i], frames[i], $"frame {i}");
    }

    [Fact]
    public void A_recordings_own_statistics_as_prior_by_option_or_by_reset_give_the_same_stream()
    {
        float[] audio = LipSyncTestAudio.Speech(48000);
        var stats = LipSyncProcessor.FeatureStatistics(null, audio, 48000);
        // The statistics are the plain mean and variance of the unnormalised features of the audio at the model's rate.
        var front = LipSyncTestAudio.DefaultFrontEnd with { Normalization = Hmm.Speech.Audio.CmvnMode.None };
        var extractor = new Hmm.Speech.Audio.FeatureExtractor(front);
        float[] features = extractor.Extract(new Hmm.Speech.Audio.Resampler(48000, 16000).Process(audio));
        int d = extractor.FeatureDimension, frames = features.Length / d;
        for (int j = 0; j < d; j++)
        {
            double mean = Enumerable.Range(0, frames).Average(t => (double)features[t * d + j]);
            double variance = Enumerable.Range(0, frames).Average(t => (features[t * d + j] - mean) * (features[t * d + j] - mean));
            Assert.Equal(mean, stats.Mean[j], 1e-6 * (1 + Math.Abs(mean)));
            Assert.Equal(variance, stats.Variance[j], 1e-6 * (1 + variance));
        }

        var options = LipSyncOptions.Balanced with { InputSampleRate = 48000, PriorFrames = 1e6 };
        using var byOption = new LipSyncProcessor(options with { Prior = stats });
        var expected = LipSyncRecording.Run(byOption, audio, LipSyncTestAudio.FixedBlocks(480));
        using var byReset = new LipSyncProcessor(options);
        LipSyncRecording.Run(byReset, audio, LipSyncTestAudio.FixedBlocks(480)); // a stream under the built-in prior first
        byReset.Reset(stats);
        var actual = LipSyncRecording.Run(byReset, audio, LipSyncTestAudio.RandomBlocks(11, 4800));
        LipSyncRecording.AssertSame(expected, actual, "prior by option, then by reset");
        byReset.Reset();
        LipSyncRecording.AssertSame(expected, LipSyncRecording.Run(byReset, audio, LipSyncTestAudio.FixedBlocks(160)), "the prior stays for later streams");

        Assert.Throws<ArgumentException>(() => byReset.Reset((new double[3], new double[3])));
        var bad = (stats.Mean.ToArray(), stats.Variance.ToArray());
        bad.Item2[4] = double.NaN;
        Assert.Throws<ArgumentException>(() => byReset.Reset(bad));
        Assert.Throws<ArgumentException>(() => new LipSyncProcessor(options with { Prior = (new double[2], new double[2]) }));
        Assert.Throws<ArgumentException>(() => LipSyncProcessor.FeatureStatistics(null, new float[100], 16000));
    }

    [Fact]
    public void Pcm16_pushes_give_what_the_same_samples_as_floats_give()
    {
        short[] pcm = LipSyncTestAudio.ToPcm16(LipSyncTestAudio.Speech16k);
        float[] asFloats = pcm.Select(s => s / 32768f).ToArray();
        using var processor = Processor(16000);
        var floats = LipSyncRecording.Run(processor, asFloats, LipSyncTestAudio.FixedBlocks(1000));
        processor.Reset();
        var shorts = LipSyncRecording.Run(processor, pcm, LipSyncTestAudio.RandomBlocks(4, processor.Options.MaxBlockSamples));
        LipSyncRecording.AssertSame(floats, shorts, "16-bit PCM");
    }

    /// <summary>Segments tile [origin, origin + samples): the first starts at the origin, each where the last ended, the last at the end; neighbours differ.</summary>
    internal static void AssertTiles(IReadOnlyList<CommittedPhone> segments, long origin, long samples, int rate = 16000)
    {
        Assert.NotEmpty(segments);
        Assert.Equal(origin, segments[0].StartSample);
        for (int i = 0; i < segments.Count; i++)
        {
            var s = segments[i];
            Assert.True(s.EndSample > s.StartSample, $"segment {i} is empty: {s}");
            if (i > 0) Assert.True(s.StartSample == segments[i - 1].EndSample, $"segment {i} {s} does not start where {segments[i - 1]} ends");
            // Neighbours differ in phone, or (following a script) in the word they belong to.
            if (i > 0) Assert.True(s.Phone != segments[i - 1].Phone || s.Word != segments[i - 1].Word, $"segments {i - 1} and {i} have the same phone and word: {segments[i - 1]}, {s}");
            Assert.Equal(s.StartSample / (double)rate, s.Start);
            Assert.Equal(s.EndSample / (double)rate, s.End);
        }
        Assert.Equal(origin + samples, segments[^1].EndSample);
    }

    [Theory]
    [InlineData(16000, 0)]
    [InlineData(44100, 100)]
    [InlineData(48000, 300)]
    public void Timestamps_follow_the_callers_clock_and_segments_tile_the_stream(int rate, int lookaheadMs)
    {
        float[] audio = LipSyncTestAudio.Speech(rate);
        using var processor = Processor(rate, lookaheadMs);
        var plain = LipSyncRecording.Run(processor, audio, LipSyncTestAudio.RandomBlocks(1, processor.Options.MaxBlockSamples));
        AssertTiles(plain.Segments, 0, audio.Length, rate);
        foreach (var f in plain.Frames) Assert.Equal(f.SampleTime / (double)rate, f.Time);

        // Every push carrying its start on a clock far from 0.
        const long origin = 123_456_789_012;
        processor.Reset();
        var shifted = LipSyncRecording.Run(processor, audio, LipSyncTestAudio.RandomBlocks(2, processor.Options.MaxBlockSamples), origin);
        AssertTiles(shifted.Segments, origin, audio.Length, rate);
        Assert.Equal(plain.Segments.Select(s => (s.Phone, s.StartSample + origin, s.EndSample + origin)), shifted.Segments.Select(s => (s.Phone, s.StartSample, s.EndSample)));
        Assert.Equal(plain.Frames.Count, shifted.Frames.Count);
        for (int i = 0; i < plain.Frames.Count; i++)
        {
            Assert.Equal(plain.Frames[i].SampleTime + origin, shifted.Frames[i].SampleTime);
            Assert.Equal(shifted.Frames[i].SampleTime / (double)rate, shifted.Frames[i].Time);
            Assert.Equal(plain.Frames[i].Values, shifted.Frames[i].Values);
        }

        // Only the first push carrying the origin: the later ones follow it.
        processor.Reset();
        var recording = new LipSyncRecording();
        var buffer = new CommittedPhone[8];
        processor.Push(audio.AsSpan(0, 1000), -5000);
        for (int position = 1000; position < audio.Length; position += 1000)
        {
            processor.Push(audio.AsSpan(position, Math.Min(1000, audio.Length - position)));
            recording.Drain(processor, buffer);
        }
        processor.Flush();
        recording.Drain(processor, buffer);
        AssertTiles(recording.Segments, -5000, audio.Length, rate);
        Assert.Equal(plain.Segments.Select(s => (s.Phone, s.StartSample - 5000, s.EndSample - 5000)), recording.Segments.Select(s => (s.Phone, s.StartSample, s.EndSample)));
    }

    [Fact]
    public void A_block_over_the_limit_is_refused_naming_it_and_the_stream_goes_on_unchanged()
    {
        float[] audio = LipSyncTestAudio.Speech16k;
        using var processor = Processor(16000, maxBlock: 800);
        var clean = LipSyncRecording.Run(processor, audio, LipSyncTestAudio.FixedBlocks(800));
        processor.Reset();

        var recording = new LipSyncRecording();
        processor.FrameAnalysed = f => recording.Frames.Add(RecordedFrame.Of(f));
        var buffer = new CommittedPhone[8];
        var tooLong = new float[801];
        var tooLongPcm = new short[801];
        for (int position = 0, i = 0; position < audio.Length; position += 800, i++)
        {
            if (i % 5 == 2)
            {
                long frames = processor.Frames;
                var e = Assert.Throws<ArgumentException>(() => processor.Push(tooLong));
                Assert.Equal("samples", e.ParamName);
                Assert.Contains("800", e.Message);
                Assert.Contains("MaxBlockSamples", e.Message);
                Assert.Throws<ArgumentException>(() => processor.Push(tooLongPcm));
                // The overloads that carry a start on the caller's clock refuse it too, and leave the clock alone.
                Assert.Throws<ArgumentException>(() => processor.Push(tooLong, 1_000_000));
                Assert.Throws<ArgumentException>(() => processor.Push(tooLongPcm, 2_000_000));
                Assert.Equal(frames, processor.Frames);
            }
            processor.Push(audio.AsSpan(position, Math.Min(800, audio.Length - position)));
            recording.Drain(processor, buffer);
        }
        processor.Flush();
        recording.Drain(processor, buffer);
        LipSyncRecording.AssertSame(clean, recording, "with refused blocks");
    }

    [Fact]
    public void NaN_infinite_and_huge_samples_are_counted_and_every_result_stays_finite()
    {
        float[] audio = (float[])LipSyncTestAudio.Speech16k.Clone();
        var rng = new Random(17);
        int invalid = 0;
        float[] bad = { float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e30f, -2e3f };
        for (int i = 0; i < 500; i++)
        {
            int at = rng.Next(audio.Length);
            if (Math.Abs(audio[at]) <= LipSyncProcessor.MaxSample) invalid++;
            audio[at] = bad[i % bad.Length];
        }
        // A whole stretch of NaN as well (a broken device).
        for (int i = 30000; i < 34000; i++)
        {
            if (Math.Abs(audio[i]) <= LipSyncProcessor.MaxSample) invalid++;
            audio[i] = float.NaN;
        }
        using var processor = Processor(16000);
        var recording = LipSyncRecording.Run(processor, audio, LipSyncTestAudio.RandomBlocks(3, 1000));
        long expected = audio.Count(v => !(Math.Abs(v) <= LipSyncProcessor.MaxSample));
        Assert.True(expected == processor.Monitor.InvalidSamples,
            $"expected {expected} (NaN {audio.Count(float.IsNaN)}, infinite {audio.Count(float.IsInfinity)}, huge {audio.Count(v => float.IsFinite(v) && Math.Abs(v) > LipSyncProcessor.MaxSample)}), counted {processor.Monitor.InvalidSamples}, length {audio.Length}");
        Assert.True(invalid > 4000);
        Assert.NotEmpty(recording.Frames);
        foreach (var f in recording.Frames)
        {
            Assert.True(f.Values.All(float.IsFinite), $"frame {f.FrameIndex} has a value that is not finite");
            Assert.True(float.IsFinite(f.VoiceActivity) && float.IsFinite(f.LoudnessDb), $"frame {f.FrameIndex}: {f}");
        }
        AssertTiles(recording.Segments, 0, audio.Length);

        // The invalid samples are taken as 0: the same stream with zeros in their place gives the same results.
        float[] zeroed = audio.Select(v => Math.Abs(v) <= LipSyncProcessor.MaxSample ? v : 0f).ToArray();
        processor.Reset();
        var clean = LipSyncRecording.Run(processor, zeroed, LipSyncTestAudio.RandomBlocks(3, 1000));
        LipSyncRecording.AssertSame(clean, recording, "NaN as zeros");
        Assert.Equal(expected, processor.Monitor.InvalidSamples);
    }

    [Fact]
    public void Push_after_flush_throws_until_reset_and_reset_starts_a_fresh_stream()
    {
        float[] audio = LipSyncTestAudio.Speech16k;
        using var processor = Processor(16000);
        var first = LipSyncRecording.Run(processor, audio, LipSyncTestAudio.FixedBlocks(480));
        Assert.Throws<InvalidOperationException>(() => processor.Push(new float[10]));
        Assert.Throws<InvalidOperationException>(() => processor.Push(new short[10]));
        Assert.Throws<InvalidOperationException>(() => processor.Push(new float[10], 0));
        processor.Flush(); // flushing again does nothing
        Assert.Equal(0, processor.ReadSegments(new CommittedPhone[8]));
        processor.Reset();
        Assert.Equal(0, processor.Frames);
        var second = LipSyncRecording.Run(processor, audio, LipSyncTestAudio.FixedBlocks(333));
        LipSyncRecording.AssertSame(first, second, "after Reset");

        // Reset in mid-stream drops the unread segments and the half-analysed audio.
        processor.Reset();
        for (int i = 0; i < 20; i++) processor.Push(audio.AsSpan(i * 1000, 1000));
        processor.Reset();
        Assert.Equal(0, processor.ReadSegments(new CommittedPhone[8]));
        LipSyncRecording.AssertSame(first, LipSyncRecording.Run(processor, audio, LipSyncTestAudio.FixedBlocks(4800)), "after a reset in mid-stream");
    }

    [Fact]
    public void Reset_drops_the_readers_latest_frame_and_unread_segments()
    {
        float[] audio = LipSyncTestAudio.Speech16k;
        using var processor = Processor(16000);
        var frame = new LipSyncFrame(processor.Phones);
        Assert.False(processor.TryReadLatest(frame)); // nothing yet
        Assert.Equal(-1, frame.FrameIndex);
        for (int i = 0; i < 20; i++) processor.Push(audio.AsSpan(i * 1600, 1600));
        Assert.True(processor.TryReadLatest(frame));
        Assert.Equal(processor.Frames - 1, frame.FrameIndex);
        Assert.False(processor.TryReadLatest(frame)); // nothing new since
        processor.Push(audio.AsSpan(32000, 1600));
        processor.Reset();
        Assert.False(processor.TryReadLatest(frame), $"frame {frame.FrameIndex} of the stream before Reset was read after it");
        Assert.Equal(0, processor.ReadSegments(new CommittedPhone[8]));
        processor.Push(audio.AsSpan(0, 1600));
        Assert.True(processor.TryReadLatest(frame));
        Assert.Equal(processor.Frames - 1, frame.FrameIndex);
    }

    [Fact]
    public void Empty_pushes_change_nothing()
    {
        float[] audio = LipSyncTestAudio.Speech16k;
        using var processor = Processor(16000);
        var plain = LipSyncRecording.Run(processor, audio, LipSyncTestAudio.FixedBlocks(700));
        processor.Reset();
        Assert.Equal(0, processor.Frames);
        processor.Push(ReadOnlySpan<float>.Empty);
        processor.Push(ReadOnlySpan<short>.Empty);
        Assert.Equal(0, processor.Frames);
        // Also after the end of a stream.
        processor.Flush();
        processor.Push(ReadOnlySpan<float>.Empty);
        processor.Reset();
        var recording = new LipSyncRecording();
        processor.FrameAnalysed = f => recording.Frames.Add(RecordedFrame.Of(f));
        var buffer = new CommittedPhone[8];
        for (int position = 0; position < audio.Length; position += 700)
        {
            int n = Math.Min(700, audio.Length - position);
            processor.Push(audio.AsSpan(position, n));
            processor.Push(ReadOnlySpan<float>.Empty);
            processor.Push(ReadOnlySpan<short>.Empty, position + n); // the clock as it stands: the next sample is position + n
            recording.Drain(processor, buffer);
        }
        processor.Flush();
        recording.Drain(processor, buffer);
        LipSyncRecording.AssertSame(plain, recording, "with empty pushes");
    }

    [Fact]
    public void Every_call_after_Dispose_throws_ObjectDisposedException()
    {
        var processor = Processor(16000);
        processor.Push(new float[1600]);
        processor.Dispose();
        Assert.Throws<ObjectDisposedException>(() => processor.Push(new float[160]));
        Assert.Throws<ObjectDisposedException>(() => processor.Push(new float[160], 0));
        Assert.Throws<ObjectDisposedException>(() => processor.Push(new short[160]));
        Assert.Throws<ObjectDisposedException>(() => processor.Push(new short[160], 0));
        Assert.Throws<ObjectDisposedException>(() => processor.Push(ReadOnlySpan<float>.Empty));
        Assert.Throws<ObjectDisposedException>(() => processor.Flush());
        Assert.Throws<ObjectDisposedException>(() => processor.Reset());
        Assert.Throws<ObjectDisposedException>(() => processor.TryReadLatest(new LipSyncFrame(processor.Phones)));
        processor.Dispose(); // twice is fine
    }

    public static TheoryData<string, Func<LipSyncOptions, LipSyncOptions>> BadOptions() => new()
    {
        { nameof(LipSyncOptions.LookaheadMs), o => o with { LookaheadMs = 301 } },
        { nameof(LipSyncOptions.LookaheadMs), o => o with { LookaheadMs = -1 } },
        { nameof(LipSyncOptions.InputSampleRate), o => o with { InputSampleRate = 0 } },
        { nameof(LipSyncOptions.InputSampleRate), o => o with { InputSampleRate = 3999 } },
        { nameof(LipSyncOptions.InputSampleRate), o => o with { InputSampleRate = 384001 } },
        { nameof(LipSyncOptions.MaxBlockSamples), o => o with { MaxBlockSamples = 0 } },
        { nameof(LipSyncOptions.MaxBlockSamples), o => o with { MaxBlockSamples = 48001 } },
        { nameof(LipSyncOptions.AttackMs), o => o with { AttackMs = -1 } },
        { nameof(LipSyncOptions.AttackMs), o => o with { AttackMs = double.NaN } },
        { nameof(LipSyncOptions.ReleaseMs), o => o with { ReleaseMs = -0.5 } },
        { nameof(LipSyncOptions.ReleaseMs), o => o with { ReleaseMs = double.PositiveInfinity } },
        { nameof(LipSyncOptions.NormalisationTimeConstantSeconds), o => o with { NormalisationTimeConstantSeconds = 0 } },
        { nameof(LipSyncOptions.PriorFrames), o => o with { PriorFrames = -1 } },
        { nameof(LipSyncOptions.LatencyTargetMs), o => o with { LatencyTargetMs = -1 } },
        { nameof(LipSyncOptions.LatencyTargetMs), o => o with { LatencyTargetMs = double.NaN } },
        { nameof(LipSyncOptions.SegmentCapacity), o => o with { SegmentCapacity = 0 } },
        { nameof(LipSyncOptions.ProvisionalFrames), o => o with { ProvisionalFrames = -1 } },
        { nameof(LipSyncOptions.ProvisionalFrames), o => o with { ProvisionalFrames = LipSyncOptions.MaxProvisionalFrames + 1 } },
        { nameof(LipSyncOptions.BigramWeight), o => o with { BigramWeight = -1 } },
        { nameof(LipSyncOptions.BigramWeight), o => o with { BigramWeight = float.NaN } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Options_out_of_range_are_refused_naming_the_option(string option, Func<LipSyncOptions, LipSyncOptions> change)
    {
        foreach (var preset in new[] { LipSyncOptions.LowLatency, LipSyncOptions.Balanced, LipSyncOptions.SeedPreset })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => new LipSyncProcessor(change(preset)));
            Assert.Equal(option, e.ParamName);
            Assert.Contains(option, e.Message);
        }
    }

    [Fact]
    public void Options_at_the_ends_of_their_ranges_are_taken()
    {
        using var a = new LipSyncProcessor(LipSyncOptions.Balanced with { LookaheadMs = 300, InputSampleRate = 4000, MaxBlockSamples = 1, AttackMs = 0, ReleaseMs = 0, PriorFrames = 0, SegmentCapacity = 1 });
        using var b = new LipSyncProcessor(LipSyncOptions.Balanced with { LookaheadMs = 0, InputSampleRate = 384000, MaxBlockSamples = 48000, BigramWeight = 0 });
        a.Push(new float[1]);
        b.Push(new float[48000]);
        Assert.Equal((0, 1), (LipSyncOptions.LowLatency.LookaheadMs, LipSyncOptions.LowLatency.ProvisionalFrames));
        Assert.Equal(27.5, new LipSyncProcessor(LipSyncOptions.LowLatency).LatencyMs, 9);
        Assert.Equal(100, LipSyncOptions.Balanced.LookaheadMs);
        Assert.Equal((1600, 200), (LipSyncOptions.SeedPreset.MaxBlockSamples, LipSyncOptions.SeedPreset.LookaheadMs));
    }

    [Fact]
    public void A_second_thread_pushing_during_a_push_gets_InvalidOperationException_and_changes_nothing()
    {
        float[] audio = LipSyncTestAudio.Speech16k;
        using var processor = Processor(16000);
        var clean = LipSyncRecording.Run(processor, audio, LipSyncTestAudio.FixedBlocks(1600));
        processor.Reset();

        // From inside FrameAnalysed (on the pushing thread, mid-push) another thread tries every entry point and is joined.
        var recording = new LipSyncRecording();
        var refused = new List<string>();
        var unexpected = new List<string>();
        processor.FrameAnalysed = frame =>
        {
            recording.Frames.Add(RecordedFrame.Of(frame));
            if (frame.FrameIndex % 50 != 7) return;
            var intruder = new Thread(() =>
            {
                void Try(string what, Action call)
                {
                    try
                    {
                        call();
                        unexpected.Add($"{what} was let in during another thread's push");
                    }
                    catch (InvalidOperationException e) when (e is not ObjectDisposedException)
                    {
                        refused.Add(what);
                    }
                    catch (Exception e)
                    {
                        unexpected.Add($"{what}: {e}");
                    }
                }
                Try("Push(float)", () => processor.Push(audio.AsSpan(0, 160)));
                Try("Push(float, start)", () => processor.Push(audio.AsSpan(0, 160), 999_999));
                Try("Push(short)", () => processor.Push(new short[160]));
                Try("Push(short, start)", () => processor.Push(new short[160], 888_888));
                Try("Flush", processor.Flush);
                Try("Reset", processor.Reset);
            });
            intruder.Start();
            intruder.Join();
        };
        var buffer = new CommittedPhone[8];
        for (int position = 0; position < audio.Length; position += 1600)
        {
            processor.Push(audio.AsSpan(position, Math.Min(1600, audio.Length - position)));
            recording.Drain(processor, buffer);
        }
        processor.Flush();
        recording.Drain(processor, buffer);
        Assert.Empty(unexpected);
        Assert.True(refused.Count >= 6 * 5, $"{refused.Count} refusals");
        LipSyncRecording.AssertSame(clean, recording, "with a second thread refused mid-push");
    }
}

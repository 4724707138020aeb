using System;
using System.Collections.Generic;
using Hmm.Streaming;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Streaming.Hosting;

/// <summary>
/// <see cref="LipSyncFeed"/>: interleaved audio analysed as its mono mix, blocks of any length, times on the pusher's
/// clock, and the bad cases a game meets (a disabled component, a sample rate change mid-stream) dropped, flagged and
/// recovered from instead of analysed wrongly or stuck.
/// </summary>
public class LipSyncFeedTests
{
    private static List<RecordedFrame> Record(LipSyncProcessor processor)
    {
        var frames = new List<RecordedFrame>();
        processor.FrameAnalysed = f => frames.Add(RecordedFrame.Of(f));
        return frames;
    }

    [Fact]
    public void Stereo_blocks_longer_than_the_maximum_give_the_frames_of_their_mono_mix()
    {
        float[] speech = LipSyncTestAudio.Speech48k;
        int length = 48000 * 2;
        // Left and right differ (the right channel is the speech 7 ms later, quieter).
        var stereo = new float[length * 2];
        for (int i = 0; i < length; i++) { stereo[2 * i] = speech[i + 336]; stereo[2 * i + 1] = 0.5f * speech[i]; }
        var mono = new float[length];
        InterleavedAudio.Downmix(stereo, 2, mono);
        var options = LipSyncOptions.Balanced with { InputSampleRate = 48000, MaxBlockSamples = 1024 };
        var direct = new LipSyncProcessor(options);
        var expected = Record(direct);
        for (int i = 0; i < mono.Length; i += 1000) direct.Push(mono.AsSpan(i, Math.Min(1000, mono.Length - i)), i);

        var feed = new LipSyncFeed(options);
        var actual = Record(feed.Processor);
        // Blocks of 3,000 frames: three pushes' worth each.
        for (int i = 0; i < mono.Length; i += 3000)
            Assert.Equal(LipSyncFeedResult.Accepted, feed.PushInterleaved(stereo.AsSpan(2 * i, 2 * Math.Min(3000, mono.Length - i)), 2, 48000));
        Assert.True(expected.Count > 300);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++) RecordedFrame.AssertSame(expected[i], actual[i], $"frame {i}");
    }

    [Fact]
    public void Pushes_with_a_clock_put_every_frame_on_it()
    {
        var feed = new LipSyncFeed(LipSyncOptions.Balanced with { InputSampleRate = 16000 });
        var frames = Record(feed.Processor);
        float[] audio = LipSyncTestAudio.Speech16k;
        const long origin = 1_000_000;
        for (int i = 0; i < 16000; i += 160) feed.Push(audio.AsSpan(i, 160), 16000, origin + i);
        Assert.NotEmpty(frames);
        foreach (var f in frames) Assert.InRange(f.SampleTime, origin, origin + 16000);
        Assert.True(frames[0].SampleTime - origin < 400, $"first frame at {frames[0].SampleTime - origin} samples");
    }

    [Fact]
    public void Audio_while_disabled_is_dropped_counted_and_flagged_once_then_taken_again()
    {
        var feed = new LipSyncFeed();
        var block = new float[160];
        feed.Enabled = false;
        for (int i = 0; i < 10; i++) Assert.Equal(LipSyncFeedResult.Disabled, feed.Push(block, 16000));
        Assert.Equal(1600, feed.DroppedWhileDisabled);
        Assert.Equal(LipSyncFeedEvents.DroppedWhileDisabled, feed.TakeEvents());
        Assert.Equal(LipSyncFeedEvents.None, feed.TakeEvents());
        Assert.Equal(0, feed.Processor.Frames);
        feed.Enabled = true;
        for (int i = 0; i < 10; i++) Assert.Equal(LipSyncFeedResult.Accepted, feed.Push(block, 16000));
        Assert.True(feed.Processor.Frames > 0);
    }

    [Fact]
    public void A_sample_rate_change_mid_stream_is_dropped_until_the_reader_restarts_at_the_new_rate()
    {
        var feed = new LipSyncFeed(LipSyncOptions.Balanced, 48000);
        float[] audio48 = LipSyncTestAudio.Speech48k;
        for (int i = 0; i < 48000; i += 480) Assert.Equal(LipSyncFeedResult.Accepted, feed.PushInterleaved(audio48.AsSpan(i, 480), 1, 48000));
        var old = feed.Processor;
        long oldFrames = old.Frames;
        var stereo44 = new float[441 * 2];
        Assert.Equal(LipSyncFeedResult.SampleRateChanged, feed.PushInterleaved(stereo44, 2, 44100));
        Assert.Equal(LipSyncFeedResult.SampleRateChanged, feed.PushInterleaved(stereo44, 2, 44100));
        Assert.Equal(882, feed.DroppedForSampleRate);
        Assert.Equal(oldFrames, old.Frames);
        Assert.Equal(LipSyncFeedEvents.SampleRateChanged, feed.TakeEvents());
        Assert.Equal(44100, feed.ArrivedSampleRate);

        feed.Restart(feed.ArrivedSampleRate);
        Assert.NotSame(old, feed.Processor);
        Assert.Equal(44100, feed.SampleRate);
        float[] audio44 = LipSyncTestAudio.Speech(44100);
        var frame = new LipSyncFrame(feed.Processor.Phones);
        for (int i = 0; i < 44100; i += 441) Assert.Equal(LipSyncFeedResult.Accepted, feed.Push(audio44.AsSpan(i, 441), 44100));
        Assert.True(feed.TryReadLatest(frame));
        Assert.InRange(frame.Time, 0.9, 1.0);
        Assert.Equal(LipSyncFeedEvents.None, feed.TakeEvents());
        // A rate the processor cannot take is refused with the option's name, and the running processor stays.
        var running = feed.Processor;
        Assert.Equal("InputSampleRate", Assert.Throws<ArgumentOutOfRangeException>(() => feed.Restart(100)).ParamName);
        Assert.Same(running, feed.Processor);
    }

    [Fact]
    public void Restarting_with_a_line_follows_its_words()
    {
        var feed = new LipSyncFeed();
        feed.Restart(LipSyncTestAudio.Script);
        Assert.Same(LipSyncTestAudio.Script, feed.Processor.Options.Script);
        var words = new HashSet<int>();
        feed.Processor.FrameAnalysed = f => words.Add(f.Word);
        float[] audio = LipSyncTestAudio.Speech16k;
        for (int i = 0; i + 320 <= audio.Length; i += 320) feed.Push(audio.AsSpan(i, 320), 16000);
        Assert.True(words.Count > LipSyncTestAudio.Script.Count / 2, $"{words.Count - 1} of {LipSyncTestAudio.Script.Count} words seen");
    }

    [Fact]
    public void Pushing_and_reading_allocate_nothing_once_warm()
    {
        var feed = new LipSyncFeed(LipSyncOptions.Balanced with { InputSampleRate = 48000 });
        float[] audio = LipSyncTestAudio.Speech48k;
        var stereo = new float[1024 * 2];
        var frame = new LipSyncFrame(feed.Processor.Phones);
        int position = 0;
        void Call(int i)
        {
            if (position + 1024 > audio.Length) position = 0;
            for (int j = 0; j < 1024; j++) stereo[2 * j] = stereo[2 * j + 1] = audio[position + j];
            position += 1024;
            if ((i & 1) == 0) feed.PushInterleaved(stereo, 2, 48000);
            else feed.Push(stereo.AsSpan(0, 1024), 48000, 5000L * i);
            feed.TryReadLatest(frame);
            feed.TakeEvents();
        }
        for (int i = 0; i < 200; i++) Call(i);
        // Rounds until one allocates nothing: tiered compilation may allocate once on this thread (SteadyAllocation).
        Assert.Equal(0, SteadyAllocation.Bytes(() =>
        {
            for (int i = 0; i < 4000; i++) Call(i);
        }, warmUp: 0, calls: 1));
        feed.Enabled = false;
        // Rounds until one allocates nothing: tiered compilation may allocate once on this thread (SteadyAllocation).
        Assert.Equal(0, SteadyAllocation.Bytes(() =>
        {
            for (int i = 0; i < 4000; i++) { feed.PushInterleaved(stereo, 2, 48000); feed.PushInterleaved(stereo, 2, 44100); feed.TakeEvents(); }
        }, warmUp: 0, calls: 1));
    }

    [Fact]
    public void An_audio_thread_and_a_reader_that_restarts_for_a_new_rate_never_wait_on_each_other()
    {
        // The audio thread pushes 48 kHz stereo, then (a device change) 44.1 kHz; the reader polls frames and events as a
        // game loop would and restarts the feed when told. Neither blocks: the pusher ends on accepted audio at the new rate.
        var feed = new LipSyncFeed(LipSyncOptions.Balanced, 48000);
        float[] a48 = LipSyncTestAudio.Speech48k, a44 = LipSyncTestAudio.Speech(44100);
        var done = new System.Threading.ManualResetEventSlim();
        Exception? pusherError = null;
        var results = new List<LipSyncFeedResult>();
        var pusher = new System.Threading.Thread(() =>
        {
            try
            {
                var block = new float[1024 * 2];
                // 600 blocks, then on until the new rate is accepted: a reader starved by a loaded machine restarts late.
                var patience = System.Diagnostics.Stopwatch.StartNew();
                for (int i = 0; i < 600 || (results[^1] != LipSyncFeedResult.Accepted && patience.Elapsed.TotalSeconds < 60); i++)
                {
                    bool late = i >= 200;
                    float[] audio = late ? a44 : a48;
                    int at = i * 1024 % (audio.Length - 1024);
                    for (int j = 0; j < 1024; j++) block[2 * j] = block[2 * j + 1] = audio[at + j];
                    var r = feed.PushInterleaved(block, 2, late ? 44100 : 48000);
                    if (late) results.Add(r);
                    if (r != LipSyncFeedResult.Accepted) System.Threading.Thread.Sleep(1);
                }
            }
            catch (Exception e)
            {
                pusherError = e;
            }
            finally
            {
                done.Set();
            }
        });
        pusher.Start();
        var frame = new LipSyncFrame(feed.Processor.Phones);
        int restarts = 0, frames = 0;
        while (!done.IsSet)
        {
            // A block pushed into the old processor while the reader swapped raises the flag once more: the rate tells.
            if ((feed.TakeEvents() & LipSyncFeedEvents.SampleRateChanged) != 0 && feed.ArrivedSampleRate != feed.SampleRate)
            {
                feed.Restart(feed.ArrivedSampleRate);
                restarts++;
            }
            if (feed.TryReadLatest(frame)) frames++;
            System.Threading.Thread.Sleep(2);
        }
        pusher.Join();
        Assert.Null(pusherError);
        Assert.Equal(1, restarts);
        Assert.True(frames > 10, $"{frames} frames read");
        Assert.Equal(44100, feed.SampleRate);
        Assert.Contains(LipSyncFeedResult.SampleRateChanged, results);
        Assert.Equal(LipSyncFeedResult.Accepted, results[^1]);
        Assert.True(feed.Processor.Frames > 0);
    }

    [Fact]
    public void A_bad_layout_names_the_argument()
    {
        var feed = new LipSyncFeed();
        Assert.Equal("channels", Assert.Throws<ArgumentOutOfRangeException>(() => feed.PushInterleaved(new float[4], 0, 16000)).ParamName);
        var e = Assert.Throws<ArgumentException>(() => feed.PushInterleaved(new float[3], 2, 16000));
        Assert.Equal("interleaved", e.ParamName);
    }
}

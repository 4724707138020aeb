using System;
using System.Collections.Generic;
using Hmm.Streaming;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Streaming.Hosting;

/// <summary>
/// <see cref="AudioRingReader"/> against a simulated microphone: a writer filling a looping ring at its own rate and a
/// reader called at uneven frame times, as Unity's <c>Microphone.GetPosition</c> and <c>AudioClip.GetData</c> are.
/// </summary>
public class AudioRingReaderTests
{
    /// <summary>A microphone: the ring holds each sample's absolute index, so a read shows what it really got.</summary>
    private sealed class Mic(int ring, double rate)
    {
        public readonly float[] Ring = new float[ring];
        public long Written;
        public double Time;

        public void Run(double seconds, bool stalled = false)
        {
            Time += seconds;
            if (stalled) return;
            long target = (long)Math.Floor(Time * rate);
            for (; Written < target; Written++) Ring[Written % Ring.Length] = Written;
        }

        public int Position => (int)(Written % Ring.Length);
    }

    /// <summary>Reads every new chunk; checks each holds the samples its start index says, contiguous with the last read unless the reader skipped.</summary>
    private static (int Chunks, AudioRingEvents Events) Drain(AudioRingReader reader, Mic mic, ref long expectedNext)
    {
        var events = reader.Update(mic.Position, mic.Time);
        if ((events & (AudioRingEvents.Started | AudioRingEvents.Overrun | AudioRingEvents.Resynced | AudioRingEvents.Resumed)) != 0) expectedNext = -1;
        int chunks = 0;
        while (reader.TryNextChunk(out int offset, out long start))
        {
            if (expectedNext >= 0) Assert.Equal(expectedNext, start);
            for (int i = 0; i < reader.ChunkSamples; i++) Assert.Equal((float)(start + i), mic.Ring[offset + i]);
            expectedNext = start + reader.ChunkSamples;
            chunks++;
        }
        return (chunks, events);
    }

    [Fact]
    public void Steady_frames_read_every_sample_once_across_wraps()
    {
        var mic = new Mic(48000, 48000);
        var reader = new AudioRingReader(48000, AudioRingReader.ChunkFor(48000, 48000), 48000);
        Assert.Equal(480, reader.ChunkSamples);
        var rng = new Random(3);
        long next = -1;
        long read = 0;
        for (int frame = 0; frame < 2000; frame++)
        {
            mic.Run(0.008 + rng.NextDouble() * 0.025);
            var (chunks, events) = Drain(reader, mic, ref next);
            Assert.Equal(AudioRingEvents.None, events & ~(AudioRingEvents.Wrapped | AudioRingEvents.Started));
            read += chunks * 480L;
        }
        Assert.True(reader.Wraps >= 30, $"{reader.Wraps} wraps");
        Assert.Equal(0, reader.Overruns + reader.Resyncs + reader.SkippedSamples);
        Assert.True(reader.Backlog < 480);
        Assert.Equal(mic.Written, reader.Written);
        Assert.True(read > 0.95 * mic.Written, $"{read} of {mic.Written} samples read");
    }

    [Fact]
    public void A_hitch_longer_than_the_ring_is_an_overrun_even_when_the_position_looks_unmoved()
    {
        var mic = new Mic(16000, 16000);
        var reader = new AudioRingReader(16000, 160, 16000);
        long next = -1;
        for (int i = 0; i < 20; i++) { mic.Run(0.016); Drain(reader, mic, ref next); }
        // Exactly two laps: the position is where it was; only the clock shows the laps.
        mic.Run(2.0);
        var (_, events) = Drain(reader, mic, ref next);
        Assert.True((events & AudioRingEvents.Overrun) != 0, events.ToString());
        Assert.Equal(1, reader.Overruns);
        Assert.True(reader.Written >= mic.Written - 160 && reader.Written <= mic.Written, $"written {reader.Written}, mic {mic.Written}");
        // Reading goes on from the newest audio, contiguously.
        for (int i = 0; i < 50; i++)
        {
            mic.Run(0.016);
            var (_, e) = Drain(reader, mic, ref next);
            Assert.Equal(AudioRingEvents.None, e & ~AudioRingEvents.Wrapped);
        }
    }

    [Fact]
    public void A_shorter_hitch_skips_to_the_newest_audio_once_the_backlog_passes_its_limit()
    {
        var mic = new Mic(48000, 48000);
        var reader = new AudioRingReader(48000, 480, 48000, maxBacklogSeconds: 0.2);
        long next = -1;
        for (int i = 0; i < 10; i++) { mic.Run(0.016); Drain(reader, mic, ref next); }
        mic.Run(0.15);
        var (chunks, events) = Drain(reader, mic, ref next);
        Assert.Equal(AudioRingEvents.None, events & ~AudioRingEvents.Wrapped);
        Assert.True(chunks >= 14);
        mic.Run(0.5);
        (_, events) = Drain(reader, mic, ref next);
        Assert.True((events & AudioRingEvents.Resynced) != 0, events.ToString());
        Assert.Equal(1, reader.Resyncs);
        Assert.True(reader.SkippedSamples > 0.4 * 48000, $"{reader.SkippedSamples} skipped");
    }

    [Fact]
    public void A_writer_that_stops_is_reported_once_and_reading_resumes_from_its_newest_audio()
    {
        var mic = new Mic(16000, 16000);
        var reader = new AudioRingReader(16000, 160, 16000);
        long next = -1;
        for (int i = 0; i < 10; i++) { mic.Run(0.02); Drain(reader, mic, ref next); }
        var seen = AudioRingEvents.None;
        for (int i = 0; i < 100; i++)
        {
            mic.Run(0.02, stalled: true);
            var (chunks, e) = Drain(reader, mic, ref next);
            seen |= e;
            if (i > 0) Assert.Equal(0, chunks);
        }
        Assert.True((seen & AudioRingEvents.Stalled) != 0);
        Assert.Equal(1, reader.Stalls);
        Assert.True(reader.IsStalled);
        // The device comes back (a new recording, its position elsewhere).
        mic.Written += 5000;
        mic.Run(0.02);
        var (_, back) = Drain(reader, mic, ref next);
        Assert.True((back & AudioRingEvents.Resumed) != 0, back.ToString());
        Assert.False(reader.IsStalled);
        Assert.Equal(0, reader.Overruns);
    }

    [Theory]
    [InlineData(1.05, true)]
    [InlineData(0.95, true)]
    [InlineData(1.005, false)]
    public void A_writer_off_its_nominal_rate_is_measured_and_reported(double speed, bool reported)
    {
        var mic = new Mic(48000, 44100 * speed);
        var reader = new AudioRingReader(48000, 480, 44100) { RateWindowSeconds = 1 };
        long next = -1;
        var seen = AudioRingEvents.None;
        for (int i = 0; i < 200; i++)
        {
            mic.Run(0.016);
            seen |= Drain(reader, mic, ref next).Events;
        }
        Assert.Equal(reported, (seen & AudioRingEvents.RateMismatch) != 0);
        Assert.InRange(reader.MeasuredRate, 44100 * speed * 0.995, 44100 * speed * 1.005);
        // However fast it runs, a reader called every frame keeps up without skipping.
        Assert.Equal(0, reader.Overruns + reader.Resyncs);
    }

    [Fact]
    public void Chunks_divide_the_ring_at_every_common_rate()
    {
        foreach (int rate in new[] { 8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 96000 })
        {
            int chunk = AudioRingReader.ChunkFor(rate, rate);
            Assert.Equal(0, rate % chunk);
            Assert.InRange(chunk, rate / 200, rate / 100);
        }
        Assert.Equal(210, AudioRingReader.ChunkFor(22050, 22050));
    }

    [Fact]
    public void Updates_and_reads_allocate_nothing()
    {
        var mic = new Mic(48000, 48000);
        var reader = new AudioRingReader(48000, 480, 48000);
        for (int i = 0; i < 10; i++) { mic.Run(0.016); reader.Update(mic.Position, mic.Time); while (reader.TryNextChunk(out _, out _)) { } }
        // Rounds until one allocates nothing: tiered compilation may allocate once on this thread (SteadyAllocation).
        Assert.Equal(0, SteadyAllocation.Bytes(() =>
        {
            for (int i = 0; i < 20000; i++)
            {
                mic.Time += 0.016;
                mic.Written += 768;
                reader.Update(mic.Position, mic.Time);
                while (reader.TryNextChunk(out _, out _)) { }
            }
        }, warmUp: 0, calls: 1));
    }

    [Fact]
    public void Bad_arguments_name_themselves_and_the_problem()
    {
        var e = Assert.Throws<ArgumentException>(() => new AudioRingReader(1000, 300, 16000));
        Assert.Equal("chunkSamples", e.ParamName);
        Assert.Contains("divide", e.Message);
        var reader = new AudioRingReader(16000, 160, 16000);
        var o = Assert.Throws<ArgumentOutOfRangeException>(() => reader.Update(16000, 0));
        Assert.Equal("writePosition", o.ParamName);
        Assert.Contains("0 to 15999", o.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.Update(0, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AudioRingReader(16000, 160, 16000, maxBacklogSeconds: 2));
    }
}

using System;
using Hmm.Streaming;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Streaming.Hosting;

/// <summary><see cref="InterleavedAudio"/> and <see cref="AudioDelayLine"/>: what an engine's audio callback does to a block before and after the processor sees it.</summary>
public class InterleavedAudioAndDelayTests
{
    [Fact]
    public void Downmix_averages_each_frame_and_copies_mono()
    {
        float[] stereo = { 1, 0, 0.5f, 0.5f, -1, 1 };
        var mono = new float[3];
        Assert.Equal(3, InterleavedAudio.Downmix(stereo, 2, mono));
        Assert.Equal(new[] { 0.5f, 0.5f, 0f }, mono);
        float[] six = { 6, 0, 0, 0, 0, 0 };
        Assert.Equal(1, InterleavedAudio.Downmix(six, 6, mono));
        Assert.Equal(1f, mono[0]);
        Assert.Equal(3, InterleavedAudio.Downmix(new float[] { 1, 2, 3 }, 1, mono));
        Assert.Equal(new[] { 1f, 2f, 3f }, mono);
    }

    [Fact]
    public void Downmix_names_a_bad_layout()
    {
        var mono = new float[8];
        Assert.Equal("channels", Assert.Throws<ArgumentOutOfRangeException>(() => InterleavedAudio.Downmix(new float[4], 0, mono)).ParamName);
        var e = Assert.Throws<ArgumentException>(() => InterleavedAudio.Downmix(new float[5], 2, mono));
        Assert.Equal("interleaved", e.ParamName);
        Assert.Contains("whole number of 2-channel frames", e.Message);
        Assert.Equal("mono", Assert.Throws<ArgumentException>(() => InterleavedAudio.Downmix(new float[20], 2, mono)).ParamName);
    }

    [Fact]
    public void The_delay_line_plays_each_frame_a_delay_later_across_blocks_of_any_size()
    {
        var line = new AudioDelayLine(1000, 2);
        line.SetDelay(line.FramesFor(10, 16000));
        Assert.Equal(160, line.DelayFrames);
        var rng = new Random(5);
        long frame = 0;
        for (int block = 0; block < 200; block++)
        {
            int n = rng.Next(1, 300);
            var data = new float[n * 2];
            for (int i = 0; i < n; i++) { data[2 * i] = frame + i + 1; data[2 * i + 1] = -(frame + i + 1); }
            line.Process(data, 2);
            for (int i = 0; i < n; i++)
            {
                long source = frame + i + 1 - 160;
                Assert.Equal(source > 0 ? source : 0, data[2 * i]);
                Assert.Equal(source > 0 ? -source : 0, data[2 * i + 1]);
            }
            frame += n;
        }
    }

    [Fact]
    public void The_delay_line_restarts_silent_on_a_new_channel_count_and_passes_audio_at_zero_delay()
    {
        var line = new AudioDelayLine(100, 8);
        line.SetDelay(4);
        var stereo = new float[] { 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6 };
        line.Process(stereo, 2);
        Assert.Equal(new float[] { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2 }, stereo);
        var mono = new float[] { 7, 8, 9, 10, 11 };
        line.Process(mono, 1);
        Assert.Equal(new float[] { 0, 0, 0, 0, 7 }, mono);
        line.SetDelay(0);
        var same = new float[] { 1, 2, 3 };
        line.Process(same, 1);
        Assert.Equal(new float[] { 1, 2, 3 }, same);
    }

    [Fact]
    public void The_delay_line_allocates_nothing_and_names_bad_input()
    {
        var line = new AudioDelayLine(4800, 2);
        line.SetDelay(1320);
        var block = new float[1024 * 2];
        line.Process(block, 2);
        // Rounds until one allocates nothing: tiered compilation may allocate once on this thread (SteadyAllocation).
        Assert.Equal(0, SteadyAllocation.Bytes(() =>
        {
            for (int i = 0; i < 5000; i++) line.Process(block, 2);
        }, warmUp: 0, calls: 1));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => line.SetDelay(4801));
        Assert.Equal("frames", e.ParamName);
        Assert.Contains("0 to 4800", e.Message);
        Assert.Equal("channels", Assert.Throws<ArgumentOutOfRangeException>(() => line.Process(new float[6], 3)).ParamName);
        Assert.Equal("interleaved", Assert.Throws<ArgumentException>(() => line.Process(new float[3], 2)).ParamName);
    }
}

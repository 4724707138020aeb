using System;
using System.Collections.Generic;
using System.Linq;
using Hmm.Speech;
using Hmm.Streaming;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Streaming.Hosting;

/// <summary><see cref="ScriptFollower"/> (the current word of a known line) and <see cref="CurveKeys"/> (a baked curve's keys).</summary>
public class ScriptFollowerAndCurveKeysTests
{
    private static readonly TranscribedWord[] Line =
    {
        new("is", new[] { "IH", "Z" }, PronunciationSource.Dictionary),
        new("this", new[] { "DH", "IH", "S" }, PronunciationSource.Dictionary),
        new("it", new[] { "IH", "T" }, PronunciationSource.Dictionary),
    };

    [Fact]
    public void A_word_is_reported_once_it_holds_and_the_line_finishes_after_its_last_word()
    {
        var follower = new ScriptFollower(Line, holdUpdates: 2);
        Assert.False(follower.Update(0));
        Assert.Equal(-1, follower.CurrentWord);
        Assert.True(follower.Update(0));
        Assert.Equal("is", follower.CurrentText);
        // One stray frame of a later word does not move it.
        Assert.False(follower.Update(2));
        Assert.False(follower.Update(0));
        Assert.False(follower.Update(1));
        Assert.True(follower.Update(1));
        Assert.Equal(1, follower.FurthestWord);
        Assert.True(follower.Update(2) | follower.Update(2));
        Assert.False(follower.Finished);
        follower.Update(-1);
        follower.Update(-1);
        Assert.Equal(string.Empty, follower.CurrentText);
        Assert.True(follower.Finished);
        follower.Reset();
        Assert.Equal(-1, follower.FurthestWord);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => follower.Update(3));
        Assert.Equal("word", e.ParamName);
        Assert.Contains("another line", e.Message);
    }

    [Fact]
    public void Following_a_processor_reports_the_line_in_order_without_allocating()
    {
        var script = LipSyncTestAudio.Script;
        var feed = new LipSyncFeed();
        feed.Restart(script);
        var follower = new ScriptFollower(script);
        var frame = new LipSyncFrame(feed.Processor.Phones);
        var reported = new List<int>(4096);
        float[] audio = LipSyncTestAudio.Speech16k;
        int changes = 0;
        long allocated = 0;
        for (int i = 0; i + 256 <= audio.Length; i += 256)
        {
            feed.Push(audio.AsSpan(i, 256), 16000);
            long before = GC.GetAllocatedBytesForCurrentThread();
            if (feed.TryReadLatest(frame) && follower.Update(frame))
            {
                changes++;
                if (follower.CurrentWord >= 0) reported.Add(follower.CurrentWord);
            }
            // Warm-up: the first second's reads (first calls) are not counted.
            if (i >= 16000) allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.Equal(0, allocated);
        Assert.True(changes > 0);
        // Every word is reported, in the line's order but for a little flicker among the first words (the decoder may
        // take the speech for a restart while the running normalisation settles; seen: 1 2 1 2 0 3 4 5 ...).
        Assert.Equal(script.Count, reported.Distinct().Count());
        Assert.True(reported.Zip(reported.Skip(1), (first, second) => second < first).Count(back => back) <= 3, string.Join(" ", reported));
        Assert.True(reported.Skip(reported.Count / 2).Zip(reported.Skip(reported.Count / 2 + 1), (first, second) => second > first).All(forward => forward), string.Join(" ", reported));
        Assert.Equal(script.Count - 1, follower.FurthestWord);
    }

    [Fact]
    public void Reduced_keys_reproduce_every_sample_within_the_tolerance()
    {
        var rng = new Random(11);
        var values = new float[600];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(0.5 + 0.5 * Math.Sin(i / 9.0) * (i % 100 < 50 ? 1 : 0.2)) + (float)(rng.NextDouble() * 0.002);
        var kept = new int[values.Length];
        int count = CurveKeys.Reduce(values, 0.01f, kept);
        Assert.True(count < values.Length / 3, $"{count} keys of {values.Length}");
        Assert.Equal(0, kept[0]);
        Assert.Equal(values.Length - 1, kept[count - 1]);
        for (int k = 0; k + 1 < count; k++)
        {
            int a = kept[k], b = kept[k + 1];
            for (int i = a; i <= b; i++)
                Assert.True(Math.Abs(values[a] + (values[b] - values[a]) * (i - a) / (b - a) - values[i]) <= 0.0100001f, $"sample {i} between keys {a} and {b}");
        }
        var ins = new float[count];
        var outs = new float[count];
        CurveKeys.LinearSlopes(values, kept, count, 60, ins, outs);
        for (int k = 0; k + 1 < count; k++) Assert.Equal(outs[k], ins[k + 1]);
        Assert.Equal(0f, ins[0]);
        Assert.Equal(0f, outs[count - 1]);
    }

    [Fact]
    public void A_ramp_needs_two_keys_and_reduction_allocates_nothing()
    {
        var ramp = Enumerable.Range(0, 100).Select(i => i / 99f).ToArray();
        var kept = new int[100];
        Assert.Equal(2, CurveKeys.Reduce(ramp, 1e-5f, kept));
        var ins = new float[2];
        var outs = new float[2];
        CurveKeys.LinearSlopes(ramp, kept, 2, 50, ins, outs);
        Assert.Equal(50f / 99f, outs[0], 5);
        // Rounds until one allocates nothing: tiered compilation may allocate once on this thread (SteadyAllocation).
        Assert.Equal(0, SteadyAllocation.Bytes(() =>
        {
            for (int i = 0; i < 2000; i++) CurveKeys.Reduce(ramp, 0.001f, kept);
        }, warmUp: 0, calls: 1));
        Assert.Equal("kept", Assert.Throws<ArgumentException>(() => CurveKeys.Reduce(ramp, 0.01f, new int[10])).ParamName);
        Assert.Equal("tolerance", Assert.Throws<ArgumentException>(() => CurveKeys.Reduce(ramp, float.NaN, kept)).ParamName);
    }
}

using System;
using Hmm.Streaming;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Streaming;

/// <summary>
/// <see cref="LipSyncProcessor"/> allocates nothing once warm: pushes of random sizes (both sample types, with and
/// without a clock) and the reader's calls, for every preset; its monitor agrees, and sees an allocation when one happens.
/// </summary>
public class LipSyncAllocationTests
{
    // Under Mono (this file linked into Hmm.Tests.Mono) the scalar path is many times slower: there the rows are the two
    // presets a game takes, Balanced with float samples and LowLatency (a provisional frame) with 16-bit PCM.
    public static TheoryData<string, bool> PresetsAndSampleTypes() => new()
    {
#if HMM_MONO
        { nameof(LipSyncOptions.Balanced), false },
        { nameof(LipSyncOptions.LowLatency), true },
#else
        { nameof(LipSyncOptions.LowLatency), false },
        { nameof(LipSyncOptions.LowLatency), true },
        { nameof(LipSyncOptions.Balanced), false },
        { nameof(LipSyncOptions.Balanced), true },
        { nameof(LipSyncOptions.SeedPreset), false },
        { nameof(LipSyncOptions.SeedPreset), true },
        { "SegmentsOnly", false },
        { "LatencyTarget", true },
        { "Provisional", false },
        { "ProvisionalScript", true },
        { "Sphinx", false },
        { "SphinxScript", true },
#endif
    };

    private static LipSyncOptions Preset(string name) => name switch
    {
        nameof(LipSyncOptions.LowLatency) => LipSyncOptions.LowLatency,
        nameof(LipSyncOptions.Balanced) => LipSyncOptions.Balanced,
        nameof(LipSyncOptions.SeedPreset) => LipSyncOptions.SeedPreset,
        "SegmentsOnly" => LipSyncOptions.Balanced with { FrameOutputs = false },
        "LatencyTarget" => LipSyncOptions.Balanced with { LatencyTargetMs = 50 },
        "Provisional" => LipSyncOptions.LowLatency with { ProvisionalFrames = 2 },
        "ProvisionalScript" => LipSyncOptions.LowLatency with { ProvisionalFrames = 3, Script = LipSyncTestAudio.Script, LatencyTargetMs = 30 },
#if !HMM_MONO // the Sphinx model's loader lives in Hmm.Tests' Alignment tests, which Hmm.Tests.Mono does not compile
        "Sphinx" => LipSyncOptions.LowLatency with { Model = Alignment.SphinxAcousticModelTests.Model(), ProvisionalFrames = 1 },
        "SphinxScript" => LipSyncOptions.Balanced with { Model = Alignment.SphinxAcousticModelTests.Model(), Script = LipSyncTestAudio.Script },
#endif
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>
    /// One push of the next pre-drawn size (looping over the audio), then TryReadLatest and ReadSegments, as an audio
    /// callback and a render loop would call them. Sizes: mostly 1 to 320 samples (up to 20 ms at 16 kHz), one in 32 anywhere
    /// up to MaxBlockSamples, so that 10,000 pushes stay near two minutes of audio.
    /// </summary>
    private static Action Caller(LipSyncProcessor processor, bool pcm16, int seed)
    {
        float[] audio = LipSyncTestAudio.Speech16k;
        short[] pcm = LipSyncTestAudio.ToPcm16(audio);
        var rng = new Random(seed);
        int max = processor.Options.MaxBlockSamples;
        var sizes = new int[4099];
        for (int i = 0; i < sizes.Length; i++) sizes[i] = rng.Next(32) == 0 ? rng.Next(1, max + 1) : rng.Next(1, Math.Min(320, max) + 1);
        var frame = new LipSyncFrame(processor.Phones);
        var segments = new CommittedPhone[64];
        int call = 0, position = 0;
        long clock = 0;
        return () =>
        {
            int n = sizes[call % sizes.Length];
            if (position + n > audio.Length) position = 0;
            // Every other push carries its start on the caller's clock (the clock runs on; the audio loops).
            bool timed = (call & 1) == 1;
            if (pcm16)
            {
                if (timed) processor.Push(pcm.AsSpan(position, n), clock);
                else processor.Push(pcm.AsSpan(position, n));
            }
            else
            {
                if (timed) processor.Push(audio.AsSpan(position, n), clock);
                else processor.Push(audio.AsSpan(position, n));
            }
            call++;
            position += n;
            clock += n;
            processor.TryReadLatest(frame);
            processor.ReadSegments(segments);
        };
    }

    [Theory]
    [MemberData(nameof(PresetsAndSampleTypes))]
    public void Ten_thousand_pushes_of_random_sizes_and_the_reads_allocate_nothing(string preset, bool pcm16)
    {
        using var processor = new LipSyncProcessor(Preset(preset));
        var call = Caller(processor, pcm16, preset.Length + (pcm16 ? 1 : 0));
        Assert.Equal(0, SteadyAllocation.Bytes(call, warmUp: 300, calls: 10_000));
        Assert.True(processor.Frames > 10_000, $"{processor.Frames} frames");

        // The monitor's own count of bytes allocated inside pushes says the same (measured as above: the first round
        // that the thread allocates nothing in, the monitor must report nothing too).
        bool steady = false;
        for (int round = 0; round < 3 && !steady; round++)
        {
            processor.Monitor.Reset();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++) call();
            long thread = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.InRange(processor.Monitor.AllocatedBytes, 0, thread);
            steady = thread == 0;
        }
        Assert.True(steady, "the thread kept allocating");
        Assert.Equal(0, processor.Monitor.AllocatedBytes);
        Assert.True(processor.Monitor.Hops > 0);
        Assert.Equal(0, processor.Monitor.DroppedSegments);
    }

    [Fact]
    public void The_monitor_counts_what_a_push_allocates()
    {
        using var processor = new LipSyncProcessor();
        float[] audio = LipSyncTestAudio.Speech16k;
        processor.Push(audio.AsSpan(0, 1600)); // the first push is not counted
        processor.Monitor.Reset();
        // A frame handler that allocates: 1,000 bytes of array (and its header) per analysis hop, inside the pushes.
        processor.FrameAnalysed = _ => GC.KeepAlive(new byte[1000]);
        long before = processor.Frames;
        for (int i = 1; i < 11; i++) processor.Push(audio.AsSpan(i * 1600, 1600));
        long hops = processor.Frames - before;
        Assert.True(hops >= 90, $"{hops} hops");
        Assert.InRange(processor.Monitor.AllocatedBytes, 1000 * hops, 2000 * hops);
        Assert.Equal(hops, processor.Monitor.Hops);
    }
}

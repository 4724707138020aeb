using System;
using System.Collections.Generic;
using Hmm.Speech.Audio;
using Xunit;

namespace Hmm.Tests.Audio;

/// <summary>
/// <see cref="StreamingResampler"/>: pushed in blocks of any size and flushed, a stream gives exactly (bit for bit) the
/// samples of <see cref="Resampler.Process(ReadOnlySpan{float})"/> on the whole signal; the errors it documents.
/// </summary>
public class StreamingResamplerTests
{
    public static TheoryData<int, int> RatePairs() => new()
    {
        { 48000, 16000 },
        { 44100, 16000 },
        { 8000, 16000 },
        { 22050, 16000 },
        { 16000, 16000 },
    };

    private static float[] Noise(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>Pushes <paramref name="signal"/> in random blocks of 0 to MaxBlockSamples samples, then flushes; every output sample in order.</summary>
    private static float[] Stream(StreamingResampler streaming, float[] signal, Random rng)
    {
        var output = new List<float>();
        var block = new float[streaming.MaxOutputSamples];
        int position = 0;
        while (position < signal.Length)
        {
            // Now and then an empty push: it must change nothing.
            int size = rng.Next(8) == 0 ? 0 : Math.Min(signal.Length - position, rng.Next(1, streaming.MaxBlockSamples + 1));
            int n = streaming.Process(signal.AsSpan(position, size), block);
            position += size;
            for (int i = 0; i < n; i++) output.Add(block[i]);
            Assert.Equal(position, streaming.InputSamples);
            Assert.Equal(output.Count, streaming.OutputSamples);
            // Only samples before the input's end so far come out: no more than the whole of that input would give.
            Assert.True(output.Count <= ((long)position * streaming.OutputSampleRate + streaming.InputSampleRate - 1) / streaming.InputSampleRate);
        }
        int flushed = streaming.Flush(block);
        for (int i = 0; i < flushed; i++) output.Add(block[i]);
        Assert.Equal(0, streaming.Flush(block)); // a second flush gives nothing more
        return output.ToArray();
    }

    private static void AssertBitForBit(float[] expected, float[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} samples, the whole-signal resampler gives {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: sample {i} of {expected.Length} is {actual[i]:R}, the whole-signal resampler gives {expected[i]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(RatePairs))]
    public void Any_block_sizes_then_flush_give_the_whole_signal_resampled_bit_for_bit(int inputRate, int outputRate)
    {
        var rng = new Random(inputRate + 31 * outputRate);
        var whole = new Resampler(inputRate, outputRate);
        // Lengths from nothing, through shorter than the filter, to a few thousand samples; block limits from one sample up.
        int[] lengths = { 0, 1, 2, rng.Next(3, 60), rng.Next(60, 600), rng.Next(600, 3000), rng.Next(3000, 12000) };
        int[] maxBlocks = { 1, 7, 160, 1024, 4800 };
        foreach (int length in lengths)
        {
            foreach (int maxBlock in maxBlocks)
            {
                if (maxBlock == 1 && length > 3000) continue; // one sample a push is covered by the shorter signals
                float[] signal = Noise(rng, length);
                float[] expected = whole.Process(signal);
                var streaming = new StreamingResampler(inputRate, outputRate, maxBlock);
                AssertBitForBit(expected, Stream(streaming, signal, rng), $"{inputRate} -> {outputRate}, {length} samples, blocks <= {maxBlock}");
                Assert.Equal(expected.Length, streaming.OutputSamples);
            }
        }
    }

    [Theory]
    [MemberData(nameof(RatePairs))]
    public void Reset_starts_a_new_stream_that_again_matches_the_whole_signal(int inputRate, int outputRate)
    {
        var rng = new Random(5);
        var whole = new Resampler(inputRate, outputRate);
        var streaming = new StreamingResampler(inputRate, outputRate, 500);
        float[] first = Noise(rng, 2345);
        AssertBitForBit(whole.Process(first), Stream(streaming, first, rng), "first stream");
        streaming.Reset();
        Assert.Equal(0, streaming.InputSamples);
        Assert.Equal(0, streaming.OutputSamples);
        float[] second = Noise(rng, 1777);
        AssertBitForBit(whole.Process(second), Stream(streaming, second, rng), "after Reset");
        // A reset in mid-stream (before any flush) forgets the unfinished stream too.
        var scratch = new float[streaming.MaxOutputSamples];
        streaming.Reset();
        streaming.Process(Noise(rng, 400), scratch);
        streaming.Reset();
        AssertBitForBit(whole.Process(first), Stream(streaming, first, rng), "after a reset in mid-stream");
    }

    [Fact]
    public void A_block_longer_than_the_limit_is_refused_and_the_stream_goes_on_unchanged()
    {
        var rng = new Random(11);
        float[] signal = Noise(rng, 3000);
        var streaming = new StreamingResampler(48000, 16000, 100);
        var output = new float[streaming.MaxOutputSamples];
        var collected = new List<float>();
        int n = streaming.Process(signal.AsSpan(0, 100), output);
        collected.AddRange(output.AsSpan(0, n).ToArray());
        var e = Assert.Throws<ArgumentException>(() => streaming.Process(new float[101], output));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("100", e.Message);
        Assert.Equal(100, streaming.InputSamples);
        for (int i = 100; i < signal.Length; i += 100)
        {
            n = streaming.Process(signal.AsSpan(i, Math.Min(100, signal.Length - i)), output);
            collected.AddRange(output.AsSpan(0, n).ToArray());
        }
        n = streaming.Flush(output);
        collected.AddRange(output.AsSpan(0, n).ToArray());
        AssertBitForBit(new Resampler(48000, 16000).Process(signal), collected.ToArray(), "after a refused block");
    }

    [Theory]
    [InlineData(48000)]
    [InlineData(16000)]
    public void An_output_span_shorter_than_MaxOutputSamples_is_refused(int inputRate)
    {
        var streaming = new StreamingResampler(inputRate, 16000, 480);
        var e = Assert.Throws<ArgumentException>(() => streaming.Process(new float[10], new float[streaming.MaxOutputSamples - 1]));
        Assert.Equal("output", e.ParamName);
        Assert.Equal(0, streaming.InputSamples);
        Assert.Equal(0, streaming.Process(ReadOnlySpan<float>.Empty, new float[streaming.MaxOutputSamples]));
    }

    [Theory]
    [InlineData(44100)]
    [InlineData(16000)]
    public void Pushing_after_flush_throws_until_reset(int inputRate)
    {
        var streaming = new StreamingResampler(inputRate, 16000, 256);
        var output = new float[streaming.MaxOutputSamples];
        streaming.Process(new float[256], output);
        streaming.Flush(output);
        Assert.Throws<InvalidOperationException>(() => streaming.Process(new float[1], output));
        Assert.Throws<InvalidOperationException>(() => streaming.Process(ReadOnlySpan<float>.Empty, output));
        streaming.Reset();
        streaming.Process(new float[1], output);
        Assert.Equal(1, streaming.InputSamples);
    }

    [Fact]
    public void Construction_checks_its_arguments()
    {
        Assert.Equal("maxBlockSamples", Assert.Throws<ArgumentOutOfRangeException>(() => new StreamingResampler(48000, 16000, 0)).ParamName);
        Assert.Equal("inputSampleRate", Assert.Throws<ArgumentOutOfRangeException>(() => new StreamingResampler(0, 16000, 10)).ParamName);
        Assert.Equal("outputSampleRate", Assert.Throws<ArgumentOutOfRangeException>(() => new StreamingResampler(16000, -1, 10)).ParamName);
    }
}

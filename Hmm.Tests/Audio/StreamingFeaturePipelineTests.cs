using System;
using System.Collections.Generic;
using System.Linq;
using Hmm.Speech.Audio;
using Xunit;

namespace Hmm.Tests.Audio;

/// <summary>
/// <see cref="StreamingFeaturePipeline"/>: raw frames pushed one at a time give the deltas of
/// <see cref="FeaturePostProcessing.AddDeltas"/> over the whole matrix bit for bit, and the running normalisation is
/// deterministic and follows its definition (decayed sums with a prior); frame counts, look-ahead and argument errors.
/// </summary>
public class StreamingFeaturePipelineTests
{
    public static TheoryData<string> DeltaConfigurations() => new() { "default", "order1", "window1", "window3", "order0", "logmel" };

    private static FrontEndOptions Configuration(string name)
    {
        var none = FrontEndOptions.Default with { Normalization = CmvnMode.None };
        return name switch
        {
            "default" => none,
            "order1" => none with { DeltaOrder = 1 },
            "window1" => none with { DeltaWindow = 1 },
            "window3" => none with { DeltaWindow = 3 },
            "order0" => none with { DeltaOrder = 0 },
            "logmel" => none with { Kind = FeatureKind.LogMel },
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    /// <summary>Noise in stretches of random loudness (digital silence among them) with a random tone on top: features that move.</summary>
    private static float[] Signal(Random rng, int length)
    {
        var x = new float[length];
        int i = 0;
        while (i < length)
        {
            int stretch = Math.Min(length - i, rng.Next(200, 4000));
            double amplitude = rng.Next(6) == 0 ? 0 : Math.Pow(10, -3 * rng.NextDouble());
            double hz = 100 + 7000 * rng.NextDouble(), tone = rng.NextDouble();
            for (int k = 0; k < stretch; k++, i++)
                x[i] = (float)(amplitude * ((rng.NextDouble() * 2 - 1) * (1 - tone) + tone * Math.Sin(2 * Math.PI * hz * i / 16000)));
        }
        return x;
    }

    /// <summary>The raw frames of <paramref name="signal"/> (ExtractRaw), frames × RawDimension.</summary>
    private static (float[] Raw, int Frames) Raw(FrontEndOptions options, float[] signal)
    {
        var extractor = new FeatureExtractor(options);
        var raw = new float[extractor.FrameCount(signal.Length) * extractor.RawDimension];
        int frames = extractor.ExtractRaw(signal, raw);
        return (raw, frames);
    }

    /// <summary>The whole matrix with its deltas: raw columns copied, then <see cref="FeaturePostProcessing.AddDeltas"/>.</summary>
    private static float[] WholeWithDeltas(FrontEndOptions options, float[] raw, int frames)
    {
        int dim = options.FeatureDimension, rawDim = options.RawDimension;
        var matrix = new float[frames * dim];
        for (int t = 0; t < frames; t++) raw.AsSpan(t * rawDim, rawDim).CopyTo(matrix.AsSpan(t * dim));
        FeaturePostProcessing.AddDeltas(matrix, frames, dim, rawDim, options.DeltaOrder, options.DeltaWindow);
        return matrix;
    }

    /// <summary>Pushes the raw frames one by one, then flushes; every feature frame in order (checking the look-ahead on the way).</summary>
    private static float[] Stream(StreamingFeaturePipeline pipeline, float[] raw, int frames)
    {
        int dim = pipeline.FeatureDimension, rawDim = pipeline.RawDimension;
        var output = new List<float>();
        var frame = new float[dim];
        for (int t = 0; t < frames; t++)
        {
            bool produced = pipeline.Push(raw.AsSpan(t * rawDim, rawDim), frame);
            // Frame t - LookaheadFrames comes out with raw frame t, not before.
            Assert.Equal(t >= pipeline.LookaheadFrames, produced);
            if (produced) output.AddRange(frame);
            Assert.Equal(Math.Max(0, t + 1 - pipeline.LookaheadFrames), pipeline.FramesProduced);
        }
        var rest = new float[pipeline.LookaheadFrames * dim];
        int left = pipeline.Flush(rest);
        Assert.Equal(Math.Min(frames, pipeline.LookaheadFrames), left);
        output.AddRange(rest.AsSpan(0, left * dim).ToArray());
        Assert.Equal(frames, pipeline.FramesProduced);
        Assert.Equal(0, pipeline.Flush(rest));
        return output.ToArray();
    }

    private static void AssertBitForBit(float[] expected, float[] actual, int dim, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length / dim} frames out, {expected.Length / dim} in");
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: frame {i / dim} value {i % dim}: {actual[i]:R}, whole-matrix {expected[i]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(DeltaConfigurations))]
    public void Deltas_pushed_frame_by_frame_equal_AddDeltas_over_the_whole_matrix_bit_for_bit(string configuration)
    {
        var options = Configuration(configuration);
        var rng = new Random(configuration.Length * 977);
        // From no frames, through fewer frames than the look-ahead (both ends replicated at once), to a few seconds.
        int frameLength = options.FrameLength, hop = options.HopLength;
        int[] frameCounts = { 0, 1, 2, 3, 4, 5, 7, rng.Next(8, 40), rng.Next(100, 400) };
        foreach (int count in frameCounts)
        {
            int samples = count == 0 ? rng.Next(0, frameLength) : frameLength + (count - 1) * hop + rng.Next(0, hop);
            var (raw, frames) = Raw(options, Signal(rng, samples));
            Assert.Equal(count, frames);
            var pipeline = new StreamingFeaturePipeline(options);
            Assert.Equal(options.DeltaOrder * options.DeltaWindow, pipeline.LookaheadFrames);
            Assert.Equal(options.FeatureDimension, pipeline.FeatureDimension);
            Assert.Equal(options.RawDimension, pipeline.RawDimension);
            float[] streamed = Stream(pipeline, raw, frames);
            AssertBitForBit(WholeWithDeltas(options, raw, frames), streamed, options.FeatureDimension, $"{configuration}, {frames} frames");
        }
    }

    /// <summary>
    /// A provisional frame is the frame the stream's end would give now: after every raw frame, peeking at the next frames
    /// and then flushing a copy of the pipeline (pushed the same frames) agree bit for bit on the first, and peeking
    /// changes nothing the pipeline gives later.
    /// </summary>
    [Theory]
    [MemberData(nameof(NormalisationCases))]
    public void Peeked_frames_are_what_a_flush_now_would_give_and_peeking_changes_nothing(CmvnMode mode, bool withPrior)
    {
        var options = FrontEndOptions.Default with { Normalization = mode };
        var rng = new Random(31 + (int)mode * 2 + (withPrior ? 1 : 0));
        int dim = options.FeatureDimension, rawDim = options.RawDimension;
        var (raw, frames) = Raw(options, Signal(rng, 6000));
        double[] priorMean = Enumerable.Range(0, dim).Select(j => rng.NextDouble()).ToArray();
        double[] priorVariance = Enumerable.Range(0, dim).Select(j => 1 + rng.NextDouble()).ToArray();
        StreamingFeaturePipeline Make()
        {
            var p = new StreamingFeaturePipeline(options, 0.5);
            if (withPrior) p.SetPrior(priorMean, priorVariance, 10);
            return p;
        }
        var peeking = Make();
        float[] expected = Stream(Make(), raw, frames);
        var produced = new List<float>();
        var frame = new float[dim];
        var peeked = new float[peeking.LookaheadFrames * dim];
        var flushed = new float[peeking.LookaheadFrames * dim];
        for (int t = 0; t < frames; t++)
        {
            if (peeking.Push(raw.AsSpan(t * rawDim, rawDim), frame)) produced.AddRange(frame);
            int ahead = rng.Next(0, peeking.LookaheadFrames + 2);
            int count = peeking.Peek(ahead, peeked);
            Assert.Equal((int)Math.Min(ahead, t + 1 - peeking.FramesProduced), count);
            if (count == 0) continue;
            // A copy that ends the stream here.
            var copyFrame = new float[dim];
            var replay = Make();
            for (int r = 0; r <= t; r++) replay.Push(raw.AsSpan(r * rawDim, rawDim), copyFrame);
            replay.Flush(flushed);
            AssertBitForBit(flushed.AsSpan(0, dim).ToArray(), peeked.AsSpan(0, dim).ToArray(), dim, $"frame {peeking.FramesProduced} peeked after raw frame {t}");
        }
        var rest = new float[peeking.LookaheadFrames * dim];
        int left = peeking.Flush(rest);
        produced.AddRange(rest.AsSpan(0, left * dim).ToArray());
        AssertBitForBit(expected, produced.ToArray(), dim, "frames given after peeking");
        Assert.Throws<ArgumentOutOfRangeException>(() => peeking.Peek(-1, peeked));
    }

    [Fact]
    public void Reset_forgets_the_stream_and_the_next_one_matches_again()
    {
        var options = Configuration("default");
        var rng = new Random(3);
        var pipeline = new StreamingFeaturePipeline(options);
        var (raw, frames) = Raw(options, Signal(rng, 8000));
        var (raw2, frames2) = Raw(options, Signal(rng, 5000));
        Stream(pipeline, raw, frames);
        pipeline.Reset();
        Assert.Equal(0, pipeline.FramesProduced);
        AssertBitForBit(WholeWithDeltas(options, raw2, frames2), Stream(pipeline, raw2, frames2), options.FeatureDimension, "after a flushed stream");
        // Reset in mid-stream, frames still waiting for their look-ahead.
        var scratch = new float[options.FeatureDimension];
        for (int t = 0; t < 3; t++) pipeline.Push(raw.AsSpan(t * options.RawDimension, options.RawDimension), scratch);
        pipeline.Reset();
        AssertBitForBit(WholeWithDeltas(options, raw2, frames2), Stream(pipeline, raw2, frames2), options.FeatureDimension, "after a reset in mid-stream");
    }

    public static TheoryData<CmvnMode, bool> NormalisationCases() => new()
    {
        { CmvnMode.MeanVariance, false },
        { CmvnMode.MeanVariance, true },
        { CmvnMode.Mean, false },
        { CmvnMode.Mean, true },
    };

    [Theory]
    [MemberData(nameof(NormalisationCases))]
    public void Running_normalisation_is_deterministic_and_follows_the_decayed_sums(CmvnMode mode, bool withPrior)
    {
        var options = FrontEndOptions.Default with { Normalization = mode };
        var rng = new Random((int)mode * 2 + (withPrior ? 1 : 0));
        const double timeConstant = 0.4; // 40 frames: the weights of a 250-frame stream span e^-6
        int dim = options.FeatureDimension;
        var (raw, frames) = Raw(options, Signal(rng, 40000));
        double[] priorMean = new double[dim], priorVariance = new double[dim];
        double priorFrames = withPrior ? 20 : 0;
        for (int j = 0; j < dim; j++)
        {
            priorMean[j] = rng.NextDouble() * 20 - 10;
            priorVariance[j] = 0.1 + rng.NextDouble() * 30;
        }

        StreamingFeaturePipeline Make()
        {
            var p = new StreamingFeaturePipeline(options, timeConstant);
            if (withPrior) p.SetPrior(priorMean, priorVariance, priorFrames);
            return p;
        }
        var pipeline = Make();
        float[] first = Stream(pipeline, raw, frames);
        // Determinism: a fresh pipeline, and the same one after Reset (which keeps the prior), give the same floats.
        AssertBitForBit(first, Stream(Make(), raw, frames), dim, "a second pipeline");
        pipeline.Reset();
        AssertBitForBit(first, Stream(pipeline, raw, frames), dim, "after Reset");

        // The definition in float64: frame t is normalised by the sums of frames 0..t weighted decay^(t - s), plus the
        // prior (weight priorFrames, sums priorFrames * mean and priorFrames * (variance + mean²)) aged t + 1 frames.
        float[] y = WholeWithDeltas(options, raw, frames);
        double decay = Math.Exp(-options.HopLengthMs / 1000.0 / timeConstant);
        Assert.Equal(timeConstant, pipeline.NormalisationTimeConstantSeconds);
        double worst = 0;
        for (int t = 0; t < frames; t++)
        {
            double priorWeight = priorFrames * Math.Pow(decay, t + 1);
            for (int j = 0; j < dim; j++)
            {
                double count = priorWeight, sum = priorWeight * priorMean[j], sumSquares = priorWeight * (priorVariance[j] + priorMean[j] * priorMean[j]);
                for (int s = 0; s <= t; s++)
                {
                    double w = Math.Pow(decay, t - s), v = y[s * dim + j];
                    count += w;
                    sum += w * v;
                    sumSquares += w * v * v;
                }
                double mean = sum / count;
                double variance = Math.Max(0, sumSquares / count - mean * mean);
                double scale = mode == CmvnMode.MeanVariance && variance >= 1e-10 ? 1 / Math.Sqrt(variance) : 1;
                double expected = (y[t * dim + j] - mean) * scale;
                double actual = first[t * dim + j];
                double error = Math.Abs(actual - expected) / (1 + Math.Abs(expected));
                worst = Math.Max(worst, error);
                Assert.True(error <= Tolerances.RunningNormalisation,
                    $"frame {t} value {j}: {actual:R}, decayed-sum definition {expected:R} (relative error {error:G3})");
            }
        }
    }

    [Fact]
    public void Frame_counts_and_look_ahead()
    {
        var options = FrontEndOptions.Default;
        var pipeline = new StreamingFeaturePipeline(options);
        Assert.Equal(options.DeltaOrder * options.DeltaWindow, pipeline.LookaheadFrames);
        Assert.Equal(4, pipeline.LookaheadFrames);
        Assert.Equal(0, new StreamingFeaturePipeline(options with { DeltaOrder = 0 }).LookaheadFrames);
        Assert.Equal(6, new StreamingFeaturePipeline(options with { DeltaOrder = 2, DeltaWindow = 3 }).LookaheadFrames);
        // With normalisation on too, every raw frame gives one feature frame: Push after the look-ahead, the rest at Flush.
        var (raw, frames) = Raw(options, Signal(new Random(9), 12345));
        Assert.Equal(frames * options.FeatureDimension, Stream(pipeline, raw, frames).Length);
        pipeline.Reset();
        Assert.Equal(0, pipeline.Flush(new float[pipeline.LookaheadFrames * options.FeatureDimension]));
    }

    [Fact]
    public void SetPrior_and_construction_name_the_bad_argument()
    {
        var pipeline = new StreamingFeaturePipeline(FrontEndOptions.Default);
        int dim = pipeline.FeatureDimension;
        double[] ok = new double[dim], ones = new double[dim];
        Array.Fill(ones, 1.0);
        pipeline.SetPrior(ok, ones, 0);
        pipeline.SetPrior(ok, ones, 20);

        Assert.Equal("mean", Assert.Throws<ArgumentException>(() => pipeline.SetPrior(new double[dim - 1], ones, 1)).ParamName);
        Assert.Equal("variance", Assert.Throws<ArgumentException>(() => pipeline.SetPrior(ok, new double[dim + 1], 1)).ParamName);
        foreach (double frames in new[] { -1, double.NaN, double.PositiveInfinity })
            Assert.Equal("frames", Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.SetPrior(ok, ones, frames)).ParamName);
        foreach (double bad in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
        {
            var mean = (double[])ok.Clone();
            mean[dim / 2] = bad;
            var e = Assert.Throws<ArgumentException>(() => pipeline.SetPrior(mean, ones, 1));
            Assert.Equal("mean", e.ParamName);
            Assert.Contains($"mean[{dim / 2}]", e.Message);
        }
        foreach (double bad in new[] { -1e-3, double.NaN, double.PositiveInfinity })
        {
            var variance = (double[])ones.Clone();
            variance[3] = bad;
            var e = Assert.Throws<ArgumentException>(() => pipeline.SetPrior(ok, variance, 1));
            Assert.Equal("variance", e.ParamName);
            Assert.Contains("variance[3]", e.Message);
        }

        foreach (double tau in new[] { 0, -1, double.NaN, double.PositiveInfinity })
            Assert.Equal("normalisationTimeConstantSeconds", Assert.Throws<ArgumentOutOfRangeException>(() => new StreamingFeaturePipeline(FrontEndOptions.Default, tau)).ParamName);
        Assert.Throws<ArgumentNullException>(() => new StreamingFeaturePipeline(null!));

        var features = new float[dim];
        Assert.Equal("rawFrame", Assert.Throws<ArgumentException>(() => pipeline.Push(new float[pipeline.RawDimension + 1], features)).ParamName);
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => pipeline.Push(new float[pipeline.RawDimension], new float[dim - 1])).ParamName);
        Assert.Equal(0, pipeline.FramesProduced);
        for (int t = 0; t < 3; t++) pipeline.Push(new float[pipeline.RawDimension], features);
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => pipeline.Flush(new float[3 * dim - 1])).ParamName);
        Assert.Equal(3, pipeline.Flush(new float[3 * dim]));
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Hmm.Speech.Audio;
using Hmm.Speech.Training;
using Xunit;

namespace Hmm.Tests.Audio;

/// <summary>
/// <see cref="FrontEndOptions.SphinxEnUs"/> against pocketsphinx 5prealpha (Debian) itself: its pre-CMN cepstra for three
/// speech-dev recordings (clean with digital silence, white noise at 20 dB, another voice), dumped with
/// <c>-mfclogdir</c> by <c>tools/make-sphinx-fixtures.sh</c> into Hmm.Tests/Data/Sphinx.
/// </summary>
public class SphinxFrontEndTests
{
    /// <summary>
    /// Largest difference allowed between our cepstra and pocketsphinx's, which computes the spectrum in double where we use
    /// a float FFT: bands far below the frame's loudest (the clean synthetic voice has almost nothing in some) carry a
    /// relative error of about 1e-5, which the lifter multiplies by up to 12 in c12. Measured: 1.7e-4 (clean s017, c12),
    /// 1.1e-4 (s044), 4.1e-5 (noise20, where no band is that quiet).
    /// </summary>
    private const float CepstrumTolerance = 2.5e-4f;

    /// <summary>Deltas add or subtract two (Δ) or four (ΔΔ) cepstra. Measured: 2.4e-4 (s044), 2.0e-4 (s017), 8.8e-5 (noise20).</summary>
    private const float FeatureTolerance = 5e-4f;

    public static TheoryData<string> Recordings => new() { "s017-us1", "s017-us1-noise20", "s044-us2" };

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "Sphinx", name);

    private static float[] Samples(string id) => WavReader.Read(Fixture(id + ".wav")).Samples;

    /// <summary>A -mfclogdir dump: int32 number of floats (not frames), then 13 float32 per frame.</summary>
    private static float[] Dump(string id)
    {
        byte[] bytes = File.ReadAllBytes(Fixture(id + ".mfc"));
        int count = BitConverter.ToInt32(bytes, 0);
        Assert.Equal(4 + 4 * count, bytes.Length);
        var values = new float[count];
        Buffer.BlockCopy(bytes, 4, values, 0, 4 * count);
        return values;
    }

    private static float MaxDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    /// <summary>pocketsphinx's features from its cepstra: batch CMN (cmn.c) then 1s_c_d_dd (feat.c), written out here independently.</summary>
    private static float[] SphinxFeatures(float[] cepstra)
    {
        int frames = cepstra.Length / 13;
        var c = (float[])cepstra.Clone();
        var mean = new float[13];
        int counted = 0;
        for (int t = 0; t < frames; t++)
        {
            if (c[t * 13] < 0) continue;
            for (int j = 0; j < 13; j++) mean[j] += c[t * 13 + j];
            counted++;
        }
        for (int j = 0; j < 13; j++) mean[j] /= counted;
        for (int t = 0; t < frames; t++) for (int j = 0; j < 13; j++) c[t * 13 + j] -= mean[j];
        // Pad with 3 copies of the first and last frames, as feat_s2mfc2feat_block_utt does.
        float C(int t, int j) => c[Math.Clamp(t, 0, frames - 1) * 13 + j];
        var features = new float[frames * 39];
        for (int t = 0; t < frames; t++)
        {
            for (int j = 0; j < 13; j++)
            {
                features[t * 39 + j] = C(t, j);
                features[t * 39 + 13 + j] = C(t + 2, j) - C(t - 2, j);
                features[t * 39 + 26 + j] = (C(t + 3, j) - C(t - 1, j)) - (C(t + 1, j) - C(t - 3, j));
            }
        }
        return features;
    }

    [Theory]
    [MemberData(nameof(Recordings))]
    public void Raw_cepstra_and_frame_count_equal_pocketsphinx(string id)
    {
        float[] samples = Samples(id);
        float[] dump = Dump(id);
        var extractor = new FeatureExtractor(FrontEndOptions.SphinxEnUs);
        int frames = extractor.FrameCount(samples.Length);
        Assert.Equal(dump.Length / 13, frames);
        Assert.Equal(1 + (samples.Length - 410) / 160 + 1, frames); // the whole frames and the final partial one
        var raw = new float[frames * 13];
        Assert.Equal(frames, extractor.ExtractRaw(samples, raw));
        float difference = MaxDifference(raw, dump);
        int at = Enumerable.Range(0, raw.Length).First(i => Math.Abs(raw[i] - dump[i]) == difference);
        Assert.True(difference <= CepstrumTolerance,
            $"{id}: largest cepstral difference {difference:G4} > {CepstrumTolerance} at frame {at / 13} c{at % 13} (ours {raw[at]}, pocketsphinx {dump[at]}, frame's c0 {dump[at / 13 * 13]})");
    }

    [Theory]
    [MemberData(nameof(Recordings))]
    public void Features_equal_batch_cmn_and_1s_c_d_dd_of_pocketsphinx_cepstra(string id)
    {
        float[] samples = Samples(id);
        float[] expected = SphinxFeatures(Dump(id));
        var extractor = new FeatureExtractor(FrontEndOptions.SphinxEnUs);
        Assert.Equal(39, extractor.FeatureDimension);
        float[] features = extractor.Extract(samples);
        float difference = MaxDifference(features, expected);
        Assert.True(difference <= FeatureTolerance, $"{id}: largest feature difference {difference:G4} > {FeatureTolerance}");
    }

    [Fact]
    public void The_final_partial_frame_is_counted_for_any_non_empty_input()
    {
        var extractor = new FeatureExtractor(FrontEndOptions.SphinxEnUs);
        Assert.Equal(0, extractor.FrameCount(0));
        Assert.Equal(1, extractor.FrameCount(1));
        Assert.Equal(1, extractor.FrameCount(409));
        Assert.Equal(2, extractor.FrameCount(410));
        Assert.Equal(267, extractor.FrameCount(42880));
        // Today's front end is unchanged: whole frames only.
        Assert.Equal(0, new FeatureExtractor().FrameCount(399));
        Assert.Equal(1, new FeatureExtractor().FrameCount(400));
        // A short input gives one finite frame.
        var features = new FeatureExtractor(FrontEndOptions.SphinxEnUs).Extract(Enumerable.Range(0, 300).Select(i => (float)Math.Sin(i * 0.3) * 0.1f).ToArray());
        Assert.Equal(39, features.Length);
        Assert.All(features, v => Assert.True(float.IsFinite(v)));
    }

    /// <summary>Raw frames of a recording through the streaming extractor in uneven pushes, the final frame included.</summary>
    private static List<float[]> StreamRaw(StreamingFeatureExtractor streaming, float[] samples)
    {
        var frames = new List<float[]>();
        var frame = new float[streaming.RawDimension];
        int[] sizes = { 37, 160, 1, 999, 410 };
        for (int p = 0, k = 0; p < samples.Length; k++)
        {
            int n = Math.Min(sizes[k % sizes.Length], samples.Length - p);
            p += streaming.PushSamples(samples.AsSpan(p, n));
            while (streaming.TryReadFrame(frame)) frames.Add((float[])frame.Clone());
        }
        if (streaming.TryReadFinalFrame(frame)) frames.Add((float[])frame.Clone());
        return frames;
    }

    [Theory]
    [MemberData(nameof(Recordings))]
    public void Streaming_raw_frames_equal_offline_bit_for_bit_final_frame_included(string id)
    {
        float[] samples = Samples(id);
        var offline = new FeatureExtractor(FrontEndOptions.SphinxEnUs);
        var raw = new float[offline.FrameCount(samples.Length) * 13];
        offline.ExtractRaw(samples, raw);
        var streamed = StreamRaw(new StreamingFeatureExtractor(FrontEndOptions.SphinxEnUs), samples);
        Assert.Equal(raw, streamed.SelectMany(f => f).ToArray());
    }

    /// <summary>Sphinx's live CMN (cmn_live.c) on one frame at a time, written out here independently (in float, as Sphinx).</summary>
    private static float[] LiveCmn(float[] cepstra, float[] init)
    {
        var c = (float[])cepstra.Clone();
        var mean = (float[])init.Clone();
        var sum = init.Select(v => v * 500).ToArray();
        int n = 500;
        for (int t = 0; t < c.Length / 13; t++)
        {
            if (c[t * 13] >= 0)
            {
                for (int j = 0; j < 13; j++)
                {
                    sum[j] += c[t * 13 + j];
                    c[t * 13 + j] -= mean[j];
                }
                n++;
            }
            if (n > 800)
            {
                float sf = 1.0f / n;
                for (int j = 0; j < 13; j++) mean[j] = sum[j] / n;
                sf = 500 * sf;
                for (int j = 0; j < 13; j++) sum[j] *= sf;
                n = 500;
            }
        }
        return c;
    }

    [Theory]
    [MemberData(nameof(Recordings))]
    public void Streaming_pipeline_gives_live_cmn_and_sphinx_deltas(string id)
    {
        float[] samples = Samples(id);
        var options = FrontEndOptions.SphinxEnUs;
        float[] init = options.ParseLiveCmnInitialMean();
        Assert.Equal(41.00f, init[0]);
        // Our own raw frames (equal to pocketsphinx's to 1e-4, tested above) through Sphinx's live CMN and 1s_c_d_dd.
        var offline = new FeatureExtractor(options);
        var raw = new float[offline.FrameCount(samples.Length) * 13];
        offline.ExtractRaw(samples, raw);
        float[] live = LiveCmn(raw, init);
        int frames = raw.Length / 13;
        float C(int t, int j) => live[Math.Clamp(t, 0, frames - 1) * 13 + j];

        var pipeline = new StreamingFeaturePipeline(options);
        Assert.Equal(3, pipeline.LookaheadFrames);
        var streamed = new List<float>();
        var features = new float[39];
        var rest = new float[(pipeline.LookaheadFrames + 1) * 39];
        for (int t = 0; t < frames; t++)
            if (pipeline.Push(raw.AsSpan(t * 13, 13), features)) streamed.AddRange(features);
        int left = pipeline.Flush(rest);
        streamed.AddRange(rest.Take(left * 39));
        Assert.Equal(frames * 39, streamed.Count);
        for (int t = 0; t < frames; t++)
        {
            for (int j = 0; j < 13; j++)
            {
                Assert.Equal(C(t, j), streamed[t * 39 + j]);
                Assert.Equal(C(t + 2, j) - C(t - 2, j), streamed[t * 39 + 13 + j]);
                Assert.Equal((C(t + 3, j) - C(t - 1, j)) - (C(t + 1, j) - C(t - 3, j)), streamed[t * 39 + 26 + j]);
            }
        }
        // The utterance is shorter than 300 counted frames, so the mean stays at -cmninit until the end, where it
        // becomes the running average (cmn_live_update).
        Assert.NotEqual(init[0], pipeline.LiveCepstralMean[0]);
        pipeline.Reset();
        Assert.Equal(init, pipeline.LiveCepstralMean.ToArray());
    }

    [Fact]
    public void Live_cmn_moves_its_mean_after_more_than_800_counted_frames_and_skips_negative_c0()
    {
        var options = FrontEndOptions.SphinxEnUs;
        float[] init = options.ParseLiveCmnInitialMean();
        var rng = new Random(5);
        int frames = 1000;
        var raw = new float[frames * 13];
        for (int i = 0; i < raw.Length; i++) raw[i] = (float)(rng.NextDouble() * 20 - 5 + (i % 13 == 0 ? 50 : 0));
        for (int t = 100; t < 120; t++) raw[t * 13] = -46.05f; // digital silence: not counted, not normalised
        float[] expected = LiveCmn(raw, init);
        var pipeline = new StreamingFeaturePipeline(options);
        var features = new float[39];
        var produced = new List<float>();
        for (int t = 0; t < frames; t++)
            if (pipeline.Push(raw.AsSpan(t * 13, 13), features)) produced.AddRange(features.Take(13));
        for (int t = 0; t < produced.Count / 13; t++)
            for (int j = 0; j < 13; j++)
                Assert.Equal(expected[t * 13 + j], produced[t * 13 + j]);
        Assert.Equal(-46.05f, produced[105 * 13]);
        Assert.NotEqual(init[0], pipeline.LiveCepstralMean[0]); // 301 frames past the 500 of -cmninit: shifted once
        Assert.Throws<InvalidOperationException>(() => pipeline.SetPrior(new double[39], new double[39], 10));
    }

    [Fact]
    public void Streaming_allocates_nothing_after_construction()
    {
        float[] samples = Samples("s017-us1-noise20");
        var options = FrontEndOptions.SphinxEnUs;
        var streaming = new StreamingFeatureExtractor(options);
        var pipeline = new StreamingFeaturePipeline(options);
        var frame = new float[13];
        var features = new float[39];
        var rest = new float[4 * 39];
        void Run()
        {
            streaming.Reset();
            pipeline.Reset();
            for (int p = 0; p + 160 <= samples.Length; p += 160)
            {
                streaming.PushSamples(samples.AsSpan(p, 160));
                while (streaming.TryReadFrame(frame)) pipeline.Push(frame, features);
            }
            if (streaming.TryReadFinalFrame(frame)) pipeline.Push(frame, features);
            pipeline.Flush(rest);
        }
        Run();
        long allocated = 0;
        for (int round = 0; round < 3; round++) // tiered compilation may allocate once on this thread (see StreamingFeatureExtractorTests)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++) Run();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated == 0) break;
        }
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void The_sphinx_noise_removal_is_not_todays_and_today_is_untouched()
    {
        float[] samples = Samples("s017-us1-noise20");
        // Today's variant at today's defaults is what it was: the HopScaled style is the default.
        Assert.Equal(NoiseRemovalStyle.HopScaled, FrontEndOptions.Default.NoiseRemovalStyle);
        var today = FrontEndOptions.Default with { NoiseRemoval = true };
        var a = new FeatureExtractor(today).Extract(samples);
        var b = new FeatureExtractor(today with { NoiseRemovalStyle = NoiseRemovalStyle.Sphinx }).Extract(samples);
        Assert.NotEqual(a, b);
        // And the Sphinx preset without it is farther from pocketsphinx than with it.
        var dump = Dump("s017-us1-noise20");
        var extractor = new FeatureExtractor(FrontEndOptions.SphinxEnUs with { NoiseRemovalStyle = NoiseRemovalStyle.HopScaled });
        var raw = new float[dump.Length];
        extractor.ExtractRaw(samples, raw);
        Assert.True(MaxDifference(raw, dump) > 0.01f);
    }
}

/// <summary><see cref="Hmm.Speech.Sphinx.SphinxModelText.ReadFrontEndOptions"/> on Debian's feat.params and on files it must refuse.</summary>
public class SphinxFeatParamsTests
{
    private static string Write(string text)
    {
        string path = Path.Combine(Path.GetTempPath(), $"feat-{Guid.NewGuid():N}.params");
        File.WriteAllText(path, text);
        return path;
    }

    private const string DebianEnUs =
        "-lowerf 130\n-upperf 6800\n-nfilt 25\n-transform dct\n-lifter 22\n-feat 1s_c_d_dd\n-svspec 0-12/13-25/26-38\n-agc none\n-cmn batch\n-varnorm no\n-model ptm\n" +
        "-cmninit 41.00,-5.29,-0.12,5.09,2.48,-4.07,-1.37,-1.78,-5.08,-2.05,-6.45,-1.42,1.17\n";

    [Fact]
    public void Debians_en_us_feat_params_give_the_preset()
    {
        string installed = "/usr/share/pocketsphinx/model/en-us/en-us/feat.params";
        string path = File.Exists(installed) ? installed : Write(DebianEnUs);
        Assert.Equal(FrontEndOptions.SphinxEnUs, Hmm.Speech.Sphinx.SphinxModelText.ReadFrontEndOptions(path));
        Assert.Equal(FrontEndOptions.SphinxEnUs, Hmm.Speech.Sphinx.SphinxModelText.ReadFrontEndOptions(Write(DebianEnUs + "-wlen 0.025625\n-frate 100\n-remove_noise yes\n")));
        Assert.Equal(FrontEndOptions.SphinxEnUs with { LiveCmnInitialMean = null }, Hmm.Speech.Sphinx.SphinxModelText.ReadFrontEndOptions(Write(DebianEnUs.Replace("-cmninit", "#-cmninit"))));
    }

    [Theory]
    [InlineData("-agc max", "-agc max")]
    [InlineData("-transform legacy", "-transform legacy")]
    [InlineData("-feat s2_4x", "-feat s2_4x")]
    [InlineData("-cmn live", "-cmn live")]
    [InlineData("-varnorm yes", "-varnorm yes")]
    [InlineData("-dither yes", "-dither yes")]
    [InlineData("-frobnicate 3", "-frobnicate 3")]
    [InlineData("-nfilt many", "-nfilt many")]
    [InlineData("-cmninit 1,2,3", "LiveCmnInitialMean")]
    [InlineData("-wlen 0.0251", "-wlen")]
    public void Options_the_front_end_cannot_honour_are_refused_naming_file_and_option(string line, string named)
    {
        string path = Write(DebianEnUs + line + "\n");
        var e = Assert.Throws<Hmm.Speech.ModelFormatException>(() => Hmm.Speech.Sphinx.SphinxModelText.ReadFrontEndOptions(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains(named, e.Message);
    }
}

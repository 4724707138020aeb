using System;
using System.Linq;
using Hmm.Online;
using Hmm.Simd;
using Hmm.Testing;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Online;

/// <summary>
/// <see cref="OnlineDecoder"/> against the whole-sequence engine (the same column steps, so exact) and the float64
/// reference: filtered posteriors, fixed-lag commitments, flush, impossible streams, bad input and allocation.
/// </summary>
public class OnlineDecoderTests
{
    public static TheoryData<SimdWidth> Widths() => new() { SimdWidth.Auto, SimdWidth.Scalar, SimdWidth.VectorT };

    /// <summary>With a lag at least the stream's length, the flushed path is the engine's Viterbi path.</summary>
    [Theory]
    [MemberData(nameof(Widths))]
    public void A_lag_past_the_end_commits_the_offline_viterbi_path(SimdWidth width)
    {
        var random = new Random(3);
        for (int it = 0; it < 40; it++)
        {
            int n = random.Next(1, 40), length = random.Next(1, 80);
            bool banded = random.Next(2) == 0;
            var model = RandomModels.Model(n, banded, Math.Min(n, random.Next(1, 4)), random);
            var emissions = RandomModels.Emissions(n, new[] { length }, random);
            var engine = new HmmEngine(SimdWidth.Auto);
            var result = new ViterbiResult(1, length);
            engine.Viterbi(model, emissions, result);
            var online = new OnlineDecoder(model, lag: length, width);
            for (int t = 0; t < length; t++) Assert.False(online.PushEmissions(emissions.Frame(0, t)));
            var path = new int[length];
            if (double.IsNegativeInfinity(result.Scores[0]))
            {
                Assert.False(online.Alive);
                continue;
            }
            Assert.Equal(length, online.Flush(path));
            Assert.Equal(result.Path(0).ToArray(), path);
            Assert.Equal(length, online.FramesCommitted);
        }
    }

    /// <summary>
    /// At lag L, the state committed for frame t - L is the offline Viterbi path of frames 0..t at t - L; the last L
    /// frames come from the flush, as the offline path of the whole stream.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(17)]
    public void Fixed_lag_commits_are_the_prefix_viterbi_paths(int lag)
    {
        var random = new Random(100 + lag);
        var engine = new HmmEngine(SimdWidth.Auto);
        for (int it = 0; it < 12; it++)
        {
            int n = random.Next(2, 30), length = random.Next(1, 50);
            var model = RandomModels.Model(n, banded: false, n, random);
            var emissions = RandomModels.Emissions(n, new[] { length }, random);
            var online = new OnlineDecoder(model, lag);
            var committed = new System.Collections.Generic.List<int>();
            for (int t = 0; t < length; t++)
            {
                bool did = online.PushEmissions(emissions.Frame(0, t));
                if (!online.Alive) break;
                Assert.Equal(t >= lag, did);
                if (!did) continue;
                committed.Add(online.LastCommittedState);
                var prefix = Prefix(emissions, t + 1);
                var result = new ViterbiResult(1, t + 1);
                engine.Viterbi(model, prefix, result);
                Assert.Equal(result.Path(0)[t - lag], online.LastCommittedState);
            }
            if (!online.Alive) continue;
            var rest = new int[lag];
            int left = online.Flush(rest);
            Assert.Equal(Math.Min(lag, length), left);
            var whole = new ViterbiResult(1, length);
            engine.Viterbi(model, emissions, whole);
            Assert.Equal(whole.Path(0).Slice(length - left).ToArray(), rest.Take(left).ToArray());
        }
    }

    /// <summary>The filtered posteriors are the float64 reference's normalised forward variables, frame by frame.</summary>
    [Theory]
    [MemberData(nameof(Widths))]
    public void Filtered_posteriors_and_likelihood_match_the_reference(SimdWidth width)
    {
        var random = new Random(7);
        for (int it = 0; it < 30; it++)
        {
            int n = random.Next(1, 40), length = random.Next(1, 60);
            bool banded = random.Next(2) == 0;
            var model = RandomModels.Model(n, banded, Math.Min(n, random.Next(1, 4)), random);
            var emissions = RandomModels.Emissions(n, new[] { length }, random);
            var reference = ReferenceHmm.FromBatch(emissions)[0];
            double ll = ReferenceHmm.Forward(model, reference, out var logAlpha);
            var online = new OnlineDecoder(model, lag: 3, width);
            for (int t = 0; t < length; t++)
            {
                online.PushEmissions(emissions.Frame(0, t));
                if (!online.Alive) break;
                double max = double.NegativeInfinity;
                for (int j = 0; j < n; j++) max = Math.Max(max, logAlpha[t, j]);
                double sum = 0;
                for (int j = 0; j < n; j++) sum += Math.Exp(logAlpha[t, j] - max);
                for (int j = 0; j < n; j++)
                {
                    double expected = Math.Exp(logAlpha[t, j] - max) / sum;
                    Assert.True(Math.Abs(expected - online.Posteriors[j]) <= Tolerances.Probability,
                        $"N={n} t={t} j={j}: reference {expected:G6}, online {online.Posteriors[j]:G6}");
                }
                Assert.True(Math.Abs(online.Posteriors.ToArray().Sum() - 1) <= Tolerances.PosteriorSum * n);
                if (t == length - 1) Tolerance.LogValue(ll, online.LogLikelihood, RandomModels.Magnitude(reference), $"N={n}: log-likelihood");
            }
            if (double.IsNegativeInfinity(ll)) Assert.False(online.Alive);
        }
    }

    /// <summary>
    /// Peeking at frames past the decoded ones gives, bit for bit, the posteriors a second decoder has after decoding
    /// them, for dense, banded and unit-loop models; the peeking decoder's own results do not change.
    /// </summary>
    [Theory]
    [MemberData(nameof(Widths))]
    public void Peeked_posteriors_are_those_after_decoding_the_peeked_frames(SimdWidth width)
    {
        var random = new Random(17);
        for (int it = 0; it < 30; it++)
        {
            int n = random.Next(1, 30), length = random.Next(1, 50), lag = random.Next(0, 6);
            var model = it % 3 == 2 ? UnitLoopTests.RandomLoop(random.Next(1, 8), random.Next(2, 4), random).Loop
                : RandomModels.Model(n, random.Next(2) == 0, Math.Min(n, random.Next(1, 4)), random);
            n = model.StateCount;
            var emissions = RandomModels.Emissions(n, new[] { length }, random);
            var peeking = new OnlineDecoder(model, lag, width);
            var plain = new OnlineDecoder(model, lag, width);
            for (int t = 0; t < length; t++)
            {
                Assert.Equal(plain.PushEmissions(emissions.Frame(0, t)), peeking.PushEmissions(emissions.Frame(0, t)));
                Assert.Equal(plain.LastCommittedState, peeking.LastCommittedState);
                Assert.Equal(plain.Posteriors.ToArray(), peeking.Posteriors.ToArray());
                Assert.Equal(0, peeking.PeekedFrames);
                int ahead = Math.Min(random.Next(0, 4), length - 1 - t);
                if (ahead == 0) continue;
                var future = new OnlineDecoder(model, lag, width);
                for (int s = 0; s <= t + ahead; s++) future.PushEmissions(emissions.Frame(0, s));
                for (int k = 1; k <= ahead; k++) peeking.PeekEmissions(emissions.Frame(0, t + k), afterPeeked: k > 1);
                Assert.Equal(ahead, peeking.PeekedFrames);
                Assert.Equal(future.Posteriors.ToArray(), peeking.PeekPosteriors.ToArray());
            }
            var a = new int[length];
            var b = new int[length];
            Assert.Equal(plain.Flush(a), peeking.Flush(b));
            Assert.Equal(a, b);
        }
        var fresh = new OnlineDecoder(RandomModels.Model(4, false, 4, random), 0, width);
        Assert.Throws<InvalidOperationException>(() => fresh.PeekEmissions(new float[4], afterPeeked: true));
        Assert.Throws<InvalidOperationException>(() => fresh.PeekPrepared(afterPeeked: false));
        Assert.Equal("logLikelihoods", Assert.Throws<ArgumentException>(() => fresh.PeekEmissions(new float[3], afterPeeked: false)).ParamName);
        fresh.PeekEmissions(new float[4], afterPeeked: false);
        fresh.ForwardFiltering = true;
        var viterbiOnly = new OnlineDecoder(RandomModels.Model(4, false, 4, random), 0, width) { ForwardFiltering = false };
        Assert.Throws<InvalidOperationException>(() => viterbiOnly.PeekEmissions(new float[4], afterPeeked: false));
    }

    /// <summary>Without forward filtering the commitments are the same; posteriors stay 0, the likelihood NaN.</summary>
    [Theory]
    [MemberData(nameof(Widths))]
    public void Viterbi_only_commits_what_the_full_decoder_commits(SimdWidth width)
    {
        var random = new Random(41);
        for (int it = 0; it < 30; it++)
        {
            int n = random.Next(1, 30), length = random.Next(1, 120), lag = random.Next(0, 12);
            var model = RandomModels.Model(n, random.Next(2) == 0, Math.Min(n, random.Next(1, 4)), random);
            var emissions = RandomModels.Emissions(n, new[] { length }, random);
            var full = new OnlineDecoder(model, lag, width);
            var viterbiOnly = new OnlineDecoder(model, lag, width) { ForwardFiltering = false };
            for (int t = 0; t < length; t++)
            {
                Assert.Equal(full.PushEmissions(emissions.Frame(0, t)), viterbiOnly.PushEmissions(emissions.Frame(0, t)));
                Assert.Equal(full.LastCommittedState, viterbiOnly.LastCommittedState);
                Assert.Equal(full.Alive, viterbiOnly.Alive);
                Assert.All(viterbiOnly.Posteriors.ToArray(), p => Assert.Equal(0f, p));
                if (viterbiOnly.Alive) Assert.True(double.IsNaN(viterbiOnly.LogLikelihood));
            }
            var a = new int[length];
            var b = new int[length];
            Assert.Equal(full.Flush(a), viterbiOnly.Flush(b));
            Assert.Equal(a, b);
        }
    }

    [Fact]
    public void Forward_filtering_changes_only_before_the_first_frame()
    {
        var random = new Random(5);
        var model = RandomModels.Model(4, false, 2, random);
        var online = new OnlineDecoder(model, 2) { ForwardFiltering = false };
        online.PushEmissions(RandomModels.Emissions(4, new[] { 1 }, random).Frame(0, 0));
        Assert.Throws<InvalidOperationException>(() => online.ForwardFiltering = true);
        online.Reset();
        online.ForwardFiltering = true;
        Assert.Equal(0, online.LogLikelihood);
    }

    [Fact]
    public void A_stream_no_path_explains_stops_and_reset_starts_again()
    {
        var model = HmmModel.StartingInFirstState(BandedTransitions.LeftToRight(3, 0.5f));
        var online = new OnlineDecoder(model, lag: 1);
        online.PushEmissions(new[] { 0f, 0f, 0f });
        online.PushEmissions(new[] { float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity });
        Assert.False(online.Alive);
        Assert.Equal(double.NegativeInfinity, online.LogLikelihood);
        Assert.All(online.Posteriors.ToArray(), p => Assert.Equal(0f, p));
        Assert.False(online.PushEmissions(new[] { 0f, 0f, 0f }));
        online.Reset();
        online.PushEmissions(new[] { 0f, -1f, -1f });
        Assert.True(online.Alive);
        Assert.Equal(1f, online.Posteriors[0]);
    }

    [Fact]
    public void Bad_input_is_named()
    {
        var model = HmmModel.StartingInFirstState(BandedTransitions.LeftToRight(3, 0.5f));
        Assert.Equal("lag", Assert.Throws<ArgumentOutOfRangeException>(() => new OnlineDecoder(model, -1)).ParamName);
        var online = new OnlineDecoder(model, 2);
        Assert.Equal("logLikelihoods", Assert.Throws<ArgumentException>(() => online.PushEmissions(new float[2])).ParamName);
        Assert.Equal("logLikelihoods", Assert.Throws<ArgumentException>(() => online.PushEmissions(new[] { 0f, float.NaN, 0f })).ParamName);
        Assert.Throws<InvalidOperationException>(() => online.Push(new float[3]));
        online.PushEmissions(new float[3]);
        online.PushEmissions(new float[3]);
        Assert.Equal("states", Assert.Throws<ArgumentException>(() => online.Flush(new int[1])).ParamName);
        var gmm = RandomModels.Gmm(3, 2, 4, new Random(1));
        var withGmm = new OnlineDecoder(model, gmm, 2);
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => withGmm.Push(new float[3])).ParamName);
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => withGmm.Push(new[] { 0f, float.PositiveInfinity, 0f, 0f })).ParamName);
        Assert.Equal("emissions", Assert.Throws<ArgumentException>(() => new OnlineDecoder(model, RandomModels.Gmm(4, 2, 4, new Random(1)), 2)).ParamName);
    }

    /// <summary>Gaussian-mixture frames give the engine's emissions: the same path as the batch engine on the same features.</summary>
    [Fact]
    public void Feature_frames_decode_like_the_batch_engine()
    {
        var random = new Random(5);
        int n = 12, d = 6, length = 70;
        var model = RandomModels.Model(n, banded: true, 3, random);
        var gmm = RandomModels.Gmm(n, 3, d, random);
        var states = new int[length];
        var frames = new float[length * d];
        HmmSampler.Sample(model, gmm, random, states, frames);
        var features = new SequenceBatch(1, length, d);
        features.SetLength(0, length);
        frames.CopyTo(features.Sequence(0));
        var engine = new HmmEngine(SimdWidth.Auto);
        var emissions = new EmissionBatch(1, length, n);
        engine.ComputeEmissions(gmm, features, emissions);
        var result = new ViterbiResult(1, length);
        engine.Viterbi(model, emissions, result);
        var online = new OnlineDecoder(model, gmm, lag: length);
        for (int t = 0; t < length; t++) online.Push(frames.AsSpan(t * d, d));
        var path = new int[length];
        online.Flush(path);
        Assert.Equal(result.Path(0).ToArray(), path);
    }

    /// <summary>
    /// Frames prepared together give the batch engine's emissions; taking one leaves the recursions alone, decoding the
    /// next one goes on from where they were; taking or decoding with nothing pending is refused.
    /// </summary>
    [Fact]
    public void Prepared_frames_are_the_engines_emissions_and_can_be_taken_without_decoding()
    {
        var random = new Random(6);
        int n = 9, d = 5, length = 6; // one pass: a four-frame block and a two-frame one
        var model = RandomModels.Model(n, banded: false, n, random);
        var gmm = RandomModels.Gmm(n, 2, d, random);
        var frames = new float[length * d];
        for (int i = 0; i < frames.Length; i++) frames[i] = (float)(random.NextDouble() * 4 - 2);
        var features = new SequenceBatch(1, length, d);
        features.SetLength(0, length);
        frames.CopyTo(features.Sequence(0));
        var emissions = new EmissionBatch(1, length, n);
        new HmmEngine(SimdWidth.Auto).ComputeEmissions(gmm, features, emissions);
        var online = new OnlineDecoder(model, gmm, lag: 0);
        Assert.Equal(length, online.PrepareFrames(frames));
        Assert.Throws<InvalidOperationException>(() => online.PrepareFrames(frames));
        for (int t = 0; t < length; t++)
        {
            Assert.Equal(emissions.Frame(0, t).ToArray(), online.TakePrepared().ToArray());
            Assert.Equal(0, online.FramesPushed);
        }
        Assert.Throws<InvalidOperationException>(() => online.TakePrepared());
        Assert.Throws<InvalidOperationException>(() => online.PushPrepared());
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => online.PrepareFrames(new float[(OnlineDecoder.MaxPreparedFrames + 1) * d])).ParamName);

        // A prepared frame taken as a provisional one: the posteriors after decoding it, and the next prepared frame
        // decodes as if it had not been peeked at.
        var peeking = new OnlineDecoder(model, gmm, lag: 0);
        var plain = new OnlineDecoder(model, gmm, lag: 0);
        peeking.PrepareFrames(frames.AsSpan(0, 3 * d));
        Assert.True(peeking.PushPrepared()); // lag 0: committed at once
        peeking.PeekPrepared(afterPeeked: false);
        peeking.PeekPrepared(afterPeeked: true);
        for (int t = 0; t < 3; t++) plain.Push(frames.AsSpan(t * d, d));
        Assert.Equal(plain.Posteriors.ToArray(), peeking.PeekPosteriors.ToArray());
        Assert.Throws<InvalidOperationException>(() => peeking.PeekPrepared(afterPeeked: true));
        peeking.PrepareFrames(frames.AsSpan(d, d));
        peeking.PushPrepared();
        Assert.Equal(0, peeking.PeekedFrames);
        var twoFrames = new OnlineDecoder(model, gmm, lag: 0);
        twoFrames.Push(frames.AsSpan(0, d));
        twoFrames.Push(frames.AsSpan(d, d));
        Assert.Equal(twoFrames.Posteriors.ToArray(), peeking.Posteriors.ToArray());
    }

    /// <summary>After the first frames, pushing allocates nothing.</summary>
    [Fact]
    public void Pushing_allocates_nothing_after_warm_up()
    {
        var random = new Random(9);
        var model = RandomModels.Model(40, banded: false, 40, random);
        var gmm = RandomModels.Gmm(40, 4, 39, random);
        var online = new OnlineDecoder(model, gmm, lag: 20);
        var frame = new float[39];
        for (int e = 0; e < frame.Length; e++) frame[e] = (float)random.NextDouble();
        // Rounds of 10,000 pushes until one allocates nothing: tiered compilation may allocate once on this thread when it
        // installs optimised code (98 KB seen in CI in a single measured round).
        Assert.Equal(0, SteadyAllocation.Bytes(() => online.Push(frame), warmUp: 30, calls: 10_000));
    }

    private static EmissionBatch Prefix(EmissionBatch emissions, int length)
    {
        var prefix = new EmissionBatch(1, length, emissions.StateCount);
        prefix.SetLength(0, length);
        for (int t = 0; t < length; t++) emissions.Frame(0, t).CopyTo(prefix.Frame(0, t));
        return prefix;
    }
}

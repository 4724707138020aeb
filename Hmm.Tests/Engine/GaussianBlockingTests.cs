using System;
using Hmm.Simd;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Engine;

/// <summary>
/// The GMM product is blocked by how many frames a pass holds (groups of up to 16 frames in four-frame blocks; scalar lanes go row by row on LaneQuad,
/// so at Scalar the other widths' blocking is what this pins): a frame's log-likelihoods must not depend on that, bit for bit, since the
/// lip-sync processor's file mode (whole batches) and its stream (one or two frames a pass) promise the same results.
/// Also compiled into Hmm.Tests.Mono.
/// </summary>
public class GaussianBlockingTests
{
    public static TheoryData<SimdWidth> Widths() => new()
    {
        SimdWidth.Scalar, SimdWidth.VectorT,
#if !HMM_MONO
        SimdWidth.Vector128, SimdWidth.Vector256, SimdWidth.Vector512,
#endif
    };

#if HMM_MONO
    private static HmmEngine Engine(SimdWidth width) => new(width);
#else
    private static HmmEngine Engine(SimdWidth width) => Support.Widths.Engine(width);
#endif

    [Theory]
    [MemberData(nameof(Widths))]
    public void A_frame_scores_the_same_alone_in_a_pair_and_in_a_block_of_four(SimdWidth width)
    {
        var engine = Engine(width);
        var rng = new Random(11 + (int)width);
        // The whole sequence: groups of 16, 16 and 5 frames (CpuPasses.GaussianGroupFrames), each in four-frame blocks
        // (the last group's blocks 4 and 1 frames).
        const int frames = 37;
        foreach (var (n, k, d) in new[] { (1, 1, 1), (7, 3, 5), (41, 8, 13), (205, 8, 39) })
        {
            var gmm = RandomModels.Gmm(n, k, d, rng);
            var all = RandomModels.Features(d, new[] { frames }, rng);
            var whole = new EmissionBatch(1, frames, n);
            engine.ComputeEmissions(gmm, all, whole);
            foreach (int size in new[] { 1, 2, 3, 4, 9 })
            {
                for (int t0 = 0; t0 + size <= frames; t0 += size)
                {
                    var part = new SequenceBatch(1, size, d);
                    part.SetLength(0, size);
                    all.Sequence(0).Slice(t0 * d, size * d).CopyTo(part.Sequence(0));
                    var scores = new EmissionBatch(1, size, n);
                    engine.ComputeEmissions(gmm, part, scores);
                    for (int t = 0; t < size; t++)
                        for (int j = 0; j < n; j++)
                            Assert.True(BitConverter.SingleToInt32Bits(whole[0, t0 + t, j]) == BitConverter.SingleToInt32Bits(scores[0, t, j]),
                                $"N={n} K={k} D={d}, frame {t0 + t} in a pass of {size}, state {j}: {scores[0, t, j]:R}, in the whole batch {whole[0, t0 + t, j]:R}");
                }
            }
        }
    }
}

using System;
using System.Linq;
using Hmm.Speech;
using Xunit;

namespace Hmm.Tests.Alignment;

/// <summary>The aligner keeps its batches' padded features from call to call: reuse must not change any result.</summary>
public class ReusedBufferTests
{
    /// <summary>Utterance <paramref name="id"/>, or its first <paramref name="share"/> of the audio with the whole phone sequence.</summary>
    private static AlignmentInput Input(string id, double share = 1)
    {
        var audio = AlignmentTestData.Samples(id);
        audio = audio.AsSpan(0, (int)(share * audio.Length)).ToArray();
        return new AlignmentInput(id, audio, AlignmentTestData.PhonesOf(id));
    }

    [Fact]
    public void Calls_with_other_files_and_lengths_align_as_a_fresh_aligner_does()
    {
        var options = new ForcedAlignerOptions { BatchSize = 2, MaxDegreeOfParallelism = 2 };
        var reused = new ForcedAligner(AlignmentTestData.DefaultModel, options);
        var ids = AlignmentTestData.SampleIds;
        var calls = new[]
        {
            ids.Select(id => Input(id)).ToArray(),                                   // three files: two batches
            new[] { Input(ids[2]) },                                                 // fewer and shorter
            ids.Select(id => Input(id)).Reverse().Append(Input(ids[0], 0.7)).ToArray(), // more, in another order, one cut short
            new[] { Input(ids[1], 0.8), Input(ids[0]), Input(ids[2], 0.01) }, // the last one too short to align
        };
        foreach (var inputs in calls)
        {
            var expected = new ForcedAligner(AlignmentTestData.DefaultModel, options).Align(inputs);
            var actual = reused.Align(inputs);
            // Every batch's storage came back, and no more is kept than the most batches one call has held (two).
            Assert.InRange(reused.PaddedStorage.FreeCount, 1, 2);
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i].Error, actual[i].Error);
                Assert.Equal(expected[i].LogLikelihood, actual[i].LogLikelihood);
                Assert.Equal(expected[i].Segments, actual[i].Segments);
            }
        }
    }

    [Fact]
    public void A_second_call_with_the_same_files_reuses_the_first_calls_storage()
    {
        var aligner = new ForcedAligner(AlignmentTestData.DefaultModel, new ForcedAlignerOptions { BatchSize = 2, AdaptationIterations = 1 });
        var inputs = AlignmentTestData.SampleIds.Select(id => Input(id)).ToArray();
        aligner.Align(inputs);
        Assert.Equal(2, aligner.PaddedStorage.FreeCount);
        var first = new[] { aligner.PaddedStorage.Rent(1), aligner.PaddedStorage.Rent(1) };
        foreach (var array in first) aligner.PaddedStorage.Return(array);
        aligner.Align(inputs);
        var second = new[] { aligner.PaddedStorage.Rent(1), aligner.PaddedStorage.Rent(1) };
        Assert.Equal(first.OrderBy(a => a.Length), second.OrderBy(a => a.Length));
        Assert.All(second, a => Assert.Contains(first, f => ReferenceEquals(f, a)));
    }

    [Fact]
    public void Rent_gives_the_smallest_free_array_that_fits_and_replaces_one_that_does_not()
    {
        var pool = new ReusedArrays();
        var small = pool.Rent(10);
        var large = pool.Rent(100);
        Assert.Equal(10, small.Length);
        Assert.Equal(100, large.Length);
        pool.Return(large);
        pool.Return(small);
        Assert.Same(small, pool.Rent(8));
        Assert.Same(large, pool.Rent(50));
        pool.Return(small);
        pool.Return(large);
        // Nothing free fits: the largest free array gives way to a new one of the length asked for.
        var larger = pool.Rent(200);
        Assert.Equal(200, larger.Length);
        Assert.Equal(1, pool.FreeCount);
        Assert.Same(small, pool.Rent(1));
        Assert.Equal(0, pool.FreeCount);
    }
}

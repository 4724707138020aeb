using System;
using System.Collections.Generic;
using Hmm.Engine;

namespace Hmm.Primitives;

/// <summary>The argument checks of dynamic time warping, shared by <see cref="DtwEngine"/> and the GPU engine.</summary>
public static class DtwArguments
{
    /// <summary>
    /// The number of rows of <paramref name="features"/> ([rows, dimension]); throws when it is empty, not whole rows, or
    /// holds NaN or an infinity.
    /// </summary>
    /// <exception cref="ArgumentException">The message names <paramref name="name"/>, and the frame and dimension of a bad value.</exception>
    public static int Rows(ReadOnlySpan<float> features, int dimension, string name)
    {
        if (dimension <= 0) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "dimension must be positive.");
        if (features.Length == 0) throw new ArgumentException($"{name} is empty: dynamic time warping needs at least one frame.", name);
        if (features.Length % dimension != 0)
            throw new ArgumentException($"{name} has {features.Length} floats, not a whole number of frames of dimension {dimension}: the two sequences must have the same feature dimension.", name);
        // A register at a time first; the scalar loop only finds what to name.
        if (Guard.AllFinite(features)) return features.Length / dimension;
        for (int q = 0; q < features.Length; q++)
        {
            float v = features[q];
            if (v - v != 0f) throw new ArgumentException($"{name} holds {v} at frame {q / dimension}, dimension {q % dimension}: features must be finite.", name);
        }
        return features.Length / dimension;
    }

    /// <summary>Checks <paramref name="options"/> for sequences of <paramref name="n"/> and <paramref name="m"/> frames.</summary>
    /// <exception cref="ArgumentException">A window narrower than |n - m|, a negative window, a window with a subsequence search, or an unknown pattern or distance.</exception>
    public static void CheckOptions(DtwOptions options, int n, int m, string name)
    {
        Guard.NotNull(options, name);
        if (options.Pattern < DtwStepPattern.Symmetric1 || options.Pattern > DtwStepPattern.SymmetricP1)
            throw new ArgumentException($"Unknown step pattern {options.Pattern}.", name);
        if (options.Distance < DtwDistance.SquaredEuclidean || options.Distance > DtwDistance.Cosine)
            throw new ArgumentException($"Unknown distance {options.Distance}.", name);
        if (options.WindowRadius is int r)
        {
            if (r < 0) throw new ArgumentException($"WindowRadius {r} is negative.", name);
            if (options.Subsequence) throw new ArgumentException("A Sakoe-Chiba window (WindowRadius) cannot be combined with a subsequence search: the match may lie anywhere in the reference.", name);
            if (r < Math.Abs(n - m))
                throw new ArgumentException($"WindowRadius {r} is too narrow for sequences of {n} and {m} frames: no path within |i - j| <= {r} reaches the last cell; it must be at least |{n} - {m}| = {Math.Abs(n - m)}.", name);
        }
    }

    /// <summary>Checks a batch of pairs (the message names the pair's index).</summary>
    public static void CheckBatch(IReadOnlyList<float[]> first, IReadOnlyList<float[]> second, int dimension, DtwOptions options)
    {
        Guard.NotNull(first, nameof(first));
        Guard.NotNull(second, nameof(second));
        if (first.Count != second.Count) throw new ArgumentException($"first has {first.Count} sequences but second has {second.Count}: the batch is pairs.", nameof(second));
        for (int b = 0; b < first.Count; b++)
        {
            if (first[b] is null) throw new ArgumentNullException(nameof(first), $"first[{b}] is null.");
            if (second[b] is null) throw new ArgumentNullException(nameof(second), $"second[{b}] is null.");
            int n = Rows(first[b], dimension, $"first[{b}]");
            int m = Rows(second[b], dimension, $"second[{b}]");
            CheckOptions(options, n, m, nameof(options));
        }
    }

    /// <summary>
    /// Fills <paramref name="result"/> from an engine's outcome: the cost, the end frame, and a path written last cell first
    /// into <paramref name="pathX"/>/<paramref name="pathY"/> (the first <paramref name="pathLength"/> entries; copied and reversed).
    /// </summary>
    public static void Complete(DtwResult result, float cost, int n, int end, ReadOnlySpan<int> pathX, ReadOnlySpan<int> pathY, int pathLength, bool subsequence)
    {
        Guard.NotNull(result, nameof(result));
        result.EnsurePath(Math.Max(pathLength, 1));
        pathX.Slice(0, pathLength).CopyTo(result.PathX);
        pathY.Slice(0, pathLength).CopyTo(result.PathY);
        result.Complete(cost, n, end, pathLength, subsequence);
    }
}

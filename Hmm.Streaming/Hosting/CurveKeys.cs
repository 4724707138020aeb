using System;

namespace Hmm.Streaming;

/// <summary>
/// Fewer keys for an animation curve sampled at a fixed rate: the keys that linear interpolation between them
/// reproduces every sample from within a tolerance, and their slopes (for a curve editor's linear tangents). An editor
/// bakes a <see cref="VisemeTrack"/> into an animation with it.
/// </summary>
public static class CurveKeys
{
    /// <summary>
    /// Indices of <paramref name="values"/> to keep as keys, written to <paramref name="kept"/>; returns how many. The
    /// first and last samples are always kept; a sample is dropped when the straight line between the keys around it
    /// passes within <paramref name="tolerance"/> of it and of every other dropped sample between them. Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="kept"/> is shorter than <paramref name="values"/>, or the tolerance is negative or NaN.</exception>
    public static int Reduce(ReadOnlySpan<float> values, float tolerance, Span<int> kept)
    {
        if (!(tolerance >= 0)) throw new ArgumentException($"tolerance must be 0 or more, not {tolerance}.", nameof(tolerance));
        if (kept.Length < values.Length) throw new ArgumentException($"kept has room for {kept.Length} indices but there are {values.Length} values.", nameof(kept));
        if (values.Length <= 2)
        {
            for (int i = 0; i < values.Length; i++) kept[i] = i;
            return values.Length;
        }
        int count = 0;
        int anchor = 0;
        kept[count++] = 0;
        for (int end = 2; end < values.Length; end++)
        {
            // Can a line from the anchor to 'end' stand in for every sample between? If not, the sample before 'end' is a key.
            if (!Covers(values, anchor, end, tolerance))
            {
                anchor = end - 1;
                kept[count++] = anchor;
            }
        }
        kept[count++] = values.Length - 1;
        return count;
    }

    private static bool Covers(ReadOnlySpan<float> values, int from, int to, float tolerance)
    {
        float a = values[from], slope = (values[to] - a) / (to - from);
        for (int i = from + 1; i < to; i++)
            if (Math.Abs(a + slope * (i - from) - values[i]) > tolerance) return false;
        return true;
    }

    /// <summary>
    /// The slope into and out of each kept key (value per second at <paramref name="frameRate"/>), as straight lines
    /// between the keys: the in-slope of the first key and the out-slope of the last are 0. Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than <paramref name="count"/>, or the rate is not positive.</exception>
    public static void LinearSlopes(ReadOnlySpan<float> values, ReadOnlySpan<int> kept, int count, double frameRate, Span<float> inSlopes, Span<float> outSlopes)
    {
        if (!(frameRate > 0)) throw new ArgumentException($"frameRate must be positive, not {frameRate}.", nameof(frameRate));
        if (count < 0 || kept.Length < count || inSlopes.Length < count || outSlopes.Length < count)
            throw new ArgumentException($"kept, inSlopes and outSlopes must hold count ({count}) values.", nameof(count));
        for (int k = 0; k < count; k++)
        {
            inSlopes[k] = k == 0 ? 0f : Slope(values, kept[k - 1], kept[k], frameRate);
            outSlopes[k] = k == count - 1 ? 0f : Slope(values, kept[k], kept[k + 1], frameRate);
        }
    }

    private static float Slope(ReadOnlySpan<float> values, int a, int b, double frameRate) =>
        (float)((values[b] - values[a]) * frameRate / (b - a));
}

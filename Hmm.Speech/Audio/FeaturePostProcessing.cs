using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hmm.Speech.Audio;

/// <summary>
/// The utterance-level steps of the front end, on row-major feature matrices in place: regression deltas
/// (HTK formula, edge frames replicated) and per-utterance mean/variance normalisation. Public so that the
/// streaming path can reuse them on a window of frames.
/// </summary>
public static class FeaturePostProcessing
{
    /// <summary>
    /// Fills the delta (and delta-delta) columns of <paramref name="features"/> from its first
    /// <paramref name="rawDimension"/> columns: d_t = sum_{k=1..W} k (c_{t+k} - c_{t-k}) / (2 sum k^2), frames
    /// beyond either end replaced by the end frame. Deltas go to columns [raw, 2 raw), delta-deltas (deltas of
    /// the deltas) to [2 raw, 3 raw).
    /// </summary>
    /// <param name="features">Row-major matrix of <paramref name="frames"/> rows of <paramref name="stride"/> values.</param>
    /// <param name="frames">Number of frames.</param>
    /// <param name="stride">Values per row, at least rawDimension * (1 + order).</param>
    /// <param name="rawDimension">Static values at the start of each row.</param>
    /// <param name="order">0 (nothing), 1 (deltas) or 2 (deltas and delta-deltas).</param>
    /// <param name="window">Regression half-window W (2 is usual).</param>
    public static void AddDeltas(Span<float> features, int frames, int stride, int rawDimension, int order, int window)
    {
        if (order < 0 || order > 2) throw new ArgumentOutOfRangeException(nameof(order), order, "The delta order must be 0, 1 or 2.");
        if (order == 0 || frames == 0) return;
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "The delta window must be at least 1.");
        if (stride < rawDimension * (1 + order)) throw new ArgumentException($"A row of {stride} values cannot hold {rawDimension} x {1 + order} features.", nameof(stride));
        if (features.Length < (long)frames * stride) throw new ArgumentException($"The matrix holds {features.Length} values; {frames} x {stride} are needed.", nameof(features));

        Regress(features, frames, stride, 0, rawDimension, rawDimension, window);
        if (order == 2) Regress(features, frames, stride, rawDimension, 2 * rawDimension, rawDimension, window);
    }

    /// <summary>
    /// <see cref="AddDeltas(Span{float}, int, int, int, int, int)"/> in the given <paramref name="style"/>:
    /// <see cref="DeltaStyle.SphinxDifference"/> writes Δ(t) = c(t+W) − c(t−W) and ΔΔ(t) = (c(t+W+1) − c(t−W+1)) −
    /// (c(t+W−1) − c(t−W−1)) (CMU Sphinx's <c>1s_c_d_dd</c> for W = 2), frames beyond either end replaced by the end
    /// frame, in single precision in Sphinx's order.
    /// </summary>
    /// <param name="features">Row-major matrix of <paramref name="frames"/> rows of <paramref name="stride"/> values.</param>
    /// <param name="frames">Number of frames.</param>
    /// <param name="stride">Values per row, at least rawDimension * (1 + order).</param>
    /// <param name="rawDimension">Static values at the start of each row.</param>
    /// <param name="order">0 (nothing), 1 (deltas) or 2 (deltas and delta-deltas).</param>
    /// <param name="window">Half-window W (2 is usual).</param>
    /// <param name="style">Regression (HTK) or Sphinx differences.</param>
    public static void AddDeltas(Span<float> features, int frames, int stride, int rawDimension, int order, int window, DeltaStyle style)
    {
        if (style == DeltaStyle.Regression)
        {
            AddDeltas(features, frames, stride, rawDimension, order, window);
            return;
        }
        if (style != DeltaStyle.SphinxDifference) throw new ArgumentOutOfRangeException(nameof(style), style, "Not a defined delta style.");
        if (order < 0 || order > 2) throw new ArgumentOutOfRangeException(nameof(order), order, "The delta order must be 0, 1 or 2.");
        if (order == 0 || frames == 0) return;
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "The delta window must be at least 1.");
        if (stride < rawDimension * (1 + order)) throw new ArgumentException($"A row of {stride} values cannot hold {rawDimension} x {1 + order} features.", nameof(stride));
        if (features.Length < (long)frames * stride) throw new ArgumentException($"The matrix holds {features.Length} values; {frames} x {stride} are needed.", nameof(features));

        int last = frames - 1;
        ref float origin = ref MemoryMarshal.GetReference(features);
        for (int t = 0; t < frames; t++)
        {
            ref float delta = ref Unsafe.Add(ref origin, t * stride + rawDimension);
            ref float ahead = ref Unsafe.Add(ref origin, Math.Min(t + window, last) * stride);
            ref float behind = ref Unsafe.Add(ref origin, Math.Max(t - window, 0) * stride);
            for (int j = 0; j < rawDimension; j++) Unsafe.Add(ref delta, j) = Unsafe.Add(ref ahead, j) - Unsafe.Add(ref behind, j);
            if (order < 2) continue;
            ref float acceleration = ref Unsafe.Add(ref origin, t * stride + 2 * rawDimension);
            ref float a1 = ref Unsafe.Add(ref origin, Math.Min(t + window + 1, last) * stride);
            ref float b1 = ref Unsafe.Add(ref origin, Math.Max(Math.Min(t - window + 1, last), 0) * stride);
            ref float a0 = ref Unsafe.Add(ref origin, Math.Max(Math.Min(t + window - 1, last), 0) * stride);
            ref float b0 = ref Unsafe.Add(ref origin, Math.Max(t - window - 1, 0) * stride);
            for (int j = 0; j < rawDimension; j++)
            {
                float d1 = Unsafe.Add(ref a1, j) - Unsafe.Add(ref b1, j);
                float d2 = Unsafe.Add(ref a0, j) - Unsafe.Add(ref b0, j);
                Unsafe.Add(ref acceleration, j) = d1 - d2;
            }
        }
    }

    /// <summary>
    /// CMU Sphinx's batch cepstral mean normalisation (<c>cmn.c</c>, <c>-cmn batch -varnorm no</c>) on the first
    /// <paramref name="rawDimension"/> columns, in place: the mean over the frames whose first value is not negative
    /// (single-precision sums in frame order, as Sphinx) is subtracted from every frame. With no such frame nothing is
    /// subtracted (Sphinx would divide by zero). Allocation-free.
    /// </summary>
    /// <param name="features">Row-major matrix of <paramref name="frames"/> rows of <paramref name="stride"/> values.</param>
    /// <param name="frames">Number of frames.</param>
    /// <param name="stride">Values per row, at least <paramref name="rawDimension"/>.</param>
    /// <param name="rawDimension">The cepstra at the start of each row (the first one is C0).</param>
    /// <param name="mean">Receives the mean subtracted (<paramref name="rawDimension"/> values; zeros when no frame counted).</param>
    /// <returns>The number of frames that made the mean.</returns>
    public static int SubtractSphinxBatchMean(Span<float> features, int frames, int stride, int rawDimension, Span<float> mean)
    {
        if (rawDimension < 1 || stride < rawDimension) throw new ArgumentException($"A row of {stride} values cannot hold {rawDimension} cepstra.", nameof(stride));
        if (mean.Length < rawDimension) throw new ArgumentException($"mean holds {mean.Length} values; {rawDimension} are needed.", nameof(mean));
        if (features.Length < (long)frames * stride) throw new ArgumentException($"The matrix holds {features.Length} values; {frames} x {stride} are needed.", nameof(features));
        var m = mean.Slice(0, rawDimension);
        m.Clear();
        int counted = 0;
        for (int t = 0; t < frames; t++)
        {
            var row = features.Slice(t * stride, rawDimension);
            if (row[0] < 0) continue;
            for (int j = 0; j < rawDimension; j++) m[j] += row[j];
            counted++;
        }
        if (counted == 0) return 0;
        for (int j = 0; j < rawDimension; j++) m[j] /= counted;
        for (int t = 0; t < frames; t++)
        {
            var row = features.Slice(t * stride, rawDimension);
            for (int j = 0; j < rawDimension; j++) row[j] -= m[j];
        }
        return counted;
    }

    private static void Regress(Span<float> m, int frames, int stride, int from, int to, int count, int window)
    {
        float norm = 0;
        for (int k = 1; k <= window; k++) norm += k * k;
        float scale = 1f / (2 * norm);
        int last = frames - 1;
        ref float origin = ref MemoryMarshal.GetReference(m);
        int width = Vector<float>.Count;
        bool vectors = Vector.IsHardwareAccelerated && count >= width;
        var vscale = new Vector<float>(scale);
        for (int t = 0; t < frames; t++)
        {
            ref float dst = ref Unsafe.Add(ref origin, t * stride + to);
            if (vectors)
            {
                // Whole vectors across the columns, the last one overlapping the one before (same values written twice;
                // the sources are other columns). The same operations in the same order as the scalar loop.
                for (int j = 0; ; j += width)
                {
                    if (j > count - width) j = count - width;
                    var acc = Vector<float>.Zero;
                    for (int k = 1; k <= window; k++)
                    {
                        int ahead = Math.Min(t + k, last);
                        int behind = Math.Max(t - k, 0);
                        var a = AudioSimd.Load(ref Unsafe.Add(ref origin, ahead * stride + from + j));
                        var b = AudioSimd.Load(ref Unsafe.Add(ref origin, behind * stride + from + j));
                        acc += new Vector<float>((float)k) * (a - b);
                    }
                    AudioSimd.Store(acc * vscale, ref Unsafe.Add(ref dst, j));
                    if (j == count - width) break;
                }
                continue;
            }
            for (int j = 0; j < count; j++) Unsafe.Add(ref dst, j) = 0;
            for (int k = 1; k <= window; k++)
            {
                int ahead = Math.Min(t + k, last);
                int behind = Math.Max(t - k, 0);
                ref float a = ref Unsafe.Add(ref origin, ahead * stride + from);
                ref float b = ref Unsafe.Add(ref origin, behind * stride + from);
                for (int j = 0; j < count; j++) Unsafe.Add(ref dst, j) += k * (Unsafe.Add(ref a, j) - Unsafe.Add(ref b, j));
            }
            for (int j = 0; j < count; j++) Unsafe.Add(ref dst, j) *= scale;
        }
    }

    /// <summary>
    /// Normalises every column of a row-major matrix over its frames: subtracts the mean
    /// (<see cref="CmvnMode.Mean"/>) and also divides by the standard deviation (<see cref="CmvnMode.MeanVariance"/>,
    /// population variance; a column with variance under 1e-10 is only centred). Allocation-free.
    /// </summary>
    /// <param name="features">Row-major matrix of <paramref name="frames"/> rows of <paramref name="dimension"/> values.</param>
    /// <param name="frames">Number of frames.</param>
    /// <param name="dimension">Values per row.</param>
    /// <param name="mode">What to normalise.</param>
    /// <param name="scratch">At least 2 * <paramref name="dimension"/> doubles.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is <see cref="CmvnMode.SphinxCepstralMean"/>, which applies to the cepstra before the deltas (<see cref="SubtractSphinxBatchMean"/>).</exception>
    public static void Normalize(Span<float> features, int frames, int dimension, CmvnMode mode, Span<double> scratch)
    {
        if (mode == CmvnMode.SphinxCepstralMean)
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "SphinxCepstralMean normalises the cepstra before the deltas: use SubtractSphinxBatchMean.");
        if (mode == CmvnMode.None || frames == 0) return;
        if (scratch.Length < 2 * dimension) throw new ArgumentException($"The scratch holds {scratch.Length} doubles; {2 * dimension} are needed.", nameof(scratch));
        if (features.Length < (long)frames * dimension) throw new ArgumentException($"The matrix holds {features.Length} values; {frames} x {dimension} are needed.", nameof(features));
        Span<double> sum = scratch.Slice(0, dimension);
        Span<double> sumSquares = scratch.Slice(dimension, dimension);
        sum.Clear();
        sumSquares.Clear();
        // Whole vectors of each row widened to double (the same double sums, in the same order, as one column at a time).
        int width = Vector<float>.Count, half = Vector<double>.Count;
        int vectorColumns = Vector.IsHardwareAccelerated ? dimension / width * width : 0;
        ref float origin = ref MemoryMarshal.GetReference(features);
        ref double s1 = ref MemoryMarshal.GetReference(sum);
        ref double s2 = ref MemoryMarshal.GetReference(sumSquares);
        for (int t = 0; t < frames; t++)
        {
            ref float row = ref Unsafe.Add(ref origin, t * dimension);
            int j = 0;
            for (; j < vectorColumns; j += width)
            {
                Vector.Widen(AudioSimd.Load(ref Unsafe.Add(ref row, j)), out Vector<double> lo, out Vector<double> hi);
                AddTo(ref Unsafe.Add(ref s1, j), lo);
                AddTo(ref Unsafe.Add(ref s1, j + half), hi);
                AddTo(ref Unsafe.Add(ref s2, j), lo * lo);
                AddTo(ref Unsafe.Add(ref s2, j + half), hi * hi);
            }
            for (; j < dimension; j++)
            {
                double v = Unsafe.Add(ref row, j);
                Unsafe.Add(ref s1, j) += v;
                Unsafe.Add(ref s2, j) += v * v;
            }
        }
        for (int j = 0; j < dimension; j++) (sum[j], sumSquares[j]) = ColumnNormaliser(sum[j], sumSquares[j], frames, mode);
        for (int t = 0; t < frames; t++)
        {
            ref float row = ref Unsafe.Add(ref origin, t * dimension);
            int j = 0;
            for (; j < vectorColumns; j += width)
            {
                ref float slot = ref Unsafe.Add(ref row, j);
                Vector.Widen(AudioSimd.Load(ref slot), out Vector<double> lo, out Vector<double> hi);
                lo = (lo - LoadDouble(ref Unsafe.Add(ref s1, j))) * LoadDouble(ref Unsafe.Add(ref s2, j));
                hi = (hi - LoadDouble(ref Unsafe.Add(ref s1, j + half))) * LoadDouble(ref Unsafe.Add(ref s2, j + half));
                AudioSimd.Store(Vector.Narrow(lo, hi), ref slot);
            }
            for (; j < dimension; j++) Unsafe.Add(ref row, j) = (float)((Unsafe.Add(ref row, j) - Unsafe.Add(ref s1, j)) * Unsafe.Add(ref s2, j));
        }
    }

    /// <summary>
    /// A column's normaliser from its sums over <paramref name="count"/> frames (weighted sums and a weighted count for a
    /// running estimate): the mean, and the scale 1 / standard deviation (population variance) for
    /// <see cref="CmvnMode.MeanVariance"/>, 1 for <see cref="CmvnMode.Mean"/> or a variance under 1e-10. A value v
    /// normalises to <c>(v - mean) · scale</c>, computed in double.
    /// </summary>
    public static (double Mean, double Scale) ColumnNormaliser(double sum, double sumSquares, double count, CmvnMode mode)
    {
        var (mean, scale) = ColumnNormaliser(new Vector<double>(sum), new Vector<double>(sumSquares), new Vector<double>(count), mode);
        return (mean[0], scale[0]);
    }

    /// <summary>
    /// <see cref="ColumnNormaliser(double, double, double, CmvnMode)"/> for a vector of columns at once (its one
    /// definition: IEEE division and square root give each lane the scalar's bits).
    /// </summary>
    public static (Vector<double> Mean, Vector<double> Scale) ColumnNormaliser(Vector<double> sum, Vector<double> sumSquares, Vector<double> count, CmvnMode mode)
    {
        var mean = sum / count;
        var variance = Vector.Max(Vector<double>.Zero, sumSquares / count - mean * mean);
        if (mode != CmvnMode.MeanVariance) return (mean, Vector<double>.One);
        var scale = Vector<double>.One / Vector.SquareRoot(variance);
        return (mean, Vector.ConditionalSelect(Vector.GreaterThanOrEqual(variance, new Vector<double>(1e-10)), scale, Vector<double>.One));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> LoadDouble(ref double source) => Unsafe.ReadUnaligned<Vector<double>>(ref Unsafe.As<double, byte>(ref source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTo(ref double destination, Vector<double> value) =>
        Unsafe.WriteUnaligned(ref Unsafe.As<double, byte>(ref destination), LoadDouble(ref destination) + value);
}

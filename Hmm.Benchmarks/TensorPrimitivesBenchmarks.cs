using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Hmm.Simd;
using Hmm.Speech.Audio;

namespace Hmm.Benchmarks;

/// <summary>
/// The front end's hand-written vector loops (copies of those in Hmm.Speech/Audio) against the same operation through
/// <see cref="TensorPrimitives"/>, at the sizes the default set-up runs: a 400-sample frame, 257 power bins into 26 mel
/// filters, 13 cepstra from 26 log energies, and 298 frames of 39 features (3 s at a 10 ms hop) for deltas and CMVN.
/// Each category's hand loop is its baseline. <c>-- tensors-check</c> says which pairs give bit-identical results.
/// None of the replacements was both as fast and bit-identical, so Hmm.Speech keeps its loops (BENCHMARKS.md).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortInProcessConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class TensorPrimitivesBenchmarks
{
    /// <summary>
    /// The short job (3 warm-ups, one launch) with 15 iterations instead of 3, in process: on the shared 2-core box
    /// the generated project's build alone can pass BenchmarkDotNet's 2-minute limit, and 3 iterations under
    /// other agents' load did not separate pairs 20 % apart. Median and minimum beside the mean for the same reason.
    /// </summary>
    private sealed class ShortInProcessConfig : ManualConfig
    {
        public ShortInProcessConfig()
        {
            AddJob(Job.ShortRun.WithIterationCount(15).WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortInProcess"));
            AddColumn(StatisticColumn.Median, StatisticColumn.Min);
        }
    }

    private const int FrameLength = 400, FftSize = 512, Frames = 298, Raw = 13, Dim = 39, Window = 2;
    private const float PreEmphasis = 0.97f, Floor = 1e-8f;

    private float[] _samples = null!, _window = null!, _frame = null!, _power = null!;
    private int[] _filterStart = null!, _filterLength = null!, _filterOffset = null!;
    private float[] _filterWeights = null!, _energies = null!, _logMel = null!, _dct = null!, _cepstra = null!;
    private float[] _features = null!, _deltaScratch = null!;
    private double[] _sums = null!, _rowScratch = null!;
    private int _melCount, _dctStride;

    [GlobalSetup]
    public void Setup()
    {
        var options = FrontEndOptions.Default;
        _samples = FrontEndBenchmarks.Signal(48000, 1);
        _window = new float[FrameLength];
        for (int n = 0; n < FrameLength; n++) _window[n] = (float)(0.54 - 0.46 * Math.Cos(2 * Math.PI * n / (FrameLength - 1)));
        _frame = new float[FftSize];

        // The default mel filterbank, laid out as FrameAnalyzer lays it out (zero-padded whole vectors per filter).
        _melCount = options.MelFilterCount;
        float[][] bank = MelFilterBank(options);
        _filterStart = new int[_melCount];
        _filterLength = new int[_melCount];
        _filterOffset = new int[_melCount];
        int total = 0;
        for (int f = 0; f < _melCount; f++)
        {
            int first = Array.FindIndex(bank[f], w => w != 0), last = Array.FindLastIndex(bank[f], w => w != 0);
            _filterStart[f] = first;
            _filterLength[f] = last - first + 1;
            _filterOffset[f] = total;
            total += RoundUp(last - first + 1);
        }
        int powerLength = RoundUp(FftSize / 2 + 1);
        for (int f = 0; f < _melCount; f++) powerLength = Math.Max(powerLength, _filterStart[f] + RoundUp(_filterLength[f]));
        _power = new float[powerLength];
        _filterWeights = new float[total];
        for (int f = 0; f < _melCount; f++) Array.Copy(bank[f], _filterStart[f], _filterWeights, _filterOffset[f], _filterLength[f]);
        _dctStride = RoundUp(_melCount);
        _dct = new float[Raw * _dctStride];
        for (int k = 0; k < Raw; k++)
        {
            double scale = k == 0 ? Math.Sqrt(1.0 / _melCount) : Math.Sqrt(2.0 / _melCount);
            double lift = 1 + 22 / 2.0 * Math.Sin(Math.PI * k / 22);
            for (int j = 0; j < _melCount; j++) _dct[k * _dctStride + j] = (float)(scale * lift * Math.Cos(Math.PI * k * (j + 0.5) / _melCount));
        }
        _energies = new float[_dctStride];
        _logMel = new float[_dctStride];
        _cepstra = new float[Raw];

        // One real frame through the pipeline, so that every kernel sees realistic values.
        HandPreEmphasisWindow(_samples.AsSpan(8000, FrameLength), _samples[7999], _window, _frame);
        new RealFft(FftSize).PowerSpectrum(_frame, _power);
        HandMel(_power, _filterWeights, _filterStart, _filterLength, _filterOffset, _energies);
        _energies.AsSpan().CopyTo(_logMel);
        HandLogMel(_logMel, Floor);

        // 298 frames of real raw MFCCs in a 39-wide matrix (deltas fill the rest).
        var extractor = new FeatureExtractor(options);
        var raw = new float[Frames * Raw];
        extractor.ExtractRaw(_samples, raw);
        _features = new float[Frames * Dim];
        for (int t = 0; t < Frames; t++) raw.AsSpan(t * Raw, Raw).CopyTo(_features.AsSpan(t * Dim));
        HandDeltas(_features, Frames, Dim, Raw, 2, Window);
        _deltaScratch = new float[Raw];
        _sums = new double[2 * Dim];
        _rowScratch = new double[Dim];
    }

    // ---- Pre-emphasis and window: y[i] = (x[i] - a x[i-1]) w[i], 400 samples.

    [Benchmark(Baseline = true), BenchmarkCategory("PreEmphasisWindow 400")]
    public float PreEmphasisWindow_Hand()
    {
        HandPreEmphasisWindow(_samples.AsSpan(8000, FrameLength), _samples[7999], _window, _frame);
        return _frame[7];
    }

    [Benchmark, BenchmarkCategory("PreEmphasisWindow 400")]
    public float PreEmphasisWindow_Tensor()
    {
        TensorPreEmphasisWindow(_samples.AsSpan(8000, FrameLength), _samples[7999], _window, _frame);
        return _frame[7];
    }

    // ---- Mel filterbank: 26 dot products of zero-padded triangular filters with the power spectrum.

    [Benchmark(Baseline = true), BenchmarkCategory("MelFilterbank 26 dots")]
    public float Mel_Hand()
    {
        HandMel(_power, _filterWeights, _filterStart, _filterLength, _filterOffset, _energies);
        return _energies[3];
    }

    [Benchmark, BenchmarkCategory("MelFilterbank 26 dots")]
    public float Mel_Tensor()
    {
        TensorMel(_power, _filterWeights, _filterStart, _filterLength, _filterOffset, _energies);
        return _energies[3];
    }

    // ---- Floor and log of the 26 mel energies.

    [Benchmark(Baseline = true), BenchmarkCategory("LogMel max+log 26")]
    public float LogMel_Hand()
    {
        _energies.AsSpan().CopyTo(_logMel);
        HandLogMel(_logMel, Floor);
        return _logMel[3];
    }

    [Benchmark, BenchmarkCategory("LogMel max+log 26")]
    public float LogMel_Tensor()
    {
        _energies.AsSpan().CopyTo(_logMel);
        TensorLogMel(_logMel.AsSpan(0, _melCount), Floor);
        return _logMel[3];
    }

    // ---- DCT: 13 dot products of 26 values.

    [Benchmark(Baseline = true), BenchmarkCategory("DCT 13 dots of 26")]
    public float Dct_Hand()
    {
        for (int k = 0; k < Raw; k++) _cepstra[k] = HandDot(ref _dct[k * _dctStride], ref _logMel[0], _melCount);
        return _cepstra[3];
    }

    [Benchmark, BenchmarkCategory("DCT 13 dots of 26")]
    public float Dct_Tensor()
    {
        for (int k = 0; k < Raw; k++) _cepstra[k] = TensorPrimitives.Dot(_dct.AsSpan(k * _dctStride, _melCount), _logMel.AsSpan(0, _melCount));
        return _cepstra[3];
    }

    // ---- Frame energy: sum of squares of 400 samples.

    [Benchmark(Baseline = true), BenchmarkCategory("Energy sum of squares 400")]
    public float Energy_Hand() => HandDot(ref _frame[0], ref _frame[0], FrameLength);

    [Benchmark, BenchmarkCategory("Energy sum of squares 400")]
    public float Energy_Tensor() => TensorPrimitives.SumOfSquares(_frame.AsSpan(0, FrameLength));

    // ---- Deltas and delta-deltas (HTK regression, W = 2) of 298 x 13 into a 39-wide matrix.

    [Benchmark(Baseline = true), BenchmarkCategory("Deltas 298x39")]
    public float Deltas_Hand()
    {
        HandDeltas(_features, Frames, Dim, Raw, 2, Window);
        return _features[Dim + Raw];
    }

    [Benchmark, BenchmarkCategory("Deltas 298x39")]
    public float Deltas_Tensor()
    {
        TensorDeltas(_features, Frames, Dim, Raw, 2, Window, _deltaScratch);
        return _features[Dim + Raw];
    }

    // ---- CMVN (column sums and sums of squares in double, then (x - mean) / sd) of 298 x 39, in place.

    [Benchmark(Baseline = true), BenchmarkCategory("CMVN 298x39")]
    public float Cmvn_Hand()
    {
        HandNormalize(_features, Frames, Dim, _sums);
        return _features[5];
    }

    [Benchmark, BenchmarkCategory("CMVN 298x39")]
    public float Cmvn_Tensor()
    {
        TensorNormalize(_features, Frames, Dim, _sums, _rowScratch);
        return _features[5];
    }

    /// <summary>Runs each pair on the same inputs and prints whether the results are bit-identical (the max difference if not).</summary>
    public static int Check()
    {
        var b = new TensorPrimitivesBenchmarks();
        b.Setup();
        var x = b._samples.AsSpan(8000, FrameLength);
        var y1 = new float[FftSize];
        var y2 = new float[FftSize];
        HandPreEmphasisWindow(x, b._samples[7999], b._window, y1);
        TensorPreEmphasisWindow(x, b._samples[7999], b._window, y2);
        Report("PreEmphasisWindow 400", y1, y2);

        var e1 = new float[b._dctStride];
        var e2 = new float[b._dctStride];
        HandMel(b._power, b._filterWeights, b._filterStart, b._filterLength, b._filterOffset, e1);
        TensorMel(b._power, b._filterWeights, b._filterStart, b._filterLength, b._filterOffset, e2);
        Report("MelFilterbank 26 dots", e1.AsSpan(0, b._melCount), e2.AsSpan(0, b._melCount));

        var l1 = (float[])e1.Clone();
        var l2 = (float[])e1.Clone();
        HandLogMel(l1, Floor);
        TensorLogMel(l2.AsSpan(0, b._melCount), Floor);
        Report("LogMel max+log 26", l1.AsSpan(0, b._melCount), l2.AsSpan(0, b._melCount));

        var c1 = new float[Raw];
        var c2 = new float[Raw];
        for (int k = 0; k < Raw; k++)
        {
            c1[k] = HandDot(ref b._dct[k * b._dctStride], ref l1[0], b._melCount);
            c2[k] = TensorPrimitives.Dot(b._dct.AsSpan(k * b._dctStride, b._melCount), l1.AsSpan(0, b._melCount));
        }
        Report("DCT 13 dots of 26", c1, c2);

        Report("Energy, this frame", new[] { HandDot(ref y1[0], ref y1[0], FrameLength) }, new[] { TensorPrimitives.SumOfSquares(y1.AsSpan(0, FrameLength)) });
        var rng = new Random(3);
        int differ = 0;
        for (int trial = 0; trial < 1000; trial++)
        {
            int n = 1 + rng.Next(400);
            var u = new float[n];
            for (int i = 0; i < n; i++) u[i] = (float)(rng.NextDouble() - 0.5);
            if (HandDot(ref u[0], ref u[0], n) != TensorPrimitives.SumOfSquares(u)) differ++;
        }
        Console.WriteLine($"{"Dot, 1000 random lengths 1..400",-28} {differ} of 1000 differ");

        var f1 = (float[])b._features.Clone();
        var f2 = (float[])b._features.Clone();
        f1.AsSpan().Clear();
        f2.AsSpan().Clear();
        for (int t = 0; t < Frames; t++)
        {
            b._features.AsSpan(t * Dim, Raw).CopyTo(f1.AsSpan(t * Dim));
            b._features.AsSpan(t * Dim, Raw).CopyTo(f2.AsSpan(t * Dim));
        }
        HandDeltas(f1, Frames, Dim, Raw, 2, Window);
        TensorDeltas(f2, Frames, Dim, Raw, 2, Window, new float[Raw]);
        Report("Deltas 298x39", f1, f2);

        HandNormalize(f1, Frames, Dim, new double[2 * Dim]);
        TensorNormalize(f2, Frames, Dim, new double[2 * Dim], new double[Dim]);
        Report("CMVN 298x39", f1, f2);
        return 0;
    }

    private static void Report(string what, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int differ = 0;
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i])) differ++;
            max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        }
        Console.WriteLine(differ == 0 ? $"{what,-28} bit-identical ({a.Length} values)" : $"{what,-28} {differ} of {a.Length} values differ, max |diff| {max:G3}");
    }

    // ================= The hand loops (as in Hmm.Speech before the change) =================

    private static int RoundUp(int n) => (n + Vector<float>.Count - 1) / Vector<float>.Count * Vector<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Load(ref float source) => Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector<float> value, ref float destination) => Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref destination), value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> LoadDouble(ref double source) => Unsafe.ReadUnaligned<Vector<double>>(ref Unsafe.As<double, byte>(ref source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTo(ref double destination, Vector<double> value) =>
        Unsafe.WriteUnaligned(ref Unsafe.As<double, byte>(ref destination), LoadDouble(ref destination) + value);

    /// <summary>AudioSimd.Dot: two vector accumulators, then a scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float HandDot(ref float a, ref float b, int n)
    {
        int i = 0;
        float sum = 0f;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var acc0 = Vector<float>.Zero;
            var acc1 = Vector<float>.Zero;
            int width = Vector<float>.Count;
            for (; i <= n - 2 * width; i += 2 * width)
            {
                acc0 += Load(ref Unsafe.Add(ref a, i)) * Load(ref Unsafe.Add(ref b, i));
                acc1 += Load(ref Unsafe.Add(ref a, i + width)) * Load(ref Unsafe.Add(ref b, i + width));
            }
            for (; i <= n - width; i += width) acc0 += Load(ref Unsafe.Add(ref a, i)) * Load(ref Unsafe.Add(ref b, i));
            sum = Vector.Dot(acc0 + acc1, Vector<float>.One);
        }
        for (; i < n; i++) sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        return sum;
    }

    private static void HandPreEmphasisWindow(ReadOnlySpan<float> samples, float previous, float[] window, float[] frame)
    {
        int length = samples.Length;
        ref float x = ref MemoryMarshal.GetReference(samples);
        ref float w = ref window[0];
        ref float y = ref frame[0];
        float a = PreEmphasis;
        y = (x - a * previous) * w;
        int i = 1;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(a);
            int width = Vector<float>.Count;
            for (; i <= length - width; i += width)
            {
                var cur = Load(ref Unsafe.Add(ref x, i));
                var prev = Load(ref Unsafe.Add(ref x, i - 1));
                Store((cur - va * prev) * Load(ref Unsafe.Add(ref w, i)), ref Unsafe.Add(ref y, i));
            }
        }
        for (; i < length; i++) Unsafe.Add(ref y, i) = (Unsafe.Add(ref x, i) - a * Unsafe.Add(ref x, i - 1)) * Unsafe.Add(ref w, i);
    }

    private static void HandMel(float[] power, float[] weights, int[] start, int[] length, int[] offset, float[] energies)
    {
        for (int f = 0; f < start.Length; f++) energies[f] = HandDot(ref weights[offset[f]], ref power[start[f]], RoundUp(length[f]));
    }

    private static void HandLogMel(float[] logMel, float floor)
    {
        var lane = default(LaneVectorT);
        var vfloor = new Vector<float>(floor);
        ref float origin = ref logMel[0];
        for (int j = 0; j < logMel.Length; j += Vector<float>.Count)
        {
            ref float slot = ref Unsafe.Add(ref origin, j);
            Store(lane.Log(Vector.Max(Load(ref slot), vfloor)), ref slot);
        }
    }

    private static void HandDeltas(Span<float> features, int frames, int stride, int raw, int order, int window)
    {
        HandRegress(features, frames, stride, 0, raw, raw, window);
        if (order == 2) HandRegress(features, frames, stride, raw, 2 * raw, raw, window);
    }

    private static void HandRegress(Span<float> m, int frames, int stride, int from, int to, int count, int window)
    {
        float norm = 0;
        for (int k = 1; k <= window; k++) norm += k * k;
        float scale = 1f / (2 * norm);
        int last = frames - 1;
        ref float origin = ref MemoryMarshal.GetReference(m);
        int width = Vector<float>.Count;
        var vscale = new Vector<float>(scale);
        for (int t = 0; t < frames; t++)
        {
            ref float dst = ref Unsafe.Add(ref origin, t * stride + to);
            for (int j = 0; ; j += width)
            {
                if (j > count - width) j = count - width;
                var acc = Vector<float>.Zero;
                for (int k = 1; k <= window; k++)
                {
                    int ahead = Math.Min(t + k, last);
                    int behind = Math.Max(t - k, 0);
                    var a = Load(ref Unsafe.Add(ref origin, ahead * stride + from + j));
                    var b = Load(ref Unsafe.Add(ref origin, behind * stride + from + j));
                    acc += new Vector<float>((float)k) * (a - b);
                }
                Store(acc * vscale, ref Unsafe.Add(ref dst, j));
                if (j == count - width) break;
            }
        }
    }

    private static void HandNormalize(Span<float> features, int frames, int dimension, Span<double> scratch)
    {
        Span<double> sum = scratch.Slice(0, dimension);
        Span<double> sumSquares = scratch.Slice(dimension, dimension);
        sum.Clear();
        sumSquares.Clear();
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
                Vector.Widen(Load(ref Unsafe.Add(ref row, j)), out Vector<double> lo, out Vector<double> hi);
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
        Finish(sum, sumSquares, frames);
        for (int t = 0; t < frames; t++)
        {
            ref float row = ref Unsafe.Add(ref origin, t * dimension);
            int j = 0;
            for (; j < vectorColumns; j += width)
            {
                ref float slot = ref Unsafe.Add(ref row, j);
                Vector.Widen(Load(ref slot), out Vector<double> lo, out Vector<double> hi);
                lo = (lo - LoadDouble(ref Unsafe.Add(ref s1, j))) * LoadDouble(ref Unsafe.Add(ref s2, j));
                hi = (hi - LoadDouble(ref Unsafe.Add(ref s1, j + half))) * LoadDouble(ref Unsafe.Add(ref s2, j + half));
                Store(Vector.Narrow(lo, hi), ref slot);
            }
            for (; j < dimension; j++) Unsafe.Add(ref row, j) = (float)((Unsafe.Add(ref row, j) - Unsafe.Add(ref s1, j)) * Unsafe.Add(ref s2, j));
        }
    }

    /// <summary>Means into <paramref name="sum"/>, inverse standard deviations into <paramref name="sumSquares"/> (mean and variance mode).</summary>
    private static void Finish(Span<double> sum, Span<double> sumSquares, int frames)
    {
        for (int j = 0; j < sum.Length; j++)
        {
            double mean = sum[j] / frames;
            double variance = Math.Max(0, sumSquares[j] / frames - mean * mean);
            sum[j] = mean;
            sumSquares[j] = variance >= 1e-10 ? 1 / Math.Sqrt(variance) : 1;
        }
    }

    // ================= The same operations through TensorPrimitives =================

    private static void TensorPreEmphasisWindow(ReadOnlySpan<float> x, float previous, ReadOnlySpan<float> w, Span<float> y)
    {
        int n = x.Length;
        y[0] = (x[0] - PreEmphasis * previous) * w[0];
        // x[i-1] * (-a) + x[i] is x[i] - a x[i-1] exactly (negation is exact, and MultiplyAdd does not fuse).
        Span<float> body = y.Slice(1, n - 1);
        TensorPrimitives.MultiplyAdd(x.Slice(0, n - 1), -PreEmphasis, x.Slice(1), body);
        TensorPrimitives.Multiply(body, w.Slice(1), body);
    }

    private static void TensorMel(float[] power, float[] weights, int[] start, int[] length, int[] offset, float[] energies)
    {
        for (int f = 0; f < start.Length; f++) energies[f] = TensorPrimitives.Dot(weights.AsSpan(offset[f], length[f]), power.AsSpan(start[f], length[f]));
    }

    private static void TensorLogMel(Span<float> logMel, float floor)
    {
        TensorPrimitives.Max(logMel, floor, logMel);
        TensorPrimitives.Log(logMel, logMel);
    }

    private static void TensorDeltas(Span<float> features, int frames, int stride, int raw, int order, int window, Span<float> scratch)
    {
        TensorRegress(features, frames, stride, 0, raw, raw, window, scratch);
        if (order == 2) TensorRegress(features, frames, stride, raw, 2 * raw, raw, window, scratch);
    }

    private static void TensorRegress(Span<float> m, int frames, int stride, int from, int to, int count, int window, Span<float> difference)
    {
        float norm = 0;
        for (int k = 1; k <= window; k++) norm += k * k;
        float scale = 1f / (2 * norm);
        int last = frames - 1;
        difference = difference.Slice(0, count);
        for (int t = 0; t < frames; t++)
        {
            Span<float> dst = m.Slice(t * stride + to, count);
            dst.Clear();
            for (int k = 1; k <= window; k++)
            {
                int ahead = Math.Min(t + k, last);
                int behind = Math.Max(t - k, 0);
                TensorPrimitives.Subtract(m.Slice(ahead * stride + from, count), m.Slice(behind * stride + from, count), difference);
                TensorPrimitives.MultiplyAdd(difference, (float)k, dst, dst);
            }
            TensorPrimitives.Multiply(dst, scale, dst);
        }
    }

    private static void TensorNormalize(Span<float> features, int frames, int dimension, Span<double> scratch, Span<double> row)
    {
        Span<double> sum = scratch.Slice(0, dimension);
        Span<double> sumSquares = scratch.Slice(dimension, dimension);
        row = row.Slice(0, dimension);
        sum.Clear();
        sumSquares.Clear();
        for (int t = 0; t < frames; t++)
        {
            TensorPrimitives.ConvertTruncating<float, double>(features.Slice(t * dimension, dimension), row);
            TensorPrimitives.Add(sum, row, sum);
            TensorPrimitives.MultiplyAdd(row, row, sumSquares, sumSquares);
        }
        Finish(sum, sumSquares, frames);
        for (int t = 0; t < frames; t++)
        {
            Span<float> values = features.Slice(t * dimension, dimension);
            TensorPrimitives.ConvertTruncating<float, double>(values, row);
            TensorPrimitives.Subtract(row, sum, row);
            TensorPrimitives.Multiply(row, sumSquares, row);
            TensorPrimitives.ConvertTruncating<double, float>(row, values);
        }
    }

    /// <summary>FrameAnalyzer.MelFilterBank (HTK mel, weights linear in mel).</summary>
    private static float[][] MelFilterBank(FrontEndOptions options)
    {
        static double HzToMel(double hz) => 1127.0 * Math.Log(1 + hz / 700.0);
        static double MelToHz(double mel) => 700.0 * (Math.Exp(mel / 1127.0) - 1);
        int count = options.MelFilterCount, bins = options.FftSize / 2 + 1;
        double lowMel = HzToMel(options.LowFrequencyHz), highMel = HzToMel(options.EffectiveHighFrequencyHz);
        double spacing = (highMel - lowMel) / (count + 1);
        double binHz = (double)options.SampleRate / options.FftSize;
        var bank = new float[count][];
        for (int f = 0; f < count; f++)
        {
            double left = HzToMel(MelToHz(lowMel + f * spacing));
            double centre = HzToMel(MelToHz(lowMel + (f + 1) * spacing));
            double right = HzToMel(MelToHz(lowMel + (f + 2) * spacing));
            var row = new float[bins];
            for (int j = 0; j < bins; j++)
            {
                double m = HzToMel(j * binHz);
                if (m <= left || m >= right) continue;
                row[j] = m <= centre ? (float)((m - left) / (centre - left)) : (float)((right - m) / (right - centre));
            }
            bank[f] = row;
        }
        return bank;
    }
}

using System;
using System.Collections.Generic;
using Hmm.Engine;
using Hmm.Gpu.Kernels;
using Hmm.Primitives;
using ILGPU;
using ILGPU.Runtime;

namespace Hmm.Gpu;

/// <summary>Batched dynamic time warping (<see cref="DtwKernel"/>).</summary>
public sealed partial class GpuEngine
{
    private Action<KernelConfig, DtwParams>? _dtwSharedKernel, _dtwGlobalKernel;
    private Action<KernelConfig, DtwParams, int>? _dtwBacktraceKernel;
    private DeviceBuffer<float>? _dtwX, _dtwY, _dtwScratch, _dtwCosts;
    private DeviceBuffer<int>? _dtwShapes, _dtwEnds, _dtwPaths, _dtwPathLengths;
    private DeviceBuffer<long>? _dtwPointerOffsets;
    private DeviceBuffer<byte>? _dtwPointers;

    private long _dtwKernelTicks;
    private float[] _dtwHostX = Array.Empty<float>(), _dtwHostY = Array.Empty<float>();

    /// <summary>Test knob: keep the diagonals in global memory even where shared memory would hold them (the path of long pairs).</summary>
    internal bool DtwGlobalScratch { get; set; }

    /// <summary>Threads per pair at most (rounded up to a warp); tests lower it so that a thread visits several cells of a diagonal.</summary>
    internal int DtwMaxThreads { get; set; } = 1024;

    /// <summary>
    /// Wall time of the last <see cref="Dtw"/> call's wavefront kernels (the stream is synchronised before and after each,
    /// so it excludes the host's transposition, the copies and the backtrace).
    /// </summary>
    public TimeSpan LastDtwKernelTime => TimeSpan.FromSeconds(_dtwKernelTicks / (double)System.Diagnostics.Stopwatch.Frequency);

    /// <summary>Back-pointer bytes one launch may hold; a larger batch runs in several launches.</summary>
    private const long DtwPointerBudget = 1L << 30;

    /// <summary>
    /// Dynamic time warping of the pairs (<paramref name="first"/>[b], <paramref name="second"/>[b]) ([length, dimension]
    /// rows each, any lengths) on the device: one thread group per pair walks the cost matrix by anti-diagonals with the
    /// same definitions as <see cref="DtwEngine"/>, so the results agree with the CPU engine's to float rounding (the
    /// device's fused multiply-adds and exp/log differ in the last bits).
    /// </summary>
    /// <remarks>
    /// Without <see cref="DtwOptions.ComputePath"/> (and without <see cref="DtwOptions.Subsequence"/>) a pair needs six
    /// diagonals of memory, in shared memory up to about 2,000 frames of the first sequence; the path adds one byte per cell
    /// in device memory, and batches whose pointers exceed 1 GiB run in several launches.
    /// </remarks>
    /// <exception cref="ArgumentException">Bad input, as <see cref="DtwEngine.AlignBatch"/> reports it.</exception>
    public DtwResult[] Dtw(IReadOnlyList<float[]> first, IReadOnlyList<float[]> second, int dimension, DtwOptions? options = null)
    {
        ThrowIfDisposed();
        options ??= DtwOptions.Default;
        DtwArguments.CheckBatch(first, second, dimension, options);
        var results = new DtwResult[first.Count];
        for (int b = 0; b < results.Length; b++) results[b] = new DtwResult();
        bool path = options.ComputePath || options.Subsequence;
        _dtwKernelTicks = 0;
        int start = 0;
        while (start < results.Length)
        {
            int end = start;
            long bytes = 0;
            while (end < results.Length)
            {
                int n = first[end].Length / dimension, m = second[end].Length / dimension;
                long cells = path ? (long)(n + m - 1) * n : 0;
                if (end > start && bytes + cells > DtwPointerBudget) break;
                bytes += cells;
                end++;
            }
            DtwChunk(first, second, dimension, options, results, start, end, path, bytes);
            start = end;
        }
        return results;
    }

    private void DtwChunk(IReadOnlyList<float[]> first, IReadOnlyList<float[]> second, int dimension, DtwOptions options, DtwResult[] results, int start, int end, bool path, long pointerBytes)
    {
        int count = end - start;
        var shapes = new int[count * 4];
        var offsets = new long[count];
        int maxN = 0, maxM = 0, xFloats = 0, yFloats = 0, widest = 1;
        long pointer = 0;
        for (int b = 0; b < count; b++)
        {
            int n = first[start + b].Length / dimension, m = second[start + b].Length / dimension;
            shapes[b * 4] = n;
            shapes[b * 4 + 1] = m;
            shapes[b * 4 + 2] = xFloats;
            shapes[b * 4 + 3] = yFloats;
            offsets[b] = pointer;
            pointer += path ? (long)(n + m - 1) * n : 0;
            xFloats += dimension * (n + Definitions.DtwRightPad);
            yFloats += dimension * (m + Definitions.DtwRightPad);
            maxN = Math.Max(maxN, n);
            maxM = Math.Max(maxM, m);
            int diagonal = Math.Min(n, m);
            if (options.WindowRadius is int r) diagonal = Math.Min(diagonal, r + 1);
            widest = Math.Max(widest, diagonal);
        }
        bool unit = options.Distance == DtwDistance.Cosine;
        // Grow-only host staging (every float is written: the transposition zeroes its padding columns), filled a pair a
        // task for large batches.
        if (_dtwHostX.Length < xFloats) _dtwHostX = new float[xFloats];
        if (_dtwHostY.Length < yFloats) _dtwHostY = new float[yFloats];
        var x = _dtwHostX;
        var y = _dtwHostY;
        void Transpose(int b)
        {
            int n = shapes[b * 4], m = shapes[b * 4 + 1];
            Definitions.DtwTranspose(first[start + b], n, dimension, reverse: false, unit, x.AsSpan(shapes[b * 4 + 2], dimension * (n + Definitions.DtwRightPad)), n + Definitions.DtwRightPad);
            Definitions.DtwTranspose(second[start + b], m, dimension, reverse: true, unit, y.AsSpan(shapes[b * 4 + 3], dimension * (m + Definitions.DtwRightPad)), m + Definitions.DtwRightPad);
        }
        if ((long)xFloats + yFloats >= 1 << 20) System.Threading.Tasks.Parallel.For(0, count, Transpose);
        else for (int b = 0; b < count; b++) Transpose(b);
        int width = Definitions.DtwLeftPad + maxN + Definitions.DtwRightPad;
        bool shared = !DtwGlobalScratch && 6L * width * sizeof(float) <= SharedBytesLimit;
        _dtwX ??= new DeviceBuffer<float>(_allocator);
        _dtwY ??= new DeviceBuffer<float>(_allocator);
        _dtwScratch ??= new DeviceBuffer<float>(_allocator);
        _dtwCosts ??= new DeviceBuffer<float>(_allocator);
        _dtwShapes ??= new DeviceBuffer<int>(_allocator);
        _dtwEnds ??= new DeviceBuffer<int>(_allocator);
        _dtwPaths ??= new DeviceBuffer<int>(_allocator);
        _dtwPathLengths ??= new DeviceBuffer<int>(_allocator);
        _dtwPointerOffsets ??= new DeviceBuffer<long>(_allocator);
        _dtwPointers ??= new DeviceBuffer<byte>(_allocator);
        int pathStride = maxN + maxM;
        var p = new DtwParams
        {
            X = _dtwX.Ensure(xFloats), Y = _dtwY.Ensure(yFloats), Shapes = _dtwShapes.Ensure(shapes.Length),
            PointerOffsets = _dtwPointerOffsets.Ensure(count),
            Scratch = _dtwScratch.Ensure(shared ? 1 : 6L * width * count),
            Pointers = _dtwPointers.Ensure(path ? pointerBytes : 1),
            Costs = _dtwCosts.Ensure(count), Ends = _dtwEnds.Ensure(count),
            Paths = _dtwPaths.Ensure(path ? 2L * pathStride * count : 1), PathLengths = _dtwPathLengths.Ensure(count),
            Dimension = dimension, Width = width, Radius = options.WindowRadius ?? -1, Distance = (int)options.Distance,
            Pattern = (int)options.Pattern, Subsequence = options.Subsequence ? 1 : 0, StorePointers = path ? 1 : 0,
            PathStride = pathStride,
        };
        p.X.SubView(0, xFloats).CopyFromCPU(_stream, x.AsSpan(0, xFloats));
        p.Y.SubView(0, yFloats).CopyFromCPU(_stream, y.AsSpan(0, yFloats));
        p.Shapes.SubView(0, shapes.Length).CopyFromCPU(_stream, shapes);
        p.PointerOffsets.SubView(0, count).CopyFromCPU(_stream, offsets);
        int warp = _accelerator.WarpSize;
        int threads = Math.Min(_accelerator.MaxNumThreadsPerGroup, Math.Max(warp, (widest + warp - 1) / warp * warp));
        threads = Math.Max(warp, Math.Min(threads, DtwMaxThreads));
        var kernel = shared
            ? _dtwSharedKernel ??= _accelerator.LoadStreamKernel<DtwParams>(DtwKernel.WavefrontShared)
            : _dtwGlobalKernel ??= _accelerator.LoadStreamKernel<DtwParams>(DtwKernel.WavefrontGlobal);
        var config = shared
            ? new KernelConfig(new Index1D(count), new Index1D(threads), SharedMemoryConfig.RequestDynamic<float>(6 * width))
            : new KernelConfig(new Index1D(count), new Index1D(threads));
        _stream.Synchronize();
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        kernel(config, p);
        _stream.Synchronize();
        _dtwKernelTicks += System.Diagnostics.Stopwatch.GetTimestamp() - started;
        var costs = new float[count];
        var ends = new int[count];
        var lengths = new int[count];
        int[] paths = Array.Empty<int>();
        if (path)
        {
            _dtwBacktraceKernel ??= _accelerator.LoadStreamKernel<DtwParams, int>(DtwKernel.Backtrace);
            _dtwBacktraceKernel(SmallGroups(count), p, count);
            paths = new int[2 * pathStride * count];
            p.Paths.SubView(0, paths.Length).CopyToCPU(_stream, paths);
            p.PathLengths.SubView(0, count).CopyToCPU(_stream, lengths);
        }
        p.Costs.SubView(0, count).CopyToCPU(_stream, costs);
        p.Ends.SubView(0, count).CopyToCPU(_stream, ends);
        _stream.Synchronize();
        for (int b = 0; b < count; b++)
        {
            int n = shapes[b * 4];
            var px = path ? paths.AsSpan(2 * pathStride * b, pathStride) : Span<int>.Empty;
            var py = path ? paths.AsSpan(2 * pathStride * b + pathStride, pathStride) : Span<int>.Empty;
            DtwArguments.Complete(results[start + b], costs[b], n, ends[b], px, py, lengths[b], options.Subsequence);
        }
    }

    private void DisposeDtw()
    {
        _dtwX?.Dispose(); _dtwY?.Dispose(); _dtwScratch?.Dispose(); _dtwCosts?.Dispose(); _dtwShapes?.Dispose();
        _dtwEnds?.Dispose(); _dtwPaths?.Dispose(); _dtwPathLengths?.Dispose(); _dtwPointerOffsets?.Dispose(); _dtwPointers?.Dispose();
    }
}

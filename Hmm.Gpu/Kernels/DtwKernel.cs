using Hmm.Engine;
using ILGPU;

namespace Hmm.Gpu.Kernels;

/// <summary>Inputs and outputs of the DTW kernels for one launch.</summary>
internal struct DtwParams
{
    /// <summary>The first sequences, each transposed ([Dimension, n + DtwRightPad]) at its offset.</summary>
    public ArrayView<float> X;
    /// <summary>The second sequences, each transposed and reversed ([Dimension, m + DtwRightPad]).</summary>
    public ArrayView<float> Y;
    /// <summary>[count, 4]: n, m, offset in <see cref="X"/>, offset in <see cref="Y"/>.</summary>
    public ArrayView<int> Shapes;
    /// <summary>[count]: where each pair's back-pointers start in <see cref="Pointers"/>.</summary>
    public ArrayView<long> PointerOffsets;
    /// <summary>[count, 6, Width] diagonal buffers where they do not fit in shared memory.</summary>
    public ArrayView<float> Scratch;
    /// <summary>Per pair (n + m - 1) × n back-pointer bytes indexed (k, i), when <see cref="StorePointers"/>.</summary>
    public ArrayView<byte> Pointers;
    /// <summary>[count] the best path's cost.</summary>
    public ArrayView<float> Costs;
    /// <summary>[count] the best path's last frame of the second sequence.</summary>
    public ArrayView<int> Ends;
    /// <summary>[count, 2, PathStride] paths, last cell first (first-sequence frames, then second-sequence frames).</summary>
    public ArrayView<int> Paths;
    /// <summary>[count] path lengths.</summary>
    public ArrayView<int> PathLengths;
    public int Dimension;
    public int Width;
    public int Radius;
    public int Distance;
    public int Pattern;
    public int Subsequence;
    public int StorePointers;
    public int PathStride;
}

/// <summary>Back-pointers of one pair on the device, for <see cref="Definitions.DtwBacktrace{TP, TW}"/>.</summary>
internal readonly struct GpuDtwPointers : IDtwPointers
{
    private readonly ArrayView<byte> _pointers;
    private readonly long _base;
    private readonly int _n;

    public GpuDtwPointers(ArrayView<byte> pointers, long offset, int n)
    {
        _pointers = pointers;
        _base = offset;
        _n = n;
    }

    public int At(int i, int j) => _pointers[_base + (long)(i + j) * _n + i];
}

/// <summary>Writes one pair's path on the device.</summary>
internal readonly struct GpuDtwPathWriter : IDtwPathWriter
{
    private readonly ArrayView<int> _paths;
    private readonly long _base;
    private readonly int _stride;

    public GpuDtwPathWriter(ArrayView<int> paths, long offset, int stride)
    {
        _paths = paths;
        _base = offset;
        _stride = stride;
    }

    public void Write(int index, int i, int j)
    {
        _paths[_base + index] = i;
        _paths[_base + _stride + index] = j;
    }
}

/// <summary>
/// Batched dynamic time warping by anti-diagonal wavefront: one thread group per pair, its threads over the cells of a
/// diagonal (cell i, i + threads, ...), one barrier a diagonal. Each cell is <see cref="Definitions.DtwLocalDistance{TL, TV, TM}"/>
/// and <see cref="Definitions.DtwCell{TL, TV}"/> with <see cref="GpuLane"/>, what the SIMD CPU driver
/// (<c>CpuPasses.DtwPass</c>) computes with a register of cells. The cost needs only six diagonal buffers (in shared memory
/// where they fit); the path adds one back-pointer byte a cell in global memory, walked by <see cref="Backtrace"/>.
/// Features are transposed so that neighbouring threads read neighbouring floats (coalesced).
/// </summary>
internal static class DtwKernel
{
    /// <summary>The diagonals in dynamic shared memory.</summary>
    public static void WavefrontShared(DtwParams p) => Wavefront(p, SharedMemory.GetDynamic<float>());

    /// <summary>The diagonals in the pair's slice of <see cref="DtwParams.Scratch"/>.</summary>
    public static void WavefrontGlobal(DtwParams p) => Wavefront(p, p.Scratch.SubView((long)Grid.IdxX * 6 * p.Width, 6 * p.Width));

    // Two entry points rather than one view chosen at run time: a view that may be shared or global at the same program
    // point was given the wrong address space on CUDA (an illegal memory access on the first H100 run).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Wavefront(DtwParams p, ArrayView<float> buf)
    {
        int b = Grid.IdxX, tid = Group.IdxX, threads = Group.DimX;
        int n = p.Shapes[b * 4], m = p.Shapes[b * 4 + 1], xo = p.Shapes[b * 4 + 2], yo = p.Shapes[b * 4 + 3];
        int width = p.Width, pad = Definitions.DtwLeftPad;
        int xStride = n + Definitions.DtwRightPad, yStride = m + Definitions.DtwRightPad;
        bool subsequence = p.Subsequence != 0, p1 = p.Pattern == (int)DtwStepPattern.SymmetricP1, store = p.StorePointers != 0;
        var distance = (DtwDistance)p.Distance;
        var pattern = (DtwStepPattern)p.Pattern;
        float inf = float.PositiveInfinity;
        for (int q = tid; q < 6 * width; q += threads) buf[q] = inf;
        Group.Barrier();
        if (tid == 0)
        {
            for (int k = -3; k < 0; k++) buf[((k + 4) & 3) * width + pad - 1] = Definitions.DtwRowBoundary(k, subsequence);
            p.Costs[b] = inf;
            p.Ends[b] = -1;
        }
        Group.Barrier();
        var x = new GpuMemory(p.X);
        var y = new GpuMemory(p.Y);
        long pointers = store ? p.PointerOffsets[b] : 0;
        int diagonals = n + m - 1;
        for (int k = 0; k < diagonals; k++)
        {
            Definitions.DtwDiagonalRange(k, n, m, p.Radius, out int lo, out int hi);
            int d0 = (k & 3) * width + pad, d1 = ((k + 3) & 3) * width + pad, d2 = ((k + 2) & 3) * width + pad, d3 = ((k + 1) & 3) * width + pad;
            int l0 = (4 + (k & 1)) * width + pad, l1 = (5 - (k & 1)) * width + pad;
            // Margins (as CpuPasses.DtwPass, with one-cell groups): two cells before lo, four after the last cell.
            int last = hi > lo - 1 ? hi : lo - 1;
            for (int q = tid; q < 6; q += threads)
            {
                int i = q < 2 ? lo - 2 + q : last + q - 1;
                if (i < -pad) continue;
                buf[d0 + i] = i == -1 ? Definitions.DtwRowBoundary(k, subsequence) : inf;
                buf[l0 + i] = inf;
            }
            for (int i = lo + tid; i <= hi; i += threads)
            {
                float local = Definitions.DtwLocalDistance<GpuLane, float, GpuMemory>(distance, x, xo + i, xStride, y, yo + m - 1 - k + i, yStride, p.Dimension);
                float v = Definitions.DtwCell<GpuLane, float>(pattern, local, buf[l1 + i], buf[l1 + i - 1],
                    buf[d2 + i - 1], buf[d1 + i - 1], buf[d1 + i], buf[d3 + i - 1], buf[d3 + i - 2], out float arg);
                buf[d0 + i] = v;
                if (p1) buf[l0 + i] = local;
                if (store) p.Pointers[pointers + (long)k * n + i] = (byte)arg;
                // The one thread holding the last query frame of this diagonal; earlier diagonals' updates are behind a barrier.
                if (subsequence && i == n - 1 && v < p.Costs[b])
                {
                    p.Costs[b] = v;
                    p.Ends[b] = k - (n - 1);
                }
            }
            Group.Barrier();
        }
        if (!subsequence && tid == 0)
        {
            p.Costs[b] = buf[((diagonals - 1) & 3) * width + pad + n - 1];
            p.Ends[b] = m - 1;
        }
    }

    /// <summary>One thread per pair: <see cref="Definitions.DtwBacktrace{TP, TW}"/> from the best path's last cell.</summary>
    public static void Backtrace(DtwParams p, int count)
    {
        int b = Grid.IdxX * Group.DimX + Group.IdxX;
        if (b >= count) return;
        int n = p.Shapes[b * 4];
        if (p.Ends[b] < 0 || p.Costs[b] == float.PositiveInfinity)
        {
            p.PathLengths[b] = 0;
            return;
        }
        p.PathLengths[b] = Definitions.DtwBacktrace(new GpuDtwPointers(p.Pointers, p.PointerOffsets[b], n),
            new GpuDtwPathWriter(p.Paths, (long)b * 2 * p.PathStride, p.PathStride), n - 1, p.Ends[b]);
    }
}

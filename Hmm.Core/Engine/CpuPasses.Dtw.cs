using Hmm.Simd;

namespace Hmm.Engine;

/// <summary>What one DTW pair's pass reads and writes, as pinned pointers (built by <see cref="DtwEngine"/>).</summary>
internal unsafe struct DtwJob
{
    /// <summary>[Dimension, XStride] the first sequence transposed (<see cref="Definitions.DtwTranspose"/>).</summary>
    public float* X;
    public int XStride;
    /// <summary>[Dimension, YStride] the second sequence transposed and reversed.</summary>
    public float* Y;
    public int YStride;
    public int N, M, Dimension;
    /// <summary>Sakoe-Chiba radius, or -1 for the full matrix.</summary>
    public int Radius;
    public DtwDistance Distance;
    public DtwStepPattern Pattern;
    public bool Subsequence;
    /// <summary>Six diagonal buffers of <see cref="Width"/> floats: costs of diagonals k mod 4, local distances of k mod 2.</summary>
    public float* Diagonals;
    public int Width;
    /// <summary>[N + M - 1, N] back-pointers indexed (k, i), or null for cost only.</summary>
    public byte* Pointers;
    /// <summary>16 floats: one lane group's steps on their way to bytes.</summary>
    public float* Lanes;
    /// <summary>Out: the cost of the best path (+infinity when none).</summary>
    public float Cost;
    /// <summary>Out: the last reference frame of the best path (M - 1 unless a subsequence search).</summary>
    public int End;
}

/// <summary>Back-pointers of <see cref="DtwJob"/> for <see cref="Definitions.DtwBacktrace{TP, TW}"/>.</summary>
internal readonly unsafe struct CpuDtwPointers : IDtwPointers
{
    private readonly byte* _pointers;
    private readonly int _n;

    public CpuDtwPointers(byte* pointers, int n)
    {
        _pointers = pointers;
        _n = n;
    }

    public int At(int i, int j) => _pointers[(long)(i + j) * _n + i];
}

internal static unsafe partial class CpuPasses
{
    /// <summary>
    /// Dynamic time warping of one pair by anti-diagonals: each diagonal's cells are independent, so one SIMD lane group
    /// computes Count consecutive cells i (j = k - i) with <see cref="Definitions.DtwLocalDistance{TL, TV, TM}"/> and
    /// <see cref="Definitions.DtwCell{TL, TV}"/>, reading the previous diagonals from rolling buffers. The driver keeps the
    /// buffers' margins at +infinity (and the virtual row i = -1 at <see cref="Definitions.DtwRowBoundary"/>), so cells
    /// outside the matrix or the band are impossible.
    /// </summary>
    [LaneDispatch]
    public static void DtwPass<TL, TV>(ref DtwJob job)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        int count = l.Count, n = job.N, m = job.M, width = job.Width, pad = Definitions.DtwLeftPad;
        bool subsequence = job.Subsequence, p1 = job.Pattern == DtwStepPattern.SymmetricP1;
        float inf = float.PositiveInfinity;
        float* buffers = job.Diagonals;
        for (int q = 0; q < 6 * width; q++) buffers[q] = inf;
        for (int k = -3; k < 0; k++) buffers[((k + 4) & 3) * width + pad - 1] = Definitions.DtwRowBoundary(k, subsequence);
        var x = new CpuMemory(job.X);
        var y = new CpuMemory(job.Y);
        float best = inf;
        int end = -1;
        int diagonals = n + m - 1;
        for (int k = 0; k < diagonals; k++)
        {
            Definitions.DtwDiagonalRange(k, n, m, job.Radius, out int lo, out int hi);
            float* d0 = buffers + (k & 3) * width + pad;
            float* d1 = buffers + ((k + 3) & 3) * width + pad;
            float* d2 = buffers + ((k + 2) & 3) * width + pad;
            float* d3 = buffers + ((k + 1) & 3) * width + pad;
            float* l0 = buffers + (4 + (k & 1)) * width + pad;
            float* l1 = buffers + (5 - (k & 1)) * width + pad;
            // Margins: what later diagonals read outside this one's cells (bounds move by at most 1 a diagonal).
            for (int i = lo - 2; i < lo; i++)
            {
                if (i < -pad) continue;
                d0[i] = i == -1 ? Definitions.DtwRowBoundary(k, subsequence) : inf;
                l0[i] = inf;
            }
            int last = System.Math.Max(hi, lo - 1);
            for (int i = last + 1; i <= last + 3 + count; i++) { d0[i] = inf; l0[i] = inf; }
            for (int i0 = lo; i0 <= hi; i0 += count)
            {
                TV local = Definitions.DtwLocalDistance<TL, TV, CpuMemory>(job.Distance, x, i0, job.XStride, y, m - 1 - k + i0, job.YStride, job.Dimension);
                TV v = Definitions.DtwCell<TL, TV>(job.Pattern, local, l.Load(ref l1[i0]), l.Load(ref l1[i0 - 1]),
                    l.Load(ref d2[i0 - 1]), l.Load(ref d1[i0 - 1]), l.Load(ref d1[i0]), l.Load(ref d3[i0 - 1]), l.Load(ref d3[i0 - 2]), out TV arg);
                l.Store(Definitions.DtwMask<TL, TV>(v, i0, lo, hi), ref d0[i0]);
                if (p1) l.Store(Definitions.DtwMask<TL, TV>(local, i0, lo, hi), ref l0[i0]);
                if (job.Pointers != null)
                {
                    l.Store(arg, ref job.Lanes[0]);
                    byte* row = job.Pointers + (long)k * n;
                    int live = System.Math.Min(count, hi - i0 + 1);
                    for (int c = 0; c < live; c++) row[i0 + c] = (byte)job.Lanes[c];
                }
            }
            if (subsequence && hi == n - 1 && lo <= hi && d0[n - 1] < best)
            {
                best = d0[n - 1];
                end = k - (n - 1);
            }
        }
        if (!subsequence)
        {
            best = buffers[((diagonals - 1) & 3) * width + pad + n - 1];
            end = m - 1;
        }
        job.Cost = best;
        job.End = end;
    }
}

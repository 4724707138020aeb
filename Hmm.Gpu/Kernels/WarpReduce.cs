using System.Runtime.CompilerServices;
using Hmm.Primitives;
using ILGPU;
using ILGPU.Algorithms;

namespace Hmm.Gpu.Kernels;

/// <summary>
/// Butterfly reductions over aligned blocks of <c>width</c> lanes (a power of two ≤ the warp), written out: ILGPU does
/// not unroll loops, and a loop's counter and branch cost as much as its shuffles (seen in Nsight Compute). The
/// offsets run 16, 8, 4, 2, 1 as the loops they replace did, so sums keep their order. Every lane of the warp must call
/// with the same width.
/// </summary>
internal static class WarpReduce
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(float value, int width)
    {
        if (width > 16) value = XMath.Max(value, Warp.ShuffleXor(value, 16));
        if (width > 8) value = XMath.Max(value, Warp.ShuffleXor(value, 8));
        if (width > 4) value = XMath.Max(value, Warp.ShuffleXor(value, 4));
        if (width > 2) value = XMath.Max(value, Warp.ShuffleXor(value, 2));
        if (width > 1) value = XMath.Max(value, Warp.ShuffleXor(value, 1));
        return value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(float value, int width)
    {
        if (width > 16) value += Warp.ShuffleXor(value, 16);
        if (width > 8) value += Warp.ShuffleXor(value, 8);
        if (width > 4) value += Warp.ShuffleXor(value, 4);
        if (width > 2) value += Warp.ShuffleXor(value, 2);
        if (width > 1) value += Warp.ShuffleXor(value, 1);
        return value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Or(int value, int width)
    {
        if (width > 16) value |= Warp.ShuffleXor(value, 16);
        if (width > 8) value |= Warp.ShuffleXor(value, 8);
        if (width > 4) value |= Warp.ShuffleXor(value, 4);
        if (width > 2) value |= Warp.ShuffleXor(value, 2);
        if (width > 1) value |= Warp.ShuffleXor(value, 1);
        return value;
    }

    /// <summary>
    /// Inclusive prefix sum over the first <paramref name="width"/> lanes (Hillis-Steele: lane l gets the sum of lanes 0..l).
    /// Every lane of the warp must call with the same width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float InclusiveSum(float value, int width)
    {
        int lane = Warp.LaneIdx;
        for (int offset = 1; offset < width; offset *= 2)
        {
            float up = Warp.ShuffleUp(value, offset);
            if (lane >= offset) value += up;
        }
        return value;
    }
}

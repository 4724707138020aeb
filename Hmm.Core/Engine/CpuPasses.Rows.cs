using Hmm.Simd;

namespace Hmm.Engine;

internal static unsafe partial class CpuPasses
{
    /// <summary>
    /// log Σ exp over one row padded with -infinity to a multiple of the lane count: the row's maximum, then
    /// <see cref="Definitions.SumExp{TL, TV, TM}"/> shifted by it. -infinity for a row of -infinity.
    /// </summary>
    [LaneDispatch]
    public static float RowLogSumExp<TL, TV>(float* row, int stride)
        where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        int count = l.Count;
        TV best = l.Broadcast(float.NegativeInfinity);
        for (int j0 = 0; j0 < stride; j0 += count) best = l.Max(best, l.Load(ref row[j0]));
        float m = l.MaxAcross(best);
        if (m == float.NegativeInfinity) return m;
        return m + System.MathF.Log(Definitions.SumExp<TL, TV, CpuMemory>(new CpuMemory(row), 0, m, new ColumnSlice(0, stride, count)));
    }
}

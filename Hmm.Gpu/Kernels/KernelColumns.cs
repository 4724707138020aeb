using System.Runtime.CompilerServices;
using Hmm.Engine;
using ILGPU;

namespace Hmm.Gpu.Kernels;

/// <summary>
/// The column reduction of one warp's threads (<see cref="IColumnReduction"/> on the device): every lane of the warp
/// calls it and gets the warp's value; the lanes' order of summation is <see cref="WarpReduce"/>'s.
/// </summary>
internal readonly struct WarpColumn : IColumnReduction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Max(float local) => WarpReduce.Max(local, Warp.WarpSize);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Sum(float local) => WarpReduce.Sum(local, Warp.WarpSize);
}

/// <summary>A Viterbi path in device memory from <c>paths[pathBase]</c> (frame 0).</summary>
internal readonly struct DevicePath : IPathWriter
{
    private readonly ArrayView<int> _paths;
    private readonly long _pathBase;

    public DevicePath(ArrayView<int> paths, long pathBase)
    {
        _paths = paths;
        _pathBase = pathBase;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Set(int t, int state) => _paths[_pathBase + t] = state;
}

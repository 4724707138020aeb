using System.Runtime.CompilerServices;
using Hmm.Simd;

namespace Hmm.Engine;

/// <summary>
/// Where a recursion reads a frame's emission log-likelihoods, a lane group at a time: an expanded lattice's rows
/// (<see cref="EmissionRows{TM}"/>, what every engine reads by default). The definitions and drivers that read emissions
/// through it are the same for every source.
/// </summary>
/// <remarks>A generic method on a non-generic interface, like <see cref="ISemiring"/>: called on a struct, it is specialised
/// per lane and compiles in ILGPU kernels.</remarks>
public interface IEmissionSource
{
    /// <summary>The emissions of states <c>j0 .. j0 + Count - 1</c> at frame <paramref name="t"/>.</summary>
    TV Load<TL, TV>(int t, int j0) where TL : struct, ILane<TV> where TV : struct;
}

/// <summary>Emissions stored as rows: frame t's state j at <c>memory[rowBase + t·stride + j]</c>.</summary>
/// <typeparam name="TM">The storage.</typeparam>
public readonly struct EmissionRows<TM> : IEmissionSource where TM : struct, IFloatMemory
{
    private readonly TM _memory;
    private readonly int _rowBase;
    private readonly int _stride;

    /// <summary>Rows of <paramref name="stride"/> floats from <paramref name="rowBase"/> of <paramref name="memory"/>.</summary>
    public EmissionRows(TM memory, int rowBase, int stride)
    {
        _memory = memory;
        _rowBase = rowBase;
        _stride = stride;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Load<TL, TV>(int t, int j0) where TL : struct, ILane<TV> where TV : struct
        => default(TL).Load(ref _memory[_rowBase + t * _stride + j0]);
}

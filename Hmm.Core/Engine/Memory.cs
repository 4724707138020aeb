using System.Runtime.CompilerServices;

namespace Hmm.Engine;

/// <summary>
/// Float storage as the definitions see it: an index gives a reference. The CPU engine wraps a pinned
/// pointer; the GPU engine wraps an ILGPU <c>ArrayView&lt;float&gt;</c>. The definitions never do pointer
/// arithmetic themselves, so the same code compiles for both.
/// </summary>
public interface IFloatMemory
{
    /// <summary>Reference to the float at <paramref name="index"/> (may be negative relative to a base inside a buffer).</summary>
    ref float this[int index] { get; }
}

/// <summary>A pinned CPU buffer, addressed from a base pointer.</summary>
public readonly unsafe struct CpuMemory : IFloatMemory
{
    private readonly float* _base;

    /// <summary>Wraps <paramref name="address"/>; the caller keeps the buffer pinned.</summary>
    public CpuMemory(float* address) => _base = address;

    /// <inheritdoc/>
    public ref float this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _base[index];
    }
}

/// <summary>
/// The band offsets of a banded transition table's rows (<see cref="Definitions.RelaxBand{TL, TV, TS, TM, TB}"/>): row r
/// holds the transitions from j - Offset(r) into j (forward) or from i to i + Offset(r) (backward).
/// </summary>
public interface IBandOffsets
{
    /// <summary>The offset of table row <paramref name="row"/>.</summary>
    int Offset(int row);
}

/// <summary>Every offset of the band in order: row d holds offset d.</summary>
public readonly struct ContiguousBand : IBandOffsets
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Offset(int row) => row;
}

/// <summary>Offsets listed in an array (the live rows of a band: <c>BandedTransitions</c>' compacted tables).</summary>
public readonly struct ListedBand : IBandOffsets
{
    private readonly int[] _offsets;

    /// <summary>Wraps <paramref name="offsets"/> (rising, one per table row).</summary>
    public ListedBand(int[] offsets) => _offsets = offsets;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Offset(int row) => _offsets[row];
}


using System.Runtime.CompilerServices;
using Hmm.Engine;
using ILGPU;

namespace Hmm.Gpu;

/// <summary>
/// <see cref="IFloatMemory"/> over an ILGPU <see cref="ArrayView{T}"/>: global or shared memory, as the view
/// says. Indices are relative to the start of the view (take a <c>SubView</c> to move the base).
/// </summary>
public readonly struct GpuMemory : IFloatMemory
{
    private readonly ArrayView<float> _view;

    /// <summary>Wraps <paramref name="view"/>.</summary>
    public GpuMemory(ArrayView<float> view) => _view = view;

    /// <inheritdoc/>
    public ref float this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _view[index];
    }
}

/// <summary><see cref="IBandOffsets"/> over an ILGPU view: the live offsets of a compacted banded table.</summary>
public readonly struct GpuBand : IBandOffsets
{
    private readonly ArrayView<int> _offsets;

    /// <summary>Wraps <paramref name="offsets"/> (one per table row, rising).</summary>
    public GpuBand(ArrayView<int> offsets) => _offsets = offsets;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Offset(int row) => _offsets[row];
}


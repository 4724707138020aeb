using System.Runtime.CompilerServices;
using Hmm.Engine;
using Hmm.Primitives;
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

/// <summary>
/// <see cref="IBandOffsets"/> for a kernel: the first eight offsets travel in the launch's parameters (constant memory:
/// no load on the recursion's critical path, and with the row count specialised the compiler folds <see cref="Offset"/>
/// to a constant), any further ones are read from the view.
/// </summary>
public readonly struct GpuBand : IBandOffsets
{
    private readonly ArrayView<int> _offsets;
    private readonly int _o0, _o1, _o2, _o3, _o4, _o5, _o6, _o7;

    /// <summary>The offsets in <paramref name="offsets"/> (one per table row, rising), the first eight also given as values.</summary>
    public GpuBand(ArrayView<int> offsets, int o0, int o1, int o2, int o3, int o4, int o5, int o6, int o7)
    {
        _offsets = offsets;
        (_o0, _o1, _o2, _o3, _o4, _o5, _o6, _o7) = (o0, o1, o2, o3, o4, o5, o6, o7);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Offset(int row) => row switch
    {
        0 => _o0,
        1 => _o1,
        2 => _o2,
        3 => _o3,
        4 => _o4,
        5 => _o5,
        6 => _o6,
        7 => _o7,
        _ => _offsets[row],
    };
}

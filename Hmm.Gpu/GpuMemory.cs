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

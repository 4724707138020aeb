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

using System;
using Hmm.Primitives;
using ILGPU;
using ILGPU.Runtime;

namespace Hmm.Gpu;

/// <summary>Thrown by the allocation hook that tests use to simulate a device out of memory.</summary>
internal sealed class SimulatedOutOfMemoryException : Exception
{
    public SimulatedOutOfMemoryException(long bytes) : base($"simulated device out-of-memory for {bytes} bytes") { }
    public SimulatedOutOfMemoryException() { }
    public SimulatedOutOfMemoryException(string message) : base(message) { }
    public SimulatedOutOfMemoryException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Allocates device memory for the engine's buffers and counts what it does (tests assert on the counts).</summary>
internal sealed class DeviceAllocator
{
    private readonly Accelerator _accelerator;

    public DeviceAllocator(Accelerator accelerator) => _accelerator = accelerator;

    /// <summary>Test hook: return true to make an allocation of that many bytes fail as if the device were full.</summary>
    public Func<long, bool>? FailWhen { get; set; }

    /// <summary>Device allocations made so far.</summary>
    public int Allocations { get; private set; }

    /// <summary>Bytes currently held by live buffers.</summary>
    public long BytesInUse { get; private set; }

    /// <summary>Largest <see cref="BytesInUse"/> seen.</summary>
    public long PeakBytes { get; private set; }

    public MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long length) where T : unmanaged
    {
        long bytes = length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (FailWhen?.Invoke(bytes) == true) throw new SimulatedOutOfMemoryException(bytes);
        var buffer = _accelerator.Allocate1D<T>(length);
        Allocations++;
        BytesInUse += bytes;
        PeakBytes = Math.Max(PeakBytes, BytesInUse);
        return buffer;
    }

    public void Released(long bytes) => BytesInUse -= bytes;
}

/// <summary>A device buffer that only grows: reused across calls, so steady-state calls allocate nothing.</summary>
internal sealed class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    private readonly DeviceAllocator _allocator;
    private MemoryBuffer1D<T, Stride1D.Dense>? _buffer;

    public DeviceBuffer(DeviceAllocator allocator) => _allocator = allocator;

    public long Capacity => _buffer?.Length ?? 0;

    /// <summary>A view of at least <paramref name="length"/> elements (at least one, so kernels always get a real pointer).</summary>
    public ArrayView<T> Ensure(long length)
    {
        length = Math.Max(1, length);
        if (_buffer == null || _buffer.Length < length)
        {
            Dispose();
            _buffer = _allocator.Allocate<T>(length);
        }
        return _buffer.View.SubView(0, length);
    }

    /// <summary>The current buffer (call <see cref="Ensure"/> first).</summary>
    public ArrayView1D<T, Stride1D.Dense> View => _buffer!.View;

    public void Dispose()
    {
        if (_buffer == null) return;
        _allocator.Released(_buffer.LengthInBytes);
        _buffer.Dispose();
        _buffer = null;
    }
}

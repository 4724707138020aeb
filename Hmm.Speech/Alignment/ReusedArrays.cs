using System.Collections.Generic;

namespace Hmm.Speech;

/// <summary>
/// Float arrays kept from one call to the next (thread-safe): a bulk alignment's padded feature batches are several MB
/// each, large-object-heap arrays under the default threshold, and allocating them afresh in every call brings gen2
/// collections and page faults. <see cref="Rent"/> hands out the smallest free array that is long enough (its contents
/// are stale: the caller writes every value it uses); when none is, the largest free one (too short) is dropped and a
/// new array of exactly the length asked for is made, so the number kept never exceeds the most in use at once.
/// </summary>
internal sealed class ReusedArrays
{
    private readonly List<float[]> _free = new();

    /// <summary>An array of at least <paramref name="length"/> floats, not cleared.</summary>
    public float[] Rent(long length)
    {
        lock (_free)
        {
            int fit = -1, largest = -1;
            for (int k = 0; k < _free.Count; k++)
            {
                int size = _free[k].Length;
                if (size >= length && (fit < 0 || size < _free[fit].Length)) fit = k;
                if (largest < 0 || size > _free[largest].Length) largest = k;
            }
            int taken = fit >= 0 ? fit : largest;
            if (taken >= 0)
            {
                var array = _free[taken];
                _free.RemoveAt(taken);
                if (fit >= 0) return array;
            }
        }
        return new float[length];
    }

    /// <summary>Most floats kept free between calls (16 Mi, 64 MB): an hour-long recording's batches are not all kept after it.</summary>
    internal const long MaxKeptFloats = 16L << 20;

    /// <summary>Gives an array back for later calls (or drops it past <see cref="MaxKeptFloats"/> kept); the caller must not use it any more.</summary>
    public void Return(float[] array)
    {
        lock (_free)
        {
            long kept = array.Length;
            foreach (var free in _free) kept += free.Length;
            if (kept <= MaxKeptFloats) _free.Add(array);
        }
    }

    /// <summary>Arrays free for reuse now (tests).</summary>
    internal int FreeCount
    {
        get
        {
            lock (_free) return _free.Count;
        }
    }
}

using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;

namespace Hmm.Generators.Models;

/// <summary>
/// An immutable array with value equality. <see cref="ImmutableArray{T}"/> compares by reference, which would
/// make every pipeline model look changed on every run and defeat the incremental generator's caching.
/// </summary>
/// <typeparam name="T">The element type; it must itself have value equality.</typeparam>
internal readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IReadOnlyList<T>
    where T : IEquatable<T>
{
    /// <summary>The empty array.</summary>
    public static readonly EquatableArray<T> Empty = new(ImmutableArray<T>.Empty);

    // default(EquatableArray<T>) wraps a default ImmutableArray; every member treats that as empty.
    private readonly ImmutableArray<T> _items;

    /// <summary>Wraps <paramref name="items"/>.</summary>
    public EquatableArray(ImmutableArray<T> items) => _items = items;

    /// <summary>The wrapped items (never a default array).</summary>
    public ImmutableArray<T> AsImmutableArray() => _items.IsDefault ? ImmutableArray<T>.Empty : _items;

    /// <summary>Number of items.</summary>
    public int Count => _items.IsDefault ? 0 : _items.Length;

    /// <summary>True when there are no items.</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>The item at <paramref name="index"/>.</summary>
    public T this[int index] => AsImmutableArray()[index];

    /// <inheritdoc/>
    public bool Equals(EquatableArray<T> other)
    {
        ImmutableArray<T> a = AsImmutableArray(), b = other.AsImmutableArray();
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            if (!EqualityComparer<T>.Default.Equals(a[i], b[i])) return false;
        }
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        // netstandard2.0 has no System.HashCode; a simple multiplicative combine is enough for cache lookups.
        unchecked
        {
            int hash = 17;
            foreach (T item in AsImmutableArray())
            {
                hash = (hash * 31) + (item is null ? 0 : EqualityComparer<T>.Default.GetHashCode(item));
            }
            return hash;
        }
    }

    /// <summary>Value equality.</summary>
    public static bool operator ==(EquatableArray<T> left, EquatableArray<T> right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(EquatableArray<T> left, EquatableArray<T> right) => !left.Equals(right);

    /// <summary>Enumerates the items without boxing.</summary>
    public ImmutableArray<T>.Enumerator GetEnumerator() => AsImmutableArray().GetEnumerator();

    IEnumerator<T> IEnumerable<T>.GetEnumerator() => ((IEnumerable<T>)AsImmutableArray()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable)AsImmutableArray()).GetEnumerator();
}

/// <summary>Conversions into <see cref="EquatableArray{T}"/>.</summary>
internal static class EquatableArray
{
    /// <summary>Wraps <paramref name="items"/> in an <see cref="EquatableArray{T}"/>.</summary>
    public static EquatableArray<T> ToEquatableArray<T>(this ImmutableArray<T> items)
        where T : IEquatable<T> => new(items);

    /// <summary>Copies <paramref name="items"/> into an <see cref="EquatableArray{T}"/>.</summary>
    public static EquatableArray<T> ToEquatableArray<T>(this IEnumerable<T> items)
        where T : IEquatable<T> => new(ImmutableArray.CreateRange(items));
}

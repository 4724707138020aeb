using System;

namespace Hmm;

/// <summary>
/// A batch of feature sequences of different lengths in the padded layout <c>[batch, maxLength, dimension]</c>:
/// sequence b occupies frames 0 .. <c>Lengths[b]</c>-1 of its slot; frames past its length are ignored.
/// The padded layout keeps every sequence at a fixed offset, which is what both the SIMD and the GPU engines
/// want, at the cost of memory for very uneven batches.
/// </summary>
public sealed class SequenceBatch
{
    private readonly int[] _lengths;

    /// <summary>Allocates a zeroed batch; every sequence starts with length <paramref name="maxLength"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive (an empty batch has nothing to decode).</exception>
    public SequenceBatch(int batchSize, int maxLength, int dimension)
        : this(batchSize, maxLength, dimension, null)
    {
    }

    /// <summary>
    /// A batch over <paramref name="storage"/> (reused across batches by the caller, which writes every value of the
    /// batch, padding included: nothing is cleared here), or over a new zeroed array when it is null. The storage may be
    /// longer than the batch (<see cref="Size"/> floats at least); <see cref="Data"/> is then that longer array.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the batch exceeds one array.</exception>
    /// <exception cref="ArgumentException"><paramref name="storage"/> is shorter than the batch.</exception>
    public SequenceBatch(int batchSize, int maxLength, int dimension, float[]? storage)
    {
        Guard.Positive(batchSize, nameof(batchSize));
        Guard.NonNegative(maxLength, nameof(maxLength));
        Guard.Positive(dimension, nameof(dimension));
        long total = Size(batchSize, maxLength, dimension);
        if (total > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(maxLength), $"batch of {total} floats exceeds one array; split it.");
        if (storage is not null && storage.Length < total) throw new ArgumentException($"storage holds {storage.Length} floats; the batch needs {total}.", nameof(storage));
        BatchSize = batchSize;
        MaxLength = maxLength;
        Dimension = dimension;
        Data = storage ?? new float[total];
        _lengths = new int[batchSize];
        _lengths.AsSpan().Fill(maxLength);
    }

    /// <summary>Floats of a batch's padded layout: <c>batchSize * maxLength * dimension</c>.</summary>
    public static long Size(int batchSize, int maxLength, int dimension) => (long)batchSize * maxLength * dimension;

    /// <summary>Number of sequences B.</summary>
    public int BatchSize { get; }

    /// <summary>Frames reserved per sequence.</summary>
    public int MaxLength { get; }

    /// <summary>Feature dimension D.</summary>
    public int Dimension { get; }

    /// <summary>
    /// The padded features, <c>[BatchSize, MaxLength, Dimension]</c>, row-major. Batches built over reused
    /// storage (the constructor that takes one) may have a longer array: values past
    /// <c>BatchSize * MaxLength * Dimension</c> are not part of the batch.
    /// </summary>
    public float[] Data { get; }

    /// <summary>The length of each sequence.</summary>
    public ReadOnlySpan<int> Lengths => _lengths;

    /// <summary>Sets the length of sequence <paramref name="index"/> (0 .. <see cref="MaxLength"/>).</summary>
    public void SetLength(int index, int length)
    {
        if ((uint)index >= (uint)BatchSize) throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {BatchSize}).");
        if ((uint)length > (uint)MaxLength) throw new ArgumentOutOfRangeException(nameof(length), length, $"length must be in [0, {MaxLength}] (the batch's MaxLength).");
        _lengths[index] = length;
    }

    /// <summary>The frames of sequence <paramref name="index"/>: <c>Lengths[index] × Dimension</c> floats.</summary>
    public Span<float> Sequence(int index) => Data.AsSpan(index * MaxLength * Dimension, _lengths[index] * Dimension);

    /// <summary>One frame's features.</summary>
    public Span<float> Frame(int index, int frame) => Data.AsSpan((index * MaxLength + frame) * Dimension, Dimension);

    /// <summary>Builds a batch from per-sequence arrays <c>[length, dimension]</c>.</summary>
    public static SequenceBatch FromSequences(params float[][,] sequences)
    {
        Guard.NotNull(sequences, nameof(sequences));
        if (sequences.Length == 0) throw new ArgumentException("sequences is empty: a batch needs at least one sequence.", nameof(sequences));
        int maxLength = 0, dimension = -1;
        for (int b = 0; b < sequences.Length; b++)
        {
            var s = sequences[b] ?? throw new ArgumentNullException(nameof(sequences), $"sequences[{b}] is null.");
            if (dimension < 0) dimension = s.GetLength(1);
            else if (s.GetLength(1) != dimension)
                throw new ArgumentException($"sequences[{b}] has dimension {s.GetLength(1)}, expected {dimension} like sequences[0].", nameof(sequences));
            maxLength = Math.Max(maxLength, s.GetLength(0));
        }
        var batch = new SequenceBatch(sequences.Length, maxLength, Math.Max(dimension, 1));
        for (int b = 0; b < sequences.Length; b++)
        {
            var s = sequences[b];
            batch.SetLength(b, s.GetLength(0));
            for (int t = 0; t < s.GetLength(0); t++)
                for (int d = 0; d < s.GetLength(1); d++)
                    batch.Data[(b * maxLength + t) * batch.Dimension + d] = s[t, d];
        }
        return batch;
    }

    /// <summary>
    /// Throws when a feature inside a sequence's length is NaN or infinite, naming <paramref name="name"/>, the sequence,
    /// frame and dimension (a SIMD pass per sequence; the scalar scan only finds the position).
    /// </summary>
    /// <param name="name">The argument name for the exception.</param>
    /// <exception cref="ArgumentException">A feature is not finite.</exception>
    public void EnsureFinite(string name)
    {
        for (int b = 0; b < BatchSize; b++)
        {
            var seq = Sequence(b);
            if (Guard.AllFinite(seq)) continue;
            for (int i = 0; i < seq.Length; i++)
            {
                if (!Guard.IsFinite(seq[i]))
                    throw new ArgumentException($"{name}: sequence {b}, frame {i / Dimension}, dimension {i % Dimension} is {seq[i]}; features must be finite.", name);
            }
        }
    }
}

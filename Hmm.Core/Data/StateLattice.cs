using System;
using Hmm.Simd;

namespace Hmm;

/// <summary>
/// One float per (sequence, frame, state), in the padded layout <c>[batch, maxLength, stride]</c> where the
/// stride is the state count rounded up to <see cref="SimdCapabilities.MaxLaneCount"/>. The padding lanes
/// hold -infinity and are not visible through the public accessors.
/// </summary>
public class StateLattice
{
    private readonly int[] _lengths;

    /// <summary>Allocates a lattice filled with -infinity; every sequence starts with length <paramref name="maxLength"/>.</summary>
    public StateLattice(int batchSize, int maxLength, int stateCount)
        : this(batchSize, maxLength, stateCount, null)
    {
    }

    /// <summary>
    /// A lattice over <paramref name="storage"/> (null: allocated), its first <see cref="Size"/> floats filled with
    /// -infinity: one array can hold lattices of changing shapes in turn (a caller that aligns batch after batch keeps
    /// its storage instead of allocating every lattice anew). Every sequence starts with length <paramref name="maxLength"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the lattice exceeds one array.</exception>
    /// <exception cref="ArgumentException"><paramref name="storage"/> is shorter than the lattice.</exception>
    public StateLattice(int batchSize, int maxLength, int stateCount, float[]? storage)
    {
        Guard.Positive(batchSize, nameof(batchSize));
        Guard.NonNegative(maxLength, nameof(maxLength));
        Guard.Positive(stateCount, nameof(stateCount));
        Stride = SimdCapabilities.Pad(stateCount);
        long total = (long)batchSize * maxLength * Stride;
        if (total > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(maxLength), $"lattice of {total} floats exceeds one array; split the batch.");
        BatchSize = batchSize;
        MaxLength = maxLength;
        StateCount = stateCount;
        if (storage is not null && storage.Length < total)
            throw new ArgumentException($"storage holds {storage.Length} floats but the lattice needs {total} (Size).", nameof(storage));
        Data = storage ?? new float[total];
        Data.AsSpan(0, (int)total).Fill(float.NegativeInfinity);
        _lengths = new int[batchSize];
        _lengths.AsSpan().Fill(maxLength);
    }

    /// <summary>Floats of a lattice's layout: <c>batchSize * maxLength * </c> the padded stride of <paramref name="stateCount"/>.</summary>
    public static long Size(int batchSize, int maxLength, int stateCount) => (long)batchSize * maxLength * SimdCapabilities.Pad(stateCount);

    /// <summary>Number of sequences B.</summary>
    public int BatchSize { get; }

    /// <summary>Frames reserved per sequence.</summary>
    public int MaxLength { get; }

    /// <summary>Number of states N.</summary>
    public int StateCount { get; }

    /// <summary>Floats between consecutive frames: N padded to the widest SIMD register.</summary>
    public int Stride { get; }

    /// <summary>The length of each sequence.</summary>
    public ReadOnlySpan<int> Lengths => _lengths;

    internal float[] Data { get; }

    internal int[] LengthArray => _lengths;

    /// <summary>Sets the length of sequence <paramref name="index"/> (0 .. <see cref="MaxLength"/>).</summary>
    public void SetLength(int index, int length)
    {
        if ((uint)index >= (uint)BatchSize) throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {BatchSize}).");
        if ((uint)length > (uint)MaxLength) throw new ArgumentOutOfRangeException(nameof(length), length, $"length must be in [0, {MaxLength}] (the batch's MaxLength).");
        _lengths[index] = length;
    }

    /// <summary>The N values of one frame.</summary>
    public Span<float> Frame(int index, int frame)
    {
        if ((uint)index >= (uint)BatchSize) throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {BatchSize}).");
        if ((uint)frame >= (uint)MaxLength) throw new ArgumentOutOfRangeException(nameof(frame), frame, $"frame must be in [0, {MaxLength}).");
        return Data.AsSpan((index * MaxLength + frame) * Stride, StateCount);
    }

    /// <summary>The value for sequence <paramref name="index"/>, frame <paramref name="frame"/>, state <paramref name="state"/>.</summary>
    public float this[int index, int frame, int state]
    {
        get
        {
            if ((uint)state >= (uint)StateCount) throw new ArgumentOutOfRangeException(nameof(state), state, $"state must be in [0, {StateCount}).");
            return Frame(index, frame)[state];
        }
    }

    internal int Offset(int index, int frame) => (index * MaxLength + frame) * Stride;

    /// <summary>Checks that this lattice can hold results for <paramref name="source"/> and copies its lengths.</summary>
    internal void ShapeLike(StateLattice source, string name)
    {
        if (BatchSize < source.BatchSize || MaxLength < source.MaxLength || StateCount != source.StateCount)
            throw new ArgumentException($"{name} holds [{BatchSize}, {MaxLength}, {StateCount}] but the input needs [{source.BatchSize}, {source.MaxLength}, {source.StateCount}] (batch and length at least, states equal).", name);
        for (int b = 0; b < source.BatchSize; b++) _lengths[b] = source._lengths[b];
    }
}

/// <summary>
/// Emission log-likelihoods log p(x_t | state) for a batch: computed by an <see cref="EmissionModel"/> or
/// supplied by the caller (neural emissions). -infinity marks a frame a state cannot emit.
/// </summary>
public sealed class EmissionBatch : StateLattice
{
    /// <summary>Allocates a batch filled with -infinity.</summary>
    public EmissionBatch(int batchSize, int maxLength, int stateCount) : base(batchSize, maxLength, stateCount)
    {
    }

    /// <summary>A batch over <paramref name="storage"/> (null: allocated) filled with -infinity (see <see cref="StateLattice(int, int, int, float[])"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="storage"/> is shorter than <see cref="StateLattice.Size"/>.</exception>
    public EmissionBatch(int batchSize, int maxLength, int stateCount, float[]? storage) : base(batchSize, maxLength, stateCount, storage)
    {
    }

    /// <summary>Builds a batch from per-sequence log-likelihood arrays <c>[length, states]</c>.</summary>
    public static EmissionBatch FromLogLikelihoods(params float[][,] sequences)
    {
        Guard.NotNull(sequences, nameof(sequences));
        if (sequences.Length == 0) throw new ArgumentException("sequences is empty: a batch needs at least one sequence.", nameof(sequences));
        int maxLength = 0, states = -1;
        for (int b = 0; b < sequences.Length; b++)
        {
            var s = sequences[b] ?? throw new ArgumentNullException(nameof(sequences), $"sequences[{b}] is null.");
            if (states < 0) states = s.GetLength(1);
            else if (s.GetLength(1) != states)
                throw new ArgumentException($"sequences[{b}] has {s.GetLength(1)} states, expected {states} like sequences[0].", nameof(sequences));
            maxLength = Math.Max(maxLength, s.GetLength(0));
        }
        if (states <= 0) throw new ArgumentException("sequences have zero states.", nameof(sequences));
        var batch = new EmissionBatch(sequences.Length, maxLength, states);
        for (int b = 0; b < sequences.Length; b++)
        {
            var s = sequences[b];
            batch.SetLength(b, s.GetLength(0));
            for (int t = 0; t < s.GetLength(0); t++)
            {
                var row = batch.Frame(b, t);
                for (int j = 0; j < states; j++) row[j] = s[t, j];
            }
        }
        return batch;
    }

    /// <summary>Throws when a log-likelihood inside a sequence's length is NaN or +infinity.</summary>
    internal void Validate(string name)
    {
        for (int b = 0; b < BatchSize; b++)
        {
            int length = Lengths[b];
            // A register at a time first (the padding lanes are -infinity); the scalar loop only finds what to name.
            if (Guard.NoNaNOrPositiveInfinity(Data.AsSpan(Offset(b, 0), length * Stride))) continue;
            for (int t = 0; t < length; t++)
            {
                var row = Data.AsSpan(Offset(b, t), StateCount);
                for (int j = 0; j < row.Length; j++)
                {
                    float v = row[j];
                    if (float.IsNaN(v) || float.IsPositiveInfinity(v))
                        throw new ArgumentException($"{name}: sequence {b}, frame {t}, state {j} is {v}; log-likelihoods must be finite or -infinity.", name);
                }
            }
        }
    }
}

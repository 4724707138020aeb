using System;
using Hmm.Simd;

namespace Hmm;

/// <summary>
/// Transitions given per frame (a neural HMM: a network emits each frame's transition log-probabilities), for a batch of
/// sequences: frame t's table holds <c>log P(state_t = j | state_{t-1} = i)</c>, the step from frame t - 1 into frame t, so
/// frame 0's table is never read; frame 0 draws its state from the per-sequence initial log distribution
/// (<see cref="LogInitial"/>). Dense tables hold any i → j; banded ones only i → i + d for d in [0, <see cref="Bandwidth"/>).
/// The engines (<see cref="ITimeVaryingEngine"/>) run the same recursions as for <see cref="HmmModel"/>, reading frame t's
/// table at the step into t.
/// </summary>
/// <remarks>
/// <para>Layout (what <see cref="Frame"/> exposes): <c>[batch, maxLength, rows, stride]</c> floats,
/// <c>stride</c> = the state count padded to <see cref="SimdCapabilities.MaxLaneCount"/> (padding lanes -infinity). Dense:
/// rows = N, row i = the "from" state, column j = the "to" state (so an unpadded <c>[B, T, N, N]</c> tensor with N a multiple
/// of 16 is this layout as it is). Banded: rows = W, row d, column j = <c>log P(j - d → j)</c> (indexed by destination, what
/// the forward step reads); entries with j - d &lt; 0 are -infinity.</para>
/// <para>Checks: when <see cref="Normalised"/> (the default) every engine call checks, for each sequence and frame inside its
/// length, that the rows of the states that can be occupied at frame t - 1 (reachable from the initial distribution
/// through the earlier tables, whatever the emissions) sum to one in probability space within 1e-3: a row of a reachable
/// state that is all -infinity fails, a row of a state that cannot be occupied may be anything but NaN or +infinity. NaN
/// and +infinity fail everywhere inside the lengths. Unnormalised tables (<c>normalised: false</c>: weights, not
/// probabilities) skip the row sums; the recursions never assume stochastic rows.</para>
/// </remarks>
public sealed class TimeVaryingTransitions
{
    private readonly float[] _data;
    private readonly float[] _initial;

    private TimeVaryingTransitions(int batchSize, int maxLength, int stateCount, TransitionLayout layout, int bandwidth, bool normalised, float[]? storage)
    {
        Guard.Positive(batchSize, nameof(batchSize));
        Guard.NonNegative(maxLength, nameof(maxLength));
        Guard.Positive(stateCount, nameof(stateCount));
        if (layout == TransitionLayout.Banded && (bandwidth <= 0 || bandwidth > stateCount))
            throw new ArgumentOutOfRangeException(nameof(bandwidth), bandwidth, $"bandwidth must be in [1, {stateCount}] (the state count).");
        BatchSize = batchSize;
        MaxLength = maxLength;
        StateCount = stateCount;
        Layout = layout;
        Bandwidth = layout == TransitionLayout.Banded ? bandwidth : stateCount;
        Stride = SimdCapabilities.Pad(stateCount);
        Normalised = normalised;
        long total = (long)batchSize * maxLength * TableRows * Stride;
        if (total > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(maxLength), $"the tables of {total} floats exceed one array; split the batch.");
        if (storage is not null && storage.Length < total)
            throw new ArgumentException($"storage holds {storage.Length} floats but the tables need {total} (Size).", nameof(storage));
        _data = storage ?? new float[total];
        _data.AsSpan(0, (int)total).Fill(float.NegativeInfinity);
        _initial = new float[(long)batchSize * Stride];
        _initial.AsSpan().Fill(float.NegativeInfinity);
        float uniform = -MathF.Log(stateCount);
        for (int b = 0; b < batchSize; b++) _initial.AsSpan(b * Stride, stateCount).Fill(uniform);
    }

    /// <summary>
    /// Dense per-frame tables for <paramref name="batchSize"/> sequences of up to <paramref name="maxLength"/> frames, every
    /// entry -infinity (fill them through <see cref="Frame"/> or the indexer) and every initial distribution uniform.
    /// </summary>
    /// <param name="batchSize">Sequences B.</param>
    /// <param name="maxLength">Frames per sequence T (at least the emissions' longest sequence).</param>
    /// <param name="stateCount">States N.</param>
    /// <param name="normalised">Whether the engines check that rows are stochastic (see the remarks of the type).</param>
    /// <param name="storage">The array to lay the tables over (null: allocated), at least <see cref="Size"/> floats; its first
    /// <see cref="Size"/> floats are filled with -infinity.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the tables exceed one array.</exception>
    /// <exception cref="ArgumentException"><paramref name="storage"/> is too short.</exception>
    public static TimeVaryingTransitions Dense(int batchSize, int maxLength, int stateCount, bool normalised = true, float[]? storage = null) =>
        new(batchSize, maxLength, stateCount, TransitionLayout.Dense, stateCount, normalised, storage);

    /// <summary>
    /// Banded per-frame tables: state i reaches i + d for d in [0, <paramref name="bandwidth"/>) only (left-to-right
    /// graphs), O(N·W) a frame; every entry -infinity and every initial distribution uniform until set.
    /// </summary>
    /// <param name="batchSize">Sequences B.</param>
    /// <param name="maxLength">Frames per sequence T.</param>
    /// <param name="stateCount">States N.</param>
    /// <param name="bandwidth">W, the self-loop included (1 .. N).</param>
    /// <param name="normalised">Whether the engines check that rows are stochastic.</param>
    /// <param name="storage">The array to lay the tables over (null: allocated).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, the bandwidth is outside [1, N], or the tables exceed one array.</exception>
    /// <exception cref="ArgumentException"><paramref name="storage"/> is too short.</exception>
    public static TimeVaryingTransitions Banded(int batchSize, int maxLength, int stateCount, int bandwidth, bool normalised = true, float[]? storage = null) =>
        new(batchSize, maxLength, stateCount, TransitionLayout.Banded, bandwidth, normalised, storage);

    /// <summary>Floats of the tables' layout: <c>batchSize · maxLength · rows · </c> the padded stride (rows = N dense, W banded).</summary>
    public static long Size(int batchSize, int maxLength, int stateCount, int rows) => (long)batchSize * maxLength * rows * SimdCapabilities.Pad(stateCount);

    /// <summary>Sequences B.</summary>
    public int BatchSize { get; }

    /// <summary>Frames reserved per sequence.</summary>
    public int MaxLength { get; }

    /// <summary>States N.</summary>
    public int StateCount { get; }

    /// <summary>Dense or banded.</summary>
    public TransitionLayout Layout { get; }

    /// <summary>W for banded tables; N for dense ones.</summary>
    public int Bandwidth { get; }

    /// <summary>Rows of one frame's table: N dense, W banded.</summary>
    public int TableRows => Bandwidth;

    /// <summary>Floats between rows: N padded to the widest SIMD register.</summary>
    public int Stride { get; }

    /// <summary>Floats between consecutive frames' tables (<see cref="TableRows"/> · <see cref="Stride"/>).</summary>
    public int FrameSize => TableRows * Stride;

    /// <summary>Whether the engines check that the rows are stochastic (see the remarks of the type).</summary>
    public bool Normalised { get; }

    /// <summary>
    /// Frame <paramref name="frame"/>'s table of sequence <paramref name="index"/>, <c>[rows, stride]</c> as the type's remarks
    /// lay it out (dense: row = from, column = to; banded: row = d, column = destination j, <c>log P(j - d → j)</c>), padding
    /// included (keep it -infinity).
    /// </summary>
    public Span<float> Frame(int index, int frame)
    {
        CheckFrame(index, frame);
        return _data.AsSpan(Offset(index, frame), FrameSize);
    }

    /// <summary>log P(state_t = <paramref name="to"/> | state_{t-1} = <paramref name="from"/>) at frame t = <paramref name="frame"/>; -infinity outside a band.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range, or (setting) a banded entry outside the band.</exception>
    public float this[int index, int frame, int from, int to]
    {
        get
        {
            CheckFrame(index, frame);
            CheckState(from, nameof(from));
            CheckState(to, nameof(to));
            int d = to - from;
            if (Layout == TransitionLayout.Dense) return _data[Offset(index, frame) + from * Stride + to];
            return d >= 0 && d < Bandwidth ? _data[Offset(index, frame) + d * Stride + to] : float.NegativeInfinity;
        }
        set
        {
            CheckFrame(index, frame);
            CheckState(from, nameof(from));
            CheckState(to, nameof(to));
            if (Layout == TransitionLayout.Dense)
            {
                _data[Offset(index, frame) + from * Stride + to] = value;
                return;
            }
            int d = to - from;
            if (d < 0 || d >= Bandwidth)
                throw new ArgumentOutOfRangeException(nameof(to), to, $"{from} → {to} lies outside the band [0, {Bandwidth}).");
            _data[Offset(index, frame) + d * Stride + to] = value;
        }
    }

    /// <summary>Sequence <paramref name="index"/>'s initial log distribution (N values; uniform until set).</summary>
    public Span<float> LogInitial(int index)
    {
        if ((uint)index >= (uint)BatchSize) throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {BatchSize}).");
        return _initial.AsSpan(index * Stride, StateCount);
    }

    /// <summary>Sets every sequence's initial log distribution to <paramref name="logInitial"/> (a shared start).</summary>
    /// <exception cref="ArgumentException">Its length is not the state count.</exception>
    public void SetLogInitial(ReadOnlySpan<float> logInitial)
    {
        if (logInitial.Length != StateCount)
            throw new ArgumentException($"logInitial has {logInitial.Length} entries but the tables have {StateCount} states.", nameof(logInitial));
        for (int b = 0; b < BatchSize; b++) logInitial.CopyTo(_initial.AsSpan(b * Stride, StateCount));
    }

    /// <summary>
    /// Sets frames 1 .. <see cref="MaxLength"/> - 1 of every sequence to <paramref name="model"/>'s transitions and every
    /// initial distribution to its own: the time-invariant model as per-frame tables (its layout must match).
    /// </summary>
    /// <exception cref="ArgumentException">The model's states or layout (or bandwidth) differ.</exception>
    public void FillFrom(HmmModel model)
    {
        Guard.NotNull(model, nameof(model));
        var tr = model.Transitions;
        if (tr.StateCount != StateCount || tr.Layout != Layout || tr.TableRows != TableRows)
            throw new ArgumentException($"the model has {tr.StateCount} states, {tr.Layout} layout and {tr.TableRows} table rows; the tables have {StateCount}, {Layout} and {TableRows}.", nameof(model));
        SetLogInitial(model.LogInitial);
        var into = tr.IntoTable;
        for (int b = 0; b < BatchSize; b++)
            for (int t = 1; t < MaxLength; t++) into.AsSpan(0, FrameSize).CopyTo(_data.AsSpan(Offset(b, t), FrameSize));
    }

    internal float[] Data => _data;

    /// <summary>
    /// Frames 1 .. <paramref name="length"/> - 1 of sequence <paramref name="index"/> in the backward step's layout into
    /// <paramref name="destination"/> (<c>[length, rows, stride]</c>, frame 0 left as it is): dense, the transpose (row j =
    /// log P(i → j) over source i); banded, row d over source i (<c>log P(i → i + d)</c>), -infinity where i + d ≥ N.
    /// </summary>
    internal void CopyOutOf(int index, int length, Span<float> destination)
    {
        int n = StateCount, stride = Stride, rows = TableRows, size = FrameSize;
        for (int t = 1; t < length; t++)
        {
            var into = _data.AsSpan(Offset(index, t), size);
            var outOf = destination.Slice(t * size, size);
            outOf.Fill(float.NegativeInfinity);
            if (Layout == TransitionLayout.Dense)
            {
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < n; j++) outOf[j * stride + i] = into[i * stride + j];
            }
            else
            {
                for (int d = 0; d < rows; d++)
                    for (int i = 0; i + d < n; i++) outOf[d * stride + i] = into[d * stride + i + d];
            }
        }
    }

    /// <summary>
    /// Moves a banded table of counts from the out-of layout (row d over source i) to the tables' layout (row d over
    /// destination j = i + d) in place; lanes with no source become 0.
    /// </summary>
    internal static void BandToInto(Span<float> table, int rows, int stride)
    {
        for (int d = 1; d < rows; d++)
        {
            var row = table.Slice(d * stride, stride);
            for (int j = stride - 1; j >= d; j--) row[j] = row[j - d];
            row.Slice(0, d).Clear();
        }
    }

    internal float[] InitialData => _initial;

    internal int Offset(int index, int frame) => (index * MaxLength + frame) * FrameSize;

    private void CheckFrame(int index, int frame)
    {
        if ((uint)index >= (uint)BatchSize) throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {BatchSize}).");
        if ((uint)frame >= (uint)MaxLength) throw new ArgumentOutOfRangeException(nameof(frame), frame, $"frame must be in [0, {MaxLength}).");
    }

    private void CheckState(int state, string name)
    {
        if ((uint)state >= (uint)StateCount) throw new ArgumentOutOfRangeException(name, state, $"{name} must be in [0, {StateCount}).");
    }
}

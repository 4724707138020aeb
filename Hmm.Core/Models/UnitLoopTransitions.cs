using System;
using Hmm.Simd;

namespace Hmm;

/// <summary>
/// A loop of left-to-right units (phones, syllables, words of one length): U units of S states each, state
/// <c>u·S + k</c>. Inside a unit a state stays (self-loop) or moves to the next; the last state stays or leaves, and
/// leaving enters the first state of unit q with probability <c>P(q | u)</c> (the unit's own first state included).
/// The engines see it as a dense matrix (<see cref="TransitionLayout.Dense"/>); the online decoder takes the
/// structured step: a two-row band over the states plus a U×U step over the units, O(N + U²) a frame instead of O(N²).
/// </summary>
public sealed class UnitLoopTransitions : TransitionModel
{
    // The dense form the batch engines read: N² floats in four tables, made only when an engine asks (a long script's
    // loop has thousands of states; the online decoder never needs it).
    private readonly Lazy<DenseTransitions> _dense;

    /// <summary>
    /// The loop of <paramref name="units"/> units of <paramref name="statesPerUnit"/> states with the self-loop
    /// probability of every state (<paramref name="selfLoops"/>, U·S values in (0, 1)) and the unit transitions
    /// <paramref name="unitLogProbabilities"/>[u, q] = log P(q | u leaves) (rows sum to one).
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive, the self-loops are not U·S probabilities below 1, or the unit table is not a U×U table of log-probability rows.</exception>
    public UnitLoopTransitions(int units, int statesPerUnit, ReadOnlySpan<float> selfLoops, float[,] unitLogProbabilities)
        : base(CheckedCount(units, statesPerUnit))
    {
        Guard.NotNull(unitLogProbabilities, nameof(unitLogProbabilities));
        if (selfLoops.Length != units * statesPerUnit)
            throw new ArgumentException($"selfLoops has {selfLoops.Length} values but {units} units x {statesPerUnit} states need {units * statesPerUnit}.", nameof(selfLoops));
        if (unitLogProbabilities.GetLength(0) != units || unitLogProbabilities.GetLength(1) != units)
            throw new ArgumentException($"unitLogProbabilities must be {units}x{units}; got {unitLogProbabilities.GetLength(0)}x{unitLogProbabilities.GetLength(1)}.", nameof(unitLogProbabilities));
        for (int i = 0; i < selfLoops.Length; i++)
            if (!(selfLoops[i] >= 0f && selfLoops[i] < 1f))
                throw new ArgumentException($"selfLoops[{i}] = {selfLoops[i]} is not a probability below 1.", nameof(selfLoops));
        Units = units;
        StatesPerUnit = statesPerUnit;
        UnitStride = SimdCapabilities.Pad(units);
        int stride = PaddedStateCount;
        // Band rows: offset 0 (stay) and offset 1 (from the previous state of the same unit), per destination.
        BandTable = new float[2 * stride];
        BandTable.AsSpan().Fill(float.NegativeInfinity);
        LogLeave = new float[units];
        UnitTable = new float[units * UnitStride];
        UnitTable.AsSpan().Fill(float.NegativeInfinity);
        var row = new float[units];
        for (int u = 0; u < units; u++)
        {
            for (int q = 0; q < units; q++) row[q] = unitLogProbabilities[u, q];
            Guard.LogValues(row, nameof(unitLogProbabilities));
            Guard.LogRowSumsToOne(row, nameof(unitLogProbabilities), $"row {u}");
            row.AsSpan().CopyTo(UnitTable.AsSpan(u * UnitStride, units));
        }
        for (int u = 0; u < units; u++)
        {
            for (int k = 0; k < statesPerUnit; k++)
            {
                int j = u * statesPerUnit + k;
                BandTable[j] = MathF.Log(selfLoops[j]);
                if (k < statesPerUnit - 1) BandTable[stride + j + 1] = MathF.Log(1 - selfLoops[j]);
            }
            LogLeave[u] = MathF.Log(1 - selfLoops[u * statesPerUnit + statesPerUnit - 1]);
        }
        ScaledUnitTable = Engine.Definitions.ScaledTable(UnitTable, units, UnitStride);
        _dense = new Lazy<DenseTransitions>(Dense, System.Threading.LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private DenseTransitions Dense()
    {
        int n = StateCount;
        var logs = new float[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) logs[i, j] = LogProbability(i, j);
        return DenseTransitions.FromLogProbabilities(logs);
    }

    private static int CheckedCount(int units, int statesPerUnit)
    {
        Guard.Positive(units, nameof(units));
        Guard.Positive(statesPerUnit, nameof(statesPerUnit));
        if (statesPerUnit < 2 && units > 0)
        {
            // One state per unit would make a unit's only state both its entry and its exit: the band and the unit step
            // would both hold its self-loop. Not needed for phones; refused rather than handled twice.
            throw new ArgumentException("A unit needs at least two states.", nameof(statesPerUnit));
        }
        return units * statesPerUnit;
    }

    /// <summary>Units U.</summary>
    public int Units { get; }

    /// <summary>States per unit S.</summary>
    public int StatesPerUnit { get; }

    /// <summary>U padded to the widest lane: the stride of <see cref="UnitTable"/>.</summary>
    internal int UnitStride { get; }

    /// <summary>[2, stride]: row 0 log P(j → j), row 1 log P(j - 1 → j) inside a unit (-infinity into a unit's first state).</summary>
    internal float[] BandTable { get; }

    /// <summary>[U]: log P(the last state of unit u leaves).</summary>
    internal float[] LogLeave { get; }

    /// <summary>[U, UnitStride]: log P(q | u leaves).</summary>
    internal float[] UnitTable { get; }

    /// <summary>The scaled form of <see cref="UnitTable"/> for the forward unit step (<see cref="Engine.Definitions.ScaledTable"/>: [U + 1, UnitStride]).</summary>
    internal float[] ScaledUnitTable { get; }

    /// <inheritdoc/>
    public override TransitionLayout Layout => TransitionLayout.Dense;

    /// <inheritdoc/>
    public override int TableRows => StateCount;

    internal override float[] IntoTable => _dense.Value.IntoTable;
    internal override float[] OutOfTable => _dense.Value.OutOfTable;
    internal override float[]? ScaledIntoTable => _dense.Value.ScaledIntoTable;
    internal override float[]? ScaledOutOfTable => _dense.Value.ScaledOutOfTable;

    /// <inheritdoc/>
    public override float LogProbability(int from, int to)
    {
        CheckIndex(from, StateCount, nameof(from));
        CheckIndex(to, StateCount, nameof(to));
        int s = StatesPerUnit, u = from / s, k = from % s;
        if (to == from) return BandTable[from];
        if (k < s - 1) return to == from + 1 ? BandTable[PaddedStateCount + to] : float.NegativeInfinity;
        return to % s == 0 ? LogLeave[u] + UnitTable[u * UnitStride + to / s] : float.NegativeInfinity;
    }
}

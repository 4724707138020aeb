using System.Runtime.CompilerServices;
using Hmm.Simd;

namespace Hmm.Engine;

/// <summary>
/// A semiring as the recursions use it: <c>⊕</c> over candidate paths into a state. Written as two passes so
/// that log-sum-exp stays exact (pass one: running maximum; pass two, when <see cref="NeedsSumPass"/>:
/// Σ exp(candidate - max)) while max-plus finishes after pass one and also tracks the arg-max.
/// </summary>
/// <remarks>Instance members on a struct (called on <c>default(TS)</c>) compile on netstandard2.1 and in ILGPU kernels.</remarks>
public interface ISemiring
{
    /// <summary>True when <see cref="Finish{TL, TV}"/> needs Σ exp(candidate - max) from a second pass.</summary>
    bool NeedsSumPass { get; }

    /// <summary>Folds one candidate into the running best; <paramref name="arg"/> follows the best's index where the semiring keeps one.</summary>
    TV Accumulate<TL, TV>(TV best, TV candidate, ref TV arg, TV index) where TL : struct, ILane<TV> where TV : struct;

    /// <summary>The ⊕ of all candidates from the running max and (if needed) the shifted sum of exponentials.</summary>
    TV Finish<TL, TV>(TV best, TV sumOfExp) where TL : struct, ILane<TV> where TV : struct;
}

/// <summary>The log semiring: ⊕ = log-sum-exp, ⊗ = +. Forward and backward.</summary>
public readonly struct LogSumExp : ISemiring
{
    /// <inheritdoc/>
    public bool NeedsSumPass => true;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Accumulate<TL, TV>(TV best, TV candidate, ref TV arg, TV index) where TL : struct, ILane<TV> where TV : struct
        => default(TL).Max(best, candidate);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Finish<TL, TV>(TV best, TV sumOfExp) where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        // best = -inf means no path: the sum pass used a shift of 0 and summed zeros, log(0) = -inf, so best + log = -inf.
        return l.Select(l.IsFinite(best), l.Add(best, l.Log(sumOfExp)), best);
    }
}

/// <summary>The tropical semiring: ⊕ = max (keeping the first arg-max), ⊗ = +. Viterbi.</summary>
public readonly struct MaxPlus : ISemiring
{
    /// <inheritdoc/>
    public bool NeedsSumPass => false;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Accumulate<TL, TV>(TV best, TV candidate, ref TV arg, TV index) where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        var better = l.GreaterThan(candidate, best); // strict: ties keep the lowest source index
        arg = l.Select(better, index, arg);
        return l.Select(better, candidate, best);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Finish<TL, TV>(TV best, TV sumOfExp) where TL : struct, ILane<TV> where TV : struct => best;
}

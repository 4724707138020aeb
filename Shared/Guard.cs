using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Hmm;

/// <summary>Argument checks shared by every public entry point: each names the argument and the problem.</summary>
internal static class Guard
{
    /// <summary>Tolerance on |sum - 1| for probability rows given as logs (float rounding of user tables).</summary>
    public const double RowSumTolerance = 1e-3;

    public static void NotNull(object? value, string name)
    {
        if (value is null) throw new ArgumentNullException(name);
    }

    public static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
    }

    public static void NonNegative(int value, string name)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must not be negative.");
    }

    /// <summary>Rejects NaN and +inf; -inf (log 0) is allowed when <paramref name="allowNegativeInfinity"/>.</summary>
    public static void LogValues(ReadOnlySpan<float> values, string name, bool allowNegativeInfinity = true)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (float.IsNaN(v)) throw new ArgumentException($"{name} contains NaN at flat index {i}.", name);
            if (float.IsPositiveInfinity(v)) throw new ArgumentException($"{name} contains +infinity at flat index {i}; log-probabilities must be <= 0 or -infinity.", name);
            if (!allowNegativeInfinity && float.IsNegativeInfinity(v)) throw new ArgumentException($"{name} contains -infinity at flat index {i}.", name);
        }
    }

    /// <summary>Rejects NaN and infinities.</summary>
    public static void Finite(ReadOnlySpan<float> values, string name)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!IsFinite(values[i])) throw new ArgumentException($"{name} contains a non-finite value ({values[i]}) at flat index {i}.", name);
        }
    }

    public static bool IsFinite(float v) => v - v == 0f;

    /// <summary>True when every value is finite, checked a SIMD register at a time (x - x is 0 exactly for finite x, NaN otherwise).</summary>
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        var zero = Vector<float>.Zero;
        for (int i = 0; i < vectors.Length; i++)
        {
            var v = vectors[i];
            if (!Vector.EqualsAll(v - v, zero)) return false;
        }
        for (int i = vectors.Length * Vector<float>.Count; i < values.Length; i++)
        {
            if (!IsFinite(values[i])) return false;
        }
        return true;
    }

    /// <summary>No NaN (v == v fails) and no +infinity: log-likelihoods may be -infinity. A register at a time.</summary>
    public static bool NoNaNOrPositiveInfinity(ReadOnlySpan<float> values)
    {
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        var infinity = new Vector<float>(float.PositiveInfinity);
        for (int i = 0; i < vectors.Length; i++)
        {
            var v = vectors[i];
            if (!Vector.EqualsAll(v, v) || Vector.EqualsAny(v, infinity)) return false;
        }
        for (int i = vectors.Length * Vector<float>.Count; i < values.Length; i++)
        {
            float x = values[i];
            if (float.IsNaN(x) || float.IsPositiveInfinity(x)) return false;
        }
        return true;
    }

    /// <summary>Checks that exp(logs) sums to one within <see cref="RowSumTolerance"/>.</summary>
    public static void LogRowSumsToOne(ReadOnlySpan<float> logs, string name, string what)
    {
        double sum = 0;
        for (int i = 0; i < logs.Length; i++)
        {
            if (logs[i] > 1e-6f) throw new ArgumentException($"{name}: {what} has a log-probability above 0 ({logs[i]}).", name);
            sum += Math.Exp(logs[i]);
        }
        if (Math.Abs(sum - 1.0) > RowSumTolerance)
            throw new ArgumentException($"{name}: {what} sums to {sum:G6} in probability space, not 1 (tolerance {RowSumTolerance}).", name);
    }
}

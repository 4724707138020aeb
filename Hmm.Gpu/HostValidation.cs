using System;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using Hmm.Primitives;

namespace Hmm.Gpu;

/// <summary>
/// Fast host-side input checks: the same rules as Hmm.Core's (features finite; log-likelihoods not NaN or +inf), run
/// with SIMD and, for large batches, on several threads. Only when a check fails does the engine call Hmm.Core's
/// checker, which finds the offending value and throws its usual message. On a batch of 4,096 × 1,000 × 80 features
/// the scalar check took a third of a second on the GPU host, as long as the upload itself.
/// </summary>
internal static class HostValidation
{
    private const int ParallelThreshold = 1 << 22;

    /// <summary>True when every feature inside every sequence's length is finite.</summary>
    public static bool FeaturesFinite(SequenceBatch features)
    {
        long total = (long)features.BatchSize * features.MaxLength * features.Dimension;
        if (total < ParallelThreshold)
        {
            for (int b = 0; b < features.BatchSize; b++)
                if (!AllFinite(features.Sequence(b))) return false;
            return true;
        }
        bool ok = true;
        Parallel.For(0, features.BatchSize, (b, state) =>
        {
            if (!AllFinite(features.Sequence(b)))
            {
                ok = false;
                state.Stop();
            }
        });
        return ok;
    }

    /// <summary>True when no log-likelihood inside a sequence's length (padding lanes included, which hold -inf) is NaN or +inf.</summary>
    public static bool EmissionsValid(EmissionBatch emissions)
    {
        long total = (long)emissions.BatchSize * emissions.MaxLength * emissions.Stride;
        if (total < ParallelThreshold)
        {
            for (int b = 0; b < emissions.BatchSize; b++)
                if (!NoNaNOrPositiveInfinity(Rows(emissions, b))) return false;
            return true;
        }
        bool ok = true;
        Parallel.For(0, emissions.BatchSize, (b, state) =>
        {
            if (!NoNaNOrPositiveInfinity(Rows(emissions, b)))
            {
                ok = false;
                state.Stop();
            }
        });
        return ok;
    }

    private static ReadOnlySpan<float> Rows(EmissionBatch emissions, int b) =>
        emissions.Data.AsSpan(emissions.Offset(b, 0), emissions.Lengths[b] * emissions.Stride);

    /// <summary>x - x is 0 exactly for finite x and NaN for NaN and ±inf (Hmm.Core's check, a register at a time).</summary>
    public static bool AllFinite(ReadOnlySpan<float> values) => Guard.AllFinite(values);

    /// <summary>No NaN and no +inf (<see cref="Guard.NoNaNOrPositiveInfinity"/>).</summary>
    public static bool NoNaNOrPositiveInfinity(ReadOnlySpan<float> values) => Guard.NoNaNOrPositiveInfinity(values);
}

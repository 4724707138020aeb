using System;
using System.Diagnostics;
using System.Threading;

namespace Hmm.Speech;

/// <summary>The stages of a <see cref="ForcedAligner"/> call, in the order they run.</summary>
public enum AlignmentStage
{
    /// <summary>
    /// Cutting recordings longer than <see cref="ForcedAlignerOptions.SplitLongerThanSeconds"/> into pieces (features, a
    /// free phone recogniser and its match with the transcript); nothing for shorter ones.
    /// </summary>
    Splitting,

    /// <summary>Feature extraction (MFCC, deltas, normalisation), all utterances in parallel.</summary>
    Features,

    /// <summary>Building each batch's alignment graph and its ties to the model's states.</summary>
    Graphs,

    /// <summary>Forward-backward over the graphs and the adaptation statistics (the backend's passes).</summary>
    AdaptationPosteriors,

    /// <summary>The mean update of each adaptation round (MAP, and MLLR when asked for) on the host.</summary>
    AdaptationUpdate,

    /// <summary>The final pass: Viterbi paths and posterior-mean boundaries (the backend's pass).</summary>
    FinalPass,

    /// <summary>Turning paths and boundary expectations into segments, offsets subtracted.</summary>
    Segments,
}

/// <summary>
/// Wall time spent in each <see cref="AlignmentStage"/> of <see cref="ForcedAligner"/> calls, summed over the calls given
/// the same instance. Backend stages include the backend's own transfers and waits; the stages run one after another,
/// so they add up to a call's wall time less a little bookkeeping.
/// </summary>
public sealed class AlignmentTimings
{
    private readonly long[] _ticks = new long[(int)AlignmentStage.Segments + 1];

    /// <summary>The time spent in <paramref name="stage"/>.</summary>
    public TimeSpan this[AlignmentStage stage] => TimeSpan.FromSeconds(Interlocked.Read(ref _ticks[(int)stage]) / (double)Stopwatch.Frequency);

    /// <summary>The sum of all stages.</summary>
    public TimeSpan Total
    {
        get
        {
            var total = TimeSpan.Zero;
            for (int s = 0; s < _ticks.Length; s++) total += this[(AlignmentStage)s];
            return total;
        }
    }

    /// <summary>Sets every stage back to zero.</summary>
    public void Reset() => Array.Clear(_ticks, 0, _ticks.Length);

    /// <summary>Adds the time since <paramref name="since"/> (a <see cref="Stopwatch.GetTimestamp"/> value) to a stage; returns now.</summary>
    internal long Add(AlignmentStage stage, long since)
    {
        long now = Stopwatch.GetTimestamp();
        Interlocked.Add(ref _ticks[(int)stage], now - since);
        return now;
    }
}

using System;
using System.Diagnostics;
using System.Threading;

namespace Hmm.Alignment;

/// <summary>
/// Wall time spent in each stage of <see cref="ForcedAligner.Align(System.Collections.Generic.IReadOnlyList{AlignmentInput}, IProgress{int}?, AlignmentTimings?)"/>,
/// summed over calls (pass the same instance to several calls to total them). Engine stages include the engine's own
/// transfers and waits; the stages are sequential, so they add up to the call's wall time less a little bookkeeping.
/// </summary>
public sealed class AlignmentTimings
{
    private long _features, _warpSearch, _emissions, _graphs, _adaptPosteriors, _adaptUpdate, _viterbi, _boundaryPosteriors, _segments;

    /// <summary>Feature extraction (MFCC, deltas, normalisation), all utterances in parallel.</summary>
    public TimeSpan Features => Span(_features);

    /// <summary>VTLN warp search (<see cref="ForcedAlignerOptions.WarpFactors"/>): emissions and forward scores of every warp (zero when off).</summary>
    public TimeSpan WarpSearch => Span(_warpSearch);

    /// <summary>GMM emissions of all phone states (engine), every round.</summary>
    public TimeSpan Emissions => Span(_emissions);

    /// <summary>Filling the per-batch alignment graphs from the state emissions, every round.</summary>
    public TimeSpan Graphs => Span(_graphs);

    /// <summary>Forward-backward over the graphs for the mean adaptation (engine).</summary>
    public TimeSpan AdaptationPosteriors => Span(_adaptPosteriors);

    /// <summary>Accumulating the adaptation statistics from the posteriors and building the adapted model.</summary>
    public TimeSpan AdaptationUpdate => Span(_adaptUpdate);

    /// <summary>The final Viterbi decode (engine).</summary>
    public TimeSpan Viterbi => Span(_viterbi);

    /// <summary>Forward-backward for the posterior-mean boundary placement (engine).</summary>
    public TimeSpan BoundaryPosteriors => Span(_boundaryPosteriors);

    /// <summary>Turning paths and posteriors into segments (boundary placement and offset correction).</summary>
    public TimeSpan Segments => Span(_segments);

    /// <summary>The sum of all stages.</summary>
    public TimeSpan Total => Features + WarpSearch + Emissions + Graphs + AdaptationPosteriors + AdaptationUpdate + Viterbi + BoundaryPosteriors + Segments;

    /// <summary>Sets every stage back to zero.</summary>
    public void Reset() => _features = _warpSearch = _emissions = _graphs = _adaptPosteriors = _adaptUpdate = _viterbi = _boundaryPosteriors = _segments = 0;

    internal enum Stage
    {
        Features,
        WarpSearch,
        Emissions,
        Graphs,
        AdaptationPosteriors,
        AdaptationUpdate,
        Viterbi,
        BoundaryPosteriors,
        Segments,
    }

    /// <summary>Adds the time since <paramref name="since"/> (a <see cref="Stopwatch.GetTimestamp"/> value) to a stage; returns now.</summary>
    internal long Add(Stage stage, long since)
    {
        long now = Stopwatch.GetTimestamp();
        long delta = now - since;
        switch (stage)
        {
            case Stage.Features: Interlocked.Add(ref _features, delta); break;
            case Stage.WarpSearch: Interlocked.Add(ref _warpSearch, delta); break;
            case Stage.Emissions: Interlocked.Add(ref _emissions, delta); break;
            case Stage.Graphs: Interlocked.Add(ref _graphs, delta); break;
            case Stage.AdaptationPosteriors: Interlocked.Add(ref _adaptPosteriors, delta); break;
            case Stage.AdaptationUpdate: Interlocked.Add(ref _adaptUpdate, delta); break;
            case Stage.Viterbi: Interlocked.Add(ref _viterbi, delta); break;
            case Stage.BoundaryPosteriors: Interlocked.Add(ref _boundaryPosteriors, delta); break;
            default: Interlocked.Add(ref _segments, delta); break;
        }
        return now;
    }

    private static TimeSpan Span(long ticks) => TimeSpan.FromSeconds(ticks / (double)Stopwatch.Frequency);
}

using System;
using System.Diagnostics;

namespace Hmm.Streaming;

/// <summary>
/// Per-hop timing of a <see cref="LipSyncProcessor"/>: a histogram of the time each analysis hop took (logarithmic
/// buckets, 2 % wide, from 0.1 µs to 1 s), its percentiles, the hops that took longer than their audio, and the bytes
/// the pushing thread allocated inside pushes. Recording allocates nothing; reading percentiles walks the histogram.
/// </summary>
public sealed class LipSyncMonitor
{
    private const double Ratio = 1.02;
    private const double MinMicroseconds = 0.1;
    private static readonly double LogRatio = Math.Log(Ratio);
    private readonly long[] _buckets = new long[(int)Math.Ceiling(Math.Log(1e6 / MinMicroseconds) / Math.Log(Ratio)) + 2];
    private readonly double _hopMicroseconds;
    private double _maxMicroseconds;

    internal LipSyncMonitor(double hopMilliseconds) => _hopMicroseconds = hopMilliseconds * 1000;

    /// <summary>Analysis hops timed.</summary>
    public long Hops { get; private set; }

    /// <summary>Hops whose processing took longer than the audio they cover (the stream would fall behind).</summary>
    public long Overruns { get; private set; }

    /// <summary>Samples that were NaN, infinite or beyond ±<see cref="LipSyncProcessor.MaxSample"/> and were taken as 0.</summary>
    public long InvalidSamples { get; internal set; }

    /// <summary>Committed segments dropped because the reader did not take them in time.</summary>
    public long DroppedSegments { get; internal set; }

    /// <summary>Bytes the pushing thread allocated inside pushes after the first (0 where the runtime does not count them).</summary>
    public long AllocatedBytes { get; internal set; }

    /// <summary>The longest hop, µs.</summary>
    public double MaxMicroseconds => _maxMicroseconds;

    /// <summary>The hop time below which <paramref name="percent"/> % of hops fall, µs (upper edge of its bucket; 0 before any hop).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percent"/> is not within 0 to 100.</exception>
    public double Percentile(double percent)
    {
        if (!(percent >= 0 && percent <= 100)) throw new ArgumentOutOfRangeException(nameof(percent), percent, "percent must be 0 to 100.");
        if (Hops == 0) return 0;
        long rank = (long)Math.Ceiling(percent / 100 * Hops);
        if (rank < 1) rank = 1;
        long seen = 0;
        for (int i = 0; i < _buckets.Length; i++)
        {
            seen += _buckets[i];
            if (seen >= rank) return Math.Min(_maxMicroseconds, MinMicroseconds * Math.Pow(Ratio, i));
        }
        return _maxMicroseconds;
    }

    /// <summary>Forgets every count.</summary>
    public void Reset()
    {
        Array.Clear(_buckets, 0, _buckets.Length);
        Hops = Overruns = InvalidSamples = DroppedSegments = AllocatedBytes = 0;
        _maxMicroseconds = 0;
    }

    internal void RecordHop(long stopwatchTicks)
    {
        double us = stopwatchTicks * 1e6 / Stopwatch.Frequency;
        int bucket = us <= MinMicroseconds ? 0 : Math.Min(_buckets.Length - 1, (int)Math.Ceiling(Math.Log(us / MinMicroseconds) / LogRatio));
        _buckets[bucket]++;
        Hops++;
        if (us > _hopMicroseconds) Overruns++;
        if (us > _maxMicroseconds) _maxMicroseconds = us;
    }
}

using System;

namespace Hmm.Streaming;

/// <summary>What one <see cref="AudioRingReader.Update"/> saw; several may come together.</summary>
[Flags]
public enum AudioRingEvents
{
    /// <summary>Nothing worth reporting.</summary>
    None = 0,
    /// <summary>The first position: reading starts here.</summary>
    Started = 1,
    /// <summary>The write position passed the end of the ring and started again (normal, every lap).</summary>
    Wrapped = 2,
    /// <summary>
    /// The writer overwrote samples that had not been read (the reader was called too late: a hitch, a scene load, a
    /// paused game), perhaps by whole laps, which only the clock shows; reading resynchronised to the newest audio.
    /// </summary>
    Overrun = 4,
    /// <summary>More audio was waiting than <see cref="AudioRingReader.MaxBacklogSamples"/>: the oldest was skipped to stay current.</summary>
    Resynced = 8,
    /// <summary>The write position has not moved for <see cref="AudioRingReader.StallSeconds"/> (a device unplugged or stopped).</summary>
    Stalled = 16,
    /// <summary>It moves again after a stall; reading resynchronised.</summary>
    Resumed = 32,
    /// <summary>
    /// Over the last <see cref="AudioRingReader.RateWindowSeconds"/> the writer ran more than
    /// <see cref="AudioRingReader.RateTolerance"/> away from the nominal rate against the caller's clock (a device that
    /// does not record at the rate asked, or a clock that drifts): <see cref="AudioRingReader.MeasuredRate"/> says how fast.
    /// </summary>
    RateMismatch = 64,
}

/// <summary>
/// Reads a looping ring buffer that another clock fills, such as Unity's microphone clip (<c>Microphone.Start</c> with
/// loop on, read with <c>Microphone.GetPosition</c> and <c>AudioClip.GetData</c>): given the write position and the time
/// each frame, it says which fixed-size chunks are new, with their sample-accurate index on the writer's clock, and
/// handles the ways such a reader goes wrong: the position wrapping, a reader late by more than the ring (even by whole
/// laps, seen from the elapsed time), a backlog that grows, a writer that stops, a writer whose real rate is not the
/// nominal one. Chunks never straddle the ring's end (the chunk size divides the ring), so each is one
/// <c>GetData</c> into one array sized at configuration. Allocates nothing. One thread at a time.
/// </summary>
public sealed class AudioRingReader
{
    private long _write;        // samples written, unwrapped (absolute index of the next sample the writer writes)
    private long _read;         // absolute index of the next sample to read: a multiple of the chunk
    private int _lastPosition = -1;
    private double _lastTime;
    private double _stillSince;
    private bool _stalled;
    private double _windowStart;
    private long _windowSamples;

    /// <summary>A reader of a ring of <paramref name="ringSamples"/> samples written at <paramref name="sampleRate"/>, in chunks of <paramref name="chunkSamples"/>.</summary>
    /// <param name="ringSamples">The ring's length in sample frames (a microphone clip's <c>samples</c>).</param>
    /// <param name="chunkSamples">Sample frames per read; must divide <paramref name="ringSamples"/> (<see cref="ChunkFor"/> picks one) and be at most half of it.</param>
    /// <param name="sampleRate">The writer's nominal rate, Hz.</param>
    /// <param name="maxBacklogSeconds">Audio allowed to wait unread before the oldest is skipped (more than a chunk, less than the ring).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or rate is not positive, or the backlog is out of range.</exception>
    /// <exception cref="ArgumentException">The chunk does not divide the ring, or is more than half of it.</exception>
    public AudioRingReader(int ringSamples, int chunkSamples, int sampleRate, double maxBacklogSeconds = 0.2)
    {
        if (ringSamples < 2) throw new ArgumentOutOfRangeException(nameof(ringSamples), ringSamples, "ringSamples must be at least 2.");
        if (chunkSamples < 1) throw new ArgumentOutOfRangeException(nameof(chunkSamples), chunkSamples, "chunkSamples must be positive.");
        if (sampleRate < 1) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "sampleRate must be positive.");
        if (ringSamples % chunkSamples != 0 || chunkSamples * 2 > ringSamples)
            throw new ArgumentException($"chunkSamples ({chunkSamples}) must divide ringSamples ({ringSamples}) and be at most half of it: a chunk must not straddle the ring's end.", nameof(chunkSamples));
        long backlog = (long)Math.Round(maxBacklogSeconds * sampleRate);
        if (!(maxBacklogSeconds > 0) || backlog < chunkSamples || backlog > ringSamples - chunkSamples)
            throw new ArgumentOutOfRangeException(nameof(maxBacklogSeconds), maxBacklogSeconds, $"maxBacklogSeconds must come to {chunkSamples} to {ringSamples - chunkSamples} samples at {sampleRate} Hz (a chunk to the ring less a chunk).");
        RingSamples = ringSamples;
        ChunkSamples = chunkSamples;
        SampleRate = sampleRate;
        MaxBacklogSamples = (int)backlog;
        MeasuredRate = sampleRate;
    }

    /// <summary>
    /// The largest chunk of at most <paramref name="targetMilliseconds"/> that divides <paramref name="ringSamples"/>
    /// (10 ms at 44.1 or 48 kHz is 441 or 480; at 22,050 Hz, 210).
    /// </summary>
    public static int ChunkFor(int ringSamples, int sampleRate, double targetMilliseconds = 10)
    {
        if (ringSamples < 2) throw new ArgumentOutOfRangeException(nameof(ringSamples), ringSamples, "ringSamples must be at least 2.");
        if (sampleRate < 1) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "sampleRate must be positive.");
        int target = (int)Math.Min(ringSamples / 2, Math.Max(1, Math.Floor(targetMilliseconds * sampleRate / 1000.0)));
        for (int c = target; c > 1; c--) if (ringSamples % c == 0) return c;
        return 1;
    }

    /// <summary>The ring's length, sample frames.</summary>
    public int RingSamples { get; }

    /// <summary>Sample frames per chunk.</summary>
    public int ChunkSamples { get; }

    /// <summary>The writer's nominal rate, Hz.</summary>
    public int SampleRate { get; }

    /// <summary>Unread audio allowed before the oldest is skipped, sample frames.</summary>
    public int MaxBacklogSamples { get; }

    /// <summary>How long an unmoving write position counts as a stall, seconds (default 0.5).</summary>
    public double StallSeconds { get; set; } = 0.5;

    /// <summary>How long the rate is measured over before it is compared with the nominal one, seconds (default 2).</summary>
    public double RateWindowSeconds { get; set; } = 2;

    /// <summary>The relative rate error beyond which <see cref="AudioRingEvents.RateMismatch"/> is reported (default 0.02: 2 %).</summary>
    public double RateTolerance { get; set; } = 0.02;

    /// <summary>The writer's rate measured over the last full window, Hz (the nominal rate before the first).</summary>
    public double MeasuredRate { get; private set; }

    /// <summary>Samples written so far, by the unwrapped count (laps lost in an overrun estimated from the clock).</summary>
    public long Written => _write;

    /// <summary>The absolute index of the next sample to read.</summary>
    public long ReadPosition => _read;

    /// <summary>Written but not yet read, sample frames.</summary>
    public long Backlog => _write - _read;

    /// <summary>Times the write position wrapped.</summary>
    public long Wraps { get; private set; }

    /// <summary>Overruns (<see cref="AudioRingEvents.Overrun"/>).</summary>
    public long Overruns { get; private set; }

    /// <summary>Resynchronisations for a long backlog (<see cref="AudioRingEvents.Resynced"/>).</summary>
    public long Resyncs { get; private set; }

    /// <summary>Samples never read: overwritten, or skipped to stay current.</summary>
    public long SkippedSamples { get; private set; }

    /// <summary>Stalls (<see cref="AudioRingEvents.Stalled"/>).</summary>
    public long Stalls { get; private set; }

    /// <summary>Whether the writer is stalled now.</summary>
    public bool IsStalled => _stalled;

    /// <summary>Forgets the ring's state: the next <see cref="Update"/> starts afresh (after restarting the device).</summary>
    public void Reset()
    {
        _lastPosition = -1;
        _write = _read = 0;
        _stalled = false;
        MeasuredRate = SampleRate;
    }

    /// <summary>
    /// Takes the writer's position now (<c>Microphone.GetPosition</c>) and the time on the caller's clock in seconds (a
    /// monotonic one: <c>Time.realtimeSinceStartupAsDouble</c>, <c>AudioSettings.dspTime</c>); returns what happened. Then
    /// read the new chunks with <see cref="TryNextChunk"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is not within the ring, or the time is not finite.</exception>
    public AudioRingEvents Update(int writePosition, double now)
    {
        if (writePosition < 0 || writePosition >= RingSamples)
            throw new ArgumentOutOfRangeException(nameof(writePosition), writePosition, $"writePosition must be 0 to {RingSamples - 1} (the ring's length less one).");
        if (double.IsNaN(now) || double.IsInfinity(now))
            throw new ArgumentOutOfRangeException(nameof(now), now, "now must be a finite time in seconds.");
        if (_lastPosition < 0)
        {
            _lastPosition = writePosition;
            _lastTime = _stillSince = _windowStart = now;
            _windowSamples = 0;
            _write = writePosition;
            _read = AlignDown(_write);
            return AudioRingEvents.Started;
        }
        var events = AudioRingEvents.None;
        double elapsed = Math.Max(0, now - _lastTime);
        long delta = (writePosition - _lastPosition + RingSamples) % RingSamples;
        // The position alone cannot tell a lap from none: the clock can. Laps the writer made unseen are whole rings of
        // what the elapsed time says it wrote beyond the visible step (never counted for a stalled writer).
        double expected = elapsed * MeasuredRate;
        long laps = delta == 0 && _stalled ? 0 : (long)Math.Max(0, Math.Floor((expected - delta) / RingSamples + 0.5));
        if (writePosition < _lastPosition || laps > 0)
        {
            events |= AudioRingEvents.Wrapped;
            Wraps += laps + (writePosition < _lastPosition ? 1 : 0);
        }
        long advance = delta + laps * RingSamples;
        _write += advance;
        _lastPosition = writePosition;
        _lastTime = now;

        if (advance == 0)
        {
            if (!_stalled && now - _stillSince >= StallSeconds)
            {
                _stalled = true;
                Stalls++;
                events |= AudioRingEvents.Stalled;
            }
        }
        else
        {
            _stillSince = now;
            if (_stalled)
            {
                // What came after a stall is no continuation of what came before it: start from the newest audio.
                _stalled = false;
                events |= AudioRingEvents.Resumed;
                Skip(AlignDown(_write));
                _windowStart = now;
                _windowSamples = 0;
                return events;
            }
        }

        if (!_stalled)
        {
            _windowSamples += advance;
            double window = now - _windowStart;
            if (window >= RateWindowSeconds)
            {
                MeasuredRate = _windowSamples / window;
                if (Math.Abs(MeasuredRate / SampleRate - 1) > RateTolerance) events |= AudioRingEvents.RateMismatch;
                _windowStart = now;
                _windowSamples = 0;
            }
        }

        long backlog = _write - _read;
        if (backlog > RingSamples - ChunkSamples)
        {
            // The writer is into the chunk being read or past it: what is left of the oldest audio is not what was written.
            Overruns++;
            events |= AudioRingEvents.Overrun;
            Skip(AlignDown(_write));
        }
        else if (backlog > MaxBacklogSamples)
        {
            Resyncs++;
            events |= AudioRingEvents.Resynced;
            Skip(AlignDown(_write));
        }
        return events;
    }

    /// <summary>
    /// The next unread chunk, if a whole one has been written: its offset in the ring (for <c>AudioClip.GetData(chunk,
    /// offset)</c>) and the absolute index of its first sample on the writer's clock. Allocates nothing.
    /// </summary>
    public bool TryNextChunk(out int offset, out long startSample)
    {
        if (_lastPosition < 0 || _write - _read < ChunkSamples)
        {
            offset = 0;
            startSample = 0;
            return false;
        }
        startSample = _read;
        offset = (int)(_read % RingSamples);
        _read += ChunkSamples;
        return true;
    }

    private long AlignDown(long sample) => sample - sample % ChunkSamples;

    private void Skip(long to)
    {
        if (to > _read)
        {
            SkippedSamples += to - _read;
            _read = to;
        }
    }
}

using System;
using System.Collections.Generic;

namespace Hmm.Streaming;

/// <summary>
/// Turns a sequence of per-frame shapes into mouth cues as Rhubarb Lip Sync presents its animation: a timeline in
/// whole centiseconds from 0, equal consecutive shapes merged into one cue, no zero-length cues, shapes reduced to the
/// target set (<c>--extendedShapes</c>: G to A, H to C, X to A when left out), and, for a given recording length, the
/// cues cut at that length (truncated to whole centiseconds) or the rest of it filled with the closed mouth.
/// Frame k covers <c>[k hop, (k + 1) hop)</c>; its bounds are rounded to the nearest centisecond (exact for a 10 ms hop,
/// Rhubarb's own frame). <see cref="Add(RhubarbShape)"/> allocates only when the cue list grows (give a capacity).
/// Not thread-safe.
/// </summary>
public sealed class MouthCueBuilder
{
    private readonly List<Run> _runs;
    private readonly RhubarbShapes.ShapeMask _target;

    /// <summary>Creates an empty builder.</summary>
    /// <param name="hopMs">Frame hop in milliseconds (10 for 100 frames a second).</param>
    /// <param name="extendedShapes">Rhubarb's <c>--extendedShapes</c>: which of G, H, X to keep (default all).</param>
    /// <param name="capacity">Cues to make room for at once.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="hopMs"/> is not positive and finite.</exception>
    /// <exception cref="ArgumentException"><paramref name="extendedShapes"/> has a character that is not a shape letter.</exception>
    public MouthCueBuilder(double hopMs, string extendedShapes = RhubarbShapes.AllExtendedShapes, int capacity = 64)
    {
        if (!(hopMs > 0) || double.IsInfinity(hopMs)) throw new ArgumentOutOfRangeException(nameof(hopMs), hopMs, "hopMs must be finite and positive.");
        _target = RhubarbShapes.ExtendedMask(extendedShapes);
        HopMs = hopMs;
        ExtendedShapes = extendedShapes;
        _runs = new List<Run>(Math.Max(capacity, 1));
    }

    /// <summary>The frame hop in milliseconds.</summary>
    public double HopMs { get; }

    /// <summary>The extended shapes kept (Rhubarb's <c>--extendedShapes</c>).</summary>
    public string ExtendedShapes { get; }

    /// <summary>Frames added since construction or <see cref="Reset"/>.</summary>
    public int FrameCount { get; private set; }

    /// <summary>Cues so far (the last one still open to extension).</summary>
    public int CueCount => _runs.Count;

    /// <summary>The closed mouth of the target set: X, or A when X is left out.</summary>
    public RhubarbShape RestShape => _target.Rest;

    /// <summary>Adds one frame's shape. Allocates nothing unless the cue list must grow.</summary>
    /// <param name="shape">The frame's shape (reduced to the target set).</param>
    public void Add(RhubarbShape shape)
    {
        RhubarbShapes.Index(shape);
        shape = _target.ToTarget(shape);
        long start = Boundary(FrameCount), end = Boundary(FrameCount + 1);
        FrameCount++;
        if (end <= start) return; // a frame shorter than half a centisecond may vanish, as a zero-length span does in Rhubarb's timeline
        int last = _runs.Count - 1;
        if (last >= 0 && _runs[last].Shape == shape && _runs[last].End == start)
            _runs[last] = new Run(_runs[last].Start, end, shape);
        else
            _runs.Add(new Run(start, end, shape));
    }

    /// <summary>Adds a frame for each shape, in order.</summary>
    /// <param name="shapes">Consecutive frames' shapes.</param>
    public void Add(ReadOnlySpan<RhubarbShape> shapes)
    {
        foreach (var shape in shapes) Add(shape);
    }

    /// <summary>Forgets every frame.</summary>
    public void Reset()
    {
        _runs.Clear();
        FrameCount = 0;
    }

    /// <summary>The cues up to the end of the last frame.</summary>
    public MouthCue[] ToCues()
    {
        var cues = new MouthCue[_runs.Count];
        for (int i = 0; i < cues.Length; i++) cues[i] = _runs[i].ToCue();
        return cues;
    }

    /// <summary>
    /// The cues of a recording <paramref name="durationSeconds"/> long, truncated to whole centiseconds as Rhubarb
    /// truncates it: cues past the end are cut, and time after the last frame is the closed mouth (<see cref="RestShape"/>).
    /// Pass the same length to the exporters (<see cref="DurationOf"/> gives Rhubarb's from a sample count).
    /// </summary>
    /// <param name="durationSeconds">The recording's length in seconds.</param>
    /// <exception cref="ArgumentOutOfRangeException">The length is negative, NaN or infinite.</exception>
    public MouthCue[] ToCues(double durationSeconds)
    {
        if (!(durationSeconds >= 0) || double.IsInfinity(durationSeconds))
            throw new ArgumentOutOfRangeException(nameof(durationSeconds), durationSeconds, "durationSeconds must be finite and not negative.");
        // The small allowance keeps a length that is already whole centiseconds (0.47 * 100 = 46.999…) from losing one.
        long total = (long)Math.Floor(durationSeconds * 100 + 1e-6);
        var cues = new List<MouthCue>(_runs.Count + 1);
        long end = 0;
        foreach (var run in _runs)
        {
            if (run.Start >= total) break;
            var clipped = new Run(run.Start, Math.Min(run.End, total), run.Shape);
            cues.Add(clipped.ToCue());
            end = clipped.End;
        }
        if (end < total)
        {
            var rest = _target.Rest;
            if (cues.Count > 0 && cues[cues.Count - 1].Shape == rest)
                cues[cues.Count - 1] = new Run(Centiseconds(cues[cues.Count - 1].Start), total, rest).ToCue();
            else
                cues.Add(new Run(end, total, rest).ToCue());
        }
        return cues.ToArray();
    }

    /// <summary>Cues from a whole frame sequence: a builder's <see cref="ToCues()"/>, or <see cref="ToCues(double)"/> with a length.</summary>
    /// <param name="frames">Consecutive frames' shapes.</param>
    /// <param name="hopMs">Frame hop in milliseconds.</param>
    /// <param name="durationSeconds">The recording's length, or null for the end of the last frame.</param>
    /// <param name="extendedShapes">Rhubarb's <c>--extendedShapes</c>.</param>
    public static MouthCue[] FromFrames(ReadOnlySpan<RhubarbShape> frames, double hopMs, double? durationSeconds = null, string extendedShapes = RhubarbShapes.AllExtendedShapes)
    {
        var builder = new MouthCueBuilder(hopMs, extendedShapes);
        builder.Add(frames);
        return durationSeconds is double d ? builder.ToCues(d) : builder.ToCues();
    }

    /// <summary>A recording's length as Rhubarb takes it: <c>100 * sampleCount / sampleRate</c> centiseconds in integer arithmetic (truncated), in seconds.</summary>
    /// <param name="sampleCount">Samples per channel.</param>
    /// <param name="sampleRate">Samples per second.</param>
    public static double DurationOf(long sampleCount, int sampleRate)
    {
        if (sampleCount < 0) throw new ArgumentOutOfRangeException(nameof(sampleCount), sampleCount, "sampleCount must not be negative.");
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "sampleRate must be positive.");
        return 100 * sampleCount / sampleRate / 100.0;
    }

    /// <summary>Frame boundary <paramref name="k"/> in whole centiseconds, to the nearest.</summary>
    private long Boundary(long k) => (long)Math.Round(k * HopMs / 10.0, MidpointRounding.AwayFromZero);

    private static long Centiseconds(double seconds) => RhubarbText.Centiseconds(seconds);

    private readonly struct Run(long start, long end, RhubarbShape shape)
    {
        public long Start { get; } = start;
        public long End { get; } = end;
        public RhubarbShape Shape { get; } = shape;

        public MouthCue ToCue() => new(Start / 100.0, End / 100.0, Shape);
    }
}

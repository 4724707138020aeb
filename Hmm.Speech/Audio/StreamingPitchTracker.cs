using System;

namespace Hmm.Speech.Audio;

/// <summary>One frame of a streamed pitch track.</summary>
/// <param name="Index">The frame's number since the stream began (frame k is centred at k × hop).</param>
/// <param name="F0">F0 in Hz; 0 when unvoiced.</param>
/// <param name="Periodicity">0..1: one minus the depth of the chosen dip of YIN's normalised difference.</param>
public readonly record struct PitchFrame(long Index, float F0, float Periodicity);

/// <summary>
/// <see cref="PitchTracker"/> frame by frame as samples arrive (live F0 for a game or voice app): push samples, read each
/// frame as soon as its analysis span is buffered, about 13 ms of audio after its centre (half a span at the 75 Hz floor:
/// <see cref="LatencySamples"/>). After construction nothing is allocated.
/// </summary>
/// <remarks>
/// <para>A frame is what <see cref="PitchTracker.Track"/> gives with <see cref="PitchOptions.Smooth"/> off (the best path
/// needs the frames after it), except for silence: offline, a frame is silent below
/// <see cref="PitchOptions.SilenceThreshold"/> of the whole signal's peak; here, of the peak so far. With
/// SilenceThreshold 0 the frames are bit-identical to the offline ones, whatever sizes the pushes have (tested).
/// <see cref="PitchOptions.Smooth"/> is ignored.</para>
/// <para>The last frames (centres within half a span of the end) need the end of the stream: call
/// <see cref="EndOfStream"/>, then read them; their spans are moved inside the signal as offline.
/// One instance is not thread-safe.</para>
/// </remarks>
public sealed class StreamingPitchTracker
{
    private readonly int _sampleRate, _minLag, _maxLag, _window, _span;
    private readonly double _hop;
    private readonly PitchOptions _options;
    private readonly float[] _buffer, _frame, _difference, _normalised, _lags, _depths;
    private long _bufferOrigin; // stream index of _buffer[0]
    private int _length;        // samples held, from _buffer[0]
    private float _peak;
    private bool _ended;

    /// <summary>Creates a streaming tracker.</summary>
    /// <param name="sampleRate">Samples per second.</param>
    /// <param name="options">Settings (<see cref="PitchOptions.Default"/> when null).</param>
    /// <param name="capacity">Samples the buffer holds (at least a span and a hop); 0 means one second plus a span.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option does not work at this rate, or the capacity is too small.</exception>
    public StreamingPitchTracker(int sampleRate, PitchOptions? options = null, int capacity = 0)
    {
        _options = options ?? PitchOptions.Default;
        _options.Validate(sampleRate);
        _sampleRate = sampleRate;
        PitchTracker.Lags(sampleRate, _options, out _minLag, out _maxLag, out _window, out _span);
        _hop = _options.HopMs / 1000 * sampleRate;
        int least = _span + (int)Math.Ceiling(_hop) + 1;
        if (capacity == 0) capacity = sampleRate + _span;
        if (capacity < least) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"The buffer must hold at least {least} samples (a span and a hop).");
        _buffer = new float[capacity];
        _frame = new float[_span];
        _difference = new float[_maxLag + 2];
        _normalised = new float[_maxLag + 2];
        _lags = new float[PitchTracker.Candidates];
        _depths = new float[PitchTracker.Candidates];
    }

    /// <summary>The settings.</summary>
    public PitchOptions Options => _options;

    /// <summary>Samples after a frame's centre that must arrive before the frame can be read (half the analysis span).</summary>
    public int LatencySamples => _span - _span / 2;

    /// <summary>Time between frames, seconds.</summary>
    public double HopSeconds => _options.HopMs / 1000;

    /// <summary>Frames read since construction or <see cref="Reset"/>.</summary>
    public long FramesProduced { get; private set; }

    /// <summary>Samples pushed since construction or <see cref="Reset"/>.</summary>
    public long SamplesPushed => _bufferOrigin + _length;

    /// <summary>How many samples <see cref="PushSamples"/> can take now.</summary>
    public int FreeCapacity => _buffer.Length - _length + (int)(KeepFrom - _bufferOrigin);

    /// <summary>Appends samples; takes as many as fit (<see cref="FreeCapacity"/>) and returns that count. Read frames to make room.</summary>
    /// <exception cref="InvalidOperationException">After <see cref="EndOfStream"/> (call <see cref="Reset"/> first).</exception>
    /// <exception cref="ArgumentException">A sample is NaN or infinite.</exception>
    public int PushSamples(ReadOnlySpan<float> samples)
    {
        if (_ended) throw new InvalidOperationException("The stream has ended: call Reset before pushing another.");
        Guard.Finite(samples, nameof(samples));
        int drop = (int)(KeepFrom - _bufferOrigin);
        if (drop > 0 && _length + samples.Length > _buffer.Length)
        {
            Array.Copy(_buffer, drop, _buffer, 0, _length - drop);
            _length -= drop;
            _bufferOrigin += drop;
        }
        int take = Math.Min(samples.Length, _buffer.Length - _length);
        for (int i = 0; i < take; i++)
        {
            float v = samples[i];
            _buffer[_length + i] = v;
            if (Math.Abs(v) > _peak) _peak = Math.Abs(v);
        }
        _length += take;
        return take;
    }

    /// <summary>Marks the end of the stream, so that the last frames (whose spans would run past it) can be read.</summary>
    public void EndOfStream() => _ended = true;

    /// <summary>Computes the next frame if its span is buffered (or the stream has ended and frames are left).</summary>
    /// <param name="frame">The frame, when one was ready.</param>
    /// <returns>True when a frame was read.</returns>
    public bool TryReadFrame(out PitchFrame frame)
    {
        frame = default;
        long k = FramesProduced, total = SamplesPushed;
        long start = SpanStart(k);
        if (!_ended)
        {
            if (start + _span > total) return false;
        }
        else
        {
            if (k >= (long)Math.Ceiling(total / _hop - 1e-9)) return false;
            // As offline: the span moved inside the signal, or from 0 with zeros after a signal shorter than a span.
            start = Math.Max(0, Math.Min(total - _span, start));
        }
        float peak = PitchTracker.CopyFrame(new ReadOnlySpan<float>(_buffer, 0, _length), (int)(start - _bufferOrigin), _frame);
        bool silent = _peak == 0 || peak < (float)(_options.SilenceThreshold * _peak);
        PitchTracker.NormalisedDifference(_frame, _window, _maxLag, _difference, _normalised);
        float periodicity = PitchTracker.FindCandidates(_difference, _normalised, _minLag, _maxLag, _options.Threshold, _lags, _depths);
        float f0 = !silent && _lags[0] > 0 && _depths[0] < _options.VoicingThreshold ? _sampleRate / _lags[0] : 0;
        if (f0 > 0) periodicity = PitchTracker.Clamp01(1 - _depths[0]);
        frame = new PitchFrame(k, f0, periodicity);
        FramesProduced = k + 1;
        return true;
    }

    /// <summary>Forgets the stream (samples, frames, peak, end) to start another.</summary>
    public void Reset()
    {
        _bufferOrigin = 0;
        _length = 0;
        _peak = 0;
        _ended = false;
        FramesProduced = 0;
    }

    /// <summary>
    /// The first sample a later frame may read: the next frame's span start, but never after the last span of samples
    /// (the final frames move their spans back inside the signal when the stream ends).
    /// </summary>
    private long KeepFrom => Math.Max(_bufferOrigin, Math.Min(SpanStart(FramesProduced), SamplesPushed - _span));

    /// <summary>Where frame <paramref name="k"/>'s span starts in the stream (clamped at 0 as offline).</summary>
    private long SpanStart(long k) => Math.Max(0, (long)Math.Round(k * _hop) - _span / 2);
}

using System;

namespace Hmm.Speech.Audio;

/// <summary>
/// Incremental front end: push samples as they arrive, read raw feature vectors (MFCC or log-mel, before deltas
/// and normalisation) as soon as each frame is complete. The frames and their values are exactly those of
/// <see cref="FeatureExtractor.ExtractRaw(ReadOnlySpan{float}, Span{float})"/> on the concatenated samples (same
/// arithmetic on the same inputs, so bit-identical), whatever sizes the pushes have. After construction nothing
/// is allocated.
/// </summary>
/// <remarks>
/// <para>Deltas and normalisation need context and are left to the caller (the streaming issue). The intended
/// scheme: deltas with a fixed look-ahead of DeltaWindow frames per order (2 x 2 = 4 frames, 40 ms at a 10 ms hop,
/// for deltas plus delta-deltas) over a ring of the last 2 x 2 x DeltaWindow + 1 raw frames, edge frames replicated
/// at the utterance start as offline; and running CMVN (statistics initialised from the training data's global
/// mean/variance and updated with each frame, or a sliding window of a few seconds) instead of per-utterance
/// statistics, which only exist once the utterance has ended. Streaming output then equals offline output up to
/// the normalisation statistics.</para>
/// <para>One instance is not thread-safe.</para>
/// </remarks>
public sealed class StreamingFeatureExtractor
{
    private readonly FrameAnalyzer _analyzer;
    private readonly float[] _buffer;
    private int _start;      // first sample of the next frame
    private int _end;        // one past the last buffered sample
    private float _previous; // sample just before _buffer[_start] in the stream (0 at the stream's start)

    /// <summary>Creates a streaming extractor.</summary>
    /// <param name="options">The front-end set-up; <see cref="FrontEndOptions.Default"/> when null.</param>
    /// <param name="capacity">Samples the internal buffer holds (at least one frame); 0 means one second plus one frame.</param>
    public StreamingFeatureExtractor(FrontEndOptions? options = null, int capacity = 0)
    {
        Options = options ?? FrontEndOptions.Default;
        _analyzer = new FrameAnalyzer(Options);
        FrameLength = Options.FrameLength;
        HopLength = Options.HopLength;
        RawDimension = Options.RawDimension;
        if (capacity == 0) capacity = Options.SampleRate + FrameLength;
        if (capacity < FrameLength) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"The buffer must hold at least one frame ({FrameLength} samples).");
        _buffer = new float[capacity];
    }

    /// <summary>The set-up this extractor computes.</summary>
    public FrontEndOptions Options { get; }

    /// <summary>Samples per frame.</summary>
    public int FrameLength { get; }

    /// <summary>Samples between frame starts.</summary>
    public int HopLength { get; }

    /// <summary>Values per raw frame (what <see cref="TryReadFrame"/> writes).</summary>
    public int RawDimension { get; }

    /// <summary>Samples the buffer can hold.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>Samples buffered and not yet consumed by a frame hop.</summary>
    public int BufferedSamples => _end - _start;

    /// <summary>How many samples <see cref="PushSamples"/> can accept now.</summary>
    public int FreeCapacity => _buffer.Length - (_end - _start);

    /// <summary>Number of frames produced since construction or the last <see cref="Reset"/>.</summary>
    public long FramesProduced { get; private set; }

    /// <summary>Whether a whole frame is buffered, so that <see cref="TryReadFrame"/> will succeed.</summary>
    public bool FrameReady => _end - _start >= FrameLength;

    /// <summary>
    /// Appends samples to the stream. Accepts as many as fit (<see cref="FreeCapacity"/>) and returns that count;
    /// read frames with <see cref="TryReadFrame"/> to make room, then push the rest.
    /// </summary>
    /// <param name="samples">The next samples of the stream, full scale +/-1.</param>
    /// <returns>How many of <paramref name="samples"/> were taken (all of them when they fit).</returns>
    public int PushSamples(ReadOnlySpan<float> samples)
    {
        if (_end + samples.Length > _buffer.Length && _start > 0)
        {
            // Move the unconsumed tail to the front; _previous already holds the sample before it.
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        int accepted = Math.Min(samples.Length, _buffer.Length - _end);
        samples.Slice(0, accepted).CopyTo(_buffer.AsSpan(_end));
        _end += accepted;
        return accepted;
    }

    /// <summary>Computes the next frame's raw features if a whole frame is buffered.</summary>
    /// <param name="rawFeatures">Receives <see cref="RawDimension"/> values.</param>
    /// <returns>True when a frame was written; false when more samples are needed.</returns>
    public bool TryReadFrame(Span<float> rawFeatures)
    {
        if (rawFeatures.Length < RawDimension) throw new ArgumentException($"The frame span holds {rawFeatures.Length} values; {RawDimension} are needed.", nameof(rawFeatures));
        if (_end - _start < FrameLength) return false;
        _analyzer.Process(_buffer.AsSpan(_start, FrameLength), _previous, rawFeatures);
        _previous = _buffer[_start + HopLength - 1];
        _start += HopLength;
        FramesProduced++;
        return true;
    }

    /// <summary>
    /// Ends the stream with <see cref="FrontEndOptions.FinalPartialFrame"/>: computes the last frame from the samples left
    /// after the last whole frame's hop (zero-padded, as <see cref="FeatureExtractor"/> does it) and consumes them. Read the
    /// whole frames first. Returns false, writing nothing, when the option is off or no sample is left; call
    /// <see cref="Reset"/> before pushing another stream.
    /// </summary>
    /// <param name="rawFeatures">Receives <see cref="RawDimension"/> values.</param>
    /// <returns>True when the final frame was written.</returns>
    /// <exception cref="InvalidOperationException">A whole frame is still buffered (<see cref="FrameReady"/>).</exception>
    public bool TryReadFinalFrame(Span<float> rawFeatures)
    {
        if (rawFeatures.Length < RawDimension) throw new ArgumentException($"The frame span holds {rawFeatures.Length} values; {RawDimension} are needed.", nameof(rawFeatures));
        if (FrameReady) throw new InvalidOperationException("A whole frame is still buffered: read it with TryReadFrame before the final frame.");
        if (!Options.FinalPartialFrame || _end == _start) return false;
        _analyzer.Process(_buffer.AsSpan(_start, _end - _start), _previous, rawFeatures);
        _previous = _buffer[_end - 1];
        _start = _end;
        FramesProduced++;
        return true;
    }

    /// <summary>Forgets all buffered samples and starts a new stream (pre-emphasis restarts from x[-1] = 0).</summary>
    public void Reset()
    {
        _start = 0;
        _end = 0;
        _previous = 0;
        FramesProduced = 0;
        _analyzer.Reset();
    }
}

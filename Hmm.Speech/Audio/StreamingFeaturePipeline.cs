using System;
using System.Numerics;

namespace Hmm.Speech.Audio;

/// <summary>
/// The rest of the front end for a stream, after <see cref="StreamingFeatureExtractor"/>: regression deltas with a
/// fixed look-ahead, then a running mean and variance normalisation in place of the per-utterance one (which needs the
/// whole utterance). Push raw frames as they come; each normalised feature frame comes out
/// <see cref="LookaheadFrames"/> frames later, and <see cref="Flush"/> gives the last ones at the stream's end.
/// </summary>
/// <remarks>
/// <para>The deltas are exactly (bit for bit) <see cref="FeaturePostProcessing.AddDeltas(Span{float}, int, int, int, int, int)"/> over the whole stream: each
/// frame's are computed on a window of the 2·L + 1 raw frames around it (L = delta order × window), which holds every
/// value the whole-stream formula reads, with the same edge frames at the stream's ends.</para>
/// <para>The normalisation statistics decay with <see cref="NormalisationTimeConstantSeconds"/>: frame t is normalised by
/// the weighted mean and variance of frames 0..t (weights e^(-age/τ)), with the arithmetic of
/// <see cref="FeaturePostProcessing.ColumnNormaliser(double, double, double, CmvnMode)"/>. Running the pipeline over a whole recording gives the same
/// floats as streaming it in any block sizes. Nothing is allocated after construction; one instance is not thread-safe.</para>
/// <para>With <see cref="CmvnMode.SphinxCepstralMean"/> (<see cref="FrontEndOptions.SphinxEnUs"/>) the normalisation is
/// CMU Sphinx's live CMN (<c>cmn_live.c</c>, sphinxbase 5prealpha) on each raw frame as it is pushed, before the deltas
/// (<see cref="FrontEndOptions.DeltaStyle"/>, e.g. Sphinx's differences): the mean starts at
/// <see cref="FrontEndOptions.LiveCmnInitialMean"/> worth 500 frames; a frame whose C0 is negative is passed on unchanged
/// and not counted; the others are added to the sums and have the current mean subtracted; once more than 800 frames are
/// counted the mean becomes sum / count and the sums are scaled to 500 frames; <see cref="Flush"/> (the utterance's
/// end) updates the mean the same way. All in single precision as Sphinx. The time constant is not used. This equals
/// Sphinx processing its cepstra one frame per block; Sphinx's callers pass blocks of several frames, which share the mean
/// of the block's start.</para>
/// </remarks>
public sealed class StreamingFeaturePipeline
{
    private readonly int _raw;
    private readonly int _dimension;
    private readonly int _order;
    private readonly int _deltaWindow;
    private readonly CmvnMode _mode;
    private readonly double _decay;
    private readonly float[] _history;   // ring of the last 2L + 1 raw frames
    private readonly float[] _window;    // [2L + 1, dimension] raw frames with their deltas
    private readonly double[] _sum;
    private readonly double[] _sumSquares;
    private double _count;
    private readonly double[] _priorSum;
    private readonly double[] _priorSumSquares;
    private readonly double[] _values;   // the frame being normalised, widened to double (padded to whole vectors)
    private double _priorCount;
    private long _rawFrames;             // raw frames pushed
    private long _produced;              // feature frames given out
    private const int SphinxCmnWindow = 500;     // CMN_WIN
    private const int SphinxCmnHighWater = 800;  // CMN_WIN_HWM
    private readonly bool _sphinxMean;
    private readonly DeltaStyle _deltaStyle;
    private readonly float[] _liveInitialMean = Array.Empty<float>();
    private readonly float[] _liveMean = Array.Empty<float>();
    private readonly float[] _liveSum = Array.Empty<float>();
    private readonly int _liveInitialFrames;
    private int _liveFrames;

    /// <summary>A pipeline for <paramref name="options"/>' deltas, normalising with statistics of time constant <paramref name="normalisationTimeConstantSeconds"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The time constant is not positive and finite.</exception>
    public StreamingFeaturePipeline(FrontEndOptions options, double normalisationTimeConstantSeconds = 5)
    {
        Guard.NotNull(options, nameof(options));
        options.Validate();
        if (!(normalisationTimeConstantSeconds > 0) || double.IsInfinity(normalisationTimeConstantSeconds))
            throw new ArgumentOutOfRangeException(nameof(normalisationTimeConstantSeconds), normalisationTimeConstantSeconds, "The normalisation time constant must be positive and finite.");
        Options = options;
        _raw = options.RawDimension;
        _dimension = options.FeatureDimension;
        _order = options.DeltaOrder;
        _deltaWindow = options.DeltaWindow;
        _mode = options.Normalization;
        _deltaStyle = options.DeltaStyle;
        // Sphinx's differences reach W frames for the deltas and W + 1 for the delta-deltas; the regression W per order.
        LookaheadFrames = _deltaStyle == DeltaStyle.SphinxDifference
            ? (_order == 0 ? 0 : _deltaWindow + (_order == 2 ? 1 : 0))
            : _order * _deltaWindow;
        _sphinxMean = _mode == CmvnMode.SphinxCepstralMean;
        if (_sphinxMean)
        {
            _liveInitialMean = options.ParseLiveCmnInitialMean();
            _liveMean = new float[_raw];
            _liveSum = new float[_raw];
            // cmn_live_set: the initial mean counts as CMN_WIN frames; without -cmninit Sphinx starts from zero frames.
            _liveInitialFrames = options.LiveCmnInitialMean is null ? 0 : SphinxCmnWindow;
            ResetLiveMean();
        }
        NormalisationTimeConstantSeconds = normalisationTimeConstantSeconds;
        _decay = Math.Exp(-options.HopLengthMs / 1000.0 / normalisationTimeConstantSeconds);
        int rows = 2 * LookaheadFrames + 1;
        _history = new float[rows * _raw];
        _window = new float[rows * _dimension];
        // Whole vectors of columns: the normalisation runs over them, the padding columns (0) never reach the output.
        int padded = (_dimension + Vector<double>.Count - 1) / Vector<double>.Count * Vector<double>.Count;
        _sum = new double[padded];
        _sumSquares = new double[padded];
        _priorSum = new double[padded];
        _priorSumSquares = new double[padded];
        _values = new double[padded];
    }

    /// <summary>
    /// Starts the normalisation statistics (now and at every <see cref="Reset"/>) from a prior: the feature
    /// <paramref name="mean"/> and <paramref name="variance"/> per dimension of typical audio, worth
    /// <paramref name="frames"/> frames (they decay like real frames). Without one, the first frames of a stream are
    /// normalised by the little they have seen.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length differs from <see cref="FeatureDimension"/>, a value is not finite, a variance is negative or the weight is negative.</exception>
    /// <exception cref="InvalidOperationException">The options normalise with <see cref="CmvnMode.SphinxCepstralMean"/>, whose live CMN starts from <see cref="FrontEndOptions.LiveCmnInitialMean"/>.</exception>
    public void SetPrior(ReadOnlySpan<double> mean, ReadOnlySpan<double> variance, double frames)
    {
        if (_sphinxMean) throw new InvalidOperationException("Sphinx's live CMN starts from FrontEndOptions.LiveCmnInitialMean; it takes no feature prior.");
        if (mean.Length != _dimension) throw new ArgumentException($"mean has {mean.Length} values but a frame has {_dimension}.", nameof(mean));
        if (variance.Length != _dimension) throw new ArgumentException($"variance has {variance.Length} values but a frame has {_dimension}.", nameof(variance));
        if (!(frames >= 0) || double.IsInfinity(frames)) throw new ArgumentOutOfRangeException(nameof(frames), frames, "The prior's weight must be finite and not negative.");
        for (int j = 0; j < _dimension; j++)
        {
            if (!double.IsFinite(mean[j])) throw new ArgumentException($"mean[{j}] is {mean[j]}.", nameof(mean));
            if (!(variance[j] >= 0) || double.IsInfinity(variance[j])) throw new ArgumentException($"variance[{j}] is {variance[j]}.", nameof(variance));
            _priorSum[j] = frames * mean[j];
            _priorSumSquares[j] = frames * (variance[j] + mean[j] * mean[j]);
        }
        _priorCount = frames;
        Reset();
    }

    /// <summary>The front end's set-up.</summary>
    public FrontEndOptions Options { get; }

    /// <summary>Frames a feature frame waits for the raw frames after it (its deltas' reach).</summary>
    public int LookaheadFrames { get; }

    /// <summary>The decay time of the normalisation statistics.</summary>
    public double NormalisationTimeConstantSeconds { get; }

    /// <summary>Values per raw frame taken.</summary>
    public int RawDimension => _raw;

    /// <summary>Values per feature frame given.</summary>
    public int FeatureDimension => _dimension;

    /// <summary>Feature frames given so far (the next one is frame <see cref="FramesProduced"/>).</summary>
    public long FramesProduced => _produced;

    /// <summary>
    /// Takes the next raw frame; when the frame <see cref="LookaheadFrames"/> before it is complete, writes its
    /// normalised features into <paramref name="features"/> and returns true.
    /// </summary>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public bool Push(ReadOnlySpan<float> rawFrame, Span<float> features)
    {
        if (rawFrame.Length != _raw) throw new ArgumentException($"The raw frame has {rawFrame.Length} values but the front end makes {_raw}.", nameof(rawFrame));
        if (features.Length < _dimension) throw new ArgumentException($"features holds {features.Length} values but a frame has {_dimension}.", nameof(features));
        int rows = 2 * LookaheadFrames + 1;
        var row = _history.AsSpan((int)(_rawFrames % rows) * _raw, _raw);
        rawFrame.CopyTo(row);
        if (_sphinxMean) LiveCmn(row);
        _rawFrames++;
        if (_rawFrames <= LookaheadFrames) return false;
        Produce(_rawFrames - 1, features);
        return true;
    }

    /// <summary>
    /// Ends the stream: writes the feature frames still waiting for look-ahead (the last frame standing in for the
    /// frames after it, as over a whole utterance) into <paramref name="features"/>, one after another; returns how many.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="features"/> cannot hold them (at most <see cref="LookaheadFrames"/> frames).</exception>
    public int Flush(Span<float> features)
    {
        int left = (int)(_rawFrames - _produced);
        if (features.Length < left * _dimension) throw new ArgumentException($"features holds {features.Length} values but {left} frames of {_dimension} are left.", nameof(features));
        for (int i = 0; i < left; i++) Produce(_rawFrames - 1, features.Slice(i * _dimension, _dimension));
        if (_sphinxMean) LiveUpdate(shiftWindow: false);
        return left;
    }

    /// <summary>
    /// Takes the next feature frame complete with its deltas, as a whole-recording front end computes them
    /// (<see cref="FeatureExtractor.Extract(ReadOnlySpan{float}, Span{float})"/> with no normalisation gives the values
    /// <see cref="Push"/> computes), and writes it normalised as <see cref="Push"/> would: for a caller that has the whole
    /// recording and computed its features once. Use either this or <see cref="Push"/> within one stream.
    /// With <see cref="CmvnMode.SphinxCepstralMean"/> the live CMN is applied to the static values only and the deltas pass
    /// unchanged: the same as <see cref="Push"/> except where the mean changes (every 300 counted frames after the first
    /// 300) or a frame with negative C0 (not normalised by Sphinx) lies within the deltas' reach.
    /// </summary>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public void PushComplete(ReadOnlySpan<float> frame, Span<float> features)
    {
        if (frame.Length != _dimension) throw new ArgumentException($"The frame has {frame.Length} values but a feature frame has {_dimension}.", nameof(frame));
        if (features.Length < _dimension) throw new ArgumentException($"features holds {features.Length} values but a frame has {_dimension}.", nameof(features));
        if (_sphinxMean)
        {
            frame.CopyTo(features);
            LiveCmn(features.Slice(0, _raw));
        }
        else
        {
            Normalise(frame, features, keep: true);
        }
        _produced++;
        _rawFrames = _produced;
    }

    /// <summary>
    /// Provisional features of the next <paramref name="frames"/> frames after the last one given, from the raw frames so
    /// far: the newest raw frame stands in for those not yet pushed (as at the stream's end), and each is normalised by the
    /// statistics so far with itself added (the statistics do not change). Returns how many were written (no more than
    /// the raw frames pushed beyond the last one given). The first frame's provisional features are what
    /// <see cref="Flush"/> would give for it if the stream ended now.
    /// Lets a caller act on a frame before its deltas' look-ahead has arrived (<see cref="LookaheadFrames"/> hops sooner at
    /// most), revising it when the frame is given for good.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="frames"/> is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="features"/> cannot hold the frames.</exception>
    public int Peek(int frames, Span<float> features)
    {
        if (frames < 0) throw new ArgumentOutOfRangeException(nameof(frames), frames, "frames must not be negative.");
        int count = (int)Math.Min(frames, _rawFrames - _produced);
        if (features.Length < count * _dimension) throw new ArgumentException($"features holds {features.Length} values but {count} frames of {_dimension} are asked for.", nameof(features));
        for (int i = 0; i < count; i++)
            Compose(_produced + i, _rawFrames - 1, features.Slice(i * _dimension, _dimension), keep: false);
        return count;
    }

    /// <summary>Forgets the stream, the normalisation statistics included.</summary>
    public void Reset()
    {
        _rawFrames = _produced = 0;
        if (_sphinxMean) ResetLiveMean();
        _count = _priorCount;
        _priorSum.AsSpan().CopyTo(_sum);
        _priorSumSquares.AsSpan().CopyTo(_sumSquares);
    }

    /// <summary>Feature frame <see cref="_produced"/> from the raw frames up to <paramref name="last"/> (the stream's last so far).</summary>
    private void Produce(long last, Span<float> features)
    {
        Compose(_produced, last, features, keep: true);
        _produced++;
    }

    /// <summary>
    /// Feature frame <paramref name="centre"/> from the raw frames up to <paramref name="last"/>, normalised by the statistics
    /// with it added (kept, or only used with <paramref name="keep"/> false).
    /// </summary>
    private void Compose(long centre, long last, Span<float> features, bool keep)
    {
        int rows = 2 * LookaheadFrames + 1;
        long first = Math.Max(0, centre - LookaheadFrames), end = Math.Min(last, centre + LookaheadFrames);
        int count = (int)(end - first + 1);
        var window = _window.AsSpan(0, count * _dimension);
        for (long f = first; f <= end; f++)
        {
            var row = window.Slice((int)(f - first) * _dimension, _dimension);
            _history.AsSpan((int)(f % rows) * _raw, _raw).CopyTo(row);
            row.Slice(_raw).Clear();
        }
        FeaturePostProcessing.AddDeltas(window, count, _dimension, _raw, _order, _deltaWindow, _deltaStyle);
        var frame = window.Slice((int)(centre - first) * _dimension, _dimension);
        Normalise(frame, features, keep);
    }

    private void Normalise(ReadOnlySpan<float> frame, Span<float> output, bool keep)
    {
        if (_mode == CmvnMode.None || _sphinxMean)
        {
            // Sphinx's live CMN was applied to the raw frames as they came.
            frame.CopyTo(output);
            return;
        }
        double count = _count * _decay + 1;
        if (keep) _count = count;
        for (int j = 0; j < _dimension; j++) _values[j] = frame[j];
        for (int j = _dimension; j < _values.Length; j++) _values[j] = 0;
        var decay = new Vector<double>(_decay);
        var counts = new Vector<double>(count);
        int lanes = Vector<double>.Count;
        for (int j = 0; j < _values.Length; j += lanes)
        {
            var v = new Vector<double>(_values, j);
            var sum = new Vector<double>(_sum, j) * decay + v;
            var sumSquares = new Vector<double>(_sumSquares, j) * decay + v * v;
            if (keep)
            {
                sum.CopyTo(_sum, j);
                sumSquares.CopyTo(_sumSquares, j);
            }
            var (mean, scale) = FeaturePostProcessing.ColumnNormaliser(sum, sumSquares, counts, _mode);
            ((v - mean) * scale).CopyTo(_values, j);
        }
        for (int j = 0; j < _dimension; j++) output[j] = (float)_values[j];
    }

    /// <summary>The live CMN's current mean (<see cref="RawDimension"/> values; empty unless the options normalise with <see cref="CmvnMode.SphinxCepstralMean"/>).</summary>
    public ReadOnlySpan<float> LiveCepstralMean => _liveMean;

    private void ResetLiveMean()
    {
        // cmn_live_set: mean = init, sum = init · CMN_WIN, nframe = CMN_WIN.
        for (int j = 0; j < _raw; j++)
        {
            _liveMean[j] = _liveInitialMean[j];
            _liveSum[j] = _liveInitialMean[j] * _liveInitialFrames;
        }
        _liveFrames = _liveInitialFrames;
    }

    /// <summary>cmn_live on a block of one frame, in place.</summary>
    private void LiveCmn(Span<float> cepstra)
    {
        if (!(cepstra[0] < 0))
        {
            for (int j = 0; j < _raw; j++)
            {
                _liveSum[j] += cepstra[j];
                cepstra[j] -= _liveMean[j];
            }
            _liveFrames++;
        }
        if (_liveFrames > SphinxCmnHighWater) LiveUpdate(shiftWindow: true);
    }

    /// <summary>
    /// cmn_live_shiftwin (<paramref name="shiftWindow"/>) or cmn_live_update (the utterance's end): the mean becomes
    /// sum / count; at (shiftwin) or past (update) the high-water mark the sums are scaled to CMN_WIN frames.
    /// </summary>
    private void LiveUpdate(bool shiftWindow)
    {
        if (_liveFrames <= 0) return;
        float scale = 1.0f / _liveFrames;
        for (int j = 0; j < _raw; j++) _liveMean[j] = _liveSum[j] / _liveFrames;
        if (shiftWindow ? _liveFrames >= SphinxCmnHighWater : _liveFrames > SphinxCmnHighWater)
        {
            scale = SphinxCmnWindow * scale;
            for (int j = 0; j < _raw; j++) _liveSum[j] *= scale;
            _liveFrames = SphinxCmnWindow;
        }
    }
}

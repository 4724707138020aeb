using System;
using Hmm.Engine;
using Hmm.Primitives;
using Hmm.Simd;

namespace Hmm.Online;

/// <summary>
/// An HMM decoded one frame at a time, as audio arrives: forward filtering gives the state posteriors
/// <c>P(state_t | x_0..x_t)</c> after every frame, and fixed-lag Viterbi commits the state of frame <c>t - Lag</c> once
/// frame t is in, tracing back from the best state at t. Each frame takes the same column steps as the whole-sequence
/// SIMD engine (<see cref="HmmEngine"/>): with a lag at least the stream's length, the committed path is
/// <see cref="HmmEngine.Viterbi(HmmModel, EmissionBatch, ViterbiResult)"/>'s, bit for bit. Nothing is allocated after construction.
/// </summary>
/// <remarks>
/// <para>A smaller lag trades accuracy for latency: the path committed at lag L is the best path's state L frames back,
/// which later evidence can no longer revise. Consecutive commitments need not form one path of the model.</para>
/// <para>One instance is not thread-safe; independent instances share only the (read-only) model.</para>
/// </remarks>
public sealed unsafe class OnlineDecoder
{
    private readonly HmmModel _model;
    private readonly GmmTables? _gmm;
    private readonly TiedMixtureTables? _tied;
    private readonly int _dimension;      // feature values per frame (0: the caller supplies emissions)
    private readonly int _stride;
    private readonly int _pad;
    private readonly int _ring;            // back-pointer rows kept: Lag + 1
    private readonly float[] _forward;     // three -inf padded columns: alpha-hat (2) and the scaled step's sources
    private readonly float[] _viterbi;     // two -inf padded columns: delta-hat
    private readonly float[] _emissions;   // [MaxPreparedFrames, stride] emission log-likelihoods of the frames prepared
    private int _prepared;                 // frames in _emissions
    private int _nextPrepared;             // the next of them to decode
    private readonly float[] _backpointers; // [ring, stride]
    private readonly float[] _posteriors;  // [states]
    private readonly float[] _featureScratch;
    private readonly float[] _componentScratch;
    private readonly UnitLoopTransitions? _loop;  // the structured step, when the model is a unit loop
    private readonly float[] _unitScratch;        // [4, UnitStride]: leaving scores, unit step, its arg-max, scaled leaving scores
    private int _forwardCurrent;           // which of the two alpha columns holds the latest frame
    private int _viterbiCurrent;
    private double _scaleSum;
    private long _frames;
    private long _committed;
    private int _lastCommitted = -1;
    private bool _alive;
    private readonly float[] _peek;        // three -inf padded columns: the look-ahead chain's alpha-hat (2) and the scaled step's sources
    private readonly float[] _peekEmissions;
    private readonly float[] _peekPosteriors;
    private int _peekCurrent;              // which of the two look-ahead columns holds the last peeked frame
    private int _peeked;                   // frames peeked past the decoded ones (0: none since the last decoded frame)

    /// <summary>A decoder of <paramref name="model"/> whose emissions the caller supplies (<see cref="PushEmissions"/>).</summary>
    /// <param name="model">Initial and transition probabilities.</param>
    /// <param name="lag">Frames between a frame's arrival and the commitment of its state (0: commit the current best state).</param>
    /// <param name="width">Lane width; <see cref="SimdWidth.Auto"/> takes the widest the processor accelerates.</param>
    public OnlineDecoder(HmmModel model, int lag, SimdWidth width = SimdWidth.Auto)
        : this(model, null, lag, width)
    {
    }

    /// <summary>
    /// A decoder of <paramref name="model"/> with emissions computed from features (<see cref="Push"/>): Gaussian mixtures
    /// (<see cref="GaussianMixtureEmissions"/>) or tied mixtures (<see cref="TiedMixtureEmissions"/>).
    /// </summary>
    /// <param name="model">Initial and transition probabilities.</param>
    /// <param name="emissions">The emission model, one state per state of <paramref name="model"/>; null: the caller supplies emissions.</param>
    /// <param name="lag">Frames between a frame's arrival and the commitment of its state (0: commit the current best state).</param>
    /// <param name="width">Lane width; <see cref="SimdWidth.Auto"/> takes the widest the processor accelerates.</param>
    /// <exception cref="ArgumentException">The emission model's state count differs from the model's, or it is of another kind.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lag"/> is negative.</exception>
    public OnlineDecoder(HmmModel model, EmissionModel? emissions, int lag, SimdWidth width = SimdWidth.Auto)
    {
        Guard.NotNull(model, nameof(model));
        if (lag < 0) throw new ArgumentOutOfRangeException(nameof(lag), lag, "lag must not be negative.");
        if (emissions is not null && emissions.StateCount != model.StateCount)
            throw new ArgumentException($"The emission model has {emissions.StateCount} states but the HMM has {model.StateCount}.", nameof(emissions));
        Width = SimdCapabilities.Resolve(width, nameof(width));
        _model = model;
        _gmm = (emissions as GaussianMixtureEmissions)?.Tables;
        _tied = (emissions as TiedMixtureEmissions)?.Tables;
        if (emissions is not null && _gmm is null && _tied is null)
            throw new ArgumentException($"The online decoder computes Gaussian-mixture and tied-mixture emissions, not {emissions.GetType().Name}: push its log-likelihoods with PushEmissions.", nameof(emissions));
        _dimension = emissions?.FeatureDimension ?? 0;
        Lag = lag;
        _stride = model.Transitions.PaddedStateCount;
        _pad = SimdCapabilities.Pad(Math.Max(model.Transitions.TableRows, 1));
        _ring = lag + 1;
        int column = 2 * _pad + _stride;
        _forward = new float[3 * column];
        _viterbi = new float[2 * column];
        _emissions = new float[MaxPreparedFrames * _stride];
        _backpointers = new float[(long)_ring * _stride];
        _posteriors = new float[_stride];
        _peek = new float[3 * column];
        _peekEmissions = new float[_stride];
        _peekPosteriors = new float[_stride];
        _loop = model.Transitions as UnitLoopTransitions;
        _unitScratch = _loop is null ? Array.Empty<float>() : new float[4 * _loop.UnitStride];
        if (_gmm is not null)
        {
            _featureScratch = new float[MaxPreparedFrames * 2 * _gmm.Dimension];
            _componentScratch = new float[MaxPreparedFrames * _gmm.RowStride];
        }
        else
        {
            _featureScratch = Array.Empty<float>();
            _componentScratch = _tied is null ? Array.Empty<float>() : new float[_tied.ScratchFloats];
        }
        Reset();
    }

    /// <summary>The lane width in use.</summary>
    public SimdWidth Width { get; }

    /// <summary>Frames between a frame's arrival and the commitment of its state.</summary>
    public int Lag { get; }

    /// <summary>States of the model.</summary>
    public int StateCount => _model.StateCount;

    /// <summary>Feature values per frame that <see cref="Push"/> takes (0 without an emission model).</summary>
    public int FeatureDimension => _dimension;

    /// <summary>Frames pushed since construction or <see cref="Reset"/>.</summary>
    public long FramesPushed => _frames;

    /// <summary>Frames whose state has been committed (frames 0 to <c>FramesCommitted - 1</c>).</summary>
    public long FramesCommitted => _committed;

    /// <summary>The state committed last (for frame <see cref="FramesCommitted"/> - 1), or -1 before the first.</summary>
    public int LastCommittedState => _lastCommitted;

    /// <summary>
    /// False once no state sequence can explain the frames (every state impossible): later frames change nothing, the
    /// posteriors are all 0 and nothing more is committed until <see cref="Reset"/>.
    /// </summary>
    public bool Alive => _alive;

    /// <summary>The filtered state posteriors <c>P(state_t | x_0..x_t)</c> after the last frame (all 0 before the first or when not <see cref="Alive"/>).</summary>
    public ReadOnlySpan<float> Posteriors => _posteriors.AsSpan(0, StateCount);

    /// <summary>log P(x_0..x_t) of the frames so far (0 before the first, -infinity when not <see cref="Alive"/>).</summary>
    public double LogLikelihood { get; private set; }

    /// <summary>
    /// Whether every frame also runs forward filtering (<see cref="Posteriors"/>, <see cref="LogLikelihood"/>) beside the
    /// fixed-lag Viterbi that commits states (true). Off, the posteriors stay 0 and the log-likelihood NaN, and a frame
    /// costs about half as much: for callers that read only the committed states. Set it before the first frame.
    /// </summary>
    /// <exception cref="InvalidOperationException">Changed after the first frame of a stream.</exception>
    public bool ForwardFiltering
    {
        get => _forwardFiltering;
        set
        {
            if (value == _forwardFiltering) return;
            if (_frames > 0) throw new InvalidOperationException("ForwardFiltering can only change before the first frame of a stream (after construction or Reset).");
            _forwardFiltering = value;
            LogLikelihood = value ? 0 : double.NaN;
        }
    }

    private bool _forwardFiltering = true;

    /// <summary>Forgets the stream: the next frame is frame 0 again.</summary>
    public void Reset()
    {
        _forward.AsSpan().Fill(float.NegativeInfinity);
        _viterbi.AsSpan().Fill(float.NegativeInfinity);
        _posteriors.AsSpan().Clear();
        _peek.AsSpan().Fill(float.NegativeInfinity);
        _peekPosteriors.AsSpan().Clear();
        _peeked = 0;
        _forwardCurrent = _viterbiCurrent = 0;
        _scaleSum = 0;
        _frames = _committed = 0;
        _lastCommitted = -1;
        _alive = true;
        _prepared = _nextPrepared = 0;
        LogLikelihood = _forwardFiltering ? 0 : double.NaN;
    }

    /// <summary>
    /// The most frames <see cref="PrepareFrames"/> takes at once: a pass reads each block of the mixture weights once for
    /// all of them (a multiple of four, the product's register blocks).
    /// </summary>
    public const int MaxPreparedFrames = CpuPasses.GaussianGroupFrames;

    /// <summary>Frames prepared by <see cref="PrepareFrames"/> and not yet decoded by <see cref="PushPrepared"/>.</summary>
    public int PendingFrames => _prepared - _nextPrepared;

    /// <summary>
    /// One frame of features: its emissions from the Gaussian mixtures, then <see cref="PushEmissions"/>. Returns whether a
    /// frame's state was committed (<see cref="LastCommittedState"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The decoder was made without an emission model, or prepared frames are pending.</exception>
    /// <exception cref="ArgumentException">The frame has the wrong length or a NaN or infinite value.</exception>
    public bool Push(ReadOnlySpan<float> features)
    {
        PrepareFrames(features);
        return PushPrepared();
    }

    /// <summary>
    /// Computes the emissions of 1 to <see cref="MaxPreparedFrames"/> frames of features (row after row) in one pass of
    /// the mixture product, which reads the model's tables once for all of them: decode them in turn with
    /// <see cref="PushPrepared"/>. Returns how many frames were prepared.
    /// </summary>
    /// <exception cref="InvalidOperationException">The decoder was made without an emission model, or prepared frames are pending.</exception>
    /// <exception cref="ArgumentException">Not a whole number of 1 to <see cref="MaxPreparedFrames"/> frames, or a NaN or infinite value.</exception>
    public int PrepareFrames(ReadOnlySpan<float> features)
    {
        if (_dimension == 0) throw new InvalidOperationException("This decoder has no emission model: push emission log-likelihoods with PushEmissions.");
        if (PendingFrames > 0) throw new InvalidOperationException($"{PendingFrames} prepared frames are not decoded yet: call PushPrepared first.");
        int d = _dimension;
        if (features.Length == 0 || features.Length % d != 0 || features.Length / d > MaxPreparedFrames)
            throw new ArgumentException($"The features hold {features.Length} values: 1 to {MaxPreparedFrames} frames of {d} are needed.", nameof(features));
        for (int e = 0; e < features.Length; e++)
            if (!float.IsFinite(features[e])) throw new ArgumentException($"features[{e}] is {features[e]}: frames must be finite.", nameof(features));
        int count = features.Length / d;
        if (_tied is not null) PrepareTied(features, count);
        else PrepareGaussian(features, count, _gmm!);
        _prepared = count;
        _nextPrepared = 0;
        return count;
    }

    private void PrepareTied(ReadOnlySpan<float> features, int count)
    {
        fixed (float* x = features)
        fixed (float* o = _emissions)
            CpuPasses.TiedMixture(Width, _tied!, x, count, _componentScratch, o, _stride);
    }

    private void PrepareGaussian(ReadOnlySpan<float> features, int count, GmmTables gmmTables)
    {
        fixed (float* x = features)
        fixed (float* w = gmmTables.Weights)
        fixed (float* bias = gmmTables.Bias)
        fixed (float* center = gmmTables.Center)
        fixed (float* fs = _featureScratch)
        fixed (float* cs = _componentScratch)
        fixed (float* o = _emissions)
        {
            var gmm = new GmmPointers
            {
                Weights = w, Bias = bias, Center = center, States = gmmTables.States, Components = gmmTables.Components,
                Dimension = gmmTables.Dimension, PaddedColumns = gmmTables.PaddedColumns, RowStride = gmmTables.RowStride,
            };
            CpuPasses.GaussianMixturePass(Width, x, count, gmm, fs, cs, o, _stride, MaxPreparedFrames);
        }
    }

    /// <summary>
    /// Takes the next frame prepared by <see cref="PrepareFrames"/> without decoding it: its emission log-likelihoods (one
    /// per state, valid until the next <see cref="PrepareFrames"/>), for another model over the same states to decode.
    /// </summary>
    /// <exception cref="InvalidOperationException">No prepared frame is pending.</exception>
    public ReadOnlySpan<float> TakePrepared()
    {
        if (PendingFrames == 0) throw new InvalidOperationException("No prepared frame is pending: call PrepareFrames first.");
        return _emissions.AsSpan(_nextPrepared++ * _stride, StateCount);
    }

    /// <summary>Decodes the next frame prepared by <see cref="PrepareFrames"/>; returns whether a frame's state was committed.</summary>
    /// <exception cref="InvalidOperationException">No prepared frame is pending.</exception>
    public bool PushPrepared()
    {
        if (PendingFrames == 0) throw new InvalidOperationException("No prepared frame is pending: call PrepareFrames first.");
        return Step(_nextPrepared++);
    }

    /// <summary>
    /// One frame given as emission log-likelihoods, one per state (-infinity: impossible). Returns whether a frame's
    /// state was committed (<see cref="LastCommittedState"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The span's length differs from the state count, or a value is NaN or +infinity.</exception>
    public bool PushEmissions(ReadOnlySpan<float> logLikelihoods)
    {
        if (logLikelihoods.Length != StateCount)
            throw new ArgumentException($"logLikelihoods has {logLikelihoods.Length} values but the model has {StateCount} states.", nameof(logLikelihoods));
        for (int j = 0; j < logLikelihoods.Length; j++)
            if (float.IsNaN(logLikelihoods[j]) || float.IsPositiveInfinity(logLikelihoods[j]))
                throw new ArgumentException($"logLikelihoods[{j}] is {logLikelihoods[j]}: log-likelihoods must be below +infinity.", nameof(logLikelihoods));
        if (PendingFrames > 0) throw new InvalidOperationException($"{PendingFrames} prepared frames are not decoded yet: call PushPrepared first.");
        logLikelihoods.CopyTo(_emissions);
        _prepared = _nextPrepared = 0;
        return Step(0);
    }

    /// <summary>
    /// The filtered state posteriors of the last frame peeked at (<see cref="PeekPrepared"/>, <see cref="PeekEmissions"/>):
    /// what <see cref="Posteriors"/> would be after decoding the peeked frames (all 0 when no path survives them).
    /// </summary>
    public ReadOnlySpan<float> PeekPosteriors => _peekPosteriors.AsSpan(0, StateCount);

    /// <summary>Frames peeked at past the decoded ones since the last decoded frame.</summary>
    public int PeekedFrames => _peeked;

    /// <summary>
    /// Takes the next frame prepared by <see cref="PrepareFrames"/> as a provisional frame: forward filtering one frame past
    /// the decoded ones (or past the frames already peeked at, with <paramref name="afterPeeked"/>) into
    /// <see cref="PeekPosteriors"/>, without decoding it. Nothing the decoder commits changes; the next decoded frame
    /// drops the peeked ones. For a look-ahead whose newest features are still provisional (deltas before their future
    /// frames arrive): the same forward step as <see cref="PushPrepared"/>, on a chain of its own.
    /// </summary>
    /// <exception cref="InvalidOperationException">No prepared frame is pending, <see cref="ForwardFiltering"/> is off, or
    /// <paramref name="afterPeeked"/> is set with no frame peeked at since the last decoded one.</exception>
    public void PeekPrepared(bool afterPeeked)
    {
        if (PendingFrames == 0) throw new InvalidOperationException("No prepared frame is pending: call PrepareFrames first.");
        CheckPeek(afterPeeked);
        fixed (float* e = _emissions) Peek(e + (long)_nextPrepared++ * _stride, afterPeeked);
    }

    /// <summary>
    /// <see cref="PeekPrepared"/> for a frame given as emission log-likelihoods, one per state (-infinity: impossible).
    /// </summary>
    /// <exception cref="ArgumentException">The span's length differs from the state count, or a value is NaN or +infinity.</exception>
    /// <exception cref="InvalidOperationException"><see cref="ForwardFiltering"/> is off, or <paramref name="afterPeeked"/> is set with no frame peeked at since the last decoded one.</exception>
    public void PeekEmissions(ReadOnlySpan<float> logLikelihoods, bool afterPeeked)
    {
        if (logLikelihoods.Length != StateCount)
            throw new ArgumentException($"logLikelihoods has {logLikelihoods.Length} values but the model has {StateCount} states.", nameof(logLikelihoods));
        for (int j = 0; j < logLikelihoods.Length; j++)
            if (float.IsNaN(logLikelihoods[j]) || float.IsPositiveInfinity(logLikelihoods[j]))
                throw new ArgumentException($"logLikelihoods[{j}] is {logLikelihoods[j]}: log-likelihoods must be below +infinity.", nameof(logLikelihoods));
        CheckPeek(afterPeeked);
        logLikelihoods.CopyTo(_peekEmissions);
        fixed (float* e = _peekEmissions) Peek(e, afterPeeked);
    }

    private void CheckPeek(bool afterPeeked)
    {
        if (!_forwardFiltering) throw new InvalidOperationException("Peeking needs ForwardFiltering on.");
        if (afterPeeked && _peeked == 0) throw new InvalidOperationException("No frame has been peeked at since the last decoded frame: peek with afterPeeked false first.");
    }

    private void Peek(float* e, bool afterPeeked)
    {
        int column = 2 * _pad + _stride;
        bool alive = _alive && (!afterPeeked || _peekAlive);
        _peeked = afterPeeked ? _peeked + 1 : 1;
        if (!alive)
        {
            _peekAlive = false;
            _peekPosteriors.AsSpan().Clear();
            return;
        }
        fixed (float* forward = _forward)
        fixed (float* peek = _peek)
        fixed (float* posteriors = _peekPosteriors)
        {
            float* previous = afterPeeked ? peek + _peekCurrent * column + _pad : _frames == 0 ? null : forward + _forwardCurrent * column + _pad;
            _peekCurrent = afterPeeked ? _peekCurrent ^ 1 : 0;
            float* current = peek + _peekCurrent * column + _pad;
            float scale = Column<LogSumExp>(previous, e, current, peek, null);
            _peekAlive = scale != float.NegativeInfinity;
            if (_peekAlive) CpuPasses.FilteredPosteriors(Width, current, _stride, posteriors);
            else _peekPosteriors.AsSpan().Clear();
        }
    }

    private bool _peekAlive;

    /// <summary>
    /// Ends the stream: commits every frame not yet committed, tracing back from the best final state, into
    /// <paramref name="states"/> (frames <see cref="FramesCommitted"/> onwards); returns how many. After it, push again
    /// only after <see cref="Reset"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="states"/> holds fewer values than the frames left (at most <see cref="Lag"/>).</exception>
    public int Flush(Span<int> states)
    {
        int left = (int)(_frames - _committed);
        if (states.Length < left) throw new ArgumentException($"states holds {states.Length} values but {left} frames are left to commit.", nameof(states));
        if (left == 0 || !_alive) return 0;
        fixed (float* viterbi = _viterbi)
        fixed (float* backpointers = _backpointers)
        fixed (int* output = states)
        {
            int column = 2 * _pad + _stride;
            long last = _frames - 1;
            int state = Definitions.BestFinalState(new CpuMemory(viterbi + _viterbiCurrent * column + _pad), 0, StateCount);
            output[left - 1] = state;
            var path = new PinnedPath(output);
            if (last > _committed)
                Definitions.FollowBackpointers(new RingRows(backpointers, _ring, _stride, _committed), 0, _stride, (int)(last - _committed),
                    1, state, ref path);
        }
        _committed = _frames;
        _lastCommitted = states[left - 1];
        return left;
    }

    private bool Step(int emissionRow)
    {
        _peeked = 0;
        if (!_alive)
        {
            _frames++;
            return false;
        }
        int column = 2 * _pad + _stride;
        long t = _frames;
        int slot = (int)(t % _ring);
        fixed (float* forward = _forward)
        fixed (float* viterbi = _viterbi)
        fixed (float* emissionRows = _emissions)
        fixed (float* backpointers = _backpointers)
        {
            float* e = emissionRows + (long)emissionRow * _stride;
            float* alphaPrevious = t == 0 ? null : forward + _forwardCurrent * column + _pad;
            float* deltaPrevious = t == 0 ? null : viterbi + _viterbiCurrent * column + _pad;
            _forwardCurrent = t == 0 ? 0 : _forwardCurrent ^ 1;
            _viterbiCurrent = t == 0 ? 0 : _viterbiCurrent ^ 1;
            float* alpha = forward + _forwardCurrent * column + _pad;
            float* delta = viterbi + _viterbiCurrent * column + _pad;
            float forwardScale = _forwardFiltering ? Column<LogSumExp>(alphaPrevious, e, alpha, forward, null) : 0;
            float viterbiScale = Column<MaxPlus>(deltaPrevious, e, delta, viterbi, backpointers + (long)slot * _stride);
            _frames++;
            if (forwardScale == float.NegativeInfinity || viterbiScale == float.NegativeInfinity)
            {
                _alive = false;
                _posteriors.AsSpan().Clear();
                LogLikelihood = double.NegativeInfinity;
                return false;
            }
            if (_forwardFiltering)
            {
                _scaleSum += forwardScale;
                fixed (float* posteriors = _posteriors)
                    LogLikelihood = Definitions.LogLikelihood(_scaleSum, CpuPasses.FilteredPosteriors(Width, alpha, _stride, posteriors));
            }
            if (t < Lag) return false;
            int state = Definitions.BestFinalState(new CpuMemory(delta), 0, StateCount);
            if (Lag > 0)
            {
                var sink = new DiscardPath();
                state = Definitions.FollowBackpointers(new RingRows(backpointers, _ring, _stride, t - Lag), 0, _stride, Lag, 1, state, ref sink);
            }
            _lastCommitted = state;
            _committed++;
            return true;
        }
    }

    /// <summary>The single-frame job over the model's tables (pinned by the caller).</summary>
    private SequenceJob NewJob(float* into, float* initial)
    {
        var tr = _model.Transitions;
        return new SequenceJob
        {
            Length = 1,
            States = _model.StateCount,
            Stride = _stride,
            Table = into,
            TableRows = tr is BandedTransitions banded ? banded.LiveOffsets.Length : tr.TableRows,
            Banded = tr.Layout == TransitionLayout.Banded,
            BandOffsets = tr is BandedTransitions live && live.LiveOffsets.Length < live.Bandwidth ? live.LiveOffsets : null,
            Initial = initial,
            Pad = _pad,
        };
    }

    /// <summary>
    /// One column of a recursion in semiring <typeparamref name="TS"/>: frame 0's from the initial probabilities when
    /// <paramref name="previous"/> is null, else the step from <paramref name="previous"/> (back-pointers into
    /// <paramref name="backpointers"/> where not null); <paramref name="scratch"/> is a three-column buffer whose third
    /// column the scaled dense step uses. Returns the column's scale (-infinity: no path survived).
    /// </summary>
    private float Column<TS>(float* previous, float* e, float* current, float* scratch, float* backpointers)
        where TS : struct, ISemiring
    {
        var tr = _model.Transitions;
        // A unit loop steps through its own band and unit tables: its dense form (N² values, built on first use) is never
        // asked for here.
        fixed (float* into = _loop is not null ? null : tr is BandedTransitions compact ? compact.LiveIntoTable : tr.IntoTable)
        fixed (float* scaled = _loop is not null ? null : tr.ScaledIntoTable)
        fixed (float* init = _model.LogInitialPadded)
        {
            var job = NewJob(into, init);
            if (previous == null) return CpuPasses.OnlineFirst(Width, ref job, e, current);
            if (_loop is not null)
            {
                var loop = _loop;
                fixed (float* band = loop.BandTable)
                fixed (float* units = loop.UnitTable)
                fixed (float* scaledUnits = loop.ScaledUnitTable)
                fixed (float* leave = loop.LogLeave)
                fixed (float* unitScratch = _unitScratch)
                {
                    var loopJob = new UnitLoopJob
                    {
                        Band = band, UnitTable = units, LogLeave = leave, Exits = unitScratch, Entries = unitScratch + loop.UnitStride,
                        EntryArgs = unitScratch + 2 * loop.UnitStride, ScaledUnits = scaledUnits, ScaledExits = unitScratch + 3 * loop.UnitStride, Units = loop.Units, StatesPerUnit = loop.StatesPerUnit,
                        UnitStride = loop.UnitStride, Stride = _stride, Pad = _pad,
                    };
                    return CpuPasses.UnitLoopNext<TS>(Width, ref loopJob, previous, e, current, backpointers);
                }
            }
            job.Scratch = scratch;
            job.Scaled = scaled; // the scaled dense step serves the sum pass only (OnlineNext asks TS)
            return CpuPasses.OnlineNext<TS>(Width, ref job, previous, e, current, backpointers);
        }
    }

    /// <summary>
    /// The back-pointer ring read as rows from frame <c>first</c>: row r is frame <c>first + r</c>'s pointers, kept in slot
    /// <c>(first + r) mod ring</c>.
    /// </summary>
    private readonly struct RingRows : IFloatMemory
    {
        private readonly float* _base;
        private readonly int _ring;
        private readonly int _stride;
        private readonly int _firstSlot;

        public RingRows(float* @base, int ring, int stride, long first)
        {
            _base = @base;
            _ring = ring;
            _stride = stride;
            _firstSlot = (int)(first % ring);
        }

        public ref float this[int index]
        {
            get
            {
                int row = index / _stride, slot = _firstSlot + row;
                if (slot >= _ring) slot -= _ring;
                return ref _base[(long)slot * _stride + (index - row * _stride)];
            }
        }
    }

    /// <summary>Writes the walked states into pinned memory, the walk's row t at index t.</summary>
    private readonly struct PinnedPath : IPathWriter
    {
        private readonly int* _states;

        public PinnedPath(int* states) => _states = states;

        public void Set(int t, int state) => _states[t] = state;
    }

    /// <summary>A walk whose states in between are not needed: only the state it ends at.</summary>
    private struct DiscardPath : IPathWriter
    {
        public void Set(int t, int state)
        {
        }
    }
}

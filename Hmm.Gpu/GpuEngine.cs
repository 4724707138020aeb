using System;
using Hmm.Engine;
using Hmm.Gpu.Kernels;
using Hmm.Primitives;
using Hmm.Simd;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Hmm.Gpu;

/// <summary>
/// The GPU engine: GMM emissions, forward, backward, posteriors and Viterbi (with the backtrace) on a CUDA device
/// through ILGPU, or on ILGPU's CPU accelerator where no CUDA device exists. Every kernel instantiates the
/// algorithm definitions of <see cref="Definitions"/> with <see cref="GpuLane"/> and <see cref="GpuMemory"/>, so it
/// computes what the SIMD CPU engine (<see cref="HmmEngine"/>) computes.
/// </summary>
/// <remarks>
/// <para>Kernels are compiled once per engine (on CUDA once per model shape, see
/// <see cref="GpuEngineOptions.SpecializeKernels"/>) and cached. Device buffers only grow and are reused, so repeated
/// calls with the same or smaller shapes allocate no device memory. Batches larger than
/// <see cref="GpuEngineOptions.DeviceMemoryBudget"/> are split into chunks; when the device runs out of memory a
/// chunk is halved and retried, and a sequence that does not fit alone is decoded by the CPU engine
/// (<see cref="GpuEngineOptions.CpuFallback"/>). Every sequence gets its answer.</para>
/// <para>Results match the CPU engine's conventions, except that output lattices get -infinity in frames past a
/// sequence's length (as a freshly allocated lattice has) instead of being left untouched. An engine is not
/// thread-safe: use one per thread, or serialise calls.</para>
/// </remarks>
public sealed partial class GpuEngine : IHmmEngine, IDisposable
{
    private const int MaxChunkFrames = 64;
    private const int TableInSharedLimit = 4096;
    private const int SharedBytesLimit = 48 * 1024;
    private const int MaxRecursionThreads = 512;
    private const int MaxBandedRecursionThreads = 672;
    private const int BandedChunkFloats = 8192;

    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly AcceleratorStream _stream;
    private readonly GpuEngineOptions _options;
    private readonly HmmEngine _cpu = new(SimdWidth.Auto);
    private readonly DeviceAllocator _allocator;

    // Per-batch buffers (grow-only).
    private readonly DeviceBuffer<float> _emissions, _features, _alpha, _beta, _alphaScales, _betaScales, _backpointers, _gamma, _shift, _counts;
    private readonly DeviceBuffer<int> _lengths, _paths;
    private readonly DeviceBuffer<ILGPU.Half> _halfFeatures;
    private PageLockedArray1D<ILGPU.Half>? _halfStaging; // page-locked: the upload runs at DMA speed, not through a bounce buffer
    private double[] _halfBounds = Array.Empty<double>();
    private int _halfBoundCount;
    private (object Gmm, float[] Precision, float[] Offset)? _halfFactors;
    private readonly DeviceBuffer<double> _scores;
    // Chunked (parallel-in-time) recursion: transfer rows, their scales, boundary columns, final states.
    private readonly DeviceBuffer<float> _transfer, _boundary;
    private readonly DeviceBuffer<double> _transferScales;
    private readonly DeviceBuffer<int> _final;
    // The live rows of a banded model's tables and their offsets (the one-pass recursion's compacted band).
    private readonly DeviceBuffer<float> _bandInto, _bandOutOf;
    private readonly DeviceBuffer<int> _bandOffsets, _order;
    // Model tables, uploaded when the model object changes.
    private readonly DeviceBuffer<float> _into, _outOf, _intoScaled, _outOfScaled, _initial, _gmmWeights, _gmmBias, _gmmCenter, _gmmPacked, _gmmPackedBias, _densePacked;
    private object? _loadedModel;
    private object? _loadedGmm;

    private readonly bool _specialize;
    private Action<KernelConfig, RecursionParams>? _recursionKernel;
    private Action<KernelConfig, RecursionParams, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>>? _recursionSpecialized;
    private Action<KernelConfig, GaussianParams>? _gaussianKernel;
    private Action<KernelConfig, GaussianParams, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>>? _gaussianSpecialized;
    private Action<KernelConfig, GaussianParams, GaussianTensorKernel.TensorAddresses, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>>? _gaussianTensor;
    private Action<KernelConfig, DenseTensorParams, SpecializedValue<int>, SpecializedValue<int>>? _denseTensor;
    private Action<KernelConfig, ChunkParams>? _transferKernel, _combineKernel, _replayKernel, _backtraceKernel;
    private Action<KernelConfig, ChunkParams, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>>? _transferSpecialized;
    private Action<KernelConfig, ChunkParams, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>>? _combineSpecialized;
    private Action<KernelConfig, ChunkParams, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>>? _replaySpecialized;
    private Action<KernelConfig, PosteriorParams, int>? _gammaKernel;
    private Action<KernelConfig, PosteriorParams, int>? _countsKernel;

    private double[] _scoreStaging = Array.Empty<double>();
    private double[] _hostScores = Array.Empty<double>();
    private bool _disposed;

    /// <summary>Creates an engine on the first CUDA device, or on ILGPU's CPU accelerator when there is none (or when asked).</summary>
    public GpuEngine(GpuEngineOptions? options = null)
    {
        _options = options ?? new GpuEngineOptions();
        // A test may ask for CUDA-sized warps on the CPU accelerator (shuffles across 32 lanes, e.g. packed seats' maxima).
        var cpuDevice = _options.CpuWarpSize > 0
            ? new CPUDevice(numThreadsPerWarp: _options.CpuWarpSize, numWarpsPerMultiprocessor: Math.Max(1, 32 / _options.CpuWarpSize), numMultiprocessors: 1)
            : CpuDevice;
        _context = Context.Create(builder =>
        {
            builder.EnableAlgorithms();
            builder.CPU(cpuDevice);
            if (!_options.ForceCpuAccelerator) builder.Cuda();
            if (_options.Profiling) builder.Profiling();
            builder.Optimize(_options.Optimization ?? OptimizationLevel.O1);
            if (_options.FastMath) builder.Math(MathMode.Fast);
        });
        Accelerator? accelerator = null;
        if (!_options.ForceCpuAccelerator)
        {
            foreach (var device in _context.GetCudaDevices())
            {
                accelerator = device.CreateCudaAccelerator(_context);
                break;
            }
        }
        _accelerator = accelerator ?? cpuDevice.CreateCPUAccelerator(_context);
        _stream = _accelerator.DefaultStream;
        _specialize = _options.SpecializeKernels ?? IsCuda;
        _allocator = new DeviceAllocator(_accelerator);
        _halfFeatures = new(_allocator);
        _emissions = new(_allocator); _features = new(_allocator); _alpha = new(_allocator); _beta = new(_allocator);
        _alphaScales = new(_allocator); _betaScales = new(_allocator); _backpointers = new(_allocator); _gamma = new(_allocator);
        _shift = new(_allocator); _counts = new(_allocator); _lengths = new(_allocator); _paths = new(_allocator);
        _scores = new(_allocator); _into = new(_allocator); _outOf = new(_allocator); _initial = new(_allocator);
        _intoScaled = new(_allocator); _outOfScaled = new(_allocator);
        _gmmWeights = new(_allocator); _gmmBias = new(_allocator); _gmmCenter = new(_allocator);
        _gmmPacked = new(_allocator); _gmmPackedBias = new(_allocator); _densePacked = new(_allocator);
        _transfer = new(_allocator); _boundary = new(_allocator); _transferScales = new(_allocator); _final = new(_allocator);
        _bandInto = new(_allocator); _bandOutOf = new(_allocator); _bandOffsets = new(_allocator); _order = new(_allocator);
    }

    /// <summary>
    /// The simulated device of the CPU accelerator: warps of 4 threads, groups of up to 32 (the recursion loops
    /// over states when a column is wider), one group at a time so that tests on small CI machines stay fast.
    /// </summary>
    private static readonly CPUDevice CpuDevice = new(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 8, numMultiprocessors: 1);

    /// <summary>True when a CUDA device exists and its driver loads (the engine would run on it).</summary>
    public static bool IsCudaAvailable()
    {
        try
        {
            using var context = Context.Create(builder => builder.Cuda());
            return context.GetCudaDevices().Count > 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or CudaException or NotSupportedException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>True when the engine runs on CUDA; false on ILGPU's CPU accelerator.</summary>
    public bool IsCuda => _accelerator.AcceleratorType == AcceleratorType.Cuda;

    /// <summary>The accelerator's name (the GPU's, or ILGPU's CPU accelerator).</summary>
    public string DeviceName => _accelerator.Name;

    /// <summary>Device memory held by the engine's buffers now, in bytes.</summary>
    public long DeviceBytesInUse => _allocator.BytesInUse;

    /// <summary>The most device memory the engine's buffers have held at once, in bytes.</summary>
    public long PeakDeviceBytes => _allocator.PeakBytes;

    /// <summary>Device allocations made since the engine was created (constant once calls reach a steady shape).</summary>
    public int DeviceAllocationCount => _allocator.Allocations;

    /// <summary>Chunks the last call ran on the device.</summary>
    public int LastChunkCount { get; private set; }

    /// <summary>
    /// Feature uploads skipped since the engine was created: an alignment pass over a chunk the device already holds from
    /// the same <see cref="IAlignmentBackend.LoadFeatures"/> does not upload it again (tests).
    /// </summary>
    internal int SkippedFeatureUploads { get; private set; }

    /// <summary>Sequences the last call handed to the CPU engine (device out of memory, or a shape the kernels cannot take).</summary>
    public int LastCpuFallbackSequences { get; private set; }

    /// <summary>Out-of-memory failures the last call recovered from by splitting or falling back.</summary>
    public int LastOutOfMemoryRetries { get; private set; }

    /// <summary>
    /// Sequences of the last emission or decode call whose features went up in binary16
    /// (<see cref="GpuEngineOptions.EmissionPrecision"/>).
    /// </summary>
    public int LastHalfPrecisionSequences { get; private set; }

    /// <summary>
    /// Per sequence of the last emission or decode call: a proven bound (nats) on how far half-precision features moved
    /// its log-likelihood and its Viterbi path score, the sum over frames of the largest possible change of any emission
    /// log-likelihood of the frame (0 for sequences uploaded in float32). Float32 rounding of the arithmetic comes on top, as
    /// on the CPU engine.
    /// </summary>
    public ReadOnlySpan<double> LastHalfPrecisionErrorBounds => _halfBounds.AsSpan(0, _halfBoundCount);

    /// <summary>Device time of the last call's kernels, copies excluded (zero unless <see cref="GpuEngineOptions.Profiling"/>).</summary>
    public TimeSpan LastKernelTime { get; private set; }

    /// <summary>
    /// Sequences per thread group of the last one-pass recursion launch of the last call (1: unpacked; 0: none ran, e.g. the
    /// time-chunked path). Tests check with it that packing (<see cref="GpuEngineOptions.PackSequences"/>) took effect.
    /// </summary>
    internal int LastRecursionPack { get; private set; }

    /// <summary>True when the last <see cref="Forward"/> ran (some of) its batch on the tensor-core dense recursion.</summary>
    internal bool LastTensorRecursion { get; private set; }

    /// <summary>The ILGPU accelerator (benchmarks time raw copies on it).</summary>
    internal Accelerator Accelerator => _accelerator;

    /// <summary>Test hook: makes device allocations of the given sizes fail as if the device were out of memory.</summary>
    internal Func<long, bool>? FailAllocationWhen
    {
        get => _allocator.FailWhen;
        set => _allocator.FailWhen = value;
    }

    // ================================================================ emissions

    /// <summary>log p(frame | state) for every frame. GMMs run on the device; categorical tables (a lookup) on the CPU.</summary>
    /// <exception cref="ArgumentException">Shapes disagree, or a feature is NaN/infinite, or a categorical symbol is out of range.</exception>
    public void ComputeEmissions(EmissionModel model, SequenceBatch features, EmissionBatch output)
    {
        ThrowIfDisposed();
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(features, nameof(features));
        Guard.NotNull(output, nameof(output));
        if (model is not GaussianMixtureEmissions gmm)
        {
            _cpu.ComputeEmissions(model, features, output);
            ResetStats();
            LastCpuFallbackSequences = features.BatchSize;
            return;
        }
        CheckEmissionShapes(model, features, output);
        for (int b = 0; b < features.BatchSize; b++) output.SetLength(b, features.Lengths[b]);
        var tables = gmm.Tables;
        int stride = output.Stride;
        long perSequence = 4L * features.MaxLength * (features.Dimension + stride) + 4;
        StartHalfBounds(features.BatchSize);
        RunChunked(features.BatchSize, perSequence, GaussianLayout(tables) != null,
            (b0, count) =>
            {
                UploadGmm(gmm);
                var frames = UploadFeatures(gmm, features, b0, count);
                var lengths = Upload(_lengths, features.Lengths.Slice(b0, count));
                var emissions = _emissions.Ensure((long)count * features.MaxLength * stride);
                var start = Mark();
                LaunchGaussian(tables, frames, lengths, emissions, count, features.MaxLength, stride);
                Measure(start);
                DownloadLattice(_emissions, output, b0, count, features.MaxLength);
            },
            (b0, count) =>
            {
                var sub = SubFeatures(features, b0, count);
                var subOut = new EmissionBatch(count, features.MaxLength, model.StateCount);
                _cpu.ComputeEmissions(model, sub, subOut);
                CopyLatticeRows(subOut, output, b0, count);
            });
    }

    // ================================================================ forward / backward

    /// <summary>log P(x) per sequence by the forward algorithm; optionally the absolute log forward variables.</summary>
    public void Forward(HmmModel model, EmissionBatch emissions, Span<double> logLikelihoods, StateLattice? logAlpha = null)
    {
        ThrowIfDisposed();
        Check(model, emissions, logLikelihoods.Length, nameof(logLikelihoods));
        logAlpha?.ShapeLike(emissions, nameof(logAlpha));
        int batch = emissions.BatchSize, stride = emissions.Stride, maxLength = emissions.MaxLength;
        long perSequence = 4L * maxLength * stride * (logAlpha != null ? 2 : 1) + 4 + 24;
        var scores = Staging(batch);
        LastTensorRecursion = false;
        RunChunked(batch, perSequence, RecursionLayoutFor(model) != null,
            (b0, count) =>
            {
                var p = RecursionSetup(model, emissions, b0, count);
                if (logAlpha != null) { p.AlphaColumns = _alpha.Ensure((long)count * maxLength * stride); p.RecordAlpha = 2; }
                var start = Mark();
                int segment = logAlpha == null ? TimeSegment(model, count, maxLength, 1) : 0;
                if (logAlpha == null && UsesTensorRecursion(model, count)) LaunchDenseTensor(model, p, count);
                else if (segment > 0) LaunchChunked(model, p, count, segment, RecursionKernel.ModeForward);
                else LaunchRecursion(model, p, count, RecursionKernel.ModeForward);
                Measure(start);
                DownloadScores(count, 0, scores.AsSpan(b0, count));
                if (logAlpha != null) DownloadLattice(_alpha, logAlpha, b0, count, maxLength);
            },
            (b0, count) =>
            {
                var sub = SubEmissions(emissions, b0, count);
                var subAlpha = logAlpha != null ? new StateLattice(count, maxLength, emissions.StateCount) : null;
                _cpu.Forward(model, sub, scores.AsSpan(b0, count), subAlpha);
                if (subAlpha != null) CopyLatticeRows(subAlpha, logAlpha!, b0, count);
            });
        scores.AsSpan(0, batch).CopyTo(logLikelihoods);
    }

    /// <summary>log P(x) per sequence by the backward algorithm; optionally the absolute log backward variables.</summary>
    public void Backward(HmmModel model, EmissionBatch emissions, Span<double> logLikelihoods, StateLattice? logBeta = null)
    {
        ThrowIfDisposed();
        Check(model, emissions, logLikelihoods.Length, nameof(logLikelihoods));
        logBeta?.ShapeLike(emissions, nameof(logBeta));
        int batch = emissions.BatchSize, stride = emissions.Stride, maxLength = emissions.MaxLength;
        long perSequence = 4L * maxLength * stride * (logBeta != null ? 2 : 1) + 4 + 24;
        var scores = Staging(batch);
        RunChunked(batch, perSequence, RecursionLayoutFor(model) != null,
            (b0, count) =>
            {
                var p = RecursionSetup(model, emissions, b0, count);
                if (logBeta != null) { p.BetaColumns = _beta.Ensure((long)count * maxLength * stride); p.RecordBeta = 2; }
                var start = Mark();
                int segment = logBeta == null ? TimeSegment(model, count, maxLength, 1) : 0;
                if (segment > 0) LaunchChunked(model, p, count, segment, RecursionKernel.ModeBackward);
                else LaunchRecursion(model, p, count, RecursionKernel.ModeBackward);
                Measure(start);
                DownloadScores(count, 2, scores.AsSpan(b0, count));
                if (logBeta != null) DownloadLattice(_beta, logBeta, b0, count, maxLength);
            },
            (b0, count) =>
            {
                var sub = SubEmissions(emissions, b0, count);
                var subBeta = logBeta != null ? new StateLattice(count, maxLength, emissions.StateCount) : null;
                _cpu.Backward(model, sub, scores.AsSpan(b0, count), subBeta);
                if (subBeta != null) CopyLatticeRows(subBeta, logBeta!, b0, count);
            });
        scores.AsSpan(0, batch).CopyTo(logLikelihoods);
    }

    // ================================================================ posteriors

    /// <summary>Forward-backward: log-likelihoods, state posteriors and expected transition counts.</summary>
    public void Posteriors(HmmModel model, EmissionBatch emissions, PosteriorResult result)
    {
        ThrowIfDisposed();
        Guard.NotNull(result, nameof(result));
        Check(model, emissions, result.LogLikelihoodArray.Length, nameof(result));
        var tr = model.Transitions;
        if (result.TransitionRows != tr.TableRows)
            throw new ArgumentException($"result has {result.TransitionRows} transition rows but the model needs {tr.TableRows}; create it with PosteriorResult.For.", nameof(result));
        result.StatePosteriors.ShapeLike(emissions, nameof(result));
        result.SetWritten(emissions.BatchSize, tr.Layout == TransitionLayout.Banded);
        int batch = emissions.BatchSize, stride = emissions.Stride, maxLength = emissions.MaxLength, rows = tr.TableRows;
        long perSequence = 4L * maxLength * stride * 4 + 4L * maxLength * 3 + 4L * rows * stride + 4 + 24;
        var scores = Staging(batch);
        RunChunked(batch, perSequence, RecursionLayoutFor(model) != null,
            (b0, count) =>
            {
                var p = RecursionSetup(model, emissions, b0, count);
                var start = Mark();
                LaunchPosteriors(model, p, count, counts: true);
                Measure(start);
                DownloadScores(count, 0, scores.AsSpan(b0, count));
                DownloadLattice(_gamma, result.StatePosteriors, b0, count, maxLength);
                _counts.View.SubView(0, (long)count * rows * stride).CopyToCPU(_stream, result.CountArray.AsSpan(b0 * rows * stride, count * rows * stride));
            },
            (b0, count) =>
            {
                var sub = SubEmissions(emissions, b0, count);
                var subResult = new PosteriorResult(count, maxLength, emissions.StateCount, rows);
                _cpu.Posteriors(model, sub, subResult);
                subResult.LogLikelihoods.CopyTo(scores.AsSpan(b0, count));
                CopyLatticeRows(subResult.StatePosteriors, result.StatePosteriors, b0, count);
                subResult.CountArray.AsSpan(0, count * rows * stride).CopyTo(result.CountArray.AsSpan(b0 * rows * stride));
            });
        scores.AsSpan(0, batch).CopyTo(result.LogLikelihoodArray);
    }

    /// <summary>
    /// Forward-backward over the emissions in <paramref name="p"/> (already on the device): normalised columns into
    /// <c>_alpha</c> and <c>_beta</c>, the state posteriors into <c>_gamma</c> (unless <paramref name="gamma"/> is false: the
    /// tied-state kernels derive them from the columns themselves) and, when <paramref name="counts"/>, the expected
    /// transition counts into <c>_counts</c> (needs the posteriors).
    /// </summary>
    private void LaunchPosteriors(HmmModel model, RecursionParams p, int count, bool counts, bool gamma = true)
    {
        var tr = model.Transitions;
        int maxLength = p.MaxLength, stride = p.Stride, rows = tr.TableRows;
        long cells = (long)count * maxLength * stride;
        p.AlphaColumns = _alpha.Ensure(cells);
        p.BetaColumns = _beta.Ensure(cells);
        p.AlphaScales = _alphaScales.Ensure((long)count * maxLength);
        p.BetaScales = _betaScales.Ensure((long)count * maxLength);
        p.RecordAlpha = 1;
        p.RecordBeta = 1;
        var q = new PosteriorParams
        {
            Emissions = p.Emissions, Lengths = p.Lengths, Alpha = p.AlphaColumns, Beta = p.BetaColumns, BetaScales = p.BetaScales,
            Table = tr.Layout == TransitionLayout.Banded ? p.OutOfTable : p.IntoTable, Scores = p.Scores,
            Gamma = _gamma.Ensure(cells), Shift = _shift.Ensure((long)count * maxLength), Counts = _counts.Ensure(counts ? (long)count * rows * stride : 1),
            MaxLength = maxLength, Stride = stride, Rows = rows, Banded = p.Banded,
        };
        int segment = TimeSegment(model, count, maxLength, 2);
        if (segment > 0) LaunchChunked(model, p, count, segment, RecursionKernel.ModeForward, RecursionKernel.ModeBackward, record: true);
        else LaunchRecursion(model, p, count, RecursionKernel.ModeForward, RecursionKernel.ModeBackward);
        if (!gamma) return;
        _gammaKernel ??= _accelerator.LoadStreamKernel<PosteriorParams, int>(PosteriorKernel.Gamma);
        _gammaKernel(SmallGroups(count * maxLength), q, count * maxLength);
        if (!counts) return;
        _countsKernel ??= _accelerator.LoadStreamKernel<PosteriorParams, int>(PosteriorKernel.Counts);
        _countsKernel(SmallGroups(count * rows * stride * _accelerator.WarpSize), q, count * rows * stride);
    }

    // ================================================================ Viterbi

    /// <summary>The most likely state path of every sequence, with its log score (backtrace on the device).</summary>
    public void Viterbi(HmmModel model, EmissionBatch emissions, ViterbiResult result)
    {
        ThrowIfDisposed();
        Guard.NotNull(result, nameof(result));
        Check(model, emissions, result.BatchCapacity, nameof(result));
        if (result.MaxLength < emissions.MaxLength)
            throw new ArgumentException($"result holds paths of {result.MaxLength} frames but emissions have up to {emissions.MaxLength}.", nameof(result));
        result.SetBatchSize(emissions.BatchSize);
        int batch = emissions.BatchSize, stride = emissions.Stride, maxLength = emissions.MaxLength;
        for (int b = 0; b < batch; b++) result.LengthArray[b] = emissions.Lengths[b];
        long perSequence = 4L * maxLength * stride * 2 + 4L * result.MaxLength + 4 + 24;
        RunChunked(batch, perSequence, RecursionLayoutFor(model) != null,
            (b0, count) =>
            {
                var p = RecursionSetup(model, emissions, b0, count);
                var start = Mark();
                LaunchViterbi(model, p, count, result.MaxLength);
                Measure(start);
                DownloadScores(count, 1, result.ScoreArray.AsSpan(b0, count));
                _paths.View.SubView(0, (long)count * result.MaxLength).CopyToCPU(_stream, result.PathArray.AsSpan(b0 * result.MaxLength, count * result.MaxLength));
            },
            (b0, count) => ViterbiOnCpu(model, SubEmissions(emissions, b0, count), result, b0, count));
    }

    /// <summary>
    /// Viterbi and forward-backward (normalised columns into <c>_alpha</c>/<c>_beta</c>, no posteriors) over the same emissions
    /// in one launch: three groups a sequence, longest sequences first (<see cref="RecursionParams.Ordered"/>). Two launches
    /// each wait for their longest sequence; one launch of 3 x 60 groups on 132 multiprocessors starts the short sequences'
    /// groups where the long ones' leave room. Where the one-pass kernel does not take the model (time chunks, packed
    /// sequences), the two launches as before.
    /// </summary>
    private void LaunchViterbiAndColumns(HmmModel model, RecursionParams p, int count, int pathStride, ReadOnlySpan<int> lengths)
    {
        var layout = RecursionLayoutFor(model);
        if (layout == null || TimeSegment(model, count, p.MaxLength, 3) > 0 || PackingFor(model, layout.Value) != null)
        {
            LaunchViterbi(model, p, count, pathStride);
            LaunchPosteriors(model, p, count, counts: false, gamma: false);
            return;
        }
        long cells = (long)count * p.MaxLength * p.Stride;
        p.Backpointers = _backpointers.Ensure(cells);
        p.Paths = _paths.Ensure((long)count * pathStride);
        p.PathStride = pathStride;
        p.AlphaColumns = _alpha.Ensure(cells);
        p.BetaColumns = _beta.Ensure(cells);
        p.AlphaScales = _alphaScales.Ensure((long)count * p.MaxLength);
        p.BetaScales = _betaScales.Ensure((long)count * p.MaxLength);
        p.RecordAlpha = 1;
        p.RecordBeta = 1;
        if (_orderStaging.Length < count) _orderStaging = new int[count];
        var order = _orderStaging.AsSpan(0, count);
        for (int i = 0; i < count; i++) order[i] = i;
        var keys = lengths.Length >= count ? lengths.Slice(0, count) : default;
        SortLongestFirst(order, keys);
        p.Order = Upload(_order, order);
        p.Ordered = 1;
        LaunchRecursion(model, p, count, RecursionKernel.ModeForward, RecursionKernel.ModeBackward, RecursionKernel.ModeViterbi);
    }

    /// <summary>Sequence indices by descending length, ties by index (insertion sort: a batch is at most a few hundred).</summary>
    private static void SortLongestFirst(Span<int> order, ReadOnlySpan<int> lengths)
    {
        for (int i = 1; i < order.Length; i++)
        {
            int v = order[i], k = i - 1;
            while (k >= 0 && lengths[order[k]] < lengths[v]) { order[k + 1] = order[k]; k--; }
            order[k + 1] = v;
        }
    }

    private int[] _orderStaging = Array.Empty<int>();

    /// <summary>Viterbi over the emissions in <paramref name="p"/> (already on the device): scores in slot 1, paths into <c>_paths</c> (<paramref name="pathStride"/> apart).</summary>
    private void LaunchViterbi(HmmModel model, RecursionParams p, int count, int pathStride)
    {
        p.Backpointers = _backpointers.Ensure((long)count * p.MaxLength * p.Stride);
        p.Paths = _paths.Ensure((long)count * pathStride);
        p.PathStride = pathStride;
        int segment = TimeSegment(model, count, p.MaxLength, 1);
        if (segment > 0) LaunchChunked(model, p, count, segment, RecursionKernel.ModeViterbi);
        else LaunchRecursion(model, p, count, RecursionKernel.ModeViterbi);
    }

    /// <summary>
    /// GMM emissions, forward log-likelihoods and Viterbi paths in one pass with the emissions kept on the device
    /// (the GPU's reason to exist: features go up once, paths and scores come back).
    /// </summary>
    /// <param name="emissionModel">The GMM; its state count must equal the model's.</param>
    /// <param name="model">Initial and transition probabilities.</param>
    /// <param name="features">The feature sequences.</param>
    /// <param name="logLikelihoods">Receives log P(x) per sequence.</param>
    /// <param name="result">Receives the best path and its score per sequence.</param>
    /// <exception cref="ArgumentException">Shapes disagree, or a feature is NaN/infinite.</exception>
    public void Decode(GaussianMixtureEmissions emissionModel, HmmModel model, SequenceBatch features, Span<double> logLikelihoods, ViterbiResult result)
    {
        ThrowIfDisposed();
        EngineArguments.DecodeShapes(emissionModel, model, features, logLikelihoods.Length, nameof(logLikelihoods), result);
        if (!HostValidation.FeaturesFinite(features)) features.EnsureFinite(nameof(features));
        int batch = features.BatchSize, maxLength = features.MaxLength, stride = model.Transitions.PaddedStateCount;
        var tables = emissionModel.Tables;
        result.SetBatchSize(batch);
        for (int b = 0; b < batch; b++) result.LengthArray[b] = features.Lengths[b];
        var scores = Staging(batch);
        long perSequence = 4L * maxLength * (features.Dimension + 2 * stride) + 4L * result.MaxLength + 4 + 24;
        StartHalfBounds(batch);
        RunChunked(batch, perSequence, RecursionLayoutFor(model) != null && GaussianLayout(tables) != null,
            (b0, count) =>
            {
                UploadGmm(emissionModel);
                var frames = UploadFeatures(emissionModel, features, b0, count);
                var p = RecursionSetup(model, null, b0, count, features.Lengths.Slice(b0, count), maxLength);
                p.Backpointers = _backpointers.Ensure((long)count * maxLength * stride);
                p.Paths = _paths.Ensure((long)count * result.MaxLength);
                p.PathStride = result.MaxLength;
                var start = Mark();
                LaunchGaussian(tables, frames, p.Lengths, p.Emissions, count, maxLength, stride);
                int segment = TimeSegment(model, count, maxLength, 2);
                if (segment > 0) LaunchChunked(model, p, count, segment, RecursionKernel.ModeForward, RecursionKernel.ModeViterbi);
                else LaunchRecursion(model, p, count, RecursionKernel.ModeForward, RecursionKernel.ModeViterbi);
                Measure(start);
                DownloadScores(count, 0, scores.AsSpan(b0, count));
                DownloadScores(count, 1, result.ScoreArray.AsSpan(b0, count));
                _paths.View.SubView(0, (long)count * result.MaxLength).CopyToCPU(_stream, result.PathArray.AsSpan(b0 * result.MaxLength, count * result.MaxLength));
            },
            (b0, count) =>
            {
                var sub = SubFeatures(features, b0, count);
                var e = new EmissionBatch(count, maxLength, model.StateCount);
                _cpu.ComputeEmissions(emissionModel, sub, e);
                _cpu.Forward(model, e, scores.AsSpan(b0, count));
                ViterbiOnCpu(model, e, result, b0, count);
            });
        scores.AsSpan(0, batch).CopyTo(logLikelihoods);
    }

    // ================================================================ chunking, out-of-memory and fallback

    private void RunChunked(int batch, long bytesPerSequence, bool supported, Action<int, int> onDevice, Action<int, int> onCpu)
    {
        ResetStats();
        if (!supported)
        {
            if (!_options.CpuFallback) throw new NotSupportedException("this shape does not fit the GPU kernels' shared memory and CpuFallback is off.");
            onCpu(0, batch);
            LastCpuFallbackSequences = batch;
            return;
        }
        long budget = _options.DeviceMemoryBudget > 0 ? _options.DeviceMemoryBudget
            : IsCuda ? _accelerator.MemorySize / 2 : 1L << 30;
        int chunk = (int)Math.Clamp(budget / Math.Max(1, bytesPerSequence), 1, batch);
        for (int b0 = 0; b0 < batch;)
        {
            int count = Math.Min(chunk, batch - b0);
            try
            {
                onDevice(b0, count);
                _stream.Synchronize();
                LastChunkCount++;
                b0 += count;
            }
            catch (Exception ex) when (IsOutOfMemory(ex))
            {
                LastOutOfMemoryRetries++;
                ReleaseBatchBuffers();
                if (count > 1)
                {
                    chunk = Math.Max(1, count / 2);
                    continue;
                }
                if (!_options.CpuFallback) throw;
                onCpu(b0, 1);
                LastCpuFallbackSequences++;
                b0 += 1;
            }
        }
    }

    private bool IsOutOfMemory(Exception ex) => ex switch
    {
        SimulatedOutOfMemoryException => true,
        CudaException cuda => (cuda.Error ?? string.Empty).Contains(nameof(CudaError.CUDA_ERROR_OUT_OF_MEMORY), StringComparison.Ordinal)
            || cuda.Message.Contains(nameof(CudaError.CUDA_ERROR_OUT_OF_MEMORY), StringComparison.Ordinal),
        OutOfMemoryException => !IsCuda, // the CPU accelerator's "device" memory is host memory
        _ => ex.InnerException != null && IsOutOfMemory(ex.InnerException),
    };

    private void ReleaseBatchBuffers()
    {
        _featuresHeld = null;
        _emissions.Dispose(); _features.Dispose(); _halfFeatures.Dispose(); _alpha.Dispose(); _beta.Dispose(); _alphaScales.Dispose(); _betaScales.Dispose();
        _backpointers.Dispose(); _gamma.Dispose(); _shift.Dispose(); _counts.Dispose(); _lengths.Dispose(); _paths.Dispose(); _scores.Dispose();
        _transfer.Dispose(); _boundary.Dispose(); _transferScales.Dispose(); _final.Dispose();
        ReleaseTiedBuffers();
    }

    /// <summary>
    /// Releases the cached per-batch device buffers (model tables stay). The next call allocates what it needs again;
    /// useful after an unusually large batch.
    /// </summary>
    public void TrimDeviceMemory()
    {
        ThrowIfDisposed();
        ReleaseBatchBuffers();
    }

    private void ResetStats()
    {
        LastChunkCount = 0;
        LastCpuFallbackSequences = 0;
        LastOutOfMemoryRetries = 0;
        LastKernelTime = TimeSpan.Zero;
        LastRecursionPack = 0;
    }

    private void ViterbiOnCpu(HmmModel model, EmissionBatch sub, ViterbiResult result, int b0, int count)
    {
        var subResult = new ViterbiResult(count, Math.Max(1, sub.MaxLength));
        _cpu.Viterbi(model, sub, subResult);
        for (int i = 0; i < count; i++)
        {
            result.ScoreArray[b0 + i] = subResult.Scores[i];
            subResult.Path(i).CopyTo(result.PathArray.AsSpan((b0 + i) * result.MaxLength));
        }
    }

    // ================================================================ launches

    private RecursionParams RecursionSetup(HmmModel model, EmissionBatch? emissions, int b0, int count, ReadOnlySpan<int> lengths = default, int maxLength = 0)
    {
        var tr = model.Transitions;
        UploadModel(model);
        int stride = tr.PaddedStateCount;
        ArrayView<float> emissionView;
        ArrayView<int> lengthView;
        if (emissions != null)
        {
            maxLength = emissions.MaxLength;
            long cells = (long)count * maxLength * stride;
            emissionView = _emissions.Ensure(cells);
            _emissions.View.SubView(0, cells).CopyFromCPU(_stream, emissions.Data.AsSpan(emissions.Offset(b0, 0), (int)cells));
            lengthView = Upload(_lengths, emissions.Lengths.Slice(b0, count));
        }
        else
        {
            emissionView = _emissions.Ensure((long)count * maxLength * stride);
            lengthView = Upload(_lengths, lengths);
        }
        var dummy = _emissions.Ensure(1);
        return new RecursionParams
        {
            Emissions = emissionView,
            Lengths = lengthView,
            IntoTable = _into.Ensure(tr.IntoTable.Length),
            OutOfTable = _outOf.Ensure(tr.OutOfTable.Length),
            IntoScaled = _intoScaled.Ensure(tr.ScaledIntoTable?.Length ?? 1),
            OutOfScaled = _outOfScaled.Ensure(tr.ScaledOutOfTable?.Length ?? 1),
            Initial = _initial.Ensure(stride),
            AlphaColumns = dummy,
            AlphaScales = dummy,
            BetaColumns = dummy,
            BetaScales = dummy,
            Backpointers = dummy,
            Paths = lengthView,
            BandOffsets = lengthView,
            Order = lengthView,
            Scores = _scores.Ensure(3L * count),
            MaxLength = maxLength,
            States = model.StateCount,
            Stride = stride,
            Rows = tr.TableRows,
            Banded = tr.Layout == TransitionLayout.Banded ? 1 : 0,
            Pad = Pad(tr),
        };
    }

    private static int Pad(TransitionModel tr) => SimdCapabilities.Pad(Math.Max(tr.TableRows, 1));

    private readonly record struct RecursionLayout(int Threads, int SharedFloats, int ChunkFrames, bool TableInShared, bool ScanMax, int Split, bool Scaled);

    private RecursionLayout? RecursionLayoutFor(HmmModel model)
    {
        var tr = model.Transitions;
        int stride = tr.PaddedStateCount, rows = tr.TableRows, pad = Pad(tr);
        if (stride % 16 != 0) return null; // the column scan reads 16 states at a time; padding guarantees this
        int warp = _accelerator.WarpSize;
        // At most 512 threads a group: the generic recursion kernel takes 96 registers on sm_86 (ptxas), and 1,024
        // threads of that would exceed the 64 K registers of an SM; wider columns loop over their states. Banded models
        // (alignment graphs of 300-660 states) go to 672 threads when the kernel is specialised to the shape (672 x 96 =
        // 64,512 registers; the specialised banded kernel took 72 on sm_90, Nsight Compute): at 512, a 560-state graph had
        // 48 threads compute two states a frame, on the critical path of every frame. The generic kernel (up to 120
        // registers) keeps 512.
        bool wide = tr.Layout == TransitionLayout.Banded && _specialize;
        int maxThreads = Math.Min(_accelerator.MaxNumThreadsPerGroup, wide ? MaxBandedRecursionThreads : MaxRecursionThreads) / warp * warp;
        // Row split only on request: measured on an H100 it cost more than it saved for N=10 (the extra barrier) and
        // N=64 (8 threads a state need 512-thread groups at 80 registers: one group per SM, two waves for 256 sequences).
        // With the scaled step, a split K (a power of two within a warp) gives each state K adjacent lanes that sum every
        // K-th row and add their partial sums by warp shuffles (RecursionKernel.SplitScaledValue); Viterbi keeps the row-block
        // split. Whether that pays for dense N=64 is for the device to say: Hmm.Gpu.Bench prints "scaled row split 2/4".
        int split = tr.Layout == TransitionLayout.Banded ? 1 : Math.Max(1, _options.RowSplit);
        // The scaled log-semiring step (Definitions.RelaxDenseScaled) on dense tables: one thread per state or a shuffle split.
        bool scaled = _options.ScaledDenseStep && tr.ScaledIntoTable != null && (split == 1 || RecursionKernel.ScaledSplitFits(split, warp));
        int threads = Math.Min((stride * split + warp - 1) / warp * warp, maxThreads);
        int warps = threads / warp;
        int maxShared = Math.Min(_accelerator.MaxSharedMemoryPerGroup, SharedBytesLimit) / 4;
        int fixedFloats = RecursionKernel.SharedFloats(pad, stride, rows, false, 0, warps, split, scaled);
        if (fixedFloats + stride > maxShared) return null;
        // The limit counts the table's own floats; the fit counts its staged size (rows a padded pitch apart under a scaled split).
        int tableFloats = rows * RecursionKernel.TablePitch(stride, split, scaled);
        bool tableInShared = rows * stride <= TableInSharedLimit && fixedFloats + tableFloats + stride <= maxShared;
        int available = maxShared - fixedFloats - (tableInShared ? tableFloats : 0);
        // Emissions are staged a chunk of frames at a time, and each staging exposes a global-load latency. Dense models keep
        // chunks to 1,024 floats; banded ones (alignment graphs of hundreds of states, a thread per state, one group a
        // sequence) take up to 8,192 floats: at 1,024 a 464-state graph staged every 2 frames.
        int chunkFloats = tr.Layout == TransitionLayout.Banded ? BandedChunkFloats : 1024;
        int chunkFrames = Math.Max(1, Math.Min(Math.Min(MaxChunkFrames, Math.Max(1, chunkFloats / stride)), available / stride));
        int scanLimit = _options.ScanMaxStride > 0 ? _options.ScanMaxStride : 32;
        return new RecursionLayout(threads, RecursionKernel.SharedFloats(pad, stride, rows, tableInShared, chunkFrames, warps, split, scaled),
            chunkFrames, tableInShared, stride <= scanLimit, split, scaled);
    }

    /// <summary>
    /// How the one-pass kernel packs sequences (<see cref="GpuEngineOptions.PackSequences"/>): <see cref="Pack"/> sequences of
    /// <see cref="Lanes"/> threads in one group of <see cref="Threads"/>, <see cref="ChunkFrames"/> frames of emissions staged per sequence.
    /// </summary>
    private readonly record struct RecursionPacking(int Pack, int Lanes, int Threads, int ChunkFrames, int SharedFloats);

    /// <summary>The widest packed group: one CUDA warp, so that the seats' shuffles and the group's barriers cost what one warp's do.</summary>
    private const int PackedGroupThreads = 32;

    /// <summary>
    /// Packing for the one-pass kernel, or null for one sequence per group. It applies when a sequence needs at most half of a
    /// packed group: one thread per state (no row split), L = the smallest power of two ≥ the state count, 2·L ≤ 32; then
    /// P = 32 / L sequences of the same pass share a group (N = 10: 2; N ≤ 8: 4). The emission chunk per sequence shrinks
    /// by P so that a group's shared memory stays about what one unpacked group takes. A shuffle maximum needs the group in
    /// one warp (the CPU accelerator's warps have 4 threads: there only the scan, the default for strides ≤ 32, packs).
    /// </summary>
    private RecursionPacking? PackingFor(HmmModel model, RecursionLayout layout)
    {
        if (!_options.PackSequences || layout.Split != 1) return null;
        var tr = model.Transitions;
        int stride = tr.PaddedStateCount;
        int width = Math.Min(PackedGroupThreads, _accelerator.MaxNumThreadsPerGroup);
        int lanes = 1;
        while (lanes < model.StateCount) lanes <<= 1;
        if (lanes > stride || 2 * lanes > width) return null;
        if (!layout.ScanMax && width > _accelerator.WarpSize) return null;
        int pack = width / lanes;
        int chunkFrames = Math.Max(1, layout.ChunkFrames / pack);
        int warps = (width + _accelerator.WarpSize - 1) / _accelerator.WarpSize;
        int floats = RecursionKernel.SharedFloats(Pad(tr), stride, tr.TableRows, layout.TableInShared, chunkFrames, warps, 1, layout.Scaled, pack);
        int maxShared = Math.Min(_accelerator.MaxSharedMemoryPerGroup, SharedBytesLimit) / 4;
        if (floats > maxShared) return null;
        return new RecursionPacking(pack, lanes, width, chunkFrames, floats);
    }

    private void LaunchRecursion(HmmModel model, RecursionParams p, int count, int mode0, int mode1 = -1, int mode2 = -1)
    {
        var layout = RecursionLayoutFor(model)!.Value;
        var packing = mode2 < 0 ? PackingFor(model, layout) : null;
        p.ModeCount = mode1 < 0 ? 1 : mode2 < 0 ? 2 : 3;
        p.Mode0 = mode0;
        p.Mode1 = mode1 < 0 ? mode0 : mode1;
        p.Mode2 = mode2 < 0 ? p.Mode1 : mode2;
        p.ChunkFrames = packing?.ChunkFrames ?? layout.ChunkFrames;
        p.TableInShared = layout.TableInShared ? 1 : 0;
        p.ScanMax = layout.ScanMax ? 1 : 0;
        p.Split = layout.Split;
        p.Scaled = layout.Scaled ? 1 : 0;
        p.Count = count;
        p.Pack = packing?.Pack ?? 1;
        p.Lanes = packing?.Lanes ?? layout.Threads;
        if (model.Transitions is BandedTransitions banded)
        {
            // Only the live offsets' rows (an alignment graph: 3 of S + 2); the layout's shared memory was sized for all rows.
            int live = banded.LiveOffsets.Length;
            p.Rows = live;
            p.IntoTable = _bandInto.View.SubView(0, (long)live * p.Stride);
            p.OutOfTable = _bandOutOf.View.SubView(0, (long)live * p.Stride);
            p.BandOffsets = _bandOffsets.View.SubView(0, live);
            var o = banded.LiveOffsets;
            int At(int r) => r < live ? o[r] : 0;
            (p.Band0, p.Band1, p.Band2, p.Band3, p.Band4, p.Band5, p.Band6, p.Band7) = (At(0), At(1), At(2), At(3), At(4), At(5), At(6), At(7));
        }
        LastRecursionPack = p.Pack;
        int groups = (count + p.Pack - 1) / p.Pack * p.ModeCount;
        var config = new KernelConfig(new Index1D(groups), new Index1D(packing?.Threads ?? layout.Threads),
            SharedMemoryConfig.RequestDynamic<float>(packing?.SharedFloats ?? layout.SharedFloats));
        if (_specialize)
        {
            _recursionSpecialized ??= _accelerator.LoadStreamKernel(SpecializedRecursion());
            _recursionSpecialized(config, p, SpecializedValue.New(p.Rows), SpecializedValue.New(p.Stride), SpecializedValue.New(p.Pad), SpecializedValue.New(p.Banded),
                SpecializedValue.New(p.ScanMax), SpecializedValue.New(p.Split), SpecializedValue.New(p.Scaled), SpecializedValue.New(p.Pack), SpecializedValue.New(p.Lanes));
        }
        else
        {
            _recursionKernel ??= _accelerator.LoadStreamKernel(GenericRecursion());
            _recursionKernel(config, p);
        }
    }

    /// <summary>Transfer rows a group computes: two rows of 16 states fill a warp (scan mode only: one state per thread).</summary>
    private int RowsPerGroup(RecursionLayout layout, int stride) =>
        layout.ScanMax && layout.Split == 1 && 2 * stride <= Math.Min(32, _accelerator.MaxNumThreadsPerGroup) ? Math.Min(32, _accelerator.MaxNumThreadsPerGroup) / stride : 1;

    /// <summary>
    /// Frames per time chunk for a call, or 0 for the one-pass kernel. Auto (CUDA): chunk when the one-pass launch has
    /// fewer groups than the device holds, choosing C chunks so that the transfer launch (count · modes · C row blocks)
    /// roughly fills 32 warps per SM; needs C ≥ 4 and chunks of at least 16 frames to pay for the extra passes.
    /// </summary>
    private int TimeSegment(HmmModel model, int count, int maxLength, int modes)
    {
        var tr = model.Transitions;
        if (_options.TimeChunkFrames < 0 || maxLength < 2) return 0;
        var layoutOrNull = RecursionLayoutFor(model);
        if (layoutOrNull == null || layoutOrNull.Value.Split != 1) return 0;
        var layout = layoutOrNull.Value;
        int stride = tr.PaddedStateCount;
        int maxShared = Math.Min(_accelerator.MaxSharedMemoryPerGroup, SharedBytesLimit) / 4;
        int rpg = RowsPerGroup(layout, stride);
        int warps = Math.Max(1, layout.Threads / _accelerator.WarpSize);
        if (ChunkedKernel.TransferSharedFloats(Pad(tr), stride, tr.TableRows, layout.TableInShared, layout.ChunkFrames, warps, rpg, layout.Scaled) > maxShared) return 0;
        if (_options.TimeChunkFrames > 0) return Math.Min(_options.TimeChunkFrames, maxLength);
        if (!IsCuda) return 0;
        int sms = Math.Max(1, _accelerator.NumMultiprocessors);
        long perChunk = (long)count * modes * ((model.StateCount + rpg - 1) / rpg) * warps;
        long chunks = sms * 32L / Math.Max(1, perChunk);
        if (chunks < 4) return 0;
        int segment = (int)Math.Max(16, (maxLength + chunks - 1) / chunks);
        return (maxLength + segment - 1) / segment >= 4 ? segment : 0;
    }

    /// <summary>
    /// The chunked recursion (see <see cref="ChunkedKernel"/>): transfer rows, combination over chunks (scores), and for
    /// Viterbi the replay from the boundary columns and the backtrace. Scores land in <c>p.Scores</c> as with the one-pass kernel.
    /// </summary>
    private void LaunchChunked(HmmModel model, RecursionParams p, int count, int segment, int mode0, int mode1 = -1, bool record = false)
    {
        var layout = RecursionLayoutFor(model)!.Value;
        int modes = mode1 < 0 ? 1 : 2;
        int segments = (p.MaxLength + segment - 1) / segment;
        int stride = p.Stride, n = p.States;
        int rpg = RowsPerGroup(layout, stride);
        int warps = Math.Max(1, layout.Threads / _accelerator.WarpSize);
        bool viterbi = mode0 == RecursionKernel.ModeViterbi || mode1 == RecursionKernel.ModeViterbi;
        int replayMask = 0;
        for (int slot = 0; slot < modes; slot++)
        {
            int mode = slot == 0 ? mode0 : mode1;
            if (mode == RecursionKernel.ModeViterbi || record) replayMask |= 1 << slot;
        }
        var q = new ChunkParams
        {
            Emissions = p.Emissions, Lengths = p.Lengths, IntoTable = p.IntoTable, OutOfTable = p.OutOfTable, Initial = p.Initial,
            IntoScaled = p.IntoScaled, OutOfScaled = p.OutOfScaled, Scaled = layout.Scaled ? 1 : 0,
            AlphaColumns = p.AlphaColumns, AlphaScales = p.AlphaScales, BetaColumns = p.BetaColumns, BetaScales = p.BetaScales, ReplayMask = replayMask,
            Transfer = _transfer.Ensure((long)count * segments * modes * n * stride),
            TransferScales = _transferScales.Ensure((long)count * segments * modes * n),
            Boundary = _boundary.Ensure((long)count * segments * modes * stride),
            Final = _final.Ensure((long)count * modes),
            Backpointers = p.Backpointers, Paths = p.Paths, Scores = p.Scores,
            MaxLength = p.MaxLength, States = n, Stride = stride, Rows = p.Rows, Banded = p.Banded, Pad = p.Pad, PathStride = p.PathStride,
            ModeCount = modes, Mode0 = mode0, Mode1 = mode1 < 0 ? mode0 : mode1,
            TableInShared = layout.TableInShared ? 1 : 0, ChunkFrames = layout.ChunkFrames, ScanMax = layout.ScanMax ? 1 : 0,
            Segment = segment, Segments = segments, RowsPerGroup = rpg,
        };
        int transferThreads = rpg > 1 ? (rpg * stride + _accelerator.WarpSize - 1) / _accelerator.WarpSize * _accelerator.WarpSize : layout.Threads;
        int transferWarps = transferThreads / _accelerator.WarpSize;
        int rowBlocks = (n + rpg - 1) / rpg;
        var transferConfig = new KernelConfig(new Index1D(count * segments * modes * rowBlocks), new Index1D(transferThreads),
            SharedMemoryConfig.RequestDynamic<float>(ChunkedKernel.TransferSharedFloats(q.Pad, stride, q.Rows, layout.TableInShared, q.ChunkFrames, transferWarps, rpg, layout.Scaled)));
        var combineConfig = new KernelConfig(new Index1D(count * modes), new Index1D(layout.Threads),
            SharedMemoryConfig.RequestDynamic<float>(ChunkedKernel.CombineSharedFloats(q.Pad, stride, warps)));
        var replayConfig = new KernelConfig(new Index1D(count * segments * modes), new Index1D(layout.Threads),
            SharedMemoryConfig.RequestDynamic<float>(ChunkedKernel.TransferSharedFloats(q.Pad, stride, q.Rows, layout.TableInShared, q.ChunkFrames, warps, 1, layout.Scaled)));
        var backtraceConfig = new KernelConfig(new Index1D(count), new Index1D(layout.Threads), SharedMemoryConfig.RequestDynamic<float>(q.ChunkFrames * stride));
        if (_specialize)
        {
            _transferSpecialized ??= _accelerator.LoadStreamKernel<ChunkParams, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>>(ChunkedKernel.TransferSpecialized);
            _combineSpecialized ??= _accelerator.LoadStreamKernel<ChunkParams, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>>(ChunkedKernel.CombineSpecialized);
            _replaySpecialized ??= _accelerator.LoadStreamKernel<ChunkParams, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>>(ChunkedKernel.ReplaySpecialized);
            _transferSpecialized(transferConfig, q, SpecializedValue.New(q.Rows), SpecializedValue.New(stride), SpecializedValue.New(q.Pad), SpecializedValue.New(q.Banded), SpecializedValue.New(q.ScanMax), SpecializedValue.New(rpg), SpecializedValue.New(q.Scaled));
            _combineSpecialized(combineConfig, q, SpecializedValue.New(n), SpecializedValue.New(stride), SpecializedValue.New(q.Pad), SpecializedValue.New(q.ScanMax));
            if (replayMask != 0) _replaySpecialized(replayConfig, q, SpecializedValue.New(q.Rows), SpecializedValue.New(stride), SpecializedValue.New(q.Pad), SpecializedValue.New(q.Banded), SpecializedValue.New(q.ScanMax), SpecializedValue.New(q.Scaled));
        }
        else
        {
            _transferKernel ??= _accelerator.LoadStreamKernel<ChunkParams>(ChunkedKernel.Transfer);
            _combineKernel ??= _accelerator.LoadStreamKernel<ChunkParams>(ChunkedKernel.Combine);
            _replayKernel ??= _accelerator.LoadStreamKernel<ChunkParams>(ChunkedKernel.Replay);
            _transferKernel(transferConfig, q);
            _combineKernel(combineConfig, q);
            if (replayMask != 0) _replayKernel(replayConfig, q);
        }
        if (viterbi)
        {
            _backtraceKernel ??= _accelerator.LoadStreamKernel<ChunkParams>(ChunkedKernel.Backtrace);
            _backtraceKernel(backtraceConfig, q);
        }
    }

    private static Action<RecursionParams> GenericRecursion() => RecursionKernel.Run;

    private static Action<RecursionParams, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>> SpecializedRecursion() =>
        RecursionKernel.RunSpecialized;

    /// <summary>
    /// Groups of 64 threads for the one-thread-per-item posterior kernels: ILGPU's automatic grouping chose 768 to 1024
    /// threads, which put the 5,120 count threads of a 32-sequence batch on 7 of 132 SMs (520 µs in Nsight Compute).
    /// </summary>
    private KernelConfig SmallGroups(int items)
    {
        int threads = Math.Min(64, _accelerator.MaxNumThreadsPerGroup);
        return new KernelConfig(new Index1D(Math.Max(1, (items + threads - 1) / threads)), new Index1D(threads));
    }

    private readonly record struct GaussianLayoutInfo(int Threads, int TileFrames, int SharedFloats);

    private GaussianLayoutInfo? GaussianLayout(GmmTables tables)
    {
        int warp = _accelerator.WarpSize;
        int maxThreads = Math.Min(256, _accelerator.MaxNumThreadsPerGroup) / warp * warp;
        int maxShared = Math.Min(_accelerator.MaxSharedMemoryPerGroup, SharedBytesLimit) / 4;
        for (int tile = 32; tile >= 4; tile -= 4)
        {
            int floats = GaussianKernel.SharedFloats(tile, tables.Dimension, tables.RowStride);
            if (floats > maxShared) continue;
            // One 4x3 (or 4x2) block per thread where that fits a group (no second, half-empty round).
            int work = tile / 4 * (tables.PaddedColumns / GaussianBlockColumns(tables));
            int threads = Math.Max(warp, Math.Min(maxThreads, (work + warp - 1) / warp * warp));
            return new GaussianLayoutInfo(threads, tile, floats);
        }
        return null;
    }

    // 4x2 by default: the 4x3 block (fewer loads per FMA) measured slower on the H100 (B=4096: 6.57 vs 6.16 ms; GPU-NOTES.md).
    private int GaussianBlockColumns(GmmTables tables) =>
        _options.GaussianBlockColumns == 3 && tables.PaddedColumns % 3 == 0 ? 3 : 2;

    /// <summary>
    /// True when <see cref="ComputeEmissions"/> and <see cref="Decode"/> compute this model's GMM emissions on tensor cores
    /// (see <see cref="GpuEngineOptions.TensorCoreEmissions"/>); false when they take the FMA kernel.
    /// </summary>
    public bool UsesTensorCores(GaussianMixtureEmissions model)
    {
        Guard.NotNull(model, nameof(model));
        return TensorLayout(model.Tables) != null;
    }

    /// <summary>True when the device has TF32 tensor cores (CUDA, compute capability 8.0 or later).</summary>
    private bool HasTensorCores => _accelerator is CudaAccelerator cuda && cuda.Architecture is { } arch && arch.Major >= 8;

    /// <summary>
    /// True when <see cref="Forward"/> without a lattice computes this model's log-likelihoods of a batch of
    /// <paramref name="batch"/> sequences with the tensor-core dense recursion (<see cref="GpuEngineOptions.TensorCoreRecursion"/>).
    /// </summary>
    public bool UsesTensorRecursion(HmmModel model, int batch)
    {
        Guard.NotNull(model, nameof(model));
        if (!DenseTensorFits(model) || _options.TensorCoreRecursion == false) return false;
        if (_options.TensorCoreRecursion == true) return true;
        // 16 sequences a group pay once the one-pass kernel (a group per sequence) is throughput-bound: from four sequences
        // per multiprocessor (the sweep over N and B is in GPU-NOTES.md).
        return batch >= 4 * _accelerator.NumMultiprocessors;
    }

    /// <summary>The tensor-core dense recursion can take this model on this device: dense scaled tables, 16 to 128 padded states.</summary>
    private bool DenseTensorFits(HmmModel model)
    {
        var tr = model.Transitions;
        int stride = tr.PaddedStateCount;
        return _options.TensorCoreRecursion != false && HasTensorCores && _options.ScaledDenseStep
            && tr.Layout == TransitionLayout.Dense && tr.ScaledIntoTable != null && stride % 16 == 0 && stride >= 16 && stride <= 128
            && DenseTensorKernel.SharedFloats(stride) * 4 <= Math.Min(_accelerator.MaxSharedMemoryPerGroup, SharedBytesLimit);
    }

    private void LaunchDenseTensor(HmmModel model, RecursionParams r, int count)
    {
        var tr = model.Transitions;
        int stride = tr.PaddedStateCount;
        int groups = (count + DenseTensorKernel.Sequences - 1) / DenseTensorKernel.Sequences;
        if (groups == 0) return;
        var packed = _densePacked.Ensure((long)(stride / 8) * (stride / 8) * 32 * DenseTensorKernel.PackedPerLane);
        var p = new DenseTensorParams
        {
            Emissions = r.Emissions,
            Lengths = r.Lengths,
            Initial = r.Initial,
            LogTable = r.IntoTable,
            ColumnMax = r.IntoScaled.SubView((long)tr.TableRows * stride, stride),
            Scores = r.Scores,
            Packed = packed.LoadEffectiveAddressAsPtr().ToInt64(),
            Count = count,
            MaxLength = r.MaxLength,
            Stride = stride,
            Rows = tr.TableRows,
        };
        var config = new KernelConfig(new Index1D(groups), new Index1D(DenseTensorKernel.Warps(stride) * _accelerator.WarpSize),
            SharedMemoryConfig.RequestDynamic<float>(DenseTensorKernel.SharedFloats(stride)));
        _denseTensor ??= _accelerator.LoadStreamKernel<DenseTensorParams, SpecializedValue<int>, SpecializedValue<int>>(DenseTensorKernel.ForwardSpecialized);
        _denseTensor(config, p, SpecializedValue.New(stride), SpecializedValue.New(tr.TableRows));
        LastTensorRecursion = true;
    }

    /// <summary>Warps per group of the tensor-core GMM kernel (each with its own component tile), or null to use the FMA kernel.</summary>
    private int? TensorLayout(GmmTables tables)
    {
        if (_options.TensorCoreEmissions == false || !HasTensorCores) return null;
        int maxShared = Math.Min(_accelerator.MaxSharedMemoryPerGroup, SharedBytesLimit) / 4;
        int perWarp = GaussianTensorKernel.SharedFloatsPerWarp(tables.Columns);
        for (int warps = 4; warps >= 1; warps /= 2)
            if (warps * perWarp <= maxShared) return warps;
        return null;
    }

    private void LaunchGaussian(GmmTables tables, FeatureUpload frames, ArrayView<int> lengths, ArrayView<float> output, int count, int maxLength, int stride)
    {
        if (TensorLayout(tables) is { } warps)
        {
            LaunchGaussianTensor(tables, frames, lengths, output, count, maxLength, stride, warps);
            return;
        }
        var layout = GaussianLayout(tables)!.Value;
        int frameCount = count * maxLength;
        var p = GaussianParamsFor(tables, frames, lengths, output, maxLength, stride, frameCount);
        p.TileFrames = layout.TileFrames;
        p.BlockColumns = GaussianBlockColumns(tables);
        int groups = (frameCount + layout.TileFrames - 1) / layout.TileFrames;
        if (groups == 0) return;
        var config = new KernelConfig(new Index1D(groups), new Index1D(layout.Threads), SharedMemoryConfig.RequestDynamic<float>(layout.SharedFloats));
        if (_specialize)
        {
            _gaussianSpecialized ??= _accelerator.LoadStreamKernel<GaussianParams, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>>(GaussianKernel.RunSpecialized);
            _gaussianSpecialized(config, p, SpecializedValue.New(p.Dimension), SpecializedValue.New(p.PaddedColumns), SpecializedValue.New(p.RowStride),
                SpecializedValue.New(p.Components), SpecializedValue.New(p.States), SpecializedValue.New(p.Stride), SpecializedValue.New(p.BlockColumns));
        }
        else
        {
            _gaussianKernel ??= _accelerator.LoadStreamKernel<GaussianParams>(GaussianKernel.Run);
            _gaussianKernel(config, p);
        }
    }

    /// <summary>The launch arguments both GMM kernels share (the FMA kernel adds its tile and block shape).</summary>
    private GaussianParams GaussianParamsFor(GmmTables tables, FeatureUpload frames, ArrayView<int> lengths, ArrayView<float> output, int maxLength, int stride, int frameCount) => new()
    {
        Features = frames.Single,
        HalfFeatures = frames.Half,
        HalfInput = frames.IsHalf ? 1 : 0,
        Lengths = lengths,
        Weights = _gmmWeights.Ensure(tables.Weights.Length),
        Bias = _gmmBias.Ensure(tables.Bias.Length),
        Center = _gmmCenter.Ensure(tables.Center.Length),
        Output = output,
        MaxLength = maxLength,
        Dimension = tables.Dimension,
        States = tables.States,
        Components = tables.Components,
        PaddedColumns = tables.PaddedColumns,
        RowStride = tables.RowStride,
        Stride = stride,
        FrameCount = frameCount,
    };

    private void LaunchGaussianTensor(GmmTables tables, FeatureUpload frames, ArrayView<int> lengths, ArrayView<float> output, int count, int maxLength, int stride, int warps)
    {
        int frameCount = count * maxLength;
        var p = GaussianParamsFor(tables, frames, lengths, output, maxLength, stride, frameCount);
        p.PaddedColumns = tables.Columns; // the tensor kernel's tiles cover N·K, not the CPU lane padding
        int framesPerGroup = warps * GaussianTensorKernel.WarpFrames;
        int groups = (frameCount + framesPerGroup - 1) / framesPerGroup;
        if (groups == 0) return;
        int shared = warps * GaussianTensorKernel.SharedFloatsPerWarp(tables.Columns);
        var config = new KernelConfig(new Index1D(groups), new Index1D(warps * _accelerator.WarpSize), SharedMemoryConfig.RequestDynamic<float>(shared));
        _gaussianTensor ??= _accelerator.LoadStreamKernel<GaussianParams, GaussianTensorKernel.TensorAddresses, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>>(GaussianTensorKernel.RunSpecialized);
        int tiles = GaussianTensorKernel.Tiles(tables.Columns);
        var packed = _gmmPacked.Ensure((long)GaussianTensorKernel.KBlocks(tables.Dimension) * tiles * 32 * GaussianTensorKernel.PackedPerLane);
        var addresses = new GaussianTensorKernel.TensorAddresses
        {
            Features = frames.IsHalf ? 0 : frames.Single.LoadEffectiveAddressAsPtr().ToInt64(),
            HalfFeatures = frames.IsHalf ? frames.Half.LoadEffectiveAddressAsPtr().ToInt64() : 0,
            Center = p.Center.LoadEffectiveAddressAsPtr().ToInt64(),
            Packed = packed.LoadEffectiveAddressAsPtr().ToInt64(),
            PackedBias = _gmmPackedBias.Ensure(tiles * 8).LoadEffectiveAddressAsPtr().ToInt64(),
        };
        _gaussianTensor(config, p, addresses, SpecializedValue.New(p.Dimension), SpecializedValue.New(p.PaddedColumns),
            SpecializedValue.New(p.RowStride), SpecializedValue.New(p.Components), SpecializedValue.New(p.States), SpecializedValue.New(p.Stride));
    }

    // ================================================================ transfers

    private void UploadModel(HmmModel model)
    {
        if (ReferenceEquals(_loadedModel, model) && _into.Capacity > 0) return;
        _loadedModel = null; // a failed upload (out of memory) must not leave a half-replaced model marked as loaded
        var tr = model.Transitions;
        Upload(_into, tr.IntoTable);
        Upload(_outOf, tr.OutOfTable);
        if (tr.ScaledIntoTable != null) Upload(_intoScaled, tr.ScaledIntoTable);
        if (tr.ScaledOutOfTable != null) Upload(_outOfScaled, tr.ScaledOutOfTable);
        if (DenseTensorFits(model)) Upload(_densePacked, DenseTensorKernel.Pack(tr.ScaledIntoTable!, tr.TableRows, tr.PaddedStateCount));
        if (tr is BandedTransitions banded)
        {
            Upload(_bandInto, banded.LiveIntoTable);
            Upload(_bandOutOf, banded.LiveOutOfTable);
            Upload(_bandOffsets, banded.LiveOffsets);
        }
        Upload(_initial, model.LogInitialPadded);
        _loadedModel = model;
    }

    private void UploadGmm(GaussianMixtureEmissions gmm)
    {
        if (ReferenceEquals(_loadedGmm, gmm) && _gmmWeights.Capacity > 0) return;
        _loadedGmm = null;
        var t = gmm.Tables;
        Upload(_gmmWeights, t.Weights);
        Upload(_gmmBias, t.Bias);
        Upload(_gmmCenter, t.Center);
        if (TensorLayout(t) != null)
        {
            Upload(_gmmPacked, GaussianTensorKernel.Pack(t.Weights, t.Dimension, t.Columns, t.PaddedColumns));
            Upload(_gmmPackedBias, GaussianTensorKernel.PackBias(t.Bias, t.Columns));
        }
        _loadedGmm = gmm;
    }

    /// <summary>Features as the GMM kernel reads them: float32 as given, or centred binary16 (<see cref="HalfFeatures"/>).</summary>
    private readonly record struct FeatureUpload(ArrayView<float> Single, ArrayView<ILGPU.Half> Half, bool IsHalf);

    /// <summary>
    /// What <c>_features</c> holds after a float32 upload of an alignment load: the batch object, its shape, the chunk and
    /// the load's generation (<see cref="GpuAlignmentBackend"/>). Null when unknown: every other upload and every release
    /// of the batch buffers clears it.
    /// </summary>
    private (SequenceBatch Batch, int MaxLength, int Dimension, int B0, int Count, long Generation)? _featuresHeld;

    private FeatureUpload UploadFeatures(GaussianMixtureEmissions gmm, SequenceBatch features, int b0, int count, long? generation = null)
    {
        long n = (long)count * features.MaxLength * features.Dimension;
        if (_options.EmissionPrecision == EmissionPrecision.Half && n > 0)
        {
            if (_halfFactors is not { } factors || !ReferenceEquals(factors.Gmm, gmm))
            {
                var (precision, offset) = HalfFeatures.BoundFactors(gmm);
                _halfFactors = factors = (gmm, precision, offset);
            }
            if (_halfStaging == null || _halfStaging.Length < n)
            {
                _halfStaging?.Dispose();
                _halfStaging = null;
                _halfStaging = _accelerator.AllocatePageLocked1D<ILGPU.Half>(n);
            }
            var staging = _halfStaging;
            double worstFrame = HalfFeatures.Encode(features, b0, count, gmm.Tables.Center, factors.Precision, factors.Offset,
                (start, length) => System.Runtime.InteropServices.MemoryMarshal.Cast<ILGPU.Half, ushort>(staging.Span.Slice(start, length)), _halfBounds);
            if (worstFrame <= _options.HalfPrecisionMaxFrameError)
            {
                var half = _halfFeatures.Ensure(n);
                _halfFeatures.View.SubView(0, n).CopyFrom(_stream, staging.ArrayView.SubView(0, n));
                LastHalfPrecisionSequences += count;
                return new FeatureUpload(_features.Ensure(1), half, true);
            }
            _halfBounds.AsSpan(b0, count).Clear(); // not safe here: this chunk goes up in float32
        }
        var key = generation is { } g ? (features, features.MaxLength, features.Dimension, b0, count, g) : default;
        if (generation is not null && n > 0 && _featuresHeld == key && _features.Capacity >= n)
        {
            SkippedFeatureUploads++;
            return new FeatureUpload(_features.View.SubView(0, n), _halfFeatures.Ensure(1), false);
        }
        _featuresHeld = null;
        var view = _features.Ensure(n);
        if (n > 0) _features.View.SubView(0, n).CopyFromCPU(_stream, features.Data.AsSpan(b0 * features.MaxLength * features.Dimension, (int)n));
        if (generation is not null && n > 0) _featuresHeld = key;
        return new FeatureUpload(view, _halfFeatures.Ensure(1), false);
    }

    private void StartHalfBounds(int batch)
    {
        if (_halfBounds.Length < batch) _halfBounds = new double[batch];
        _halfBounds.AsSpan(0, batch).Clear();
        _halfBoundCount = batch;
        LastHalfPrecisionSequences = 0;
    }

    private ArrayView<T> Upload<T>(DeviceBuffer<T> buffer, ReadOnlySpan<T> data) where T : unmanaged
    {
        var view = buffer.Ensure(data.Length);
        if (data.Length > 0) buffer.View.SubView(0, data.Length).CopyFromCPU(_stream, data);
        return view;
    }

    private void DownloadScores(int count, int slot, Span<double> destination)
    {
        if (_scoreStaging.Length < 3 * count) _scoreStaging = new double[3 * count];
        _scores.View.SubView(0, 3L * count).CopyToCPU(_stream, _scoreStaging.AsSpan(0, 3 * count));
        for (int i = 0; i < count; i++) destination[i] = _scoreStaging[3 * i + slot];
    }

    private void DownloadLattice(DeviceBuffer<float> source, StateLattice destination, int b0, int count, int maxLength)
    {
        int stride = destination.Stride;
        if (destination.MaxLength == maxLength)
        {
            long n = (long)count * maxLength * stride;
            if (n > 0) source.View.SubView(0, n).CopyToCPU(_stream, destination.Data.AsSpan(destination.Offset(b0, 0), (int)n));
            return;
        }
        for (int i = 0; i < count; i++)
        {
            long n = (long)maxLength * stride;
            if (n > 0) source.View.SubView(i * n, n).CopyToCPU(_stream, destination.Data.AsSpan(destination.Offset(b0 + i, 0), (int)n));
        }
    }

    /// <summary>Pooled host staging for per-sequence scores (grow-only, like the device buffers).</summary>
    private double[] Staging(int batch)
    {
        if (_hostScores.Length < batch) _hostScores = new double[batch];
        return _hostScores;
    }

    // ================================================================ CPU fallback plumbing

    private static EmissionBatch SubEmissions(EmissionBatch source, int b0, int count)
    {
        var sub = new EmissionBatch(count, source.MaxLength, source.StateCount);
        source.Data.AsSpan(source.Offset(b0, 0), count * source.MaxLength * source.Stride).CopyTo(sub.Data);
        for (int i = 0; i < count; i++) sub.SetLength(i, source.Lengths[b0 + i]);
        return sub;
    }

    private static SequenceBatch SubFeatures(SequenceBatch source, int b0, int count)
    {
        var sub = new SequenceBatch(count, source.MaxLength, source.Dimension);
        int per = source.MaxLength * source.Dimension;
        source.Data.AsSpan(b0 * per, count * per).CopyTo(sub.Data);
        for (int i = 0; i < count; i++) sub.SetLength(i, source.Lengths[b0 + i]);
        return sub;
    }

    private static void CopyLatticeRows(StateLattice source, StateLattice destination, int b0, int count)
    {
        for (int i = 0; i < count; i++)
        {
            int length = source.Lengths[i];
            source.Data.AsSpan(source.Offset(i, 0), length * source.Stride).CopyTo(destination.Data.AsSpan(destination.Offset(b0 + i, 0)));
        }
    }

    // ================================================================ checks

    private static void CheckEmissionShapes(EmissionModel model, SequenceBatch features, EmissionBatch output)
    {
        EngineArguments.EmissionShapes(model, features, output);
        if (!HostValidation.FeaturesFinite(features)) features.EnsureFinite(nameof(features));
    }

    private static void Check(HmmModel model, EmissionBatch emissions, int capacity, string capacityName)
    {
        EngineArguments.RecursionShapes(model, emissions, capacity, capacityName);
        if (!HostValidation.EmissionsValid(emissions)) emissions.Validate(nameof(emissions));
    }

    private ProfilingMarker? Mark() => _options.Profiling ? _stream.AddProfilingMarker() : null;

    private void Measure(ProfilingMarker? start)
    {
        if (start == null) return;
        using var end = _stream.AddProfilingMarker();
        end.Synchronize();
        LastKernelTime += end - start;
        start.Dispose();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Releases the device buffers, the accelerator and the ILGPU context.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        ReleaseBatchBuffers();
        _bandInto.Dispose(); _bandOutOf.Dispose(); _bandOffsets.Dispose(); _order.Dispose();
        _into.Dispose(); _outOf.Dispose(); _intoScaled.Dispose(); _outOfScaled.Dispose(); _initial.Dispose(); _gmmWeights.Dispose(); _gmmBias.Dispose(); _gmmCenter.Dispose(); _gmmPacked.Dispose(); _gmmPackedBias.Dispose(); _densePacked.Dispose();
        _halfStaging?.Dispose();
        DisposeTiedModel();
        _accelerator.Dispose();
        _context.Dispose();
    }
}

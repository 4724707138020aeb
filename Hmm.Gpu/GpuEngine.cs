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
/// The GPU engine: GMM and tied-mixture (PTM) emissions, forward, backward, posteriors and Viterbi (with the backtrace) on a CUDA device
/// through ILGPU, or on ILGPU's CPU accelerator where no CUDA device exists. Every kernel instantiates the
/// algorithm definitions of <see cref="Definitions"/> with <see cref="GpuLane"/> and <see cref="GpuMemory"/>, so it
/// computes what the SIMD CPU engine (<see cref="HmmEngine"/>) computes.
/// </summary>
/// <remarks>
/// <para>Kernels are compiled once per engine (on CUDA once per model shape) and cached. Device buffers only grow and are
/// reused, so repeated calls with the same or smaller shapes allocate no device memory. Batches larger than
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

    private double[] _scoreStaging = Array.Empty<double>();
    private double[] _hostScores = Array.Empty<double>();
    private bool _disposed;

    /// <summary>Creates an engine on the first CUDA device, or on ILGPU's CPU accelerator when there is none (or when asked).</summary>
    public GpuEngine(GpuEngineOptions? options = null)
    {
        // The engine's own copy, with the internal kernel knobs of HMM_GPU_TUNING applied where it is set (the benchmark harness).
        _options = GpuTuning.FromEnvironment(options ?? new GpuEngineOptions());
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
        HsmmVariant = _options.HsmmGlobalKernels ? HsmmKernels.Global : HsmmKernels.Shared;
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
        _ptmGaussianWeights = new(_allocator); _ptmGaussianBias = new(_allocator); _ptmGaussianCenter = new(_allocator); _ptmWeights = new(_allocator);
        _ptmTopValues = new(_allocator); _ptmTopIndices = new(_allocator); _ptmBestSum = new(_allocator);
        _ptmStreamOffsets = new(_allocator); _ptmPositionState = new(_allocator); _ptmPositionCodebook = new(_allocator);
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

    /// <summary>
    /// What the last call did (chunks on the device, sequences on the CPU engine, out-of-memory retries, half-precision
    /// uploads and their error bounds, kernel time): a snapshot taken once at the end of each call that runs work
    /// (<see cref="ComputeEmissions"/>, <see cref="Forward(HmmModel, EmissionBatch, Span{double}, StateLattice)"/>, <see cref="Backward(HmmModel, EmissionBatch, Span{double}, StateLattice)"/>, <see cref="Posteriors(HmmModel, EmissionBatch, PosteriorResult)"/>,
    /// <see cref="Viterbi(HmmModel, EmissionBatch, ViterbiResult)"/>, <see cref="Decode"/>, and the passes of a <see cref="GpuAlignmentBackend"/> on this engine);
    /// later calls do not change a report already read. Empty (<c>default</c>) before the first call.
    /// </summary>
    public GpuRunReport LastRun { get; private set; }

    /// <summary>
    /// Feature uploads skipped since the engine was created: an alignment pass over a chunk the device already holds from
    /// the same <see cref="Hmm.Speech.IAlignmentBackend.LoadFeatures"/> does not upload it again (tests).
    /// </summary>
    internal int SkippedFeatureUploads { get; private set; }

    /// <summary>
    /// Sequences per thread group of the last one-pass recursion launch of the last call (1: unpacked; 0: none ran, e.g. the
    /// time-chunked path). Tests check with it that packing (<see cref="GpuEngineOptions.PackSequences"/>) took effect.
    /// </summary>
    internal int LastRecursionPack { get; private set; }

    /// <summary>True when the last <see cref="Forward(HmmModel, EmissionBatch, Span{double}, StateLattice)"/> ran (some of) its batch on the tensor-core dense recursion.</summary>
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

    /// <summary>
    /// log p(frame | state) for every frame. GMMs and tied mixtures (<see cref="TiedMixtureEmissions"/>) run on the device;
    /// categorical tables (a lookup) on the CPU.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes disagree, or a feature is NaN/infinite, or a categorical symbol is out of range.</exception>
    public void ComputeEmissions(EmissionModel model, SequenceBatch features, EmissionBatch output)
    {
        ThrowIfDisposed();
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(features, nameof(features));
        Guard.NotNull(output, nameof(output));
        if (model is TiedMixtureEmissions tied)
        {
            ComputeTiedMixture(tied, features, output);
            return;
        }
        if (model is not GaussianMixtureEmissions gmm)
        {
            BeginRun(halfBounds: 0);
            _cpu.ComputeEmissions(model, features, output);
            _runCpuFallback = features.BatchSize;
            EndRun();
            return;
        }
        CheckEmissionShapes(model, features, output);
        for (int b = 0; b < features.BatchSize; b++) output.SetLength(b, features.Lengths[b]);
        var tables = gmm.Tables;
        int stride = output.Stride;
        long perSequence = 4L * features.MaxLength * (features.Dimension + stride) + 4;
        RunChunked(features.BatchSize, perSequence, GaussianLayout(tables) != null, uploadsFeatures: true,
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

    /// <summary>
    /// Tied-mixture emissions on the device (<see cref="TiedMixtureKernel"/>): the model's tables go up once per model, each
    /// chunk's features, lengths and top-N scratch per chunk; frames past a length get −infinity.
    /// </summary>
    private void ComputeTiedMixture(TiedMixtureEmissions model, SequenceBatch features, EmissionBatch output)
    {
        CheckEmissionShapes(model, features, output);
        for (int b = 0; b < features.BatchSize; b++) output.SetLength(b, features.Lengths[b]);
        var tables = model.Tables;
        int stride = output.Stride, maxLength = features.MaxLength;
        long scratch = 2L * tables.Codebooks * tables.Streams * tables.TopN + 1;
        long perSequence = 4L * maxLength * (features.Dimension + stride + scratch) + 4;
        RunChunked(features.BatchSize, perSequence, supported: TiedMixtureKernel.Supports(tables), uploadsFeatures: true,
            (b0, count) =>
            {
                UploadTiedMixture(model);
                var frames = UploadFloatFeatures(features, b0, count);
                var lengths = Upload(_lengths, features.Lengths.Slice(b0, count));
                var emissions = _emissions.Ensure((long)count * maxLength * stride);
                var start = Mark();
                LaunchTiedMixture(tables, frames, lengths, emissions, count, maxLength, stride);
                Measure(start);
                DownloadLattice(_emissions, output, b0, count, maxLength);
            },
            (b0, count) =>
            {
                var sub = SubFeatures(features, b0, count);
                var subOut = new EmissionBatch(count, maxLength, model.StateCount);
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
        RunChunked(batch, perSequence, RecursionLayoutFor(model) != null, uploadsFeatures: false,
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
        RunChunked(batch, perSequence, RecursionLayoutFor(model) != null, uploadsFeatures: false,
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
        RunChunked(batch, perSequence, RecursionLayoutFor(model) != null, uploadsFeatures: false,
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
        RunChunked(batch, perSequence, RecursionLayoutFor(model) != null, uploadsFeatures: false,
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
        RunChunked(batch, perSequence, RecursionLayoutFor(model) != null && GaussianLayout(tables) != null, uploadsFeatures: true,
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
        _runKernelTime += end - start;
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
        DisposeTiedMixtureModel();
        DisposeDtw();
        DisposeHsmm();
        DisposeTimeVarying();
        _accelerator.Dispose();
        _context.Dispose();
    }
}

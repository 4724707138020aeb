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

/// <summary>The kernel cache (each kernel loaded once, on first use) and the launches of the recursion, posterior and emission kernels.</summary>
public sealed partial class GpuEngine
{
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
    private Action<KernelConfig, TiedMixtureParams>? _ptmTopKernel, _ptmSharesKernel, _ptmMixturesKernel;

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

    /// <summary>
    /// Tied-mixture emissions of <paramref name="count"/> sequences (features in <paramref name="frames"/>) into
    /// <paramref name="output"/>: <see cref="TiedMixtureKernel"/>'s three steps, in launches of whole frames small enough for
    /// the kernels' 32-bit item indices.
    /// </summary>
    private void LaunchTiedMixture(TiedMixtureTables tables, ArrayView<float> frames, ArrayView<int> lengths, ArrayView<float> output, int count, int maxLength, int stride)
    {
        int frameCount = count * maxLength;
        if (frameCount == 0) return;
        int cf = tables.Codebooks * tables.Streams, columns = Math.Max(tables.Positions, stride);
        long top = (long)frameCount * tables.TopFloats;
        var p = new TiedMixtureParams
        {
            Features = frames,
            Lengths = lengths,
            GaussianWeights = _ptmGaussianWeights.Ensure(tables.GaussianWeights.Length),
            GaussianBias = _ptmGaussianBias.Ensure(tables.GaussianBias.Length),
            GaussianCenter = _ptmGaussianCenter.Ensure(tables.GaussianCenter.Length),
            Weights = _ptmWeights.Ensure(tables.Weights.Length),
            StreamOffsets = _ptmStreamOffsets.Ensure(tables.StreamOffsets.Length),
            PositionState = _ptmPositionState.Ensure(tables.Positions),
            PositionCodebook = _ptmPositionCodebook.Ensure(tables.Positions),
            TopValues = _ptmTopValues.Ensure(top),
            TopIndices = _ptmTopIndices.Ensure(top),
            BestSum = _ptmBestSum.Ensure(frameCount),
            Output = output,
            MaxLength = maxLength,
            Codebooks = tables.Codebooks,
            CodebookLanes = tables.CodebookLanes,
            Streams = tables.Streams,
            Components = tables.Components,
            Dimension = tables.Dimension,
            TopN = tables.TopN,
            Positions = tables.Positions,
            States = tables.States,
            Stride = stride,
            GaussianColumns = tables.GaussianColumns,
            Columns = columns,
            Floor = tables.Floor,
        };
        _ptmTopKernel ??= _accelerator.LoadStreamKernel<TiedMixtureParams>(TiedMixtureKernel.TopGaussians);
        _ptmSharesKernel ??= _accelerator.LoadStreamKernel<TiedMixtureParams>(TiedMixtureKernel.Shares);
        _ptmMixturesKernel ??= _accelerator.LoadStreamKernel<TiedMixtureParams>(TiedMixtureKernel.Mixtures);
        int slice = (int)Math.Max(1, Math.Min(frameCount, (int.MaxValue / 2) / Math.Max(cf, columns))); // grid-stride steps stay below 2^31 too
        for (int f0 = 0; f0 < frameCount; f0 += slice)
        {
            p.FrameStart = f0;
            p.Frames = Math.Min(slice, frameCount - f0);
            var config = StrideGroups((long)cf * ((p.Frames + TiedMixtureKernel.BlockFrames - 1) / TiedMixtureKernel.BlockFrames));
            _ptmTopKernel(config, p);
            _ptmSharesKernel(StrideGroups(p.Frames), p);
            _ptmMixturesKernel(StrideGroups((long)p.Frames * columns), p);
        }
    }

    /// <summary>Groups of <paramref name="threads"/> (default: up to 256) for a grid-stride loop over <paramref name="items"/>, at most 64 groups per multiprocessor.</summary>
    private KernelConfig StrideGroups(long items, int threads = 0)
    {
        if (threads <= 0) threads = Math.Min(256, _accelerator.MaxNumThreadsPerGroup);
        long groups = Math.Clamp((items + threads - 1) / threads, 1, Math.Max(1, _accelerator.NumMultiprocessors) * 64L);
        return new KernelConfig(new Index1D((int)groups), new Index1D(threads));
    }

    // ================================================================ transfers
}

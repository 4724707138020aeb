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

/// <summary>Launch planning: thread layouts, packing, time chunks and which kernel serves a model on this device.</summary>
public sealed partial class GpuEngine
{
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
    /// (CUDA devices of compute capability 8.0 or later, where the model's component tile fits shared memory); false when
    /// they take the FMA kernel.
    /// </summary>
    public bool UsesTensorCores(GaussianMixtureEmissions model)
    {
        Guard.NotNull(model, nameof(model));
        return TensorLayout(model.Tables) != null;
    }

    /// <summary>True when the device has TF32 tensor cores (CUDA, compute capability 8.0 or later).</summary>
    private bool HasTensorCores => _accelerator is CudaAccelerator cuda && cuda.Architecture is { } arch && arch.Major >= 8;

    /// <summary>
    /// True when <see cref="Forward(HmmModel, EmissionBatch, Span{double}, StateLattice)"/> without a lattice computes this model's log-likelihoods of a batch of
    /// <paramref name="batch"/> sequences with the tensor-core dense recursion (CUDA devices of compute capability 8.0 or later,
    /// dense models of 16 to 128 padded states, batches of at least 4 sequences per multiprocessor).
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
}

using System;
using Hmm.Gpu.Kernels;
using Hmm.Primitives;
using Hmm.Speech;
using ILGPU;
using ILGPU.Runtime;

namespace Hmm.Gpu;

// Forced alignment's passes (GpuAlignmentBackend) with every lattice on the device: features go up, the GMM kernel writes
// the model-state emissions, a gather kernel builds the graphs' emissions from them, the recursions run as in Posteriors
// and Viterbi, and kernels reduce the posteriors to what the caller keeps (GMM statistics, block leave times). Only those,
// the scores and the Viterbi paths come back: for forced alignment that is kilobytes where host lattices were ~100 MB a pass.
public sealed partial class GpuEngine
{
    private DeviceBuffer<float>? _tiedModelLl, _tiedBias, _tiedEnd, _tiedFeatures;
    private DeviceBuffer<int>? _tiedTies;
    private DeviceBuffer<double>? _tiedOccupancy, _tiedMoments, _tiedLeave;
    private DeviceBuffer<float>? _statMeans, _statInverseVariances, _statConstants;
    private object? _statGmm;
    private (float[] Weights, float[] Variances)? _statShape;
    private Action<KernelConfig, TiedParams, int>? _gatherKernel;
    private Action<KernelConfig, TiedParams, int>? _statisticsKernel, _leaveKernel;
    private double[] _momentStaging = Array.Empty<double>();

    private DeviceBuffer<float> Buffer(ref DeviceBuffer<float>? field) => field ??= new DeviceBuffer<float>(_allocator);
    private DeviceBuffer<int> Buffer(ref DeviceBuffer<int>? field) => field ??= new DeviceBuffer<int>(_allocator);
    private DeviceBuffer<double> Buffer(ref DeviceBuffer<double>? field) => field ??= new DeviceBuffer<double>(_allocator);

    /// <summary>
    /// <see cref="IAlignmentBackend.AccumulateStatistics"/> over <paramref name="features"/>, checked and finite (the
    /// backend's <see cref="IAlignmentBackend.LoadFeatures"/>); <paramref name="generation"/> names that load, so a chunk the
    /// device already holds from it does not go up again.
    /// </summary>
    internal void AccumulateStatistics(GaussianMixtureEmissions emissions, HmmModel graph, TiedStateBatch ties, SequenceBatch features, long generation,
        StatisticsThresholds thresholds, GmmStatistics statistics)
    {
        ThrowIfDisposed();
        int batch = features.BatchSize, maxLength = features.MaxLength, d = features.Dimension;
        int nk = emissions.StateCount * emissions.ComponentCount;
        long perSequence = TiedBytesPerSequence(emissions, graph, maxLength, d, viterbi: false);
        var scores = Staging(batch);
        RunChunked(batch, perSequence, RecursionLayoutFor(graph) != null && EmissionsOnDevice(emissions), uploadsFeatures: true,
            (b0, count) =>
            {
                var (p, t) = TiedSetup(emissions, graph, ties, features, generation, b0, count);
                UploadStatisticsModel(emissions);
                t.Means = _statMeans!.View.SubView(0, _statMeans.Capacity);
                t.InverseVariances = _statInverseVariances!.View.SubView(0, _statInverseVariances.Capacity);
                t.Constants = _statConstants!.View.SubView(0, _statConstants.Capacity);
                t.Features = FloatFeatures(features, b0, count);
                t.Occupancy = Buffer(ref _tiedOccupancy).Ensure(nk);
                t.Moments = Buffer(ref _tiedMoments).Ensure((long)nk * d);
                t.Occupancy.MemSetToZero(_stream);
                t.Moments.MemSetToZero(_stream);
                t.StateThreshold = thresholds.StateThreshold;
                t.ComponentThreshold = thresholds.ComponentThreshold;
                var start = Mark();
                LaunchPosteriors(graph, p, count, counts: false, gamma: false);
                t.Alpha = _alpha.View.SubView(0, (long)count * maxLength * p.Stride);
                t.Beta = _beta.View.SubView(0, (long)count * maxLength * p.Stride);
                _statisticsKernel ??= _accelerator.LoadStreamKernel<TiedParams, int>(TiedStateKernel.Statistics);
                _statisticsKernel(SmallGroups(count * maxLength * _accelerator.WarpSize), t, count * maxLength);
                Measure(start);
                DownloadScores(count, 0, scores.AsSpan(b0, count));
                AddDownloaded(t.Occupancy, statistics.Occupancy);
                AddDownloaded(t.Moments, statistics.FirstMoments);
            },
            (b0, count) =>
            {
                var sub = new GmmStatistics(statistics.States, statistics.Components, statistics.Dimension, count);
                var host = new HostAlignmentBackend(_cpu);
                host.LoadFeatures(SubFeatures(features, b0, count));
                host.AccumulateStatistics(emissions, graph, SubTies(ties, b0, count), thresholds, sub);
                sub.LogLikelihoods.AsSpan(0, count).CopyTo(scores.AsSpan(b0, count));
                for (int i = 0; i < sub.Occupancy.Length; i++) statistics.Occupancy[i] += sub.Occupancy[i];
                for (int i = 0; i < sub.FirstMoments.Length; i++) statistics.FirstMoments[i] += sub.FirstMoments[i];
            });
        for (int b = 0; b < batch; b++) statistics.LogLikelihoods[b] = double.IsNaN(scores[b]) ? double.NegativeInfinity : scores[b];
    }

    /// <summary><see cref="IAlignmentBackend.Align"/> over <paramref name="features"/> (as <see cref="AccumulateStatistics"/>).</summary>
    internal void Align(EmissionModel emissions, HmmModel graph, TiedStateBatch ties, SequenceBatch features, long generation, ViterbiResult viterbi,
        int blockSize, double[]? leaveTimes, Span<double> logLikelihoods)
    {
        ThrowIfDisposed();
        int batch = features.BatchSize, maxLength = features.MaxLength;
        int blocks = leaveTimes is null ? 0 : ties.GraphStates / blockSize;
        viterbi.SetBatchSize(batch);
        for (int b = 0; b < batch; b++) viterbi.LengthArray[b] = features.Lengths[b];
        var scores = Staging(batch);
        long perSequence = TiedBytesPerSequence(emissions, graph, maxLength, features.Dimension, viterbi: true) + 4L * viterbi.MaxLength + 8L * blocks;
        RunChunked(batch, perSequence, RecursionLayoutFor(graph) != null && EmissionsOnDevice(emissions), uploadsFeatures: true,
            (b0, count) =>
            {
                var (p, t) = TiedSetup(emissions, graph, ties, features, generation, b0, count);
                var start = Mark();
                if (leaveTimes is not null) LaunchViterbiAndColumns(graph, p, count, viterbi.MaxLength, features.Lengths.Slice(b0, count));
                else LaunchViterbi(graph, p, count, viterbi.MaxLength);
                if (leaveTimes is not null)
                {
                    t.Alpha = _alpha.View.SubView(0, (long)count * maxLength * p.Stride);
                    t.Beta = _beta.View.SubView(0, (long)count * maxLength * p.Stride);
                    t.BlockSize = blockSize;
                    t.Blocks = blocks;
                    t.Leave = Buffer(ref _tiedLeave).Ensure((long)count * blocks);
                    t.Leave.MemSetToZero(_stream);
                    _leaveKernel ??= _accelerator.LoadStreamKernel<TiedParams, int>(TiedStateKernel.LeaveTimes);
                    _leaveKernel(SmallGroups(count * maxLength * _accelerator.WarpSize), t, count * maxLength);
                }
                else
                {
                    LaunchRecursion(graph, p, count, RecursionKernel.ModeForward);
                }
                Measure(start);
                DownloadScores(count, 1, viterbi.ScoreArray.AsSpan(b0, count));
                DownloadScores(count, 0, scores.AsSpan(b0, count));
                _paths.View.SubView(0, (long)count * viterbi.MaxLength).CopyToCPU(_stream, viterbi.PathArray.AsSpan(b0 * viterbi.MaxLength, count * viterbi.MaxLength));
                if (leaveTimes is not null && count * blocks > 0)
                    _tiedLeave!.View.SubView(0, (long)count * blocks).CopyToCPU(_stream, leaveTimes.AsSpan(b0 * blocks, count * blocks));
            },
            (b0, count) =>
            {
                var sub = new ViterbiResult(count, Math.Max(1, viterbi.MaxLength));
                var subLeave = leaveTimes is null ? null : new double[count * blocks];
                var host = new HostAlignmentBackend(_cpu);
                host.LoadFeatures(SubFeatures(features, b0, count));
                host.Align(emissions, graph, SubTies(ties, b0, count), sub, blockSize, subLeave, scores.AsSpan(b0, count));
                for (int i = 0; i < count; i++)
                {
                    viterbi.ScoreArray[b0 + i] = sub.Scores[i];
                    sub.Path(i).CopyTo(viterbi.PathArray.AsSpan((b0 + i) * viterbi.MaxLength));
                }
                subLeave?.CopyTo(leaveTimes!, b0 * blocks);
            });
        scores.AsSpan(0, batch).CopyTo(logLikelihoods);
    }

    private long TiedBytesPerSequence(EmissionModel emissions, HmmModel graph, int maxLength, int d, bool viterbi)
    {
        long stride = graph.Transitions.PaddedStateCount, modelStride = Hmm.Simd.SimdCapabilities.Pad(emissions.StateCount);
        // Tied mixtures also keep each frame's top-N tables (values and indices) and its best-score sum.
        long mixture = emissions is TiedMixtureEmissions tied ? 2L * tied.Tables.TopFloats + 1 : 0;
        // features (twice at most), model-state emissions, graph emissions, alpha, beta, gamma, backpointers for Viterbi.
        return 4L * maxLength * (2 * d + modelStride + mixture + stride * (viterbi ? 5 : 4)) + 4L * graph.StateCount * 3 + 64;
    }

    /// <summary>Whether the device computes <paramref name="emissions"/>: Gaussian mixtures with a kernel layout, tied mixtures the kernel takes.</summary>
    private bool EmissionsOnDevice(EmissionModel emissions) => emissions switch
    {
        GaussianMixtureEmissions gmm => GaussianLayout(gmm.Tables) != null,
        TiedMixtureEmissions tied => TiedMixtureKernel.Supports(tied.Tables),
        _ => false,
    };

    /// <summary>
    /// Uploads one chunk's features (unless the device holds them from the same load: <paramref name="generation"/>), ties and
    /// lengths; runs the GMM kernel and the gather into the recursion's emissions.
    /// </summary>
    private (RecursionParams Recursion, TiedParams Tied) TiedSetup(EmissionModel emissions, HmmModel graph, TiedStateBatch ties, SequenceBatch features,
        long generation, int b0, int count)
    {
        int maxLength = features.MaxLength;
        int modelStride = Hmm.Simd.SimdCapabilities.Pad(emissions.StateCount);
        var gmm = emissions as GaussianMixtureEmissions;
        var tied = emissions as TiedMixtureEmissions;
        FeatureUpload frames;
        if (gmm is not null)
        {
            UploadGmm(gmm);
            frames = UploadFeatures(gmm, features, b0, count, generation);
        }
        else
        {
            UploadTiedMixture(tied!);
            frames = new FeatureUpload(UploadFloatFeatures(features, b0, count), _halfFeatures.Ensure(1), false);
        }
        var p = RecursionSetup(graph, null, b0, count, features.Lengths.Slice(b0, count), maxLength);
        var modelLl = Buffer(ref _tiedModelLl).Ensure((long)count * maxLength * modelStride);
        if (gmm is not null) LaunchGaussian(gmm.Tables, frames, p.Lengths, modelLl, count, maxLength, modelStride);
        else LaunchTiedMixture(tied!.Tables, frames.Single, p.Lengths, modelLl, count, maxLength, modelStride);
        var t = TiedGather(p, modelLl, ties, b0, count, maxLength, modelStride, features.Dimension, gmm?.ComponentCount ?? 1);
        t.Features = frames.Single;
        return (p, t);
    }

    /// <summary>
    /// The chunk's ties and end biases uploaded and the gather kernel run: the recursion's emissions (<paramref name="p"/>)
    /// from the model-state log-likelihoods already on the device (<paramref name="modelLl"/>, [count, maxLength, modelStride]).
    /// </summary>
    private TiedParams TiedGather(RecursionParams p, ArrayView<float> modelLl, TiedStateBatch ties, int b0, int count, int maxLength, int modelStride,
        int dimension, int components)
    {
        int g = ties.GraphStates;
        var t = new TiedParams
        {
            ModelLl = modelLl,
            Graph = p.Emissions,
            Ties = Upload(Buffer(ref _tiedTies), ties.Ties.Slice(b0 * g, count * g)),
            Bias = Upload(Buffer(ref _tiedBias), ties.Bias.Slice(b0 * g, count * g)),
            EndBias = Upload(Buffer(ref _tiedEnd), ties.EndBias.Slice(b0 * g, count * g)),
            Lengths = p.Lengths,
            Scores = p.Scores,
            Alpha = p.Emissions,
            Beta = p.Emissions,
            Features = p.Emissions,
            Means = p.Emissions, InverseVariances = p.Emissions, Constants = p.Emissions,
            Occupancy = p.Scores, Moments = p.Scores, Leave = p.Scores,
            MaxLength = maxLength,
            Stride = p.Stride,
            ModelStride = modelStride,
            GraphStates = g,
            Dimension = dimension,
            Components = components,
            BlockSize = 1,
            Blocks = 0,
        };
        // 32-bit cell indices in the kernel: launches of at most 2^31 - 1 cells, whole sequences each.
        long perSequence = (long)maxLength * p.Stride;
        int slice = (int)Math.Max(1, Math.Min(count, int.MaxValue / Math.Max(1, perSequence)));
        _gatherKernel ??= _accelerator.LoadStreamKernel<TiedParams, int>(TiedStateKernel.Gather);
        int threads = Math.Min(256, _accelerator.MaxNumThreadsPerGroup);
        for (int s0 = 0; s0 < count; s0 += slice)
        {
            int n = Math.Min(slice, count - s0);
            int cells = (int)(n * perSequence);
            var part = t;
            part.Graph = t.Graph.SubView(s0 * perSequence, cells);
            part.ModelLl = t.ModelLl.SubView((long)s0 * maxLength * modelStride, (long)n * maxLength * modelStride);
            part.Ties = t.Ties.SubView((long)s0 * g, (long)n * g);
            part.Bias = t.Bias.SubView((long)s0 * g, (long)n * g);
            part.EndBias = t.EndBias.SubView((long)s0 * g, (long)n * g);
            part.Lengths = t.Lengths.SubView(s0, n);
            long groups = Math.Clamp((cells + threads - 1L) / threads, 1, Math.Max(1, _accelerator.NumMultiprocessors) * 64L);
            _gatherKernel(new KernelConfig(new Index1D((int)groups), new Index1D(threads)), part, cells);
        }
        return t;
    }

    /// <summary>Float32 features of one chunk on the device: the GMM kernel's upload, or a second upload when that one went up in half precision.</summary>
    private ArrayView<float> FloatFeatures(SequenceBatch features, int b0, int count)
    {
        if (_options.EmissionPrecision != EmissionPrecision.Half) return _features.View.SubView(0, Math.Max(1, (long)count * features.MaxLength * features.Dimension));
        long n = (long)count * features.MaxLength * features.Dimension;
        return Upload(Buffer(ref _tiedFeatures), features.Data.AsSpan(b0 * features.MaxLength * features.Dimension, (int)n));
    }

    /// <summary>
    /// The component parameters the statistics kernel reads, uploaded when the model object changes. An adaptation round's
    /// model differs from the last one only in its means (<c>WithMeans</c> shares the weight and variance arrays): then
    /// only the means go up, and the logarithms of the constants are not taken again.
    /// </summary>
    private void UploadStatisticsModel(GaussianMixtureEmissions gmm)
    {
        if (ReferenceEquals(_statGmm, gmm)) return;
        var shape = gmm.Shape;
        bool sameShape = _statShape is { } last && ReferenceEquals(last.Weights, shape.Weights) && ReferenceEquals(last.Variances, shape.Variances)
            && _statConstants is not null && _statConstants.Capacity > 0;
        _statGmm = null;
        _statShape = null;
        int n = gmm.StateCount, k = gmm.ComponentCount, d = gmm.FeatureDimension;
        Upload(Buffer(ref _statMeans), gmm.MeanArray);
        if (!sameShape)
        {
            // The same float32 constants and reciprocal variances the host's statistics read.
            var frame = GmmFrameStatistics.For(gmm);
            Upload(Buffer(ref _statInverseVariances), frame.InverseVariances);
            Upload(Buffer(ref _statConstants), frame.Constants);
        }
        _statGmm = gmm;
        _statShape = shape;
    }

    private void AddDownloaded(ArrayView<double> source, double[] destination)
    {
        if (_momentStaging.Length < destination.Length) _momentStaging = new double[destination.Length];
        source.SubView(0, destination.Length).CopyToCPU(_stream, _momentStaging.AsSpan(0, destination.Length));
        for (int i = 0; i < destination.Length; i++) destination[i] += _momentStaging[i];
    }

    private static TiedStateBatch SubTies(TiedStateBatch source, int b0, int count)
    {
        var sub = new TiedStateBatch(count, source.GraphStates);
        int g = source.GraphStates;
        for (int b = 0; b < count; b++)
        {
            for (int j = 0; j < g; j++)
            {
                int at = (b0 + b) * g + j;
                if (source.Ties[at] >= 0) sub.Tie(b, j, source.Ties[at], source.Bias[at]);
                if (source.EndBias[at] == 0f) sub.AllowEnd(b, j);
            }
        }
        return sub;
    }

    private void ReleaseTiedBuffers()
    {
        _tiedModelLl?.Dispose(); _tiedBias?.Dispose(); _tiedEnd?.Dispose(); _tiedFeatures?.Dispose(); _tiedTies?.Dispose();
        _tiedOccupancy?.Dispose(); _tiedMoments?.Dispose(); _tiedLeave?.Dispose();
    }

    private void DisposeTiedModel()
    {
        _statMeans?.Dispose(); _statInverseVariances?.Dispose(); _statConstants?.Dispose();
        _statGmm = null;
        _statShape = null;
    }
}

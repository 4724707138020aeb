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

/// <summary>Device buffers: model and feature uploads, score and lattice downloads, host staging.</summary>
public sealed partial class GpuEngine
{
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

    // Tied-mixture (PTM) model tables, uploaded when the model object changes; the Gaussian tables only when they change
    // (a model's Subset shares its source's), and the per-chunk top-N scratch.
    private readonly DeviceBuffer<float> _ptmGaussianWeights, _ptmGaussianBias, _ptmGaussianCenter, _ptmWeights, _ptmTopValues, _ptmTopIndices, _ptmBestSum;
    private readonly DeviceBuffer<int> _ptmStreamOffsets, _ptmPositionState, _ptmPositionCodebook;
    private object? _loadedPtm, _loadedPtmGaussians;

    private void UploadTiedMixture(TiedMixtureEmissions model)
    {
        if (ReferenceEquals(_loadedPtm, model) && _ptmWeights.Capacity > 0) return;
        _loadedPtm = null;
        var t = model.Tables;
        if (!ReferenceEquals(_loadedPtmGaussians, t.GaussianWeights) || _ptmGaussianWeights.Capacity == 0)
        {
            _loadedPtmGaussians = null;
            Upload(_ptmGaussianWeights, t.GaussianWeights);
            Upload(_ptmGaussianBias, t.GaussianBias);
            Upload(_ptmGaussianCenter, t.GaussianCenter);
            _loadedPtmGaussians = t.GaussianWeights;
        }
        Upload(_ptmWeights, t.Weights);
        Upload(_ptmStreamOffsets, t.StreamOffsets.ToArray());
        // Positions the other way round: the state at each (−1 at a group's padding) and its group's codebook.
        var state = new int[t.Positions];
        var codebook = new int[t.Positions];
        state.AsSpan().Fill(-1);
        for (int s = 0; s < t.States; s++) state[t.Position[s]] = s;
        for (int c = 0; c < t.Codebooks; c++)
            for (int q = t.GroupStart[c]; q < t.GroupStart[c + 1]; q++) codebook[q] = c;
        Upload(_ptmPositionState, state);
        Upload(_ptmPositionCodebook, codebook);
        _loadedPtm = model;
    }

    private void DisposeTiedMixtureModel()
    {
        _ptmGaussianWeights.Dispose(); _ptmGaussianBias.Dispose(); _ptmGaussianCenter.Dispose(); _ptmWeights.Dispose();
        _ptmStreamOffsets.Dispose(); _ptmPositionState.Dispose(); _ptmPositionCodebook.Dispose();
        _loadedPtm = null;
        _loadedPtmGaussians = null;
    }

    /// <summary>One chunk's features in float32 as given (the tied-mixture kernels read them; no half-precision path).</summary>
    private ArrayView<float> UploadFloatFeatures(SequenceBatch features, int b0, int count)
    {
        _featuresHeld = null;
        long n = (long)count * features.MaxLength * features.Dimension;
        var view = _features.Ensure(n);
        if (n > 0) _features.View.SubView(0, n).CopyFromCPU(_stream, features.Data.AsSpan(b0 * features.MaxLength * features.Dimension, (int)n));
        return view;
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
                _runHalfSequences += count;
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
}

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

/// <summary>Execution: batches split by the device-memory budget, out-of-memory handling and the fallback to the SIMD CPU engine.</summary>
public sealed partial class GpuEngine
{
    // What the running call has done so far; EndRun publishes it as LastRun.
    private int _runChunks, _runCpuFallback, _runOutOfMemoryRetries, _runHalfSequences;
    private TimeSpan _runKernelTime;
    // Zeros for the reports of calls whose sequences all went up in float32 (never written, so reports may share it).
    private double[] _zeroBounds = Array.Empty<double>();

    /// <summary>
    /// Runs <paramref name="batch"/> sequences in chunks of the memory budget on the device (<paramref name="onDevice"/>),
    /// or on the CPU engine (<paramref name="onCpu"/>) where the shape does not fit the kernels or a single sequence does not
    /// fit the device; publishes <see cref="LastRun"/> at the end, also when it throws. <paramref name="uploadsFeatures"/>:
    /// the chunks upload features (possibly in half precision), so the report carries a bound per sequence.
    /// </summary>
    private void RunChunked(int batch, long bytesPerSequence, bool supported, bool uploadsFeatures, Action<int, int> onDevice, Action<int, int> onCpu)
    {
        BeginRun(uploadsFeatures ? batch : 0);
        try
        {
            RunChunks(batch, bytesPerSequence, supported, onDevice, onCpu);
        }
        finally
        {
            EndRun();
        }
    }

    private void RunChunks(int batch, long bytesPerSequence, bool supported, Action<int, int> onDevice, Action<int, int> onCpu)
    {
        if (!supported)
        {
            if (!_options.CpuFallback) throw new NotSupportedException("this shape does not fit the GPU kernels' shared memory and CpuFallback is off.");
            onCpu(0, batch);
            _runCpuFallback = batch;
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
                _runChunks++;
                b0 += count;
            }
            catch (Exception ex) when (IsOutOfMemory(ex))
            {
                _runOutOfMemoryRetries++;
                ReleaseBatchBuffers();
                if (count > 1)
                {
                    chunk = Math.Max(1, count / 2);
                    continue;
                }
                if (!_options.CpuFallback) throw;
                onCpu(b0, 1);
                _runCpuFallback++;
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
        _ptmTopValues.Dispose(); _ptmTopIndices.Dispose(); _ptmBestSum.Dispose();
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

    /// <summary>Starts a call's counts; <paramref name="halfBounds"/> sequences get a half-precision bound (0 where the call uploads no features).</summary>
    private void BeginRun(int halfBounds)
    {
        _runChunks = 0;
        _runCpuFallback = 0;
        _runOutOfMemoryRetries = 0;
        _runHalfSequences = 0;
        _runKernelTime = TimeSpan.Zero;
        LastRecursionPack = 0;
        if (_halfBounds.Length < halfBounds) _halfBounds = new double[halfBounds];
        _halfBounds.AsSpan(0, halfBounds).Clear();
        _halfBoundCount = halfBounds;
    }

    /// <summary>Publishes the call's counts as <see cref="LastRun"/>, with its own copy of the bounds.</summary>
    private void EndRun()
    {
        ReadOnlyMemory<double> bounds;
        if (_runHalfSequences > 0)
        {
            bounds = _halfBounds.AsSpan(0, _halfBoundCount).ToArray();
        }
        else
        {
            // No chunk went up in half precision: every bound is 0 (a float32 chunk's are cleared).
            if (_zeroBounds.Length < _halfBoundCount) _zeroBounds = new double[_halfBoundCount];
            bounds = _zeroBounds.AsMemory(0, _halfBoundCount);
        }
        LastRun = new GpuRunReport(_runChunks, _runCpuFallback, _runOutOfMemoryRetries, _runHalfSequences, bounds, _runKernelTime);
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
}

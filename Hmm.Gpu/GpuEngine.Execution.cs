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
}

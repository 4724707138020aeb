using System;
using Hmm.Gpu.Kernels;
using Hmm.Primitives;
using ILGPU;
using ILGPU.Runtime;

namespace Hmm.Gpu;

// ITiedStateEngine: the model-state log-likelihoods the caller computed (CTC: a network's class log-probabilities) go up
// as they are, [B, T, M]; the gather kernel of forced alignment builds the graph's emissions from them on the device, and
// the Viterbi and forward recursions run as in Align. Only paths and scores come back.
public sealed partial class GpuEngine : ITiedStateEngine
{
    /// <inheritdoc/>
    /// <exception cref="ArgumentException">Shapes disagree (the graph's states and the ties', the batch and the ties' capacity, a
    /// tie past the model's states, a result too small), or a log-likelihood is NaN or +infinity.</exception>
    public void TiedViterbi(HmmModel graph, EmissionBatch modelLogLikelihoods, TiedStateBatch ties, ViterbiResult? viterbi, Span<double> logLikelihoods)
    {
        ThrowIfDisposed();
        bool forward = EngineArguments.TiedViterbiShapes(graph, modelLogLikelihoods, ties, viterbi, logLikelihoods.Length, nameof(logLikelihoods));
        int batch = modelLogLikelihoods.BatchSize, maxLength = modelLogLikelihoods.MaxLength;
        if (!HostValidation.EmissionsValid(modelLogLikelihoods)) modelLogLikelihoods.Validate(nameof(modelLogLikelihoods));
        if (viterbi is not null)
        {
            viterbi.SetBatchSize(batch);
            for (int b = 0; b < batch; b++) viterbi.LengthArray[b] = modelLogLikelihoods.Lengths[b];
        }
        int pathStride = viterbi?.MaxLength ?? 0;
        var scores = Staging(batch);
        long stride = graph.Transitions.PaddedStateCount;
        // model-state log-likelihoods, graph emissions, alpha and back-pointers per frame, the path, ties.
        long perSequence = 4L * maxLength * (modelLogLikelihoods.Stride + 3 * stride) + 4L * pathStride + 12L * ties.GraphStates + 64;
        RunChunked(batch, perSequence, RecursionLayoutFor(graph) != null, uploadsFeatures: false,
            (b0, count) =>
            {
                var p = RecursionSetup(graph, null, b0, count, modelLogLikelihoods.Lengths.Slice(b0, count), maxLength);
                int modelStride = modelLogLikelihoods.Stride;
                var modelLl = Upload(Buffer(ref _tiedModelLl),
                    modelLogLikelihoods.Data.AsSpan(modelLogLikelihoods.Offset(b0, 0), count * maxLength * modelStride));
                var start = Mark();
                TiedGather(p, modelLl, ties, b0, count, maxLength, modelStride, dimension: 1, components: 1);
                if (viterbi is not null) LaunchViterbi(graph, p, count, pathStride);
                if (forward) LaunchRecursion(graph, p, count, RecursionKernel.ModeForward);
                Measure(start);
                if (forward) DownloadScores(count, 0, scores.AsSpan(b0, count));
                if (viterbi is null) return;
                DownloadScores(count, 1, viterbi.ScoreArray.AsSpan(b0, count));
                _paths.View.SubView(0, (long)count * pathStride).CopyToCPU(_stream, viterbi.PathArray.AsSpan(b0 * pathStride, count * pathStride));
            },
            (b0, count) =>
            {
                var expanded = new EmissionBatch(count, maxLength, ties.GraphStates);
                for (int i = 0; i < count; i++) ties.Expand(modelLogLikelihoods, b0 + i, expanded, i, b0 + i, modelLogLikelihoods.Lengths[b0 + i]);
                if (forward) _cpu.Forward(graph, expanded, scores.AsSpan(b0, count));
                if (viterbi is null) return;
                var sub = new ViterbiResult(count, Math.Max(1, viterbi.MaxLength));
                _cpu.Viterbi(graph, expanded, sub);
                for (int i = 0; i < count; i++)
                {
                    viterbi.ScoreArray[b0 + i] = sub.Scores[i];
                    sub.Path(i).CopyTo(viterbi.PathArray.AsSpan((b0 + i) * viterbi.MaxLength));
                }
            });
        if (forward) scores.AsSpan(0, batch).CopyTo(logLikelihoods);
    }
}

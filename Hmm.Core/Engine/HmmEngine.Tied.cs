using System;
using Hmm.Engine;
using Hmm.Primitives;

namespace Hmm;

// ITiedStateEngine on the CPU: the recursions read each graph state's emission straight from its model state's column of
// the frame's row (TiedColumns, an emission source of the same forward and Viterbi drivers), so no [B, T, G] lattice is
// written and read back. Paths, scores and log-likelihoods equal TiedStateBatch.Expand followed by Viterbi and Forward,
// bit for bit: the same sums reach the same step.
public sealed unsafe partial class HmmEngine : ITiedStateEngine
{
    /// <inheritdoc/>
    /// <exception cref="ArgumentException">Shapes disagree (the graph's states and the ties', the batch and the ties' capacity, a
    /// tie past the model's states, a result too small), or a log-likelihood is NaN or +infinity.</exception>
    public void TiedViterbi(HmmModel graph, EmissionBatch modelLogLikelihoods, TiedStateBatch ties, ViterbiResult? viterbi, Span<double> logLikelihoods)
    {
        bool forward = EngineArguments.TiedViterbiShapes(graph, modelLogLikelihoods, ties, viterbi, logLikelihoods.Length, nameof(logLikelihoods));
        int batch = modelLogLikelihoods.BatchSize;
        modelLogLikelihoods.Validate(nameof(modelLogLikelihoods));
        if (viterbi is not null) viterbi.BatchSize = batch;
        var scores = forward ? Scores(batch) : null;
        if (Serial(Pairs(batch))) for (int a = 0; a < batch; a += 2) TiedPair(graph, modelLogLikelihoods, ties, a, _single, viterbi, scores);
        else TiedInParallel(graph, modelLogLikelihoods, ties, viterbi, scores);
        if (forward) scores.AsSpan(0, batch).CopyTo(logLikelihoods);
    }

    private void TiedInParallel(HmmModel graph, EmissionBatch modelLogLikelihoods, TiedStateBatch ties, ViterbiResult? viterbi, double[]? scores)
        => ForEach(Pairs(modelLogLikelihoods.BatchSize), (p, ws) => TiedPair(graph, modelLogLikelihoods, ties, 2 * p, ws, viterbi, scores));

    /// <summary>
    /// Sequences <paramref name="a"/> and a + 1 (when the batch has it): Viterbi (when <paramref name="viterbi"/> is given)
    /// and then forward (when <paramref name="scores"/> is) through <see cref="CpuPasses.TiedPairPass{TL, TV, TA, TB}"/>.
    /// </summary>
    private void TiedPair(HmmModel graph, EmissionBatch model, TiedStateBatch ties, int a, Workspace ws, ViterbiResult? viterbi, double[]? scores)
    {
        var tr = graph.Transitions;
        bool two = a + 1 < model.BatchSize;
        int lengthA = model.Lengths[a], lengthB = two ? model.Lengths[a + 1] : 0, stride = tr.PaddedStateCount;
        ws.EnsureColumns(stride, tr.TableRows, columns: 6);
        ws.EnsureTies(stride);
        if (viterbi is not null) ws.EnsureBackpointers(lengthA + lengthB, stride);
        TieColumns(ties, a, stride, ws.TieStates, ws.TieAdd, 0);
        if (two) TieColumns(ties, a + 1, stride, ws.TieStates, ws.TieAdd, 1);
        fixed (float* m = model.Data)
        fixed (float* table = StepTable(tr, backward: false))
        fixed (float* scaled = ScaledTable(tr, backward: false))
        fixed (float* init = graph.LogInitialPadded)
        fixed (float* scratch = ws.Scratch)
        fixed (float* bp = ws.Backpointers)
        fixed (int* states = ws.TieStates)
        fixed (float* add = ws.TieAdd)
        fixed (float* buffer = ws.Register)
        {
            var first = Job(graph, null, lengthA, stride, table, init, scratch, ws.Pad);
            var second = Job(graph, null, lengthB, stride, table, init, scratch + 3 * first.ColumnSize, ws.Pad);
            var ea = new TiedColumns(m + model.Offset(a, 0), model.Stride, states, add, add + stride, lengthA, buffer);
            var eb = new TiedColumns(m + (two ? model.Offset(a + 1, 0) : 0), model.Stride, states + stride, add + 2 * stride, add + 3 * stride,
                lengthB, buffer);
            if (viterbi is not null)
            {
                // The second sequence's back-pointers follow the first's.
                first.Backpointers = bp;
                second.Backpointers = bp + (long)lengthA * stride;
                double scoreA = CpuPasses.TiedPairPass<MaxPlus, MaxPlus>(Width, ref first, ref second, ea, eb, out double scoreB);
                Backtrace(viterbi, a, scoreA, ref first, graph.StateCount);
                if (two) Backtrace(viterbi, a + 1, scoreB, ref second, graph.StateCount);
            }
            if (scores is null) return;
            first.Backpointers = second.Backpointers = null;
            first.Scaled = second.Scaled = scaled;
            scores[a] = CpuPasses.TiedPairPass<LogSumExp, LogSumExp>(Width, ref first, ref second, ea, eb, out double llB);
            if (two) scores[a + 1] = llB;
        }
    }

    /// <summary>
    /// Sequence <paramref name="b"/>'s ties as <see cref="TiedColumns"/> reads them, in slot <paramref name="slot"/> of the
    /// workspace's tables: per graph state (padded to <paramref name="stride"/>) the model state read (0 where it never
    /// emits), the bias (-infinity where it never emits) and the last frame's bias plus end bias.
    /// </summary>
    private static void TieColumns(TiedStateBatch ties, int b, int stride, int[] states, float[] add, int slot)
    {
        int g = ties.GraphStates, offset = b * g;
        var tie = ties.Ties;
        var bias = ties.Bias;
        var end = ties.EndBias;
        var s = states.AsSpan(slot * stride, stride);
        var every = add.AsSpan(2 * slot * stride, stride);
        var last = add.AsSpan((2 * slot + 1) * stride, stride);
        for (int j = 0; j < stride; j++)
        {
            int state = j < g ? tie[offset + j] : -1;
            s[j] = state < 0 ? 0 : state;
            every[j] = state < 0 ? float.NegativeInfinity : bias[offset + j];
            last[j] = state < 0 ? float.NegativeInfinity : bias[offset + j] + end[offset + j];
        }
    }
}

using System;
using Hmm.Engine;
using Hmm.Primitives;

namespace Hmm;

/// <summary>
/// Time-varying transitions (<see cref="ITimeVaryingEngine"/>): the passes of the time-invariant engine
/// (<see cref="CpuPasses.PairPass{TL, TV, TA, TB}"/>, <see cref="CpuPasses.BackwardPass{TL, TV}"/>,
/// <see cref="CpuPasses.PosteriorPass{TL, TV}"/>) with a job whose table moves by one frame's table a step
/// (<see cref="SequenceJob.TableFrameStride"/>). Forward and Viterbi read the caller's tables in place; backward and the
/// posteriors first lay each sequence's tables out for the backward step (the transpose, or the band by source) in the
/// workspace. Dense tables take the exact two-pass step (<see cref="Definitions.RelaxDense{TL, TV, TS, TM}"/>): the scaled
/// step's per-model tables would cost a frame what the two-pass step does.
/// </summary>
public sealed unsafe partial class HmmEngine : ITimeVaryingEngine
{
    /// <inheritdoc/>
    public void Forward(TimeVaryingTransitions transitions, EmissionBatch emissions, Span<double> logLikelihoods, StateLattice? logAlpha = null)
    {
        TimeVaryingArguments.Check(transitions, emissions, logLikelihoods.Length, nameof(logLikelihoods));
        logAlpha?.ShapeLike(emissions, nameof(logAlpha));
        var scores = Scores(emissions.BatchSize);
        if (Serial(Pairs(emissions.BatchSize))) for (int b = 0; b < emissions.BatchSize; b += 2) TimeVaryingForwardPair(transitions, emissions, b, _single, scores, logAlpha);
        else TimeVaryingForwardInParallel(transitions, emissions, scores, logAlpha);
        scores.AsSpan(0, emissions.BatchSize).CopyTo(logLikelihoods);
    }

    /// <inheritdoc/>
    public void Backward(TimeVaryingTransitions transitions, EmissionBatch emissions, Span<double> logLikelihoods, StateLattice? logBeta = null)
    {
        TimeVaryingArguments.Check(transitions, emissions, logLikelihoods.Length, nameof(logLikelihoods));
        logBeta?.ShapeLike(emissions, nameof(logBeta));
        var scores = Scores(emissions.BatchSize);
        if (Serial(emissions.BatchSize)) for (int b = 0; b < emissions.BatchSize; b++) scores[b] = TimeVaryingBackwardSequence(transitions, emissions, b, _single, logBeta);
        else TimeVaryingBackwardInParallel(transitions, emissions, scores, logBeta);
        scores.AsSpan(0, emissions.BatchSize).CopyTo(logLikelihoods);
    }

    /// <inheritdoc/>
    public void Posteriors(TimeVaryingTransitions transitions, EmissionBatch emissions, TimeVaryingPosteriorResult result)
    {
        TimeVaryingArguments.CheckPosteriors(transitions, emissions, result);
        result.BatchSize = emissions.BatchSize;
        if (Serial(emissions.BatchSize)) for (int b = 0; b < emissions.BatchSize; b++) result.LogLikelihoodArray[b] = TimeVaryingPosteriorSequence(transitions, emissions, b, _single, result);
        else TimeVaryingPosteriorsInParallel(transitions, emissions, result);
    }

    /// <inheritdoc/>
    public void Viterbi(TimeVaryingTransitions transitions, EmissionBatch emissions, ViterbiResult result)
    {
        TimeVaryingArguments.CheckViterbi(transitions, emissions, result);
        result.BatchSize = emissions.BatchSize;
        if (Serial(Pairs(emissions.BatchSize))) for (int b = 0; b < emissions.BatchSize; b += 2) TimeVaryingViterbiPair(transitions, emissions, b, _single, result);
        else TimeVaryingViterbiInParallel(transitions, emissions, result);
    }

    /// <summary>Sequence <paramref name="b"/>'s job over per-frame tables at <paramref name="tables"/> (frame t at t · FrameSize).</summary>
    private static SequenceJob TimeVaryingJob(TimeVaryingTransitions tr, EmissionBatch emissions, int b, float* e, float* tables, float* init, float* scratch, int pad) => new()
    {
        Emissions = e + (b < emissions.BatchSize ? emissions.Offset(b, 0) : 0),
        Length = b < emissions.BatchSize ? emissions.Lengths[b] : 0,
        States = tr.StateCount,
        Stride = tr.Stride,
        Table = tables,
        TableFrameStride = tr.FrameSize,
        TableRows = tr.TableRows,
        Banded = tr.Layout == TransitionLayout.Banded,
        Initial = init + (long)(b < emissions.BatchSize ? b : 0) * tr.Stride,
        Scratch = scratch,
        Pad = pad,
    };

    private void TimeVaryingForwardPair(TimeVaryingTransitions tr, EmissionBatch emissions, int a, Workspace ws, double[] scores, StateLattice? logAlpha)
    {
        bool two = a + 1 < emissions.BatchSize;
        int lengthA = emissions.Lengths[a], lengthB = two ? emissions.Lengths[a + 1] : 0;
        ws.EnsureColumns(tr.Stride, tr.TableRows, columns: 6);
        if (logAlpha != null) ws.EnsureLattice(Math.Max(lengthA, lengthB), tr.Stride, both: true);
        fixed (float* e = emissions.Data)
        fixed (float* tables = tr.Data)
        fixed (float* init = tr.InitialData)
        fixed (float* scratch = ws.Scratch)
        {
            var first = TimeVaryingJob(tr, emissions, a, e, tables + tr.Offset(a, 0), init, scratch, ws.Pad);
            var second = TimeVaryingJob(tr, emissions, two ? a + 1 : emissions.BatchSize, e, tables + (two ? tr.Offset(a + 1, 0) : 0), init,
                scratch + 3 * first.ColumnSize, ws.Pad);
            ForwardPairPass(ref first, ref second, ws, scores, a, two, logAlpha);
        }
    }

    private double TimeVaryingBackwardSequence(TimeVaryingTransitions tr, EmissionBatch emissions, int b, Workspace ws, StateLattice? logBeta)
    {
        int length = emissions.Lengths[b];
        ws.EnsureColumns(tr.Stride, tr.TableRows);
        if (logBeta != null) ws.EnsureLattice(length, tr.Stride, both: false);
        ws.EnsureTables((long)Math.Max(length, 1) * tr.FrameSize);
        tr.CopyOutOf(b, length, ws.Tables);
        fixed (float* e = emissions.Data)
        fixed (float* outOf = ws.Tables)
        fixed (float* init = tr.InitialData)
        fixed (float* scratch = ws.Scratch)
        fixed (float* columns = ws.ColumnsA)
        fixed (float* scales = ws.ScalesA)
        {
            var job = TimeVaryingJob(tr, emissions, b, e, outOf, init, scratch, ws.Pad);
            if (logBeta != null) { job.Columns = columns; job.Scales = scales; }
            double ll = CpuPasses.BackwardPass(Width, ref job, job.Initial);
            if (logBeta != null) StoreAbsolute(ref job, logBeta, b, forward: false);
            return ll;
        }
    }

    private double TimeVaryingPosteriorSequence(TimeVaryingTransitions tr, EmissionBatch emissions, int b, Workspace ws, TimeVaryingPosteriorResult result)
    {
        int length = emissions.Lengths[b], stride = tr.Stride, size = tr.FrameSize;
        bool banded = tr.Layout == TransitionLayout.Banded, perFrame = result.PerFrameTransitions;
        ws.EnsureColumns(stride, tr.TableRows);
        ws.EnsureLattice(length, stride, both: true);
        ws.EnsureTables((long)Math.Max(length, 1) * size);
        var posteriors = result.StatePosteriors;
        var summed = result.SummedArray.AsSpan(b * size, size);
        var frames = perFrame ? result.PerFrameArray.AsSpan(b * result.MaxLength * size, result.MaxLength * size) : Span<float>.Empty;
        double ll;
        fixed (float* e = emissions.Data)
        fixed (float* tables = tr.Data)
        fixed (float* outOf = ws.Tables)
        fixed (float* init = tr.InitialData)
        fixed (float* scratch = ws.Scratch)
        fixed (float* alpha = ws.ColumnsA)
        fixed (float* beta = ws.ColumnsB)
        fixed (float* alphaScales = ws.ScalesA)
        fixed (float* betaScales = ws.ScalesB)
        fixed (float* gamma = posteriors.Data)
        fixed (float* counts = perFrame ? frames : summed)
        {
            float* seqGamma = gamma + posteriors.Offset(b, 0);
            var job = TimeVaryingJob(tr, emissions, b, e, tables + tr.Offset(b, 0), init, scratch, ws.Pad);
            job.Columns = alpha;
            job.Scales = alphaScales;
            ll = CpuPasses.ForwardPass<LogSumExp>(Width, ref job);
            if (double.IsNegativeInfinity(ll) || length == 0)
            {
                new Span<float>(seqGamma, length * stride).Clear();
                summed.Clear();
                frames.Clear();
                return ll;
            }
            tr.CopyOutOf(b, length, ws.Tables);
            job.Table = outOf;
            job.Columns = beta;
            job.Scales = betaScales;
            CpuPasses.BackwardPass(Width, ref job, job.Initial);
            // Counts read the table whose rows are what they count: dense "into" rows (sources), banded rows by source.
            job.Table = banded ? outOf : tables + tr.Offset(b, 0);
            job.CountFrameStride = perFrame ? size : 0;
            CpuPasses.PosteriorPass(Width, ref job, alpha, beta, betaScales, seqGamma, counts);
        }
        if (!perFrame)
        {
            if (banded) TimeVaryingTransitions.BandToInto(summed, tr.TableRows, stride);
            return ll;
        }
        frames.Slice(length * size).Clear();
        summed.Clear();
        for (int t = 1; t < length; t++)
        {
            var frame = frames.Slice(t * size, size);
            if (banded) TimeVaryingTransitions.BandToInto(frame, tr.TableRows, stride);
            for (int q = 0; q < size; q++) summed[q] += frame[q];
        }
        return ll;
    }

    private void TimeVaryingViterbiPair(TimeVaryingTransitions tr, EmissionBatch emissions, int a, Workspace ws, ViterbiResult result)
    {
        bool two = a + 1 < emissions.BatchSize;
        int lengthA = emissions.Lengths[a], lengthB = two ? emissions.Lengths[a + 1] : 0, stride = tr.Stride;
        ws.EnsureColumns(stride, tr.TableRows, columns: 4);
        ws.EnsureBackpointers(lengthA + lengthB, stride);
        fixed (float* e = emissions.Data)
        fixed (float* tables = tr.Data)
        fixed (float* init = tr.InitialData)
        fixed (float* scratch = ws.Scratch)
        fixed (float* bp = ws.Backpointers)
        {
            var first = TimeVaryingJob(tr, emissions, a, e, tables + tr.Offset(a, 0), init, scratch, ws.Pad);
            var second = TimeVaryingJob(tr, emissions, two ? a + 1 : emissions.BatchSize, e, tables + (two ? tr.Offset(a + 1, 0) : 0), init,
                scratch + 2 * first.ColumnSize, ws.Pad);
            first.Backpointers = bp;
            second.Backpointers = bp + (long)lengthA * stride;
            double scoreA = CpuPasses.PairPass<MaxPlus, MaxPlus>(Width, ref first, ref second, out double scoreB);
            Backtrace(result, a, scoreA, ref first, tr.StateCount);
            if (two) Backtrace(result, a + 1, scoreB, ref second, tr.StateCount);
        }
    }

    private void TimeVaryingForwardInParallel(TimeVaryingTransitions tr, EmissionBatch emissions, double[] scores, StateLattice? logAlpha) =>
        ForEach(Pairs(emissions.BatchSize), (p, ws) => TimeVaryingForwardPair(tr, emissions, 2 * p, ws, scores, logAlpha));

    private void TimeVaryingBackwardInParallel(TimeVaryingTransitions tr, EmissionBatch emissions, double[] scores, StateLattice? logBeta) =>
        ForEach(emissions.BatchSize, (b, ws) => scores[b] = TimeVaryingBackwardSequence(tr, emissions, b, ws, logBeta));

    private void TimeVaryingPosteriorsInParallel(TimeVaryingTransitions tr, EmissionBatch emissions, TimeVaryingPosteriorResult result) =>
        ForEach(emissions.BatchSize, (b, ws) => result.LogLikelihoodArray[b] = TimeVaryingPosteriorSequence(tr, emissions, b, ws, result));

    private void TimeVaryingViterbiInParallel(TimeVaryingTransitions tr, EmissionBatch emissions, ViterbiResult result) =>
        ForEach(Pairs(emissions.BatchSize), (p, ws) => TimeVaryingViterbiPair(tr, emissions, 2 * p, ws, result));
}

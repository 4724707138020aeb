using System;
using System.Collections.Generic;
using Hmm.Engine;
using Hmm.Simd;

namespace Hmm;

/// <summary>
/// Connectionist temporal classification over caller-supplied per-frame log-probabilities (any CTC acoustic model's
/// log-softmax output): the log-likelihood of each label sequence (CTC loss = its negation), the labels' posteriors per
/// frame (what the loss's gradient needs), and the Viterbi forced alignment with torchaudio's <c>forced_align</c>
/// semantics. Batched, variable lengths, any blank index, repeated labels.
/// </summary>
/// <remarks>
/// CTC runs as an ordinary banded HMM on <see cref="IHmmEngine"/> (the SIMD CPU engine, or the GPU engine of Hmm.Gpu):
/// every sequence of a chunk shares one graph of 2(L + R) + 1 states (R: adjacent repeated labels) whose transitions all weigh log 1 (see the graph's
/// description in ARCHITECTURE.md), and each graph state reads its class's log-probability per frame: an
/// <see cref="ITiedStateEngine"/> (both engines) reads the [B, T, C] input itself (forced alignment and log-likelihoods),
/// elsewhere (class posteriors, other engines) the input is gathered into a [B, T, G] lattice first. So CTC
/// has no recursion arithmetic of its own: the engines' forward, posteriors and Viterbi are the definitions every other
/// model runs. Not thread-safe: an instance keeps its scratch storage from call to call.
/// </remarks>
public sealed unsafe class CtcAligner
{
    private readonly IHmmEngine _engine;
    private readonly Dictionary<int, HmmModel> _models = new();
    private float[] _emissionStorage = Array.Empty<float>();
    private float[] _posteriorStorage = Array.Empty<float>();

    /// <summary>CTC on <paramref name="engine"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="engine"/> is null.</exception>
    public CtcAligner(IHmmEngine engine)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
    }

    /// <summary>
    /// How far a frame's log-sum-exp over the classes may be from 0 (log 1) before the input is refused as not
    /// normalised; default 0.01. <see cref="float.PositiveInfinity"/> accepts any scores (then results are sums of
    /// unnormalised path scores).
    /// </summary>
    public float NormalisationTolerance { get; init; } = 0.01f;

    /// <summary>Graph cells (sequences × frames × graph states) one engine call may hold; larger batches run in chunks. Default 2^24 (64 MB of floats).</summary>
    public long MaxCellsPerChunk { get; init; } = 1L << 24;

    /// <summary>The engine the passes run on.</summary>
    public IHmmEngine Engine => _engine;

    /// <summary>
    /// log p(labels | frames) per sequence: the CTC loss is its negation. -infinity where the labels cannot fit the frames
    /// (<see cref="CtcTargets.MinimumFrames"/>) or every path has probability 0; 0 for an empty sequence with no labels.
    /// </summary>
    /// <param name="logProbabilities">[B, T, C] log-probabilities per frame and class (lengths from the batch).</param>
    /// <param name="targets">The B label sequences and the blank.</param>
    /// <param name="logLikelihoods">Receives one value per sequence.</param>
    /// <exception cref="ArgumentException">Shapes disagree, a value is NaN or +infinity, or a frame is not normalised (see <see cref="NormalisationTolerance"/>).</exception>
    public void LogLikelihoods(EmissionBatch logProbabilities, CtcTargets targets, Span<double> logLikelihoods)
    {
        Check(logProbabilities, targets, logLikelihoods.Length, nameof(logLikelihoods));
        var results = new double[targets.Count];
        if (_engine is ITiedStateEngine tied)
        {
            TiedPass(tied, logProbabilities, targets, results, null);
        }
        else
        {
            ForEachChunk(logProbabilities, targets, (chunk, graph, model) =>
            {
                var ll = new double[chunk.Count];
                _engine.Forward(model, graph, ll);
                for (int i = 0; i < chunk.Count; i++) results[chunk[i]] = ll[i];
            }, results);
        }
        results.CopyTo(logLikelihoods);
    }

    /// <summary>
    /// The posterior probability of each class at each frame given the labels (summed over the label positions that emit
    /// it; the blank's too), and the log-likelihoods. The gradient of the CTC loss −log p with respect to the input
    /// log-probability of class c at frame t is −<paramref name="classPosteriors"/>[b, t, c] (and, through a log-softmax
    /// over logits z, softmax(z)[t, c] − posterior[t, c]). Infeasible sequences get all-zero posteriors.
    /// </summary>
    /// <param name="logProbabilities">[B, T, C] log-probabilities.</param>
    /// <param name="targets">The label sequences.</param>
    /// <param name="classPosteriors">Receives [B, T, C] probabilities (batch and length at least the input's, C states); its lengths are set.</param>
    /// <param name="logLikelihoods">Receives log p(labels | frames) per sequence.</param>
    /// <exception cref="ArgumentException">As <see cref="LogLikelihoods"/>, or <paramref name="classPosteriors"/> has the wrong shape.</exception>
    public void ClassPosteriors(EmissionBatch logProbabilities, CtcTargets targets, StateLattice classPosteriors, Span<double> logLikelihoods)
    {
        Check(logProbabilities, targets, logLikelihoods.Length, nameof(logLikelihoods));
        Guard.NotNull(classPosteriors, nameof(classPosteriors));
        classPosteriors.ShapeLike(logProbabilities, nameof(classPosteriors));
        for (int b = 0; b < logProbabilities.BatchSize; b++)
            classPosteriors.Data.AsSpan(classPosteriors.Offset(b, 0), logProbabilities.Lengths[b] * classPosteriors.Stride).Clear();
        var results = new double[targets.Count];
        ForEachChunk(logProbabilities, targets, (chunk, graph, model) =>
        {
            var posteriors = new PosteriorResult(chunk.Count, graph.MaxLength, graph.StateCount, model.Transitions.TableRows,
                Storage(ref _posteriorStorage, StateLattice.Size(chunk.Count, graph.MaxLength, graph.StateCount)));
            _engine.Posteriors(model, graph, posteriors);
            var classes = new int[graph.StateCount];
            var labelIndex = new int[graph.StateCount];
            for (int i = 0; i < chunk.Count; i++)
            {
                int b = chunk[i];
                double ll = posteriors.LogLikelihoods[i];
                results[b] = ll;
                if (double.IsNegativeInfinity(ll)) continue;
                int used = CtcGraph.Layout(targets.Labels(b), targets.Blank, classes, labelIndex);
                for (int t = 0; t < graph.Lengths[i]; t++)
                {
                    var gamma = posteriors.StatePosteriors.Frame(i, t);
                    var row = classPosteriors.Frame(b, t);
                    for (int s = 0; s < used; s++)
                        if (classes[s] >= 0) row[classes[s]] += gamma[s];
                }
            }
        }, results);
        results.CopyTo(logLikelihoods);
    }

    /// <summary>
    /// The best path of every sequence (Viterbi over the CTC graph): a class per frame, its log-probability, and each
    /// label's frames. Ties between equally good paths are broken as the engines' max-plus step breaks them, which need
    /// not be torchaudio's choice; without ties the paths are the same.
    /// </summary>
    /// <param name="logProbabilities">[B, T, C] log-probabilities.</param>
    /// <param name="targets">The label sequences.</param>
    /// <returns>One alignment per sequence; an infeasible sequence's has <see cref="CtcAlignment.Feasible"/> false.</returns>
    /// <exception cref="ArgumentException">As <see cref="LogLikelihoods"/>.</exception>
    public CtcAlignment[] Align(EmissionBatch logProbabilities, CtcTargets targets)
    {
        Check(logProbabilities, targets, targets.Count, nameof(targets));
        var alignments = new CtcAlignment[targets.Count];
        var scores = new double[targets.Count];
        if (_engine is ITiedStateEngine tied) TiedPass(tied, logProbabilities, targets, scores, alignments);
        else ForEachChunk(logProbabilities, targets, (chunk, graph, model) =>
        {
            var viterbi = new ViterbiResult(chunk.Count, Math.Max(1, graph.MaxLength));
            _engine.Viterbi(model, graph, viterbi);
            var classes = new int[graph.StateCount];
            var labelIndex = new int[graph.StateCount];
            for (int i = 0; i < chunk.Count; i++)
            {
                int b = chunk[i];
                CtcGraph.Layout(targets.Labels(b), targets.Blank, classes, labelIndex);
                alignments[b] = Path(logProbabilities, targets, b, viterbi.Path(i), viterbi.Scores[i], labelIndex);
            }
        }, scores);
        for (int b = 0; b < alignments.Length; b++)
        {
            if (alignments[b] is not null) continue;
            // Not run: empty input (feasible only without labels) or fewer frames than the labels need.
            bool empty = logProbabilities.Lengths[b] == 0 && targets.Labels(b).Length == 0;
            alignments[b] = new CtcAlignment(Array.Empty<int>(), Array.Empty<float>(), Array.Empty<CtcTokenSpan>(),
                empty ? 0.0 : double.NegativeInfinity, empty);
        }
        return alignments;
    }

    /// <summary>Frame labels, frame scores and spans of one sequence from its graph path.</summary>
    private static CtcAlignment Path(EmissionBatch logProbabilities, CtcTargets targets, int b, ReadOnlySpan<int> path, double score, int[] labelIndex)
    {
        int length = path.Length;
        if (double.IsNegativeInfinity(score) || length == 0)
            return new CtcAlignment(Array.Empty<int>(), Array.Empty<float>(), Array.Empty<CtcTokenSpan>(), double.NegativeInfinity, feasible: false);
        var labels = targets.Labels(b);
        var frameLabels = new int[length];
        var frameScores = new float[length];
        var spans = new CtcTokenSpan[labels.Length];
        int spanLabel = -1, spanStart = 0;
        double spanSum = 0;
        for (int t = 0; t <= length; t++)
        {
            int k = t < length ? labelIndex[path[t]] : -1;
            if (k != spanLabel && spanLabel >= 0)
                spans[spanLabel] = new CtcTokenSpan(spanLabel, labels[spanLabel], spanStart, t, (float)(spanSum / (t - spanStart)));
            if (t == length) break;
            int c = k < 0 ? targets.Blank : labels[k];
            frameLabels[t] = c;
            frameScores[t] = logProbabilities.Frame(b, t)[c];
            if (k != spanLabel)
            {
                spanLabel = k;
                spanStart = t;
                spanSum = 0;
            }
            if (k >= 0) spanSum += Math.Exp(frameScores[t]);
        }
        return new CtcAlignment(frameLabels, frameScores, spans, score, feasible: true);
    }

    /// <summary>
    /// Runs <paramref name="pass"/> over chunks of the feasible, non-empty sequences: each chunk's graph emissions (its
    /// sequences' log-probabilities gathered into the shared graph of its longest label sequence) and model. Sequences it
    /// skips get their result here: 0 for no frames and no labels, -infinity otherwise.
    /// </summary>
    private void ForEachChunk(EmissionBatch logProbabilities, CtcTargets targets, Action<List<int>, EmissionBatch, HmmModel> pass, double[] results)
    {
        var chunk = new List<int>();
        int maxLength = 0, maxNeeded = 0;
        for (int b = 0; b <= targets.Count; b++)
        {
            if (b < targets.Count)
            {
                int frames = logProbabilities.Lengths[b], needed = targets.MinimumFrames(b);
                if (frames == 0 || frames < needed)
                {
                    results[b] = frames == 0 && needed == 0 ? 0.0 : double.NegativeInfinity;
                    continue;
                }
                int newLength = Math.Max(maxLength, frames), newNeeded = Math.Max(maxNeeded, needed);
                long cells = (long)(chunk.Count + 1) * newLength * SimdCapabilities.Pad(CtcGraph.States(newNeeded));
                if (chunk.Count == 0 || cells <= MaxCellsPerChunk)
                {
                    chunk.Add(b);
                    maxLength = newLength;
                    maxNeeded = newNeeded;
                    continue;
                }
            }
            if (chunk.Count > 0)
            {
                int states = CtcGraph.States(maxNeeded);
                if (!_models.TryGetValue(states, out var model)) _models[states] = model = CtcGraph.Model(states);
                var graph = Gather(logProbabilities, targets, chunk, maxLength, states);
                pass(chunk, graph, model);
                chunk.Clear();
                maxLength = maxNeeded = 0;
            }
            if (b < targets.Count) b--; // the sequence that did not fit starts the next chunk
        }
    }

    /// <summary>The chunk's graph emissions: per frame, each graph state's class log-probability (<see cref="TiedStateBatch.Expand(EmissionBatch, int, EmissionBatch, int, int, int)"/>); at the last frame only the last two states.</summary>
    private EmissionBatch Gather(EmissionBatch logProbabilities, CtcTargets targets, List<int> chunk, int maxLength, int states)
    {
        var graph = new EmissionBatch(chunk.Count, maxLength, states, Storage(ref _emissionStorage, StateLattice.Size(chunk.Count, maxLength, states)));
        var ties = Ties(targets, chunk, states, rowPerSequence: false);
        int threads = _engine is HmmEngine cpu ? cpu.MaxDegreeOfParallelism : 1;
        if (threads == 1 || chunk.Count == 1)
        {
            for (int i = 0; i < chunk.Count; i++) ties.Expand(logProbabilities, chunk[i], graph, i, i, logProbabilities.Lengths[chunk[i]]);
        }
        else
        {
            // The engine's threads then work through the chunk: the gather should not be the one serial part.
            System.Threading.Tasks.Parallel.For(0, chunk.Count, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = threads },
                i => ties.Expand(logProbabilities, chunk[i], graph, i, i, logProbabilities.Lengths[chunk[i]]));
        }
        return graph;
    }

    /// <summary>
    /// The ties of <paramref name="sequences"/> to the classes: each graph state's class, the last two of each sequence
    /// allowed to end it. Tie row i describes sequence <c>sequences[i]</c>, or, with <paramref name="rowPerSequence"/>, row b
    /// describes sequence b (rows of sequences not listed never emit).
    /// </summary>
    private static TiedStateBatch Ties(CtcTargets targets, List<int> sequences, int states, bool rowPerSequence)
    {
        var ties = new TiedStateBatch(rowPerSequence ? targets.Count : sequences.Count, states);
        var classes = new int[states];
        var labelIndex = new int[states];
        for (int i = 0; i < sequences.Count; i++)
        {
            int b = sequences[i], row = rowPerSequence ? b : i;
            int used = CtcGraph.Layout(targets.Labels(b), targets.Blank, classes, labelIndex);
            for (int s = 0; s < used; s++) if (classes[s] >= 0) ties.Tie(row, s, classes[s]);
            ties.AllowEnd(row, used - 1);
            if (used > 1) ties.AllowEnd(row, used - 2);
        }
        return ties;
    }

    /// <summary>
    /// The whole batch through an engine that gathers where its lattices live: one tie table over the graph of the batch's
    /// longest label sequence (sequences that cannot fit their frames stay untied), Viterbi and forward in one call.
    /// </summary>
    private void TiedPass(ITiedStateEngine engine, EmissionBatch logProbabilities, CtcTargets targets, double[] logLikelihoods, CtcAlignment[]? alignments)
    {
        var feasible = new List<int>();
        int needed = 0;
        for (int b = 0; b < targets.Count; b++)
        {
            int frames = logProbabilities.Lengths[b];
            if (frames > 0 && frames >= targets.MinimumFrames(b))
            {
                feasible.Add(b);
                needed = Math.Max(needed, targets.MinimumFrames(b));
            }
            else
            {
                logLikelihoods[b] = frames == 0 && targets.MinimumFrames(b) == 0 ? 0.0 : double.NegativeInfinity;
            }
        }
        if (feasible.Count == 0) return;
        int states = CtcGraph.States(needed);
        if (!_models.TryGetValue(states, out var model)) _models[states] = model = CtcGraph.Model(states);
        var ties = Ties(targets, feasible, states, rowPerSequence: true);
        // The loss alone needs no Viterbi pass, and the alignment no forward pass (its score is the path's).
        var viterbi = alignments is null ? null : new ViterbiResult(targets.Count, Math.Max(1, logProbabilities.MaxLength));
        var ll = alignments is null ? new double[targets.Count] : Array.Empty<double>();
        engine.TiedViterbi(model, logProbabilities, ties, viterbi, ll);
        foreach (int b in feasible) logLikelihoods[b] = alignments is null ? ll[b] : viterbi!.Scores[b];
        if (alignments is null) return;
        var isFeasible = new bool[targets.Count];
        foreach (int b in feasible) isFeasible[b] = true;
        ForEachSequence(logProbabilities, b =>
        {
            if (!isFeasible[b]) return;
            // Pooled: a batch's sequences (on several threads for a large batch) need a layout each.
            var classes = System.Buffers.ArrayPool<int>.Shared.Rent(states);
            var labelIndex = System.Buffers.ArrayPool<int>.Shared.Rent(states);
            CtcGraph.Layout(targets.Labels(b), targets.Blank, classes, labelIndex);
            alignments[b] = Path(logProbabilities, targets, b, viterbi!.Path(b), viterbi.Scores[b], labelIndex);
            System.Buffers.ArrayPool<int>.Shared.Return(classes);
            System.Buffers.ArrayPool<int>.Shared.Return(labelIndex);
        });
    }

    /// <summary>The kept array when it holds <paramref name="size"/> floats, else a larger one kept instead.</summary>
    private static float[]? Storage(ref float[] kept, long size)
    {
        if (size > int.MaxValue) return null;
        if (kept.Length < size)
        {
            kept = Array.Empty<float>();
            kept = new float[size];
        }
        return kept;
    }

    private void Check(EmissionBatch logProbabilities, CtcTargets targets, int resultLength, string resultName)
    {
        Guard.NotNull(logProbabilities, nameof(logProbabilities));
        Guard.NotNull(targets, nameof(targets));
        if (logProbabilities.BatchSize != targets.Count)
            throw new ArgumentException($"logProbabilities holds {logProbabilities.BatchSize} sequences but targets {targets.Count}.", nameof(targets));
        if (logProbabilities.StateCount != targets.ClassCount)
            throw new ArgumentException($"logProbabilities has {logProbabilities.StateCount} classes per frame but targets were made for {targets.ClassCount}.", nameof(targets));
        if (resultLength < targets.Count)
            throw new ArgumentException($"{resultName} holds {resultLength} values but the batch has {targets.Count} sequences.", resultName);
        // One pass of log-sum-exp a frame checks both rules (NaN and +infinity fail the tolerance too), on several threads
        // for a large batch; only when a sequence fails does the sequential check run, to name the first bad value.
        if (float.IsPositiveInfinity(NormalisationTolerance))
        {
            logProbabilities.Validate(nameof(logProbabilities));
            return;
        }
        var width = _engine is HmmEngine cpu ? cpu.Width : SimdCapabilities.Best;
        bool ok = true;
        ForEachSequence(logProbabilities, b =>
        {
            if (!SequenceNormalised(logProbabilities, b, width, out _)) ok = false;
        });
        if (ok) return;
        logProbabilities.Validate(nameof(logProbabilities));
        for (int b = 0; b < logProbabilities.BatchSize; b++)
        {
            if (SequenceNormalised(logProbabilities, b, width, out int t)) continue;
            float logSum = RowLogSumExp(logProbabilities, b, t, width);
            throw new ArgumentException($"logProbabilities: sequence {b}, frame {t} sums to {Math.Exp(logSum):G4} in probability (log-sum-exp {logSum:G4}); CTC takes log-softmax outputs. Normalise them, or set NormalisationTolerance to infinity to score unnormalised values.", nameof(logProbabilities));
        }
    }

    /// <summary>True when every frame of sequence <paramref name="b"/> sums to 1 within the tolerance; else the first frame that does not.</summary>
    private bool SequenceNormalised(EmissionBatch logProbabilities, int b, SimdWidth width, out int badFrame)
    {
        for (int t = 0; t < logProbabilities.Lengths[b]; t++)
        {
            if (Math.Abs(RowLogSumExp(logProbabilities, b, t, width)) <= NormalisationTolerance) continue;
            badFrame = t;
            return false;
        }
        badFrame = -1;
        return true;
    }

    private static float RowLogSumExp(EmissionBatch logProbabilities, int b, int t, SimdWidth width)
    {
        // The batch's rows are padded with -infinity to the widest lane: whole registers, no remainder.
        fixed (float* data = logProbabilities.Data)
            return CpuPasses.RowLogSumExp(width, data + logProbabilities.Offset(b, t), logProbabilities.Stride);
    }

    /// <summary>
    /// Runs <paramref name="work"/> for every sequence: on several threads when the batch is large (2^22 values or more)
    /// and the engine is not a CPU engine held to one thread, else in order on this thread.
    /// </summary>
    private void ForEachSequence(EmissionBatch batch, Action<int> work)
    {
        bool oneThread = _engine is HmmEngine cpu && cpu.MaxDegreeOfParallelism == 1;
        if (oneThread || (long)batch.BatchSize * batch.MaxLength * batch.Stride < ParallelThreshold)
        {
            for (int b = 0; b < batch.BatchSize; b++) work(b);
            return;
        }
        System.Threading.Tasks.Parallel.For(0, batch.BatchSize, work);
    }

    private const long ParallelThreshold = 1L << 22;
}

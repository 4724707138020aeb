using System;

namespace Hmm;

/// <summary>
/// Per-sequence graphs whose states share ("tie") the emissions of a smaller model, as in forced alignment (a GMM's
/// states) and CTC (the classes of a network's output): graph
/// state j of sequence b emits as model state <c>Tie(b, j)</c> plus a constant log bias, or never (-infinity). One
/// <see cref="HmmModel"/> (the graph's transitions) serves every sequence of the batch; what differs per sequence is
/// which model state each graph state reads and which graph states may end the sequence (at the last frame every
/// other state gets -infinity, so only complete paths survive).
/// </summary>
/// <remarks>
/// An engine computes (or is given) the model-state emissions once per frame and gathers the graph's emissions from them
/// where its lattices live: an <see cref="ITiedStateEngine"/> (the GPU engine on the device; the CPU engine as its
/// recursions read them, with no expanded lattice), anyone else by <see cref="Expand(EmissionBatch, EmissionBatch, int, int)"/>
/// on the host (Hmm.Speech's forced-alignment backends, <see cref="CtcAligner"/> over an engine that is not an
/// <see cref="ITiedStateEngine"/>, and its class posteriors).
/// </remarks>
public sealed unsafe class TiedStateBatch
{
    private readonly int[] _ties;
    private readonly float[] _bias;
    private readonly float[] _end;

    /// <summary>Room for <paramref name="batchCapacity"/> sequences of a graph of <paramref name="graphStates"/> states; every state starts untied (never emits) and no state may end.</summary>
    public TiedStateBatch(int batchCapacity, int graphStates)
    {
        Guard.Positive(batchCapacity, nameof(batchCapacity));
        Guard.Positive(graphStates, nameof(graphStates));
        BatchCapacity = batchCapacity;
        GraphStates = graphStates;
        _ties = new int[batchCapacity * graphStates];
        _bias = new float[_ties.Length];
        _end = new float[_ties.Length];
        for (int b = 0; b < batchCapacity; b++) Clear(b);
    }

    /// <summary>Sequences this batch can describe.</summary>
    public int BatchCapacity { get; }

    /// <summary>States of the shared graph (the <see cref="HmmModel.StateCount"/> of the graph model).</summary>
    public int GraphStates { get; }

    /// <summary>Per (sequence, graph state), <c>[b * GraphStates + j]</c>: the model state read, or -1 (never emits).</summary>
    public ReadOnlySpan<int> Ties => _ties;

    /// <summary>Per (sequence, graph state): the log bias added to the tied model state's emission.</summary>
    public ReadOnlySpan<float> Bias => _bias;

    /// <summary>Per (sequence, graph state): 0 where the state may end the sequence, -infinity elsewhere (added at the last frame).</summary>
    public ReadOnlySpan<float> EndBias => _end;

    /// <summary>Makes every graph state of sequence <paramref name="b"/> untied (never emits) and unable to end the sequence.</summary>
    public void Clear(int b)
    {
        CheckSequence(b);
        _ties.AsSpan(b * GraphStates, GraphStates).Fill(-1);
        _bias.AsSpan(b * GraphStates, GraphStates).Clear();
        _end.AsSpan(b * GraphStates, GraphStates).Fill(float.NegativeInfinity);
    }

    /// <summary>Graph state <paramref name="graphState"/> of sequence <paramref name="b"/> emits as model state <paramref name="modelState"/> plus <paramref name="logBias"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range, the model state is negative, or the bias is NaN or +infinity.</exception>
    public void Tie(int b, int graphState, int modelState, float logBias = 0f)
    {
        CheckSequence(b);
        CheckState(graphState);
        if (modelState < 0) throw new ArgumentOutOfRangeException(nameof(modelState), modelState, "modelState must not be negative.");
        if (float.IsNaN(logBias) || float.IsPositiveInfinity(logBias)) throw new ArgumentOutOfRangeException(nameof(logBias), logBias, "logBias must be finite or -infinity.");
        _ties[b * GraphStates + graphState] = modelState;
        _bias[b * GraphStates + graphState] = logBias;
    }

    /// <summary>Lets graph state <paramref name="graphState"/> end sequence <paramref name="b"/> (occupy its last frame).</summary>
    public void AllowEnd(int b, int graphState)
    {
        CheckSequence(b);
        CheckState(graphState);
        _end[b * GraphStates + graphState] = 0f;
    }

    /// <summary>The model state graph state <paramref name="graphState"/> of sequence <paramref name="b"/> reads, or -1.</summary>
    public int TiedState(int b, int graphState) => _ties[b * GraphStates + graphState];

    /// <summary>
    /// Host expansion: fills sequence <paramref name="b"/> of <paramref name="graph"/> (lengths included) from the
    /// model-state log-likelihoods of the same sequence index in <paramref name="modelLogLikelihoods"/>.
    /// </summary>
    public void Expand(EmissionBatch modelLogLikelihoods, EmissionBatch graph, int b, int frames) => Expand(modelLogLikelihoods, b, graph, b, b, frames);

    /// <summary>
    /// Host expansion: fills sequence <paramref name="graphIndex"/> of <paramref name="graph"/> (lengths included) with the
    /// ties of sequence <paramref name="tieIndex"/>, reading sequence <paramref name="modelIndex"/> of
    /// <paramref name="modelLogLikelihoods"/>: graph state j at frame t gets model state Tie(j)'s value plus its bias
    /// (-infinity where untied), and at the last frame its end bias too.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index or <paramref name="frames"/> is outside its batch.</exception>
    /// <exception cref="ArgumentException"><paramref name="graph"/> does not have <see cref="GraphStates"/> states.</exception>
    public void Expand(EmissionBatch modelLogLikelihoods, int modelIndex, EmissionBatch graph, int graphIndex, int tieIndex, int frames)
    {
        Guard.NotNull(modelLogLikelihoods, nameof(modelLogLikelihoods));
        Guard.NotNull(graph, nameof(graph));
        CheckSequence(tieIndex);
        if (graph.StateCount != GraphStates) throw new ArgumentException($"graph has {graph.StateCount} states but the ties describe {GraphStates}.", nameof(graph));
        if ((uint)modelIndex >= (uint)modelLogLikelihoods.BatchSize) throw new ArgumentOutOfRangeException(nameof(modelIndex), modelIndex, $"modelIndex must be in [0, {modelLogLikelihoods.BatchSize}).");
        if ((uint)frames > (uint)Math.Min(graph.MaxLength, modelLogLikelihoods.MaxLength))
            throw new ArgumentOutOfRangeException(nameof(frames), frames, $"frames must be in [0, {Math.Min(graph.MaxLength, modelLogLikelihoods.MaxLength)}] (both batches' MaxLength).");
        graph.SetLength(graphIndex, frames);
        int g = GraphStates, offset = tieIndex * g, states = modelLogLikelihoods.StateCount, stride = graph.Stride;
        // Untied states and the padding lanes read a slot past the model row that holds -infinity: one gather per state,
        // no branch, whole registers (the row's stride) with no remainder.
        int[] gather = System.Buffers.ArrayPool<int>.Shared.Rent(stride);
        float[] copy = System.Buffers.ArrayPool<float>.Shared.Rent(states + 1);
        float[] bias = System.Buffers.ArrayPool<float>.Shared.Rent(2 * stride);
        try
        {
            for (int j = 0; j < stride; j++)
            {
                gather[j] = j >= g || _ties[offset + j] < 0 ? states : _ties[offset + j];
                bias[j] = j < g ? _bias[offset + j] : 0f;
                bias[stride + j] = j < g ? _bias[offset + j] + _end[offset + j] : 0f; // the last frame's: bias + end bias
            }
            copy[states] = float.NegativeInfinity;
            fixed (float* model = modelLogLikelihoods.Data)
            fixed (float* destination = graph.Data)
            fixed (float* row = copy)
            fixed (float* add = bias)
            fixed (int* tie = gather)
            {
                for (int t = 0; t < frames; t++)
                {
                    new ReadOnlySpan<float>(model + modelLogLikelihoods.Offset(modelIndex, t), states).CopyTo(new Span<float>(row, states));
                    GatherRow(row, tie, add + (t < frames - 1 ? 0 : stride), destination + graph.Offset(graphIndex, t), stride);
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<int>.Shared.Return(gather);
            System.Buffers.ArrayPool<float>.Shared.Return(copy);
            System.Buffers.ArrayPool<float>.Shared.Return(bias);
        }
    }

    /// <summary><c>output[j] = row[tie[j]] + add[j]</c> for j below <paramref name="count"/>. (An AVX2 gather measured no faster on an AMD EPYC.)</summary>
    private static void GatherRow(float* row, int* tie, float* add, float* output, int count)
    {
        for (int j = 0; j < count; j++) output[j] = row[tie[j]] + add[j];
    }

    /// <summary>Throws unless the first <paramref name="batch"/> sequences tie only to states below <paramref name="modelStates"/>.</summary>
    /// <param name="batch">Sequences to check.</param>
    /// <param name="modelStates">The emission model's state count.</param>
    /// <param name="name">The argument name for the exception.</param>
    /// <exception cref="ArgumentException">The batch is larger than this description, or a tie names a missing state.</exception>
    public void Validate(int batch, int modelStates, string name)
    {
        if (batch > BatchCapacity) throw new ArgumentException($"{name} describes {BatchCapacity} sequences but the batch has {batch}.", name);
        for (int i = 0; i < batch * GraphStates; i++)
        {
            if (_ties[i] >= modelStates)
                throw new ArgumentException($"{name}: graph state {i % GraphStates} of sequence {i / GraphStates} is tied to model state {_ties[i]}, but the emission model has {modelStates}.", name);
        }
    }

    private void CheckSequence(int b)
    {
        if ((uint)b >= (uint)BatchCapacity) throw new ArgumentOutOfRangeException(nameof(b), b, $"b must be in [0, {BatchCapacity}).");
    }

    private void CheckState(int graphState)
    {
        if ((uint)graphState >= (uint)GraphStates) throw new ArgumentOutOfRangeException(nameof(graphState), graphState, $"graphState must be in [0, {GraphStates}).");
    }
}

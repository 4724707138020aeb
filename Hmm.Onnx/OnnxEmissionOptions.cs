namespace Hmm.Onnx;

/// <summary>How <see cref="OnnxEmissionScorer"/> reads a model: which input and outputs, which priors, how many threads.</summary>
public sealed record OnnxEmissionOptions
{
    /// <summary>The feature input's name; null: the model's only input (a model with several inputs must name one).</summary>
    public string? InputName { get; init; }

    /// <summary>The output of per-frame class log-posteriors (log-softmax), <c>[T, N]</c> or <c>[1, T, N]</c>; null: the model's first output.</summary>
    public string? LogPosteriorOutput { get; init; }

    /// <summary>
    /// An optional output of per-frame transitions, <c>[T, N, N]</c> or <c>[1, T, N, N]</c>; null: none. The adapter checks its
    /// shape, type and values (no NaN, no +infinity) and hands the array over as the model computed it.
    /// </summary>
    public string? TransitionOutput { get; init; }

    /// <summary>
    /// The class priors to divide by; null: read from the model's metadata (key <see cref="OnnxEmissionScorer.ClassCountsKey"/>,
    /// the training frames per class, which the project's exporter writes) and floored at <see cref="PriorFloor"/>.
    /// </summary>
    public ClassPriors? Priors { get; init; }

    /// <summary>The prior floor used when priors come from the model's metadata.</summary>
    public double PriorFloor { get; init; } = ClassPriors.DefaultFloor;

    /// <summary>ONNX Runtime's intra-op threads for this session; 0: ONNX Runtime's default (one per core).</summary>
    public int IntraOpThreads { get; init; }
}

using System;

namespace Hmm.Primitives;

/// <summary>
/// The argument checks every engine shares (shapes and capacities, each naming the argument). Value checks
/// (NaN, +infinity) follow in each engine, which may run a faster pre-check first.
/// </summary>
public static class EngineArguments
{
    /// <summary>Checks an emission call: features of the model's dimension, output of its states and room for the batch.</summary>
    public static void EmissionShapes(EmissionModel model, SequenceBatch features, EmissionBatch output)
    {
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(features, nameof(features));
        Guard.NotNull(output, nameof(output));
        if (features.Dimension != model.FeatureDimension)
            throw new ArgumentException($"features have dimension {features.Dimension} but the model reads {model.FeatureDimension}.", nameof(features));
        if (output.StateCount != model.StateCount)
            throw new ArgumentException($"output has {output.StateCount} states but the model has {model.StateCount}.", nameof(output));
        if (output.BatchSize < features.BatchSize || output.MaxLength < features.MaxLength)
            throw new ArgumentException($"output holds [{output.BatchSize}, {output.MaxLength}] but features need [{features.BatchSize}, {features.MaxLength}].", nameof(output));
    }

    /// <summary>Checks a recursion call: emissions of the model's states and a result with room for the batch; <paramref name="capacityName"/> names the result.</summary>
    public static void RecursionShapes(HmmModel model, EmissionBatch emissions, int capacity, string capacityName)
    {
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(emissions, nameof(emissions));
        if (emissions.StateCount != model.StateCount)
            throw new ArgumentException($"emissions have {emissions.StateCount} states but the model has {model.StateCount}.", nameof(emissions));
        if (capacity < emissions.BatchSize)
            throw new ArgumentException($"{capacityName} has room for {capacity} sequences but the batch has {emissions.BatchSize}.", capacityName);
    }

    /// <summary>The checks of <c>Decode</c> (GMM emissions, forward and Viterbi in one call) on either engine.</summary>
    public static void DecodeShapes(GaussianMixtureEmissions emissionModel, HmmModel model, SequenceBatch features, int logLikelihoodCount, string logLikelihoodsName, ViterbiResult result)
    {
        Guard.NotNull(emissionModel, nameof(emissionModel));
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(features, nameof(features));
        Guard.NotNull(result, nameof(result));
        if (emissionModel.StateCount != model.StateCount)
            throw new ArgumentException($"the emission model has {emissionModel.StateCount} states but the HMM has {model.StateCount}.", nameof(emissionModel));
        if (features.Dimension != emissionModel.FeatureDimension)
            throw new ArgumentException($"features have dimension {features.Dimension} but the model reads {emissionModel.FeatureDimension}.", nameof(features));
        if (logLikelihoodCount < features.BatchSize)
            throw new ArgumentException($"{logLikelihoodsName} has room for {logLikelihoodCount} sequences but the batch has {features.BatchSize}.", logLikelihoodsName);
        if (result.BatchCapacity < features.BatchSize || result.MaxLength < features.MaxLength)
            throw new ArgumentException($"result holds [{result.BatchCapacity}, {result.MaxLength}] but features need [{features.BatchSize}, {features.MaxLength}].", nameof(result));
    }
    /// <summary>
    /// The checks of <see cref="ITiedStateEngine.TiedViterbi"/> on either engine: the ties describe the graph's states and fit
    /// the batch and the model's states, the Viterbi result has room for the batch, and at least one output is asked for.
    /// </summary>
    /// <param name="graph">The graph.</param>
    /// <param name="modelLogLikelihoods">The model-state log-likelihoods [B, T, M] (shapes only: values are the engine's to check).</param>
    /// <param name="ties">The graph states' ties per sequence.</param>
    /// <param name="viterbi">The Viterbi result, or null for none.</param>
    /// <param name="logLikelihoodCount">Length of the caller's log-likelihood span (0: no forward pass).</param>
    /// <param name="logLikelihoodsName">That span's argument name, for the messages.</param>
    /// <returns>Whether the forward log-likelihoods are asked for.</returns>
    public static bool TiedViterbiShapes(HmmModel graph, EmissionBatch modelLogLikelihoods, TiedStateBatch ties, ViterbiResult? viterbi, int logLikelihoodCount, string logLikelihoodsName)
    {
        Guard.NotNull(graph, nameof(graph));
        Guard.NotNull(modelLogLikelihoods, nameof(modelLogLikelihoods));
        Guard.NotNull(ties, nameof(ties));
        int batch = modelLogLikelihoods.BatchSize, maxLength = modelLogLikelihoods.MaxLength;
        if (graph.StateCount != ties.GraphStates)
            throw new ArgumentException($"graph has {graph.StateCount} states but the ties describe {ties.GraphStates}.", nameof(ties));
        ties.Validate(batch, modelLogLikelihoods.StateCount, nameof(ties));
        if (viterbi is not null && (viterbi.BatchCapacity < batch || viterbi.MaxLength < maxLength))
            throw new ArgumentException($"viterbi holds {viterbi.BatchCapacity} paths of {viterbi.MaxLength} frames but the batch has {batch} of up to {maxLength}.", nameof(viterbi));
        if (viterbi is null && logLikelihoodCount == 0)
            throw new ArgumentException($"{logLikelihoodsName} is empty and no viterbi result is given: nothing would be computed.", logLikelihoodsName);
        if (logLikelihoodCount > 0 && logLikelihoodCount < batch)
            throw new ArgumentException($"{logLikelihoodsName} holds {logLikelihoodCount} values but the batch has {batch} sequences.", logLikelihoodsName);
        return logLikelihoodCount > 0;
    }
}

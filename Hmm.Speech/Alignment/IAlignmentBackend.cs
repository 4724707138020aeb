using System;

namespace Hmm.Speech;

/// <summary>
/// Where forced alignment's passes run: whole tied-state passes over a batch of utterances (emissions of the model
/// states (Gaussian mixtures, or any <see cref="EmissionModel"/> the engine computes), each utterance's graph emissions gathered from them through its <see cref="TiedStateBatch"/>, the recursions,
/// and the reductions the aligner keeps), handing back only the small results. <see cref="HostAlignmentBackend"/> runs
/// them through any <see cref="IHmmEngine"/> with host lattices and defines the results; Hmm.Gpu's backend keeps every
/// lattice on the device.
/// </summary>
/// <remarks>
/// A backend is not thread-safe. The features of a batch are loaded once (<see cref="LoadFeatures"/>) and serve every
/// pass until the next load, so a backend may keep them where its passes read them (a GPU backend: on the device).
/// </remarks>
public interface IAlignmentBackend
{
    /// <summary>
    /// Makes <paramref name="features"/> the batch the following passes run on, after checking that every feature inside
    /// a sequence's length is finite. The batch must not change until those passes are done: load it again after
    /// changing it.
    /// </summary>
    /// <exception cref="ArgumentException">A feature is NaN or infinite (the message names sequence, frame and dimension).</exception>
    void LoadFeatures(SequenceBatch features);

    /// <summary>
    /// Forward-backward over each loaded sequence's graph, then for every frame and graph state whose posterior reaches
    /// the state threshold, the frame split over the tied model state's components by their responsibilities, added to
    /// <paramref name="statistics"/> (occupancy and first moment; shares below the component threshold are skipped).
    /// Sequences without a complete path add nothing and get log-likelihood -infinity.
    /// </summary>
    /// <exception cref="InvalidOperationException">No features are loaded.</exception>
    /// <exception cref="ArgumentException">Shapes disagree (the message names the argument).</exception>
    void AccumulateStatistics(GaussianMixtureEmissions emissions, HmmModel graph, TiedStateBatch ties, StatisticsThresholds thresholds,
        GmmStatistics statistics);

    /// <summary>
    /// The Viterbi path of each loaded sequence through its graph (<paramref name="viterbi"/>), and, when
    /// <paramref name="leaveTimes"/> is given, forward-backward block exit expectations: graph states form blocks of
    /// <paramref name="blockSize"/> consecutive states (block o = states <c>o*blockSize .. o*blockSize+blockSize-1</c>,
    /// <c>GraphStates / blockSize</c> blocks, states past the last whole block ignored), and entry
    /// <c>[b * blocks + o]</c> receives <c>sum over frames t of min(1, P(state at t in a block &lt;= o))</c> (the probability
    /// normalised over the blocks' states): the posterior mean of the first frame past block o. Its forward
    /// log-likelihood goes to <paramref name="logLikelihoods"/> (-infinity: no path, and its leave times are meaningless).
    /// </summary>
    /// <exception cref="InvalidOperationException">No features are loaded.</exception>
    /// <exception cref="ArgumentException">Shapes or capacities disagree (the message names the argument).</exception>
    void Align(EmissionModel emissions, HmmModel graph, TiedStateBatch ties, ViterbiResult viterbi,
        int blockSize, double[]? leaveTimes, Span<double> logLikelihoods);
}

/// <summary>The argument checks every <see cref="IAlignmentBackend"/> shares, each naming the argument and the problem.</summary>
public static class AlignmentArguments
{
    /// <summary>The features a pass needs: throws when none are loaded.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="features"/> is null.</exception>
    public static SequenceBatch Loaded(SequenceBatch? features) =>
        features ?? throw new InvalidOperationException("no features are loaded: call LoadFeatures with the batch before its passes.");

    /// <summary>The checks of both passes: the graph, the ties and the loaded features fit the emission model.</summary>
    /// <exception cref="ArgumentException">Shapes disagree.</exception>
    public static void Check(EmissionModel emissions, HmmModel graph, TiedStateBatch ties, SequenceBatch features)
    {
        Guard.NotNull(emissions, nameof(emissions));
        Guard.NotNull(graph, nameof(graph));
        Guard.NotNull(ties, nameof(ties));
        Guard.NotNull(features, nameof(features));
        if (ties.GraphStates != graph.StateCount)
            throw new ArgumentException($"ties describe graphs of {ties.GraphStates} states but the graph model has {graph.StateCount}.", nameof(ties));
        if (features.Dimension != emissions.FeatureDimension)
            throw new ArgumentException($"the loaded features have dimension {features.Dimension} but the emission model expects {emissions.FeatureDimension}.", nameof(features));
        ties.Validate(features.BatchSize, emissions.StateCount, nameof(ties));
    }

    /// <summary>The checks of <see cref="IAlignmentBackend.AccumulateStatistics"/> beyond <see cref="Check"/>.</summary>
    /// <exception cref="ArgumentException">The statistics do not fit the model or the batch.</exception>
    public static void CheckStatistics(GaussianMixtureEmissions emissions, SequenceBatch features, GmmStatistics statistics)
    {
        Guard.NotNull(statistics, nameof(statistics));
        statistics.EnsureFits(emissions, features.BatchSize, nameof(statistics));
    }

    /// <summary>The checks of <see cref="IAlignmentBackend.Align"/> beyond <see cref="Check"/>.</summary>
    /// <exception cref="ArgumentException">A result does not have room for the batch, or the block size does not fit the graph.</exception>
    public static void CheckAlign(TiedStateBatch ties, SequenceBatch features, ViterbiResult viterbi, int blockSize, double[]? leaveTimes, int logLikelihoods)
    {
        Guard.NotNull(ties, nameof(ties));
        Guard.NotNull(features, nameof(features));
        Guard.NotNull(viterbi, nameof(viterbi));
        if (viterbi.BatchCapacity < features.BatchSize || viterbi.MaxLength < features.MaxLength)
            throw new ArgumentException($"viterbi holds {viterbi.BatchCapacity} paths of {viterbi.MaxLength} frames but the batch has {features.BatchSize} of up to {features.MaxLength}.", nameof(viterbi));
        if (logLikelihoods < features.BatchSize)
            throw new ArgumentException($"logLikelihoods holds {logLikelihoods} values but the batch has {features.BatchSize} sequences.", nameof(logLikelihoods));
        if (leaveTimes is null) return;
        if (blockSize < 1 || blockSize > ties.GraphStates)
            throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, $"blockSize must be in [1, {ties.GraphStates}] (the graph's state count).");
        long needed = (long)features.BatchSize * (ties.GraphStates / blockSize);
        if (leaveTimes.Length < needed)
            throw new ArgumentException($"leaveTimes holds {leaveTimes.Length} values but {features.BatchSize} sequences x {ties.GraphStates / blockSize} blocks need {needed}.", nameof(leaveTimes));
    }
}

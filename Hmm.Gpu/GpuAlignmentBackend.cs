using System;
using Hmm.Primitives;
using Hmm.Speech;

namespace Hmm.Gpu;

/// <summary>
/// Forced alignment's passes on a <see cref="GpuEngine"/> with every lattice on the device: features go up once per
/// <see cref="LoadFeatures"/> (while the batch fits the device in one chunk), the GMM kernel writes the model states'
/// emissions, a gather kernel builds each utterance's graph emissions from them, the recursions run on the device, and
/// kernels reduce the posteriors to GMM statistics or block leave times. Only those, the scores and the Viterbi paths
/// come back. Results match <see cref="HostAlignmentBackend"/>'s to float rounding.
/// </summary>
/// <remarks>The backend does not own the engine: dispose the engine when done. Not thread-safe (nor is the engine).</remarks>
public sealed class GpuAlignmentBackend : IAlignmentBackend
{
    private readonly GpuEngine _engine;
    private SequenceBatch? _features;
    private long _generation;

    /// <summary>Runs the passes on <paramref name="engine"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="engine"/> is null.</exception>
    public GpuAlignmentBackend(GpuEngine engine) => _engine = engine ?? throw new ArgumentNullException(nameof(engine));

    /// <summary>The engine the passes run on.</summary>
    public GpuEngine Engine => _engine;

    /// <inheritdoc/>
    public void LoadFeatures(SequenceBatch features)
    {
        Guard.NotNull(features, nameof(features));
        _features = null;
        if (!HostValidation.FeaturesFinite(features)) features.EnsureFinite(nameof(features));
        _features = features;
        _generation++;
    }

    /// <inheritdoc/>
    public void AccumulateStatistics(GaussianMixtureEmissions emissions, HmmModel graph, TiedStateBatch ties, StatisticsThresholds thresholds,
        GmmStatistics statistics)
    {
        var features = AlignmentArguments.Loaded(_features);
        AlignmentArguments.Check(emissions, graph, ties, features);
        AlignmentArguments.CheckStatistics(emissions, features, statistics);
        _engine.AccumulateStatistics(emissions, graph, ties, features, _generation, thresholds, statistics);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Gaussian and tied mixtures (a Sphinx model) run on the device end to end. Other emission models take the engine's
    /// <see cref="GpuEngine.ComputeEmissions"/> and the device recursions through a <see cref="HostAlignmentBackend"/> over
    /// the same engine, its lattices on the host.
    /// </remarks>
    public void Align(EmissionModel emissions, HmmModel graph, TiedStateBatch ties, ViterbiResult viterbi,
        int blockSize, double[]? leaveTimes, Span<double> logLikelihoods)
    {
        var features = AlignmentArguments.Loaded(_features);
        AlignmentArguments.Check(emissions, graph, ties, features);
        AlignmentArguments.CheckAlign(ties, features, viterbi, blockSize, leaveTimes, logLikelihoods.Length);
        if (emissions is GaussianMixtureEmissions or TiedMixtureEmissions)
        {
            _engine.Align(emissions, graph, ties, features, _generation, viterbi, blockSize, leaveTimes, logLikelihoods);
            return;
        }
        _host ??= new HostAlignmentBackend(_engine);
        _host.LoadFeatures(features);
        _host.Align(emissions, graph, ties, viterbi, blockSize, leaveTimes, logLikelihoods);
    }

    private HostAlignmentBackend? _host;
}

using System;
using Hmm.Gpu;
using Xunit;

namespace Hmm.Tests.Gpu;

/// <summary>
/// Wraps a <see cref="GpuEngine"/> for the property suites and fails any call that the engine quietly handed to its
/// CPU fallback: the suites must check the device kernels, not the SIMD engine behind them.
/// </summary>
public sealed class DeviceOnlyEngine : IHmmEngine, ITiedStateEngine
{
    private readonly GpuEngine _engine;

    public DeviceOnlyEngine(GpuEngine engine) => _engine = engine;

    public void ComputeEmissions(EmissionModel model, SequenceBatch features, EmissionBatch output)
    {
        _engine.ComputeEmissions(model, features, output);
        // Categorical emissions are a table lookup that the engine does on the host by design.
        if (model is not CategoricalEmissions) AssertOnDevice();
    }

    public void Forward(HmmModel model, EmissionBatch emissions, Span<double> logLikelihoods, StateLattice? logAlpha = null)
    {
        _engine.Forward(model, emissions, logLikelihoods, logAlpha);
        AssertOnDevice();
    }

    public void Backward(HmmModel model, EmissionBatch emissions, Span<double> logLikelihoods, StateLattice? logBeta = null)
    {
        _engine.Backward(model, emissions, logLikelihoods, logBeta);
        AssertOnDevice();
    }

    public void Posteriors(HmmModel model, EmissionBatch emissions, PosteriorResult result)
    {
        _engine.Posteriors(model, emissions, result);
        AssertOnDevice();
    }

    public void Viterbi(HmmModel model, EmissionBatch emissions, ViterbiResult result)
    {
        _engine.Viterbi(model, emissions, result);
        AssertOnDevice();
    }

    public void Decode(GaussianMixtureEmissions emissionModel, HmmModel model, SequenceBatch features, Span<double> logLikelihoods, ViterbiResult result)
    {
        _engine.Decode(emissionModel, model, features, logLikelihoods, result);
        AssertOnDevice();
    }

    public void TiedViterbi(HmmModel graph, EmissionBatch modelLogLikelihoods, TiedStateBatch ties, ViterbiResult? viterbi, Span<double> logLikelihoods)
    {
        _engine.TiedViterbi(graph, modelLogLikelihoods, ties, viterbi, logLikelihoods);
        AssertOnDevice();
    }

    private void AssertOnDevice()
    {
        Assert.True(_engine.LastRun.CpuFallbackSequences == 0, $"{_engine.LastRun.CpuFallbackSequences} sequences fell back to the CPU engine");
        Assert.True(_engine.LastRun.ChunkCount >= 1, "no chunk ran on the device");
    }
}

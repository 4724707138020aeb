using System;

namespace Hmm;

/// <summary>
/// What every Hmm engine offers: the SIMD CPU engine (<see cref="HmmEngine"/>) and the GPU engine (Hmm.Gpu)
/// run the same algorithm definitions behind this interface, so code and tests can switch between them.
/// </summary>
public interface IHmmEngine
{
    /// <summary>log p(frame | state) for every frame of a batch.</summary>
    void ComputeEmissions(EmissionModel model, SequenceBatch features, EmissionBatch output);

    /// <summary>Forward algorithm: log P(x) per sequence, optionally the log forward variables.</summary>
    void Forward(HmmModel model, EmissionBatch emissions, Span<double> logLikelihoods, StateLattice? logAlpha = null);

    /// <summary>Backward algorithm: log P(x) per sequence, optionally the log backward variables.</summary>
    void Backward(HmmModel model, EmissionBatch emissions, Span<double> logLikelihoods, StateLattice? logBeta = null);

    /// <summary>Forward-backward: state posteriors and expected transition counts.</summary>
    void Posteriors(HmmModel model, EmissionBatch emissions, PosteriorResult result);

    /// <summary>Viterbi: best path and score per sequence.</summary>
    void Viterbi(HmmModel model, EmissionBatch emissions, ViterbiResult result);

    /// <summary>
    /// GMM-HMM decoding in one call: the emissions of <paramref name="features"/> under <paramref name="emissionModel"/>,
    /// then the forward log-likelihood and the Viterbi path of every sequence (equal to <see cref="ComputeEmissions"/>,
    /// <see cref="Forward"/> and <see cref="Viterbi"/> in turn, without handing the emissions back).
    /// </summary>
    void Decode(GaussianMixtureEmissions emissionModel, HmmModel model, SequenceBatch features, Span<double> logLikelihoods, ViterbiResult result);
}

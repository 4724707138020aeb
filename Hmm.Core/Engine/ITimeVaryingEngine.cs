using System;

namespace Hmm;

/// <summary>
/// The recursions over per-frame transitions (<see cref="TimeVaryingTransitions"/>: a neural HMM) with per-frame emissions:
/// the same definitions as <see cref="IHmmEngine"/>, the step into frame t reading frame t's table. The SIMD CPU engine
/// (<see cref="HmmEngine"/>) and the GPU engine (Hmm.Gpu) implement it.
/// </summary>
/// <remarks>
/// Every method checks its arguments first and throws <see cref="ArgumentException"/> naming the argument: emissions of
/// another state count or longer than the tables, NaN or +infinity in the emissions or in a table inside a sequence's
/// length, and (for <see cref="TimeVaryingTransitions.Normalised"/> tables) a row of an occupiable state or an initial
/// distribution that does not sum to one.
/// </remarks>
public interface ITimeVaryingEngine
{
    /// <summary>Forward algorithm: log P(x) per sequence, optionally the log forward variables.</summary>
    /// <param name="transitions">Per-frame tables and initial distributions (at least the emissions' batch and length).</param>
    /// <param name="emissions">Emission log-likelihoods; its lengths are the sequences'.</param>
    /// <param name="logLikelihoods">Receives one value per sequence: 0 for an empty sequence, -infinity when no path exists.</param>
    /// <param name="logAlpha">When given, receives log α_t(j) = log P(x_0..x_t, state_t = j).</param>
    void Forward(TimeVaryingTransitions transitions, EmissionBatch emissions, Span<double> logLikelihoods, StateLattice? logAlpha = null);

    /// <summary>Backward algorithm: log P(x) per sequence (agrees with <see cref="Forward"/>), optionally the log backward variables.</summary>
    /// <param name="transitions">Per-frame tables and initial distributions.</param>
    /// <param name="emissions">Emission log-likelihoods.</param>
    /// <param name="logLikelihoods">Receives one value per sequence.</param>
    /// <param name="logBeta">When given, receives log β_t(i) = log P(x_{t+1}.. | state_t = i).</param>
    void Backward(TimeVaryingTransitions transitions, EmissionBatch emissions, Span<double> logLikelihoods, StateLattice? logBeta = null);

    /// <summary>
    /// Forward-backward: log-likelihoods, state posteriors γ_t(j), and the transition posteriors ξ_t(i, j) =
    /// P(state_{t-1} = i, state_t = j | x) per frame (when the result keeps them) and summed over frames. ξ_t(i, j) is
    /// also ∂ log P(x) / ∂ log A_t(i, j), the gradient a network that emits the tables trains on.
    /// </summary>
    /// <param name="transitions">Per-frame tables and initial distributions.</param>
    /// <param name="emissions">Emission log-likelihoods.</param>
    /// <param name="result">Receives the posteriors (<see cref="TimeVaryingPosteriorResult.For"/> shapes one).</param>
    void Posteriors(TimeVaryingTransitions transitions, EmissionBatch emissions, TimeVaryingPosteriorResult result);

    /// <summary>Viterbi: the best state path and its log score per sequence (a path of -1s and -infinity where none exists).</summary>
    /// <param name="transitions">Per-frame tables and initial distributions.</param>
    /// <param name="emissions">Emission log-likelihoods.</param>
    /// <param name="result">Receives the paths and scores.</param>
    void Viterbi(TimeVaryingTransitions transitions, EmissionBatch emissions, ViterbiResult result);
}

using System;

namespace Hmm;

/// <summary>
/// An engine that reads a batch's graph emissions through a <see cref="TiedStateBatch"/> where its lattices live, so that
/// the caller hands over the smaller model-state log-likelihoods ([B, T, M]) instead of expanding them to the graph's
/// states ([B, T, G]) first. The GPU engine (Hmm.Gpu) gathers on the device; the SIMD CPU engine (<see cref="HmmEngine"/>)
/// reads each graph state's model-state column as its recursions step (an <see cref="Engine.IEmissionSource"/>), writing no
/// expanded lattice; callers fall back to <see cref="TiedStateBatch.Expand(EmissionBatch, EmissionBatch, int, int)"/> and
/// <see cref="IHmmEngine"/> elsewhere.
/// </summary>
public interface ITiedStateEngine
{
    /// <summary>
    /// Viterbi paths and scores (unless <paramref name="viterbi"/> is null), and the forward log-likelihoods, of every
    /// sequence's tied graph: equal to expanding each sequence with <paramref name="ties"/> and running
    /// <see cref="IHmmEngine.Viterbi"/> and <see cref="IHmmEngine.Forward"/>.
    /// </summary>
    /// <param name="graph">The graph's transitions and initial weights, shared by the batch.</param>
    /// <param name="modelLogLikelihoods">[B, T, M] log-likelihoods of the model states the ties name; its lengths are the sequences'.</param>
    /// <param name="ties">Per sequence and graph state: the model state read, its bias, and whether it may end the sequence.</param>
    /// <param name="viterbi">Receives the paths and scores; null: forward only.</param>
    /// <param name="logLikelihoods">Receives the forward log-likelihood of each sequence; empty (with a <paramref name="viterbi"/>):
    /// not wanted, and the forward pass does not run (forced alignment needs only the paths).</param>
    void TiedViterbi(HmmModel graph, EmissionBatch modelLogLikelihoods, TiedStateBatch ties, ViterbiResult? viterbi, Span<double> logLikelihoods);
}

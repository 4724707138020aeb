using System;

namespace Hmm;

/// <summary>
/// An HMM's structure: initial log-probabilities and transitions. Emissions are separate
/// (<see cref="EmissionModel"/>, or log-likelihoods the caller supplies in an <see cref="EmissionBatch"/>),
/// so one structure can be decoded with any emission source, neural ones included.
/// </summary>
public sealed class HmmModel
{
    private readonly float[] _logInitialPadded;

    /// <summary>Creates a model; <paramref name="logInitial"/> must sum to one in probability space.</summary>
    /// <exception cref="ArgumentException">Length differs from the transitions' state count, NaN, +inf or not summing to one.</exception>
    public HmmModel(ReadOnlySpan<float> logInitial, TransitionModel transitions) : this(logInitial, transitions, normalised: true)
    {
    }

    /// <summary>A model whose initial weights need not sum to one when <paramref name="normalised"/> is false (weighted graphs: CTC).</summary>
    internal HmmModel(ReadOnlySpan<float> logInitial, TransitionModel transitions, bool normalised)
    {
        Guard.NotNull(transitions, nameof(transitions));
        if (logInitial.Length != transitions.StateCount)
            throw new ArgumentException($"logInitial has {logInitial.Length} entries but the transitions have {transitions.StateCount} states.", nameof(logInitial));
        Guard.LogValues(logInitial, nameof(logInitial));
        if (normalised) Guard.LogRowSumsToOne(logInitial, nameof(logInitial), "the initial distribution");
        Transitions = transitions;
        _logInitialPadded = new float[transitions.PaddedStateCount];
        _logInitialPadded.AsSpan().Fill(float.NegativeInfinity);
        logInitial.CopyTo(_logInitialPadded);
    }

    /// <summary>Number of states N.</summary>
    public int StateCount => Transitions.StateCount;

    /// <summary>The transition model.</summary>
    public TransitionModel Transitions { get; }

    /// <summary>log P(first state = i).</summary>
    public ReadOnlySpan<float> LogInitial => _logInitialPadded.AsSpan(0, StateCount);

    /// <summary>Initial log-probabilities padded with -infinity to the transitions' stride.</summary>
    internal float[] LogInitialPadded => _logInitialPadded;

    /// <summary>A model that starts in state 0 (alignment graphs).</summary>
    public static HmmModel StartingInFirstState(TransitionModel transitions)
    {
        Guard.NotNull(transitions, nameof(transitions));
        var init = new float[transitions.StateCount];
        init.AsSpan().Fill(float.NegativeInfinity);
        init[0] = 0f;
        return new HmmModel(init, transitions);
    }

    /// <summary>A model with a uniform initial distribution.</summary>
    public static HmmModel UniformStart(TransitionModel transitions)
    {
        Guard.NotNull(transitions, nameof(transitions));
        var init = new float[transitions.StateCount];
        init.AsSpan().Fill(-MathF.Log(transitions.StateCount));
        return new HmmModel(init, transitions);
    }
}

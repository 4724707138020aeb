using System;
using Hmm.Speech.Audio;

namespace Hmm.Speech;

/// <summary>
/// What the forced aligner and the phone loops need of an acoustic model, whatever its format: the front end its features
/// come from, the phones it knows, each phone's left-to-right states (in context, for a model with triphones), the
/// states' self-loops and the engine's emission model over those states. <see cref="AcousticModel"/> (our own format,
/// Gaussian mixtures per context-independent phone state) and <see cref="SphinxAcousticModel"/> (CMU Sphinx's
/// phonetically tied mixtures over triphone senones) implement it.
/// </summary>
public interface IAcousticModel
{
    /// <summary>The feature set-up the model was trained on.</summary>
    FrontEndOptions FrontEnd { get; }

    /// <summary>The phones a phone sequence may use.</summary>
    PhoneSet Phones { get; }

    /// <summary>Emitting states per phone, left to right without skips.</summary>
    int StatesPerPhone { get; }

    /// <summary>States of the emission model (<see cref="Emissions"/>' <see cref="EmissionModel.StateCount"/>).</summary>
    int StateCount { get; }

    /// <summary>The engine's emission model over the states.</summary>
    EmissionModel Emissions { get; }

    /// <summary>Free text: what the model is and how it was made.</summary>
    string Description { get; }

    /// <summary>Self-loop probability of state <paramref name="state"/>, in (0, 1).</summary>
    float SelfLoop(int state);

    /// <summary>The state of sub-state <paramref name="subState"/> of phone <paramref name="phone"/> (a <see cref="Phones"/> index) without context.</summary>
    int StateOf(int phone, int subState);

    /// <summary>
    /// The states of each token of a phone sequence in its context: token p's sub-state k goes to
    /// <c>states[p * StatesPerPhone + k]</c>. Word boundaries are where <paramref name="sequence"/> allows a pause (a sequence
    /// without pauses is one word); the utterance's ends are silence.
    /// </summary>
    /// <param name="phones">The tokens as <see cref="Phones"/> indices.</param>
    /// <param name="sequence">The phone sequence the tokens come from.</param>
    /// <param name="states">Receives <c>phones.Length * StatesPerPhone</c> states.</param>
    void StatesInContext(ReadOnlySpan<int> phones, PhoneSequence sequence, Span<int> states);

    /// <summary>Systematic boundary offset in seconds between phones of the two classes (hypothesis minus reference; 0 for none).</summary>
    float BoundaryOffset(PhoneClass before, PhoneClass after);
}

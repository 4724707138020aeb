namespace Hmm.Streaming;

/// <summary>
/// Rhubarb Lip Sync's mouth shapes: the six basic Hanna-Barbera shapes A to F, the optional extended shapes G and H,
/// and X, the mouth at rest. The numeric values are the shape indices of <see cref="VisemeSet.Rhubarb"/>.
/// </summary>
public enum RhubarbShape
{
    /// <summary>Closed mouth (M, B, P).</summary>
    A,
    /// <summary>Slightly open mouth, teeth together (most consonants; EE as in see).</summary>
    B,
    /// <summary>Open mouth (EH as in men, AE as in cat).</summary>
    C,
    /// <summary>Wide open mouth (AA as in father).</summary>
    D,
    /// <summary>Slightly rounded mouth (AO as in off, ER as in bird).</summary>
    E,
    /// <summary>Puckered lips (UW as in you, W as in way).</summary>
    F,
    /// <summary>Extended: upper teeth on the lower lip (F, V).</summary>
    G,
    /// <summary>Extended: tongue raised behind the upper teeth (long L).</summary>
    H,
    /// <summary>Extended: the mouth at rest, for pauses and silence.</summary>
    X,
}

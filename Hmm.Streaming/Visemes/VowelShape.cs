namespace Hmm.Streaming;

/// <summary>
/// The five Japanese vowels and the closed nasal N, the shape set of vowel-driven avatar rigs (uLipSync, VRM's
/// <c>aa ih ou ee oh</c> expressions). The numeric values are the shape indices of <see cref="VisemeSet.Vowels"/>.
/// There is no rest shape: silence is every weight at 0.
/// </summary>
public enum VowelShape
{
    /// <summary>あ: open jaw.</summary>
    A,
    /// <summary>い: spread lips, teeth nearly together.</summary>
    I,
    /// <summary>う: small, slightly rounded opening.</summary>
    U,
    /// <summary>え: half-open, spread.</summary>
    E,
    /// <summary>お: half-open, rounded.</summary>
    O,
    /// <summary>ん: lips closed or nearly closed (nasals and bilabials).</summary>
    N,
}

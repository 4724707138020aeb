namespace Hmm.Streaming;

/// <summary>
/// The 15 visemes of the Oculus (Meta) Lipsync SDK and OpenXR, in their usual order: the numeric values are the
/// shape indices of <see cref="VisemeSet.Oculus"/>. Member names keep the SDK's spelling (<c>sil</c>, <c>PP</c>,
/// <c>kk</c>, <c>aa</c> ...), so that they match blend-shape names in rigs made for it.
/// </summary>
public enum OculusViseme
{
    /// <summary>Silence: the neutral mouth.</summary>
    sil,
    /// <summary>P, B, M: lips closed.</summary>
    PP,
    /// <summary>F, V: upper teeth on the lower lip.</summary>
    FF,
    /// <summary>TH, DH: tongue between the teeth.</summary>
    TH,
    /// <summary>T, D: tongue tip on the ridge, jaw nearly closed.</summary>
    DD,
    /// <summary>K, G: tongue back raised.</summary>
    kk,
    /// <summary>CH, JH, SH, ZH: lips protruded, teeth close.</summary>
    CH,
    /// <summary>S, Z: teeth together, lips spread.</summary>
    SS,
    /// <summary>N, L: tongue tip raised, jaw slightly open.</summary>
    nn,
    /// <summary>R, ER: lips slightly rounded.</summary>
    RR,
    /// <summary>Open vowel (AA as in car).</summary>
    aa,
    /// <summary>Mid front vowel (EH as in bed).</summary>
    E,
    /// <summary>Close front vowel (IH, IY as in tip, see).</summary>
    ih,
    /// <summary>Rounded back vowel (AO, OW as in toe).</summary>
    oh,
    /// <summary>Close rounded vowel (UW as in book, W).</summary>
    ou,
}

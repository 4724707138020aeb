namespace Hmm.Streaming;

/// <summary>A vocabulary of mouth shapes that a <see cref="VisemeMap"/> maps phones onto.</summary>
public enum VisemeSet
{
    /// <summary>Rhubarb Lip Sync's nine mouth shapes (<see cref="RhubarbShape"/>); rest is <see cref="RhubarbShape.X"/>.</summary>
    Rhubarb,
    /// <summary>The 15 Oculus / OpenXR visemes (<see cref="OculusViseme"/>); rest is <see cref="OculusViseme.sil"/>.</summary>
    Oculus,
    /// <summary>The Japanese vowels and N (<see cref="VowelShape"/>); rest has no shape (all weights 0).</summary>
    Vowels,
}

using Hmm.Streaming;
using UnityEngine;

namespace Hmm.Unity
{
    /// <summary>
    /// Something that has mouth weights for the current frame: the live analysis (<see cref="LiveLipSync"/>) or a baked
    /// track played back (<see cref="CueTrackPlayer"/>). A <see cref="BlendShapeBinder"/> reads one.
    /// </summary>
    public abstract class VisemeSource : MonoBehaviour
    {
        /// <summary>
        /// Copies the current weights of <paramref name="set"/> into <paramref name="weights"/> (one per shape, indexed by
        /// <see cref="RhubarbShape"/>, <see cref="OculusViseme"/> or <see cref="VowelShape"/>); false when there are none
        /// yet. Main thread; allocation-free.
        /// </summary>
        public abstract bool TryGetWeights(VisemeSet set, float[] weights);

        /// <summary>How far the weights lag the sound that made them, ms (0 for a baked track).</summary>
        public virtual double LatencyMs => 0;
    }
}

using Hmm.Streaming;
using UnityEngine;

namespace Hmm.Unity
{
    /// <summary>
    /// Plays a baked <see cref="LipSyncCueTrack"/> in time with its AudioSource: the weights at the source's playback
    /// position (its sample position, so that they stay with the sound), and the word being spoken. A
    /// <see cref="BlendShapeBinder"/> reads it as it reads the live analysis. Nothing is allocated per frame.
    /// </summary>
    [AddComponentMenu("Hmm/Cue Track Player")]
    public sealed class CueTrackPlayer : VisemeSource
    {
        [SerializeField] private LipSyncCueTrack track;
        [Tooltip("Plays the track's clip; empty: the AudioSource on this GameObject.")]
        [SerializeField] private AudioSource audioSource;
        [SerializeField] private bool playOnEnable;

        private bool _reported;

        /// <summary>The track played.</summary>
        public LipSyncCueTrack Track { get => track; set { track = value; _reported = false; } }

        /// <summary>The playback position, seconds: the AudioSource's while it plays the track's clip, else <see cref="ManualTime"/>.</summary>
        public double Time
        {
            get
            {
                if (audioSource != null && audioSource.isPlaying && audioSource.clip != null && track != null && audioSource.clip == track.Clip)
                    return audioSource.timeSamples / (double)audioSource.clip.frequency;
                return ManualTime;
            }
        }

        /// <summary>The position used while the AudioSource does not play the track (scrub it from a Timeline or a script), seconds.</summary>
        public double ManualTime { get; set; }

        /// <summary>The word being spoken now (index in the track's words, -1 in a pause or without words).</summary>
        public int CurrentWord
        {
            get
            {
                var t = track == null ? null : track.Track;
                return t == null ? -1 : t.WordAt(Time);
            }
        }

        private void OnEnable()
        {
            if (audioSource == null) audioSource = GetComponent<AudioSource>();
            if (playOnEnable) Play();
        }

        /// <summary>Plays the track's clip on the AudioSource from the start.</summary>
        public void Play()
        {
            if (track == null || track.Clip == null || audioSource == null)
            {
                Debug.LogError($"CueTrackPlayer ({name}): Play needs a Track with its Clip and an AudioSource (on this GameObject or set).", this);
                return;
            }
            audioSource.clip = track.Clip;
            audioSource.Play();
        }

        /// <inheritdoc />
        public override bool TryGetWeights(VisemeSet set, float[] weights)
        {
            var t = track == null ? null : track.Track;
            if (t == null)
            {
                if (!_reported) Debug.LogError($"CueTrackPlayer ({name}): no valid Track is set.", this);
                _reported = true;
                return false;
            }
            if (weights == null || weights.Length != VisemeMap.ShapeCount(set)) return false;
            t.Sample(set, Time, weights);
            return true;
        }
    }
}

using System.Collections.Generic;
using Hmm.Streaming;
using UnityEngine;

namespace Hmm.Unity
{
    /// <summary>
    /// A baked <see cref="VisemeTrack"/> saved as an asset (the editor's Assets > Hmm Lip Sync > Bake Cue Track makes one
    /// from an AudioClip and the transcript beside it): every viseme set's weights at a fixed frame rate and the words'
    /// times. <see cref="Track"/> is built once on first use; sampling it allocates nothing.
    /// </summary>
    [CreateAssetMenu(fileName = "LipSyncCueTrack", menuName = "Hmm/Lip Sync Cue Track")]
    public sealed class LipSyncCueTrack : ScriptableObject
    {
        [SerializeField] private AudioClip clip;
        [SerializeField] private double frameRate = 60;
        [SerializeField] private float[] rhubarb = new float[0];
        [SerializeField] private float[] oculus = new float[0];
        [SerializeField] private float[] vowels = new float[0];
        [SerializeField] private int[] wordIndices = new int[0];
        [SerializeField] private string[] wordTexts = new string[0];
        [SerializeField] private double[] wordStarts = new double[0];
        [SerializeField] private double[] wordEnds = new double[0];

        private VisemeTrack _track;
        private bool _reported;

        /// <summary>The audio the track was baked from.</summary>
        public AudioClip Clip => clip;

        /// <summary>
        /// The track, built from the serialised arrays on first use; null, with an error in the console, when they do
        /// not form a valid track (an edited or truncated asset).
        /// </summary>
        public VisemeTrack Track
        {
            get
            {
                if (_track != null || _reported) return _track;
                try
                {
                    var words = new List<WordCue>(wordIndices.Length);
                    for (int i = 0; i < wordIndices.Length; i++) words.Add(new WordCue(wordIndices[i], wordTexts[i], wordStarts[i], wordEnds[i]));
                    _track = new VisemeTrack(frameRate, rhubarb, oculus, vowels, words);
                }
                catch (System.Exception e) when (e is System.ArgumentException || e is System.IndexOutOfRangeException)
                {
                    _reported = true;
                    Debug.LogError($"LipSyncCueTrack ({name}): the asset does not hold a valid track ({e.Message}); bake it again.", this);
                }
                return _track;
            }
        }

        /// <summary>A new asset object holding <paramref name="track"/>, baked from <paramref name="audio"/> (save it with AssetDatabase.CreateAsset).</summary>
        public static LipSyncCueTrack Create(VisemeTrack track, AudioClip audio)
        {
            var asset = CreateInstance<LipSyncCueTrack>();
            asset.clip = audio;
            asset.frameRate = track.FrameRate;
            asset.rhubarb = track.Weights(VisemeSet.Rhubarb).ToArray();
            asset.oculus = track.Weights(VisemeSet.Oculus).ToArray();
            asset.vowels = track.Weights(VisemeSet.Vowels).ToArray();
            int n = track.Words.Count;
            asset.wordIndices = new int[n];
            asset.wordTexts = new string[n];
            asset.wordStarts = new double[n];
            asset.wordEnds = new double[n];
            for (int i = 0; i < n; i++)
            {
                var w = track.Words[i];
                asset.wordIndices[i] = w.Word;
                asset.wordTexts[i] = w.Text;
                asset.wordStarts[i] = w.Start;
                asset.wordEnds[i] = w.End;
            }
            asset._track = track;
            return asset;
        }

        private void OnValidate()
        {
            // Edited in the inspector: build the track again from the arrays.
            _track = null;
            _reported = false;
        }
    }
}

using Hmm.Streaming;
using Hmm.Unity;
using UnityEngine;

namespace Hmm.Unity.Samples
{
    /// <summary>
    /// Scene-free quick start: add this to any GameObject and press Play. It adds a <see cref="LiveLipSync"/> (the
    /// microphone, or the AudioSource playing <see cref="clip"/> when one is set) and a row of 15 bars, one per Oculus
    /// viseme, whose heights follow the weights; the phone heard is the GameObject's name. Swap the bars for a
    /// <see cref="BlendShapeBinder"/> on your character's face.
    /// </summary>
    public sealed class LipSyncQuickStart : MonoBehaviour
    {
        [Tooltip("Speech to play and analyse; empty: the microphone.")]
        [SerializeField] private AudioClip clip;

        private LiveLipSync _lipSync;
        private readonly float[] _oculus = new float[15];
        private Transform[] _bars;
        private string _shownPhone;

        private void Start()
        {
            if (clip != null)
            {
                var source = gameObject.AddComponent<AudioSource>();
                source.clip = clip;
                source.loop = true;
                source.Play();
            }
            // Added after the AudioSource, so that its OnAudioFilterRead sees the source's audio.
            _lipSync = gameObject.AddComponent<LiveLipSync>();
            _lipSync.Input = clip != null ? LipSyncInput.AudioSource : LipSyncInput.Microphone;
            _bars = new Transform[_oculus.Length];
            for (int i = 0; i < _bars.Length; i++)
            {
                var bar = GameObject.CreatePrimitive(PrimitiveType.Cube);
                bar.name = ((OculusViseme)i).ToString();
                bar.transform.SetParent(transform, false);
                bar.transform.localPosition = new Vector3(i * 0.3f - 2.1f, 0f, 0f);
                _bars[i] = bar.transform;
            }
        }

        private void Update()
        {
            if (!_lipSync.TryGetWeights(VisemeSet.Oculus, _oculus)) return;
            for (int i = 0; i < _bars.Length; i++)
            {
                float h = 0.05f + 2f * _oculus[i];
                _bars[i].localScale = new Vector3(0.25f, h, 0.25f);
                _bars[i].localPosition = new Vector3(i * 0.3f - 2.1f, h / 2f, 0f);
            }
            // Phone names are interned strings of the model: showing one allocates nothing.
            string phone = _lipSync.Phone;
            if (!ReferenceEquals(phone, _shownPhone)) gameObject.name = _shownPhone = phone;
        }
    }
}

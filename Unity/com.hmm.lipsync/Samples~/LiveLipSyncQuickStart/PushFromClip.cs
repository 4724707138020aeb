using Hmm.Unity;
using UnityEngine;

namespace Hmm.Unity.Samples
{
    /// <summary>
    /// The push API, as on WebGL (no <c>OnAudioFilterRead</c> there) or for audio the engine does not play through an
    /// AudioSource on this GameObject: each frame, the samples the AudioSource has played since the last frame are read
    /// from its clip with <c>AudioClip.GetData</c> and pushed with their sample position, so that every frame's time is on
    /// the clip's clock. The clip must be Decompress On Load. Streamed speech (TTS) pushes its buffers the same way,
    /// from any one thread, with its own sample count.
    /// </summary>
    [RequireComponent(typeof(AudioSource))]
    public sealed class PushFromClip : MonoBehaviour
    {
        [SerializeField] private LiveLipSync lipSync;

        private AudioSource _source;
        private float[] _chunk;
        private int _read;

        private void Start()
        {
            _source = GetComponent<AudioSource>();
            lipSync.Input = LipSyncInput.Push;
            // 20 ms of up to 48 kHz stereo: sized once.
            _chunk = new float[960 * 2];
        }

        private void Update()
        {
            var clip = _source.clip;
            if (clip == null || !_source.isPlaying) return;
            int played = _source.timeSamples;
            if (played < _read) _read = 0;                // looped or restarted
            int channels = clip.channels;
            int frames = _chunk.Length / channels;
            // Whole chunks only (GetData fills the whole array); the rest waits for the next frame.
            while (played - _read >= frames)
            {
                clip.GetData(_chunk, _read);
                lipSync.PushInterleaved(_chunk, channels, clip.frequency, _read);
                _read += frames;
            }
        }
    }
}

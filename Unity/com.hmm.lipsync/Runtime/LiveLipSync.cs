using System;
using System.Threading;
using Hmm.Streaming;
using UnityEngine;

namespace Hmm.Unity
{
    /// <summary>Where <see cref="LiveLipSync"/> takes its audio from.</summary>
    public enum LipSyncInput
    {
        /// <summary>The AudioSource on this GameObject, as it plays (<c>OnAudioFilterRead</c>, on the audio thread).</summary>
        AudioSource,
        /// <summary>A microphone, read from its looping recording each frame.</summary>
        Microphone,
        /// <summary>Any caller, through <see cref="LiveLipSync.Push(ReadOnlySpan{float}, int, long)"/> (streamed speech, a Timeline, WebGL's <c>AudioClip.GetData</c>).</summary>
        Push,
    }

    /// <summary>How the analysis trades latency for steadiness.</summary>
    public enum LipSyncPreset
    {
        /// <summary><see cref="LipSyncOptions.Balanced"/>: the mouth 32.5 ms behind the sound, phones committed 100 ms later.</summary>
        Balanced,
        /// <summary><see cref="LipSyncOptions.LowLatency"/>: the mouth 27.5 ms behind the sound.</summary>
        LowLatency,
    }

    /// <summary>
    /// Live lip-sync: analyses speech as it plays and exposes the newest mouth weights (three viseme sets), phone and word
    /// on the main thread. A thin shell over <see cref="LipSyncFeed"/> (the processor, rate changes, dropped audio) and
    /// <see cref="AudioRingReader"/> (the microphone's ring, its wraps, overruns and drift), which Hmm.Streaming tests.
    /// The audio thread hands samples over and the main thread reads the processor's lock-free snapshot: neither waits
    /// for the other. Nothing is allocated per frame once running.
    /// </summary>
    [AddComponentMenu("Hmm/Live Lip Sync")]
    [DisallowMultipleComponent]
    public sealed class LiveLipSync : VisemeSource
    {
        [Tooltip("Where the audio comes from.")]
        [SerializeField] private LipSyncInput input = LipSyncInput.AudioSource;
        [Tooltip("Latency against steadiness.")]
        [SerializeField] private LipSyncPreset preset = LipSyncPreset.Balanced;
        [Tooltip("Microphone device name; empty: the default device.")]
        [SerializeField] private string microphoneDevice = "";
        [Tooltip("Rate to record the microphone at, Hz (16,000 is the model's own; the device's range limits it).")]
        [SerializeField] private int microphoneSampleRate = 16000;
        [Tooltip("Rate the push API's audio comes at, Hz (a push at another rate restarts the analysis at that rate, with a warning).")]
        [SerializeField] private int pushSampleRate = 48000;
        [Tooltip("Silence the AudioSource's output after analysing it (analyse without playing).")]
        [SerializeField] private bool muteOutput;

        private const double MaxAudioDelayMs = 250;
        private LipSyncFeed _feed;
        private LipSyncFrame _frame;
        private bool _hasFrame;
        private volatile int _outputRate;
        private volatile int _delayFrames;
        private volatile bool _mute;
        private volatile AudioDelayLine _delay;
        private Exception _audioThreadError;
        private int _mainThread;
        private int _warnedPushInput;
        private int _warnedPushDisabled;
        private double _audioDelayMs;

        // Microphone state: the device's looping clip, the reader of its ring, one chunk's buffer.
        private string _micDevice;
        private AudioClip _micClip;
        private AudioRingReader _micRing;
        private float[] _micChunk;
        private double _micRetryAt = -1;
        private bool _micFailureLogged;
        private readonly RateLimitedLog _micLog = new RateLimitedLog();

        /// <summary>Where the audio comes from. Changing it restarts the input.</summary>
        public LipSyncInput Input
        {
            get => input;
            set
            {
                if (value == input) return;
                StopInput();
                input = value;
                if (isActiveAndEnabled) StartInput();
            }
        }

        /// <summary>The feed behind the component (its processor, counters and restarts), null before the first enable.</summary>
        public LipSyncFeed Feed => _feed;

        /// <summary>The newest analysed frame (phone posteriors, the three sets' weights, voice activity, loudness, word); valid when <see cref="HasFrame"/>.</summary>
        public LipSyncFrame Latest => _frame;

        /// <summary>Whether a frame has been analysed since the component was enabled.</summary>
        public bool HasFrame => _hasFrame;

        /// <summary>The most likely phone now (ARPAbet, "sil" in silence).</summary>
        public string Phone => _hasFrame ? _frame.PhoneName : "sil";

        /// <summary>With a line to follow (<see cref="LipSyncScriptFollower"/>): the index of the word being spoken, -1 in a pause.</summary>
        public int Word => _hasFrame ? _frame.Word : -1;

        /// <inheritdoc />
        public override double LatencyMs => _feed == null ? 0 : _feed.Processor.LatencyMs;

        /// <summary>
        /// How long the AudioSource's output is held back after analysis, ms (0 to 250): set it to <see cref="LatencyMs"/>
        /// and the mouth moves with the sound heard (<see cref="BlendShapeBinder"/> does, by its audio-delay setting). Only
        /// for <see cref="LipSyncInput.AudioSource"/>: other inputs are not played through this component.
        /// </summary>
        public double AudioDelayMs
        {
            get => _audioDelayMs;
            set
            {
                if (!(value >= 0 && value <= MaxAudioDelayMs))
                {
                    Debug.LogError($"LiveLipSync ({name}): AudioDelayMs must be 0 to {MaxAudioDelayMs} ms, not {value}; keeping {_audioDelayMs} ms.", this);
                    return;
                }
                _audioDelayMs = value;
                var delay = _delay;
                int rate = _outputRate;
                if (delay != null && rate > 0) _delayFrames = delay.FramesFor(value, rate);
            }
        }

        private void Awake()
        {
            _mainThread = Thread.CurrentThread.ManagedThreadId;
        }

        private void OnEnable()
        {
            _outputRate = AudioSettings.outputSampleRate;
            _mute = muteOutput;
            AudioSettings.OnAudioConfigurationChanged += OnAudioConfigurationChanged;
            StartInput();
            if (_feed != null)
            {
                long dropped = _feed.DroppedWhileDisabled;
                if ((_feed.TakeEvents() & LipSyncFeedEvents.DroppedWhileDisabled) != 0)
                    Debug.LogWarning($"LiveLipSync ({name}): audio was pushed while the component was disabled and was dropped ({dropped} samples so far); push only while it is enabled.", this);
                _feed.Enabled = true;
            }
            _warnedPushDisabled = 0;
        }

        private void OnDisable()
        {
            AudioSettings.OnAudioConfigurationChanged -= OnAudioConfigurationChanged;
            if (_feed != null) _feed.Enabled = false;
            StopInput();
            _hasFrame = false;
        }

        private void OnDestroy()
        {
            if (_feed != null) _feed.Dispose();
        }

        private void OnAudioConfigurationChanged(bool deviceWasChanged)
        {
            // The next block OnAudioFilterRead gets comes at the new rate: the feed flags it and Update restarts the analysis.
            _outputRate = AudioSettings.outputSampleRate;
            if (input == LipSyncInput.AudioSource) EnsureDelayLine();
        }

        /// <summary>A delay line long enough at the output rate (a new one, swapped in by one reference write, when the rate outgrows it).</summary>
        private void EnsureDelayLine()
        {
            int rate = Math.Max(_outputRate, 48000);
            var delay = _delay;
            if (delay == null || delay.MaxDelayFrames < (int)(MaxAudioDelayMs * rate / 1000))
                _delay = delay = new AudioDelayLine((int)(MaxAudioDelayMs * rate / 1000), 8);
            _delayFrames = delay.FramesFor(_audioDelayMs, _outputRate);
        }

        private void StartInput()
        {
            int rate = input == LipSyncInput.AudioSource ? _outputRate : input == LipSyncInput.Push ? pushSampleRate : microphoneSampleRate;
            if (input == LipSyncInput.Microphone && !StartMicrophone()) return;
            if (input == LipSyncInput.Microphone) rate = _micClip.frequency;
            EnsureFeed(rate);
            // Sized for the longest delay at the output rate (48 kHz at least) and up to 7.1 speakers.
            if (input == LipSyncInput.AudioSource) EnsureDelayLine();
        }

        private void StopInput()
        {
            StopMicrophone();
        }

        private void EnsureFeed(int rate)
        {
            try
            {
                if (_feed == null)
                {
                    // The rate goes through the constructor: Unity's compiler does not take init-only setters (no 'with').
                    _feed = new LipSyncFeed(preset == LipSyncPreset.LowLatency ? LipSyncOptions.LowLatency : LipSyncOptions.Balanced, rate);
                    _frame = new LipSyncFrame(_feed.Processor.Phones);
                }
                else if (_feed.SampleRate != rate) _feed.Restart(rate);
                _feed.Enabled = true;
            }
            catch (ArgumentException e)
            {
                Debug.LogError($"LiveLipSync ({name}): cannot analyse audio at {rate} Hz: {e.Message}", this);
            }
        }

        private void Update()
        {
            // First, so that a microphone that failed to start is retried even before there is a feed.
            if (input == LipSyncInput.Microphone) PumpMicrophone();
            if (_feed == null) return;
            var error = Interlocked.Exchange(ref _audioThreadError, null);
            if (error != null) Debug.LogError($"LiveLipSync ({name}): the audio thread's analysis failed and that block was skipped: {error.Message}", this);
            var events = _feed.TakeEvents();
            // A block pushed into the old processor while it was being replaced flags the change again: the rate tells.
            if ((events & LipSyncFeedEvents.SampleRateChanged) != 0 && _feed.ArrivedSampleRate != _feed.SampleRate)
            {
                int arrived = _feed.ArrivedSampleRate;
                Debug.LogWarning($"LiveLipSync ({name}): audio came at {arrived} Hz but the analysis ran at {_feed.SampleRate} Hz (a sample rate change mid-stream); restarting it at {arrived} Hz. The audio in between was dropped.", this);
                EnsureFeed(arrived);
            }
            if (_feed.TryReadLatest(_frame)) _hasFrame = true;
        }

        /// <inheritdoc />
        public override bool TryGetWeights(VisemeSet set, float[] weights)
        {
            if (!_hasFrame || weights == null) return false;
            var source = set == VisemeSet.Rhubarb ? _frame.Rhubarb : set == VisemeSet.Oculus ? _frame.Oculus : _frame.Vowels;
            if (weights.Length != source.Length)
            {
                Debug.LogError($"LiveLipSync ({name}): TryGetWeights got {weights.Length} weights to fill but {set} has {source.Length} shapes.", this);
                return false;
            }
            Array.Copy(source, weights, source.Length);
            return true;
        }

        private void OnAudioFilterRead(float[] data, int channels)
        {
            if (input != LipSyncInput.AudioSource || _feed == null) return;
            try
            {
                _feed.PushInterleaved(data, channels, _outputRate);
                var delay = _delay;
                if (delay != null)
                {
                    int frames = Math.Min(_delayFrames, delay.MaxDelayFrames);
                    if (frames != delay.DelayFrames) delay.SetDelay(frames);
                    delay.Process(data, channels);
                }
            }
            catch (Exception e)
            {
                // Never throw on the audio thread (Unity would log it every block): the main thread reports it once.
                Interlocked.Exchange(ref _audioThreadError, e);
            }
            if (_mute) Array.Clear(data, 0, data.Length);
        }

        /// <summary>
        /// Pushes mono audio (input <see cref="LipSyncInput.Push"/>) from any one thread: <paramref name="startSample"/> is its
        /// first sample's index on the caller's clock (a streamed voice's sample count, a Timeline's sample position), which
        /// every frame's time then follows. Audio pushed under another input, or while the component is disabled, is
        /// dropped with a warning. Allocation-free.
        /// </summary>
        public LipSyncFeedResult Push(ReadOnlySpan<float> samples, int sampleRate, long startSample)
        {
            if (!AdmitPush()) return LipSyncFeedResult.Disabled;
            var result = _feed.Push(samples, sampleRate, startSample);
            WarnIfDisabled(result);
            return result;
        }

        /// <summary>Pushes interleaved audio of <paramref name="channels"/> channels as <see cref="Push(ReadOnlySpan{float}, int, long)"/>.</summary>
        public LipSyncFeedResult PushInterleaved(ReadOnlySpan<float> samples, int channels, int sampleRate, long startSample)
        {
            if (!AdmitPush()) return LipSyncFeedResult.Disabled;
            var result = _feed.PushInterleaved(samples, channels, sampleRate, startSample);
            WarnIfDisabled(result);
            return result;
        }

        private bool AdmitPush()
        {
            if (input == LipSyncInput.Push && _feed != null) return true;
            if (Interlocked.Exchange(ref _warnedPushInput, 1) == 0)
                Debug.LogWarning(_feed == null
                    ? $"LiveLipSync ({name}): audio was pushed before the component was first enabled; it was dropped."
                    : $"LiveLipSync ({name}): audio was pushed but Input is {input}; it was dropped (set Input to Push).", this);
            return false;
        }

        private void WarnIfDisabled(LipSyncFeedResult result)
        {
            // Off the main thread the warning waits for OnEnable (Update does not run while disabled).
            if (result == LipSyncFeedResult.Disabled && Thread.CurrentThread.ManagedThreadId == _mainThread && Interlocked.Exchange(ref _warnedPushDisabled, 1) == 0)
                Debug.LogWarning($"LiveLipSync ({name}): audio was pushed while the component is disabled; it is dropped until the component is enabled.", this);
        }

        /// <summary>
        /// Restarts the analysis to follow <paramref name="script"/> (null: free phones): <see cref="Word"/> then names its
        /// words. The last frame is forgotten, so that no word of the previous line is taken for one of this. Allocates.
        /// </summary>
        /// <exception cref="ArgumentException">A word's phones are not the model's.</exception>
        public void FollowScript(System.Collections.Generic.IReadOnlyList<Hmm.Speech.TranscribedWord> script)
        {
            if (_feed == null)
            {
                Debug.LogError($"LiveLipSync ({name}): FollowScript before the component was first enabled; ignored.", this);
                return;
            }
            _feed.Restart(script);
            _hasFrame = false;
        }

        /// <summary>Starts (or restarts) the microphone; false, with an error in the console, when there is none or it fails.</summary>
        public bool StartMicrophone()
        {
            StopMicrophone();
#if UNITY_WEBGL && !UNITY_EDITOR
            Debug.LogError($"LiveLipSync ({name}): Unity has no Microphone API on WebGL; capture the audio in JavaScript and use Input = Push.", this);
            return false;
#else
            var devices = Microphone.devices;
            string device = microphoneDevice;
            int minRate = 0, maxRate = 0;
            if (devices.Length > 0 && Array.IndexOf(devices, string.IsNullOrEmpty(device) ? devices[0] : device) >= 0)
                Microphone.GetDeviceCaps(string.IsNullOrEmpty(device) ? devices[0] : device, out minRate, out maxRate);
            if (!MicrophoneChoice.TryChoose(devices, microphoneDevice, microphoneSampleRate, minRate, maxRate, out device, out int rate, out string problem))
            {
                // Once per failure, not at every retry.
                if (!_micFailureLogged) Debug.LogError($"LiveLipSync ({name}): {problem}; lip-sync stays idle and retries every 2 s. Connect one, or choose another Input.", this);
                _micFailureLogged = true;
                return false;
            }
            var clip = Microphone.Start(device, true, 1, rate);
            if (clip == null)
            {
                Debug.LogError($"LiveLipSync ({name}): the microphone '{device}' did not start at {rate} Hz.", this);
                return false;
            }
            _micDevice = device;
            _micClip = clip;
            _micRing = new AudioRingReader(clip.samples, AudioRingReader.ChunkFor(clip.samples, clip.frequency), clip.frequency);
            _micChunk = new float[_micRing.ChunkSamples * clip.channels];
            _micRetryAt = -1;
            if (_micFailureLogged) Debug.Log($"LiveLipSync ({name}): the microphone '{device}' is recording now ({clip.frequency} Hz).", this);
            _micFailureLogged = false;
            EnsureFeed(clip.frequency);
            return true;
#endif
        }

        private void StopMicrophone()
        {
#if !UNITY_WEBGL || UNITY_EDITOR
            if (_micDevice != null) Microphone.End(_micDevice);
#endif
            _micDevice = null;
            _micClip = null;
            _micRing = null;
        }

        private void PumpMicrophone()
        {
#if !UNITY_WEBGL || UNITY_EDITOR
            double now = Time.realtimeSinceStartupAsDouble;
            if (_micRing == null)
            {
                // Retry a failed or lost device every two seconds, not every frame.
                if (_micRetryAt < 0) _micRetryAt = now + 2;
                else if (now >= _micRetryAt)
                {
                    _micRetryAt = -1;
                    if (Microphone.devices.Length > 0) StartMicrophone();
                }
                return;
            }
            if (!Microphone.IsRecording(_micDevice))
            {
                Debug.LogWarning($"LiveLipSync ({name}): the microphone '{_micDevice}' stopped recording (unplugged?); retrying every 2 s.", this);
                StopMicrophone();
                return;
            }
            var events = _micRing.Update(Microphone.GetPosition(_micDevice), now);
            if ((events & AudioRingEvents.Overrun) != 0 && _micLog.Allow(0))
                Debug.LogWarning($"LiveLipSync ({name}): the microphone's ring was overwritten before it was read (a frame took over a second: {_micRing.Overruns} times so far); skipped to the newest audio.", this);
            if ((events & AudioRingEvents.Resynced) != 0 && _micLog.Allow(1))
                Debug.LogWarning($"LiveLipSync ({name}): more than {_micRing.MaxBacklogSamples * 1000 / _micRing.SampleRate} ms of microphone audio waited unread (a slow frame: {_micRing.Resyncs} times so far); skipped to the newest audio.", this);
            if ((events & AudioRingEvents.Stalled) != 0)
                Debug.LogWarning($"LiveLipSync ({name}): the microphone '{_micDevice}' has delivered nothing for {_micRing.StallSeconds} s.", this);
            if ((events & AudioRingEvents.RateMismatch) != 0 && _micLog.Allow(2))
                Debug.LogWarning($"LiveLipSync ({name}): the microphone delivers {_micRing.MeasuredRate:F0} samples a second, not the {_micRing.SampleRate} Hz asked (its clock drifts or it ignores the rate); times follow its sample count.", this);
            if (_feed == null) return;
            int channels = _micClip.channels;
            while (_micRing.TryNextChunk(out int offset, out long start))
            {
                if (!_micClip.GetData(_micChunk, offset)) break;
                _feed.PushInterleaved(_micChunk, channels, _micClip.frequency, start);
            }
#endif
        }

        /// <summary>Logs an event's first occurrence, then every hundredth, so that a steady fault does not flood the console.</summary>
        private sealed class RateLimitedLog
        {
            private readonly int[] _counts = new int[4];

            public bool Allow(int kind) => _counts[kind]++ % 100 == 0;
        }
    }
}

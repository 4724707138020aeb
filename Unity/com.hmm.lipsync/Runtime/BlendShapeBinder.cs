using System;
using Hmm.Streaming;
using UnityEngine;

namespace Hmm.Unity
{
    /// <summary>The range a rig's blend shapes take.</summary>
    public enum BlendShapeRange
    {
        /// <summary>0 to 100, as Unity's SkinnedMeshRenderer takes blend shape weights.</summary>
        ZeroToHundred,
        /// <summary>0 to 1 (rigs and tools that scale by 0.01 themselves, e.g. Ready Player Me pipelines, VRM).</summary>
        ZeroToOne,
    }

    /// <summary>How the audible sound is held back so that the mouth moves with it.</summary>
    public enum AudioDelayMode
    {
        /// <summary>The sound plays at once; the mouth follows it by the analysis latency.</summary>
        None,
        /// <summary>The sound is held back by the analysis latency (<see cref="VisemeSource.LatencyMs"/>): mouth and sound together.</summary>
        MatchLatency,
        /// <summary>The sound is held back by <see cref="BlendShapeBinder.CustomAudioDelayMs"/>.</summary>
        Custom,
    }

    /// <summary>
    /// Drives a SkinnedMeshRenderer's blend shapes from a <see cref="VisemeSource"/>: the shapes of a viseme set (Rhubarb
    /// A-H/X, the 15 Oculus visemes, the vowels) bound to blend shapes by name, found automatically where the names follow
    /// a common convention (<c>viseme_aa</c>, <c>vrc.v_aa</c>, <c>A</c>), weights scaled to the rig's range, smoothed, and
    /// the audible sound delayed to match the analysis. A shell over <see cref="BlendShapeBinding"/>. Missing blend shapes
    /// are reported in the console once, the rest still drive. Nothing is allocated per frame.
    /// </summary>
    [AddComponentMenu("Hmm/Blend Shape Binder")]
    public sealed class BlendShapeBinder : MonoBehaviour
    {
        [Tooltip("Where the weights come from: a LiveLipSync or a CueTrackPlayer.")]
        [SerializeField] private VisemeSource source;
        [Tooltip("The face.")]
        [SerializeField] private SkinnedMeshRenderer target;
        [Tooltip("The rig's shape vocabulary.")]
        [SerializeField] private VisemeSet visemeSet = VisemeSet.Oculus;
        [Tooltip("Per viseme, in the set's order, the blend shape's name; empty: found by convention; '-': none.")]
        [SerializeField] private string[] blendShapeNames = new string[0];
        [SerializeField] private BlendShapeRange range = BlendShapeRange.ZeroToHundred;
        [Tooltip("Multiplies the weights before clamping (a bigger or smaller mouth).")]
        [SerializeField] [Range(0f, 4f)] private float gain = 1f;
        [Tooltip("Extra smoothing on top of the analysis's, seconds (0: none).")]
        [SerializeField] [Range(0f, 0.5f)] private float smoothingSeconds = 0.03f;
        [Tooltip("Hold the AudioSource's sound back so that the mouth moves with it (LiveLipSync on an AudioSource only).")]
        [SerializeField] private AudioDelayMode audioDelay = AudioDelayMode.MatchLatency;
        [SerializeField] [Min(0f)] private float customAudioDelayMs;

        private BlendShapeBinding _binding;
        private float[] _weights;
        private float[] _output;
        private bool _reportedNoSource;

        /// <summary>Where the weights come from.</summary>
        public VisemeSource Source { get => source; set => source = value; }

        /// <summary>The face; set it, then call <see cref="Rebind"/>.</summary>
        public SkinnedMeshRenderer Target { get => target; set => target = value; }

        /// <summary>The viseme set the binding uses.</summary>
        public VisemeSet VisemeSet => visemeSet;

        /// <summary>The resolved binding (null until enabled, or when the target has no mesh).</summary>
        public BlendShapeBinding Binding => _binding;

        /// <summary>The delay used when the audio-delay mode is Custom, ms.</summary>
        public float CustomAudioDelayMs { get => customAudioDelayMs; set => customAudioDelayMs = value; }

        private void OnEnable()
        {
            Rebind();
        }

        /// <summary>Resolves the blend shape names on the target's mesh again (after changing the mesh or the names); allocates.</summary>
        public void Rebind()
        {
            _binding = null;
            _reportedNoSource = false;
            if (target == null)
            {
                Debug.LogError($"BlendShapeBinder ({name}): no SkinnedMeshRenderer is set as Target; nothing is driven.", this);
                return;
            }
            var mesh = target.sharedMesh;
            if (mesh == null)
            {
                Debug.LogError($"BlendShapeBinder ({name}): the target '{target.name}' has no mesh; nothing is driven.", this);
                return;
            }
            var meshNames = new string[mesh.blendShapeCount];
            for (int i = 0; i < meshNames.Length; i++) meshNames[i] = mesh.GetBlendShapeName(i);
            int count = VisemeMap.ShapeCount(visemeSet);
            string[] names = null;
            if (blendShapeNames != null && blendShapeNames.Length > 0)
            {
                if (blendShapeNames.Length != count)
                    Debug.LogWarning($"BlendShapeBinder ({name}): Blend Shape Names has {blendShapeNames.Length} entries but {visemeSet} has {count} shapes ({string.Join(" ", VisemeMap.ShapeNames(visemeSet))}); the missing ones are found by convention, extra ones ignored.", this);
                names = new string[count];
                Array.Copy(blendShapeNames, names, Math.Min(count, blendShapeNames.Length));
            }
            var binding = BlendShapeBinding.Create(visemeSet, meshNames, names);
            if (binding.Problems != null) Debug.LogWarning($"BlendShapeBinder ({name}): on mesh '{mesh.name}', {binding.Problems}", this);
            if (binding.BoundVisemes == 0)
            {
                Debug.LogError($"BlendShapeBinder ({name}): none of {visemeSet}'s shapes ({string.Join(" ", VisemeMap.ShapeNames(visemeSet))}) matched a blend shape of '{mesh.name}'; name them in Blend Shape Names.", this);
                return;
            }
            binding.FullWeight = range == BlendShapeRange.ZeroToHundred ? 100f : 1f;
            binding.Gain = gain;
            binding.SmoothingSeconds = smoothingSeconds;
            _binding = binding;
            _weights = new float[count];
            _output = new float[binding.TargetCount];
            ApplyAudioDelay();
        }

        private void ApplyAudioDelay()
        {
            if (!(source is LiveLipSync live)) return;
            double ms = audioDelay == AudioDelayMode.MatchLatency ? live.LatencyMs : audioDelay == AudioDelayMode.Custom ? customAudioDelayMs : 0;
            live.AudioDelayMs = Math.Min(250, ms);
        }

        private void LateUpdate()
        {
            if (_binding == null) return;
            if (source == null)
            {
                if (!_reportedNoSource) Debug.LogError($"BlendShapeBinder ({name}): no Source (LiveLipSync or CueTrackPlayer) is set.", this);
                _reportedNoSource = true;
                return;
            }
            // The latency is known once the source's analysis has started.
            if (audioDelay == AudioDelayMode.MatchLatency && source is LiveLipSync live && Math.Abs(live.AudioDelayMs - Math.Min(250, live.LatencyMs)) > 0.5) ApplyAudioDelay();
            if (!source.TryGetWeights(visemeSet, _weights)) return;
            _binding.Apply(_weights, Time.deltaTime, _output);
            for (int t = 0; t < _output.Length; t++) target.SetBlendShapeWeight(_binding.BlendShapeIndex(t), _output[t]);
        }
    }
}

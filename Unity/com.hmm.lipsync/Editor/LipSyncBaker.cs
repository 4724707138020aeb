using System;
using System.IO;
using Hmm.Speech;
using Hmm.Streaming;
using UnityEditor;
using UnityEngine;

namespace Hmm.Unity.Editor
{
    /// <summary>
    /// Offline baking in the editor: an AudioClip (and the transcript beside it, <c>X.txt</c> next to <c>X.wav</c>) to a
    /// <see cref="LipSyncCueTrack"/> asset, and a cue track to an AnimationClip of a <see cref="BlendShapeBinder"/>'s blend
    /// shapes. The analysis is <see cref="VisemeTrack.Bake"/>; the curves' keys are reduced by <see cref="CurveKeys"/>.
    /// </summary>
    public static class LipSyncBaker
    {
        private static readonly Lazy<Transcriber> Words = new Lazy<Transcriber>(() => new Transcriber(PronunciationLexicon.LoadDefault()));

        /// <summary>The clip's samples as mono (channels averaged); null, with an error in the console, when Unity cannot give them.</summary>
        public static float[] ReadMono(AudioClip clip)
        {
            if (clip == null) throw new ArgumentNullException(nameof(clip));
            var interleaved = new float[clip.samples * clip.channels];
            if (!clip.GetData(interleaved, 0))
            {
                Debug.LogError($"Hmm Lip Sync: cannot read the samples of '{clip.name}'; set its Load Type to Decompress On Load in the import settings.", clip);
                return null;
            }
            var mono = new float[clip.samples];
            InterleavedAudio.Downmix(interleaved, clip.channels, mono);
            return mono;
        }

        /// <summary>Bakes <paramref name="clip"/>, following <paramref name="transcript"/> when given (null or empty: free phones), at <paramref name="frameRate"/> frames a second.</summary>
        public static VisemeTrack Bake(AudioClip clip, string transcript, double frameRate = 60)
        {
            var mono = ReadMono(clip);
            if (mono == null) return null;
            var script = string.IsNullOrWhiteSpace(transcript) ? null : Words.Value.Transcribe(transcript);
            return VisemeTrack.Bake(mono, clip.frequency, script != null && script.Count > 0 ? script : null, frameRate);
        }

        [MenuItem("Assets/Hmm Lip Sync/Bake Cue Track", true)]
        private static bool CanBakeCueTrack() => Selection.activeObject is AudioClip;

        [MenuItem("Assets/Hmm Lip Sync/Bake Cue Track", false, 1000)]
        private static void BakeCueTrack()
        {
            var clip = Selection.activeObject as AudioClip;
            if (clip == null) return;
            string path = AssetDatabase.GetAssetPath(clip);
            var text = AssetDatabase.LoadAssetAtPath<TextAsset>(Path.ChangeExtension(path, ".txt"));
            var track = Bake(clip, text != null ? text.text : null);
            if (track == null) return;
            var asset = LipSyncCueTrack.Create(track, clip);
            string assetPath = AssetDatabase.GenerateUniqueAssetPath(Path.ChangeExtension(path, null) + ".lipsync.asset");
            AssetDatabase.CreateAsset(asset, assetPath);
            AssetDatabase.SaveAssets();
            Debug.Log($"Hmm Lip Sync: baked '{clip.name}' ({clip.length:F2} s, {(text != null ? $"{track.Words.Count} words of its transcript" : "no transcript beside it: free phones")}) into {assetPath}.", asset);
        }

        /// <summary>
        /// An AnimationClip of the binder's blend shapes from <paramref name="track"/>: one curve per driven blend shape
        /// (<c>blendShape.NAME</c> on the binder's SkinnedMeshRenderer, its path relative to <paramref name="root"/>), keys
        /// reduced to those that linear interpolation needs within <paramref name="tolerance"/> of the full weight.
        /// </summary>
        public static AnimationClip BakeAnimationClip(VisemeTrack track, BlendShapeBinder binder, Transform root, float fullWeight = 100f, float tolerance = 0.005f)
        {
            if (track == null) throw new ArgumentNullException(nameof(track));
            if (binder == null) throw new ArgumentNullException(nameof(binder));
            var binding = binder.Binding;
            if (binding == null || binder.Target == null)
            {
                Debug.LogError($"Hmm Lip Sync: the BlendShapeBinder '{binder.name}' has no resolved binding (enable it with a Target whose mesh has the blend shapes).", binder);
                return null;
            }
            string path = AnimationUtility.CalculateTransformPath(binder.Target.transform, root);
            var set = binder.VisemeSet;
            int shapes = VisemeMap.ShapeCount(set);
            var weights = track.Weights(set);
            int frames = track.FrameCount;
            var values = new float[binding.TargetCount][];
            for (int t = 0; t < values.Length; t++) values[t] = new float[frames];
            for (int f = 0; f < frames; f++)
            {
                for (int v = 0; v < shapes; v++)
                {
                    int index = binding.BlendShapeOf(v);
                    if (index < 0) continue;
                    for (int t = 0; t < values.Length; t++)
                        if (binding.BlendShapeIndex(t) == index) values[t][f] = Math.Min(1f, values[t][f] + weights[f * shapes + v]);
                }
            }
            var clip = new AnimationClip { frameRate = (float)track.FrameRate };
            var kept = new int[frames];
            var ins = new float[frames];
            var outs = new float[frames];
            for (int t = 0; t < values.Length; t++)
            {
                var curveValues = values[t];
                for (int f = 0; f < frames; f++) curveValues[f] *= fullWeight;
                int count = CurveKeys.Reduce(curveValues, tolerance * fullWeight, kept);
                CurveKeys.LinearSlopes(curveValues, kept, count, track.FrameRate, ins, outs);
                var keys = new Keyframe[count];
                for (int k = 0; k < count; k++) keys[k] = new Keyframe((float)(kept[k] / track.FrameRate), curveValues[kept[k]], ins[k], outs[k]);
                var binding2 = EditorCurveBinding.FloatCurve(path, typeof(SkinnedMeshRenderer), "blendShape." + binding.BlendShapeName(t));
                AnimationUtility.SetEditorCurve(clip, binding2, new AnimationCurve(keys));
            }
            return clip;
        }

        [MenuItem("CONTEXT/BlendShapeBinder/Bake AnimationClip From Cue Track")]
        private static void BakeAnimationClipFromBinder(MenuCommand command)
        {
            var binder = command.context as BlendShapeBinder;
            if (binder == null) return;
            var player = binder.Source as CueTrackPlayer;
            var track = player != null && player.Track != null ? player.Track.Track : null;
            if (track == null)
            {
                Debug.LogError($"Hmm Lip Sync: the BlendShapeBinder '{binder.name}' needs a CueTrackPlayer with a valid cue track as its Source to bake from.", binder);
                return;
            }
            var clip = BakeAnimationClip(track, binder, binder.transform);
            if (clip == null) return;
            string trackPath = AssetDatabase.GetAssetPath(player.Track);
            string folder = string.IsNullOrEmpty(trackPath) ? "Assets" : Path.GetDirectoryName(trackPath);
            string assetPath = AssetDatabase.GenerateUniqueAssetPath(Path.Combine(folder, player.Track.name + ".anim").Replace('\\', '/'));
            AssetDatabase.CreateAsset(clip, assetPath);
            AssetDatabase.SaveAssets();
            Debug.Log($"Hmm Lip Sync: baked {binder.Binding.TargetCount} blend shape curves into {assetPath} (paths relative to '{binder.name}').", clip);
        }
    }
}

using System;
using System.Collections.Generic;
using System.Text;

namespace Hmm.Streaming;

/// <summary>
/// Which blend shapes of a mesh show the shapes of a <see cref="VisemeSet"/>, resolved by name once, and the weights to
/// set on them each frame: scaled to the rig's range (0-1, or 0-100 as Unity's <c>SkinnedMeshRenderer</c> takes them),
/// smoothed frame-rate independently, clamped. Several visemes may drive one blend shape (their weights add); a viseme
/// left unnamed drives none. Names that the mesh lacks are reported, one message listing them all, and left unbound.
/// <see cref="Apply"/> allocates nothing.
/// </summary>
public sealed class BlendShapeBinding
{
    /// <summary>Prefixes tried, in order, when a viseme has no name given and the mesh has no blend shape of its own name.</summary>
    public static IReadOnlyList<string> AutoPrefixes { get; } = new[] { "", "viseme_", "v_", "vrc.v_", "mouth_", "Mouth_", "MTH_", "Fcl_MTH_", "blendShape1." };

    private readonly int[] _target;       // per viseme: index into the targets, or -1
    private readonly int[] _targetIndex;  // per target: the mesh's blend shape index
    private readonly string[] _targetName;
    private readonly float[] _state;      // per target: the smoothed weight, 0 to 1

    private BlendShapeBinding(VisemeSet set, int[] target, int[] targetIndex, string[] targetName, string? problems)
    {
        Set = set;
        _target = target;
        _targetIndex = targetIndex;
        _targetName = targetName;
        _state = new float[targetIndex.Length];
        Problems = problems;
    }

    /// <summary>The viseme set whose weights <see cref="Apply"/> takes.</summary>
    public VisemeSet Set { get; }

    /// <summary>Blend shapes driven.</summary>
    public int TargetCount => _targetIndex.Length;

    /// <summary>Visemes bound to a blend shape.</summary>
    public int BoundVisemes { get; private set; }

    /// <summary>The mesh's index of target <paramref name="target"/> (what <c>SetBlendShapeWeight</c> takes).</summary>
    public int BlendShapeIndex(int target) => _targetIndex[target];

    /// <summary>The name of target <paramref name="target"/>.</summary>
    public string BlendShapeName(int target) => _targetName[target];

    /// <summary>The blend shape index viseme <paramref name="viseme"/> drives, or -1.</summary>
    public int BlendShapeOf(int viseme) => _target[viseme] < 0 ? -1 : _targetIndex[_target[viseme]];

    /// <summary>Names that were asked for but are not on the mesh, as one message (null when every name was found).</summary>
    public string? Problems { get; }

    /// <summary>Weight of a fully-on shape: 100 as Unity's blend shapes take them, or 1 (VRM, Ready Player Me's morph targets). Default 100.</summary>
    public float FullWeight { get; set; } = 100f;

    /// <summary>Multiplies the viseme weights before clamping to 0..1 (a louder or quieter mouth). Default 1.</summary>
    public float Gain { get; set; } = 1f;

    /// <summary>Time constant of the frame-rate independent smoothing on top of the processor's, seconds (0: none).</summary>
    public float SmoothingSeconds { get; set; }

    /// <summary>
    /// Binds <paramref name="set"/> to a mesh with blend shapes <paramref name="meshBlendShapes"/> (in index order).
    /// <paramref name="names"/> gives, per viseme index, the blend shape's name (null or empty: found automatically: the
    /// viseme's own name with each of <see cref="AutoPrefixes"/>, case-insensitive; "-": leave it unbound); null
    /// finds every one automatically. Names given but not on the mesh go into <see cref="Problems"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="names"/> does not have one entry per viseme.</exception>
    public static BlendShapeBinding Create(VisemeSet set, IReadOnlyList<string> meshBlendShapes, IReadOnlyList<string?>? names = null)
    {
        Guard.NotNull(meshBlendShapes, nameof(meshBlendShapes));
        var visemes = VisemeMap.ShapeNames(set);
        if (names is not null && names.Count != visemes.Count)
            throw new ArgumentException($"names has {names.Count} entries but {set} has {visemes.Count} shapes ({string.Join(" ", visemes)}).", nameof(names));
        var target = new int[visemes.Count];
        var targetIndex = new List<int>();
        var targetName = new List<string>();
        StringBuilder? missing = null;
        int bound = 0;
        for (int v = 0; v < visemes.Count; v++)
        {
            target[v] = -1;
            string? name = names?[v];
            int index;
            if (name == "-") continue;
            if (string.IsNullOrEmpty(name))
            {
                index = FindAutomatic(meshBlendShapes, visemes[v]);
                if (index < 0) continue;
            }
            else
            {
                index = IndexOf(meshBlendShapes, name!, StringComparison.Ordinal);
                if (index < 0) index = IndexOf(meshBlendShapes, name!, StringComparison.OrdinalIgnoreCase);
                if (index < 0)
                {
                    missing ??= new StringBuilder();
                    if (missing.Length > 0) missing.Append(", ");
                    missing.Append('\'').Append(name).Append("' (for ").Append(visemes[v]).Append(')');
                    continue;
                }
            }
            int t = targetIndex.IndexOf(index);
            if (t < 0)
            {
                t = targetIndex.Count;
                targetIndex.Add(index);
                targetName.Add(meshBlendShapes[index]);
            }
            target[v] = t;
            bound++;
        }
        string? problems = null;
        if (missing is not null)
        {
            problems = $"blend shape {missing} not on the mesh; it has {meshBlendShapes.Count} blend shapes"
                + (meshBlendShapes.Count == 0 ? "." : $": {string.Join(", ", Head(meshBlendShapes, 40))}{(meshBlendShapes.Count > 40 ? ", ..." : "")}.");
        }
        return new BlendShapeBinding(set, target, targetIndex.ToArray(), targetName.ToArray(), problems) { BoundVisemes = bound };
    }

    private static IEnumerable<string> Head(IReadOnlyList<string> names, int count)
    {
        for (int i = 0; i < names.Count && i < count; i++) yield return names[i];
    }

    private static int FindAutomatic(IReadOnlyList<string> mesh, string viseme)
    {
        foreach (string prefix in AutoPrefixes)
        {
            int i = IndexOf(mesh, prefix + viseme, StringComparison.OrdinalIgnoreCase);
            if (i >= 0) return i;
        }
        return -1;
    }

    private static int IndexOf(IReadOnlyList<string> names, string name, StringComparison comparison)
    {
        for (int i = 0; i < names.Count; i++) if (string.Equals(names[i], name, comparison)) return i;
        return -1;
    }

    /// <summary>
    /// Turns one frame's viseme weights into the targets' blend shape weights: summed per target, times <see cref="Gain"/>,
    /// clamped to 0..1, smoothed over <paramref name="deltaSeconds"/> since the last call, times <see cref="FullWeight"/>.
    /// Set target <c>i</c>'s weight <c>targetWeights[i]</c> on blend shape <see cref="BlendShapeIndex"/>(i). Allocates nothing.
    /// </summary>
    /// <param name="visemeWeights">One weight per shape of <see cref="Set"/> (<see cref="LipSyncFrame.Oculus"/> and the like).</param>
    /// <param name="deltaSeconds">Time since the last call (0 or more; <c>Time.deltaTime</c>).</param>
    /// <param name="targetWeights">Receives <see cref="TargetCount"/> weights.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, or the time is negative or not finite.</exception>
    public void Apply(ReadOnlySpan<float> visemeWeights, float deltaSeconds, Span<float> targetWeights)
    {
        if (visemeWeights.Length != _target.Length)
            throw new ArgumentException($"visemeWeights has {visemeWeights.Length} values but {Set} has {_target.Length} shapes.", nameof(visemeWeights));
        if (targetWeights.Length < _targetIndex.Length)
            throw new ArgumentException($"targetWeights has room for {targetWeights.Length} values but the binding drives {_targetIndex.Length} blend shapes.", nameof(targetWeights));
        if (!(deltaSeconds >= 0) || float.IsInfinity(deltaSeconds))
            throw new ArgumentException($"deltaSeconds must be finite and not negative, not {deltaSeconds}.", nameof(deltaSeconds));
        var sums = targetWeights.Slice(0, _targetIndex.Length);
        sums.Clear();
        for (int v = 0; v < _target.Length; v++)
        {
            int t = _target[v];
            if (t >= 0) sums[t] += visemeWeights[v];
        }
        float follow = SmoothingSeconds <= 0 ? 1f : 1f - (float)Math.Exp(-deltaSeconds / SmoothingSeconds);
        for (int t = 0; t < sums.Length; t++)
        {
            float w = sums[t] * Gain;
            w = w > 1f ? 1f : w < 0f || float.IsNaN(w) ? 0f : w;
            float s = _state[t] + follow * (w - _state[t]);
            _state[t] = s;
            sums[t] = s * FullWeight;
        }
    }

    /// <summary>Puts every smoothed weight back to 0 (the mouth at rest).</summary>
    public void Reset() => Array.Clear(_state, 0, _state.Length);
}

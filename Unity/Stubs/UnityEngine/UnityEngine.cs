// Signatures from the Unity 2022.3 LTS scripting reference, unchanged in Unity 6 (6000.0). Only what the package uses.
#pragma warning disable CS0067 // events never raised: nothing runs against a stub
using System;

namespace UnityEngine
{
    public class Object
    {
        public string name { get => throw null; set => throw null; }
        public static bool operator ==(Object x, Object y) => throw null;
        public static bool operator !=(Object x, Object y) => throw null;
        public static implicit operator bool(Object exists) => throw null;
        public override bool Equals(object other) => throw null;
        public override int GetHashCode() => throw null;
    }

    public class Component : Object
    {
        public GameObject gameObject => throw null;
        public Transform transform => throw null;
        public T GetComponent<T>() => throw null;
    }

    public class Behaviour : Component
    {
        public bool enabled { get => throw null; set => throw null; }
        public bool isActiveAndEnabled => throw null;
    }

    public class MonoBehaviour : Behaviour
    {
    }

    public class ScriptableObject : Object
    {
        public static T CreateInstance<T>() where T : ScriptableObject => throw null;
    }

    public sealed class GameObject : Object
    {
        public Transform transform => throw null;
        public T AddComponent<T>() where T : Component => throw null;
        public T GetComponent<T>() => throw null;
        public static GameObject CreatePrimitive(PrimitiveType type) => throw null;
    }

    public enum PrimitiveType
    {
        Sphere = 0,
        Capsule = 1,
        Cylinder = 2,
        Cube = 3,
        Plane = 4,
        Quad = 5,
    }

    public class Transform : Component
    {
        public Vector3 localPosition { get => throw null; set => throw null; }
        public Vector3 localScale { get => throw null; set => throw null; }
        public void SetParent(Transform parent, bool worldPositionStays) => throw null;
    }

    public struct Vector3
    {
        public float x;
        public float y;
        public float z;
        public Vector3(float x, float y, float z) => throw null;
    }

    public class AudioBehaviour : Behaviour
    {
    }

    public sealed class AudioSource : AudioBehaviour
    {
        public AudioClip clip { get => throw null; set => throw null; }
        public bool loop { get => throw null; set => throw null; }
        public bool isPlaying => throw null;
        public int timeSamples { get => throw null; set => throw null; }
        public void Play() => throw null;
    }

    public sealed class AudioClip : Object
    {
        public int samples => throw null;
        public int channels => throw null;
        public int frequency => throw null;
        public float length => throw null;
        public bool GetData(float[] data, int offsetSamples) => throw null;
    }

    public sealed class Microphone
    {
        public static string[] devices => throw null;
        public static AudioClip Start(string deviceName, bool loop, int lengthSec, int frequency) => throw null;
        public static void End(string deviceName) => throw null;
        public static int GetPosition(string deviceName) => throw null;
        public static bool IsRecording(string deviceName) => throw null;
        public static void GetDeviceCaps(string deviceName, out int minFreq, out int maxFreq) => throw null;
    }

    public sealed class AudioSettings
    {
        public delegate void AudioConfigurationChangeHandler(bool deviceWasChanged);
        public static event AudioConfigurationChangeHandler OnAudioConfigurationChanged;
        public static int outputSampleRate => throw null;
    }

    public class Debug
    {
        public static void Log(object message, Object context) => throw null;
        public static void LogWarning(object message, Object context) => throw null;
        public static void LogError(object message, Object context) => throw null;
    }

    public class Time
    {
        public static float deltaTime => throw null;
        public static double realtimeSinceStartupAsDouble => throw null;
    }

    public class Renderer : Component
    {
    }

    public class SkinnedMeshRenderer : Renderer
    {
        public Mesh sharedMesh { get => throw null; set => throw null; }
        public void SetBlendShapeWeight(int index, float value) => throw null;
    }

    public sealed class Mesh : Object
    {
        public int blendShapeCount => throw null;
        public string GetBlendShapeName(int shapeIndex) => throw null;
    }

    public class TextAsset : Object
    {
        public string text => throw null;
    }

    public class Motion : Object
    {
    }

    public sealed class AnimationClip : Motion
    {
        public float frameRate { get => throw null; set => throw null; }
    }

    public class AnimationCurve
    {
        public AnimationCurve(params Keyframe[] keys) => throw null;
    }

    public struct Keyframe
    {
        public Keyframe(float time, float value, float inTangent, float outTangent) => throw null;
    }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = false)]
    public class PropertyAttribute : Attribute
    {
    }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = false)]
    public sealed class SerializeField : Attribute
    {
    }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = false)]
    public class TooltipAttribute : PropertyAttribute
    {
        public TooltipAttribute(string tooltip) => throw null;
    }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = false)]
    public sealed class RangeAttribute : PropertyAttribute
    {
        public RangeAttribute(float min, float max) => throw null;
    }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = false)]
    public sealed class MinAttribute : PropertyAttribute
    {
        public MinAttribute(float min) => throw null;
    }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = false)]
    public class TextAreaAttribute : PropertyAttribute
    {
        public TextAreaAttribute() => throw null;
    }

    public sealed class AddComponentMenu : Attribute
    {
        public AddComponentMenu(string menuName) => throw null;
    }

    [AttributeUsage(AttributeTargets.Class, Inherited = false)]
    public sealed class DisallowMultipleComponent : Attribute
    {
    }

    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
    public sealed class RequireComponent : Attribute
    {
        public RequireComponent(Type requiredComponent) => throw null;
    }

    [AttributeUsage(AttributeTargets.Class, Inherited = false)]
    public sealed class CreateAssetMenuAttribute : Attribute
    {
        public string menuName { get => throw null; set => throw null; }
        public string fileName { get => throw null; set => throw null; }
    }
}

namespace UnityEngine.Events
{
    public abstract class UnityEventBase
    {
    }

    public class UnityEvent<T0> : UnityEventBase
    {
        public UnityEvent() => throw null;
        public void Invoke(T0 arg0) => throw null;
    }
}

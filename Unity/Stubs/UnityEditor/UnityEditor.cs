// Signatures from the Unity 2022.3 LTS scripting reference, unchanged in Unity 6 (6000.0). Only what the package uses.
using System;
using UnityEngine;

namespace UnityEditor
{
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class MenuItem : Attribute
    {
        public MenuItem(string itemName) => throw null;
        public MenuItem(string itemName, bool isValidateFunction) => throw null;
        public MenuItem(string itemName, bool isValidateFunction, int priority) => throw null;
    }

    public sealed class MenuCommand
    {
        public UnityEngine.Object context;
    }

    public sealed class Selection
    {
        public static UnityEngine.Object activeObject { get => throw null; set => throw null; }
    }

    public sealed class AssetDatabase
    {
        public static string GetAssetPath(UnityEngine.Object assetObject) => throw null;
        public static T LoadAssetAtPath<T>(string assetPath) where T : UnityEngine.Object => throw null;
        public static void CreateAsset(UnityEngine.Object asset, string path) => throw null;
        public static void SaveAssets() => throw null;
        public static string GenerateUniqueAssetPath(string path) => throw null;
    }

    public class AnimationUtility
    {
        public static string CalculateTransformPath(Transform targetTransform, Transform root) => throw null;
        public static void SetEditorCurve(AnimationClip clip, EditorCurveBinding binding, AnimationCurve curve) => throw null;
    }

    public struct EditorCurveBinding
    {
        public static EditorCurveBinding FloatCurve(string inPath, Type inType, string inPropertyName) => throw null;
    }
}

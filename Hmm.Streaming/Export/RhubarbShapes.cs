using System;

namespace Hmm.Streaming;

/// <summary>
/// Rhubarb Lip Sync's rules about its shapes: names, the Preston Blair names of its DAT exporter, and the reduction
/// of extended shapes (G, H, X) to basic ones when the target shape set (Rhubarb's <c>--extendedShapes</c>) leaves
/// them out. From rhubarb/src/core/Shape.cpp, animation/animationRules.cpp (<c>getBasicShape</c>),
/// animation/targetShapeSet.cpp and exporters/DatExporter.cpp of Rhubarb Lip Sync 1.14.0.
/// </summary>
public static class RhubarbShapes
{
    /// <summary>Rhubarb's default <c>--extendedShapes</c>: all three extended shapes.</summary>
    public const string AllExtendedShapes = "GHX";

    private static readonly string[] Names = ["A", "B", "C", "D", "E", "F", "G", "H", "X"];
    private static readonly string[] PrestonBlairNames = ["MBP", "etc", "E", "AI", "O", "U", "FV", "L", "rest"];
    private static readonly RhubarbShape[] Basic =
        [RhubarbShape.A, RhubarbShape.B, RhubarbShape.C, RhubarbShape.D, RhubarbShape.E, RhubarbShape.F, RhubarbShape.A, RhubarbShape.C, RhubarbShape.A];

    /// <summary>The shape's letter, as all of Rhubarb's formats write it (no allocation).</summary>
    public static string Name(RhubarbShape shape) => Names[Index(shape)];

    /// <summary>The Preston Blair name Rhubarb's DAT exporter writes with <c>--datUsePrestonBlair</c>: MBP, etc, E, AI, O, U, FV, L, rest.</summary>
    public static string PrestonBlairName(RhubarbShape shape) => PrestonBlairNames[Index(shape)];

    /// <summary>Whether the shape is one of the six basic shapes A to F, which every target set contains.</summary>
    public static bool IsBasic(RhubarbShape shape) => Index(shape) <= (int)RhubarbShape.F;

    /// <summary>The basic shape that stands in for <paramref name="shape"/>: G becomes A, H becomes C, X becomes A; basic shapes stay.</summary>
    public static RhubarbShape BasicShape(RhubarbShape shape) => Basic[Index(shape)];

    /// <summary>
    /// <paramref name="shape"/> if the target set has it, else its <see cref="BasicShape"/>: the target set is the basic
    /// shapes plus the letters of <paramref name="extendedShapes"/> (Rhubarb's <c>--extendedShapes</c>, e.g. <c>GHX</c>, <c>""</c>).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="extendedShapes"/> has a character that is not a shape letter.</exception>
    public static RhubarbShape ToTargetSet(RhubarbShape shape, string extendedShapes)
    {
        Index(shape);
        return IsBasic(shape) || ExtendedMask(extendedShapes).Contains(shape) ? shape : BasicShape(shape);
    }

    /// <summary>Checks an <c>--extendedShapes</c> string: each character a shape letter, in either case (as Rhubarb parses it).</summary>
    /// <exception cref="ArgumentException">A character is not a shape letter; the message is Rhubarb's.</exception>
    public static void ValidateExtendedShapes(string extendedShapes) => ExtendedMask(extendedShapes);

    internal static ShapeMask ExtendedMask(string extendedShapes)
    {
        Guard.NotNull(extendedShapes, nameof(extendedShapes));
        int mask = 0;
        foreach (char ch in extendedShapes)
        {
            char c = char.ToUpperInvariant(ch);
            int i = Array.IndexOf(Names, c.ToString());
            if (i < 0) throw new ArgumentException($"{ch} is not a valid Shape value.", nameof(extendedShapes));
            mask |= 1 << i;
        }
        return new ShapeMask(mask);
    }

    internal static int Index(RhubarbShape shape)
    {
        int i = (int)shape;
        if ((uint)i > (uint)RhubarbShape.X) throw new ArgumentOutOfRangeException(nameof(shape), shape, "not a Rhubarb shape.");
        return i;
    }

    internal readonly struct ShapeMask(int bits)
    {
        public bool Contains(RhubarbShape shape) => (bits & (1 << (int)shape)) != 0;

        /// <summary>The closed mouth Rhubarb ends every export with: X, or A when the set leaves X out.</summary>
        public RhubarbShape Rest => Contains(RhubarbShape.X) ? RhubarbShape.X : RhubarbShape.A;

        public RhubarbShape ToTarget(RhubarbShape shape) => IsBasic(shape) || Contains(shape) ? shape : BasicShape(shape);
    }
}

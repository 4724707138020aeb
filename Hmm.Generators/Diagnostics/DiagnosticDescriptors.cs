using Microsoft.CodeAnalysis;

namespace Hmm.Generators.Diagnostics;

/// <summary>The rules the lane-dispatch generator reports. IDs are listed in AnalyzerReleases.Unshipped.md.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Hmm.Generators";

    /// <summary>HMMGEN001: the target method is an instance method.</summary>
    public static readonly DiagnosticDescriptor MethodMustBeStatic = new(
        id: "HMMGEN001",
        title: "[LaneDispatch] method must be static",
        messageFormat: "Method '{0}' is marked [LaneDispatch] and must be static",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generated dispatcher is a static overload that calls the method with each lane type.");

    /// <summary>HMMGEN002: the containing type (or one around it) is not partial.</summary>
    public static readonly DiagnosticDescriptor TypeMustBePartial = new(
        id: "HMMGEN002",
        title: "Type containing a [LaneDispatch] method must be partial",
        messageFormat: "Type '{0}' must be partial because it contains the [LaneDispatch] method '{1}'",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The dispatcher is added in a generated partial declaration of the containing type and of every type around it.");

    /// <summary>HMMGEN003: the type parameters do not have the lane shape.</summary>
    public static readonly DiagnosticDescriptor InvalidLaneTypeParameters = new(
        id: "HMMGEN003",
        title: "[LaneDispatch] method needs lane type parameters",
        messageFormat: "Method '{0}' must start with two type parameters <TL, TV> where TL : struct, Hmm.Simd.ILane<TV> and TV : struct",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The dispatcher substitutes a lane type for the first type parameter and its register type for the second.");

    /// <summary>HMMGEN004: a containing type is generic.</summary>
    public static readonly DiagnosticDescriptor TypeMustNotBeGeneric = new(
        id: "HMMGEN004",
        title: "Type containing a [LaneDispatch] method must not be generic",
        messageFormat: "Type '{0}' must not be generic because it contains the [LaneDispatch] method '{1}'",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Lane dispatchers are generated only in non-generic types.");

    /// <summary>HMMGEN005: a method with the dispatcher's signature already exists.</summary>
    public static readonly DiagnosticDescriptor DispatcherAlreadyExists = new(
        id: "HMMGEN005",
        title: "A method with the dispatcher's signature already exists",
        messageFormat: "No dispatcher is generated for '{0}' because the type already declares an overload with the same signature",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "The generated overload would conflict with a hand-written method of the same name and parameters.");

    /// <summary>HMMGEN006: a kept type parameter's constraint mentions the lane or register type.</summary>
    public static readonly DiagnosticDescriptor ConstraintDependsOnLane = new(
        id: "HMMGEN006",
        title: "Constraint depends on the lane type",
        messageFormat: "The constraints of type parameter '{0}' of method '{1}' depend on the lane type",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The dispatcher keeps every type parameter after the first two and has no lane type, so their constraints cannot mention it.");

    /// <summary>HMMGEN007: a parameter or the return type mentions the lane or register type.</summary>
    public static readonly DiagnosticDescriptor SignatureDependsOnLane = new(
        id: "HMMGEN007",
        title: "Signature depends on the lane type",
        messageFormat: "The {0} of method '{1}' depends on the lane type",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The dispatcher has no lane type parameters, so the method's parameters and return type cannot mention them.");

    /// <summary>HMMGEN008: a <c>[FixedWidthLane]</c> type is not a top-level, non-generic readonly partial struct.</summary>
    public static readonly DiagnosticDescriptor LaneMustBeReadonlyPartialStruct = new(
        id: "HMMGEN008",
        title: "[FixedWidthLane] type must be a top-level readonly partial struct",
        messageFormat: "Struct '{0}' is marked [FixedWidthLane] and must be a top-level, non-generic readonly partial struct",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The lane members are added in a generated 'readonly partial struct' declaration at namespace level.");

    /// <summary>HMMGEN009: the requested register width has no template.</summary>
    public static readonly DiagnosticDescriptor UnsupportedLaneWidth = new(
        id: "HMMGEN009",
        title: "Unsupported fixed-width lane width",
        messageFormat: "Struct '{0}' asks for {1}-bit lanes; the fixed-width lane template supports 128, 256 and 512",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The template targets System.Runtime.Intrinsics.Vector128/256/512<float>, the widths with FusedMultiplyAdd and Floor.");
}

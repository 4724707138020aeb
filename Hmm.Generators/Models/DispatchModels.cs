namespace Hmm.Generators.Models;

/// <summary>One type declaration around the target method, outermost first in <see cref="DispatchMethodModel.ContainingTypes"/>.</summary>
/// <param name="Modifiers">The declaration's modifiers as written (including <c>partial</c>), e.g. <c>public static partial</c>.</param>
/// <param name="Keyword"><c>class</c>, <c>struct</c>, <c>interface</c>, <c>record</c>, <c>record class</c> or <c>record struct</c>.</param>
/// <param name="Name">The identifier as written (keeps a leading <c>@</c>).</param>
internal sealed record ContainingTypeModel(string Modifiers, string Keyword, string Name);

/// <summary>A type parameter the dispatcher keeps (every one after the lane type and the register type).</summary>
/// <param name="Name">The identifier as written.</param>
/// <param name="Constraints">The constraint list after <c>where T :</c>, or empty for none.</param>
internal sealed record TypeParameterModel(string Name, string Constraints);

/// <summary>One parameter of the target method, as the dispatcher declares and forwards it.</summary>
/// <param name="Modifiers">Declaration modifiers as written (<c>scoped ref</c>, <c>in</c>, <c>params</c>, ...), or empty.</param>
/// <param name="Type">Fully qualified type, with nullable annotations.</param>
/// <param name="Name">The identifier as written (keeps a leading <c>@</c>).</param>
/// <param name="ArgumentModifier">The keyword the call site needs (<c>ref</c>, <c>in</c>, <c>out</c>), or empty.</param>
internal sealed record ParameterModel(string Modifiers, string Type, string Name, string ArgumentModifier);

/// <summary>Everything the emitter needs for one <c>[LaneDispatch]</c> method.</summary>
/// <param name="Namespace">Containing namespace, or empty for the global namespace.</param>
/// <param name="ContainingTypes">Containing type declarations, outermost first.</param>
/// <param name="Modifiers">Accessibility (as written), <c>static</c> and <c>unsafe</c> where the target has it.</param>
/// <param name="ReturnType">Return type including <c>ref</c>/<c>ref readonly</c>, fully qualified.</param>
/// <param name="ReturnKind">How the dispatcher returns the target's result.</param>
/// <param name="Name">Method identifier as written.</param>
/// <param name="TypeParameters">The type parameters after the first two.</param>
/// <param name="Parameters">The target's parameters.</param>
/// <param name="WidthParameterName">Name of the added <c>SimdWidth</c> parameter (<c>width</c> unless that is taken).</param>
internal sealed record DispatchMethodModel(
    string Namespace,
    EquatableArray<ContainingTypeModel> ContainingTypes,
    string Modifiers,
    string ReturnType,
    ReturnKind ReturnKind,
    string Name,
    EquatableArray<TypeParameterModel> TypeParameters,
    EquatableArray<ParameterModel> Parameters,
    string WidthParameterName);

/// <summary>How the generated dispatcher passes the target's result back.</summary>
internal enum ReturnKind
{
    /// <summary><c>void</c>: call, then <c>return;</c>.</summary>
    Void,
    /// <summary>By value: <c>return Method(...);</c>.</summary>
    Value,
    /// <summary>By reference: <c>return ref Method(...);</c>.</summary>
    Reference,
}

/// <summary>The transform's result for one attributed method: a model when valid, and the diagnostics found.</summary>
/// <param name="Method">The model, or null when a diagnostic error prevents generation.</param>
/// <param name="Diagnostics">Diagnostics to report for this method.</param>
internal sealed record MethodResult(DispatchMethodModel? Method, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>All dispatchers for one containing type: one generated file.</summary>
/// <param name="HintName">The generated file's hint name.</param>
/// <param name="Namespace">Containing namespace, or empty.</param>
/// <param name="ContainingTypes">The type and its containing types, outermost first.</param>
/// <param name="Methods">The methods in source order.</param>
internal sealed record TypeDispatchModel(
    string HintName,
    string Namespace,
    EquatableArray<ContainingTypeModel> ContainingTypes,
    EquatableArray<DispatchMethodModel> Methods);

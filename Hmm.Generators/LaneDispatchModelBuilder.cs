using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using Hmm.Generators.Diagnostics;
using Hmm.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hmm.Generators;

/// <summary>Turns an attributed method (symbol + syntax) into an equatable model, validating it on the way.</summary>
internal static class LaneDispatchModelBuilder
{
    /// <summary>Fully qualified (<c>global::</c>) type names that keep <c>?</c> annotations.</summary>
    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>Namespace names without <c>global::</c>, keywords escaped.</summary>
    private static readonly SymbolDisplayFormat NamespaceFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted);

    /// <summary>Validates <paramref name="method"/> and builds its model, or the diagnostics that prevent one.</summary>
    public static MethodResult Build(MethodDeclarationSyntax syntax, IMethodSymbol method, CancellationToken cancellationToken)
    {
        ImmutableArray<DiagnosticInfo>.Builder diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        LocationInfo? methodLocation = LocationInfo.From(syntax.Identifier);
        string methodName = method.Name;

        if (!method.IsStatic)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MethodMustBeStatic, methodLocation, methodName));
        }

        EquatableArray<ContainingTypeModel> containingTypes = BuildContainingTypes(syntax, method, methodName, diagnostics);

        ITypeParameterSymbol? laneType = null, registerType = null;
        if (HasLaneShape(method))
        {
            laneType = method.TypeParameters[0];
            registerType = method.TypeParameters[1];
        }
        else
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLaneTypeParameters, methodLocation, methodName));
        }

        cancellationToken.ThrowIfCancellationRequested();

        // Everything below needs the lane type parameters; without them HMMGEN003 is already reported.
        if (laneType is null || registerType is null)
        {
            return new MethodResult(null, diagnostics.ToImmutable().ToEquatableArray());
        }

        ImmutableArray<TypeParameterModel>.Builder typeParameters = ImmutableArray.CreateBuilder<TypeParameterModel>();
        for (int i = 2; i < method.TypeParameters.Length; i++)
        {
            ITypeParameterSymbol typeParameter = method.TypeParameters[i];
            TypeParameterSyntax? typeParameterSyntax = syntax.TypeParameterList?.Parameters[i];
            if (typeParameter.ConstraintTypes.Any(c => Mentions(c, laneType, registerType)))
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.ConstraintDependsOnLane,
                    typeParameterSyntax is null ? methodLocation : LocationInfo.From(typeParameterSyntax.Identifier),
                    typeParameter.Name,
                    methodName));
                continue;
            }
            typeParameters.Add(new TypeParameterModel(
                typeParameterSyntax?.Identifier.Text ?? typeParameter.Name, BuildConstraints(typeParameter)));
        }

        if (Mentions(method.ReturnType, laneType, registerType))
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.SignatureDependsOnLane, LocationInfo.From(syntax.ReturnType), "return type", methodName));
        }

        ImmutableArray<ParameterModel>.Builder parameters = ImmutableArray.CreateBuilder<ParameterModel>();
        for (int i = 0; i < method.Parameters.Length; i++)
        {
            IParameterSymbol parameter = method.Parameters[i];
            ParameterSyntax parameterSyntax = syntax.ParameterList.Parameters[i];
            if (Mentions(parameter.Type, laneType, registerType))
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.SignatureDependsOnLane,
                    LocationInfo.From(parameterSyntax.Type ?? (SyntaxNode)parameterSyntax),
                    $"parameter '{parameter.Name}'",
                    methodName));
                continue;
            }
            parameters.Add(BuildParameter(parameter, parameterSyntax));
        }

        // A hand-written overload is only worth looking for when the method is otherwise valid.
        if (diagnostics.Count == 0 && HasConflictingOverload(method))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DispatcherAlreadyExists, methodLocation, methodName));
        }

        if (diagnostics.Count > 0)
        {
            return new MethodResult(null, diagnostics.ToImmutable().ToEquatableArray());
        }

        var model = new DispatchMethodModel(
            Namespace: method.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString(NamespaceFormat) : string.Empty,
            ContainingTypes: containingTypes,
            Modifiers: BuildMethodModifiers(syntax),
            ReturnType: BuildReturnType(method),
            ReturnKind: method.ReturnsVoid ? ReturnKind.Void : method.RefKind == RefKind.None ? ReturnKind.Value : ReturnKind.Reference,
            Name: syntax.Identifier.Text,
            TypeParameters: typeParameters.ToImmutable().ToEquatableArray(),
            Parameters: parameters.ToImmutable().ToEquatableArray(),
            WidthParameterName: ChooseWidthName(syntax, typeParameters));
        return new MethodResult(model, EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>
    /// Groups method models by containing type, in the order the methods arrive (source order), and gives each
    /// group a unique hint name.
    /// </summary>
    public static ImmutableArray<TypeDispatchModel> GroupByType(ImmutableArray<DispatchMethodModel> methods)
    {
        var order = new List<string>();
        var groups = new Dictionary<string, List<DispatchMethodModel>>(StringComparer.Ordinal);
        foreach (DispatchMethodModel method in methods)
        {
            // Namespace plus the chain of type names identifies a type: containing types are never generic.
            string key = method.Namespace + "|" + string.Join("+", method.ContainingTypes.Select(static t => t.Name));
            if (!groups.TryGetValue(key, out List<DispatchMethodModel>? list))
            {
                list = new List<DispatchMethodModel>();
                groups.Add(key, list);
                order.Add(key);
            }
            list.Add(method);
        }

        var usedHintNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        ImmutableArray<TypeDispatchModel>.Builder result = ImmutableArray.CreateBuilder<TypeDispatchModel>(order.Count);
        foreach (string key in order)
        {
            List<DispatchMethodModel> list = groups[key];
            DispatchMethodModel first = list[0];
            string baseName = BuildHintBaseName(first);
            string hintName = baseName + ".LaneDispatch.g.cs";
            // Namespace "A.B" + type C and namespace "A" + nested type B.C give the same dotted name; AddSource
            // throws on a duplicate hint name, so later groups get a numeric suffix.
            for (int n = 2; !usedHintNames.Add(hintName); n++)
            {
                hintName = baseName + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".LaneDispatch.g.cs";
            }
            result.Add(new TypeDispatchModel(hintName, first.Namespace, first.ContainingTypes, list.ToEquatableArray()));
        }
        return result.MoveToImmutable();
    }

    private static string BuildHintBaseName(DispatchMethodModel method)
    {
        IEnumerable<string> parts = method.ContainingTypes.Select(static t => t.Name);
        if (method.Namespace.Length > 0) parts = new[] { method.Namespace }.Concat(parts);
        // '@' (verbatim identifiers) is not a legal hint-name character.
        return string.Join(".", parts).Replace("@", string.Empty);
    }

    private static EquatableArray<ContainingTypeModel> BuildContainingTypes(
        MethodDeclarationSyntax syntax, IMethodSymbol method, string methodName, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
    {
        var models = new List<ContainingTypeModel>();
        INamedTypeSymbol? type = method.ContainingType;
        // Walk the declarations from the method outwards; each one lines up with the next containing type symbol.
        foreach (TypeDeclarationSyntax declaration in syntax.Ancestors().OfType<TypeDeclarationSyntax>())
        {
            string typeName = type?.ToDisplayString() ?? declaration.Identifier.ValueText;
            LocationInfo? location = LocationInfo.From(declaration.Identifier);
            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeMustBePartial, location, typeName, methodName));
            }
            if (declaration.TypeParameterList is not null || type is { IsGenericType: true })
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeMustNotBeGeneric, location, typeName, methodName));
            }
            models.Add(new ContainingTypeModel(
                string.Join(" ", declaration.Modifiers.Select(static m => m.Text)),
                declaration is RecordDeclarationSyntax record && !record.ClassOrStructKeyword.IsKind(SyntaxKind.None)
                    ? record.Keyword.Text + " " + record.ClassOrStructKeyword.Text
                    : declaration.Keyword.Text,
                declaration.Identifier.Text));
            type = type?.ContainingType;
        }
        models.Reverse();
        return models.ToEquatableArray();
    }

    /// <summary>TL : struct, Hmm.Simd.ILane&lt;TV&gt; and TV : struct, as the first two type parameters.</summary>
    private static bool HasLaneShape(IMethodSymbol method)
    {
        if (method.TypeParameters.Length < 2) return false;
        ITypeParameterSymbol lane = method.TypeParameters[0], register = method.TypeParameters[1];
        return lane.HasValueTypeConstraint
            && register.HasValueTypeConstraint
            && lane.ConstraintTypes.Any(c => c is INamedTypeSymbol { Name: "ILane", Arity: 1 } named
                && IsHmmSimd(named.ContainingNamespace)
                && SymbolEqualityComparer.Default.Equals(named.TypeArguments[0], register));
    }

    private static bool IsHmmSimd(INamespaceSymbol? ns) =>
        ns is { Name: "Simd", ContainingNamespace: { Name: "Hmm", ContainingNamespace.IsGlobalNamespace: true } };

    /// <summary>True when <paramref name="type"/> mentions either type parameter anywhere inside it.</summary>
    private static bool Mentions(ITypeSymbol type, ITypeParameterSymbol a, ITypeParameterSymbol b)
    {
        switch (type)
        {
            case ITypeParameterSymbol parameter:
                return SymbolEqualityComparer.Default.Equals(parameter, a) || SymbolEqualityComparer.Default.Equals(parameter, b);
            case IArrayTypeSymbol array:
                return Mentions(array.ElementType, a, b);
            case IPointerTypeSymbol pointer:
                return Mentions(pointer.PointedAtType, a, b);
            case IFunctionPointerTypeSymbol functionPointer:
                return Mentions(functionPointer.Signature.ReturnType, a, b)
                    || functionPointer.Signature.Parameters.Any(p => Mentions(p.Type, a, b));
            case INamedTypeSymbol named:
                return named.TypeArguments.Any(t => Mentions(t, a, b))
                    || (named.ContainingType is not null && Mentions(named.ContainingType, a, b));
            default:
                return false;
        }
    }

    /// <summary>The constraint list of a kept type parameter, in the order C# requires.</summary>
    private static string BuildConstraints(ITypeParameterSymbol typeParameter)
    {
        var parts = new List<string>();
        // unmanaged implies HasValueTypeConstraint, so it is tested first and struct is then left out.
        if (typeParameter.HasUnmanagedTypeConstraint) parts.Add("unmanaged");
        else if (typeParameter.HasValueTypeConstraint) parts.Add("struct");
        else if (typeParameter.HasReferenceTypeConstraint)
            parts.Add(typeParameter.ReferenceTypeConstraintNullableAnnotation == NullableAnnotation.Annotated ? "class?" : "class");
        else if (typeParameter.HasNotNullConstraint) parts.Add("notnull");

        for (int i = 0; i < typeParameter.ConstraintTypes.Length; i++)
        {
            ITypeSymbol constraint = typeParameter.ConstraintTypes[i];
            // The nullable annotation of a constraint type lives in the parallel ConstraintNullableAnnotations array.
            parts.Add(constraint.WithNullableAnnotation(typeParameter.ConstraintNullableAnnotations[i]).ToDisplayString(TypeFormat));
        }

        if (typeParameter.HasConstructorConstraint) parts.Add("new()");
        if (typeParameter.AllowsRefLikeType) parts.Add("allows ref struct");
        return string.Join(", ", parts);
    }

    private static ParameterModel BuildParameter(IParameterSymbol parameter, ParameterSyntax syntax)
    {
        // Modifiers as written (scoped, ref, readonly, in, out, params); `this` goes because the dispatcher's
        // first parameter is the width, so it cannot be an extension method.
        string modifiers = string.Join(" ", syntax.Modifiers
            .Where(static m => !m.IsKind(SyntaxKind.ThisKeyword))
            .Select(static m => m.Text));
        string argumentModifier = parameter.RefKind switch
        {
            RefKind.Ref => "ref",
            RefKind.Out => "out",
            // A `ref readonly` parameter is a readonly variable here; `in` passes it on without a copy or a warning.
            RefKind.In or RefKind.RefReadOnlyParameter => "in",
            _ => string.Empty,
        };
        return new ParameterModel(modifiers, parameter.Type.ToDisplayString(TypeFormat), syntax.Identifier.Text, argumentModifier);
    }

    private static string BuildMethodModifiers(MethodDeclarationSyntax syntax)
    {
        var builder = new StringBuilder();
        foreach (SyntaxToken modifier in syntax.Modifiers)
        {
            // Same accessibility as written (none written keeps the same default in the same type).
            if (modifier.IsKind(SyntaxKind.PublicKeyword) || modifier.IsKind(SyntaxKind.InternalKeyword)
                || modifier.IsKind(SyntaxKind.ProtectedKeyword) || modifier.IsKind(SyntaxKind.PrivateKeyword))
            {
                builder.Append(modifier.Text).Append(' ');
            }
        }
        builder.Append("static");
        // Pointer parameters need an unsafe context; copying `unsafe` keeps such signatures legal.
        if (syntax.Modifiers.Any(SyntaxKind.UnsafeKeyword)) builder.Append(" unsafe");
        return builder.ToString();
    }

    private static string BuildReturnType(IMethodSymbol method)
    {
        if (method.ReturnsVoid) return "void";
        string type = method.ReturnType.ToDisplayString(TypeFormat);
        return method.RefKind switch
        {
            RefKind.Ref => "ref " + type,
            RefKind.RefReadOnly => "ref readonly " + type,
            _ => type,
        };
    }

    /// <summary><c>width</c>, unless a parameter or kept type parameter already uses that name.</summary>
    private static string ChooseWidthName(MethodDeclarationSyntax syntax, IEnumerable<TypeParameterModel> typeParameters)
    {
        var taken = new HashSet<string>(syntax.ParameterList.Parameters.Select(static p => p.Identifier.ValueText), StringComparer.Ordinal);
        foreach (TypeParameterModel typeParameter in typeParameters) taken.Add(typeParameter.Name.TrimStart('@'));
        if (!taken.Contains("width")) return "width";
        if (!taken.Contains("simdWidth")) return "simdWidth";
        for (int n = 2; ; n++)
        {
            string candidate = "width" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!taken.Contains(candidate)) return candidate;
        }
    }

    /// <summary>
    /// True when the type already declares <c>Name&lt;T3...&gt;(SimdWidth, params...)</c>: the generated overload
    /// would then be a duplicate member (CS0111).
    /// </summary>
    private static bool HasConflictingOverload(IMethodSymbol method)
    {
        int arity = method.TypeParameters.Length - 2;
        foreach (ISymbol member in method.ContainingType.GetMembers(method.Name))
        {
            if (member is not IMethodSymbol other
                || SymbolEqualityComparer.Default.Equals(other.OriginalDefinition, method.OriginalDefinition)
                || other.TypeParameters.Length != arity
                || other.Parameters.Length != method.Parameters.Length + 1
                || other.Parameters[0].Type is not INamedTypeSymbol { Name: "SimdWidth" } width
                || !IsHmmSimd(width.ContainingNamespace))
            {
                continue;
            }

            bool same = true;
            for (int i = 0; i < method.Parameters.Length && same; i++)
            {
                IParameterSymbol mine = method.Parameters[i], theirs = other.Parameters[i + 1];
                // C# overloads cannot differ only between ref, in and out: any by-ref kind matches any other.
                same = (mine.RefKind == RefKind.None) == (theirs.RefKind == RefKind.None)
                    && SameType(theirs.Type, mine.Type);
            }
            if (same) return true;
        }
        return false;
    }

    /// <summary>
    /// Signature type equality where the other method's type parameter k stands for this method's k + 2 (the
    /// dispatcher drops the first two).
    /// </summary>
    private static bool SameType(ITypeSymbol theirs, ITypeSymbol mine)
    {
        switch (theirs)
        {
            case ITypeParameterSymbol { TypeParameterKind: TypeParameterKind.Method } theirParameter:
                return mine is ITypeParameterSymbol { TypeParameterKind: TypeParameterKind.Method } myParameter
                    && myParameter.Ordinal == theirParameter.Ordinal + 2;
            case IArrayTypeSymbol theirArray:
                return mine is IArrayTypeSymbol myArray && myArray.Rank == theirArray.Rank
                    && SameType(theirArray.ElementType, myArray.ElementType);
            case IPointerTypeSymbol theirPointer:
                return mine is IPointerTypeSymbol myPointer && SameType(theirPointer.PointedAtType, myPointer.PointedAtType);
            case INamedTypeSymbol { IsGenericType: true } theirNamed:
                if (mine is not INamedTypeSymbol { IsGenericType: true } myNamed
                    || !SymbolEqualityComparer.Default.Equals(theirNamed.OriginalDefinition, myNamed.OriginalDefinition))
                {
                    return false;
                }
                for (int i = 0; i < theirNamed.TypeArguments.Length; i++)
                {
                    if (!SameType(theirNamed.TypeArguments[i], myNamed.TypeArguments[i])) return false;
                }
                return true;
            default:
                return SymbolEqualityComparer.Default.Equals(theirs, mine);
        }
    }
}

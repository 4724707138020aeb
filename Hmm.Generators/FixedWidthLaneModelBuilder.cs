using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Hmm.Generators.Diagnostics;
using Hmm.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hmm.Generators;

/// <summary>Turns a <c>[FixedWidthLane]</c> struct (symbol + syntax) into an equatable model, validating it.</summary>
internal static class FixedWidthLaneModelBuilder
{
    /// <summary>The widths the template knows: the <c>System.Runtime.Intrinsics</c> float vectors with FMA and Floor.</summary>
    public static readonly ImmutableArray<int> SupportedBits = ImmutableArray.Create(128, 256, 512);

    private static readonly SymbolDisplayFormat NamespaceFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted);

    /// <summary>Validates <paramref name="type"/> and builds its model, or the diagnostics that prevent one.</summary>
    public static FixedWidthLaneResult Build(
        StructDeclarationSyntax syntax, INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        ImmutableArray<DiagnosticInfo>.Builder diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        LocationInfo? location = LocationInfo.From(syntax.Identifier);

        // The generated part repeats 'readonly partial struct' at namespace level; anything else would not merge.
        bool shapeOk = syntax.Modifiers.Any(SyntaxKind.PartialKeyword)
            && syntax.Modifiers.Any(SyntaxKind.ReadOnlyKeyword)
            && type.ContainingType is null
            && type.TypeParameters.IsEmpty;
        if (!shapeOk)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LaneMustBeReadonlyPartialStruct, location, type.Name));
        }

        cancellationToken.ThrowIfCancellationRequested();

        int bits = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int value ? value : 0;
        if (!SupportedBits.Contains(bits))
        {
            LocationInfo? argumentLocation = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax attributeSyntax
                ? LocationInfo.From(attributeSyntax)
                : location;
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.UnsupportedLaneWidth, argumentLocation, type.Name, bits.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (diagnostics.Count > 0)
        {
            return new FixedWidthLaneResult(null, diagnostics.ToImmutable().ToEquatableArray());
        }

        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString(NamespaceFormat) : string.Empty;
        string name = syntax.Identifier.Text;
        string hintName = (ns.Length > 0 ? ns + "." : string.Empty) + name.TrimStart('@') + ".FixedWidthLane.g.cs";
        return new FixedWidthLaneResult(new FixedWidthLaneModel(hintName, ns, name, bits), EquatableArray<DiagnosticInfo>.Empty);
    }
}

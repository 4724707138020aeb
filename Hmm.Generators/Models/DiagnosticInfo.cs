using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Hmm.Generators.Models;

/// <summary>
/// Where a diagnostic points, stored as plain values: a <see cref="Location"/> holds its syntax tree, which
/// would keep the whole compilation alive in the generator cache and never compare equal across runs.
/// </summary>
/// <param name="FilePath">Path of the syntax tree.</param>
/// <param name="TextSpan">Character span in the file.</param>
/// <param name="LineSpan">Line/column span, so that the rebuilt location reports the same position.</param>
internal sealed record LocationInfo(string FilePath, TextSpan TextSpan, LinePositionSpan LineSpan)
{
    /// <summary>Rebuilds a <see cref="Location"/> for reporting.</summary>
    public Location ToLocation() => Location.Create(FilePath, TextSpan, LineSpan);

    /// <summary>Captures <paramref name="location"/>; null when it is not in source.</summary>
    public static LocationInfo? From(Location location)
    {
        if (location.SourceTree is null) return null;
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    /// <summary>Captures the location of <paramref name="token"/>.</summary>
    public static LocationInfo? From(SyntaxToken token) => From(token.GetLocation());

    /// <summary>Captures the location of <paramref name="node"/>.</summary>
    public static LocationInfo? From(SyntaxNode node) => From(node.GetLocation());
}

/// <summary>An equatable description of a diagnostic, reported later from the source-output step.</summary>
/// <param name="Descriptor">The rule (a static instance, equatable by value).</param>
/// <param name="Location">Where it points; null for no location.</param>
/// <param name="MessageArgs">Arguments for the message format.</param>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> MessageArgs)
{
    /// <summary>Creates the info for <paramref name="descriptor"/> at <paramref name="location"/>.</summary>
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] messageArgs) =>
        new(descriptor, location, messageArgs.ToEquatableArray());

    /// <summary>Builds the <see cref="Diagnostic"/> to report.</summary>
    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptor, Location?.ToLocation(), MessageArgs.Select(static a => (object?)a).ToArray());
}

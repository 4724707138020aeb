using Hmm.Generators.Emit;
using Hmm.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hmm.Generators;

/// <summary>
/// For every static method marked <c>[Hmm.Simd.LaneDispatch]</c> of the shape
/// <c>M&lt;TL, TV, ...&gt;(...) where TL : struct, ILane&lt;TV&gt; where TV : struct</c>, generates the overload
/// <c>M&lt;...&gt;(SimdWidth width, ...)</c> that calls <c>M</c> with the lane type <c>width</c> names.
/// </summary>
/// <remarks>
/// The pipeline only builds equatable models (<see cref="LaneDispatchModelBuilder"/>); the text is written by
/// <see cref="LaneDispatchEmitter"/>. Keeping symbols and syntax out of the models lets Roslyn cache every
/// step, so typing in unrelated files does not re-run the emitter.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class LaneDispatchGenerator : IIncrementalGenerator
{
    /// <summary>Metadata name of the marker attribute the generator adds to each compilation.</summary>
    public const string AttributeMetadataName = "Hmm.Simd.LaneDispatchAttribute";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        context.RegisterPostInitializationOutput(static output =>
        {
            // [Embedded] hides the marker from other assemblies: Hmm.Core grants InternalsVisibleTo to projects
            // that may run this generator too, and two visible internal copies would collide (CS0436).
            output.AddEmbeddedAttributeDefinition();
            output.AddSource(LaneDispatchEmitter.AttributeHintName, LaneDispatchEmitter.AttributeSource);
        });

        IncrementalValuesProvider<MethodResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeMetadataName,
                // Local functions can carry method attributes too; only members can get an overload.
                predicate: static (node, _) => node is MethodDeclarationSyntax,
                transform: static (ctx, ct) => LaneDispatchModelBuilder.Build(
                    (MethodDeclarationSyntax)ctx.TargetNode, (IMethodSymbol)ctx.TargetSymbol, ct))
            .WithTrackingName(TrackingNames.MethodResults);

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = results
            .Select(static (result, _) => result.Diagnostics)
            .Where(static list => !list.IsEmpty)
            .WithTrackingName(TrackingNames.Diagnostics);

        context.RegisterSourceOutput(diagnostics, static (output, list) =>
        {
            foreach (DiagnosticInfo info in list)
            {
                output.ReportDiagnostic(info.ToDiagnostic());
            }
        });

        IncrementalValuesProvider<TypeDispatchModel> types = results
            .Select(static (result, _) => result.Method)
            .Where(static method => method is not null)
            .Select(static (method, _) => method!)
            .WithTrackingName(TrackingNames.Methods)
            // Methods of one type may sit in several partial declarations (or files) but share one output file,
            // so they are grouped over the whole set; unchanged groups compare equal and stay cached.
            .Collect()
            .WithTrackingName(TrackingNames.CollectedMethods)
            .SelectMany(static (methods, _) => LaneDispatchModelBuilder.GroupByType(methods))
            .WithTrackingName(TrackingNames.Types);

        context.RegisterSourceOutput(types, static (output, type) =>
            output.AddSource(type.HintName, LaneDispatchEmitter.Emit(type)));
    }
}

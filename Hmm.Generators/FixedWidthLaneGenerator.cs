using Hmm.Generators.Emit;
using Hmm.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hmm.Generators;

/// <summary>
/// For every <c>[Hmm.Simd.FixedWidthLane(bits)] readonly partial struct</c>, generates its members as the
/// <c>ILane</c> over <c>System.Runtime.Intrinsics.Vector{bits}&lt;float&gt;</c> from one template, so that
/// <c>Lane128</c>, <c>Lane256</c> and <c>Lane512</c> (and their inlined Cephes exp/log) are written once.
/// </summary>
/// <remarks>
/// Same layout as <see cref="LaneDispatchGenerator"/>: the pipeline builds equatable models
/// (<see cref="FixedWidthLaneModelBuilder"/>) and <see cref="FixedWidthLaneEmitter"/> writes the text.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class FixedWidthLaneGenerator : IIncrementalGenerator
{
    /// <summary>Metadata name of the marker attribute the generator adds to each compilation.</summary>
    public const string AttributeMetadataName = "Hmm.Simd.FixedWidthLaneAttribute";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        context.RegisterPostInitializationOutput(static output =>
        {
            // [Embedded] for the same reason as LaneDispatchAttribute: the marker must stay invisible to other assemblies.
            output.AddEmbeddedAttributeDefinition();
            output.AddSource(FixedWidthLaneEmitter.AttributeHintName, FixedWidthLaneEmitter.AttributeSource);
        });

        IncrementalValuesProvider<FixedWidthLaneResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeMetadataName,
                predicate: static (node, _) => node is StructDeclarationSyntax,
                transform: static (ctx, ct) => FixedWidthLaneModelBuilder.Build(
                    (StructDeclarationSyntax)ctx.TargetNode, (INamedTypeSymbol)ctx.TargetSymbol, ctx.Attributes[0], ct))
            .WithTrackingName(TrackingNames.LaneResults);

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = results
            .Select(static (result, _) => result.Diagnostics)
            .Where(static list => !list.IsEmpty)
            .WithTrackingName(TrackingNames.LaneDiagnostics);

        context.RegisterSourceOutput(diagnostics, static (output, list) =>
        {
            foreach (DiagnosticInfo info in list)
            {
                output.ReportDiagnostic(info.ToDiagnostic());
            }
        });

        IncrementalValuesProvider<FixedWidthLaneModel> lanes = results
            .Select(static (result, _) => result.Lane)
            .Where(static lane => lane is not null)
            .Select(static (lane, _) => lane!)
            .WithTrackingName(TrackingNames.Lanes);

        context.RegisterSourceOutput(lanes, static (output, lane) =>
            output.AddSource(lane.HintName, FixedWidthLaneEmitter.Emit(lane)));
    }
}

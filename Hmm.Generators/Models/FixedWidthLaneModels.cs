namespace Hmm.Generators.Models;

/// <summary>Everything the emitter needs for one <c>[FixedWidthLane]</c> struct.</summary>
/// <param name="HintName">The generated file's hint name.</param>
/// <param name="Namespace">Containing namespace, or empty for the global namespace.</param>
/// <param name="Name">The struct's identifier as written.</param>
/// <param name="Bits">Register width: 128, 256 or 512.</param>
internal sealed record FixedWidthLaneModel(string HintName, string Namespace, string Name, int Bits);

/// <summary>The transform's result for one attributed struct: a model when valid, and the diagnostics found.</summary>
/// <param name="Lane">The model, or null when a diagnostic prevents generation.</param>
/// <param name="Diagnostics">Diagnostics to report for this struct.</param>
internal sealed record FixedWidthLaneResult(FixedWidthLaneModel? Lane, EquatableArray<DiagnosticInfo> Diagnostics);

namespace Hmm.Generators;

/// <summary>
/// Names of the pipeline steps, given with <c>WithTrackingName</c> so that tests can read each step's run
/// reason from <c>GeneratorRunResult.TrackedSteps</c> and assert that unrelated edits hit the cache.
/// </summary>
internal static class TrackingNames
{
    /// <summary>The attribute transform: one <c>MethodResult</c> per <c>[LaneDispatch]</c> method.</summary>
    public const string MethodResults = "LaneDispatch.MethodResults";

    /// <summary>The non-empty diagnostic lists split off the method results.</summary>
    public const string Diagnostics = "LaneDispatch.Diagnostics";

    /// <summary>The valid method models.</summary>
    public const string Methods = "LaneDispatch.Methods";

    /// <summary>All valid method models collected into one array (grouping needs them all).</summary>
    public const string CollectedMethods = "LaneDispatch.CollectedMethods";

    /// <summary>One model per containing type: one generated file each.</summary>
    public const string Types = "LaneDispatch.Types";

    /// <summary>The fixed-width lane transform: one <c>FixedWidthLaneResult</c> per <c>[FixedWidthLane]</c> struct.</summary>
    public const string LaneResults = "FixedWidthLane.Results";

    /// <summary>The non-empty diagnostic lists split off the lane results.</summary>
    public const string LaneDiagnostics = "FixedWidthLane.Diagnostics";

    /// <summary>The valid lane models: one generated file each.</summary>
    public const string Lanes = "FixedWidthLane.Lanes";
}

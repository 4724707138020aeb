#if NET8_0_OR_GREATER
namespace Hmm.Simd;

// The members of these three lanes are generated from one template (Hmm.Generators, FixedWidthLaneGenerator):
// the three used to be hand-kept copies that differed only in the vector type's name. The Cephes numbers of
// their exp and log live in CephesConstants, shared with LaneVectorT.

/// <summary>512-bit lanes (16 floats), net10.0 only.</summary>
[FixedWidthLane(512)]
public readonly partial struct Lane512
{
}

/// <summary>256-bit lanes (8 floats), net10.0 only.</summary>
[FixedWidthLane(256)]
public readonly partial struct Lane256
{
}

/// <summary>128-bit lanes (4 floats), net10.0 only.</summary>
[FixedWidthLane(128)]
public readonly partial struct Lane128
{
}
#endif

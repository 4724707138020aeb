namespace Hmm.Simd;

/// <summary>
/// The Cephes expf/logf constants, written once: the generated <c>Lane128</c>/<c>Lane256</c>/<c>Lane512</c>
/// (Hmm.Generators' fixed-width lane template) and <see cref="LaneVectorT"/> all read them from here.
/// </summary>
/// <remarks>
/// They are <c>const</c> so that every use compiles to the same literal as before: no static field load in the
/// inlined hot loops.
/// </remarks>
internal static class CephesConstants
{
    /// <summary>Exp inputs below this flush to 0 (e^-87 is within 4x of the smallest normal float).</summary>
    public const float ExpLowerBound = -87f;

    /// <summary>Exp inputs above this overflow to +inf (ln of the largest float).</summary>
    public const float ExpUpperBound = 88.72283f;

    /// <summary>log2(e): n = floor(x · log2(e) + 1/2).</summary>
    public const float Log2E = 1.44269504088896341f;

    /// <summary>High part of ln 2 (exact in few bits, so n · Ln2Hi is exact).</summary>
    public const float Ln2Hi = 0.693359375f;

    /// <summary>Low part of ln 2: ln 2 = <see cref="Ln2Hi"/> + <see cref="Ln2Lo"/>.</summary>
    public const float Ln2Lo = -2.12194440e-4f;

    /// <summary>e^r ≈ 1 + r + r²·P(r), P(r) = ((((ExpP0·r + ExpP1)·r + ExpP2)·r + ExpP3)·r + ExpP4)·r + ExpP5.</summary>
    public const float ExpP0 = 1.9875691500E-4f;
    /// <summary>See <see cref="ExpP0"/>.</summary>
    public const float ExpP1 = 1.3981999507E-3f;
    /// <summary>See <see cref="ExpP0"/>.</summary>
    public const float ExpP2 = 8.3334519073E-3f;
    /// <summary>See <see cref="ExpP0"/>.</summary>
    public const float ExpP3 = 4.1665795894E-2f;
    /// <summary>See <see cref="ExpP0"/>.</summary>
    public const float ExpP4 = 1.6666665459E-1f;
    /// <summary>See <see cref="ExpP0"/>.</summary>
    public const float ExpP5 = 5.0000001201E-1f;

    /// <summary>Mantissas above √2 are halved so that f = m - 1 lies in [√½ - 1, √2 - 1).</summary>
    public const float Sqrt2 = 1.41421356237f;

    /// <summary>Smallest normal float: log inputs below it (subnormals, 0) give -inf.</summary>
    public const float SmallestNormal = 1.17549435e-38f;

    /// <summary>log(1 + f) ≈ f - f²/2 + f³·P(f), P by Horner from LogP0 (highest degree) to LogP8.</summary>
    public const float LogP0 = 7.0376836292E-2f;
    /// <summary>See <see cref="LogP0"/>.</summary>
    public const float LogP1 = -1.1514610310E-1f;
    /// <summary>See <see cref="LogP0"/>.</summary>
    public const float LogP2 = 1.1676998740E-1f;
    /// <summary>See <see cref="LogP0"/>.</summary>
    public const float LogP3 = -1.2420140846E-1f;
    /// <summary>See <see cref="LogP0"/>.</summary>
    public const float LogP4 = 1.4249322787E-1f;
    /// <summary>See <see cref="LogP0"/>.</summary>
    public const float LogP5 = -1.6668057665E-1f;
    /// <summary>See <see cref="LogP0"/>.</summary>
    public const float LogP6 = 2.0000714765E-1f;
    /// <summary>See <see cref="LogP0"/>.</summary>
    public const float LogP7 = -2.4999993993E-1f;
    /// <summary>See <see cref="LogP0"/>.</summary>
    public const float LogP8 = 3.3333331174E-1f;
}

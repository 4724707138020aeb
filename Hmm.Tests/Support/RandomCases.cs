using System;
using CsCheck;
using Hmm.Simd;

namespace Hmm.Tests.Support;

/// <summary>CsCheck generators of random cases (shrinkable); the plain-<see cref="Random"/> half is RandomModels.cs.</summary>
public static partial class RandomModels
{
    /// <summary>Mostly short sequences with the occasional long one (up to 2,000 frames); zero lengths included.</summary>
    public static readonly Gen<int> Length = Lengths(2000);

    /// <summary>Mostly short sequences (up to 60 frames) with the occasional long one (up to <paramref name="maxFrames"/>); zero lengths included.</summary>
    public static Gen<int> Lengths(int maxFrames) => Gen.Frequency((1, Gen.Int[0, maxFrames]), (4, Gen.Int[0, Math.Min(60, maxFrames)]));

    /// <summary>N from 1 to 70 (every tail length of 4-, 8- and 16-lane registers), dense or banded, batches of 1 to 4, sequences up to <paramref name="maxFrames"/>.</summary>
    public static Gen<HmmCase> Cases(int maxStates = 70, int maxBatch = 4, int maxFrames = 2000) =>
        from n in Gen.Int[1, maxStates]
        from banded in Gen.Bool
        from w in Gen.Int[1, 4]
        from lengths in Lengths(maxFrames).Array[1, maxBatch]
        from seed in Gen.Int[0, int.MaxValue - 2]
        select new HmmCase(n, banded, Math.Min(w, n), lengths, seed);
}

/// <summary>Widths the suites instantiate.</summary>
public static class Widths
{
    public static HmmEngine Engine(SimdWidth width) => new(width, 1, allowUnaccelerated: true);
}

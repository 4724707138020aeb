using System;

namespace Hmm.Tests.Support;

/// <summary>
/// Bytes a call allocates on the calling thread once warm: <paramref name="warmUp"/> calls, then rounds of
/// <paramref name="calls"/> measured by <see cref="GC.GetAllocatedBytesForCurrentThread"/> until one allocates nothing
/// (at most <paramref name="rounds"/>; the fewest bytes of any round otherwise). Tiered compilation installs optimised code
/// whenever its background compiler finishes, and that can allocate a few KB on the calling thread once, in any round
/// on a loaded machine (8 KB seen in CI after 200 warm-up calls); an allocation made by the call itself shows in every
/// round, so a steady state of zero still proves the call allocates nothing, and the fewest bytes of a round is what a
/// call that does allocate costs without such one-off allocations.
/// </summary>
public static class SteadyAllocation
{
    public static long Bytes(Action call, int warmUp = 200, int calls = 2000, int rounds = 3)
    {
        for (int i = 0; i < warmUp; i++) call();
        long fewest = long.MaxValue;
        for (int round = 0; round < rounds && fewest > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++) call();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}

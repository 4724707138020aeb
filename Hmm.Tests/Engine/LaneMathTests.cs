using System;
using System.Numerics;
using System.Runtime.Intrinsics;
using Hmm.Simd;
using Xunit;

namespace Hmm.Tests.Engine;

/// <summary>The lanes' own exp and log (inlined Cephes) against double precision, special values included.</summary>
public class LaneMathTests
{
    private static readonly float[] Specials = { float.NegativeInfinity, -1000f, -103f, -87.4f, -87.3f, -50f, -1f, -1e-8f, 0f, 1e-8f, 0.5f, 1f, 2f, 10f, 88.7f, 89f, float.PositiveInfinity, float.NaN };

    private static float[] Inputs(bool forLog)
    {
        var rng = new Random(11);
        var values = new float[4096];
        for (int i = 0; i < values.Length; i++)
            values[i] = forLog ? MathF.Exp((float)(rng.NextDouble() * 170 - 85)) : (float)(rng.NextDouble() * 180 - 90);
        Specials.CopyTo(values, 0);
        if (forLog) new[] { 0f, 1e-39f, 1f, float.PositiveInfinity, -1f, float.NaN, 1.17549435e-38f }.CopyTo(values, Specials.Length);
        return values;
    }

    private static void Check(float[] input, float[] output, Func<double, double> exact, string what)
    {
        for (int i = 0; i < input.Length; i++)
        {
            double expected = exact(input[i]);
            float actual = output[i];
            // The lanes document subnormal inputs to log as zero (the recursions never produce them).
            if (exact == LogExact && input[i] > 0 && input[i] < 1.17549435e-38f && float.IsNegativeInfinity(actual)) continue;
            if (double.IsNaN(expected)) { Assert.True(float.IsNaN(actual), $"{what}({input[i]}) = {actual}, expected NaN"); continue; }
            // Results below e^-87 (within 4x of the smallest normal float) may flush to zero.
            if (!double.IsNaN(expected) && expected > 0 && expected < 1.7e-38 && (actual == 0f || Math.Abs(actual - expected) <= Tolerances.LaneMathRelative * expected)) continue;
            if (double.IsInfinity(expected) || Math.Abs(expected) < 1.2e-38 || Math.Abs(expected) > 3.4e38)
            {
                float rounded = (float)expected;
                Assert.True(actual == rounded || (Math.Abs(expected) < 1.2e-38 && Math.Abs(actual) < 1.2e-38), $"{what}({input[i]}) = {actual}, expected {rounded}");
                continue;
            }
            double rel = Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-30);
            // Log near 1 is absolute-error bound (the result is near 0).
            bool ok = rel <= Tolerances.LaneMathRelative || Math.Abs(actual - expected) <= Tolerances.LaneMathAbsolute;
            Assert.True(ok, $"{what}({input[i]:R}) = {actual:R}, expected {expected:R} (rel {rel:G3})");
        }
    }

    private static readonly Func<double, double> LogExact = Math.Log, ExpExact = Math.Exp;

    private static void Run<TL, TV>() where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        foreach (bool log in new[] { false, true })
        {
            var input = Inputs(log);
            var output = new float[input.Length];
            for (int i = 0; i + l.Count <= input.Length; i += l.Count)
            {
                var v = l.Load(ref input[i]);
                l.Store(log ? l.Log(v) : l.Exp(v), ref output[i]);
            }
            Check(input, output, log ? LogExact : ExpExact, log ? $"{typeof(TL).Name}.Log" : $"{typeof(TL).Name}.Exp");
        }
    }

    [Fact] public void Lane512() => Run<Lane512, Vector512<float>>();
    [Fact] public void Lane256() => Run<Lane256, Vector256<float>>();
    [Fact] public void Lane128() => Run<Lane128, Vector128<float>>();
    [Fact] public void LaneVectorT() => Run<LaneVectorT, Vector<float>>();
    [Fact] public void Scalar() => Run<LaneScalar, float>();
    [Fact] public void Quad() => Run<LaneQuad, Hmm.Simd.Quad>();
}

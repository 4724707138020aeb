using System;
using System.Numerics;
using Hmm.Gpu;
using Xunit;

namespace Hmm.Tests.Gpu;

/// <summary>The vectorised float → binary16 rounding of the half-precision upload against <see cref="Half"/>'s own.</summary>
public sealed class HalfFeaturesTests
{
    [Fact]
    public void Vector_rounding_equals_the_runtime_conversion()
    {
        var rng = new Random(5);
        var values = new float[1 << 16];
        int i = 0;
        // Edges: zeros, the subnormal and normal limits, ties, the overflow threshold, infinities.
        foreach (float v in new[] { 0f, -0f, 5.96e-8f, 2.98e-8f, 2.99e-8f, 6.1e-5f, 6.103515625e-5f, 65504f, 65519.99f, 65520f, 65536f, 1e30f,
                     float.PositiveInfinity, float.NegativeInfinity, 1.00048828125f, 1.00146484375f, -2049f, 2049f, 2051f })
        {
            values[i++] = v;
            values[i++] = -v;
        }
        for (; i < values.Length; i++)
        {
            // Random bit patterns over the whole finite range, plus values near binary16's range.
            values[i] = (i & 1) == 0 ? BitConverter.Int32BitsToSingle(rng.Next() & 0x7F7FFFFF) * (rng.Next(2) == 0 ? 1 : -1)
                                     : (float)((rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-30, 18)));
        }
        int w = Vector<float>.Count;
        for (int k = 0; k + w <= values.Length; k += w)
        {
            var bits = HalfFeatures.ToHalfBits(new Vector<float>(values, k));
            for (int lane = 0; lane < w; lane++)
                Assert.True(HalfFeatures.ToHalfBits(values[k + lane]) == bits[lane],
                    $"{values[k + lane]:R}: vector 0x{bits[lane]:X4}, runtime 0x{HalfFeatures.ToHalfBits(values[k + lane]):X4}");
        }
    }

    [Fact]
    public void Frame_bound_covers_the_actual_rounding_of_every_dimension_count()
    {
        var rng = new Random(6);
        double boundTotal = 0, actualTotal = 0;
        for (int d = 1; d <= 70; d++)
        {
            var x = new float[d]; var center = new float[d]; var p = new float[d]; var a = new float[d];
            for (int e = 0; e < d; e++)
            {
                x[e] = (float)((rng.NextDouble() - 0.5) * 40);
                center[e] = (float)(rng.NextDouble() - 0.5);
                p[e] = (float)(0.1 + rng.NextDouble() * 10);
                a[e] = (float)(rng.NextDouble() * 5);
            }
            var bits = new ushort[d];
            double bound = HalfFeatures.EncodeFrame(x, center, p, a, bits);
            double worst = 0;
            for (int e = 0; e < d; e++)
            {
                float y = x[e] - center[e];
                Assert.Equal(HalfFeatures.ToHalfBits(y), bits[e]);
                double delta = Math.Abs((double)(float)BitConverter.UInt16BitsToHalf(bits[e]) - y);
                worst += (p[e] * Math.Abs(y) + a[e]) * delta + 0.5 * p[e] * delta * delta;
            }
            Assert.True(worst <= bound, $"D={d}: actual {worst:G4} > bound {bound:G4}");
            boundTotal += bound;
            actualTotal += worst;
        }
        // Not uselessly loose: rounding moves a value by a quarter of the worst case on average.
        Assert.True(boundTotal < 8 * actualTotal, $"bound {boundTotal:G4} vs actual {actualTotal:G4}");
    }
}

using System;
using System.Numerics;
using System.Runtime.Intrinsics;
using Hmm.Simd;
using Xunit;

namespace Hmm.Tests.Simd;

/// <summary>
/// The widths agree with each other: Lane128/256/512 come from one generated template, so their Exp and Log
/// must be bit-identical on every input; LaneVectorT runs the same Cephes steps and constants without fused
/// multiply-adds, so it may differ in the last bits only. LaneScalar is left out on purpose: it calls
/// MathF.Exp/Log (no Cephes, no flushing), as the GPU lane calls XMath.
/// </summary>
public class LaneCrossWidthTests
{
    private const int Count = 4096;

    /// <summary>Random exp-range and log-range values, random bit patterns (NaN payloads, subnormals), and edges.</summary>
    private static float[] Inputs()
    {
        var rng = new Random(20261206);
        var values = new float[Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (i % 3) switch
            {
                0 => (float)(rng.NextDouble() * 200 - 100),
                1 => MathF.Exp((float)(rng.NextDouble() * 190 - 95)),
                _ => BitConverter.Int32BitsToSingle(rng.Next() ^ (rng.Next(2) << 31)),
            };
        }
        float[] edges =
        {
            0f, -0f, float.NegativeInfinity, float.PositiveInfinity, float.NaN, -float.NaN,
            float.Epsilon, -float.Epsilon, 1e-40f, 1e-39f, -1e-39f, 1.17549435e-38f, 1.1754942e-38f, float.MaxValue, float.MinValue,
            -87f, -87.00001f, -86.99999f, -87.5f, -88f, -88.5f, 87f, 87.5f, 88f, 88.5f, 88.72283f, 88.722824f, 88.72284f,
            -1f, 1f, 0.99999994f, 1.0000001f, 2f, 0.5f, 1.4142135f, 1.4142137f, -1e-8f, 1e-8f,
        };
        edges.CopyTo(values, 0);
        return values;
    }

    private static float[] Apply<TL, TV>(float[] input, bool log) where TL : struct, ILane<TV> where TV : struct
    {
        var lane = default(TL);
        var output = new float[input.Length];
        for (int i = 0; i + lane.Count <= input.Length; i += lane.Count)
        {
            TV v = lane.Load(ref input[i]);
            lane.Store(log ? lane.Log(v) : lane.Exp(v), ref output[i]);
        }
        return output;
    }

    private static void AssertBitIdentical(float[] input, float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < input.Length; i++)
        {
            int e = BitConverter.SingleToInt32Bits(expected[i]), a = BitConverter.SingleToInt32Bits(actual[i]);
            Assert.True(e == a, $"{what}({input[i]:R} = 0x{BitConverter.SingleToInt32Bits(input[i]):X8}): 0x{a:X8} ({actual[i]:R}), Lane128 gives 0x{e:X8} ({expected[i]:R})");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FixedWidths_AreBitIdentical(bool log)
    {
        float[] input = Inputs();
        float[] lane128 = Apply<Lane128, Vector128<float>>(input, log);
        string op = log ? "Log" : "Exp";

        AssertBitIdentical(input, lane128, Apply<Lane256, Vector256<float>>(input, log), "Lane256." + op);
        AssertBitIdentical(input, lane128, Apply<Lane512, Vector512<float>>(input, log), "Lane512." + op);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void VectorT_AgreesWithTheFixedWidths(bool log)
    {
        float[] input = Inputs();
        float[] expected = Apply<Lane128, Vector128<float>>(input, log);
        float[] actual = Apply<LaneVectorT, Vector<float>>(input, log);

        for (int i = 0; i < input.Length; i++)
        {
            float e = expected[i], a = actual[i];
            string message = $"LaneVectorT.{(log ? "Log" : "Exp")}({input[i]:R}) = {a:R}, Lane128 gives {e:R}";
            // Special values take the same branches in both: NaN (the input's own bits), infinities and zeros.
            if (float.IsNaN(e) || float.IsInfinity(e) || e == 0f && Math.Abs(a) > 2e-38f)
            {
                Assert.True(BitConverter.SingleToInt32Bits(e) == BitConverter.SingleToInt32Bits(a), message);
                continue;
            }
            // Unfused rounding can move floor(x·log2 e + 1/2) across an integer next to the e^-87 flush, where
            // one side gives 0 and the other a value near the smallest normal; elsewhere a few ulps.
            long ulps = Math.Abs((long)BitConverter.SingleToInt32Bits(e) - BitConverter.SingleToInt32Bits(a));
            Assert.True(ulps <= 4 || Math.Abs(a - e) <= 2e-38f && Math.Sign(a) == Math.Sign(e), message + $" ({ulps} ulps)");
        }
    }
}

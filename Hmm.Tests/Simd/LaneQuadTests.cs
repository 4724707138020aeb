using System;
using Hmm.Simd;
using Xunit;

namespace Hmm.Tests.Simd;

/// <summary>
/// LaneQuad promises LaneScalar's results bit for bit, four at a time (the scalar path's GMM row runs on it and must
/// score as the four-frame blocks over LaneScalar do): every operation against LaneScalar lane by lane, on random values,
/// specials and random bit patterns. Also compiled into Hmm.Tests.Mono.
/// </summary>
public class LaneQuadTests
{
    private static float[] Inputs(int seed)
    {
        var rng = new Random(seed);
        var values = new float[1024];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (i % 3) switch
            {
                0 => (float)(rng.NextDouble() * 200 - 100),
                1 => MathF.Exp((float)(rng.NextDouble() * 190 - 95)),
                _ => BitConverter.Int32BitsToSingle(rng.Next() ^ (rng.Next(2) << 31)),
            };
        }
        float[] edges = { 0f, -0f, float.NegativeInfinity, float.PositiveInfinity, float.NaN, 1e-39f, -87.5f, 88.8f, 1f, -1f, float.MaxValue, float.Epsilon };
        edges.CopyTo(values, (seed % 4) * 16);
        return values;
    }

    private static void Same(float expected, float actual, string what)
        => Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual), $"{what}: LaneQuad {actual:R}, LaneScalar {expected:R}");

    [Fact]
    public void Every_operation_matches_LaneScalar_bit_for_bit()
    {
        var q = default(LaneQuad);
        var s = default(LaneScalar);
        float[] a = Inputs(1), b = Inputs(2), c = Inputs(3);
        var output = new float[4];
        for (int i = 0; i < a.Length; i += 4)
        {
            Quad qa = q.Load(ref a[i]), qb = q.Load(ref b[i]), qc = q.Load(ref c[i]);
            void Check(Quad result, Func<int, float> scalar, string what)
            {
                q.Store(result, ref output[0]);
                for (int k = 0; k < 4; k++) Same(scalar(i + k), output[k], $"{what} at {i + k}");
            }
            Check(q.Add(qa, qb), j => s.Add(a[j], b[j]), "Add");
            Check(q.Subtract(qa, qb), j => s.Subtract(a[j], b[j]), "Subtract");
            Check(q.Multiply(qa, qb), j => s.Multiply(a[j], b[j]), "Multiply");
            Check(q.MultiplyAdd(qa, qb, qc), j => s.MultiplyAdd(a[j], b[j], c[j]), "MultiplyAdd");
            Check(q.Max(qa, qb), j => s.Max(a[j], b[j]), "Max");
            Check(q.Select(q.GreaterThan(qa, qb), qa, qc), j => s.Select(s.GreaterThan(a[j], b[j]), a[j], c[j]), "Select(GreaterThan)");
            Check(q.Select(q.IsFinite(qa), qb, qc), j => s.Select(s.IsFinite(a[j]), b[j], c[j]), "Select(IsFinite)");
            Check(q.Exp(qa), j => s.Exp(a[j]), "Exp");
            Check(q.Log(qa), j => s.Log(a[j]), "Log");
            Check(q.Broadcast(a[i]), _ => a[i], "Broadcast");
            Quad accumulator = qc;
            q.MultiplyAddTo(ref accumulator, b[i], ref a[i]);
            Check(accumulator, j => { float x = c[j]; s.MultiplyAddTo(ref x, b[i], ref a[j]); return x; }, "MultiplyAddTo");
            float max = s.Max(s.Max(a[i], a[i + 1]), s.Max(a[i + 2], a[i + 3]));
            if (!float.IsNaN(max)) Same(max, q.MaxAcross(qa), $"MaxAcross at {i}");
            Same(((a[i] + a[i + 1]) + a[i + 2]) + a[i + 3], q.SumAcross(qa), $"SumAcross at {i}");
        }
        q.Store(q.Iota(), ref output[0]);
        Assert.Equal(new[] { 0f, 1f, 2f, 3f }, output);
        Assert.Equal(4, q.Count);
    }
}

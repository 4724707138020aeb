using System;
using Hmm.Gpu.Kernels;
using Xunit;

namespace Hmm.Tests.Gpu;

/// <summary>
/// The host half of the tensor-core GMM kernel, in CI: the TF32 rounding twin of <c>cvt.rna.tf32.f32</c> and the weights'
/// fragment-order packing that the kernel's inline PTX reads (the kernel itself runs only on CUDA: `EmissionCuda`).
/// </summary>
public sealed class TensorPackingTests
{
    [Fact]
    public void Tf32_rounding_is_round_to_nearest_ties_away_on_ten_fraction_bits()
    {
        var rng = new Random(11);
        for (int i = 0; i < 200_000; i++)
        {
            float x = i switch
            {
                0 => 0f,
                1 => -0f,
                2 => float.MaxValue,
                3 => float.Epsilon,
                // A tie: exactly half a TF32 ulp above a representable value rounds away from zero.
                4 => BitConverter.UInt32BitsToSingle(0x3F801000u),
                5 => BitConverter.UInt32BitsToSingle(0xBF801000u),
                _ => BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32)),
            };
            if (!float.IsFinite(x)) continue;
            float r = GaussianTensorKernel.RoundToTf32(x);
            uint bits = BitConverter.SingleToUInt32Bits(r);
            if (!float.IsFinite(r))
            {
                // Only values within half a TF32 ulp of float.MaxValue's magnitude may round up to infinity.
                Assert.True(MathF.Abs(x) > 3.4e38f, $"{x:R} rounded to {r}");
                continue;
            }
            Assert.Equal(0u, bits & 0x1FFFu);
            uint low = BitConverter.SingleToUInt32Bits(x) & 0xFFFFE000u;
            double down = BitConverter.UInt32BitsToSingle(low), up = BitConverter.UInt32BitsToSingle(low + 0x2000u);
            double distanceDown = Math.Abs(x - down), distanceUp = Math.Abs(up - x);
            double expected = distanceDown < distanceUp ? down : up; // ties go to the larger magnitude
            Assert.True(r == expected || (x == 0f && r == 0f), $"{x:R}: got {r:R}, expected {expected:R}");
        }
    }

    [Fact]
    public void Packed_weights_hold_each_weight_as_two_tf32_parts_at_its_fragment_position()
    {
        var rng = new Random(3);
        foreach (var (d, columns) in new[] { (80, 40), (1, 1), (7, 9), (13, 100), (39, 1640 / 40), (16, 8) })
        {
            int padded = columns + rng.Next(0, 16);
            var weights = new float[2 * d * padded];
            for (int i = 0; i < weights.Length; i++) weights[i] = (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-4, 5)));
            float[] packed = GaussianTensorKernel.Pack(weights, d, columns, padded);
            int kBlocks = GaussianTensorKernel.KBlocks(d), tiles = GaussianTensorKernel.Tiles(columns);
            Assert.Equal(kBlocks * tiles * 32 * GaussianTensorKernel.PackedPerLane, packed.Length);
            for (int kb = 0; kb < kBlocks; kb++)
                for (int n = 0; n < tiles; n++)
                    for (int lane = 0; lane < 32; lane++)
                    {
                        // The m16n8k8 B fragment: lane (g, t) holds rows t and t + 4 of the k block, column g of the tile.
                        int g = lane >> 2, t = lane & 3, c = 8 * n + g;
                        int o = ((kb * tiles + n) * 32 + lane) * GaussianTensorKernel.PackedPerLane;
                        for (int half = 0; half < 2; half++)
                        {
                            int row = 8 * kb + t + 4 * half;
                            bool inside = row < d && c < columns;
                            float square = inside ? weights[row * padded + c] : 0f;
                            float linear = inside ? weights[(d + row) * padded + c] : 0f;
                            CheckSplit(square, packed[o + half], packed[o + 2 + half]);
                            CheckSplit(linear, packed[o + 4 + half], packed[o + 6 + half]);
                        }
                    }
        }
    }

    [Fact]
    public void Packed_bias_covers_whole_tiles_with_zeros_past_the_columns()
    {
        var bias = new float[48];
        for (int i = 0; i < bias.Length; i++) bias[i] = i + 1;
        float[] packed = GaussianTensorKernel.PackBias(bias, 41);
        Assert.Equal(48, packed.Length);
        for (int c = 0; c < 48; c++) Assert.Equal(c < 41 ? c + 1 : 0f, packed[c]);
    }

    private static void CheckSplit(float value, float big, float small)
    {
        Assert.Equal(0u, BitConverter.SingleToUInt32Bits(big) & 0x1FFFu);
        Assert.Equal(0u, BitConverter.SingleToUInt32Bits(small) & 0x1FFFu);
        Assert.Equal(GaussianTensorKernel.RoundToTf32(value), big);
        // big + small carries about 21 significant bits: the rest is below 2^-21 of the value.
        Assert.True(Math.Abs((double)big + small - value) <= Math.Abs(value) * Math.Pow(2, -21), $"{value:R} = {big:R} + {small:R}");
    }
}

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

/// <summary>
/// The host half of the tensor-core dense recursion (<c>DenseTensorKernel</c>), in CI: the linear table's B-fragment
/// packing, the kernel's integer TF32 rounding and the A-fragment slots its producers write (the kernel itself runs only on
/// CUDA: `ForwardTensorCuda`, `ScaledStepTensorCuda`, `TensorRecursionCuda`).
/// </summary>
public sealed class DenseTensorPackingTests
{
    [Fact]
    public void Packed_table_holds_each_entry_as_two_tf32_parts_at_its_b_fragment_position()
    {
        var rng = new Random(5);
        foreach (var (rows, stride) in new[] { (64, 64), (10, 16), (16, 16), (33, 48), (100, 112), (1, 16) })
        {
            var table = new float[(rows + 1) * stride];
            for (int i = 0; i < table.Length; i++) table[i] = rng.Next(5) == 0 ? 0f : (float)Math.Exp(-rng.NextDouble() * 40);
            float[] packed = DenseTensorKernel.Pack(table, rows, stride);
            int tiles = stride / 8;
            Assert.Equal(tiles * tiles * 32 * DenseTensorKernel.PackedPerLane, packed.Length);
            for (int n = 0; n < tiles; n++)
                for (int kb = 0; kb < tiles; kb++)
                    for (int lane = 0; lane < 32; lane++)
                    {
                        int g = lane >> 2, t = lane & 3, o = ((n * tiles + kb) * 32 + lane) * 4;
                        for (int half = 0; half < 2; half++)
                        {
                            // B fragment of m16n8k8 (.tf32, col-major B): b0 = B[k = t][n = g], b1 = B[k = t + 4][n = g].
                            int i = 8 * kb + t + 4 * half, j = 8 * n + g;
                            float a = i < rows ? table[i * stride + j] : 0f;
                            float big = packed[o + half], smallPart = packed[o + 2 + half];
                            Assert.Equal(GaussianTensorKernel.RoundToTf32(a), big);
                            Assert.Equal(GaussianTensorKernel.RoundToTf32(a - big), smallPart);
                            Assert.True(Math.Abs((double)big + smallPart - a) <= Math.Abs(a) * Math.Pow(2, -21), $"({i}, {j}): {a:R} = {big:R} + {smallPart:R}");
                        }
                    }
        }
    }

    [Fact]
    public void Kernel_tf32_rounding_equals_the_host_twin_on_probabilities_and_their_remainders()
    {
        var rng = new Random(13);
        for (int i = 0; i < 200_000; i++)
        {
            float p = i switch
            {
                0 => 0f,
                1 => 1f,
                2 => float.Epsilon,
                3 => 1.17549435e-38f,
                4 => BitConverter.UInt32BitsToSingle(0x3F001000u), // a tie
                _ => (float)Math.Exp(-rng.NextDouble() * 90),
            };
            Assert.Equal(GaussianTensorKernel.RoundToTf32(p), DenseTensorKernel.RoundToTf32(p));
            float rest = p - DenseTensorKernel.RoundToTf32(p);
            Assert.Equal(GaussianTensorKernel.RoundToTf32(rest), DenseTensorKernel.RoundToTf32(rest));
        }
    }

    [Fact]
    public void Fragment_slots_follow_the_ptx_a_layout_and_cover_the_block_once()
    {
        var seen = new bool[128];
        for (int row = 0; row < 16; row++)
            for (int column = 0; column < 8; column++)
            {
                int index = DenseTensorKernel.FragmentIndex(row, column);
                int lane = index / 4, slot = index % 4;
                int g = lane >> 2, t = lane & 3;
                // PTX ISA, mma.m16n8k8 .tf32 A fragment: a0 (g, t), a1 (g + 8, t), a2 (g, t + 4), a3 (g + 8, t + 4).
                Assert.Equal(row, g + ((slot & 1) != 0 ? 8 : 0));
                Assert.Equal(column, t + ((slot & 2) != 0 ? 4 : 0));
                Assert.False(seen[index]);
                seen[index] = true;
            }
        Assert.All(seen, Assert.True);
    }

    [Fact]
    public void The_cpu_accelerator_never_takes_the_tensor_recursion()
    {
        var model = Hmm.Tests.Support.RandomModels.Model(64, false, 1, new Random(2));
        Assert.False(GpuTestEngines.Cpu.UsesTensorRecursion(model, 100_000));
        Assert.Throws<ArgumentNullException>(() => GpuTestEngines.Cpu.UsesTensorRecursion(null!, 1));
    }
}

using System;
using System.Runtime.Intrinsics;
using CsCheck;
using Hmm.Engine;
using Hmm.Simd;
using Xunit;

namespace Hmm.Tests.Engine;

/// <summary>
/// <see cref="Definitions.RelaxDenseScaled{TL, TV, TM}"/> for one frame, every destination against a float64 log-sum-exp:
/// sources spread over more than 100 nats, -inf sources, tables with -inf entries, all -inf rows and columns, transitions
/// 87+ nats below their column's maximum (Alin flushed) and destinations reachable only from a source 90+ nats below the
/// source maximum (p flushed). N from 1 to 70, so every tail of every lane width.
/// </summary>
public sealed unsafe class ScaledDefinitionTests
{
    /// <summary>One frame: [n] sources and an [n, stride] table, and which destination is the far-source trap.</summary>
    public sealed record Frame(int N, float[] Source, float[] Table, int Trap)
    {
        public int Stride => SimdCapabilities.Pad(N);

        public override string ToString() => $"N={N} trap={Trap} sources=[{string.Join(",", Source)}]";
    }

    private static Gen<Frame> Frames =>
        from n in Gen.Int[1, 70]
        from seed in Gen.Int
        from spread in Gen.Double[1, 200]
        from gap in Gen.Double[90, 140]
        select Build(n, new Random(seed), spread, gap);

    private static Frame Build(int n, Random rng, double spread, double gap)
    {
        int stride = SimdCapabilities.Pad(n);
        var source = new float[n];
        for (int i = 0; i < n; i++) source[i] = rng.NextDouble() < 0.15 ? float.NegativeInfinity : (float)(-rng.NextDouble() * spread);
        var table = new float[n * stride];
        table.AsSpan().Fill(float.NegativeInfinity);
        var deadRow = new bool[n];
        for (int i = 0; i < n; i++) deadRow[i] = rng.NextDouble() < 0.1;
        for (int j = 0; j < n; j++)
        {
            if (rng.NextDouble() < 0.1) continue; // an all -inf column
            for (int i = 0; i < n; i++)
                if (!deadRow[i] && rng.NextDouble() < 0.7) table[i * stride + j] = (float)(-rng.NextDouble() * 130);
        }
        int trap = -1;
        if (n >= 2)
        {
            // Destination trap is entered only from source k, which sits gap nats below the source maximum.
            trap = rng.Next(n);
            int k = rng.Next(n);
            int other = (k + 1) % n;
            source[other] = 0f;
            source[k] = (float)-gap;
            for (int i = 0; i < n; i++) table[i * stride + trap] = float.NegativeInfinity;
            table[k * stride + trap] = (float)(-rng.NextDouble() * 5);
        }
        return new Frame(n, source, table, trap);
    }

    private static double Expected(Frame f, int j)
    {
        double best = double.NegativeInfinity;
        for (int i = 0; i < f.N; i++) best = Math.Max(best, (double)f.Source[i] + f.Table[i * f.Stride + j]);
        if (double.IsNegativeInfinity(best)) return best;
        double sum = 0;
        for (int i = 0; i < f.N; i++) sum += Math.Exp((double)f.Source[i] + f.Table[i * f.Stride + j] - best);
        return best + Math.Log(sum);
    }

    /// <summary>The definition for every lane group of the frame, as a CPU pass drives it.</summary>
    private static float[] Relax<TL, TV>(Frame f) where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        int stride = f.Stride, pad = SimdCapabilities.MaxLaneCount;
        var column = new float[stride + 2 * pad];
        column.AsSpan().Fill(float.NegativeInfinity);
        f.Source.CopyTo(column, pad);
        float max = float.NegativeInfinity;
        foreach (var x in f.Source) max = Math.Max(max, x);
        var scaled = Definitions.ScaledTable(f.Table, f.N, stride);
        var p = new float[stride];
        var result = new float[stride];
        fixed (float* c = column)
        fixed (float* s = scaled)
        fixed (float* t = f.Table)
        fixed (float* pp = p)
        fixed (float* r = result)
        {
            var source = new CpuMemory(c);
            var pm = new CpuMemory(pp);
            for (int j0 = 0; j0 < stride; j0 += l.Count) Definitions.ScaleSources<TL, TV, CpuMemory>(source, pad, max, pm, j0);
            for (int j0 = 0; j0 < stride; j0 += l.Count)
            {
                TV v = Definitions.RelaxDenseScaled<TL, TV, CpuMemory>(source, pad, pm, 0, max, new CpuMemory(t), new CpuMemory(s),
                    new CpuMemory(s + f.N * stride), f.N, stride, j0);
                l.Store(v, ref r[j0]);
            }
        }
        return result;
    }

    private static void Check(Frame f, float[] actual)
    {
        for (int j = 0; j < f.Stride; j++)
        {
            double expected = j < f.N ? Expected(f, j) : double.NegativeInfinity;
            if (double.IsNegativeInfinity(expected))
            {
                Assert.True(float.IsNegativeInfinity(actual[j]), $"{f}: destination {j} is unreachable but got {actual[j]}");
                continue;
            }
            // Float32 inputs of up to ~270 nats: a few roundings of that size, as the two-pass step makes.
            Assert.True(Math.Abs(actual[j] - expected) <= Tolerances.TwoPassStepRelative * (Math.Abs(expected) + Tolerances.TwoPassStepMagnitude) + Tolerances.TwoPassStepAbsolute,
                $"{f}: destination {j}{(j == f.Trap ? " (far-source trap)" : "")} expected {expected:R}, got {actual[j]:R}");
        }
    }

    [Fact]
    public void Scaled_step_matches_float64_log_sum_exp_scalar() => Frames.Sample(f => Check(f, Relax<LaneScalar, float>(f)), iter: 300, threads: 1);

    [Fact]
    public void Scaled_step_matches_float64_log_sum_exp_vector_t() =>
        Frames.Sample(f => Check(f, Relax<LaneVectorT, System.Numerics.Vector<float>>(f)), iter: 300, threads: 1);

    [Fact]
    public void Scaled_step_matches_float64_log_sum_exp_vector128() => Frames.Sample(f => Check(f, Relax<Lane128, Vector128<float>>(f)), iter: 300, threads: 1);

    [Fact]
    public void Scaled_step_matches_float64_log_sum_exp_vector256() => Frames.Sample(f => Check(f, Relax<Lane256, Vector256<float>>(f)), iter: 300, threads: 1);

    [Fact]
    public void Scaled_step_matches_float64_log_sum_exp_vector512() => Frames.Sample(f => Check(f, Relax<Lane512, Vector512<float>>(f)), iter: 300, threads: 1);

    [Fact]
    public void Scaled_table_has_column_maxima_and_zero_linear_entries_for_dead_columns()
    {
        const float NegInf = float.NegativeInfinity;
        // 2 rows, stride 16: column 0 mixed, column 1 all -inf, column 2 with an entry 100 nats below its maximum.
        var table = new float[2 * 16];
        table.AsSpan().Fill(NegInf);
        table[0] = -1f; table[16] = -3f;
        table[2] = -2f; table[16 + 2] = -102f;
        var scaled = Definitions.ScaledTable(table, 2, 16);
        Assert.Equal(-1f, scaled[2 * 16 + 0]);
        Assert.Equal(NegInf, scaled[2 * 16 + 1]);
        Assert.Equal(1f, scaled[0]);
        Assert.Equal((float)Math.Exp(-2), scaled[16], 6);
        Assert.Equal(0f, scaled[1]);
        Assert.Equal(0f, scaled[16 + 1]);
        Assert.Equal(0f, scaled[16 + 2]); // e^-100: under float32's normal range, stored as 0
        Assert.Equal(NegInf, scaled[2 * 16 + 15]);
    }
}

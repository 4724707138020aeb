using System;

namespace Hmm.Engine;

/// <summary>
/// Scratch memory of one worker, grown on demand and then reused: after the first call with a given shape,
/// the engine allocates nothing.
/// </summary>
internal sealed class Workspace
{
    public float[] Scratch = Array.Empty<float>();
    public float[] ColumnsA = Array.Empty<float>();
    public float[] ColumnsB = Array.Empty<float>();
    public float[] ScalesA = Array.Empty<float>();
    public float[] ScalesB = Array.Empty<float>();
    public float[] Backpointers = Array.Empty<float>();
    public float[] Features = Array.Empty<float>();
    public float[] Components = Array.Empty<float>();
    public float[] Emissions = Array.Empty<float>();
    public int Pad;

    /// <summary>
    /// -inf-padded column buffers for a stride and bandwidth: three per forward or backward pass (two columns, and the
    /// scaled sources p of the dense step), two per Viterbi pass; callers that run two passes at once ask for both sets.
    /// </summary>
    public void EnsureColumns(int stride, int bandwidth, int columns = 3)
    {
        int pad = Simd.SimdCapabilities.Pad(Math.Max(bandwidth, 1));
        int size = columns * (2 * pad + stride);
        if (Scratch.Length < size || Pad != pad)
        {
            Scratch = new float[size];
            Pad = pad;
        }
        Scratch.AsSpan().Fill(float.NegativeInfinity);
    }

    public void EnsureLattice(int frames, int stride, bool both)
    {
        long size = (long)frames * stride;
        if (ColumnsA.Length < size) ColumnsA = new float[size];
        if (both && ColumnsB.Length < size) ColumnsB = new float[size];
        if (ScalesA.Length < frames) ScalesA = new float[frames];
        if (both && ScalesB.Length < frames) ScalesB = new float[frames];
    }

    public void EnsureBackpointers(int frames, int stride)
    {
        long size = (long)frames * stride;
        if (Backpointers.Length < size) Backpointers = new float[size];
    }

    /// <summary>[frames, stride] emission log-likelihoods of one sequence (<see cref="HmmEngine.Decode"/>).</summary>
    public void EnsureEmissions(int frames, int stride)
    {
        long size = (long)frames * stride;
        if (Emissions.Length < size) Emissions = new float[size];
    }

    /// <summary>One sequence's per-frame transition tables in the other layout ([frames, rows, stride], time-varying backward and posteriors).</summary>
    public float[] Tables = Array.Empty<float>();

    public void EnsureTables(long size)
    {
        if (Tables.Length < size) Tables = new float[size];
    }

    /// <summary>A pair of sequences' tie tables for <c>TiedColumns</c>: [2, stride] model states, [2, 2, stride] biases (every frame, last frame).</summary>
    public int[] TieStates = Array.Empty<int>();
    public float[] TieAdd = Array.Empty<float>();
    /// <summary>One register's floats, where a lane without a gather instruction assembles a tied read.</summary>
    public readonly float[] Register = new float[Simd.SimdCapabilities.MaxLaneCount];

    public void EnsureTies(int stride)
    {
        if (TieStates.Length < 2 * stride) TieStates = new int[2 * stride];
        if (TieAdd.Length < 4 * stride) TieAdd = new float[4 * stride];
    }

    public void EnsureGaussian(int width, int rowStride)
    {
        if (Features.Length < CpuPasses.GaussianGroupFrames * width) Features = new float[CpuPasses.GaussianGroupFrames * width];
        if (Components.Length < CpuPasses.GaussianGroupFrames * rowStride) Components = new float[CpuPasses.GaussianGroupFrames * rowStride];
    }
}

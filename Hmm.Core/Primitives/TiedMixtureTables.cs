using System;
using Hmm.Simd;

namespace Hmm.Primitives;

/// <summary>
/// A <see cref="TiedMixtureEmissions"/> laid out for the engines: Gaussians with lanes over components (each codebook and
/// stream's components padded to the widest register), states grouped by codebook with lanes over states (each group
/// padded), linear mixture weights.
/// </summary>
public sealed class TiedMixtureTables
{
    internal TiedMixtureTables(TiedMixtureEmissions model) : this(model, null) { }

    /// <summary>Tables of <paramref name="model"/>, taking the Gaussian tables from <paramref name="gaussians"/> when given (same codebooks).</summary>
    internal TiedMixtureTables(TiedMixtureEmissions model, TiedMixtureTables? gaussians)
    {
        int c = model.CodebookCount, k = model.ComponentCount, d = model.FeatureDimension, f = model.StreamCount, s = model.StateCount;
        int kp = SimdCapabilities.Pad(k);
        Codebooks = c;
        Streams = f;
        Components = k;
        PaddedComponents = kp;
        Dimension = d;
        TopN = model.TopN;
        Floor = model.ScoreFloor;
        States = s;
        StreamOffsets = new int[f + 1];
        for (int i = 0; i < f; i++) StreamOffsets[i + 1] = StreamOffsets[i] + model.StreamDimension(i);
        (Means, HalfPrecisions, Constants) = gaussians is not null
            ? (gaussians.Means, gaussians.HalfPrecisions, gaussians.Constants)
            : BuildGaussians(model, kp, StreamOffsets);
        // States grouped by codebook, each group padded to whole registers.
        GroupStart = new int[c + 1];
        Position = new int[s];
        var counts = new int[c];
        for (int j = 0; j < s; j++) counts[model.Codebook(j)]++;
        for (int b = 0; b < c; b++) GroupStart[b + 1] = GroupStart[b] + SimdCapabilities.Pad(counts[b]);
        Positions = Math.Max(GroupStart[c], SimdCapabilities.Pad(1));
        var next = new int[c];
        for (int b = 0; b < c; b++) next[b] = GroupStart[b];
        for (int j = 0; j < s; j++) Position[j] = next[model.Codebook(j)]++;
        Weights = new float[(long)f * k * Positions];
        for (int st = 0; st < f; st++)
            for (int m = 0; m < k; m++)
                for (int j = 0; j < s; j++)
                {
                    float lw = model.LogWeight(st, m, j);
                    Weights[((long)st * k + m) * Positions + Position[j]] = float.IsNegativeInfinity(lw) ? 0f : MathF.Exp(Math.Max(lw, model.MinimumLogWeight));
                }
    }

    /// <summary>
    /// The Gaussians with lanes over components: means and <c>1/(2σ²)</c> as <c>[codebook][feature dimension][padded component]</c>,
    /// constants <c>−½ Σ log 2πσ²</c> as <c>[codebook][stream][padded component]</c> (−infinity for padding components).
    /// </summary>
    private static (float[] Means, float[] HalfPrecisions, float[] Constants) BuildGaussians(TiedMixtureEmissions model, int kp, int[] streamOffsets)
    {
        int c = model.CodebookCount, k = model.ComponentCount, d = model.FeatureDimension, f = model.StreamCount;
        var means = new float[c * d * kp];
        var halfPrecisions = new float[c * d * kp];
        var constants = new float[c * f * kp];
        constants.AsSpan().Fill(float.NegativeInfinity);
        for (int b = 0; b < c; b++)
            for (int st = 0; st < f; st++)
            {
                int dims = model.StreamDimension(st), o = streamOffsets[st];
                for (int m = 0; m < k; m++)
                {
                    double constant = 0;
                    for (int j = 0; j < dims; j++)
                    {
                        double v = model.Variance(b, st, m, j);
                        means[(b * d + o + j) * kp + m] = model.Mean(b, st, m, j);
                        halfPrecisions[(b * d + o + j) * kp + m] = (float)(0.5 / v);
                        constant -= 0.5 * Math.Log(2 * Math.PI * v);
                    }
                    constants[(b * f + st) * kp + m] = (float)constant;
                }
            }
        return (means, halfPrecisions, constants);
    }

    /// <summary>Codebooks C.</summary>
    public int Codebooks { get; }
    /// <summary>Streams F.</summary>
    public int Streams { get; }
    /// <summary>Gaussians per codebook and stream K.</summary>
    public int Components { get; }
    /// <summary>K padded to the widest register (a multiple of 16): the component axis of <see cref="Means"/>, <see cref="HalfPrecisions"/> and <see cref="Constants"/>.</summary>
    public int PaddedComponents { get; }
    /// <summary>The feature dimension (all streams).</summary>
    public int Dimension { get; }
    /// <summary>Gaussians per codebook and stream that count for a frame.</summary>
    public int TopN { get; }
    /// <summary>Nats below the stream's best Gaussian at which scores are floored.</summary>
    public float Floor { get; }
    /// <summary>States.</summary>
    public int States { get; }
    /// <summary>Positions: the states grouped by codebook, each group padded to a multiple of 16 (the state axis of <see cref="Weights"/>).</summary>
    public int Positions { get; }
    /// <summary>[streams + 1]: the first feature dimension of each stream, then the dimension.</summary>
    public int[] StreamOffsets { get; }
    /// <summary>Means, <c>[codebook][feature dimension][padded component]</c>.</summary>
    public float[] Means { get; }
    /// <summary><c>1/(2σ²)</c> in the layout of <see cref="Means"/>.</summary>
    public float[] HalfPrecisions { get; }
    /// <summary><c>−½ Σ log 2πσ²</c>, <c>[codebook][stream][padded component]</c> (−infinity for padding components).</summary>
    public float[] Constants { get; }
    /// <summary>[stream][component][position] linear weights (0 at padding positions).</summary>
    public float[] Weights { get; }
    /// <summary>[codebooks + 1] the first position of each codebook's group.</summary>
    public int[] GroupStart { get; }
    /// <summary>[states] each state's position.</summary>
    public int[] Position { get; }

    /// <summary>Floats of per-frame scratch one CPU worker needs: Gaussian scores, top values and indices, shares, the products and their logs.</summary>
    public int ScratchFloats => PaddedComponents + 3 * Codebooks * Streams * TopN + 2 * Positions;
}

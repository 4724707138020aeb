using System;
using Hmm.Simd;

namespace Hmm.Primitives;

/// <summary>
/// A <see cref="TiedMixtureEmissions"/> as the engines read it. Per stream, every codebook's Gaussians are the columns of
/// one GMM emission product (<see cref="GmmTables"/> of C one-codebook "states" with K components each: column
/// <c>k · C + c</c> is Gaussian k of codebook c), so a frame's <c>[y², y]</c> row times the stream's weights plus its bias
/// gives every Gaussian's log density, codebooks side by side for each k (lanes over codebooks for the top-N step). States
/// are grouped by codebook, each group padded to whole registers (lanes over states for the mixture step), with linear
/// mixture weights.
/// </summary>
public sealed class TiedMixtureTables
{
    /// <summary>Frames whose Gaussians one block of the CPU product computes (the GMM kernel's four rows).</summary>
    public const int BlockFrames = 4;

    internal TiedMixtureTables(TiedMixtureEmissions model) : this(model, null) { }

    /// <summary>Tables of <paramref name="model"/>, taking the Gaussian tables from <paramref name="gaussians"/> when given (same codebooks).</summary>
    internal TiedMixtureTables(TiedMixtureEmissions model, TiedMixtureTables? gaussians)
    {
        int c = model.CodebookCount, k = model.ComponentCount, d = model.FeatureDimension, f = model.StreamCount, s = model.StateCount;
        Codebooks = c;
        CodebookLanes = SimdCapabilities.Pad(c);
        Streams = f;
        Components = k;
        Dimension = d;
        TopN = model.TopN;
        Floor = model.ScoreFloor;
        States = s;
        var offsets = new int[f + 1];
        for (int i = 0; i < f; i++) offsets[i + 1] = offsets[i] + model.StreamDimension(i);
        _streamOffsets = offsets;
        if (gaussians is not null)
        {
            (GaussianWeights, GaussianBias, GaussianCenter, GaussianColumns, ScoreStride) =
                (gaussians.GaussianWeights, gaussians.GaussianBias, gaussians.GaussianCenter, gaussians.GaussianColumns, gaussians.ScoreStride);
        }
        else
        {
            var streams = BuildGaussians(model);
            GaussianColumns = streams[0].PaddedColumns;
            ScoreStride = streams[0].RowStride;
            GaussianWeights = new float[2 * d * GaussianColumns];
            GaussianBias = new float[f * GaussianColumns];
            GaussianCenter = new float[d];
            for (int st = 0; st < f; st++)
            {
                streams[st].Weights.CopyTo(GaussianWeights, 2 * offsets[st] * GaussianColumns);
                streams[st].Bias.CopyTo(GaussianBias, st * GaussianColumns);
                streams[st].Center.CopyTo(GaussianCenter, offsets[st]);
            }
        }
        // States grouped by codebook, each group padded to whole registers.
        var groupStart = new int[c + 1];
        var position = new int[s];
        var counts = new int[c];
        for (int j = 0; j < s; j++) counts[model.Codebook(j)]++;
        for (int b = 0; b < c; b++) groupStart[b + 1] = groupStart[b] + SimdCapabilities.Pad(counts[b]);
        Positions = Math.Max(groupStart[c], SimdCapabilities.Pad(1));
        var next = new int[c];
        for (int b = 0; b < c; b++) next[b] = groupStart[b];
        for (int j = 0; j < s; j++) position[j] = next[model.Codebook(j)]++;
        GroupStart = groupStart;
        Position = position;
        var weights = new float[(long)f * k * Positions];
        for (int st = 0; st < f; st++)
            for (int m = 0; m < k; m++)
                for (int j = 0; j < s; j++)
                {
                    float lw = model.LogWeight(st, m, j);
                    weights[((long)st * k + m) * Positions + position[j]] = float.IsNegativeInfinity(lw) ? 0f : MathF.Exp(Math.Max(lw, model.MinimumLogWeight));
                }
        Weights = weights;
    }

    /// <summary>Per stream, the codebooks' Gaussians as GMM tables of C states with K unit-weight components each.</summary>
    private static GmmTables[] BuildGaussians(TiedMixtureEmissions model)
    {
        int c = model.CodebookCount, k = model.ComponentCount, f = model.StreamCount;
        var tables = new GmmTables[f];
        for (int st = 0; st < f; st++)
        {
            int dims = model.StreamDimension(st);
            var weights = new float[c * k];
            weights.AsSpan().Fill(1f);
            var means = new float[c * k * dims];
            var variances = new float[c * k * dims];
            for (int b = 0; b < c; b++)
                for (int m = 0; m < k; m++)
                    for (int j = 0; j < dims; j++)
                    {
                        means[(b * k + m) * dims + j] = model.Mean(b, st, m, j);
                        variances[(b * k + m) * dims + j] = model.Variance(b, st, m, j);
                    }
            tables[st] = GmmTables.Build(c, k, dims, weights, means, variances);
        }
        return tables;
    }

    /// <summary>Codebooks C.</summary>
    public int Codebooks { get; }

    /// <summary>C padded to the widest register: the lane stride of the top-N tables.</summary>
    public int CodebookLanes { get; }

    /// <summary>Streams F.</summary>
    public int Streams { get; }

    /// <summary>Gaussians per codebook and stream K.</summary>
    public int Components { get; }

    /// <summary>Feature dimension D (the streams one after another).</summary>
    public int Dimension { get; }

    /// <summary>Gaussians per codebook and stream that count.</summary>
    public int TopN { get; }

    /// <summary>Nats below the stream's best Gaussian at which a Gaussian's score is floored.</summary>
    public float Floor { get; }

    /// <summary>States S.</summary>
    public int States { get; }

    /// <summary>State positions: the codebook groups, each padded to whole registers.</summary>
    public int Positions { get; }

    /// <summary>[F + 1]: the first feature dimension of each stream, then D.</summary>
    public ReadOnlySpan<int> StreamOffsets => _streamOffsets;

    /// <summary>
    /// The streams' Gaussian weights (<see cref="GmmTables.Weights"/> of each stream: 2·dims rows of <see cref="GaussianColumns"/>)
    /// one after another, stream f's from <c>2 · StreamOffsets[f] · GaussianColumns</c>.
    /// </summary>
    public float[] GaussianWeights { get; }

    /// <summary>The streams' Gaussian biases (<see cref="GmmTables.Bias"/>), stream f's from <c>f · GaussianColumns</c>.</summary>
    public float[] GaussianBias { get; }

    /// <summary>The streams' centres (<see cref="GmmTables.Center"/>), stream f's from <c>StreamOffsets[f]</c>.</summary>
    public float[] GaussianCenter { get; }

    /// <summary>Gaussian columns per stream, C · K padded (<see cref="GmmTables.PaddedColumns"/>).</summary>
    public int GaussianColumns { get; }

    /// <summary>Floats per frame of one stream's Gaussian scores (<see cref="GmmTables.RowStride"/>: every codebook's register at the last k fits).</summary>
    public int ScoreStride { get; }

    /// <summary>[F, K, Positions] linear mixture weights (0 at padding positions and for zero weights).</summary>
    public float[] Weights { get; }

    /// <summary>[C + 1]: the first position of each codebook's group.</summary>
    public int[] GroupStart { get; }

    /// <summary>[S]: each state's position.</summary>
    public int[] Position { get; }

    private readonly int[] _streamOffsets;

    /// <summary>The stream offsets as an array (the engines pin it).</summary>
    internal int[] StreamOffsetsArray => _streamOffsets;

    /// <summary>Floats of one frame's top-N tables: values, component indices and shares, each [F, N, CodebookLanes].</summary>
    public int TopFloats => Streams * TopN * CodebookLanes;

    /// <summary>The widest [y², y] row over the streams (2 · the largest stream).</summary>
    public int FeatureWidth
    {
        get
        {
            int d = 0;
            for (int i = 0; i < Streams; i++) d = Math.Max(d, _streamOffsets[i + 1] - _streamOffsets[i]);
            return 2 * d;
        }
    }

    /// <summary>
    /// Floats of scratch one CPU worker needs: a block's [y², y] rows and Gaussian scores, then per frame of the block the
    /// top values, indices and shares and the streams' best scores, then the products and their logs.
    /// </summary>
    public int ScratchFloats => BlockFrames * (FeatureWidth + ScoreStride + 3 * TopFloats + Streams) + 2 * Positions;
}

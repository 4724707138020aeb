namespace Hmm.Engine;

/// <summary>
/// Everything one sequence's recursion reads and writes, as pinned pointers: built by <see cref="HmmEngine"/>
/// per sequence, consumed by the lane-generic CPU passes.
/// </summary>
internal unsafe struct SequenceJob
{
    /// <summary>[Length, Stride] emission log-likelihoods (padding lanes -inf).</summary>
    public float* Emissions;
    public int Length;
    public int States;
    public int Stride;
    /// <summary>The transition table the pass reads (into for forward/Viterbi, out-of for backward/posteriors).</summary>
    public float* Table;
    /// <summary>
    /// Time-varying transitions: floats between consecutive frames' tables, so that the step into frame t reads
    /// <c>Table + t · TableFrameStride</c> (frame 0's table is never read); 0 for one table for every frame.
    /// </summary>
    public long TableFrameStride;
    /// <summary>
    /// Posteriors: floats between consecutive frames' expected-count tables (per-frame transition posteriors, frame t's at
    /// <c>counts + t · CountFrameStride</c>); 0 to sum the counts over frames into one table.
    /// </summary>
    public long CountFrameStride;
    /// <summary>N for dense tables, the bandwidth for banded ones.</summary>
    public int TableRows;
    /// <summary>
    /// Dense log semiring: <see cref="Definitions.ScaledTable"/> of <see cref="Table"/> ([TableRows + 1, Stride]), which makes
    /// forward and backward take <see cref="Definitions.RelaxDenseScaled{TL, TV, TM}"/>; null: the exact two-pass step.
    /// </summary>
    public float* Scaled;
    public bool Banded;
    /// <summary>
    /// Banded recursions: the offset of each row of <see cref="Table"/> when it holds only the band's live rows
    /// (<c>BandedTransitions.LiveOffsets</c>, <see cref="TableRows"/> of them); null when it holds every offset in order.
    /// </summary>
    public int[]? BandOffsets;
    /// <summary>[Stride] initial log-probabilities (padding -inf).</summary>
    public float* Initial;
    /// <summary>[Length, Stride] per-frame normalised columns (alpha-hat, beta-hat, delta-hat), or null.</summary>
    public float* Columns;
    /// <summary>[Length] the maximum subtracted from each column, or null.</summary>
    public float* Scales;
    /// <summary>[Length, Stride] Viterbi back-pointers (as floats), or null.</summary>
    public float* Backpointers;
    /// <summary>Three column buffers of <see cref="ColumnSize"/> floats whose padding holds -inf.</summary>
    public float* Scratch;
    /// <summary>-inf padding on each side of a column: at least the bandwidth.</summary>
    public int Pad;

    public readonly int ColumnSize => 2 * Pad + Stride;
}

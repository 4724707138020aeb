using System;

namespace Hmm;

/// <summary>
/// CTC's graph as an ordinary banded HMM that every sequence of a batch shares, so that the engines' forward, backward,
/// posteriors and Viterbi (CPU and GPU, batched) run CTC without a recursion of its own.
/// </summary>
/// <remarks>
/// <para>Textbook CTC walks the 2L + 1 extended labels (blank, l0, blank, l1, …, blank) with a skip from one label to the
/// next that exists only where the two labels differ: a per-sequence transition, which one shared table cannot hold.
/// Here the skip is allowed into every odd position (a label's), the same for every sequence, and a repeated label gets
/// a mandatory blank instead: "a a" becomes blank, a, ∅, blank*, ∅, a, blank, where blank* sits at an odd position (so
/// it is reached by a skip from the first a and skips on to the second) and emits the blank, and the two optional
/// blanks beside it (∅) never emit. Between the two a's a path must spend one or more frames in blank*, exactly the
/// frame labellings CTC allows, each by one path; so sums, maxima and posteriors are CTC's. L labels with R adjacent
/// repeats take 2(L + R) + 1 states; the table (into an even position from offsets 0 and 1, into an odd one from 0, 1
/// and 2) repeats every two states.</para>
/// <para>All weights are log 1 (CTC scores a path by its frames' log-probabilities only): a weighted graph, not a
/// stochastic one. Paths start in position 0 or 1 and end in the last or second-last position of their sequence: at a
/// sequence's last frame the other states' emissions are -infinity. States past a shorter sequence's never emit.</para>
/// </remarks>
internal static class CtcGraph
{
    /// <summary>Graph states of a sequence that needs <paramref name="minimumFrames"/> frames (<see cref="CtcTargets.MinimumFrames"/>: L + R).</summary>
    public static int States(int minimumFrames) => 2 * minimumFrames + 1;

    /// <summary>The shared model of <paramref name="states"/> states.</summary>
    public static HmmModel Model(int states)
    {
        int bandwidth = Math.Min(3, states);
        var logs = new float[states, bandwidth];
        for (int i = 0; i < states; i++)
        {
            for (int d = 0; d < bandwidth; d++)
            {
                int to = i + d;
                bool allowed = d < 2 || (to % 2 == 1); // the skip reaches odd positions only
                logs[i, d] = allowed && to < states ? 0f : float.NegativeInfinity;
            }
        }
        var initial = new float[states];
        initial.AsSpan().Fill(float.NegativeInfinity);
        initial[0] = 0f;
        if (states > 1) initial[1] = 0f;
        return new HmmModel(initial, BandedTransitions.FromLogWeights(logs), normalised: false);
    }

    /// <summary>
    /// One sequence's states (<see cref="States"/> of its minimum frames) into the first entries of the spans: the class
    /// each emits (-1: never), and the label position each stands for (-1: a blank).
    /// </summary>
    public static int Layout(ReadOnlySpan<int> labels, int blank, Span<int> classes, Span<int> labelIndex)
    {
        int n = 0;
        classes[n] = blank;
        labelIndex[n++] = -1;
        for (int k = 0; k < labels.Length; k++)
        {
            if (k > 0 && labels[k] == labels[k - 1])
            {
                classes[n - 1] = -1; // the optional blank after the previous label
                classes[n] = blank;  // the mandatory one, at an odd position
                labelIndex[n++] = -1;
                classes[n] = -1;     // the optional blank before this label
                labelIndex[n++] = -1;
            }
            classes[n] = labels[k];
            labelIndex[n++] = k;
            classes[n] = blank;
            labelIndex[n++] = -1;
        }
        return n;
    }
}

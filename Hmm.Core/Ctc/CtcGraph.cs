using System;

namespace Hmm;

/// <summary>
/// CTC's graph as an ordinary banded HMM that every sequence of a batch shares, so that the engines' forward, backward,
/// posteriors and Viterbi (CPU and GPU, batched) run CTC without a recursion of its own.
/// </summary>
/// <remarks>
/// <para>Textbook CTC walks the 2L + 1 extended labels (blank, l0, blank, l1, …, blank) with a skip from one label to the
/// next that exists only where the two labels differ: a per-sequence transition, which one shared table cannot hold.
/// Here each label k has two states that emit it, told apart by how they were entered: <c>Lb</c> from the blank before
/// it, <c>La</c> directly from the previous label. Positions: blank B_k = 3k, Lb_k = 3k + 1, La_k = 3k + 2, the final
/// blank B_L = 3L; 3L + 1 states. Into B_k from B_k, Lb_{k-1} (offset 2) and La_{k-1} (offset 1); into Lb_k from
/// Lb_k and B_k (offset 1); into La_k from La_k, La_{k-1} (offset 3) and Lb_{k-1} (offset 4). The table repeats every
/// three states, so it is the same for every sequence; a repeated label (l_k = l_{k-1}) makes La_k never emit, which
/// removes the skip for that sequence alone. Every CTC path is exactly one path here (the entry decides the copy), so
/// sums, maxima and posteriors (Lb_k + La_k) are CTC's.</para>
/// <para>All weights are log 1 (CTC scores a path by its frames' log-probabilities only): a weighted graph, not a
/// stochastic one. Paths start in B_0 or La_0 and end in B_L, Lb_{L-1} or La_{L-1}: at a sequence's last frame the other
/// states' emissions are -infinity. States past a shorter sequence's 3L + 1 never emit.</para>
/// </remarks>
internal static class CtcGraph
{
    /// <summary>Graph states for up to <paramref name="labels"/> labels.</summary>
    public static int States(int labels) => 3 * labels + 1;

    /// <summary>The shared model of <paramref name="states"/> states (3L + 1).</summary>
    public static HmmModel Model(int states)
    {
        int bandwidth = Math.Min(5, states);
        var logs = new float[states, bandwidth];
        for (int i = 0; i < states; i++)
        {
            for (int d = 0; d < bandwidth; d++)
            {
                bool allowed = (i % 3) switch
                {
                    0 => d is 0 or 1,          // B_k → B_k, Lb_k
                    1 => d is 0 or 2 or 4,     // Lb_k → Lb_k, B_{k+1}, La_{k+1}
                    _ => d is 0 or 1 or 3,     // La_k → La_k, B_{k+1}, La_{k+1}
                };
                logs[i, d] = allowed && i + d < states ? 0f : float.NegativeInfinity;
            }
        }
        var initial = new float[states];
        initial.AsSpan().Fill(float.NegativeInfinity);
        initial[0] = 0f;
        if (states > 2) initial[2] = 0f;
        return new HmmModel(initial, BandedTransitions.FromLogWeights(logs), normalised: false);
    }

    /// <summary>
    /// The class each graph state emits for one sequence (-1: never emits), into <paramref name="classes"/> (the graph's
    /// state count): blanks, each label twice, La_k silenced after an equal label, nothing past the sequence's states.
    /// </summary>
    public static void Classes(ReadOnlySpan<int> labels, int blank, Span<int> classes)
    {
        classes.Fill(-1);
        for (int k = 0; k < labels.Length; k++)
        {
            classes[3 * k] = blank;
            classes[3 * k + 1] = labels[k];
            classes[3 * k + 2] = k > 0 && labels[k - 1] == labels[k] ? -1 : labels[k];
        }
        classes[3 * labels.Length] = blank;
    }

    /// <summary>Whether graph state <paramref name="state"/> may end a sequence of <paramref name="labels"/> labels.</summary>
    public static bool Ends(int state, int labels) => state == 3 * labels || (labels > 0 && (state == 3 * labels - 2 || state == 3 * labels - 1));

    /// <summary>The label position a graph state emits (state / 3 for label states), or -1 for a blank state.</summary>
    public static int LabelIndex(int state) => state % 3 == 0 ? -1 : state / 3;
}

using System;

namespace Hmm;

/// <summary>
/// The label sequences of a CTC batch: one sequence of class indices per input, over <see cref="ClassCount"/> classes of
/// which <see cref="Blank"/> is CTC's blank. Labels may repeat; a repeated label needs a blank frame between its two
/// occurrences, so a sequence of L labels with R adjacent repeats needs at least L + R frames.
/// </summary>
public sealed class CtcTargets
{
    private readonly int[][] _labels;
    private readonly int[] _repeats;

    /// <summary>Checks and keeps <paramref name="labels"/> (copied).</summary>
    /// <param name="classCount">C: classes per frame of the log-probabilities, the blank included.</param>
    /// <param name="blank">The blank's class index (any, in [0, C)).</param>
    /// <param name="labels">One label sequence per input sequence (may be empty); no label may be the blank.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is below 2, or <paramref name="blank"/> is outside [0, C).</exception>
    /// <exception cref="ArgumentException">No sequences, a null sequence, or a label outside [0, C) or equal to the blank (named by sequence and position).</exception>
    public CtcTargets(int classCount, int blank, params int[][] labels)
    {
        if (classCount < 2) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "classCount must be at least 2 (the blank and one label).");
        if ((uint)blank >= (uint)classCount) throw new ArgumentOutOfRangeException(nameof(blank), blank, $"blank must be a class index in [0, {classCount}).");
        Guard.NotNull(labels, nameof(labels));
        if (labels.Length == 0) throw new ArgumentException("labels is empty: a batch needs at least one sequence.", nameof(labels));
        ClassCount = classCount;
        Blank = blank;
        _labels = new int[labels.Length][];
        _repeats = new int[labels.Length];
        for (int b = 0; b < labels.Length; b++)
        {
            var sequence = labels[b] ?? throw new ArgumentException($"labels[{b}] is null (use an empty array for no labels).", nameof(labels));
            for (int k = 0; k < sequence.Length; k++)
            {
                int c = sequence[k];
                if ((uint)c >= (uint)classCount)
                    throw new ArgumentException($"labels[{b}][{k}] is {c}, outside the {classCount} classes [0, {classCount}).", nameof(labels));
                if (c == blank)
                    throw new ArgumentException($"labels[{b}][{k}] is the blank ({blank}); CTC targets hold labels only.", nameof(labels));
                if (k > 0 && sequence[k - 1] == c) _repeats[b]++;
            }
            _labels[b] = (int[])sequence.Clone();
            MaxLabels = Math.Max(MaxLabels, sequence.Length);
        }
    }

    /// <summary>Number of sequences.</summary>
    public int Count => _labels.Length;

    /// <summary>Classes per frame, the blank included.</summary>
    public int ClassCount { get; }

    /// <summary>The blank's class index.</summary>
    public int Blank { get; }

    /// <summary>The longest label sequence's length.</summary>
    public int MaxLabels { get; }

    /// <summary>The labels of sequence <paramref name="index"/>.</summary>
    public ReadOnlySpan<int> Labels(int index) => _labels[index];

    /// <summary>
    /// The fewest frames that can carry sequence <paramref name="index"/>'s labels: one per label plus a blank between each
    /// pair of equal neighbours. Fewer input frames make CTC impossible (log-likelihood -infinity).
    /// </summary>
    public int MinimumFrames(int index) => _labels[index].Length + _repeats[index];

    internal int[] LabelArray(int index) => _labels[index];
}

using System;

namespace Hmm;

/// <summary>One label's frames in a CTC alignment (torchaudio's <c>TokenSpan</c>).</summary>
public readonly struct CtcTokenSpan
{
    /// <summary>A span of label <paramref name="labelIndex"/> (class <paramref name="token"/>) over frames [start, end).</summary>
    public CtcTokenSpan(int labelIndex, int token, int start, int end, float score)
    {
        LabelIndex = labelIndex;
        Token = token;
        Start = start;
        End = end;
        Score = score;
    }

    /// <summary>The label's position in the target sequence.</summary>
    public int LabelIndex { get; }

    /// <summary>The label's class.</summary>
    public int Token { get; }

    /// <summary>The first frame.</summary>
    public int Start { get; }

    /// <summary>One past the last frame.</summary>
    public int End { get; }

    /// <summary>The mean probability of the label over its frames (torchaudio's <c>merge_tokens</c> over <c>scores.exp()</c>).</summary>
    public float Score { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Token} [{Start}, {End}) {Score:0.###}";
}

/// <summary>
/// The best CTC path of one sequence, with torchaudio's <c>forced_align</c> semantics: a class per frame (blanks
/// included), each frame's log-probability of that class, and the labels' spans.
/// </summary>
public sealed class CtcAlignment
{
    internal CtcAlignment(int[] frameLabels, float[] frameScores, CtcTokenSpan[] tokens, double score, bool feasible)
    {
        FrameLabels = frameLabels;
        FrameScores = frameScores;
        Tokens = tokens;
        Score = score;
        Feasible = feasible;
    }

    /// <summary>False when the labels cannot fit the frames (fewer frames than <see cref="CtcTargets.MinimumFrames"/>, or every path has probability 0): then the arrays are empty and <see cref="Score"/> is -infinity.</summary>
    public bool Feasible { get; }

    /// <summary>The class of each frame on the best path (the blank where no label is emitted).</summary>
    public int[] FrameLabels { get; }

    /// <summary>Each frame's log-probability of its class in <see cref="FrameLabels"/>.</summary>
    public float[] FrameScores { get; }

    /// <summary>Each label's frames, in label order.</summary>
    public CtcTokenSpan[] Tokens { get; }

    /// <summary>The best path's log-probability (the sum of <see cref="FrameScores"/>, as the engine summed it), -infinity when infeasible.</summary>
    public double Score { get; }
}

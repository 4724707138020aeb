using System;
using System.Collections.Generic;
using Hmm.Speech;

namespace Hmm.Streaming;

/// <summary>
/// Which word of a known line is being spoken, from the frames of a processor that follows the line
/// (<see cref="LipSyncOptions.Script"/>, <see cref="LipSyncFeed.Restart(IReadOnlyList{TranscribedWord})"/>): the frames'
/// <see cref="LipSyncFrame.Word"/> made steady (a word must hold for <see cref="HoldUpdates"/> updates before it is
/// reported, so one stray frame does not flicker a subtitle), with how far the line has got. Allocates nothing per update.
/// </summary>
public sealed class ScriptFollower
{
    private readonly string[] _texts;
    private int _candidate = -1;
    private int _seen;

    /// <summary>A follower of <paramref name="script"/>.</summary>
    /// <param name="script">The line's words, as the processor follows them.</param>
    /// <param name="holdUpdates">Updates a new word must hold before it is reported (1: at once).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="holdUpdates"/> is less than 1.</exception>
    public ScriptFollower(IReadOnlyList<TranscribedWord> script, int holdUpdates = 2)
    {
        Guard.NotNull(script, nameof(script));
        if (holdUpdates < 1) throw new ArgumentOutOfRangeException(nameof(holdUpdates), holdUpdates, "holdUpdates must be at least 1.");
        Script = script;
        HoldUpdates = holdUpdates;
        _texts = new string[script.Count];
        for (int i = 0; i < _texts.Length; i++) _texts[i] = script[i].Text;
    }

    /// <summary>The line.</summary>
    public IReadOnlyList<TranscribedWord> Script { get; }

    /// <summary>Updates a new word must hold before it is reported.</summary>
    public int HoldUpdates { get; }

    /// <summary>The word being spoken, an index into <see cref="Script"/>; -1 in a pause (before, between or after words).</summary>
    public int CurrentWord { get; private set; } = -1;

    /// <summary>The text of <see cref="CurrentWord"/>, or the empty string in a pause.</summary>
    public string CurrentText => CurrentWord < 0 ? string.Empty : _texts[CurrentWord];

    /// <summary>The furthest word reached so far, -1 before the first (a speaker who goes back does not lower it).</summary>
    public int FurthestWord { get; private set; } = -1;

    /// <summary>Whether the last word has been reached and left (the line is done).</summary>
    public bool Finished => _texts.Length > 0 && FurthestWord == _texts.Length - 1 && CurrentWord < 0;

    /// <summary>Takes the newest frame; returns whether <see cref="CurrentWord"/> changed.</summary>
    public bool Update(LipSyncFrame frame)
    {
        Guard.NotNull(frame, nameof(frame));
        return Update(frame.Word);
    }

    /// <summary>Takes the word the newest frame holds (-1: a pause); returns whether <see cref="CurrentWord"/> changed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The word is not -1 nor an index into <see cref="Script"/>.</exception>
    public bool Update(int word)
    {
        if (word < -1 || word >= _texts.Length)
            throw new ArgumentOutOfRangeException(nameof(word), word, $"word must be -1 (a pause) or 0 to {_texts.Length - 1} (the script's words): is the processor following another line?");
        if (word == CurrentWord)
        {
            _candidate = word;
            _seen = 0;
            return false;
        }
        if (word != _candidate)
        {
            _candidate = word;
            _seen = 0;
        }
        if (++_seen < HoldUpdates) return false;
        CurrentWord = word;
        if (word > FurthestWord) FurthestWord = word;
        return true;
    }

    /// <summary>Back to before the first word (the line starts again).</summary>
    public void Reset()
    {
        CurrentWord = FurthestWord = _candidate = -1;
        _seen = 0;
    }
}

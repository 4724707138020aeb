using System;
using System.Collections.Generic;
using Hmm.Speech;
using Hmm.Streaming;
using UnityEngine;
using UnityEngine.Events;

namespace Hmm.Unity
{
    /// <summary>
    /// Follows a known line as it is spoken into a <see cref="LiveLipSync"/> and reports the word being said (karaoke
    /// subtitles, a dialogue system that waits for a word): the analysis decodes the line's words (pauses, a skipped word
    /// and restarts allowed) instead of free phones, and a <see cref="ScriptFollower"/> steadies the word. Starting a line
    /// (<see cref="Follow"/>) transcribes it and builds its graph: allocation at the line's start, none per frame.
    /// </summary>
    [AddComponentMenu("Hmm/Lip Sync Script Follower")]
    public sealed class LipSyncScriptFollower : MonoBehaviour
    {
        [SerializeField] private LiveLipSync lipSync;
        [Tooltip("The line to follow from enable; empty: none until Follow is called.")]
        [SerializeField] [TextArea] private string line = "";
        [Tooltip("Updates a new word must hold before it is reported.")]
        [SerializeField] [Min(1)] private int holdUpdates = 2;
        [Tooltip("Called with the word's text when the current word changes (empty text: a pause).")]
        [SerializeField] private UnityEvent<string> onWord = new UnityEvent<string>();

        private static readonly Lazy<Transcriber> Words = new Lazy<Transcriber>(() => new Transcriber(PronunciationLexicon.LoadDefault()));
        private ScriptFollower _follower;

        /// <summary>The line's follower (current word, furthest word, finished), null before a line.</summary>
        public ScriptFollower Follower => _follower;

        /// <summary>The word being spoken, or the empty string.</summary>
        public string CurrentWord => _follower == null ? string.Empty : _follower.CurrentText;

        /// <summary>Raised with the word's index (-1: a pause) and text when the current word changes.</summary>
        public event Action<int, string> WordChanged;

        /// <summary>Called with the word's text when the current word changes.</summary>
        public UnityEvent<string> OnWord => onWord;

        private void Start()
        {
            // Start, not OnEnable: the LiveLipSync's own OnEnable has run by then, whatever the order of the objects.
            if (!string.IsNullOrEmpty(line)) Follow(line);
        }

        /// <summary>
        /// Starts following <paramref name="text"/> (the words are looked up in the built-in dictionary, unknown ones
        /// spelled by rules; the first call loads the dictionary). Null or empty: back to free phones.
        /// </summary>
        public void Follow(string text)
        {
            if (lipSync == null)
            {
                Debug.LogError($"LipSyncScriptFollower ({name}): no LiveLipSync is set to follow the line with.", this);
                return;
            }
            if (lipSync.Feed == null)
            {
                Debug.LogError($"LipSyncScriptFollower ({name}): the LiveLipSync '{lipSync.name}' has not started (enable it first).", this);
                return;
            }
            IReadOnlyList<TranscribedWord> words = string.IsNullOrEmpty(text) ? null : Words.Value.Transcribe(text);
            if (words != null && words.Count == 0)
            {
                Debug.LogWarning($"LipSyncScriptFollower ({name}): the line \"{text}\" has no words to follow; following free phones.", this);
                words = null;
            }
            try
            {
                lipSync.FollowScript(words);
            }
            catch (ArgumentException e)
            {
                Debug.LogError($"LipSyncScriptFollower ({name}): cannot follow \"{text}\": {e.Message}", this);
                return;
            }
            line = text ?? string.Empty;
            _follower = words == null ? null : new ScriptFollower(words, holdUpdates);
        }

        private void LateUpdate()
        {
            if (_follower == null || lipSync == null) return;
            int word = lipSync.Word;
            // A frame from before the line started may still be the newest: it names no word of this line.
            if (word >= _follower.Script.Count) word = -1;
            if (!_follower.Update(word)) return;
            string text = _follower.CurrentText;
            onWord.Invoke(text);
            WordChanged?.Invoke(_follower.CurrentWord, text);
        }
    }
}

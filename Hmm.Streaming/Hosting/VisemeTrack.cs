using System;
using System.Collections.Generic;
using Hmm.Speech;

namespace Hmm.Streaming;

/// <summary>A word of a script and when it was spoken in a baked <see cref="VisemeTrack"/>.</summary>
/// <param name="Word">Its index in the script.</param>
/// <param name="Text">The word as the script has it.</param>
/// <param name="Start">Start, seconds from the start of the audio.</param>
/// <param name="End">End, seconds.</param>
public readonly record struct WordCue(int Word, string Text, double Start, double End);

/// <summary>
/// Mouth weights of a recording baked ahead of time: the three viseme sets' weights at a fixed frame rate, and, where a
/// script was followed, when each word was spoken. <see cref="Sample"/> interpolates the weights at any time and
/// <see cref="WordAt"/> finds the word, both without allocating: playback reads the track each frame. Immutable once built;
/// may be shared between threads.
/// </summary>
public sealed class VisemeTrack
{
    private readonly float[][] _weights;   // per set: FrameCount rows of the set's shape count
    private readonly WordCue[] _words;

    /// <summary>A track from its parts (a serialised track read back).</summary>
    /// <param name="frameRate">Frames per second, more than 0.</param>
    /// <param name="rhubarb">Frames × 9 Rhubarb weights, frame after frame.</param>
    /// <param name="oculus">Frames × 15 Oculus weights.</param>
    /// <param name="vowels">Frames × 6 vowel weights.</param>
    /// <param name="words">Word cues in time order, or null.</param>
    /// <exception cref="ArgumentException">A length is not a whole number of frames, the sets disagree on the frame count, a weight is not finite, or the words are out of order.</exception>
    public VisemeTrack(double frameRate, float[] rhubarb, float[] oculus, float[] vowels, IReadOnlyList<WordCue>? words = null)
    {
        if (!(frameRate > 0) || double.IsInfinity(frameRate)) throw new ArgumentOutOfRangeException(nameof(frameRate), frameRate, "frameRate must be finite and positive.");
        Guard.NotNull(rhubarb, nameof(rhubarb));
        Guard.NotNull(oculus, nameof(oculus));
        Guard.NotNull(vowels, nameof(vowels));
        FrameRate = frameRate;
        _weights = new[] { rhubarb, oculus, vowels };
        string[] names = { nameof(rhubarb), nameof(oculus), nameof(vowels) };
        FrameCount = -1;
        for (int s = 0; s < 3; s++)
        {
            int shapes = VisemeMap.ShapeCount((VisemeSet)s);
            var w = _weights[s];
            if (w.Length % shapes != 0) throw new ArgumentException($"{names[s]} has {w.Length} values, not a whole number of frames of {shapes} shapes.", names[s]);
            if (FrameCount >= 0 && w.Length / shapes != FrameCount) throw new ArgumentException($"{names[s]} has {w.Length / shapes} frames but {names[0]} has {FrameCount}.", names[s]);
            FrameCount = w.Length / shapes;
            if (!Guard.AllFinite(w)) throw new ArgumentException($"{names[s]} holds a weight that is not finite.", names[s]);
        }
        _words = words is null ? Array.Empty<WordCue>() : new List<WordCue>(words).ToArray();
        for (int i = 0; i < _words.Length; i++)
        {
            if (!(_words[i].End >= _words[i].Start) || (i > 0 && _words[i].Start < _words[i - 1].End))
                throw new ArgumentException($"words[{i}] ('{_words[i].Text}', {_words[i].Start} to {_words[i].End} s) is out of order or ends before it starts.", nameof(words));
        }
    }

    /// <summary>Frames per second.</summary>
    public double FrameRate { get; }

    /// <summary>Frames; frame <c>i</c> is at <c>i / FrameRate</c> seconds.</summary>
    public int FrameCount { get; }

    /// <summary>Time of the last frame, seconds.</summary>
    public double Duration => FrameCount == 0 ? 0 : (FrameCount - 1) / FrameRate;

    /// <summary>The weights of <paramref name="set"/>, frame after frame (for serialising).</summary>
    public ReadOnlySpan<float> Weights(VisemeSet set) => _weights[SetIndex(set)];

    /// <summary>The words, in time order (empty without a script).</summary>
    public IReadOnlyList<WordCue> Words => _words;

    /// <summary>
    /// The weights of <paramref name="set"/> at <paramref name="time"/> seconds, interpolated linearly between frames
    /// (the first frame before the start, the last after the end; the rest shape where the track is empty). Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="weights"/> is not the set's shape count long, or the time is NaN.</exception>
    public void Sample(VisemeSet set, double time, Span<float> weights)
    {
        var all = _weights[SetIndex(set)];
        int shapes = VisemeMap.ShapeCount(set);
        if (weights.Length != shapes) throw new ArgumentException($"weights has {weights.Length} values but {set} has {shapes} shapes.", nameof(weights));
        if (double.IsNaN(time)) throw new ArgumentException("time is NaN.", nameof(time));
        if (FrameCount == 0)
        {
            weights.Clear();
            int rest = VisemeMap.RestShapeOf(set);
            if (rest >= 0) weights[rest] = 1f;
            return;
        }
        double position = time * FrameRate;
        if (position <= 0 || FrameCount == 1)
        {
            all.AsSpan(0, shapes).CopyTo(weights);
            return;
        }
        if (position >= FrameCount - 1)
        {
            all.AsSpan((FrameCount - 1) * shapes, shapes).CopyTo(weights);
            return;
        }
        int i = (int)position;
        float f = (float)(position - i);
        int a = i * shapes, b = a + shapes;
        for (int s = 0; s < shapes; s++) weights[s] = all[a + s] + f * (all[b + s] - all[a + s]);
    }

    /// <summary>The index in <see cref="Words"/> of the word being spoken at <paramref name="time"/>, or -1 (a pause, or no script). Allocates nothing.</summary>
    public int WordAt(double time)
    {
        int lo = 0, hi = _words.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (time < _words[mid].Start) hi = mid - 1;
            else if (time >= _words[mid].End) lo = mid + 1;
            else return mid;
        }
        return -1;
    }

    private static int SetIndex(VisemeSet set) => set switch
    {
        VisemeSet.Rhubarb => 0,
        VisemeSet.Oculus => 1,
        VisemeSet.Vowels => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(set), set, "unknown viseme set."),
    };

    /// <summary>
    /// Bakes a recording: the streaming processor over the whole of it (<see cref="LipSyncProcessor.ProcessRecording"/>,
    /// normalised by its own statistics), following <paramref name="script"/> when given, its hop-by-hop weights resampled
    /// to <paramref name="frameRate"/>, and the committed phones gathered into word cues. Allocates: an editor or loading-time call.
    /// </summary>
    /// <param name="samples">Mono audio in [-1, 1].</param>
    /// <param name="sampleRate">Its rate, Hz.</param>
    /// <param name="script">The words spoken (<see cref="Transcriber"/>), or null to recognise free phones (no word cues).</param>
    /// <param name="frameRate">Frames per second of the track (an animation's rate: 30, 60; the processor's hop is 200).</param>
    /// <param name="options">The processor's set-up (its rate and script are replaced by these arguments'); null: <see cref="LipSyncOptions.Balanced"/>.</param>
    /// <exception cref="ArgumentException">The audio is empty, or a rate is out of range.</exception>
    public static VisemeTrack Bake(ReadOnlySpan<float> samples, int sampleRate, IReadOnlyList<TranscribedWord>? script = null, double frameRate = 60, LipSyncOptions? options = null)
    {
        if (samples.IsEmpty) throw new ArgumentException("samples is empty: there is nothing to bake.", nameof(samples));
        if (!(frameRate > 0 && frameRate <= 1000)) throw new ArgumentOutOfRangeException(nameof(frameRate), frameRate, "frameRate must be more than 0 and at most 1,000.");
        var processor = new LipSyncProcessor((options ?? LipSyncOptions.Balanced) with { InputSampleRate = sampleRate, Script = script, FrameOutputs = true });
        var times = new List<double>();
        var hops = new[] { new List<float>(), new List<float>(), new List<float>() };
        processor.FrameAnalysed = f =>
        {
            times.Add(f.Time);
            hops[0].AddRange(f.Rhubarb);
            hops[1].AddRange(f.Oculus);
            hops[2].AddRange(f.Vowels);
        };
        var words = new List<WordCue>();
        processor.SegmentCommitted = p =>
        {
            if (p.Word < 0 || script is null) return;
            if (words.Count > 0 && words[words.Count - 1].Word == p.Word)
                words[words.Count - 1] = words[words.Count - 1] with { End = p.End };
            else words.Add(new WordCue(p.Word, script[p.Word].Text, p.Start, p.End));
        };
        processor.ProcessRecording(samples);
        double duration = samples.Length / (double)sampleRate;
        int frames = (int)Math.Floor(duration * frameRate) + 1;
        var output = new float[3][];
        for (int s = 0; s < 3; s++)
        {
            int shapes = VisemeMap.ShapeCount((VisemeSet)s);
            var hop = hops[s];
            var o = output[s] = new float[frames * shapes];
            // Each output frame interpolates the two hops around its time (hops sit at their windows' centres).
            int h = 0;
            for (int k = 0; k < frames; k++)
            {
                double t = k / frameRate;
                while (h + 1 < times.Count && times[h + 1] <= t) h++;
                if (times.Count == 0)
                {
                    // Audio shorter than one analysis window: the mouth at rest.
                    int rest = VisemeMap.RestShapeOf((VisemeSet)s);
                    if (rest >= 0) o[k * shapes + rest] = 1f;
                    continue;
                }
                int next = Math.Min(h + 1, times.Count - 1);
                float f = next == h || t <= times[h] ? 0f : (float)Math.Min(1, (t - times[h]) / (times[next] - times[h]));
                for (int j = 0; j < shapes; j++)
                {
                    float a = hop[h * shapes + j], b = hop[next * shapes + j];
                    o[k * shapes + j] = a + f * (b - a);
                }
            }
        }
        return new VisemeTrack(frameRate, output[0], output[1], output[2], words);
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Hmm.Online;
using Hmm.Speech.Audio;

namespace Hmm.Speech;

/// <summary>
/// Cuts a long recording and its transcript into pieces that align one by one, so that the aligner's memory and time
/// grow with the length instead of its square. A free phone recogniser (the model's <see cref="PhoneLoop"/>, decoded with
/// a fixed lag, bounded memory) transcribes the audio; an edit-distance alignment of its phones with the transcript's
/// (in a band around the diagonal) finds where both agree; the pieces end at word boundaries inside such anchors,
/// preferably in the middle of a pause the recogniser heard. Stretches where they disagree (transcript words not
/// heard, speech not in the transcript) are reported as <see cref="TranscriptMismatch"/>es.
/// </summary>
internal sealed class LongAudioSplitter
{
    /// <summary>Transcript phones that must match the recognised ones, in a row, on each side of a cut.</summary>
    internal const int AnchorPhones = 3;

    /// <summary>Transcript phones between a word boundary and the nearest anchor on either side, at most.</summary>
    private const int Reach = 4;

    /// <summary>Frames of fixed lag for the recogniser (0.5 s at a 5 ms hop): its path is final this far back.</summary>
    private const double LagSeconds = 0.5;

    private const int MatchScore = 2, MismatchScore = -1, GapScore = -1;
    private const byte Diagonal = 0, Up = 1, Left = 2;

    private readonly IAcousticModel _model;
    private readonly HmmModel _loop;
    private readonly EmissionModel _loopEmissions;
    private readonly int _silence;

    public LongAudioSplitter(IAcousticModel model)
    {
        _model = model;
        _silence = model.Phones.IndexOf(PhoneSet.Silence);
        var bigram = PhoneBigram.Default.Phones.Phones.SequenceEqual(model.Phones.Phones) ? PhoneBigram.Default : PhoneBigram.Uniform(model.Phones);
        _loop = PhoneLoop.Build(model, bigram);
        _loopEmissions = PhoneLoop.Emissions(model);
    }

    /// <summary>One piece: its samples and its phones (a half-open range of the input's sequence).</summary>
    internal readonly record struct Piece(int StartSample, int EndSample, int FirstPhone, int EndPhone);

    /// <summary>The pieces of one recording (in order, tiling its samples and phones, silence phones at cuts shared) and where the transcript and audio disagree.</summary>
    internal sealed record Plan(IReadOnlyList<Piece> Pieces, IReadOnlyList<TranscriptMismatch> Mismatches);

    /// <summary>A recognised phone (a run of frames of one phone of the loop).</summary>
    private readonly record struct Run(int Phone, int Start, int End);

    /// <summary>A place the recording may be cut: before sequence phone <c>Phone</c>, at frame <c>Frame</c>.</summary>
    private readonly record struct Cut(int Phone, int Frame, CutKind Kind);

    /// <summary>How sure a cut is, weakest first.</summary>
    private enum CutKind
    {
        /// <summary>Two matched phones either side, adjacent in the recognised phones: only where a piece would grow too long.</summary>
        WeakJoin,

        /// <summary><see cref="AnchorPhones"/> matched phones either side, adjacent in the recognised phones.</summary>
        Join,

        /// <summary>In the middle of a pause both anchors' sides agree on.</summary>
        Pause,
    }

    /// <summary>
    /// The pieces of <paramref name="input"/> (whose phones, as model indices, are <paramref name="phones"/>): each about
    /// <paramref name="minSeconds"/> or longer, cut at the first anchored pause after that, or at the last anchored word
    /// boundary before <paramref name="maxSeconds"/> when no pause comes. One piece when no anchor is found.
    /// </summary>
    public Plan Split(AlignmentInput input, int[] phones, double minSeconds, double maxSeconds)
    {
        var fe = _model.FrontEnd;
        var extractor = new FeatureExtractor(fe);
        float[] features = extractor.Extract(input.Audio);
        int dim = extractor.FeatureDimension, frames = features.Length / dim;
        var runs = Recognise(features, frames, dim);
        features = Array.Empty<float>();
        double hopSeconds = fe.HopLength / (double)fe.SampleRate;

        // The transcript's speech phones (their sequence positions) and the recognised speech runs.
        var spoken = new List<int>();
        for (int p = 0; p < phones.Length; p++) if (phones[p] != _silence) spoken.Add(p);
        var heard = new List<int>();
        for (int r = 0; r < runs.Count; r++) if (runs[r].Phone != _silence) heard.Add(r);
        var whole = new Plan(new[] { new Piece(0, input.AudioLength, 0, phones.Length) }, Array.Empty<TranscriptMismatch>());
        if (spoken.Count == 0 || heard.Count == 0) return whole;

        int[] match = MatchPhones(spoken.Select(p => phones[p]).ToArray(), heard.Select(r => runs[r].Phone).ToArray());
        var mismatches = Mismatches(input, spoken, heard, runs, match, hopSeconds);

        // Word boundaries anchored on both sides, in order: AnchorPhones matched phones in a row end at most Reach phones
        // before the boundary and start at most Reach after it (over two: only around a pause of 0.25 s or more).
        // Between the anchors the cut goes in the middle of the longest pause the recogniser heard there, or, with the
        // anchors right at the boundary and nothing recognised between them, where the right one starts.
        var cuts = new List<Cut>();
        int minPause = (int)Math.Ceiling(0.1 / hopSeconds);
        for (int a = 0; a + 1 < spoken.Count; a++)
        {
            int before = spoken[a], after = spoken[a + 1];
            bool silenceBetween = after > before + 1; // explicit sil phones between (a phone-given sequence)
            if (!silenceBetween && !input.Sequence.PauseBefore(after)) continue;
            int x = a;
            while (x >= a - Reach && !AnchoredEnd(match, x)) x--;
            int y = a + 1;
            while (y <= a + 1 + Reach && !AnchoredStart(match, y)) y++;
            if (x < a - Reach || y > a + 1 + Reach)
            {
                // No anchor of three: two matched phones either side, next to each other in the recognised phones, still
                // make a cut for a stretch that would otherwise grow past the longest piece.
                if (!silenceBetween && a >= 1 && a + 2 < match.Length && AnchoredEnd(match, a, 2) && AnchoredStart(match, a + 1, 2)
                    && match[a + 1] == match[a] + 1 && runs[heard[match[a]]].End == runs[heard[match[a + 1]]].Start)
                    cuts.Add(new Cut(after, runs[heard[match[a + 1]]].Start, CutKind.WeakJoin));
                continue;
            }
            int from = runs[heard[match[x]]].End, to = runs[heard[match[y]]].Start;
            int pauseRun = -1, pauseStart = -1, pauseLength = 0;
            for (int r = heard[match[x]] + 1; r < heard[match[y]]; r++)
                if (runs[r].Phone == _silence && runs[r].End - runs[r].Start > pauseLength) (pauseRun, pauseStart, pauseLength) = (r, runs[r].Start, runs[r].End - runs[r].Start);
            if (pauseRun >= 0)
            {
                // The transcript phones between an anchor and the boundary must have been heard on the same side of the
                // pause (give or take one): else the pause belongs to another boundary (a word before or after).
                int leftHeard = 0, rightHeard = 0;
                for (int r = heard[match[x]] + 1; r < pauseRun; r++) if (runs[r].Phone != _silence) leftHeard++;
                for (int r = pauseRun + 1; r < heard[match[y]]; r++) if (runs[r].Phone != _silence) rightHeard++;
                if (Math.Abs(leftHeard - (a - x)) > 1 || Math.Abs(rightHeard - (y - a - 1)) > 1) pauseLength = 0;
            }
            // Anchors further from the boundary than two phones need a longer pause between them.
            bool pause = pauseLength >= (x < a - 2 || y > a + 3 ? 2.5 * minPause : minPause);
            bool adjacent = x == a && y == a + 1 && match[y] == match[x] + 1 && to == from;
            if (!pause && (silenceBetween || !adjacent)) continue; // an explicit pause must fall on both sides of the cut
            // A cut inside an explicit pause goes before its last sil phone, which both pieces then hold.
            cuts.Add(new Cut(silenceBetween ? after - 1 : after, pause ? pauseStart + pauseLength / 2 : to, pause ? CutKind.Pause : CutKind.Join));
        }

        int minFrames = (int)Math.Ceiling(minSeconds / hopSeconds), maxFrames = (int)Math.Floor(maxSeconds / hopSeconds);
        var chosen = new List<Cut>();
        int last = 0;
        Cut? fallback = null; // the latest join since the last cut (the strongest kind seen wins)
        foreach (var cut in cuts)
        {
            if (cut.Frame - last < minFrames) continue;
            if (fallback is { } f && cut.Frame - last > maxFrames)
            {
                chosen.Add(f);
                last = f.Frame;
                fallback = null;
                if (cut.Frame - last < minFrames) continue;
            }
            if (cut.Kind == CutKind.Pause)
            {
                chosen.Add(cut);
                last = cut.Frame;
                fallback = null;
            }
            else if (fallback is not { } g || cut.Kind >= g.Kind) fallback = cut;
        }
        if (chosen.Count == 0) return whole with { Mismatches = mismatches };

        var pieces = new List<Piece>(chosen.Count + 1);
        int startSample = 0, firstPhone = 0;
        foreach (var cut in chosen)
        {
            int sample = Math.Min(input.AudioLength, cut.Frame * fe.HopLength + fe.FrameLength / 2);
            bool shared = phones[cut.Phone] == _silence;
            pieces.Add(new Piece(startSample, sample, firstPhone, shared ? cut.Phone + 1 : cut.Phone));
            startSample = sample;
            firstPhone = cut.Phone;
        }
        pieces.Add(new Piece(startSample, input.AudioLength, firstPhone, phones.Length));
        return new Plan(pieces, mismatches);
    }

    /// <summary>Whether transcript phones x-AnchorPhones+1..x are matched to consecutive recognised phones.</summary>
    private static bool AnchoredEnd(int[] match, int x, int phones = AnchorPhones)
    {
        if (x - phones + 1 < 0) return false;
        for (int k = x - phones + 1; k <= x; k++)
            if (match[k] < 0 || (k > x - phones + 1 && match[k] != match[k - 1] + 1)) return false;
        return true;
    }

    /// <summary>Whether transcript phones y..y+AnchorPhones-1 are matched to consecutive recognised phones.</summary>
    private static bool AnchoredStart(int[] match, int y, int phones = AnchorPhones)
    {
        if (y + phones > match.Length) return false;
        for (int k = y; k < y + phones; k++)
            if (match[k] < 0 || (k > y && match[k] != match[k - 1] + 1)) return false;
        return true;
    }

    /// <summary>The recogniser's phones over the frames, as runs (the fixed-lag path; silence runs included).</summary>
    private List<Run> Recognise(float[] features, int frames, int dim)
    {
        int lag = Math.Max(1, (int)Math.Round(LagSeconds * _model.FrontEnd.SampleRate / _model.FrontEnd.HopLength));
        var decoder = new OnlineDecoder(_loop, _loopEmissions, lag);
        var states = new int[frames];
        for (int t = 0; t < frames;)
        {
            int n = Math.Min(OnlineDecoder.MaxPreparedFrames, frames - t);
            n = decoder.PrepareFrames(features.AsSpan(t * dim, n * dim));
            for (int k = 0; k < n; k++)
                if (decoder.PushPrepared()) states[decoder.FramesCommitted - 1] = decoder.LastCommittedState;
            t += n;
        }
        int committed = (int)decoder.FramesCommitted;
        decoder.Flush(states.AsSpan(committed));
        var runs = new List<Run>();
        int s = _model.StatesPerPhone;
        for (int t = 0; t < frames;)
        {
            int phone = states[t] / s, end = t + 1;
            while (end < frames && states[end] / s == phone) end++;
            runs.Add(new Run(phone, t, end));
            t = end;
        }
        return runs;
    }

    /// <summary>
    /// For each transcript phone, the index of the recognised phone it is aligned to when the two are the same phone
    /// (-1 otherwise): a global edit-distance alignment (match +2, substitution and gaps -1) computed in a band around
    /// the diagonal, two bits of back pointer per cell.
    /// </summary>
    internal static int[] MatchPhones(int[] transcript, int[] recognised) => MatchPhones(transcript, recognised, out _);

    /// <summary><see cref="MatchPhones(int[], int[])"/>, and the alignment's score.</summary>
    internal static int[] MatchPhones(int[] transcript, int[] recognised, out int score)
    {
        int n = transcript.Length, m = recognised.Length;
        // Wide enough for a tenth of either side to be missing from the other, and for the length difference.
        long half = Math.Min(Math.Max(n, m), 200 + Math.Abs((long)n - m) + Math.Max(n, m) / 10);
        int width = (int)(2 * half + 1);
        long Low(int i) => (long)i * m / Math.Max(n, 1) - half; // first column of row i's band
        var pointers = new byte[((long)(n + 1) * width + 3) / 4];
        void Set(long cell, byte op) => pointers[cell >> 2] |= (byte)(op << (int)((cell & 3) * 2));
        byte Get(long cell) => (byte)((pointers[cell >> 2] >> (int)((cell & 3) * 2)) & 3);
        const int minus = int.MinValue / 4;
        var previous = new int[width];
        var current = new int[width];
        for (int k = 0; k < width; k++)
        {
            long j = Low(0) + k;
            previous[k] = j >= 0 && j <= m ? (int)(j * GapScore) : minus;
            if (j > 0 && j <= m) Set(k, Left);
        }
        for (int i = 1; i <= n; i++)
        {
            long low = Low(i), shift = low - Low(i - 1);
            long row = (long)i * width;
            for (int k = 0; k < width; k++)
            {
                long j = low + k;
                if (j < 0 || j > m) { current[k] = minus; continue; }
                long kp = k + shift; // the same column in the previous row's band
                int up = kp >= 0 && kp < width ? previous[kp] : minus;
                int best = up == minus ? minus : up + GapScore;
                byte op = Up;
                if (j > 0)
                {
                    long kd = kp - 1;
                    int diagonal = kd >= 0 && kd < width ? previous[kd] : minus;
                    if (diagonal != minus)
                    {
                        int scored = diagonal + (transcript[i - 1] == recognised[j - 1] ? MatchScore : MismatchScore);
                        if (scored > best) { best = scored; op = Diagonal; }
                    }
                    int left = k > 0 ? current[k - 1] : minus;
                    if (left != minus && left + GapScore > best) { best = left + GapScore; op = Left; }
                }
                current[k] = best;
                if (best != minus) Set(row + k, op);
            }
            (previous, current) = (current, previous);
        }
        score = previous[(int)(m - Low(n))];
        var match = new int[n];
        match.AsSpan().Fill(-1);
        for (long i = n, j = m; i > 0 || j > 0;)
        {
            byte op = i == 0 ? Left : j == 0 ? Up : Get(i * width + (j - Low((int)i)));
            if (op == Diagonal)
            {
                if (transcript[i - 1] == recognised[j - 1]) match[i - 1] = (int)(j - 1);
                i--;
                j--;
            }
            else if (op == Up) i--;
            else j--;
        }
        return match;
    }

    /// <summary>
    /// Stretches where transcript and recognised phones disagree. A stretch is where, around every phone of it, at most one
    /// of <see cref="SparseWindow"/> phones in a row is matched. Transcript words not heard: three or more whole words in
    /// such a stretch of the transcript, with fewer than a third as many recognised phones between the matched phones
    /// around them. Speech not in the transcript: a second or more of recognised speech in such a stretch of the
    /// recognised phones, with fewer than a third as many transcript phones there. (Where both sides are dense with phones
    /// but match poorly, the recognition is poor, not the transcript: nothing is reported.)
    /// </summary>
    private List<TranscriptMismatch> Mismatches(AlignmentInput input, List<int> spoken, List<int> heard, List<Run> runs, int[] match, double hopSeconds)
    {
        var found = new List<TranscriptMismatch>();
        var sequence = input.Sequence;
        double Seconds(int frame) => Math.Round(frame * hopSeconds, 2);
        // Each recognised phone's transcript phone (-1: none), and the matched pairs in order.
        var heardMatch = new int[heard.Count];
        heardMatch.AsSpan().Fill(-1);
        for (int a = 0; a < match.Length; a++) if (match[a] >= 0) heardMatch[match[a]] = a;
        int FrameAfterTranscript(int a) // the start of the first matched phone from transcript phone a on
        {
            for (int x = a; x < match.Length; x++) if (match[x] >= 0) return runs[heard[match[x]]].Start;
            return runs[runs.Count - 1].End;
        }
        int FrameBeforeTranscript(int a) // the end of the last matched phone up to transcript phone a
        {
            for (int x = a; x >= 0; x--) if (match[x] >= 0) return runs[heard[match[x]]].End;
            return 0;
        }
        int MatchedBefore(int[] m, int i) { for (int x = i; x >= 0; x--) if (m[x] >= 0) return m[x]; return -1; }
        int MatchedAfter(int[] m, int i, int none) { for (int x = i; x < m.Length; x++) if (m[x] >= 0) return m[x]; return none; }

        // Words not heard.
        var wordOf = new int[spoken.Count];
        var wordStarts = new List<int>();
        for (int a = 0; a < spoken.Count; a++)
        {
            if (a == 0 || sequence.PauseBefore(spoken[a]) || spoken[a] > spoken[a - 1] + 1) wordStarts.Add(a);
            wordOf[a] = wordStarts.Count - 1;
        }
        foreach (var (first, last) in SparseStretches(match))
        {
            int w0 = wordOf[first] + (wordStarts[wordOf[first]] == first ? 0 : 1);
            int w1 = last + 1 < spoken.Count ? wordOf[last + 1] - 1 : wordStarts.Count - 1; // the last word that ends inside
            if (w1 - w0 + 1 < 3) continue;
            int a0 = wordStarts[w0], a1 = w1 + 1 < wordStarts.Count ? wordStarts[w1 + 1] - 1 : spoken.Count - 1;
            int heardBetween = MatchedAfter(match, a1 + 1, heard.Count) - MatchedBefore(match, a0 - 1) - 1;
            if (heardBetween * 3 >= a1 - a0 + 1) continue;
            string text = string.Join(" | ", Enumerable.Range(w0, w1 - w0 + 1).Select(w =>
                string.Join(" ", Enumerable.Range(wordStarts[w], (w + 1 < wordStarts.Count ? wordStarts[w + 1] : spoken.Count) - wordStarts[w]).Select(a => sequence.Phones[spoken[a]]))));
            found.Add(new TranscriptMismatch(Seconds(FrameBeforeTranscript(a0 - 1)), Seconds(FrameAfterTranscript(a1 + 1)), TranscriptMismatchKind.NotHeard, w1 - w0 + 1, text));
        }
        // Speech not in the transcript.
        foreach (var (first, last) in SparseStretches(heardMatch))
        {
            int speech = 0;
            for (int r = first; r <= last; r++) speech += runs[heard[r]].End - runs[heard[r]].Start;
            if (speech * hopSeconds < 1.0) continue;
            int textBetween = MatchedAfter(heardMatch, last + 1, spoken.Count) - MatchedBefore(heardMatch, first - 1) - 1;
            if (textBetween * 3 >= last - first + 1) continue;
            found.Add(new TranscriptMismatch(Seconds(runs[heard[first]].Start), Seconds(runs[heard[last]].End), TranscriptMismatchKind.NotInTranscript, 0,
                string.Join(" ", Enumerable.Range(first, last - first + 1).Select(r => _model.Phones[runs[heard[r]].Phone]))));
        }
        found.Sort((x, y) => x.Start.CompareTo(y.Start));
        return found;
    }

    /// <summary>Phones in the window of <see cref="SparseStretches"/>.</summary>
    private const int SparseWindow = 8;

    /// <summary>
    /// Runs of indices (trimmed to unmatched ends) where some window of <see cref="SparseWindow"/> consecutive entries
    /// containing the index holds at most one matched entry (<c>matched[i] &gt;= 0</c>).
    /// </summary>
    private static List<(int First, int Last)> SparseStretches(int[] matched)
    {
        int n = matched.Length;
        var sparse = new bool[n];
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            if (matched[i] >= 0) count++;
            if (i >= SparseWindow && matched[i - SparseWindow] >= 0) count--;
            if (i >= SparseWindow - 1 && count <= 1)
                for (int k = i - SparseWindow + 1; k <= i; k++) sparse[k] = true;
        }
        var stretches = new List<(int, int)>();
        for (int i = 0; i < n;)
        {
            if (!sparse[i]) { i++; continue; }
            int end = i;
            while (end + 1 < n && sparse[end + 1]) end++;
            int first = i, last = end;
            while (first <= last && matched[first] >= 0) first++;
            while (last >= first && matched[last] >= 0) last--;
            if (first <= last) stretches.Add((first, last));
            i = end + 1;
        }
        return stretches;
    }

    /// <summary>A piece's own input: its samples and its part of the sequence (pause flags kept).</summary>
    public static AlignmentInput PieceInput(AlignmentInput input, Piece piece, int sampleRate)
    {
        var sequence = input.Sequence;
        int count = piece.EndPhone - piece.FirstPhone;
        var phones = new string[count];
        var pauses = new bool[count + 1];
        for (int k = 0; k <= count; k++)
        {
            if (k < count) phones[k] = sequence.Phones[piece.FirstPhone + k];
            pauses[k] = sequence.PauseBefore(piece.FirstPhone + k);
        }
        string name = string.Format(CultureInfo.InvariantCulture, "{0} [{1:0.00}-{2:0.00} s]", input.Name,
            piece.StartSample / (double)sampleRate, piece.EndSample / (double)sampleRate);
        // The piece shares the recording's array (an hour is 230 MB of floats: no copy).
        return new AlignmentInput(name, input.Samples, new PhoneSequence(phones, pauses))
        {
            SampleOffset = input.SampleOffset + piece.StartSample,
            SampleCount = piece.EndSample - piece.StartSample,
        };
    }

    /// <summary>
    /// The pieces' segments as one recording's: shifted by each piece's start; a pause that ends one piece and starts the
    /// next (the cut in its middle) becomes one segment.
    /// </summary>
    public static List<PhoneSegment> Stitch(IReadOnlyList<Piece> pieces, IReadOnlyList<IReadOnlyList<PhoneSegment>> segments, int sampleRate)
    {
        var all = new List<PhoneSegment>();
        for (int k = 0; k < pieces.Count; k++)
        {
            double offset = pieces[k].StartSample / (double)sampleRate;
            double end = Math.Round(pieces[k].EndSample / (double)sampleRate, 3);
            var own = segments[k];
            for (int q = 0; q < own.Count; q++)
            {
                var s = own[q];
                double start = all.Count == 0 ? 0 : all[all.Count - 1].End;
                double stop = q == own.Count - 1 ? end : Math.Max(start, Math.Round(s.End + offset, 3));
                if (q == 0 && all.Count > 0 && all[all.Count - 1].Phone == s.Phone && s.Phone == PhoneSet.Silence)
                {
                    all[all.Count - 1] = all[all.Count - 1] with { End = stop };
                    continue;
                }
                all.Add(new PhoneSegment(start, stop, s.Phone));
            }
        }
        return all;
    }
}

/// <summary>What kind of disagreement between a transcript and its audio a <see cref="TranscriptMismatch"/> is.</summary>
public enum TranscriptMismatchKind
{
    /// <summary>Transcript words of which the recogniser heard none (missing from the audio, or spoken very differently).</summary>
    NotHeard,

    /// <summary>Speech the recogniser heard where the transcript has (almost) nothing (words missing from the transcript).</summary>
    NotInTranscript,
}

/// <summary>
/// A stretch of a long recording where its transcript and what a free phone recogniser heard disagree (found while cutting
/// the recording into pieces; see <see cref="ForcedAlignerOptions.SplitLongerThanSeconds"/>). The aligner still places the
/// transcript there; the labels of this stretch deserve a look.
/// </summary>
/// <param name="Start">Start in seconds (the end of the last phone both agree on before it).</param>
/// <param name="End">End in seconds (the start of the next phone both agree on).</param>
/// <param name="Kind">Which side has what the other lacks.</param>
/// <param name="Words">Transcript words not heard (0 for <see cref="TranscriptMismatchKind.NotInTranscript"/>).</param>
/// <param name="Phones">The transcript words' phones (words separated by " | "), or the recognised phones not in the transcript.</param>
public sealed record TranscriptMismatch(double Start, double End, TranscriptMismatchKind Kind, int Words, string Phones);

using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hmm.Speech.Audio;

/// <summary>
/// A pitch track: one frame every <see cref="HopSeconds"/>, frame k centred at k × hop, with its F0 (0 when unvoiced)
/// and periodicity.
/// </summary>
public sealed class PitchTrack
{
    private readonly float[] _f0;
    private readonly float[] _periodicity;

    /// <summary>Wraps arrays of equal length (taken as they are, not copied).</summary>
    /// <param name="hopSeconds">Time between frames, seconds.</param>
    /// <param name="f0">F0 per frame in Hz, 0 where unvoiced.</param>
    /// <param name="periodicity">Periodicity per frame, 0..1.</param>
    public PitchTrack(double hopSeconds, float[] f0, float[] periodicity)
    {
        Guard.NotNull(f0, nameof(f0));
        Guard.NotNull(periodicity, nameof(periodicity));
        if (!(hopSeconds > 0)) throw new ArgumentOutOfRangeException(nameof(hopSeconds), hopSeconds, "The hop must be positive.");
        if (f0.Length != periodicity.Length) throw new ArgumentException($"f0 has {f0.Length} frames but periodicity has {periodicity.Length}.", nameof(periodicity));
        foreach (float f in f0)
        {
            if (!(f >= 0) || float.IsInfinity(f)) throw new ArgumentException($"F0 values must be finite and not negative (got {f}).", nameof(f0));
        }
        HopSeconds = hopSeconds;
        _f0 = f0;
        _periodicity = periodicity;
    }

    /// <summary>Time between frames, seconds.</summary>
    public double HopSeconds { get; }

    /// <summary>Number of frames.</summary>
    public int FrameCount => _f0.Length;

    /// <summary>F0 per frame in Hz; 0 means unvoiced.</summary>
    public ReadOnlySpan<float> F0 => _f0;

    /// <summary>
    /// Periodicity per frame, 0..1: one minus the depth of the chosen dip of YIN's normalised difference (1 for a pure
    /// periodic signal). For an unvoiced frame it is that of the best dip, so it says how close the frame came.
    /// </summary>
    public ReadOnlySpan<float> Periodicity => _periodicity;

    /// <summary>The centre of frame <paramref name="frame"/>, seconds.</summary>
    public double TimeOf(int frame) => frame * HopSeconds;

    /// <summary>Whether frame <paramref name="frame"/> is voiced.</summary>
    public bool IsVoiced(int frame) => _f0[frame] > 0;
}

/// <summary>
/// F0 by YIN (de Cheveigné and Kawahara 2002, J. Acoust. Soc. Am. 111(4)): per frame the difference function
/// d(τ) = Σ (x_j − x_{j+τ})² over one period of the floor (the two windows τ/2 before and after the frame's centre, so
/// that every lag measures the same instant: with the paper's fixed start, F0 read high on falling intonation), its
/// cumulative mean normalised form d'(τ) = d(τ) τ / Σ_{1..τ} d, the absolute threshold (the first dip below <see cref="PitchOptions.Threshold"/>, followed to its minimum), and
/// parabolic interpolation of the dip; a frame is voiced when the dip is below <see cref="PitchOptions.VoicingThreshold"/>
/// and it is not silent. With <see cref="PitchOptions.Smooth"/> (the default) each frame keeps its deepest dips as
/// candidates and a best path over them (YIN's step 6 done globally, as Praat does) picks F0 and voicing.
/// </summary>
/// <remarks>
/// Silence (or any frame quieter than <see cref="PitchOptions.SilenceThreshold"/> of the peak) is unvoiced, so an
/// all-zero signal gives an all-unvoiced track rather than an error; white or clipped noise has no dip deep enough and
/// is (almost entirely) unvoiced. A frame's analysis span is one floor period plus the longest lag (27 ms at 75 Hz)
/// centred on the frame; within half a span of either end of the signal the span is moved inside it (a span half of
/// zeros has no usable dips), so the first and last frames describe the signal up to 13 ms from their centre. Shorter
/// signals are padded with zeros. Frame k is at k × hop, as SPTK's. Non-finite samples are rejected. The work buffers
/// are allocated once per call; the frame loop allocates nothing (<see cref="StreamingPitchTracker"/> is the live form).
/// </remarks>
public static class PitchTracker
{
    /// <summary>Dips kept per frame as best-path candidates.</summary>
    internal const int Candidates = 4;

    /// <summary>Best-path cost per octave of lag above the shortest: breaks the tie between a period and its multiples.</summary>
    private const double ShortLagPreference = 0.01;

    /// <summary>Number of frames a signal of <paramref name="sampleCount"/> samples gives: centres 0, hop, ... before its end.</summary>
    public static int FrameCount(int sampleCount, int sampleRate, PitchOptions? options = null)
    {
        options ??= PitchOptions.Default;
        options.Validate(sampleRate);
        Guard.NonNegative(sampleCount, nameof(sampleCount));
        double hop = options.HopMs / 1000 * sampleRate;
        return (int)Math.Ceiling(sampleCount / hop - 1e-9);
    }

    /// <summary>Tracks F0 over a whole signal.</summary>
    /// <param name="samples">Mono samples (any scale; typically ±1).</param>
    /// <param name="sampleRate">Samples per second.</param>
    /// <param name="options">Settings (<see cref="PitchOptions.Default"/> when null).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option does not work at this rate.</exception>
    /// <exception cref="ArgumentException">A sample is NaN or infinite.</exception>
    public static PitchTrack Track(ReadOnlySpan<float> samples, int sampleRate, PitchOptions? options = null)
    {
        options ??= PitchOptions.Default;
        int frames = FrameCount(samples.Length, sampleRate, options);
        Guard.Finite(samples, nameof(samples));
        var f0 = new float[frames];
        var periodicity = new float[frames];
        if (frames == 0) return new PitchTrack(options.HopMs / 1000, f0, periodicity);

        Lags(sampleRate, options, out int minLag, out int maxLag, out int window, out int span);
        var frame = new float[span];
        var diff = new float[maxLag + 2];       // d(τ)
        var normalised = new float[maxLag + 2]; // d'(τ)
        var lagOf = new float[frames * Candidates];   // interpolated lag per candidate, 0 = none
        var depthOf = new float[frames * Candidates]; // its d' value
        var silent = new bool[frames];

        float globalPeak = 0;
        foreach (float s in samples) globalPeak = Math.Max(globalPeak, Math.Abs(s));
        float silenceLevel = (float)(options.SilenceThreshold * globalPeak);
        double hop = options.HopMs / 1000 * sampleRate;

        for (int k = 0; k < frames; k++)
        {
            // Edge frames analyse the nearest span that lies inside the signal: a span half of zeros has no usable dips.
            int start = Math.Max(0, Math.Min(samples.Length - span, (int)Math.Round(k * hop) - span / 2));
            float peak = CopyFrame(samples, start, frame);
            silent[k] = globalPeak == 0 || peak < silenceLevel;
            NormalisedDifference(frame, window, maxLag, diff, normalised);
            periodicity[k] = FindCandidates(diff, normalised, minLag, maxLag, options.Threshold, lagOf.AsSpan(k * Candidates, Candidates), depthOf.AsSpan(k * Candidates, Candidates));
        }

        if (options.Smooth) BestPath(lagOf, depthOf, silent, sampleRate, minLag, options, f0);
        else
        {
            for (int k = 0; k < frames; k++)
            {
                // Candidate 0 is the absolute-threshold pick (or the deepest dip when none is below the threshold).
                if (!silent[k] && lagOf[k * Candidates] > 0 && depthOf[k * Candidates] < options.VoicingThreshold) f0[k] = sampleRate / lagOf[k * Candidates];
            }
        }
        for (int k = 0; k < frames; k++)
        {
            if (f0[k] > 0)
            {
                // The chosen candidate's periodicity (the path may prefer another dip than the deepest).
                for (int c = 0; c < Candidates; c++)
                {
                    if (lagOf[k * Candidates + c] > 0 && Math.Abs(sampleRate / lagOf[k * Candidates + c] - f0[k]) < 1e-3f * f0[k]) { periodicity[k] = Clamp01(1 - depthOf[k * Candidates + c]); break; }
                }
            }
        }
        return new PitchTrack(options.HopMs / 1000, f0, periodicity);
    }

    /// <summary>The lag range searched, YIN's integration window (one period of the floor) and the span a frame analyses.</summary>
    internal static void Lags(int sampleRate, PitchOptions options, out int minLag, out int maxLag, out int window, out int span)
    {
        minLag = Math.Max(2, (int)Math.Floor(sampleRate / options.CeilingHz));
        maxLag = (int)Math.Ceiling(sampleRate / options.FloorHz);
        window = maxLag;
        span = window + maxLag + 1;
    }

    /// <summary>Copies samples [start, start + frame.Length) into <paramref name="frame"/>, zeros outside the signal; returns the peak |x|.</summary>
    internal static float CopyFrame(ReadOnlySpan<float> samples, int start, Span<float> frame)
    {
        frame.Clear();
        int from = Math.Max(0, start), to = Math.Min(samples.Length, start + frame.Length);
        float peak = 0;
        for (int n = from; n < to; n++)
        {
            frame[n - start] = samples[n];
            peak = Math.Max(peak, Math.Abs(samples[n]));
        }
        return peak;
    }

    /// <summary>YIN steps 2 and 3: d(τ) and d'(τ) for τ = 0..maxLag+1 (d'(0) = 1; d' all ones for a frame of zeros).</summary>
    internal static void NormalisedDifference(ReadOnlySpan<float> frame, int window, int maxLag, Span<float> difference, Span<float> normalised)
    {
        ref float x = ref MemoryMarshal.GetReference(frame);
        normalised[0] = 1;
        difference[0] = 0;
        double running = 0; // float64: a sum over hundreds of lags
        for (int tau = 1; tau <= maxLag + 1 && tau < frame.Length - window + 1; tau++)
        {
            // Each lag compares the window before the frame's centre with the one τ after it, both τ/2 from the centre,
            // so that every lag measures the same instant (the paper's fixed start puts long lags later than short ones).
            int from = (frame.Length - window - tau) / 2;
            float d = AudioSimd.SquaredDistance(ref Unsafe.Add(ref x, from), ref Unsafe.Add(ref x, from + tau), window);
            running += d;
            difference[tau] = d;
            normalised[tau] = running > 0 ? (float)(d * tau / running) : 1;
        }
    }

    /// <summary>
    /// YIN steps 4 and 5 for one frame: fills up to <see cref="Candidates"/> interpolated dips (lag, depth), the absolute
    /// threshold's pick first, then the deepest other dips; returns the periodicity of the pick (1 − its depth, 0..1).
    /// </summary>
    internal static float FindCandidates(ReadOnlySpan<float> raw, ReadOnlySpan<float> d, int minLag, int maxLag, double threshold, Span<float> lags, Span<float> depths)
    {
        lags.Clear();
        depths.Clear();
        int pick = -1, deepest = -1;
        for (int tau = minLag; tau <= maxLag; tau++)
        {
            if (!IsDip(d, tau)) continue;
            if (deepest < 0 || d[tau] < d[deepest]) deepest = tau;
            if (pick < 0 && d[tau] < threshold) pick = tau;
        }
        if (pick < 0) pick = deepest;
        if (pick < 0) return 0; // no dip at all (a monotone d', e.g. silence or a ramp)
        Interpolate(raw, d, pick, out lags[0], out depths[0]);
        int filled = 1;
        // The other dips, deepest first: a short insertion sort into the remaining slots.
        for (int tau = minLag; tau <= maxLag; tau++)
        {
            if (tau == pick || !IsDip(d, tau)) continue;
            Interpolate(raw, d, tau, out float lag, out float depth);
            int at = filled;
            while (at > 1 && depths[at - 1] > depth) at--;
            if (at >= Candidates) continue;
            for (int m = Math.Min(filled, Candidates - 1); m > at; m--) { lags[m] = lags[m - 1]; depths[m] = depths[m - 1]; }
            lags[at] = lag;
            depths[at] = depth;
            if (filled < Candidates) filled++;
        }
        return Clamp01(1 - depths[0]);
    }

    /// <summary>A local minimum of d' (at the range's first lag only when d' falls into it: a dip cut by the ceiling is not one).</summary>
    private static bool IsDip(ReadOnlySpan<float> d, int tau) => d[tau] < d[tau - 1] && d[tau] <= d[tau + 1];

    /// <summary>
    /// Parabolic interpolation of the dip at <paramref name="tau"/> through its neighbours: the lag from the raw
    /// difference d (as the paper's step 5: d' is d times a factor rising with τ, which pulls its minimum toward shorter
    /// lags, a sharp bias), the depth from d'.
    /// </summary>
    private static void Interpolate(ReadOnlySpan<float> raw, ReadOnlySpan<float> d, int tau, out float lag, out float depth)
    {
        lag = (float)(tau + ParabolaShift(raw[tau - 1], raw[tau], raw[tau + 1]));
        double a = d[tau - 1], b = d[tau], c = d[tau + 1];
        depth = (float)Math.Max(0, b - 0.25 * (a - c) * ParabolaShift(a, b, c));
    }

    /// <summary>Where the parabola through (−1, a), (0, b), (1, c) has its minimum, clamped to ±0.5.</summary>
    private static double ParabolaShift(double a, double b, double c)
    {
        double curvature = a - 2 * b + c;
        double shift = curvature > 0 ? 0.5 * (a - c) / curvature : 0;
        return shift > 0.5 ? 0.5 : shift < -0.5 ? -0.5 : shift;
    }

    /// <summary>Viterbi over each frame's candidates plus "unvoiced": local cost d' (or the voicing threshold for unvoiced), jumps per octave, voicing switches.</summary>
    private static void BestPath(float[] lagOf, float[] depthOf, bool[] silent, int sampleRate, int minLag, PitchOptions options, float[] f0)
    {
        int frames = silent.Length, states = Candidates + 1, unvoiced = Candidates;
        var cost = new double[states];
        var next = new double[states];
        var back = new byte[frames * states];
        for (int s = 0; s < states; s++) cost[s] = Local(0, s);
        for (int k = 1; k < frames; k++)
        {
            for (int s = 0; s < states; s++)
            {
                double local = Local(k, s);
                if (double.IsPositiveInfinity(local)) { next[s] = local; back[k * states + s] = (byte)unvoiced; continue; }
                double best = double.PositiveInfinity;
                int from = unvoiced;
                for (int p = 0; p < states; p++)
                {
                    if (double.IsPositiveInfinity(cost[p])) continue;
                    double c = cost[p] + Transition(k - 1, p, k, s);
                    if (c < best) { best = c; from = p; }
                }
                next[s] = best + local;
                back[k * states + s] = (byte)from;
            }
            (cost, next) = (next, cost);
        }
        int state = unvoiced;
        for (int s = 0; s < states; s++) if (cost[s] < cost[state]) state = s;
        for (int k = frames - 1; k >= 0; k--)
        {
            f0[k] = state == unvoiced ? 0 : sampleRate / lagOf[k * Candidates + state];
            state = back[k * states + state];
        }

        double Local(int k, int s)
        {
            if (s == unvoiced) return silent[k] ? 0 : options.VoicingThreshold;
            float lag = lagOf[k * Candidates + s];
            if (silent[k] || lag <= 0) return double.PositiveInfinity;
            // A periodic signal dips as deep at twice its period: the shorter lag wins the tie (Praat's octave cost).
            return depthOf[k * Candidates + s] + ShortLagPreference * Math.Log(lag / minLag) / Math.Log(2);
        }

        double Transition(int k0, int s0, int k1, int s1)
        {
            bool v0 = s0 != unvoiced, v1 = s1 != unvoiced;
            if (v0 != v1) return options.VoicingSwitchCost;
            if (!v0) return 0;
            return options.OctaveJumpCost * Math.Abs(Math.Log(lagOf[k0 * Candidates + s0] / lagOf[k1 * Candidates + s1]) / Math.Log(2));
        }
    }

    internal static float Clamp01(float v) => v < 0 ? 0 : v > 1 ? 1 : v;
}

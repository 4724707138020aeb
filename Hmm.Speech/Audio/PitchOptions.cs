using System;
using System.Globalization;

namespace Hmm.Speech.Audio;

/// <summary>
/// Settings of <see cref="PitchTracker"/>. The defaults are for speech and follow Praat's <c>To Pitch</c> where they have
/// a counterpart: a 75..600 Hz search range and a 10 ms hop.
/// </summary>
public sealed record PitchOptions
{
    /// <summary>The defaults: 75..600 Hz, 10 ms hop, YIN threshold 0.15, best-path smoothing on.</summary>
    public static PitchOptions Default { get; } = new();

    /// <summary>Lowest F0 searched, Hz (default 75). It also sets the analysis window: one period of it, plus the longest lag.</summary>
    public double FloorHz { get; init; } = 75;

    /// <summary>Highest F0 searched, Hz (default 600). Must stay below a quarter of the sample rate.</summary>
    public double CeilingHz { get; init; } = 600;

    /// <summary>Time between frames, ms (default 10). Frame k is centred at k × hop.</summary>
    public double HopMs { get; init; } = 10;

    /// <summary>
    /// YIN's absolute threshold on the cumulative mean normalised difference (default 0.15; the paper uses 0.1): the
    /// first dip below it is the period, which keeps YIN off the sub-harmonics (multiples of the period dip as deep).
    /// </summary>
    public double Threshold { get; init; } = 0.15;

    /// <summary>
    /// A frame is voiced when its best dip of the normalised difference is below this (default 0.35); it is also what
    /// being unvoiced costs in the best path. Higher: more frames voiced.
    /// </summary>
    public double VoicingThreshold { get; init; } = 0.35;

    /// <summary>
    /// Frames whose peak amplitude is below this share of the signal's peak are silent, hence unvoiced (default 0.03, as
    /// Praat's silence threshold). An all-zero signal is all unvoiced.
    /// </summary>
    public double SilenceThreshold { get; init; } = 0.03;

    /// <summary>
    /// Whether to choose each frame's F0 by a best path over its candidates (the dips of the normalised difference, and
    /// unvoiced) instead of frame by frame (default true). The path pays <see cref="OctaveJumpCost"/> per octave of F0
    /// change and <see cref="VoicingSwitchCost"/> per voicing change, which removes isolated octave errors and
    /// one-frame voicing flips.
    /// </summary>
    public bool Smooth { get; init; } = true;

    /// <summary>Best-path cost of an F0 change between consecutive voiced frames, per octave (default 0.35, as Praat's).</summary>
    public double OctaveJumpCost { get; init; } = 0.35;

    /// <summary>Best-path cost of a change between voiced and unvoiced (default 0.14, as Praat's).</summary>
    public double VoicingSwitchCost { get; init; } = 0.14;

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming the first setting that cannot work at <paramref name="sampleRate"/>.</summary>
    public void Validate(int sampleRate)
    {
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "The sample rate must be positive.");
        Check(FloorHz > 0 && FloorHz < CeilingHz, nameof(FloorHz), FloorHz, "must be above 0 Hz and below CeilingHz");
        Check(CeilingHz < sampleRate / 4.0, nameof(CeilingHz), CeilingHz, $"must be below a quarter of the sample rate ({sampleRate / 4.0:0} Hz)");
        Check(sampleRate / FloorHz <= 1 << 16, nameof(FloorHz), FloorHz, "asks for lags above 65536 samples");
        Check(HopMs > 0 && HopMs <= 1000, nameof(HopMs), HopMs, "must be above 0 and at most 1000 ms");
        Check(Threshold > 0 && Threshold < 1, nameof(Threshold), Threshold, "must be between 0 and 1");
        Check(VoicingThreshold > 0 && VoicingThreshold <= 2, nameof(VoicingThreshold), VoicingThreshold, "must be above 0 and at most 2");
        Check(SilenceThreshold >= 0 && SilenceThreshold < 1, nameof(SilenceThreshold), SilenceThreshold, "must be from 0 to below 1");
        Check(OctaveJumpCost >= 0 && OctaveJumpCost < 100, nameof(OctaveJumpCost), OctaveJumpCost, "must be from 0 to below 100");
        Check(VoicingSwitchCost >= 0 && VoicingSwitchCost < 100, nameof(VoicingSwitchCost), VoicingSwitchCost, "must be from 0 to below 100");
    }

    private static void Check(bool ok, string name, double value, string rule)
    {
        // NaN fails every comparison above, so it lands here too.
        if (!ok) throw new ArgumentOutOfRangeException(name, value, $"PitchOptions.{name} {rule} (got {value.ToString(CultureInfo.InvariantCulture)}).");
    }
}

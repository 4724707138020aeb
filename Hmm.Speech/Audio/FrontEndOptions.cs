using System;

namespace Hmm.Speech.Audio;

/// <summary>What the front end computes for each frame.</summary>
public enum FeatureKind
{
    /// <summary>Mel-frequency cepstral coefficients (<see cref="FrontEndOptions.CepstralCount"/> per frame).</summary>
    Mfcc,

    /// <summary>Natural-log mel filterbank energies (<see cref="FrontEndOptions.MelFilterCount"/> per frame).</summary>
    LogMel,
}

/// <summary>What the first MFCC coefficient holds.</summary>
public enum EnergyTerm
{
    /// <summary>C0, the zeroth cepstral coefficient (HTK's <c>_0</c> qualifier).</summary>
    C0,

    /// <summary>The natural log of the frame energy after pre-emphasis and windowing replaces C0 (HTK's <c>_E</c> with RAWENERGY=F).</summary>
    LogEnergy,
}

/// <summary>The analysis window applied to each frame.</summary>
public enum FrontEndWindow
{
    /// <summary>Symmetric Hamming window, 0.54 - 0.46 cos(2 pi n / (L - 1)) (HTK, NWaves).</summary>
    Hamming,

    /// <summary>Symmetric Hann window, 0.5 - 0.5 cos(2 pi n / (L - 1)).</summary>
    Hann,

    /// <summary>No window (all ones).</summary>
    Rectangular,
}

/// <summary>Per-utterance feature normalisation applied by <see cref="FeatureExtractor.Extract(ReadOnlySpan{float}, Span{float})"/>.</summary>
public enum CmvnMode
{
    /// <summary>No normalisation.</summary>
    None,

    /// <summary>Subtract each dimension's mean over the utterance.</summary>
    Mean,

    /// <summary>Subtract each dimension's mean and divide by its standard deviation over the utterance.</summary>
    MeanVariance,

    /// <summary>
    /// CMU Sphinx's cepstral mean normalisation (<c>-cmn batch</c>, <c>-varnorm no</c>), applied to the raw cepstra
    /// before the deltas: offline, the mean over the frames whose first coefficient is not negative (so that runs of
    /// digital silence do not count) is subtracted from every frame; in a stream (<see cref="StreamingFeaturePipeline"/>),
    /// Sphinx's live CMN starting from <see cref="FrontEndOptions.LiveCmnInitialMean"/>. Needs <see cref="FeatureKind.Mfcc"/>.
    /// </summary>
    SphinxCepstralMean,
}

/// <summary>How the mel filterbank is laid out.</summary>
public enum MelFilterBankStyle
{
    /// <summary>HTK mel scale 1127 ln(1 + f/700), triangles linear in mel with peak 1 (HTK, Kaldi, NWaves).</summary>
    Htk,

    /// <summary>
    /// CMU Sphinx's (<c>fe_sigproc.c</c>, <c>-round_filters yes -unit_area yes</c>): mel scale 2595 log10(1 + f/700),
    /// edge and centre frequencies rounded to FFT bins, triangles linear in Hz with height 2 / (right - left), bins from the
    /// left edge to the right edge inclusive (never the Nyquist bin), arithmetic in single precision as Sphinx does it.
    /// </summary>
    Sphinx,
}

/// <summary>How <see cref="FrontEndOptions.LogFloor"/> keeps a log defined.</summary>
public enum LogFloorStyle
{
    /// <summary>ln(max(e, floor)).</summary>
    Maximum,

    /// <summary>ln(e + floor) (CMU Sphinx, with floor 1e-4 on the 16-bit sample scale).</summary>
    Additive,
}

/// <summary>Which variant of the Sphinx noise removal <see cref="FrontEndOptions.NoiseRemoval"/> runs.</summary>
public enum NoiseRemovalStyle
{
    /// <summary>
    /// This library's variant (the default): Sphinx's time constants converted to the hop, the noise level starting at the
    /// first frame's power, the log floor added to every energy, a masked fall held at 15 % of the peak.
    /// </summary>
    HopScaled,

    /// <summary>
    /// Exactly CMU Sphinx's <c>fe_noise.c</c> (sphinxbase 5prealpha): constants per frame whatever the hop, noise and floor
    /// starting at 1/20 of the first frame's energies, the signal above the noise floored at 1 on the 16-bit sample scale
    /// (<see cref="FrontEndOptions.SampleScale"/> / 32768 squared), a masked fall held at 20 % of the peak.
    /// </summary>
    Sphinx,
}

/// <summary>How deltas and delta-deltas are computed.</summary>
public enum DeltaStyle
{
    /// <summary>HTK regression over ±<see cref="FrontEndOptions.DeltaWindow"/> frames; delta-deltas are deltas of the deltas.</summary>
    Regression,

    /// <summary>
    /// CMU Sphinx's <c>1s_c_d_dd</c> (<c>feat.c</c>) with W = <see cref="FrontEndOptions.DeltaWindow"/>:
    /// Δ(t) = c(t+W) − c(t−W); ΔΔ(t) = (c(t+W+1) − c(t−W+1)) − (c(t+W−1) − c(t−W−1)); unscaled, frames beyond either
    /// end replaced by the end frame, in single precision.
    /// </summary>
    SphinxDifference,
}

/// <summary>
/// Configuration of the speech front end (<see cref="FeatureExtractor"/>, <see cref="StreamingFeatureExtractor"/>).
/// The defaults are the usual HTK-style MFCC set-up for 16 kHz speech: 25 ms Hamming frames every 10 ms,
/// pre-emphasis 0.97, 512-point FFT, 26 mel filters (HTK mel scale, triangles in the mel domain), 13 cepstra
/// including C0, liftering 22, deltas and delta-deltas over +/-2 frames, per-utterance mean/variance
/// normalisation: 39 values per frame.
/// </summary>
/// <remarks>
/// The record's value equality identifies a feature set-up: features computed with unequal options are not
/// comparable (a model file should store these options and refuse another set-up).
/// Samples are expected at full scale +/-1 (as <c>WavReader</c> (Hmm.Speech.Training) returns them); <see cref="LogFloor"/> is on
/// that scale.
/// </remarks>
public sealed record FrontEndOptions
{
    /// <summary>The default set-up (see the type's summary).</summary>
    public static FrontEndOptions Default { get; } = new();

    /// <summary>
    /// The front end of CMU Sphinx's US-English model (Debian's <c>pocketsphinx-en-us</c>, pocketsphinx 0.8/5prealpha,
    /// its <c>feat.params</c>): 16 kHz, 410-sample (25.625 ms) Hamming frames every 160 samples plus the final zero-padded
    /// partial frame, pre-emphasis 0.97, 512-point FFT, 25 Sphinx mel filters 130–6800 Hz, Sphinx noise removal,
    /// ln(e + 1e-4) on the 16-bit sample scale, 13 cepstra (orthonormal DCT-II, lifter 22), Sphinx batch CMN on the cepstra,
    /// then <c>1s_c_d_dd</c>: 39 values per frame laid out [c0..c12, Δ0..Δ12, ΔΔ0..ΔΔ12]. Streaming uses Sphinx's live
    /// CMN from the model's <c>-cmninit</c>.
    /// </summary>
    public static FrontEndOptions SphinxEnUs { get; } = new()
    {
        SampleRate = 16000,
        FrameLengthMs = 25.625,
        HopLengthMs = 10,
        PreEmphasis = 0.97f,
        Window = FrontEndWindow.Hamming,
        FftSize = 512,
        MelFilterCount = 25,
        LowFrequencyHz = 130,
        HighFrequencyHz = 6800,
        FilterBank = MelFilterBankStyle.Sphinx,
        Kind = FeatureKind.Mfcc,
        CepstralCount = 13,
        Energy = EnergyTerm.C0,
        LifterCoefficient = 22,
        SampleScale = 32768,
        LogFloor = 1e-4f,
        LogFloorStyle = LogFloorStyle.Additive,
        NoiseRemoval = true,
        NoiseRemovalStyle = NoiseRemovalStyle.Sphinx,
        DeltaOrder = 2,
        DeltaWindow = 2,
        DeltaStyle = DeltaStyle.SphinxDifference,
        Normalization = CmvnMode.SphinxCepstralMean,
        FinalPartialFrame = true,
        LiveCmnInitialMean = "41.00,-5.29,-0.12,5.09,2.48,-4.07,-1.37,-1.78,-5.08,-2.05,-6.45,-1.42,1.17",
    };

    /// <summary>Sample rate of the input in Hz (16000). Resample other rates first (<see cref="Resampler"/>).</summary>
    public int SampleRate { get; init; } = 16000;

    /// <summary>Frame length in milliseconds (25). Rounded to whole samples: <see cref="FrameLength"/>.</summary>
    public double FrameLengthMs { get; init; } = 25;

    /// <summary>Frame hop in milliseconds (10; 5 for finer boundaries). Rounded to whole samples: <see cref="HopLength"/>.</summary>
    public double HopLengthMs { get; init; } = 10;

    /// <summary>Pre-emphasis coefficient a in y[n] = x[n] - a x[n-1], applied to the signal as a whole (x[-1] = 0); 0 disables (0.97).</summary>
    public float PreEmphasis { get; init; } = 0.97f;

    /// <summary>Analysis window (Hamming).</summary>
    public FrontEndWindow Window { get; init; } = FrontEndWindow.Hamming;

    /// <summary>FFT length: a power of two at least <see cref="FrameLength"/> (512); the frame is zero-padded to it.</summary>
    public int FftSize { get; init; } = 512;

    /// <summary>Number of triangular mel filters (26; 26 to 40 is usual).</summary>
    public int MelFilterCount { get; init; } = 26;

    /// <summary>Lower edge of the first mel filter in Hz (0).</summary>
    public double LowFrequencyHz { get; init; }

    /// <summary>Upper edge of the last mel filter in Hz; null means the Nyquist frequency (SampleRate / 2).</summary>
    public double? HighFrequencyHz { get; init; }

    /// <summary>Layout of the mel filterbank (<see cref="MelFilterBankStyle.Htk"/>).</summary>
    public MelFilterBankStyle FilterBank { get; init; } = MelFilterBankStyle.Htk;

    /// <summary>
    /// Factor applied to the samples before analysis (1): 32768 puts full-scale ±1 samples on the 16-bit scale that
    /// CMU Sphinx's constants (its log floor, its noise-removal floor) are meant for. <see cref="LogFloor"/> is on the
    /// scaled signal.
    /// </summary>
    public float SampleScale { get; init; } = 1;

    /// <summary>How <see cref="LogFloor"/> is applied (<see cref="LogFloorStyle.Maximum"/>).</summary>
    public LogFloorStyle LogFloorStyle { get; init; } = LogFloorStyle.Maximum;

    /// <summary>Which noise removal <see cref="NoiseRemoval"/> runs (<see cref="NoiseRemovalStyle.HopScaled"/>).</summary>
    public NoiseRemovalStyle NoiseRemovalStyle { get; init; } = NoiseRemovalStyle.HopScaled;

    /// <summary>How deltas are computed (<see cref="DeltaStyle.Regression"/>).</summary>
    public DeltaStyle DeltaStyle { get; init; } = DeltaStyle.Regression;

    /// <summary>
    /// Whether the utterance ends with one more frame made of the samples after the last whole frame's hop, zero-padded to
    /// the frame length (CMU Sphinx's <c>fe_end_utt</c>; false). With it, any non-empty utterance has at least one frame.
    /// </summary>
    public bool FinalPartialFrame { get; init; }

    /// <summary>
    /// The initial cepstral mean of Sphinx's live CMN in a stream (<see cref="CmvnMode.SphinxCepstralMean"/> in
    /// <see cref="StreamingFeaturePipeline"/>): <see cref="RawDimension"/> comma-separated numbers, as a Sphinx model's
    /// <c>feat.params</c> <c>-cmninit</c> spells them; null starts from zero, as Sphinx does without <c>-cmninit</c>.
    /// Kept as text so that the record's value equality covers it.
    /// </summary>
    public string? LiveCmnInitialMean { get; init; }

    /// <summary>MFCC or log-mel features (MFCC).</summary>
    public FeatureKind Kind { get; init; } = FeatureKind.Mfcc;

    /// <summary>Number of cepstral coefficients including the first (13). Ignored for <see cref="FeatureKind.LogMel"/>.</summary>
    public int CepstralCount { get; init; } = 13;

    /// <summary>Whether the first coefficient is C0 or log energy (C0). Ignored for <see cref="FeatureKind.LogMel"/>.</summary>
    public EnergyTerm Energy { get; init; } = EnergyTerm.C0;

    /// <summary>Cepstral lifter L: coefficient i is scaled by 1 + (L / 2) sin(pi i / L); 0 disables (22). Ignored for <see cref="FeatureKind.LogMel"/>.</summary>
    public int LifterCoefficient { get; init; } = 22;

    /// <summary>
    /// Floor applied to mel energies and to the frame energy before the log (1e-8 on the +/-1 sample scale, or on the scale
    /// <see cref="SampleScale"/> gives; <see cref="LogFloorStyle"/> says how). It is
    /// just under the mel-band power of 16-bit quantisation noise, so that runs of exact digital silence look like
    /// the quietest real recording instead of producing arbitrarily negative logs.
    /// </summary>
    public float LogFloor { get; init; } = 1e-8f;

    /// <summary>
    /// Causal noise removal on the mel energies before the log (CMU Sphinx's <c>-remove_noise</c> scheme: a tracked noise
    /// level per filter, subtracted with temporal masking and a smoothed, clamped gain). Off by default for compatibility;
    /// the built-in model is trained with it on, so that stationary noise looks like silence.
    /// </summary>
    public bool NoiseRemoval { get; init; }

    /// <summary>0: static features only; 1: add deltas; 2: add deltas and delta-deltas (2).</summary>
    public int DeltaOrder { get; init; } = 2;

    /// <summary>Regression half-window Theta of the delta formula d_t = sum_k k (c_{t+k} - c_{t-k}) / (2 sum_k k^2), k = 1..Theta (2).</summary>
    public int DeltaWindow { get; init; } = 2;

    /// <summary>Per-utterance normalisation of the final feature vectors (mean and variance).</summary>
    public CmvnMode Normalization { get; init; } = CmvnMode.MeanVariance;

    /// <summary>Frame length in samples: round(SampleRate * FrameLengthMs / 1000).</summary>
    public int FrameLength => (int)Math.Round(SampleRate * FrameLengthMs / 1000.0, MidpointRounding.AwayFromZero);

    /// <summary>Frame hop in samples: round(SampleRate * HopLengthMs / 1000).</summary>
    public int HopLength => (int)Math.Round(SampleRate * HopLengthMs / 1000.0, MidpointRounding.AwayFromZero);

    /// <summary>Values per frame before deltas: <see cref="CepstralCount"/> (MFCC) or <see cref="MelFilterCount"/> (log-mel).</summary>
    public int RawDimension => Kind == FeatureKind.Mfcc ? CepstralCount : MelFilterCount;

    /// <summary>Values per frame after deltas: <see cref="RawDimension"/> * (1 + <see cref="DeltaOrder"/>).</summary>
    public int FeatureDimension => RawDimension * (1 + DeltaOrder);

    /// <summary>Upper edge of the filterbank in Hz after resolving null to the Nyquist frequency.</summary>
    public double EffectiveHighFrequencyHz => HighFrequencyHz ?? SampleRate / 2.0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (SampleRate <= 0) throw Bad(nameof(SampleRate), $"must be positive (is {SampleRate})");
        if (!(FrameLengthMs > 0) || FrameLength < 2) throw Bad(nameof(FrameLengthMs), $"must give at least 2 samples per frame (is {FrameLengthMs} ms = {FrameLength} samples)");
        if (!(HopLengthMs > 0) || HopLength < 1) throw Bad(nameof(HopLengthMs), $"must give at least 1 sample per hop (is {HopLengthMs} ms = {HopLength} samples)");
        if (HopLength > FrameLength) throw Bad(nameof(HopLengthMs), $"the hop ({HopLength} samples) must not exceed the frame length ({FrameLength} samples)");
        if (!(PreEmphasis >= 0 && PreEmphasis < 1)) throw Bad(nameof(PreEmphasis), $"must be in [0, 1) (is {PreEmphasis})");
        if (FftSize < 4 || (FftSize & (FftSize - 1)) != 0) throw Bad(nameof(FftSize), $"must be a power of two (is {FftSize})");
        if (FftSize < FrameLength) throw Bad(nameof(FftSize), $"({FftSize}) must be at least the frame length ({FrameLength} samples)");
        if (MelFilterCount < 1) throw Bad(nameof(MelFilterCount), $"must be positive (is {MelFilterCount})");
        double high = EffectiveHighFrequencyHz;
        if (!(LowFrequencyHz >= 0)) throw Bad(nameof(LowFrequencyHz), $"must not be negative (is {LowFrequencyHz})");
        if (!(high > LowFrequencyHz) || high > SampleRate / 2.0) throw Bad(nameof(HighFrequencyHz), $"must be above the low frequency ({LowFrequencyHz} Hz) and at most Nyquist ({SampleRate / 2.0} Hz) (is {high} Hz)");
        if ((uint)Kind > (uint)FeatureKind.LogMel) throw Bad(nameof(Kind), $"is not a defined value ({Kind})");
        if ((uint)Energy > (uint)EnergyTerm.LogEnergy) throw Bad(nameof(Energy), $"is not a defined value ({Energy})");
        if ((uint)Window > (uint)FrontEndWindow.Rectangular) throw Bad(nameof(Window), $"is not a defined value ({Window})");
        if ((uint)Normalization > (uint)CmvnMode.SphinxCepstralMean) throw Bad(nameof(Normalization), $"is not a defined value ({Normalization})");
        if ((uint)FilterBank > (uint)MelFilterBankStyle.Sphinx) throw Bad(nameof(FilterBank), $"is not a defined value ({FilterBank})");
        if ((uint)LogFloorStyle > (uint)LogFloorStyle.Additive) throw Bad(nameof(LogFloorStyle), $"is not a defined value ({LogFloorStyle})");
        if ((uint)NoiseRemovalStyle > (uint)NoiseRemovalStyle.Sphinx) throw Bad(nameof(NoiseRemovalStyle), $"is not a defined value ({NoiseRemovalStyle})");
        if ((uint)DeltaStyle > (uint)DeltaStyle.SphinxDifference) throw Bad(nameof(DeltaStyle), $"is not a defined value ({DeltaStyle})");
        if (!(SampleScale > 0) || float.IsInfinity(SampleScale)) throw Bad(nameof(SampleScale), $"must be positive and finite (is {SampleScale})");
        if (Normalization == CmvnMode.SphinxCepstralMean && Kind != FeatureKind.Mfcc) throw Bad(nameof(Normalization), "SphinxCepstralMean needs MFCC features (its rule reads the first cepstral coefficient)");
        if (LiveCmnInitialMean is not null)
        {
            try
            {
                _ = ParseLiveCmnInitialMean();
            }
            catch (FormatException e)
            {
                throw Bad(nameof(LiveCmnInitialMean), e.Message);
            }
        }
        if (Kind == FeatureKind.Mfcc && (CepstralCount < 1 || CepstralCount > MelFilterCount))
        {
            throw Bad(nameof(CepstralCount), $"must be between 1 and the mel filter count {MelFilterCount} (is {CepstralCount})");
        }
        if (LifterCoefficient < 0) throw Bad(nameof(LifterCoefficient), $"must not be negative (is {LifterCoefficient})");
        if (!(LogFloor > 0) || float.IsInfinity(LogFloor)) throw Bad(nameof(LogFloor), $"must be positive and finite (is {LogFloor})");
        if (DeltaOrder < 0 || DeltaOrder > 2) throw Bad(nameof(DeltaOrder), $"must be 0, 1 or 2 (is {DeltaOrder})");
        if (DeltaOrder > 0 && DeltaWindow < 1) throw Bad(nameof(DeltaWindow), $"must be at least 1 when deltas are on (is {DeltaWindow})");
    }

    /// <summary>The numbers of <see cref="LiveCmnInitialMean"/> (RawDimension of them), or zeros when it is null.</summary>
    /// <exception cref="FormatException">The text is not RawDimension comma-separated finite numbers.</exception>
    public float[] ParseLiveCmnInitialMean()
    {
        var mean = new float[RawDimension];
        if (LiveCmnInitialMean is null) return mean;
        string[] parts = LiveCmnInitialMean.Split(',');
        if (parts.Length != mean.Length) throw new FormatException($"has {parts.Length} values ('{LiveCmnInitialMean}') but a raw frame has {mean.Length}");
        for (int i = 0; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i].Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out mean[i]) || !float.IsFinite(mean[i]))
                throw new FormatException($"value {i + 1} ('{parts[i]}') is not a finite number");
        }
        return mean;
    }

    private static ArgumentException Bad(string name, string problem) => new($"FrontEndOptions.{name} {problem}.", name);
}

namespace Hmm.Tests;

/// <summary>
/// Every numeric tolerance of the tests, with why it is that size. A test that needs a new one adds it here; none is
/// widened to make a test pass without the reason written beside it.
/// </summary>
public static class Tolerances
{
    // ---- float32 engines against the float64 reference (Support/Tolerance.cs applies these) ----

    /// <summary>Log-likelihoods and scores, relative to the sequence's magnitude (frames + Σ_t max_j |e_t(j)|): each frame adds a few float32 roundings (ε ≈ 6e-8) of that frame's size.</summary>
    public const double LogRelative = 2e-6;

    /// <summary>Log-likelihoods and scores, absolute: the log-sum-exp of a frame loses up to a few float32 ulps of values near 1.</summary>
    public const double LogAbsolute = 1e-3;

    /// <summary>State posteriors (absolute): exp of a float32 log difference carries the log's absolute error into a probability ≤ 1.</summary>
    public const double Probability = 2e-3;

    /// <summary>A frame's state posteriors sum to 1: n float32 probabilities, each normalised by the same float32 total.</summary>
    public const double PosteriorSum = 1e-4;

    /// <summary>Expected transition counts, relative with a floor of 1: sums over frames of float32 products of posteriors.</summary>
    public const double ExpectedTransitions = 1e-3;

    /// <summary>The scaled two-pass step against its float64 definition, relative to (|value| + <see cref="TwoPassStepMagnitude"/>): a few float32 roundings of inputs up to ~270 nats.</summary>
    public const double TwoPassStepRelative = 4e-7;

    /// <summary>The largest input magnitude (nats) of the two-pass step cases, rounded up: what its roundings scale with.</summary>
    public const double TwoPassStepMagnitude = 300;

    /// <summary>The two-pass step, absolute: exp and log of the lanes (<see cref="LaneMathRelative"/>) near 0.</summary>
    public const double TwoPassStepAbsolute = 1e-5;

    /// <summary>The lanes' exp and log (Cephes polynomials) against double: a few float32 ulps (ε ≈ 6e-8).</summary>
    public const double LaneMathRelative = 4e-7;

    /// <summary>Log near 1 has a result near 0, where the error is absolute: about two float32 ulps of 1.</summary>
    public const double LaneMathAbsolute = 2e-7;

    /// <summary>Block leave times, per frame of the sequence (times 1 + length): a float32 posterior share per frame, summed.</summary>
    public const double LeaveTimePerFrame = 1e-3;

    /// <summary>A component's float32 share of a frame (<c>GmmFrameStatistics.Shares</c>) against float64, per unit of state occupancy.</summary>
    public const double ComponentShare = 1e-4;

    /// <summary>GMM statistics, absolute floor: float32 rounding of occupancy sums over a few hundred frames.</summary>
    public const double StatisticsAbsolute = 1e-3;

    /// <summary>GMM statistics, per frame: a component share at the engine's 1e-4 pruning threshold may fall either side in float32, in each of two calls.</summary>
    public const double StatisticsThresholdPerFrame = 2e-4;

    /// <summary>GMM statistics, relative: float64 accumulation of float32 densities.</summary>
    public const double StatisticsRelative = 1e-3;

    /// <summary>Occupancy after reloading the same features (relative, floor 1): the same kernels on the same values, up to the order of float atomics.</summary>
    public const double ReloadedOccupancy = 1e-4;

    // ---- float64 reference against its own definitions ----

    /// <summary>The float64 reference against brute-force enumeration and the textbook recursions (relative, floor 1 for logs): summation order only.</summary>
    public const double Reference = 1e-9;

    // ---- audio front end ----
    // Both our front end and NWaves compute in float32 (FFT, filterbank, DCT). On all 240 speech-dev files the largest
    // per-coefficient difference seen is 2.2e-3 (26 filters, 10 ms) and 5.8e-3 (40 filters, 5 ms) for liftered MFCCs whose
    // RMS values are 8 to 40, RMS differences around 1e-4; log-mel bands differ by at most 7e-4 (natural-log units).
    // The speech limits are about twice that. Synthetic signals are harsher (a pure chirp leaves bands 100 dB under
    // the peak, where float FFT rounding shows): there NWaves itself is up to 4.3e-3 from a double-precision DFT
    // reference and ours up to 6.5e-4 (FeatureExtractorTests.Log_mel_matches_a_double_precision_reference), so the
    // synthetic limits are wider.

    /// <summary>MFCC against NWaves on speech, largest per-coefficient difference (cepstral units).</summary>
    public const double SpeechMfccMax = 1e-2;

    /// <summary>MFCC against NWaves on speech, RMS per coefficient.</summary>
    public const double SpeechMfccRms = 5e-4;

    /// <summary>Log-mel against NWaves on speech, largest difference (natural-log units).</summary>
    public const double SpeechLogMelMax = 2e-3;

    /// <summary>Log-mel against NWaves on speech, RMS per band.</summary>
    public const double SpeechLogMelRms = 1e-4;

    /// <summary>MFCC against NWaves on synthetic signals, largest difference.</summary>
    public const double SyntheticMfccMax = 3e-2;

    /// <summary>MFCC against NWaves on synthetic signals, RMS.</summary>
    public const double SyntheticMfccRms = 2e-3;

    /// <summary>Log-mel against NWaves on synthetic signals, largest difference.</summary>
    public const double SyntheticLogMelMax = 1e-2;

    /// <summary>Log-mel against NWaves on synthetic signals, RMS.</summary>
    public const double SyntheticLogMelRms = 5e-4;

    /// <summary>Our log-mel against a double-precision DFT-by-summation reference: the 6.5e-4 seen on synthetic signals, three times over.</summary>
    public const double LogMelVsDouble = 2e-3;

    /// <summary>Mean-variance normalised features against NWaves plus our CMVN: in standard deviations, so tighter than raw MFCC.</summary>
    public const double NormalisedFeatures = 2e-3;

    /// <summary>The mean of a mean-normalised feature over an utterance: float32 subtraction of the float64 mean.</summary>
    public const double NormalisedMean = 1e-4;

    /// <summary>The variance of a variance-normalised feature, from 1: float32 division by the float64 deviation.</summary>
    public const double NormalisedVariance = 1e-3;

    /// <summary>Silence's cepstrum beyond c0 (all filter logs equal, so the DCT gives 0): float32 DCT roundings of c0 ≈ -94.</summary>
    public const double SilenceCepstrum = 1e-3;

    /// <summary>Real FFT power against a double DFT, relative to the largest bin: float32 butterflies spread a few ulps of the peak.</summary>
    public const double FftRelativeToPeak = 1e-5;

    /// <summary>Real FFT power against a double DFT, relative to the bin itself: the float32 squares of re and im.</summary>
    public const double FftRelativeToBin = 1e-4;

    /// <summary>Decoded WAV samples against the exact code / full scale: one float32 rounding of a value in [-1, 1) (ulp ≤ 6e-8), channel average included.</summary>
    public const double WavSample = 1e-7;

    /// <summary>The resampler's pass-band gain (dB): the filter's ripple is designed under 0.01 dB.</summary>
    public const double ResamplerGainDb = 0.01;

    /// <summary>The resampler's phase (radians) at 1 kHz: zero-phase filter; a float32 sinusoid fit over one second.</summary>
    public const double ResamplerPhase = 1e-3;

    /// <summary>DC through the resampler away from the edges: the filter's DC gain is 1 up to float32 sums of its taps.</summary>
    public const double ResamplerDc = 1e-5;

    // ---- adaptation and training ----

    /// <summary>MLLR from statistics equal to the model's own means: the identity transform up to a float32 solve of a well-conditioned system.</summary>
    public const double MllrIdentity = 1e-4;

    /// <summary>Baum-Welch never lowers the likelihood per frame between iterations; float32 emissions may move it by this much either way.</summary>
    public const double TrainingLikelihoodPerFrame = 1e-3;

    // ---- streaming: visemes ----

    /// <summary>Shape weights summed from phone posteriors against the float64 posterior mass: 41 float32 additions of values ≤ 1.</summary>
    public const double ShapeWeightSum = 1e-5;

    /// <summary>The smoother's float32 recursion against its closed form 1 - exp(-t / tau): a float32 rounding per hop over tens of hops.</summary>
    public const double SmootherStep = 1e-5;

    // ---- streaming: live front end and lip-sync ----

    /// <summary>
    /// The running normalisation (float64 recursions of decayed sums, rounded to float32 once) against the closed-form decayed
    /// sums in float64, relative with a floor of 1: the float32 rounding of the output (≤ 6e-8 relative; 5.6e-8 seen) dominates;
    /// the two float64 orders of summation differ by ~1e-15 of the sums, and the variance's cancellation (sum of squares /
    /// count - mean², c0 near -50 with a variance near 20) costs at most three more digits of that.
    /// </summary>
    public const double RunningNormalisation = 2e-7;

    /// <summary>
    /// A live frame's phone posteriors sum to 1 (and no mouth weight, a sum of them, passes 1): the decoder's state posteriors
    /// sum to 1 within <see cref="PosteriorSum"/>, and adding them into phones in float32 adds ~130 roundings of at most 6e-8.
    /// </summary>
    public const double PhonePosteriorSum = 2e-4;
}

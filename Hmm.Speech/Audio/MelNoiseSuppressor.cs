using System;

namespace Hmm.Speech.Audio;

/// <summary>
/// Causal noise removal on the mel filterbank energies of successive frames, the scheme of CMU Sphinx's front end
/// (<c>-remove_noise yes</c>; after Doblinger's spectral minimum tracking and Kim's PNCC): per filter, a smoothed power,
/// a noise level that rises slowly and falls fast under it, the power above the noise with temporal masking and a
/// floor, and a gain (signal over power, clamped to 1/20..20) smoothed over neighbouring filters, applied to the energy.
/// Stationary noise (fan, hiss, room tone) is pulled toward the same low level whatever its colour, so silence in noise
/// looks like silence to a model trained with it.
/// </summary>
/// <remarks>
/// The recursion runs frame by frame from the start of an utterance or stream (<see cref="Reset"/>), which is why the
/// offline and the streaming extractor, both of which feed frames in order through one <see cref="FrameAnalyzer"/>, get
/// identical features. Sphinx's constants are per 10 ms frame; the default (<see cref="NoiseRemovalStyle.HopScaled"/>)
/// converts them to the frame hop so that the time constants, not the per-frame factors, stay the same, and differs from
/// Sphinx in three more ways even at a 10 ms hop (the noise level starts at the first frame's power instead of 1/20 of it,
/// the log floor is added to every energy, a masked fall is held at 15 % of the peak instead of 20 %, and the signal above
/// the noise is floored at 0 instead of 1 on the 16-bit scale). <see cref="NoiseRemovalStyle.Sphinx"/> is <c>fe_noise.c</c>
/// of sphinxbase 5prealpha exactly (in double precision, as there).
/// </remarks>
internal sealed class MelNoiseSuppressor
{
    private const double PowerSmoothing = 0.7;     // smoothed power: p = a p + (1 - a) x, per 10 ms
    private const double NoiseRise = 0.995;        // noise level rising toward the power (slow), per 10 ms
    private const double NoiseFall = 0.5;          // noise level falling toward the power (fast), per 10 ms
    private const double MaskDecay = 0.85;         // temporal-masking peak decay, per 10 ms
    private const double MaxGain = 20;
    private const int SmoothingHalfWidth = 4;      // gain smoothed over +-4 filters

    private readonly int _count;
    private readonly double _power, _rise, _fall, _mask;
    private const double MaskLevel = 1 - MaskDecay; // a masked fall is held at this share of the peak
    private const double SphinxMaskLevel = 0.2;     // fe_noise.c's MU_T
    private readonly double _epsilon;
    private readonly bool _sphinx;
    private readonly double _signalFloor;
    private readonly double _maskLevel;
    private readonly double[] _smoothed, _noise, _floor, _peak, _gain;
    private bool _started;

    /// <summary>A suppressor for <paramref name="filterCount"/> filters at a hop of <paramref name="hopMs"/> ms.</summary>
    /// <param name="filterCount">Mel filters per frame.</param>
    /// <param name="hopMs">Frame hop in milliseconds.</param>
    /// <param name="epsilon">Energy added before any ratio, so runs of digital silence stay defined (the log floor); not used by the Sphinx style.</param>
    /// <param name="style">Which variant (see the remarks).</param>
    /// <param name="sampleScale">The front end's <see cref="FrontEndOptions.SampleScale"/>: the Sphinx style floors the signal at 1 on the 16-bit scale.</param>
    public MelNoiseSuppressor(int filterCount, double hopMs, double epsilon, NoiseRemovalStyle style = NoiseRemovalStyle.HopScaled, double sampleScale = 1)
    {
        _count = filterCount;
        _sphinx = style == NoiseRemovalStyle.Sphinx;
        double k = _sphinx ? 1 : hopMs / 10.0;
        _signalFloor = _sphinx ? sampleScale / 32768.0 * (sampleScale / 32768.0) : 0;
        _maskLevel = _sphinx ? SphinxMaskLevel : MaskLevel;
        if (_sphinx) epsilon = 0;
        _power = Math.Pow(PowerSmoothing, k);
        _rise = Math.Pow(NoiseRise, k);
        _fall = Math.Pow(NoiseFall, k);
        _mask = Math.Pow(MaskDecay, k);
        _epsilon = epsilon;
        _smoothed = new double[filterCount];
        _noise = new double[filterCount];
        _floor = new double[filterCount];
        _peak = new double[filterCount];
        _gain = new double[filterCount];
    }

    /// <summary>Starts a new utterance or stream: the next frame initialises the noise estimate.</summary>
    public void Reset() => _started = false;

    /// <summary>Scales the frame's filter energies in place (the first <c>filterCount</c> values of <paramref name="energies"/>).</summary>
    public void Process(Span<float> energies)
    {
        int n = _count;
        if (!_started)
        {
            for (int i = 0; i < n; i++)
            {
                double x = energies[i] + _epsilon;
                _smoothed[i] = x;
                _noise[i] = _sphinx ? x / MaxGain : x;
                _floor[i] = x / MaxGain;
                _peak[i] = 0;
            }
            _started = true;
        }
        for (int i = 0; i < n; i++)
        {
            double x = energies[i] + _epsilon;
            double p = _smoothed[i] = _power * _smoothed[i] + (1 - _power) * x;
            _noise[i] = Track(_noise[i], p);
            double s = p - _noise[i];
            if (s < _signalFloor) s = _signalFloor;
            _floor[i] = Track(_floor[i], s);
            // Temporal masking: a fall below the decaying peak of the recent signal is held at a share of that peak.
            double peak = _peak[i] * _mask;
            double masked = s < MaskDecay * peak ? peak * _maskLevel : s;
            _peak[i] = Math.Max(peak, s);
            double signal = masked < _floor[i] ? _floor[i] : masked;
            if (_sphinx)
            {
                double gain = signal < MaxGain * p ? signal / p : MaxGain;
                _gain[i] = gain < 1 / MaxGain ? 1 / MaxGain : gain;
            }
            else
            {
                _gain[i] = Math.Clamp(signal / p, 1 / MaxGain, MaxGain);
            }
        }
        for (int i = 0; i < n; i++)
        {
            int lo = Math.Max(0, i - SmoothingHalfWidth), hi = Math.Min(n - 1, i + SmoothingHalfWidth);
            double sum = 0;
            for (int j = lo; j <= hi; j++) sum += _gain[j];
            energies[i] = (float)((energies[i] + _epsilon) * (sum / (hi - lo + 1)));
        }
    }

    /// <summary>A level that follows <paramref name="value"/> slowly upward and quickly downward (a low envelope).</summary>
    private double Track(double level, double value) =>
        value >= level ? _rise * level + (1 - _rise) * value : _fall * level + (1 - _fall) * value;
}

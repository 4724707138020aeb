using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hmm.Simd;

namespace Hmm.Speech.Audio;

/// <summary>
/// Turns one frame of samples into its raw feature vector (MFCC or log-mel). Everything it needs (window,
/// FFT tables, filterbank, DCT matrix with the lifter folded in, scratch) is built in the constructor, so
/// <see cref="Process"/> allocates nothing. Shared by the offline and the streaming extractor, which is what
/// makes their raw features bit-identical. Not thread-safe (one instance per thread).
/// </summary>
internal sealed class FrameAnalyzer
{
    private readonly int _frameLength;
    private readonly float _preEmphasis;
    private readonly float[] _window;     // frame length
    private readonly RealFft _fft;
    private readonly float[] _frame;      // FFT size; [frameLength, fftSize) stays zero
    private readonly float[] _power;      // FFT size / 2 + 1, padded to whole vectors
    private readonly int[] _filterStart;  // first FFT bin of each mel filter
    private readonly int[] _filterLength; // bins in each filter
    private readonly int[] _filterOffset; // offset of each filter's weights in _filterWeights
    private readonly float[] _filterWeights;
    private readonly float[] _logMel;     // mel filter count, padded to whole vectors
    private readonly float[] _dct;        // cepstra x stride, lifter folded in
    private readonly int _dctStride;
    private readonly int _melCount;
    private readonly int _cepstra;
    private readonly bool _mfcc;
    private readonly bool _logEnergy;
    private readonly float _logFloor;
    private readonly bool _additiveFloor;
    private readonly MelNoiseSuppressor? _noise;

    public FrameAnalyzer(FrontEndOptions options)
    {
        options.Validate();
        _frameLength = options.FrameLength;
        _preEmphasis = options.PreEmphasis;
        _window = MakeWindow(options.Window, _frameLength);
        if (options.SampleScale != 1)
        {
            // The sample scale is folded into the window: (x[n] - a x[n-1]) (w[n] s) is the analysis of s x.
            for (int n = 0; n < _frameLength; n++) _window[n] *= options.SampleScale;
        }
        _fft = new RealFft(options.FftSize);
        _frame = new float[options.FftSize];
        _melCount = options.MelFilterCount;
        _logMel = new float[AudioSimd.RoundUpToVector(_melCount)];
        _mfcc = options.Kind == FeatureKind.Mfcc;
        _cepstra = options.CepstralCount;
        _logEnergy = _mfcc && options.Energy == EnergyTerm.LogEnergy;
        _logFloor = options.LogFloor;
        _additiveFloor = options.LogFloorStyle == LogFloorStyle.Additive;
        _noise = options.NoiseRemoval ? new MelNoiseSuppressor(_melCount, options.HopLengthMs, options.LogFloor, options.NoiseRemovalStyle, options.SampleScale) : null;

        float[][] bank = options.FilterBank == MelFilterBankStyle.Sphinx ? SphinxMelFilterBank(options) : MelFilterBank(options);
        _filterStart = new int[_melCount];
        _filterLength = new int[_melCount];
        _filterOffset = new int[_melCount];
        int total = 0;
        for (int f = 0; f < _melCount; f++)
        {
            int first = Array.FindIndex(bank[f], w => w != 0);
            int last = Array.FindLastIndex(bank[f], w => w != 0);
            if (first < 0)
            {
                throw new ArgumentException(
                    $"FrontEndOptions: mel filter {f} of {_melCount} covers no FFT bin ({options.FftSize}-point FFT at {options.SampleRate} Hz); use fewer mel filters or a larger FFT.",
                    nameof(options));
            }
            _filterStart[f] = first;
            _filterLength[f] = last - first + 1;
            _filterOffset[f] = total;
            total += AudioSimd.RoundUpToVector(last - first + 1);
        }
        // Every filter is read as whole vectors (its weights are zero-padded), so the power spectrum is padded to cover
        // the last vector of every filter; the padding is never written and stays zero.
        int powerLength = AudioSimd.RoundUpToVector(_fft.BinCount);
        for (int f = 0; f < _melCount; f++) powerLength = Math.Max(powerLength, _filterStart[f] + AudioSimd.RoundUpToVector(_filterLength[f]));
        _power = new float[powerLength];
        _filterWeights = new float[total];
        for (int f = 0; f < _melCount; f++)
        {
            Array.Copy(bank[f], _filterStart[f], _filterWeights, _filterOffset[f], _filterLength[f]);
        }

        _dctStride = AudioSimd.RoundUpToVector(_melCount);
        _dct = new float[_mfcc ? _cepstra * _dctStride : 0];
        if (_mfcc)
        {
            // Orthonormal DCT-II: c_k = s_k sum_n m_n cos(pi k (n + 1/2) / N), s_0 = sqrt(1/N), s_k = sqrt(2/N); lifter folded in.
            int n = _melCount;
            int lifter = options.LifterCoefficient;
            for (int k = 0; k < _cepstra; k++)
            {
                double scale = k == 0 ? Math.Sqrt(1.0 / n) : Math.Sqrt(2.0 / n);
                double lift = lifter > 0 ? 1 + lifter / 2.0 * Math.Sin(Math.PI * k / lifter) : 1;
                for (int j = 0; j < n; j++)
                {
                    _dct[k * _dctStride + j] = (float)(scale * lift * Math.Cos(Math.PI * k * (j + 0.5) / n));
                }
            }
        }
    }

    /// <summary>Starts a new utterance or stream: forgets the noise estimate (the only state kept from frame to frame).</summary>
    public void Reset() => _noise?.Reset();

    /// <summary>Computes the raw features of one frame; with noise removal, frames must come in order (see <see cref="Reset"/>).</summary>
    /// <param name="samples">
    /// The frame's <c>FrameLength</c> samples, or fewer for a final partial frame: those are pre-emphasised and the frame
    /// is zero-padded after them (as Sphinx's <c>fe_end_utt</c>).
    /// </param>
    /// <param name="previous">The sample just before the frame in the signal (0 at the start), for pre-emphasis.</param>
    /// <param name="features">Receives the raw feature vector (<c>RawDimension</c> values).</param>
    public void Process(ReadOnlySpan<float> samples, float previous, Span<float> features)
    {
        int length = Math.Min(samples.Length, _frameLength);
        ref float x = ref MemoryMarshal.GetReference(samples);
        ref float w = ref _window[0];
        ref float y = ref _frame[0];
        float a = _preEmphasis;

        // 1. Pre-emphasis (continuing the signal: the first sample uses the one before the frame) and window.
        Unsafe.Add(ref y, 0) = (x - a * previous) * w;
        int i = 1;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(a);
            int width = Vector<float>.Count;
            for (; i <= length - width; i += width)
            {
                var cur = AudioSimd.Load(ref Unsafe.Add(ref x, i));
                var prev = AudioSimd.Load(ref Unsafe.Add(ref x, i - 1));
                AudioSimd.Store((cur - va * prev) * AudioSimd.Load(ref Unsafe.Add(ref w, i)), ref Unsafe.Add(ref y, i));
            }
        }
        for (; i < length; i++)
        {
            Unsafe.Add(ref y, i) = (Unsafe.Add(ref x, i) - a * Unsafe.Add(ref x, i - 1)) * Unsafe.Add(ref w, i);
        }
        if (length < _frameLength) Array.Clear(_frame, length, _frameLength - length);

        // 2. Power spectrum (the zero padding beyond the frame was set once and is never written).
        _fft.PowerSpectrum(_frame, _power);

        // 3. Mel filterbank and log.
        ref float power = ref _power[0];
        ref float weights = ref _filterWeights[0];
        ref float logMel = ref _logMel[0];
        float floor = _logFloor;
        if (Vector.IsHardwareAccelerated)
        {
            // Whole vectors per filter (zero-padded weights), then the floor and a vector log over all the energies
            // (the padding lanes beyond the last filter hold the floor's log and meet zero DCT weights).
            for (int f = 0; f < _melCount; f++)
            {
                Unsafe.Add(ref logMel, f) = AudioSimd.Dot(ref Unsafe.Add(ref weights, _filterOffset[f]), ref Unsafe.Add(ref power, _filterStart[f]),
                    AudioSimd.RoundUpToVector(_filterLength[f]));
            }
            _noise?.Process(_logMel);
            var lane = default(LaneVectorT);
            var vfloor = new Vector<float>(floor);
            for (int j = 0; j < _logMel.Length; j += Vector<float>.Count)
            {
                ref float slot = ref Unsafe.Add(ref logMel, j);
                var e = AudioSimd.Load(ref slot);
                AudioSimd.Store(lane.Log(_additiveFloor ? e + vfloor : Vector.Max(e, vfloor)), ref slot);
            }
        }
        else
        {
            for (int f = 0; f < _melCount; f++)
            {
                Unsafe.Add(ref logMel, f) = AudioSimd.Dot(ref Unsafe.Add(ref weights, _filterOffset[f]), ref Unsafe.Add(ref power, _filterStart[f]), _filterLength[f]);
            }
            _noise?.Process(_logMel);
            for (int f = 0; f < _melCount; f++)
            {
                float e = Unsafe.Add(ref logMel, f);
                Unsafe.Add(ref logMel, f) = (float)Math.Log(_additiveFloor ? e + floor : Math.Max(e, floor));
            }
        }

        if (!_mfcc)
        {
            _logMel.AsSpan(0, _melCount).CopyTo(features);
            return;
        }

        // 4. DCT (+ lifter), optionally log energy in place of C0.
        ref float dct = ref _dct[0];
        ref float output = ref MemoryMarshal.GetReference(features);
        for (int k = 0; k < _cepstra; k++)
        {
            Unsafe.Add(ref output, k) = AudioSimd.Dot(ref Unsafe.Add(ref dct, k * _dctStride), ref logMel, _melCount);
        }
        if (_logEnergy)
        {
            float energy = AudioSimd.Dot(ref y, ref y, length);
            output = (float)Math.Log(_additiveFloor ? energy + floor : Math.Max(energy, floor));
        }
    }

    /// <summary>Sphinx's mel scale: 2595 log10(1 + f / 700), rounded to single precision as <c>fe_mel</c> returns it.</summary>
    private static float SphinxMel(float hz) => (float)(2595.0 * Math.Log10(1.0 + hz / 700.0));

    /// <summary>Inverse of <see cref="SphinxMel"/>, as <c>fe_melinv</c>.</summary>
    private static float SphinxMelInverse(float mel) => (float)(700.0 * (Math.Pow(10.0, mel / 2595.0) - 1.0));

    /// <summary>
    /// CMU Sphinx's filterbank (<c>fe_build_melfilters</c> with <c>-round_filters yes -unit_area yes</c>, no warping, no
    /// double-wide filters), in Sphinx's single-precision arithmetic: filter i's left, centre and right frequencies are
    /// points i, i + 1, i + 2 of MelFilterCount + 2 equally spaced on the mel scale, rounded to FFT bins; bin j from the
    /// left to the right frequency inclusive (never the Nyquist bin) weighs min(rising, falling) slope, each scaled by
    /// 2 / (right - left).
    /// </summary>
    public static float[][] SphinxMelFilterBank(FrontEndOptions options)
    {
        int count = options.MelFilterCount;
        int fftSize = options.FftSize;
        int bins = fftSize / 2 + 1;
        float melMin = SphinxMel((float)options.LowFrequencyHz);
        float melMax = SphinxMel((float)options.EffectiveHighFrequencyHz);
        float melWidth = (melMax - melMin) / (count + 1);
        float binHz = options.SampleRate / (float)fftSize;
        var bank = new float[count][];
        Span<float> freqs = stackalloc float[3];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                freqs[j] = SphinxMelInverse((i + j) * melWidth + melMin);
                freqs[j] = (int)(freqs[j] / binHz + 0.5) * binHz;
            }
            var row = new float[bins];
            for (int j = 0; j < bins; j++)
            {
                float hz = j * binHz;
                if (hz < freqs[0]) continue;
                if (hz > freqs[2] || j == fftSize / 2) break;
                float rising = (hz - freqs[0]) / (freqs[1] - freqs[0]);
                float falling = (freqs[2] - hz) / (freqs[2] - freqs[1]);
                rising *= 2 / (freqs[2] - freqs[0]);
                falling *= 2 / (freqs[2] - freqs[0]);
                row[j] = rising < falling ? rising : falling;
            }
            bank[i] = row;
        }
        return bank;
    }

    private static float[] MakeWindow(FrontEndWindow kind, int length)
    {
        var window = new float[length];
        for (int n = 0; n < length; n++)
        {
            double phase = 2 * Math.PI * n / (length - 1);
            window[n] = kind switch
            {
                FrontEndWindow.Hamming => (float)(0.54 - 0.46 * Math.Cos(phase)),
                FrontEndWindow.Hann => (float)(0.5 - 0.5 * Math.Cos(phase)),
                _ => 1f,
            };
        }
        return window;
    }

    /// <summary>HTK mel scale: 1127 ln(1 + f / 700).</summary>
    public static double HzToMel(double hz) => 1127.0 * Math.Log(1 + hz / 700.0);

    /// <summary>Inverse of <see cref="HzToMel"/>.</summary>
    public static double MelToHz(double mel) => 700.0 * (Math.Exp(mel / 1127.0) - 1);

    /// <summary>
    /// Triangular filters equally spaced on the HTK mel scale, with weights linear in mel (as HTK, Kaldi and
    /// NWaves' default MFCC filterbank): filter i rises from edge i to centre i + 1 and falls to edge i + 2 of
    /// MelFilterCount + 2 equally spaced mel points between the low and high frequencies.
    /// </summary>
    public static float[][] MelFilterBank(FrontEndOptions options)
    {
        int count = options.MelFilterCount;
        int bins = options.FftSize / 2 + 1;
        double lowMel = HzToMel(options.LowFrequencyHz);
        double highMel = HzToMel(options.EffectiveHighFrequencyHz);
        double spacing = (highMel - lowMel) / (count + 1);
        var binMel = new double[bins];
        double binHz = (double)options.SampleRate / options.FftSize;
        for (int j = 0; j < bins; j++) binMel[j] = HzToMel(j * binHz);

        var bank = new float[count][];
        for (int f = 0; f < count; f++)
        {
            // Edges go through Hz and back so that they are the same doubles NWaves computes.
            double left = HzToMel(MelToHz(lowMel + f * spacing));
            double centre = HzToMel(MelToHz(lowMel + (f + 1) * spacing));
            double right = HzToMel(MelToHz(lowMel + (f + 2) * spacing));
            var row = new float[bins];
            for (int j = 0; j < bins; j++)
            {
                double m = binMel[j];
                if (m <= left || m >= right) continue;
                row[j] = m <= centre ? (float)((m - left) / (centre - left)) : (float)((right - m) / (right - centre));
            }
            bank[f] = row;
        }
        return bank;
    }
}

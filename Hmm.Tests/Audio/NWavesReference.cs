using System;
using System.Collections.Generic;
using Hmm.Speech.Audio;
using NWaves.FeatureExtractors;
using NWaves.FeatureExtractors.Options;
using NWaves.Filters.Fda;
using NWaves.Utils;
using NWaves.Windows;
using NwPost = NWaves.FeatureExtractors.Base.FeaturePostProcessing;

namespace Hmm.Tests.Audio;

/// <summary>
/// NWaves 0.9.6 configured identically to a <see cref="FrontEndOptions"/>: same framing, whole-signal
/// pre-emphasis, window, 512-point power spectrum, HTK mel filterbank (triangles in the mel domain, NWaves' own
/// construction), natural log with the same floor, orthonormal DCT-II ("2N"), HTK lifter, log energy.
/// </summary>
internal static class NWavesReference
{
    private static WindowType Window(FrontEndWindow w) => w switch
    {
        FrontEndWindow.Hamming => WindowType.Hamming,
        FrontEndWindow.Hann => WindowType.Hann,
        _ => WindowType.Rectangular,
    };

    /// <summary>Raw per-frame features (MFCC or log-mel) computed by NWaves.</summary>
    public static List<float[]> Raw(FrontEndOptions o, float[] samples)
    {
        if (o.Kind == FeatureKind.Mfcc)
        {
            var extractor = new MfccExtractor(new MfccOptions
            {
                SamplingRate = o.SampleRate,
                FeatureCount = o.CepstralCount,
                FrameSize = o.FrameLength,
                HopSize = o.HopLength,
                FftSize = o.FftSize,
                FilterBankSize = o.MelFilterCount,
                LowFrequency = o.LowFrequencyHz,
                HighFrequency = o.EffectiveHighFrequencyHz,
                PreEmphasis = o.PreEmphasis,
                Window = Window(o.Window),
                LifterSize = o.LifterCoefficient,
                DctType = "2N",
                NonLinearity = NonLinearityType.LogE,
                SpectrumType = SpectrumType.Power,
                LogFloor = o.LogFloor,
                IncludeEnergy = o.Energy == EnergyTerm.LogEnergy,
                LogEnergyFloor = o.LogFloor,
            });
            return extractor.ComputeFrom(samples);
        }

        var melBands = FilterBanks.MelBands(o.MelFilterCount, o.SampleRate, o.LowFrequencyHz, o.EffectiveHighFrequencyHz);
        float[][] bank = FilterBanks.Triangular(o.FftSize, o.SampleRate, melBands, mapper: Scale.HerzToMel);
        var logMel = new FilterbankExtractor(new FilterbankOptions
        {
            SamplingRate = o.SampleRate,
            FrameSize = o.FrameLength,
            HopSize = o.HopLength,
            FilterBank = bank,
            PreEmphasis = o.PreEmphasis,
            Window = Window(o.Window),
            NonLinearity = NonLinearityType.LogE,
            SpectrumType = SpectrumType.Power,
            LogFloor = o.LogFloor,
        });
        return logMel.ComputeFrom(samples);
    }

    /// <summary>Full features: NWaves raw features, NWaves deltas (edge frames replicated), NWaves mean and variance normalisation (population variance).</summary>
    public static List<float[]> Full(FrontEndOptions o, float[] samples)
    {
        List<float[]> vectors = Raw(o, samples);
        if (vectors.Count == 0) return vectors;
        if (o.DeltaOrder > 0) NwPost.AddDeltas(vectors, includeDeltaDelta: o.DeltaOrder == 2, N: o.DeltaWindow);
        if (o.Normalization != CmvnMode.None) NwPost.NormalizeMean(vectors);
        if (o.Normalization == CmvnMode.MeanVariance) NwPost.NormalizeVariance(vectors, bias: 0);
        return vectors;
    }
}

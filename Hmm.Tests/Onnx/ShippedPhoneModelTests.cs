using System;
using System.IO;
using System.Linq;
using Hmm.Engine;
using Hmm.FrameClassifier;
using Hmm.Onnx;
using Hmm.Speech;
using Hmm.Speech.Audio;
using Hmm.Testing;
using Hmm.Tests.Alignment;
using Xunit;

namespace Hmm.Tests.Onnx;

/// <summary>
/// The phone-frame classifier the project ships (samples/onnx/phone-mlp.onnx, trained on speech-dev by tools/Hmm.FrameClassifier
/// with the repository's three samples held out): it loads, it recognises held-out speech well above chance, ONNX Runtime
/// computes what a float64 re-computation from the weights in the file computes, and the HMM engine decodes its emissions.
/// </summary>
public sealed class ShippedPhoneModelTests
{
    private static readonly FeatureExtractor Extractor = new(FrontEndOptions.Default);

    private static OnnxEmissionScorer Load() => new(OnnxTestModels.ShippedModelPath, new OnnxEmissionOptions { IntraOpThreads = 1 });

    private static LabelledUtterance Sample(string id) =>
        SpeechFrames.Load(AlignmentTestData.Wav(id), Path.Combine(AlignmentTestData.SamplesDirectory, id + ".lab"), Extractor);

    [Fact]
    public void Loads_with_its_phone_set_and_priors_from_its_metadata()
    {
        Assert.True(new FileInfo(OnnxTestModels.ShippedModelPath).Length < 1_000_000);
        using var scorer = Load();
        Assert.Equal(Extractor.FeatureDimension, scorer.FeatureDimension);
        Assert.Equal(PhoneSet.Default.Phones, scorer.ClassNames);
        Assert.False(scorer.HasBatchDimension);
        Assert.Equal(PhoneSet.Default.Count, scorer.Priors.Count);
        // Silence is the most frequent training class.
        int sil = PhoneSet.Default.IndexOf(PhoneSet.Silence);
        Assert.Equal(scorer.Priors.Probabilities.ToArray().Max(), scorer.Priors.Probabilities[sil]);
    }

    [Fact]
    public void Frame_accuracy_on_held_out_speech_is_far_above_chance()
    {
        // The three samples were held out of training (tools/Hmm.FrameClassifier). Measured when the model was trained:
        // 69.6 % of 556 frames against 27.9 % for always guessing the most frequent phone (sil).
        using var scorer = Load();
        long correct = 0, total = 0;
        var counts = new long[scorer.StateCount];
        foreach (string id in AlignmentTestData.SampleIds)
        {
            var u = Sample(id);
            var emissions = scorer.Score(u.Features);
            for (int t = 0; t < u.Frames; t++)
            {
                // The class of largest posterior: scaled likelihood + log prior.
                int best = 0;
                double bestValue = double.NegativeInfinity;
                for (int c = 0; c < scorer.StateCount; c++)
                {
                    double v = emissions[0, t, c] + scorer.Priors.LogPriors[c];
                    if (v > bestValue) { bestValue = v; best = c; }
                }
                if (best == u.Labels[t]) correct++;
                counts[u.Labels[t]]++;
                total++;
            }
        }
        double accuracy = (double)correct / total, chance = (double)counts.Max() / total;
        Assert.True(total > 500, $"{total} frames");
        Assert.True(accuracy >= 0.6 && accuracy >= chance + 0.3, $"frame accuracy {accuracy:P1} against {chance:P1} for the most frequent phone");
    }

    [Fact]
    public void Onnx_runtime_computes_the_float64_network_of_the_weights_in_the_file()
    {
        var init = OnnxInitializerReader.Read(File.ReadAllBytes(OnnxTestModels.ShippedModelPath));
        int context = (int)init["pads"].Longs[0];
        Assert.Equal(context, init["pads"].Longs[2]);
        var u = Sample("s044-us2");
        using var scorer = Load();
        var expected = OnnxTestModels.ReferenceLogPosteriors(init["W1"].Floats, init["b1"].Floats, init["W2"].Floats, init["b2"].Floats,
            Extractor.FeatureDimension, context, u.Features);
        OnnxScorerTests.AssertMatches(expected, scorer.Priors, scorer.Score(u.Features), 0);
    }

    [Fact]
    public void Forward_and_viterbi_on_the_scored_batch_match_the_float64_reference() => DecodeAndCheck(new HmmEngine());

    /// <summary>
    /// Scores the three samples into one batch, runs a phone loop's forward and Viterbi on <paramref name="engine"/>, and checks
    /// both against the float64 reference (also used by the GPU engine's test, Hmm.Tests/Gpu/OnnxEmissionGpuTests.cs).
    /// </summary>
    internal static void DecodeAndCheck(IHmmEngine engine)
    {
        // A phone loop over the classifier's scaled likelihoods: stay with 0.85, else any other phone.
        using var scorer = Load();
        int n = scorer.StateCount;
        var logA = new float[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) logA[i, j] = MathF.Log(i == j ? 0.85f : 0.15f / (n - 1));
        var model = HmmModel.UniformStart(DenseTransitions.FromLogProbabilities(logA));
        var ids = AlignmentTestData.SampleIds;
        var samples = ids.Select(Sample).ToArray();
        var emissions = new EmissionBatch(samples.Length, samples.Max(s => s.Frames), n);
        for (int b = 0; b < samples.Length; b++) scorer.Score(samples[b].Features, emissions, b);

        var logLikelihoods = new double[samples.Length];
        engine.Forward(model, emissions, logLikelihoods);
        var viterbi = new ViterbiResult(samples.Length, emissions.MaxLength);
        engine.Viterbi(model, emissions, viterbi);
        var reference = ReferenceHmm.FromBatch(emissions);
        long correct = 0, framewise = 0, total = 0;
        for (int b = 0; b < samples.Length; b++)
        {
            double forward = ReferenceHmm.Forward(model, reference[b], out _);
            double best = ReferenceHmm.Viterbi(model, reference[b], out _);
            Support.Tolerance.LogValue(forward, logLikelihoods[b], Math.Abs(forward), $"{ids[b]} forward");
            Support.Tolerance.LogValue(best, viterbi.Scores[b], Math.Abs(best), $"{ids[b]} Viterbi score");
            Assert.True(viterbi.Scores[b] <= logLikelihoods[b] + 1e-3);
            var enginePath = viterbi.Path(b);
            Assert.Equal(samples[b].Frames, enginePath.Length);
            Support.Tolerance.LogValue(best, ReferenceHmm.PathScore(model, reference[b], enginePath.ToArray()), Math.Abs(best), $"{ids[b]} engine path's score");
            for (int t = 0; t < enginePath.Length; t++, total++)
            {
                if (enginePath[t] == samples[b].Labels[t]) correct++;
                int own = 0;
                for (int c = 1; c < n; c++) if (reference[b][t, c] + scorer.Priors.LogPriors[c] > reference[b][t, own] + scorer.Priors.LogPriors[own]) own = c;
                if (own == samples[b].Labels[t]) framewise++;
            }
        }
        // The phone loop smooths the classifier's frame-by-frame choice: the decoded phones agree with the labels at least as often.
        Assert.True(correct >= framewise && (double)correct / total >= 0.6,
            $"Viterbi frame accuracy {(double)correct / total:P1}, the classifier's own choice {(double)framewise / total:P1}");
    }
}

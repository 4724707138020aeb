using System;
using System.Collections.Generic;
using System.Linq;
using Hmm.Speech;
using Hmm.Tests.Alignment;
using Hmm.Speech.Training;
using Xunit;

namespace Hmm.Tests.Training;

public class AcousticModelTrainerTests
{
    private static TrainingUtterance[] Samples() =>
        AlignmentTestData.SampleIds.Select(id => new TrainingUtterance(id, AlignmentTestData.Samples(id), AlignmentTestData.Labels(id))).ToArray();

    [Fact]
    public void Training_raises_the_likelihood_and_the_model_aligns_its_training_data()
    {
        var reports = new List<TrainingProgress>();
        var options = new TrainingOptions { MaxComponents = 2, IterationsPerMixture = 3, SpeedFactors = new[] { 1.0 } };
        var model = AcousticModelTrainer.Train(Samples(), options, new SyncProgress(reports.Add));
        Assert.Equal(6, reports.Count);
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6 }, reports.Select(r => r.Iteration));
        // Baum-Welch never lowers the likelihood between iterations at a fixed mixture size.
        for (int i = 1; i < 3; i++) Assert.True(reports[i].LogLikelihoodPerFrame >= reports[i - 1].LogLikelihoodPerFrame - Tolerances.TrainingLikelihoodPerFrame, $"iteration {i + 1}");
        for (int i = 4; i < 6; i++) Assert.True(reports[i].LogLikelihoodPerFrame >= reports[i - 1].LogLikelihoodPerFrame - Tolerances.TrainingLikelihoodPerFrame, $"iteration {i + 1}");
        Assert.All(reports, r => Assert.Equal(0, r.SkippedUtterances));
        Assert.Equal(2, model.MaxComponents);
        // Phones absent from three sentences back off to their class and are named.
        Assert.Contains("no training frames for", model.Description);
        Assert.Contains("OY", model.Description);
        Assert.Equal(PhoneSet.Default.Count * options.StatesPerPhone, model.StateCount);
        // Boundary offsets are measured on the training data, only for class pairs with enough boundaries.
        Assert.Contains("boundary offsets from", model.Description);
        var offsets = model.BoundaryOffsets();
        Assert.All(offsets.Cast<float>(), o => Assert.InRange(o, -0.05f, 0.05f));
        Assert.Equal(0f, model.BoundaryOffset(PhoneClass.Flap, PhoneClass.Glide));

        var aligner = new ForcedAligner(model, new ForcedAlignerOptions { AdaptationIterations = 0 });
        var evals = AlignmentTestData.SampleIds.Select(id =>
        {
            var outcome = aligner.Align(new AlignmentInput(id, AlignmentTestData.Samples(id), AlignmentTestData.PhonesOf(id)));
            Assert.True(outcome.Succeeded, outcome.Error);
            return AlignmentEvaluation.CompareFile(id, AlignmentTestData.Labels(id), outcome.Segments!);
        });
        var summary = AlignmentEvaluation.Summarize(evals);
        Assert.True(summary.Overall.Within20 >= 0.85, $"{summary.Overall.Within20:P1} within 20 ms");
    }

    [Fact]
    public void Viterbi_training_and_augmented_copies_also_train()
    {
        var reports = new List<TrainingProgress>();
        var options = new TrainingOptions
        {
            MaxComponents = 1, IterationsPerMixture = 2, Mode = ReestimationMode.Viterbi,
            SpeedFactors = new[] { 0.9, 1.0 }, NoisyCopies = 1, ReverberantCopies = 1,
        };
        var single = Samples().Take(1).ToArray();
        var model = AcousticModelTrainer.Train(single, options, new SyncProgress(reports.Add));
        Assert.Equal(2, reports.Count);
        // One utterance at two speeds, each also noisy and reverberant: six copies' frames.
        long frames = reports[0].Frames;
        long original = new Hmm.Speech.Audio.FeatureExtractor(options.FrontEnd).FrameCount(single[0].Samples.Length);
        Assert.InRange(frames, 5 * original, 7 * original);
        Assert.Contains("Viterbi", model.Description);
    }

    [Fact]
    public void Added_noise_has_the_requested_signal_to_noise_ratio()
    {
        var samples = AlignmentTestData.Samples("s017-us1");
        var labels = AlignmentTestData.Labels("s017-us1");
        var noisy = AcousticModelTrainer.AddNoise(samples, labels, 16000, 15, colour: 1, new Random(3));
        double speech = 0, noise = 0;
        long count = 0;
        for (int n = 0; n < samples.Length; n++) noise += Math.Pow(noisy[n] - samples[n], 2);
        foreach (var s in labels.Where(l => l.Phone != "sil"))
            for (int n = (int)(s.Start * 16000); n < (int)(s.End * 16000); n++) { speech += samples[n] * (double)samples[n]; count++; }
        double snr = 10 * Math.Log10(speech / count / (noise / samples.Length));
        Assert.Equal(15, snr, 1);
    }

    [Fact]
    public void Bad_data_and_options_are_named()
    {
        var good = Samples()[0];
        var badLabel = new TrainingUtterance("x.wav", good.Samples, new[] { new PhoneSegment(0, 1, "QQ") });
        var e = Assert.Throws<System.IO.InvalidDataException>(() => AcousticModelTrainer.Train(new[] { badLabel }));
        Assert.Contains("x.wav", e.Message);
        Assert.Contains("'QQ'", e.Message);
        Assert.Throws<ArgumentException>(() => AcousticModelTrainer.Train(Array.Empty<TrainingUtterance>()));
        var o = Assert.Throws<ArgumentException>(() => AcousticModelTrainer.Train(new[] { good }, new TrainingOptions { MaxComponents = 0 }));
        Assert.Contains("MaxComponents", o.Message);
        var v = Assert.Throws<ArgumentException>(() => AcousticModelTrainer.Train(new[] { good }, new TrainingOptions { VarianceFloor = 0 }));
        Assert.Contains("VarianceFloor", v.Message);
        Assert.Equal("VarianceFloor", v.ParamName);
        var empty = new TrainingUtterance("e.wav", Array.Empty<float>(), good.Labels);
        Assert.Contains("e.wav: the audio is empty", Assert.Throws<System.IO.InvalidDataException>(() => AcousticModelTrainer.Train(new[] { empty })).Message);
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Hmm.Speech;

namespace Hmm.Speech.Training;

/// <summary>
/// A model's systematic boundary offsets by phone class pair, measured on labelled recordings: each is aligned with its
/// labels' phones (no adaptation, no correction), and for every class pair with at least
/// <see cref="MinimumBoundaries"/> boundaries the median of hypothesis minus label is kept (clamped to
/// ±<see cref="MaximumOffset"/>): what the aligner then subtracts (<see cref="IAcousticModel.BoundaryOffset"/>). The
/// trainer measures its models so; <c>hmm calibrate</c> measures any model on the caller's labelled speech.
/// </summary>
public static class BoundaryOffsetCalibration
{
    /// <summary>Boundaries a class pair needs before its offset is trusted.</summary>
    public const int MinimumBoundaries = 10;

    /// <summary>Largest correction, in seconds: anything larger is more likely a labelling quirk than a bias.</summary>
    public const double MaximumOffset = 0.05;

    /// <summary>The offsets <c>[class before, class after]</c> in seconds of <paramref name="model"/> on <paramref name="data"/>.</summary>
    /// <param name="model">The model to measure.</param>
    /// <param name="data">Recordings at the model's sample rate with their phone labels.</param>
    /// <param name="options">Aligner options (engine, batch, threads); adaptation and correction are turned off here.</param>
    /// <param name="measured">Boundaries that took part.</param>
    public static float[,] Measure(IAcousticModel model, IReadOnlyList<TrainingUtterance> data, ForcedAlignerOptions? options, out int measured)
    {
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(data, nameof(data));
        var aligner = new ForcedAligner(model, (options ?? new ForcedAlignerOptions()) with { AdaptationIterations = 0, CorrectBoundaries = false });
        var inputs = data.Select(u => new AlignmentInput(u.Name, u.Samples, new PhoneSequence(u.Labels.Select(l => l.Phone).ToArray()))).ToArray();
        var outcomes = aligner.Align(inputs);
        int classes = AcousticModel.ClassCount;
        var errors = new List<double>[classes, classes];
        measured = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!outcomes[i].Succeeded) continue;
            var hyp = outcomes[i].Segments!;
            var reference = data[i].Labels;
            for (int k = 1; k < reference.Count && k < hyp.Count; k++)
            {
                int a = (int)model.Phones.ClassOf(reference[k - 1].Phone), b = (int)model.Phones.ClassOf(reference[k].Phone);
                (errors[a, b] ??= new List<double>()).Add(hyp[k].Start - reference[k].Start);
                measured++;
            }
        }
        var offsets = new float[classes, classes];
        for (int a = 0; a < classes; a++)
            for (int b = 0; b < classes; b++)
            {
                var list = errors[a, b];
                if (list is null || list.Count < MinimumBoundaries) continue;
                list.Sort();
                double median = list.Count % 2 == 1 ? list[list.Count / 2] : (list[list.Count / 2 - 1] + list[list.Count / 2]) / 2;
                offsets[a, b] = (float)Math.Max(-MaximumOffset, Math.Min(MaximumOffset, median));
            }
        return offsets;
    }
}

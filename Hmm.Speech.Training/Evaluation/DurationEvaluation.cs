using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Hmm.Speech.Training;

/// <summary>The phone durations of one hypothesis label file against its reference (same phone sequence), and its boundaries.</summary>
public sealed class DurationComparison
{
    internal DurationComparison(string name, int phones, int within, double sumAbsoluteError, double toleranceSeconds, FileEvaluation boundaries)
    {
        Name = name;
        Phones = phones;
        PhonesWithin = within;
        SumAbsoluteError = sumAbsoluteError;
        ToleranceSeconds = toleranceSeconds;
        Boundaries = boundaries;
    }

    /// <summary>The name given for reports.</summary>
    public string Name { get; }

    /// <summary>Phones compared (every segment, pauses included).</summary>
    public int Phones { get; }

    /// <summary>Phones whose duration is within <see cref="ToleranceSeconds"/> of the reference's.</summary>
    public int PhonesWithin { get; }

    /// <summary>The duration tolerance, seconds.</summary>
    public double ToleranceSeconds { get; }

    internal double SumAbsoluteError { get; }

    /// <summary>Duration accuracy: the share of phones whose |hypothesis duration − reference duration| ≤ the tolerance (1 when there are none).</summary>
    public double DurationAccuracy => Phones == 0 ? 1 : PhonesWithin / (double)Phones;

    /// <summary>Mean |hypothesis duration − reference duration| over the phones, seconds (0 when there are none).</summary>
    public double MeanAbsoluteError => Phones == 0 ? 0 : SumAbsoluteError / Phones;

    /// <summary>The boundary comparison of the same files (<see cref="AlignmentEvaluation.CompareFile"/>): alignment accuracy is its <see cref="FileEvaluation.ShareWithin"/>.</summary>
    public FileEvaluation Boundaries { get; }
}

/// <summary>
/// Duration accuracy between two label files of the same phone sequence (e.g. synthesised speech against natural
/// speech, or a duration model's output against the recording): phone i of the hypothesis is compared with phone i of
/// the reference; the accuracy is the share of phones whose durations differ by at most a tolerance (default 20 ms),
/// reported with the mean absolute duration error. Alignment accuracy, the share of boundaries within 20 ms, comes from
/// <see cref="AlignmentEvaluation"/> over the same files.
/// </summary>
public static class DurationEvaluation
{
    /// <summary>The default duration tolerance, seconds.</summary>
    public const double DefaultToleranceSeconds = 0.020;

    /// <summary>Compares the phone durations of <paramref name="hypothesis"/> with <paramref name="reference"/>'s.</summary>
    /// <param name="referenceName">The reference's name (a file name), for messages.</param>
    /// <param name="reference">The reference segments, in time order.</param>
    /// <param name="hypothesisName">The hypothesis's name, for messages and <see cref="DurationComparison.Name"/>.</param>
    /// <param name="hypothesis">The hypothesis segments, in time order.</param>
    /// <param name="toleranceSeconds">A phone is accurate when its duration is within this of the reference's.</param>
    /// <exception cref="InvalidDataException">The phone sequences differ (the message names both and the first difference).</exception>
    public static DurationComparison CompareFile(string referenceName, IReadOnlyList<PhoneSegment> reference, string hypothesisName, IReadOnlyList<PhoneSegment> hypothesis,
        double toleranceSeconds = DefaultToleranceSeconds)
    {
        Guard.NotNull(reference, nameof(reference));
        Guard.NotNull(hypothesis, nameof(hypothesis));
        if (!(toleranceSeconds >= 0) || double.IsInfinity(toleranceSeconds))
            throw new ArgumentOutOfRangeException(nameof(toleranceSeconds), toleranceSeconds, "The tolerance must be finite and not negative.");
        int first = 0;
        while (first < Math.Min(reference.Count, hypothesis.Count) && reference[first].Phone == hypothesis[first].Phone) first++;
        if (first < reference.Count || first < hypothesis.Count)
        {
            string Phone(IReadOnlyList<PhoneSegment> s) => first < s.Count ? s[first].Phone : "(end)";
            throw new InvalidDataException($"{hypothesisName}: its phones differ from {referenceName}'s ({hypothesis.Count} against {reference.Count} phones; " +
                $"phone {first + 1} is {Phone(hypothesis)} against {Phone(reference)}): durations are compared phone by phone, so both files must hold the same phone sequence.");
        }
        int within = 0;
        double sum = 0;
        for (int i = 0; i < reference.Count; i++)
        {
            double error = Math.Abs(hypothesis[i].Duration - reference[i].Duration);
            sum += error;
            if (error <= toleranceSeconds + 1e-9) within++; // label times are written in ms: 20 ms must count as within 20 ms
        }
        return new DurationComparison(hypothesisName ?? "", reference.Count, within, sum, toleranceSeconds,
            AlignmentEvaluation.CompareFile(hypothesisName ?? "", reference, hypothesis));
    }

    /// <summary>Pools files: duration accuracy and mean error over all their phones.</summary>
    /// <returns>(phones, phones within the tolerance, duration accuracy, mean absolute error in seconds).</returns>
    public static (int Phones, int Within, double DurationAccuracy, double MeanAbsoluteError) Pool(IEnumerable<DurationComparison> files)
    {
        Guard.NotNull(files, nameof(files));
        var list = files.ToList();
        int phones = list.Sum(f => f.Phones), within = list.Sum(f => f.PhonesWithin);
        double sum = list.Sum(f => f.SumAbsoluteError);
        return (phones, within, phones == 0 ? 1 : within / (double)phones, phones == 0 ? 0 : sum / phones);
    }
}

using System;
using Xunit;

namespace Hmm.Tests.Support;

/// <summary>
/// Float32 engines against the float64 reference, with the tolerances of <see cref="Tolerances"/> (why each is that
/// size is written there). Log-likelihoods and scores: relative to the sequence's magnitude plus an absolute floor;
/// probabilities: absolute. Both ±inf must match exactly.
/// </summary>
public static class Tolerance
{
    public const double Relative = Tolerances.LogRelative;
    public const double Absolute = Tolerances.LogAbsolute;
    public const double Probability = Tolerances.Probability;

    public static void LogValue(double expected, double actual, double magnitude, string what)
    {
        if (double.IsNegativeInfinity(expected) || double.IsNegativeInfinity(actual))
        {
            Assert.True(expected == actual, $"{what}: expected {expected}, got {actual}");
            return;
        }
        Assert.False(double.IsNaN(actual), $"{what}: NaN");
        double tol = Relative * magnitude + Absolute;
        Assert.True(Math.Abs(expected - actual) <= tol, $"{what}: expected {expected:R}, got {actual:R} (|diff| {Math.Abs(expected - actual):G3} > tol {tol:G3})");
    }

    public static void ProbabilityValue(double expected, double actual, string what)
    {
        Assert.False(double.IsNaN(actual), $"{what}: NaN");
        Assert.True(Math.Abs(expected - actual) <= Probability, $"{what}: expected {expected:G6}, got {actual:G6}");
    }
}

using System;
using Xunit;

namespace Hmm.Tests.Support;

/// <summary>
/// Stated tolerances for float32 engines against the float64 reference. Log-likelihoods and scores: relative
/// 2e-6 of the sequence's magnitude (frames + Σ_t max_j |e_t(j)|) plus 1e-3 absolute, since each frame adds
/// a few float32 roundings of that frame's size. Probabilities: 2e-3 absolute. Both ±inf must match exactly.
/// </summary>
public static class Tolerance
{
    public const double Relative = 2e-6;
    public const double Absolute = 1e-3;
    public const double Probability = 2e-3;

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

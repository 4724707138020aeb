using System;

namespace Hmm;

/// <summary>A parametric family of state durations, for <see cref="DurationDistributions.Fit"/>.</summary>
public enum DurationFamily
{
    /// <summary>Any distribution over 1 .. D: the normalised counts themselves.</summary>
    Nonparametric = 0,
    /// <summary>d - 1 ~ Poisson(λ): mean 1 + λ, variance λ.</summary>
    Poisson = 1,
    /// <summary>A gamma density discretised on the frames: P(d) ∝ F(d) - F(d - 1).</summary>
    Gamma = 2,
    /// <summary>A log-normal density discretised on the frames: P(d) ∝ F(d) - F(d - 1).</summary>
    LogNormal = 3,
}

/// <summary>
/// Duration distributions over 1 .. maxDuration frames for <see cref="HsmmModel"/>, each truncated at maxDuration and
/// renormalised, computed in float64; and their fit to expected duration counts (the M-step of EM).
/// </summary>
public static class DurationDistributions
{
    /// <summary>A nonparametric distribution: <paramref name="probabilities"/>[d - 1] = p(d), checked to sum to one.</summary>
    /// <exception cref="ArgumentException">Empty, negative, NaN or infinite entries, or a sum that is not one (tolerance 1e-3).</exception>
    public static double[] Nonparametric(ReadOnlySpan<double> probabilities)
    {
        if (probabilities.IsEmpty) throw new ArgumentException("probabilities is empty: durations need at least one frame (D ≥ 1).", nameof(probabilities));
        double sum = 0;
        for (int k = 0; k < probabilities.Length; k++)
        {
            double p = probabilities[k];
            if (!(p >= 0) || double.IsInfinity(p)) throw new ArgumentException($"probabilities[{k}] = {p} is not a probability.", nameof(probabilities));
            sum += p;
        }
        if (Math.Abs(sum - 1) > Guard.RowSumTolerance)
            throw new ArgumentException($"probabilities sum to {sum:G6}, not 1 (tolerance {Guard.RowSumTolerance}).", nameof(probabilities));
        var result = probabilities.ToArray();
        for (int k = 0; k < result.Length; k++) result[k] /= sum;
        return result;
    }

    /// <summary>A shifted Poisson: d - 1 ~ Poisson(<paramref name="mean"/> - 1), truncated at <paramref name="maxDuration"/>.</summary>
    /// <param name="mean">The untruncated mean duration in frames, at least 1.</param>
    /// <param name="maxDuration">D, at least 1.</param>
    public static double[] Poisson(double mean, int maxDuration)
    {
        CheckMax(maxDuration);
        if (!(mean >= 1) || double.IsInfinity(mean)) throw new ArgumentOutOfRangeException(nameof(mean), mean, "mean must be a finite duration of at least 1 frame.");
        double lambda = mean - 1;
        var p = new double[maxDuration];
        for (int k = 0; k < maxDuration; k++)
            p[k] = lambda == 0 ? (k == 0 ? 1 : 0) : Math.Exp(k * Math.Log(lambda) - lambda - LogGamma(k + 1));
        return Normalised(p, nameof(mean));
    }

    /// <summary>A gamma distribution of shape <paramref name="shape"/> and scale <paramref name="scale"/> (frames), discretised: P(d) ∝ F(d) - F(d - 1).</summary>
    public static double[] Gamma(double shape, double scale, int maxDuration)
    {
        CheckMax(maxDuration);
        if (!(shape > 0) || double.IsInfinity(shape)) throw new ArgumentOutOfRangeException(nameof(shape), shape, "shape must be positive and finite.");
        if (!(scale > 0) || double.IsInfinity(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be positive and finite.");
        var p = new double[maxDuration];
        double previous = 0;
        for (int k = 0; k < maxDuration; k++)
        {
            double cdf = RegularizedGammaP(shape, (k + 1) / scale);
            p[k] = Math.Max(0, cdf - previous);
            previous = cdf;
        }
        return Normalised(p, nameof(shape));
    }

    /// <summary>A log-normal distribution (ln d ~ N(<paramref name="mu"/>, <paramref name="sigma"/>²)), discretised: P(d) ∝ F(d) - F(d - 1).</summary>
    public static double[] LogNormal(double mu, double sigma, int maxDuration)
    {
        CheckMax(maxDuration);
        if (double.IsNaN(mu) || double.IsInfinity(mu)) throw new ArgumentOutOfRangeException(nameof(mu), mu, "mu must be finite.");
        if (!(sigma > 0) || double.IsInfinity(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "sigma must be positive and finite.");
        var p = new double[maxDuration];
        double previous = 0;
        for (int k = 0; k < maxDuration; k++)
        {
            double cdf = NormalCdf((Math.Log(k + 1) - mu) / sigma);
            p[k] = Math.Max(0, cdf - previous);
            previous = cdf;
        }
        return Normalised(p, nameof(mu));
    }

    /// <summary>
    /// The distribution of <paramref name="family"/> that best fits expected duration counts (<paramref name="counts"/>[d - 1]:
    /// the expected number of segments of duration d), over 1 .. counts.Length: the normalised counts (nonparametric, the
    /// maximum-likelihood estimate), the mean (Poisson, maximum likelihood), or moments (gamma: of d - ½ with Sheppard's
    /// correction; log-normal: of ln(d - ½)), the midpoints of the frames the continuous densities were binned into.
    /// </summary>
    /// <param name="counts">Expected counts, non-negative.</param>
    /// <param name="family">The family.</param>
    /// <param name="floor">Probability floor mixed in before renormalising, so that no duration becomes impossible for the next
    /// EM round (default 1e-6; 0 for none).</param>
    /// <exception cref="ArgumentException">Empty counts, a negative, NaN or infinite count, or a total of zero.</exception>
    public static double[] Fit(ReadOnlySpan<double> counts, DurationFamily family, double floor = 1e-6)
    {
        if (counts.IsEmpty) throw new ArgumentException("counts is empty.", nameof(counts));
        if (!(floor >= 0) || floor >= 1) throw new ArgumentOutOfRangeException(nameof(floor), floor, "floor must be in [0, 1).");
        double total = 0, sum = 0, sum2 = 0, sumLog = 0, sumLog2 = 0;
        for (int k = 0; k < counts.Length; k++)
        {
            double c = counts[k];
            if (!(c >= 0) || double.IsInfinity(c)) throw new ArgumentException($"counts[{k}] = {c} is not a non-negative count.", nameof(counts));
            // Gamma and log-normal are discretised over (d - 1, d]: their moments are taken at the midpoint d - ½.
            double d = k + 1, ln = Math.Log(d - 0.5);
            total += c;
            sum += c * d;
            sum2 += c * d * d;
            sumLog += c * ln;
            sumLog2 += c * ln * ln;
        }
        if (!(total > 0)) throw new ArgumentException("counts sum to zero: no segment to fit durations to.", nameof(counts));
        int max = counts.Length;
        double mean = sum / total, variance = Math.Max(sum2 / total - mean * mean, 1e-3);
        double[] p;
        switch (family)
        {
            case DurationFamily.Nonparametric:
                p = counts.ToArray();
                for (int k = 0; k < max; k++) p[k] /= total;
                break;
            case DurationFamily.Poisson:
                p = Poisson(mean, max);
                break;
            case DurationFamily.Gamma:
                double m = mean - 0.5, v = Math.Max(variance - 1.0 / 12, 1e-3); // Sheppard's correction for the binning
                p = Gamma(m * m / v, v / m, max);
                break;
            case DurationFamily.LogNormal:
                double mu = sumLog / total;
                p = LogNormal(mu, Math.Sqrt(Math.Max(sumLog2 / total - mu * mu, 1e-4)), max);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(family), family, "unknown duration family.");
        }
        if (floor > 0)
        {
            double s = 0;
            for (int k = 0; k < max; k++) s += p[k] = Math.Max(p[k], floor);
            for (int k = 0; k < max; k++) p[k] /= s;
        }
        return p;
    }

    /// <summary>Stacks per-state duration distributions (equal lengths) into the [N, D] log table <see cref="HsmmModel"/> takes.</summary>
    /// <exception cref="ArgumentException">No rows, a null row, or rows of different lengths.</exception>
    public static float[,] ToLogTable(params double[][] distributions)
    {
        Guard.NotNull(distributions, nameof(distributions));
        if (distributions.Length == 0) throw new ArgumentException("distributions is empty: one row per state.", nameof(distributions));
        int d = distributions[0]?.Length ?? throw new ArgumentException("distributions[0] is null.", nameof(distributions));
        var table = new float[distributions.Length, d];
        for (int j = 0; j < distributions.Length; j++)
        {
            var row = distributions[j] ?? throw new ArgumentException($"distributions[{j}] is null.", nameof(distributions));
            if (row.Length != d) throw new ArgumentException($"distributions[{j}] has {row.Length} durations but distributions[0] has {d}: rows must be equally long.", nameof(distributions));
            for (int k = 0; k < d; k++) table[j, k] = (float)Math.Log(row[k]);
        }
        return table;
    }

    private static void CheckMax(int maxDuration)
    {
        if (maxDuration < 1 || maxDuration > HsmmModel.MaxSupportedDuration)
            throw new ArgumentOutOfRangeException(nameof(maxDuration), maxDuration, $"maxDuration (D) must be in [1, {HsmmModel.MaxSupportedDuration}] frames.");
    }

    private static double[] Normalised(double[] p, string parameter)
    {
        double sum = 0;
        foreach (double v in p) sum += v;
        if (!(sum > 0) || double.IsInfinity(sum))
            throw new ArgumentException($"the distribution puts no probability on durations 1 .. {p.Length} (its mass lies beyond maxDuration): raise maxDuration or lower {parameter}.", parameter);
        for (int k = 0; k < p.Length; k++) p[k] /= sum;
        return p;
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, 9 terms: about 15 digits).</summary>
    internal static double LogGamma(double x)
    {
        if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        x -= 1;
        double a = 0.99999999999980993;
        double t = x + 7.5;
        a += 676.5203681218851 / (x + 1);
        a += -1259.1392167224028 / (x + 2);
        a += 771.32342877765313 / (x + 3);
        a += -176.61502916214059 / (x + 4);
        a += 12.507343278686905 / (x + 5);
        a += -0.13857109526572012 / (x + 6);
        a += 9.9843695780195716e-6 / (x + 7);
        a += 1.5056327351493116e-7 / (x + 8);
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(a);
    }

    /// <summary>P(a, x), the regularised lower incomplete gamma function: a series below a + 1, a continued fraction above.</summary>
    internal static double RegularizedGammaP(double a, double x)
    {
        if (x <= 0) return 0;
        double logPrefix = a * Math.Log(x) - x - LogGamma(a);
        if (x < a + 1)
        {
            double term = 1 / a, sum = term;
            for (int n = 1; n < 1000; n++)
            {
                term *= x / (a + n);
                sum += term;
                if (Math.Abs(term) < Math.Abs(sum) * 1e-16) break;
            }
            return Math.Min(1, sum * Math.Exp(logPrefix));
        }
        // Lentz's continued fraction for Q(a, x).
        const double tiny = 1e-300;
        double b = x + 1 - a, c = 1 / tiny, dd = 1 / b, h = dd;
        for (int i = 1; i < 1000; i++)
        {
            double an = -i * (i - a);
            b += 2;
            dd = an * dd + b;
            if (Math.Abs(dd) < tiny) dd = tiny;
            c = b + an / c;
            if (Math.Abs(c) < tiny) c = tiny;
            dd = 1 / dd;
            double delta = dd * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return Math.Max(0, 1 - Math.Exp(logPrefix) * h);
    }

    /// <summary>Φ(z), the standard normal CDF, through P(1/2, z²/2).</summary>
    internal static double NormalCdf(double z)
    {
        double half = 0.5 * RegularizedGammaP(0.5, 0.5 * z * z);
        return z >= 0 ? 0.5 + half : 0.5 - half;
    }
}

using System;
using System.Threading.Tasks;

namespace Hmm.Speech;

/// <summary>
/// Which maximum-likelihood linear regression (MLLR) mean transforms <see cref="ForcedAligner"/> estimates when it
/// adapts to the audio being aligned (<see cref="ForcedAlignerOptions.Mllr"/>).
/// </summary>
public enum MllrRegression
{
    /// <summary>No MLLR: the means move only by MAP adaptation.</summary>
    None,

    /// <summary>One transform <c>mu' = A mu + b</c> shared by every Gaussian of the model.</summary>
    Global,

    /// <summary>
    /// Three transforms by phone class: silence, vowels (diphthongs included), consonants; a class with too little
    /// data (under 20 x (D + 1) frames) uses the global transform instead.
    /// </summary>
    Classes,
}

/// <summary>
/// Mean-MLLR estimation for diagonal-covariance Gaussians (Leggetter and Woodland 1995): per feature row i the
/// closed form <c>w_i = G_i^-1 k_i</c> with <c>G_i = sum_m (occ_m / var_mi) xi_m xi_m^T</c> and
/// <c>k_i = sum_m (sum_t gamma_m(t) x_i(t) / var_mi) xi_m</c>, <c>xi_m = [1, mu_m]</c>, so that
/// <c>mu'_i = w_i . xi</c> (<c>w_i = [b_i, A_i]</c>). A ridge <c>lambda_i ||w_i - [0, e_i]||^2</c> with
/// <c>lambda_i = ridge x sum_m occ_m / var_mi</c> pulls each row toward the identity, which keeps the transform
/// defined (and near the identity) when the data cannot determine it.
/// </summary>
internal static class Mllr
{
    /// <summary>Regression class of every model state for <paramref name="mode"/> (all 0 for global), and the class count.</summary>
    public static (int[] ClassOfState, int Count) Classes(AcousticModel model, MllrRegression mode)
    {
        var classes = new int[model.StateCount];
        if (mode == MllrRegression.Global) return (classes, 1);
        if (mode != MllrRegression.Classes) throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown MLLR regression mode.");
        for (int s = 0; s < classes.Length; s++)
        {
            classes[s] = model.Phones.ClassOf(s / model.StatesPerPhone) switch
            {
                PhoneClass.Silence => 0,
                PhoneClass.Vowel or PhoneClass.Diphthong => 1,
                _ => 2,
            };
        }
        return (classes, 3);
    }

    /// <summary>
    /// Estimates one transform per regression class from per-component occupancies and first-order sums (laid out as
    /// in <see cref="MeanAdaptation"/>: component <c>offset[s] + c</c>, sums <c>D</c> per component) of model
    /// <paramref name="prior"/>. Each transform is <c>D x (D + 1)</c> row-major, row i = <c>[b_i, A_i0 .. A_i(D-1)]</c>.
    /// A class whose occupancy is below <paramref name="minOccupancy"/> gets the transform estimated over all classes.
    /// </summary>
    public static double[][] Estimate(AcousticModel prior, int[] offset, double[] occupancy, double[] sums, int[] classOfState, int classCount, double ridge, double minOccupancy)
    {
        int d = prior.FrontEnd.FeatureDimension, n = d + 1, stride = n * n + n;
        // Per class and row i: the upper triangle of G_i (n x n) then k_i (n). The global statistics are their sum.
        var stats = new double[classCount][];
        var classOccupancy = new double[classCount];
        for (int r = 0; r < classCount; r++) stats[r] = new double[d * stride];
        for (int s = 0; s < prior.StateCount; s++)
            for (int m = offset[s]; m < offset[s + 1]; m++) classOccupancy[classOfState[s]] += occupancy[m];
        Parallel.For(0, d, i =>
        {
            var xi = new double[n];
            xi[0] = 1;
            for (int s = 0; s < prior.StateCount; s++)
            {
                var acc = stats[classOfState[s]];
                int baseG = i * stride, baseK = baseG + n * n;
                var means = prior.Means(s);
                var vars = prior.Variances(s);
                for (int c = 0; c < prior.ComponentCount(s); c++)
                {
                    int m = offset[s] + c;
                    double occ = occupancy[m];
                    if (occ <= 0) continue;
                    double inv = 1.0 / vars[c * d + i];
                    for (int j = 0; j < d; j++) xi[j + 1] = means[c * d + j];
                    double a = occ * inv, z = sums[m * d + i] * inv;
                    for (int p = 0; p < n; p++)
                    {
                        double ap = a * xi[p];
                        int rowP = baseG + p * n;
                        for (int q = p; q < n; q++) acc[rowP + q] += ap * xi[q];
                        acc[baseK + p] += z * xi[p];
                    }
                }
            }
        });
        double[] global;
        if (classCount == 1) global = stats[0];
        else
        {
            global = new double[d * stride];
            foreach (var acc in stats)
                for (int x = 0; x < global.Length; x++) global[x] += acc[x];
        }
        var globalW = Solve(global, d, ridge);
        var result = new double[classCount][];
        for (int r = 0; r < classCount; r++)
            result[r] = classCount == 1 ? globalW : classOccupancy[r] >= minOccupancy ? Solve(stats[r], d, ridge) : globalW;
        return result;
    }

    /// <summary>The identity transform for dimension <paramref name="d"/>.</summary>
    public static double[] Identity(int d)
    {
        var w = new double[d * (d + 1)];
        for (int i = 0; i < d; i++) w[i * (d + 1) + 1 + i] = 1;
        return w;
    }

    /// <summary>Applies transform <paramref name="w"/> to the <c>D</c>-long mean <paramref name="mean"/>, in place.</summary>
    public static void Apply(double[] w, Span<float> mean)
    {
        int d = mean.Length;
        Span<double> x = d <= 256 ? stackalloc double[d] : new double[d];
        for (int j = 0; j < d; j++) x[j] = mean[j];
        for (int i = 0; i < d; i++)
        {
            int row = i * (d + 1);
            double v = w[row];
            for (int j = 0; j < d; j++) v += w[row + 1 + j] * x[j];
            mean[i] = (float)v;
        }
    }

    /// <summary>Solves every row's ridge-regularised system from statistics laid out as in <see cref="Estimate"/>.</summary>
    private static double[] Solve(double[] stats, int d, double ridge)
    {
        int n = d + 1, stride = n * n + n;
        var w = new double[d * n];
        for (int i = 0; i < d; i++)
        {
            var g = new double[n * n];
            var k = new double[n];
            Array.Copy(stats, i * stride, g, 0, n * n);
            Array.Copy(stats, i * stride + n * n, k, 0, n);
            // Ridge toward the identity row [0, e_i]: G + lambda I, k + lambda [0, e_i].
            double lambda = Math.Max(ridge * g[0], 1e-9);
            for (int p = 0; p < n; p++) g[p * n + p] += lambda;
            k[i + 1] += lambda;
            for (int p = 0; p < n; p++)
                for (int q = 0; q < p; q++) g[p * n + q] = g[q * n + p];
            var sol = SolveSpd(g, k, n);
            if (sol is null) w[i * n + 1 + i] = 1;
            else Array.Copy(sol, 0, w, i * n, n);
        }
        return w;
    }

    /// <summary>Solves <c>G x = k</c> for symmetric positive definite G by Cholesky; null when G is not.</summary>
    internal static double[]? SolveSpd(double[] g, double[] k, int n)
    {
        var l = new double[n * n];
        for (int j = 0; j < n; j++)
        {
            double sum = g[j * n + j];
            for (int p = 0; p < j; p++) sum -= l[j * n + p] * l[j * n + p];
            if (!(sum > 0)) return null;
            double diag = Math.Sqrt(sum);
            l[j * n + j] = diag;
            for (int i = j + 1; i < n; i++)
            {
                double v = g[i * n + j];
                for (int p = 0; p < j; p++) v -= l[i * n + p] * l[j * n + p];
                l[i * n + j] = v / diag;
            }
        }
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double v = k[i];
            for (int p = 0; p < i; p++) v -= l[i * n + p] * y[p];
            y[i] = v / l[i * n + i];
        }
        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double v = y[i];
            for (int p = i + 1; p < n; p++) v -= l[p * n + i] * x[p];
            x[i] = v / l[i * n + i];
        }
        foreach (double v in x) if (!double.IsFinite(v)) return null;
        return x;
    }
}

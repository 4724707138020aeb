using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Hmm.Gpu;

/// <summary>
/// The internal kernel knobs of <see cref="GpuEngineOptions"/> (row split, scan stride, time chunks, packing, tensor cores,
/// ...) from a tuning string, for the benchmark harness, which cannot see internals: when the environment variable
/// <see cref="Variable"/> is set as a <see cref="GpuEngine"/> is constructed, the engine applies it over its copy of the
/// options, e.g. <c>HMM_GPU_TUNING="RowSplit=2,ScanMaxStride=4,PackSequences=false"</c>. Not public API: the knobs and
/// their names may change with the kernels.
/// </summary>
/// <remarks>
/// Entries are <c>Key=Value</c>, separated by commas; spaces around keys and values and empty entries are ignored; keys are
/// case-insensitive; a later entry wins over an earlier one for the same key. Values: integers (invariant culture);
/// <c>true</c>/<c>false</c>; for the nullable switches also <c>auto</c> (or <c>null</c>: the engine's choice); for
/// <c>Optimization</c> the name of an ILGPU <see cref="ILGPU.OptimizationLevel"/> or <c>auto</c>.
/// </remarks>
internal static class GpuTuning
{
    /// <summary>The environment variable that <see cref="GpuEngine"/>'s constructor reads.</summary>
    internal const string Variable = "HMM_GPU_TUNING";

    private static readonly Dictionary<string, Action<GpuEngineOptions, string>> Knobs = new(StringComparer.OrdinalIgnoreCase)
    {
        [nameof(GpuEngineOptions.ScanMaxStride)] = (o, v) => o.ScanMaxStride = Int(v),
        [nameof(GpuEngineOptions.SpecializeKernels)] = (o, v) => o.SpecializeKernels = NullableBool(v),
        [nameof(GpuEngineOptions.RowSplit)] = (o, v) => o.RowSplit = Int(v),
        [nameof(GpuEngineOptions.TimeChunkFrames)] = (o, v) => o.TimeChunkFrames = Int(v),
        [nameof(GpuEngineOptions.PackSequences)] = (o, v) => o.PackSequences = Bool(v),
        [nameof(GpuEngineOptions.TensorCoreEmissions)] = (o, v) => o.TensorCoreEmissions = NullableBool(v),
        [nameof(GpuEngineOptions.TensorCoreRecursion)] = (o, v) => o.TensorCoreRecursion = NullableBool(v),
        [nameof(GpuEngineOptions.GaussianBlockColumns)] = (o, v) => o.GaussianBlockColumns = Int(v),
        [nameof(GpuEngineOptions.ScaledDenseStep)] = (o, v) => o.ScaledDenseStep = Bool(v),
        [nameof(GpuEngineOptions.CpuWarpSize)] = (o, v) => o.CpuWarpSize = Int(v),
        [nameof(GpuEngineOptions.TimeVaryingStaged)] = (o, v) => o.TimeVaryingStaged = Bool(v),
        [nameof(GpuEngineOptions.TimeVaryingSplit)] = (o, v) => o.TimeVaryingSplit = Int(v),
        [nameof(GpuEngineOptions.Optimization)] = (o, v) => o.Optimization = Optimization(v),
        [nameof(GpuEngineOptions.HsmmGlobalKernels)] = (o, v) => o.HsmmGlobalKernels = Bool(v),
    };

    /// <summary>
    /// A copy of <paramref name="options"/> with the knobs of <paramref name="tuning"/> set (a plain copy when it is null or
    /// blank). <paramref name="options"/> itself is not changed.
    /// </summary>
    /// <exception cref="ArgumentException">An entry without <c>=</c>, an unknown key, or a value the key does not take; the
    /// message names <see cref="Variable"/>, the key and the value.</exception>
    internal static GpuEngineOptions Apply(GpuEngineOptions options, string? tuning)
    {
        var tuned = options.Clone();
        if (string.IsNullOrWhiteSpace(tuning)) return tuned;
        foreach (string entry in tuning.Split(','))
        {
            if (string.IsNullOrWhiteSpace(entry)) continue;
            int eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
                throw new ArgumentException($"{Variable}: entry '{entry.Trim()}' is not Key=Value (in '{tuning}').", nameof(tuning));
            string key = entry[..eq].Trim(), value = entry[(eq + 1)..].Trim();
            if (!Knobs.TryGetValue(key, out var set))
                throw new ArgumentException(
                    $"{Variable}: unknown key '{key}' (value '{value}'); known keys: {string.Join(", ", Knobs.Keys.Order(StringComparer.Ordinal))}.", nameof(tuning));
            try
            {
                set(tuned, value);
            }
            catch (FormatException ex)
            {
                throw new ArgumentException($"{Variable}: key '{key}' does not take the value '{value}' ({ex.Message}).", nameof(tuning), ex);
            }
        }
        return tuned;
    }

    /// <summary><see cref="Apply"/> with the value of <see cref="Variable"/> now (what the engine's constructor does).</summary>
    internal static GpuEngineOptions FromEnvironment(GpuEngineOptions options) => Apply(options, Environment.GetEnvironmentVariable(Variable));

    private static int Int(string value) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int result) ? result
            : throw new FormatException("an integer expected");

    private static bool Bool(string value) =>
        bool.TryParse(value, out bool result) ? result : throw new FormatException("true or false expected");

    private static bool? NullableBool(string value) =>
        IsAuto(value) ? null
            : bool.TryParse(value, out bool result) ? result
            : throw new FormatException("true, false or auto expected");

    private static ILGPU.OptimizationLevel? Optimization(string value)
    {
        if (IsAuto(value)) return null;
        // Names only: Enum.TryParse would also take any number.
        if (value.Length > 0 && char.IsLetter(value[0]) && Enum.TryParse(value, ignoreCase: true, out ILGPU.OptimizationLevel level)) return level;
        throw new FormatException($"auto or one of {string.Join(", ", Enum.GetNames<ILGPU.OptimizationLevel>())} expected");
    }

    private static bool IsAuto(string value) =>
        value.Equals("auto", StringComparison.OrdinalIgnoreCase) || value.Equals("null", StringComparison.OrdinalIgnoreCase);
}

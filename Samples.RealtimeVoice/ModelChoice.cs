using System;
using System.IO;
using Hmm.Speech;

namespace Samples.RealtimeVoice;

/// <summary>What `--model` names: our model file, the CMU Sphinx US-English model by name, or a Sphinx model directory.</summary>
internal static class ModelChoice
{
    /// <summary>The name that picks Debian's CMU Sphinx US-English model (wherever <see cref="SphinxAcousticModel.Locate"/> finds it).</summary>
    public const string SphinxName = "sphinx-en-us";

    /// <summary>The help text of `--model`.</summary>
    public const string Help = "Acoustic model: a model file of ours (default: the one embedded in Hmm.Speech), 'sphinx-en-us' (CMU Sphinx's US-English model, from Debian's pocketsphinx-en-us or HMM_SPHINX_MODEL), or a Sphinx model folder.";

    /// <summary>The model <paramref name="spec"/> names (null: the embedded one).</summary>
    /// <exception cref="ArgumentException">The Sphinx model is asked for by name and is not installed (the message says how to get it).</exception>
    public static IAcousticModel Load(string verb, string? spec)
    {
        if (spec is null) return AcousticModel.LoadDefault();
        if (string.Equals(spec, SphinxName, StringComparison.OrdinalIgnoreCase))
        {
            string directory = SphinxAcousticModel.Locate()
                ?? throw new ArgumentException($"{verb}: --model {SphinxName}: the model is not installed. {SphinxAcousticModel.InstallHint}");
            return SphinxAcousticModel.Load(directory);
        }
        if (Directory.Exists(spec)) return SphinxAcousticModel.Load(spec);
        if (!File.Exists(spec)) throw new FileNotFoundException($"{spec}: model file not found.", spec);
        InputFile.RefuseEmptyOrSpecial(spec); // --model /dev/zero read forever
        return AcousticModel.Load(spec);
    }
}

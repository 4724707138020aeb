using System;
using System.IO;

namespace Samples.RealtimeVoice;

/// <summary>The files shipped with the program: the default acoustic model, the pronouncing dictionary and sample utterances.</summary>
internal static class Assets
{
    /// <summary>The folder holding them: Assets beside the program (copied there by the build).</summary>
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Assets");

    public static string DefaultModel => Path.Combine(Directory, "default.hmmam");

    public static string Dictionary => Path.Combine(Directory, "cmudict.txt.gz");

    public static string Samples => Path.Combine(Directory, "samples");
}

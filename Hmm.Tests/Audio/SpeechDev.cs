using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;

namespace Hmm.Tests.Audio;

/// <summary>
/// Locates the shared speech corpus (<c>../shared/data/speech-dev</c> beside the repository, or the folder named
/// by HMM_SPEECH_DEV) by walking up from the test assembly's folder.
/// </summary>
internal static class SpeechDev
{
    private static readonly Lazy<string> Root = new(() => Find(ThisFile()));

    public static string Directory => Root.Value;

    public static string[] CleanWavs() =>
        System.IO.Directory.GetFiles(Path.Combine(Directory, "clean"), "*.wav").OrderBy(p => p, StringComparer.Ordinal).ToArray();

    public static string[] DegradedWavs() =>
        System.IO.Directory.GetFiles(Path.Combine(Directory, "degraded"), "*.wav").OrderBy(p => p, StringComparer.Ordinal).ToArray();

    private static string ThisFile([CallerFilePath] string path = "") => path;

    private static string Find(string sourceFile)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("HMM_SPEECH_DEV");
        if (!string.IsNullOrEmpty(fromEnvironment) && System.IO.Directory.Exists(fromEnvironment)) return fromEnvironment;
        // From the test binaries (bin/... inside the clone), then from this source file (when built elsewhere).
        foreach (string start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) ?? "" })
        {
            if (start.Length == 0) continue;
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "data", "speech-dev");
                if (System.IO.Directory.Exists(Path.Combine(candidate, "clean"))) return candidate;
            }
        }
        throw new DirectoryNotFoundException(
            $"speech-dev corpus not found: expected shared/data/speech-dev in a folder above {AppContext.BaseDirectory} (../shared beside the repository) or HMM_SPEECH_DEV set to it.");
    }
}

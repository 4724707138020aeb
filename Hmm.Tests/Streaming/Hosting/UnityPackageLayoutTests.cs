using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Xunit;

namespace Hmm.Tests.Streaming.Hosting;

/// <summary>
/// The Unity package's manifest, assembly definitions and .meta files as committed (Unity/com.hmm.lipsync): what
/// Unity reads before it compiles anything, so a mistake there shows only in a Unity project, which this machine lacks.
/// </summary>
public class UnityPackageLayoutTests
{
    private static string PackageDirectory([CallerFilePath] string here = "")
    {
        string directory = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "Unity", "com.hmm.lipsync"));
        // A published copy of the tests (the GPU bundle) runs away from the source tree.
        Assert.SkipUnless(Directory.Exists(directory), $"the source tree ({directory}) is not on this machine");
        return directory;
    }

    private static JsonElement Read(string relative) => JsonDocument.Parse(File.ReadAllText(Path.Combine(PackageDirectory(), relative))).RootElement;

    [Fact]
    public void The_manifest_has_what_the_package_manager_needs()
    {
        var manifest = Read("package.json");
        Assert.Equal("com.hmm.lipsync", manifest.GetProperty("name").GetString());
        Assert.Matches(@"^\d+\.\d+\.\d+$", manifest.GetProperty("version").GetString()!);
        Assert.Matches(@"^20\d\d\.\d$|^\d+\.\d+$", manifest.GetProperty("unity").GetString()!);
        Assert.False(string.IsNullOrWhiteSpace(manifest.GetProperty("displayName").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(manifest.GetProperty("description").GetString()));
        foreach (var sample in manifest.GetProperty("samples").EnumerateArray())
        {
            string path = sample.GetProperty("path").GetString()!;
            Assert.StartsWith("Samples~/", path);
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(PackageDirectory(), path), "*.cs"));
        }
        string changelog = File.ReadAllText(Path.Combine(PackageDirectory(), "CHANGELOG.md"));
        Assert.Contains($"[{manifest.GetProperty("version").GetString()}]", changelog);
    }

    [Fact]
    public void The_editor_assembly_is_editor_only_and_references_the_runtime_one()
    {
        var runtime = Read("Runtime/Hmm.LipSync.asmdef");
        var editor = Read("Editor/Hmm.LipSync.Editor.asmdef");
        Assert.Equal("Hmm.LipSync", runtime.GetProperty("name").GetString());
        Assert.Empty(runtime.GetProperty("includePlatforms").EnumerateArray());
        Assert.Equal(new[] { "Editor" }, editor.GetProperty("includePlatforms").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("Hmm.LipSync", editor.GetProperty("references").EnumerateArray().Select(e => e.GetString()));
        // The check projects compile the same folders as the same assembly names.
        string check = File.ReadAllText(Path.Combine(PackageDirectory(), "..", "Check", "Runtime", "Hmm.LipSync.Check.csproj"));
        Assert.Contains("<AssemblyName>Hmm.LipSync</AssemblyName>", check);
    }

    [Fact]
    public void Every_imported_file_and_folder_has_a_meta_with_a_unique_guid()
    {
        string root = PackageDirectory();
        var guids = new Dictionary<string, string>();
        foreach (string entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, entry).Replace('\\', '/');
            // Unity skips hidden entries and names ending in '~'; the assemblies' folder is the build script's (tested by running it).
            if (relative.Split('/').Any(part => part.StartsWith('.') || part.EndsWith('~')) || relative.StartsWith("Runtime/Plugins", StringComparison.Ordinal)) continue;
            if (relative.EndsWith(".meta", StringComparison.Ordinal))
            {
                Assert.True(File.Exists(entry[..^5]) || Directory.Exists(entry[..^5]), $"{relative} has no asset");
                string guid = File.ReadLines(entry).Single(l => l.StartsWith("guid: ", StringComparison.Ordinal))[6..];
                Assert.Matches("^[0-9a-f]{32}$", guid);
                Assert.True(guids.TryAdd(guid, relative), $"{relative} and {(guids.TryGetValue(guid, out var other) ? other : "")} share a GUID");
                Assert.Equal(Directory.Exists(entry[..^5]), File.ReadAllText(entry).Contains("folderAsset: yes", StringComparison.Ordinal));
            }
            else Assert.True(File.Exists(entry + ".meta"), $"{relative} has no .meta");
        }
        Assert.True(guids.Count >= 15, $"{guids.Count} .meta files");
    }
}

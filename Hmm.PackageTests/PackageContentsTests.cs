using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using Xunit;

namespace Hmm.PackageTests;

/// <summary>What each .nupkg that `dotnet pack` made holds: assemblies with XML docs per framework, readme, licence, notices,
/// symbols, and the dependencies per framework (no build-time package, such as the generator or PolySharp, among them).</summary>
public class PackageContentsTests
{
    private static string Package(string id, string extension = ".nupkg") =>
        System.IO.Path.Combine(SampleUtterance.Metadata("HmmPackageFolder"), $"{id}.{SampleUtterance.Metadata("HmmPackageVersion")}{extension}");

    private static (string[] Entries, XElement Metadata) Read(string id)
    {
        using var zip = ZipFile.OpenRead(Package(id));
        var entries = zip.Entries.Select(e => e.FullName).ToArray();
        using var nuspec = zip.GetEntry(id + ".nuspec")!.Open();
        var metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        return (entries, metadata);
    }

    private static string? Value(XElement metadata, string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

    /// <summary>The dependency ids of the group for <paramref name="framework"/> ("net10.0", ".NETStandard2.1").</summary>
    private static string[] Dependencies(XElement metadata, string framework) =>
        metadata.Descendants().Single(e => e.Name.LocalName == "group" && (string?)e.Attribute("targetFramework") == framework)
            .Elements().Select(d => (string)d.Attribute("id")!).Order(StringComparer.Ordinal).ToArray();

    [Theory]
    [InlineData("Hmm.Core", true)]
    [InlineData("Hmm.Speech", true)]
    [InlineData("Hmm.Streaming", true)]
    [InlineData("Hmm.Gpu", false)]
    public void Each_package_has_its_assemblies_docs_readme_licence_and_symbols(string id, bool netstandard)
    {
        var (entries, metadata) = Read(id);
        string[] frameworks = netstandard ? ["net10.0", "netstandard2.1"] : ["net10.0"];
        foreach (var tfm in frameworks)
        {
            Assert.Contains($"lib/{tfm}/{id}.dll", entries);
            Assert.Contains($"lib/{tfm}/{id}.xml", entries);
        }
        Assert.Equal(frameworks.Length, entries.Count(e => e.StartsWith("lib/", StringComparison.Ordinal) && e.EndsWith(".dll", StringComparison.Ordinal)));
        Assert.Contains("README.md", entries);
        Assert.Equal("README.md", Value(metadata, "readme"));
        Assert.Equal("MIT", Value(metadata, "license"));
        Assert.Equal(SampleUtterance.Metadata("HmmPackageVersion"), Value(metadata, "version"));
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "description")));
        Assert.Contains("hmm", Value(metadata, "tags")!.Split(' '));
        using var symbols = ZipFile.OpenRead(Package(id, ".snupkg"));
        foreach (var tfm in frameworks) Assert.Contains($"lib/{tfm}/{id}.pdb", symbols.Entries.Select(e => e.FullName));
    }

    [Fact]
    public void Hmm_Speech_carries_the_third_party_notices_of_its_embedded_data()
    {
        var (entries, _) = Read("Hmm.Speech");
        Assert.Contains("THIRD-PARTY-NOTICES.txt", entries);
        using var zip = ZipFile.OpenRead(Package("Hmm.Speech"));
        using var text = new StreamReader(zip.GetEntry("THIRD-PARTY-NOTICES.txt")!.Open());
        string notices = text.ReadToEnd();
        Assert.Contains("Carnegie Mellon University", notices, StringComparison.Ordinal);
        Assert.Contains("MBROLA", notices, StringComparison.Ordinal);
    }

    [Fact]
    public void Dependencies_are_the_runtime_ones_per_framework()
    {
        // netstandard2.1 needs the Unsafe package (in the box on net10.0); PolySharp and the generator are compile-time only.
        Assert.Empty(Dependencies(Read("Hmm.Core").Metadata, "net10.0"));
        Assert.Equal(new[] { "System.Runtime.CompilerServices.Unsafe" }, Dependencies(Read("Hmm.Core").Metadata, ".NETStandard2.1"));
        Assert.Equal(new[] { "Hmm.Core" }, Dependencies(Read("Hmm.Speech").Metadata, "net10.0"));
        Assert.Equal(new[] { "Hmm.Core", "System.Runtime.CompilerServices.Unsafe" }, Dependencies(Read("Hmm.Speech").Metadata, ".NETStandard2.1"));
        Assert.Equal(new[] { "Hmm.Speech" }, Dependencies(Read("Hmm.Streaming").Metadata, "net10.0"));
        Assert.Equal(new[] { "Hmm.Speech" }, Dependencies(Read("Hmm.Streaming").Metadata, ".NETStandard2.1"));
        Assert.Equal(new[] { "Hmm.Core", "Hmm.Speech", "ILGPU", "ILGPU.Algorithms" }, Dependencies(Read("Hmm.Gpu").Metadata, "net10.0"));
    }

    [Theory]
    [InlineData("Hmm.Core", "net10.0")]
    [InlineData("Hmm.Core", ".NETStandard2.1")]
    [InlineData("Hmm.Speech", "net10.0")]
    [InlineData("Hmm.Speech", ".NETStandard2.1")]
    [InlineData("Hmm.Streaming", "net10.0")]
    [InlineData("Hmm.Streaming", ".NETStandard2.1")]
    [InlineData("Hmm.Gpu", "net10.0")]
    public void Every_assembly_an_assembly_references_is_the_isFrameworkor_a_declared_dependency(string id, string framework)
    {
        // A reference the dependencies do not cover (the generator, a package made PrivateAssets by mistake) would only
        // fail at run time in the user's app. Hmm.Streaming reaches Hmm.Core through Hmm.Speech.
        var (_, metadata) = Read(id);
        var declared = Dependencies(metadata, framework).ToHashSet(StringComparer.Ordinal);
        if (declared.Contains("Hmm.Speech")) declared.Add("Hmm.Core");
        string tfm = framework == "net10.0" ? "net10.0" : "netstandard2.1";
        using var zip = ZipFile.OpenRead(Package(id));
        using var dll = new MemoryStream();
        using (var entry = zip.GetEntry($"lib/{tfm}/{id}.dll")!.Open()) entry.CopyTo(dll);
        dll.Position = 0;
        using var pe = new System.Reflection.PortableExecutable.PEReader(dll);
        var reader = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        var references = reader.AssemblyReferences.Select(h => reader.GetString(reader.GetAssemblyReference(h).Name)).ToArray();
        Assert.Contains(references, r => r is "netstandard" or "System.Runtime");
        foreach (var name in references)
        {
            bool isFramework = name is "netstandard" or "mscorlib" || (name.StartsWith("System.", StringComparison.Ordinal) && name != "System.Runtime.CompilerServices.Unsafe");
            Assert.True(isFramework || declared.Contains(name), $"{id} ({tfm}) references {name}, which is not among its dependencies: {string.Join(", ", declared)}");
        }
    }

    [Fact]
    public void The_tests_run_against_the_packaged_assemblies()
    {
        // The assemblies loaded here are the ones in the packages (same bytes), not a project build that happened to be near.
        foreach (var (id, type) in new[] { ("Hmm.Core", typeof(Hmm.HmmEngine)), ("Hmm.Speech", typeof(Hmm.Speech.ForcedAligner)), ("Hmm.Streaming", typeof(Hmm.Streaming.LipSyncProcessor)) })
        {
            using var zip = ZipFile.OpenRead(Package(id));
            using var packed = new MemoryStream();
            zip.GetEntry($"lib/net10.0/{id}.dll")!.Open().CopyTo(packed);
            Assert.Equal(packed.ToArray(), File.ReadAllBytes(type.Assembly.Location));
        }
    }
}

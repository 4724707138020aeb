using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;

namespace Hmm.PackageTests;

/// <summary>The bundled sample samples/s044-us2 (copied beside the tests): its audio, transcript and exact phone labels.</summary>
internal static class SampleUtterance
{
    public const string Id = "s044-us2";

    public static string Path(string extension) => System.IO.Path.Combine(AppContext.BaseDirectory, "samples", Id + extension);

    public static string Text => File.ReadAllText(Path(".txt"));

    /// <summary>The exact labels (start, end, phone), sil included.</summary>
    public static IReadOnlyList<(double Start, double End, string Phone)> Labels =>
        File.ReadAllLines(Path(".lab")).Where(l => l.Trim().Length > 0).Select(l =>
        {
            var f = l.Split('\t', ' ');
            return (double.Parse(f[0], CultureInfo.InvariantCulture), double.Parse(f[1], CultureInfo.InvariantCulture), f[2]);
        }).ToArray();

    /// <summary>The label at time <paramref name="t"/> (seconds); the last one past the end.</summary>
    public static string PhoneAt(IReadOnlyList<(double Start, double End, string Phone)> labels, double t) =>
        labels.FirstOrDefault(s => t < s.End, labels[^1]).Phone;

    /// <summary>The samples of a 16-bit PCM mono WAV file at full scale ±1 (Hmm.Speech reads no files: that is Hmm.Speech.Training, not packaged).</summary>
    public static float[] ReadWav(out int sampleRate)
    {
        using var r = new BinaryReader(File.OpenRead(Path(".wav")));
        if (Encoding.ASCII.GetString(r.ReadBytes(4)) != "RIFF") throw new InvalidDataException("not a RIFF file");
        r.ReadInt32();
        if (Encoding.ASCII.GetString(r.ReadBytes(4)) != "WAVE") throw new InvalidDataException("not a WAVE file");
        sampleRate = 0;
        while (true)
        {
            string chunk = Encoding.ASCII.GetString(r.ReadBytes(4));
            int size = r.ReadInt32();
            if (chunk == "fmt ")
            {
                var fmt = r.ReadBytes(size);
                short format = BitConverter.ToInt16(fmt, 0), channels = BitConverter.ToInt16(fmt, 2), bits = BitConverter.ToInt16(fmt, 14);
                if (format != 1 || channels != 1 || bits != 16) throw new InvalidDataException($"expected 16-bit PCM mono, got format {format}, {channels} channels, {bits} bits");
                sampleRate = BitConverter.ToInt32(fmt, 4);
            }
            else if (chunk == "data")
            {
                var bytes = r.ReadBytes(size);
                var samples = new float[bytes.Length / 2];
                for (int i = 0; i < samples.Length; i++) samples[i] = BitConverter.ToInt16(bytes, 2 * i) / 32768f;
                return samples;
            }
            else r.ReadBytes(size + (size & 1));
        }
    }

    /// <summary>A value the project file put into this assembly (the package folder, the package version).</summary>
    public static string Metadata(string key) =>
        typeof(SampleUtterance).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}

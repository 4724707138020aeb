using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Hmm.Speech;

/// <summary>
/// Per-phone duration distributions in frames of a front end's hop, learned from labelled speech: the histogram of each
/// phone's labelled segment durations, and the family (<see cref="DurationFamily"/>) fitted to it
/// (<see cref="DurationDistributions.Fit"/>). A phone with fewer than <see cref="MinSegments"/> labelled segments backs off
/// to the pooled histogram of its phone class, and a class with fewer to all phones pooled. What the duration-aware
/// aligner (ForcedAlignerOptions.Durations) reads; stored with an <see cref="AcousticModel"/>.
/// </summary>
public sealed class PhoneDurations
{
    private readonly int[][] _counts;
    private readonly float[][] _logTables;

    /// <summary>Labelled segments below which a phone's distribution backs off to its class (5).</summary>
    public const int MinSegments = 5;

    /// <summary>The shortest <see cref="MaxFrames"/>: one second of frames (a distribution may always reach a second).</summary>
    public const double MinCoverSeconds = 1.0;

    /// <summary>Probability floor of every duration up to <see cref="MaxFrames"/> (1e-6), so that no duration is impossible.</summary>
    public const double Floor = 1e-6;

    /// <summary>Creates the distributions from per-phone duration histograms.</summary>
    /// <param name="phones">The phone set the histograms are indexed by.</param>
    /// <param name="frameSeconds">The frame hop in seconds the durations are counted in.</param>
    /// <param name="family">The family fitted to each histogram.</param>
    /// <param name="counts">Per phone, <c>counts[p][d - 1]</c> = labelled segments of phone p lasting d frames (any lengths, null or empty for none).</param>
    /// <exception cref="ArgumentException">A shape or value out of range, or no segment at all.</exception>
    public PhoneDurations(PhoneSet phones, double frameSeconds, DurationFamily family, int[]?[] counts)
    {
        Phones = phones ?? throw new ArgumentNullException(nameof(phones));
        Guard.NotNull(counts, nameof(counts));
        if (!(frameSeconds > 0 && frameSeconds < 1)) throw new ArgumentOutOfRangeException(nameof(frameSeconds), frameSeconds, "frameSeconds must be in (0, 1).");
        if (family is not (DurationFamily.Nonparametric or DurationFamily.Poisson or DurationFamily.Gamma or DurationFamily.LogNormal))
            throw new ArgumentOutOfRangeException(nameof(family), family, "unknown duration family.");
        if (counts.Length != phones.Count) throw new ArgumentException($"counts has {counts.Length} rows but the phone set has {phones.Count} phones.", nameof(counts));
        FrameSeconds = frameSeconds;
        Family = family;
        _counts = new int[phones.Count][];
        int longest = 0;
        long total = 0;
        for (int p = 0; p < counts.Length; p++)
        {
            var row = counts[p] ?? Array.Empty<int>();
            int last = row.Length;
            while (last > 0 && row[last - 1] == 0) last--;
            _counts[p] = row.AsSpan(0, last).ToArray();
            foreach (int c in _counts[p])
            {
                if (c < 0) throw new ArgumentException($"counts[{p}] holds a negative count.", nameof(counts));
                total += c;
            }
            longest = Math.Max(longest, last);
        }
        if (total == 0) throw new ArgumentException("no labelled segment: durations cannot be learned from nothing.", nameof(counts));
        MaxFrames = Math.Max(2 * longest, (int)Math.Ceiling(MinCoverSeconds / frameSeconds));
        _logTables = new float[phones.Count][];
        for (int p = 0; p < phones.Count; p++) _logTables[p] = LogTable(p);
    }

    /// <summary>The phone set.</summary>
    public PhoneSet Phones { get; }

    /// <summary>The frame hop the durations are counted in, seconds.</summary>
    public double FrameSeconds { get; }

    /// <summary>The fitted family.</summary>
    public DurationFamily Family { get; }

    /// <summary>The longest duration (frames) the distributions cover: twice the longest labelled segment, at least <see cref="MinCoverSeconds"/>.</summary>
    public int MaxFrames { get; }

    /// <summary>Labelled segments of phone <paramref name="phone"/>.</summary>
    public int Segments(int phone) => _counts[phone].Sum();

    /// <summary>A copy of phone <paramref name="phone"/>'s histogram: index d - 1 counts segments of d frames.</summary>
    public int[] Counts(int phone) => (int[])_counts[phone].Clone();

    /// <summary>log P(d) of phone <paramref name="phone"/> for d = 1 .. <see cref="MaxFrames"/> (index d - 1), with the back-off applied.</summary>
    public ReadOnlySpan<float> LogDistribution(int phone) => _logTables[phone];

    /// <summary>The mean duration of phone <paramref name="phone"/>'s fitted distribution, in frames.</summary>
    public double MeanFrames(int phone)
    {
        double mean = 0;
        var table = _logTables[phone];
        for (int k = 0; k < table.Length; k++) mean += (k + 1) * Math.Exp(table[k]);
        return mean;
    }

    /// <summary>The family named <paramref name="name"/> (gamma, lognormal, poisson, nonparametric; any case).</summary>
    /// <exception cref="ArgumentException">An unknown name (the message lists the known ones).</exception>
    public static DurationFamily ParseFamily(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "gamma" => DurationFamily.Gamma,
        "lognormal" or "log-normal" => DurationFamily.LogNormal,
        "poisson" => DurationFamily.Poisson,
        "nonparametric" => DurationFamily.Nonparametric,
        _ => throw new ArgumentException($"unknown duration family '{name}': use gamma, lognormal, poisson or nonparametric.", nameof(name)),
    };

    /// <summary>The name <see cref="ParseFamily"/> reads back.</summary>
    public static string FamilyName(DurationFamily family) => family switch
    {
        DurationFamily.Gamma => "gamma",
        DurationFamily.LogNormal => "lognormal",
        DurationFamily.Poisson => "poisson",
        DurationFamily.Nonparametric => "nonparametric",
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "unknown duration family."),
    };

    /// <summary>
    /// Learns the distributions from label files' segments: each segment of a phone of <paramref name="phones"/> lasting
    /// d frames (its length over <paramref name="frameSeconds"/>, rounded, at least 1) counts once.
    /// </summary>
    /// <exception cref="ArgumentException">A label's phone is not in the set, or there are no segments.</exception>
    public static PhoneDurations Learn(PhoneSet phones, double frameSeconds, DurationFamily family, IEnumerable<IReadOnlyList<PhoneSegment>> labels)
    {
        Guard.NotNull(phones, nameof(phones));
        Guard.NotNull(labels, nameof(labels));
        if (!(frameSeconds > 0 && frameSeconds < 1)) throw new ArgumentOutOfRangeException(nameof(frameSeconds), frameSeconds, "frameSeconds must be in (0, 1).");
        var lists = new List<int>[phones.Count];
        for (int p = 0; p < lists.Length; p++) lists[p] = new List<int>();
        foreach (var file in labels)
        {
            foreach (var segment in file)
            {
                int p = phones.IndexOf(segment.Phone);
                if (p < 0) throw new ArgumentException($"label phone '{segment.Phone}' is not in the phone set.", nameof(labels));
                lists[p].Add(Frames(segment.End - segment.Start, frameSeconds));
            }
        }
        var counts = new int[phones.Count][];
        for (int p = 0; p < counts.Length; p++)
        {
            counts[p] = new int[lists[p].Count == 0 ? 0 : lists[p].Max()];
            foreach (int d in lists[p]) counts[p][d - 1]++;
        }
        return new PhoneDurations(phones, frameSeconds, family, counts);
    }

    /// <summary>A duration in seconds as whole frames (rounded, at least 1).</summary>
    public static int Frames(double seconds, double frameSeconds) => Math.Max(1, (int)Math.Round(seconds / frameSeconds, MidpointRounding.AwayFromZero));

    /// <summary>The same histograms with another family.</summary>
    public PhoneDurations WithFamily(DurationFamily family) => new(Phones, FrameSeconds, family, _counts);

    /// <summary>The histogram a phone's distribution is fitted to: its own, or its class's, or every phone's (see the remarks).</summary>
    private double[] BackedOff(int phone)
    {
        var counts = new double[MaxFrames];
        void Add(int p)
        {
            var row = _counts[p];
            for (int k = 0; k < row.Length; k++) counts[k] += row[k];
        }
        Add(phone);
        if (Segments(phone) >= MinSegments) return counts;
        var cls = Phones.ClassOf(phone);
        int pooled = 0;
        for (int p = 0; p < Phones.Count; p++)
            if (Phones.ClassOf(p) == cls) pooled += Segments(p);
        if (pooled >= MinSegments)
        {
            for (int p = 0; p < Phones.Count; p++)
                if (p != phone && Phones.ClassOf(p) == cls) Add(p);
            return counts;
        }
        for (int p = 0; p < Phones.Count; p++) if (p != phone) Add(p);
        return counts;
    }

    private float[] LogTable(int phone)
    {
        var p = DurationDistributions.Fit(BackedOff(phone), Family, Floor);
        var table = new float[p.Length];
        for (int k = 0; k < p.Length; k++) table[k] = (float)Math.Log(p[k]);
        return table;
    }

    // ------------------------------------------------------------------ file section

    /// <summary>Writes the family, the hop and the histograms (by phone name) as <see cref="AcousticModel"/> stores them.</summary>
    internal void Write(BinaryWriter w)
    {
        w.Write((int)Family);
        w.Write(FrameSeconds);
        w.Write(Phones.Count);
        for (int p = 0; p < Phones.Count; p++)
        {
            w.Write(Phones[p]);
            w.Write(_counts[p].Length);
            foreach (int c in _counts[p]) w.Write(c);
        }
    }

    /// <summary>Reads what <see cref="Write"/> wrote, for the model's phone set.</summary>
    /// <exception cref="InvalidDataException">A value out of range or phones unlike the model's.</exception>
    internal static PhoneDurations Read(BinaryReader r, PhoneSet phones)
    {
        int family = r.ReadInt32();
        if (family is < 0 or > (int)DurationFamily.LogNormal) throw new InvalidDataException($"duration family {family} is unknown.");
        double hop = r.ReadDouble();
        if (!(hop > 0 && hop < 1)) throw new InvalidDataException($"the durations' frame hop {hop.ToString(CultureInfo.InvariantCulture)} s is out of range.");
        int count = r.ReadInt32();
        if (count != phones.Count) throw new InvalidDataException($"the durations cover {count} phones but the model has {phones.Count}.");
        var counts = new int[count][];
        for (int p = 0; p < count; p++)
        {
            string name = r.ReadString();
            if (name != phones[p]) throw new InvalidDataException($"the durations' phone {p} is '{name}' but the model's is '{phones[p]}'.");
            int length = r.ReadInt32();
            if (length < 0 || length > HsmmModel.MaxSupportedDuration / 2) throw new InvalidDataException($"phone '{name}' has a duration histogram of {length} frames.");
            counts[p] = new int[length];
            for (int k = 0; k < length; k++)
            {
                counts[p][k] = r.ReadInt32();
                if (counts[p][k] < 0) throw new InvalidDataException($"phone '{name}' has a negative duration count.");
            }
        }
        try { return new PhoneDurations(phones, hop, (DurationFamily)family, counts); }
        catch (ArgumentException e) { throw new InvalidDataException(e.Message, e); }
    }
}

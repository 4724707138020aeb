using System;
using System.Globalization;

namespace Hmm.Speech;

/// <summary>One labelled interval: a phone from <see cref="Start"/> to <see cref="End"/> seconds.</summary>
/// <param name="Start">Start time in seconds.</param>
/// <param name="End">End time in seconds (not before <paramref name="Start"/>).</param>
/// <param name="Phone">The phone (or any label text).</param>
public readonly record struct PhoneSegment(double Start, double End, string Phone)
{
    /// <summary>Duration in seconds.</summary>
    public double Duration => End - Start;

    /// <inheritdoc/>
    public override string ToString() =>
        Start.ToString("0.000", CultureInfo.InvariantCulture) + "\t" + End.ToString("0.000", CultureInfo.InvariantCulture) + "\t" + Phone;
}

using System;

namespace Hmm.Streaming;

/// <summary>Rhubarb Lip Sync's output formats (its <c>--exportFormat</c>).</summary>
public enum RhubarbExportFormat
{
    /// <summary>Tab-separated start times and shapes, with a closing line at the end time (<c>tsv</c>, Rhubarb's default).</summary>
    Tsv,
    /// <summary>XML with a metadata block (<c>xml</c>).</summary>
    Xml,
    /// <summary>JSON with a metadata block (<c>json</c>).</summary>
    Json,
    /// <summary>Moho / OpenToonz switch data, <c>MohoSwitch1</c>, in 1-based frames (<c>dat</c>).</summary>
    Dat,
}

/// <summary>Options of the Rhubarb exporters, named after Rhubarb's command-line options.</summary>
public sealed class RhubarbExportOptions
{
    /// <summary>Rhubarb's lowest DAT frame rate.</summary>
    public const double MinDatFrameRate = 24;

    /// <summary>Rhubarb's highest DAT frame rate.</summary>
    public const double MaxDatFrameRate = 100;

    /// <summary>The defaults: 24 fps, alphabetic names, extended shapes GHX, <c>\n</c> line ends.</summary>
    public static RhubarbExportOptions Default { get; } = new();

    /// <summary><c>--datFrameRate</c>: frames per second of a DAT file, 24 to 100 (default 24).</summary>
    public double DatFrameRate { get; set; } = 24;

    /// <summary><c>--datUsePrestonBlair</c>: DAT files name shapes MBP, etc, E, AI, O, U, FV, L, rest instead of A to H, X.</summary>
    public bool DatUsePrestonBlair { get; set; }

    /// <summary>
    /// <c>--extendedShapes</c> (default <c>GHX</c>): decides the closed mouth that ends a TSV or DAT file and stands in
    /// for an empty cue list, X when this holds X and A otherwise. Cues are written as given; <see cref="MouthCueBuilder"/>
    /// reduces them to the same set.
    /// </summary>
    public string ExtendedShapes { get; set; } = RhubarbShapes.AllExtendedShapes;

    /// <summary>
    /// The line end. Rhubarb writes <c>\n</c> to a text-mode stream, which its Linux and macOS builds keep and its
    /// Windows build turns into <c>\r\n</c>: use <c>"\r\n"</c> to match a Windows run byte for byte.
    /// </summary>
    public string NewLine { get; set; } = "\n";

    internal void Validate(bool dat, string paramName)
    {
        if (ExtendedShapes is null) throw new ArgumentException("ExtendedShapes is null.", paramName);
        try
        {
            RhubarbShapes.ValidateExtendedShapes(ExtendedShapes);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException("ExtendedShapes: " + e.Message, paramName, e);
        }
        if (NewLine is null) throw new ArgumentException("NewLine is null.", paramName);
        if (dat && !(DatFrameRate >= MinDatFrameRate && DatFrameRate <= MaxDatFrameRate))
            throw new ArgumentOutOfRangeException(paramName, DatFrameRate, "DatFrameRate: Frame rate must be between 24 and 100 fps.");
    }
}

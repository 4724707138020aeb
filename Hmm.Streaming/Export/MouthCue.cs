namespace Hmm.Streaming;

/// <summary>
/// One mouth shape held from <paramref name="Start"/> to <paramref name="End"/> (seconds from the start of the
/// recording): an element of Rhubarb Lip Sync's output. The exporters write times in whole centiseconds, so times
/// that are not already multiples of 0.01 s are rounded to the nearest one (<see cref="MouthCueBuilder"/> makes
/// only whole centiseconds).
/// </summary>
/// <param name="Start">Start time in seconds.</param>
/// <param name="End">End time in seconds, not before <paramref name="Start"/>.</param>
/// <param name="Shape">The mouth shape.</param>
public readonly record struct MouthCue(double Start, double End, RhubarbShape Shape);

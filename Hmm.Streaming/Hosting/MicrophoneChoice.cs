using System;
using System.Collections.Generic;

namespace Hmm.Streaming;

/// <summary>
/// Which capture device and rate to open, from what the engine lists (Unity's <c>Microphone.devices</c> and
/// <c>Microphone.GetDeviceCaps</c>), with the message for the console when there is nothing to open.
/// </summary>
public static class MicrophoneChoice
{
    /// <summary>
    /// Picks <paramref name="requested"/> (null or empty: the first device) and the rate nearest
    /// <paramref name="requestedRate"/> within the device's range (<paramref name="minRate"/> and
    /// <paramref name="maxRate"/> both 0: any rate); false, with <paramref name="problem"/> saying why, when there is no
    /// device or none of that name.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="requestedRate"/> is not positive.</exception>
    public static bool TryChoose(IReadOnlyList<string> devices, string? requested, int requestedRate, int minRate, int maxRate,
        out string device, out int rate, out string? problem)
    {
        Guard.NotNull(devices, nameof(devices));
        if (requestedRate <= 0) throw new ArgumentOutOfRangeException(nameof(requestedRate), requestedRate, "requestedRate must be positive.");
        device = string.Empty;
        rate = requestedRate;
        if (devices.Count == 0)
        {
            problem = "no microphone found";
            return false;
        }
        if (string.IsNullOrEmpty(requested)) device = devices[0];
        else
        {
            for (int i = 0; i < devices.Count && device.Length == 0; i++) if (string.Equals(devices[i], requested, StringComparison.Ordinal)) device = devices[i];
            if (device.Length == 0)
            {
                problem = $"no microphone named '{requested}'; there are: {string.Join(", ", devices)}";
                return false;
            }
        }
        if (maxRate > 0) rate = Math.Min(Math.Max(requestedRate, minRate), maxRate);
        problem = null;
        return true;
    }
}

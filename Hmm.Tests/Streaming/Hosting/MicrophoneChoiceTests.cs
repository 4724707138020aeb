using System;
using Hmm.Streaming;
using Xunit;

namespace Hmm.Tests.Streaming.Hosting;

/// <summary><see cref="MicrophoneChoice"/>: the device and rate a component opens, and its message when there is none.</summary>
public class MicrophoneChoiceTests
{
    [Fact]
    public void The_first_device_is_the_default_and_the_rate_keeps_within_the_device_range()
    {
        var devices = new[] { "Built-in Microphone", "USB Headset" };
        Assert.True(MicrophoneChoice.TryChoose(devices, "", 16000, 44100, 48000, out string device, out int rate, out string? problem));
        Assert.Equal("Built-in Microphone", device);
        Assert.Equal(44100, rate);
        Assert.Null(problem);
        Assert.True(MicrophoneChoice.TryChoose(devices, "USB Headset", 16000, 0, 0, out device, out rate, out _));
        Assert.Equal("USB Headset", device);
        Assert.Equal(16000, rate);
        Assert.True(MicrophoneChoice.TryChoose(devices, null, 96000, 8000, 48000, out _, out rate, out _));
        Assert.Equal(48000, rate);
    }

    [Fact]
    public void No_device_or_an_unknown_name_says_so_and_lists_what_there_is()
    {
        Assert.False(MicrophoneChoice.TryChoose(Array.Empty<string>(), "", 16000, 0, 0, out _, out _, out string? problem));
        Assert.Equal("no microphone found", problem);
        Assert.False(MicrophoneChoice.TryChoose(new[] { "A", "B" }, "Headset", 16000, 0, 0, out _, out _, out problem));
        Assert.Equal("no microphone named 'Headset'; there are: A, B", problem);
        Assert.Equal("requestedRate", Assert.Throws<ArgumentOutOfRangeException>(() => MicrophoneChoice.TryChoose(new[] { "A" }, "", 0, 0, 0, out _, out _, out _)).ParamName);
    }
}

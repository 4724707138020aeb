using System;
using Hmm.Speech;

namespace Hmm.Streaming;

/// <summary>
/// What the processor knows after one analysis hop: fixed-size arrays, sized at construction and reused (copy the
/// latest with <see cref="LipSyncProcessor.TryReadLatest"/>). Mouth weights are smoothed for animation; phone
/// posteriors are the decoder's filtered ones.
/// </summary>
public sealed class LipSyncFrame
{
    /// <summary>An empty frame for <paramref name="phones"/>.</summary>
    public LipSyncFrame(PhoneSet phones)
    {
        Guard.NotNull(phones, nameof(phones));
        Phones = phones;
        PhonePosteriors = new float[phones.Count];
        Rhubarb = new float[VisemeMap.ShapeCount(VisemeSet.Rhubarb)];
        Oculus = new float[VisemeMap.ShapeCount(VisemeSet.Oculus)];
        Vowels = new float[VisemeMap.ShapeCount(VisemeSet.Vowels)];
    }

    /// <summary>The phones <see cref="PhonePosteriors"/> and <see cref="Phone"/> index.</summary>
    public PhoneSet Phones { get; }

    /// <summary>Analysis frames so far (this frame is number <c>FrameIndex</c>, from 0); -1 before the first.</summary>
    public long FrameIndex { get; internal set; } = -1;

    /// <summary>The frame's centre on the caller's clock, in input samples (the first pushed sample is at the stream's origin).</summary>
    public long SampleTime { get; internal set; }

    /// <summary>The frame's centre in seconds from the stream's origin.</summary>
    public double Time { get; internal set; }

    /// <summary>P(phone | audio so far), per phone.</summary>
    public float[] PhonePosteriors { get; }

    /// <summary>The most likely phone now.</summary>
    public int Phone { get; internal set; }

    /// <summary>With a script (<see cref="LipSyncOptions.Script"/>): the word of the script being spoken now, -1 in a pause or without a script.</summary>
    public int Word { get; internal set; } = -1;

    /// <summary>The name of <see cref="Phone"/>.</summary>
    public string PhoneName => Phones[Phone];

    /// <summary>Smoothed weights of Rhubarb's mouth shapes, indexed by <see cref="RhubarbShape"/>.</summary>
    public float[] Rhubarb { get; }

    /// <summary>Smoothed weights of the 15 Oculus visemes, indexed by <see cref="OculusViseme"/>.</summary>
    public float[] Oculus { get; }

    /// <summary>Smoothed weights of the vowel shapes, indexed by <see cref="VowelShape"/> (all near 0 in silence).</summary>
    public float[] Vowels { get; }

    /// <summary>Rhubarb's shape with the largest weight.</summary>
    public RhubarbShape RhubarbShape { get; internal set; } = RhubarbShape.X;

    /// <summary>1 - P(silence): how sure the decoder is that someone is speaking.</summary>
    public float VoiceActivity { get; internal set; }

    /// <summary>Level of the frame's hop of audio, dB relative to full scale (-120 for digital silence).</summary>
    public float LoudnessDb { get; internal set; } = -120f;

    /// <summary>The weight of <paramref name="shape"/>.</summary>
    public float Weight(RhubarbShape shape) => Rhubarb[(int)shape];

    /// <summary>The weight of <paramref name="viseme"/>.</summary>
    public float Weight(OculusViseme viseme) => Oculus[(int)viseme];

    /// <summary>The weight of <paramref name="vowel"/>.</summary>
    public float Weight(VowelShape vowel) => Vowels[(int)vowel];

    /// <summary>Copies every value into <paramref name="destination"/> (a frame of the same phone set); allocation-free.</summary>
    public void CopyTo(LipSyncFrame destination)
    {
        Guard.NotNull(destination, nameof(destination));
        if (destination.PhonePosteriors.Length != PhonePosteriors.Length)
            throw new ArgumentException($"The destination has {destination.PhonePosteriors.Length} phones but this frame has {PhonePosteriors.Length}.", nameof(destination));
        destination.FrameIndex = FrameIndex;
        destination.SampleTime = SampleTime;
        destination.Time = Time;
        destination.Phone = Phone;
        destination.Word = Word;
        destination.RhubarbShape = RhubarbShape;
        destination.VoiceActivity = VoiceActivity;
        destination.LoudnessDb = LoudnessDb;
        PhonePosteriors.AsSpan().CopyTo(destination.PhonePosteriors);
        Rhubarb.AsSpan().CopyTo(destination.Rhubarb);
        Oculus.AsSpan().CopyTo(destination.Oculus);
        Vowels.AsSpan().CopyTo(destination.Vowels);
    }
}

/// <summary>A phone the decoder has committed: it will not change. Times on the caller's clock.</summary>
/// <param name="Phone">Index in the model's phone set.</param>
/// <param name="StartSample">First input sample of the segment (from the stream's origin).</param>
/// <param name="EndSample">One past its last input sample.</param>
/// <param name="Start">Start in seconds from the stream's origin.</param>
/// <param name="End">End in seconds.</param>
/// <param name="Word">With a script: the index of the script's word the phone belongs to (-1 for a pause); -1 without one.</param>
public readonly record struct CommittedPhone(int Phone, long StartSample, long EndSample, double Start, double End, int Word = -1);

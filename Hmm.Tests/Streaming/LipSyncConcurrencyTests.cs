using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Hmm.Streaming;
using Xunit;

namespace Hmm.Tests.Streaming;

/// <summary>
/// <see cref="LipSyncProcessor"/> across threads: independent processors on 64 threads at once give what one gives
/// alone, and a reader thread polling while the audio thread pushes sees whole frames in order and every segment once.
/// </summary>
public class LipSyncConcurrencyTests
{
    [Fact]
    public void Sixty_four_processors_on_their_own_threads_give_what_one_gives_alone()
    {
        const int streams = 64;
        float[] audio = LipSyncTestAudio.Speech16k;
        LipSyncRecording alone;
        using (var processor = new LipSyncProcessor())
            alone = LipSyncRecording.Run(processor, audio, LipSyncTestAudio.FixedBlocks(4800));

        var results = new LipSyncRecording?[streams];
        var errors = new Exception?[streams];
        using var start = new ManualResetEventSlim(false);
        var threads = new Thread[streams];
        for (int i = 0; i < streams; i++)
        {
            int stream = i;
            threads[i] = new Thread(() =>
            {
                try
                {
                    using var processor = new LipSyncProcessor();
                    start.Wait();
                    // Each stream its own block sizes: the results do not depend on them.
                    results[stream] = LipSyncRecording.Run(processor, audio, LipSyncTestAudio.RandomBlocks(stream, 4800));
                }
                catch (Exception e)
                {
                    errors[stream] = e;
                }
            });
            threads[i].Start();
        }
        start.Set();
        foreach (var thread in threads) thread.Join();
        for (int i = 0; i < streams; i++)
        {
            Assert.True(errors[i] is null, $"stream {i}: {errors[i]}");
            LipSyncRecording.AssertSame(alone, results[i]!, $"stream {i} of {streams}");
        }
    }

    [Fact]
    public void A_reader_thread_sees_whole_frames_in_order_and_every_segment_once_while_the_audio_thread_pushes()
    {
        // Twice the joined speech (about 12 s), 160 samples a push so that every push publishes a frame or two.
        float[] audio = LipSyncTestAudio.Speech16k.Concat(LipSyncTestAudio.Speech16k).ToArray();
        LipSyncRecording sequential;
        using (var reference = new LipSyncProcessor())
            sequential = LipSyncRecording.Run(reference, audio, LipSyncTestAudio.FixedBlocks(160));

        using var processor = new LipSyncProcessor();
        int silence = processor.Phones.IndexOf(Hmm.Speech.PhoneSet.Silence);
        var front = Hmm.Tests.Alignment.AlignmentTestData.DefaultModel.FrontEnd;
        Assert.Equal(16000, front.SampleRate);
        (int hop, int frameLength) = (front.HopLength, front.FrameLength);
        var done = 0;
        var problems = new List<string>();
        var segments = new List<CommittedPhone>();
        long reads = 0, lastIndex = -1;
        var reader = new Thread(() =>
        {
            var frame = new LipSyncFrame(processor.Phones);
            var buffer = new CommittedPhone[7];
            bool finished;
            do
            {
                finished = Volatile.Read(ref done) == 1; // one more pass after the writer is done
                while (processor.TryReadLatest(frame))
                {
                    reads++;
                    if (frame.FrameIndex <= lastIndex) problems.Add($"frame {frame.FrameIndex} read after frame {lastIndex}");
                    lastIndex = Math.Max(lastIndex, frame.FrameIndex);
                    string? wrong = Inconsistency(frame, silence, hop, frameLength);
                    if (wrong is not null) problems.Add($"frame {frame.FrameIndex}: {wrong}");
                    if (problems.Count > 20) return;
                }
                int n;
                while ((n = processor.ReadSegments(buffer)) > 0) segments.AddRange(buffer.Take(n));
            }
            while (!finished);
        });
        reader.Start();
        try
        {
            for (int position = 0; position < audio.Length; position += 160)
            {
                processor.Push(audio.AsSpan(position, Math.Min(160, audio.Length - position)));
                // Like an audio callback, leave the core now and then: on a loaded two-core machine the reader would
                // otherwise hardly run before the stream ends.
                if (position % (160 * 10) == 0) Thread.Sleep(1);
            }
            processor.Flush();
        }
        finally
        {
            Volatile.Write(ref done, 1);
            reader.Join();
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(sequential.Frames.Count - 1, lastIndex); // the newest frame was read in the end
        Assert.True(reads > 10, $"{reads} reads");
        Assert.Equal(sequential.Segments, segments);
        Assert.Equal(0, processor.Monitor.DroppedSegments);
    }

    /// <summary>What is wrong with a frame whose parts came from different hops or are not numbers; null when it is whole.</summary>
    private static string? Inconsistency(LipSyncFrame f, int silence, int hop, int frameLength)
    {
        double sum = 0;
        int best = 0;
        for (int p = 0; p < f.PhonePosteriors.Length; p++)
        {
            float v = f.PhonePosteriors[p];
            if (!float.IsFinite(v) || v < 0) return $"posterior {p} is {v}";
            sum += v;
            if (v > f.PhonePosteriors[best]) best = p;
        }
        if (Math.Abs(sum - 1) > Tolerances.PhonePosteriorSum) return $"posteriors sum to {sum:R}";
        if (best != f.Phone) return $"phone {f.Phone} but posterior {best} is the largest";
        if (f.VoiceActivity != Math.Max(0f, 1f - f.PhonePosteriors[silence])) return $"voice activity {f.VoiceActivity} but P(sil) {f.PhonePosteriors[silence]}";
        foreach (var weights in new[] { f.Rhubarb, f.Oculus, f.Vowels })
            foreach (float w in weights)
                if (!float.IsFinite(w) || w < 0 || w > 1 + Tolerances.PhonePosteriorSum) return $"weight {w}";
        int shape = 0;
        for (int s = 1; s < f.Rhubarb.Length; s++) if (f.Rhubarb[s] > f.Rhubarb[shape]) shape = s;
        if ((int)f.RhubarbShape != shape) return $"shape {f.RhubarbShape} but {(RhubarbShape)shape} weighs most";
        // The model's rate (16 kHz) in, origin 0: the centre of frame i is i hops plus half a window in.
        if (f.SampleTime != f.FrameIndex * hop + frameLength / 2) return $"sample time {f.SampleTime} for frame {f.FrameIndex}";
        if (f.Time != f.SampleTime / 16000.0) return $"time {f.Time} for sample {f.SampleTime}";
        if (!float.IsFinite(f.LoudnessDb)) return $"loudness {f.LoudnessDb}";
        return null;
    }
}

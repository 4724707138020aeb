using System;
using System.Linq;
using Hmm.Streaming;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Streaming;

public class MouthCueBuilderTests
{
    private static RhubarbShape[] Frames(string letters) => letters.Select(c => Enum.Parse<RhubarbShape>(c.ToString())).ToArray();

    private static string Repeat(char c, int n) => new(c, n);

    [Fact]
    public void Ten_millisecond_frames_become_merged_cues_in_centiseconds_that_export_as_rhubarbs_readme_example()
    {
        // The 'Hi' of Rhubarb's README.adoc: X until 0.05, D until 0.27, C until 0.31, B until 0.43, X until 0.47.
        var frames = Frames(Repeat('X', 5) + Repeat('D', 22) + Repeat('C', 4) + Repeat('B', 12) + Repeat('X', 4));
        var cues = MouthCueBuilder.FromFrames(frames, 10);
        Assert.Equal(new MouthCue[]
        {
            new(0.00, 0.05, RhubarbShape.X), new(0.05, 0.27, RhubarbShape.D), new(0.27, 0.31, RhubarbShape.C),
            new(0.31, 0.43, RhubarbShape.B), new(0.43, 0.47, RhubarbShape.X),
        }, cues);
        Assert.Equal("0.00\tX\n0.05\tD\n0.27\tC\n0.31\tB\n0.43\tX\n0.47\tX\n",
            RhubarbExporter.Format(RhubarbExportFormat.Tsv, cues, "hi.wav", MouthCueBuilder.DurationOf(7_520, 16_000)));
    }

    [Fact]
    public void Shapes_outside_the_target_set_become_their_basic_shape_and_merge()
    {
        // Without extended shapes: G -> A, H -> C, X -> A (Rhubarb's getBasicShape).
        var cues = MouthCueBuilder.FromFrames(Frames("XXAGGCHHB"), 10, extendedShapes: "");
        Assert.Equal(new MouthCue[] { new(0, 0.05, RhubarbShape.A), new(0.05, 0.08, RhubarbShape.C), new(0.08, 0.09, RhubarbShape.B) }, cues);
        var kept = MouthCueBuilder.FromFrames(Frames("XGH"), 10, extendedShapes: "x");
        Assert.Equal(new[] { RhubarbShape.X, RhubarbShape.A, RhubarbShape.C }, kept.Select(c => c.Shape));
    }

    [Fact]
    public void Other_hops_round_frame_bounds_to_the_nearest_centisecond_and_drop_vanishing_frames()
    {
        // 5 ms: bounds 0, 0.5 -> 1, 1, 1.5 -> 2, 2 cs. Frame 0 is [0, 1), frame 1 is empty, frame 2 is [1, 2), frame 3 is empty.
        var cues = MouthCueBuilder.FromFrames(Frames("BCDE"), 5);
        Assert.Equal(new MouthCue[] { new(0, 0.01, RhubarbShape.B), new(0.01, 0.02, RhubarbShape.D) }, cues);
        // A vanished frame between two equal shapes leaves them one cue, as in Rhubarb's joining timeline.
        Assert.Equal(new MouthCue[] { new(0, 0.02, RhubarbShape.B) }, MouthCueBuilder.FromFrames(Frames("BCBE"), 5));
        // 16 ms (256 samples at 16 kHz): bounds 0, 2 (1.6), 3 (3.2), 5 (4.8).
        Assert.Equal(new[] { 0.0, 0.02, 0.03 }, MouthCueBuilder.FromFrames(Frames("ABC"), 16).Select(c => c.Start));
    }

    [Fact]
    public void A_recording_length_cuts_the_cues_or_fills_the_rest_with_the_closed_mouth()
    {
        var builder = new MouthCueBuilder(10);
        builder.Add(Frames("XBBCC"));
        Assert.Equal(5, builder.FrameCount);
        Assert.Equal(3, builder.CueCount);
        // Truncated to whole centiseconds: 0.0399 s is 3 cs.
        Assert.Equal(new MouthCue[] { new(0, 0.01, RhubarbShape.X), new(0.01, 0.03, RhubarbShape.B) }, builder.ToCues(0.0399));
        Assert.Equal(new MouthCue[] { new(0, 0.01, RhubarbShape.X), new(0.01, 0.03, RhubarbShape.B), new(0.03, 0.05, RhubarbShape.C), new(0.05, 0.08, RhubarbShape.X) },
            builder.ToCues(0.08));
        builder.Add(RhubarbShape.X);
        Assert.Equal(new MouthCue(0.05, 0.08, RhubarbShape.X), builder.ToCues(0.08)[^1]); // the filling joins a closing X
        Assert.Empty(builder.ToCues(0));
        var basic = new MouthCueBuilder(10, "GH");
        Assert.Equal(RhubarbShape.A, basic.RestShape);
        Assert.Equal(new[] { new MouthCue(0, 0.02, RhubarbShape.A) }, basic.ToCues(0.02));
        builder.Reset();
        Assert.Equal(0, builder.FrameCount);
        Assert.Empty(builder.ToCues());
    }

    [Fact]
    public void Duration_is_rhubarbs_truncated_centiseconds_of_the_samples()
    {
        Assert.Equal(0.47, MouthCueBuilder.DurationOf(7_520, 16_000));
        Assert.Equal(0.47, MouthCueBuilder.DurationOf(7_679, 16_000)); // 47.99 cs
        Assert.Equal(1.0, MouthCueBuilder.DurationOf(44_100, 44_100));
        Assert.Throws<ArgumentOutOfRangeException>(() => MouthCueBuilder.DurationOf(10, 0));
    }

    [Fact]
    public void Adding_frames_allocates_nothing_while_the_cue_list_has_room()
    {
        var builder = new MouthCueBuilder(10, capacity: 16);
        int n = 0;
        builder.Add(RhubarbShape.X); // warm-up
        Assert.Equal(0, SteadyAllocation.Bytes(() =>
        {
            builder.Add((n++ / 100) % 2 == 0 ? RhubarbShape.B : RhubarbShape.C);
            if (builder.CueCount == 16) builder.Reset();
        }, warmUp: 1, calls: 10_000));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MouthCueBuilder(0));
        Assert.Throws<ArgumentException>(() => new MouthCueBuilder(10, "Q"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MouthCueBuilder(10).Add((RhubarbShape)9));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MouthCueBuilder(10).ToCues(-1));
    }
}

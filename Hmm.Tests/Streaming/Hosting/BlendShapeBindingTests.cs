using System;
using Hmm.Streaming;
using Hmm.Tests.Support;
using Xunit;

namespace Hmm.Tests.Streaming.Hosting;

/// <summary><see cref="BlendShapeBinding"/>: viseme sets onto a mesh's blend shapes by name, scaled, smoothed and clamped.</summary>
public class BlendShapeBindingTests
{
    // Ready Player Me's Oculus visemes ("viseme_sil" ...), with other face shapes around them.
    private static readonly string[] ReadyPlayerMe =
    {
        "eyeBlinkLeft", "viseme_sil", "viseme_PP", "viseme_FF", "viseme_TH", "viseme_DD", "viseme_kk", "viseme_CH", "viseme_SS",
        "viseme_nn", "viseme_RR", "viseme_aa", "viseme_E", "viseme_I", "viseme_O", "viseme_U", "mouthSmile",
    };

    [Fact]
    public void Oculus_visemes_bind_automatically_to_prefixed_names()
    {
        var binding = BlendShapeBinding.Create(VisemeSet.Oculus, ReadyPlayerMe);
        Assert.Null(binding.Problems);
        // RPM names the last three vowels I, O, U where the SDK says ih, oh, ou: those are not found automatically.
        Assert.Equal(12, binding.BoundVisemes);
        Assert.Equal(2, binding.BlendShapeOf((int)OculusViseme.PP));
        Assert.Equal(-1, binding.BlendShapeOf((int)OculusViseme.ih));
    }

    [Fact]
    public void Names_given_bind_exactly_and_missing_ones_are_reported_together()
    {
        var names = new string?[15];
        names[(int)OculusViseme.ih] = "viseme_I";
        names[(int)OculusViseme.oh] = "viseme_O";
        names[(int)OculusViseme.ou] = "viseme_Uh";     // a typo
        names[(int)OculusViseme.sil] = "-";            // left unbound on purpose
        names[(int)OculusViseme.aa] = "jawOpen";       // not on this mesh
        var binding = BlendShapeBinding.Create(VisemeSet.Oculus, ReadyPlayerMe, names);
        Assert.Equal(12, binding.BoundVisemes);
        Assert.Equal(13, binding.BlendShapeOf((int)OculusViseme.ih));
        Assert.Equal(-1, binding.BlendShapeOf((int)OculusViseme.sil));
        Assert.NotNull(binding.Problems);
        Assert.Contains("'viseme_Uh' (for ou)", binding.Problems);
        Assert.Contains("'jawOpen' (for aa)", binding.Problems);
        Assert.Contains("it has 17 blend shapes: eyeBlinkLeft, viseme_sil", binding.Problems);
    }

    [Fact]
    public void Weights_add_per_blend_shape_scale_to_the_rig_and_clamp()
    {
        // Rhubarb onto a rig with one open-mouth shape for C and D, and closed lips for A.
        var names = new string?[9];
        for (int i = 0; i < names.Length; i++) names[i] = "-";
        names[(int)RhubarbShape.A] = "lipsClosed";
        names[(int)RhubarbShape.C] = "open";
        names[(int)RhubarbShape.D] = "open";
        var binding = BlendShapeBinding.Create(VisemeSet.Rhubarb, new[] { "open", "lipsClosed" }, names);
        Assert.Equal(2, binding.TargetCount);
        var weights = new float[9];
        weights[(int)RhubarbShape.C] = 0.5f;
        weights[(int)RhubarbShape.D] = 0.25f;
        weights[(int)RhubarbShape.A] = 0.1f;
        var output = new float[2];
        binding.Apply(weights, 0.016f, output);
        // Targets come in viseme order: A's blend shape (mesh index 1) first.
        Assert.Equal(new[] { 1, 0 }, new[] { binding.BlendShapeIndex(0), binding.BlendShapeIndex(1) });
        Assert.Equal("lipsClosed", binding.BlendShapeName(0));
        Assert.Equal(10f, output[0], 4);
        Assert.Equal(75f, output[1], 4);
        binding.FullWeight = 1f;
        binding.Gain = 2f;
        binding.Apply(weights, 0.016f, output);
        Assert.Equal(1f, output[1]);   // 1.5 clamped
        Assert.Equal(0.2f, output[0], 5);
    }

    [Fact]
    public void Smoothing_is_the_same_whatever_the_frame_rate()
    {
        float[] At(int fps)
        {
            var binding = BlendShapeBinding.Create(VisemeSet.Vowels, new[] { "A", "I", "U", "E", "O", "N" });
            binding.SmoothingSeconds = 0.05f;
            binding.FullWeight = 1f;
            var weights = new float[6];
            weights[(int)VowelShape.A] = 1f;
            var output = new float[6];
            for (int i = 0; i < fps / 10; i++) binding.Apply(weights, 1f / fps, output);
            return output;
        }
        float at30 = At(30)[0], at240 = At(240)[0];
        Assert.Equal(1 - Math.Exp(-2), at30, 3);
        Assert.Equal(at30, at240, 3);
    }

    [Fact]
    public void Apply_allocates_nothing_and_names_bad_input()
    {
        var binding = BlendShapeBinding.Create(VisemeSet.Oculus, ReadyPlayerMe);
        binding.SmoothingSeconds = 0.03f;
        var weights = new float[15];
        var output = new float[binding.TargetCount];
        binding.Apply(weights, 0.016f, output);
        // Rounds until one allocates nothing: tiered compilation may allocate once on this thread (SteadyAllocation).
        Assert.Equal(0, SteadyAllocation.Bytes(() =>
        {
            for (int i = 0; i < 10000; i++)
            {
                weights[i % 15] = (i % 7) / 7f;
                binding.Apply(weights, 0.016f, output);
            }
        }, warmUp: 0, calls: 1));
        Assert.Equal("visemeWeights", Assert.Throws<ArgumentException>(() => binding.Apply(new float[9], 0.016f, output)).ParamName);
        Assert.Equal("targetWeights", Assert.Throws<ArgumentException>(() => binding.Apply(weights, 0.016f, new float[1])).ParamName);
        Assert.Equal("deltaSeconds", Assert.Throws<ArgumentException>(() => binding.Apply(weights, float.NaN, output)).ParamName);
        var e = Assert.Throws<ArgumentException>(() => BlendShapeBinding.Create(VisemeSet.Oculus, ReadyPlayerMe, new string?[9]));
        Assert.Equal("names", e.ParamName);
        Assert.Contains("Oculus has 15 shapes", e.Message);
    }
}

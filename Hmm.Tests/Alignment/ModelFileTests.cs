using System;
using System.IO;
using Hmm.Speech;
using Hmm.Speech.Audio;
using Xunit;

namespace Hmm.Tests.Alignment;

public class ModelFileTests
{
    private static byte[] Saved(AcousticModel model)
    {
        var ms = new MemoryStream();
        model.Save(ms);
        return ms.ToArray();
    }

    private static ModelFormatException LoadFails(byte[] bytes, FrontEndOptions? required = null) =>
        Assert.Throws<ModelFormatException>(() => AcousticModel.Load(new MemoryStream(bytes), "m.hmmam", required));

    [Fact]
    public void A_front_end_the_format_cannot_record_is_refused_on_save()
    {
        var model = TestModels.Random(1, frontEnd: FrontEndOptions.SphinxEnUs);
        var e = Assert.Throws<NotSupportedException>(() => Saved(model));
        Assert.Contains("FilterBank", e.Message);
        Assert.Contains("SphinxCepstralMean", e.Message);
        // Today's options with the new settings at their defaults still save and load as before.
        var plain = TestModels.Random(1, frontEnd: FrontEndOptions.Default with { NoiseRemoval = true });
        Assert.Equal(plain.FrontEnd, AcousticModel.Load(new MemoryStream(Saved(plain)), "m.hmmam").FrontEnd);
    }

    [Fact]
    public void Save_then_load_gives_the_same_model()
    {
        var offsets = new float[AcousticModel.ClassCount, AcousticModel.ClassCount];
        offsets[(int)PhoneClass.Silence, (int)PhoneClass.Fricative] = -0.021f;
        var model = TestModels.Random(1).WithBoundaryOffsets(offsets);
        var back = AcousticModel.Load(new MemoryStream(Saved(model)), "m.hmmam");
        Assert.Equal(model.FrontEnd, back.FrontEnd);
        Assert.Equal(model.Phones.Phones, back.Phones.Phones);
        Assert.Equal(model.Description, back.Description);
        Assert.Equal(-0.021f, back.BoundaryOffset(PhoneClass.Silence, PhoneClass.Fricative));
        Assert.Equal(offsets, back.BoundaryOffsets());
        for (int s = 0; s < model.StateCount; s++)
        {
            Assert.Equal(model.SelfLoop(s), back.SelfLoop(s));
            Assert.Equal(model.Weights(s).ToArray(), back.Weights(s).ToArray());
            Assert.Equal(model.Means(s).ToArray(), back.Means(s).ToArray());
            Assert.Equal(model.Variances(s).ToArray(), back.Variances(s).ToArray());
            Assert.Equal(model.Phones.ClassOf(s / 3), back.Phones.ClassOf(s / 3));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Noise_removal_survives_save_and_load(bool on)
    {
        var model = TestModels.Random(5, frontEnd: FrontEndOptions.Default with { HopLengthMs = 5, NoiseRemoval = on });
        Assert.Equal(on, AcousticModel.Load(new MemoryStream(Saved(model)), "m.hmmam").FrontEnd.NoiseRemoval);
    }

    [Fact]
    public void A_format_1_model_reads_with_noise_removal_off()
    {
        var model = TestModels.Random(6);
        byte[] v3 = Saved(model);
        // Format 1 is format 3 without the noise-removal byte at the end of the front end: rebuild it with its header
        // and checksum (payload = description string, then 85 bytes of front-end fields before that byte).
        const int header = 20;
        int descriptionBytes = System.Text.Encoding.UTF8.GetByteCount(model.Description);
        Assert.True(descriptionBytes < 128);
        int flag = header + 1 + descriptionBytes + 85;
        Assert.Equal(0, v3[flag]);
        long payload = BitConverter.ToInt64(v3, 12) - 1;
        var ms = new MemoryStream();
        ms.Write(v3, 0, 8);
        ms.Write(BitConverter.GetBytes(1));
        ms.Write(BitConverter.GetBytes(payload));
        ms.Write(v3, header, flag - header);
        ms.Write(v3, flag + 1, (int)(header + payload + 1 - flag - 1));
        byte[] body = ms.ToArray().AsSpan(header, (int)payload).ToArray();
        ms.Write(System.Security.Cryptography.SHA256.HashData(body));
        var back = AcousticModel.Load(new MemoryStream(ms.ToArray()), "old.hmmam");
        Assert.False(back.FrontEnd.NoiseRemoval);
        Assert.Equal(model.FrontEnd, back.FrontEnd);
        Assert.Equal(model.Means(7).ToArray(), back.Means(7).ToArray());
    }

    [Fact]
    public void The_built_in_model_and_dictionary_are_the_files_in_Hmm_Speech_Data()
    {
        Assert.Equal(File.ReadAllBytes(AlignmentTestData.ModelPath), Saved(AcousticModel.LoadDefault()));
        var fromFile = PronunciationLexicon.Load(AlignmentTestData.DictionaryPath);
        var builtIn = PronunciationLexicon.LoadDefault();
        Assert.Equal(fromFile.Count, builtIn.Count);
        Assert.True(builtIn.Count > 100_000);
    }

    [Fact]
    public void A_flipped_byte_fails_the_checksum()
    {
        var bytes = Saved(TestModels.Random(2));
        bytes[bytes.Length / 2] ^= 0x10;
        var e = LoadFails(bytes);
        Assert.StartsWith("m.hmmam: checksum mismatch", e.Message);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(1000)]
    [InlineData(-1)]
    public void A_truncated_file_says_truncated(int keep)
    {
        var bytes = Saved(TestModels.Random(3));
        int length = keep < 0 ? bytes.Length - 1 : keep;
        var e = LoadFails(bytes.AsSpan(0, length).ToArray());
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void A_newer_format_version_is_refused_with_the_versions_named()
    {
        var bytes = Saved(TestModels.Random(4));
        BitConverter.GetBytes(AcousticModel.FormatVersion + 2).CopyTo(bytes, 8);
        var e = LoadFails(bytes);
        Assert.Contains($"format version {AcousticModel.FormatVersion + 2} is newer", e.Message);
    }

    [Fact]
    public void A_format_2_model_with_refinement_weights_is_refused_with_the_reason()
    {
        var bytes = Saved(TestModels.Random(4));
        BitConverter.GetBytes(2).CopyTo(bytes, 8);
        var e = LoadFails(bytes);
        Assert.Contains("format version 2", e.Message);
        Assert.Contains("retrain", e.Message);
    }

    [Fact]
    public void Another_file_type_is_not_a_model()
    {
        var e = LoadFails(AlignmentTestData.PcmWav(new float[100]));
        Assert.Contains("not an Hmm acoustic model", e.Message);
        Assert.Contains("not an Hmm acoustic model", LoadFails(Array.Empty<byte>()).Message);
    }

    [Fact]
    public void A_model_for_another_feature_setup_is_refused_naming_the_setting()
    {
        var model = TestModels.Random(5);
        var e = LoadFails(Saved(model), FrontEndOptions.Default with { HopLengthMs = 10 });
        Assert.Contains("HopLengthMs: model 5, required 10", e.Message);
        // The model's own set-up is accepted.
        AcousticModel.Load(new MemoryStream(Saved(model)), "m.hmmam", FrontEndOptions.Default with { HopLengthMs = 5 });
    }

    [Fact]
    public void Trailing_bytes_are_reported()
    {
        var bytes = Saved(TestModels.Random(6));
        Array.Resize(ref bytes, bytes.Length + 3);
        Assert.Contains("unexpected bytes after the checksum", LoadFails(bytes).Message);
    }

    [Fact]
    public void A_missing_file_names_the_path()
    {
        var e = Assert.Throws<FileNotFoundException>(() => AcousticModel.Load("/nonexistent/model.hmmam"));
        Assert.Contains("/nonexistent/model.hmmam", e.Message);
    }

    [Fact]
    public void Invalid_parameters_name_the_state()
    {
        var model = TestModels.Random(7, components: 1);
        int s = model.StateCount, d = model.FrontEnd.FeatureDimension;
        var w = new float[s][];
        var m = new float[s][];
        var v = new float[s][];
        var loops = new float[s];
        for (int j = 0; j < s; j++) { w[j] = new[] { 1f }; m[j] = new float[d]; v[j] = new float[d]; Array.Fill(v[j], 1f); loops[j] = 0.5f; }
        v[4][3] = 0;
        var e = Assert.Throws<ArgumentException>(() => new AcousticModel(model.FrontEnd, model.Phones, 3, w, m, v, loops));
        Assert.Contains("AE.1", e.Message);
        Assert.Equal("variances", e.ParamName);
    }
}

using System;
using System.IO;
using Hmm.Speech.Audio;
using Hmm.Speech.Training;
using Xunit;

namespace Hmm.Tests.Audio;

/// <summary>
/// <see cref="WavReader"/>: every supported format round-trips through the in-memory <see cref="TestWav"/> writer
/// (expected values computed here from the integer codes, not by the reader's formulas), odd layouts are read,
/// and each broken or unsupported file fails with a message naming the file and the problem.
/// </summary>
public class WavReaderTests
{
    private const string Name = "X.wav";

    private static WavAudio ReadBytes(byte[] bytes, bool seekable = true) =>
        WavReader.Read(seekable ? new MemoryStream(bytes) : new NonSeekableStream(bytes, maxChunk: 7), Name);

    private static WavFormatException Fails(byte[] bytes, bool seekable = true) =>
        Assert.Throws<WavFormatException>(() => ReadBytes(bytes, seekable));

    private static void AssertMessage(WavFormatException e, params string[] parts)
    {
        Assert.StartsWith(Name + ": ", e.Message, StringComparison.Ordinal);
        Assert.Equal(Name, e.FileName);
        foreach (string part in parts) Assert.Contains(part, e.Message, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Round trips

    /// <summary>Integer codes covering both extremes and zero, frames x channels.</summary>
    private static int[,] Codes(int frames, int channels, int bits, int seed)
    {
        var rng = new Random(seed);
        long min = bits == 8 ? 0 : -(1L << (bits - 1)), max = bits == 8 ? 255 : (1L << (bits - 1)) - 1;
        var codes = new int[frames, channels];
        for (int f = 0; f < frames; f++)
        {
            for (int c = 0; c < channels; c++)
            {
                codes[f, c] = f switch
                {
                    0 => (int)min,
                    1 => (int)max,
                    2 => bits == 8 ? 128 : 0,
                    _ => (int)(min + (long)(rng.NextDouble() * (max - min + 1))),
                };
            }
        }
        return codes;
    }

    private static double Scale(int code, int bits) => bits switch
    {
        8 => (code - 128) / 128.0,
        16 => code / 32768.0,
        24 => code / 8388608.0,
        _ => code / 2147483648.0,
    };

    [Theory]
    [InlineData(8, 1)]
    [InlineData(8, 2)]
    [InlineData(16, 1)]
    [InlineData(16, 2)]
    [InlineData(16, 6)]
    [InlineData(24, 1)]
    [InlineData(24, 2)]
    [InlineData(32, 1)]
    [InlineData(32, 3)]
    public void Pcm_round_trips_and_mixes_channels_by_averaging(int bits, int channels)
    {
        int[,] codes = Codes(501, channels, bits, seed: bits * 10 + channels);
        var wav = new TestWav { Channels = channels, BitsPerSample = bits, SampleRate = 22050, Data = TestWav.Pcm(codes, bits) };
        foreach (bool seekable in new[] { true, false })
        {
            WavAudio audio = ReadBytes(wav.Build(), seekable);
            Assert.Equal(22050, audio.SampleRate);
            Assert.Equal(501, audio.Samples.Length);
            Assert.Equal(WavEncoding.Pcm, audio.SourceFormat.Encoding);
            Assert.Equal(bits, audio.SourceFormat.BitsPerSample);
            Assert.Equal(channels, audio.SourceFormat.Channels);
            Assert.Equal(501, audio.SourceFormat.FrameCount);
            for (int f = 0; f < 501; f++)
            {
                double expected = 0;
                for (int c = 0; c < channels; c++) expected += Scale(codes[f, c], bits);
                expected /= channels;
                Assert.True(Math.Abs(audio.Samples[f] - expected) <= Tolerances.WavSample, $"frame {f}: {audio.Samples[f]} vs {expected}");
            }
        }
        // Mono extremes map to exactly -1 and 1 - 1 LSB.
        if (channels == 1)
        {
            WavAudio audio = ReadBytes(wav.Build());
            Assert.Equal(-1f, audio.Samples[0]);
            Assert.Equal((float)Scale(codes[1, 0], bits), audio.Samples[1]);
            Assert.Equal(0f, audio.Samples[2]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Float32_round_trips_exactly(int channels)
    {
        var rng = new Random(channels);
        var samples = new float[300, channels];
        for (int f = 0; f < 300; f++)
            for (int c = 0; c < channels; c++) samples[f, c] = (float)(rng.NextDouble() * 2.2 - 1.1); // over-range floats are kept
        var wav = new TestWav { FormatTag = 3, Channels = channels, BitsPerSample = 32, SampleRate = 44100, Data = TestWav.Float32(samples) };
        WavAudio audio = ReadBytes(wav.Build());
        Assert.Equal(WavEncoding.IeeeFloat, audio.SourceFormat.Encoding);
        Assert.Equal(44100, audio.SampleRate);
        for (int f = 0; f < 300; f++)
        {
            double expected = 0;
            for (int c = 0; c < channels; c++) expected += samples[f, c];
            Assert.Equal((float)(expected / channels), audio.Samples[f]);
        }
    }

    [Fact]
    public void Float64_is_read()
    {
        var samples = new double[,] { { 0.25, -0.5 }, { 1.0, 0.0 }, { -0.125, -0.125 } };
        var wav = new TestWav { FormatTag = 3, Channels = 2, BitsPerSample = 64, SampleRate = 8000, Data = TestWav.Float64(samples) };
        WavAudio audio = ReadBytes(wav.Build());
        Assert.Equal(new[] { -0.125f, 0.5f, -0.125f }, audio.Samples);
        Assert.Equal(64, audio.SourceFormat.BitsPerSample);
    }

    [Theory]
    [InlineData(1, 16, 16)]
    [InlineData(1, 24, 24)]
    [InlineData(1, 32, 24)] // 24 valid bits left-justified in a 32-bit container: read as full-scale 32-bit
    [InlineData(3, 32, 32)]
    public void Extensible_wrapping_pcm_and_float_is_read(int subFormat, int bits, int validBits)
    {
        byte[] data;
        float[] expected;
        if (subFormat == 3)
        {
            var s = new float[,] { { 0.5f, -0.25f }, { 0.75f, 0.25f } };
            data = TestWav.Float32(s);
            expected = new[] { 0.125f, 0.5f };
        }
        else
        {
            int[,] codes = Codes(64, 2, bits, seed: bits);
            data = TestWav.Pcm(codes, bits);
            expected = new float[64];
            for (int f = 0; f < 64; f++) expected[f] = (float)((Scale(codes[f, 0], bits) + Scale(codes[f, 1], bits)) / 2);
        }
        var wav = new TestWav { Extensible = true, SubFormat = subFormat, Channels = 2, BitsPerSample = bits, ValidBits = validBits, SampleRate = 48000, Data = data };
        WavAudio audio = ReadBytes(wav.Build());
        Assert.True(audio.SourceFormat.Extensible);
        Assert.Equal(validBits, audio.SourceFormat.ValidBitsPerSample);
        Assert.Equal(subFormat == 3 ? WavEncoding.IeeeFloat : WavEncoding.Pcm, audio.SourceFormat.Encoding);
        Assert.Equal(expected.Length, audio.Samples.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - audio.Samples[i]) <= Tolerances.WavSample);
    }

    [Fact]
    public void Unknown_and_odd_sized_chunks_are_skipped_with_their_pad_bytes()
    {
        int[,] codes = Codes(7, 1, 8, seed: 3); // 7 bytes of 8-bit data: odd data chunk, padded
        var wav = new TestWav { BitsPerSample = 8, WaveFormatEx = true, Data = TestWav.Pcm(codes, 8) };
        wav.ChunksBeforeFmt.Add(("JUNK", new byte[5]));                 // odd: pad byte follows
        wav.ChunksBetween.Add(("LIST", new byte[] { (byte)'I', (byte)'N', (byte)'F', (byte)'O', 1, 2, 3 }));
        wav.ChunksBetween.Add(("fact", BitConverter.GetBytes(7u)));
        wav.ChunksAfter.Add(("LIST", new byte[9]));
        foreach (bool seekable in new[] { true, false })
        {
            WavAudio audio = ReadBytes(wav.Build(), seekable);
            Assert.Equal(7, audio.Samples.Length);
            for (int f = 0; f < 7; f++) Assert.Equal((float)Scale(codes[f, 0], 8), audio.Samples[f]);
        }
    }

    [Fact]
    public void Data_size_0xFFFFFFFF_from_streaming_writers_reads_to_the_end()
    {
        int[,] codes = Codes(100, 1, 16, seed: 5);
        var wav = new TestWav { Data = TestWav.Pcm(codes, 16), DeclaredDataSize = uint.MaxValue };
        foreach (bool seekable in new[] { true, false })
        {
            WavAudio audio = ReadBytes(wav.Build(), seekable);
            Assert.Equal(100, audio.Samples.Length);
            Assert.Equal((float)Scale(codes[99, 0], 16), audio.Samples[99]);
        }
    }

    [Fact]
    public void Empty_data_chunk_gives_zero_samples()
    {
        WavAudio audio = ReadBytes(new TestWav().Build());
        Assert.Empty(audio.Samples);
        Assert.Equal(0, audio.SourceFormat.FrameCount);
    }

    [Fact]
    public void Reading_from_a_path_names_the_path_and_reads_the_same_samples()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hmm-wav-{Guid.NewGuid():N}.wav");
        try
        {
            int[,] codes = Codes(1000, 2, 16, seed: 9);
            File.WriteAllBytes(path, new TestWav { Channels = 2, Data = TestWav.Pcm(codes, 16) }.Build());
            WavAudio audio = WavReader.Read(path);
            Assert.Equal(path, audio.Name);
            Assert.Equal(1000, audio.Samples.Length);

            // Truncate: keep the header and 1000 of the 4000 data bytes.
            byte[] bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes.AsSpan(0, 44 + 1000).ToArray());
            var e = Assert.Throws<WavFormatException>(() => WavReader.Read(path));
            Assert.Equal(path + ": data chunk declares 4000 bytes but the file ends after 1000 of them (truncated file?)", e.Message);
            Assert.Equal(path, e.FileName);
            Assert.IsAssignableFrom<IOException>(e);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Speech_dev_files_read_with_the_duration_of_their_labels()
    {
        string[] files = SpeechDev.CleanWavs();
        Assert.Equal(60, files.Length);
        foreach (string path in files)
        {
            WavAudio audio = WavReader.Read(path);
            Assert.Equal(16000, audio.SampleRate);
            Assert.Equal(1, audio.SourceFormat.Channels);
            Assert.Equal(16, audio.SourceFormat.BitsPerSample);
            string last = Array.FindLast(File.ReadAllLines(Path.ChangeExtension(path, ".lab")), l => l.Trim().Length > 0)!;
            double end = double.Parse(last.Split('\t')[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(end, audio.DurationSeconds, 6);
            float min = 0, max = 0;
            foreach (float v in audio.Samples)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
            Assert.True(min >= -1f && max < 1f && max - min > 0.01f, $"{path}: samples span [{min}, {max}]");
        }
    }

    [Fact]
    public void Missing_file_throws_FileNotFoundException_naming_it()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hmm-missing-{Guid.NewGuid():N}.wav");
        var e = Assert.Throws<FileNotFoundException>(() => WavReader.Read(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_with_target_rate_resamples_and_keeps_the_source_format()
    {
        var codes = new int[4410, 1];
        for (int f = 0; f < 4410; f++) codes[f, 0] = (int)(10000 * Math.Sin(2 * Math.PI * 440 * f / 44100.0));
        byte[] bytes = new TestWav { SampleRate = 44100, Data = TestWav.Pcm(codes, 16) }.Build();
        WavAudio audio = WavReader.Read(new MemoryStream(bytes), Name, 16000);
        Assert.Equal(16000, audio.SampleRate);
        Assert.Equal(1600, audio.Samples.Length);
        Assert.Equal(44100, audio.SourceFormat.SampleRate);
        Assert.Equal(4410, audio.SourceFormat.FrameCount);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Broken and unsupported files: each names the file and the problem

    [Fact]
    public void Empty_file() => AssertMessage(Fails(Array.Empty<byte>()), "the file is empty");

    [Fact]
    public void File_shorter_than_a_header() => AssertMessage(Fails(new byte[] { (byte)'R', (byte)'I', (byte)'F' }), "only 3 byte(s) long");

    [Fact]
    public void Not_a_riff_file()
    {
        byte[] mp3 = { (byte)'I', (byte)'D', (byte)'3', 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
        AssertMessage(Fails(mp3), "not a WAV file", "49 44 33 04 (ID3.)");
    }

    [Fact]
    public void Big_endian_rifx() => AssertMessage(Fails(new TestWav { RiffId = "RIFX" }.Build()), "big-endian RIFX files are not supported");

    [Fact]
    public void Rf64() => AssertMessage(Fails(new TestWav { RiffId = "RF64" }.Build()), "RF64 (64-bit WAV) files are not supported");

    [Fact]
    public void Riff_of_another_form() => AssertMessage(Fails(new TestWav { FormType = "AVI " }.Build()), "RIFF file of type 'AVI ', not 'WAVE'");

    [Fact]
    public void No_fmt_and_no_data_chunk()
    {
        var wav = new TestWav { OmitFmt = true, OmitData = true };
        wav.ChunksBeforeFmt.Add(("LIST", new byte[4]));
        AssertMessage(Fails(wav.Build()), "no fmt chunk and no data chunk: the file ends after 24 bytes");
    }

    [Fact]
    public void No_data_chunk() => AssertMessage(Fails(new TestWav { OmitData = true }.Build()), "no data chunk: the file ends after 36 bytes");

    [Fact]
    public void Data_before_fmt() => AssertMessage(Fails(new TestWav { DataBeforeFmt = true, Data = new byte[4] }.Build()), "data chunk at byte 12 comes before any fmt chunk");

    [Fact]
    public void Fmt_chunk_too_short()
    {
        byte[] bytes = new TestWav { DeclaredFmtSize = 12 }.Build();
        AssertMessage(Fails(bytes), "fmt chunk is 12 bytes; at least 16 are needed");
    }

    [Fact]
    public void Fmt_chunk_cut_off()
    {
        byte[] bytes = new TestWav().Build().AsSpan(0, 12 + 8 + 10).ToArray();
        AssertMessage(Fails(bytes), "fmt chunk declares 16 bytes but the file ends after 10 of them (truncated file?)");
    }

    [Theory]
    [InlineData(0x0002, "format tag 0x0002 (Microsoft ADPCM)")]
    [InlineData(0x0011, "format tag 0x0011 (IMA ADPCM)")]
    [InlineData(0x0007, "format tag 0x0007 (mu-law)")]
    [InlineData(0x0055, "format tag 0x0055 (MPEG Layer 3)")]
    public void Compressed_encodings_are_unsupported(int tag, string what) =>
        AssertMessage(Fails(new TestWav { FormatTag = tag, BitsPerSample = 16, Data = new byte[8] }.Build()), "unsupported encoding", what);

    [Fact]
    public void Pcm_of_an_odd_width() =>
        AssertMessage(Fails(new TestWav { BitsPerSample = 12, BlockAlign = 2, Data = new byte[8] }.Build()), "unsupported encoding: PCM with 12 bits per sample");

    [Fact]
    public void Float_of_16_bits() =>
        AssertMessage(Fails(new TestWav { FormatTag = 3, BitsPerSample = 16, Data = new byte[8] }.Build()), "unsupported encoding: IEEE float with 16 bits per sample");

    [Fact]
    public void Extensible_with_a_foreign_sub_format_guid()
    {
        var wav = new TestWav { Extensible = true, SubFormatTail = new byte[12], Data = new byte[4] };
        AssertMessage(Fails(wav.Build()), "non-standard sub-format GUID");
    }

    [Fact]
    public void Extensible_wrapping_adpcm() =>
        AssertMessage(Fails(new TestWav { Extensible = true, SubFormat = 2, Data = new byte[4] }.Build()), "unsupported encoding: format tag 0x0002 (Microsoft ADPCM)");

    [Fact]
    public void Zero_channels() => AssertMessage(Fails(new TestWav { Channels = 0, BlockAlign = 2 }.Build()), "fmt chunk declares 0 channels");

    [Theory]
    [InlineData(1u)]
    [InlineData(3999u)]
    [InlineData(384001u)]
    [InlineData(2147483647u)]
    [InlineData(4294967295u)]
    public void Implausible_sample_rates_are_refused_before_the_data_is_read(uint rate)
    {
        // A whole second at 16 kHz: a reader that took the header at its word would resample it (for 2^31 Hz: gigabytes).
        var bytes = new TestWav { Data = new byte[32000] }.Build();
        int fmt = System.Text.Encoding.ASCII.GetString(bytes).IndexOf("fmt ", StringComparison.Ordinal);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(fmt + 12), rate);
        var e = Assert.Throws<WavFormatException>(() => WavReader.Read(new MemoryStream(bytes), Name, 16000));
        AssertMessage(e, $"implausible sample rate of {rate} Hz (expected 4000 to 384000 Hz)");
    }

    [Theory]
    [InlineData(4000)]
    [InlineData(384000)]
    public void Sample_rates_at_the_limits_are_read(int rate) =>
        Assert.Equal(rate, ReadBytes(new TestWav { SampleRate = rate, Data = new byte[400] }.Build()).SampleRate);

    [Fact]
    public void Zero_sample_rate() => AssertMessage(Fails(new TestWav { SampleRate = 0 }.Build()), "sample rate of 0 Hz");

    [Fact]
    public void Block_align_mismatch() =>
        AssertMessage(Fails(new TestWav { Channels = 2, BlockAlign = 2, Data = new byte[8] }.Build()), "block align is 2 bytes but 2 channel(s) of 16-bit samples need 4");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Truncated_data_chunk(bool seekable)
    {
        var wav = new TestWav { Data = new byte[1000], DeclaredDataSize = 123456 };
        var e = Fails(wav.Build(), seekable);
        Assert.Equal("X.wav: data chunk declares 123456 bytes but the file ends after 1000 of them (truncated file?)", e.Message);
    }

    [Fact]
    public void Data_chunk_not_a_whole_number_of_frames() =>
        AssertMessage(Fails(new TestWav { Channels = 2, Data = new byte[10] }.Build()), "data chunk size 10 is not a whole number of 4-byte sample frames");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Truncated_chunk_before_the_data(bool seekable)
    {
        var wav = new TestWav { OmitFmt = true, OmitData = true };
        wav.ChunksBeforeFmt.Add(("LIST", new byte[100]));
        byte[] bytes = wav.Build().AsSpan(0, 12 + 8 + 40).ToArray();
        AssertMessage(Fails(bytes, seekable), "'LIST' chunk at byte 12 declares 100 bytes but the file ends after 40 of them");
    }

    [Fact]
    public void File_ends_inside_a_chunk_header()
    {
        byte[] bytes = new TestWav().Build();
        AssertMessage(Fails(bytes.AsSpan(0, 12 + 24 + 5).ToArray()), "the file ends inside a chunk header at byte 36");
    }

    [Fact]
    public void Garbage_chunk_id_is_shown_in_hex()
    {
        var wav = new TestWav { OmitFmt = true, OmitData = true };
        wav.ChunksBeforeFmt.Add(("\u0001\u0002ab", new byte[50]));
        byte[] bytes = wav.Build().AsSpan(0, 30).ToArray();
        AssertMessage(Fails(bytes), "0x01026162 chunk at byte 12");
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    public void Non_finite_float_samples(float bad, string shown)
    {
        var s = new float[,] { { 0.1f }, { 0.2f }, { bad } };
        var wav = new TestWav { FormatTag = 3, BitsPerSample = 32, Data = TestWav.Float32(s) };
        AssertMessage(Fails(wav.Build()), "float sample 2 (channel 0, at 0.000 s) is", shown);
    }
}

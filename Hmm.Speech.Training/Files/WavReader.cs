using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using Hmm.Speech.Audio;

namespace Hmm.Speech.Training;

/// <summary>
/// Reads RIFF/WAVE files: integer PCM 8/16/24/32-bit, IEEE float 32/64-bit, and WAVE_FORMAT_EXTENSIBLE wrapping
/// either; any channel count (mixed down to mono by averaging) and any sample rate (optionally resampled with
/// <see cref="Resampler"/>). Unknown chunks (LIST, fact, cue, JUNK, ...) are skipped, odd-sized chunks are
/// padded as RIFF requires. Every problem with the file raises a <see cref="WavFormatException"/> whose message
/// starts with the file's name and says what is wrong; nothing is read "as far as it goes" silently.
/// </summary>
/// <remarks>
/// Self-written rather than NAudio so that the same code runs in the netstandard2.1 (Unity/Mono) build without a
/// dependency, and so that the error messages name the file and the exact problem (see Audio/README.md).
/// A data chunk whose declared size is 0xFFFFFFFF (written by streaming encoders that cannot seek back) is read to
/// the end of the file. A valid file with an empty data chunk yields zero samples; callers decide whether that
/// is an error for them.
/// </remarks>
public static class WavReader
{
    private const int MaxFmtChunkBytes = 1 << 16;

    /// <summary>The lowest sample rate accepted, in Hz (telephone speech is 8 kHz; below 4 kHz no speech is left).</summary>
    public const int MinSampleRate = 4000;

    /// <summary>The highest sample rate accepted, in Hz (the highest that audio interfaces record).</summary>
    public const int MaxSampleRate = 384000;

    /// <summary>Reads the WAV file at <paramref name="path"/> as mono samples at the file's own sample rate.</summary>
    /// <param name="path">The file to read; the path as given names the file in error messages.</param>
    /// <returns>The mono audio and the file's format.</returns>
    /// <exception cref="WavFormatException">The file is not a WAV file, is corrupt or truncated, or uses an unsupported encoding.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static WavAudio Read(string path)
    {
        Guard.NotNull(path, nameof(path));
        using var stream = OpenUnbuffered(path);
        return Read(stream, path);
    }

    /// <summary>Reads the WAV file at <paramref name="path"/> as mono samples resampled to <paramref name="targetSampleRate"/>.</summary>
    /// <param name="path">The file to read; the path as given names the file in error messages.</param>
    /// <param name="targetSampleRate">The sample rate wanted, in Hz (e.g. 16000).</param>
    /// <returns>The mono audio at <paramref name="targetSampleRate"/> and the file's original format.</returns>
    /// <exception cref="WavFormatException">The file is not a WAV file, is corrupt or truncated, or uses an unsupported encoding.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static WavAudio Read(string path, int targetSampleRate)
    {
        Guard.NotNull(path, nameof(path));
        using var stream = OpenUnbuffered(path);
        return Read(stream, path, targetSampleRate);
    }

    /// <summary>
    /// Opens a file without a FileStream buffer: the parser reads a few small headers and then the data chunk whole
    /// into a pooled array, so a buffer (64 KB per file) would only add a copy and an allocation.
    /// </summary>
    /// <remarks>
    /// A FIFO or a device (/dev/zero) reports a size of 0, as an empty file does: it is refused without being opened,
    /// since opening a FIFO blocks until a writer comes and a device may never end (.NET does not tell them apart).
    /// </remarks>
    private static FileStream OpenUnbuffered(string path)
    {
        if (new FileInfo(path) is { Exists: true, Length: 0 })
            throw new WavFormatException(path, "the file is empty (0 bytes), or is a FIFO or a device, which is not read; a WAV file starts with a 12-byte RIFF header");
        return new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
    }

    /// <summary>Reads a WAV file from <paramref name="stream"/> (from its current position) as mono samples at the file's own sample rate.</summary>
    /// <param name="stream">The stream; need not be seekable. It is not closed.</param>
    /// <param name="name">The name used for the file in error messages.</param>
    /// <returns>The mono audio and the file's format.</returns>
    /// <exception cref="WavFormatException">The data is not a WAV file, is corrupt or truncated, or uses an unsupported encoding.</exception>
    public static WavAudio Read(Stream stream, string name)
    {
        Guard.NotNull(stream, nameof(stream));
        Guard.NotNull(name, nameof(name));
        var parser = new Parser(stream, name);
        return parser.Read();
    }

    /// <summary>Reads a WAV file from <paramref name="stream"/> as mono samples resampled to <paramref name="targetSampleRate"/>.</summary>
    /// <param name="stream">The stream; need not be seekable. It is not closed.</param>
    /// <param name="name">The name used for the file in error messages.</param>
    /// <param name="targetSampleRate">The sample rate wanted, in Hz (e.g. 16000).</param>
    /// <returns>The mono audio at <paramref name="targetSampleRate"/> and the file's original format.</returns>
    /// <exception cref="WavFormatException">The data is not a WAV file, is corrupt or truncated, or uses an unsupported encoding.</exception>
    public static WavAudio Read(Stream stream, string name, int targetSampleRate)
    {
        if (targetSampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(targetSampleRate), targetSampleRate, "The target sample rate must be positive.");
        WavAudio audio = Read(stream, name);
        if (audio.SampleRate == targetSampleRate) return audio;
        float[] resampled = Resampler.Resample(audio.Samples, audio.SampleRate, targetSampleRate);
        return new WavAudio(audio.Name, targetSampleRate, resampled, audio.SourceFormat);
    }

    private readonly struct Format
    {
        public Format(WavEncoding encoding, int bits, int validBits, int channels, int sampleRate, int blockAlign, bool extensible)
        {
            Encoding = encoding;
            Bits = bits;
            ValidBits = validBits;
            Channels = channels;
            SampleRate = sampleRate;
            BlockAlign = blockAlign;
            Extensible = extensible;
        }

        public WavEncoding Encoding { get; }
        public int Bits { get; }
        public int ValidBits { get; }
        public int Channels { get; }
        public int SampleRate { get; }
        public int BlockAlign { get; }
        public bool Extensible { get; }
    }

    /// <summary>Data chunks up to this size (16 MiB, about 8 minutes of 16 kHz 16-bit mono) are read into pooled arrays.</summary>
    private const int PooledDataBytes = 16 << 20;

    private sealed class Parser
    {
        private readonly Stream _stream;
        private readonly string _name;
        private long _position; // bytes consumed from the start of the WAV data

        public Parser(Stream stream, string name)
        {
            _stream = stream;
            _name = name;
        }

        private WavFormatException Error(string problem) => new(_name, problem);

        public WavAudio Read()
        {
            var header = new byte[12];
            int got = ReadFully(header, 0, 12);
            if (got == 0) throw Error("the file is empty (0 bytes); a WAV file starts with a 12-byte RIFF header");
            if (got < 4) throw Error($"the file is only {got} byte(s) long; a WAV file starts with a 12-byte RIFF header");

            string riff = FourCc(header, 0);
            if (riff == "RIFX") throw Error("big-endian RIFX files are not supported (only little-endian RIFF/WAVE)");
            if (riff == "RF64" || riff == "BW64") throw Error($"{riff} (64-bit WAV) files are not supported");
            if (riff != "RIFF")
            {
                throw Error($"not a WAV file: it starts with {DescribeBytes(header, Math.Min(got, 4))}, not 'RIFF'");
            }
            if (got < 12) throw Error($"the file is only {got} bytes long; a WAV file starts with a 12-byte RIFF header");
            string form = FourCc(header, 8);
            if (form != "WAVE") throw Error($"RIFF file of type {Quote(form)}, not 'WAVE'");

            Format? format = null;
            var chunkHeader = new byte[8];
            while (true)
            {
                long chunkOffset = _position;
                got = ReadFully(chunkHeader, 0, 8);
                if (got == 0)
                {
                    if (format is null) throw Error($"no fmt chunk and no data chunk: the file ends after {_position} bytes");
                    throw Error($"no data chunk: the file ends after {_position} bytes");
                }
                if (got < 8) throw Error($"the file ends inside a chunk header at byte {chunkOffset} (file is {_position} bytes; truncated file?)");

                string id = FourCc(chunkHeader, 0);
                uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunkHeader.AsSpan(4));

                if (id == "fmt ")
                {
                    if (size < 16) throw Error($"fmt chunk is {size} bytes; at least 16 are needed");
                    if (size > MaxFmtChunkBytes) throw Error($"fmt chunk declares {size} bytes, which is not plausible (corrupt file?)");
                    var fmt = new byte[size];
                    got = ReadFully(fmt, 0, (int)size);
                    if (got < size) throw Error($"fmt chunk declares {size} bytes but the file ends after {got} of them (truncated file?)");
                    if ((size & 1) != 0) SkipPadByte();
                    format = ParseFormat(fmt);
                }
                else if (id == "data")
                {
                    if (format is null) throw Error($"data chunk at byte {chunkOffset} comes before any fmt chunk");
                    return ReadData(format.Value, size);
                }
                else
                {
                    long toSkip = size + (long)(size & 1);
                    long skipped = Skip(toSkip);
                    if (skipped < size)
                    {
                        throw Error($"{Quote(id)} chunk at byte {chunkOffset} declares {size} bytes but the file ends after {skipped} of them, before any data chunk (truncated or corrupt file?)");
                    }
                }
            }
        }

        private Format ParseFormat(byte[] fmt)
        {
            var span = fmt.AsSpan();
            int tag = BinaryPrimitives.ReadUInt16LittleEndian(span);
            int channels = BinaryPrimitives.ReadUInt16LittleEndian(span.Slice(2));
            uint sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(span.Slice(4));
            int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(span.Slice(12));
            int bits = BinaryPrimitives.ReadUInt16LittleEndian(span.Slice(14));
            int validBits = bits;
            bool extensible = false;

            if (tag == 0xFFFE)
            {
                extensible = true;
                if (fmt.Length < 40) throw Error($"WAVE_FORMAT_EXTENSIBLE fmt chunk is {fmt.Length} bytes; 40 are needed");
                validBits = BinaryPrimitives.ReadUInt16LittleEndian(span.Slice(18));
                uint subFormat = BinaryPrimitives.ReadUInt32LittleEndian(span.Slice(24));
                if (!span.Slice(28, 12).SequenceEqual(KsDataFormatGuidTail))
                {
                    throw Error($"unsupported encoding: WAVE_FORMAT_EXTENSIBLE with a non-standard sub-format GUID {DescribeGuid(span.Slice(24, 16))}");
                }
                if (subFormat > 0xFFFF) throw Error($"unsupported encoding: WAVE_FORMAT_EXTENSIBLE sub-format 0x{subFormat:X8}");
                tag = (int)subFormat;
                if (validBits == 0) validBits = bits;
            }

            WavEncoding encoding;
            if (tag == 1) encoding = WavEncoding.Pcm;
            else if (tag == 3) encoding = WavEncoding.IeeeFloat;
            else throw Error($"unsupported encoding: format tag 0x{tag:X4} ({FormatTagName(tag)}); supported are PCM 8/16/24/32-bit and IEEE float 32/64-bit");

            if (channels == 0) throw Error("fmt chunk declares 0 channels");
            if (sampleRate == 0) throw Error("fmt chunk declares a sample rate of 0 Hz");
            // Outside this range a header is corrupt or not audio for speech: 1 Hz "lasts" for days and 2^31 Hz asks the
            // resampler for gigabytes, so both are refused here, before anything is allocated for the data.
            if (sampleRate < MinSampleRate || sampleRate > MaxSampleRate)
                throw Error($"fmt chunk declares an implausible sample rate of {sampleRate} Hz (expected {MinSampleRate} to {MaxSampleRate} Hz)");

            if (encoding == WavEncoding.Pcm && bits != 8 && bits != 16 && bits != 24 && bits != 32)
            {
                throw Error($"unsupported encoding: PCM with {bits} bits per sample; supported are 8, 16, 24 and 32");
            }
            if (encoding == WavEncoding.IeeeFloat && bits != 32 && bits != 64)
            {
                throw Error($"unsupported encoding: IEEE float with {bits} bits per sample; supported are 32 and 64");
            }
            if (validBits > bits) throw Error($"fmt chunk declares {validBits} valid bits in a {bits}-bit sample container");

            int expectedAlign = channels * (bits / 8);
            if (blockAlign != expectedAlign)
            {
                throw Error($"fmt chunk block align is {blockAlign} bytes but {channels} channel(s) of {bits}-bit samples need {expectedAlign}");
            }
            return new Format(encoding, bits, validBits, channels, (int)sampleRate, blockAlign, extensible);
        }

        private WavAudio ReadData(Format format, uint declaredSize)
        {
            byte[] data;
            int length;
            byte[]? pooled = null; // a seekable stream's data chunk is read into a pooled array: no garbage per file
            try
            {
                if (declaredSize == uint.MaxValue)
                {
                    // Streaming writers that cannot seek back leave the size at 0xFFFFFFFF: the data runs to the end of the file.
                    data = ReadToEnd();
                    length = data.Length;
                    int whole = data.Length - data.Length % format.BlockAlign;
                    if (whole != data.Length)
                    {
                        throw Error($"data chunk of unknown size (0xFFFFFFFF) holds {data.Length} bytes, which is not a whole number of {format.BlockAlign}-byte sample frames (truncated file?)");
                    }
                }
                else
                {
                    if ((long)declaredSize > int.MaxValue) throw Error($"data chunk declares {declaredSize} bytes; files over 2 GiB of audio are not supported");
                    if (_stream.CanSeek)
                    {
                        long remaining = Math.Max(0, _stream.Length - _stream.Position);
                        if (remaining < declaredSize)
                        {
                            throw Error($"data chunk declares {declaredSize} bytes but the file ends after {remaining} of them (truncated file?)");
                        }
                    }
                    length = (int)declaredSize;
                    // Only short files' chunks are pooled: the shared pool would keep an hour's 115 MB for the process's life.
                    data = !_stream.CanSeek ? ReadUpTo(length) : length <= PooledDataBytes ? pooled = ArrayPool<byte>.Shared.Rent(length) : new byte[length];
                    int got = _stream.CanSeek ? ReadFully(data, 0, length) : data.Length;
                    if (got < declaredSize)
                    {
                        throw Error($"data chunk declares {declaredSize} bytes but the file ends after {got} of them (truncated file?)");
                    }
                    if (declaredSize % format.BlockAlign != 0)
                    {
                        throw Error($"data chunk size {declaredSize} is not a whole number of {format.BlockAlign}-byte sample frames ({format.Channels} channel(s) of {format.Bits}-bit samples)");
                    }
                }

                int frames = length / format.BlockAlign;
                var samples = Uninitialized(frames); // Decode writes every sample
                Decode(data.AsSpan(0, length), format, samples);
                var info = new WavFormatInfo(format.Encoding, format.Bits, format.ValidBits, format.Channels, format.SampleRate, format.Extensible, frames);
                return new WavAudio(_name, format.SampleRate, samples, info);
            }
            finally
            {
                if (pooled is not null) ArrayPool<byte>.Shared.Return(pooled);
            }
        }

        /// <summary>A float array whose contents the caller overwrites: not zeroed first where the runtime allows it.</summary>
        private static float[] Uninitialized(int length)
        {
#if NET5_0_OR_GREATER
            return GC.AllocateUninitializedArray<float>(length);
#else
            return new float[length];
#endif
        }

        /// <summary>Mono 16-bit PCM: sample * 2^-15, whole vectors at a time (exact, so the same floats as the scalar loop).</summary>
        private static void DecodeMono16(ReadOnlySpan<short> pcm, float[] mono)
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                int width = Vector<short>.Count;
                var scale = new Vector<float>(1f / 32768f);
                var vectors = MemoryMarshal.Cast<short, Vector<short>>(pcm);
                var output = MemoryMarshal.Cast<float, Vector<float>>(mono.AsSpan());
                for (int v = 0; v < vectors.Length; v++)
                {
                    Vector.Widen(vectors[v], out Vector<int> lo, out Vector<int> hi);
                    output[2 * v] = Vector.ConvertToSingle(lo) * scale;
                    output[2 * v + 1] = Vector.ConvertToSingle(hi) * scale;
                }
                i = vectors.Length * width;
            }
            for (; i < mono.Length; i++) mono[i] = pcm[i] * (1f / 32768f);
        }

        private void Decode(ReadOnlySpan<byte> data, Format format, float[] mono)
        {
            int channels = format.Channels;
            int frames = mono.Length;
            ReadOnlySpan<byte> bytes = data;
            float inverseChannels = 1f / channels;
            switch (format.Encoding, format.Bits)
            {
                case (WavEncoding.Pcm, 8):
                    for (int f = 0, p = 0; f < frames; f++)
                    {
                        int sum = 0;
                        for (int c = 0; c < channels; c++, p++) sum += data[p] - 128;
                        mono[f] = sum * (1f / 128f) * inverseChannels;
                    }
                    break;
                case (WavEncoding.Pcm, 16) when channels == 1 && BitConverter.IsLittleEndian:
                    DecodeMono16(MemoryMarshal.Cast<byte, short>(bytes.Slice(0, 2 * frames)), mono);
                    break;
                case (WavEncoding.Pcm, 16):
                    for (int f = 0, p = 0; f < frames; f++)
                    {
                        int sum = 0;
                        for (int c = 0; c < channels; c++, p += 2) sum += BinaryPrimitives.ReadInt16LittleEndian(bytes.Slice(p));
                        mono[f] = channels == 1 ? sum * (1f / 32768f) : (float)(sum * (1.0 / 32768.0) / channels);
                    }
                    break;
                case (WavEncoding.Pcm, 24):
                    for (int f = 0, p = 0; f < frames; f++)
                    {
                        long sum = 0;
                        for (int c = 0; c < channels; c++, p += 3)
                        {
                            int v = data[p] | (data[p + 1] << 8) | ((sbyte)data[p + 2] << 16);
                            sum += v;
                        }
                        mono[f] = (float)(sum * (1.0 / 8388608.0) / channels);
                    }
                    break;
                case (WavEncoding.Pcm, 32):
                    for (int f = 0, p = 0; f < frames; f++)
                    {
                        long sum = 0;
                        for (int c = 0; c < channels; c++, p += 4) sum += BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(p));
                        mono[f] = (float)(sum * (1.0 / 2147483648.0) / channels);
                    }
                    break;
                case (WavEncoding.IeeeFloat, 32):
                    for (int f = 0, p = 0; f < frames; f++)
                    {
                        double sum = 0;
                        for (int c = 0; c < channels; c++, p += 4)
                        {
                            float v = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(p)));
                            if (v - v != 0f) throw NonFinite(f, c, v, format);
                            sum += v;
                        }
                        mono[f] = channels == 1 ? (float)sum : (float)(sum / channels);
                    }
                    break;
                case (WavEncoding.IeeeFloat, 64):
                    for (int f = 0, p = 0; f < frames; f++)
                    {
                        double sum = 0;
                        for (int c = 0; c < channels; c++, p += 8)
                        {
                            double v = BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64LittleEndian(bytes.Slice(p)));
                            if (v - v != 0.0) throw NonFinite(f, c, v, format);
                            sum += v;
                        }
                        mono[f] = (float)(sum / channels);
                    }
                    break;
                default:
                    throw Error($"unsupported encoding {format.Encoding} {format.Bits}-bit");
            }
        }

        private WavFormatException NonFinite(int frame, int channel, double value, Format format) =>
            Error(string.Format(CultureInfo.InvariantCulture,
                "float sample {0} (channel {1}, at {2:0.000} s) is {3}; WAV float samples must be finite",
                frame, channel, frame / (double)format.SampleRate, value));

        private int ReadFully(byte[] buffer, int offset, int count)
        {
            int total = 0;
            while (total < count)
            {
                int n = _stream.Read(buffer, offset + total, count - total);
                if (n <= 0) break;
                total += n;
            }
            _position += total;
            return total;
        }

        /// <summary>Reads at most <paramref name="limit"/> bytes from a non-seekable stream without trusting the limit for allocation.</summary>
        private byte[] ReadUpTo(int limit)
        {
            using var copy = new MemoryStream();
            var buffer = new byte[1 << 16];
            int total = 0;
            while (total < limit)
            {
                int n = _stream.Read(buffer, 0, Math.Min(buffer.Length, limit - total));
                if (n <= 0) break;
                copy.Write(buffer, 0, n);
                total += n;
            }
            _position += total;
            return copy.ToArray();
        }

        private byte[] ReadToEnd()
        {
            using var copy = new MemoryStream();
            _stream.CopyTo(copy);
            _position += copy.Length;
            return copy.ToArray();
        }

        private long Skip(long count)
        {
            if (_stream.CanSeek)
            {
                long available = Math.Max(0, _stream.Length - _stream.Position);
                long n = Math.Min(count, available);
                _stream.Seek(n, SeekOrigin.Current);
                _position += n;
                return n;
            }
            var scratch = new byte[(int)Math.Min(count, 1 << 16)];
            long skipped = 0;
            while (skipped < count)
            {
                int want = (int)Math.Min(scratch.Length, count - skipped);
                int n = ReadFully(scratch, 0, want);
                skipped += n;
                if (n < want) break;
            }
            return skipped;
        }

        private void SkipPadByte() => Skip(1); // a missing pad byte at the very end is harmless: the next read finds EOF
    }

    private static readonly byte[] KsDataFormatGuidTail = { 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 };

    private static string FourCc(byte[] bytes, int offset) =>
        new(new[] { (char)bytes[offset], (char)bytes[offset + 1], (char)bytes[offset + 2], (char)bytes[offset + 3] });

    private static string Quote(string fourCc)
    {
        foreach (char c in fourCc)
        {
            if (c < 0x20 || c > 0x7E)
            {
                var hex = new StringBuilder("0x");
                foreach (char b in fourCc) hex.Append(((int)b).ToString("X2", CultureInfo.InvariantCulture));
                return hex.ToString();
            }
        }
        return "'" + fourCc + "'";
    }

    private static string DescribeBytes(byte[] bytes, int count)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append(bytes[i].ToString("X2", CultureInfo.InvariantCulture));
        }
        sb.Append(" (");
        for (int i = 0; i < count; i++) sb.Append(bytes[i] >= 0x20 && bytes[i] <= 0x7E ? (char)bytes[i] : '.');
        sb.Append(')');
        return sb.ToString();
    }

    private static string DescribeGuid(ReadOnlySpan<byte> guid) => new Guid(guid.ToArray()).ToString("B");

    private static string FormatTagName(int tag) => tag switch
    {
        0x0000 => "unknown",
        0x0002 => "Microsoft ADPCM",
        0x0006 => "A-law",
        0x0007 => "mu-law",
        0x0011 => "IMA ADPCM",
        0x0031 => "GSM 6.10",
        0x0050 => "MPEG",
        0x0055 => "MPEG Layer 3",
        0x0161 => "Windows Media Audio",
        0x1610 => "AAC",
        0xF1AC => "FLAC",
        _ => "not PCM or IEEE float",
    };
}

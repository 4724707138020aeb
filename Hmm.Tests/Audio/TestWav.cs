using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Hmm.Tests.Audio;

/// <summary>A tiny in-memory WAV writer for the reader tests: every header field can be set, broken or left out.</summary>
internal sealed class TestWav
{
    public int FormatTag { get; set; } = 1;
    public int Channels { get; set; } = 1;
    public int SampleRate { get; set; } = 16000;
    public int BitsPerSample { get; set; } = 16;
    public int? BlockAlign { get; set; }
    public bool Extensible { get; set; }
    public int ValidBits { get; set; }
    public int SubFormat { get; set; } = 1;
    public byte[] SubFormatTail { get; set; } = { 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 };
    /// <summary>Write a WAVEFORMATEX (18 bytes, cbSize = 0) instead of the 16-byte PCMWAVEFORMAT.</summary>
    public bool WaveFormatEx { get; set; }
    public string RiffId { get; set; } = "RIFF";
    public string FormType { get; set; } = "WAVE";
    public bool OmitFmt { get; set; }
    public bool OmitData { get; set; }
    public bool DataBeforeFmt { get; set; }
    public uint? DeclaredDataSize { get; set; }
    public uint? DeclaredFmtSize { get; set; }
    public List<(string Id, byte[] Body)> ChunksBeforeFmt { get; } = new();
    public List<(string Id, byte[] Body)> ChunksBetween { get; } = new();
    public List<(string Id, byte[] Body)> ChunksAfter { get; } = new();
    public byte[] Data { get; set; } = Array.Empty<byte>();

    public byte[] Build()
    {
        var body = new MemoryStream();
        body.Write(Encoding.ASCII.GetBytes(FormType));
        foreach (var (id, bytes) in ChunksBeforeFmt) WriteChunk(body, id, bytes);
        if (DataBeforeFmt && !OmitData) WriteChunk(body, "data", Data, DeclaredDataSize);
        if (!OmitFmt) WriteChunk(body, "fmt ", FmtBody(), DeclaredFmtSize);
        foreach (var (id, bytes) in ChunksBetween) WriteChunk(body, id, bytes);
        if (!DataBeforeFmt && !OmitData) WriteChunk(body, "data", Data, DeclaredDataSize);
        foreach (var (id, bytes) in ChunksAfter) WriteChunk(body, id, bytes);

        var file = new MemoryStream();
        file.Write(Encoding.ASCII.GetBytes(RiffId));
        file.Write(BitConverter.GetBytes((uint)body.Length));
        body.Position = 0;
        body.CopyTo(file);
        return file.ToArray();
    }

    private byte[] FmtBody()
    {
        var fmt = new MemoryStream();
        int blockAlign = BlockAlign ?? Channels * BitsPerSample / 8;
        fmt.Write(BitConverter.GetBytes((ushort)(Extensible ? 0xFFFE : FormatTag)));
        fmt.Write(BitConverter.GetBytes((ushort)Channels));
        fmt.Write(BitConverter.GetBytes((uint)SampleRate));
        fmt.Write(BitConverter.GetBytes((uint)(SampleRate * blockAlign)));
        fmt.Write(BitConverter.GetBytes((ushort)blockAlign));
        fmt.Write(BitConverter.GetBytes((ushort)BitsPerSample));
        if (Extensible)
        {
            fmt.Write(BitConverter.GetBytes((ushort)22));
            fmt.Write(BitConverter.GetBytes((ushort)(ValidBits == 0 ? BitsPerSample : ValidBits)));
            fmt.Write(BitConverter.GetBytes((uint)(Channels == 2 ? 3 : 4)));
            fmt.Write(BitConverter.GetBytes((uint)SubFormat));
            fmt.Write(SubFormatTail);
        }
        else if (WaveFormatEx)
        {
            fmt.Write(BitConverter.GetBytes((ushort)0));
        }
        return fmt.ToArray();
    }

    private static void WriteChunk(Stream s, string id, byte[] body, uint? declared = null)
    {
        s.Write(Encoding.ASCII.GetBytes(id));
        s.Write(BitConverter.GetBytes(declared ?? (uint)body.Length));
        s.Write(body);
        if ((body.Length & 1) != 0) s.WriteByte(0); // RIFF pad byte
    }

    /// <summary>Interleaves integer sample codes (frames x channels) into little-endian PCM bytes of the given width.</summary>
    public static byte[] Pcm(int[,] codes, int bits)
    {
        int frames = codes.GetLength(0), channels = codes.GetLength(1), bytes = bits / 8;
        var data = new byte[frames * channels * bytes];
        int p = 0;
        for (int f = 0; f < frames; f++)
        {
            for (int c = 0; c < channels; c++)
            {
                int v = codes[f, c];
                if (bits == 8)
                {
                    data[p++] = (byte)v; // 8-bit WAV is unsigned: the code is stored as is
                    continue;
                }
                for (int b = 0; b < bytes; b++) data[p++] = (byte)(v >> (8 * b));
            }
        }
        return data;
    }

    public static byte[] Float32(float[,] samples)
    {
        var ms = new MemoryStream();
        for (int f = 0; f < samples.GetLength(0); f++)
            for (int c = 0; c < samples.GetLength(1); c++) ms.Write(BitConverter.GetBytes(samples[f, c]));
        return ms.ToArray();
    }

    public static byte[] Float64(double[,] samples)
    {
        var ms = new MemoryStream();
        for (int f = 0; f < samples.GetLength(0); f++)
            for (int c = 0; c < samples.GetLength(1); c++) ms.Write(BitConverter.GetBytes(samples[f, c]));
        return ms.ToArray();
    }
}

/// <summary>A read-only stream that cannot seek or report its length (a pipe or a network body).</summary>
internal sealed class NonSeekableStream : Stream
{
    private readonly Stream _inner;
    private readonly int _maxChunk;

    public NonSeekableStream(byte[] data, int maxChunk = int.MaxValue)
    {
        _inner = new MemoryStream(data);
        _maxChunk = maxChunk;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, _maxChunk));
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

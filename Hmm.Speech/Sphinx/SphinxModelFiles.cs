using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Hmm.Speech.Sphinx;

/// <summary>
/// Gaussian parameters of a CMU Sphinx model (<c>means</c> or <c>variances</c>): for each codebook (a phone's, in a
/// phonetically tied model), each feature stream and each density, a vector of the stream's length.
/// </summary>
/// <param name="Codebooks">Gaussian codebooks (n_mgau).</param>
/// <param name="StreamLengths">Values per vector in each feature stream (veclen).</param>
/// <param name="Densities">Gaussians per codebook and stream (n_density).</param>
/// <param name="Values">[codebook][stream][density][value], streams one after another within a codebook.</param>
public sealed record SphinxGaussians(int Codebooks, IReadOnlyList<int> StreamLengths, int Densities, float[] Values)
{
    /// <summary>Feature streams (n_feat).</summary>
    public int Streams => StreamLengths.Count;

    /// <summary>The vector of density <paramref name="density"/> of stream <paramref name="stream"/> in codebook <paramref name="codebook"/>.</summary>
    public ReadOnlySpan<float> Vector(int codebook, int stream, int density)
    {
        int offset = 0, total = 0;
        for (int f = 0; f < StreamLengths.Count; f++)
        {
            if (f < stream) offset += StreamLengths[f];
            total += StreamLengths[f];
        }
        return Values.AsSpan((codebook * total + offset) * Densities + density * StreamLengths[stream], StreamLengths[stream]);
    }
}

/// <summary>Transition matrices of a CMU Sphinx model as stored: one per CI phone, <c>From</c> emitting states to <c>To</c> = From + 1 (the last: the exit), unnormalised counts.</summary>
/// <param name="Count">Matrices (n_tmat).</param>
/// <param name="From">Rows (emitting states).</param>
/// <param name="To">Columns (emitting states and the exit).</param>
/// <param name="Values">[matrix][from][to].</param>
public sealed record SphinxTransitions(int Count, int From, int To, float[] Values)
{
    /// <summary>The stored value of <paramref name="matrix"/>'s transition <paramref name="from"/> → <paramref name="to"/>.</summary>
    public float this[int matrix, int from, int to] => Values[(matrix * From + from) * To + to];
}

/// <summary>
/// The quantised mixture weights of a phonetically tied Sphinx model (<c>sendump</c>): for each feature stream and
/// codeword, one byte per senone, <c>-log(w)</c> in units of 1024·ln(1.0001) (0.1024 nats), capped at 159.
/// </summary>
/// <param name="Streams">Feature streams.</param>
/// <param name="Codewords">Gaussians per codebook and stream.</param>
/// <param name="Senones">Tied states.</param>
/// <param name="Values">[stream][codeword][senone].</param>
public sealed record SphinxMixtureWeights(int Streams, int Codewords, int Senones, byte[] Values)
{
    /// <summary>Natural-log units of one step of a stored weight.</summary>
    /// <remarks>pocketsphinx parses its log base 1.0001 as a float32 (1.000100016593933), so one unit is 1024 · ln of that.</remarks>
    public const double NatsPerUnit = 0.10241187082961793;

    /// <summary>The stored byte of <paramref name="senone"/>'s weight on <paramref name="codeword"/> in <paramref name="stream"/>.</summary>
    public byte this[int stream, int codeword, int senone] => Values[((long)stream * Codewords + codeword) * Senones + senone];
}

/// <summary>
/// Readers of the CMU Sphinx acoustic model files that Debian's <c>pocketsphinx-en-us</c> ships: the Sphinx-3 binary
/// containers (<c>means</c>, <c>variances</c>, <c>transition_matrices</c>: an <c>s3</c> text header, a byte-order magic,
/// counted arrays and a rotating checksum) and the quantised mixture weights (<c>sendump</c>). Either byte order is read.
/// Every problem (not such a file, truncated, trailing bytes, counts that disagree, a checksum mismatch) is an
/// <see cref="InvalidDataException"/> naming the file.
/// </summary>
public static class SphinxModelFiles
{
    private const uint ByteOrderMagic = 0x11223344;

    /// <summary>Reads <c>means</c> or <c>variances</c>.</summary>
    /// <exception cref="InvalidDataException">The file is not a Sphinx-3 Gaussian file or is damaged (the message says how).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static SphinxGaussians ReadGaussians(string path)
    {
        var r = Container.Open(path);
        int codebooks = r.Count("n_mgau"), streams = r.Count("n_feat"), densities = r.Count("n_density");
        // Each stream's vector length follows as 4 bytes: a corrupt n_feat (67,108,866) must not size an array of 256 MB
        // for a 77-byte file (found by fuzzing, tools/Hmm.Fuzz).
        if (streams > r.Remaining / 4)
            throw r.Error($"n_feat is {streams}, but only {r.Remaining} bytes follow for their vector lengths and the values (truncated or damaged file).");
        var lengths = new int[streams];
        long perDensity = 0;
        for (int f = 0; f < streams; f++)
        {
            lengths[f] = r.Count($"veclen[{f}]");
            perDensity += lengths[f];
        }
        int total = r.Count("n_total");
        long expected = codebooks * (long)densities * perDensity;
        if (total != expected)
            throw r.Error($"n_total is {total} but {codebooks} codebooks x {densities} densities x {perDensity} values make {expected}.");
        var values = r.Floats(total);
        r.Finish();
        return new SphinxGaussians(codebooks, lengths, densities, values);
    }

    /// <summary>Reads <c>transition_matrices</c>.</summary>
    /// <exception cref="InvalidDataException">The file is not a Sphinx-3 transition file or is damaged (the message says how).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static SphinxTransitions ReadTransitionMatrices(string path)
    {
        var r = Container.Open(path);
        int count = r.Count("n_tmat"), from = r.Count("n_src"), to = r.Count("n_dst");
        int total = r.Count("n_total");
        if (total != (long)count * from * to) throw r.Error($"n_total is {total} but {count} matrices of {from} x {to} make {(long)count * from * to}.");
        if (to != from + 1) throw r.Error($"{from} emitting states need {from + 1} columns (the exit last), not {to}.");
        var values = r.Floats(total);
        r.Finish();
        return new SphinxTransitions(count, from, to, values);
    }

    /// <summary>Reads <c>sendump</c>, the quantised mixture weights of a phonetically tied model.</summary>
    /// <exception cref="InvalidDataException">The file is not a sendump or is damaged (the message says how).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static SphinxMixtureWeights ReadSendump(string path)
    {
        Guard.NotNull(path, nameof(path));
        byte[] data = File.ReadAllBytes(path);
        if (data.Length < 4) throw new InvalidDataException($"{path}: {data.Length} bytes: not a sendump file.");
        uint first = BitConverter.ToUInt32(data, 0);
        bool swap = !(first >= 1 && first < 1000);
        if (swap && !(Swap(first) >= 1 && Swap(first) < 1000))
            throw new InvalidDataException($"{path}: not a sendump file (its first string length is {first}).");
        int position = 0;
        int ReadInt(string what)
        {
            if (position + 4 > data.Length) throw new InvalidDataException($"{path}: truncated in {what} (at byte {position} of {data.Length}).");
            uint v = BitConverter.ToUInt32(data, position);
            position += 4;
            return (int)(swap ? Swap(v) : v);
        }
        int streams = -1;
        var strings = new List<string>();
        for (int length; (length = ReadInt("the header")) != 0;)
        {
            // length > data.Length - position, not position + length > data.Length: that sum overflows for a length near
            // int.MaxValue and let GetString throw ArgumentOutOfRangeException (found by fuzzing, tools/Hmm.Fuzz).
            if (length < 0 || length > data.Length - position) throw new InvalidDataException($"{path}: truncated in the header (a string of {length} bytes at byte {position} of {data.Length}).");
            string text = Encoding.ASCII.GetString(data, position, Math.Max(0, length - 1));
            position += length;
            strings.Add(text);
            if (text.StartsWith("feature_count ", StringComparison.Ordinal) && int.TryParse(text.AsSpan(14), out int n)) streams = n;
            if (text.StartsWith("cluster_count ", StringComparison.Ordinal) && text != "cluster_count 0")
                throw new InvalidDataException($"{path}: '{text}': clustered weights are not supported (only cluster_count 0).");
        }
        if (streams < 1) throw new InvalidDataException($"{path}: the header gives no feature_count.");
        int codewords = ReadInt("the row count"), senones = ReadInt("the column count");
        if (codewords < 1 || senones < 1) throw new InvalidDataException($"{path}: {codewords} codewords x {senones} senones.");
        long size = (long)streams * codewords * senones;
        if (data.Length - position != size)
            throw new InvalidDataException($"{path}: {streams} streams x {codewords} codewords x {senones} senones need {size} bytes of weights, the file has {data.Length - position}.");
        var values = new byte[size];
        Array.Copy(data, position, values, 0, size);
        return new SphinxMixtureWeights(streams, codewords, senones, values);
    }

    private static uint Swap(uint v) => BinaryPrimitives.ReverseEndianness(v);

    /// <summary>A Sphinx-3 binary container being read: its header, byte order and running checksum.</summary>
    private sealed class Container
    {
        private readonly string _path;
        private readonly byte[] _data;
        private readonly bool _swap;
        private readonly bool _checksum;
        private int _position;
        private uint _sum;

        private Container(string path, byte[] data, int position, bool swap, bool checksum)
        {
            _path = path;
            _data = data;
            _position = position;
            _swap = swap;
            _checksum = checksum;
        }

        public static Container Open(string path)
        {
            Guard.NotNull(path, nameof(path));
            byte[] data = File.ReadAllBytes(path);
            if (data.Length < 3 || data[0] != (byte)'s' || data[1] != (byte)'3' || data[2] != (byte)'\n')
                throw new InvalidDataException($"{path}: not a Sphinx-3 binary file (it does not start with the 's3' header).");
            const string end = "endhdr\n";
            int close = IndexOf(data, Encoding.ASCII.GetBytes(end), Math.Min(data.Length, 65536));
            if (close < 0) throw new InvalidDataException($"{path}: the s3 header has no 'endhdr' line.");
            bool checksum = false;
            foreach (string line in Encoding.ASCII.GetString(data, 3, close - 3).Split('\n'))
            {
                string[] parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 && parts[0] == "chksum0") checksum = parts[1] == "yes";
            }
            int position = close + end.Length;
            if (position + 4 > data.Length) throw new InvalidDataException($"{path}: truncated after the header (no byte-order magic).");
            uint magic = BitConverter.ToUInt32(data, position);
            bool swap = magic != ByteOrderMagic;
            if (swap && Swap(magic) != ByteOrderMagic)
                throw new InvalidDataException($"{path}: byte-order magic 0x{magic:X8} is neither 0x{ByteOrderMagic:X8} nor its byte swap.");
            return new Container(path, data, position + 4, swap, checksum);
        }

        private static int IndexOf(byte[] data, byte[] pattern, int limit)
        {
            for (int i = 0; i + pattern.Length <= limit; i++)
            {
                int k = 0;
                while (k < pattern.Length && data[i + k] == pattern[k]) k++;
                if (k == pattern.Length) return i;
            }
            return -1;
        }

        public InvalidDataException Error(string problem) => new($"{_path}: {problem}");

        /// <summary>The bytes not read yet.</summary>
        public int Remaining => _data.Length - _position;

        private uint Next(string what)
        {
            if (_position + 4 > _data.Length) throw Error($"truncated in {what} (at byte {_position} of {_data.Length}).");
            uint v = BitConverter.ToUInt32(_data, _position);
            _position += 4;
            if (_swap) v = Swap(v);
            // bio_fread's checksum over 4-byte elements: rotate left by 20, add.
            _sum = ((_sum << 20) | (_sum >> 12)) + v;
            return v;
        }

        public int Count(string name)
        {
            int v = (int)Next(name);
            if (v < 0 || v > 100_000_000) throw Error($"{name} is {v}.");
            return v;
        }

        public float[] Floats(int count)
        {
            long end = _position + 4L * count;
            if (end > _data.Length) throw Error($"truncated: {count} values need {4L * count} bytes, {_data.Length - _position} are left.");
            var values = new float[count];
            for (int i = 0; i < count; i++)
            {
                uint bits = Next("the values");
#if NET
                values[i] = BitConverter.UInt32BitsToSingle(bits);
#else
                values[i] = BitConverter.Int32BitsToSingle((int)bits);
#endif
            }
            return values;
        }

        /// <summary>Checks the trailing checksum (when the header announces one) and that nothing follows.</summary>
        public void Finish()
        {
            if (_checksum)
            {
                uint computed = _sum;
                if (_position + 4 > _data.Length) throw Error("truncated: the checksum is missing.");
                uint stored = BitConverter.ToUInt32(_data, _position);
                if (_swap) stored = Swap(stored);
                _position += 4;
                if (stored != computed) throw Error($"checksum mismatch: the file stores 0x{stored:X8}, its data give 0x{computed:X8} (damaged).");
            }
            if (_position != _data.Length) throw Error($"{_data.Length - _position} bytes follow the data.");
        }
    }
}

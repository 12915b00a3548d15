using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace NetGen.Data;

/// <summary>
/// Reads a binary payload whose size a header declared, from a raw or gzip-compressed stream, never allocating more
/// than the data actually holds: a raw seekable stream is checked against its length first, anything else is read
/// in chunks that grow only as bytes arrive.
/// </summary>
internal sealed class BinaryInput : IDisposable
{
    private const int Chunk = 1 << 20;

    /// <summary>
    /// The first buffer when the size cannot be checked up front: small, so that a header promising a large payload
    /// costs little when the data turns out to be short (the buffer then doubles as bytes arrive).
    /// </summary>
    private const int FirstChunk = 1 << 16;
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly PeekedStream? _gzipSource;
    private readonly Crc32 _crc = new();
    private long _position;

    private BinaryInput(Stream stream, bool ownsStream, string name, PeekedStream? gzipSource)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        _gzipSource = gzipSource;
        Name = name;
    }

    /// <summary>The file or stream name used in error messages.</summary>
    public string Name { get; }

    /// <summary>Whether the data is gzip-compressed (detected from the magic bytes 1F 8B).</summary>
    public bool IsCompressed => _gzipSource is not null;

    /// <summary>Opens <paramref name="stream"/>, detecting gzip from its first two bytes.</summary>
    public static BinaryInput Open(Stream stream, string name, bool ownsStream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
            throw new ArgumentException($"The stream for '{name}' is not readable.", nameof(stream));
        byte[] magic = new byte[2];
        long start = stream.CanSeek ? stream.Position : 0;
        Array.Resize(ref magic, stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false));
        if (stream.CanSeek) stream.Position = start;
        bool gzip = magic is [0x1F, 0x8B];

        // A non-seekable stream must replay the peeked bytes; a gzip one must let the trailer be checked.
        Stream source = gzip || !stream.CanSeek ? new PeekedStream(stream.CanSeek ? [] : magic, stream, ownsInner: ownsStream) : stream;
        Stream data = gzip ? new GZipStream(source, CompressionMode.Decompress, leaveOpen: false) : source;
        return new BinaryInput(data, ownsStream || data != stream, name, gzip ? (PeekedStream)source : null);
    }

    /// <summary>The number of bytes left when it is known without reading (raw seekable data), else null.</summary>
    public long? Remaining => !IsCompressed && _stream.CanSeek ? _stream.Length - _stream.Position : null;

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes; fails naming <paramref name="what"/> when the data ends first.</summary>
    public void ReadExactly(Span<byte> buffer, string what)
    {
        int n = Read(buffer);
        if (n < buffer.Length)
            throw Error($"the data ends after {_position} bytes, inside the {what} ({buffer.Length} bytes expected, {n} present).");
    }

    /// <summary>
    /// Reads a payload of exactly <paramref name="length"/> bytes that must end the data: fails if fewer bytes are
    /// present (truncated) or if any byte follows (trailing data).
    /// </summary>
    public byte[] ReadToEnd(long length, string what)
    {
        if (length > Array.MaxLength)
            throw Error($"the header declares {length} bytes of {what}, more than one array can hold.");
        long? remaining = Remaining;
        if (remaining is long r && r != length)
            throw Error(r < length
                ? $"the file is truncated: the header declares {length} bytes of {what} but only {r} follow."
                : $"the file has {r - length} trailing bytes after the {length} bytes of {what} the header declares.");

        byte[] data = new byte[remaining is null ? Math.Min(length, FirstChunk) : length];
        long filled = 0;
        while (filled < length)
        {
            if (filled == data.Length)
                Array.Resize(ref data, (int)Math.Min(length, 2L * data.Length));
            int n = Read(data.AsSpan((int)filled, (int)Math.Min(data.Length - filled, Chunk)));
            if (n == 0)
                throw Error($"the file is truncated: the header declares {length} bytes of {what} but only {filled} follow.");
            filled += n;
        }
        Span<byte> probe = stackalloc byte[1];
        if (Read(probe) != 0)
            throw Error($"the file has trailing bytes after the {length} bytes of {what} the header declares.");
        if (_gzipSource is not null) CheckGzipTrailer();
        return data;
    }

    /// <summary>
    /// Checks the gzip trailer (CRC-32 and size mod 2³² of the uncompressed data) against what was decompressed:
    /// catches a file cut inside its trailer, corruption the deflate decoder let through, and bytes after the gzip
    /// data. Files made of several concatenated gzip members are refused too (the last trailer covers only its member).
    /// </summary>
    private void CheckGzipTrailer()
    {
        _gzipSource!.ReadToEnd();
        byte[] tail = _gzipSource.Tail();
        if (tail.Length < 8
            || BinaryPrimitives.ReadUInt32LittleEndian(tail) != _crc.GetCurrentHashAsUInt32()
            || BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(4)) != (uint)_position)
            throw Error("the gzip data is truncated or corrupt: its trailer (CRC-32 and size) does not match the decompressed data, " +
                        "or bytes follow it.");
    }

    /// <summary>An exception naming this input.</summary>
    public InvalidDataException Error(string problem, Exception? inner = null) => FileErrors.Create(Name, problem, inner: inner);

    private int Read(Span<byte> buffer)
    {
        int total;
        try
        {
            total = _stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            // GZipStream reports corrupt compressed data this way; add the file name.
            throw Error($"the gzip data is corrupt ({e.Message}).", e);
        }
        _position += total;
        if (_gzipSource is not null) _crc.Append(buffer[..total]);
        return total;
    }

    public void Dispose()
    {
        if (_ownsStream) _stream.Dispose();
    }
}

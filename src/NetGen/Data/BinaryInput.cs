using System.IO.Compression;

namespace NetGen.Data;

/// <summary>
/// Reads a binary payload whose size a header declared, from a raw or gzip-compressed stream, never allocating more
/// than the data actually holds: a raw seekable stream is checked against its length first, anything else is read
/// in chunks that grow only as bytes arrive.
/// </summary>
internal sealed class BinaryInput : IDisposable
{
    private const int Chunk = 1 << 20;
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private long _position;

    private BinaryInput(Stream stream, bool ownsStream, string name, bool compressed)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        Name = name;
        IsCompressed = compressed;
    }

    /// <summary>The file or stream name used in error messages.</summary>
    public string Name { get; }

    /// <summary>Whether the data is gzip-compressed (detected from the magic bytes 1F 8B).</summary>
    public bool IsCompressed { get; }

    /// <summary>Opens <paramref name="stream"/>, detecting gzip from its first two bytes.</summary>
    public static BinaryInput Open(Stream stream, string name, bool ownsStream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
            throw new ArgumentException($"The stream for '{name}' is not readable.", nameof(stream));
        byte[] magic = new byte[2];
        Stream source = stream;
        if (stream.CanSeek)
        {
            long start = stream.Position;
            int read = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            stream.Position = start;
            Array.Resize(ref magic, read);
        }
        else
        {
            int read = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            Array.Resize(ref magic, read);
            source = new PrefixedStream(magic, stream, ownsInner: ownsStream);
        }
        bool gzip = magic.Length == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        Stream data = gzip ? new GZipStream(source, CompressionMode.Decompress, leaveOpen: !ownsStream && source == stream) : source;
        return new BinaryInput(data, ownsStream || data != stream, name, gzip);
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

        byte[] data = new byte[remaining is null ? Math.Min(length, Chunk) : length];
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
        return data;
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
        return total;
    }

    public void Dispose()
    {
        if (_ownsStream) _stream.Dispose();
    }
}

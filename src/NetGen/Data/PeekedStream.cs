namespace NetGen.Data;

/// <summary>
/// A forward-only stream that first replays bytes already read from <c>inner</c> (a magic number peeked at on a
/// non-seekable stream) and remembers the last 8 bytes it passed on. Under a GZipStream those are, for a complete
/// gzip file, its trailer (CRC-32 and size of the uncompressed data, little-endian): .NET's GZipStream does not check
/// the trailer, so <see cref="BinaryInput"/> does.
/// </summary>
internal sealed class PeekedStream(byte[] prefix, Stream inner, bool ownsInner) : Stream
{
    private readonly byte[] _tail = new byte[8];
    private int _prefixUsed;
    private long _total;

    /// <summary>The last (up to) 8 bytes read so far, oldest first.</summary>
    public byte[] Tail()
    {
        int n = (int)Math.Min(_total, 8);
        var tail = new byte[n];
        for (int i = 0; i < n; i++) tail[i] = _tail[(int)((_total - n + i) % 8)];
        return tail;
    }

    /// <summary>Reads whatever the decompressor left unread, so that <see cref="Tail"/> ends at the end of the data.</summary>
    public void ReadToEnd() => CopyTo(Null);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n;
        if (_prefixUsed < prefix.Length)
        {
            n = Math.Min(buffer.Length, prefix.Length - _prefixUsed);
            prefix.AsSpan(_prefixUsed, n).CopyTo(buffer);
            _prefixUsed += n;
        }
        else
        {
            n = inner.Read(buffer);
        }
        for (int i = Math.Max(0, n - 8); i < n; i++) _tail[(int)((_total + i) % 8)] = buffer[i];
        _total += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && ownsInner) inner.Dispose();
        base.Dispose(disposing);
    }
}

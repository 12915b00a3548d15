using System.Buffers.Binary;
using System.IO.Compression;

namespace NetGen.Tests.Data;

/// <summary>Builds IDX files by hand, for the reader's error cases.</summary>
internal static class IdxFiles
{
    public static byte[] Header(int magic, params uint[] dims)
    {
        var bytes = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int d = 0; d < dims.Length; d++)
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        return bytes;
    }

    public static byte[] Images(int count, int rows, int columns, Func<int, byte>? pixel = null)
    {
        byte[] header = Header(0x803, (uint)count, (uint)rows, (uint)columns);
        var data = new byte[count * rows * columns];
        for (int i = 0; i < data.Length; i++) data[i] = pixel?.Invoke(i) ?? (byte)(i % 256);
        return [.. header, .. data];
    }

    public static byte[] Labels(params byte[] labels) => [.. Header(0x801, (uint)labels.Length), .. labels];

    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(raw);
        return output.ToArray();
    }

    /// <summary>A stream that refuses to seek, like a network or pipe stream.</summary>
    public sealed class ForwardOnlyStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    }
}

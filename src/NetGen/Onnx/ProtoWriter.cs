using System.Buffers.Binary;
using System.Text;

namespace NetGen.Onnx;

/// <summary>
/// The few protobuf encodings an ONNX model needs: varint fields, length-delimited fields (strings, bytes, nested
/// messages) and 32-bit floats. Nested messages are written to their own writer and embedded as bytes.
/// </summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _stream = new();

    public void Varint(int field, long value)
    {
        Tag(field, 0);
        WriteVarint((ulong)value);
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, 2);
        WriteVarint((ulong)value.Length);
        _stream.Write(value);
    }

    public void Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

    public void Float(int field, float value)
    {
        Tag(field, 5);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _stream.Write(bytes);
    }

    public byte[] ToArray() => _stream.ToArray();

    private void Tag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _stream.WriteByte((byte)value);
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace NetGen.Generator.Onnx;

/// <summary>
/// Why an ONNX file cannot be imported. Thrown only inside <c>Onnx/</c> and caught by <see cref="OnnxImporter.Import"/>,
/// which turns it into a diagnostic; it never leaves the generator. The reader and the importer stop at the first
/// problem, and an exception keeps every bounds check to a single line.
/// </summary>
internal sealed class OnnxImportException : Exception
{
    public OnnxImportException(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, params string[] arguments)
        : base(string.Join(", ", arguments))
    {
        Descriptor = descriptor;
        Arguments = arguments;
    }

    public Microsoft.CodeAnalysis.DiagnosticDescriptor Descriptor { get; }

    /// <summary>The message arguments after the file and network names.</summary>
    public string[] Arguments { get; }
}

/// <summary>
/// A bounds-checked protobuf reader over one message of a byte array: varint, 64-bit, length-delimited and 32-bit
/// fields, and skipping of the fields it is not asked about. Every length is checked against the bytes that are
/// actually left before anything is read or allocated, so a corrupt file can cost at most its own size; problems
/// are reported with their byte offset as NETGEN030.
/// </summary>
internal struct ProtoReader
{
    public const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    private readonly byte[] _data;
    private readonly int _end;
    private int _position;

    public ProtoReader(byte[] data, int offset, int length)
    {
        _data = data;
        _position = offset;
        _end = offset + length;
    }

    /// <summary>The bytes being read (the whole file); <see cref="Segment"/>s index into it.</summary>
    public byte[] Data => _data;

    /// <summary>Reads the next field's tag; false at the end of the message.</summary>
    public bool Next(out int field, out int wireType)
    {
        field = wireType = 0;
        if (_position >= _end) return false;
        int start = _position;
        ulong tag = ReadVarint();
        wireType = (int)(tag & 7);
        if (tag >> 3 is 0 or > 0x1FFFFFFF)
            throw Corrupt(start, $"field number {tag >> 3} is not valid");
        field = (int)(tag >> 3);
        if (wireType is not (Varint or Fixed64 or LengthDelimited or Fixed32))
            throw Corrupt(start, $"field {field} has wire type {wireType}, which is not valid here (groups are not used by ONNX)");
        return true;
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _end) throw Corrupt(_position, "a varint runs past the end of its message");
            byte b = _data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw Corrupt(_position, "a varint is longer than 10 bytes");
    }

    public long ReadInt64(int wireType, int field)
    {
        Expect(wireType, Varint, field);
        return unchecked((long)ReadVarint());
    }

    /// <summary>A varint field that must fit an int (enums, small counts).</summary>
    public int ReadInt32(int wireType, int field)
    {
        long value = ReadInt64(wireType, field);
        if (value is < int.MinValue or > int.MaxValue) throw Corrupt(_position, $"field {field} holds {value}, which is out of range");
        return (int)value;
    }

    /// <summary>A 32-bit field's four bytes, little-endian as stored.</summary>
    public uint ReadFixed32(int wireType, int field)
    {
        Expect(wireType, Fixed32, field);
        Need(4, field);
        uint value = (uint)(_data[_position] | _data[_position + 1] << 8 | _data[_position + 2] << 16 | _data[_position + 3] << 24);
        _position += 4;
        return value;
    }

    public float ReadFloat(int wireType, int field) => BitsToFloat(ReadFixed32(wireType, field));

    /// <summary>A length-delimited field: where its bytes are, checked to lie inside this message.</summary>
    public Segment ReadSegment(int wireType, int field)
    {
        Expect(wireType, LengthDelimited, field);
        int start = _position;
        ulong length = ReadVarint();
        if (length > (ulong)(_end - _position))
            throw Corrupt(start, $"field {field} declares {length} bytes, but only {_end - _position} remain in its message");
        var segment = new Segment(_position, (int)length);
        _position += (int)length;
        return segment;
    }

    public ProtoReader ReadMessage(int wireType, int field)
    {
        var segment = ReadSegment(wireType, field);
        return new ProtoReader(_data, segment.Offset, segment.Length);
    }

    public string ReadString(int wireType, int field)
    {
        var segment = ReadSegment(wireType, field);
        try
        {
            return StrictUtf8.GetString(_data, segment.Offset, segment.Length);
        }
        catch (DecoderFallbackException)
        {
            throw Corrupt(segment.Offset, $"string field {field} is not valid UTF-8");
        }
    }

    /// <summary>A repeated int64 field, packed (one length-delimited run) or not (one varint per value).</summary>
    public void ReadInt64s(int wireType, int field, List<long> values)
    {
        if (wireType != LengthDelimited)
        {
            values.Add(ReadInt64(wireType, field));
            return;
        }
        var packed = ReadMessage(wireType, field);
        while (packed._position < packed._end) values.Add(unchecked((long)packed.ReadVarint()));
    }

    /// <summary>A repeated float field, packed or not, appended as its little-endian bytes.</summary>
    public void ReadFloats(int wireType, int field, List<byte> bytes)
    {
        if (wireType != LengthDelimited)
        {
            uint bits = ReadFixed32(wireType, field);
            bytes.Add((byte)bits);
            bytes.Add((byte)(bits >> 8));
            bytes.Add((byte)(bits >> 16));
            bytes.Add((byte)(bits >> 24));
            return;
        }
        var segment = ReadSegment(wireType, field);
        if (segment.Length % 4 != 0) throw Corrupt(segment.Offset, $"packed float field {field} has {segment.Length} bytes, not a multiple of 4");
        for (int i = 0; i < segment.Length; i++) bytes.Add(_data[segment.Offset + i]);
    }

    /// <summary>Skips a field this reader does not use.</summary>
    public void Skip(int wireType, int field)
    {
        switch (wireType)
        {
            case Varint: ReadVarint(); break;
            case Fixed64: Need(8, field); _position += 8; break;
            case LengthDelimited: ReadSegment(wireType, field); break;
            default: Need(4, field); _position += 4; break;
        }
    }

    public static float BitsToFloat(uint bits) => BitConverter.ToSingle(BitConverter.GetBytes(bits), 0);

    private void Expect(int wireType, int expected, int field)
    {
        if (wireType != expected)
            throw Corrupt(_position, $"field {field} has wire type {wireType}, but the ONNX schema gives it wire type {expected}");
    }

    private void Need(int count, int field)
    {
        if (_end - _position < count) throw Corrupt(_position, $"field {field} runs past the end of its message");
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    public static OnnxImportException Corrupt(int offset, string problem) =>
        new(Diagnostics.DiagnosticDescriptors.OnnxFileInvalid,
            $"the protobuf is truncated or corrupt at byte {offset.ToString(CultureInfo.InvariantCulture)}: {problem}");
}

/// <summary>Where a length-delimited field's bytes are in the file.</summary>
internal readonly struct Segment
{
    public Segment(int offset, int length)
    {
        Offset = offset;
        Length = length;
    }

    public int Offset { get; }

    public int Length { get; }
}

using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;

namespace NetGen.Serialization;

/// <summary>
/// Encodes and decodes NetGen model files (format version 1, documented byte by byte in docs/model-format.md).
/// Decoding checks every field, the exact length and the CRC-32 before it returns anything.
/// </summary>
internal static class ModelFileFormat
{
    public const int Version = 1;
    public const int MaxArchitectureBytes = 1 << 16;
    public static ReadOnlySpan<byte> Magic => "NGW1"u8;

    private const int FingerprintBytes = 32;
    private const int ArchitectureOffset = 4 + 4 + FingerprintBytes + 4; // magic, version, SHA-256, length

    /// <summary>The decoded content of a valid file.</summary>
    public sealed record Content(string Architecture, float[] Parameters, byte[]? OptimizerState);

    public static byte[] Encode(string architecture, ReadOnlySpan<float> parameters, byte[]? optimizerState)
    {
        byte[] arch = Encoding.UTF8.GetBytes(architecture);
        if (arch.Length is 0 or > MaxArchitectureBytes)
            throw new ArgumentException($"The architecture string must take 1 to {MaxArchitectureBytes} bytes in UTF-8; it takes {arch.Length}.", nameof(architecture));
        int stateLength = optimizerState?.Length ?? 0;
        long total = ArchitectureOffset + arch.Length + 4 + 4L * parameters.Length + 4 + stateLength + 4;
        if (total > Array.MaxLength)
            throw new ArgumentException($"A model file of {total} bytes is too large.", nameof(parameters));

        var file = new byte[total];
        var writer = new SpanWriter(file);
        writer.Bytes(Magic);
        writer.Int32(Version);
        writer.Bytes(SHA256.HashData(arch));
        writer.Int32(arch.Length);
        writer.Bytes(arch);
        writer.Int32(parameters.Length);
        foreach (float p in parameters) writer.Single(p);
        writer.Int32(stateLength);
        writer.Bytes(optimizerState);
        writer.UInt32(Crc32.HashToUInt32(file.AsSpan(0, writer.Position)));
        return file;
    }

    public static Content Decode(ReadOnlySpan<byte> file, string name)
    {
        var reader = new SpanReader(file, name);
        ReadOnlySpan<byte> magic = reader.Bytes(Math.Min(4, file.Length), "magic");
        if (magic.Length == 4 && magic.SequenceEqual(QuantizedModelFileFormat.Magic))
            throw Error(name, "the file holds an int8 quantized network (\"NGQ8\"); read it with ModelFile.LoadQuantized.");
        if (!magic.SequenceEqual(Magic[..magic.Length]))
            throw Error(name, $"not a NetGen model file: it starts with {Convert.ToHexString(magic)}, expected {Convert.ToHexString(Magic)} (\"NGW1\").");
        if (file.Length < 4) throw Error(name, $"the file is truncated: it has only {file.Length} bytes.");

        int version = reader.Int32("format version");
        if (version != Version)
            throw Error(name, $"the file has model format version {version}; this NetGen reads version {Version}.");

        ReadOnlySpan<byte> fingerprint = reader.Bytes(FingerprintBytes, "topology fingerprint");
        int archLength = reader.Int32("architecture length");
        if (archLength is <= 0 or > MaxArchitectureBytes)
            throw Error(name, $"the file declares an architecture string of {archLength} bytes; it must be 1 to {MaxArchitectureBytes}.");
        ReadOnlySpan<byte> arch = reader.Bytes(archLength, "architecture string");
        int count = reader.Int32("parameter count");
        ReadOnlySpan<byte> parameterBytes = reader.Bytes(count, sizeof(float), "parameters");
        int stateLength = reader.Int32("optimizer state length");
        ReadOnlySpan<byte> state = reader.Bytes(stateLength, 1, "optimizer state");
        uint storedCrc = reader.UInt32("checksum");
        if (reader.Position != file.Length)
            throw Error(name, $"the file has {file.Length - reader.Position} trailing bytes after the checksum.");

        // Nothing above is trusted until the checksum over every preceding byte agrees.
        uint crc = Crc32.HashToUInt32(file[..(reader.Position - 4)]);
        if (crc != storedCrc)
            throw Error(name, $"the checksum does not match (stored 0x{storedCrc:X8}, computed 0x{crc:X8}): the file is corrupt.");
        if (!SHA256.HashData(arch).AsSpan().SequenceEqual(fingerprint))
            throw Error(name, "the topology fingerprint does not match the architecture string stored in the file.");

        string architecture;
        try
        {
            architecture = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(arch);
        }
        catch (DecoderFallbackException e)
        {
            throw FileErrors.Create(name, "the architecture string is not valid UTF-8.", inner: e);
        }
        var parameters = new float[count];
        for (int i = 0; i < count; i++)
            parameters[i] = BinaryPrimitives.ReadSingleLittleEndian(parameterBytes[(4 * i)..]);
        return new Content(architecture, parameters, stateLength == 0 ? null : state.ToArray());
    }

    private static InvalidDataException Error(string name, string problem) => FileErrors.Create(name, problem);

    /// <summary>Sequential little-endian writes into a buffer sized in advance.</summary>
    internal ref struct SpanWriter(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;
        public int Position { get; private set; }

        public void Bytes(ReadOnlySpan<byte> bytes) { bytes.CopyTo(_buffer[Position..]); Position += bytes.Length; }
        public void Int32(int value) { BinaryPrimitives.WriteInt32LittleEndian(_buffer[Position..], value); Position += 4; }
        public void UInt32(uint value) { BinaryPrimitives.WriteUInt32LittleEndian(_buffer[Position..], value); Position += 4; }
        public void Single(float value) { BinaryPrimitives.WriteSingleLittleEndian(_buffer[Position..], value); Position += 4; }
    }

    /// <summary>Sequential little-endian reads that report a truncated file, naming the field, instead of running past the end.</summary>
    internal ref struct SpanReader(ReadOnlySpan<byte> file, string name)
    {
        private readonly ReadOnlySpan<byte> _file = file;
        public int Position { get; private set; }

        public ReadOnlySpan<byte> Bytes(int length, string field)
        {
            if (_file.Length - Position < length)
                throw Error(name, $"the file is truncated: it ends after {_file.Length} bytes, inside the {field} ({length} bytes at offset {Position}).");
            ReadOnlySpan<byte> bytes = _file.Slice(Position, length);
            Position += length;
            return bytes;
        }

        /// <summary>A declared number of fixed-size elements, checked against the bytes left before it is trusted.</summary>
        public ReadOnlySpan<byte> Bytes(int count, int elementSize, string field)
        {
            long length = (long)count * elementSize;
            if (count < 0 || length > _file.Length - Position)
                throw Error(name, count < 0
                    ? $"the file declares {count} {field}, a negative count."
                    : $"the file is truncated or corrupt: it declares {count} {field} ({length} bytes) but only {_file.Length - Position} bytes follow offset {Position}.");
            return Bytes((int)length, field);
        }

        public int Int32(string field) => BinaryPrimitives.ReadInt32LittleEndian(Bytes(4, field));
        public uint UInt32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4, field));
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NetGen.Shared;

namespace NetGen.Serialization;

/// <summary>
/// Encodes and decodes NetGen model files (format version 1, documented byte by byte in docs/model-format.md).
/// Decoding checks every field, the exact length and the CRC-32 before it returns anything (ModelFileDecoder, shared
/// with the generator, which bakes files in).
/// </summary>
internal static class ModelFileFormat
{
    public const int Version = ModelFileDecoder.Version;
    public const int MaxArchitectureBytes = ModelFileDecoder.MaxArchitectureBytes;
    public static ReadOnlySpan<byte> Magic => ModelFileDecoder.Magic;

    private const int FingerprintBytes = 32;
    private const int ArchitectureOffset = 4 + 4 + FingerprintBytes + 4; // magic, version, SHA-256, length

    /// <summary>The decoded content of a valid file.</summary>
    public sealed record Content(string Architecture, float[] Parameters, float[] RunningStatistics, byte[]? OptimizerState);

    public static byte[] Encode(string architecture, ReadOnlySpan<float> parameters, ReadOnlySpan<float> runningStatistics, byte[]? optimizerState)
    {
        byte[] arch = Encoding.UTF8.GetBytes(architecture);
        if (arch.Length is 0 or > MaxArchitectureBytes)
            throw new ArgumentException($"The architecture string must take 1 to {MaxArchitectureBytes} bytes in UTF-8; it takes {arch.Length}.", nameof(architecture));
        int stateLength = optimizerState?.Length ?? 0;
        // Networks without running statistics keep version 1, byte for byte; version 2 adds the statistics section.
        bool statistics = !runningStatistics.IsEmpty;
        long total = ArchitectureOffset + arch.Length + 4 + 4L * parameters.Length + (statistics ? 4 + 4L * runningStatistics.Length : 0) + 4 + stateLength + 4;
        if (total > Array.MaxLength)
            throw new ArgumentException($"A model file of {total} bytes is too large.", nameof(parameters));

        var file = new byte[total];
        var writer = new SpanWriter(file);
        writer.Bytes(Magic);
        writer.Int32(statistics ? Version : ModelFileDecoder.VersionWithoutStatistics);
        writer.Bytes(SHA256.HashData(arch));
        writer.Int32(arch.Length);
        writer.Bytes(arch);
        writer.Int32(parameters.Length);
        foreach (float p in parameters) writer.Single(p);
        if (statistics)
        {
            writer.Int32(runningStatistics.Length);
            foreach (float r in runningStatistics) writer.Single(r);
        }
        writer.Int32(stateLength);
        writer.Bytes(optimizerState);
        writer.UInt32(Crc32.Compute(file, 0, writer.Position));
        return file;
    }

    /// <summary>Decodes the first <paramref name="length"/> bytes of <paramref name="file"/>, checked by <see cref="ModelFileDecoder"/>.</summary>
    public static Content Decode(byte[] file, int length, string name)
    {
        if (length >= 4 && file.AsSpan(0, 4).SequenceEqual(QuantizedModelFileFormat.Magic))
            throw Error(name, "the file holds an int8 quantized network (\"NGQ8\"); read it with ModelFile.LoadQuantized.");
        if (ModelFileDecoder.TryDecode(file, length, out var content) is { } problem)
            throw Error(name, problem + ".");
        var parameters = new float[content.ParameterCount];
        for (int i = 0; i < parameters.Length; i++)
            parameters[i] = BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(content.ParameterOffset + 4 * i));
        var statistics = new float[content.StatisticsCount];
        for (int i = 0; i < statistics.Length; i++)
            statistics[i] = BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(content.StatisticsOffset + 4 * i));
        byte[]? state = content.StateLength == 0 ? null : file.AsSpan(content.StateOffset, content.StateLength).ToArray();
        return new Content(content.Architecture, parameters, statistics, state);
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

// Compiled into the runtime and linked into the generator (netstandard2.0), so it uses only what both targets have.
using System;
using System.Security.Cryptography;
using System.Text;

namespace NetGen.Shared;

/// <summary>
/// Checks a NetGen model file (docs/model-format.md, format versions 1 and 2) before anything in it is trusted: magic,
/// version, every length field, the exact length, the CRC-32, the topology fingerprint and the UTF-8 of the
/// architecture string, in that order. The runtime's <c>ModelFile.Load</c> and the generator's baked weights both read
/// files through it, so they accept and reject the same files with the same words.
/// </summary>
internal static class ModelFileDecoder
{
    /// <summary>The version written for networks with running statistics (BatchNorm); others are written as version 1.</summary>
    public const int Version = 2;
    /// <summary>The version without a running-statistics section, still written for networks that have none.</summary>
    public const int VersionWithoutStatistics = 1;
    public const int MaxArchitectureBytes = 1 << 16;
    private const int FingerprintBytes = 32;
    /// <summary>The first four bytes of a float model file: ASCII "NGW1".</summary>
    public static readonly byte[] Magic = { (byte)'N', (byte)'G', (byte)'W', (byte)'1' };

    /// <summary>
    /// The checked content: the architecture string, where the ParameterCount little-endian floats start, where the
    /// StatisticsCount running statistics start (version 2; none in version 1), and where the optimizer state's
    /// StateLength bytes start.
    /// </summary>
    public readonly struct Content
    {
        public Content(string architecture, int parameterCount, int parameterOffset, int statisticsCount, int statisticsOffset, int stateLength, int stateOffset)
        {
            Architecture = architecture;
            ParameterCount = parameterCount;
            ParameterOffset = parameterOffset;
            StatisticsCount = statisticsCount;
            StatisticsOffset = statisticsOffset;
            StateLength = stateLength;
            StateOffset = stateOffset;
        }

        public string Architecture { get; }
        public int ParameterCount { get; }
        public int ParameterOffset { get; }
        public int StatisticsCount { get; }
        public int StatisticsOffset { get; }
        public int StateLength { get; }
        public int StateOffset { get; }
    }

    /// <summary>Reads <paramref name="file"/>; returns null and the content, or the problem (a sentence without a final period).</summary>
    public static string? TryDecode(byte[] file, out Content content) => TryDecode(file, file.Length, out content);

    /// <summary>Reads the first <paramref name="length"/> bytes of <paramref name="file"/> as a whole file.</summary>
    public static string? TryDecode(byte[] file, int length, out Content content)
    {
        content = default;
        int position = 0;
        string? problem = null;

        int magicLength = Math.Min(4, length);
        for (int i = 0; i < magicLength; i++)
        {
            if (file[i] != Magic[i])
                return $"not a NetGen model file: it starts with {Hex(file, 0, magicLength)}, expected {Hex(Magic, 0, 4)} (\"NGW1\")";
        }
        if (length < 4) return $"the file is truncated: it has only {length} bytes";
        position = 4;

        if (!Int32(file, length, ref position, "format version", out int version, ref problem)) return problem;
        if (version != Version && version != VersionWithoutStatistics)
            return $"the file has model format version {version}; this NetGen reads versions {VersionWithoutStatistics} and {Version}";

        if (!Skip(length, ref position, FingerprintBytes, "topology fingerprint", ref problem)) return problem;
        int fingerprintOffset = position - FingerprintBytes;
        if (!Int32(file, length, ref position, "architecture length", out int archLength, ref problem)) return problem;
        if (archLength <= 0 || archLength > MaxArchitectureBytes)
            return $"the file declares an architecture string of {archLength} bytes; it must be 1 to {MaxArchitectureBytes}";
        if (!Skip(length, ref position, archLength, "architecture string", ref problem)) return problem;
        int archOffset = position - archLength;

        if (!Int32(file, length, ref position, "parameter count", out int count, ref problem)) return problem;
        if (!SkipElements(length, ref position, count, sizeof(float), "parameters", ref problem)) return problem;
        int parameterOffset = position - 4 * count;
        int statistics = 0, statisticsOffset = position + 4;
        if (version == Version)
        {
            if (!Int32(file, length, ref position, "running statistics count", out statistics, ref problem)) return problem;
            if (!SkipElements(length, ref position, statistics, sizeof(float), "running statistics", ref problem)) return problem;
            statisticsOffset = position - 4 * statistics;
        }
        if (!Int32(file, length, ref position, "optimizer state length", out int stateLength, ref problem)) return problem;
        if (!SkipElements(length, ref position, stateLength, 1, "optimizer state", ref problem)) return problem;
        if (!Int32(file, length, ref position, "checksum", out int storedValue, ref problem)) return problem;
        if (position != length) return $"the file has {length - position} trailing bytes after the checksum";

        // Nothing above is trusted until the checksum over every preceding byte agrees.
        uint stored = unchecked((uint)storedValue);
        uint crc = Crc32.Compute(file, 0, position - 4);
        if (crc != stored) return $"the checksum does not match (stored 0x{stored:X8}, computed 0x{crc:X8}): the file is corrupt";

        using (var sha = SHA256.Create())
        {
            byte[] hash = sha.ComputeHash(file, archOffset, archLength);
            for (int i = 0; i < FingerprintBytes; i++)
                if (hash[i] != file[fingerprintOffset + i]) return "the topology fingerprint does not match the architecture string stored in the file";
        }

        string architecture;
        try
        {
            architecture = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(file, archOffset, archLength);
        }
        catch (DecoderFallbackException)
        {
            return "the architecture string is not valid UTF-8";
        }
        content = new Content(architecture, count, parameterOffset, statistics, statisticsOffset, stateLength, position - 4 - stateLength);
        return null;
    }

    private static bool Skip(int fileLength, ref int position, int length, string field, ref string? problem)
    {
        if (fileLength - position < length)
        {
            problem = $"the file is truncated: it ends after {fileLength} bytes, inside the {field} ({length} bytes at offset {position})";
            return false;
        }
        position += length;
        return true;
    }

    private static bool SkipElements(int fileLength, ref int position, int count, int elementSize, string field, ref string? problem)
    {
        long length = (long)count * elementSize;
        if (count < 0 || length > fileLength - position)
        {
            problem = count < 0
                ? $"the file declares {count} {field}, a negative count"
                : $"the file is truncated or corrupt: it declares {count} {field} ({length} bytes) but only {fileLength - position} bytes follow offset {position}";
            return false;
        }
        return Skip(fileLength, ref position, (int)length, field, ref problem);
    }

    private static bool Int32(byte[] file, int fileLength, ref int position, string field, out int value, ref string? problem)
    {
        value = 0;
        if (!Skip(fileLength, ref position, 4, field, ref problem)) return false;
        value = ReadInt32(file, position - 4);
        return true;
    }

    /// <summary>A little-endian int32, whatever the byte order of the machine.</summary>
    public static int ReadInt32(byte[] file, int offset) =>
        file[offset] | file[offset + 1] << 8 | file[offset + 2] << 16 | file[offset + 3] << 24;

    private static string Hex(byte[] bytes, int offset, int count)
    {
        var sb = new StringBuilder(2 * count);
        for (int i = offset; i < offset + count; i++) sb.Append(bytes[i].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        return sb.ToString();
    }
}

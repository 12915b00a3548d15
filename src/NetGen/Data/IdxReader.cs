using System.Buffers.Binary;

namespace NetGen.Data;

/// <summary>
/// Reads the IDX files of MNIST and Fashion-MNIST: <c>idx3-ubyte</c> images (magic 0x00000803) and
/// <c>idx1-ubyte</c> labels (magic 0x00000801), raw or gzip-compressed (detected from the bytes 1F 8B).
/// </summary>
/// <remarks>
/// Header: the magic (two zero bytes, the element type 0x08 = unsigned byte, the number of dimensions), then one
/// big-endian int32 per dimension, then the data. Everything is validated, and the declared size is checked against
/// the data before it is trusted: a bad magic, a zero or negative dimension, a size above <c>maxBytes</c>,
/// truncated data, trailing bytes or a label outside the class range each throw a <see cref="InvalidDataException"/>
/// naming the file. Nothing is returned partially. For gzip input the trailer's CRC-32 and size are checked against
/// the decompressed bytes (.NET's GZipStream does not check them); a single gzip member is expected, as in every
/// MNIST distribution.
/// </remarks>
public static class IdxReader
{
    /// <summary>The default largest payload accepted (1 GiB; the full MNIST training images take 47 MB).</summary>
    public const long DefaultMaxBytes = 1L << 30;

    private const int ImagesMagic = 0x00000803;
    private const int LabelsMagic = 0x00000801;

    /// <summary>Reads an idx3-ubyte image file (raw or gzip).</summary>
    /// <exception cref="InvalidDataException">The file is not a valid IDX image file.</exception>
    public static IdxImages ReadImages(string path, long maxBytes = DefaultMaxBytes)
    {
        using var input = BinaryInput.Open(OpenFile(path), path, ownsStream: true);
        return ReadImages(input, maxBytes);
    }

    /// <summary>Reads an idx3-ubyte image stream (raw or gzip); <paramref name="name"/> appears in error messages. The stream is left open.</summary>
    /// <exception cref="InvalidDataException">The data is not a valid IDX image file.</exception>
    public static IdxImages ReadImages(Stream stream, string name, long maxBytes = DefaultMaxBytes)
    {
        using var input = BinaryInput.Open(stream, name, ownsStream: false);
        return ReadImages(input, maxBytes);
    }

    /// <summary>Reads an idx1-ubyte label file (raw or gzip); every label must be below <paramref name="classCount"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid IDX label file, or a label is out of range.</exception>
    public static byte[] ReadLabels(string path, int classCount = 10, long maxBytes = DefaultMaxBytes)
    {
        using var input = BinaryInput.Open(OpenFile(path), path, ownsStream: true);
        return ReadLabels(input, classCount, maxBytes);
    }

    /// <summary>Reads an idx1-ubyte label stream (raw or gzip); <paramref name="name"/> appears in error messages. The stream is left open.</summary>
    /// <exception cref="InvalidDataException">The data is not a valid IDX label file, or a label is out of range.</exception>
    public static byte[] ReadLabels(Stream stream, string name, int classCount = 10, long maxBytes = DefaultMaxBytes)
    {
        using var input = BinaryInput.Open(stream, name, ownsStream: false);
        return ReadLabels(input, classCount, maxBytes);
    }

    private static IdxImages ReadImages(BinaryInput input, long maxBytes)
    {
        int[] dims = ReadHeader(input, ImagesMagic, ["images", "rows", "columns"]);
        long length = CheckedSize(input, dims, maxBytes, "pixel data");
        byte[] pixels = input.ReadToEnd(length, "pixel data");
        return new IdxImages(dims[0], dims[1], dims[2], pixels);
    }

    private static byte[] ReadLabels(BinaryInput input, int classCount, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classCount, 256);
        int[] dims = ReadHeader(input, LabelsMagic, ["labels"]);
        long length = CheckedSize(input, dims, maxBytes, "labels");
        byte[] labels = input.ReadToEnd(length, "labels");
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= classCount)
                throw input.Error($"label {i} is {labels[i]}, outside the range 0–{classCount - 1} of {classCount} classes.");
        return labels;
    }

    /// <summary>Reads and checks the magic and the dimensions; every dimension must be positive.</summary>
    private static int[] ReadHeader(BinaryInput input, int expectedMagic, string[] dimNames)
    {
        Span<byte> word = stackalloc byte[4];
        input.ReadExactly(word, "IDX header");
        int magic = BinaryPrimitives.ReadInt32BigEndian(word);
        if (magic != expectedMagic)
            throw input.Error($"expected the magic number 0x{expectedMagic:X8} ({Describe(expectedMagic)}) but found 0x{magic:X8} ({Describe(magic)}).");

        var dims = new int[dimNames.Length];
        for (int d = 0; d < dims.Length; d++)
        {
            input.ReadExactly(word, "IDX header");
            uint value = BinaryPrimitives.ReadUInt32BigEndian(word);
            if (value == 0 || value > int.MaxValue)
                throw input.Error($"the header declares {value} {dimNames[d]}; it must be between 1 and {int.MaxValue}.");
            dims[d] = (int)value;
        }
        return dims;
    }

    /// <summary>The product of the dimensions, refused above <paramref name="maxBytes"/> before anything is allocated.</summary>
    private static long CheckedSize(BinaryInput input, int[] dims, long maxBytes, string what)
    {
        Int128 size = 1;
        foreach (int d in dims) size *= d;
        if (size > maxBytes)
            throw input.Error($"the header declares {string.Join(" × ", dims)} = {size} bytes of {what}, above the limit of {maxBytes} bytes.");
        return (long)size;
    }

    private static string Describe(int magic) => magic switch
    {
        ImagesMagic => "IDX unsigned-byte images, 3 dimensions",
        LabelsMagic => "IDX unsigned-byte labels, 1 dimension",
        _ when (magic >> 16) == 0 => $"IDX element type 0x{(magic >> 8) & 0xFF:X2}, {magic & 0xFF} dimensions",
        _ => "not an IDX file",
    };

    private static FileStream OpenFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
    }
}

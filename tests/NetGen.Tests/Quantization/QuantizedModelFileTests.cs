using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using NetGen.Quantization;
using NetGen.Serialization;

namespace NetGen.Tests.Quantization;

/// <summary>
/// Quantized model files: round trips that keep every output bit, the float and quantized readers refusing each
/// other's files, and files with a valid checksum whose contents break a rule (the fuzzing of random corruption is in
/// FileFuzzTests).
/// </summary>
public class QuantizedModelFileTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"netgen-int8-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    internal static QuantizedNetwork Sample()
    {
        var (net, data) = QuantizationTests.Prepared(new QuantAllActivations(), seed: 11, samples: 50);
        return net.Quantize(data, 50);
    }

    [Theory]
    [MemberData(nameof(QuantizationTests.Networks), MemberType = typeof(QuantizationTests))]
    public void SavedAndLoadedNetworksGiveTheSameBits(string name)
    {
        var (net, data) = QuantizationTests.Prepared(QuantizationTests.Create[name](), seed: 21, samples: 30);
        QuantizedNetwork q = net.Quantize(data, 30);
        Directory.CreateDirectory(_folder);
        string path = Path.Combine(_folder, "q" + ModelFile.Extension);
        ModelFile.Save(q, path);
        QuantizedNetwork loaded = ModelFile.LoadQuantized(path);

        Assert.Equal(q.Architecture, loaded.Architecture);
        Assert.Equal((q.InputSize, q.OutputSize, q.Loss, q.InputScale, q.InputZeroPoint), (loaded.InputSize, loaded.OutputSize, loaded.Loss, loaded.InputScale, loaded.InputZeroPoint));
        var expected = new float[30 * q.OutputSize];
        var actual = new float[30 * q.OutputSize];
        q.Forward(data, expected, 30);
        loaded.Forward(data, actual, 30);
        Assert.Equal(expected, actual);

        // Saving the loaded network gives the same bytes.
        using var first = new MemoryStream();
        using var second = new MemoryStream();
        ModelFile.Save(q, first);
        ModelFile.Save(loaded, second);
        Assert.Equal(first.ToArray(), second.ToArray());
    }

    [Fact]
    public void EachReaderRefusesTheOtherFormatByName()
    {
        using var quantized = new MemoryStream();
        ModelFile.Save(Sample(), quantized);
        var net = new QuantAllActivations();
        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load(net, new MemoryStream(quantized.ToArray()), name: "q.ngw"));
        Assert.Contains("LoadQuantized", error.Message);

        using var floats = new MemoryStream();
        ModelFile.Save(net, floats);
        error = Assert.Throws<InvalidDataException>(() => ModelFile.LoadQuantized(new MemoryStream(floats.ToArray()), "f.ngw"));
        Assert.StartsWith("f.ngw: ", error.Message);
        Assert.Contains("ModelFile.Load", error.Message);
    }

    public static TheoryData<string, int, uint, string> BrokenFields => new()
    {
        // field offset within the first layer's header, value, expected words in the message
        { "units", 12, 22, "units" },
        { "kind", 0, 1, "architecture says" },
        { "activation", 4, 3, "architecture says" },
        { "input scale NaN", 24, 0x7FC00000, "input scale" },
        { "input scale 0", 24, 0, "input scale" },
        { "input zero point", 28, 128, "zero point" },
        { "requantization", 32, 0, "requantization" },
        { "output scale", 36, 0xFF800000, "output scale" },
        { "table zero point", 48, 1000, "table" },
        { "weight scale", 56, 0xBF800000, "weight scale" },
    };

    [Theory]
    [MemberData(nameof(BrokenFields))]
    public void FilesWithAValidChecksumButABrokenFieldAreRefused(string what, int offset, uint value, string message)
    {
        byte[] file = Bytes(Sample());
        int layer = FirstLayer(file);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(layer + offset), value);
        var error = Assert.Throws<InvalidDataException>(() => ModelFile.LoadQuantized(new MemoryStream(Recrc(file)), "bad.ngq"));
        Assert.StartsWith("bad.ngq: ", error.Message);
        Assert.Contains(message, error.Message);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Fact]
    public void Version1FilesOf8BitCodesAreRefusedSayingToQuantizeAgain()
    {
        byte[] file = Bytes(Sample());
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(4), 1);
        string message = Load(Recrc(file)).Message;
        Assert.Contains("version 1, whose activations are 8-bit codes", message);
        Assert.Contains("quantize the float network again", message);
    }

    [Fact]
    public void WeightsBeyond64BiasesBeyondTwoToThe30AndBadShiftsAreRefused()
    {
        QuantizedNetwork q = Sample();
        QuantizedLayer first = q.Layers[0];
        int channels = first.Channels, header = FirstLayer(Bytes(q)) + 56;
        int biases = header + 4 * channels, multipliers = biases + 4 * channels;
        int weights = multipliers + 16 * channels + first.Table.Length;

        byte[] file = Bytes(q);
        file[weights + 5] = 0x80;
        Assert.Contains("weight 5 is -128; weight codes are −64 to 64", Load(file).Message);

        file = Bytes(q);
        file[weights + 7] = 65;
        Assert.Contains("weight 7 is 65", Load(file).Message);

        file = Bytes(q);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(biases + 8), (1 << 30) + 1);
        Assert.Contains("bias", Load(file).Message);

        file = Bytes(q);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(multipliers + 4), 63);
        Assert.Contains("shifts", Load(file).Message);

        file = Bytes(q);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(multipliers + 16 + 12), 0);
        Assert.Contains("shifts", Load(file).Message);
    }

    [Fact]
    public void AnArchitectureThatDoesNotParseOrDoesNotMatchTheLayersIsRefused()
    {
        QuantizedNetwork q = Sample();
        byte[] file = Bytes(q);
        // Same length, different text: "Dense(5," becomes "Dense(6," in the last layer, which the file's layers contradict.
        string arch = q.Architecture;
        string changed = arch.Replace("Dense(5, Softmax)", "Dense(6, Softmax)");
        Assert.NotEqual(arch, changed);
        Encoding.UTF8.GetBytes(changed).CopyTo(file, 44);
        System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(changed)).CopyTo(file, 8);
        Assert.Contains("architecture says", Load(file).Message);

        file = Bytes(q);
        Encoding.UTF8.GetBytes(arch.Replace("Input(", "Inpu+(")).CopyTo(file, 44);
        System.Security.Cryptography.SHA256.HashData(file.AsSpan(44, Encoding.UTF8.GetByteCount(arch))).CopyTo(file, 8);
        Assert.Contains("architecture string is not valid", Load(file).Message);

        file = Bytes(q);
        file[44] ^= 1; // fingerprint no longer matches
        Assert.Contains("fingerprint", Load(file).Message);
    }

    private static InvalidDataException Load(byte[] file) =>
        Assert.Throws<InvalidDataException>(() => ModelFile.LoadQuantized(new MemoryStream(Recrc(file)), "bad.ngq"));

    internal static byte[] Bytes(QuantizedNetwork q)
    {
        using var stream = new MemoryStream();
        ModelFile.Save(q, stream);
        return stream.ToArray();
    }

    private static int FirstLayer(byte[] file) => 44 + BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(40)) + 4;

    private static byte[] Recrc(byte[] file)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(file.Length - 4), Crc32.HashToUInt32(file.AsSpan(0, file.Length - 4)));
        return file;
    }
}

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

    internal static QuantizedNetwork ConvolutionalSample()
    {
        var (net, data) = QuantizationTests.Prepared(new QuantCnn(), seed: 12, samples: 20);
        return net.Quantize(data, 20);
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
        { "input channels", 56, 2, "architecture says" },
        { "padding", 76, 1, "architecture says" },
        { "weight scale", 80, 0xBF800000, "weight scale" },
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
        int channels = first.Channels, header = FirstLayer(Bytes(q)) + 80;
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

    /// <summary>The offset of each layer's header in a file of <paramref name="q"/> (version 3).</summary>
    private static int[] LayerOffsets(QuantizedNetwork q, byte[] file)
    {
        var offsets = new int[q.Layers.Count];
        int at = FirstLayer(file);
        for (int l = 0; l < offsets.Length; l++)
        {
            offsets[l] = at;
            QuantizedLayer layer = q.Layers[l];
            at += 80 + 8 * layer.WeightScales.Length + 16 * layer.PositiveMultipliers.Length + layer.Table.Length + layer.Weights.Length;
        }
        Assert.Equal(file.Length - 4, at);
        return offsets;
    }

    public static TheoryData<string, int, int, uint, string> BrokenConvolutionalFields => new()
    {
        // layer (0: Conv2D, 1: MaxPool2D, 2: Conv2D with a table), field offset in its header, value, words in the message
        { "conv kind", 0, 0, 0, "architecture says Conv2D" },
        { "conv kernel size", 0, 68, 5, "kernel 5" },
        { "conv stride", 0, 72, 2, "stride 2" },
        { "conv input height", 0, 60, 12, "12×11" },
        { "pool kind", 1, 0, 5, "architecture says MaxPool2D" },
        { "pool dropout kind", 1, 0, 2, "declares kind 2" },
        { "pool window", 1, 68, 2, "kernel 2" },
        { "pool output scale", 1, 36, 0x3F800000, "keeps its input's scale" },
        { "pool output zero point", 1, 40, 3, "keeps its input's scale" },
        { "pool requantization", 1, 32, 1, "keeps its input's scale" },
        { "pool units", 1, 12, 21, "21 units" },
        { "second conv padding", 2, 76, 1, "padding 1" },
        { "second conv input channels", 2, 56, 19, "19×5×5" },
    };

    [Theory]
    [MemberData(nameof(BrokenConvolutionalFields))]
    public void ConvolutionalFilesWithABrokenFieldAreRefused(string what, int layer, int offset, uint value, string message)
    {
        QuantizedNetwork q = ConvolutionalSample();
        byte[] file = Bytes(q);
        int at = LayerOffsets(q, file)[layer] + offset;
        Assert.NotEqual(value, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at)));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), value);
        string error = Load(file).Message;
        Assert.True(error.Contains(message, StringComparison.Ordinal), $"{what}: {error}");
    }

    [Fact]
    public void ConvolutionalWeightsAndTheirScalesAreChecked()
    {
        QuantizedNetwork q = ConvolutionalSample();
        byte[] clean = Bytes(q);
        int[] offsets = LayerOffsets(q, clean);
        QuantizedLayer conv = q.Layers[2];
        int scales = offsets[2] + 80, weights = scales + 8 * conv.Channels + 16 * conv.Channels + conv.Table.Length;
        byte[] file = (byte[])clean.Clone();
        file[weights + 30] = 100;
        Assert.Contains("layer 3: weight 30 is 100", Load(file).Message);
        file = (byte[])clean.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(scales + 4 * 16), 0);
        Assert.Contains("layer 3: channel 16 has weight scale 0", Load(file).Message);
        // A table entry beyond the 7-bit codes.
        file = (byte[])clean.Clone();
        file[weights - 1] = 200;
        Assert.Contains("layer 3: table entry 255 is 200", Load(file).Message);
    }

    [Fact]
    public void AnArchitectureWhoseBatchNormCannotBeFoldedIsRefused()
    {
        QuantizedNetwork q = ConvolutionalSample();
        byte[] file = Bytes(q);
        // The same length: a first convolution with its own activation, which the BatchNorm after it cannot fold into.
        string arch = q.Architecture;
        string changed = arch.Replace("Conv2D(20, 3, Identity,", "Conv2D(200, 3, Sigmoid,");
        Assert.Equal(arch.Length, changed.Length);
        Encoding.UTF8.GetBytes(changed).CopyTo(file, 44);
        System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(changed)).CopyTo(file, 8);
        Assert.Contains("BatchNorm (layer 2) that int8 networks cannot fold", Load(file).Message);
    }

    [Fact]
    public void Version2FilesOfFlatNetworksStillLoadAndConvolutionalOnesAreRefused()
    {
        QuantizedNetwork q = Sample();
        byte[] version2 = Version2(q, Bytes(q));
        QuantizedNetwork loaded = ModelFile.LoadQuantized(new MemoryStream(Recrc(version2)), "old.ngq");
        var (_, data) = QuantizationTests.Prepared(new QuantAllActivations(), seed: 11, samples: 20);
        var expected = new float[20 * q.OutputSize];
        var actual = new float[20 * q.OutputSize];
        q.Forward(data, expected, 20);
        loaded.Forward(data, actual, 20);
        Assert.Equal(expected, actual);
        Assert.Equal(Bytes(q), Bytes(loaded)); // saved again as version 3

        QuantizedNetwork cnn = ConvolutionalSample();
        string message = Load(Version2(cnn, Bytes(cnn))).Message;
        Assert.Contains("version 2, which holds Dense and Maxout layers only", message);

        byte[] future = Bytes(q);
        BinaryPrimitives.WriteInt32LittleEndian(future.AsSpan(4), 4);
        Assert.Contains("version 4; this NetGen reads versions 2 and 3", Load(future).Message);
    }

    /// <summary>The version 2 layout of a version 3 file: the six spatial fields of each layer header left out.</summary>
    private static byte[] Version2(QuantizedNetwork q, byte[] file)
    {
        int[] offsets = LayerOffsets(q, file);
        var bytes = new List<byte>(file.AsSpan(0, offsets[0]).ToArray());
        for (int l = 0; l < offsets.Length; l++)
        {
            int end = l + 1 < offsets.Length ? offsets[l + 1] : file.Length;
            bytes.AddRange(file.AsSpan(offsets[l], 56).ToArray());
            bytes.AddRange(file.AsSpan(offsets[l] + 80, end - offsets[l] - 80).ToArray());
        }
        byte[] result = bytes.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(4), 2);
        return result;
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

using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NetGen.Quantization;
using NetGen.Reference;
using NetGen.Shared;

namespace NetGen.Serialization;

/// <summary>
/// Encodes and decodes quantized model files (magic <c>NGQ8</c>, format version 1, documented byte by byte in
/// docs/model-format.md). Decoding checks the structure, exact length and CRC-32 first, then that every layer agrees
/// with the architecture string and every number is in its range, before it builds anything.
/// </summary>
internal static class QuantizedModelFileFormat
{
    public const int Version = 1;
    public static ReadOnlySpan<byte> Magic => "NGQ8"u8;

    private const int FingerprintBytes = 32;
    private const int LayerHeaderBytes = 14 * 4;

    public static byte[] Encode(QuantizedNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        byte[] arch = Encoding.UTF8.GetBytes(network.Architecture);
        long total = 4 + 4 + FingerprintBytes + 4 + arch.Length + 4 + 4;
        foreach (QuantizedLayer layer in network.Layers)
            total += LayerHeaderBytes + 8L * layer.Channels + (layer.Requantization == Requantization.Float ? 0 : 16L * layer.Channels)
                + layer.Table.Length + layer.Weights.Length;
        if (total > Array.MaxLength) throw new ArgumentException($"A model file of {total} bytes is too large.", nameof(network));

        var file = new byte[total];
        var writer = new ModelFileFormat.SpanWriter(file);
        writer.Bytes(Magic);
        writer.Int32(Version);
        writer.Bytes(SHA256.HashData(arch));
        writer.Int32(arch.Length);
        writer.Bytes(arch);
        writer.Int32(network.Layers.Count);
        foreach (QuantizedLayer layer in network.Layers)
        {
            writer.Int32((int)layer.Kind);
            writer.Int32((int)layer.Activation);
            writer.Single(layer.Alpha);
            writer.Int32(layer.Units);
            writer.Int32(layer.Pieces);
            writer.Int32(layer.Inputs);
            writer.Single(layer.InputScale);
            writer.Int32(layer.InputZeroPoint);
            writer.Int32((int)layer.Requantization);
            writer.Single(layer.OutputScale);
            writer.Int32(layer.OutputZeroPoint);
            writer.Single(layer.TableScale);
            writer.Int32(layer.TableZeroPoint);
            writer.Int32(layer.Table.Length);
            foreach (float s in layer.WeightScales) writer.Single(s);
            foreach (int b in layer.Biases) writer.Int32(b);
            for (int j = 0; j < layer.PositiveMultipliers.Length; j++)
            {
                writer.Int32(layer.PositiveMultipliers[j].Multiplier);
                writer.Int32(layer.PositiveMultipliers[j].Shift);
                writer.Int32(layer.NegativeMultipliers[j].Multiplier);
                writer.Int32(layer.NegativeMultipliers[j].Shift);
            }
            writer.Bytes(layer.Table);
            writer.Bytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(layer.Weights));
        }
        writer.UInt32(Crc32.Compute(file, 0, writer.Position));
        return file;
    }

    /// <summary>One layer's fields as read, before they are checked against the architecture.</summary>
    private sealed record RawLayer(int Kind, int Activation, float Alpha, int Units, int Pieces, int Inputs, float InputScale, int InputZero,
        int Mode, float OutputScale, int OutputZero, float TableScale, int TableZero, byte[] Table, float[] WeightScales, int[] Biases,
        FixedPointMultiplier[] Positive, FixedPointMultiplier[] Negative, sbyte[] Weights);

    public static QuantizedNetwork Decode(ReadOnlySpan<byte> file, string name)
    {
        var reader = new ModelFileFormat.SpanReader(file, name);
        ReadOnlySpan<byte> magic = reader.Bytes(Math.Min(4, file.Length), "magic");
        if (!magic.SequenceEqual(Magic[..magic.Length]))
            throw Error(name, magic.Length == 4 && magic.SequenceEqual(ModelFileFormat.Magic)
                ? "the file holds a float network (\"NGW1\"), not an int8 quantized one; load it with ModelFile.Load."
                : $"not a NetGen quantized model file: it starts with {Convert.ToHexString(magic)}, expected {Convert.ToHexString(Magic)} (\"NGQ8\").");
        if (file.Length < 4) throw Error(name, $"the file is truncated: it has only {file.Length} bytes.");
        int version = reader.Int32("format version");
        if (version != Version)
            throw Error(name, $"the file has quantized model format version {version}; this NetGen reads version {Version}.");
        ReadOnlySpan<byte> fingerprint = reader.Bytes(FingerprintBytes, "topology fingerprint");
        int archLength = reader.Int32("architecture length");
        if (archLength is <= 0 or > ModelFileFormat.MaxArchitectureBytes)
            throw Error(name, $"the file declares an architecture string of {archLength} bytes; it must be 1 to {ModelFileFormat.MaxArchitectureBytes}.");
        ReadOnlySpan<byte> arch = reader.Bytes(archLength, "architecture string");
        int count = reader.Int32("layer count");
        // A layer takes at least its header: a count the rest of the file cannot hold is refused before anything is allocated.
        if (count <= 0 || count > (file.Length - reader.Position) / LayerHeaderBytes)
            throw Error(name, $"the file declares {count} layers; it must be at least 1 and at most what its {file.Length - reader.Position} remaining bytes can hold.");
        var raw = new RawLayer[count];
        for (int l = 0; l < count; l++) raw[l] = ReadLayer(ref reader, name, l);
        uint storedCrc = reader.UInt32("checksum");
        if (reader.Position != file.Length)
            throw Error(name, $"the file has {file.Length - reader.Position} trailing bytes after the checksum.");

        uint crc = Crc32.Compute(file[..(reader.Position - 4)]);
        if (crc != storedCrc)
            throw Error(name, $"the checksum does not match (stored 0x{storedCrc:X8}, computed 0x{crc:X8}): the file is corrupt.");
        if (!SHA256.HashData(arch).AsSpan().SequenceEqual(fingerprint))
            throw Error(name, "the topology fingerprint does not match the architecture string stored in the file.");
        string architecture;
        Topology topology;
        try
        {
            architecture = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(arch);
            topology = Topology.Parse(architecture);
        }
        catch (Exception e) when (e is DecoderFallbackException or FormatException)
        {
            throw FileErrors.Create(name, $"the architecture string is not valid: {e.Message}", inner: e);
        }
        var expected = topology.Layers.Where(l => l.Kind != ReferenceLayerKind.Dropout).ToArray();
        if (expected.Length != count)
            throw Error(name, $"the file holds {count} layers but its architecture '{architecture}' has {expected.Length} Dense and Maxout layers.");
        var layers = new QuantizedLayer[count];
        for (int l = 0, width = topology.InputSize; l < count; l++)
        {
            layers[l] = Check(raw[l], expected[l], width, l == count - 1, name, l);
            width = expected[l].Units;
        }
        for (int l = 1; l < count; l++)
            if (layers[l].InputScale != layers[l - 1].OutputScale || layers[l].InputZeroPoint != layers[l - 1].OutputZeroPoint)
                throw Error(name, $"layer {l + 1}'s input scale and zero point ({layers[l].InputScale}, {layers[l].InputZeroPoint}) are not layer {l}'s output ones ({layers[l - 1].OutputScale}, {layers[l - 1].OutputZeroPoint}).");
        return new QuantizedNetwork(architecture, topology.Loss, topology.InputSize, layers);
    }

    private static RawLayer ReadLayer(ref ModelFileFormat.SpanReader reader, string name, int l)
    {
        string at = $"layer {l + 1}";
        int kind = reader.Int32($"{at} kind"), activation = reader.Int32($"{at} activation");
        float alpha = Single(ref reader, $"{at} alpha");
        int units = reader.Int32($"{at} units"), pieces = reader.Int32($"{at} pieces"), inputs = reader.Int32($"{at} inputs");
        float inputScale = Single(ref reader, $"{at} input scale");
        int inputZero = reader.Int32($"{at} input zero point"), mode = reader.Int32($"{at} requantization");
        float outputScale = Single(ref reader, $"{at} output scale");
        int outputZero = reader.Int32($"{at} output zero point");
        float tableScale = Single(ref reader, $"{at} table scale");
        int tableZero = reader.Int32($"{at} table zero point"), tableLength = reader.Int32($"{at} table length");
        if (units <= 0 || pieces <= 0 || inputs <= 0 || (long)units * pieces > int.MaxValue)
            throw Error(name, $"{at} declares {units} units of {pieces} pieces over {inputs} inputs; each must be at least 1.");
        if (tableLength is not (0 or 256)) throw Error(name, $"{at} declares a table of {tableLength} entries; it must have 0 or 256.");
        int channels = units * pieces;
        bool multipliers = mode != (int)Requantization.Float;
        float[] scales = Floats(reader.Bytes(channels, 4, $"{at} weight scales"));
        int[] biases = Ints(reader.Bytes(channels, 4, $"{at} biases"));
        var positive = new FixedPointMultiplier[multipliers ? channels : 0];
        var negative = new FixedPointMultiplier[positive.Length];
        if (multipliers)
        {
            int[] m = Ints(reader.Bytes(channels, 16, $"{at} multipliers"));
            for (int j = 0; j < channels; j++)
                (positive[j], negative[j]) = (new(m[4 * j], m[4 * j + 1]), new(m[4 * j + 2], m[4 * j + 3]));
        }
        byte[] table = reader.Bytes(tableLength, $"{at} table").ToArray();
        long weightCount = (long)channels * inputs;
        if (weightCount > int.MaxValue) throw Error(name, $"{at} declares {weightCount} weights, more than a file can hold.");
        sbyte[] weights = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(reader.Bytes((int)weightCount, 1, $"{at} weights")).ToArray();
        return new RawLayer(kind, activation, alpha, units, pieces, inputs, inputScale, inputZero, mode, outputScale, outputZero, tableScale, tableZero,
            table, scales, biases, positive, negative, weights);
    }

    /// <summary>The layer, once every field agrees with the architecture and lies in its range.</summary>
    private static QuantizedLayer Check(RawLayer r, ReferenceLayer expected, int width, bool last, string name, int l)
    {
        string at = $"layer {l + 1}";
        void Require(bool condition, string problem)
        {
            if (!condition) throw Error(name, $"{at}: {problem}");
        }
        Require(r.Kind == (int)expected.Kind && r.Units == expected.Units && r.Pieces == expected.Pieces && r.Inputs == width
                && r.Activation == (int)expected.Activation && r.Alpha == (float)expected.Alpha,
            $"the file describes kind {r.Kind}, activation {r.Activation} (alpha {r.Alpha}), {r.Units} units of {r.Pieces} pieces over {r.Inputs} inputs, "
            + $"but the architecture says {expected.Kind} {expected.Activation} (alpha {(float)expected.Alpha}), {expected.Units} units of {expected.Pieces} pieces over {width} inputs.");
        Require(width <= Quantizer.MaxInputs, $"{width} inputs; int8 layers take at most {Quantizer.MaxInputs}.");
        bool table = expected.Kind == ReferenceLayerKind.Dense && expected.Activation is Activation.Step or Activation.Sigmoid or Activation.Tanh or Activation.ELU;
        var mode = last ? Requantization.Float : table ? Requantization.Table : Requantization.Linear;
        Require(r.Mode == (int)mode, $"requantization {r.Mode}; a {(last ? "last" : "hidden")} {expected.Activation} layer uses {mode} ({(int)mode}).");
        Require(Positive(r.InputScale) && r.InputZero is >= 0 and <= 255, $"input scale {r.InputScale} and zero point {r.InputZero}; the scale must be positive and finite, the zero point 0 to 255.");
        Require(last ? r.OutputScale == 0 && r.OutputZero == 0 : Positive(r.OutputScale) && r.OutputZero is >= 0 and <= 255,
            $"output scale {r.OutputScale} and zero point {r.OutputZero} are out of range for a {(last ? "last" : "hidden")} layer.");
        Require(mode == Requantization.Table ? Positive(r.TableScale) && r.TableZero is >= 0 and <= 255 && r.Table.Length == 256 : r.TableScale == 0 && r.TableZero == 0 && r.Table.Length == 0,
            $"table scale {r.TableScale}, zero point {r.TableZero} and {r.Table.Length} entries do not fit requantization {mode}.");
        for (int j = 0; j < r.WeightScales.Length; j++)
        {
            Require(Positive(r.WeightScales[j]), $"channel {j} has weight scale {r.WeightScales[j]}; it must be positive and finite.");
            Require(Math.Abs((long)r.Biases[j]) <= Quantizer.MaxBias, $"channel {j} has bias {r.Biases[j]}, beyond ±2^30.");
        }
        for (int j = 0; j < r.Positive.Length; j++)
            Require(r.Positive[j].IsValid && r.Negative[j].IsValid, $"channel {j} has multipliers {r.Positive[j]} and {r.Negative[j]}; shifts must be 1 to {FixedPointMultiplier.MaxShift}.");
        int bad = Array.IndexOf(r.Weights, sbyte.MinValue);
        Require(bad < 0, $"weight {bad} is −128; int8 weights are symmetric, −127 to 127.");
        return new QuantizedLayer(expected.Kind, expected.Activation, r.Alpha, r.Units, r.Pieces, r.Inputs, r.InputScale, r.InputZero, mode,
            r.OutputScale, r.OutputZero, r.TableScale, r.TableZero, r.Table, r.Weights, r.WeightScales, r.Biases, r.Positive, r.Negative);
    }

    private static bool Positive(float value) => float.IsFinite(value) && value > 0;

    private static float Single(ref ModelFileFormat.SpanReader reader, string field) => BinaryPrimitives.ReadSingleLittleEndian(reader.Bytes(4, field));

    private static float[] Floats(ReadOnlySpan<byte> bytes)
    {
        var values = new float[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
        return values;
    }

    private static int[] Ints(ReadOnlySpan<byte> bytes)
    {
        var values = new int[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
        return values;
    }

    private static InvalidDataException Error(string name, string problem) => FileErrors.Create(name, problem);
}

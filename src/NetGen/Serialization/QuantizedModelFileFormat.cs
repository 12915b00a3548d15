using System.Security.Cryptography;
using System.Text;
using NetGen.Quantization;
using NetGen.Reference;
using NetGen.Shared;

namespace NetGen.Serialization;

/// <summary>
/// Encodes and decodes quantized model files (magic <c>NGQ8</c>, format version 3, documented byte by byte in
/// docs/model-format.md). Decoding (<see cref="QuantizedModelFileDecoder"/>, shared with the generator) checks the
/// structure, exact length and CRC-32 first, then that every layer agrees with the architecture string and every number
/// is in its range, before it builds anything.
/// </summary>
internal static class QuantizedModelFileFormat
{
    public const int Version = QuantizedModelFileDecoder.Version;
    public static ReadOnlySpan<byte> Magic => QuantizedModelFileDecoder.Magic;

    private const int FingerprintBytes = QuantizedModelFileDecoder.FingerprintBytes;
    private const int LayerHeaderBytes = QuantizedModelFileDecoder.LayerHeaderBytes;

    public static byte[] Encode(QuantizedNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        byte[] arch = Encoding.UTF8.GetBytes(network.Architecture);
        long total = 4 + 4 + FingerprintBytes + 4 + arch.Length + 4 + 4;
        foreach (QuantizedLayer layer in network.Layers)
            total += LayerHeaderBytes + 8L * layer.WeightScales.Length + 16L * layer.PositiveMultipliers.Length
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
            writer.Int32(layer.InputShape.Channels);
            writer.Int32(layer.InputShape.Height);
            writer.Int32(layer.InputShape.Width);
            writer.Int32(layer.KernelSize);
            writer.Int32(layer.Stride);
            writer.Int32(layer.Padding);
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

    /// <summary>Decodes a file, checked by <see cref="QuantizedModelFileDecoder"/> (shared with the generator, which bakes such files in).</summary>
    public static QuantizedNetwork Decode(ReadOnlySpan<byte> file, string name) => Build(file, name, QuantizedModelFileDecoder.Sha256);

    /// <summary>
    /// Decodes the bytes of a file the generator checked at build time and compiled in: the same checks, except the
    /// topology fingerprint (the generator compared it), so a program with baked int8 weights needs no SHA-256.
    /// </summary>
    public static QuantizedNetwork DecodeBaked(ReadOnlySpan<byte> file, string name) => Build(file, name, fingerprint: null);

    private static QuantizedNetwork Build(ReadOnlySpan<byte> file, string name, Func<byte[], byte[]>? fingerprint)
    {
        if (QuantizedModelFileDecoder.TryDecode(file, fingerprint, out var content) is { } problem)
            throw Error(name, problem);
        var layers = new QuantizedLayer[content!.Layers.Length];
        for (int l = 0; l < layers.Length; l++)
        {
            QuantizedFileLayer r = content.Layers[l];
            var positive = new FixedPointMultiplier[r.Multipliers.Length / 4];
            var negative = new FixedPointMultiplier[positive.Length];
            for (int j = 0; j < positive.Length; j++)
                (positive[j], negative[j]) = (new(r.Multipliers[4 * j], r.Multipliers[4 * j + 1]), new(r.Multipliers[4 * j + 2], r.Multipliers[4 * j + 3]));
            layers[l] = new QuantizedLayer((ReferenceLayerKind)r.Kind, (Activation)r.Activation, r.Alpha, r.Units, r.Pieces, r.Inputs,
                r.InputScale, r.InputZeroPoint, (Requantization)r.Requantization, r.OutputScale, r.OutputZeroPoint, r.TableScale, r.TableZeroPoint,
                r.Table, r.Weights, r.WeightScales, r.Biases, positive, negative)
            {
                InputShape = new SampleShape(r.InputChannels, r.InputHeight, r.InputWidth), KernelSize = r.KernelSize, Stride = r.Stride, Padding = r.Padding,
            };
        }
        return new QuantizedNetwork(content.Architecture, Enum.Parse<LossFunction>(content.Loss), content.InputSize, layers);
    }

    private static InvalidDataException Error(string name, string problem) => FileErrors.Create(name, problem);
}

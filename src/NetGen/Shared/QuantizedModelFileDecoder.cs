// Compiled into the runtime and linked into the generator (netstandard2.0), so it uses only what both targets have.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace NetGen.Shared;

/// <summary>One layer of a quantized model file, checked: the fields of <c>QuantizedLayer</c> as stored.</summary>
internal sealed class QuantizedFileLayer
{
    public int Kind;
    /// <summary>The input's channels × height × width (inputs × 1 × 1 for Dense and Maxout), and the kernel or window.</summary>
    public int InputChannels, InputHeight, InputWidth, KernelSize, Stride, Padding;
    public int Activation;
    public float Alpha;
    public int Units, Pieces, Inputs;
    public float InputScale;
    public int InputZeroPoint;
    public int Requantization;
    public float OutputScale;
    public int OutputZeroPoint;
    public float TableScale;
    public int TableZeroPoint;
    public byte[] Table = Array.Empty<byte>();
    public float[] WeightScales = Array.Empty<float>();
    public int[] Biases = Array.Empty<int>();
    /// <summary>Per channel: positive multiplier, positive shift, negative multiplier, negative shift (empty for the last layer).</summary>
    public int[] Multipliers = Array.Empty<int>();
    public sbyte[] Weights = Array.Empty<sbyte>();

    /// <summary>The weight rows: units × pieces, none for the pooling layers.</summary>
    public int Channels => Kind == QuantizedModelFileDecoder.MaxPool2D || Kind == QuantizedModelFileDecoder.AvgPool2D ? 0 : Units * Pieces;
}

/// <summary>A checked quantized model file: its architecture string, its parts, and its layers.</summary>
internal sealed class QuantizedFileContent
{
    public QuantizedFileContent(string architecture, int inputSize, string loss, QuantizedFileLayer[] layers)
    {
        Architecture = architecture;
        InputSize = inputSize;
        Loss = loss;
        Layers = layers;
    }

    public string Architecture { get; }
    public int InputSize { get; }

    /// <summary>The loss's name as <c>NetGen.LossFunction</c> spells it.</summary>
    public string Loss { get; }

    public QuantizedFileLayer[] Layers { get; }
}

/// <summary>
/// Checks an int8 quantized model file (magic <c>NGQ8</c>, format version 3, or 2 without convolutional layers;
/// docs/model-format.md) before anything in
/// it is trusted: the structure and every length, the exact length, the CRC-32, the topology fingerprint, the
/// architecture string, then every layer against the architecture and every number against its range. The runtime's
/// <c>ModelFile.LoadQuantized</c> and the generator's baked int8 weights both read files through it, so they accept
/// and reject the same files with the same words.
/// </summary>
internal static class QuantizedModelFileDecoder
{
    public const int Version = 3;

    /// <summary>The oldest version this NetGen reads: version 2 is version 3 without the spatial fields of a layer header (flat networks only).</summary>
    public const int OldestVersion = 2;

    /// <summary>The largest activation code (<c>Int8Kernels.MaxCode</c>): version 2 holds 7-bit activation codes.</summary>
    public const int MaxCode = 127;

    /// <summary>The largest weight code magnitude (<c>Int8Kernels.MaxWeight</c>), version 2.</summary>
    public const int MaxWeight = 64;
    public const int FingerprintBytes = 32;
    public const int LayerHeaderBytes = 20 * 4;

    /// <summary>A version 2 layer header: without input channels, height, width, kernel size, stride and padding.</summary>
    public const int Version2LayerHeaderBytes = 14 * 4;

    /// <summary>The most inputs an int8 layer takes (<c>Quantizer.MaxInputs</c>).</summary>
    public const int MaxInputs = 16_384;

    /// <summary>The largest bias magnitude (<c>Quantizer.MaxBias</c>).</summary>
    public const int MaxBias = 1 << 30;

    /// <summary>The largest shift of a fixed-point multiplier (<c>FixedPointMultiplier.MaxShift</c>).</summary>
    public const int MaxShift = 62;

    /// <summary>The first four bytes of a quantized model file: ASCII "NGQ8".</summary>
    public static readonly byte[] Magic = { (byte)'N', (byte)'G', (byte)'Q', (byte)'8' };

    // The values of NetGen.ReferenceLayerKind, NetGen.Activation, NetGen.LossFunction and NetGen.Quantization.Requantization
    // by name, as files store them (the runtime's tests check these against the enums).
    public const int Dense = 0, Maxout = 1, Conv2D = 3, MaxPool2D = 4, AvgPool2D = 5;
    public const int Linear = 0, Table = 1, Float = 2;
    public static readonly string[] KindNames = { "Dense", "Maxout", "Dropout", "Conv2D", "MaxPool2D", "AvgPool2D" };
    public static readonly string[] ActivationNames = { "Identity", "Step", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "Softmax" };
    public static readonly string[] LossNames = { "MeanSquaredError", "BinaryCrossEntropy", "CrossEntropy" };
    public static readonly string[] RequantizationNames = { "Linear", "Table", "Float" };

    /// <summary>Whether <paramref name="file"/> starts with the NGQ8 magic.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> file) => file.Length >= 4 && file.Slice(0, 4).SequenceEqual(Magic);

    /// <summary>SHA-256 of <paramref name="data"/>, the topology fingerprint.</summary>
    public static byte[] Sha256(byte[] data)
    {
        using var sha = SHA256.Create();
        return sha.ComputeHash(data);
    }

    /// <summary>
    /// Reads and checks <paramref name="file"/>: returns null and the content, or the problem (a sentence with its final
    /// period). <paramref name="fingerprint"/> computes the SHA-256 of the architecture string; null skips that check
    /// (for bytes the generator checked at build time, so that the program does not need a SHA-256 implementation).
    /// </summary>
    public static string? TryDecode(ReadOnlySpan<byte> file, Func<byte[], byte[]>? fingerprint, out QuantizedFileContent? content)
    {
        content = null;
        try
        {
            content = Decode(file, fingerprint);
            return null;
        }
        catch (FileProblem problem)
        {
            return problem.Message;
        }
    }

    /// <summary>A problem with the file: caught by <see cref="TryDecode"/>, never seen outside this class.</summary>
    private sealed class FileProblem : Exception
    {
        public FileProblem(string message) : base(message) { }
    }

    private static QuantizedFileContent Decode(ReadOnlySpan<byte> file, Func<byte[], byte[]>? fingerprint)
    {
        var reader = new Reader(file);
        ReadOnlySpan<byte> magic = reader.Bytes(Math.Min(4, file.Length), "magic");
        if (!magic.SequenceEqual(Magic.AsSpan(0, magic.Length)))
            throw Error(magic.Length == 4 && magic.SequenceEqual(ModelFileDecoder.Magic)
                ? "the file holds a float network (\"NGW1\"), not an int8 quantized one; load it with ModelFile.Load."
                : $"not a NetGen quantized model file: it starts with {Hex(magic)}, expected {Hex(Magic)} (\"NGQ8\").");
        if (file.Length < 4) throw Error($"the file is truncated: it has only {file.Length} bytes.");
        int version = reader.Int32("format version");
        if (version == 1)
            throw Error("the file has quantized model format version 1, whose activations are 8-bit codes; this NetGen reads version 2 (7-bit activation codes): quantize the float network again and save it.");
        if (version != Version && version != OldestVersion)
            throw Error($"the file has quantized model format version {version}; this NetGen reads versions {OldestVersion} and {Version}.");
        byte[] storedFingerprint = reader.Bytes(FingerprintBytes, "topology fingerprint").ToArray();
        int archLength = reader.Int32("architecture length");
        if (archLength <= 0 || archLength > ModelFileDecoder.MaxArchitectureBytes)
            throw Error($"the file declares an architecture string of {archLength} bytes; it must be 1 to {ModelFileDecoder.MaxArchitectureBytes}.");
        byte[] arch = reader.Bytes(archLength, "architecture string").ToArray();
        int count = reader.Int32("layer count");
        // A layer takes at least its header: a count the rest of the file cannot hold is refused before anything is allocated.
        if (count <= 0 || count > (file.Length - reader.Position) / (version == Version ? LayerHeaderBytes : Version2LayerHeaderBytes))
            throw Error($"the file declares {count} layers; it must be at least 1 and at most what its {file.Length - reader.Position} remaining bytes can hold.");
        var layers = new QuantizedFileLayer[count];
        for (int l = 0; l < count; l++) layers[l] = ReadLayer(ref reader, l, version);
        uint storedCrc = unchecked((uint)reader.Int32("checksum"));
        if (reader.Position != file.Length)
            throw Error($"the file has {file.Length - reader.Position} trailing bytes after the checksum.");

        uint crc = Crc32.Compute(file.Slice(0, reader.Position - 4));
        if (crc != storedCrc)
            throw Error($"the checksum does not match (stored 0x{storedCrc:X8}, computed 0x{crc:X8}): the file is corrupt.");
        if (fingerprint is not null && !fingerprint(arch).AsSpan().SequenceEqual(storedFingerprint))
            throw Error("the topology fingerprint does not match the architecture string stored in the file.");
        string architecture;
        try
        {
            architecture = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(arch);
        }
        catch (DecoderFallbackException e)
        {
            throw Error($"the architecture string is not valid: {e.Message}");
        }
        var expected = Expected(architecture, out int inputSize, out string loss);
        if (expected.Count != count)
            throw Error($"the file holds {count} layers but its architecture '{architecture}' has {expected.Count} layers with an int8 form (dropout has none, BatchNorm is folded into the layer before it).");
        if (version == OldestVersion && expected.Exists(e => e.Kind != Dense && e.Kind != Maxout))
            throw Error($"the file has quantized model format version {version}, which holds Dense and Maxout layers only, but its architecture has convolutional layers.");
        for (int l = 0; l < count; l++) Check(layers[l], expected[l], l == count - 1, l);
        for (int l = 1; l < count; l++)
            if (layers[l].InputScale != layers[l - 1].OutputScale || layers[l].InputZeroPoint != layers[l - 1].OutputZeroPoint)
                throw Error($"layer {l + 1}'s input scale and zero point ({layers[l].InputScale}, {layers[l].InputZeroPoint}) are not layer {l}'s output ones ({layers[l - 1].OutputScale}, {layers[l - 1].OutputZeroPoint}).");
        return new QuantizedFileContent(architecture, inputSize, loss, layers);
    }

    /// <summary>A layer as the architecture string gives it, with any BatchNorm after it folded in, and its input's shape.</summary>
    private sealed class ExpectedLayer
    {
        public int Kind;
        public int Activation;
        public double Alpha;
        public int Units, Pieces;
        public int InputChannels, InputHeight, InputWidth, KernelSize, Stride, Padding;

        public int InputSize => InputChannels * InputHeight * InputWidth;

        /// <summary>The length of a weight row (the inputs; one patch of a convolution; the window of a pool).</summary>
        public int RowLength => Kind == Conv2D ? InputChannels * KernelSize * KernelSize : Kind is MaxPool2D or AvgPool2D ? KernelSize * KernelSize : InputSize;

        public bool IsPool => Kind is MaxPool2D or AvgPool2D;
    }

    /// <summary>
    /// The layers of <paramref name="architecture"/> as an int8 network has them (no dropout; BatchNorm folded into the
    /// Dense or Conv2D layer before it), with the words of <c>Topology.Parse</c> for a bad one.
    /// </summary>
    private static List<ExpectedLayer> Expected(string architecture, out int inputSize, out string loss)
    {
        string? problem = ArchitectureText.TryParse(architecture, out ArchitectureInput input, out var parsed, out loss);
        if (problem is null && Array.IndexOf(LossNames, loss) < 0) problem = $"'{architecture}' does not end with ' | <loss>'.";
        if (problem is not null) throw Error($"the architecture string is not valid: {problem}");
        inputSize = (int)input.Size;
        var layers = new List<ExpectedLayer>();
        int channels = input.Channels, height = input.Height, width = input.Width, position = 0;
        foreach (var layer in parsed)
        {
            position++;
            int activation = Array.IndexOf(ActivationNames, layer.Activation);
            if (activation < 0) throw Error($"the architecture string is not valid: '{layer.Activation}' in '{architecture}' is not an activation.");
            double alpha = layer.Alpha ?? (activation == 5 ? 0.01 : activation == 6 ? 1.0 : 0.0);
            var expected = new ExpectedLayer
            {
                Activation = activation, Alpha = alpha, Units = layer.Units, Pieces = 1,
                InputChannels = channels, InputHeight = height, InputWidth = width,
                KernelSize = layer.KernelSize, Stride = layer.Stride, Padding = layer.Padding,
            };
            switch (layer.Kind)
            {
                case ArchitectureLayerKind.Dropout:
                    continue;
                case ArchitectureLayerKind.BatchNorm:
                {
                    ExpectedLayer? previous = layers.Count > 0 ? layers[layers.Count - 1] : null;
                    if (previous is null || (previous.Kind != Dense && previous.Kind != Conv2D) || previous.Activation != 0)
                        throw Error($"the architecture '{architecture}' has a BatchNorm (layer {position}) that int8 networks cannot fold: it must follow a Dense or Conv2D layer without an activation.");
                    previous.Activation = activation;
                    previous.Alpha = alpha;
                    continue;
                }
                case ArchitectureLayerKind.Dense:
                case ArchitectureLayerKind.Maxout:
                    expected.Kind = layer.Kind == ArchitectureLayerKind.Dense ? Dense : Maxout;
                    expected.Pieces = layer.Kind == ArchitectureLayerKind.Dense ? 1 : layer.Pieces;
                    if (expected.Kind == Maxout) (expected.Activation, expected.Alpha) = (0, 0);
                    expected.InputChannels = channels * height * width;
                    expected.InputHeight = expected.InputWidth = 1;
                    expected.KernelSize = expected.Stride = expected.Padding = 0;
                    (channels, height, width) = (layer.Units, 1, 1);
                    break;
                default:
                {
                    bool conv = layer.Kind == ArchitectureLayerKind.Conv2D;
                    int padding = conv ? layer.Padding : 0, k = layer.KernelSize;
                    if (k <= 0 || layer.Stride <= 0 || padding < 0 || k > height + 2 * padding || k > width + 2 * padding)
                        throw Error($"the architecture string is not valid: layer {position} ({layer.Kind}) cannot run on its {channels}×{height}×{width} input.");
                    expected.Kind = conv ? Conv2D : layer.Kind == ArchitectureLayerKind.MaxPool2D ? MaxPool2D : AvgPool2D;
                    expected.Units = conv ? layer.Units : channels;
                    (channels, height, width) = (expected.Units, (height + 2 * padding - k) / layer.Stride + 1, (width + 2 * padding - k) / layer.Stride + 1);
                    break;
                }
            }
            layers.Add(expected);
        }
        if (layers.Count > 0 && layers[layers.Count - 1].Kind != Dense && layers[layers.Count - 1].Kind != Maxout)
            throw Error($"the architecture '{architecture}' ends with a {KindNames[layers[layers.Count - 1].Kind]} layer; int8 networks end with a Dense or Maxout layer.");
        return layers;
    }

    private static QuantizedFileLayer ReadLayer(ref Reader reader, int l, int version)
    {
        string at = $"layer {l + 1}";
        var r = new QuantizedFileLayer
        {
            Kind = reader.Int32($"{at} kind"),
            Activation = reader.Int32($"{at} activation"),
            Alpha = reader.Single($"{at} alpha"),
            Units = reader.Int32($"{at} units"),
            Pieces = reader.Int32($"{at} pieces"),
            Inputs = reader.Int32($"{at} inputs"),
            InputScale = reader.Single($"{at} input scale"),
            InputZeroPoint = reader.Int32($"{at} input zero point"),
            Requantization = reader.Int32($"{at} requantization"),
            OutputScale = reader.Single($"{at} output scale"),
            OutputZeroPoint = reader.Int32($"{at} output zero point"),
            TableScale = reader.Single($"{at} table scale"),
            TableZeroPoint = reader.Int32($"{at} table zero point"),
        };
        int tableLength = reader.Int32($"{at} table length");
        if (version == Version)
        {
            r.InputChannels = reader.Int32($"{at} input channels");
            r.InputHeight = reader.Int32($"{at} input height");
            r.InputWidth = reader.Int32($"{at} input width");
            r.KernelSize = reader.Int32($"{at} kernel size");
            r.Stride = reader.Int32($"{at} stride");
            r.Padding = reader.Int32($"{at} padding");
        }
        else
        {
            (r.InputChannels, r.InputHeight, r.InputWidth) = (r.Inputs, 1, 1);
        }
        if (r.Units <= 0 || r.Pieces <= 0 || r.Inputs <= 0 || (long)r.Units * r.Pieces > int.MaxValue)
            throw Error($"{at} declares {r.Units} units of {r.Pieces} pieces over {r.Inputs} inputs; each must be at least 1.");
        if (tableLength != 0 && tableLength != 256) throw Error($"{at} declares a table of {tableLength} entries; it must have 0 or 256.");
        if (r.Kind < 0 || r.Kind >= KindNames.Length || r.Kind == 2)
            throw Error($"{at} declares kind {r.Kind}; int8 layers are Dense (0), Maxout (1), Conv2D (3), MaxPool2D (4) and AvgPool2D (5).");
        int channels = r.Channels;
        bool multipliers = r.Requantization != Float && channels > 0;
        r.WeightScales = Floats(reader.Bytes(channels, 4, $"{at} weight scales"));
        r.Biases = Ints(reader.Bytes(channels, 4, $"{at} biases"));
        if (multipliers) r.Multipliers = Ints(reader.Bytes(channels, 16, $"{at} multipliers"));
        r.Table = reader.Bytes(tableLength, $"{at} table").ToArray();
        long weightCount = (long)channels * r.Inputs;
        if (weightCount > int.MaxValue) throw Error($"{at} declares {weightCount} weights, more than a file can hold.");
        r.Weights = MemoryMarshal.Cast<byte, sbyte>(reader.Bytes((int)weightCount, 1, $"{at} weights")).ToArray();
        return r;
    }

    /// <summary>Checks that every field of <paramref name="r"/> agrees with the architecture and lies in its range.</summary>
    private static void Check(QuantizedFileLayer r, ExpectedLayer expected, bool last, int l)
    {
        string at = $"layer {l + 1}";
        void Require(bool condition, string problem)
        {
            if (!condition) throw Error($"{at}: {problem}");
        }
        string kindName = KindNames[expected.Kind], activationName = ActivationNames[expected.Activation];
        int width = expected.RowLength;
        Require(r.Kind == expected.Kind && r.Units == expected.Units && r.Pieces == expected.Pieces && r.Inputs == width
                && r.Activation == expected.Activation && r.Alpha == (float)expected.Alpha,
            $"the file describes kind {r.Kind}, activation {r.Activation} (alpha {r.Alpha}), {r.Units} units of {r.Pieces} pieces over {r.Inputs} inputs, "
            + $"but the architecture says {kindName} {activationName} (alpha {(float)expected.Alpha}), {expected.Units} units of {expected.Pieces} pieces over {width} inputs.");
        Require(r.InputChannels == expected.InputChannels && r.InputHeight == expected.InputHeight && r.InputWidth == expected.InputWidth
                && r.KernelSize == expected.KernelSize && r.Stride == expected.Stride && r.Padding == expected.Padding,
            $"the file describes an input of {r.InputChannels}×{r.InputHeight}×{r.InputWidth} with kernel {r.KernelSize}, stride {r.Stride} and padding {r.Padding}, "
            + $"but the architecture says {expected.InputChannels}×{expected.InputHeight}×{expected.InputWidth} with kernel {expected.KernelSize}, stride {expected.Stride} and padding {expected.Padding}.");
        Require(width <= MaxInputs, $"{width} inputs; int8 layers take at most {MaxInputs}.");
        Require(Positive(r.InputScale) && r.InputZeroPoint is >= 0 and <= MaxCode,
            $"input scale {r.InputScale} and zero point {r.InputZeroPoint}; the scale must be positive and finite, the zero point 0 to {MaxCode}.");
        if (expected.IsPool)
        {
            Require(r.Requantization == Linear && r.OutputScale == r.InputScale && r.OutputZeroPoint == r.InputZeroPoint
                    && r.TableScale == 0 && r.TableZeroPoint == 0 && r.Table.Length == 0,
                $"requantization {r.Requantization}, output scale {r.OutputScale} and zero point {r.OutputZeroPoint}, table of {r.Table.Length}; "
                + $"a pooling layer keeps its input's scale and zero point with requantization Linear ({Linear}) and no table.");
            return;
        }
        bool table = expected.Kind != Maxout && expected.Activation is 1 or 2 or 3 or 6; // Step, Sigmoid, Tanh, ELU
        int mode = last ? Float : table ? Table : Linear;
        Require(r.Requantization == mode, $"requantization {r.Requantization}; a {(last ? "last" : "hidden")} {activationName} layer uses {RequantizationNames[mode]} ({mode}).");
        Require(last ? r.OutputScale == 0 && r.OutputZeroPoint == 0 : Positive(r.OutputScale) && r.OutputZeroPoint is >= 0 and <= MaxCode,
            $"output scale {r.OutputScale} and zero point {r.OutputZeroPoint} are out of range for a {(last ? "last" : "hidden")} layer.");
        Require(mode == Table
                ? Positive(r.TableScale) && r.TableZeroPoint is >= 0 and <= 255 && r.Table.Length == 256
                : r.TableScale == 0 && r.TableZeroPoint == 0 && r.Table.Length == 0,
            $"table scale {r.TableScale}, zero point {r.TableZeroPoint} and {r.Table.Length} entries do not fit requantization {RequantizationNames[mode]}.");
        int code = Array.FindIndex(r.Table, c => c > MaxCode);
        Require(code < 0, $"table entry {code} is {(code < 0 ? 0 : r.Table[code])}; activation codes are 0 to {MaxCode}.");
        for (int j = 0; j < r.WeightScales.Length; j++)
        {
            Require(Positive(r.WeightScales[j]), $"channel {j} has weight scale {r.WeightScales[j]}; it must be positive and finite.");
            Require(Math.Abs((long)r.Biases[j]) <= MaxBias, $"channel {j} has bias {r.Biases[j]}, beyond ±2^30.");
        }
        for (int j = 0; j < r.Multipliers.Length / 4; j++)
        {
            int pm = r.Multipliers[4 * j], ps = r.Multipliers[4 * j + 1], nm = r.Multipliers[4 * j + 2], ns = r.Multipliers[4 * j + 3];
            Require(ValidMultiplier(pm, ps) && ValidMultiplier(nm, ns),
                $"channel {j} has multipliers {Multiplier(pm, ps)} and {Multiplier(nm, ns)}; shifts must be 1 to {MaxShift}.");
        }
        int bad = Array.FindIndex(r.Weights, w => w < -MaxWeight || w > MaxWeight);
        Require(bad < 0, $"weight {bad} is {(bad < 0 ? 0 : r.Weights[bad])}; weight codes are −{MaxWeight} to {MaxWeight}.");
    }

    private static bool ValidMultiplier(int multiplier, int shift) => shift >= 1 && shift <= MaxShift && multiplier != int.MinValue;

    /// <summary>As <c>FixedPointMultiplier.ToString()</c> writes it.</summary>
    private static string Multiplier(int multiplier, int shift) =>
        $"FixedPointMultiplier {{ Multiplier = {multiplier}, Shift = {shift}, Value = {multiplier * Math.Pow(2, -shift)} }}";

    private static bool Positive(float value) => !float.IsNaN(value) && !float.IsInfinity(value) && value > 0;

    private static float[] Floats(ReadOnlySpan<byte> bytes)
    {
        var values = new float[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = ToSingle(ReadInt32(bytes, 4 * i));
        return values;
    }

    private static int[] Ints(ReadOnlySpan<byte> bytes)
    {
        var values = new int[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = ReadInt32(bytes, 4 * i);
        return values;
    }

    /// <summary>A little-endian int32, whatever the byte order of the machine.</summary>
    private static int ReadInt32(ReadOnlySpan<byte> bytes, int offset) =>
        bytes[offset] | bytes[offset + 1] << 8 | bytes[offset + 2] << 16 | bytes[offset + 3] << 24;

    [StructLayout(LayoutKind.Explicit)]
    private struct Bits
    {
        [FieldOffset(0)] public int Int;
        [FieldOffset(0)] public float Float;
    }

    private static float ToSingle(int bits) => new Bits { Int = bits }.Float;

    private static string Hex(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(2 * bytes.Length);
        foreach (byte b in bytes) sb.Append(b.ToString("X2", CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    private static FileProblem Error(string problem) => new(problem);

    /// <summary>Sequential little-endian reads that report a truncated file, naming the field, instead of running past the end.</summary>
    private ref struct Reader
    {
        private readonly ReadOnlySpan<byte> _file;

        public Reader(ReadOnlySpan<byte> file)
        {
            _file = file;
            Position = 0;
        }

        public int Position { get; private set; }

        public ReadOnlySpan<byte> Bytes(int length, string field)
        {
            if (_file.Length - Position < length)
                throw Error($"the file is truncated: it ends after {_file.Length} bytes, inside the {field} ({length} bytes at offset {Position}).");
            ReadOnlySpan<byte> bytes = _file.Slice(Position, length);
            Position += length;
            return bytes;
        }

        /// <summary>A declared number of fixed-size elements, checked against the bytes left before it is trusted.</summary>
        public ReadOnlySpan<byte> Bytes(int count, int elementSize, string field)
        {
            long length = (long)count * elementSize;
            if (count < 0 || length > _file.Length - Position)
                throw Error(count < 0
                    ? $"the file declares {count} {field}, a negative count."
                    : $"the file is truncated or corrupt: it declares {count} {field} ({length} bytes) but only {_file.Length - Position} bytes follow offset {Position}.");
            return Bytes((int)length, field);
        }

        public int Int32(string field) => ReadInt32(Bytes(4, field), 0);

        public float Single(string field) => ToSingle(Int32(field));
    }
}

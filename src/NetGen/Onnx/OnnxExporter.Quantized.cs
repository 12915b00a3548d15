using System.Runtime.InteropServices;
using NetGen.Quantization;
using NetGen.Reference;

namespace NetGen.Onnx;

public static partial class OnnxExporter
{
    private const int Uint8Type = 2, Int8Type = 3, Int32Type = 6;

    /// <summary>Writes the int8 network to <paramref name="path"/> as a QDQ model (see <see cref="Export(QuantizedNetwork)"/>).</summary>
    public static void Export(QuantizedNetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllBytes(path, Export(network));
    }

    /// <summary>Writes the int8 network to <paramref name="stream"/> as a QDQ model.</summary>
    public static void Export(QuantizedNetwork network, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(Export(network));
    }

    /// <summary>
    /// An int8 network as a standard quantized ONNX model (opset 13) with the same input and output as the float export
    /// (a convolutional network's flat input is reshaped to [N, C, H, W] first):
    /// <c>QuantizeLinear</c> of the input to uint8 and <c>Clip</c> to NetGen's 7-bit codes (0 to 127); per layer <c>MatMulInteger</c> (uint8 codes with the input zero point
    /// × the int8 weights, transposed to [inputs × channels]) plus the int32 biases, which is exactly NetGen's
    /// accumulator; then <c>Cast</c> and <c>Mul</c> by the per-channel scales (input scale × weight scale) back to
    /// float, the activation, and <c>QuantizeLinear</c> and <c>Clip</c> to the next layer's 7-bit codes. Table activations (Step,
    /// Sigmoid, Tanh, ELU) first go through <c>QuantizeLinear</c>/<c>DequantizeLinear</c> with the pre-activation scale,
    /// as the table's index does; the last layer's activation (softmax included) runs in float. A convolution is
    /// <c>Pad</c> with the input zero point (the real 0) and <c>ConvInteger</c> (weights [F, C, k, k]) plus the biases, then
    /// the same steps per channel; max pooling is <c>MaxPool</c> on the uint8 codes, average pooling the mean of the codes
    /// rounded halves upward (see <see cref="EmitQuantizedPool"/>), and <c>Flatten</c> leads into the first Dense layer.
    /// </summary>
    /// <remarks>
    /// ONNX Runtime rounds the requantization in float (<c>round(z / scale)</c>, ties to even) where NetGen uses its
    /// fixed-point multiplier (ties upward), and evaluates the activations in float rather than double, so a hidden code
    /// can differ by one step where a value falls within rounding of a boundary between two codes.
    /// </remarks>
    public static byte[] Export(QuantizedNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX export needs a little-endian CPU.");
        var graph = new ProtoWriter();
        graph.String(2, "netgen-int8");
        graph.Message(11, ValueInfo("input", network.InputSize));
        string input = "input";
        if (network.Layers[0].IsSpatial)
        {
            SampleShape shape = network.Layers[0].InputShape;
            graph.Message(5, Raw("image_shape", Int64Type, [4], MemoryMarshal.AsBytes<long>([-1, shape.Channels, shape.Height, shape.Width])));
            graph.Message(1, Node("Reshape", ["input", "image_shape"], "image", "input_reshape"));
            input = "image";
        }
        string x = Quantize(graph, input, "q0", "input", network.InputScale, network.InputZeroPoint);
        for (int l = 0; l < network.Layers.Count; l++)
        {
            QuantizedLayer layer = network.Layers[l];
            if (layer.Kind is ReferenceLayerKind.MaxPool2D or ReferenceLayerKind.AvgPool2D)
            {
                x = EmitQuantizedPool(graph, l, x, layer);
                continue;
            }
            if (l > 0 && network.Layers[l - 1].IsSpatial && !layer.IsSpatial) x = Flatten(graph, x, $"flat{l}", $"layer{l}_flatten");
            int channels = layer.Channels, inputs = layer.Inputs;
            var scales = new float[channels];
            for (int j = 0; j < channels; j++) scales[j] = (float)((double)layer.InputScale * layer.WeightScales[j]);
            graph.Message(5, Raw($"xzero{l}", Uint8Type, [], [(byte)layer.InputZeroPoint]));
            if (layer.Kind == ReferenceLayerKind.Conv2D)
            {
                // [F, C, k, k] as stored; ConvInteger does not pad, a Pad with the input zero point (the real 0) does.
                int k = layer.KernelSize, p = layer.Padding;
                graph.Message(5, Raw($"W{l}", Int8Type, [layer.Units, layer.InputShape.Channels, k, k], MemoryMarshal.AsBytes(layer.Weights)));
                graph.Message(5, Raw($"bias{l}", Int32Type, [channels, 1, 1], MemoryMarshal.AsBytes(layer.Biases)));
                graph.Message(5, Tensor($"scale{l}", [channels, 1, 1], scales));
                string padded = x;
                if (p > 0)
                {
                    graph.Message(5, Raw($"pads{l}", Int64Type, [8], MemoryMarshal.AsBytes<long>([0, 0, p, p, 0, 0, p, p])));
                    graph.Message(1, Node("Pad", [x, $"pads{l}", $"xzero{l}"], $"padded{l}", $"layer{l}_pad", StringAttribute("mode", "constant")));
                    padded = $"padded{l}";
                }
                graph.Message(1, Node("ConvInteger", [padded, $"W{l}", $"xzero{l}"], $"product{l}", $"layer{l}_conv",
                    IntsAttribute("dilations", 1, 1), IntAttribute("group", 1), IntsAttribute("kernel_shape", k, k),
                    IntsAttribute("pads", 0, 0, 0, 0), IntsAttribute("strides", layer.Stride, layer.Stride)));
            }
            else
            {
                var transposed = new sbyte[inputs * channels];
                for (int j = 0; j < channels; j++)
                    for (int i = 0; i < inputs; i++) transposed[i * channels + j] = layer.Weights[j * inputs + i];
                graph.Message(5, Raw($"W{l}", Int8Type, [inputs, channels], MemoryMarshal.AsBytes(transposed.AsSpan())));
                graph.Message(5, Raw($"bias{l}", Int32Type, [channels], MemoryMarshal.AsBytes(layer.Biases)));
                graph.Message(5, Tensor($"scale{l}", [channels], scales));
                graph.Message(1, Node("MatMulInteger", [x, $"W{l}", $"xzero{l}"], $"product{l}", $"layer{l}_matmul"));
            }
            graph.Message(1, Node("Add", [$"product{l}", $"bias{l}"], $"acc{l}", $"layer{l}_bias"));
            graph.Message(1, Node("Cast", [$"acc{l}"], $"accf{l}", $"layer{l}_cast", IntAttribute("to", FloatType)));
            graph.Message(1, Node("Mul", [$"accf{l}", $"scale{l}"], $"z{l}", $"layer{l}_scale"));
            string z = $"z{l}";
            bool last = l == network.Layers.Count - 1;
            if (layer.Kind == ReferenceLayerKind.Maxout)
            {
                z = EmitMaxout(graph, l, z, ReferenceLayer.Maxout(layer.Units, layer.Pieces));
            }
            else
            {
                if (layer.Requantization == Requantization.Table)
                {
                    string codes = Quantize(graph, z, $"p{l}", $"layer{l}_table", layer.TableScale, layer.TableZeroPoint, sevenBit: false);
                    graph.Message(1, Node("DequantizeLinear", [codes, $"layer{l}_table_scale", $"layer{l}_table_zero"], $"pz{l}", $"layer{l}_table_dequantize"));
                    z = $"pz{l}";
                }
                z = EmitActivation(graph, l, z, ReferenceLayer.Dense(layer.Units, layer.Activation, layer.Alpha));
            }
            x = last ? z : Quantize(graph, z, $"q{l + 1}", $"layer{l}_output", layer.OutputScale, layer.OutputZeroPoint);
        }
        graph.Message(1, Node("Identity", [x], "output", "output"));
        graph.Message(12, ValueInfo("output", network.OutputSize));

        var opset = new ProtoWriter();
        opset.String(1, "");
        opset.Varint(2, Opset);
        var model = new ProtoWriter();
        model.Varint(1, 7);
        model.String(2, "NetGen");
        model.String(3, typeof(OnnxExporter).Assembly.GetName().Version?.ToString(3) ?? "0");
        model.String(6, network.Architecture);
        model.Message(7, graph);
        model.Message(8, opset);
        return model.ToArray();
    }

    /// <summary>
    /// QuantizeLinear of <paramref name="input"/> to uint8 with a scalar scale and zero point named after
    /// <paramref name="name"/>; activation codes (<paramref name="sevenBit"/>) are then clipped to 0–127, as NetGen's are.
    /// </summary>
    private static string Quantize(ProtoWriter graph, string input, string output, string name, float scale, int zeroPoint, bool sevenBit = true)
    {
        graph.Message(5, Tensor($"{name}_scale", [], [scale]));
        graph.Message(5, Raw($"{name}_zero", Uint8Type, [], [(byte)zeroPoint]));
        string quantized = sevenBit ? $"{output}_u8" : output;
        graph.Message(1, Node("QuantizeLinear", [input, $"{name}_scale", $"{name}_zero"], quantized, $"{name}_quantize"));
        if (sevenBit)
        {
            graph.Message(5, Raw($"{name}_low", Uint8Type, [], [0]));
            graph.Message(5, Raw($"{name}_high", Uint8Type, [], [(byte)Int8Kernels.MaxCode]));
            graph.Message(1, Node("Clip", [quantized, $"{name}_low", $"{name}_high"], output, $"{name}_clip"));
        }
        return output;
    }

    /// <summary>
    /// MaxPool on the uint8 codes (exact), or the mean of each window's codes as NetGen takes it: AveragePool on the
    /// codes as floats (sums of at most 127·k² and one division, exact or correctly rounded), then floor(mean + 0.5),
    /// which is NetGen's floor((Σ + k²/2) / k²) because a mean of k² integers is within rounding of a half only when it is one.
    /// </summary>
    private static string EmitQuantizedPool(ProtoWriter graph, int l, string x, QuantizedLayer layer)
    {
        int k = layer.KernelSize, s = layer.Stride;
        ProtoWriter[] attributes = [IntAttribute("ceil_mode", 0), IntsAttribute("kernel_shape", k, k), IntsAttribute("pads", 0, 0, 0, 0), IntsAttribute("strides", s, s)];
        if (layer.Kind == ReferenceLayerKind.MaxPool2D)
        {
            graph.Message(1, Node("MaxPool", [x], $"pool{l}", $"layer{l}_maxpool", attributes));
            return $"pool{l}";
        }
        graph.Message(5, Tensor($"half{l}", [], [0.5f]));
        graph.Message(1, Node("Cast", [x], $"codes{l}", $"layer{l}_codes", IntAttribute("to", FloatType)));
        graph.Message(1, Node("AveragePool", [$"codes{l}"], $"mean{l}", $"layer{l}_avgpool", attributes));
        graph.Message(1, Node("Add", [$"mean{l}", $"half{l}"], $"halfup{l}", $"layer{l}_half"));
        graph.Message(1, Node("Floor", [$"halfup{l}"], $"rounded{l}", $"layer{l}_floor"));
        graph.Message(1, Node("Cast", [$"rounded{l}"], $"pool{l}", $"layer{l}_uint8", IntAttribute("to", Uint8Type)));
        return $"pool{l}";
    }

    private static ProtoWriter StringAttribute(string name, string value)
    {
        var attribute = new ProtoWriter();
        attribute.String(1, name);
        attribute.Varint(20, 3); // STRING
        attribute.Bytes(4, System.Text.Encoding.UTF8.GetBytes(value));
        return attribute;
    }

    private static ProtoWriter Raw(string name, int type, int[] dims, ReadOnlySpan<byte> bytes)
    {
        var tensor = new ProtoWriter();
        foreach (int d in dims) tensor.Varint(1, d);
        tensor.Varint(2, type);
        tensor.String(8, name);
        tensor.Bytes(9, bytes);
        return tensor;
    }
}

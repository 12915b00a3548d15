using System.Runtime.InteropServices;
using NetGen.Reference;

namespace NetGen.Onnx;

/// <summary>
/// Writes any NetGen network as a standard ONNX model (opset 13, IR version 7) that ONNX Runtime, PyTorch or any other
/// ONNX consumer can run: input <c>input</c> [N, InputSize], or [N, channels, height, width] for a network declared
/// with <c>[Input(c, h, w)]</c> (what a PyTorch export of the same network takes), output <c>output</c> [N, OutputSize].
/// One Gemm per dense layer (transB = 1: the weights keep NetGen's [units × inputs] layout) followed by its activation
/// node; maxout as Gemm, Reshape to [N, units, pieces] and ReduceMax; a convolution as Conv (weights [F, C, k, k], the
/// parameters' layout) and its activation; MaxPool and AveragePool; BatchNormalization in inference mode with the
/// running statistics, then its activation; a Flatten wherever a dense layer follows an image (and at the end when the
/// last layer keeps one); dropout is left out (it is the identity at inference).
/// </summary>
public static partial class OnnxExporter
{
    /// <summary>The opset the exported graph uses.</summary>
    public const int Opset = 13;

    private const int FloatType = 1, Int64Type = 7;

    /// <summary>Writes the model to <paramref name="path"/>.</summary>
    public static void Export(INetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] model = Export(network);
        File.WriteAllBytes(path, model);
    }

    /// <summary>Writes the model to <paramref name="stream"/>.</summary>
    public static void Export(INetwork network, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(Export(network));
    }

    /// <summary>The model as bytes, with the network's current parameters and running statistics.</summary>
    /// <exception cref="ArgumentException">The parameters or running statistics do not fit the network's architecture.</exception>
    public static byte[] Export(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Export(network.Architecture, network.InputSize, network.OutputSize, network.Parameters, network.RunningStatistics);
    }

    /// <summary>Writes the frozen snapshot to <paramref name="path"/>.</summary>
    public static void Export(FrozenNetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllBytes(path, Export(network));
    }

    /// <summary>Writes the frozen snapshot to <paramref name="stream"/>.</summary>
    public static void Export(FrozenNetwork network, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(Export(network));
    }

    /// <summary>The model as bytes, with the parameters and running statistics the snapshot was frozen with.</summary>
    public static byte[] Export(FrozenNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Export(network.Architecture, network.InputSize, network.OutputSize, network.Parameters, network.RunningStatistics);
    }

    private static byte[] Export(string architecture, int inputSize, int outputSize, ReadOnlySpan<float> parameters, ReadOnlySpan<float> runningStatistics)
    {
        var topology = Topology.Parse(architecture);
        CheckLengths(topology, architecture, parameters.Length, runningStatistics.Length);

        var graph = new ProtoWriter();
        graph.String(2, "netgen");                                   // GraphProto.name
        SampleShape shape = topology.InputShape ?? SampleShape.Flat(inputSize);
        bool image = topology.InputShape is not null;                // the value flowing is [N, C, H, W], not [N, width]
        graph.Message(11, image ? ImageValueInfo("input", shape) : ValueInfo("input", inputSize)); // GraphProto.input
        string x = "input";
        int offset = 0, statistics = 0;
        for (int l = 0; l < topology.Layers.Count; l++)
        {
            var layer = topology.Layers[l];
            SampleShape output = layer.OutputShape(shape);
            switch (layer.Kind)
            {
                case ReferenceLayerKind.Dropout:
                    break;
                case ReferenceLayerKind.Conv2D:
                    x = EmitConv(graph, l, x, layer, shape, parameters, ref offset);
                    break;
                case ReferenceLayerKind.MaxPool2D:
                case ReferenceLayerKind.AvgPool2D:
                    x = EmitPool(graph, l, x, layer);
                    break;
                case ReferenceLayerKind.BatchNorm:
                    x = EmitBatchNorm(graph, l, x, layer, shape, image, parameters, ref offset, runningStatistics, ref statistics);
                    break;
                default:
                {
                    if (image)
                    {
                        x = Flatten(graph, x, $"flat{l}", $"layer{l}_flatten");
                        image = false;
                    }
                    int width = shape.Size, outs = layer.Units * layer.Pieces;
                    string w = $"W{l}", b = $"b{l}", z = $"z{l}";
                    graph.Message(5, Tensor(w, [outs, width], parameters.Slice(offset, outs * width)));
                    graph.Message(5, Tensor(b, [outs], parameters.Slice(offset + outs * width, outs)));
                    offset += outs * width + outs;
                    graph.Message(1, Node("Gemm", [x, w, b], z, $"layer{l}_gemm", IntAttribute("transB", 1)));
                    x = layer.Kind == ReferenceLayerKind.Maxout ? EmitMaxout(graph, l, z, layer) : EmitActivation(graph, l, z, layer);
                    break;
                }
            }
            shape = output;
        }
        if (image)
            Flatten(graph, x, "output", "output");                   // [N, C, H, W] → [N, OutputSize], as the network's outputs
        else
            graph.Message(1, Node("Identity", [x], "output", "output"));
        graph.Message(12, ValueInfo("output", outputSize));         // GraphProto.output

        var opset = new ProtoWriter();
        opset.String(1, "");
        opset.Varint(2, Opset);
        var model = new ProtoWriter();
        model.Varint(1, 7);                                  // ModelProto.ir_version
        model.String(2, "NetGen");                           // producer_name
        model.String(3, typeof(OnnxExporter).Assembly.GetName().Version?.ToString(3) ?? "0");
        model.String(6, architecture);                       // doc_string: the canonical topology
        model.Message(7, graph);
        model.Message(8, opset);
        return model.ToArray();
    }

    /// <summary>The parameters and running statistics must be exactly what the architecture lays out.</summary>
    private static void CheckLengths(Topology topology, string architecture, int parameters, int runningStatistics)
    {
        var (expectedParameters, expectedStatistics) = topology.Counts();
        if (parameters != expectedParameters)
            throw new ArgumentException($"The network has {parameters} parameters, but its architecture '{architecture}' lays out {expectedParameters}.");
        if (runningStatistics != expectedStatistics)
            throw new ArgumentException($"The network has {runningStatistics} running statistics, but its architecture '{architecture}' keeps {expectedStatistics} (a running mean and variance per BatchNorm channel).");
    }

    private static string EmitActivation(ProtoWriter graph, int l, string z, ReferenceLayer layer)
    {
        string a = $"a{l}", name = $"layer{l}_{layer.Activation}";
        switch (layer.Activation)
        {
            case Activation.Identity:
                return z;
            case Activation.Sigmoid:
                graph.Message(1, Node("Sigmoid", [z], a, name));
                return a;
            case Activation.Tanh:
                graph.Message(1, Node("Tanh", [z], a, name));
                return a;
            case Activation.ReLU:
                graph.Message(1, Node("Relu", [z], a, name));
                return a;
            case Activation.LeakyReLU:
                graph.Message(1, Node("LeakyRelu", [z], a, name, FloatAttribute("alpha", (float)layer.Alpha)));
                return a;
            case Activation.ELU:
                graph.Message(1, Node("Elu", [z], a, name, FloatAttribute("alpha", (float)layer.Alpha)));
                return a;
            case Activation.Softmax:
                graph.Message(1, Node("Softmax", [z], a, name, IntAttribute("axis", 1)));
                return a;
            case Activation.Step:
                // step(z) = z ≥ 0 ? 1 : 0, as a comparison with a zero constant cast back to float.
                graph.Message(5, Tensor($"zero{l}", [], [0f]));
                graph.Message(1, Node("GreaterOrEqual", [z, $"zero{l}"], $"{a}_bool", name + "_compare"));
                graph.Message(1, Node("Cast", [$"{a}_bool"], a, name, IntAttribute("to", FloatType)));
                return a;
            default:
                throw new NotSupportedException($"Activation {layer.Activation} has no ONNX export.");
        }
    }

    private static string EmitMaxout(ProtoWriter graph, int l, string z, ReferenceLayer layer)
    {
        string shape = $"shape{l}", pieces = $"pieces{l}", a = $"a{l}";
        var dims = new ProtoWriter();
        dims.String(8, shape);
        dims.Varint(1, 3);
        dims.Varint(2, Int64Type);
        Span<long> values = [-1, layer.Units, layer.Pieces];
        dims.Bytes(9, MemoryMarshal.AsBytes(values)); // little-endian int64, as raw_data requires (x86 and ARM are)
        graph.Message(5, dims);
        graph.Message(1, Node("Reshape", [z, shape], pieces, $"layer{l}_reshape"));
        var axes = new ProtoWriter();
        axes.String(1, "axes");
        axes.Varint(20, 7); // INTS
        axes.Varint(8, 2);
        graph.Message(1, Node("ReduceMax", [pieces], a, $"layer{l}_max", axes, IntAttribute("keepdims", 0)));
        return a;
    }

    private static ProtoWriter ValueInfo(string name, int width)
    {
        var dimN = new ProtoWriter();
        dimN.String(2, "N");                  // Dimension.dim_param: any batch size
        var dimWidth = new ProtoWriter();
        dimWidth.Varint(1, width);            // Dimension.dim_value
        var shape = new ProtoWriter();
        shape.Message(1, dimN);
        shape.Message(1, dimWidth);
        var tensorType = new ProtoWriter();
        tensorType.Varint(1, FloatType);      // TypeProto.Tensor.elem_type
        tensorType.Message(2, shape);
        var type = new ProtoWriter();
        type.Message(1, tensorType);          // TypeProto.tensor_type
        var info = new ProtoWriter();
        info.String(1, name);
        info.Message(2, type);
        return info;
    }

    /// <summary>An image value [N, channels, height, width] with a symbolic batch, as PyTorch exports a model's input.</summary>
    private static ProtoWriter ImageValueInfo(string name, SampleShape shape)
    {
        var dimN = new ProtoWriter();
        dimN.String(2, "N");
        var shapeProto = new ProtoWriter();
        shapeProto.Message(1, dimN);
        foreach (int size in (ReadOnlySpan<int>)[shape.Channels, shape.Height, shape.Width])
        {
            var dim = new ProtoWriter();
            dim.Varint(1, size);
            shapeProto.Message(1, dim);
        }
        var tensorType = new ProtoWriter();
        tensorType.Varint(1, FloatType);
        tensorType.Message(2, shapeProto);
        var type = new ProtoWriter();
        type.Message(1, tensorType);
        var info = new ProtoWriter();
        info.String(1, name);
        info.Message(2, type);
        return info;
    }

    private static ProtoWriter Tensor(string name, int[] dims, ReadOnlySpan<float> values)
    {
        var tensor = new ProtoWriter();
        foreach (int d in dims) tensor.Varint(1, d);          // TensorProto.dims
        tensor.Varint(2, FloatType);                          // data_type
        tensor.String(8, name);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX export needs a little-endian CPU.");
        tensor.Bytes(9, MemoryMarshal.AsBytes(values));       // raw_data, little-endian float32
        return tensor;
    }

    private static ProtoWriter Node(string op, string[] inputs, string output, string name, params ProtoWriter[] attributes)
    {
        var node = new ProtoWriter();
        foreach (string input in inputs) node.String(1, input);
        node.String(2, output);
        node.String(3, name);
        node.String(4, op);
        foreach (var attribute in attributes) node.Message(5, attribute);
        return node;
    }

    private static ProtoWriter IntAttribute(string name, long value)
    {
        var attribute = new ProtoWriter();
        attribute.String(1, name);
        attribute.Varint(20, 2); // INT
        attribute.Varint(3, value);
        return attribute;
    }

    private static ProtoWriter FloatAttribute(string name, float value)
    {
        var attribute = new ProtoWriter();
        attribute.String(1, name);
        attribute.Varint(20, 1); // FLOAT
        attribute.Float(2, value);
        return attribute;
    }

    private static ProtoWriter IntsAttribute(string name, params long[] values)
    {
        var attribute = new ProtoWriter();
        attribute.String(1, name);
        attribute.Varint(20, 7); // INTS
        foreach (long value in values) attribute.Varint(8, value);
        return attribute;
    }
}

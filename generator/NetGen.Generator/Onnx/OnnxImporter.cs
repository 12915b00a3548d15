using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;

namespace NetGen.Generator.Onnx;

/// <summary>
/// Maps the graph of an ONNX feed-forward network onto NetGen layers and parameters, in NetGen's layout: per layer the
/// weights (dense [units × inputs] row-major, convolution [filters × channels × k × k], batch norm γ [C]), then the
/// biases (β [C]), as float32 little-endian bytes; and BatchNorm's running statistics (per layer mean [C] then variance [C]).
/// </summary>
/// <remarks>
/// The graph must be one chain from its single float input, [N, inputs] or an image [N, channels, height, width], to
/// its single output, nodes in topological order. A layer is <c>Gemm</c> (transA = 0, alpha = beta = 1, transB 0 or 1,
/// bias initializer or none) or <c>MatMul</c> with an optional <c>Add</c> of a bias initializer, followed by at most one
/// activation (<c>Relu</c>, <c>Sigmoid</c>, <c>Tanh</c>, <c>LeakyRelu</c>, <c>Elu</c>, <c>Softmax</c> on the last layer),
/// or by <c>Reshape</c> [-1, units, pieces] + <c>ReduceMax</c> over the pieces (the maxout layer NetGen exports). On an
/// image: <c>Conv</c> and <c>BatchNormalization</c> (inference mode) with at most one activation each, <c>MaxPool</c>
/// and <c>AveragePool</c> (OnnxImporter.Images.cs), and <c>Flatten</c> (or a <c>Reshape</c> to [N, C·H·W]) before the
/// first dense layer. <c>Identity</c>, <c>Dropout</c> (the identity at inference) and <c>Flatten</c> of a 2-D value pass
/// values through, and <c>Constant</c> nodes are read as initializers. Dropout leaves no layer behind: the imported
/// network computes what the graph computes at inference.
/// </remarks>
internal static partial class OnnxImporter
{
    /// <summary>The imported topology, parameters and running statistics.</summary>
    public sealed class Network
    {
        public Network(int inputSize, List<LayerSpec> layers, byte[] parameters)
            : this(Shape.Flat(inputSize), false, layers, parameters, Array.Empty<byte>())
        {
        }

        public Network(Shape inputShape, bool imageInput, List<LayerSpec> layers, byte[] parameters, byte[] runningStatistics)
        {
            InputShape = inputShape;
            ImageInput = imageInput;
            Layers = layers;
            Parameters = parameters;
            RunningStatistics = runningStatistics;
        }

        public int InputSize => InputShape.Size;

        /// <summary>The input as channels × height × width (a flat input of n values is n × 1 × 1).</summary>
        public Shape InputShape { get; }

        /// <summary>Whether the graph's input is an image [N, C, H, W].</summary>
        public bool ImageInput { get; }

        public List<LayerSpec> Layers { get; }
        public byte[] Parameters { get; }

        /// <summary>Per BatchNorm layer its running mean [C] then its running variance [C], float32 little-endian; empty without BatchNorm.</summary>
        public byte[] RunningStatistics { get; }
    }

    private const string Supported =
        "NetGen imports chains of Gemm, MatMul (+ Add), Conv, MaxPool, AveragePool, BatchNormalization, Relu, Sigmoid, Tanh, LeakyRelu, Elu, Softmax, Identity, Dropout and Flatten, and the maxout pattern Gemm → Reshape → ReduceMax";

    /// <summary>A layer being assembled from its nodes.</summary>
    private sealed class Pending
    {
        public LayerKind Kind = LayerKind.Dense;
        public int Inputs, Outputs, Pieces = 1;
        public byte[] Weights = Array.Empty<byte>(); // dense [Outputs × Inputs], conv [F × C × k × k], BatchNorm γ; little-endian float32
        public byte[] Bias = Array.Empty<byte>();    // dense [Outputs], conv [F], BatchNorm β
        public byte[] Statistics = Array.Empty<byte>(); // BatchNorm: running mean [C] then running variance [C]
        public ActivationKind? Activation;
        public float Alpha;
        public OnnxNode? Softmax;
        public bool Reshaped, Reduced;
        public Shape? InputShape;                    // image kinds, and a dense layer that reads a flattened image
        public Shape OutputShape;
        public int KernelSize, Stride, Padding;
        public float Momentum, Epsilon;

        /// <summary>Whether an activation node may follow: a dense, convolution or batch-norm layer that has none yet.</summary>
        public bool TakesActivation => Kind is LayerKind.Dense or LayerKind.Conv2D or LayerKind.BatchNorm && Activation is null && !Reduced;
    }

    /// <summary>The value flowing along the chain: its width, and its shape while it is an image [N, C, H, W].</summary>
    private sealed class Flow
    {
        public int Width;     // values per sample; -1 while the graph does not say (a flat input without a shape)
        public Shape Shape;   // channels × height × width while Image; the image a flattened value came from after Flatten
        public bool Image, Flattened;

        public static Flow FlatOf(int width) => new() { Width = width, Shape = Shape.Flat(Math.Max(width, 1)) };

        public void Set(Shape shape, bool image)
        {
            Shape = shape;
            Width = shape.Size;
            Image = image;
            Flattened = false;
        }
    }

    /// <summary>Reads and maps <paramref name="file"/>; throws <see cref="OnnxImportException"/> with the first problem.</summary>
    public static Network Import(byte[] file)
    {
        var model = OnnxModel.Read(file);
        var graph = model.Graph ?? throw Invalid("it has no graph (ModelProto field 7): is it an ONNX model file?");
        if (graph.SparseInitializers > 0) throw Graph($"it has {graph.SparseInitializers} sparse initializer(s), which NetGen does not read");

        var tensors = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        foreach (var tensor in graph.Initializers)
            tensors[tensor.Name] = tensor;

        // Before IR version 4 initializers were also listed as inputs; only the others are fed at run time.
        var inputs = graph.Inputs.Where(i => !tensors.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
            throw Graph($"it has {inputs.Count} inputs{Names(inputs.Select(i => i.Name))}; NetGen imports graphs with exactly one float input [N, inputs]");
        if (graph.Outputs.Count != 1)
            throw Graph($"it has {graph.Outputs.Count} outputs{Names(graph.Outputs.Select(o => o.Name))}; NetGen imports graphs with exactly one output");
        var input = inputs[0];
        var output = graph.Outputs[0];
        var flow = ReadInput(input);
        bool imageInput = flow.Image;
        var inputShape = flow.Shape;

        var layers = new List<Pending>();
        Pending? layer = null;
        string current = input.Name;
        foreach (var node in graph.Nodes)
        {
            if (node.Domain is not ("" or "ai.onnx"))
                throw Unsupported(node, $"it belongs to the operator set '{node.Domain}', not the default ONNX domain; " + Supported);
            if (node.OpType == "Constant")
            {
                var value = node.Attribute("value")?.Tensor;
                if (value is null || node.Outputs.Count == 0)
                    throw Graph($"{node.Describe()} has no 'value' tensor; only tensor constants can be read");
                value.Name = node.Outputs[0];
                tensors[value.Name] = value;
                continue;
            }
            if (node.Outputs.Count == 0 || node.Outputs[0].Length == 0)
                throw Invalid($"{node.Describe()} has no output");
            if (node.OpType == "Identity" && node.Inputs.Count == 1 && node.Inputs[0] != current && tensors.TryGetValue(node.Inputs[0], out var alias))
            {
                tensors[node.Outputs[0]] = alias; // another name for an initializer (PyTorch's export shares equal ones this way)
                continue;
            }

            // The value flowing through the chain must be the node's data input; everything else must be a constant.
            int dataInput = node.OpType == "Add" && node.Inputs.Count == 2 && node.Inputs[1] == current ? 1 : 0;
            if (node.Inputs.Count == 0 || node.Inputs[dataInput] != current)
                throw Graph($"{node.Describe()} takes '{(node.Inputs.Count == 0 ? "" : node.Inputs[dataInput])}' as its input, but the chain's current value is '{current}'; NetGen imports a single chain of layers, without branches or skip connections");
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                if (i == dataInput || node.Inputs[i].Length == 0) continue; // "" marks an omitted optional input
                if (!tensors.ContainsKey(node.Inputs[i]))
                    throw Graph($"{node.Describe()} reads '{node.Inputs[i]}', which is neither the previous node's output nor an initializer; NetGen imports a single chain of layers, without branches or skip connections");
            }
            if (layer is { Reshaped: true, Reduced: false } && node.OpType != "ReduceMax")
                throw Graph($"{node.Describe()} follows a Reshape; only the maxout pattern Gemm → Reshape → ReduceMax is imported");

            switch (node.OpType)
            {
                case "Gemm":
                case "MatMul":
                    if (flow.Image)
                        throw Graph($"{node.Describe()} reads the image [N, {flow.Shape.Channels}, {flow.Shape.Height}, {flow.Shape.Width}]; flatten it first (torch.nn.Flatten exports a Flatten node)");
                    if (layer is not null) layers.Add(layer);
                    layer = node.OpType == "Gemm" ? Gemm(node, tensors, ref flow.Width) : MatMul(node, tensors, ref flow.Width);
                    if (flow.Flattened) layer.InputShape = flow.Shape; // the image it reads, as a dense layer after [Conv2D] records it
                    flow.Set(Shape.Flat(layer.Outputs), false);
                    break;
                case "Conv":
                    if (layer is not null) layers.Add(layer);
                    layer = Conv(node, tensors, flow);
                    flow.Set(layer.OutputShape, true);
                    break;
                case "MaxPool":
                case "AveragePool":
                    if (layer is not null) layers.Add(layer);
                    layer = Pool(node, flow);
                    flow.Set(layer.OutputShape, true);
                    break;
                case "BatchNormalization":
                    if (layer is null)
                        throw Graph($"{node.Describe()} comes before any layer; NetGen's BatchNorm normalizes the output of the layer before it");
                    layers.Add(layer);
                    layer = BatchNorm(node, tensors, flow);
                    break;
                case "Add":
                    AddBias(node, RequireAffine(node, layer), tensors[node.Inputs[1 - dataInput]]);
                    break;
                case var op when ActivationFacets.FromOnnx(op) is not null:
                    SetActivation(node, RequireActivatable(node, layer, layers));
                    break;
                case "Reshape" when flow.Image:
                    FlattenByReshape(node, tensors, flow);
                    break;
                case "Reshape":
                    Reshape(node, RequireAffine(node, layer), tensors);
                    break;
                case "ReduceMax":
                    ReduceMax(node, layer, tensors);
                    flow.Set(Shape.Flat(layer!.Outputs / layer.Pieces), false);
                    break;
                case "Flatten":
                    Flatten(node, flow);
                    break;
                case "Pad":
                    RequireZeroPad(node, tensors);
                    break;
                case "Identity":
                case "Dropout": // the identity at inference; the mask output, if any, must not be used
                    break;
                default:
                    throw Unsupported(node, OpHint(node.OpType));
            }
            current = node.Outputs[0];
        }
        if (layer is not null) layers.Add(layer);

        if (layers.Count == 0) throw Graph("it has no Gemm, MatMul, Conv or pooling node, so there is no layer to import");
        if (layers[layers.Count - 1] is { Reshaped: true, Reduced: false })
            throw Graph("it ends with a Reshape; only the maxout pattern Gemm → Reshape → ReduceMax is imported");
        if (current != output.Name)
            throw Graph($"its output '{output.Name}' is not the value at the end of the chain ('{current}')");
        foreach (var softmax in layers.Take(layers.Count - 1).Select(l => l.Softmax).Where(s => s is not null))
            throw Graph($"{softmax!.Describe()} is not on the last layer; NetGen supports Softmax on the output layer only");
        CheckOutput(output, flow);

        if (!imageInput) inputShape = Shape.Flat(layers[0].Inputs); // a flat input without a declared width takes the first layer's
        return Build(layers, inputShape, imageInput);
    }

    private static Network Build(List<Pending> layers, Shape inputShape, bool imageInput)
    {
        var specs = new List<LayerSpec>();
        var parameters = new List<byte[]>();
        var statistics = new List<byte[]>();
        long offset = 0;
        int statisticsOffset = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            if (offset + l.Weights.Length / 4 + l.Bias.Length / 4 > NetworkGenerator.Parser.MaxParameters)
                throw Graph($"it has more than {NetworkGenerator.Parser.MaxParameters.ToString("N0", CultureInfo.InvariantCulture)} parameters");
            specs.Add(Spec(l, i, (int)offset, statisticsOffset));
            parameters.Add(l.Weights);
            parameters.Add(l.Bias);
            statistics.Add(l.Statistics);
            offset += l.Weights.Length / 4 + l.Bias.Length / 4;
            statisticsOffset += l.Statistics.Length / 4;
        }
        return new Network(inputShape, imageInput, specs, Concatenate(parameters), Concatenate(statistics));
    }

    /// <summary>The layer as the parser would describe the same declaration.</summary>
    private static LayerSpec Spec(Pending l, int index, int offset, int statisticsOffset)
    {
        var activation = l.Activation ?? ActivationKind.Identity;
        switch (l.Kind)
        {
            case LayerKind.Conv2D:
                return new LayerSpec(index, LayerKind.Conv2D, l.InputShape!.Value.Size, l.OutputShape.Size, 0, activation, l.Alpha, 0f, offset)
                {
                    InputShape = l.InputShape.Value, OutputShape = l.OutputShape, KernelSize = l.KernelSize, Stride = l.Stride, Padding = l.Padding,
                };
            case LayerKind.MaxPool2D:
            case LayerKind.AvgPool2D:
                return new LayerSpec(index, l.Kind, l.InputShape!.Value.Size, l.OutputShape.Size, 0, ActivationKind.Identity, 0f, 0f, offset)
                {
                    InputShape = l.InputShape.Value, OutputShape = l.OutputShape, KernelSize = l.KernelSize, Stride = l.Stride,
                };
            case LayerKind.BatchNorm:
                return new LayerSpec(index, LayerKind.BatchNorm, l.OutputShape.Size, l.OutputShape.Size, 0, activation, l.Alpha, 0f, offset)
                {
                    InputShape = l.OutputShape, OutputShape = l.OutputShape, Momentum = l.Momentum, Epsilon = l.Epsilon, StatisticsOffset = statisticsOffset,
                };
            default:
                var spec = l.Reduced
                    ? new LayerSpec(index, LayerKind.Maxout, l.Inputs, l.Outputs / l.Pieces, l.Pieces, ActivationKind.Identity, 0f, 0f, offset)
                    : new LayerSpec(index, LayerKind.Dense, l.Inputs, l.Outputs, 1, activation, l.Alpha, 0f, offset);
                return l.InputShape is { } flattened ? spec with { InputShape = flattened } : spec;
        }
    }

    private static byte[] Concatenate(List<byte[]> blocks)
    {
        var bytes = new byte[blocks.Sum(b => b.Length)];
        int position = 0;
        foreach (var block in blocks)
        {
            Array.Copy(block, 0, bytes, position, block.Length);
            position += block.Length;
        }
        return bytes;
    }

    /// <summary>The graph's input: a float [N, inputs] (its width may be left open) or an image [N, channels, height, width].</summary>
    private static Flow ReadInput(OnnxValueInfo value)
    {
        CheckFloat(value, "input");
        if (!value.HasShape) return Flow.FlatOf(-1);
        if (value.Dims.Count == 2)
            return Flow.FlatOf(CheckWidth(value, "input", value.Dims[1]));
        if (value.Dims.Count != 4)
            throw Graph($"its input '{value.Name}' has {value.Dims.Count} dimensions; NetGen imports a 2-D input [N, inputs] (batch, features) or a 4-D image [N, channels, height, width]");
        long channels = value.Dims[1], height = value.Dims[2], width = value.Dims[3];
        if (channels < 1 || height < 1 || width < 1)
            throw Graph($"its input '{value.Name}' is an image [N, {Dim(channels)}, {Dim(height)}, {Dim(width)}] without fixed channels, height and width; NetGen generates code for one image shape");
        CheckWidth(value, "input", channels * height * width);
        var flow = new Flow();
        flow.Set(new Shape((int)channels, (int)height, (int)width), true);
        return flow;
    }

    /// <summary>The graph's output must be the chain's value: [N, width], or the image [N, C, H, W] a spatial last layer leaves.</summary>
    private static void CheckOutput(OnnxValueInfo value, Flow flow)
    {
        CheckFloat(value, "output");
        if (!value.HasShape) return;
        if (value.Dims.Count == 2)
        {
            long width = value.Dims[1];
            if (width > 0 && width != flow.Width)
                throw Graph($"its output '{value.Name}' is declared with {width} values per sample, but the last layer computes {flow.Width}");
            if (flow.Image && width > 0)
                throw Graph($"its output '{value.Name}' is declared as [N, {width}], but the chain ends with the image [N, {flow.Shape.Channels}, {flow.Shape.Height}, {flow.Shape.Width}]");
            return;
        }
        if (value.Dims.Count == 4 && flow.Image)
        {
            long[] declared = { value.Dims[1], value.Dims[2], value.Dims[3] }, computed = { flow.Shape.Channels, flow.Shape.Height, flow.Shape.Width };
            for (int i = 0; i < 3; i++)
                if (declared[i] > 0 && declared[i] != computed[i])
                    throw Graph($"its output '{value.Name}' is declared as [N, {string.Join(", ", declared.Select(Dim))}], but the last layer computes [N, {string.Join(", ", computed)}]");
            return;
        }
        throw Graph(flow.Image
            ? $"its output '{value.Name}' has {value.Dims.Count} dimensions, but the chain ends with the image [N, {flow.Shape.Channels}, {flow.Shape.Height}, {flow.Shape.Width}]"
            : $"its output '{value.Name}' has {value.Dims.Count} dimensions; NetGen imports a 2-D output [N, outputs] (batch, features)");
    }

    private static void CheckFloat(OnnxValueInfo value, string role)
    {
        if (!value.IsTensor)
            throw Graph($"its {role} '{value.Name}' is not a tensor");
        if (value.ElementType is not (-1 or 0 or OnnxTensor.Float))
            throw Graph($"its {role} '{value.Name}' has element type {OnnxTensor.TypeName(value.ElementType)}; NetGen imports networks with float (FLOAT) {role}s only");
    }

    private static int CheckWidth(OnnxValueInfo value, string role, long width)
    {
        if (width > NetworkGenerator.Parser.MaxSize)
            throw Graph($"its {role} '{value.Name}' has {width} values per sample; NetGen supports at most {NetworkGenerator.Parser.MaxSize}");
        return (int)width;
    }

    /// <summary>A dimension for messages: its value, or ? when the graph leaves it open.</summary>
    private static string Dim(long value) => value > 0 ? value.ToString(CultureInfo.InvariantCulture) : "?";

    private static Pending Gemm(OnnxNode node, Dictionary<string, OnnxTensor> tensors, ref int width)
    {
        if (node.Inputs.Count < 2 || node.Inputs[1].Length == 0) throw Invalid($"{node.Describe()} has no B input");
        long transA = Int(node, "transA", 0), transB = Int(node, "transB", 0);
        float alpha = Float(node, "alpha", 1f), beta = Float(node, "beta", 1f);
        if (transA != 0) throw Graph($"{node.Describe()} has transA = {transA}; only transA = 0 (samples in rows) is supported");
        if (transB is not (0 or 1)) throw Graph($"{node.Describe()} has transB = {transB}; it must be 0 or 1");
        if (alpha != 1f) throw Graph($"{node.Describe()} has alpha = {Number(alpha)}; only alpha = 1 is supported");
        var b = tensors[node.Inputs[1]];
        var (inputs, outputs) = Matrix(node, b, transB == 1, ref width);
        byte[] weights = b.FloatBytes();
        var layer = new Pending
        {
            Inputs = inputs,
            Outputs = outputs,
            Weights = transB == 1 ? weights : Transpose(weights, inputs, outputs),
            Bias = new byte[4 * outputs],
        };
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
        {
            if (beta != 1f) throw Graph($"{node.Describe()} has beta = {Number(beta)}; only beta = 1 is supported");
            layer.Bias = BiasBytes(node, tensors[node.Inputs[2]], outputs);
        }
        return layer;
    }

    private static Pending MatMul(OnnxNode node, Dictionary<string, OnnxTensor> tensors, ref int width)
    {
        if (node.Inputs.Count != 2) throw Invalid($"{node.Describe()} has {node.Inputs.Count} inputs instead of 2");
        var b = tensors[node.Inputs[1]];
        var (inputs, outputs) = Matrix(node, b, transposed: false, ref width);
        return new Pending
        {
            Inputs = inputs,
            Outputs = outputs,
            Weights = Transpose(b.FloatBytes(), inputs, outputs), // [in, out] → NetGen's [out, in]
            Bias = new byte[4 * outputs],
        };
    }

    /// <summary>The shape of a weight matrix: [out, in] when <paramref name="transposed"/>, else [in, out]; in must match the chain.</summary>
    private static (int Inputs, int Outputs) Matrix(OnnxNode node, OnnxTensor b, bool transposed, ref int width)
    {
        if (b.Dims.Count != 2)
            throw Graph($"{node.Describe()} multiplies by '{b.Name}' of shape {b.Shape}; a layer's weights must be a 2-D initializer");
        long inputs = transposed ? b.Dims[1] : b.Dims[0], outputs = transposed ? b.Dims[0] : b.Dims[1];
        if (inputs < 1 || outputs < 1 || inputs > NetworkGenerator.Parser.MaxSize || outputs > NetworkGenerator.Parser.MaxSize)
            throw Graph($"{node.Describe()} has weights '{b.Name}' of shape {b.Shape}; each size must be between 1 and {NetworkGenerator.Parser.MaxSize}");
        if (width > 0 && inputs != width)
            throw Graph($"{node.Describe()} has weights '{b.Name}' of shape {b.Shape} for {inputs} inputs, but its input has {width} values per sample");
        width = (int)outputs;
        return ((int)inputs, (int)outputs);
    }

    /// <summary>A bias initializer of shape [out] or [1, out].</summary>
    private static byte[] BiasBytes(OnnxNode node, OnnxTensor c, int outputs)
    {
        bool fits = (c.Dims.Count == 1 && c.Dims[0] == outputs) || (c.Dims.Count == 2 && c.Dims[0] == 1 && c.Dims[1] == outputs);
        if (!fits) throw Graph($"{node.Describe()} adds '{c.Name}' of shape {c.Shape}; a bias must have shape [{outputs}] or [1, {outputs}]");
        return c.FloatBytes();
    }

    /// <summary>The layer a bias Add or the maxout Reshape belongs to: a Gemm or MatMul without an activation yet.</summary>
    private static Pending RequireAffine(OnnxNode node, Pending? layer)
    {
        if (layer is null)
            throw Graph($"{node.Describe()} comes before any Gemm or MatMul; an activation or bias must follow a layer's Gemm or MatMul");
        if (layer.Kind != LayerKind.Dense)
            throw Graph($"{node.Describe()} follows a {OnnxName(layer.Kind)}; NetGen adds a bias only after a Gemm or MatMul");
        if (layer.Activation is not null || layer.Reduced)
            throw Graph($"{node.Describe()} follows another activation (or a maxout); NetGen layers have one activation each, after their Gemm or MatMul (+ Add)");
        if (layer.Reshaped)
            throw Graph($"{node.Describe()} follows a Reshape; only the maxout pattern Gemm → Reshape → ReduceMax is imported");
        return layer;
    }

    private static void AddBias(OnnxNode node, Pending layer, OnnxTensor bias)
    {
        byte[] add = BiasBytes(node, bias, layer.Outputs);
        for (int j = 0; j < layer.Outputs; j++)
            WriteFloat(layer.Bias, j, ReadFloat(layer.Bias, j) + ReadFloat(add, j));
    }

    private static void SetActivation(OnnxNode node, Pending layer)
    {
        layer.Activation = ActivationFacets.FromOnnx(node.OpType)!.Kind; // the caller passes only activation operators
        switch (layer.Activation)
        {
            case ActivationKind.ReLU or ActivationKind.Sigmoid or ActivationKind.Tanh:
                break;
            case ActivationKind.LeakyReLU:
                layer.Alpha = Float(node, "alpha", ActivationFacets.Of(ActivationKind.LeakyReLU).DefaultAlpha);
                if (!(layer.Alpha >= 0f && layer.Alpha < 1f))
                    throw Graph($"{node.Describe()} has alpha = {Number(layer.Alpha)}; NetGen's LeakyReLU is max(αx, x) and needs 0 ≤ α < 1");
                break;
            case ActivationKind.ELU:
                layer.Alpha = Float(node, "alpha", ActivationFacets.Of(ActivationKind.ELU).DefaultAlpha);
                if (!(layer.Alpha > 0f && !float.IsInfinity(layer.Alpha)))
                    throw Graph($"{node.Describe()} has alpha = {Number(layer.Alpha)}; ELU needs a finite α > 0");
                break;
            default: // Softmax
                if (layer.Kind != LayerKind.Dense)
                    throw Graph($"{node.Describe()} follows a {OnnxName(layer.Kind)}; NetGen supports Softmax on a dense output layer only");
                long axis = Int(node, "axis", -1);
                if (axis is not (1 or -1))
                    throw Graph($"{node.Describe()} has axis = {axis}; on [N, units] values only axis 1 or -1 (over the units) is supported");
                if (layer.Outputs == 1)
                    throw Graph($"{node.Describe()} applies Softmax to a single unit, which always outputs 1");
                layer.Activation = ActivationKind.Softmax;
                layer.Softmax = node;
                break;
        }
    }

    /// <summary>Reshape [N, units·pieces] → [N, units, pieces], the first half of a maxout layer.</summary>
    private static void Reshape(OnnxNode node, Pending layer, Dictionary<string, OnnxTensor> tensors)
    {
        long[] shape = node.Inputs.Count == 2 ? tensors[node.Inputs[1]].Int64Values() : Array.Empty<long>();
        if (shape.Length != 3 || shape[0] is not (-1 or 0) || shape[1] < 1 || shape[2] < 2 || shape[1] * shape[2] != layer.Outputs)
            throw Graph($"{node.Describe()} reshapes to [{string.Join(", ", shape)}]; only the maxout pattern Gemm → Reshape to [-1, units, pieces] (units × pieces = {layer.Outputs}) → ReduceMax is imported");
        if (shape[2] > NetworkGenerator.Parser.MaxPieces)
            throw Graph($"{node.Describe()} makes a maxout layer of {shape[2]} pieces; NetGen supports at most {NetworkGenerator.Parser.MaxPieces}");
        layer.Pieces = (int)shape[2];
        layer.Reshaped = true;
    }

    /// <summary>ReduceMax over the pieces, without keeping the axis: the second half of a maxout layer.</summary>
    private static void ReduceMax(OnnxNode node, Pending? layer, Dictionary<string, OnnxTensor> tensors)
    {
        if (layer is not { Reshaped: true, Reduced: false })
            throw Graph($"{node.Describe()} does not follow a Reshape; only the maxout pattern Gemm → Reshape → ReduceMax is imported");
        var axes = node.Attribute("axes")?.Ints.ToArray()
            ?? (node.Inputs.Count > 1 && node.Inputs[1].Length > 0 ? tensors[node.Inputs[1]].Int64Values() : Array.Empty<long>()); // opset 18: axes input
        long keepDims = Int(node, "keepdims", 1);
        if (axes.Length != 1 || axes[0] is not (2 or -1) || keepDims != 0)
            throw Graph($"{node.Describe()} reduces axes [{string.Join(", ", axes)}] with keepdims = {keepDims}; a maxout layer reduces axis 2 with keepdims = 0");
        layer.Reduced = true;
    }

    /// <summary>An INT attribute, or <paramref name="fallback"/> when the node does not set it.</summary>
    private static long Int(OnnxNode node, string name, long fallback) => node.Attribute(name) switch
    {
        null => fallback,
        { Kind: OnnxAttribute.IntKind or 0 } a => a.I,
        var a => throw Graph($"{node.Describe()} has a '{name}' attribute of kind {a.Kind}; the operator takes an INT"),
    };

    /// <summary>A FLOAT attribute, or <paramref name="fallback"/> when the node does not set it.</summary>
    private static float Float(OnnxNode node, string name, float fallback) => node.Attribute(name) switch
    {
        null => fallback,
        { Kind: OnnxAttribute.FloatKind or 0 } a => a.F,
        var a => throw Graph($"{node.Describe()} has a '{name}' attribute of kind {a.Kind}; the operator takes a FLOAT"),
    };

    private static string OpHint(string op) => op switch
    {
        "ConvTranspose" or "GlobalAveragePool" or "GlobalMaxPool" or "LpPool" or "InstanceNormalization" or "LayerNormalization" =>
            "NetGen's image layers are Conv, MaxPool, AveragePool and BatchNormalization with fixed shapes (no transposed convolution, global pooling or other normalization); " + Supported,
        "Shape" or "Gather" or "Unsqueeze" or "Concat" =>
            "flatten an image with torch.flatten(x, 1) or torch.nn.Flatten, which export a single Flatten node, rather than x.view(x.size(0), -1); " + Supported,
        "LSTM" or "GRU" or "RNN" => "NetGen generates feed-forward networks only (no recurrent layers); " + Supported,
        _ => Supported,
    };

    private static byte[] Transpose(byte[] source, int rows, int columns)
    {
        // source is [rows × columns]; the result is [columns × rows]. Bytes are copied as they are: no rounding.
        var result = new byte[source.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                Array.Copy(source, 4 * (r * columns + c), result, 4 * (c * rows + r), 4);
        return result;
    }

    private static float ReadFloat(byte[] bytes, int index) =>
        ProtoReader.BitsToFloat((uint)(bytes[4 * index] | bytes[4 * index + 1] << 8 | bytes[4 * index + 2] << 16 | bytes[4 * index + 3] << 24));

    private static void WriteFloat(byte[] bytes, int index, float value)
    {
        uint bits = BitConverter.ToUInt32(BitConverter.GetBytes(value), 0);
        for (int b = 0; b < 4; b++) bytes[4 * index + b] = (byte)(bits >> (8 * b));
    }

    private static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Names(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? "" : " (" + string.Join(", ", list.Select(n => "'" + n + "'")) + ")";
    }

    private static OnnxImportException Invalid(string problem) => new(DiagnosticDescriptors.OnnxFileInvalid, problem);

    private static OnnxImportException Graph(string problem) => new(DiagnosticDescriptors.OnnxUnsupportedGraph, problem);

    private static OnnxImportException Unsupported(OnnxNode node, string hint) =>
        new(DiagnosticDescriptors.OnnxUnsupportedOperator, node.OpType, node.DisplayName, hint);
}

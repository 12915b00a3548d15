using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;

namespace NetGen.Generator.Onnx;

/// <summary>
/// Maps the graph of an ONNX feed-forward network onto NetGen layers and parameters, in NetGen's layout: per layer the
/// weights [units × inputs] row-major, then the biases, as float32 little-endian bytes.
/// </summary>
/// <remarks>
/// The graph must be one chain from its single float input [N, inputs] to its single output, nodes in topological
/// order. A layer is <c>Gemm</c> (transA = 0, alpha = beta = 1, transB 0 or 1, bias initializer or none) or
/// <c>MatMul</c> with an optional <c>Add</c> of a bias initializer, followed by at most one activation (<c>Relu</c>,
/// <c>Sigmoid</c>, <c>Tanh</c>, <c>LeakyRelu</c>, <c>Elu</c>, <c>Softmax</c> on the last layer), or by
/// <c>Reshape</c> [-1, units, pieces] + <c>ReduceMax</c> over the pieces (the maxout layer NetGen exports).
/// <c>Identity</c>, <c>Dropout</c> (the identity at inference) and <c>Flatten</c> of the 2-D input pass values through,
/// and <c>Constant</c> nodes are read as initializers. Dropout leaves no layer behind: the imported network computes what
/// the graph computes at inference.
/// </remarks>
internal static class OnnxImporter
{
    /// <summary>The imported topology and parameters.</summary>
    public sealed class Network
    {
        public Network(int inputSize, List<LayerSpec> layers, byte[] parameters)
        {
            InputSize = inputSize;
            Layers = layers;
            Parameters = parameters;
        }

        public int InputSize { get; }
        public List<LayerSpec> Layers { get; }
        public byte[] Parameters { get; }
    }

    private const string Supported =
        "NetGen imports chains of Gemm, MatMul (+ Add), Relu, Sigmoid, Tanh, LeakyRelu, Elu, Softmax, Identity, Dropout and Flatten, and the maxout pattern Gemm → Reshape → ReduceMax";

    /// <summary>A layer being assembled from its nodes.</summary>
    private sealed class Pending
    {
        public int Inputs, Outputs, Pieces = 1;
        public byte[] Weights = Array.Empty<byte>(); // [Outputs × Inputs], little-endian float32
        public byte[] Bias = Array.Empty<byte>();    // [Outputs]
        public ActivationKind? Activation;
        public float Alpha;
        public OnnxNode? Softmax;
        public bool Reshaped, Reduced;
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
        int width = CheckValue(input, "input");
        int outputWidth = CheckValue(output, "output");

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
                    if (layer is not null) layers.Add(layer);
                    layer = node.OpType == "Gemm" ? Gemm(node, tensors, ref width) : MatMul(node, tensors, ref width);
                    break;
                case "Add":
                    AddBias(node, RequireAffine(node, layer), tensors[node.Inputs[1 - dataInput]]);
                    break;
                case var op when ActivationFacets.FromOnnx(op) is not null:
                    SetActivation(node, RequireAffine(node, layer));
                    break;
                case "Reshape":
                    Reshape(node, RequireAffine(node, layer), tensors);
                    break;
                case "ReduceMax":
                    ReduceMax(node, layer, tensors);
                    width = layer!.Outputs / layer.Pieces;
                    break;
                case "Flatten":
                    long axis = Int(node, "axis", 1);
                    if (axis is not (1 or -1))
                        throw Graph($"{node.Describe()} has axis = {axis}; on the 2-D values of a feed-forward chain only axis 1 (no change) is supported");
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

        if (layers.Count == 0) throw Graph("it has no Gemm or MatMul node, so there is no layer to import");
        if (layers[layers.Count - 1] is { Reshaped: true, Reduced: false })
            throw Graph("it ends with a Reshape; only the maxout pattern Gemm → Reshape → ReduceMax is imported");
        if (current != output.Name)
            throw Graph($"its output '{output.Name}' is not the value at the end of the chain ('{current}')");
        foreach (var softmax in layers.Take(layers.Count - 1).Select(l => l.Softmax).Where(s => s is not null))
            throw Graph($"{softmax!.Describe()} is not on the last layer; NetGen supports Softmax on the output layer only");
        int outputs = layers[layers.Count - 1].Outputs / layers[layers.Count - 1].Pieces;
        if (outputWidth > 0 && outputWidth != outputs)
            throw Graph($"its output '{output.Name}' is declared with {outputWidth} values per sample, but the last layer computes {outputs}");

        return Build(layers, layers[0].Inputs);
    }

    private static Network Build(List<Pending> layers, int inputSize)
    {
        var specs = new List<LayerSpec>();
        var parameters = new List<byte[]>();
        long offset = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            if (offset + l.Weights.Length / 4 + l.Bias.Length / 4 > NetworkGenerator.Parser.MaxParameters)
                throw Graph($"it has more than {NetworkGenerator.Parser.MaxParameters.ToString("N0", CultureInfo.InvariantCulture)} parameters");
            specs.Add(l.Reduced
                ? new LayerSpec(i, LayerKind.Maxout, l.Inputs, l.Outputs / l.Pieces, l.Pieces, ActivationKind.Identity, 0f, 0f, (int)offset)
                : new LayerSpec(i, LayerKind.Dense, l.Inputs, l.Outputs, 1, l.Activation ?? ActivationKind.Identity, l.Alpha, 0f, (int)offset));
            parameters.Add(l.Weights);
            parameters.Add(l.Bias);
            offset += l.Weights.Length / 4 + l.Bias.Length / 4;
        }
        var bytes = new byte[4 * offset];
        int position = 0;
        foreach (var block in parameters)
        {
            Array.Copy(block, 0, bytes, position, block.Length);
            position += block.Length;
        }
        return new Network(inputSize, specs, bytes);
    }

    /// <summary>Checks a graph input or output: a float tensor [N, width]; returns the width, or -1 when not given.</summary>
    private static int CheckValue(OnnxValueInfo value, string role)
    {
        if (!value.IsTensor)
            throw Graph($"its {role} '{value.Name}' is not a tensor");
        if (value.ElementType is not (-1 or 0 or OnnxTensor.Float))
            throw Graph($"its {role} '{value.Name}' has element type {OnnxTensor.TypeName(value.ElementType)}; NetGen imports networks with float (FLOAT) {role}s only");
        if (!value.HasShape) return -1;
        if (value.Dims.Count != 2)
            throw Graph($"its {role} '{value.Name}' has {value.Dims.Count} dimensions; NetGen imports a 2-D {role} [N, {role}s] (batch, features)");
        long width = value.Dims[1];
        if (width > NetworkGenerator.Parser.MaxSize)
            throw Graph($"its {role} '{value.Name}' has {width} values per sample; NetGen supports at most {NetworkGenerator.Parser.MaxSize}");
        return (int)width;
    }

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

    private static Pending RequireAffine(OnnxNode node, Pending? layer)
    {
        if (layer is null)
            throw Graph($"{node.Describe()} comes before any Gemm or MatMul; an activation or bias must follow a layer's Gemm or MatMul");
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
        "Conv" or "ConvTranspose" or "MaxPool" or "AveragePool" or "GlobalAveragePool" or "BatchNormalization" =>
            "NetGen generates dense feed-forward networks only (no convolution, pooling or normalization layers); " + Supported,
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

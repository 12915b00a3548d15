using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generator.Model;
using NetGen.Shared;

namespace NetGen.Generator.Onnx;

// The image nodes: Conv, MaxPool, AveragePool, BatchNormalization and the Flatten (or Reshape) into the dense layers,
// read with the attributes PyTorch writes for Conv2d, MaxPool2d, AvgPool2d, BatchNorm2d/1d and Flatten. Every attribute
// a NetGen layer cannot reproduce (dilation, groups, asymmetric or automatic padding, ceil mode, padded pools,
// rectangular kernels, training mode) is an error naming the node and the attribute.
internal static partial class OnnxImporter
{
    /// <summary>Conv [N, C, H, W] → [N, F, H′, W′] with weights [F, C, k, k] and an optional bias [F]: a Conv2D layer.</summary>
    private static Pending Conv(OnnxNode node, Dictionary<string, OnnxTensor> tensors, Flow flow)
    {
        RequireImage(node, flow, "a convolution");
        if (node.Inputs.Count < 2 || node.Inputs[1].Length == 0) throw Invalid($"{node.Describe()} has no W input");
        var w = tensors[node.Inputs[1]];
        if (w.Dims.Count != 4)
            throw Graph($"{node.Describe()} has weights '{w.Name}' of shape {w.Shape}; a 2-D convolution's weights are [filters, channels, kernel height, kernel width]");
        long filters = w.Dims[0], channels = w.Dims[1], kernelHeight = w.Dims[2], kernelWidth = w.Dims[3];
        long group = Int(node, "group", 1);
        if (group != 1)
            throw Graph($"{node.Describe()} has group = {group}; NetGen's Conv2D connects every input channel to every filter (group = 1)");
        RequireOnes(node, "dilations");
        if (kernelHeight != kernelWidth)
            throw Graph($"{node.Describe()} has a {kernelHeight} × {kernelWidth} kernel (weights '{w.Name}' {w.Shape}); NetGen's Conv2D kernels are square");
        if (Ints(node, "kernel_shape") is { } kernelShape && !(kernelShape.Length == 2 && kernelShape[0] == kernelHeight && kernelShape[1] == kernelWidth))
            throw Graph($"{node.Describe()} has kernel_shape = [{string.Join(", ", kernelShape)}], but its weights '{w.Name}' are {w.Shape}");
        if (filters < 1 || filters > NetworkGenerator.Parser.MaxSize || kernelHeight < 1 || kernelHeight > NetworkGenerator.Parser.MaxSize)
            throw Graph($"{node.Describe()} has weights '{w.Name}' of shape {w.Shape}; each size must be between 1 and {NetworkGenerator.Parser.MaxSize}");
        var input = flow.Shape;
        if (channels != input.Channels)
            throw Graph($"{node.Describe()} has weights '{w.Name}' of shape {w.Shape} for {channels} channels, but its input has {input.Channels}");
        int kernel = (int)kernelHeight, stride = Square(node, "strides"), padding = Pads(node, allowed: true);

        long height = input.Height + 2L * padding, width = input.Width + 2L * padding;
        if (kernel > height || kernel > width)
            throw Graph($"{node.Describe()} has a {kernel} × {kernel} kernel, larger than its input of {input.Height} × {input.Width}{(padding > 0 ? $" padded to {height} × {width}" : "")}");
        var output = new Shape((int)filters, (int)((height - kernel) / stride + 1), (int)((width - kernel) / stride + 1));
        CheckSize(node, output);

        var layer = new Pending
        {
            Kind = LayerKind.Conv2D,
            Inputs = input.Size,
            Outputs = output.Size,
            Weights = w.FloatBytes(),
            Bias = new byte[4 * filters],
            InputShape = input,
            OutputShape = output,
            KernelSize = kernel,
            Stride = stride,
            Padding = padding,
        };
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
        {
            var b = tensors[node.Inputs[2]];
            if (b.Dims.Count != 1 || b.Dims[0] != filters)
                throw Graph($"{node.Describe()} adds '{b.Name}' of shape {b.Shape}; a convolution's bias must have shape [{filters}], one value per filter");
            layer.Bias = b.FloatBytes();
        }
        return layer;
    }

    /// <summary>MaxPool or AveragePool over square windows without padding, output sizes rounded down: MaxPool2D or AvgPool2D.</summary>
    private static Pending Pool(OnnxNode node, Flow flow)
    {
        bool max = node.OpType == "MaxPool";
        RequireImage(node, flow, "pooling");
        var kernelShape = Ints(node, "kernel_shape");
        if (kernelShape is null || kernelShape.Length != 2)
            throw Graph($"{node.Describe()} has kernel_shape = [{string.Join(", ", kernelShape ?? Array.Empty<long>())}]; a 2-D pool takes [size, size]");
        if (kernelShape[0] != kernelShape[1])
            throw Graph($"{node.Describe()} has kernel_shape = [{kernelShape[0]}, {kernelShape[1]}]; NetGen's pooling windows are square");
        if (kernelShape[0] < 1 || kernelShape[0] > NetworkGenerator.Parser.MaxSize)
            throw Graph($"{node.Describe()} has kernel_shape = [{kernelShape[0]}, {kernelShape[1]}]; each size must be between 1 and {NetworkGenerator.Parser.MaxSize}");
        Pads(node, allowed: false);
        RequireOnes(node, "dilations");
        long ceilMode = Int(node, "ceil_mode", 0);
        if (ceilMode != 0)
            throw Graph($"{node.Describe()} has ceil_mode = {ceilMode}; NetGen's pools round the output size down (ceil_mode = 0)");
        if (node.Outputs.Count > 1 && node.Outputs[1].Length > 0)
            throw Graph($"{node.Describe()} has a second output '{node.Outputs[1]}' (the indices of the maxima), which NetGen does not compute");
        int size = (int)kernelShape[0], stride = Square(node, "strides");
        var input = flow.Shape;
        if (size > input.Height || size > input.Width)
            throw Graph($"{node.Describe()} has a {size} × {size} window, larger than its input of {input.Height} × {input.Width}");
        var output = new Shape(input.Channels, (input.Height - size) / stride + 1, (input.Width - size) / stride + 1);
        return new Pending
        {
            Kind = max ? LayerKind.MaxPool2D : LayerKind.AvgPool2D,
            Inputs = input.Size,
            Outputs = output.Size,
            InputShape = input,
            OutputShape = output,
            KernelSize = size,
            Stride = stride,
        };
    }

    /// <summary>
    /// BatchNormalization in inference mode: γ, β, running mean and running variance [C], ε and momentum (ONNX weighs
    /// the running value, NetGen the batch: <see cref="OnnxMomentum"/>). Per channel of an image, per feature of a flat value.
    /// </summary>
    private static Pending BatchNorm(OnnxNode node, Dictionary<string, OnnxTensor> tensors, Flow flow)
    {
        if (node.Inputs.Count != 5) throw Invalid($"{node.Describe()} has {node.Inputs.Count} inputs instead of 5 (X, scale, B, input_mean, input_var)");
        long trainingMode = Int(node, "training_mode", 0), spatial = Int(node, "spatial", 1);
        if (trainingMode != 0 || node.Outputs.Skip(1).Any(o => o.Length > 0))
            throw Graph($"{node.Describe()} is in training mode{(trainingMode != 0 ? " (training_mode = 1)" : $" (it outputs the running statistics '{node.Outputs.Skip(1).First(o => o.Length > 0)}')")}; export the model after model.eval()");
        if (spatial != 1)
            throw Graph($"{node.Describe()} has spatial = {spatial}; NetGen's BatchNorm normalizes per channel (spatial = 1)");
        if (flow.Flattened)
            throw Graph($"{node.Describe()} normalizes a flattened image per value; NetGen's BatchNorm normalizes an image per channel: put it before the Flatten");
        float epsilon = Float(node, "epsilon", 1e-5f), onnxMomentum = Float(node, "momentum", 0.9f);
        if (!(epsilon > 0f && !float.IsInfinity(epsilon)))
            throw Graph($"{node.Describe()} has epsilon = {Number(epsilon)}; it must be a finite number greater than 0");
        if (!(onnxMomentum >= 0f && onnxMomentum < 1f))
            throw Graph($"{node.Describe()} has momentum = {Number(onnxMomentum)}; ONNX's momentum weighs the running value and must be at least 0 and less than 1 (NetGen's, 1 − it, must be in (0, 1])");

        var shape = flow.Image ? flow.Shape : Shape.Flat(flow.Width);
        byte[] Vector(int input, string role)
        {
            var tensor = tensors[node.Inputs[input]];
            if (tensor.Dims.Count != 1 || tensor.Dims[0] != shape.Channels)
                throw Graph($"{node.Describe()} has {role} '{tensor.Name}' of shape {tensor.Shape}; it must be [{shape.Channels}], one value per {(flow.Image ? "channel" : "feature")}");
            return tensor.FloatBytes();
        }
        byte[] scale = Vector(1, "scale"), bias = Vector(2, "B"), mean = Vector(3, "input_mean"), variance = Vector(4, "input_var");
        var statistics = new byte[mean.Length + variance.Length];
        Array.Copy(mean, 0, statistics, 0, mean.Length);
        Array.Copy(variance, 0, statistics, mean.Length, variance.Length);
        return new Pending
        {
            Kind = LayerKind.BatchNorm,
            Inputs = shape.Size,
            Outputs = shape.Size,
            Weights = scale,
            Bias = bias,
            Statistics = statistics,
            OutputShape = shape,
            Epsilon = epsilon,
            Momentum = OnnxMomentum.Complement(onnxMomentum),
        };
    }

    /// <summary>Flatten: on an image (axis 1) it feeds the dense layers; on a 2-D value (axis 1 or -1) it changes nothing.</summary>
    private static void Flatten(OnnxNode node, Flow flow)
    {
        long axis = Int(node, "axis", 1);
        if (flow.Image)
        {
            if (axis is not (1 or -3))
                throw Graph($"{node.Describe()} has axis = {axis}; on an image [N, C, H, W] only axis 1 (one row per sample) is supported");
            flow.Image = false;
            flow.Flattened = true;
            return;
        }
        if (axis is not (1 or -1))
            throw Graph($"{node.Describe()} has axis = {axis}; on the 2-D values of a feed-forward chain only axis 1 (no change) is supported");
    }

    /// <summary>Reshape of an image to [-1, C·H·W] or [0, -1] (what x.view(-1, n) exports): the same as Flatten.</summary>
    private static void FlattenByReshape(OnnxNode node, Dictionary<string, OnnxTensor> tensors, Flow flow)
    {
        long[] shape = node.Inputs.Count == 2 ? tensors[node.Inputs[1]].Int64Values() : Array.Empty<long>();
        int size = flow.Shape.Size;
        bool flattens = shape.Length == 2 && ((shape[0] is 0 or -1 && shape[1] == size) || (shape[0] == 0 && shape[1] == -1));
        if (!flattens)
            throw Graph($"{node.Describe()} reshapes the image [N, {flow.Shape.Channels}, {flow.Shape.Height}, {flow.Shape.Width}] to [{string.Join(", ", shape)}]; only a flatten to [-1, {size}] or [0, -1] is imported");
        flow.Image = false;
        flow.Flattened = true;
    }

    /// <summary>A Pad of zero on every side (PyTorch's export of AvgPool2d writes one): it changes nothing. Other pads are refused.</summary>
    private static void RequireZeroPad(OnnxNode node, Dictionary<string, OnnxTensor> tensors)
    {
        long[] pads = node.Inputs.Count > 1 && node.Inputs[1].Length > 0
            ? tensors[node.Inputs[1]].Int64Values()   // opset 11 and later: an input
            : Ints(node, "pads") ?? Array.Empty<long>(); // before: an attribute
        if (pads.Any(p => p != 0))
            throw Graph($"{node.Describe()} pads by [{string.Join(", ", pads)}]; NetGen pads only inside a convolution (Conv's pads), so only a Pad of zeros is imported");
    }

    /// <summary>
    /// The layer an activation node belongs to: a dense, convolution or batch-norm layer without one yet. ReLU and LeakyReLU
    /// after a max-pool move onto the convolution or batch norm before it: they are non-decreasing, so they give the same
    /// values before or after taking the maximum (PyTorch's classic F.relu(F.max_pool2d(conv(x), 2))).
    /// </summary>
    private static Pending RequireActivatable(OnnxNode node, Pending? layer, List<Pending> closed)
    {
        if (layer is null)
            throw Graph($"{node.Describe()} comes before any layer; an activation must follow a Gemm, MatMul, Conv or BatchNormalization");
        if (layer.Reshaped && !layer.Reduced)
            throw Graph($"{node.Describe()} follows a Reshape; only the maxout pattern Gemm → Reshape → ReduceMax is imported");
        if (layer.TakesActivation) return layer;
        if (layer.Kind == LayerKind.MaxPool2D && node.OpType is "Relu" or "LeakyRelu"
            && closed.Count > 0 && closed[closed.Count - 1] is { TakesActivation: true, Kind: LayerKind.Conv2D or LayerKind.BatchNorm } before)
            return before;
        if (layer.Kind is LayerKind.MaxPool2D or LayerKind.AvgPool2D)
            throw Graph($"{node.Describe()} follows a {OnnxName(layer.Kind)}; NetGen's pools have no activation: apply it to the Conv or BatchNormalization before the pool");
        throw Graph($"{node.Describe()} follows another activation (or a maxout); NetGen layers have one activation each, after their Gemm, MatMul (+ Add), Conv or BatchNormalization");
    }

    private static void RequireImage(OnnxNode node, Flow flow, string what)
    {
        if (!flow.Image)
            throw Graph($"{node.Describe()} reads a flat value [N, {(flow.Width > 0 ? flow.Width.ToString(CultureInfo.InvariantCulture) : "?")}]; {what} needs an image [N, channels, height, width]");
    }

    private static void CheckSize(OnnxNode node, Shape output)
    {
        if ((long)output.Channels * output.Height * output.Width > NetworkGenerator.Parser.MaxSize)
            throw Graph($"{node.Describe()} outputs {output} values per sample; NetGen supports at most {NetworkGenerator.Parser.MaxSize}");
    }

    /// <summary>An INTS attribute, or null when the node does not set it.</summary>
    private static long[]? Ints(OnnxNode node, string name) => node.Attribute(name) switch
    {
        null => null,
        { Kind: OnnxAttribute.IntsKind or 0 } a => a.Ints.ToArray(),
        var a => throw Graph($"{node.Describe()} has a '{name}' attribute of kind {a.Kind}; the operator takes INTS"),
    };

    /// <summary>A pair of equal values (strides), 1 when not set.</summary>
    private static int Square(OnnxNode node, string name)
    {
        var values = Ints(node, name);
        if (values is null) return 1;
        if (values.Length != 2 || values[0] != values[1] || values[0] < 1 || values[0] > NetworkGenerator.Parser.MaxSize)
            throw Graph($"{node.Describe()} has {name} = [{string.Join(", ", values)}]; NetGen's image layers take one positive stride for rows and columns");
        return (int)values[0];
    }

    /// <summary>The zeros on every side (pads [top, left, bottom, right], all equal), after checking auto_pad; pools take none.</summary>
    private static int Pads(OnnxNode node, bool allowed)
    {
        string autoPad = node.Attribute("auto_pad")?.S ?? "NOTSET";
        if (autoPad is not ("NOTSET" or "VALID" or ""))
            throw Graph($"{node.Describe()} has auto_pad = {autoPad}; NetGen reads explicit pads only (auto_pad NOTSET, or VALID for none)");
        var pads = Ints(node, "pads");
        if (pads is null || pads.All(p => p == 0)) return 0;
        if (autoPad == "VALID")
            throw Graph($"{node.Describe()} has auto_pad = VALID and pads = [{string.Join(", ", pads)}]; VALID means no padding");
        if (!allowed)
            throw Graph($"{node.Describe()} has pads = [{string.Join(", ", pads)}]; NetGen's pools do not pad their input");
        if (pads.Length != 4 || pads.Any(p => p != pads[0]) || pads[0] < 0 || pads[0] > NetworkGenerator.Parser.MaxSize)
            throw Graph($"{node.Describe()} has pads = [{string.Join(", ", pads)}]; NetGen pads every side of the image by the same amount (PyTorch's padding=int)");
        return (int)pads[0];
    }

    private static void RequireOnes(OnnxNode node, string name)
    {
        var values = Ints(node, name);
        if (values is not null && values.Any(v => v != 1))
            throw Graph($"{node.Describe()} has {name} = [{string.Join(", ", values)}]; NetGen's image layers support {name} of 1 only");
    }

    /// <summary>The ONNX operator a layer kind comes from, for messages.</summary>
    private static string OnnxName(LayerKind kind) => kind switch
    {
        LayerKind.Conv2D => "Conv",
        LayerKind.MaxPool2D => "MaxPool",
        LayerKind.AvgPool2D => "AveragePool",
        LayerKind.BatchNorm => "BatchNormalization",
        _ => "Gemm or MatMul",
    };
}

using NetGen.Reference;
using NetGen.Shared;

namespace NetGen.Onnx;

// The image layers: Conv, MaxPool, AveragePool, BatchNormalization and the Flatten before a dense layer, with the
// attributes PyTorch writes for Conv2d, MaxPool2d, AvgPool2d and BatchNorm2d (so both run the same in ONNX Runtime).
public static partial class OnnxExporter
{
    /// <summary>Conv with the layer's kernel, stride and padding (zeros on every side), weights [F, C, k, k] and biases [F], then the activation.</summary>
    private static string EmitConv(ProtoWriter graph, int l, string x, ReferenceLayer layer, SampleShape input, ReadOnlySpan<float> parameters, ref int offset)
    {
        int filters = layer.Units, channels = input.Channels, k = layer.KernelSize, weights = filters * channels * k * k;
        string w = $"W{l}", b = $"b{l}", z = $"z{l}";
        graph.Message(5, Tensor(w, [filters, channels, k, k], parameters.Slice(offset, weights)));
        graph.Message(5, Tensor(b, [filters], parameters.Slice(offset + weights, filters)));
        offset += weights + filters;
        int p = layer.Padding;
        graph.Message(1, Node("Conv", [x, w, b], z, $"layer{l}_conv",
            IntsAttribute("dilations", 1, 1), IntAttribute("group", 1), IntsAttribute("kernel_shape", k, k),
            IntsAttribute("pads", p, p, p, p), IntsAttribute("strides", layer.Stride, layer.Stride)));
        return EmitSpatialActivation(graph, l, z, layer);
    }

    /// <summary>MaxPool or AveragePool over k × k windows with the layer's stride, no padding, rounding the output size down.</summary>
    private static string EmitPool(ProtoWriter graph, int l, string x, ReferenceLayer layer)
    {
        bool max = layer.Kind == ReferenceLayerKind.MaxPool2D;
        string y = $"pool{l}";
        int k = layer.KernelSize, s = layer.Stride;
        graph.Message(1, Node(max ? "MaxPool" : "AveragePool", [x], y, max ? $"layer{l}_maxpool" : $"layer{l}_avgpool",
            IntAttribute("ceil_mode", 0), IntsAttribute("kernel_shape", k, k), IntsAttribute("pads", 0, 0, 0, 0), IntsAttribute("strides", s, s)));
        return y;
    }

    /// <summary>
    /// BatchNormalization in inference mode: γ and β from the parameters, the running mean and variance from the running
    /// statistics, ε, and the momentum as ONNX counts it (<see cref="OnnxMomentum"/>); then the activation. Over the
    /// channels of an image [N, C, H, W], or the features of a flat [N, C].
    /// </summary>
    private static string EmitBatchNorm(ProtoWriter graph, int l, string x, ReferenceLayer layer, SampleShape input, bool image,
        ReadOnlySpan<float> parameters, ref int offset, ReadOnlySpan<float> runningStatistics, ref int statistics)
    {
        int channels = input.Channels;
        string scale = $"gamma{l}", bias = $"beta{l}", mean = $"mean{l}", variance = $"var{l}", z = $"z{l}";
        graph.Message(5, Tensor(scale, [channels], parameters.Slice(offset, channels)));
        graph.Message(5, Tensor(bias, [channels], parameters.Slice(offset + channels, channels)));
        graph.Message(5, Tensor(mean, [channels], runningStatistics.Slice(statistics, channels)));
        graph.Message(5, Tensor(variance, [channels], runningStatistics.Slice(statistics + channels, channels)));
        offset += 2 * channels;
        statistics += 2 * channels;
        graph.Message(1, Node("BatchNormalization", [x, scale, bias, mean, variance], z, $"layer{l}_batchnorm",
            FloatAttribute("epsilon", (float)layer.Epsilon), FloatAttribute("momentum", OnnxMomentum.Complement((float)layer.Momentum))));
        return image ? EmitSpatialActivation(graph, l, z, layer) : EmitActivation(graph, l, z, layer);
    }

    /// <summary>An activation on [N, C, H, W]: every element-wise one; Softmax has no meaning there (NETGEN039).</summary>
    private static string EmitSpatialActivation(ProtoWriter graph, int l, string z, ReferenceLayer layer) =>
        layer.Activation == Activation.Softmax
            ? throw new NotSupportedException($"Layer {l} is a {layer.Kind} with Softmax, which has no ONNX export (nor a generated network).")
            : EmitActivation(graph, l, z, layer);

    /// <summary>Flatten [N, C, H, W] to [N, C·H·W] in C×H×W order, as torch.nn.Flatten and NetGen's dense layers read it.</summary>
    private static string Flatten(ProtoWriter graph, string x, string output, string name)
    {
        graph.Message(1, Node("Flatten", [x], output, name, IntAttribute("axis", 1)));
        return output;
    }
}

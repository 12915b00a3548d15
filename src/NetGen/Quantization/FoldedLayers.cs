using NetGen.Reference;

namespace NetGen.Quantization;

/// <summary>
/// A layer of the network as int8 inference computes it, in double precision: a Dense, Maxout or Conv2D layer with any
/// BatchNorm after it folded in, or a pooling layer. <see cref="Position"/> is the layer's 1-based place in the
/// architecture, for messages.
/// </summary>
internal sealed record FoldedLayer(ReferenceLayerKind Kind, int Position, SampleShape Input, SampleShape Output, int Units, int Pieces,
    Activation Activation, double Alpha, int KernelSize, int Stride, int Padding, double[] Weights, double[] Biases)
{
    /// <summary>The number of weight rows and accumulators (per position for Conv2D); 0 for pooling.</summary>
    public int Channels => Kind is ReferenceLayerKind.MaxPool2D or ReferenceLayerKind.AvgPool2D ? 0 : Units * Pieces;

    /// <summary>The length of a weight row: the inputs, or one patch of a convolution.</summary>
    public int RowLength => Kind == ReferenceLayerKind.Conv2D ? Input.Channels * KernelSize * KernelSize : Input.Size;

    public bool IsPool => Kind is ReferenceLayerKind.MaxPool2D or ReferenceLayerKind.AvgPool2D;
}

/// <summary>
/// Turns a network's topology, parameters and running statistics into the <see cref="FoldedLayer"/>s int8 inference
/// runs: dropout is dropped (the identity at inference) and each BatchNorm layer is folded into the Dense or Conv2D layer
/// before it, which must have no activation of its own (Identity); anything else is refused, naming the layer.
/// </summary>
internal static class FoldedLayers
{
    public static FoldedLayer[] Of(Topology topology, ReadOnlySpan<float> parameters, ReadOnlySpan<float> statistics)
    {
        var layers = new List<FoldedLayer>();
        SampleShape shape = topology.InputShape ?? SampleShape.Flat(topology.InputSize);
        int offset = 0, statisticsOffset = 0;
        for (int l = 0; l < topology.Layers.Count; l++)
        {
            ReferenceLayer layer = topology.Layers[l];
            SampleShape output = layer.OutputShape(shape);
            int count = layer.ParameterCount(shape);
            ReadOnlySpan<float> p = parameters.Slice(offset, count);
            switch (layer.Kind)
            {
                case ReferenceLayerKind.Dropout:
                    break;
                case ReferenceLayerKind.BatchNorm:
                {
                    FoldedLayer? previous = layers.Count > 0 ? layers[^1] : null;
                    if (previous is null || previous.Kind is not (ReferenceLayerKind.Dense or ReferenceLayerKind.Conv2D) || previous.Activation != Activation.Identity)
                    {
                        string before = previous is null ? "nothing" : previous.Kind is ReferenceLayerKind.Dense or ReferenceLayerKind.Conv2D
                            ? $"layer {previous.Position} ({previous.Kind}, {previous.Activation})" : $"layer {previous.Position} ({previous.Kind})";
                        throw new NotSupportedException($"Layer {l + 1} is a BatchNorm after {before}; int8 quantization folds BatchNorm into a Dense or Conv2D layer "
                            + "without an activation of its own (Identity) right before it, and cannot fold it here.");
                    }
                    layers[^1] = Fold(previous, layer, l + 1, p, statistics.Slice(statisticsOffset, 2 * shape.Channels), shape.Channels);
                    break;
                }
                case ReferenceLayerKind.MaxPool2D:
                case ReferenceLayerKind.AvgPool2D:
                    layers.Add(new FoldedLayer(layer.Kind, l + 1, shape, output, shape.Channels, 1, Activation.Identity, 0,
                        layer.KernelSize, layer.Stride, 0, [], []));
                    break;
                default:
                {
                    int channels = layer.Kind == ReferenceLayerKind.Conv2D ? layer.Units : layer.Units * layer.Pieces;
                    var weights = new double[count - channels];
                    var biases = new double[channels];
                    for (int i = 0; i < weights.Length; i++) weights[i] = p[i];
                    for (int j = 0; j < channels; j++) biases[j] = p[weights.Length + j];
                    layers.Add(new FoldedLayer(layer.Kind, l + 1, shape, output, layer.Units, layer.Pieces, layer.Activation, layer.Alpha,
                        layer.KernelSize, layer.Stride, layer.Padding, weights, biases));
                    break;
                }
            }
            offset += count;
            statisticsOffset += layer.RunningStatisticsCount(shape);
            shape = output;
        }
        return layers.ToArray();
    }

    /// <summary>W·g and (b − μ)·g + β per channel, g = γ/√(σ² + ε), with BatchNorm's activation.</summary>
    private static FoldedLayer Fold(FoldedLayer previous, ReferenceLayer norm, int position, ReadOnlySpan<float> p, ReadOnlySpan<float> statistics, int channels)
    {
        int row = previous.RowLength;
        var weights = (double[])previous.Weights.Clone();
        var biases = (double[])previous.Biases.Clone();
        for (int c = 0; c < channels; c++)
        {
            double variance = statistics[channels + c];
            if (!(variance >= 0) || double.IsInfinity(variance))
                throw new ArgumentException($"Layer {position} (BatchNorm) has running variance {variance} in channel {c}; it cannot be folded.");
            double g = p[c] / Math.Sqrt(variance + norm.Epsilon);
            for (int i = 0; i < row; i++) weights[c * row + i] *= g;
            biases[c] = (biases[c] - statistics[c]) * g + p[channels + c];
        }
        return previous with { Activation = norm.Activation, Alpha = norm.Alpha, Weights = weights, Biases = biases };
    }
}

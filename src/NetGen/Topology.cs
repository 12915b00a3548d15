using NetGen.Reference;
using NetGen.Shared;

namespace NetGen;

/// <summary>
/// The structure of a network read back from its canonical <see cref="IInference.Architecture"/> string, e.g.
/// <c>Input(784) -> Dense(128, ReLU) -> Dropout(0.2) -> Dense(10, Softmax) | CrossEntropy</c> or
/// <c>Input(1, 28, 28) -> Conv2D(16, 5, ReLU, stride=1, padding=2) -> MaxPool2D(2, stride=2) -> Dense(10, Softmax) | CrossEntropy</c>.
/// Exporters and the reference network use it, so any <see cref="INetwork"/> can be described without reflection.
/// </summary>
public sealed record Topology(int InputSize, IReadOnlyList<ReferenceLayer> Layers, LossFunction Loss)
{
    /// <summary>The input's channels × height × width when it is declared as an image; null for a flat input.</summary>
    public SampleShape? InputShape { get; init; }

    /// <summary>The parameters and the running statistics the layers lay out, each layer on the shape it receives.</summary>
    internal (long Parameters, long RunningStatistics) Counts()
    {
        SampleShape shape = InputShape ?? SampleShape.Flat(InputSize);
        long parameters = 0, statistics = 0;
        foreach (var layer in Layers)
        {
            parameters += layer.ParameterCount(shape);
            statistics += layer.RunningStatisticsCount(shape);
            shape = layer.OutputShape(shape);
        }
        return (parameters, statistics);
    }

    /// <summary>The network's topology.</summary>
    public static Topology Of(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Parse(network.Architecture);
    }

    /// <summary>Parses a canonical architecture string (its grammar: <see cref="ArchitectureText"/>).</summary>
    /// <exception cref="FormatException">The text is not a canonical architecture string, or a layer cannot run on the shape it receives; the message names the part.</exception>
    public static Topology Parse(string architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        string? problem = ArchitectureText.TryParse(architecture, out ArchitectureInput input, out var parsed, out string lossName);
        if (problem is not null) throw new FormatException(problem);
        if (!Enum.TryParse(lossName, out LossFunction loss) || !Enum.IsDefined(loss) || !IsName(lossName))
            throw new FormatException($"'{architecture}' does not end with ' | <loss>'.");
        if (input.Size is < 1 or > int.MaxValue)
            throw new FormatException($"The input of '{architecture}' has {input.Size} values.");
        var layers = new List<ReferenceLayer>(parsed.Count);
        var shape = new SampleShape(input.Channels, input.Height, input.Width);
        bool image = input.IsImage, afterLayer = false;
        foreach (var layer in parsed)
        {
            if (layer.Kind is ArchitectureLayerKind.Conv2D or ArchitectureLayerKind.MaxPool2D or ArchitectureLayerKind.AvgPool2D && !image)
                throw new FormatException($"Layer {layers.Count} of '{architecture}' is {layer.Kind}, which needs a channels × height × width input, but it receives a flat vector.");
            if (layer.Kind == ArchitectureLayerKind.BatchNorm && !afterLayer)
                throw new FormatException($"Layer {layers.Count} of '{architecture}' is BatchNorm with no layer before it.");
            image &= layer.Kind is not (ArchitectureLayerKind.Dense or ArchitectureLayerKind.Maxout);
            afterLayer |= layer.Kind != ArchitectureLayerKind.Dropout;
            ReferenceLayer reference = layer.Kind switch
            {
                ArchitectureLayerKind.Dense => ReferenceLayer.Dense(layer.Units, ActivationOf(layer, architecture), layer.Alpha),
                ArchitectureLayerKind.Maxout => ReferenceLayer.Maxout(layer.Units, layer.Pieces),
                ArchitectureLayerKind.Conv2D => ReferenceLayer.Conv2D(layer.Units, layer.KernelSize, ActivationOf(layer, architecture), layer.Stride, layer.Padding, layer.Alpha),
                ArchitectureLayerKind.MaxPool2D => ReferenceLayer.MaxPool2D(layer.KernelSize, layer.Stride),
                ArchitectureLayerKind.AvgPool2D => ReferenceLayer.AvgPool2D(layer.KernelSize, layer.Stride),
                ArchitectureLayerKind.BatchNorm => ReferenceLayer.BatchNorm(ActivationOf(layer, architecture), layer.Momentum, layer.Epsilon, layer.Alpha),
                _ => ReferenceLayer.Dropout(shape.Size, layer.Rate),
            };
            try
            {
                shape = reference.OutputShape(shape);
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"Layer {layers.Count} of '{architecture}' cannot run: {e.Message}", e);
            }
            layers.Add(reference);
        }
        return new Topology((int)input.Size, layers, loss) { InputShape = input.IsImage ? new SampleShape(input.Channels, input.Height, input.Width) : null };
    }

    private static Activation ActivationOf(ArchitectureLayer layer, string architecture) =>
        Enum.TryParse(layer.Activation, out Activation activation) && Enum.IsDefined(activation) && IsName(layer.Activation)
            ? activation
            : throw new FormatException($"'{layer.Activation}' in '{architecture}' is not an activation.");

    /// <summary>Enum.TryParse also takes numbers ("4") and case variants; the canonical string has the exact name.</summary>
    private static bool IsName(string text) => text.Length > 0 && char.IsLetter(text[0]);
}

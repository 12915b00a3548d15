using System.Linq;
using NetGen.Generator.Helpers;

namespace NetGen.Generator.Model;

/// <summary>
/// Everything the emitter needs to write one network, as plain data: no symbols, syntax nodes or locations.
/// Immutable with structural equality, or incremental caching breaks.
/// </summary>
/// <param name="Weights">The model file named by <c>[Network(Weights = ...)]</c> to bake in, or null.</param>
internal sealed record NetworkSpec(
    TypeDeclarationSpec Type,
    int InputSize,
    LossKind Loss,
    EquatableArray<LayerSpec> Layers,
    string? Weights = null)
{
    private readonly Shape? _inputShape;

    /// <summary>The input as channels × height × width; a flat input of n values is n × 1 × 1.</summary>
    public Shape InputShape { get => _inputShape ?? Shape.Flat(InputSize); init => _inputShape = value; }

    /// <summary>Whether the input is declared as an image, <c>[Input(channels, height, width)]</c>.</summary>
    public bool ImageInput { get; init; }

    /// <summary>Whether the layers were imported from the ONNX file <see cref="Weights"/> names ([Network(Onnx = ...)]).</summary>
    public bool FromOnnx { get; init; }

    public LayerSpec OutputLayer => Layers[Layers.Count - 1];

    public int OutputSize => OutputLayer.Units;

    public int ParameterCount => Layers.Sum(l => l.ParameterCount);

    public bool HasDropout => Layers.Any(l => l.Kind == LayerKind.Dropout);

    /// <summary>
    /// The length of the network's running statistics: per BatchNorm layer, in declaration order, its running mean [C]
    /// then its running variance [C]; 0 without BatchNorm.
    /// </summary>
    public int RunningStatisticsCount => Layers.Sum(l => l.StatisticsCount);

    public bool HasBatchNorm => Layers.Any(l => l.Kind == LayerKind.BatchNorm);

    /// <summary>The loss is computed from the last layer's logits, fused with its activation.</summary>
    public bool FusedLoss => Loss != LossKind.MeanSquaredError;
}

namespace NetGen.Generator.Model;

/// <summary>
/// One layer of a network, with its position in the flat parameter buffer. Immutable with structural equality,
/// or incremental caching breaks.
/// </summary>
/// <param name="Index">Position among all layers, in declaration order.</param>
/// <param name="Kind">The layer kind.</param>
/// <param name="Inputs">Width of the layer's input (for an image, channels × height × width: <see cref="InputShape"/>).</param>
/// <param name="Units">Width of the layer's output (for an image, channels × height × width: <see cref="OutputShape"/>).</param>
/// <param name="Pieces">Affine pieces per unit (1 for Dense, 0 for the kinds without a dense product).</param>
/// <param name="Activation">Activation of a Dense, Conv2D or BatchNorm layer (Identity otherwise).</param>
/// <param name="Alpha">α of LeakyReLU/ELU (default applied), 0 otherwise.</param>
/// <param name="Rate">Drop probability of a Dropout layer.</param>
/// <param name="WeightOffset">
/// Offset of the layer's parameters in the parameter buffer: the weights of Dense, Maxout and Conv2D, γ of BatchNorm.
/// </param>
internal sealed record LayerSpec(
    int Index,
    LayerKind Kind,
    int Inputs,
    int Units,
    int Pieces,
    ActivationKind Activation,
    float Alpha,
    float Rate,
    int WeightOffset)
{
    private readonly Shape? _inputShape;
    private readonly Shape? _outputShape;

    /// <summary>The input as channels × height × width; a flat input of n values is n × 1 × 1.</summary>
    public Shape InputShape { get => _inputShape ?? Shape.Flat(Inputs); init => _inputShape = value; }

    /// <summary>The output as channels × height × width; a flat output of n values is n × 1 × 1.</summary>
    public Shape OutputShape { get => _outputShape ?? Shape.Flat(Units); init => _outputShape = value; }

    /// <summary>The kernel (Conv2D) or window (MaxPool2D, AvgPool2D) height and width; 0 for the other kinds.</summary>
    public int KernelSize { get; init; }

    /// <summary>The step between two kernel or window positions (Conv2D, MaxPool2D, AvgPool2D); 0 for the other kinds.</summary>
    public int Stride { get; init; }

    /// <summary>Zeros on every side of a Conv2D layer's input; 0 for the other kinds.</summary>
    public int Padding { get; init; }

    /// <summary>The weight of the batch in a BatchNorm layer's running statistics.</summary>
    public float Momentum { get; init; }

    /// <summary>The ε a BatchNorm layer adds to the variance.</summary>
    public float Epsilon { get; init; }

    /// <summary>
    /// Offset of a BatchNorm layer's running mean [C] in the network's running statistics; its running variance [C]
    /// follows at <see cref="RunningVarianceOffset"/>. 0 for the other kinds.
    /// </summary>
    public int StatisticsOffset { get; init; }

    /// <summary>Rows of the weight matrix: units × pieces (0 for the kinds without a dense product).</summary>
    public int AffineOutputs => Units * Pieces;

    /// <summary>
    /// The first parameter block's length: Dense and Maxout weights [units × pieces × inputs], Conv2D weights
    /// [filters × channels × k × k], BatchNorm γ [C]; 0 for the kinds without parameters.
    /// </summary>
    public int WeightCount => Kind switch
    {
        LayerKind.Conv2D => OutputShape.Channels * InputShape.Channels * KernelSize * KernelSize,
        LayerKind.BatchNorm => InputShape.Channels,
        LayerKind.MaxPool2D or LayerKind.AvgPool2D or LayerKind.Dropout => 0,
        _ => AffineOutputs * Inputs,
    };

    /// <summary>Offset of the biases (Dense, Maxout, Conv2D) or of β (BatchNorm): right after the weights.</summary>
    public int BiasOffset => WeightOffset + WeightCount;

    /// <summary>The second parameter block's length: Dense and Maxout [units × pieces], Conv2D [filters], BatchNorm β [C].</summary>
    public int BiasCount => Kind switch
    {
        LayerKind.Conv2D => OutputShape.Channels,
        LayerKind.BatchNorm => InputShape.Channels,
        LayerKind.MaxPool2D or LayerKind.AvgPool2D or LayerKind.Dropout => 0,
        _ => AffineOutputs,
    };

    public int ParameterCount => WeightCount + BiasCount;

    public bool HasParameters => Kind is LayerKind.Dense or LayerKind.Maxout or LayerKind.Conv2D or LayerKind.BatchNorm;

    /// <summary>Whether the layer computes over channels, rows and columns (and so needs an image input).</summary>
    public bool IsSpatial => Kind is LayerKind.Conv2D or LayerKind.MaxPool2D or LayerKind.AvgPool2D;

    /// <summary>Offset of a BatchNorm layer's running variance [C] in the running statistics.</summary>
    public int RunningVarianceOffset => StatisticsOffset + InputShape.Channels;

    /// <summary>The running statistics a layer keeps: a BatchNorm layer's mean [C] and variance [C]; 0 for the other kinds.</summary>
    public int StatisticsCount => Kind == LayerKind.BatchNorm ? 2 * InputShape.Channels : 0;

    /// <summary>This layer's activation and all its facets.</summary>
    public ActivationFacets Facets => ActivationFacets.Of(Activation);

    /// <summary>He initialization for the ReLU family and maxout, Glorot for the rest.</summary>
    public bool UsesHeInitialization => Kind == LayerKind.Maxout || Facets.HeInitialization;
}

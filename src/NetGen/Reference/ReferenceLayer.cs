namespace NetGen.Reference;

/// <summary>The kind of a <see cref="ReferenceLayer"/>.</summary>
public enum ReferenceLayerKind
{
    /// <summary>A fully connected layer with an activation.</summary>
    Dense,
    /// <summary>A maxout layer.</summary>
    Maxout,
    /// <summary>An inverted-dropout layer (identity at inference).</summary>
    Dropout,
    /// <summary>A two-dimensional convolution with an activation.</summary>
    Conv2D,
    /// <summary>Max pooling over square windows.</summary>
    MaxPool2D,
    /// <summary>Average pooling over square windows.</summary>
    AvgPool2D,
    /// <summary>Batch normalization per channel (per feature after a flat layer), with an activation.</summary>
    BatchNorm,
}

/// <summary>
/// One layer of a <see cref="ReferenceNetwork"/>, described the way the attributes describe it.
/// </summary>
/// <param name="Kind">The layer kind.</param>
/// <param name="Units">
/// The output width of Dense, Maxout and Dropout; the filters (output channels) of Conv2D; 0 for MaxPool2D, AvgPool2D
/// and BatchNorm, whose output shape follows from their input (<see cref="OutputShape"/>).
/// </param>
/// <param name="Activation">The activation of Dense, Conv2D and BatchNorm; Identity for the other kinds.</param>
/// <param name="Alpha">α of LeakyReLU and ELU.</param>
/// <param name="Pieces">Pieces per maxout unit (1 for the other kinds).</param>
/// <param name="Rate">The drop probability of Dropout.</param>
public sealed record ReferenceLayer(ReferenceLayerKind Kind, int Units, Activation Activation, double Alpha, int Pieces, double Rate)
{
    /// <summary>The kernel (Conv2D) or window (MaxPool2D, AvgPool2D) height and width; 0 for the other kinds.</summary>
    public int KernelSize { get; init; }

    /// <summary>The step between kernel or window positions (Conv2D, MaxPool2D, AvgPool2D); 0 for the other kinds.</summary>
    public int Stride { get; init; }

    /// <summary>Zeros on every side of a Conv2D layer's input.</summary>
    public int Padding { get; init; }

    /// <summary>The weight of the batch in a BatchNorm layer's running statistics.</summary>
    public double Momentum { get; init; }

    /// <summary>The ε a BatchNorm layer adds to the variance.</summary>
    public double Epsilon { get; init; }

    /// <summary>A dense layer; <paramref name="alpha"/> defaults to 0.01 for LeakyReLU and 1 for ELU.</summary>
    public static ReferenceLayer Dense(int units, Activation activation = Activation.Identity, double? alpha = null) =>
        new(ReferenceLayerKind.Dense, units, activation, DefaultAlpha(activation, alpha), 1, 0);

    /// <summary>A maxout layer of <paramref name="units"/> units with <paramref name="pieces"/> pieces each.</summary>
    public static ReferenceLayer Maxout(int units, int pieces) => new(ReferenceLayerKind.Maxout, units, Activation.Identity, 0, pieces, 0);

    /// <summary>A dropout layer; <paramref name="units"/> is the width it passes through.</summary>
    public static ReferenceLayer Dropout(int units, double rate) => new(ReferenceLayerKind.Dropout, units, Activation.Identity, 0, 1, rate);

    /// <summary>
    /// A convolution of <paramref name="filters"/> square kernels (PyTorch's <c>Conv2d</c>); weights
    /// [filters × channels × k × k] then biases [filters] in the parameters.
    /// </summary>
    public static ReferenceLayer Conv2D(int filters, int kernelSize, Activation activation = Activation.Identity, int stride = 1, int padding = 0, double? alpha = null) =>
        new(ReferenceLayerKind.Conv2D, filters, activation, DefaultAlpha(activation, alpha), 1, 0) { KernelSize = kernelSize, Stride = stride, Padding = padding };

    /// <summary>Max pooling over <paramref name="size"/> × <paramref name="size"/> windows; the stride defaults to the size.</summary>
    public static ReferenceLayer MaxPool2D(int size, int? stride = null) =>
        new(ReferenceLayerKind.MaxPool2D, 0, Activation.Identity, 0, 1, 0) { KernelSize = size, Stride = stride ?? size };

    /// <summary>Average pooling over <paramref name="size"/> × <paramref name="size"/> windows; the stride defaults to the size.</summary>
    public static ReferenceLayer AvgPool2D(int size, int? stride = null) =>
        new(ReferenceLayerKind.AvgPool2D, 0, Activation.Identity, 0, 1, 0) { KernelSize = size, Stride = stride ?? size };

    /// <summary>Batch normalization with PyTorch's defaults; γ [C] then β [C] in the parameters.</summary>
    public static ReferenceLayer BatchNorm(Activation activation = Activation.Identity, double momentum = 0.1, double epsilon = 1e-5, double? alpha = null) =>
        new(ReferenceLayerKind.BatchNorm, 0, activation, DefaultAlpha(activation, alpha), 1, 0) { Momentum = momentum, Epsilon = epsilon };

    /// <summary>Whether the layer computes over rows and columns and so needs a channels × height × width input.</summary>
    public bool IsSpatial => Kind is ReferenceLayerKind.Conv2D or ReferenceLayerKind.MaxPool2D or ReferenceLayerKind.AvgPool2D;

    /// <summary>The number of parameters the layer has for <paramref name="inputs"/> inputs (a flat input).</summary>
    public int ParameterCount(int inputs) => ParameterCount(SampleShape.Flat(inputs));

    /// <summary>The number of parameters the layer has for an input of shape <paramref name="input"/>.</summary>
    public int ParameterCount(SampleShape input) => Kind switch
    {
        ReferenceLayerKind.Dense or ReferenceLayerKind.Maxout => Units * Pieces * (input.Size + 1),
        ReferenceLayerKind.Conv2D => Units * (input.Channels * KernelSize * KernelSize + 1),
        ReferenceLayerKind.BatchNorm => 2 * input.Channels,
        _ => 0,
    };

    /// <summary>The running statistics the layer keeps: a BatchNorm layer's mean [C] then variance [C].</summary>
    public int RunningStatisticsCount(SampleShape input) => Kind == ReferenceLayerKind.BatchNorm ? 2 * input.Channels : 0;

    /// <summary>The shape of the layer's output for an input of shape <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentException">The layer cannot run on that input (a setting out of range, a kernel or window larger than the input).</exception>
    public SampleShape OutputShape(SampleShape input)
    {
        switch (Kind)
        {
            case ReferenceLayerKind.Conv2D:
            {
                Require(Units > 0 && KernelSize > 0 && Stride > 0 && Padding >= 0,
                    $"A Conv2D layer needs positive filters, kernel size and stride and a padding of at least 0, not {Units}, {KernelSize}, {Stride} and {Padding}.");
                int height = input.Height + 2 * Padding, width = input.Width + 2 * Padding;
                Require(KernelSize <= height && KernelSize <= width,
                    $"A {KernelSize} × {KernelSize} kernel is larger than its input of {input.Height} × {input.Width} with padding {Padding}.");
                return new SampleShape(Units, (height - KernelSize) / Stride + 1, (width - KernelSize) / Stride + 1);
            }
            case ReferenceLayerKind.MaxPool2D:
            case ReferenceLayerKind.AvgPool2D:
                Require(KernelSize > 0 && Stride > 0, $"A {Kind} layer needs a positive size and stride, not {KernelSize} and {Stride}.");
                Require(KernelSize <= input.Height && KernelSize <= input.Width,
                    $"A {KernelSize} × {KernelSize} window is larger than its input of {input.Height} × {input.Width}.");
                return new SampleShape(input.Channels, (input.Height - KernelSize) / Stride + 1, (input.Width - KernelSize) / Stride + 1);
            case ReferenceLayerKind.BatchNorm:
                Require(Momentum > 0 && Momentum <= 1, $"A BatchNorm momentum must be in (0, 1], not {Momentum}.");
                Require(Epsilon > 0 && !double.IsInfinity(Epsilon), $"A BatchNorm epsilon must be a finite number greater than 0, not {Epsilon}.");
                return input;
            case ReferenceLayerKind.Dropout:
                Require(Units == input.Size, $"A dropout layer passes {input.Size} values through, not {Units}.");
                return input;
            default:
                Require(Units > 0 && Pieces > 0, $"A {Kind} layer needs positive units and pieces, not {Units} and {Pieces}.");
                return SampleShape.Flat(Units);
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }

    private static double DefaultAlpha(Activation activation, double? alpha) =>
        alpha ?? (activation == Activation.LeakyReLU ? 0.01 : activation == Activation.ELU ? 1.0 : 0.0);
}

using NetGen.Reference;

namespace NetGen.Quantization;

/// <summary>How a quantized layer turns its int32 accumulators into its outputs.</summary>
public enum Requantization
{
    /// <summary>
    /// Identity, ReLU, LeakyReLU and hidden Maxout: the output code is
    /// <c>clamp(OutputZeroPoint + M(a), 0, 127)</c> with M the channel's <see cref="QuantizedLayer.PositiveMultipliers"/>
    /// entry for a ≥ 0 and its <see cref="QuantizedLayer.NegativeMultipliers"/> entry for a &lt; 0 (0 for ReLU, α·M for
    /// LeakyReLU). A Maxout unit's code is the largest of its pieces' codes.
    /// </summary>
    Linear,

    /// <summary>
    /// Step, Sigmoid, Tanh and ELU: the accumulator becomes a pre-activation code
    /// <c>p = clamp(TableZeroPoint + M(a), 0, 255)</c> (M the channel's positive multiplier) and the output code is
    /// <c>Table[p]</c> (0 to 127), the activation evaluated once per code when the network was quantized.
    /// </summary>
    Table,

    /// <summary>
    /// The last layer: each output is <c>f(a · InputScale · WeightScale)</c> evaluated in double precision (a Maxout unit
    /// takes the largest piece first), then rounded to float. Softmax is computed in float instead, by one fixed
    /// sequence of rounded operations that gives the same bits on every CPU: <c>z = (float)a · s</c> with
    /// <c>s = (float)(InputScale · WeightScale)</c>, limited to ±float.MaxValue; an exp of its own on z minus the largest
    /// z; the maximum and the sum over 16 lanes in a fixed order; each output e / Σe (the rule in full is in
    /// docs/model-format.md).
    /// </summary>
    Float,
}

/// <summary>
/// One Dense, Maxout, Conv2D, MaxPool2D or AvgPool2D layer of a <see cref="QuantizedNetwork"/>: int8 weights with one
/// scale per output channel, int32 biases, and the rule from accumulators to the next layer's 7-bit codes (pooling
/// layers have no weights). The numbers here are all the integer pipeline uses, so an independent implementation can
/// reproduce a network's outputs bit for bit from them.
/// </summary>
/// <remarks>
/// <para>A real activation x entering the layer is held as the code <c>q = clamp(round(x / InputScale) + InputZeroPoint, 0, 127)</c>;
/// weight <c>W[j, i] ≈ WeightScales[j] · Weights[j·Inputs + i]</c> with codes in [−64, 64]; bias
/// <c>b[j] ≈ InputScale · WeightScales[j] · Biases[j]</c>. Channel j's accumulator is the exact integer
/// <c>a[j] = Biases[j] + Σ_i Weights[j·Inputs + i] · (q[i] − InputZeroPoint)</c>, so <c>a[j] · InputScale · WeightScales[j]</c>
/// approximates the layer's float pre-activation. Channels are units × pieces, piece-major within a unit as in
/// <see cref="INetwork.Parameters"/>.</para>
/// <para><b>Conv2D</b>: a Dense product per output position over the patch under the kernel. <see cref="Inputs"/> is
/// the patch length, input channels × <see cref="KernelSize"/>², and a weight row is in the float layout
/// [channel][kernel row][kernel column]; positions outside the input (the zero padding) hold the code
/// <see cref="InputZeroPoint"/>, the real 0. A BatchNorm layer after a convolution (or a Dense layer) without an
/// activation of its own is folded into it before quantizing: weights × γ/√(σ² + ε), bias (b − μ)·γ/√(σ² + ε) + β, with
/// the running statistics, and the layer takes BatchNorm's activation.</para>
/// <para><b>MaxPool2D</b> takes the largest code of each window (exact: codes are monotonic in the value).
/// <b>AvgPool2D</b> takes <c>floor((Σ codes + KernelSize²/2) / KernelSize²)</c>, the window's mean code rounded to the
/// nearest, halves upward. Both keep the input's scale and zero point (<see cref="OutputScale"/> = <see cref="InputScale"/>),
/// have no weights, and <see cref="Units"/> is the channel count, <see cref="Inputs"/> the window's KernelSize².</para>
/// </remarks>
public sealed class QuantizedLayer
{
    internal QuantizedLayer(ReferenceLayerKind kind, Activation activation, float alpha, int units, int pieces, int inputs,
        float inputScale, int inputZeroPoint, Requantization requantization, float outputScale, int outputZeroPoint,
        float tableScale, int tableZeroPoint, byte[] table, sbyte[] weights, float[] weightScales, int[] biases,
        FixedPointMultiplier[] positiveMultipliers, FixedPointMultiplier[] negativeMultipliers)
    {
        Kind = kind;
        Activation = activation;
        Alpha = alpha;
        Units = units;
        Pieces = pieces;
        Inputs = inputs;
        InputScale = inputScale;
        InputZeroPoint = inputZeroPoint;
        Requantization = requantization;
        OutputScale = outputScale;
        OutputZeroPoint = outputZeroPoint;
        TableScale = tableScale;
        TableZeroPoint = tableZeroPoint;
        _table = table;
        _weights = weights;
        _weightScales = weightScales;
        _biases = biases;
        _positive = positiveMultipliers;
        _negative = negativeMultipliers;
    }

    /// <summary>A copy of <paramref name="layer"/> (to set the spatial properties on).</summary>
    internal QuantizedLayer(QuantizedLayer layer)
        : this(layer.Kind, layer.Activation, layer.Alpha, layer.Units, layer.Pieces, layer.Inputs, layer.InputScale, layer.InputZeroPoint,
            layer.Requantization, layer.OutputScale, layer.OutputZeroPoint, layer.TableScale, layer.TableZeroPoint, layer._table,
            layer._weights, layer._weightScales, layer._biases, layer._positive, layer._negative)
    {
        _inputShape = layer._inputShape;
        KernelSize = layer.KernelSize;
        Stride = layer.Stride;
        Padding = layer.Padding;
    }

    private readonly byte[] _table;
    private readonly sbyte[] _weights;
    private readonly float[] _weightScales;
    private readonly int[] _biases;
    private readonly FixedPointMultiplier[] _positive, _negative;

    /// <summary>
    /// <see cref="ReferenceLayerKind.Dense"/>, <see cref="ReferenceLayerKind.Maxout"/>, <see cref="ReferenceLayerKind.Conv2D"/>,
    /// <see cref="ReferenceLayerKind.MaxPool2D"/> or <see cref="ReferenceLayerKind.AvgPool2D"/>.
    /// </summary>
    public ReferenceLayerKind Kind { get; }

    /// <summary>The shape of the layer's input (n × 1 × 1 for Dense and Maxout layers).</summary>
    public SampleShape InputShape
    {
        get => _inputShape ?? SampleShape.Flat(Inputs);
        internal init => _inputShape = value;
    }

    private readonly SampleShape? _inputShape;

    /// <summary>The kernel (Conv2D) or window (pooling) height and width; 0 for Dense and Maxout.</summary>
    public int KernelSize { get; internal init; }

    /// <summary>The step between kernel or window positions; 0 for Dense and Maxout.</summary>
    public int Stride { get; internal init; }

    /// <summary>The zero padding on every side of a Conv2D layer's input; 0 otherwise.</summary>
    public int Padding { get; internal init; }

    /// <summary>Whether the layer computes over rows and columns (Conv2D, MaxPool2D, AvgPool2D).</summary>
    public bool IsSpatial => Kind is ReferenceLayerKind.Conv2D or ReferenceLayerKind.MaxPool2D or ReferenceLayerKind.AvgPool2D;

    /// <summary>Whether the layer has weights (every kind but the pooling ones).</summary>
    public bool HasWeights => Kind is not (ReferenceLayerKind.MaxPool2D or ReferenceLayerKind.AvgPool2D);

    /// <summary>The shape of the layer's output.</summary>
    public SampleShape OutputShape
    {
        get
        {
            if (!IsSpatial) return SampleShape.Flat(Units);
            SampleShape input = InputShape;
            int padding = Kind == ReferenceLayerKind.Conv2D ? Padding : 0;
            return new SampleShape(Kind == ReferenceLayerKind.Conv2D ? Units : input.Channels,
                (input.Height + 2 * padding - KernelSize) / Stride + 1, (input.Width + 2 * padding - KernelSize) / Stride + 1);
        }
    }

    /// <summary>The activation of a Dense layer (<see cref="Activation.Identity"/> for Maxout).</summary>
    public Activation Activation { get; }

    /// <summary>α of LeakyReLU and ELU (0 otherwise).</summary>
    public float Alpha { get; }

    /// <summary>The number of outputs of Dense and Maxout; the filters (output channels) of Conv2D; the channels of a pooling layer.</summary>
    public int Units { get; }

    /// <summary>The pieces per unit (1 for Dense).</summary>
    public int Pieces { get; }

    /// <summary>The length of a weight row: the inputs of Dense and Maxout, one patch (input channels × KernelSize²) of Conv2D; the window (KernelSize²) of a pooling layer.</summary>
    public int Inputs { get; }

    /// <summary>Units × pieces: the number of weight rows and accumulators (per position for Conv2D; no weights for pooling).</summary>
    public int Channels => Units * Pieces;

    /// <summary>The scale of the input codes (real value per code step).</summary>
    public float InputScale { get; }

    /// <summary>The input code that stands for 0.</summary>
    public int InputZeroPoint { get; }

    /// <summary>How accumulators become outputs.</summary>
    public Requantization Requantization { get; }

    /// <summary>The scale of the output codes (the next layer's <see cref="InputScale"/>); 0 for the last layer.</summary>
    public float OutputScale { get; }

    /// <summary>The output code that stands for 0; 0 for the last layer.</summary>
    public int OutputZeroPoint { get; }

    /// <summary>The scale of the pre-activation codes that index <see cref="Table"/>; 0 unless <see cref="Requantization.Table"/>.</summary>
    public float TableScale { get; }

    /// <summary>The pre-activation code that stands for 0; 0 unless <see cref="Requantization.Table"/>.</summary>
    public int TableZeroPoint { get; }

    /// <summary>The 256 output codes indexed by pre-activation code (empty unless <see cref="Requantization.Table"/>).</summary>
    public ReadOnlySpan<byte> Table => _table;

    /// <summary>The weight codes as int8, [channels × inputs] row-major, each in [−64, 64].</summary>
    public ReadOnlySpan<sbyte> Weights => _weights;

    /// <summary>The real value of one weight step, per channel.</summary>
    public ReadOnlySpan<float> WeightScales => _weightScales;

    /// <summary>The biases in units of InputScale × WeightScales[j], per channel.</summary>
    public ReadOnlySpan<int> Biases => _biases;

    /// <summary>Per channel, the factor from a non-negative accumulator to output (or pre-activation) codes; empty for the last layer.</summary>
    public ReadOnlySpan<FixedPointMultiplier> PositiveMultipliers => _positive;

    /// <summary>Per channel, the factor from a negative accumulator to output codes (equal to the positive one except for ReLU and LeakyReLU); empty for the last layer.</summary>
    public ReadOnlySpan<FixedPointMultiplier> NegativeMultipliers => _negative;
}

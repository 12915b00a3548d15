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
/// One Dense or Maxout layer of a <see cref="QuantizedNetwork"/>: int8 weights with one scale per output channel, int32
/// biases, and the rule from accumulators to the next layer's 7-bit codes. The numbers here are all the integer
/// pipeline uses, so an independent implementation can reproduce a network's outputs bit for bit from them.
/// </summary>
/// <remarks>
/// A real activation x entering the layer is held as the code <c>q = clamp(round(x / InputScale) + InputZeroPoint, 0, 127)</c>;
/// weight <c>W[j, i] ≈ WeightScales[j] · Weights[j·Inputs + i]</c> with codes in [−64, 64]; bias
/// <c>b[j] ≈ InputScale · WeightScales[j] · Biases[j]</c>. Channel j's accumulator is the exact integer
/// <c>a[j] = Biases[j] + Σ_i Weights[j·Inputs + i] · (q[i] − InputZeroPoint)</c>, so <c>a[j] · InputScale · WeightScales[j]</c>
/// approximates the layer's float pre-activation. Channels are units × pieces, piece-major within a unit as in
/// <see cref="INetwork.Parameters"/>.
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

    private readonly byte[] _table;
    private readonly sbyte[] _weights;
    private readonly float[] _weightScales;
    private readonly int[] _biases;
    private readonly FixedPointMultiplier[] _positive, _negative;

    /// <summary><see cref="ReferenceLayerKind.Dense"/> or <see cref="ReferenceLayerKind.Maxout"/>.</summary>
    public ReferenceLayerKind Kind { get; }

    /// <summary>The activation of a Dense layer (<see cref="Activation.Identity"/> for Maxout).</summary>
    public Activation Activation { get; }

    /// <summary>α of LeakyReLU and ELU (0 otherwise).</summary>
    public float Alpha { get; }

    /// <summary>The number of outputs.</summary>
    public int Units { get; }

    /// <summary>The pieces per unit (1 for Dense).</summary>
    public int Pieces { get; }

    /// <summary>The number of inputs.</summary>
    public int Inputs { get; }

    /// <summary>Units × pieces: the number of weight rows and accumulators.</summary>
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

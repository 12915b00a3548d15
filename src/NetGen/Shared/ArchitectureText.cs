// Compiled into the runtime and linked into the generator (netstandard2.0), so it uses only what both targets have:
// no spans, no generated regexes, no records.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace NetGen.Shared;

/// <summary>The kind of one layer in an architecture string.</summary>
internal enum ArchitectureLayerKind
{
    Dense,
    Maxout,
    Dropout,
    Conv2D,
    MaxPool2D,
    AvgPool2D,
    BatchNorm,
}

/// <summary>
/// One layer as the architecture string writes it: <c>Dense(units, Activation[, alpha=α])</c>,
/// <c>Maxout(units, pieces)</c>, <c>Dropout(rate)</c>,
/// <c>Conv2D(filters, kernel, Activation, stride=s, padding=p[, alpha=α])</c>, <c>MaxPool2D(size, stride=s)</c>,
/// <c>AvgPool2D(size, stride=s)</c> or <c>BatchNorm(Activation, momentum=m, epsilon=ε[, alpha=α])</c>.
/// </summary>
internal readonly struct ArchitectureLayer
{
    public ArchitectureLayer(ArchitectureLayerKind kind, int units, string activation = "Identity", double? alpha = null, int pieces = 1, double rate = 0)
        : this(kind, units, activation, alpha, pieces, rate, 0, 0, 0, 0, 0)
    {
    }

    private ArchitectureLayer(ArchitectureLayerKind kind, int units, string activation, double? alpha, int pieces, double rate,
        int kernelSize, int stride, int padding, double momentum, double epsilon)
    {
        Kind = kind;
        Units = units;
        Activation = activation;
        Alpha = alpha;
        Pieces = pieces;
        Rate = rate;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Momentum = momentum;
        Epsilon = epsilon;
    }

    /// <summary>A convolution of <paramref name="filters"/> filters (its <see cref="Units"/>).</summary>
    public static ArchitectureLayer Conv2D(int filters, int kernelSize, string activation, double? alpha, int stride, int padding) =>
        new(ArchitectureLayerKind.Conv2D, filters, activation, alpha, 1, 0, kernelSize, stride, padding, 0, 0);

    /// <summary>A max-pooling (<paramref name="max"/>) or average-pooling layer.</summary>
    public static ArchitectureLayer Pool(bool max, int size, int stride) =>
        new(max ? ArchitectureLayerKind.MaxPool2D : ArchitectureLayerKind.AvgPool2D, 0, "Identity", null, 1, 0, size, stride, 0, 0, 0);

    /// <summary>A batch-norm layer.</summary>
    public static ArchitectureLayer BatchNorm(string activation, double? alpha, double momentum, double epsilon) =>
        new(ArchitectureLayerKind.BatchNorm, 0, activation, alpha, 1, 0, 0, 0, 0, momentum, epsilon);

    public ArchitectureLayerKind Kind { get; }

    /// <summary>
    /// Output width of Dense and Maxout; the filters of Conv2D; 0 for the kinds that keep their input's width or
    /// shape (Dropout, the pools and BatchNorm, whose shape the reader infers).
    /// </summary>
    public int Units { get; }

    /// <summary>The activation's name as <c>NetGen.Activation</c> spells it (Dense, Conv2D and BatchNorm).</summary>
    public string Activation { get; }

    /// <summary>α of LeakyReLU/ELU, written only when set (the generator always sets it for those two).</summary>
    public double? Alpha { get; }

    public int Pieces { get; }

    public double Rate { get; }

    /// <summary>The kernel (Conv2D) or window (pools) height and width.</summary>
    public int KernelSize { get; }

    /// <summary>The step between kernel or window positions (Conv2D and pools).</summary>
    public int Stride { get; }

    /// <summary>Zeros on every side of a Conv2D's input.</summary>
    public int Padding { get; }

    public double Momentum { get; }

    public double Epsilon { get; }

    /// <summary>Whether this is one of the layers that need or keep channels × height × width values.</summary>
    public bool IsImageLayer => Kind is ArchitectureLayerKind.Conv2D or ArchitectureLayerKind.MaxPool2D or ArchitectureLayerKind.AvgPool2D or ArchitectureLayerKind.BatchNorm;
}

/// <summary>The input as the architecture string writes it: <c>Input(n)</c> or <c>Input(channels, height, width)</c>.</summary>
internal readonly struct ArchitectureInput
{
    private ArchitectureInput(int channels, int height, int width, bool isImage)
    {
        Channels = channels;
        Height = height;
        Width = width;
        IsImage = isImage;
    }

    /// <summary>A flat input of <paramref name="size"/> values (n × 1 × 1).</summary>
    public static ArchitectureInput Flat(int size) => new(size, 1, 1, false);

    /// <summary>An image input of channels × height × width values.</summary>
    public static ArchitectureInput Image(int channels, int height, int width) => new(channels, height, width, true);

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    public bool IsImage { get; }

    /// <summary>The number of values: channels × height × width (for a flat input, n).</summary>
    public long Size => (long)Channels * Height * Width;
}

/// <summary>
/// The canonical one-line description of a network, for example
/// <c>Input(784) -> Dense(128, ReLU) -> Dropout(0.2) -> Dense(10, Softmax) | CrossEntropy</c>: the generator writes it
/// into every network's <c>Architecture</c> constant, model files store it as their topology fingerprint, and the
/// runtime reads it back (<c>Topology.Parse</c>). Its grammar lives here only.
/// </summary>
/// <remarks>
/// A convolutional network writes its input as <c>Input(channels, height, width)</c> and every setting of its image
/// layers, defaults included, so each network has exactly one string:
/// <c>Input(1, 28, 28) -> Conv2D(16, 5, ReLU, stride=1, padding=2) -> MaxPool2D(2, stride=2)
/// -> BatchNorm(Identity, momentum=0.1, epsilon=1E-05) -> AvgPool2D(2, stride=2) -> Dense(10, Softmax) | CrossEntropy</c>.
/// <c>alpha=α</c> ends a Conv2D or BatchNorm with LeakyReLU or ELU, as it ends a Dense.
/// </remarks>
internal static class ArchitectureText
{
    private const string Arrow = " -> ";
    private const string LossSeparator = " | ";

    /// <summary>
    /// Writes the string. Numbers are written as the shortest text that round-trips their float value (the attributes
    /// take floats), with the invariant culture.
    /// </summary>
    public static string Format(int inputSize, IEnumerable<ArchitectureLayer> layers, string loss) =>
        Format(ArchitectureInput.Flat(inputSize), layers, loss);

    /// <summary>Writes the string of a network whose input may be an image.</summary>
    public static string Format(ArchitectureInput input, IEnumerable<ArchitectureLayer> layers, string loss)
    {
        var text = new StringBuilder("Input(").Append(Integer(input.Channels));
        if (input.IsImage) text.Append(", ").Append(Integer(input.Height)).Append(", ").Append(Integer(input.Width));
        text.Append(')');
        foreach (var layer in layers)
        {
            text.Append(Arrow);
            switch (layer.Kind)
            {
                case ArchitectureLayerKind.Conv2D:
                    text.Append("Conv2D(").Append(Integer(layer.Units)).Append(", ").Append(Integer(layer.KernelSize)).Append(", ").Append(layer.Activation)
                        .Append(", stride=").Append(Integer(layer.Stride)).Append(", padding=").Append(Integer(layer.Padding));
                    if (layer.Alpha is double convAlpha) text.Append(", alpha=").Append(Number(convAlpha));
                    text.Append(')');
                    break;
                case ArchitectureLayerKind.MaxPool2D:
                case ArchitectureLayerKind.AvgPool2D:
                    text.Append(layer.Kind.ToString()).Append('(').Append(Integer(layer.KernelSize)).Append(", stride=").Append(Integer(layer.Stride)).Append(')');
                    break;
                case ArchitectureLayerKind.BatchNorm:
                    text.Append("BatchNorm(").Append(layer.Activation).Append(", momentum=").Append(Number(layer.Momentum))
                        .Append(", epsilon=").Append(Number(layer.Epsilon));
                    if (layer.Alpha is double normAlpha) text.Append(", alpha=").Append(Number(normAlpha));
                    text.Append(')');
                    break;
                case ArchitectureLayerKind.Dropout:
                    text.Append("Dropout(").Append(Number(layer.Rate)).Append(')');
                    break;
                case ArchitectureLayerKind.Maxout:
                    text.Append("Maxout(").Append(Integer(layer.Units)).Append(", ").Append(Integer(layer.Pieces)).Append(')');
                    break;
                default:
                    text.Append("Dense(").Append(Integer(layer.Units)).Append(", ").Append(layer.Activation);
                    if (layer.Alpha is double alpha) text.Append(", alpha=").Append(Number(alpha));
                    text.Append(')');
                    break;
            }
        }
        return text.Append(LossSeparator).Append(loss).ToString();
    }

    /// <summary>
    /// Reads a string <see cref="Format(int, IEnumerable{ArchitectureLayer}, string)"/> wrote. Returns null and the parts, or a sentence naming the part that is
    /// not canonical. Activation and loss names are returned as written; the caller checks them against its enums.
    /// </summary>
    /// <remarks>This overload reads networks of flat layers only (Dense, Maxout, Dropout), as the int8 model files hold.</remarks>
    public static string? TryParse(string text, out int inputSize, out List<ArchitectureLayer> layers, out string loss)
    {
        string? problem = TryParse(text, out ArchitectureInput input, out layers, out loss);
        inputSize = (int)input.Size;
        if (problem is not null) return problem;
        if (input.IsImage) return $"'{text}' has an image input, which this reader does not support.";
        foreach (var layer in layers)
            if (layer.IsImageLayer) return $"'{text}' has a {layer.Kind} layer, which this reader does not support.";
        return null;
    }

    /// <summary>
    /// Reads a string <see cref="Format(ArchitectureInput, IEnumerable{ArchitectureLayer}, string)"/> wrote, image layers
    /// included. Returns null and the parts, or a sentence naming the part that is not canonical. Shapes are not
    /// checked here: the reader infers them.
    /// </summary>
    public static string? TryParse(string text, out ArchitectureInput input, out List<ArchitectureLayer> layers, out string loss)
    {
        input = ArchitectureInput.Flat(0);
        layers = new List<ArchitectureLayer>();
        loss = "";
        int separator = text.LastIndexOf(LossSeparator, StringComparison.Ordinal);
        if (separator < 0 || text.IndexOf(LossSeparator, StringComparison.Ordinal) != separator)
            return $"'{text}' does not end with ' | <loss>'.";
        loss = text.Substring(separator + LossSeparator.Length);
        string[] parts = text.Substring(0, separator).Split(new[] { Arrow }, StringSplitOptions.None);
        var inputMatch = InputPattern.Match(parts[0]);
        if (!inputMatch.Success || !TryInteger(inputMatch.Groups[1].Value, out int first))
            return $"'{parts[0]}' is not 'Input(n)' or 'Input(channels, height, width)'.";
        if (inputMatch.Groups[2].Success)
        {
            if (!TryInteger(inputMatch.Groups[2].Value, out int height) || !TryInteger(inputMatch.Groups[3].Value, out int width))
                return $"'{parts[0]}' is not 'Input(n)' or 'Input(channels, height, width)'.";
            input = ArchitectureInput.Image(first, height, width);
        }
        else
            input = ArchitectureInput.Flat(first);
        for (int i = 1; i < parts.Length; i++)
        {
            string part = parts[i];
            Match match;
            if ((match = DensePattern.Match(part)).Success && TryInteger(match.Groups[1].Value, out int units))
            {
                double? alpha = null;
                if (match.Groups[3].Success)
                {
                    if (!TryNumber(match.Groups[3].Value, out double value)) return $"'{match.Groups[3].Value}' in '{part}' is not a number.";
                    alpha = value;
                }
                layers.Add(new ArchitectureLayer(ArchitectureLayerKind.Dense, units, match.Groups[2].Value, alpha));
            }
            else if ((match = MaxoutPattern.Match(part)).Success && TryInteger(match.Groups[1].Value, out units) && TryInteger(match.Groups[2].Value, out int pieces))
                layers.Add(new ArchitectureLayer(ArchitectureLayerKind.Maxout, units, pieces: pieces));
            else if ((match = DropoutPattern.Match(part)).Success && TryNumber(match.Groups[1].Value, out double rate))
                layers.Add(new ArchitectureLayer(ArchitectureLayerKind.Dropout, 0, rate: rate));
            else if ((match = Conv2DPattern.Match(part)).Success && TryInteger(match.Groups[1].Value, out int filters) && TryInteger(match.Groups[2].Value, out int kernel)
                && TryInteger(match.Groups[4].Value, out int stride) && TryInteger(match.Groups[5].Value, out int padding))
            {
                double? alpha = null;
                if (match.Groups[6].Success)
                {
                    if (!TryNumber(match.Groups[6].Value, out double value)) return $"'{match.Groups[6].Value}' in '{part}' is not a number.";
                    alpha = value;
                }
                layers.Add(ArchitectureLayer.Conv2D(filters, kernel, match.Groups[3].Value, alpha, stride, padding));
            }
            else if ((match = PoolPattern.Match(part)).Success && TryInteger(match.Groups[2].Value, out int size) && TryInteger(match.Groups[3].Value, out int poolStride))
                layers.Add(ArchitectureLayer.Pool(match.Groups[1].Value == "Max", size, poolStride));
            else if ((match = BatchNormPattern.Match(part)).Success)
            {
                if (!TryNumber(match.Groups[2].Value, out double momentum)) return $"'{match.Groups[2].Value}' in '{part}' is not a number.";
                if (!TryNumber(match.Groups[3].Value, out double epsilon)) return $"'{match.Groups[3].Value}' in '{part}' is not a number.";
                double? alpha = null;
                if (match.Groups[4].Success)
                {
                    if (!TryNumber(match.Groups[4].Value, out double value)) return $"'{match.Groups[4].Value}' in '{part}' is not a number.";
                    alpha = value;
                }
                layers.Add(ArchitectureLayer.BatchNorm(match.Groups[1].Value, alpha, momentum, epsilon));
            }
            else
                return $"'{part}' is not a Dense, Maxout, Dropout, Conv2D, MaxPool2D, AvgPool2D or BatchNorm layer.";
        }
        if (layers.Count == 0) return $"'{text}' has no layers.";
        return null;
    }

    private static readonly Regex InputPattern = new(@"^Input\((\d+)(?:, (\d+), (\d+))?\)$", RegexOptions.CultureInvariant);
    private static readonly Regex DensePattern = new(@"^Dense\((\d+), (\w+)(?:, alpha=([-+0-9.eE]+))?\)$", RegexOptions.CultureInvariant);
    private static readonly Regex MaxoutPattern = new(@"^Maxout\((\d+), (\d+)\)$", RegexOptions.CultureInvariant);
    private static readonly Regex DropoutPattern = new(@"^Dropout\(([-+0-9.eE]+)\)$", RegexOptions.CultureInvariant);
    private static readonly Regex Conv2DPattern = new(@"^Conv2D\((\d+), (\d+), (\w+), stride=(\d+), padding=(\d+)(?:, alpha=([-+0-9.eE]+))?\)$", RegexOptions.CultureInvariant);
    private static readonly Regex PoolPattern = new(@"^(Max|Avg)Pool2D\((\d+), stride=(\d+)\)$", RegexOptions.CultureInvariant);
    private static readonly Regex BatchNormPattern = new(@"^BatchNorm\((\w+), momentum=([-+0-9.eE]+), epsilon=([-+0-9.eE]+)(?:, alpha=([-+0-9.eE]+))?\)$", RegexOptions.CultureInvariant);

    private static string Integer(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The float's shortest round-trip text: the attributes hold floats, so this is what the user wrote.</summary>
    private static string Number(double value) => ((float)value).ToString("R", CultureInfo.InvariantCulture);

    private static bool TryInteger(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}

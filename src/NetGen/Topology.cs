using System.Globalization;
using System.Text.RegularExpressions;
using NetGen.Reference;

namespace NetGen;

/// <summary>
/// The structure of a network read back from its canonical <see cref="IInference.Architecture"/> string, e.g.
/// <c>Input(784) -> Dense(128, ReLU) -> Dropout(0.2) -> Dense(10, Softmax) | CrossEntropy</c>. Exporters and the
/// reference network use it, so any <see cref="INetwork"/> can be described without reflection.
/// </summary>
public sealed partial record Topology(int InputSize, IReadOnlyList<ReferenceLayer> Layers, LossFunction Loss)
{
    /// <summary>The network's topology.</summary>
    public static Topology Of(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Parse(network.Architecture);
    }

    /// <summary>Parses a canonical architecture string.</summary>
    /// <exception cref="FormatException">The text is not a canonical architecture string; the message names the part that is not.</exception>
    public static Topology Parse(string architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        string[] halves = architecture.Split(" | ");
        if (halves.Length != 2 || !Enum.TryParse(halves[1], out LossFunction loss) || !Enum.IsDefined(loss))
            throw new FormatException($"'{architecture}' does not end with ' | <loss>'.");
        string[] parts = halves[0].Split(" -> ");
        var input = InputPattern().Match(parts[0]);
        if (!input.Success) throw new FormatException($"'{parts[0]}' is not 'Input(n)'.");
        int inputSize = int.Parse(input.Groups[1].Value, CultureInfo.InvariantCulture), width = inputSize;
        var layers = new List<ReferenceLayer>();
        foreach (string part in parts.Skip(1))
        {
            ReferenceLayer layer = ParseLayer(part, width);
            layers.Add(layer);
            width = layer.Units;
        }
        if (layers.Count == 0) throw new FormatException($"'{architecture}' has no layers.");
        return new Topology(inputSize, layers, loss);
    }

    private static ReferenceLayer ParseLayer(string part, int width)
    {
        if (DensePattern().Match(part) is { Success: true } dense)
        {
            if (!Enum.TryParse(dense.Groups[2].Value, out Activation activation) || !Enum.IsDefined(activation))
                throw new FormatException($"'{dense.Groups[2].Value}' in '{part}' is not an activation.");
            double? alpha = dense.Groups[3].Success ? double.Parse(dense.Groups[3].Value, CultureInfo.InvariantCulture) : null;
            return ReferenceLayer.Dense(int.Parse(dense.Groups[1].Value, CultureInfo.InvariantCulture), activation, alpha);
        }
        if (MaxoutPattern().Match(part) is { Success: true } maxout)
            return ReferenceLayer.Maxout(int.Parse(maxout.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(maxout.Groups[2].Value, CultureInfo.InvariantCulture));
        if (DropoutPattern().Match(part) is { Success: true } dropout)
            return ReferenceLayer.Dropout(width, double.Parse(dropout.Groups[1].Value, CultureInfo.InvariantCulture));
        throw new FormatException($"'{part}' is not a Dense, Maxout or Dropout layer.");
    }

    [GeneratedRegex(@"^Input\((\d+)\)$")]
    private static partial Regex InputPattern();

    [GeneratedRegex(@"^Dense\((\d+), (\w+)(?:, alpha=([-+0-9.eE]+))?\)$")]
    private static partial Regex DensePattern();

    [GeneratedRegex(@"^Maxout\((\d+), (\d+)\)$")]
    private static partial Regex MaxoutPattern();

    [GeneratedRegex(@"^Dropout\(([-+0-9.eE]+)\)$")]
    private static partial Regex DropoutPattern();
}

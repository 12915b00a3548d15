using NetGen.Reference;
using NetGen.Shared;

namespace NetGen;

/// <summary>
/// The structure of a network read back from its canonical <see cref="IInference.Architecture"/> string, e.g.
/// <c>Input(784) -> Dense(128, ReLU) -> Dropout(0.2) -> Dense(10, Softmax) | CrossEntropy</c>. Exporters and the
/// reference network use it, so any <see cref="INetwork"/> can be described without reflection.
/// </summary>
public sealed record Topology(int InputSize, IReadOnlyList<ReferenceLayer> Layers, LossFunction Loss)
{
    /// <summary>The network's topology.</summary>
    public static Topology Of(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Parse(network.Architecture);
    }

    /// <summary>Parses a canonical architecture string (its grammar: <see cref="ArchitectureText"/>).</summary>
    /// <exception cref="FormatException">The text is not a canonical architecture string; the message names the part that is not.</exception>
    public static Topology Parse(string architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        string? problem = ArchitectureText.TryParse(architecture, out int inputSize, out var parsed, out string lossName);
        if (problem is not null) throw new FormatException(problem);
        if (!Enum.TryParse(lossName, out LossFunction loss) || !Enum.IsDefined(loss) || !IsName(lossName))
            throw new FormatException($"'{architecture}' does not end with ' | <loss>'.");
        var layers = new List<ReferenceLayer>(parsed.Count);
        int width = inputSize;
        foreach (var layer in parsed)
        {
            ReferenceLayer reference = layer.Kind switch
            {
                ArchitectureLayerKind.Dense when Enum.TryParse(layer.Activation, out Activation activation) && Enum.IsDefined(activation) && IsName(layer.Activation) =>
                    ReferenceLayer.Dense(layer.Units, activation, layer.Alpha),
                ArchitectureLayerKind.Dense => throw new FormatException($"'{layer.Activation}' in '{architecture}' is not an activation."),
                ArchitectureLayerKind.Maxout => ReferenceLayer.Maxout(layer.Units, layer.Pieces),
                _ => ReferenceLayer.Dropout(width, layer.Rate),
            };
            layers.Add(reference);
            width = reference.Units;
        }
        return new Topology(inputSize, layers, loss);
    }

    /// <summary>Enum.TryParse also takes numbers ("4") and case variants; the canonical string has the exact name.</summary>
    private static bool IsName(string text) => text.Length > 0 && char.IsLetter(text[0]);
}

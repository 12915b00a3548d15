using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generator.Model;
using NetGen.Shared;

namespace NetGen.Generator.Emit;

/// <summary>
/// Every human-readable description of a network comes from here, from the model: the header tree, the comment over
/// each generated block, and the canonical architecture string. A comment can therefore never disagree with the code
/// next to it (the Regex generator's DescribeExpression idea).
/// </summary>
internal static class ArchitectureDescriber
{
    /// <summary>The canonical one-line topology, e.g. <c>Input(2) -> Dense(4, Tanh) -> Dense(1, Sigmoid) | BinaryCrossEntropy</c> (grammar: <see cref="ArchitectureText"/>).</summary>
    public static string Architecture(NetworkSpec spec) =>
        ArchitectureText.Format(spec.InputSize, spec.Layers.Select(Signature), spec.Loss.ToString());

    private static ArchitectureLayer Signature(LayerSpec layer) => layer.Kind switch
    {
        LayerKind.Dropout => new ArchitectureLayer(ArchitectureLayerKind.Dropout, layer.Units, rate: layer.Rate),
        LayerKind.Maxout => new ArchitectureLayer(ArchitectureLayerKind.Maxout, layer.Units, pieces: layer.Pieces),
        _ => new ArchitectureLayer(ArchitectureLayerKind.Dense, layer.Units, layer.Activation.ToString(),
            layer.Facets.TakesAlpha ? layer.Alpha : null),
    };

    /// <summary>A short title, e.g. <c>Dense 784 → 128, ReLU</c>.</summary>
    public static string Title(LayerSpec layer) => layer.Kind switch
    {
        LayerKind.Dropout => $"Dropout p = {Number(layer.Rate)} over {layer.Units} values",
        LayerKind.Maxout => $"Maxout {layer.Inputs} → {layer.Units}, {layer.Pieces} pieces",
        _ when layer.Facets.TakesAlpha => $"Dense {layer.Inputs} → {layer.Units}, {layer.Activation} α = {Number(layer.Alpha)}",
        _ => $"Dense {layer.Inputs} → {layer.Units}, {layer.Activation}",
    };

    /// <summary>Where the layer's parameters live in the flat buffer.</summary>
    public static string Storage(LayerSpec layer) => layer.Kind switch
    {
        LayerKind.Dropout => "no parameters",
        LayerKind.Maxout => $"W{layer.Index} [{layer.Units} × {layer.Pieces} × {layer.Inputs}] at {layer.WeightOffset}, b{layer.Index} [{layer.Units} × {layer.Pieces}] at {layer.BiasOffset}",
        _ => $"W{layer.Index} [{layer.Units} × {layer.Inputs}] at {layer.WeightOffset}, b{layer.Index} [{layer.Units}] at {layer.BiasOffset}",
    };

    /// <summary>The formula a layer computes from its input x.</summary>
    public static string Formula(LayerSpec layer)
    {
        int l = layer.Index;
        string affine = $"b{l}[j] + Σ_i W{l}[j, i]·x[i]";
        return layer.Kind switch
        {
            LayerKind.Dropout => "x ⊙ mask, mask = 0 with probability p, else 1 / (1 − p)",
            LayerKind.Maxout => $"a{l}[u] = max_k (b{l}[u, k] + Σ_i W{l}[u, k, i]·x[i])",
            _ when layer.Activation == ActivationKind.Softmax => $"a{l} = " + string.Format(CultureInfo.InvariantCulture, layer.Facets.Formula, affine),
            _ => $"a{l}[j] = " + string.Format(CultureInfo.InvariantCulture, layer.Facets.Formula, affine, Number(layer.Alpha)),
        };
    }

    /// <summary>How a length-<paramref name="n"/> dot product or row update splits into vector blocks at each width.</summary>
    public static string VectorPlan(int n)
    {
        var parts = new List<string>();
        foreach (var (lanes, name) in new[] { (16, "Vector512"), (8, "Vector256"), (4, "Vector128") })
        {
            if (n < lanes) continue;
            string tail = n % lanes == 0 ? "" : $" + {n % lanes} scalar";
            parts.Add($"{n / lanes} × {name}{tail}");
        }
        if (parts.Count == 0) return $"{n} scalar multiply-adds per row";
        bool noTail = n % 4 == 0 && (n < 8 || n % 8 == 0) && (n < 16 || n % 16 == 0);
        return $"rows of {n}: " + string.Join(", ", parts) + (noTail ? " (no tail)" : "");
    }

    /// <summary>The architecture tree for the header and the type's remarks.</summary>
    public static IEnumerable<string> Tree(NetworkSpec spec)
    {
        yield return $"○ Input: {spec.InputSize} values";
        foreach (var layer in spec.Layers)
        {
            string parameters = layer.HasParameters ? $"{Count(layer.ParameterCount)} parameters: {Storage(layer)}" : "no parameters";
            yield return $"○ Layer {layer.Index}: {Title(layer)} ({parameters})";
        }
        yield return $"○ Loss: {spec.Loss}; {Count(spec.ParameterCount)} parameters in all";
    }

    private static string Count(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}

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
        ArchitectureText.Format(
            spec.ImageInput ? ArchitectureInput.Image(spec.InputShape.Channels, spec.InputShape.Height, spec.InputShape.Width) : ArchitectureInput.Flat(spec.InputSize),
            spec.Layers.Select(Signature), spec.Loss.ToString());

    private static ArchitectureLayer Signature(LayerSpec layer) => layer.Kind switch
    {
        LayerKind.Conv2D => ArchitectureLayer.Conv2D(layer.OutputShape.Channels, layer.KernelSize, layer.Activation.ToString(),
            layer.Facets.TakesAlpha ? layer.Alpha : null, layer.Stride, layer.Padding),
        LayerKind.MaxPool2D or LayerKind.AvgPool2D => ArchitectureLayer.Pool(layer.Kind == LayerKind.MaxPool2D, layer.KernelSize, layer.Stride),
        LayerKind.BatchNorm => ArchitectureLayer.BatchNorm(layer.Activation.ToString(), layer.Facets.TakesAlpha ? layer.Alpha : null, layer.Momentum, layer.Epsilon),
        LayerKind.Dropout => new ArchitectureLayer(ArchitectureLayerKind.Dropout, layer.Units, rate: layer.Rate),
        LayerKind.Maxout => new ArchitectureLayer(ArchitectureLayerKind.Maxout, layer.Units, pieces: layer.Pieces),
        _ => new ArchitectureLayer(ArchitectureLayerKind.Dense, layer.Units, layer.Activation.ToString(),
            layer.Facets.TakesAlpha ? layer.Alpha : null),
    };

    /// <summary>A short title, e.g. <c>Dense 784 → 128, ReLU</c>.</summary>
    public static string Title(LayerSpec layer) => layer.Kind switch
    {
        LayerKind.Conv2D => $"Conv2D {layer.InputShape} → {layer.OutputShape}, {layer.KernelSize} × {layer.KernelSize} kernels, stride {layer.Stride}, padding {layer.Padding}, {ActivationText(layer)}",
        LayerKind.MaxPool2D => $"MaxPool2D {layer.InputShape} → {layer.OutputShape}, {layer.KernelSize} × {layer.KernelSize} windows, stride {layer.Stride}",
        LayerKind.AvgPool2D => $"AvgPool2D {layer.InputShape} → {layer.OutputShape}, {layer.KernelSize} × {layer.KernelSize} windows, stride {layer.Stride}",
        LayerKind.BatchNorm => $"BatchNorm {layer.OutputShape}, per {(layer.InputShape.Height * layer.InputShape.Width == 1 ? "feature" : "channel")}, momentum {Number(layer.Momentum)}, ε = {Number(layer.Epsilon)}, {ActivationText(layer)}",
        LayerKind.Dropout when layer.OutputShape.Height * layer.OutputShape.Width > 1 => $"Dropout p = {Number(layer.Rate)} over {layer.OutputShape} values",
        LayerKind.Dropout => $"Dropout p = {Number(layer.Rate)} over {layer.Units} values",
        LayerKind.Maxout => $"Maxout {InputText(layer)} → {layer.Units}, {layer.Pieces} pieces",
        _ when layer.Facets.TakesAlpha => $"Dense {InputText(layer)} → {layer.Units}, {layer.Activation} α = {Number(layer.Alpha)}",
        _ => $"Dense {InputText(layer)} → {layer.Units}, {layer.Activation}",
    };

    /// <summary>Where the layer's parameters live in the flat buffer.</summary>
    public static string Storage(LayerSpec layer) => layer.Kind switch
    {
        LayerKind.Dropout or LayerKind.MaxPool2D or LayerKind.AvgPool2D => "no parameters",
        LayerKind.Conv2D => $"W{layer.Index} [{layer.OutputShape.Channels} × {layer.InputShape.Channels} × {layer.KernelSize} × {layer.KernelSize}] at {layer.WeightOffset}, b{layer.Index} [{layer.OutputShape.Channels}] at {layer.BiasOffset}",
        LayerKind.BatchNorm => $"γ{layer.Index} [{layer.InputShape.Channels}] at {layer.WeightOffset}, β{layer.Index} [{layer.InputShape.Channels}] at {layer.BiasOffset}; running mean [{layer.InputShape.Channels}] at {layer.StatisticsOffset}, running variance [{layer.InputShape.Channels}] at {layer.RunningVarianceOffset} of RunningStatistics",
        LayerKind.Maxout => $"W{layer.Index} [{layer.Units} × {layer.Pieces} × {layer.Inputs}] at {layer.WeightOffset}, b{layer.Index} [{layer.Units} × {layer.Pieces}] at {layer.BiasOffset}",
        _ => $"W{layer.Index} [{layer.Units} × {layer.Inputs}] at {layer.WeightOffset}, b{layer.Index} [{layer.Units}] at {layer.BiasOffset}",
    };

    /// <summary>The formula a layer computes from its input x.</summary>
    public static string Formula(LayerSpec layer)
    {
        int l = layer.Index;
        string affine = $"b{l}[j] + Σ_i W{l}[j, i]·x[i]";
        string s = Number(layer.Stride), p = Number(layer.Padding);
        return layer.Kind switch
        {
            LayerKind.Conv2D => $"a{l}[f, y, x] = " + string.Format(CultureInfo.InvariantCulture, layer.Facets.Formula,
                $"b{l}[f] + Σ_c,i,j W{l}[f, c, i, j]·x[c, {s}y + i − {p}, {s}x + j − {p}] (0 outside x)", Number(layer.Alpha)),
            LayerKind.MaxPool2D => $"a{l}[c, y, x] = max_(i, j < {layer.KernelSize}) x[c, {s}y + i, {s}x + j]",
            LayerKind.AvgPool2D => $"a{l}[c, y, x] = Σ_(i, j < {layer.KernelSize}) x[c, {s}y + i, {s}x + j] / {layer.KernelSize * layer.KernelSize}",
            LayerKind.BatchNorm => $"a{l}[c, …] = " + string.Format(CultureInfo.InvariantCulture, layer.Facets.Formula,
                $"γ{l}[c]·(x[c, …] − μ[c]) / √(σ²[c] + ε) + β{l}[c]", Number(layer.Alpha))
                + "; μ, σ² of the batch (biased) in ComputeGradients, the running statistics in Forward",
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
        yield return spec.ImageInput ? $"○ Input: {spec.InputShape} values (channels × height × width)" : $"○ Input: {spec.InputSize} values";
        foreach (var layer in spec.Layers)
        {
            string parameters = layer.HasParameters ? $"{Count(layer.ParameterCount)} parameters: {Storage(layer)}" : "no parameters";
            yield return $"○ Layer {layer.Index}: {Title(layer)} ({parameters})";
        }
        yield return spec.HasBatchNorm
            ? $"○ Loss: {spec.Loss}; {Count(spec.ParameterCount)} parameters in all, {Count(spec.RunningStatisticsCount)} running statistics"
            : $"○ Loss: {spec.Loss}; {Count(spec.ParameterCount)} parameters in all";
    }

    /// <summary>A dense layer's input width, and the image it flattens when it follows one: <c>784 (16×7×7 flattened)</c>.</summary>
    private static string InputText(LayerSpec layer) =>
        layer.InputShape == Shape.Flat(layer.Inputs) ? Number(layer.Inputs) : $"{Number(layer.Inputs)} ({layer.InputShape} flattened)";

    /// <summary>The activation, with α when it takes one: <c>ReLU</c>, <c>LeakyReLU α = 0.2</c>.</summary>
    private static string ActivationText(LayerSpec layer) =>
        layer.Facets.TakesAlpha ? $"{layer.Activation} α = {Number(layer.Alpha)}" : layer.Activation.ToString();

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Count(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}

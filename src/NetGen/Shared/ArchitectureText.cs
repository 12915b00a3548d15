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
}

/// <summary>
/// One layer as the architecture string writes it: <c>Dense(units, Activation[, alpha=α])</c>,
/// <c>Maxout(units, pieces)</c> or <c>Dropout(rate)</c>.
/// </summary>
internal readonly struct ArchitectureLayer
{
    public ArchitectureLayer(ArchitectureLayerKind kind, int units, string activation = "Identity", double? alpha = null, int pieces = 1, double rate = 0)
    {
        Kind = kind;
        Units = units;
        Activation = activation;
        Alpha = alpha;
        Pieces = pieces;
        Rate = rate;
    }

    public ArchitectureLayerKind Kind { get; }

    /// <summary>Output width (for Dropout, 0 when parsed: it passes its input through).</summary>
    public int Units { get; }

    /// <summary>The activation's name as <c>NetGen.Activation</c> spells it (Dense only).</summary>
    public string Activation { get; }

    /// <summary>α of LeakyReLU/ELU, written only when set (the generator always sets it for those two).</summary>
    public double? Alpha { get; }

    public int Pieces { get; }

    public double Rate { get; }
}

/// <summary>
/// The canonical one-line description of a network, for example
/// <c>Input(784) -> Dense(128, ReLU) -> Dropout(0.2) -> Dense(10, Softmax) | CrossEntropy</c>: the generator writes it
/// into every network's <c>Architecture</c> constant, model files store it as their topology fingerprint, and the
/// runtime reads it back (<c>Topology.Parse</c>). Its grammar lives here only.
/// </summary>
internal static class ArchitectureText
{
    private const string Arrow = " -> ";
    private const string LossSeparator = " | ";

    /// <summary>
    /// Writes the string. Numbers are written as the shortest text that round-trips their float value (the attributes
    /// take floats), with the invariant culture.
    /// </summary>
    public static string Format(int inputSize, IEnumerable<ArchitectureLayer> layers, string loss)
    {
        var text = new StringBuilder("Input(").Append(inputSize.ToString(CultureInfo.InvariantCulture)).Append(')');
        foreach (var layer in layers)
        {
            text.Append(Arrow);
            switch (layer.Kind)
            {
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
    /// Reads a string <see cref="Format"/> wrote. Returns null and the parts, or a sentence naming the part that is
    /// not canonical. Activation and loss names are returned as written; the caller checks them against its enums.
    /// </summary>
    public static string? TryParse(string text, out int inputSize, out List<ArchitectureLayer> layers, out string loss)
    {
        inputSize = 0;
        layers = new List<ArchitectureLayer>();
        loss = "";
        int separator = text.LastIndexOf(LossSeparator, StringComparison.Ordinal);
        if (separator < 0 || text.IndexOf(LossSeparator, StringComparison.Ordinal) != separator)
            return $"'{text}' does not end with ' | <loss>'.";
        loss = text.Substring(separator + LossSeparator.Length);
        string[] parts = text.Substring(0, separator).Split(new[] { Arrow }, StringSplitOptions.None);
        var input = InputPattern.Match(parts[0]);
        if (!input.Success || !TryInteger(input.Groups[1].Value, out inputSize))
            return $"'{parts[0]}' is not 'Input(n)'.";
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
            else
                return $"'{part}' is not a Dense, Maxout or Dropout layer.";
        }
        if (layers.Count == 0) return $"'{text}' has no layers.";
        return null;
    }

    private static readonly Regex InputPattern = new(@"^Input\((\d+)\)$", RegexOptions.CultureInvariant);
    private static readonly Regex DensePattern = new(@"^Dense\((\d+), (\w+)(?:, alpha=([-+0-9.eE]+))?\)$", RegexOptions.CultureInvariant);
    private static readonly Regex MaxoutPattern = new(@"^Maxout\((\d+), (\d+)\)$", RegexOptions.CultureInvariant);
    private static readonly Regex DropoutPattern = new(@"^Dropout\(([-+0-9.eE]+)\)$", RegexOptions.CultureInvariant);

    private static string Integer(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The float's shortest round-trip text: the attributes hold floats, so this is what the user wrote.</summary>
    private static string Number(double value) => ((float)value).ToString("R", CultureInfo.InvariantCulture);

    private static bool TryInteger(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}

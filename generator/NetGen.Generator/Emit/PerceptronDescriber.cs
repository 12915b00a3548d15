using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Every human-readable description of a perceptron comes from here, from the model: the header tree, the type's
/// remarks and the comment over each generated block (the <see cref="ArchitectureDescriber"/> idea for [Network]).
/// </summary>
internal static class PerceptronDescriber
{
    /// <summary>The architecture tree for the header and the type's remarks.</summary>
    public static IEnumerable<string> Tree(PerceptronSpec spec)
    {
        yield return $"○ Input: {spec.Inputs} values";
        yield return spec.Outputs == 1
            ? "○ 1 threshold unit: y = 1 if b + Σ_i W[i]·x[i] > 0, else 0"
            : $"○ {spec.Outputs} threshold units: y[j] = 1 if b[j] + Σ_i W[j, i]·x[i] > 0, else 0";
        yield return $"○ Parameters: {Count(spec.ParameterCount)}, all zero at the start: W [{spec.Outputs} × {spec.Inputs}] at 0, b [{spec.Outputs}] at {Count(spec.BiasOffset)}";
        yield return "○ Training: perceptron rule, per sample in order: error = t − y; W[j] += lr·error·x, b[j] += lr·error";
        yield return $"○ Code: {CodePlan(spec)}";
    }

    /// <summary>How the generated code evaluates the units: straight-line, or a loop with a vector kernel per row.</summary>
    public static string CodePlan(PerceptronSpec spec)
    {
        string units = StraightLineUnits(spec) ? $"{Plural(spec.Outputs, "unit")} written out" : $"one loop over {spec.Outputs} units";
        string rows = StraightLineInputs(spec)
            ? $"{Plural(spec.Inputs, "input")} written out as scalar multiply-adds"
            : $"a vector kernel per row, {ArchitectureDescriber.VectorPlan(spec.Inputs)}";
        return units + "; " + rows;
    }

    /// <summary>The comment over the block that computes unit <paramref name="unit"/> (or every unit when null).</summary>
    public static string Unit(PerceptronSpec spec, int? unit)
    {
        if (unit is not int j)
            return $"Units 0 … {spec.Outputs - 1}: y[j] = 1 if b[j] + Σ_i W[j, i]·x[i] > 0, else 0; {CodePlan(spec)}";
        string sum = StraightLineInputs(spec)
            ? string.Concat(Enumerable.Range(0, spec.Inputs).Select(i => $" + W[{j}, {i}]·x[{i}]"))
            : $" + Σ_i W[{j}, i]·x[i]";
        return $"Unit {j}: y[{j}] = 1 if b[{j}]{sum} > 0, else 0";
    }

    /// <summary>The comment over code that computes a unit j chosen at run time.</summary>
    public static string AnyUnit(PerceptronSpec spec) =>
        spec.Outputs == 1 ? Unit(spec, 0) : "Unit j: y[j] = 1 if b[j] + Σ_i W[j, i]·x[i] > 0, else 0";

    /// <summary>Each input of a unit written as its own multiply-add (up to 16 inputs, as tiny [Network] layers).</summary>
    public static bool StraightLineInputs(PerceptronSpec spec) => spec.Inputs <= NetworkGenerator.Emitter.UnrollLimit;

    /// <summary>Each unit written out with constant offsets (up to 8 units of up to 16 inputs).</summary>
    public static bool StraightLineUnits(PerceptronSpec spec) => StraightLineInputs(spec) && spec.Outputs <= 8;

    private static string Plural(int n, string noun) => n == 1 ? $"1 {noun}" : $"{Count(n)} {noun}s";

    private static string Count(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

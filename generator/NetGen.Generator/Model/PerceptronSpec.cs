namespace NetGen.Generator.Model;

/// <summary>
/// Everything the perceptron emitter needs, as plain data: no symbols, syntax nodes or locations.
/// Immutable with structural equality, or incremental caching breaks.
/// </summary>
/// <param name="Type">Where the generated partial declaration goes.</param>
/// <param name="Inputs">Inputs per unit (<c>[Perceptron(Inputs = n)]</c>).</param>
/// <param name="Outputs">Threshold units (<c>Outputs</c>, default 1).</param>
internal sealed record PerceptronSpec(TypeDeclarationSpec Type, int Inputs, int Outputs)
{
    /// <summary>Weights W [Outputs × Inputs] row-major start at 0.</summary>
    public int WeightCount => Outputs * Inputs;

    /// <summary>Biases b [Outputs] follow the weights.</summary>
    public int BiasOffset => WeightCount;

    public int ParameterCount => WeightCount + Outputs;
}

namespace NetGen.Generator.Model;

/// <summary>
/// One layer of a network, with its position in the flat parameter buffer. Immutable with structural equality,
/// or incremental caching breaks.
/// </summary>
/// <param name="Index">Position among all layers, in declaration order.</param>
/// <param name="Kind">Dense, Maxout or Dropout.</param>
/// <param name="Inputs">Width of the layer's input.</param>
/// <param name="Units">Width of the layer's output.</param>
/// <param name="Pieces">Affine pieces per unit (1 for Dense, 0 for Dropout).</param>
/// <param name="Activation">Activation of a Dense layer (Identity otherwise).</param>
/// <param name="Alpha">α of LeakyReLU/ELU (default applied), 0 otherwise.</param>
/// <param name="Rate">Drop probability of a Dropout layer.</param>
/// <param name="WeightOffset">Offset of the weights in the parameter buffer.</param>
internal sealed record LayerSpec(
    int Index,
    LayerKind Kind,
    int Inputs,
    int Units,
    int Pieces,
    ActivationKind Activation,
    float Alpha,
    float Rate,
    int WeightOffset)
{
    /// <summary>Rows of the weight matrix: units × pieces.</summary>
    public int AffineOutputs => Units * Pieces;

    public int WeightCount => AffineOutputs * Inputs;

    public int BiasOffset => WeightOffset + WeightCount;

    public int BiasCount => AffineOutputs;

    public int ParameterCount => WeightCount + BiasCount;

    public bool HasParameters => Kind != LayerKind.Dropout;

    /// <summary>This layer's activation and all its facets.</summary>
    public ActivationFacets Facets => ActivationFacets.Of(Activation);

    /// <summary>He initialization for the ReLU family and maxout, Glorot for the rest.</summary>
    public bool UsesHeInitialization => Kind == LayerKind.Maxout || Facets.HeInitialization;
}

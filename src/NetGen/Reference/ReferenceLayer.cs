namespace NetGen.Reference;

/// <summary>The kind of a <see cref="ReferenceLayer"/>.</summary>
public enum ReferenceLayerKind
{
    /// <summary>A fully connected layer with an activation.</summary>
    Dense,
    /// <summary>A maxout layer.</summary>
    Maxout,
    /// <summary>An inverted-dropout layer (identity at inference).</summary>
    Dropout,
}

/// <summary>One layer of a <see cref="ReferenceNetwork"/>, described the way the attributes describe it.</summary>
public sealed record ReferenceLayer(ReferenceLayerKind Kind, int Units, Activation Activation, double Alpha, int Pieces, double Rate)
{
    /// <summary>A dense layer; <paramref name="alpha"/> defaults to 0.01 for LeakyReLU and 1 for ELU.</summary>
    public static ReferenceLayer Dense(int units, Activation activation = Activation.Identity, double? alpha = null) =>
        new(ReferenceLayerKind.Dense, units, activation,
            alpha ?? (activation == Activation.LeakyReLU ? 0.01 : activation == Activation.ELU ? 1.0 : 0.0), 1, 0);

    /// <summary>A maxout layer of <paramref name="units"/> units with <paramref name="pieces"/> pieces each.</summary>
    public static ReferenceLayer Maxout(int units, int pieces) => new(ReferenceLayerKind.Maxout, units, Activation.Identity, 0, pieces, 0);

    /// <summary>A dropout layer; <paramref name="units"/> is the width it passes through.</summary>
    public static ReferenceLayer Dropout(int units, double rate) => new(ReferenceLayerKind.Dropout, units, Activation.Identity, 0, 1, rate);

    /// <summary>The number of parameters the layer has for <paramref name="inputs"/> inputs.</summary>
    public int ParameterCount(int inputs) => Kind == ReferenceLayerKind.Dropout ? 0 : Units * Pieces * (inputs + 1);
}

namespace NetGen;

/// <summary>
/// A fully connected layer: <c>a = f(W·x + b)</c> with <c>W</c> stored as [units × inputs] row-major
/// (PyTorch's <c>Linear</c> convention) followed by the [units] biases in <see cref="INetwork.Parameters"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : Attribute
{
    /// <summary>A layer of <paramref name="units"/> units with the given activation.</summary>
    public DenseAttribute(int units, Activation activation = Activation.Identity)
    {
        Units = units;
        Activation = activation;
    }

    /// <summary>The number of units (outputs) of the layer.</summary>
    public int Units { get; }

    /// <summary>The activation function.</summary>
    public Activation Activation { get; }

    /// <summary>
    /// The slope α of <see cref="Activation.LeakyReLU"/> (default 0.01, must be in [0, 1)) or the scale α of
    /// <see cref="Activation.ELU"/> (default 1, must be positive). Setting it for any other activation is a warning.
    /// </summary>
    public float Alpha { get; set; }
}

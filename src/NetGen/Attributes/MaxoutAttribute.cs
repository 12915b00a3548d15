namespace NetGen;

/// <summary>
/// A maxout layer (Goodfellow et al., 2013): each of the <c>units</c> outputs is the maximum of <c>pieces</c>
/// affine functions of the input; the gradient flows only through the winning piece. Parameters are the weights
/// [units × pieces × inputs] followed by the biases [units × pieces].
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxoutAttribute : Attribute
{
    /// <summary>A maxout layer of <paramref name="units"/> units, each the max of <paramref name="pieces"/> affine pieces.</summary>
    public MaxoutAttribute(int units, int pieces)
    {
        Units = units;
        Pieces = pieces;
    }

    /// <summary>The number of outputs.</summary>
    public int Units { get; }

    /// <summary>The number of affine pieces per unit.</summary>
    public int Pieces { get; }
}

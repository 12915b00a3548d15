namespace NetGen.Generator.Model;

/// <summary>
/// The shape of the values one sample has between two layers: channels × height × width, row-major (PyTorch's NCHW
/// for one sample). A flat vector of n values is n × 1 × 1, so batch norm after a dense layer is per feature.
/// </summary>
internal readonly record struct Shape(int Channels, int Height, int Width)
{
    /// <summary>The number of values: channels × height × width.</summary>
    public int Size => Channels * Height * Width;

    /// <summary>A flat vector of <paramref name="size"/> values.</summary>
    public static Shape Flat(int size) => new(size, 1, 1);

    /// <summary>The shape as the header comment writes it, e.g. <c>16×28×28</c>.</summary>
    public override string ToString() => $"{Channels}×{Height}×{Width}";
}

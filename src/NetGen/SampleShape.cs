namespace NetGen;

/// <summary>
/// The shape of the values one sample has between two layers: channels × height × width, stored row-major (PyTorch's
/// NCHW for one sample). A flat vector of n values is n × 1 × 1, so batch norm after a dense layer is per feature.
/// </summary>
public readonly record struct SampleShape(int Channels, int Height, int Width)
{
    /// <summary>The number of values: channels × height × width.</summary>
    public int Size => Channels * Height * Width;

    /// <summary>A flat vector of <paramref name="size"/> values, <paramref name="size"/> × 1 × 1.</summary>
    public static SampleShape Flat(int size) => new(size, 1, 1);

    /// <summary>The shape as <c>channels×height×width</c>, e.g. <c>16×28×28</c>.</summary>
    public override string ToString() => FormattableString.Invariant($"{Channels}×{Height}×{Width}");
}

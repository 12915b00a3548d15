namespace NetGen.Samples.Fitting;

/// <summary>
/// A network's output p(class 1) on a square grid of points covering the problem: what a decision-boundary picture
/// shows. <see cref="Values"/>[row, column] is the output at x = <see cref="Coordinate"/>(column), y = <see cref="Coordinate"/>(row).
/// </summary>
internal sealed class DecisionMap
{
    /// <summary>The half-width of the square the map covers: the spirals reach radius 1 plus their jitter.</summary>
    public const float HalfWidth = 1.25f;

    private DecisionMap(float[,] values) => Values = values;

    /// <summary>The output at each grid point, row by row from the bottom (lowest y) up.</summary>
    public float[,] Values { get; }

    /// <summary>Points per side.</summary>
    public int Size => Values.GetLength(0);

    /// <summary>The x (for a column) or y (for a row) of grid index <paramref name="index"/>.</summary>
    public float Coordinate(int index) => -HalfWidth + 2 * HalfWidth * index / (Size - 1);

    /// <summary>Runs <paramref name="network"/> (one sigmoid output) over a <paramref name="size"/> × <paramref name="size"/> grid, one row per batch.</summary>
    public static DecisionMap Compute(IInference network, int size)
    {
        if (network.InputSize != 2 || network.OutputSize != 1)
            throw new ArgumentException($"A decision map needs a network with 2 inputs and 1 output; this one has {network.InputSize} and {network.OutputSize}.", nameof(network));
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 2);
        var values = new float[size, size];
        var map = new DecisionMap(values);
        var inputs = new float[size * 2];
        var outputs = new float[size];
        for (int row = 0; row < size; row++)
        {
            for (int column = 0; column < size; column++)
            {
                inputs[2 * column] = map.Coordinate(column);
                inputs[2 * column + 1] = map.Coordinate(row);
            }
            network.Forward(inputs, outputs, size);
            for (int column = 0; column < size; column++) values[row, column] = outputs[column];
        }
        return map;
    }
}

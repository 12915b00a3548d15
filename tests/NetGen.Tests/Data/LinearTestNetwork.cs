namespace NetGen.Tests.Data;

/// <summary>
/// A hand-written single Dense layer with identity activation and MSE loss (y = W·x + b), implementing
/// <see cref="INetwork"/> with the documented parameter layout, so model files can be tested without the generator.
/// </summary>
internal sealed class LinearTestNetwork : INetwork
{
    private readonly float[] _parameters;
    private readonly float[] _gradients;

    private readonly float[] _statistics;

    /// <param name="runningStatistics">How many running statistics it keeps, standing in for BatchNorm layers' (none by default).</param>
    public LinearTestNetwork(int inputSize, int outputSize, string? architecture = null, int runningStatistics = 0)
    {
        _statistics = new float[runningStatistics];
        InputSize = inputSize;
        OutputSize = outputSize;
        _parameters = new float[outputSize * inputSize + outputSize];
        _gradients = new float[_parameters.Length];
        Architecture = architecture ?? $"Input({inputSize}) -> Dense({outputSize}, Identity) | MeanSquaredError"; // the canonical form generated networks use
    }

    public int InputSize { get; }
    public int OutputSize { get; }
    public int ParameterCount => _parameters.Length;
    public LossFunction Loss => LossFunction.MeanSquaredError;
    public string Architecture { get; }
    public Span<float> Parameters => _parameters;
    public Span<float> Gradients => _gradients;
    public Span<float> RunningStatistics => _statistics;

    public void Initialize(int seed)
    {
        var random = new Random(seed);
        float limit = MathF.Sqrt(6f / (InputSize + OutputSize));
        for (int i = 0; i < OutputSize * InputSize; i++) _parameters[i] = (float)(random.NextDouble() * 2 - 1) * limit;
        Array.Clear(_parameters, OutputSize * InputSize, OutputSize);
        Array.Clear(_gradients);
    }

    public void Forward(ReadOnlySpan<float> input, Span<float> output) => Forward(input, output, 1);

    public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        if (inputs.Length != batchSize * InputSize || outputs.Length != batchSize * OutputSize)
            throw new ArgumentException("Span sizes do not match the batch size.");
        for (int s = 0; s < batchSize; s++)
            for (int j = 0; j < OutputSize; j++)
            {
                float z = _parameters[OutputSize * InputSize + j];
                for (int i = 0; i < InputSize; i++) z += _parameters[j * InputSize + i] * inputs[s * InputSize + i];
                outputs[s * OutputSize + j] = z;
            }
    }

    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize)
    {
        var outputs = new float[batchSize * OutputSize];
        Forward(inputs, outputs, batchSize);
        Array.Clear(_gradients);
        float loss = 0f;
        float scale = 2f / (batchSize * OutputSize);
        for (int s = 0; s < batchSize; s++)
            for (int j = 0; j < OutputSize; j++)
            {
                float error = outputs[s * OutputSize + j] - targets[s * OutputSize + j];
                loss += error * error;
                for (int i = 0; i < InputSize; i++) _gradients[j * InputSize + i] += scale * error * inputs[s * InputSize + i];
                _gradients[OutputSize * InputSize + j] += scale * error;
            }
        return loss / (batchSize * OutputSize);
    }

    public int Predict(ReadOnlySpan<float> input)
    {
        var output = new float[OutputSize];
        Forward(input, output);
        return NetGen.Data.OneHot.ClassOf(output);
    }
}

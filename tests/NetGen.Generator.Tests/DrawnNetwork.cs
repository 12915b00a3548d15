using NetGen.Reference;

namespace NetGen.Generator.Tests;

/// <summary>
/// An <see cref="INetwork"/> that is only an architecture string with drawn parameters and running statistics: what the
/// ONNX exporter and model files read, for layer kinds whose generated code is checked elsewhere. It does not compute.
/// </summary>
internal sealed class DrawnNetwork : INetwork
{
    private readonly float[] _parameters, _statistics;

    /// <param name="architecture">The canonical architecture string.</param>
    /// <param name="seed">Draws the parameters in [-0.5, 0.5) and the running statistics in [0.5, 1.5).</param>
    /// <param name="runningStatistics">How many running statistics to keep, when not the architecture's count.</param>
    public DrawnNetwork(string architecture, int seed, int? runningStatistics = null)
    {
        Architecture = architecture;
        var reference = new ReferenceNetwork(Topology.Parse(architecture));
        var random = new Random(seed);
        _parameters = Enumerable.Range(0, reference.ParameterCount).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        _statistics = Enumerable.Range(0, runningStatistics ?? reference.RunningStatisticsCount).Select(_ => (float)(random.NextDouble() + 0.5)).ToArray();
        InputSize = reference.InputSize;
        OutputSize = reference.OutputSize;
        Loss = reference.Loss;
    }

    public string Architecture { get; }
    public int InputSize { get; }
    public int OutputSize { get; }
    public LossFunction Loss { get; }
    public int ParameterCount => _parameters.Length;
    public Span<float> Parameters => _parameters;
    public Span<float> RunningStatistics => _statistics;
    public Span<float> Gradients => throw new NotSupportedException();
    public void Forward(ReadOnlySpan<float> input, Span<float> output) => throw new NotSupportedException();
    public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) => throw new NotSupportedException();
    public int Predict(ReadOnlySpan<float> input) => throw new NotSupportedException();
    public void Initialize(int seed) => throw new NotSupportedException();
    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize) => throw new NotSupportedException();
}

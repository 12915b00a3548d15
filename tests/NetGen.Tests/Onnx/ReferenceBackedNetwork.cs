using NetGen.Reference;

namespace NetGen.Tests.Onnx;

/// <summary>
/// An <see cref="INetwork"/> made of an architecture string, parameters and running statistics, computing with the
/// double-precision <see cref="ReferenceNetwork"/> at inference: what the exporter reads, for layer kinds whose generated
/// code is checked elsewhere. Training is not part of it.
/// </summary>
internal sealed class ReferenceBackedNetwork : INetwork
{
    private readonly ReferenceNetwork _reference;
    private readonly float[] _parameters, _statistics;

    /// <param name="architecture">The canonical architecture string.</param>
    /// <param name="seed">Draws the parameters in [-0.5, 0.5), running means in [-0.5, 0.5) and variances in [0.5, 1.5).</param>
    /// <param name="extraStatistics">Running statistics beyond what the architecture keeps (negative: fewer), to check the exporter refuses them.</param>
    public ReferenceBackedNetwork(string architecture, int seed, int extraStatistics = 0)
    {
        Architecture = architecture;
        _reference = new ReferenceNetwork(Topology.Parse(architecture));
        var random = new Random(seed);
        _parameters = Enumerable.Range(0, _reference.ParameterCount).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        _statistics = new float[_reference.RunningStatisticsCount + extraStatistics];
        // Per BatchNorm layer: means in [-0.5, 0.5), then variances in [0.5, 1.5) (the layout is mean [C] then variance [C]).
        var topology = Topology.Parse(architecture);
        SampleShape shape = topology.InputShape ?? SampleShape.Flat(topology.InputSize);
        int at = 0;
        foreach (var layer in topology.Layers)
        {
            if (at + layer.RunningStatisticsCount(shape) > _statistics.Length) break;
            for (int c = 0; c < layer.RunningStatisticsCount(shape) / 2; c++)
            {
                _statistics[at + c] = (float)(random.NextDouble() - 0.5);
                _statistics[at + layer.RunningStatisticsCount(shape) / 2 + c] = (float)(random.NextDouble() + 0.5);
            }
            at += layer.RunningStatisticsCount(shape);
            shape = layer.OutputShape(shape);
        }
    }

    public string Architecture { get; }
    public int InputSize => _reference.InputSize;
    public int OutputSize => _reference.OutputSize;
    public LossFunction Loss => _reference.Loss;
    public int ParameterCount => _parameters.Length;
    public Span<float> Parameters => _parameters;
    public Span<float> Gradients => throw new NotSupportedException();
    public Span<float> RunningStatistics => _statistics;

    /// <summary>The reference's inference outputs for a batch, in double precision.</summary>
    public double[] Infer(ReadOnlySpan<float> inputs, int batchSize)
    {
        double[] statistics = _statistics.Select(v => (double)v).ToArray();
        return _reference.Forward(_parameters.Select(v => (double)v).ToArray(), statistics,
            inputs.ToArray().Select(v => (double)v).ToArray(), batchSize, training: false);
    }

    public void Forward(ReadOnlySpan<float> input, Span<float> output) => Forward(input, output, 1);

    public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        double[] result = Infer(inputs, batchSize);
        for (int i = 0; i < result.Length; i++) outputs[i] = (float)result[i];
    }

    public int Predict(ReadOnlySpan<float> input) => throw new NotSupportedException();
    public void Initialize(int seed) => throw new NotSupportedException();
    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize) => throw new NotSupportedException();
}

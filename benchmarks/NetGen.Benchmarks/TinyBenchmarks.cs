using BenchmarkDotNet.Attributes;
using NetGen.Optimizers;

namespace NetGen.Benchmarks;

/// <summary>W1, XOR 2-4-1 (tanh, sigmoid): single-sample forward, one SGD step on the four rows, training to BCE &lt; 0.01.</summary>
[MemoryDiagnoser]
public class TinyBenchmarks
{
    private readonly XorNet _xor = new(1);
    private readonly Sgd _sgd = new(0.5f, momentum: 0.9f);
    private readonly float[] _input = [1f, 0f];
    private readonly float[] _output = new float[1];
    private readonly float[] _inputs = [0, 0, 0, 1, 1, 0, 1, 1];
    private readonly float[] _targets = [0, 1, 1, 0];
    private OnnxRunner _onnx = null!;

    [GlobalSetup]
    public void Setup()
    {
        _onnx = new OnnxRunner(_xor, _input, _output, 1);
        SgdStep();
    }

    [GlobalCleanup]
    public void Cleanup() => _onnx.Dispose();

    [Benchmark(Description = "W1 XOR forward: NetGen")]
    public float Forward()
    {
        _xor.Forward(_input, _output);
        return _output[0];
    }

    [Benchmark(Description = "W1 XOR forward: ONNX Runtime")]
    public void ForwardOnnx() => _onnx.Run();

    [Benchmark(Description = "W1 XOR SGD step (4 rows): NetGen")]
    public float SgdStep()
    {
        float loss = _xor.ComputeGradients(_inputs, _targets, 4);
        _sgd.Step(_xor.Parameters, _xor.Gradients);
        return loss;
    }

    [Benchmark(Description = "W1 XOR training from seed 1 to BCE < 0.01: NetGen")]
    public int TrainToConvergence()
    {
        var net = new XorNet(1);
        var sgd = new Sgd(0.5f, momentum: 0.9f);
        for (int step = 1; step <= 10_000; step++)
        {
            float loss = net.ComputeGradients(_inputs, _targets, 4);
            if (loss < 0.01f) return step;
            sgd.Step(net.Parameters, net.Gradients);
        }
        return -1;
    }
}

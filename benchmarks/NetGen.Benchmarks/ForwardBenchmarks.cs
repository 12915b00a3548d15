using BenchmarkDotNet.Attributes;
using NetGen.Reference;

namespace NetGen.Benchmarks;

/// <summary>Inference: W1 XOR single sample; W2 MNIST single sample and batches of 64 and 1024.</summary>
[MemoryDiagnoser]
public class ForwardBenchmarks
{
    private readonly XorNet _xor = new(1);
    private readonly MnistNet _mnist = new(1);
    private readonly float[] _xorInput = [1f, 0f];
    private readonly float[] _xorOutput = new float[1];
    private float[] _images = [];
    private readonly float[] _output = new float[10];
    private float[] _outputs = [];
    private readonly TensorPrimitivesMlp _tensorPrimitives = new([784, 128, 64, 10]);
    private ReferenceNetwork _reference = null!;
    private double[] _referenceParameters = [];
    private double[] _referenceInput = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _images = Enumerable.Range(0, 1024 * 784).Select(_ => (float)random.NextDouble()).ToArray();
        _outputs = new float[1024 * 10];
        _reference = new ReferenceNetwork(784, [ReferenceLayer.Dense(128, Activation.ReLU), ReferenceLayer.Dense(64, Activation.ReLU), ReferenceLayer.Dense(10, Activation.Softmax)], LossFunction.CrossEntropy);
        _referenceParameters = _mnist.Parameters.ToArray().Select(v => (double)v).ToArray();
        _referenceInput = _images.Take(784).Select(v => (double)v).ToArray();
    }

    [Benchmark(Description = "W1 XOR forward: NetGen")]
    public float XorForward()
    {
        _xor.Forward(_xorInput, _xorOutput);
        return _xorOutput[0];
    }

    [Benchmark(Description = "W2 MNIST forward, 1 sample: NetGen")]
    public float MnistForward()
    {
        _mnist.Forward(_images.AsSpan(0, 784), _output);
        return _output[0];
    }

    [Benchmark(Description = "W2 MNIST forward, 1 sample: TensorPrimitives by hand")]
    public float MnistForwardTensorPrimitives()
    {
        _tensorPrimitives.Forward(_mnist.Parameters, _images.AsSpan(0, 784), _output);
        return _output[0];
    }

    [Benchmark(Description = "W2 MNIST forward, 1 sample: plain-loop reference (double)")]
    public double MnistForwardReference() => _reference.Forward(_referenceParameters, _referenceInput)[0];

    [Benchmark(Description = "W2 MNIST forward, batch 64: NetGen", OperationsPerInvoke = 64)]
    public float MnistForwardBatch64()
    {
        _mnist.Forward(_images.AsSpan(0, 64 * 784), _outputs.AsSpan(0, 64 * 10), 64);
        return _outputs[0];
    }

    [Benchmark(Description = "W2 MNIST forward, batch 1024: NetGen", OperationsPerInvoke = 1024)]
    public float MnistForwardBatch1024()
    {
        _mnist.Forward(_images, _outputs, 1024);
        return _outputs[0];
    }
}

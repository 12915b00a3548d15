using BenchmarkDotNet.Attributes;
using NetGen.Optimizers;

namespace NetGen.Benchmarks;

/// <summary>Training steps (ComputeGradients + optimizer step): W1 XOR with SGD; W2 MNIST and W3 wide with Adam, on 1 and 2 threads. Samples/s = BatchSize / Mean.</summary>
[MemoryDiagnoser]
public class TrainingBenchmarks
{
    private readonly XorNet _xor = new(1);
    private readonly Sgd _sgd = new(0.5f, momentum: 0.9f);
    private readonly float[] _xorInputs = [0, 0, 0, 1, 1, 0, 1, 1];
    private readonly float[] _xorTargets = [0, 1, 1, 0];
    private readonly MnistNet _mnist = new(1);
    private readonly WideNet _wide = new(1);
    private readonly Adam _mnistAdam = new(1e-3f);
    private readonly Adam _wideAdam = new(1e-3f);
    private float[] _images = [];
    private float[] _labels = [];

    [Params(32, 64, 128)]
    public int BatchSize { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        _images = Enumerable.Range(0, 128 * 784).Select(_ => (float)random.NextDouble()).ToArray();
        _labels = new float[128 * 10];
        for (int s = 0; s < 128; s++) _labels[s * 10 + random.Next(10)] = 1f;
        _mnist.TrainingThreads = Threads;
        _wide.TrainingThreads = Threads;
        // Warm the optimizers' state and the networks' training buffers.
        MnistAdamStep();
        WideAdamStep();
        XorSgdStep();
    }

    [Benchmark(Description = "W1 XOR SGD step (batch 4)")]
    public float XorSgdStep()
    {
        float loss = _xor.ComputeGradients(_xorInputs, _xorTargets, 4);
        _sgd.Step(_xor.Parameters, _xor.Gradients);
        return loss;
    }

    [Benchmark(Description = "W2 MNIST Adam step")]
    public float MnistAdamStep()
    {
        float loss = _mnist.ComputeGradients(_images.AsSpan(0, BatchSize * 784), _labels.AsSpan(0, BatchSize * 10), BatchSize);
        _mnistAdam.Step(_mnist.Parameters, _mnist.Gradients);
        return loss;
    }

    [Benchmark(Description = "W3 wide Adam step")]
    public float WideAdamStep()
    {
        float loss = _wide.ComputeGradients(_images.AsSpan(0, BatchSize * 784), _labels.AsSpan(0, BatchSize * 10), BatchSize);
        _wideAdam.Step(_wide.Parameters, _wide.Gradients);
        return loss;
    }
}

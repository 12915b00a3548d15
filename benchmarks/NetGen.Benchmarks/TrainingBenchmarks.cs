using BenchmarkDotNet.Attributes;
using NetGen.Optimizers;

namespace NetGen.Benchmarks;

/// <summary>Training steps (ComputeGradients + Adam step, both on the same number of threads): 784-128-64-10 (MNIST) and 784-512-512-10 (wide), on 1 and 2 threads. Samples/s = BatchSize / Mean.</summary>
[MemoryDiagnoser]
public class TrainingBenchmarks
{
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
        _mnistAdam.Threads = Threads; // the update of the parameters is split too
        _wideAdam.Threads = Threads;
        // Warm the optimizers' state and the networks' training buffers.
        MnistAdamStep();
        WideAdamStep();
    }

    [Benchmark(Description = "784-128-64-10 Adam step")]
    public float MnistAdamStep()
    {
        float loss = _mnist.ComputeGradients(_images.AsSpan(0, BatchSize * 784), _labels.AsSpan(0, BatchSize * 10), BatchSize);
        _mnistAdam.Step(_mnist.Parameters, _mnist.Gradients);
        return loss;
    }

    [Benchmark(Description = "784-512-512-10 Adam step")]
    public float WideAdamStep()
    {
        float loss = _wide.ComputeGradients(_images.AsSpan(0, BatchSize * 784), _labels.AsSpan(0, BatchSize * 10), BatchSize);
        _wideAdam.Step(_wide.Parameters, _wide.Gradients);
        return loss;
    }
}

using BenchmarkDotNet.Attributes;
using NetGen.Quantization;

namespace NetGen.Benchmarks;

/// <summary>
/// Int8 inference against the frozen float32 network, one thread: W2 MNIST 784-128-64-10 single sample and batches of 64
/// and 1024, W3 784-512-512-10 batch of 1024. Batched rows report time per sample (OperationsPerInvoke = batch). The
/// int8 rows run on <see cref="QuantizedNetwork.InstructionSet"/> (printed by the setup).
/// </summary>
[MemoryDiagnoser]
public class QuantizedBenchmarks
{
    private readonly MnistNet _mnist = new(1);
    private readonly WideNet _wide = new(1);
    private FrozenNetwork _mnistFrozen = null!, _wideFrozen = null!;
    private QuantizedNetwork _mnistInt8 = null!, _wideInt8 = null!;
    private float[] _images = [];
    private readonly float[] _output = new float[10];
    private float[] _outputs = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _images = Enumerable.Range(0, 1024 * 784).Select(_ => (float)random.NextDouble()).ToArray();
        _outputs = new float[1024 * 10];
        _mnistFrozen = _mnist.Freeze();
        _wideFrozen = _wide.Freeze();
        _mnistInt8 = _mnist.Quantize(_images.AsSpan(0, 256 * 784), 256);
        _wideInt8 = _wide.Quantize(_images.AsSpan(0, 256 * 784), 256);
        Console.WriteLine($"// int8 instruction set: {QuantizedNetwork.InstructionSet}");
    }

    [Benchmark(Description = "W2 forward, 1 sample: NetGen frozen float32", Baseline = true)]
    public float MnistSingleFrozen()
    {
        _mnistFrozen.Forward(_images.AsSpan(0, 784), _output);
        return _output[0];
    }

    [Benchmark(Description = "W2 forward, 1 sample: NetGen int8")]
    public float MnistSingleInt8()
    {
        _mnistInt8.Forward(_images.AsSpan(0, 784), _output);
        return _output[0];
    }

    [Benchmark(Description = "W2 forward, batch 64, per sample: NetGen frozen float32", OperationsPerInvoke = 64)]
    public float Mnist64Frozen()
    {
        _mnistFrozen.Forward(_images.AsSpan(0, 64 * 784), _outputs.AsSpan(0, 640), 64);
        return _outputs[0];
    }

    [Benchmark(Description = "W2 forward, batch 64, per sample: NetGen int8", OperationsPerInvoke = 64)]
    public float Mnist64Int8()
    {
        _mnistInt8.Forward(_images.AsSpan(0, 64 * 784), _outputs.AsSpan(0, 640), 64);
        return _outputs[0];
    }

    [Benchmark(Description = "W2 forward, batch 1024, per sample: NetGen frozen float32", OperationsPerInvoke = 1024)]
    public float Mnist1024Frozen()
    {
        _mnistFrozen.Forward(_images, _outputs, 1024);
        return _outputs[0];
    }

    [Benchmark(Description = "W2 forward, batch 1024, per sample: NetGen int8", OperationsPerInvoke = 1024)]
    public float Mnist1024Int8()
    {
        _mnistInt8.Forward(_images, _outputs, 1024);
        return _outputs[0];
    }

    [Benchmark(Description = "W3 forward, 1 sample: NetGen frozen float32")]
    public float WideSingleFrozen()
    {
        _wideFrozen.Forward(_images.AsSpan(0, 784), _output);
        return _output[0];
    }

    [Benchmark(Description = "W3 forward, 1 sample: NetGen int8")]
    public float WideSingleInt8()
    {
        _wideInt8.Forward(_images.AsSpan(0, 784), _output);
        return _output[0];
    }

    [Benchmark(Description = "W3 forward, batch 1024, per sample: NetGen frozen float32", OperationsPerInvoke = 1024)]
    public float Wide1024Frozen()
    {
        _wideFrozen.Forward(_images, _outputs, 1024);
        return _outputs[0];
    }

    [Benchmark(Description = "W3 forward, batch 1024, per sample: NetGen int8", OperationsPerInvoke = 1024)]
    public float Wide1024Int8()
    {
        _wideInt8.Forward(_images, _outputs, 1024);
        return _outputs[0];
    }
}

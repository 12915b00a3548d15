using BenchmarkDotNet.Attributes;
using NetGen.Reference;

namespace NetGen.Benchmarks;

/// <summary>
/// Inference, one thread: the MNIST MLP 784-128-64-10 single sample and batches of 64 and 1024;
/// the wide MLP 784-512-512-10 batches of 64 and 1024. Batched rows report time per sample (OperationsPerInvoke = batch). "NetGen" is the live
/// network (its batched kernels transpose the weights on every call); "NetGen frozen" is its <see cref="INetwork.Freeze"/>
/// snapshot, weights transposed once, as ONNX Runtime packs them once when its session is created.
/// </summary>
[MemoryDiagnoser]
public class ForwardBenchmarks
{
    private readonly MnistNet _mnist = new(1);
    private readonly WideNet _wide = new(1);
    private FrozenNetwork _mnistFrozen = null!, _wideFrozen = null!;
    private float[] _images = [];
    private readonly float[] _output = new float[10];
    private float[] _outputs = [];
    private readonly TensorPrimitivesMlp _tensorPrimitives = new([784, 128, 64, 10]);
    private ReferenceNetwork _reference = null!;
    private double[] _referenceParameters = [];
    private double[] _referenceInput = [];
    private OnnxRunner _onnx1 = null!, _onnx64 = null!, _onnx1024 = null!, _onnxWide64 = null!, _onnxWide = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _images = Enumerable.Range(0, 1024 * 784).Select(_ => (float)random.NextDouble()).ToArray();
        _outputs = new float[1024 * 10];
        _reference = new ReferenceNetwork(784, [ReferenceLayer.Dense(128, Activation.ReLU), ReferenceLayer.Dense(64, Activation.ReLU), ReferenceLayer.Dense(10, Activation.Softmax)], LossFunction.CrossEntropy);
        _referenceParameters = _mnist.Parameters.ToArray().Select(v => (double)v).ToArray();
        _referenceInput = _images.Take(784).Select(v => (double)v).ToArray();
        _mnistFrozen = _mnist.Freeze();
        _wideFrozen = _wide.Freeze();
        _onnx1 = new OnnxRunner(_mnist, _images[..784], _output, 1);
        _onnx64 = new OnnxRunner(_mnist, _images[..(64 * 784)], new float[64 * 10], 64);
        _onnx1024 = new OnnxRunner(_mnist, _images, _outputs, 1024);
        _onnxWide64 = new OnnxRunner(_wide, _images[..(64 * 784)], new float[64 * 10], 64);
        _onnxWide = new OnnxRunner(_wide, _images, new float[1024 * 10], 1024);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var runner in new[] { _onnx1, _onnx64, _onnx1024, _onnxWide64, _onnxWide }) runner.Dispose();
    }

    [Benchmark(Description = "784-128-64-10 forward, 1 sample: NetGen")]
    public float MnistForward()
    {
        _mnist.Forward(_images.AsSpan(0, 784), _output);
        return _output[0];
    }

    [Benchmark(Description = "784-128-64-10 forward, 1 sample: TensorPrimitives by hand")]
    public float MnistForwardTensorPrimitives()
    {
        _tensorPrimitives.Forward(_mnist.Parameters, _images.AsSpan(0, 784), _output);
        return _output[0];
    }

    [Benchmark(Description = "784-128-64-10 forward, 1 sample: plain-loop reference (double)")]
    public double MnistForwardReference() => _reference.Forward(_referenceParameters, _referenceInput)[0];

    [Benchmark(Description = "784-128-64-10 forward, 1 sample: ONNX Runtime")]
    public void MnistForwardOnnx() => _onnx1.Run();

    [Benchmark(Description = "784-128-64-10 forward, batch 64, per sample: NetGen", OperationsPerInvoke = 64)]
    public float MnistForwardBatch64()
    {
        _mnist.Forward(_images.AsSpan(0, 64 * 784), _outputs.AsSpan(0, 64 * 10), 64);
        return _outputs[0];
    }

    [Benchmark(Description = "784-128-64-10 forward, batch 64, per sample: NetGen frozen", OperationsPerInvoke = 64)]
    public float MnistForwardBatch64Frozen()
    {
        _mnistFrozen.Forward(_images.AsSpan(0, 64 * 784), _outputs.AsSpan(0, 64 * 10), 64);
        return _outputs[0];
    }

    [Benchmark(Description = "784-128-64-10 forward, batch 64, per sample: ONNX Runtime", OperationsPerInvoke = 64)]
    public void MnistForwardBatch64Onnx() => _onnx64.Run();

    [Benchmark(Description = "784-128-64-10 forward, batch 1024, per sample: NetGen", OperationsPerInvoke = 1024)]
    public float MnistForwardBatch1024()
    {
        _mnist.Forward(_images, _outputs, 1024);
        return _outputs[0];
    }

    [Benchmark(Description = "784-128-64-10 forward, batch 1024, per sample: NetGen frozen", OperationsPerInvoke = 1024)]
    public float MnistForwardBatch1024Frozen()
    {
        _mnistFrozen.Forward(_images, _outputs, 1024);
        return _outputs[0];
    }

    [Benchmark(Description = "784-128-64-10 forward, batch 1024, per sample: ONNX Runtime", OperationsPerInvoke = 1024)]
    public void MnistForwardBatch1024Onnx() => _onnx1024.Run();

    [Benchmark(Description = "784-512-512-10 forward, batch 64, per sample: NetGen frozen", OperationsPerInvoke = 64)]
    public float WideForwardBatch64Frozen()
    {
        _wideFrozen.Forward(_images.AsSpan(0, 64 * 784), _outputs.AsSpan(0, 64 * 10), 64);
        return _outputs[0];
    }

    [Benchmark(Description = "784-512-512-10 forward, batch 64, per sample: ONNX Runtime", OperationsPerInvoke = 64)]
    public void WideForwardBatch64Onnx() => _onnxWide64.Run();

    [Benchmark(Description = "784-512-512-10 forward, batch 1024, per sample: NetGen", OperationsPerInvoke = 1024)]
    public float WideForwardBatch1024()
    {
        _wide.Forward(_images, _outputs, 1024);
        return _outputs[0];
    }

    [Benchmark(Description = "784-512-512-10 forward, batch 1024, per sample: NetGen frozen", OperationsPerInvoke = 1024)]
    public float WideForwardBatch1024Frozen()
    {
        _wideFrozen.Forward(_images, _outputs, 1024);
        return _outputs[0];
    }

    [Benchmark(Description = "784-512-512-10 forward, batch 1024, per sample: ONNX Runtime", OperationsPerInvoke = 1024)]
    public void WideForwardBatch1024Onnx() => _onnxWide.Run();
}

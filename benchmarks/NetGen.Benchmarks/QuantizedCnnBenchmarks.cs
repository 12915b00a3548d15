using BenchmarkDotNet.Attributes;
using NetGen.Quantization;

namespace NetGen.Benchmarks;

/// <summary>
/// Int8 inference of the digits CNN (<see cref="CnnNet"/>, the weights of <see cref="CnnBenchmarks"/>) against its frozen
/// float32 snapshot and ONNX Runtime float32 (PyTorch's export, benchmarks/cnn/digits_cnn.onnx), one thread: one image
/// and batches of 64 and 1024 (per sample). The int8 network is calibrated on the first 256 benchmark images; its
/// convolutions run as im2col products on the int8 kernels of <see cref="QuantizedNetwork.InstructionSet"/> (printed by
/// the setup). 3,024,384 multiply-adds per sample.
/// </summary>
[MemoryDiagnoser]
public class QuantizedCnnBenchmarks
{
    private const int Pixels = 28 * 28, Classes = 10, MaxBatch = 1024;

    private readonly CnnNet _net = new(1);
    private FrozenNetwork _frozen = null!;
    private QuantizedNetwork _int8 = null!;
    private OnnxRunner _onnx1 = null!, _onnx64 = null!, _onnx1024 = null!;
    private float[] _images = [];
    private readonly float[] _output = new float[Classes], _outputs = new float[MaxBatch * Classes];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(24);
        _images = Enumerable.Range(0, MaxBatch * Pixels).Select(_ => (float)random.NextDouble()).ToArray();
        CnnBenchmarks.LoadParameters().CopyTo(_net.Parameters);
        _frozen = _net.Freeze();
        _int8 = _net.Quantize(_images.AsSpan(0, 256 * Pixels), 256);
        byte[] model = CnnBenchmarks.Resource("digits_cnn.onnx");
        _onnx1 = new OnnxRunner(model, _images[..Pixels], [1, 1, 28, 28], new float[Classes], [1, Classes]);
        _onnx64 = new OnnxRunner(model, _images[..(64 * Pixels)], [64, 1, 28, 28], new float[64 * Classes], [64, Classes]);
        _onnx1024 = new OnnxRunner(model, _images, [MaxBatch, 1, 28, 28], new float[MaxBatch * Classes], [MaxBatch, Classes]);

        // The int8 network must classify (nearly) as the float one does before it is timed.
        var floats = new float[MaxBatch * Classes];
        _frozen.Forward(_images, floats, MaxBatch);
        _int8.Forward(_images, _outputs, MaxBatch);
        int same = Enumerable.Range(0, MaxBatch).Count(s => ArgMax(floats, s) == ArgMax(_outputs, s));
        if (same < MaxBatch * 0.95)
            throw new InvalidOperationException($"The int8 CNN agrees with the float one on {same} of {MaxBatch} images.");
        Console.WriteLine($"// int8 instruction set: {QuantizedNetwork.InstructionSet}; {same} of {MaxBatch} predictions as float32");
    }

    private static int ArgMax(float[] rows, int s)
    {
        int best = 0;
        for (int k = 1; k < Classes; k++) if (rows[s * Classes + k] > rows[s * Classes + best]) best = k;
        return best;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var runner in new[] { _onnx1, _onnx64, _onnx1024 }) runner?.Dispose();
    }

    [Benchmark(Description = "CNN forward, 1 image: NetGen frozen float32", Baseline = true)]
    public float SingleFrozen()
    {
        _frozen.Forward(_images.AsSpan(0, Pixels), _output);
        return _output[0];
    }

    [Benchmark(Description = "CNN forward, 1 image: NetGen int8")]
    public float SingleInt8()
    {
        _int8.Forward(_images.AsSpan(0, Pixels), _output);
        return _output[0];
    }

    [Benchmark(Description = "CNN forward, 1 image: ONNX Runtime float32")]
    public void SingleOnnx() => _onnx1.Run();

    [Benchmark(Description = "CNN forward, batch 64, per sample: NetGen frozen float32", OperationsPerInvoke = 64)]
    public float Batch64Frozen() => Batch(_frozen, 64);

    [Benchmark(Description = "CNN forward, batch 64, per sample: NetGen int8", OperationsPerInvoke = 64)]
    public float Batch64Int8() => Batch(_int8, 64);

    [Benchmark(Description = "CNN forward, batch 64, per sample: ONNX Runtime float32", OperationsPerInvoke = 64)]
    public void Batch64Onnx() => _onnx64.Run();

    [Benchmark(Description = "CNN forward, batch 1024, per sample: NetGen frozen float32", OperationsPerInvoke = MaxBatch)]
    public float Batch1024Frozen() => Batch(_frozen, MaxBatch);

    [Benchmark(Description = "CNN forward, batch 1024, per sample: NetGen int8", OperationsPerInvoke = MaxBatch)]
    public float Batch1024Int8() => Batch(_int8, MaxBatch);

    [Benchmark(Description = "CNN forward, batch 1024, per sample: ONNX Runtime float32", OperationsPerInvoke = MaxBatch)]
    public void Batch1024Onnx() => _onnx1024.Run();

    private float Batch(IInference network, int batch)
    {
        network.Forward(_images.AsSpan(0, batch * Pixels), _outputs.AsSpan(0, batch * Classes), batch);
        return _outputs[0];
    }
}

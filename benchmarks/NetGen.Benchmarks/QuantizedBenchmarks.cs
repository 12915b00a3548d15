using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;
using NetGen.Quantization;

namespace NetGen.Benchmarks;

/// <summary>
/// Int8 inference against the frozen float32 network and ONNX Runtime float32 (the same weights through NetGen's ONNX
/// export), one thread: W2 MNIST 784-128-64-10 single sample and batches of 64 and 1024, W3 784-512-512-10 single
/// sample and batch of 1024. Batched rows report time per sample (OperationsPerInvoke = batch). The int8 rows run on
/// <see cref="QuantizedNetwork.InstructionSet"/> (printed by the setup). The last row is the int8 kernel's arithmetic
/// ceiling on AVX-512BW, to read next to <see cref="PeakFlopsBenchmarks"/>' FMA peak.
/// </summary>
[MemoryDiagnoser]
public class QuantizedBenchmarks
{
    private const int PeakIterations = 1 << 16;
    private const int PeakAccumulators = 12;

    private readonly MnistNet _mnist = new(1);
    private readonly WideNet _wide = new(1);
    private FrozenNetwork _mnistFrozen = null!, _wideFrozen = null!;
    private QuantizedNetwork _mnistInt8 = null!, _wideInt8 = null!;
    private float[] _images = [];
    private readonly float[] _output = new float[10];
    private float[] _outputs = [];
    private OnnxRunner _onnx1 = null!, _onnx64 = null!, _onnx1024 = null!, _onnxWide1 = null!, _onnxWide1024 = null!;

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
        _onnx1 = new OnnxRunner(_mnist, _images[..784], new float[10], 1);
        _onnx64 = new OnnxRunner(_mnist, _images[..(64 * 784)], new float[64 * 10], 64);
        _onnx1024 = new OnnxRunner(_mnist, _images, new float[1024 * 10], 1024);
        _onnxWide1 = new OnnxRunner(_wide, _images[..784], new float[10], 1);
        _onnxWide1024 = new OnnxRunner(_wide, _images, new float[1024 * 10], 1024);
        Console.WriteLine($"// int8 instruction set: {QuantizedNetwork.InstructionSet}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var runner in new[] { _onnx1, _onnx64, _onnx1024, _onnxWide1, _onnxWide1024 }) runner?.Dispose();
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

    [Benchmark(Description = "W2 forward, 1 sample: ONNX Runtime float32")]
    public void MnistSingleOnnx() => _onnx1.Run();

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

    [Benchmark(Description = "W2 forward, batch 64, per sample: ONNX Runtime float32", OperationsPerInvoke = 64)]
    public void Mnist64Onnx() => _onnx64.Run();

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

    [Benchmark(Description = "W2 forward, batch 1024, per sample: ONNX Runtime float32", OperationsPerInvoke = 1024)]
    public void Mnist1024Onnx() => _onnx1024.Run();

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

    [Benchmark(Description = "W3 forward, 1 sample: ONNX Runtime float32")]
    public void WideSingleOnnx() => _onnxWide1.Run();

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

    [Benchmark(Description = "W3 forward, batch 1024, per sample: ONNX Runtime float32", OperationsPerInvoke = 1024)]
    public void Wide1024Onnx() => _onnxWide1024.Run();

    /// <summary>
    /// What the AVX-512BW int8 kernel's inner step costs with no memory traffic: per operation, two <c>vpmaddubsw</c>, a
    /// <c>vpaddw</c>, a <c>vpmaddwd</c> by ones and a <c>vpaddd</c> into one of twelve independent accumulators, which is
    /// 128 multiply-adds (16 int32 lanes × 8). GMAC/s = 128 / Mean(ns); against the FMA peak's 16 per operation.
    /// </summary>
    [Benchmark(Description = "int8 peak: 2 vpmaddubsw + vpaddw + vpmaddwd + vpaddd (128 multiply-adds)", OperationsPerInvoke = PeakIterations * PeakAccumulators)]
    public int Int8Peak()
    {
        if (!Avx512BW.IsSupported) return 0;
        Vector512<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector512<int> a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
        Vector512<sbyte> w = Vector512.Create((sbyte)3), v = Vector512.Create((sbyte)-5);
        Vector512<byte> x = Vector512.Create((byte)7), y = Vector512.Create((byte)11), step = Vector512.Create((byte)1);
        for (int i = 0; i < PeakIterations; i++)
        {
            // The codes change every iteration so that no product is loop-invariant.
            x += step;
            y += step;
            a0 += Octets(x, w, y, v); a1 += Octets(y, w, x, v); a2 += Octets(x, v, y, w); a3 += Octets(y, v, x, w);
            a4 += Octets(x, w, x, v); a5 += Octets(y, w, y, v); a6 += Octets(x, v, x, w); a7 += Octets(y, v, y, w);
            a8 += Octets(x, w, y, w); a9 += Octets(y, v, x, v); a10 += Octets(x, v, y, v); a11 += Octets(y, w, x, w);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Octets(Vector512<byte> x, Vector512<sbyte> w, Vector512<byte> y, Vector512<sbyte> v) =>
        Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, w) + Avx512BW.MultiplyAddAdjacent(y, v), Vector512<short>.One);
}

using System.Reflection;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using NetGen.Optimizers;

namespace NetGen.Benchmarks;

/// <summary>
/// The digits CNN (<see cref="CnnNet"/>: Conv(1→16, 5, pad 2)-ReLU-MaxPool 2-Conv(16→32, 5, pad 2)-ReLU-MaxPool 2-
/// Dense 128 ReLU-Dense 10 softmax, cross-entropy): one Adam training step at batch 64 on 1 and 2 threads, and
/// inference of one image and batches of 64 and 1024 (per sample), live and frozen, against ONNX Runtime on one thread.
/// <para>
/// Work per sample, in multiply-adds: forward 3,024,384 (conv1 313,600, conv2 2,508,800, dense 200,704 and 1,280),
/// 6.05 MFLOP; a training step 8,759,552 (forward and weight gradient of every layer, input gradient of every layer but
/// the first), 17.52 MFLOP, of which the two convolutions are 8,153,600 (93 %). % of peak = batch × FLOP per sample ÷
/// time ÷ the peak of <see cref="PeakFlopsBenchmarks"/> in the same run: the batch-64 step is 1,121 MFLOP.
/// </para>
/// <para>
/// ONNX Runtime runs benchmarks/cnn/digits_cnn.onnx, exported by PyTorch (benchmarks/cnn/make_digits_cnn.py), and every
/// NetGen network here starts from the same weights (digits_cnn.parameters, NetGen's layout). The setup checks that
/// NetGen, live and frozen, and ONNX Runtime give the same outputs within 1e-4 before anything is timed.
/// </para>
/// </summary>
[MemoryDiagnoser]
public class CnnBenchmarks
{
    private const int Pixels = 28 * 28, Classes = 10, TrainingBatch = 64, MaxBatch = 1024;
    private const float Tolerance = 1e-4f;

    private readonly CnnNet _live = new(1), _oneThread = new(1), _twoThreads = new(1);
    private readonly Adam _oneThreadAdam = new(1e-3f), _twoThreadsAdam = new(1e-3f) { Threads = 2 };
    private FrozenNetwork _frozen = null!;
    private OnnxRunner _onnx1 = null!, _onnx64 = null!, _onnx1024 = null!;
    private float[] _images = [], _labels = [];
    private readonly float[] _output = new float[Classes], _outputs = new float[MaxBatch * Classes];
    private readonly float[] _onnxOutput = new float[Classes], _onnxOutputs64 = new float[64 * Classes], _onnxOutputs1024 = new float[MaxBatch * Classes];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(24);
        _images = Enumerable.Range(0, MaxBatch * Pixels).Select(_ => (float)random.NextDouble()).ToArray();
        _labels = new float[TrainingBatch * Classes];
        for (int s = 0; s < TrainingBatch; s++) _labels[s * Classes + random.Next(Classes)] = 1f;

        float[] parameters = LoadParameters();
        foreach (var network in new[] { _live, _oneThread, _twoThreads })
        {
            if (parameters.Length != network.Parameters.Length)
                throw new InvalidOperationException($"digits_cnn.parameters holds {parameters.Length} values; CnnNet has {network.Parameters.Length}.");
            parameters.CopyTo(network.Parameters);
        }
        _twoThreads.TrainingThreads = 2;
        _frozen = _live.Freeze();
        byte[] model = Resource("digits_cnn.onnx");
        _onnx1 = new OnnxRunner(model, _images[..Pixels], [1, 1, 28, 28], _onnxOutput, [1, Classes]);
        _onnx64 = new OnnxRunner(model, _images[..(64 * Pixels)], [64, 1, 28, 28], _onnxOutputs64, [64, Classes]);
        _onnx1024 = new OnnxRunner(model, _images, [MaxBatch, 1, 28, 28], _onnxOutputs1024, [MaxBatch, Classes]);
        CheckSameOutputs();

        // Warm the optimizers' state and the networks' training buffers.
        AdamStepOneThread();
        AdamStepTwoThreads();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var runner in new[] { _onnx1, _onnx64, _onnx1024 }) runner.Dispose();
    }

    [Benchmark(Description = "CNN Adam step, batch 64, 1 thread: NetGen")]
    public float AdamStepOneThread()
    {
        float loss = _oneThread.ComputeGradients(_images.AsSpan(0, TrainingBatch * Pixels), _labels, TrainingBatch);
        _oneThreadAdam.Step(_oneThread.Parameters, _oneThread.Gradients);
        return loss;
    }

    [Benchmark(Description = "CNN Adam step, batch 64, 2 threads: NetGen")]
    public float AdamStepTwoThreads()
    {
        float loss = _twoThreads.ComputeGradients(_images.AsSpan(0, TrainingBatch * Pixels), _labels, TrainingBatch);
        _twoThreadsAdam.Step(_twoThreads.Parameters, _twoThreads.Gradients);
        return loss;
    }

    [Benchmark(Description = "CNN forward, 1 image: NetGen")]
    public float Forward()
    {
        _live.Forward(_images.AsSpan(0, Pixels), _output);
        return _output[0];
    }

    [Benchmark(Description = "CNN forward, 1 image: NetGen frozen")]
    public float ForwardFrozen()
    {
        _frozen.Forward(_images.AsSpan(0, Pixels), _output);
        return _output[0];
    }

    [Benchmark(Description = "CNN forward, 1 image: ONNX Runtime")]
    public void ForwardOnnx() => _onnx1.Run();

    [Benchmark(Description = "CNN forward, batch 64, per sample: NetGen", OperationsPerInvoke = 64)]
    public float ForwardBatch64() => Batch(_live, 64);

    [Benchmark(Description = "CNN forward, batch 64, per sample: NetGen frozen", OperationsPerInvoke = 64)]
    public float ForwardBatch64Frozen() => Batch(_frozen, 64);

    [Benchmark(Description = "CNN forward, batch 64, per sample: ONNX Runtime", OperationsPerInvoke = 64)]
    public void ForwardBatch64Onnx() => _onnx64.Run();

    [Benchmark(Description = "CNN forward, batch 1024, per sample: NetGen", OperationsPerInvoke = MaxBatch)]
    public float ForwardBatch1024() => Batch(_live, MaxBatch);

    [Benchmark(Description = "CNN forward, batch 1024, per sample: NetGen frozen", OperationsPerInvoke = MaxBatch)]
    public float ForwardBatch1024Frozen() => Batch(_frozen, MaxBatch);

    [Benchmark(Description = "CNN forward, batch 1024, per sample: ONNX Runtime", OperationsPerInvoke = MaxBatch)]
    public void ForwardBatch1024Onnx() => _onnx1024.Run();

    private float Batch(IInference network, int batch)
    {
        network.Forward(_images.AsSpan(0, batch * Pixels), _outputs.AsSpan(0, batch * Classes), batch);
        return _outputs[0];
    }

    /// <summary>NetGen (live and frozen, one image and batches) against ONNX Runtime on the same weights and images.</summary>
    private void CheckSameOutputs()
    {
        _onnx1.Run();
        _onnx64.Run();
        _onnx1024.Run();
        Forward();
        Compare("one image, live", _output, _onnxOutput);
        ForwardFrozen();
        Compare("one image, frozen", _output, _onnxOutput);
        foreach (int batch in new[] { 64, MaxBatch })
        {
            float[] expected = batch == 64 ? _onnxOutputs64 : _onnxOutputs1024;
            Batch(_live, batch);
            Compare($"batch {batch}, live", _outputs.AsSpan(0, batch * Classes), expected);
            Batch(_frozen, batch);
            Compare($"batch {batch}, frozen", _outputs.AsSpan(0, batch * Classes), expected);
        }
    }

    private static void Compare(string what, ReadOnlySpan<float> netGen, ReadOnlySpan<float> onnxRuntime)
    {
        for (int i = 0; i < onnxRuntime.Length; i++)
        {
            if (!(Math.Abs(netGen[i] - onnxRuntime[i]) <= Tolerance))
                throw new InvalidOperationException(
                    $"CNN {what}: NetGen gives {netGen[i]} and ONNX Runtime {onnxRuntime[i]} at output {i} (sample {i / Classes}), more than {Tolerance} apart; digits_cnn.onnx and digits_cnn.parameters must come from one run of benchmarks/cnn/make_digits_cnn.py.");
        }
    }

    internal static float[] LoadParameters()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("digits_cnn.parameters is little-endian float32.");
        byte[] bytes = Resource("digits_cnn.parameters");
        if (bytes.Length % sizeof(float) != 0) throw new InvalidOperationException($"digits_cnn.parameters has {bytes.Length} bytes, not a whole number of float32 values.");
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    internal static byte[] Resource(string name)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded resource {name} is missing (benchmarks/cnn, see NetGen.Benchmarks.csproj).");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}

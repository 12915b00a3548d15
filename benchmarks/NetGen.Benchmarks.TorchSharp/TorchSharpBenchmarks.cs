using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NetGen.Benchmarks.TorchSharp;

/// <summary>
/// The TorchSharp rows of benchmarks/README.md, on one intra-op thread like the NetGen rows, with the workloads of
/// TinyBenchmarks, ForwardBenchmarks and TrainingBenchmarks: XOR 2-4-1 forward and one SGD step (momentum 0.9) on its
/// four rows; 784-128-64-10 (ReLU, softmax cross-entropy) inference of 1 sample and batches of 64 and 1024 (batched
/// rows per sample, as NetGen's); 784-512-512-10 inference of a batch of 1024; Adam steps of both at batch 64 and 128;
/// and, as CnnBenchmarks, the digits CNN (Conv(1→16, 5, pad 2)-ReLU-MaxPool 2-Conv(16→32, 5, pad 2)-ReLU-MaxPool 2-
/// Flatten-Linear 128-ReLU-Linear 10): inference of 1 image and batches of 64 and 1024, an Adam step at batch 64.
/// </summary>
[MemoryDiagnoser]
public class TorchSharpBenchmarks
{
    private Module<Tensor, Tensor> _xor = null!, _mnist = null!, _wide = null!, _cnn = null!;
    private Tensor _xorInput = null!, _images1 = null!, _images64 = null!, _images128 = null!, _images1024 = null!;
    private Tensor _xorInputs = null!, _xorTargets = null!, _labels64 = null!, _labels128 = null!;
    private Tensor _digits1 = null!, _digits64 = null!, _digits1024 = null!;
    private optim.Optimizer _xorSgd = null!, _mnistAdam = null!, _wideAdam = null!, _cnnAdam = null!;

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1);
        torch.manual_seed(1);
        _xor = Sequential(("l0", Linear(2, 4)), ("t0", Tanh()), ("l1", Linear(4, 1)), ("s1", Sigmoid()));
        _mnist = Sequential(("l0", Linear(784, 128)), ("r0", ReLU()), ("l1", Linear(128, 64)), ("r1", ReLU()), ("l2", Linear(64, 10)));
        _wide = Sequential(("l0", Linear(784, 512)), ("r0", ReLU()), ("l1", Linear(512, 512)), ("r1", ReLU()), ("l2", Linear(512, 10)));
        _cnn = Sequential(
            ("c0", Conv2d(1, 16, 5, padding: 2)), ("r0", ReLU()), ("p0", MaxPool2d(2)),
            ("c1", Conv2d(16, 32, 5, padding: 2)), ("r1", ReLU()), ("p1", MaxPool2d(2)),
            ("f", Flatten()), ("l2", Linear(32 * 7 * 7, 128)), ("r2", ReLU()), ("l3", Linear(128, 10)));
        _cnnAdam = optim.Adam(_cnn.parameters(), 1e-3);
        _digits1 = rand(1, 1, 28, 28);
        _digits64 = rand(64, 1, 28, 28);
        _digits1024 = rand(1024, 1, 28, 28);
        _xorSgd = optim.SGD(_xor.parameters(), 0.5, momentum: 0.9);
        _mnistAdam = optim.Adam(_mnist.parameters(), 1e-3);
        _wideAdam = optim.Adam(_wide.parameters(), 1e-3);
        _xorInput = tensor(new float[] { 1f, 0f }).reshape(1, 2);
        _xorInputs = tensor(new float[] { 0f, 0f, 0f, 1f, 1f, 0f, 1f, 1f }).reshape(4, 2);
        _xorTargets = tensor(new float[] { 0f, 1f, 1f, 0f }).reshape(4, 1);
        _images1 = rand(1, 784);
        _images64 = rand(64, 784);
        _images128 = rand(128, 784);
        _images1024 = rand(1024, 784);
        _labels64 = randint(10, [64]);
        _labels128 = randint(10, [128]);
    }

    [Benchmark(Description = "XOR 2-4-1 forward: TorchSharp")]
    public float XorForward()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return _xor.forward(_xorInput).item<float>();
    }

    [Benchmark(Description = "XOR 2-4-1 SGD step (4 rows): TorchSharp")]
    public float XorSgdStep()
    {
        using var scope = NewDisposeScope();
        _xorSgd.zero_grad();
        Tensor loss = functional.binary_cross_entropy(_xor.forward(_xorInputs), _xorTargets);
        loss.backward();
        _xorSgd.step();
        return loss.item<float>();
    }

    [Benchmark(Description = "784-128-64-10 forward, 1 sample: TorchSharp")]
    public void MnistForward() => Infer(_mnist, _images1);

    [Benchmark(Description = "784-128-64-10 forward, batch 64, per sample: TorchSharp", OperationsPerInvoke = 64)]
    public void MnistForwardBatch64() => Infer(_mnist, _images64);

    [Benchmark(Description = "784-128-64-10 forward, batch 1024, per sample: TorchSharp", OperationsPerInvoke = 1024)]
    public void MnistForwardBatch1024() => Infer(_mnist, _images1024);

    [Benchmark(Description = "784-512-512-10 forward, batch 1024, per sample: TorchSharp", OperationsPerInvoke = 1024)]
    public void WideForwardBatch1024() => Infer(_wide, _images1024);

    [Benchmark(Description = "784-128-64-10 Adam step, batch 64: TorchSharp")]
    public float MnistAdamStepBatch64() => Step(_mnist, _mnistAdam, _images64, _labels64);

    [Benchmark(Description = "784-128-64-10 Adam step, batch 128: TorchSharp")]
    public float MnistAdamStepBatch128() => Step(_mnist, _mnistAdam, _images128, _labels128);

    [Benchmark(Description = "784-512-512-10 Adam step, batch 64: TorchSharp")]
    public float WideAdamStepBatch64() => Step(_wide, _wideAdam, _images64, _labels64);

    [Benchmark(Description = "784-512-512-10 Adam step, batch 128: TorchSharp")]
    public float WideAdamStepBatch128() => Step(_wide, _wideAdam, _images128, _labels128);

    [Benchmark(Description = "CNN forward, 1 image: TorchSharp")]
    public void CnnForward() => Infer(_cnn, _digits1);

    [Benchmark(Description = "CNN forward, batch 64, per sample: TorchSharp", OperationsPerInvoke = 64)]
    public void CnnForwardBatch64() => Infer(_cnn, _digits64);

    [Benchmark(Description = "CNN forward, batch 1024, per sample: TorchSharp", OperationsPerInvoke = 1024)]
    public void CnnForwardBatch1024() => Infer(_cnn, _digits1024);

    [Benchmark(Description = "CNN Adam step, batch 64: TorchSharp")]
    public float CnnAdamStepBatch64() => Step(_cnn, _cnnAdam, _digits64, _labels64);

    private static void Infer(Module<Tensor, Tensor> model, Tensor x)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        functional.softmax(model.forward(x), 1);
    }

    private static float Step(Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        Tensor loss = functional.cross_entropy(model.forward(x), y);
        loss.backward();
        optimizer.step();
        return loss.item<float>();
    }
}

// Checks the generated networks and the activation kernels on whatever instruction sets this process may use
// (set DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0 or DOTNET_EnableHWIntrinsic=0 to turn paths off); with the argument
// "int8" only the quantized networks' checks, which print a hash of their outputs.
// Prints the vector widths in use and exits 0 when every check passes, 1 otherwise.
using System.Runtime.Intrinsics;
using NetGen;
using NetGen.Generator.Tests;
using NetGen.KernelChecks;
using NetGen.CompilerServices;
using NetGen.Reference;

Console.WriteLine($"Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, Vector128 {Vector128.IsHardwareAccelerated}");
int checks = 0;
try
{
    // The quantized networks first; with the argument "int8" nothing else runs.
    var (int8Checks, int8Hash) = Int8Checks.Run();
    checks += int8Checks;
    Console.WriteLine($"int8 path {NetGen.Quantization.QuantizedNetwork.InstructionSet}, output hash {int8Hash}");
    if (args is ["int8"])
    {
        Console.WriteLine($"{checks} checks passed");
        return 0;
    }

    var cases = new (INetwork Net, ReferenceNetwork Reference)[]
    {
        (new Tiny(1), new(2, [ReferenceLayer.Dense(4, Activation.Tanh), ReferenceLayer.Dense(1, Activation.Sigmoid)], LossFunction.BinaryCrossEntropy)),
        (new TinyLanes(8), new(5, [ReferenceLayer.Dense(6, Activation.ELU, 0.7f), ReferenceLayer.Dense(9, Activation.LeakyReLU, 0.1f), ReferenceLayer.Dense(3, Activation.Softmax)], LossFunction.CrossEntropy)),
        (new Steps(2), new(3, [ReferenceLayer.Dense(7, Activation.Step), ReferenceLayer.Dense(3)], LossFunction.MeanSquaredError)),
        (new Mixed(3), new(17, [ReferenceLayer.Dense(33, Activation.ReLU), ReferenceLayer.Dense(16, Activation.ELU, 0.7f), ReferenceLayer.Dense(5, Activation.Softmax)], LossFunction.CrossEntropy)),
        (new Maxed(4), new(100, [ReferenceLayer.Dense(17, Activation.LeakyReLU, 0.1f), ReferenceLayer.Maxout(7, 3), ReferenceLayer.Dense(2, Activation.Tanh)], LossFunction.MeanSquaredError)),
        (new Wide(6), new(1, [ReferenceLayer.Dense(100, Activation.Sigmoid), ReferenceLayer.Dense(16, Activation.Softmax)], LossFunction.MeanSquaredError)),
        (new Packed(7), new(40, [ReferenceLayer.Dense(64, Activation.ReLU), ReferenceLayer.Dense(128, Activation.Sigmoid), ReferenceLayer.Dense(4, Activation.Softmax)], LossFunction.CrossEntropy)),
    };
    foreach (var (net, reference) in cases)
    {
        NetworkChecks.AgainstReference(net, reference, seed: net.InputSize, net.Architecture);
        checks++;
    }

    // Dropout is the identity at inference: compare against the same network without it.
    var digits = new Digits(5);
    var noDropout = new ReferenceNetwork(784, [ReferenceLayer.Dense(33, Activation.ReLU), ReferenceLayer.Dense(10, Activation.Softmax)], LossFunction.CrossEntropy);
    var x = Enumerable.Range(0, 784).Select(i => (float)Math.Sin(i)).ToArray();
    var y = new float[10];
    digits.Forward(x, y);
    NetworkChecks.AssertClose(noDropout.Forward(digits.Parameters.ToArray().Select(v => (double)v).ToArray(), x.Select(v => (double)v).ToArray()), y, 1e-4, "Digits forward");
    checks++;

    // Products split over threads give the same bits as one thread, at every vector width (batches that do and do not
    // fill the kernels' blocks).
    foreach (int batch in new[] { 100, 250 })
    {
        var random = new Random(batch);
        float[] sx = Enumerable.Range(0, batch * 300).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] sy = new float[batch * 5];
        for (int s = 0; s < batch; s++) sy[s * 5 + s % 5] = 1;
        var one = new Split(4);
        var two = new Split(4) { TrainingThreads = 3 };
        for (int step = 0; step < 2; step++)
        {
            float l1 = one.ComputeGradients(sx, sy, batch), l2 = two.ComputeGradients(sx, sy, batch);
            if (l1 != l2 || !one.Gradients.SequenceEqual(two.Gradients))
                throw new Exception($"Split: gradients over 3 threads differ from one thread's (batch {batch}, step {step})");
        }
        checks++;
    }

    // The dense forward kernel on batches that leave samples over after its blocks of four (one at a time, and for
    // weights over 64 KB one row at a time from an aligned copy of x), with x at every offset from a cache line, row
    // lengths with and without a vector tail, and a row too long for the copy (4,100 inputs).
    foreach (int batch in new[] { 1, 3, 5 })
        for (int offset = 0; offset < 16; offset += 5)
        {
            DenseChecks.Forward<DenseChecks.D784, DenseChecks.D128>(batch, offset);
            DenseChecks.Forward<DenseChecks.D1001, DenseChecks.D37>(batch, offset);
            DenseChecks.Forward<DenseChecks.D77, DenseChecks.D300>(batch, offset);
            DenseChecks.Forward<DenseChecks.D4100, DenseChecks.D9>(batch, offset);
            DenseChecks.Forward<DenseChecks.D128, DenseChecks.D37>(batch, offset);
            checks += 5;
        }
    DenseChecks.CrossEntropy();
    checks++;

    // The weight gradient's blocks (inputs outermost), row tails and leftover units, on one thread and split by units.
    foreach (int threads in new[] { 1, 2 })
    {
        DenseChecks.WeightGradients<DenseChecks.D784, DenseChecks.D128>(64, threads);
        DenseChecks.WeightGradients<DenseChecks.D1001, DenseChecks.D37>(17, threads);
        DenseChecks.WeightGradients<DenseChecks.D77, DenseChecks.D300>(30, threads);
        checks += 3;
    }

    // The activation and its derivative fused into the dense kernels: outer-product (64 samples of 784 → 128), dot-product
    // blocks and leftovers, vector tails (1001 → 37, 77 → 300).
    foreach (int batch in new[] { 1, 5, 64 })
    {
        DenseChecks.Fused<DenseChecks.D784, DenseChecks.D128>(batch);
        DenseChecks.Fused<DenseChecks.D1001, DenseChecks.D37>(batch);
        DenseChecks.Fused<DenseChecks.D77, DenseChecks.D300>(batch);
        checks += 3;
    }

    // The convolution kernels by both methods (direct and packed), pooling and batch normalization.
    checks += ConvChecks.Run();

    // The optimizers' vector loops, and the perceptron's kernels against the plain-loop rule (exact, on exact data).
    checks += OptimizerChecks.Run();
    var (px, pt) = NetGen.Tests.Perceptron.ReferencePerceptron.SeparableData(seed: 3, samples: 60, inputs: 64, outputs: 4);
    var perceptron = new Perceptron64x4();
    var report = perceptron.Train(px, pt, 60, maxEpochs: 200, learningRate: 0.5f);
    var plain = NetGen.Tests.Perceptron.ReferencePerceptron.Train(px, pt, 60, 64, 4, 200, 0.5f);
    if (!report.ErrorsPerEpoch.SequenceEqual(plain.ErrorsPerEpoch) || !perceptron.Parameters.ToArray().SequenceEqual(plain.Parameters))
        throw new Exception($"the 64 x 4 perceptron differs from the plain rule: errors {string.Join(" ", report.ErrorsPerEpoch)} against {string.Join(" ", plain.ErrorsPerEpoch)}");
    checks++;

    // Every activation kernel at every length through three Vector512 widths plus one, so every tail path runs.
    for (int n = 0; n <= 3 * 16 + 1; n++)
    {
        var values = Enumerable.Range(0, n).Select(i => (float)Math.Sin(i * 1.7) * 3).ToArray();
        CheckMap(values, s => ActivationKernels.ReLU(s), v => Math.Max(0, v), "ReLU", n);
        CheckMap(values, s => ActivationKernels.LeakyReLU(s, 0.2f), v => v > 0 ? v : 0.2 * v, "LeakyReLU", n);
        CheckMap(values, s => ActivationKernels.ELU(s, 0.5f), v => v >= 0 ? v : 0.5 * (Math.Exp(v) - 1), "ELU", n);
        CheckMap(values, s => ActivationKernels.Step(s), v => v >= 0 ? 1 : 0, "Step", n);
        CheckMap(values, s => ActivationKernels.Sigmoid(s), v => 1 / (1 + Math.Exp(-v)), "Sigmoid", n);
        CheckMap(values, s => ActivationKernels.Tanh(s), Math.Tanh, "Tanh", n);
        var a = values.Select(v => (float)Math.Tanh(v)).ToArray();
        CheckGate(a, values, (s, g) => ActivationKernels.TanhBackward(s, g), (av, g) => g * (1 - av * av), "TanhBackward", n);
        CheckGate(a, values, (s, g) => ActivationKernels.SigmoidBackward(s, g), (av, g) => g * av * (1 - av), "SigmoidBackward", n);
        CheckGate(a, values, (s, g) => ActivationKernels.ReLUBackward(s, g), (av, g) => av > 0 ? g : 0, "ReLUBackward", n);
        CheckGate(a, values, (s, g) => ActivationKernels.LeakyReLUBackward(s, g, 0.2f), (av, g) => av > 0 ? g : 0.2 * g, "LeakyReLUBackward", n);
        CheckGate(a, values, (s, g) => ActivationKernels.ELUBackward(s, g, 0.5f), (av, g) => av > 0 ? g : g * (av + 0.5), "ELUBackward", n);
        checks += 11;
    }
}
catch (Exception e)
{
    Console.Error.WriteLine($"FAILED after {checks} checks: {e.Message}");
    return 1;
}
Console.WriteLine($"{checks} checks passed");
return 0;

static void CheckMap(float[] input, Action<float[]> kernel, Func<double, double> expected, string name, int n)
{
    var actual = (float[])input.Clone();
    kernel(actual);
    NetworkChecks.AssertClose(input.Select(v => expected(v)).ToArray(), actual, 1e-5, $"{name} at length {n}");
}

static void CheckGate(float[] a, float[] g, Action<float[], float[]> kernel, Func<double, double, double> expected, string name, int n)
{
    var actual = (float[])g.Clone();
    kernel(a, actual);
    NetworkChecks.AssertClose(a.Select((av, i) => expected(av, g[i])).ToArray(), actual, 1e-5, $"{name} at length {n}");
}

using NetGen.Reference;

namespace NetGen.Generator.Tests;

/// <summary>
/// Generated convolutional networks compiled, loaded and run against <see cref="ReferenceNetwork"/> (plain loops, double
/// precision, built from the network's architecture string): Forward single and batched, frozen, ComputeGradients and
/// every gradient against central finite differences, over strides, paddings, 1×1 kernels, several channels and every
/// element-wise activation.
/// </summary>
public class ConvolutionalNetworkTests
{
    private static readonly (string Name, string Declaration)[] Networks =
    {
        ("Padded", "[Network(Loss = LossFunction.CrossEntropy)] [Input(1, 8, 8)] [Conv2D(4, 3, Activation.ReLU, Padding = 1)] [Dense(5, Activation.Softmax)]"),
        ("Strided", "[Network(Loss = LossFunction.MeanSquaredError)] [Input(2, 7, 9)] [Conv2D(3, 3, Activation.Tanh, Stride = 2)] [Conv2D(5, 2, Activation.LeakyReLU, Alpha = 0.1f)] [Dense(3)]"),
        ("PointwiseThenWide", "[Network(Loss = LossFunction.BinaryCrossEntropy)] [Input(3, 6, 6)] [Conv2D(8, 1)] [Conv2D(4, 3, Activation.ELU, Alpha = 0.5f, Padding = 1)] [Dense(2, Activation.Sigmoid)]"),
        ("KernelAsLargeAsInput", "[Network(Loss = LossFunction.CrossEntropy)] [Input(2, 5, 5)] [Conv2D(6, 5, Activation.Sigmoid)] [Dense(4, Activation.Softmax)]"),
        ("MaxPooled", "[Network(Loss = LossFunction.CrossEntropy)] [Input(1, 12, 12)] [Conv2D(6, 5, Activation.ReLU, Padding = 2)] [MaxPool2D(2)] [Conv2D(4, 3, Activation.Tanh)] [MaxPool2D(3, Stride = 2)] [Dense(10, Activation.Softmax)]"),
        ("AveragePooled", "[Network(Loss = LossFunction.MeanSquaredError)] [Input(3, 9, 7)] [AvgPool2D(2, Stride = 1)] [Conv2D(5, 3, Activation.ELU, Padding = 1)] [AvgPool2D(3)] [Dense(4, Activation.ReLU)] [Dense(2)]"),
        ("PoolAtTheEnd", "[Network(Loss = LossFunction.MeanSquaredError)] [Input(2, 8, 8)] [Conv2D(3, 3, Activation.LeakyReLU, Padding = 1)] [MaxPool2D(8)]"),
        ("DenseThenSigmoidConv", "[Network(Loss = LossFunction.MeanSquaredError)] [Input(1, 12, 10)] [Conv2D(16, 5, Activation.ReLU, Padding = 2, Stride = 2)] [Conv2D(2, 3, Activation.Sigmoid, Padding = 1)]"),
    };

    private static readonly (string Name, string Declaration)[] BatchNormNetworks =
    {
        ("ConvBatchNorm", "[Network(Loss = LossFunction.CrossEntropy)] [Input(2, 8, 8)] [Conv2D(4, 3, Padding = 1)] [BatchNorm(Activation = Activation.ReLU)] [MaxPool2D(2)] [Conv2D(3, 3, Activation.Tanh)] [BatchNorm(Momentum = 0.3f, Epsilon = 1e-3f)] [Dense(5, Activation.Softmax)]"),
        ("DenseBatchNorm", "[Network(Loss = LossFunction.MeanSquaredError)] [Input(6)] [Dense(9)] [BatchNorm(Activation = Activation.ELU, Alpha = 0.5f)] [Dense(7, Activation.Sigmoid)] [BatchNorm] [Dense(3)]"),
        ("BatchNormOutput", "[Network(Loss = LossFunction.BinaryCrossEntropy)] [Input(1, 6, 6)] [Conv2D(2, 3, Activation.ReLU)] [AvgPool2D(2)] [Dense(3)] [BatchNorm(Activation = Activation.Sigmoid)]"),
    };

    /// <summary>
    /// Networks with BatchNorm against the reference in both modes: inference (single, batched, frozen) with random running
    /// statistics, and a training step's loss, every gradient and the updated running statistics.
    /// </summary>
    [Fact]
    public void GeneratedBatchNormNetworksMatchTheReferenceInTrainingAndInference()
    {
        string source = "using NetGen;\nnamespace Nets;\n" + string.Join("\n", BatchNormNetworks.Select(n => $"{n.Declaration} public partial class {n.Name};"));
        var assembly = GeneratorHarness.CompileAndLoad(GeneratorHarness.Run(source));
        int seed = 31;
        foreach (var (name, _) in BatchNormNetworks)
        {
            var net = (INetwork)Activator.CreateInstance(assembly.GetType("Nets." + name)!, seed)!;
            var reference = new ReferenceNetwork(Topology.Parse(net.Architecture));
            Assert.Equal(reference.RunningStatisticsCount, net.RunningStatistics.Length);
            var random = new Random(seed++);
            // Fresh networks start as PyTorch's do: γ = 1, β = 0, running means 0 and variances 1.
            var initial = new double[reference.RunningStatisticsCount];
            reference.ResetRunningStatistics(initial);
            Assert.Equal(initial, net.RunningStatistics.ToArray().Select(v => (double)v));
            foreach (ref float p in net.Parameters) p = (float)(random.NextDouble() * 2 - 1) * 0.7f;
            for (int i = 0; i < net.RunningStatistics.Length; i++)
                net.RunningStatistics[i] = (float)(random.NextDouble() + 0.25); // variances must stay positive; means may be anything
            double[] theta = net.Parameters.ToArray().Select(v => (double)v).ToArray();
            double[] stats = net.RunningStatistics.ToArray().Select(v => (double)v).ToArray();

            const int batch = 7;
            float[] x = Enumerable.Range(0, batch * net.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            float[] y = NetworkChecks.Targets(net.Loss, batch, net.OutputSize, random);
            double[] xd = x.Select(v => (double)v).ToArray(), yd = y.Select(v => (double)v).ToArray();

            // Inference with the running statistics: one sample, the batch, and a frozen copy.
            var batched = new float[batch * net.OutputSize];
            net.Forward(x, batched, batch);
            var frozen = net.Freeze();
            var frozenOutputs = new float[batch * net.OutputSize];
            frozen.Forward(x, frozenOutputs, batch);
            for (int s = 0; s < batch; s++)
            {
                double[] expected = reference.Forward(theta, stats, xd.AsSpan(s * net.InputSize, net.InputSize));
                var single = new float[net.OutputSize];
                net.Forward(x.AsSpan(s * net.InputSize, net.InputSize), single);
                NetworkChecks.AssertClose(expected, single, 1e-4, $"{name}: Forward of sample {s}");
                NetworkChecks.AssertClose(expected, batched.AsSpan(s * net.OutputSize, net.OutputSize), 1e-4, $"{name}: batched Forward of sample {s}");
                NetworkChecks.AssertClose(expected, frozenOutputs.AsSpan(s * net.OutputSize, net.OutputSize), 1e-4, $"{name}: frozen Forward of sample {s}");
            }

            // A training step: batch statistics, the gradients, and the running statistics moved once.
            var gradients = new double[reference.ParameterCount];
            double expectedLoss = reference.ComputeGradients(theta, stats, xd, yd, batch, gradients);
            float loss = net.ComputeGradients(x, y, batch);
            Assert.True(Math.Abs(loss - expectedLoss) <= 1e-4 * Math.Max(1, Math.Abs(expectedLoss)), $"{name}: loss {loss} vs {expectedLoss}");
            NetworkChecks.AssertClose(gradients, net.Gradients, 1e-3, $"{name}: gradients");
            NetworkChecks.AssertClose(stats, net.RunningStatistics, 1e-5, $"{name}: running statistics after a step");
            // The frozen copy kept the statistics it was made with.
            Assert.NotEqual(frozen.RunningStatistics.ToArray(), net.RunningStatistics.ToArray());
        }
    }

    [Fact]
    public void GeneratedConvolutionalNetworksMatchTheReferenceAndFiniteDifferences()
    {
        string source = "using NetGen;\nnamespace Nets;\n" + string.Join("\n", Networks.Select(n => $"{n.Declaration} public partial class {n.Name};"));
        var assembly = GeneratorHarness.CompileAndLoad(GeneratorHarness.Run(source));
        int seed = 11;
        foreach (var (name, _) in Networks)
        {
            var net = (INetwork)Activator.CreateInstance(assembly.GetType("Nets." + name)!, seed)!;
            var reference = new ReferenceNetwork(Topology.Parse(net.Architecture));
            Assert.Equal(reference.ParameterCount, net.ParameterCount);
            NetworkChecks.AgainstReference(net, reference, seed: seed++, name);
        }
    }
}

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
        ("DenseThenSigmoidConv", "[Network(Loss = LossFunction.MeanSquaredError)] [Input(1, 12, 10)] [Conv2D(16, 5, Activation.ReLU, Padding = 2, Stride = 2)] [Conv2D(2, 3, Activation.Sigmoid, Padding = 1)]"),
    };

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

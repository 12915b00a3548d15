using System.Text;
using NetGen.Reference;

namespace NetGen.Generator.Tests;

/// <summary>
/// Generated networks compiled, loaded and run against <see cref="ReferenceNetwork"/> (plain loops, double precision):
/// every hidden activation (and maxout) × every output activation/loss pairing × several sizes, for Forward (single and
/// batched) and ComputeGradients; and every gradient checked against central finite differences of the loss.
/// </summary>
public class CompileAndRunTests
{
    private sealed record Variant(string Attribute, Func<int, ReferenceLayer> Layer);

    private static readonly Variant[] HiddenLayers =
    {
        new("[Dense({0})]", h => ReferenceLayer.Dense(h)),
        new("[Dense({0}, Activation.Step)]", h => ReferenceLayer.Dense(h, Activation.Step)),
        new("[Dense({0}, Activation.Sigmoid)]", h => ReferenceLayer.Dense(h, Activation.Sigmoid)),
        new("[Dense({0}, Activation.Tanh)]", h => ReferenceLayer.Dense(h, Activation.Tanh)),
        new("[Dense({0}, Activation.ReLU)]", h => ReferenceLayer.Dense(h, Activation.ReLU)),
        new("[Dense({0}, Activation.LeakyReLU, Alpha = 0.1f)]", h => ReferenceLayer.Dense(h, Activation.LeakyReLU, 0.1f)),
        new("[Dense({0}, Activation.ELU, Alpha = 0.5f)]", h => ReferenceLayer.Dense(h, Activation.ELU, 0.5f)),
        new("[Maxout({0}, 3)]", h => ReferenceLayer.Maxout(h, 3)),
    };

    private sealed record Output(LossFunction Loss, Activation Activation, int Units);

    private static readonly Output[] Outputs =
    {
        new(LossFunction.MeanSquaredError, Activation.Identity, 3),
        new(LossFunction.MeanSquaredError, Activation.Tanh, 2),
        new(LossFunction.MeanSquaredError, Activation.ReLU, 2),
        new(LossFunction.MeanSquaredError, Activation.Softmax, 4),
        new(LossFunction.BinaryCrossEntropy, Activation.Sigmoid, 1),
        new(LossFunction.BinaryCrossEntropy, Activation.Sigmoid, 3),
        new(LossFunction.CrossEntropy, Activation.Softmax, 5),
    };

    public static TheoryData<int, int> Sizes => new()
    {
        { 1, 1 }, { 3, 3 }, { 7, 7 }, { 16, 16 }, { 17, 17 }, { 33, 33 }, { 100, 100 }, { 784, 17 }, { 5, 784 },
        // Unit counts that fill whole register blocks of the packed (outer-product) forward kernel.
        { 33, 64 }, { 784, 128 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void GeneratedNetworksMatchTheReferenceAndFiniteDifferences(int inputs, int hidden)
    {
        var source = new StringBuilder("using NetGen;\nnamespace Nets;\n");
        var cases = new List<(string Name, ReferenceNetwork Reference)>();
        for (int h = 0; h < HiddenLayers.Length; h++)
        {
            for (int o = 0; o < Outputs.Length; o++)
            {
                var output = Outputs[o];
                string name = $"Net_{h}_{o}";
                source.AppendLine($"[Network(Loss = LossFunction.{output.Loss})] [Input({inputs})] {string.Format(HiddenLayers[h].Attribute, hidden)} [Dense({output.Units}, Activation.{output.Activation})] public partial class {name};");
                cases.Add((name, new ReferenceNetwork(inputs, new[] { HiddenLayers[h].Layer(hidden), ReferenceLayer.Dense(output.Units, output.Activation) }, output.Loss)));
            }
        }

        var assembly = GeneratorHarness.CompileAndLoad(GeneratorHarness.Run(source.ToString()));
        foreach (var (name, reference) in cases)
        {
            var net = (INetwork)Activator.CreateInstance(assembly.GetType("Nets." + name)!, 7)!;
            NetworkChecks.AgainstReference(net, reference, seed: inputs * 1000 + hidden, name);
        }
    }

    [Fact]
    public void DeepNetworkWithEveryLayerKindMatchesTheReference()
    {
        const string source = """
            using NetGen;
            namespace Nets;
            [Network(Loss = LossFunction.CrossEntropy)]
            [Input(20)]
            [Dense(33, Activation.ReLU)]
            [Maxout(17, 4)]
            [Dense(16, Activation.ELU)]
            [Dense(9, Activation.LeakyReLU, Alpha = 0.2f)]
            [Dense(7, Activation.Tanh)]
            [Dense(6, Activation.Softmax)]
            public partial class Deep;
            """;
        var reference = new ReferenceNetwork(20, new[]
        {
            ReferenceLayer.Dense(33, Activation.ReLU), ReferenceLayer.Maxout(17, 4), ReferenceLayer.Dense(16, Activation.ELU),
            ReferenceLayer.Dense(9, Activation.LeakyReLU, 0.2f), ReferenceLayer.Dense(7, Activation.Tanh), ReferenceLayer.Dense(6, Activation.Softmax),
        }, LossFunction.CrossEntropy);
        var net = (INetwork)Activator.CreateInstance(GeneratorHarness.CompileAndLoad(GeneratorHarness.Run(source)).GetType("Nets.Deep")!, 3)!;
        NetworkChecks.AgainstReference(net, reference, seed: 99, "Deep");
    }
}

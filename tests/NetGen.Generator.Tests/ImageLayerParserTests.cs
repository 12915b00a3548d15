using NetGen.Generator.Emit;
using NetGen.Generator.Helpers;
using NetGen.Generator.Model;
using NetGen.Reference;

namespace NetGen.Generator.Tests;

/// <summary>
/// Shape inference and the public parameter layout of the image layers, read from the parser's model (the tracked
/// Parse step), the header tree and the architecture string the describer writes from it, and the reference network
/// that string describes.
/// </summary>
public class ImageLayerParserTests
{
    /// <summary>The digits network.</summary>
    private const string DigitsCnn = """
        [Network(Loss = LossFunction.CrossEntropy)]
        [Input(1, 28, 28)]
        [Conv2D(16, 5, Activation.ReLU, Padding = 2)]
        [MaxPool2D(2)]
        [Conv2D(32, 5, Activation.Identity, Padding = 2)]
        [BatchNorm(Activation = Activation.ReLU)]
        [AvgPool2D(2)]
        [Dense(128, Activation.ReLU)]
        [Dense(10, Activation.Softmax)]
        public partial class DigitsCnn;
        """;

    private static NetworkSpec Parse(string source)
    {
        var result = GeneratorHarness.Run("using NetGen;\n" + source);
        var parsed = (NetworkGenerator.ParseResult)result.Driver.GetRunResult().Results[0].TrackedSteps[TrackingNames.Parse].Single().Outputs.Single().Value;
        Assert.DoesNotContain(parsed.Diagnostics, d => d.Descriptor.DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        return parsed.Spec!;
    }

    [Fact]
    public void InfersEveryShapeAndOffsetOfTheDigitsNetwork()
    {
        var spec = Parse(DigitsCnn);
        Assert.Equal(new Shape(1, 28, 28), spec.InputShape);
        Assert.True(spec.ImageInput);
        Assert.Equal(784, spec.InputSize);
        var l = spec.Layers;
        Assert.Equal([LayerKind.Conv2D, LayerKind.MaxPool2D, LayerKind.Conv2D, LayerKind.BatchNorm, LayerKind.AvgPool2D, LayerKind.Dense, LayerKind.Dense],
            l.Select(x => x.Kind).ToArray());
        Assert.Equal([new(16, 28, 28), new(16, 14, 14), new(32, 14, 14), new(32, 14, 14), new(32, 7, 7), new(128, 1, 1), new Shape(10, 1, 1)],
            l.Select(x => x.OutputShape).ToArray());
        Assert.Equal(l.Select(x => x.OutputShape.Size), l.Select(x => x.Units));
        Assert.Equal([new(1, 28, 28), new(16, 28, 28), new(16, 14, 14), new(32, 14, 14), new(32, 14, 14), new(32, 7, 7), new Shape(128, 1, 1)],
            l.Select(x => x.InputShape).ToArray());

        // Conv2D: weights [16 × 1 × 5 × 5] then biases [16].
        Assert.Equal((0, 400, 400, 16, 5, 1, 2), (l[0].WeightOffset, l[0].WeightCount, l[0].BiasOffset, l[0].BiasCount, l[0].KernelSize, l[0].Stride, l[0].Padding));
        Assert.Equal((2, 2, 0), (l[1].KernelSize, l[1].Stride, l[1].ParameterCount));
        Assert.Equal((416, 32 * 16 * 25, 416 + 12800, 32), (l[2].WeightOffset, l[2].WeightCount, l[2].BiasOffset, l[2].BiasCount));
        // BatchNorm: γ [32] then β [32]; running mean [32] then variance [32] at the start of RunningStatistics.
        Assert.Equal((13248, 32, 13280, 32), (l[3].WeightOffset, l[3].WeightCount, l[3].BiasOffset, l[3].BiasCount));
        Assert.Equal((0, 32, 64), (l[3].StatisticsOffset, l[3].RunningVarianceOffset, l[3].StatisticsCount));
        Assert.Equal((0.1f, 1e-5f, ActivationKind.ReLU), (l[3].Momentum, l[3].Epsilon, l[3].Activation));
        // Dense flattens 32×7×7 (torch.nn.Flatten).
        Assert.Equal((1568, 13312, 128 * 1568), (l[5].Inputs, l[5].WeightOffset, l[5].WeightCount));
        Assert.Equal(13312 + 200704 + 128, l[6].WeightOffset);
        Assert.Equal(215434, spec.ParameterCount);
        Assert.Equal(64, spec.RunningStatisticsCount);
    }

    [Fact]
    public void ArchitectureStringAndHeaderTreeComeFromTheShapes()
    {
        var spec = Parse(DigitsCnn);
        Assert.Equal("Input(1, 28, 28) -> Conv2D(16, 5, ReLU, stride=1, padding=2) -> MaxPool2D(2, stride=2) -> Conv2D(32, 5, Identity, stride=1, padding=2)"
            + " -> BatchNorm(ReLU, momentum=0.1, epsilon=1E-05) -> AvgPool2D(2, stride=2) -> Dense(128, ReLU) -> Dense(10, Softmax) | CrossEntropy",
            ArchitectureDescriber.Architecture(spec));
        Assert.Equal(
        [
            "○ Input: 1×28×28 values (channels × height × width)",
            "○ Layer 0: Conv2D 1×28×28 → 16×28×28, 5 × 5 kernels, stride 1, padding 2, ReLU (416 parameters: W0 [16 × 1 × 5 × 5] at 0, b0 [16] at 400)",
            "○ Layer 1: MaxPool2D 16×28×28 → 16×14×14, 2 × 2 windows, stride 2 (no parameters)",
            "○ Layer 2: Conv2D 16×14×14 → 32×14×14, 5 × 5 kernels, stride 1, padding 2, Identity (12,832 parameters: W2 [32 × 16 × 5 × 5] at 416, b2 [32] at 13216)",
            "○ Layer 3: BatchNorm 32×14×14, per channel, momentum 0.1, ε = 1E-05, ReLU (64 parameters: γ3 [32] at 13248, β3 [32] at 13280; running mean [32] at 0, running variance [32] at 32 of RunningStatistics)",
            "○ Layer 4: AvgPool2D 32×14×14 → 32×7×7, 2 × 2 windows, stride 2 (no parameters)",
            "○ Layer 5: Dense 1568 (32×7×7 flattened) → 128, ReLU (200,832 parameters: W5 [128 × 1568] at 13312, b5 [128] at 214016)",
            "○ Layer 6: Dense 128 → 10, Softmax (1,290 parameters: W6 [10 × 128] at 214144, b6 [10] at 215424)",
            "○ Loss: CrossEntropy; 215,434 parameters in all, 64 running statistics",
        ], ArchitectureDescriber.Tree(spec).ToArray());
        foreach (var layer in spec.Layers) Assert.False(string.IsNullOrWhiteSpace(ArchitectureDescriber.Formula(layer)));
    }

    /// <summary>The string the generator writes reads back into a reference network with the same shapes and counts.</summary>
    [Fact]
    public void ArchitectureStringReadsBackIntoTheSameShapes()
    {
        var spec = Parse(DigitsCnn);
        var topology = Topology.Parse(ArchitectureDescriber.Architecture(spec));
        Assert.Equal(new SampleShape(1, 28, 28), topology.InputShape);
        var reference = new ReferenceNetwork(topology);
        Assert.Equal(spec.ParameterCount, reference.ParameterCount);
        Assert.Equal(spec.RunningStatisticsCount, reference.RunningStatisticsCount);
        Assert.Equal(spec.Layers.Select(l => (l.OutputShape.Channels, l.OutputShape.Height, l.OutputShape.Width)),
            reference.OutputShapes.Select(s => (s.Channels, s.Height, s.Width)));
    }

    [Theory]
    // (10 + 2 − 4) / 3 + 1 = 3 rows, (9 + 2 − 4) / 3 + 1 = 3 columns (rounded down, as PyTorch)
    [InlineData("[Input(2, 10, 9)] [Conv2D(3, 4, Stride = 3, Padding = 1)]", 3, 3, 3)]
    // no padding, stride 1: 10 − 3 + 1
    [InlineData("[Input(2, 10, 9)] [Conv2D(5, 3)]", 5, 8, 7)]
    // windows of 3 every 2: (10 − 3) / 2 + 1 = 4, (9 − 3) / 2 + 1 = 4
    [InlineData("[Input(2, 10, 9)] [MaxPool2D(3, Stride = 2)]", 2, 4, 4)]
    // the default stride is the size: 10 / 3 = 3, 9 / 3 = 3
    [InlineData("[Input(2, 10, 9)] [AvgPool2D(3)]", 2, 3, 3)]
    // a dropout keeps the image, so a convolution may follow it
    [InlineData("[Input(1, 6, 6)] [Conv2D(2, 3)] [Dropout(0.25f)] [Conv2D(4, 3)]", 4, 2, 2)]
    public void InfersOutputShapes(string layers, int channels, int height, int width)
    {
        var spec = Parse($"[Network] {layers} [Dense(1)] public partial class N;");
        var last = spec.Layers[^2];
        Assert.Equal(new Shape(channels, height, width), last.OutputShape);
        Assert.Equal(channels * height * width, spec.Layers[^1].Inputs);
    }

    [Fact]
    public void BatchNormAfterADenseLayerIsPerFeature()
    {
        var spec = Parse("[Network] [Input(5)] [Dense(8)] [BatchNorm(Momentum = 0.3f, Epsilon = 1e-3f, Activation = Activation.ELU, Alpha = 0.5f)] [Dense(1)] public partial class N;");
        var norm = spec.Layers[1];
        Assert.Equal(new Shape(8, 1, 1), norm.InputShape);
        Assert.Equal((48, 8, 56, 8), (norm.WeightOffset, norm.WeightCount, norm.BiasOffset, norm.BiasCount));
        Assert.Equal((0.3f, 1e-3f, ActivationKind.ELU, 0.5f), (norm.Momentum, norm.Epsilon, norm.Activation, norm.Alpha));
        Assert.Equal(16, spec.RunningStatisticsCount);
        Assert.False(spec.ImageInput);
        Assert.Equal("Input(5) -> Dense(8, Identity) -> BatchNorm(ELU, momentum=0.3, epsilon=0.001, alpha=0.5) -> Dense(1, Identity) | MeanSquaredError",
            ArchitectureDescriber.Architecture(spec));
        Assert.Contains("BatchNorm 8×1×1, per feature", ArchitectureDescriber.Title(norm));
    }

    [Fact]
    public void RunningStatisticsFollowEachOtherPerBatchNormLayer()
    {
        var spec = Parse("[Network] [Input(3, 8, 8)] [Conv2D(4, 3)] [BatchNorm] [Conv2D(6, 3)] [BatchNorm] [Dense(2)] [BatchNorm] [Dense(1)] public partial class N;");
        var norms = spec.Layers.Where(l => l.Kind == LayerKind.BatchNorm).ToArray();
        Assert.Equal([0, 8, 20], norms.Select(n => n.StatisticsOffset).ToArray());
        Assert.Equal([4, 14, 22], norms.Select(n => n.RunningVarianceOffset).ToArray());
        Assert.Equal(24, spec.RunningStatisticsCount);
        Assert.Equal(spec.Layers.Sum(l => l.ParameterCount), spec.ParameterCount);
        for (int i = 1; i < spec.Layers.Count; i++)
            Assert.Equal(spec.Layers[i - 1].WeightOffset + spec.Layers[i - 1].ParameterCount, spec.Layers[i].WeightOffset);
    }

    [Fact]
    public void FlatNetworksKeepTheirArchitectureString()
    {
        var spec = Parse("[Network] [Input(4)] [Dense(3, Activation.LeakyReLU)] [Dropout(0.5f)] [Maxout(2, 3)] [Dense(1)] public partial class N;");
        Assert.False(spec.ImageInput);
        Assert.Equal("Input(4) -> Dense(3, LeakyReLU, alpha=0.01) -> Dropout(0.5) -> Maxout(2, 3) -> Dense(1, Identity) | MeanSquaredError",
            ArchitectureDescriber.Architecture(spec));
        Assert.Equal("○ Input: 4 values", ArchitectureDescriber.Tree(spec).First());
    }
}

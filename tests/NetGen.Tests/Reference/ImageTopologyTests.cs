using NetGen.Reference;
using NetGen.Shared;

namespace NetGen.Tests.Reference;

/// <summary>The architecture string's image input and layers: round trips, <see cref="Topology.Parse"/>, and what it rejects.</summary>
public class ImageTopologyTests
{
    [Theory]
    [InlineData("Input(1, 28, 28) -> Conv2D(16, 5, ReLU, stride=1, padding=2) -> MaxPool2D(2, stride=2) -> Conv2D(32, 5, Identity, stride=1, padding=2)"
        + " -> BatchNorm(ReLU, momentum=0.1, epsilon=1E-05) -> AvgPool2D(2, stride=2) -> Dense(128, ReLU) -> Dense(10, Softmax) | CrossEntropy")]
    [InlineData("Input(3, 9, 7) -> Conv2D(4, 3, LeakyReLU, stride=2, padding=1, alpha=0.2) -> Dropout(0.25) -> BatchNorm(ELU, momentum=0.3, epsilon=0.001, alpha=0.5)"
        + " -> MaxPool2D(3, stride=1) -> Maxout(4, 2) -> BatchNorm(Identity, momentum=1, epsilon=1E-05) -> Dense(1, Sigmoid) | BinaryCrossEntropy")]
    [InlineData("Input(784) -> Dense(128, ReLU) -> Dropout(0.2) -> Dense(10, Softmax) | CrossEntropy")]
    public void FormatWritesBackWhatTryParseRead(string text)
    {
        Assert.Null(ArchitectureText.TryParse(text, out ArchitectureInput input, out var layers, out string loss));
        Assert.Equal(text, ArchitectureText.Format(input, layers, loss));
    }

    [Fact]
    public void ParsesEveryImageLayer()
    {
        var topology = Topology.Parse("Input(3, 9, 7) -> Conv2D(4, 3, LeakyReLU, stride=2, padding=1, alpha=0.2) -> Dropout(0.25)"
            + " -> BatchNorm(ELU, momentum=0.3, epsilon=0.001, alpha=0.5) -> MaxPool2D(3, stride=1) -> AvgPool2D(2, stride=2) -> Dense(2, Softmax) | CrossEntropy");
        Assert.Equal(new SampleShape(3, 9, 7), topology.InputShape);
        Assert.Equal(189, topology.InputSize);
        Assert.Equal(ReferenceLayer.Conv2D(4, 3, Activation.LeakyReLU, stride: 2, padding: 1, alpha: 0.2), topology.Layers[0]);
        Assert.Equal(ReferenceLayer.Dropout(4 * 5 * 4, 0.25), topology.Layers[1]); // (9 + 2 − 3) / 2 + 1 = 5, (7 + 2 − 3) / 2 + 1 = 4
        Assert.Equal(ReferenceLayer.BatchNorm(Activation.ELU, 0.3, 0.001, 0.5), topology.Layers[2]);
        Assert.Equal(ReferenceLayer.MaxPool2D(3, 1), topology.Layers[3]);
        Assert.Equal(ReferenceLayer.AvgPool2D(2), topology.Layers[4]);
        var reference = new ReferenceNetwork(topology);
        Assert.Equal([new(4, 5, 4), new(4, 5, 4), new(4, 5, 4), new(4, 3, 2), new(4, 1, 1), new SampleShape(2, 1, 1)], reference.OutputShapes);
        Assert.Equal(4 * 3 * 9 + 4 + 8 + 2 * 4 + 2, reference.ParameterCount);
    }

    [Fact]
    public void FlatInputsHaveNoShape() =>
        Assert.Null(Topology.Parse("Input(4) -> Dense(3, Tanh) -> BatchNorm(Identity, momentum=0.1, epsilon=1E-05) -> Dense(1, Identity) | MeanSquaredError").InputShape);

    [Theory]
    [InlineData("Input(1, 28) -> Dense(1, Identity) | MeanSquaredError", "'Input(1, 28)' is not")]
    [InlineData("Input(1, 8, 8) -> Conv2D(4, 3, ReLU) -> Dense(1, Identity) | MeanSquaredError", "Conv2D(4, 3, ReLU)")]
    [InlineData("Input(1, 8, 8) -> Conv2D(4, 3, ReLU, padding=1, stride=1) -> Dense(1, Identity) | MeanSquaredError", "padding=1, stride=1")]
    [InlineData("Input(1, 8, 8) -> MaxPool2D(2) -> Dense(1, Identity) | MeanSquaredError", "MaxPool2D(2)")]
    [InlineData("Input(1, 8, 8) -> Conv2D(4, 3, Swish, stride=1, padding=0) -> Dense(1, Identity) | MeanSquaredError", "'Swish'")]
    [InlineData("Input(4) -> Dense(3, Tanh) -> BatchNorm(ReLU, momentum=x, epsilon=1E-05) -> Dense(1, Identity) | MeanSquaredError", "BatchNorm(ReLU, momentum=x")]
    [InlineData("Input(64) -> Conv2D(4, 3, ReLU, stride=1, padding=0) -> Dense(1, Identity) | MeanSquaredError", "receives a flat vector")]
    [InlineData("Input(1, 8, 8) -> Dense(4, ReLU) -> AvgPool2D(2, stride=2) -> Dense(1, Identity) | MeanSquaredError", "receives a flat vector")]
    [InlineData("Input(1, 8, 8) -> BatchNorm(ReLU, momentum=0.1, epsilon=1E-05) -> Dense(1, Identity) | MeanSquaredError", "no layer before it")]
    [InlineData("Input(1, 4, 4) -> Conv2D(2, 5, ReLU, stride=1, padding=0) -> Dense(1, Identity) | MeanSquaredError", "Layer 0")]
    [InlineData("Input(1, 4, 4) -> MaxPool2D(2, stride=0) -> Dense(1, Identity) | MeanSquaredError", "positive size and stride")]
    [InlineData("Input(4) -> Dense(3, Tanh) -> BatchNorm(ReLU, momentum=0, epsilon=1E-05) -> Dense(1, Identity) | MeanSquaredError", "momentum must be in (0, 1]")]
    [InlineData("Input(0, 4, 4) -> Dense(1, Identity) | MeanSquaredError", "has 0 values")]
    public void RejectsImageTextThatIsNotCanonicalOrCannotRun(string text, string named)
    {
        var e = Assert.Throws<FormatException>(() => Topology.Parse(text));
        Assert.Contains(named, e.Message);
    }

    /// <summary>The int8 model files hold flat networks only; their reader gets a sentence, not a silently skipped layer.</summary>
    [Fact]
    public void TheFlatReaderNamesTheImageLayerItCannotRead()
    {
        Assert.Contains("image input", ArchitectureText.TryParse("Input(1, 4, 4) -> Dense(1, Identity) | MeanSquaredError", out int _, out _, out _));
        Assert.Contains("BatchNorm layer", ArchitectureText.TryParse("Input(4) -> Dense(4, Identity) -> BatchNorm(Identity, momentum=0.1, epsilon=1E-05) -> Dense(1, Identity) | MeanSquaredError", out int _, out _, out _));
    }
}

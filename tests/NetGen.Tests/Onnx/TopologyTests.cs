using NetGen.Reference;

namespace NetGen.Tests.Onnx;

public class TopologyTests
{
    [Fact]
    public void ParsesEveryLayerKind()
    {
        var topology = Topology.Of(new EveryLayer());
        Assert.Equal(7, topology.InputSize);
        Assert.Equal(LossFunction.CrossEntropy, topology.Loss);
        Assert.Equal(9, topology.Layers.Count);
        Assert.Equal(ReferenceLayer.Dense(9, Activation.LeakyReLU, 0.2), topology.Layers[0]);
        Assert.Equal(ReferenceLayer.Maxout(6, 3), topology.Layers[1]);
        Assert.Equal(ReferenceLayer.Dense(5, Activation.ELU, 0.7), topology.Layers[2]);
        Assert.Equal(ReferenceLayer.Dropout(5, 0.3), topology.Layers[3]);
        Assert.Equal(ReferenceLayer.Dense(3, Activation.Softmax), topology.Layers[^1]);
        Assert.Equal(EveryLayer.ParameterCount, new ReferenceNetwork(topology.InputSize, topology.Layers, topology.Loss).ParameterCount);
    }

    [Theory]
    [InlineData("Input(2) -> Dense(1, Sigmoid)", "loss")]
    [InlineData("Input(2) -> Dense(1, Sigmoid) | Hinge", "loss")]
    [InlineData("Inputs(2) -> Dense(1, Sigmoid) | MeanSquaredError", "Inputs(2)")]
    [InlineData("Input(2) -> Dense(1, Swish) | MeanSquaredError", "Swish")]
    [InlineData("Input(2) -> Conv(3) | MeanSquaredError", "Conv(3)")]
    [InlineData("Input(2) | MeanSquaredError", "no layers")]
    public void RejectsTextThatIsNotCanonical(string text, string named)
    {
        var e = Assert.Throws<FormatException>(() => Topology.Parse(text));
        Assert.Contains(named, e.Message);
    }
}

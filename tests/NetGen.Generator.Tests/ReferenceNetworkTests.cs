using NetGen.Reference;

namespace NetGen.Generator.Tests;

/// <summary>The oracle itself: properties of <see cref="ReferenceNetwork"/> that do not need generated code.</summary>
public class ReferenceNetworkTests
{
    /// <summary>
    /// A dropout layer whose mask keeps everything unscaled is the identity, in training as at inference, so the
    /// network has the gradients of the same network without it. This failed before the backward pass applied the
    /// activation derivative of a Dense layer that feeds a dropout layer (it skipped it).
    /// </summary>
    [Theory]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.ELU)]
    public void DropoutWithAMaskOfOnesHasTheGradientsOfTheNetworkWithoutIt(Activation activation)
    {
        var with = new ReferenceNetwork(3, [ReferenceLayer.Dense(4, activation), ReferenceLayer.Dropout(4, 0.5), ReferenceLayer.Dense(2, Activation.Softmax)], LossFunction.CrossEntropy);
        var without = new ReferenceNetwork(3, [ReferenceLayer.Dense(4, activation), ReferenceLayer.Dense(2, Activation.Softmax)], LossFunction.CrossEntropy);
        var random = new Random(1);
        double[] theta = Enumerable.Range(0, with.ParameterCount).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] x = [0.5, -1, 0.25, -0.75, 1, 0.1], y = [1, 0, 0, 1];

        var expected = new double[theta.Length];
        var actual = new double[theta.Length];
        double expectedLoss = without.ComputeGradients(theta, x, y, 2, expected);
        double loss = with.ComputeGradients(theta, x, y, 2, actual, dropoutMask: (_, _, _) => 1.0);

        Assert.Equal(expectedLoss, loss, 12);
        for (int i = 0; i < theta.Length; i++) Assert.Equal(expected[i], actual[i], 12);
    }
}

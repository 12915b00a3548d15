using NetGen.Optimizers;

namespace NetGen.Tests;

public class SgdTests
{
    [Fact]
    public void PlainStepSubtractsScaledGradient()
    {
        var p = new float[] { 1f, -2f, 3f };
        new Sgd(learningRate: 0.5f).Step(p, new float[] { 2f, 2f, -4f });
        Assert.Equal(new float[] { 0f, -3f, 5f }, p);
    }
}

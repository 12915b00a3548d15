namespace NetGen.Tests.Perceptron;

/// <summary>Bad arguments throw, naming the parameter with the expected and the actual value.</summary>
public class PerceptronArgumentTests
{
    private static readonly float[] Inputs = [0, 0, 0, 1, 1, 0, 1, 1];
    private static readonly float[] Targets = [0, 1, 1, 1];

    [Fact]
    public void InputsOfTheWrongLength()
    {
        var e = Assert.Throws<ArgumentException>(() => new Gate2().Train(Inputs.AsSpan(0, 6), Targets, 4));
        Assert.Equal("inputs", e.ParamName);
        Assert.Contains("has 6 elements", e.Message);
        Assert.Contains("expects 8", e.Message);
    }

    [Fact]
    public void TargetsOfTheWrongLength()
    {
        var e = Assert.Throws<ArgumentException>(() => new ThreeGates().Train(Inputs, Targets, 4));
        Assert.Equal("targets", e.ParamName);
        Assert.Contains("has 4 elements", e.Message);
        Assert.Contains("expects 12", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void SamplesNotPositive(int samples)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Gate2().Train(Inputs, Targets, samples));
        Assert.Equal("samples", e.ParamName);
        Assert.Equal(samples, e.ActualValue);
        Assert.Contains("at least 1", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void MaxEpochsNotPositive(int maxEpochs)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Gate2().Train(Inputs, Targets, 4, maxEpochs));
        Assert.Equal("maxEpochs", e.ParamName);
        Assert.Equal(maxEpochs, e.ActualValue);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void LearningRateNotFiniteAndPositive(float learningRate)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Gate2().Train(Inputs, Targets, 4, 10, learningRate));
        Assert.Equal("learningRate", e.ParamName);
        Assert.Equal(learningRate, e.ActualValue);
        Assert.Contains("greater than 0", e.Message);
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(-1f)]
    [InlineData(2f)]
    [InlineData(float.NaN)]
    public void TargetsNotZeroOrOne(float bad)
    {
        float[] targets = [0, 1, bad, 1];
        var e = Assert.Throws<ArgumentException>(() => new Gate2().Train(Inputs, targets, 4));
        Assert.Equal("targets", e.ParamName);
        Assert.Contains("0/1", e.Message);
        Assert.Contains("targets[2]", e.Message);
    }

    [Fact]
    public void NonFiniteInput()
    {
        float[] inputs = [0, 0, 0, float.NaN, 1, 0, 1, 1];
        var e = Assert.Throws<ArgumentException>(() => new Gate2().Train(inputs, Targets, 4));
        Assert.Equal("inputs", e.ParamName);
        Assert.Contains("inputs[3]", e.Message);
    }

    [Fact]
    public void ForwardAndPredictCheckTheirSpans()
    {
        var gate = new Gate2();
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => gate.Forward(new float[3], new float[1])).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => gate.Forward(new float[2], new float[2])).ParamName);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => gate.Predict(new float[1])).ParamName);
        var unit = Assert.Throws<ArgumentOutOfRangeException>(() => new ThreeGates().Predict(new float[2], 3));
        Assert.Equal("unit", unit.ParamName);
        Assert.Equal(3, unit.ActualValue);
    }

    [Fact]
    public void ABadCallLeavesTheWeightsUntouched()
    {
        var gate = new Gate2();
        gate.Train(Inputs, Targets, 4);
        float[] before = gate.Parameters.ToArray();
        Assert.ThrowsAny<ArgumentException>(() => gate.Train(Inputs, [0, 1, 0.5f, 1], 4));
        Assert.Equal(before, gate.Parameters.ToArray());
    }
}

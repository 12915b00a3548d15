namespace NetGen.Tests.Perceptron;

/// <summary>
/// The perceptron rule on the logic gates, checked against a hand trace, and on generated linearly separable data,
/// checked against a plain-loop reference (same epochs, errors per epoch and weights).
/// </summary>
public class PerceptronRuleTests
{
    private static readonly float[] GateInputs = [0, 0, 0, 1, 1, 0, 1, 1];

    [Fact]
    public void OrConvergesExactlyAsTheHandTrace()
    {
        // Zero start, lr = 1, samples in the order (0,0) (0,1) (1,0) (1,1), targets 0 1 1 1; y = 1 iff b + w·x > 0.
        //
        // epoch | sample | w before | b  | b + w·x | y | t | error | w after | b after
        // ------|--------|----------|----|---------|---|---|-------|---------|--------
        //   1   | (0,0)  | (0,0)    |  0 |    0    | 0 | 0 |   0   | (0,0)   |  0
        //   1   | (0,1)  | (0,0)    |  0 |    0    | 0 | 1 |  +1   | (0,1)   |  1
        //   1   | (1,0)  | (0,1)    |  1 |    1    | 1 | 1 |   0   | (0,1)   |  1
        //   1   | (1,1)  | (0,1)    |  1 |    2    | 1 | 1 |   0   | (0,1)   |  1     1 error
        //   2   | (0,0)  | (0,1)    |  1 |    1    | 1 | 0 |  −1   | (0,1)   |  0
        //   2   | (0,1)  | (0,1)    |  0 |    1    | 1 | 1 |   0   | (0,1)   |  0
        //   2   | (1,0)  | (0,1)    |  0 |    0    | 0 | 1 |  +1   | (1,1)   |  1
        //   2   | (1,1)  | (1,1)    |  1 |    3    | 1 | 1 |   0   | (1,1)   |  1     2 errors
        //   3   | (0,0)  | (1,1)    |  1 |    1    | 1 | 0 |  −1   | (1,1)   |  0
        //   3   | (0,1)  | (1,1)    |  0 |    1    | 1 | 1 |   0   | (1,1)   |  0
        //   3   | (1,0)  | (1,1)    |  0 |    1    | 1 | 1 |   0   | (1,1)   |  0
        //   3   | (1,1)  | (1,1)    |  0 |    2    | 1 | 1 |   0   | (1,1)   |  0     1 error
        //   4   | all four classified correctly with w = (1,1), b = 0                    0 errors: converged
        var gate = new Gate2();
        var report = gate.Train(GateInputs, [0, 1, 1, 1], samples: 4);

        Assert.True(report.Converged, report.Reason);
        Assert.Equal(PerceptronOutcome.Converged, report.Outcome);
        Assert.True(report.Separable);
        Assert.Equal(4, report.Epochs);
        Assert.Equal([1, 2, 1, 0], report.ErrorsPerEpoch);
        Assert.Equal([1f, 1f], report.Weights);
        Assert.Equal(0f, report.Bias);
        Assert.Equal([1f, 1f, 0f], gate.Parameters.ToArray());
        Assert.Contains("Converged after 4 epochs", report.Reason);
        AssertTruthTable(gate, [0, 1, 1, 1]);
    }

    [Fact]
    public void AndConvergesExactlyAsTheHandTrace()
    {
        // Zero start, lr = 1, same order, targets 0 0 0 1.
        //
        // epoch | sample | w before | b  | b + w·x | y | t | error | w after | b after
        // ------|--------|----------|----|---------|---|---|-------|---------|--------
        //   1   | (0,0)  | (0,0)    |  0 |    0    | 0 | 0 |   0   | (0,0)   |  0
        //   1   | (0,1)  | (0,0)    |  0 |    0    | 0 | 0 |   0   | (0,0)   |  0
        //   1   | (1,0)  | (0,0)    |  0 |    0    | 0 | 0 |   0   | (0,0)   |  0
        //   1   | (1,1)  | (0,0)    |  0 |    0    | 0 | 1 |  +1   | (1,1)   |  1     1 error
        //   2   | (0,0)  | (1,1)    |  1 |    1    | 1 | 0 |  −1   | (1,1)   |  0
        //   2   | (0,1)  | (1,1)    |  0 |    1    | 1 | 0 |  −1   | (1,0)   | −1
        //   2   | (1,0)  | (1,0)    | −1 |    0    | 0 | 0 |   0   | (1,0)   | −1
        //   2   | (1,1)  | (1,0)    | −1 |    0    | 0 | 1 |  +1   | (2,1)   |  0     3 errors
        //   3   | (0,0)  | (2,1)    |  0 |    0    | 0 | 0 |   0   | (2,1)   |  0
        //   3   | (0,1)  | (2,1)    |  0 |    1    | 1 | 0 |  −1   | (2,0)   | −1
        //   3   | (1,0)  | (2,0)    | −1 |    1    | 1 | 0 |  −1   | (1,0)   | −2
        //   3   | (1,1)  | (1,0)    | −2 |   −1    | 0 | 1 |  +1   | (2,1)   | −1     3 errors
        //   4   | (0,0)  | (2,1)    | −1 |   −1    | 0 | 0 |   0   | (2,1)   | −1
        //   4   | (0,1)  | (2,1)    | −1 |    0    | 0 | 0 |   0   | (2,1)   | −1
        //   4   | (1,0)  | (2,1)    | −1 |    1    | 1 | 0 |  −1   | (1,1)   | −2
        //   4   | (1,1)  | (1,1)    | −2 |    0    | 0 | 1 |  +1   | (2,2)   | −1     2 errors
        //   5   | (0,0)  | (2,2)    | −1 |   −1    | 0 | 0 |   0   | (2,2)   | −1
        //   5   | (0,1)  | (2,2)    | −1 |    1    | 1 | 0 |  −1   | (2,1)   | −2
        //   5   | (1,0)  | (2,1)    | −2 |    0    | 0 | 0 |   0   | (2,1)   | −2
        //   5   | (1,1)  | (2,1)    | −2 |    1    | 1 | 1 |   0   | (2,1)   | −2     1 error
        //   6   | all four classified correctly with w = (2,1), b = −2                   0 errors: converged
        var gate = new Gate2();
        var report = gate.Train(GateInputs, [0, 0, 0, 1], samples: 4);

        Assert.True(report.Converged, report.Reason);
        Assert.Equal(6, report.Epochs);
        Assert.Equal([1, 3, 3, 2, 1, 0], report.ErrorsPerEpoch);
        Assert.Equal([2f, 1f], report.Weights);
        Assert.Equal(-2f, report.Bias);
        AssertTruthTable(gate, [0, 0, 0, 1]);
    }

    [Fact]
    public void XorIsReportedNotSeparableByTheCycleWellBeforeMaxEpochs()
    {
        // Epoch 1 ends at w = (−1,0), b = 0 (2 errors); epoch 2 at w = (−1,0), b = 1 (3 errors); epoch 3 starts from
        // (−1,0), 1 and, after 4 errors, ends there again: epoch 3 repeats forever.
        var gate = new Gate2();
        var report = gate.Train(GateInputs, [0, 1, 1, 0], samples: 4, maxEpochs: 1000);

        Assert.False(report.Converged);
        Assert.Equal(PerceptronOutcome.Cycle, report.Outcome);
        Assert.False(report.Separable);
        Assert.Equal(3, report.Epochs);
        Assert.Equal([2, 3, 4], report.ErrorsPerEpoch);
        Assert.Equal(2, report.CycleStart);
        Assert.Equal(1, report.CycleLength);
        Assert.Equal([-1f, 0f], report.Weights);
        Assert.Equal(1f, report.Bias);
        Assert.Contains("Not linearly separable", report.Reason);
        Assert.Contains("after epoch 3 are exactly those after epoch 2", report.Reason);
        Assert.DoesNotContain("Ran out", report.Reason);
    }

    [Fact]
    public void RunningOutOfEpochsIsUndecided()
    {
        var report = new Gate2().Train(GateInputs, [0, 0, 0, 1], samples: 4, maxEpochs: 3);
        Assert.Equal(PerceptronOutcome.MaxEpochs, report.Outcome);
        Assert.Null(report.Separable);
        Assert.Equal(3, report.Epochs);
        Assert.Equal([1, 3, 3], report.ErrorsPerEpoch);
        Assert.Contains("Ran out of epochs", report.Reason);
    }

    [Fact]
    public void TrainingContinuesFromTheCurrentWeightsAndResetClearsThem()
    {
        var gate = new Gate2();
        gate.Train(GateInputs, [0, 1, 1, 1], samples: 4);
        var again = gate.Train(GateInputs, [0, 1, 1, 1], samples: 4);
        Assert.Equal(1, again.Epochs);
        gate.Reset();
        Assert.Equal([0f, 0f, 0f], gate.Parameters.ToArray());
    }

    [Fact]
    public void ThreeGatesAtOnceMatchTheReference()
    {
        // Units: OR, AND, NAND. Targets per sample: t[s, j].
        float[] targets = [0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0];
        var gates = new ThreeGates();
        var report = gates.Train(GateInputs, targets, samples: 4);
        var reference = ReferencePerceptron.Train(GateInputs, targets, 4, 2, 3, 100, 1f);

        Assert.True(report.Converged, report.Reason);
        Assert.Equal(reference.ErrorsPerEpoch, report.ErrorsPerEpoch);
        Assert.Equal(reference.Parameters, gates.Parameters.ToArray());
        // The OR and AND rows are those of the single-gate traces above.
        Assert.Equal([1f, 1f], report.WeightsOf(0).ToArray());
        Assert.Equal([2f, 1f], report.WeightsOf(1).ToArray());
        Assert.Equal(0f, report.Biases[0]);
        Assert.Equal(-2f, report.Biases[1]);

        Span<float> y = stackalloc float[3];
        for (int s = 0; s < 4; s++)
        {
            gates.Forward(GateInputs.AsSpan(s * 2, 2), y);
            Assert.Equal(targets.AsSpan(s * 3, 3).ToArray(), y.ToArray());
            for (int j = 0; j < 3; j++) Assert.Equal((int)targets[s * 3 + j], gates.Predict(GateInputs.AsSpan(s * 2, 2), j));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void SixtyFourInputsMatchTheReference(int seed)
    {
        var (inputs, targets) = ReferencePerceptron.SeparableData(seed, samples: 200, inputs: 64, outputs: 1);
        var net = new Wide64();
        var report = net.Train(inputs, targets, 200, maxEpochs: 1000);
        var reference = ReferencePerceptron.Train(inputs, targets, 200, 64, 1, 1000, 1f);

        Assert.True(report.Converged, report.Reason);
        Assert.True(report.Epochs > 1);
        Assert.Equal(reference.ErrorsPerEpoch, report.ErrorsPerEpoch);
        Assert.Equal(reference.Parameters, net.Parameters.ToArray());
        for (int s = 0; s < 200; s++) Assert.Equal((int)targets[s], net.Predict(inputs.AsSpan(s * 64, 64)));
    }

    [Fact]
    public void SixtyFourInputsFourUnitsWithAFractionalLearningRateMatchTheReference()
    {
        var (inputs, targets) = ReferencePerceptron.SeparableData(7, samples: 150, inputs: 64, outputs: 4);
        var net = new Wide64x4();
        var report = net.Train(inputs, targets, 150, maxEpochs: 1000, learningRate: 0.25f);
        var reference = ReferencePerceptron.Train(inputs, targets, 150, 64, 4, 1000, 0.25f);

        Assert.True(report.Converged, report.Reason);
        Assert.Equal(reference.ErrorsPerEpoch, report.ErrorsPerEpoch);
        Assert.Equal(reference.Parameters, net.Parameters.ToArray());
    }

    [Fact]
    public void WideNonSeparableDataIsCaughtCycling()
    {
        // Two copies of the same 784-value sample with opposite targets: no weights classify both.
        var inputs = new float[2 * 784];
        for (int i = 0; i < 784; i++) inputs[i] = inputs[784 + i] = i % 3;
        var targets = new float[20];
        for (int j = 0; j < 10; j++) targets[10 + j] = 1;
        var report = new Mnist784x10().Train(inputs, targets, 2, maxEpochs: 50);
        var reference = ReferencePerceptron.Train(inputs, targets, 2, 784, 10, 50, 1f);

        Assert.Equal(PerceptronOutcome.Cycle, report.Outcome);
        Assert.Equal(reference.ErrorsPerEpoch.Take(report.Epochs), report.ErrorsPerEpoch);
        Assert.True(report.Epochs < 50);
    }

    [Fact]
    public void TrainingAllocatesPerEpochNotPerSample()
    {
        var (inputs, targets) = ReferencePerceptron.SeparableData(2, samples: 500, inputs: 64, outputs: 4);
        var net = new Wide64x4();
        net.Train(inputs, targets, 500, maxEpochs: 1000); // warm up the JIT
        net.Reset();

        long before = GC.GetAllocatedBytesForCurrentThread();
        var report = net.Train(inputs, targets, 500, maxEpochs: 1000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Per epoch: one copy of the 260 parameters plus list/dictionary growth; 500 samples × 4 units per epoch would
        // blow this bound with even one small allocation per sample.
        Assert.True(report.Converged, report.Reason);
        long bound = 8192 + report.Epochs * (Wide64x4.ParameterCount * 4L + 256);
        Assert.True(allocated < bound, $"{allocated} bytes allocated over {report.Epochs} epochs (bound {bound})");
    }

    private static void AssertTruthTable(Gate2 gate, float[] expected)
    {
        Span<float> y = stackalloc float[1];
        for (int s = 0; s < 4; s++)
        {
            var x = GateInputs.AsSpan(s * 2, 2);
            gate.Forward(x, y);
            Assert.Equal(expected[s], y[0]);
            Assert.Equal((int)expected[s], gate.Predict(x));
        }
    }
}

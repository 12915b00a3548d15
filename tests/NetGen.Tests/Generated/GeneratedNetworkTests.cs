using NetGen.Optimizers;

namespace NetGen.Tests;

/// <summary>End-to-end behaviour of networks generated through the analyzer, as a user project sees them.</summary>
public class GeneratedNetworkTests
{
    private static readonly float[] XorInputs = [0, 0, 0, 1, 1, 0, 1, 1];
    private static readonly float[] XorTargets = [0, 1, 1, 0];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(42)]
    public void XorReachesLossBelowOneHundredthFromSeveralSeeds(int seed)
    {
        var net = new XorNet(seed);
        var sgd = new Sgd(learningRate: 0.5f, momentum: 0.9f);
        float loss = float.NaN;
        for (int epoch = 0; epoch < 5000 && !(loss < 0.01f); epoch++)
        {
            loss = net.ComputeGradients(XorInputs, XorTargets, 4);
            sgd.Step(net.Parameters, net.Gradients);
        }
        Assert.True(loss < 0.01f, $"seed {seed}: loss {loss}");
        for (int i = 0; i < 4; i++)
            Assert.Equal((int)XorTargets[i], net.Predict(XorInputs.AsSpan(i * 2, 2)));
    }

    [Fact]
    public void ConstantsDescribeTheDeclaration()
    {
        Assert.Equal(2, XorNet.InputSize);
        Assert.Equal(1, XorNet.OutputSize);
        Assert.Equal(2 * 4 + 4 + 4 + 1, XorNet.ParameterCount);
        Assert.Equal(LossFunction.BinaryCrossEntropy, XorNet.Loss);
        Assert.Equal("Input(2) -> Dense(4, Tanh) -> Dense(1, Sigmoid) | BinaryCrossEntropy", XorNet.Architecture);
        INetwork net = new XorNet();
        Assert.Equal(XorNet.ParameterCount, net.Parameters.Length);
        Assert.Equal(XorNet.ParameterCount, net.Gradients.Length);
    }

    [Fact]
    public void InitializationIsDeterministicAndScaled()
    {
        Assert.Equal(new XorNet(5).Parameters.ToArray(), new XorNet(5).Parameters.ToArray());
        Assert.NotEqual(new XorNet(5).Parameters.ToArray(), new XorNet(6).Parameters.ToArray());
        Assert.Equal(new XorNet(0).Parameters.ToArray(), new XorNet().Parameters.ToArray());

        var p = new XorNet(9).Parameters;
        float glorot0 = MathF.Sqrt(6f / (2 + 4)), glorot1 = MathF.Sqrt(6f / (4 + 1));
        Assert.All(p[..8].ToArray(), w => Assert.InRange(MathF.Abs(w), 0, glorot0));
        Assert.All(p[8..12].ToArray(), b => Assert.Equal(0f, b));
        Assert.All(p[12..16].ToArray(), w => Assert.InRange(MathF.Abs(w), 0, glorot1));
        Assert.Equal(0f, p[16]);
    }

    [Fact]
    public void WrongLengthsThrowNamingExpectedAndActual()
    {
        var net = new XorNet();
        var e = Assert.Throws<ArgumentException>(() => net.Forward(new float[3], new float[1]));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("3 elements", e.Message);
        Assert.Contains("expects 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => net.Forward(new float[2], new float[2]));
        Assert.Equal("output", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => net.Forward(new float[8], new float[3], 4));
        Assert.Equal("outputs", e.ParamName);
        Assert.Contains("expects 4", e.Message);
        e = Assert.Throws<ArgumentException>(() => net.ComputeGradients(new float[8], new float[5], 4));
        Assert.Equal("targets", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.ComputeGradients(new float[0], new float[0], 0));
        Assert.Throws<ArgumentException>(() => net.Predict(new float[1]));
    }

    [Fact]
    public void ForwardAndComputeGradientsDoNotAllocate()
    {
        var net = new DropoutNet(1);
        var x = new float[32 * 6];
        var y = new float[32 * 3];
        for (int i = 0; i < 32; i++) y[i * 3 + i % 3] = 1;
        var output = new float[3];
        var outputs = new float[32 * 3];
        net.ComputeGradients(x, y, 32); // sizes the training buffers once
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            net.Forward(x.AsSpan(0, 6), output);
            net.Forward(x, outputs, 32);
            net.ComputeGradients(x, y, 32);
            net.Predict(x.AsSpan(0, 6));
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void DropoutIsTheIdentityAtInference()
    {
        var withDropout = new DropoutNet(3);
        var without = new NoDropoutNet(0);
        withDropout.Parameters.CopyTo(without.Parameters);
        var random = new Random(1);
        var x = Enumerable.Range(0, 6 * 5).Select(_ => (float)random.NextDouble()).ToArray();
        var a = new float[15];
        var b = new float[15];
        withDropout.Forward(x, a, 5);
        without.Forward(x, b, 5);
        Assert.Equal(b, a);
    }

    [Fact]
    public void DropoutKeepsTheRightFractionAndScalesBySurvivalProbability()
    {
        var net = new DropoutProbe(11);
        net.Parameters.Fill(1f);
        net.Parameters[^1] = 0f; // bias
        var x = Enumerable.Repeat(1f, DropoutProbe.InputSize).ToArray();

        var output = new float[1];
        net.Forward(x, output);
        Assert.Equal(DropoutProbe.InputSize, output[0]); // no mask and no scaling at inference

        // Output = Σ_i x_i·m_i, so with target 0 the MSE gradient of weight i is 2·out·m_i.
        net.ComputeGradients(x, [0f], 1);
        var gradients = net.Gradients[..DropoutProbe.InputSize].ToArray();
        float dOut = net.Gradients[^1]; // the bias gradient is 2·out
        int dropped = gradients.Count(g => g == 0f);
        double expected = 0.3 * DropoutProbe.InputSize, sigma = Math.Sqrt(DropoutProbe.InputSize * 0.3 * 0.7);
        Assert.InRange(dropped, expected - 4 * sigma, expected + 4 * sigma);
        float keptScale = 1f / (1f - 0.3f);
        Assert.All(gradients.Where(g => g != 0f), g => Assert.Equal(dOut * keptScale, g, 1e-3f * Math.Abs(dOut)));
        Assert.Equal((DropoutProbe.InputSize - dropped) * keptScale, dOut / 2f, 1e-2f);
    }

    [Fact]
    public void DropoutMasksRepeatForASeedAndChangeBetweenBatches()
    {
        var x = Enumerable.Repeat(1f, DropoutProbe.InputSize).ToArray();
        float[] Mask(DropoutProbe net)
        {
            net.ComputeGradients(x, [0f], 1);
            return net.Gradients[..DropoutProbe.InputSize].ToArray().Select(g => g == 0f ? 0f : 1f).ToArray();
        }
        var a = new DropoutProbe(4);
        var b = new DropoutProbe(4);
        float[] first = Mask(a);
        Assert.Equal(first, Mask(b));
        Assert.NotEqual(first, Mask(a)); // the next batch draws a new mask
    }

    [Fact]
    public void DropoutGradientsMatchFiniteDifferencesWithAFixedMask()
    {
        const int seed = 8, batch = 5;
        var net = new DropoutNet(seed);
        var random = new Random(2);
        float[] theta = net.Parameters.ToArray();
        for (int i = 0; i < theta.Length; i++) theta[i] += (float)(random.NextDouble() - 0.5) * 0.5f;
        var x = Enumerable.Range(0, batch * 6).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var y = new float[batch * 3];
        for (int s = 0; s < batch; s++) y[s * 3 + s % 3] = 1;

        // Re-initializing from the seed rewinds the dropout generator, so every evaluation draws the same mask.
        float Loss(float[] parameters)
        {
            net.Initialize(seed);
            parameters.CopyTo(net.Parameters);
            return net.ComputeGradients(x, y, batch);
        }

        Loss(theta);
        float[] analytic = net.Gradients.ToArray();
        Assert.Contains(analytic, g => g != 0f);
        for (int i = 0; i < theta.Length; i++)
        {
            const float epsilon = 1e-2f;
            float saved = theta[i];
            theta[i] = saved + epsilon;
            double plus = Loss(theta);
            theta[i] = saved - epsilon;
            double minus = Loss(theta);
            theta[i] = saved;
            double numeric = (plus - minus) / (2 * epsilon);
            Assert.True(Math.Abs(numeric - analytic[i]) <= 2e-3 + 2e-2 * Math.Abs(numeric),
                $"parameter {i}: finite difference {numeric:G6}, gradient {analytic[i]:G6}");
        }
    }

    [Fact]
    public void ComputeGradientsOverwritesAndAveragesOverTheBatch()
    {
        var net = new XorNet(3);
        net.ComputeGradients(XorInputs, XorTargets, 4);
        float[] batchGradient = net.Gradients.ToArray();
        var sum = new float[batchGradient.Length];
        for (int s = 0; s < 4; s++)
        {
            net.ComputeGradients(XorInputs.AsSpan(s * 2, 2), XorTargets.AsSpan(s, 1), 1);
            for (int i = 0; i < sum.Length; i++) sum[i] += net.Gradients[i] / 4;
        }
        for (int i = 0; i < sum.Length; i++) Assert.Equal(sum[i], batchGradient[i], 1e-6f);
    }

    [Fact]
    public void BinaryCrossEntropyStaysFiniteWhenTheOutputSaturates()
    {
        var net = new XorNet(1);
        net.Parameters.Fill(50f); // logits in the hundreds: σ(z) is exactly 1 in float
        float loss = net.ComputeGradients(XorInputs, XorTargets, 4);
        Assert.True(float.IsFinite(loss), $"loss {loss}");
        Assert.True(loss > 50, $"a confidently wrong output must cost a lot, got {loss}");
        Assert.All(net.Gradients.ToArray(), g => Assert.True(float.IsFinite(g)));
    }
}

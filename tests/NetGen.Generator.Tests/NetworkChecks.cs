using NetGen.Reference;

namespace NetGen.Generator.Tests;

/// <summary>Checks one generated network against its reference: outputs, loss, gradients and finite differences.</summary>
internal static class NetworkChecks
{
    public static void AgainstReference(INetwork net, ReferenceNetwork reference, int seed, string name)
    {
        Assert.Equal(reference.InputSize, net.InputSize);
        Assert.Equal(reference.OutputSize, net.OutputSize);
        Assert.Equal(reference.ParameterCount, net.ParameterCount);
        Assert.Equal(reference.ParameterCount, net.Parameters.Length);

        // Non-zero biases and a spread of weights, so every path matters.
        var random = new Random(seed);
        var parameters = net.Parameters;
        for (int i = 0; i < parameters.Length; i++) parameters[i] += (float)(random.NextDouble() - 0.5) * 0.2f;
        double[] theta = parameters.ToArray().Select(v => (double)v).ToArray();

        int inputSize = net.InputSize, outputSize = net.OutputSize;
        const int batch = 5; // one 4-sample block of the blocked kernels plus a leftover sample
        float[] x = Enumerable.Range(0, batch * inputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] y = Targets(reference.Loss, batch, outputSize, random);
        double[] xd = x.Select(v => (double)v).ToArray(), yd = y.Select(v => (double)v).ToArray();

        // Forward, one sample at a time, against the reference.
        var outputs = new float[batch * outputSize];
        for (int s = 0; s < batch; s++)
        {
            net.Forward(x.AsSpan(s * inputSize, inputSize), outputs.AsSpan(s * outputSize, outputSize));
            double[] expected = reference.Forward(theta, xd.AsSpan(s * inputSize, inputSize));
            AssertClose(expected, outputs.AsSpan(s * outputSize, outputSize), 1e-4, $"{name}: Forward of sample {s}");
        }

        // Batched Forward agrees with single-sample Forward, across a tile boundary (tiles hold at most 64 samples).
        const int bigBatch = 70;
        float[] bigX = Enumerable.Range(0, bigBatch * inputSize).Select(i => x[i % x.Length] * (1 + i / x.Length * 0.01f)).ToArray();
        var batched = new float[bigBatch * outputSize];
        net.Forward(bigX, batched, bigBatch);
        var single = new float[outputSize];
        for (int s = 0; s < bigBatch; s++)
        {
            net.Forward(bigX.AsSpan(s * inputSize, inputSize), single);
            AssertClose(single.Select(v => (double)v).ToArray(), batched.AsSpan(s * outputSize, outputSize), 1e-5, $"{name}: batched Forward of sample {s}");
        }

        // Loss and gradients against the reference.
        float loss = net.ComputeGradients(x, y, batch);
        var expectedGradients = new double[theta.Length];
        double expectedLoss = reference.ComputeGradients(theta, xd, yd, batch, expectedGradients);
        AssertClose(new[] { expectedLoss }, new[] { loss }, 1e-4, $"{name}: loss");
        AssertClose(expectedGradients, net.Gradients, 1e-4, $"{name}: gradients");

        // Central finite differences of the loss (in double, at the same parameters) against the generated gradients,
        // on up to 48 parameters spread over the whole buffer.
        var gradients = net.Gradients.ToArray();
        int step = Math.Max(1, theta.Length / 48);
        var scratch = new double[theta.Length];
        double scale = gradients.Max(v => Math.Abs((double)v)) + 1e-6;
        for (int i = 0; i < theta.Length; i += step)
        {
            const double epsilon = 1e-6;
            double saved = theta[i];
            theta[i] = saved + epsilon;
            double plus = reference.ComputeGradients(theta, xd, yd, batch, scratch);
            theta[i] = saved - epsilon;
            double minus = reference.ComputeGradients(theta, xd, yd, batch, scratch);
            theta[i] = saved;
            double numeric = (plus - minus) / (2 * epsilon);
            Assert.True(Math.Abs(numeric - gradients[i]) <= 1e-3 * Math.Max(Math.Abs(numeric), 0.01 * scale) + 1e-6,
                $"{name}: parameter {i}: finite difference {numeric:G9}, generated gradient {gradients[i]:G9}");
        }
    }

    public static float[] Targets(LossFunction loss, int batch, int outputs, Random random)
    {
        var y = new float[batch * outputs];
        for (int s = 0; s < batch; s++)
        {
            if (loss == LossFunction.CrossEntropy)
                y[s * outputs + random.Next(outputs)] = 1f;
            else
                for (int k = 0; k < outputs; k++)
                    y[s * outputs + k] = loss == LossFunction.BinaryCrossEntropy ? (float)random.NextDouble() : (float)(random.NextDouble() * 2 - 1);
        }
        return y;
    }

    /// <summary>|actual − expected| ≤ tolerance·max(|expected|, 1% of the largest |expected|), per element.</summary>
    public static void AssertClose(IReadOnlyList<double> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Count, actual.Length);
        double scale = expected.Select(Math.Abs).DefaultIfEmpty(0).Max();
        for (int i = 0; i < actual.Length; i++)
        {
            double bound = tolerance * Math.Max(Math.Abs(expected[i]), 0.01 * scale) + 1e-7;
            if (!(Math.Abs(actual[i] - expected[i]) <= bound))
                Assert.Fail($"{what}: element {i} is {actual[i]:G9}, expected {expected[i]:G9} (allowed ±{bound:G3})");
        }
    }
}

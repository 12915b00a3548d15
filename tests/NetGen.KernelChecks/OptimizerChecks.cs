using NetGen.Optimizers;

namespace NetGen.KernelChecks;

/// <summary>
/// The optimizers' vector loops against their formulas written as scalar loops in double, over 37 parameters (vector
/// blocks plus a scalar tail at every width), three steps each; and the vector loops against the scalar tail, bit for bit.
/// </summary>
internal static class OptimizerChecks
{
    private const int Length = 37, Steps = 3;

    public static int Run()
    {
        Check("SGD", new Sgd(0.1f, momentum: 0.9f, nesterov: true, weightDecay: 0.01f), (theta, grads) =>
        {
            var buffer = new double[Length];
            for (int t = 0; t < Steps; t++)
                for (int i = 0; i < Length; i++)
                {
                    double g = grads[t][i] + 0.01 * theta[i];
                    buffer[i] = t == 0 ? g : 0.9 * buffer[i] + g;
                    theta[i] -= 0.1 * (g + 0.9 * buffer[i]);
                }
        });
        Check("Adam", new Adam(0.01f, weightDecay: 0.01f), (theta, grads) =>
        {
            double[] m = new double[Length], v = new double[Length];
            for (int t = 1; t <= Steps; t++)
                for (int i = 0; i < Length; i++)
                {
                    double g = grads[t - 1][i] + 0.01 * theta[i];
                    m[i] = 0.9 * m[i] + 0.1 * g;
                    v[i] = 0.999 * v[i] + 0.001 * g * g;
                    double mHat = m[i] / (1 - Math.Pow(0.9, t)), vHat = v[i] / (1 - Math.Pow(0.999, t));
                    theta[i] -= 0.01 * mHat / (Math.Sqrt(vHat) + 1e-8);
                }
        });
        Check("RMSProp", new RmsProp(0.01f, momentum: 0.5f, centered: true), (theta, grads) =>
        {
            double[] square = new double[Length], mean = new double[Length], buffer = new double[Length];
            for (int t = 0; t < Steps; t++)
                for (int i = 0; i < Length; i++)
                {
                    double g = grads[t][i];
                    square[i] = 0.99 * square[i] + 0.01 * g * g;
                    mean[i] = 0.99 * mean[i] + 0.01 * g;
                    buffer[i] = 0.5 * buffer[i] + g / (Math.Sqrt(square[i] - mean[i] * mean[i]) + 1e-8);
                    theta[i] -= 0.01 * buffer[i];
                }
        });
        Check("Adagrad", new Adagrad(0.1f), (theta, grads) =>
        {
            var sum = new double[Length];
            for (int t = 0; t < Steps; t++)
                for (int i = 0; i < Length; i++)
                {
                    double g = grads[t][i];
                    sum[i] += g * g;
                    theta[i] -= 0.1 * g / (Math.Sqrt(sum[i]) + 1e-10);
                }
        });
        foreach (var (name, optimizer) in new (string, IOptimizer)[]
        {
            ("SGD", new Sgd(0.1f, momentum: 0.9f, nesterov: true, weightDecay: 0.01f)),
            ("Adam", new Adam(0.01f, weightDecay: 0.01f)),
            ("AdamW", new AdamW(0.01f)),
            ("RMSProp", new RmsProp(0.01f, momentum: 0.5f, centered: true, weightDecay: 0.01f)),
            ("Adagrad", new Adagrad(0.1f, weightDecay: 0.01f)),
        })
            CheckLanesMatchTail(name, optimizer);
        return 9;
    }

    /// <summary>
    /// Every element whose index has the same remainder mod 5 starts with the same parameter and gets the same
    /// gradients, so after twenty steps all of them must hold the same bits, whether a vector loop or the scalar tail
    /// updated them (the last five of the 37 elements are in the tail at widths 8 and 16, the last one at width 4).
    /// </summary>
    private static void CheckLanesMatchTail(string name, IOptimizer optimizer)
    {
        const int period = 5;
        var random = new Random(name.Length + 100);
        // Small parameters and many steps, so that a last-bit difference in any state's update shows in the parameters.
        float[] start = Enumerable.Range(0, period).Select(_ => (float)(random.NextDouble() * 2 - 1) * 1e-3f).ToArray();
        float[] parameters = Enumerable.Range(0, Length).Select(i => start[i % period]).ToArray();
        for (int t = 0; t < 20; t++)
        {
            float[] g = Enumerable.Range(0, period).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            optimizer.Step(parameters, Enumerable.Range(0, Length).Select(i => g[i % period]).ToArray());
        }
        for (int i = period; i < Length; i++)
            if (BitConverter.SingleToInt32Bits(parameters[i]) != BitConverter.SingleToInt32Bits(parameters[i % period]))
                throw new Exception($"{name}: parameter {i} is {parameters[i]:R} but parameter {i % period}, updated from the same values, is {parameters[i % period]:R}");
    }

    private static void Check(string name, IOptimizer optimizer, Action<double[], double[][]> reference)
    {
        var random = new Random(name.Length);
        float[] parameters = Enumerable.Range(0, Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[][] gradients = Enumerable.Range(0, Steps).Select(_ => Enumerable.Range(0, Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
        double[] expected = parameters.Select(v => (double)v).ToArray();
        reference(expected, gradients.Select(g => g.Select(v => (double)v).ToArray()).ToArray());
        foreach (float[] g in gradients) optimizer.Step(parameters, g);
        for (int i = 0; i < Length; i++)
            if (Math.Abs(parameters[i] - expected[i]) > 1e-6 * Math.Max(1, Math.Abs(expected[i])))
                throw new Exception($"{name}: parameter {i} is {parameters[i]:G9} after {Steps} steps, the formula gives {expected[i]:G9}");
    }
}

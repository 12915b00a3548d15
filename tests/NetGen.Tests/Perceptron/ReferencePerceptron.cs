namespace NetGen.Tests.Perceptron;

/// <summary>The perceptron rule written as plainly as possible, and a generator of linearly separable data.</summary>
internal static class ReferencePerceptron
{
    public sealed record Result(int[] ErrorsPerEpoch, float[] Parameters);

    /// <summary>Zero start; for each epoch, each sample, each unit: error = t − step(b + w·x); w += lr·error·x; b += lr·error.</summary>
    public static Result Train(float[] x, float[] t, int samples, int inputs, int outputs, int maxEpochs, float learningRate)
    {
        var w = new float[outputs * inputs];
        var b = new float[outputs];
        var errors = new List<int>();
        for (int epoch = 0; epoch < maxEpochs; epoch++)
        {
            int count = 0;
            for (int s = 0; s < samples; s++)
            {
                for (int j = 0; j < outputs; j++)
                {
                    float z = b[j];
                    for (int i = 0; i < inputs; i++) z += w[j * inputs + i] * x[s * inputs + i];
                    float error = t[s * outputs + j] - (z > 0 ? 1 : 0);
                    if (error == 0) continue;
                    float step = learningRate * error;
                    for (int i = 0; i < inputs; i++) w[j * inputs + i] += step * x[s * inputs + i];
                    b[j] += step;
                    count++;
                }
            }
            errors.Add(count);
            if (count == 0) break;
        }
        return new Result(errors.ToArray(), [.. w, .. b]);
    }

    /// <summary>
    /// Integer inputs in [−3, 3] labelled by random teacher units with half-integer weights and biases, so no sample lies
    /// on a boundary (linearly separable with a margin) and, with learning rates that are powers of two, every sum is
    /// exact: the vector kernels and the plain loop above then agree bit for bit whatever their summation order.
    /// </summary>
    public static (float[] Inputs, float[] Targets) SeparableData(int seed, int samples, int inputs, int outputs)
    {
        var rng = new Random(seed);
        var teacher = new float[outputs * (inputs + 1)];
        for (int i = 0; i < teacher.Length; i++) teacher[i] = rng.Next(-4, 5) + 0.5f;
        var x = new float[samples * inputs];
        for (int i = 0; i < x.Length; i++) x[i] = rng.Next(-3, 4);
        var t = new float[samples * outputs];
        for (int s = 0; s < samples; s++)
        {
            for (int j = 0; j < outputs; j++)
            {
                float z = teacher[outputs * inputs + j];
                for (int i = 0; i < inputs; i++) z += teacher[j * inputs + i] * x[s * inputs + i];
                t[s * outputs + j] = z > 0 ? 1 : 0;
            }
        }
        return (x, t);
    }
}

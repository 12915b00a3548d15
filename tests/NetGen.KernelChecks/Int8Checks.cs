using NetGen.Quantization;
using NetGen.Tests.Quantization;

namespace NetGen.KernelChecks;

// Wide enough for the kernels' every loop at 784 inputs (the MNIST shape), with a table activation after it.
[Network(Loss = LossFunction.CrossEntropy)] [Input(784)] [Dense(128, Activation.ReLU)] [Dense(37, Activation.Tanh)] [Dense(10, Activation.Softmax)]
public partial class QuantDigits;

// 72 inputs: whole pairs of steps and a zero-padded tail on every path; 40 channels: a group of two blocks and a partial block.
[Network(Loss = LossFunction.MeanSquaredError)] [Input(72)] [Dense(40, Activation.Identity)] [Dense(2, Activation.Identity)]
public partial class QuantExtremes;

// The digits CNN's shape with 64 filters in the second convolution: four channel blocks, so AVX-512 takes the
// four-by-four tile over output positions; BatchNorm folded into the first.
[Network(Loss = LossFunction.CrossEntropy)] [Input(1, 28, 28)] [Conv2D(16, 5, Activation.Identity, Padding = 2)] [BatchNorm(Activation = Activation.ReLU)]
[MaxPool2D(2)] [Conv2D(64, 3, Activation.ReLU)] [MaxPool2D(2)] [Dense(10, Activation.Softmax)]
public partial class QuantDigitsCnn;

/// <summary>
/// Quantized networks on whatever int8 path this process selects: every output against the plain-loop integer
/// reference, and one hash of every output bit, which must be the same on every path (InstructionSetTests compares it
/// across child processes).
/// </summary>
internal static class Int8Checks
{
    public static (int Checks, string Hash) Run()
    {
        ulong hash = 14695981039346656037; // FNV-1a
        int checks = 0;
        var cases = new (INetwork Net, int Seed)[]
        {
            (new QuantAllActivations(), 1), (new QuantStep(), 2), (new QuantMaxoutOutput(), 3), (new QuantWide(), 4), (new QuantDigits(), 5),
            (new QuantCnn(), 6), (new QuantCnnStrided(), 7), (new QuantDigitsCnn(), 8),
        };
        foreach (var (net, seed) in cases)
        {
            net.Initialize(seed);
            var random = new Random(seed);
            Span<float> p = net.Parameters;
            for (int i = 0; i < p.Length; i++) p[i] += (float)(random.NextDouble() - 0.5) * 0.2f;
            // BatchNorm running statistics, means and variances alike in [0.5, 1.5): the variances must be positive.
            Span<float> statistics = net.RunningStatistics;
            for (int i = 0; i < statistics.Length; i++) statistics[i] = 0.5f + (float)random.NextDouble();
            int n = net.InputSize, m = net.OutputSize, samples = 41;
            float[] calibration = Enumerable.Range(0, 64 * n).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
            QuantizedNetwork q = net.Quantize(calibration, 64);

            // Inputs beyond the calibrated range, and the values that must clamp or map to zero.
            float[] x = Enumerable.Range(0, samples * n).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray();
            float[] special = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e30f, -1e30f, 0f, -0f, float.Epsilon];
            for (int i = 0; i < special.Length; i++) x[i * 7 % x.Length] = special[i];

            var batched = new float[samples * m];
            q.Forward(x, batched, samples);
            var single = new float[m];
            for (int s = 0; s < samples; s++)
            {
                float[] expected = IntegerReference.Forward(q, x.AsSpan(s * n, n));
                q.Forward(x.AsSpan(s * n, n), single);
                if (!expected.SequenceEqual(single) || !expected.SequenceEqual(batched.AsSpan(s * m, m).ToArray()))
                    throw new Exception($"int8 {net.Architecture} on {QuantizedNetwork.InstructionSet}: sample {s} differs from the integer reference");
            }
            foreach (float v in batched) hash = (hash ^ BitConverter.SingleToUInt32Bits(v)) * 1099511628211;
            checks++;
        }
        hash = Extremes(hash);
        hash = Softmax(hash);
        return (checks + 2, hash.ToString("X16"));
    }

    /// <summary>
    /// The largest sums the kernels can meet: every weight code ±64 (one sign per channel, or alternating within a
    /// channel) times input code 127, where two steps' pmaddubsw results add to ±32,512 in an int16 lane. A path that
    /// saturated or wrapped would differ from the integer reference here.
    /// </summary>
    private static ulong Extremes(ulong hash)
    {
        var net = new QuantExtremes();
        Span<float> p = net.Parameters;
        p.Clear();
        for (int j = 0; j < 40; j++)
            for (int i = 0; i < 72; i++) p[j * 72 + i] = j % 3 == 0 ? 1 : j % 3 == 1 ? -1 : (i % 2 == 0 ? 1 : -1);
        int second = 40 * 73;
        for (int j = 0; j < 80; j++) p[second + j] = j % 2 == 0 ? 0.01f : -0.01f;
        float[] calibration = Enumerable.Range(0, 4 * 72).Select(i => (float)(i % 72) / 71).ToArray();
        QuantizedNetwork q = net.Quantize(calibration, 4);
        const int Samples = 9;
        float[] x = new float[Samples * 72];
        for (int s = 0; s < Samples; s++)
            for (int i = 0; i < 72; i++) x[s * 72 + i] = s switch { 0 => 1, 1 => 5, 2 => 0, 3 => i % 2, _ => (s * 7 + i) % 5 / 4f };
        var batched = new float[Samples * 2];
        q.Forward(x, batched, Samples);
        var single = new float[2];
        for (int s = 0; s < Samples; s++)
        {
            float[] expected = IntegerReference.Forward(q, x.AsSpan(s * 72, 72));
            q.Forward(x.AsSpan(s * 72, 72), single);
            if (!expected.SequenceEqual(single) || !expected.SequenceEqual(batched.AsSpan(s * 2, 2).ToArray()))
                throw new Exception($"int8 extremes on {QuantizedNetwork.InstructionSet}: sample {s} differs from the integer reference");
        }
        if (q.Layers[0].Weights.ToArray().Any(w => Math.Abs(w) != 64) || q.Layers[0].InputZeroPoint != 0)
            throw new Exception("int8 extremes: the weight codes are not all ±64 or the input zero point is not 0; the check does not test the bound");
        foreach (float v in batched) hash = (hash ^ BitConverter.SingleToUInt32Bits(v)) * 1099511628211;
        return hash;
    }

    /// <summary>
    /// The float softmax on its own against the integer reference's rule, bit for bit: output counts that fill no
    /// vector, whole vectors and several (1 to 64), pre-activations far apart and close together, equal, and at the
    /// float range's limits (accumulators times scales that overflow).
    /// </summary>
    private static ulong Softmax(ulong hash)
    {
        var random = new Random(11);
        foreach (int units in new[] { 1, 5, 10, 16, 21, 37, 64 })
            for (int trial = 0; trial < 6; trial++)
            {
                float[] scales = trial switch
                {
                    4 => Enumerable.Repeat(0.5f, units).ToArray(),
                    5 => Enumerable.Range(0, units).Select(j => j % 3 == 0 ? float.MaxValue : 1e30f).ToArray(),
                    _ => Enumerable.Range(0, units).Select(_ => (float)(Math.Pow(10, trial - 3) * (0.5 + random.NextDouble()) / 1000)).ToArray(),
                };
                int[] sums = new int[(units + 15) / 16 * 16];
                for (int j = 0; j < units; j++)
                    sums[j] = trial switch { 4 => 9, 5 => j % 4 == 0 ? int.MinValue : j % 4 == 1 ? int.MaxValue : random.Next(-5, 6), _ => random.Next(-100_000, 100_001) };
                var output = new float[units];
                new SoftmaxOutput(scales).Apply(sums, output);
                float[] z = Enumerable.Range(0, units).Select(j => Math.Clamp((float)sums[j] * scales[j], -float.MaxValue, float.MaxValue)).ToArray();
                if (!IntegerReference.Softmax(z).SequenceEqual(output))
                    throw new Exception($"int8 softmax on {QuantizedNetwork.InstructionSet}: {units} outputs, trial {trial} differ from the reference rule");
                foreach (float v in output) hash = (hash ^ BitConverter.SingleToUInt32Bits(v)) * 1099511628211;
            }
        return hash;
    }
}

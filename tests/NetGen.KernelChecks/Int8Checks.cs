using NetGen.Quantization;
using NetGen.Tests.Quantization;

namespace NetGen.KernelChecks;

// Wide enough for the kernels' every loop at 784 inputs (the MNIST shape), with a table activation after it.
[Network(Loss = LossFunction.CrossEntropy)] [Input(784)] [Dense(128, Activation.ReLU)] [Dense(37, Activation.Tanh)] [Dense(10, Activation.Softmax)]
public partial class QuantDigits;

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
        };
        foreach (var (net, seed) in cases)
        {
            net.Initialize(seed);
            var random = new Random(seed);
            Span<float> p = net.Parameters;
            for (int i = 0; i < p.Length; i++) p[i] += (float)(random.NextDouble() - 0.5) * 0.2f;
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
        return (checks, hash.ToString("X16"));
    }
}

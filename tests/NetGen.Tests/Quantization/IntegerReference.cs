using NetGen.Quantization;
using NetGen.Reference;

namespace NetGen.Tests.Quantization;

/// <summary>
/// The quantized network's documented arithmetic written as plain loops over its public description: no packing, no
/// folded biases, no SIMD; sums in 64-bit integers and rounding written as floor division. The runtime must match it
/// bit for bit. Convolution and pooling work on codes in the float layout (channel, row, column) with direct loops,
/// padding read as the input zero point.
/// </summary>
public static class IntegerReference
{
    /// <summary>Activation codes are 7-bit: 0 to 127.</summary>
    public static float[] Forward(QuantizedNetwork network, ReadOnlySpan<float> input)
    {
        var first = network.Layers[0];
        float reciprocal = 1f / first.InputScale;
        int[] codes = new int[input.Length];
        for (int i = 0; i < input.Length; i++)
        {
            float r = MathF.Round(input[i] * reciprocal, MidpointRounding.ToEven);
            long q = float.IsNaN(r) ? first.InputZeroPoint : (long)Math.Clamp((double)r + first.InputZeroPoint, 0, 127);
            codes[i] = (int)q;
        }
        for (int l = 0; ; l++)
        {
            QuantizedLayer layer = network.Layers[l];
            if (layer.Kind is ReferenceLayerKind.MaxPool2D or ReferenceLayerKind.AvgPool2D)
            {
                codes = Pool(layer, codes);
                continue;
            }
            if (layer.Kind == ReferenceLayerKind.Conv2D)
            {
                codes = Convolution(layer, codes);
                continue;
            }
            long[] a = Accumulators(layer, codes);
            if (l == network.Layers.Count - 1) return FloatOutputs(layer, a);
            codes = Requantize(layer, a);
        }
    }

    /// <summary>a[j] = Biases[j] + Σ_i w[j, i]·(q[i] − InputZeroPoint), exactly.</summary>
    public static long[] Accumulators(QuantizedLayer layer, int[] codes)
    {
        var a = new long[layer.Channels];
        for (int j = 0; j < layer.Channels; j++)
        {
            long sum = layer.Biases[j];
            for (int i = 0; i < layer.Inputs; i++) sum += (long)layer.Weights[j * layer.Inputs + i] * (codes[i] - layer.InputZeroPoint);
            Assert.InRange(sum, int.MinValue, int.MaxValue);
            a[j] = sum;
        }
        return a;
    }

    /// <summary>Per filter and position, the accumulator over the patch (zero point outside the input), requantized.</summary>
    private static int[] Convolution(QuantizedLayer layer, int[] codes)
    {
        SampleShape input = layer.InputShape, output = layer.OutputShape;
        Assert.Equal(input.Channels * layer.KernelSize * layer.KernelSize, layer.Inputs);
        int k = layer.KernelSize, area = output.Height * output.Width;
        var result = new int[output.Size];
        var patch = new int[layer.Inputs];
        for (int oy = 0; oy < output.Height; oy++)
            for (int ox = 0; ox < output.Width; ox++)
            {
                for (int c = 0; c < input.Channels; c++)
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++)
                        {
                            int y = oy * layer.Stride + i - layer.Padding, x = ox * layer.Stride + j - layer.Padding;
                            bool inside = y >= 0 && y < input.Height && x >= 0 && x < input.Width;
                            patch[(c * k + i) * k + j] = inside ? codes[(c * input.Height + y) * input.Width + x] : layer.InputZeroPoint;
                        }
                long[] a = Accumulators(layer, patch);
                int[] position = Requantize(layer, a);
                for (int f = 0; f < output.Channels; f++) result[f * area + oy * output.Width + ox] = position[f];
            }
        return result;
    }

    /// <summary>The largest code of each window, or the window's sum plus half its size, divided by its size (floor).</summary>
    private static int[] Pool(QuantizedLayer layer, int[] codes)
    {
        SampleShape input = layer.InputShape, output = layer.OutputShape;
        Assert.Equal((layer.InputScale, layer.InputZeroPoint), (layer.OutputScale, layer.OutputZeroPoint));
        int k = layer.KernelSize;
        var result = new int[output.Size];
        for (int c = 0; c < output.Channels; c++)
            for (int oy = 0; oy < output.Height; oy++)
                for (int ox = 0; ox < output.Width; ox++)
                {
                    var window = new List<int>();
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++)
                            window.Add(codes[(c * input.Height + oy * layer.Stride + i) * input.Width + ox * layer.Stride + j]);
                    result[(c * output.Height + oy) * output.Width + ox] = layer.Kind == ReferenceLayerKind.MaxPool2D
                        ? window.Max()
                        : (int)Math.Floor((window.Sum() + k * k / 2) / (double)(k * k));
                }
        return result;
    }

    /// <summary>round(a·m / 2^shift) with halves rounded up, as floor((a·m + 2^(shift−1)) / 2^shift).</summary>
    public static long Scale(long a, FixedPointMultiplier m)
    {
        Int128 numerator = (Int128)a * m.Multiplier + ((Int128)1 << (m.Shift - 1));
        Int128 divisor = (Int128)1 << m.Shift;
        Int128 quotient = numerator / divisor; // truncates toward zero
        if (numerator % divisor != 0 && numerator < 0) quotient -= 1;
        return (long)quotient;
    }

    private static int[] Requantize(QuantizedLayer layer, long[] a)
    {
        var codes = new int[layer.Units];
        for (int u = 0; u < layer.Units; u++)
        {
            int best = int.MinValue;
            for (int k = 0; k < layer.Pieces; k++)
            {
                int j = u * layer.Pieces + k;
                int code;
                if (layer.Requantization == Requantization.Table)
                    code = layer.Table[(int)Math.Clamp(layer.TableZeroPoint + Scale(a[j], layer.PositiveMultipliers[j]), 0, 255)];
                else
                    code = (int)Math.Clamp(layer.OutputZeroPoint + Scale(a[j], a[j] >= 0 ? layer.PositiveMultipliers[j] : layer.NegativeMultipliers[j]), 0, 127);
                best = Math.Max(best, code);
            }
            codes[u] = best;
        }
        return codes;
    }

    private static float[] FloatOutputs(QuantizedLayer layer, long[] a)
    {
        if (layer.Kind == ReferenceLayerKind.Dense && layer.Activation == Activation.Softmax)
        {
            var pre = new float[layer.Units];
            for (int u = 0; u < layer.Units; u++)
            {
                float scale = (float)Math.Min((double)layer.InputScale * layer.WeightScales[u], float.MaxValue);
                pre[u] = Math.Clamp((float)a[u] * scale, -float.MaxValue, float.MaxValue);
            }
            return Softmax(pre);
        }
        var z = new double[layer.Units];
        for (int u = 0; u < layer.Units; u++)
        {
            z[u] = double.NegativeInfinity;
            for (int k = 0; k < layer.Pieces; k++)
            {
                int j = u * layer.Pieces + k;
                z[u] = Math.Max(z[u], a[j] * ((double)layer.InputScale * layer.WeightScales[j]));
            }
        }
        double alpha = layer.Alpha;
        return z.Select(v => (float)(layer.Activation switch
        {
            Activation.Identity => v,
            Activation.Step => v >= 0 ? 1.0 : 0.0,
            Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
            Activation.Tanh => Math.Tanh(v),
            Activation.ReLU => Math.Max(0, v),
            Activation.LeakyReLU => v > 0 ? v : alpha * v,
            Activation.ELU => v >= 0 ? v : alpha * (Math.Exp(v) - 1),
            _ => throw new NotSupportedException(),
        })).ToArray();
    }

    /// <summary>
    /// The quantized network's float softmax on finite pre-activations z: e = Exp(z − max z), each output e / Σe, where
    /// the maximum and the sum go through 16 lanes (value i into lane i mod 16, in order, from −∞ or 0) and then a
    /// halving tree (lane i with i + 8, i + 4, i + 2, i + 1).
    /// </summary>
    public static float[] Softmax(float[] z)
    {
        float max = HalvingTree(z, float.NegativeInfinity, MathF.Max);
        float[] e = z.Select(v => ExpOfDifference(v, max)).ToArray();
        float sum = HalvingTree(e, 0f, (x, y) => x + y);
        return e.Select(v => v / sum).ToArray();
    }

    private static float HalvingTree(float[] values, float start, Func<float, float, float> combine)
    {
        float[] lanes = Enumerable.Repeat(start, 16).ToArray();
        for (int i = 0; i < values.Length; i++) lanes[i % 16] = combine(lanes[i % 16], values[i]);
        for (int width = 16; width > 1; width /= 2)
            lanes = Enumerable.Range(0, width / 2).Select(i => combine(lanes[i], lanes[i + width / 2])).ToArray();
        return lanes[0];
    }

    /// <summary>exp(z − m): the float difference and its rounding error (two-sum), then <see cref="Exp"/>.</summary>
    private static float ExpOfDifference(float z, float m)
    {
        float x = z + -m;
        float mPart = x - z;
        float zPart = x - mPart;
        float error = (z - zPart) + (-m - mPart);
        return Exp(x, error);
    }

    /// <summary>
    /// exp(x + t) for x ≤ 0 and a small correction t, in float steps, each rounded: 0 below ln(2^−126) = −87.33654; otherwise n = x·log2(e) rounded
    /// half to even, r = (x − n·0.693359375) + (t − n·(−2.12194440e−4)), Cephes' degree-5 polynomial in Horner form for
    /// (e^r − 1 − r) / r², and the result scaled by 2^n.
    /// </summary>
    public static float Exp(float x, float t)
    {
        if (float.IsNegativeInfinity(x) || x < -87.33654f) return 0;
        float n = MathF.Round(x * 1.44269504f);
        float r = x - n * 0.693359375f;
        r += t - n * -2.12194440e-4f;
        float[] coefficients = [1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f];
        float p = coefficients[0];
        for (int k = 1; k < coefficients.Length; k++) p = p * r + coefficients[k];
        float square = r * r;
        float y = p * square;
        y += r;
        y += 1f;
        return MathF.ScaleB(y, (int)n);
    }
}

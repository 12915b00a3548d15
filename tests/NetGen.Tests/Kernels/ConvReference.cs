namespace NetGen.Tests.Kernels;

/// <summary>
/// Convolution, pooling and batch normalization written from their definitions in double precision, with plain loops
/// over every index and bounds checks for the padding: the oracle for the kernels (shared with NetGen.KernelChecks).
/// </summary>
internal sealed record ConvGeometry(int Channels, int Height, int Width, int Filters, int Kernel, int Stride, int Padding)
{
    public int OutputHeight => (Height + 2 * Padding - Kernel) / Stride + 1;
    public int OutputWidth => (Width + 2 * Padding - Kernel) / Stride + 1;
    public int InputSize => Channels * Height * Width;
    public int OutputSize => Filters * OutputHeight * OutputWidth;
    public int WeightCount => Filters * Channels * Kernel * Kernel;

    public override string ToString() => $"Conv({Channels}→{Filters}, k{Kernel}, s{Stride}, p{Padding}) on {Height}×{Width}";

    private int WeightIndex(int f, int c, int ky, int kx) => ((f * Channels + c) * Kernel + ky) * Kernel + kx;

    /// <summary>Calls <paramref name="visit"/>(f, c, ky, kx, input index, output index) for every product of the convolution of one sample.</summary>
    private void ForEachProduct(Action<int, int, int, int, int, int> visit)
    {
        for (int f = 0; f < Filters; f++)
            for (int oy = 0; oy < OutputHeight; oy++)
                for (int ox = 0; ox < OutputWidth; ox++)
                    for (int c = 0; c < Channels; c++)
                        for (int ky = 0; ky < Kernel; ky++)
                            for (int kx = 0; kx < Kernel; kx++)
                            {
                                int iy = oy * Stride + ky - Padding, ix = ox * Stride + kx - Padding;
                                if (iy < 0 || iy >= Height || ix < 0 || ix >= Width) continue;
                                visit(f, c, ky, kx, (c * Height + iy) * Width + ix, (f * OutputHeight + oy) * OutputWidth + ox);
                            }
    }

    /// <summary>out = bias + w ⋆ x for each sample (no activation).</summary>
    public double[] Forward(float[] w, float[] bias, float[] x, int batch)
    {
        var output = new double[batch * OutputSize];
        for (int b = 0; b < batch; b++)
        {
            int xo = b * InputSize, oo = b * OutputSize;
            for (int i = 0; i < OutputSize; i++) output[oo + i] = bias[i / (OutputHeight * OutputWidth)];
            ForEachProduct((f, c, ky, kx, xi, oi) => output[oo + oi] += (double)w[WeightIndex(f, c, ky, kx)] * x[xo + xi]);
        }
        return output;
    }

    /// <summary>The sum of |w·x| over the products of each output, for tolerances.</summary>
    public double[] ForwardMagnitude(float[] w, float[] bias, float[] x, int batch)
    {
        var output = new double[batch * OutputSize];
        for (int b = 0; b < batch; b++)
        {
            int xo = b * InputSize, oo = b * OutputSize;
            for (int i = 0; i < OutputSize; i++) output[oo + i] = Math.Abs(bias[i / (OutputHeight * OutputWidth)]);
            ForEachProduct((f, c, ky, kx, xi, oi) => output[oo + oi] += Math.Abs((double)w[WeightIndex(f, c, ky, kx)] * x[xo + xi]));
        }
        return output;
    }

    /// <summary>dx = Σ w·dz over the products that read each input (no activation derivative), and its magnitude.</summary>
    public (double[] Value, double[] Magnitude) InputGradients(float[] w, float[] dz, int batch)
    {
        var dx = new double[batch * InputSize];
        var magnitude = new double[batch * InputSize];
        for (int b = 0; b < batch; b++)
        {
            int xo = b * InputSize, oo = b * OutputSize;
            ForEachProduct((f, c, ky, kx, xi, oi) =>
            {
                double term = (double)w[WeightIndex(f, c, ky, kx)] * dz[oo + oi];
                dx[xo + xi] += term;
                magnitude[xo + xi] += Math.Abs(term);
            });
        }
        return (dx, magnitude);
    }

    /// <summary>dW = Σ_b Σ dz·x, db = Σ_b Σ dz, and dW's magnitude.</summary>
    public (double[] Weights, double[] Bias, double[] Magnitude) WeightGradients(float[] dz, float[] x, int batch)
    {
        var dw = new double[WeightCount];
        var magnitude = new double[WeightCount];
        var db = new double[Filters];
        for (int b = 0; b < batch; b++)
        {
            int xo = b * InputSize, oo = b * OutputSize;
            ForEachProduct((f, c, ky, kx, xi, oi) =>
            {
                double term = (double)dz[oo + oi] * x[xo + xi];
                dw[WeightIndex(f, c, ky, kx)] += term;
                magnitude[WeightIndex(f, c, ky, kx)] += Math.Abs(term);
            });
            for (int i = 0; i < OutputSize; i++) db[i / (OutputHeight * OutputWidth)] += dz[oo + i];
        }
        return (dw, db, magnitude);
    }

    /// <summary>Fails unless every value is within 1e-5 of the magnitude of its sum (plus 1e-6).</summary>
    public static void AssertClose(double[] expected, double[] magnitude, ReadOnlySpan<float> actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= 1e-5 * magnitude[i] + 1e-6))
                throw new Xunit.Sdk.XunitException($"{what}: element {i} is {actual[i]:G9}, expected {expected[i]:G9}");
    }
}

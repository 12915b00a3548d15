using NetGen.CompilerServices;

namespace NetGen.KernelChecks;

/// <summary>Kernel-level checks against double precision, run at whatever vector widths the process may use.</summary>
internal static class DenseChecks
{
    public struct D9 : IDimension { public static int Value => 9; }
    public struct D37 : IDimension { public static int Value => 37; }
    public struct D77 : IDimension { public static int Value => 77; }
    public struct D128 : IDimension { public static int Value => 128; }
    public struct D300 : IDimension { public static int Value => 300; }
    public struct D784 : IDimension { public static int Value => 784; }
    public struct D1001 : IDimension { public static int Value => 1001; }
    public struct D4100 : IDimension { public static int Value => 4100; }

    /// <summary>z = b + W·x for <paramref name="batch"/> samples, x starting <paramref name="offset"/> floats past a cache line.</summary>
    public static void Forward<TIn, TOut>(int batch, int offset) where TIn : IDimension where TOut : IDimension
    {
        int n = TIn.Value, units = TOut.Value;
        var random = new Random(n * 31 + units + batch * 7 + offset);
        var w = new AlignedBuffer(n * units);
        var b = new float[units];
        var x = new AlignedBuffer(batch * n + offset);
        var z = new float[batch * units];
        for (int i = 0; i < w.Length; i++) w.Span[i] = (float)(random.NextDouble() * 2 - 1);
        for (int j = 0; j < units; j++) b[j] = (float)(random.NextDouble() - 0.5);
        for (int i = 0; i < x.Length; i++) x.Span[i] = (float)random.NextDouble();
        ReadOnlySpan<float> xs = x.Span.Slice(offset, batch * n);
        DenseKernels.Forward<TIn, TOut>(w.Span, b, xs, z, batch);
        for (int s = 0; s < batch; s++)
            for (int j = 0; j < units; j++)
            {
                double expected = b[j], magnitude = Math.Abs(b[j]);
                for (int i = 0; i < n; i++)
                {
                    double term = (double)w.Span[j * n + i] * xs[s * n + i];
                    expected += term;
                    magnitude += Math.Abs(term);
                }
                double actual = z[s * units + j];
                if (Math.Abs(actual - expected) > 1e-6 * magnitude)
                    throw new Exception($"Dense {n} → {units}, batch {batch}, x offset {offset}: z[{s}, {j}] = {actual:G9}, expected {expected:G9}");
            }
    }

    /// <summary>dW = dzᵀ·x and db = Σ dz for <paramref name="batch"/> samples over units [start, end) of the split a thread would get.</summary>
    public static void WeightGradients<TIn, TOut>(int batch, int threads) where TIn : IDimension where TOut : IDimension
    {
        int n = TIn.Value, units = TOut.Value;
        var random = new Random(n * 7 + units * 11 + batch);
        float[] dz = new float[batch * units], x = new float[batch * n], dw = new float[n * units], db = new float[units];
        foreach (var values in new[] { dz, x })
            for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        dw.AsSpan().Fill(float.NaN); // every element must be written
        new ExecutionPlan { Threads = threads }.DenseWeightGradients<TIn, TOut>(dz, x, dw, db, batch);
        for (int j = 0; j < units; j++)
        {
            double bias = 0;
            for (int s = 0; s < batch; s++) bias += dz[s * units + j];
            if (Math.Abs(db[j] - bias) > 1e-5 * batch)
                throw new Exception($"Bias gradient {n} → {units}, batch {batch}: db[{j}] = {db[j]:G9}, expected {bias:G9}");
            for (int i = 0; i < n; i++)
            {
                double expected = 0, magnitude = 0;
                for (int s = 0; s < batch; s++)
                {
                    double term = (double)dz[s * units + j] * x[s * n + i];
                    expected += term;
                    magnitude += Math.Abs(term);
                }
                if (!(Math.Abs(dw[j * n + i] - expected) <= 1e-6 * magnitude + 1e-30))
                    throw new Exception($"Weight gradient {n} → {units}, batch {batch}, {threads} thread(s): dW[{j}, {i}] = {dw[j * n + i]:G9}, expected {expected:G9}");
            }
        }
    }

    /// <summary>The cross-entropy kernel (its vector exp runs at this process's widths) against double precision.</summary>
    public static void CrossEntropy()
    {
        const int width = 10, rows = 37;
        var random = new Random(5);
        var z = new float[rows * width];
        var y = new float[rows * width];
        var g = new float[rows * width];
        for (int i = 0; i < z.Length; i++) z[i] = (float)((random.NextDouble() * 2 - 1) * 30);
        for (int r = 0; r < rows; r++) y[r * width + r % width] = 1;
        float loss = LossKernels.CrossEntropyWithLogits(z, y, g, width);
        var (expectedLoss, expectedGradient) = NetGen.Tests.Kernels.LossReference.CrossEntropy(z, y, width);
        for (int i = 0; i < z.Length; i++)
            if (Math.Abs(g[i] - expectedGradient[i]) > 1e-6 / rows + 2e-6 * Math.Abs(expectedGradient[i]))
                throw new Exception($"CrossEntropyWithLogits: gradient[{i}] = {g[i]:G9}, expected {expectedGradient[i]:G9}");
        if (Math.Abs(loss - expectedLoss) > 2e-6 * Math.Max(1, expectedLoss))
            throw new Exception($"CrossEntropyWithLogits: loss {loss:G9}, expected {expectedLoss:G9}");
    }

    /// <summary>
    /// The fused epilogues at this process's widths: the forward product with tanh fused in against the product then the
    /// tanh pass, and the input gradient with ELU′ fused in against the gradient then ELU's backward pass; bit-equal.
    /// </summary>
    public static void Fused<TIn, TOut>(int batch) where TIn : IDimension where TOut : IDimension
    {
        int n = TIn.Value, units = TOut.Value;
        var random = new Random(n * 13 + units * 3 + batch);
        float[] w = new float[n * units], b = new float[units], x = new float[batch * n], dz = new float[batch * units], a = new float[batch * n];
        foreach (var values in new[] { w, b, x, dz, a })
            for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        ActivationKernels.ELU(a, 1f);

        var expected = new float[batch * units];
        var actual = new float[batch * units];
        DenseKernels.Forward<TIn, TOut>(w, b, x, expected, batch);
        ActivationKernels.Tanh(expected);
        DenseKernels.Forward<TIn, TOut, TanhOperator>(w, b, x, actual, batch, default, new TanhOperator());
        Compare(expected, actual, $"Fused tanh forward {n} → {units}, batch {batch}");

        expected = new float[batch * n];
        actual = new float[batch * n];
        DenseKernels.InputGradients<TIn, TOut>(dz, w, expected, batch);
        ActivationKernels.ELUBackward(a, expected, 1f);
        DenseKernels.InputGradients<TIn, TOut, ELUGradient>(dz, w, actual, batch, a, new ELUGradient(1f));
        Compare(expected, actual, $"Fused ELU′ input gradient {n} ← {units}, batch {batch}");

        static void Compare(float[] expected, float[] actual, string what)
        {
            for (int i = 0; i < expected.Length; i++)
                if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                    throw new Exception($"{what}: element {i} is {actual[i]:G9}, expected {expected[i]:G9}");
        }
    }
}

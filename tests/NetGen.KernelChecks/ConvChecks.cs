using NetGen.CompilerServices;
using NetGen.Tests.Kernels;

namespace NetGen.KernelChecks;

/// <summary>
/// The convolution kernels, both methods, against the double-precision definition at whatever vector widths the process
/// may use: rows of 28, 14 and 37 outputs (whole vectors, one partial vector, tails at every width), stride 2, and one
/// output position; plus the pooling and batch-norm kernels.
/// </summary>
internal static class ConvChecks
{
    public struct Mnist1 : IConv2DShape { public static int Channels => 1; public static int Height => 28; public static int Width => 28; public static int Filters => 16; public static int KernelSize => 5; public static int Stride => 1; public static int Padding => 2; }
    public struct Mnist2 : IConv2DShape { public static int Channels => 16; public static int Height => 14; public static int Width => 14; public static int Filters => 32; public static int KernelSize => 5; public static int Stride => 1; public static int Padding => 2; }
    public struct Wide : IConv2DShape { public static int Channels => 2; public static int Height => 5; public static int Width => 37; public static int Filters => 9; public static int KernelSize => 3; public static int Stride => 1; public static int Padding => 0; }
    public struct Strided : IConv2DShape { public static int Channels => 3; public static int Height => 7; public static int Width => 9; public static int Filters => 5; public static int KernelSize => 3; public static int Stride => 2; public static int Padding => 1; }
    public struct Whole : IConv2DShape { public static int Channels => 2; public static int Height => 4; public static int Width => 4; public static int Filters => 3; public static int KernelSize => 4; public static int Stride => 1; public static int Padding => 0; }
    public struct Pool : IPool2DShape { public static int Channels => 3; public static int Height => 7; public static int Width => 9; public static int Size => 3; public static int Stride => 2; }
    /// <summary>Output rows of 18: the vector paths of the forward kernels at every width the machine offers.</summary>
    public struct WidePool : IPool2DShape { public static int Channels => 2; public static int Height => 4; public static int Width => 36; public static int Size => 2; public static int Stride => 2; }
    public struct Three : IDimension { public static int Value => 3; }
    public struct Spatial : IDimension { public static int Value => 37; }

    public static int Run()
    {
        int checks = 0;
        checks += Check<Mnist1>(3);
        checks += Check<Mnist2>(2);
        checks += Check<Wide>(3);
        checks += Check<Strided>(3);
        checks += Check<Whole>(2);
        checks += Pools<Pool>() + Pools<WidePool>();
        checks += BatchNorm();
        return checks;
    }

    private static int Check<T>(int batch) where T : IConv2DShape
    {
        var g = new ConvGeometry(T.Channels, T.Height, T.Width, T.Filters, T.KernelSize, T.Stride, T.Padding);
        var random = new Random(g.InputSize);
        float[] w = Values(random, g.WeightCount), bias = Values(random, g.Filters), x = Values(random, batch * g.InputSize), dz = Values(random, batch * g.OutputSize);
        var scratch = new float[Conv2DKernels.ScratchLength<T>()];
        int checks = 0;
        double[] expected = g.Forward(w, bias, x, batch), magnitude = g.ForwardMagnitude(w, bias, x, batch);
        var (dx, dxMagnitude) = g.InputGradients(w, dz, batch);
        var filterLanes = new float[batch * g.OutputSize];
        Conv2DKernels.ForwardWith<T, IdentityOperator>(w, bias, x, filterLanes, batch, 0, batch, scratch, default, ConvMethod.FilterLanes);
        ConvGeometry.AssertClose(expected, magnitude, filterLanes, $"{g} forward ({ConvMethod.FilterLanes})");
        checks++;
        foreach (ConvMethod method in new[] { ConvMethod.Direct, ConvMethod.Packed })
        {
            if (method == ConvMethod.Direct && T.Stride != 1) continue;
            var output = new float[batch * g.OutputSize];
            Conv2DKernels.ForwardWith<T, IdentityOperator>(w, bias, x, output, batch, 0, batch, scratch, default, method);
            ConvGeometry.AssertClose(expected, magnitude, output, $"{g} forward ({method})");
            if (!output.AsSpan().SequenceEqual(filterLanes)) throw new InvalidOperationException($"{g} forward: {method} and {ConvMethod.FilterLanes} differ in their bits");
            var actual = new float[batch * g.InputSize];
            Conv2DKernels.InputGradientsWith<T, IdentityGradient>(dz, w, actual, batch, 0, batch, actual, default, scratch, method);
            ConvGeometry.AssertClose(dx, dxMagnitude, actual, $"{g} input gradient ({method})");
            checks += 2;
            if (method != ConvMethod.Direct) continue;
            var filterLanesDx = new float[batch * g.InputSize];
            Conv2DKernels.InputGradientsWith<T, IdentityGradient>(dz, w, filterLanesDx, batch, 0, batch, filterLanesDx, default, scratch, ConvMethod.FilterLanes);
            if (!filterLanesDx.AsSpan().SequenceEqual(actual)) throw new InvalidOperationException($"{g} input gradient: {ConvMethod.FilterLanes} and {method} differ in their bits");
            checks++;
        }
        var (dw, db, dwMagnitude) = g.WeightGradients(dz, x, batch);
        float[] weightGradients = new float[g.WeightCount], biasGradients = new float[g.Filters];
        Conv2DKernels.WeightGradients<T>(dz, x, weightGradients, biasGradients, batch, 0, g.Filters, scratch);
        ConvGeometry.AssertClose(dw, dwMagnitude, weightGradients, $"{g} weight gradient");
        ConvGeometry.AssertClose(db, db.Select(v => Math.Abs(v) + batch * g.OutputSize).ToArray(), biasGradients, $"{g} bias gradient");
        return checks + 1;
    }

    private static int Pools<T>() where T : IPool2DShape
    {
        const int batch = 2;
        int c = T.Channels, h = T.Height, w = T.Width, k = T.Size, s = T.Stride, oh = (h - k) / s + 1, ow = (w - k) / s + 1, inSize = c * h * w;
        int outSize = PoolKernels.OutputSize<T>();
        var random = new Random(5);
        float[] x = Values(random, batch * inSize), y = new float[batch * outSize], avg = new float[batch * outSize];
        int[] argmax = new int[y.Length];
        PoolKernels.MaxForward<T>(x, y, argmax, batch, 0, batch);
        PoolKernels.AverageForward<T>(x, avg, batch, 0, batch);
        for (int o = 0; o < y.Length; o++)
        {
            int b = o / outSize, r = o % outSize, ci = r / (oh * ow), oy = r % (oh * ow) / ow, ox = r % ow;
            double max = double.NegativeInfinity, sum = 0;
            int at = -1;
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++)
                {
                    int i = (ci * h + oy * s + ky) * w + ox * s + kx;
                    double v = x[b * inSize + i];
                    if (v > max) (max, at) = (v, i);
                    sum += v;
                }
            if (y[o] != max || argmax[o] != at || Math.Abs(avg[o] - sum / (k * k)) > 1e-6)
                throw new Exception($"pooling {k}×{k}, stride {s}, output {o}: max {y[o]} at {argmax[o]} against {max} at {at}, average {avg[o]} against {sum / (k * k)}");
        }
        return 1;
    }

    private static int BatchNorm()
    {
        const int batch = 3, channels = 3, spatial = 37;
        var random = new Random(9);
        float[] x = Values(random, batch * channels * spatial), y = new float[x.Length];
        float[] gamma = [1.5f, -0.5f, 0.25f], beta = [0.1f, 0.2f, -0.3f], mean = new float[3], inverseStd = new float[3], rm = new float[3], rv = [1f, 1f, 1f];
        BatchNormKernels.TrainingForward<Three, Spatial, IdentityOperator>(x, gamma, beta, y, mean, inverseStd, rm, rv, batch, 0, channels, 0.1f, 1e-5f, default);
        for (int c = 0; c < channels; c++)
        {
            double s = 0, q = 0;
            for (int b = 0; b < batch; b++) for (int i = 0; i < spatial; i++) s += x[(b * channels + c) * spatial + i];
            double mu = s / (batch * spatial);
            for (int b = 0; b < batch; b++) for (int i = 0; i < spatial; i++) q += Math.Pow(x[(b * channels + c) * spatial + i] - mu, 2);
            double sigma = Math.Sqrt(q / (batch * spatial) + 1e-5);
            for (int b = 0; b < batch; b++)
                for (int i = 0; i < spatial; i++)
                {
                    int at = (b * channels + c) * spatial + i;
                    double expected = gamma[c] * (x[at] - mu) / sigma + beta[c];
                    if (Math.Abs(y[at] - expected) > 1e-5) throw new Exception($"batch norm y[{at}] = {y[at]}, expected {expected}");
                }
        }
        return 1;
    }

    private static float[] Values(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}

using NetGen.CompilerServices;
using static NetGen.Tests.Kernels.KernelTestData;

namespace NetGen.Tests.Kernels;

internal readonly struct Pool2 : IPool2DShape { public static int Channels => 3; public static int Height => 8; public static int Width => 6; public static int Size => 2; public static int Stride => 2; }
internal readonly struct Pool3Overlap : IPool2DShape { public static int Channels => 2; public static int Height => 7; public static int Width => 9; public static int Size => 3; public static int Stride => 2; }
internal readonly struct Pool2Odd : IPool2DShape { public static int Channels => 1; public static int Height => 7; public static int Width => 5; public static int Size => 2; public static int Stride => 2; }
// Output rows of 18, 19, 10 and 7: the forward kernels' vector paths (16, 8 and 4 lanes, a row's last vector overlapping
// the one before it), by stride 2 (even and odd elements) and stride 1 (shifted loads).
internal readonly struct Pool2Wide : IPool2DShape { public static int Channels => 2; public static int Height => 4; public static int Width => 36; public static int Size => 2; public static int Stride => 2; }
internal readonly struct Pool3Stride1 : IPool2DShape { public static int Channels => 2; public static int Height => 5; public static int Width => 21; public static int Size => 3; public static int Stride => 1; }
internal readonly struct Pool4Stride2 : IPool2DShape { public static int Channels => 1; public static int Height => 6; public static int Width => 22; public static int Size => 4; public static int Stride => 2; }
internal readonly struct Pool2Rows14 : IPool2DShape { public static int Channels => 3; public static int Height => 14; public static int Width => 14; public static int Size => 2; public static int Stride => 2; }
internal readonly struct BnChannels3 : IDimension { public static int Value => 3; }
internal readonly struct BnChannels10 : IDimension { public static int Value => 10; }
internal readonly struct BnSpatial35 : IDimension { public static int Value => 35; }
internal readonly struct BnSpatial1 : IDimension { public static int Value => 1; }

/// <summary>
/// Pooling and batch normalization against definitions written here in double precision: forward and backward,
/// first maximum on ties, overlapping windows, PyTorch's batch statistics (biased to normalize, unbiased for the running
/// variance), gradients against finite differences, sample and channel ranges bit for bit, no allocation.
/// </summary>
public class PoolAndBatchNormTests
{
    [Fact]
    public void PoolsMatchTheDefinition()
    {
        CheckPools<Pool2>(5);
        CheckPools<Pool3Overlap>(1);
        CheckPools<Pool3Overlap>(5);
        CheckPools<Pool2Odd>(2);
        CheckPools<Pool2Wide>(3);
        CheckPools<Pool3Stride1>(2);
        CheckPools<Pool4Stride2>(2);
        CheckPools<Pool2Rows14>(2);
    }

    private static void CheckPools<T>(int batch) where T : IPool2DShape
    {
        int c = T.Channels, h = T.Height, w = T.Width, k = T.Size, s = T.Stride, oh = (h - k) / s + 1, ow = (w - k) / s + 1;
        int inSize = c * h * w, outSize = c * oh * ow;
        Assert.Equal(outSize, PoolKernels.OutputSize<T>());
        var random = new Random(inSize + batch);
        // Values on a coarse grid, so windows hold ties.
        float[] x = Values(random, batch * inSize, 2f).Select(v => MathF.Round(v * 2) / 2).ToArray();
        float[] dy = Values(random, batch * outSize, 1f);
        float[] max = new float[batch * outSize], avg = new float[batch * outSize], dxMax = new float[batch * inSize], dxAvg = new float[batch * inSize];
        int[] argmax = new int[batch * outSize];
        PoolKernels.MaxForward<T>(x, max, argmax, batch, 0, batch);
        PoolKernels.AverageForward<T>(x, avg, batch, 0, batch);
        PoolKernels.MaxBackward<T>(dy, argmax, dxMax, batch, 0, batch);
        PoolKernels.AverageBackward<T>(dy, dxAvg, batch, 0, batch);
        var expectedDxMax = new double[batch * inSize];
        var expectedDxAvg = new double[batch * inSize];
        for (int b = 0; b < batch; b++)
            for (int ci = 0; ci < c; ci++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        int o = b * outSize + (ci * oh + oy) * ow + ox;
                        double best = double.NegativeInfinity, sum = 0;
                        int bestAt = -1;
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++)
                            {
                                int i = (ci * h + oy * s + ky) * w + ox * s + kx;
                                double v = x[b * inSize + i];
                                sum += v;
                                if (v > best) (best, bestAt) = (v, i);
                            }
                        Assert.Equal(best, max[o]);
                        Assert.Equal(bestAt, argmax[o]); // the first maximum in row-major window order
                        Assert.True(Math.Abs(sum / (k * k) - avg[o]) < 1e-6, $"average pool output {o}");
                        expectedDxMax[b * inSize + bestAt] += dy[o];
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++)
                                expectedDxAvg[b * inSize + (ci * h + oy * s + ky) * w + ox * s + kx] += dy[o] / (double)(k * k);
                    }
        for (int i = 0; i < expectedDxMax.Length; i++)
        {
            Assert.True(Math.Abs(expectedDxMax[i] - dxMax[i]) < 1e-6, $"max pool gradient {i}: {dxMax[i]} against {expectedDxMax[i]}");
            Assert.True(Math.Abs(expectedDxAvg[i] - dxAvg[i]) < 1e-6, $"average pool gradient {i}: {dxAvg[i]} against {expectedDxAvg[i]}");
        }

        // Sample ranges give the bits of the whole call; the fused backward step equals the separate one.
        if (batch > 1)
        {
            float[] max2 = new float[batch * outSize], avg2 = new float[batch * outSize], dxMax2 = new float[batch * inSize];
            int[] argmax2 = new int[batch * outSize];
            PoolKernels.MaxForward<T>(x, max2, argmax2, batch, 1, batch);
            PoolKernels.MaxForward<T>(x, max2, argmax2, batch, 0, 1);
            PoolKernels.AverageForward<T>(x, avg2, batch, 1, batch);
            PoolKernels.AverageForward<T>(x, avg2, batch, 0, 1);
            PoolKernels.MaxBackward<T>(dy, argmax, dxMax2, batch, 1, batch);
            PoolKernels.MaxBackward<T>(dy, argmax, dxMax2, batch, 0, 1);
            AssertBitEqual(max, max2, "max pool by sample ranges");
            AssertBitEqual(avg, avg2, "average pool by sample ranges");
            AssertBitEqual(dxMax, dxMax2, "max pool gradient by sample ranges");
            Assert.Equal(argmax, argmax2);
        }
        float[] a = Values(random, batch * inSize, 0.9f), fused = new float[batch * inSize];
        PoolKernels.AverageBackward<T, TanhGradient>(dy, fused, batch, 0, batch, a, default);
        ActivationKernels.TanhBackward(a, dxAvg);
        AssertBitEqual(dxAvg, fused, "average pool gradient with tanh′");
    }

    [Fact]
    public void MaxPoolPropagatesNaNAndRejectsForeignIndices()
    {
        float[] x = new float[3 * 8 * 6];
        x[1] = float.NaN;
        float[] y = new float[PoolKernels.OutputSize<Pool2>()];
        int[] argmax = new int[y.Length];
        PoolKernels.MaxForward<Pool2>(x, y, argmax, 1, 0, 1);
        Assert.True(float.IsNaN(y[0]));
        Assert.Equal(1, argmax[0]);
        argmax[3] = x.Length;
        var e = Assert.Throws<ArgumentException>(() => PoolKernels.MaxBackward<Pool2>(y, argmax, x, 1, 0, 1));
        Assert.Contains("outside the sample", e.Message);
        Assert.Throws<ArgumentException>(() => PoolKernels.AverageForward<Pool2>(x, y, 1, 0, 2));

        // In a vector lane too: output 5 of row 0 (window columns 10-11) meets a NaN after a larger value, and NaN is
        // not replaced by a later larger one.
        float[] wide = new float[2 * 4 * 36];
        wide[10] = 5f;
        wide[11] = float.NaN;
        wide[36 + 10] = 9f;
        float[] pooled = new float[PoolKernels.OutputSize<Pool2Wide>()];
        int[] winners = new int[pooled.Length];
        PoolKernels.MaxForward<Pool2Wide>(wide, pooled, winners, 1, 0, 1);
        Assert.True(float.IsNaN(pooled[5]));
        Assert.Equal(11, winners[5]);
        Assert.Equal(0f, pooled[4]);
    }

    [Fact]
    public void BatchNormMatchesPyTorchsDefinition()
    {
        CheckBatchNorm<BnChannels3, BnSpatial35>(4);  // after a convolution: 3 channels of 5 × 7
        CheckBatchNorm<BnChannels10, BnSpatial1>(6); // after a dense layer: per feature
    }

    private static void CheckBatchNorm<TC, TS>(int batch) where TC : IDimension where TS : IDimension
    {
        int channels = TC.Value, spatial = TS.Value, n = batch * spatial;
        const float momentum = 0.1f, epsilon = 1e-5f;
        var random = new Random(channels * 100 + spatial);
        float[] x = Values(random, batch * channels * spatial, 3f).Select(v => v + 1.5f).ToArray();
        float[] gamma = Values(random, channels, 1f), beta = Values(random, channels, 1f), dy = Values(random, x.Length, 1f);
        float[] runningMean = Values(random, channels, 0.5f), runningVariance = Values(random, channels, 0.5f).Select(v => v + 1f).ToArray();
        float[] rm0 = (float[])runningMean.Clone(), rv0 = (float[])runningVariance.Clone();
        float[] y = new float[x.Length], mean = new float[channels], inverseStd = new float[channels];
        BatchNormKernels.TrainingForward<TC, TS, IdentityOperator>(x, gamma, beta, y, mean, inverseStd, runningMean, runningVariance, batch, 0, channels, momentum, epsilon, default);

        double[] Normalize(float[] input, int c, out double mu, out double variance)
        {
            double s = 0;
            for (int b = 0; b < batch; b++) for (int i = 0; i < spatial; i++) s += input[(b * channels + c) * spatial + i];
            mu = s / n;
            double q = 0;
            for (int b = 0; b < batch; b++) for (int i = 0; i < spatial; i++) q += Math.Pow(input[(b * channels + c) * spatial + i] - mu, 2);
            variance = q / n;
            var xhat = new double[n];
            for (int b = 0; b < batch; b++) for (int i = 0; i < spatial; i++) xhat[b * spatial + i] = (input[(b * channels + c) * spatial + i] - mu) / Math.Sqrt(variance + epsilon);
            return xhat;
        }
        for (int c = 0; c < channels; c++)
        {
            double[] xhat = Normalize(x, c, out double mu, out double variance);
            Assert.True(Math.Abs(mean[c] - mu) < 1e-5, $"mean {c}");
            Assert.True(Math.Abs(inverseStd[c] - 1 / Math.Sqrt(variance + epsilon)) < 1e-5, $"inverse std {c}");
            Assert.True(Math.Abs(runningMean[c] - (0.9 * rm0[c] + 0.1 * mu)) < 1e-5, $"running mean {c}");
            Assert.True(Math.Abs(runningVariance[c] - (0.9 * rv0[c] + 0.1 * variance * n / (n - 1))) < 1e-5, $"running variance {c}");
            for (int b = 0; b < batch; b++)
                for (int i = 0; i < spatial; i++)
                    Assert.True(Math.Abs(y[(b * channels + c) * spatial + i] - (gamma[c] * xhat[b * spatial + i] + beta[c])) < 1e-5, $"y[{b}, {c}, {i}]");
        }

        // Backward against central differences of L = Σ dy·y through the double-precision definition.
        float[] dx = new float[x.Length], dGamma = new float[channels], dBeta = new float[channels];
        BatchNormKernels.Backward<TC, TS>(dy, x, gamma, mean, inverseStd, dx, dGamma, dBeta, batch, 0, channels);
        double Loss(float[] input, float[] g, float[] bt)
        {
            double loss = 0;
            for (int c = 0; c < channels; c++)
            {
                double[] xhat = Normalize(input, c, out _, out _);
                for (int b = 0; b < batch; b++)
                    for (int i = 0; i < spatial; i++)
                        loss += dy[(b * channels + c) * spatial + i] * (g[c] * xhat[b * spatial + i] + bt[c]);
            }
            return loss;
        }
        double Difference(float[] values, int i, Func<double> loss)
        {
            const float h = 1e-2f;
            float saved = values[i];
            values[i] = saved + h; double up = loss();
            values[i] = saved - h; double down = loss();
            values[i] = saved;
            return (up - down) / (2 * h);
        }
        for (int i = 0; i < x.Length; i += 3)
            Assert.True(Math.Abs(Difference(x, i, () => Loss(x, gamma, beta)) - dx[i]) < 2e-3, $"dx[{i}] = {dx[i]}");
        for (int c = 0; c < channels; c++)
        {
            Assert.True(Math.Abs(Difference(gamma, c, () => Loss(x, gamma, beta)) - dGamma[c]) < 2e-3, $"dγ[{c}] = {dGamma[c]}");
            Assert.True(Math.Abs(Difference(beta, c, () => Loss(x, gamma, beta)) - dBeta[c]) < 2e-3, $"dβ[{c}] = {dBeta[c]}");
        }

        // Channel ranges give the bits of the whole call, forward (with a fused activation) and backward.
        float[] rmA = (float[])rm0.Clone(), rvA = (float[])rv0.Clone(), rmB = (float[])rm0.Clone(), rvB = (float[])rv0.Clone();
        float[] yA = new float[x.Length], yB = new float[x.Length], mA = new float[channels], sA = new float[channels], mB = new float[channels], sB = new float[channels];
        BatchNormKernels.TrainingForward<TC, TS, ReLUOperator>(x, gamma, beta, yA, mA, sA, rmA, rvA, batch, 0, channels, momentum, epsilon, default);
        BatchNormKernels.TrainingForward<TC, TS, ReLUOperator>(x, gamma, beta, yB, mB, sB, rmB, rvB, batch, 1, channels, momentum, epsilon, default);
        BatchNormKernels.TrainingForward<TC, TS, ReLUOperator>(x, gamma, beta, yB, mB, sB, rmB, rvB, batch, 0, 1, momentum, epsilon, default);
        foreach (var (p, q, what) in new[] { (yA, yB, "y"), (mA, mB, "mean"), (sA, sB, "inverse std"), (rmA, rmB, "running mean"), (rvA, rvB, "running variance") })
            AssertBitEqual(p, q, $"batch norm {what} by channel ranges");
        AssertBitEqual(y.Select(v => MathF.Max(v, 0f)).ToArray(), yA, "batch norm with ReLU fused");
        float[] dx2 = new float[x.Length], dg2 = new float[channels], db2 = new float[channels];
        BatchNormKernels.Backward<TC, TS>(dy, x, gamma, mean, inverseStd, dx2, dg2, db2, batch, 1, channels);
        BatchNormKernels.Backward<TC, TS>(dy, x, gamma, mean, inverseStd, dx2, dg2, db2, batch, 0, 1);
        AssertBitEqual(dx, dx2, "batch norm dx by channel ranges");
        AssertBitEqual(dGamma, dg2, "batch norm dγ by channel ranges");

        // Inference: the running statistics, by sample ranges.
        float[] yi = new float[x.Length], yj = new float[x.Length];
        BatchNormKernels.InferenceForward<TC, TS, IdentityOperator>(x, gamma, beta, runningMean, runningVariance, yi, batch, 0, batch, epsilon, default);
        BatchNormKernels.InferenceForward<TC, TS, IdentityOperator>(x, gamma, beta, runningMean, runningVariance, yj, batch, 1, batch, epsilon, default);
        BatchNormKernels.InferenceForward<TC, TS, IdentityOperator>(x, gamma, beta, runningMean, runningVariance, yj, batch, 0, 1, epsilon, default);
        AssertBitEqual(yi, yj, "batch norm inference by sample ranges");
        for (int i = 0; i < x.Length; i++)
        {
            int c = i / spatial % channels;
            double expected = gamma[c] * (x[i] - runningMean[c]) / Math.Sqrt(runningVariance[c] + epsilon) + beta[c];
            Assert.True(Math.Abs(yi[i] - expected) < 1e-5, $"inference y[{i}]");
        }
    }

    [Fact]
    public void BatchNormNeedsTwoValuesPerChannel()
    {
        float[] one = new float[10];
        var e = Assert.Throws<ArgumentException>(() => BatchNormKernels.TrainingForward<BnChannels10, BnSpatial1, IdentityOperator>(
            one, one, one, one, one, one, one, one, 1, 0, 10, 0.1f, 1e-5f, default));
        Assert.Contains("more than one value per channel", e.Message);
    }

    [Fact]
    public void PoolsAndBatchNormAllocateNothing()
    {
        const int batch = 4;
        float[] x = new float[batch * 3 * 8 * 6], y = new float[batch * PoolKernels.OutputSize<Pool2>()], dx = new float[x.Length];
        int[] argmax = new int[y.Length];
        float[] bnX = new float[batch * 3 * 35], bnY = new float[bnX.Length], p = new float[3], q = new float[3], m = new float[3], s = new float[3], rm = new float[3], rv = new float[3];
        void Run()
        {
            PoolKernels.MaxForward<Pool2>(x, y, argmax, batch, 0, batch);
            PoolKernels.MaxBackward<Pool2>(y, argmax, dx, batch, 0, batch);
            PoolKernels.AverageForward<Pool2>(x, y, batch, 0, batch);
            PoolKernels.AverageBackward<Pool2>(y, dx, batch, 0, batch);
            BatchNormKernels.TrainingForward<BnChannels3, BnSpatial35, ReLUOperator>(bnX, p, q, bnY, m, s, rm, rv, batch, 0, 3, 0.1f, 1e-5f, default);
            BatchNormKernels.Backward<BnChannels3, BnSpatial35>(bnY, bnX, p, m, s, bnY, p, q, batch, 0, 3);
            BatchNormKernels.InferenceForward<BnChannels3, BnSpatial35, IdentityOperator>(bnX, p, q, rm, rv, bnY, batch, 0, batch, 1e-5f, default);
        }
        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

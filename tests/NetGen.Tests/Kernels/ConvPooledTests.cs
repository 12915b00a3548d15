using NetGen.CompilerServices;
using static NetGen.Tests.Kernels.KernelTestData;

namespace NetGen.Tests.Kernels;

// Pools over the outputs of Conv2DKernelsTests' shapes: the digits CNN's two 2 × 2 pools, overlapping and partial
// windows (size 3 stride 2, size 2 stride 1), a strided convolution's odd output.
internal readonly struct PoolMnist1 : IPool2DShape { public static int Channels => 16; public static int Height => 28; public static int Width => 28; public static int Size => 2; public static int Stride => 2; }
internal readonly struct PoolMnist2 : IPool2DShape { public static int Channels => 32; public static int Height => 14; public static int Width => 14; public static int Size => 2; public static int Stride => 2; }
internal readonly struct PoolOdd3 : IPool2DShape { public static int Channels => 7; public static int Height => 11; public static int Width => 13; public static int Size => 3; public static int Stride => 2; }
internal readonly struct PoolManyOverlapping : IPool2DShape { public static int Channels => 40; public static int Height => 6; public static int Width => 6; public static int Size => 2; public static int Stride => 1; }
internal readonly struct PoolOddStride2 : IPool2DShape { public static int Channels => 5; public static int Height => 4; public static int Width => 5; public static int Size => 2; public static int Stride => 2; }

/// <summary>
/// A convolution and the pooling after it in one pass (<see cref="Conv2DKernels.ForwardPooled{TShape, TPool, TWindow, TAct}"/>,
/// inference): by every method, max and average, the bits of the convolution followed by the pooling kernel, NaN
/// included; sample ranges give the bits of the whole call; nothing allocated; a pool that does not fit the
/// convolution's output is refused.
/// </summary>
public class ConvPooledTests
{
    [Fact]
    public void GiveTheBitsOfTheConvolutionFollowedByThePooling()
    {
        Check<ConvMnist1, PoolMnist1>();
        Check<ConvMnist2, PoolMnist2>();
        Check<ConvOdd, PoolOdd3>();
        Check<ConvManyFilters, PoolManyOverlapping>();
        Check<ConvOddStride2, PoolOddStride2>();
    }

    private static void Check<TShape, TPool>() where TShape : IConv2DShape where TPool : IPool2DShape
    {
        var g = Conv2DKernelsTests.Geometry<TShape>();
        const int batch = 3;
        int pooledSize = PoolKernels.OutputSize<TPool>();
        var random = new Random(g.InputSize);
        float[] w = Values(random, g.WeightCount, 0.5f), bias = Values(random, g.Filters, 0.5f), x = Values(random, batch * g.InputSize, 1f);
        x[g.InputSize + g.InputSize / 2] = float.NaN; // the middle sample: NaN spreads over its outputs and wins their windows
        var scratch = new float[Math.Max(Conv2DKernels.ScratchLength<TShape>(), Conv2DKernels.PooledScratchLength<TShape, TPool>())];
        var other = new float[scratch.Length];
        foreach (ConvMethod method in Conv2DKernelsTests.ForwardMethods<TShape>())
        {
            var plane = new float[batch * g.OutputSize];
            Conv2DKernels.ForwardWith<TShape, ReLUOperator>(w, bias, x, plane, batch, 0, batch, scratch, default, method);
            float[] max = new float[batch * pooledSize], average = new float[batch * pooledSize];
            PoolKernels.MaxForward<TPool>(plane, max, default, batch, 0, batch);
            PoolKernels.AverageForward<TPool>(plane, average, batch, 0, batch);

            float[] fusedMax = new float[batch * pooledSize], fusedAverage = new float[batch * pooledSize];
            Conv2DKernels.ForwardPooledWith<TShape, TPool, MaxWindow, ReLUOperator>(w, bias, x, fusedMax, batch, 0, batch, scratch, default, method);
            Conv2DKernels.ForwardPooledWith<TShape, TPool, AverageWindow, ReLUOperator>(w, bias, x, fusedAverage, batch, 0, batch, scratch, default, method);
            AssertBitEqual(max, fusedMax, $"{g} then max pool ({method})");
            AssertBitEqual(average, fusedAverage, $"{g} then average pool ({method})");
            Assert.Contains(fusedMax.AsSpan(pooledSize, pooledSize).ToArray(), float.IsNaN);

            var split = new float[batch * pooledSize];
            Conv2DKernels.ForwardPooledWith<TShape, TPool, MaxWindow, ReLUOperator>(w, bias, x, split, batch, 1, 3, other, default, method);
            Conv2DKernels.ForwardPooledWith<TShape, TPool, MaxWindow, ReLUOperator>(w, bias, x, split, batch, 0, 1, scratch, default, method);
            AssertBitEqual(max, split, $"{g} then max pool ({method}) by sample ranges");
        }
    }

    [Fact]
    public void ThePlanRunsThePairWithTheBitsOfItsLayersAndAllocatesNothing()
    {
        var g = Conv2DKernelsTests.Geometry<ConvMnist2>();
        const int batch = 4;
        int pooledSize = PoolKernels.OutputSize<PoolMnist2>();
        var random = new Random(3);
        float[] w = Values(random, g.WeightCount, 0.5f), bias = Values(random, g.Filters, 0.5f), x = Values(random, batch * g.InputSize, 1f);
        float[] plane = new float[batch * g.OutputSize], expected = new float[batch * pooledSize], actual = new float[batch * pooledSize];
        ExecutionPlan.Inference.Conv2DForward<ConvMnist2, TanhOperator>(w, bias, x, plane, batch, default);
        PoolKernels.AverageForward<PoolMnist2>(plane, expected, batch, 0, batch);
        void Run() => ExecutionPlan.Inference.Conv2DAveragePoolForward<ConvMnist2, PoolMnist2, TanhOperator>(w, bias, x, actual, batch, default);
        Run();
        AssertBitEqual(expected, actual, "the plan's convolution and average pool");
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void APlanWithTwoThreadsSplitsThePairBySamplesWithTheSameBits()
    {
        var g = Conv2DKernelsTests.Geometry<ConvMnist2>();
        const int batch = 24; // 60 M multiply-adds: the split pays whatever the measured hand-off (it needs at most 8 · 2²⁰)
        int pooledSize = PoolKernels.OutputSize<PoolMnist2>();
        var random = new Random(4);
        float[] w = Values(random, g.WeightCount, 0.5f), bias = Values(random, g.Filters, 0.5f), x = Values(random, batch * g.InputSize, 1f);
        float[] one = new float[batch * pooledSize], two = new float[batch * pooledSize];
        ExecutionPlan.Inference.Conv2DMaxPoolForward<ConvMnist2, PoolMnist2, ReLUOperator>(w, bias, x, one, batch, default);
        new ExecutionPlan { Threads = 2 }.Conv2DMaxPoolForward<ConvMnist2, PoolMnist2, ReLUOperator>(w, bias, x, two, batch, default);
        AssertBitEqual(one, two, "the convolution and max pool on one thread and on two");
    }

    [Fact]
    public void APoolThatDoesNotFitTheConvolutionsOutputIsRefused()
    {
        var g = Conv2DKernelsTests.Geometry<ConvMnist2>();
        float[] w = new float[g.WeightCount], bias = new float[g.Filters], x = new float[g.InputSize], pooled = new float[PoolKernels.OutputSize<PoolMnist1>()];
        var scratch = new float[Conv2DKernels.PooledScratchLength<ConvMnist2, PoolMnist1>()];
        // PoolMnist1 pools 16 × 28 × 28; ConvMnist2 makes 32 × 14 × 14.
        var error = Assert.Throws<ArgumentException>(() =>
            Conv2DKernels.ForwardPooled<ConvMnist2, PoolMnist1, MaxWindow, IdentityOperator>(w, bias, x, pooled, 1, 0, 1, scratch, default));
        Assert.Contains("do not match the layer shape", error.Message);
    }
}

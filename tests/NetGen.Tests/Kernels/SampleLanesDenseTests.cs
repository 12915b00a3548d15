using System.Runtime.Intrinsics;
using NetGen.CompilerServices;
using static NetGen.Tests.Kernels.KernelTestData;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The samples-in-lanes forward kernel, which a network in training uses for small batches on wide layers: it must give
/// the packed kernel's sums bit for bit (each output one accumulator from the bias over the inputs in order), for every
/// batch that leaves a vector part-filled, units left over after its blocks of six, on one thread and split over two by
/// units or by samples.
/// </summary>
public class SampleLanesDenseTests
{
    public static TheoryData<int, int> Cases()
    {
        var data = new TheoryData<int, int>();
        foreach (int batch in new[] { 6, 13, 16, 20, 40, 48, 60, 64, 70, 100 })
            foreach (int threads in new[] { 1, 2 })
                data.Add(batch, threads);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LiveWeightsGiveThePackedKernelsBits(int batch, int threads)
    {
        Check<D784, D192>(batch, threads); // whole blocks of six units; split by units over two threads
        Check<D300, D128>(batch, threads); // two units left after the blocks of six; split by units
        Check<D4100, D64>(batch, threads); // too few units to split by them: split by samples
    }

    [Fact]
    public void SmallBatchesOnWideLayersTakeTheKernel()
    {
        if (!Vector256.IsHardwareAccelerated) return; // the kernel needs 256-bit vectors; elsewhere the other kernels run
        Assert.True(DenseKernels.SampleLanesApply<D784, D192>(64));
        Assert.True(DenseKernels.SampleLanesApply<D300, D128>(32));
        Assert.True(DenseKernels.SampleLanesApply<D4100, D64>(48));
        // One sample would leave all but one lane of a vector empty, and a thousand samples move more floats than the weights.
        Assert.False(DenseKernels.SampleLanesApply<D784, D192>(1));
        Assert.False(DenseKernels.SampleLanesApply<D784, D192>(1000));
    }

    [Fact]
    public void TheRuleWeighsMovedFloatsAgainstTheWeightsTranspose()
    {
        // 784 × 512 with 16 lanes: whole vectors up to about 300 samples.
        Assert.True(Tuning.SampleLanesPay(32, 784, 512, 16));
        Assert.True(Tuning.SampleLanesPay(288, 784, 512, 16));
        Assert.False(Tuning.SampleLanesPay(320, 784, 512, 16));
        // A part-filled vector wastes its empty lanes' share of the product.
        Assert.False(Tuning.SampleLanesPay(1, 784, 512, 16));
        Assert.False(Tuning.SampleLanesPay(8, 784, 512, 16));
        Assert.True(Tuning.SampleLanesPay(8, 784, 512, 8));
        Assert.False(Tuning.SampleLanesPay(0, 784, 512, 16));
        // Narrow layers move more inputs than they have weights.
        Assert.False(Tuning.SampleLanesPay(64, 64, 10, 16));
    }

    private static void Check<TIn, TOut>(int batch, int threads) where TIn : IDimension where TOut : IDimension
    {
        // Batches the rule leaves to the dot-product kernel sum in another order; those are checked elsewhere.
        if (!DenseKernels.SampleLanesApply<TIn, TOut>(batch)) return;
        int inputs = TIn.Value, units = TOut.Value;
        var random = new Random(inputs * 13 + units * 3 + batch);
        float[] w = Values(random, inputs * units, 1f / MathF.Sqrt(inputs)), bias = Values(random, units, 0.5f), x = Values(random, batch * inputs, 2f);
        var transposed = new float[inputs * units];
        DenseKernels.PackWeights<TIn, TOut>(w, transposed);
        var expected = new float[batch * units];
        DenseKernels.Forward<TIn, TOut, ReLUOperator>(w, bias, x, expected, batch, transposed, new ReLUOperator());
        var actual = new float[batch * units];
        actual.AsSpan().Fill(float.NaN); // every element must be written
        new ExecutionPlan { Threads = threads }.DenseForward<TIn, TOut, ReLUOperator>(w, bias, x, actual, batch, new ReLUOperator());
        AssertBitEqual(expected, actual, $"{inputs} → {units}, batch {batch}, {threads} thread(s)");
    }
}

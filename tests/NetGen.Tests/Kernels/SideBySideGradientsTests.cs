using NetGen.CompilerServices;
using static NetGen.Tests.Kernels.KernelTestData;

namespace NetGen.Tests.Kernels;

/// <summary>
/// ExecutionPlan.DenseGradients, a hidden layer's two backward products in one call: the same bits as the weight gradient
/// followed by the input gradient on one thread, whether the products run side by side (middling sizes), are each split
/// (large) or stay on the calling thread (small); and buffers the two products would race on are rejected.
/// </summary>
public class SideBySideGradientsTests
{
    private static ExecutionPlan TwoThreads => new() { Threads = 2 };

    // The thresholds come from this machine's measured hand-off (Tuning.Splits), so the batches that reach each path are
    // computed from them rather than fixed.

    /// <summary>The smallest batch of a TIn × TOut product that runs side by side.</summary>
    private static int SideBySideBatch<TIn, TOut>() where TIn : IDimension where TOut : IDimension =>
        (int)(Tuning.Splits.SideBySideMin / (TIn.Value * TOut.Value)) + 1;

    /// <summary>A batch of a TIn × TOut product above the side-by-side range, so each product is split.</summary>
    private static int SplitBatch<TIn, TOut>() where TIn : IDimension where TOut : IDimension =>
        (int)(Tuning.Splits.SideBySideMax / (TIn.Value * TOut.Value)) + 1;

    [Fact]
    public void TheShapesBelowCoverEveryPath()
    {
        Assert.True(DenseSplit<D128, D64>.PaysSideBySide(SideBySideBatch<D128, D64>()));
        Assert.True(DenseSplit<D64, D70>.PaysSideBySide(SideBySideBatch<D64, D70>() | 1)); // odd: a sample left over after the blocks of four
        Assert.False(DenseSplit<D20, D7>.PaysSideBySide(32)); // 4,480 < 2¹³, the least H can be: one thread
        Assert.False(DenseSplit<D20, D7>.Pays(32));
        Assert.False(DenseSplit<D784, D128>.PaysSideBySide(SplitBatch<D784, D128>())); // each product split
        Assert.True(DenseSplit<D784, D128>.Pays(SplitBatch<D784, D128>()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void GivesTheBitsOfTheTwoProductsOnOneThread(int threads)
    {
        Check<D128, D64>(SideBySideBatch<D128, D64>(), threads, fused: true);
        Check<D128, D64>(SideBySideBatch<D128, D64>(), threads, fused: false);
        Check<D64, D70>(SideBySideBatch<D64, D70>() | 1, threads, fused: true);
        Check<D20, D7>(32, threads, fused: true);
        Check<D784, D128>(SplitBatch<D784, D128>(), threads, fused: true);
    }

    [Fact]
    public void RejectsOutputsThatShareMemoryWithAnInput()
    {
        int batch = SideBySideBatch<D128, D64>(), inputs = 128, units = 64;
        var random = new Random(5);
        float[] buffer = Values(random, batch * inputs * 2, 1f), dz = Values(random, batch * units, 0.1f), w = Values(random, inputs * units, 0.1f);
        float[] dw = Filled(inputs * units), db = Filled(units);
        var e = Assert.Throws<ArgumentException>(() => TwoThreads.DenseGradients<D128, D64>(dz, buffer.AsSpan(0, batch * inputs), dw, db, w,
            buffer.AsSpan(batch * inputs / 2, batch * inputs), batch));
        Assert.Contains("dx shares memory with x", e.Message);
        // Nothing was computed: with a non-zero dz and x, any written gradient would replace the NaN sentinels.
        Assert.All(dw, value => Assert.True(float.IsNaN(value)));
        Assert.All(db, value => Assert.True(float.IsNaN(value)));
        // The weight gradient written over the weights the input gradient reads.
        var x = new float[batch * inputs];
        e = Assert.Throws<ArgumentException>(() => TwoThreads.DenseGradients<D128, D64>(dz, x, w, db, w, new float[batch * inputs], batch));
        Assert.Contains("the weight or bias gradients share memory with the weights", e.Message);
        // One thread runs the products in order, where dx may reuse x: that stays allowed.
        new ExecutionPlan().DenseGradients<D128, D64>(dz, buffer.AsSpan(0, batch * inputs), dw, db, w, buffer.AsSpan(batch * inputs / 2, batch * inputs), batch);
    }

    [Fact]
    public void RejectsBuffersThatDoNotMatchTheLayer()
    {
        var e = Assert.Throws<ArgumentException>(() => TwoThreads.DenseGradients<D128, D64>(new float[64 * 64], new float[64 * 128],
            new float[128 * 64], new float[63], new float[128 * 64], new float[64 * 128], 64));
        Assert.Contains("do not match the layer shape", e.Message);
    }

    [Fact]
    public void AllocatesNothingOnceWarm()
    {
        int batch = SideBySideBatch<D128, D64>();
        float[] dz = new float[batch * 64], x = new float[batch * 128], w = new float[128 * 64], dw = new float[128 * 64], db = new float[64], dx = new float[batch * 128];
        var plan = TwoThreads;
        for (int i = 0; i < 60; i++)
            plan.DenseGradients<D128, D64, TanhGradient>(dz, x, dw, db, w, dx, batch, x, new TanhGradient());
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++)
            plan.DenseGradients<D128, D64, TanhGradient>(dz, x, dw, db, w, dx, batch, x, new TanhGradient());
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void Check<TIn, TOut>(int batch, int threads, bool fused) where TIn : IDimension where TOut : IDimension
    {
        int inputs = TIn.Value, units = TOut.Value;
        var random = new Random(inputs * 13 + units * 3 + batch);
        float[] w = Values(random, inputs * units, 1f / MathF.Sqrt(inputs)), dz = Values(random, batch * units, 0.1f);
        float[] x = Values(random, batch * inputs, 2f);
        ActivationKernels.Tanh(x); // the layer below's outputs: tanh, so its derivative has something to do

        float[] expectedDw = new float[inputs * units], expectedDb = new float[units], expectedDx = new float[batch * inputs];
        DenseKernels.WeightGradients<TIn, TOut>(dz, x, expectedDw, expectedDb, batch);
        if (fused) DenseKernels.InputGradients<TIn, TOut, TanhGradient>(dz, w, expectedDx, batch, x, new TanhGradient());
        else DenseKernels.InputGradients<TIn, TOut>(dz, w, expectedDx, batch);

        // Every element must be written.
        float[] dw = Filled(inputs * units), db = Filled(units), dx = Filled(batch * inputs);
        var plan = new ExecutionPlan { Threads = threads };
        if (fused) plan.DenseGradients<TIn, TOut, TanhGradient>(dz, x, dw, db, w, dx, batch, x, new TanhGradient());
        else plan.DenseGradients<TIn, TOut>(dz, x, dw, db, w, dx, batch);

        string what = $"{inputs} → {units}, batch {batch}, {threads} thread(s), {(fused ? "tanh′ applied" : "no derivative")}";
        AssertBitEqual(expectedDw, dw, what + ", dW");
        AssertBitEqual(expectedDb, db, what + ", db");
        AssertBitEqual(expectedDx, dx, what + ", dx");
    }

    private static float[] Filled(int count)
    {
        var values = new float[count];
        values.AsSpan().Fill(float.NaN);
        return values;
    }
}

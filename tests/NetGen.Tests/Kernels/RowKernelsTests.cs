using NetGen.CompilerServices;
using static NetGen.Tests.Kernels.KernelTestData;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The row-range kernels RowSplit runs (ForwardRows, InputGradientsRows, the losses' Rows variants): every range it hands
/// out, computed in any order, gives the whole-batch call's values bit for bit (the loss's row sums in double, so MSE's
/// per-row grouping may move its float result by an ulp).
/// </summary>
public class RowKernelsTests
{
    /// <summary>Every split RowSplit makes of the batch (one to three parts), with the ranges computed last to first.</summary>
    private static IEnumerable<(int Start, int End)[]> Splits(int batch) =>
        Enumerable.Range(1, 3).Select(parts => Enumerable.Range(0, parts).Reverse().Select(part => RowSplit.Share(part, parts, batch)).ToArray());

    private static void ForwardRowsMatch<TIn, TOut>(int batch) where TIn : IDimension where TOut : IDimension
    {
        int inputs = TIn.Value, units = TOut.Value;
        var random = new Random(batch * 31 + inputs);
        float[] w = Values(random, inputs * units, 0.3f), b = Values(random, units, 0.3f), x = Values(random, batch * inputs, 1f);
        var expected = new float[batch * units];
        DenseKernels.Forward<TIn, TOut, ReLUOperator>(w, b, x, expected, batch, default, 1, new ReLUOperator());
        foreach (var ranges in Splits(batch))
        {
            var actual = new float[batch * units];
            foreach (var (start, end) in ranges)
                DenseKernels.ForwardRows<TIn, TOut, ReLUOperator>(w, b, x, actual, batch, start, end, new ReLUOperator());
            AssertBitEqual(expected, actual, $"{inputs} → {units}, batch {batch}, {ranges.Length} ranges");
        }
    }

    [Fact]
    public void ForwardRowsGiveTheWholeBatchsValues()
    {
        ForwardRowsMatch<D128, D64>(64); // the packed kernel, transposing in each range's thread
        ForwardRowsMatch<D128, D64>(50); // packed, the last range ending off the grain
        ForwardRowsMatch<D128, D64>(13); // too few samples for packing: the dot-product kernel and its leftover sample
        ForwardRowsMatch<D784, D64>(21); // weights over 64 KB: leftover samples stream their rows
        ForwardRowsMatch<D64, D7>(30); // units that fill no packed block
    }

    private static void InputGradientsRowsMatch<TIn, TOut>(int batch, bool derivative) where TIn : IDimension where TOut : IDimension
    {
        int inputs = TIn.Value, units = TOut.Value;
        var random = new Random(batch * 17 + units);
        float[] dz = Values(random, batch * units, 1f), w = Values(random, inputs * units, 0.3f), a = Values(random, batch * inputs, 1f);
        var expected = new float[batch * inputs];
        if (derivative) DenseKernels.InputGradients<TIn, TOut, LeakyReLUGradient>(dz, w, expected, batch, 1, a, new LeakyReLUGradient(0.1f));
        else DenseKernels.InputGradients<TIn, TOut>(dz, w, expected, batch);
        foreach (var ranges in Splits(batch))
        {
            var actual = new float[batch * inputs];
            foreach (var (start, end) in ranges)
                if (derivative) DenseKernels.InputGradientsRows<TIn, TOut, LeakyReLUGradient>(dz, w, actual, batch, start, end, a, new LeakyReLUGradient(0.1f));
                else DenseKernels.InputGradientsRows<TIn, TOut>(dz, w, actual, batch, start, end);
            AssertBitEqual(expected, actual, $"dx of {inputs} → {units}, batch {batch}, {ranges.Length} ranges");
        }
    }

    [Fact]
    public void InputGradientRowsGiveTheWholeBatchsValues()
    {
        InputGradientsRowsMatch<D128, D64>(64, derivative: true);
        InputGradientsRowsMatch<D128, D64>(27, derivative: false);
        InputGradientsRowsMatch<D70, D5>(33, derivative: true);
    }

    [Theory]
    [InlineData(37, 10)]
    [InlineData(300, 3)] // more rows than one chunk of the kernel
    public void CrossEntropyRowsGiveTheWholeBatchsLossAndGradient(int batch, int width)
    {
        var random = new Random(batch);
        float[] z = Values(random, batch * width, 4f), y = new float[batch * width];
        for (int r = 0; r < batch; r++) y[r * width + random.Next(width)] = 1f;
        var expected = new float[batch * width];
        float expectedLoss = LossKernels.CrossEntropyWithLogits(z, y, expected, width);
        foreach (var ranges in Splits(batch))
        {
            var gradient = new float[batch * width];
            var rowLosses = new double[batch];
            foreach (var (start, end) in ranges)
                LossKernels.CrossEntropyWithLogitsRows(z, y, gradient, width, batch, start, end, rowLosses);
            Assert.Equal(expectedLoss, LossKernels.MeanOfRows(rowLosses, batch)); // bit for bit: the same terms, summed in the same order
            AssertBitEqual(expected, gradient, $"cross-entropy gradient, {ranges.Length} ranges");
        }
    }

    [Fact]
    public void SquaredErrorAndBinaryCrossEntropyRowsGiveTheWholeBatchsLossAndGradient()
    {
        const int batch = 22, width = 3;
        var random = new Random(5);
        float[] a = Values(random, batch * width, 2f), y = Values(random, batch * width, 1f);
        for (int i = 0; i < y.Length; i++) y[i] = y[i] > 0 ? 1f : 0f;
        var mse = new float[batch * width];
        var bce = new float[batch * width];
        float mseLoss = LossKernels.MeanSquaredError(a, y, mse);
        float bceLoss = LossKernels.BinaryCrossEntropyWithLogits(a, y, bce);
        foreach (var ranges in Splits(batch))
        {
            var g = new float[batch * width];
            var rowLosses = new double[batch];
            foreach (var (start, end) in ranges) LossKernels.MeanSquaredErrorRows(a, y, g, width, batch, start, end, rowLosses);
            Assert.Equal(mseLoss, LossKernels.MeanOfRows(rowLosses, batch * width), 1e-6f);
            AssertBitEqual(mse, g, "squared-error gradient");
            foreach (var (start, end) in ranges) LossKernels.BinaryCrossEntropyWithLogitsRows(a, y, g, width, batch, start, end, rowLosses);
            Assert.Equal(bceLoss, LossKernels.MeanOfRows(rowLosses, batch * width), 1e-6f);
            AssertBitEqual(bce, g, "binary cross-entropy gradient");
        }
    }

    [Theory]
    [InlineData(1, 11)]
    [InlineData(2, 11)]
    [InlineData(3, 0)]
    [InlineData(5, 300)] // a tail worth more than the layer: the last parts get no units
    public void WeightGradientSharesCoverTheUnitsOnceAndGiveTheWholeLayersValues(int parts, int tail)
    {
        // Layer 0 of 784-128-64-10 (784 → 128) and a layer whose units end off the grain (128 → 70), each part's rows
        // computed last part first into one buffer that starts full of garbage: every element is written exactly once.
        SharesMatch<D784, D128>(parts, tail, batch: 21);
        SharesMatch<D128, D70>(parts, tail, batch: 64);
    }

    private static void SharesMatch<TIn, TOut>(int parts, int tail, int batch) where TIn : IDimension where TOut : IDimension
    {
        int inputs = TIn.Value, units = TOut.Value;
        var random = new Random(parts * 7 + tail);
        float[] dz = Values(random, batch * units, 1f), x = Values(random, batch * inputs, 1f);
        float[] dw = new float[inputs * units], db = new float[units];
        DenseKernels.WeightGradients<TIn, TOut>(dz, x, dw, db, batch);
        float[] dwSplit = [.. Enumerable.Repeat(float.NaN, inputs * units)], dbSplit = [.. Enumerable.Repeat(float.NaN, units)];
        int next = units;
        for (int part = parts - 1; part >= 0; part--)
        {
            var (start, end) = DenseKernels.WeightGradientShare(part, parts, units, [tail, tail / 3.0]);
            Assert.Equal(next, end); // consecutive, last to first
            Assert.True(start == end || start % DenseKernels.WeightGradientGrain == 0, $"part {part} starts at {start}");
            DenseKernels.WeightGradientsRange<TIn, TOut>(dz, x, dwSplit, dbSplit, batch, start, end);
            next = start;
        }
        Assert.Equal(0, next);
        AssertBitEqual(dw, dwSplit, $"dW of {inputs} → {units} in {parts} parts");
        AssertBitEqual(db, dbSplit, $"db of {inputs} → {units} in {parts} parts");
    }

    [Fact]
    public void TailsGoFromTheLastPartBackwardAndTheUnitsBalanceThem()
    {
        // 784-128-64-10: layer 0's 128 units (784 multiply-adds each per row) and the segment's layers, 8,192 and 640
        // multiply-adds per row. Two parts: the 128 → 64 layer to part 1, the output layer to part 0, and 68 + 60
        // units, so each part has about 69.6 units' worth.
        double[] w2 = [8192.0 / 784, 640.0 / 784];
        Assert.Equal((1, 0), (DenseKernels.WeightGradientTailPart(0, 2), DenseKernels.WeightGradientTailPart(1, 2)));
        Assert.Equal((0, 68), DenseKernels.WeightGradientShare(0, 2, 128, w2));
        Assert.Equal((68, 128), DenseKernels.WeightGradientShare(1, 2, 128, w2));
        Assert.Equal((0, 128), DenseKernels.WeightGradientShare(0, 1, 128, w2));
        // Three parts: 46.4 units' worth each; parts 2 and 1 carry the tails.
        Assert.Equal((0, 48), DenseKernels.WeightGradientShare(0, 3, 128, w2));
        Assert.Equal((48, 92), DenseKernels.WeightGradientShare(1, 3, 128, w2));
        Assert.Equal((92, 128), DenseKernels.WeightGradientShare(2, 3, 128, w2));
        // No tails: an even split in grains.
        Assert.Equal((0, 64), DenseKernels.WeightGradientShare(0, 2, 128, []));
    }

    [Fact]
    public void WeightGradientRangesAndSharesOutsideTheLayerAreRefused()
    {
        float[] dz = new float[4 * 64], x = new float[4 * 128], dw = new float[128 * 64], db = new float[64];
        var e = Assert.Throws<ArgumentException>(() => DenseKernels.WeightGradientsRange<D128, D64>(dz, x, dw, db, 4, 8, 65));
        Assert.Contains("do not match the layer shape", e.Message);
        Assert.Throws<ArgumentException>(() => DenseKernels.WeightGradientsRange<D128, D64>(dz, x, dw, db, 4, 8, 4));
        Assert.Throws<ArgumentException>(() => DenseKernels.WeightGradientsRange<D128, D64>(dz, x, dw, db, 5, 0, 64));
        var share = Assert.Throws<ArgumentOutOfRangeException>(() => DenseKernels.WeightGradientShare(2, 2, 128, [11.0]));
        Assert.Contains("Part 2 of 2", share.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => DenseKernels.WeightGradientShare(0, 0, 128, [11.0]));
        var tail = Assert.Throws<ArgumentOutOfRangeException>("tailUnits", () => DenseKernels.WeightGradientShare(0, 2, 128, [-1.0]));
        Assert.Contains("tail of -1 units", tail.Message);
        Assert.Throws<ArgumentOutOfRangeException>("tailUnits", () => DenseKernels.WeightGradientShare(0, 2, 128, [double.NaN]));
        Assert.Throws<ArgumentOutOfRangeException>("tail", () => DenseKernels.WeightGradientTailPart(-1, 2));
    }

    [Fact]
    public void RowRangesOffTheGrainOrOutsideTheBatchAreRefused()
    {
        float[] w = new float[128 * 64], b = new float[64], x = new float[16 * 128], z = new float[16 * 64];
        var e = Assert.Throws<ArgumentException>(() => DenseKernels.ForwardRows<D128, D64>(w, b, x, z, 16, 2, 16));
        Assert.Contains("do not match the layer shape", e.Message);
        Assert.Throws<ArgumentException>(() => DenseKernels.ForwardRows<D128, D64>(w, b, x, z, 16, 0, 17));
        Assert.Throws<ArgumentException>(() => DenseKernels.InputGradientsRows<D128, D64>(z, w, x, 16, 4, 6));

        float[] logits = new float[8 * 10], targets = new float[8 * 10], gradient = new float[8 * 10];
        var loss = Assert.Throws<ArgumentException>(() => LossKernels.CrossEntropyWithLogitsRows(logits, targets, gradient, 10, 8, 4, 9, new double[8]));
        Assert.Contains("rows [4, 9) of a batch of 8 rows of 10 outputs", loss.Message);
        Assert.Throws<ArgumentException>(() => LossKernels.MeanSquaredErrorRows(logits, targets, gradient, 10, 8, 0, 8, new double[7]));
        Assert.Throws<ArgumentException>(() => LossKernels.CrossEntropyWithLogitsRows(logits, targets, logits, 10, 8, 0, 8, new double[8]));
    }
}

/// <summary>RowSplit hands out every row exactly once, in whole grains, and passes the whole batch's spans.</summary>
public class RowSplitTests
{
    [Theory]
    [InlineData(1, 64, 1)]
    [InlineData(2, 64, 2)]
    [InlineData(3, 70, 3)]
    [InlineData(2, 12, 1)] // fewer than eight rows per thread: one call
    public void RangesCoverTheBatchOnce(int threads, int batch, int expectedParts)
    {
        float[] inputs = Enumerable.Range(0, batch * 3).Select(i => (float)i).ToArray(), targets = new float[batch * 2];
        var seen = new List<(int Start, int End)>();
        RowSplit.Run((start, end, x, y) =>
        {
            Assert.Equal(inputs.Length, x.Length);
            Assert.Equal(x.Length - 1, x[^1]);
            Assert.Equal(targets.Length, y.Length);
            lock (seen) seen.Add((start, end));
        }, batch, threads, RowSplit.MinMultiplyAdds, inputs, targets);
        Assert.Equal(expectedParts, seen.Count);
        int next = 0;
        foreach (var (start, end) in seen.OrderBy(r => r.Start))
        {
            Assert.Equal(next, start);
            Assert.Equal(0, start % RowSplit.Grain);
            next = end;
        }
        Assert.Equal(batch, next);
    }

    [Fact]
    public void SmallWorkStaysOnTheCallingThread()
    {
        int calls = 0, thread = Environment.CurrentManagedThreadId;
        RowSplit.Run((_, _, _, _) => { calls++; Assert.Equal(thread, Environment.CurrentManagedThreadId); }, 64, 2, (RowSplit.MinMultiplyAdds - 1) / 64, [], []);
        Assert.Equal(1, calls);
    }

    [Theory]
    [InlineData(1, RowSplit.MinMultiplyAdds, 1)]
    [InlineData(2, RowSplit.MinMultiplyAdds, 2)]
    [InlineData(3, RowSplit.MinMultiplyAdds, 3)]
    [InlineData(2, RowSplit.MinMultiplyAdds / 64 - 1, 1)] // too little work for a hand-off
    public void PartsRunOnceEachWithTheWholeBatch(int threads, long multiplyAddsPerRow, int expectedParts)
    {
        float[] inputs = Enumerable.Range(0, 64 * 3).Select(i => (float)i).ToArray(), targets = new float[64 * 2];
        var seen = new List<(int Part, int Parts)>();
        RowSplit.RunParts((part, parts, x, y) =>
        {
            Assert.Equal(inputs.Length, x.Length);
            Assert.Equal(x.Length - 1, x[^1]);
            Assert.Equal(targets.Length, y.Length);
            lock (seen) seen.Add((part, parts));
        }, 64, threads, multiplyAddsPerRow, inputs, targets);
        Assert.Equal(Enumerable.Range(0, expectedParts).Select(k => (k, expectedParts)), seen.OrderBy(s => s.Part));
    }

    [Fact]
    public void AFailingRangeIsRethrownAfterAllRangesRan()
    {
        int ran = 0;
        var e = Assert.Throws<InvalidOperationException>(() => RowSplit.Run((start, _, _, _) =>
        {
            Interlocked.Increment(ref ran);
            if (start > 0) throw new InvalidOperationException("second range");
        }, 64, 2, RowSplit.MinMultiplyAdds, [], []));
        Assert.Equal("second range", e.Message);
        Assert.Equal(2, ran);
        int after = 0;
        RowSplit.Run((_, _, _, _) => Interlocked.Increment(ref after), 64, 2, RowSplit.MinMultiplyAdds, [], []); // the team is free again
        Assert.Equal(2, after);
    }
}

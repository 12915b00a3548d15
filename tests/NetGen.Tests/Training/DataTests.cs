using NetGen.Data;

namespace NetGen.Tests.Training;

public class DataTests
{
    /// <summary>Sample i has features (i, −i) and target i, so a batch row tells which sample it came from.</summary>
    private static Dataset Indexed(int count) =>
        new([.. Enumerable.Range(0, count).SelectMany(i => new float[] { i, -i })], [.. Enumerable.Range(0, count).Select(i => (float)i)], 2, 1);

    private static List<int[]> Collect(BatchIterator iterator, int epoch)
    {
        var batches = new List<int[]>();
        foreach (Batch b in iterator.Epoch(epoch))
        {
            float[] x = b.Features.ToArray(), y = b.Targets.ToArray();
            Assert.Equal(b.Size * 2, x.Length);
            for (int r = 0; r < b.Size; r++)
            {
                Assert.Equal(y[r], x[2 * r]);
                Assert.Equal(-y[r], x[2 * r + 1]);
            }
            batches.Add([.. y.Select(v => (int)v)]);
        }
        return batches;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EveryEpochVisitsEverySampleOnceWithPartialLastBatch(bool shuffle)
    {
        var iterator = new BatchIterator(Indexed(23), batchSize: 5, shuffle, seed: 7);
        Assert.Equal(5, iterator.BatchCount);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            List<int[]> batches = Collect(iterator, epoch);
            Assert.Equal([5, 5, 5, 5, 3], batches.Select(b => b.Length));
            Assert.Equal(Enumerable.Range(0, 23), batches.SelectMany(b => b).Order());
        }
    }

    [Fact]
    public void ShuffleIsDeterministicPerSeedAndEpoch()
    {
        Dataset data = Indexed(50);
        int[] Order(int seed, int epoch) => [.. Collect(new BatchIterator(data, 8, seed: seed), epoch).SelectMany(b => b)];
        Assert.Equal(Order(1, 0), Order(1, 0));
        Assert.Equal(Order(1, 3), Order(1, 3));
        Assert.NotEqual(Order(1, 0), Order(1, 1));
        Assert.NotEqual(Order(1, 0), Order(2, 0));
        Assert.NotEqual(Enumerable.Range(0, 50), Order(1, 0));
        // The order of an epoch does not depend on which epochs ran before (training can resume mid-way).
        var iterator = new BatchIterator(data, 8, seed: 1);
        Collect(iterator, 0);
        Assert.Equal(Order(1, 3), Collect(iterator, 3).SelectMany(b => b));
    }

    [Fact]
    public void DropLastSkipsThePartialBatch()
    {
        var iterator = new BatchIterator(Indexed(23), batchSize: 5, seed: 3, dropLast: true);
        Assert.Equal(4, iterator.BatchCount);
        List<int[]> batches = Collect(iterator, 0);
        Assert.All(batches, b => Assert.Equal(5, b.Length));
        Assert.Equal(20, batches.SelectMany(b => b).Distinct().Count());
        Assert.Throws<ArgumentException>("dropLast", () => new BatchIterator(Indexed(3), 5, dropLast: true));
        Assert.Throws<ArgumentOutOfRangeException>("batchSize", () => new BatchIterator(Indexed(3), 0));
    }

    [Fact]
    public void IteratingAllocatesNothingPerBatch()
    {
        var iterator = new BatchIterator(Indexed(1000), batchSize: 16, seed: 1);
        float sum = 0;
        foreach (Batch b in iterator.Epoch(0)) sum += b.Targets.Span[0];
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int epoch = 1; epoch < 4; epoch++)
            foreach (Batch b in iterator.Epoch(epoch)) sum += b.Targets.Span[0];
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum > 0);
    }

    [Fact]
    public void RandomSplitPartitionsTheSamples()
    {
        Dataset data = Indexed(101);
        var (train, validation) = DatasetSplit.Random(data, 0.2f, seed: 5);
        Assert.Equal(20, validation.Count);
        Assert.Equal(81, train.Count);
        Assert.Equal(Enumerable.Range(0, 101).Select(i => (float)i), train.Targets.Concat(validation.Targets).Order());
        Assert.Equal(validation.Targets, DatasetSplit.Random(data, 0.2f, seed: 5).Validation.Targets);
        Assert.NotEqual(validation.Targets, DatasetSplit.Random(data, 0.2f, seed: 6).Validation.Targets);
        Assert.Throws<ArgumentOutOfRangeException>("validationFraction", () => DatasetSplit.Random(data, 1f, 0));
        Assert.Throws<ArgumentException>("data", () => DatasetSplit.Random(Indexed(3), 0.1f, 0));
    }

    [Fact]
    public void StratifiedSplitKeepsClassProportions()
    {
        // 90 samples of class 0, 30 of class 1, 60 of class 2 (one-hot), with feature = sample index.
        int[] labels = [.. Enumerable.Range(0, 180).Select(i => i < 90 ? 0 : i < 120 ? 1 : 2)];
        float[] targets = new float[180 * 3];
        for (int i = 0; i < 180; i++) targets[3 * i + labels[i]] = 1;
        var data = new Dataset([.. Enumerable.Range(0, 180).Select(i => (float)i)], targets, 1, 3);
        var (train, validation) = DatasetSplit.Stratified(data, 0.2f, seed: 9);
        int Count(Dataset d, int c) => Enumerable.Range(0, d.Count).Count(i => d.TargetsOf(i)[c] == 1);
        Assert.Equal([18, 6, 12], new[] { Count(validation, 0), Count(validation, 1), Count(validation, 2) });
        Assert.Equal([72, 24, 48], new[] { Count(train, 0), Count(train, 1), Count(train, 2) });
        Assert.Equal(Enumerable.Range(0, 180).Select(i => (float)i), train.Features.Concat(validation.Features).Order());
        for (int i = 0; i < validation.Count; i++)
            Assert.Equal(1f, validation.TargetsOf(i)[labels[(int)validation.Features[i]]]);
    }
}

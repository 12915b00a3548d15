using NetGen.Optimizers;

namespace NetGen.Tests;

/// <summary>
/// TrainingThreads &gt; 1: networks trained through the kernels split each layer's products over the threads (results
/// bit-identical for any thread count); tiny networks trained in lanes split the batch (deterministic per thread count).
/// </summary>
public class ParallelTrainingTests
{
    private static (float[] X, float[] Y) Batch(int batch, int inputs, int outputs, int seed)
    {
        var random = new Random(seed);
        float[] x = Enumerable.Range(0, batch * inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var y = new float[batch * outputs];
        for (int s = 0; s < batch; s++) y[s * outputs + random.Next(outputs)] = 1f;
        return (x, y);
    }

    [Theory]
    [InlineData(2, 64)]
    [InlineData(3, 67)]
    [InlineData(4, 33)]
    public void SlicedGradientsMatchTheSingleThreadedOnes(int threads, int batch)
    {
        var single = new NoDropoutNet(2);
        var sliced = new NoDropoutNet(2) { TrainingThreads = threads };
        var (x, y) = Batch(batch, 6, 3, threads);
        float expectedLoss = single.ComputeGradients(x, y, batch);
        float loss = sliced.ComputeGradients(x, y, batch);
        Assert.Equal(expectedLoss, loss, 1e-5f);
        float[] expected = single.Gradients.ToArray(), actual = sliced.Gradients.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-5f);
    }

    [Fact]
    public void TrainingIsDeterministicForAGivenThreadCount()
    {
        float[] Train(int threads)
        {
            var net = new DropoutNet(9) { TrainingThreads = threads };
            var adam = new Adam(0.01f);
            var (x, y) = Batch(48, 6, 3, 1);
            for (int step = 0; step < 30; step++)
            {
                net.ComputeGradients(x, y, 48);
                adam.Step(net.Parameters, net.Gradients);
            }
            return net.Parameters.ToArray();
        }
        Assert.Equal(Train(2), Train(2));
        Assert.Equal(Train(3), Train(3));
        Assert.Equal(Train(1), Train(1));
    }

    [Fact]
    public void SmallBatchesStayOnOneThread()
    {
        var net = new XorNet(1) { TrainingThreads = 2 };
        var single = new XorNet(1);
        float[] x = [0, 0, 0, 1, 1, 0, 1, 1], y = [0, 1, 1, 0];
        Assert.Equal(single.ComputeGradients(x, y, 4), net.ComputeGradients(x, y, 4));
        Assert.Equal(single.Gradients.ToArray(), net.Gradients.ToArray());
    }

    [Fact]
    public void ParallelStepsAllocateNothingOnceWarm()
    {
        var net = new NoDropoutNet(3) { TrainingThreads = 2 };
        var (x, y) = Batch(64, 6, 3, 2);
        for (int i = 0; i < 60; i++) net.ComputeGradients(x, y, 64); // past tiered compilation's call counting and any on-stack replacement
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++) net.ComputeGradients(x, y, 64);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(2, 100)]
    [InlineData(3, 100)]
    [InlineData(2, 13)]
    [InlineData(4, 250)]
    public void SplitProductsGiveBitIdenticalGradients(int threads, int batch)
    {
        var single = new SplitNet(5);
        var split = new SplitNet(5) { TrainingThreads = threads };
        var (x, y) = Batch(batch, 300, 5, batch);
        for (int step = 0; step < 3; step++) // dropout masks too: both draw from the same generator in the same order
        {
            Assert.Equal(single.ComputeGradients(x, y, batch), split.ComputeGradients(x, y, batch));
            Assert.Equal(single.Gradients.ToArray(), split.Gradients.ToArray());
        }
    }

    [Fact]
    public void TrainingTheDigitNetworkOnTwoThreadsEndsWithTheSameWeights()
    {
        float[] Train(int threads)
        {
            var net = new Generated.LoadedMnistNet(3) { TrainingThreads = threads };
            var adam = new Adam(0.001f) { Threads = threads };
            var (x, y) = Batch(96, 784, 10, 4);
            for (int step = 0; step < 5; step++)
            {
                net.ComputeGradients(x, y, 96);
                adam.Step(net.Parameters, net.Gradients);
            }
            return net.Parameters.ToArray();
        }
        Assert.Equal(Train(1), Train(2));
    }

    [Fact]
    public void SplitStepsAllocateNothingOnceWarm()
    {
        var net = new SplitNet(3) { TrainingThreads = 2 };
        var (x, y) = Batch(100, 300, 5, 2);
        for (int i = 0; i < 60; i++) net.ComputeGradients(x, y, 100);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 30; i++) net.ComputeGradients(x, y, 100);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65)]
    public void RejectsThreadCountsOutOfRange(int threads)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new XorNet().TrainingThreads = threads);
        Assert.Contains("between 1 and 64", e.Message);
    }
}

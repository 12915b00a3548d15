using NetGen.Optimizers;

namespace NetGen.Tests.Generated;

/// <summary>
/// A generated convolutional network as a user project gets it: bit-identical training for any thread count (split
/// convolutions, batch norm's running statistics, dropout), no allocation per step, model files with running statistics,
/// and the clear refusal of what is not supported yet.
/// </summary>
public class ConvolutionalTrainingTests
{
    private static (float[] X, float[] Y) Batch(int batch, int seed)
    {
        var random = new Random(seed);
        float[] x = Enumerable.Range(0, batch * SplitCnn.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        var y = new float[batch * SplitCnn.OutputSize];
        for (int b = 0; b < batch; b++) y[b * SplitCnn.OutputSize + random.Next(SplitCnn.OutputSize)] = 1f;
        return (x, y);
    }

    [Theory]
    [InlineData(2, 64)]
    [InlineData(3, 37)]
    [InlineData(2, 5)]
    public void TrainingIsBitIdenticalForAnyThreadCount(int threads, int batch)
    {
        (float[] Parameters, float[] Statistics, float Loss) Train(int count)
        {
            var net = new SplitCnn(7) { TrainingThreads = count };
            var adam = new Adam(0.01f) { Threads = count };
            float loss = 0;
            for (int step = 0; step < 3; step++)
            {
                var (x, y) = Batch(batch, step);
                loss = net.ComputeGradients(x, y, batch);
                adam.Step(net.Parameters, net.Gradients);
            }
            return (net.Parameters.ToArray(), net.RunningStatistics.ToArray(), loss);
        }
        var one = Train(1);
        var many = Train(threads);
        Assert.Equal(one.Loss, many.Loss);
        Assert.Equal(one.Parameters, many.Parameters);
        Assert.Equal(one.Statistics, many.Statistics);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void StepsAndInferenceAllocateNothingOnceWarm(int threads)
    {
        var net = new SplitCnn(3) { TrainingThreads = threads };
        var (x, y) = Batch(48, 1);
        var outputs = new float[48 * SplitCnn.OutputSize];
        var output = new float[SplitCnn.OutputSize];
        for (int i = 0; i < 40; i++)
        {
            net.ComputeGradients(x, y, 48);
            net.Forward(x, outputs, 48);
            net.Forward(x.AsSpan(0, SplitCnn.InputSize), output);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            net.ComputeGradients(x, y, 48);
            net.Forward(x, outputs, 48);
            net.Forward(x.AsSpan(0, SplitCnn.InputSize), output);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ModelFilesCarryTheRunningStatistics()
    {
        var trained = new SplitCnn(2);
        var (x, y) = Batch(16, 3);
        trained.ComputeGradients(x, y, 16); // moves the running statistics away from 0 and 1
        using var file = new MemoryStream();
        Serialization.ModelFile.Save(trained, file);
        var loaded = new SplitCnn(9);
        Serialization.ModelFile.Load(loaded, new MemoryStream(file.ToArray()));
        Assert.Equal(trained.RunningStatistics.ToArray(), loaded.RunningStatistics.ToArray());
        var expected = new float[SplitCnn.OutputSize];
        var actual = new float[SplitCnn.OutputSize];
        trained.Forward(x.AsSpan(0, SplitCnn.InputSize), expected);
        loaded.Forward(x.AsSpan(0, SplitCnn.InputSize), actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void BatchNormRefusesABatchWithOneValuePerChannel()
    {
        var net = new SplitCnn(1);
        float[] before = net.RunningStatistics.ToArray();
        var (x, y) = Batch(1, 1);
        // One sample still gives 16 × 16 values per channel after the first convolution: allowed.
        net.ComputeGradients(x, y, 1);
        Assert.NotEqual(before, net.RunningStatistics.ToArray());

        // After a dense layer each feature is a channel of one value per sample: a batch of one has no variance.
        var dense = new DenseBatchNormNet(1);
        var e = Assert.Throws<ArgumentException>(() => dense.ComputeGradients(new float[5], new float[2], 1));
        Assert.Contains("more than one value per channel", e.Message);
        Assert.Contains("a batch of 1", e.Message);
        dense.ComputeGradients(new float[10], new float[4], 2);
    }

    [Fact]
    public void ATrainedConvolutionalNetworkQuantizesToTheIntegerReference()
    {
        var net = new SplitCnn(1);
        var (x, y) = Batch(16, 1);
        for (int step = 0; step < 3; step++) net.ComputeGradients(x, y, 16); // running statistics of its BatchNorm
        var q = net.Quantize(x, 16);
        var actual = new float[SplitCnn.OutputSize];
        for (int s = 0; s < 4; s++)
        {
            q.Forward(x.AsSpan(s * SplitCnn.InputSize, SplitCnn.InputSize), actual);
            Assert.Equal(NetGen.Tests.Quantization.IntegerReference.Forward(q, x.AsSpan(s * SplitCnn.InputSize, SplitCnn.InputSize)), actual);
        }
    }
}

using NetGen.Data;
using NetGen.Serialization;
using NetGen.Training;

namespace NetGen.Tests.Generated;

/// <summary>
/// <see cref="INetwork.Freeze"/> on the real digit network (weights from samples/EmbeddedDigits/digits.ngw), whose first
/// two layers take the packed kernel: the snapshot against the live network, its errors, and its use from several
/// threads. Numerical agreement with the reference on many shapes is in NetworkChecks (generator tests and KernelChecks).
/// </summary>
public class FrozenNetworkTests
{
    private static string DigitsFile([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "..", "samples", "EmbeddedDigits", "digits.ngw"));

    private static readonly Lazy<Dataset> Test = new(() => Mnist.Load(Mnist.DefaultFolder).Test);

    private static LoadedMnistNet Trained()
    {
        var net = new LoadedMnistNet();
        ModelFile.Load(net, DigitsFile());
        return net;
    }

    [Fact]
    public void FrozenEvaluationMatchesTheLiveNetworkOnTheTestDigits()
    {
        var net = Trained();
        FrozenNetwork frozen = net.Freeze();
        Evaluation live = Trainer.Evaluate(net, Test.Value), snapshot = Trainer.Evaluate(frozen, Test.Value);
        Assert.Equal(live.Accuracy, snapshot.Accuracy);
        Assert.Equal(live.Loss, snapshot.Loss, 5);
        Assert.True(snapshot.Accuracy > 0.9f, $"accuracy {snapshot.Accuracy}");

        // Every digit's prediction, one by one, agrees (same single-sample pass over a copy of the parameters).
        for (int i = 0; i < Test.Value.Count; i += 7)
            Assert.Equal(net.Predict(Test.Value.FeaturesOf(i)), frozen.Predict(Test.Value.FeaturesOf(i)));
    }

    [Fact]
    public void BatchedForwardAgreesWithTheLiveNetworkAtEveryBatchSizeAroundTheKernelBlocks()
    {
        var net = Trained();
        FrozenNetwork frozen = net.Freeze();
        float[] x = Test.Value.Features;
        foreach (int n in new[] { 1, 2, 5, 6, 7, 11, 12, 47, 48, 191, 192, 193, 600 })
        {
            var live = new float[n * 10];
            var snapshot = new float[n * 10];
            net.Forward(x.AsSpan(0, n * 784), live, n);
            frozen.Forward(x.AsSpan(0, n * 784), snapshot, n);
            for (int i = 0; i < live.Length; i++)
                Assert.True(Math.Abs(live[i] - snapshot[i]) <= 1e-5f, $"batch {n}, output {i}: live {live[i]}, frozen {snapshot[i]}");
        }
    }

    [Fact]
    public void TheSnapshotIgnoresLaterTrainingAndRefreezingSeesIt()
    {
        var net = Trained();
        FrozenNetwork frozen = net.Freeze();
        ReadOnlySpan<float> x = Test.Value.Features.AsSpan(0, 64 * 784);
        var before = new float[64 * 10];
        frozen.Forward(x, before, 64);

        var optimizer = new Optimizers.Sgd(0.5f);
        for (int step = 0; step < 5; step++)
        {
            net.ComputeGradients(x, Test.Value.Targets.AsSpan(0, 64 * 10), 64);
            optimizer.Step(net.Parameters, net.Gradients);
        }
        var after = new float[64 * 10];
        frozen.Forward(x, after, 64);
        Assert.Equal(before, after);
        Assert.False(frozen.Parameters.SequenceEqual(net.Parameters));

        var live = new float[64 * 10];
        var refrozen = new float[64 * 10];
        net.Forward(x, live, 64);
        net.Freeze().Forward(x, refrozen, 64);
        Assert.NotEqual(before, refrozen);
        for (int i = 0; i < live.Length; i++) Assert.True(Math.Abs(live[i] - refrozen[i]) <= 1e-5f, $"output {i}");
    }

    [Fact]
    public void BadArgumentsAreRejectedWithTheNetworkNamed()
    {
        FrozenNetwork frozen = new LoadedMnistNet(1).Freeze();
        var e = Assert.Throws<ArgumentException>(() => frozen.Forward(new float[783], new float[10]));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("LoadedMnistNet", e.Message);
        e = Assert.Throws<ArgumentException>(() => frozen.Forward(new float[784], new float[9]));
        Assert.Equal("output", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => frozen.Forward(new float[2 * 784], new float[3 * 10], 3));
        Assert.Equal("inputs", e.ParamName);
        Assert.Contains("batchSize × InputSize", e.Message);
        e = Assert.Throws<ArgumentException>(() => frozen.Forward(new float[3 * 784], new float[2 * 10], 3));
        Assert.Equal("outputs", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => frozen.Forward(new float[784], new float[10], 0));
        Assert.Throws<ArgumentException>(() => frozen.Predict(new float[10]));
    }

    [Fact]
    public void ForwardAndPredictAllocateNothing()
    {
        FrozenNetwork frozen = Trained().Freeze();
        float[] x = Test.Value.Features.AsSpan(0, 300 * 784).ToArray();
        var one = new float[10];
        var outputs = new float[300 * 10];
        void Calls()
        {
            frozen.Forward(x.AsSpan(0, 784), one);
            frozen.Forward(x, outputs, 300);
            frozen.Forward(x.AsSpan(0, 64 * 784), outputs.AsSpan(0, 640), 64);
            frozen.Predict(x.AsSpan(0, 784));
        }
        // The first call grows this thread's scratch once; 60 rounds get past tiered compilation's call counting and
        // any on-stack replacement, as the other allocation tests do.
        for (int i = 0; i < 60; i++) Calls();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++) Calls();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void OneSnapshotServesSeveralThreadsAtOnce()
    {
        FrozenNetwork frozen = Trained().Freeze();
        float[] x = Test.Value.Features.AsSpan(0, 400 * 784).ToArray();
        var expected = new float[400 * 10];
        frozen.Forward(x, expected, 400);
        var results = new float[4][];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            var outputs = new float[400 * 10];
            for (int round = 0; round < 20; round++) frozen.Forward(x, outputs, 400);
            results[t] = outputs;
        });
        foreach (var r in results) Assert.Equal(expected, r);
    }

    [Fact]
    public void BakedBatchedInferMatchesAFrozenInstance()
    {
        float[] x = Test.Value.Features.AsSpan(0, 250 * 784).ToArray();
        var baked = new float[250 * 10];
        var frozen = new float[250 * 10];
        BakedMnistNet.Infer(x, baked, 250);
        new BakedMnistNet().Freeze().Forward(x, frozen, 250);
        Assert.Equal(frozen, baked);
        var e = Assert.Throws<ArgumentException>(() => BakedMnistNet.Infer(x, baked, 249));
        Assert.Equal("inputs", e.ParamName);

        for (int i = 0; i < 60; i++) BakedMnistNet.Infer(x, baked, 250); // past tiered compilation's call counting and any on-stack replacement
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) BakedMnistNet.Infer(x, baked, 250);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

using NetGen.CompilerServices;
using NetGen.Optimizers;

namespace NetGen.Tests.Training;

/// <summary>
/// The built-in optimizers' step split over threads: bit-identical to one thread for every optimizer and setting, for
/// lengths around the split threshold and off the cache-line alignment; nothing allocated on the calling thread.
/// </summary>
public class ParallelOptimizerTests
{
    public static TheoryData<string> Kinds => ["sgd", "sgd-plain", "sgd-decay", "adagrad", "rmsprop", "rmsprop-plain", "adam", "adamw"];

    private static IOptimizer Create(string kind, int threads)
    {
        IOptimizer optimizer = kind switch
        {
            "sgd" => new Sgd(0.05f, momentum: 0.9f, nesterov: true, weightDecay: 0.01f),
            "sgd-plain" => new Sgd(0.05f),
            "sgd-decay" => new Sgd(0.05f, weightDecay: 0.01f),
            "adagrad" => new Adagrad(0.05f, learningRateDecay: 0.01f, initialAccumulator: 0.1f),
            "rmsprop" => new RmsProp(0.01f, momentum: 0.5f, centered: true),
            "rmsprop-plain" => new RmsProp(0.01f),
            "adam" => new Adam(0.01f, weightDecay: 0.01f),
            _ => new AdamW(0.01f),
        };
        ((dynamic)optimizer).Threads = threads;
        return optimizer;
    }

    private static float[] Values(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    [Theory, MemberData(nameof(Kinds))]
    public void ThreadedStepsEqualOneThreadBitForBit(string kind)
    {
        int min = Tuning.Splits.OptimizerMinParameters;
        foreach (int length in new[] { min - 1, min, 100_003 })
        {
            foreach (int threads in new[] { 2, 3 })
            {
                IOptimizer single = Create(kind, 1), parallel = Create(kind, threads);
                float[] p = Values(length, 1), q = (float[])p.Clone();
                for (int t = 0; t < 4; t++)
                {
                    float[] g = Values(length, 10 + t);
                    single.Step(p, g);
                    parallel.Step(q, g);
                }
                Assert.True(p.AsSpan().SequenceEqual(q), $"{kind}, {length} parameters, {threads} threads: differs from one thread");
            }
        }
    }

    [Theory, MemberData(nameof(Kinds))]
    public void ThreadedStepAllocatesNothingOnTheCallingThread(string kind)
    {
        IOptimizer optimizer = Create(kind, 2);
        float[] p = Values(70_000, 1), g = Values(70_000, 2);
        for (int t = 0; t < 60; t++) optimizer.Step(p, g); // past tiered compilation's call counting, and any on-stack replacement
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 0; t < 20; t++) optimizer.Step(p, g);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ThreadsOutsideOneToSixtyFourAreRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Adam().Threads = 0);
        Assert.Contains("between 1 and 64", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd().Threads = 65);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad().Threads = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp().Threads = 0);
    }

    [Fact]
    public void TheTrainerSplitsTheOptimizerStepOverItsThreads()
    {
        var adam = new Adam(0.01f);
        var net = new XorNet(1);
        var data = new NetGen.Data.Dataset(new float[16 * XorNet.InputSize], new float[16 * XorNet.OutputSize], XorNet.InputSize, XorNet.OutputSize);
        new NetGen.Training.Trainer(new NetGen.Training.TrainerOptions { Optimizer = adam, Epochs = 1, BatchSize = 16, Threads = 2 }).Fit(net, data);
        Assert.Equal(2, adam.Threads);
    }
}

/// <summary>Optimizer state that decays without gradient is flushed to zero before it turns subnormal (slow on x86).</summary>
public class SubnormalStateTests
{
    public static TheoryData<string> Optimizers => new() { "adam", "adamw", "sgd-momentum", "sgd-nesterov", "rmsprop-centered-momentum" };

    private static IOptimizer Create(string kind) => kind switch
    {
        "adam" => new Adam(1e-3f),
        "adamw" => new AdamW(1e-3f),
        "sgd-momentum" => new Sgd(1e-3f, momentum: 0.9f),
        "sgd-nesterov" => new Sgd(1e-3f, momentum: 0.9f, nesterov: true),
        _ => new RmsProp(1e-3f, momentum: 0.9f, centered: true),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void StateThatDecaysWithoutGradientNeverHoldsSubnormals(string kind)
    {
        const int n = 37; // vector loop and scalar tail
        IOptimizer optimizer = Create(kind);
        var parameters = new float[n];
        var gradients = Enumerable.Range(0, n).Select(i => (i % 5 - 2) * 1e-3f).ToArray();
        optimizer.Step(parameters, gradients);
        Array.Clear(gradients);
        for (int step = 0; step < 2000; step++) optimizer.Step(parameters, gradients);

        var buffers = new List<float[]>(); // every float[] field of the optimizer and its base classes: its state
        for (Type? type = optimizer.GetType(); type is not null; type = type.BaseType)
            buffers.AddRange(type.GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.DeclaredOnly)
                .Where(f => f.FieldType == typeof(float[])).Select(f => (float[]?)f.GetValue(optimizer)).OfType<float[]>());
        Assert.NotEmpty(buffers);
        foreach (float v in buffers.SelectMany(b => b).Concat(parameters))
            Assert.False(float.IsSubnormal(v), $"{kind}: state value {v:R} is subnormal");
        Assert.Contains(buffers.SelectMany(b => b), v => v == 0f); // the decayed values were flushed, not left tiny
    }
}

public class NonFiniteStateTests
{
    [Theory]
    [InlineData("adam")]
    [InlineData("sgd-momentum")]
    [InlineData("rmsprop")]
    public void ANaNGradientIsNotFlushedAway(string kind)
    {
        IOptimizer optimizer = kind switch
        {
            "adam" => new Adam(1e-3f),
            "sgd-momentum" => new Sgd(1e-3f, momentum: 0.9f),
            _ => new RmsProp(1e-3f, momentum: 0.9f),
        };
        var parameters = new float[37];
        var gradients = new float[37];
        gradients[3] = float.NaN;  // vector loop
        gradients[36] = float.NaN; // scalar tail
        optimizer.Step(parameters, gradients);
        Assert.True(float.IsNaN(parameters[3]) && float.IsNaN(parameters[36]), $"{kind}: a NaN gradient vanished instead of reaching the parameters");
    }
}

using NetGen.Optimizers;

namespace NetGen.Tests;

/// <summary>Concurrency and numerical extremes on generated networks.</summary>
public class ReliabilityTests
{
    [Fact]
    public void InferenceFromManyThreadsMatchesSingleThreaded()
    {
        var net = new DropoutNet(5);
        var random = new Random(3);
        const int samples = 400;
        var x = Enumerable.Range(0, samples * 6).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var expected = new float[samples * 3];
        for (int s = 0; s < samples; s++) net.Forward(x.AsSpan(s * 6, 6), expected.AsSpan(s * 3, 3));
        var expectedBatched = new float[samples * 3]; // the batched path may round differently from the single-sample one
        net.Forward(x, expectedBatched, samples);

        var results = new float[8][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            var mine = new float[samples * 3];
            for (int round = 0; round < 20; round++)
            {
                if (t % 2 == 0)
                    for (int s = 0; s < samples; s++) net.Forward(x.AsSpan(s * 6, 6), mine.AsSpan(s * 3, 3));
                else
                    net.Forward(x, mine, samples);
            }
            results[t] = mine;
        });
        for (int t = 0; t < results.Length; t++) Assert.Equal(t % 2 == 0 ? expected : expectedBatched, results[t]);
    }

    [Fact]
    public void SeparateInstancesTrainInParallelWithoutInterference()
    {
        float[] Train(int seed)
        {
            var net = new XorNet(seed);
            var sgd = new Sgd(0.5f, momentum: 0.9f);
            float[] x = [0, 0, 0, 1, 1, 0, 1, 1], y = [0, 1, 1, 0];
            for (int i = 0; i < 300; i++)
            {
                net.ComputeGradients(x, y, 4);
                sgd.Step(net.Parameters, net.Gradients);
            }
            return net.Parameters.ToArray();
        }
        var sequential = Enumerable.Range(0, 6).Select(Train).ToArray();
        var parallel = new float[6][];
        Parallel.For(0, 6, i => parallel[i] = Train(i));
        for (int i = 0; i < 6; i++) Assert.Equal(sequential[i], parallel[i]);
    }

    [Theory]
    [InlineData(1e4f)]
    [InlineData(-1e4f)]
    [InlineData(1e-30f)]
    [InlineData(0f)]
    public void ExtremeInputsGiveFiniteLossesAndGradients(float value)
    {
        var nets = new INetwork[] { new XorNet(1), new MoonsMlp(2), new DropoutNet(3) };
        foreach (var net in nets)
        {
            net.Parameters[0] *= 100; // push some logits far out
            var x = Enumerable.Repeat(value, 5 * net.InputSize).ToArray();
            var y = new float[5 * net.OutputSize];
            for (int s = 0; s < 5; s++) y[s * net.OutputSize + s % net.OutputSize] = 1f;
            float loss = net.ComputeGradients(x, y, 5);
            Assert.True(float.IsFinite(loss), $"{net.Architecture}: loss {loss} for inputs {value}");
            Assert.All(net.Gradients.ToArray(), g => Assert.True(float.IsFinite(g), $"{net.Architecture}: gradient {g}"));
            var outputs = new float[5 * net.OutputSize];
            net.Forward(x, outputs, 5);
            Assert.All(outputs, o => Assert.True(float.IsFinite(o)));
        }
    }

    [Fact]
    public void CrossEntropyOfHugeLogitsIsFinite()
    {
        var net = new NoDropoutNet(1);
        net.Parameters.Fill(0f);
        // Output biases of ±1e30: softmax is exactly one-hot in float, log-sum-exp keeps the loss finite.
        var biases = net.Parameters[^3..];
        biases[0] = 1e30f;
        biases[1] = -1e30f;
        float loss = net.ComputeGradients(new float[6], [0f, 1f, 0f], 1);
        Assert.True(float.IsFinite(loss) && loss > 1e29f, $"loss {loss}");
        Assert.All(net.Gradients.ToArray(), g => Assert.True(float.IsFinite(g)));
    }
}

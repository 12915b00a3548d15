using NetGen.Quantization;

namespace NetGen.Tests.Quantization;

/// <summary>
/// <see cref="INetwork.Quantize"/> and <see cref="QuantizedNetwork"/>: bit-exact agreement with the plain-loop integer
/// reference for every activation, Maxout and dropout, single and batched; closeness to the float network; the
/// calibration edge cases; no allocation per call; thread safety.
/// </summary>
public class QuantizationTests
{
    public static TheoryData<string> Networks => new(Create.Keys);

    internal static readonly Dictionary<string, Func<INetwork>> Create = new()
    {
        ["all activations"] = () => new QuantAllActivations(),
        ["step"] = () => new QuantStep(),
        ["step output"] = () => new QuantStepOutput(),
        ["tanh output"] = () => new QuantTanhOutput(),
        ["identity output"] = () => new QuantIdentityOutput(),
        ["relu output"] = () => new QuantReluOutput(),
        ["leaky output"] = () => new QuantLeakyOutput(),
        ["elu output"] = () => new QuantEluOutput(),
        ["maxout output"] = () => new QuantMaxoutOutput(),
        ["wide"] = () => new QuantWide(),
        ["cnn"] = () => new QuantCnn(),
        ["cnn strided"] = () => new QuantCnnStrided(),
        ["cnn pooled"] = () => new QuantCnnPooled(),
        ["cnn pooled 3"] = () => new QuantCnnPooled3(),
    };

    /// <summary>
    /// A network with seeded weights and nonzero biases (and BatchNorm running means in ±0.5, variances in [0.5, 2]),
    /// and calibration data in [−2, 2].
    /// </summary>
    internal static (INetwork Net, float[] Data) Prepared(INetwork net, int seed, int samples)
    {
        net.Initialize(seed);
        var random = new Random(seed);
        Span<float> p = net.Parameters;
        for (int i = 0; i < p.Length; i++) p[i] += (float)(random.NextDouble() - 0.5) * 0.2f; // biases too
        RandomStatistics(net, seed);
        float[] data = Enumerable.Range(0, samples * net.InputSize).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        return (net, data);
    }

    /// <summary>Running statistics that make each folded BatchNorm do something: per layer, means in ±0.5 then variances in [0.5, 2].</summary>
    internal static void RandomStatistics(INetwork net, int seed)
    {
        var random = new Random(seed + 1000);
        Span<float> statistics = net.RunningStatistics;
        int offset = 0;
        SampleShape shape = Topology.Of(net).InputShape ?? SampleShape.Flat(net.InputSize);
        foreach (var layer in Topology.Of(net).Layers)
        {
            if (layer.Kind == NetGen.Reference.ReferenceLayerKind.BatchNorm)
            {
                int c = shape.Channels;
                for (int i = 0; i < c; i++) statistics[offset + i] = (float)(random.NextDouble() - 0.5);
                for (int i = 0; i < c; i++) statistics[offset + c + i] = (float)(0.5 + 1.5 * random.NextDouble());
                offset += 2 * c;
            }
            shape = layer.OutputShape(shape);
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void ForwardMatchesTheIntegerReferenceBitForBit(string name)
    {
        var (net, data) = Prepared(Create[name](), seed: name.Length, samples: 200);
        QuantizedNetwork q = net.Quantize(data, 200);
        int n = net.InputSize, m = net.OutputSize;
        Assert.Equal(net.Architecture, q.Architecture);
        Assert.Equal((n, m, net.Loss), (q.InputSize, q.OutputSize, q.Loss));

        // Samples beyond the calibration range (clamped codes) as well as inside it.
        var random = new Random(7);
        float[] x = Enumerable.Range(0, 37 * n).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray();
        var expected = new float[37][];
        for (int s = 0; s < 37; s++) expected[s] = IntegerReference.Forward(q, x.AsSpan(s * n, n));

        var single = new float[m];
        for (int s = 0; s < 37; s++)
        {
            q.Forward(x.AsSpan(s * n, n), single);
            Assert.True(expected[s].SequenceEqual(single), $"{name}, sample {s}: [{string.Join(", ", single)}] against the reference's [{string.Join(", ", expected[s])}]");
        }
        foreach (int batch in new[] { 1, 3, 4, 5, 8, 16, 17, 37 })
        {
            var outputs = new float[batch * m];
            q.Forward(x.AsSpan(0, batch * n), outputs, batch);
            for (int s = 0; s < batch; s++)
                Assert.True(expected[s].SequenceEqual(outputs.AsSpan(s * m, m).ToArray()), $"{name}, batch {batch}, sample {s}");
        }
    }

    [Fact]
    public void OutputsStayCloseToTheFloatNetwork()
    {
        var (net, data) = Prepared(new QuantWide(), seed: 3, samples: 300);
        QuantizedNetwork q = net.Quantize(data, 300);
        var floats = new float[300 * 10];
        var ints = new float[300 * 10];
        net.Forward(data, floats, 300);
        q.Forward(data, ints, 300);
        double worst = floats.Zip(ints, (a, b) => Math.Abs(a - b)).Max();
        int agree = Enumerable.Range(0, 300).Count(s => IndexOfMax(floats, s) == IndexOfMax(ints, s));
        Assert.True(worst < 0.05, $"largest probability difference {worst}");
        Assert.True(agree >= 285, $"{agree} of 300 predictions agree");
    }

    private static int IndexOfMax(float[] rows, int s) => Array.IndexOf(rows, rows.Skip(s * 10).Take(10).Max(), s * 10) - s * 10;

    [Fact]
    public void CalibrationRejectsBadInputsNamingTheProblem()
    {
        var (net, data) = Prepared(new QuantWide(), seed: 1, samples: 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Quantize(data, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Quantize(data, -1));
        var length = Assert.Throws<ArgumentException>(() => net.Quantize(data.AsSpan(1), 5));
        Assert.Contains("5 samples of 101", length.Message);
        Assert.Throws<ArgumentException>(() => net.Quantize(data, 4));

        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            float[] copy = (float[])data.Clone();
            copy[3 * 101 + 17] = bad;
            var error = Assert.Throws<ArgumentException>(() => net.Quantize(copy, 5));
            Assert.Contains("sample 3", error.Message);
            Assert.Contains("feature 17", error.Message);
        }
    }

    [Fact]
    public void ConstantInputsAndAllZeroLayersGetValidScales()
    {
        // Constant calibration inputs: one value per feature, the same in every sample.
        var (net, _) = Prepared(new QuantIdentityOutput(), seed: 2, samples: 1);
        float[] constant = Enumerable.Repeat(0.5f, 9 * 4).ToArray();
        QuantizedNetwork q = net.Quantize(constant, 4);
        AssertValid(q);
        var expected = new float[3];
        var actual = new float[3];
        net.Forward(constant.AsSpan(0, 9), expected);
        q.Forward(constant.AsSpan(0, 9), actual);
        for (int k = 0; k < 3; k++) Assert.True(Math.Abs(expected[k] - actual[k]) < 0.05, $"output {k}: {actual[k]} against {expected[k]}");

        // All-zero inputs: the input range is empty.
        QuantizedNetwork zeros = net.Quantize(new float[9 * 3], 3);
        AssertValid(zeros);
        Assert.Equal((1f, 0), (zeros.InputScale, zeros.InputZeroPoint));
        zeros.Forward(new float[9], actual);
        net.Forward(new float[9], expected);
        for (int k = 0; k < 3; k++) Assert.True(Math.Abs(expected[k] - actual[k]) < 0.05, $"output {k}: {actual[k]} against {expected[k]}");

        // A hidden ReLU layer that is 0 for every sample (all its weights and biases negative), and zero weight rows.
        var dead = new QuantReluOutput();
        dead.Initialize(4);
        dead.Parameters[..(12 * 9)].Fill(-0.5f);
        dead.Parameters.Slice(12 * 9, 12).Fill(-1f);
        var (_, data) = Prepared(new QuantReluOutput(), seed: 4, samples: 50);
        for (int i = 0; i < data.Length; i++) data[i] = Math.Abs(data[i]);
        QuantizedNetwork q2 = dead.Quantize(data, 50);
        AssertValid(q2);
        Assert.Equal((1f, 0), (q2.Layers[0].OutputScale, q2.Layers[0].OutputZeroPoint));
        Assert.All(q2.Layers[1].WeightScales.ToArray(), s => Assert.True(s > 0));
        q2.Forward(data.AsSpan(0, 9), actual);
        dead.Forward(data.AsSpan(0, 9), expected);
        Assert.Equal(expected, actual); // max(0, bias) on both sides, and the biases here are exact
        Assert.Equal(IntegerReference.Forward(q2, data.AsSpan(0, 9)), actual);
    }

    private static void AssertValid(QuantizedNetwork q)
    {
        foreach (var layer in q.Layers)
        {
            Assert.True(float.IsFinite(layer.InputScale) && layer.InputScale > 0, $"input scale {layer.InputScale}");
            Assert.InRange(layer.InputZeroPoint, 0, 127);
            Assert.All(layer.WeightScales.ToArray(), s => Assert.True(float.IsFinite(s) && s > 0, $"weight scale {s}"));
        }
    }

    [Fact]
    public void LaterChangesToTheFloatNetworkDoNotReachTheQuantizedOne()
    {
        var (net, data) = Prepared(new QuantWide(), seed: 5, samples: 20);
        QuantizedNetwork q = net.Quantize(data, 20);
        var before = new float[10];
        q.Forward(data.AsSpan(0, 101), before);
        net.Parameters.Fill(0.25f);
        var after = new float[10];
        q.Forward(data.AsSpan(0, 101), after);
        Assert.Equal(before, after);
    }

    [Fact]
    public void ForwardRejectsWrongSizes()
    {
        var (net, data) = Prepared(new QuantWide(), seed: 6, samples: 4);
        QuantizedNetwork q = net.Quantize(data, 4);
        Assert.Throws<ArgumentException>(() => q.Forward(new float[100], new float[10]));
        Assert.Throws<ArgumentException>(() => q.Forward(new float[101], new float[9]));
        Assert.Throws<ArgumentException>(() => q.Forward(new float[202], new float[20], 3));
        Assert.Throws<ArgumentException>(() => q.Forward(new float[202], new float[21], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => q.Forward(new float[0], new float[0], 0));
    }

    [Fact]
    public void ForwardAndPredictAllocateNothingAfterTheFirstCall()
    {
        var (net, data) = Prepared(new QuantWide(), seed: 8, samples: 64);
        QuantizedNetwork q = net.Quantize(data, 64);
        var one = new float[10];
        var many = new float[64 * 10];
        q.Forward(data.AsSpan(0, 101), one);
        q.Forward(data, many, 64);
        q.Predict(data.AsSpan(0, 101));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 10; k++)
        {
            q.Forward(data.AsSpan(0, 101), one);
            q.Forward(data, many, 64);
            q.Predict(data.AsSpan(101, 101));
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ConcurrentCallsGiveTheSameOutputsAsOneThread()
    {
        var (net, data) = Prepared(new QuantWide(), seed: 9, samples: 64);
        QuantizedNetwork q = net.Quantize(data, 64);
        var expected = new float[64 * 10];
        q.Forward(data, expected, 64);
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            var outputs = new float[64 * 10];
            for (int k = 0; k < 20; k++)
            {
                if (t % 2 == 0) q.Forward(data, outputs, 64);
                else
                    for (int s = 0; s < 64; s++) q.Forward(data.AsSpan(s * 101, 101), outputs.AsSpan(s * 10, 10));
                Assert.Equal(expected, outputs);
            }
        });
    }
}

using NetGen.Quantization;
using NetGen.Reference;

namespace NetGen.Tests.Quantization;

/// <summary>
/// Quantized convolutional networks: closeness to the float network (BatchNorm folded with its running statistics),
/// the layers that cannot be quantized refused by name, calibration edge cases, no allocation per call. Bit-exact
/// agreement with the integer reference is <see cref="QuantizationTests.ForwardMatchesTheIntegerReferenceBitForBit"/>'s
/// "cnn" rows.
/// </summary>
public class ConvolutionalQuantizationTests
{
    [Theory]
    [InlineData("cnn", 4)] // BatchNorm folded; MaxPool2D(3, Stride = 2) overlaps its windows, so it runs on its own
    [InlineData("cnn strided", 3)]
    [InlineData("cnn pooled", 2)] // each max pool inside its convolution
    [InlineData("cnn pooled 3", 1)]
    public void MaxPoolsRunInsideTheirConvolutionsWhereThePoolCanGoFirst(string name, int stages)
    {
        var (net, data) = QuantizationTests.Prepared(QuantizationTests.Create[name](), seed: 5, samples: 50);
        Assert.Equal(stages, net.Quantize(data, 50).SpatialStages);
    }

    [Theory]
    [InlineData("cnn")]
    [InlineData("cnn strided")]
    [InlineData("cnn pooled")]
    public void OutputsStayCloseToTheFloatNetwork(string name)
    {
        var (net, data) = QuantizationTests.Prepared(QuantizationTests.Create[name](), seed: 11, samples: 300);
        QuantizedNetwork q = net.Quantize(data, 300);
        int m = net.OutputSize;
        var floats = new float[300 * m];
        var ints = new float[300 * m];
        net.Forward(data, floats, 300);
        q.Forward(data, ints, 300);
        double worst = floats.Zip(ints, (a, b) => Math.Abs(a - b)).Max();
        int agree = Enumerable.Range(0, 300).Count(s => ArgMax(floats, s, m) == ArgMax(ints, s, m));
        Assert.True(worst < 0.08, $"{name}: largest output difference {worst}");
        Assert.True(agree >= 270, $"{name}: {agree} of 300 predictions agree");
    }

    private static int ArgMax(float[] rows, int s, int m)
    {
        int best = 0;
        for (int k = 1; k < m; k++) if (rows[s * m + k] > rows[s * m + best]) best = k;
        return best;
    }

    [Fact]
    public void TheLayersAreTheFoldedOnes()
    {
        var (net, data) = QuantizationTests.Prepared(new QuantCnn(), seed: 12, samples: 20);
        QuantizedNetwork q = net.Quantize(data, 20);
        Assert.Equal(
            [ReferenceLayerKind.Conv2D, ReferenceLayerKind.MaxPool2D, ReferenceLayerKind.Conv2D, ReferenceLayerKind.AvgPool2D, ReferenceLayerKind.Dense, ReferenceLayerKind.Dense],
            q.Layers.Select(l => l.Kind));
        QuantizedLayer conv = q.Layers[0];
        Assert.Equal((Activation.ReLU, 20, 2 * 3 * 3, 3, 1, 1), (conv.Activation, conv.Units, conv.Inputs, conv.KernelSize, conv.Stride, conv.Padding));
        Assert.Equal(new SampleShape(2, 11, 11), conv.InputShape);
        Assert.Equal(new SampleShape(20, 11, 11), conv.OutputShape);
        QuantizedLayer pool = q.Layers[1];
        Assert.Equal((new SampleShape(20, 5, 5), 0), (pool.OutputShape, pool.Weights.Length));
        Assert.Equal((conv.OutputScale, conv.OutputZeroPoint), (pool.OutputScale, pool.OutputZeroPoint));
        Assert.Equal((Activation.LeakyReLU, 0.1f, 68), (q.Layers[4].Activation, q.Layers[4].Alpha, q.Layers[4].Inputs));
        Assert.Equal(Requantization.Table, q.Layers[2].Requantization); // ELU
        Assert.Equal(q.Layers.Sum(l => l.Weights.Length), q.WeightBytes);
    }

    [Fact]
    public void BatchNormThatCannotBeFoldedIsRefusedNamingTheLayer()
    {
        var (unfoldable, data) = QuantizationTests.Prepared(new QuantCnnUnfoldable(), seed: 13, samples: 4);
        var error = Assert.Throws<NotSupportedException>(() => unfoldable.Quantize(data, 4));
        Assert.Contains("Layer 2 is a BatchNorm after layer 1 (Conv2D, ReLU)", error.Message);

        var (pooled, data2) = QuantizationTests.Prepared(new QuantCnnPoolNorm(), seed: 14, samples: 4);
        error = Assert.Throws<NotSupportedException>(() => pooled.Quantize(data2, 4));
        Assert.Contains("Layer 3 is a BatchNorm after layer 2 (MaxPool2D)", error.Message);
    }

    [Fact]
    public void ANetworkEndingInAConvolutionIsRefused()
    {
        var (net, data) = QuantizationTests.Prepared(new QuantCnnConvLast(), seed: 19, samples: 3);
        var error = Assert.Throws<NotSupportedException>(() => net.Quantize(data, 3));
        Assert.Contains("Layer 1 is Conv2D, the last layer", error.Message);
    }

    [Fact]
    public void CalibrationRejectsNaNNamingTheSample()
    {
        var (net, data) = QuantizationTests.Prepared(new QuantCnn(), seed: 15, samples: 6);
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity })
        {
            float[] copy = (float[])data.Clone();
            copy[4 * 242 + 130] = bad;
            var error = Assert.Throws<ArgumentException>(() => net.Quantize(copy, 6));
            Assert.Contains("sample 4", error.Message);
            Assert.Contains("feature 130", error.Message);
        }
    }

    [Fact]
    public void ConstantAndAllZeroInputsGetValidScales()
    {
        var (net, _) = QuantizationTests.Prepared(new QuantCnnStrided(), seed: 16, samples: 1);
        var expected = new float[3];
        var actual = new float[3];

        float[] constant = Enumerable.Repeat(0.75f, 169 * 3).ToArray();
        QuantizedNetwork q = net.Quantize(constant, 3);
        net.Forward(constant.AsSpan(0, 169), expected);
        q.Forward(constant.AsSpan(0, 169), actual);
        for (int k = 0; k < 3; k++) Assert.True(Math.Abs(expected[k] - actual[k]) < 0.05, $"constant: output {k} is {actual[k]} against {expected[k]}");
        Assert.Equal(IntegerReference.Forward(q, constant.AsSpan(0, 169)), actual);

        QuantizedNetwork zeros = net.Quantize(new float[169 * 2], 2);
        Assert.Equal((1f, 0), (zeros.InputScale, zeros.InputZeroPoint));
        foreach (var layer in zeros.Layers)
        {
            Assert.True(float.IsFinite(layer.InputScale) && layer.InputScale > 0, $"input scale {layer.InputScale}");
            Assert.All(layer.WeightScales.ToArray(), s => Assert.True(float.IsFinite(s) && s > 0));
        }
        net.Forward(new float[169], expected);
        zeros.Forward(new float[169], actual);
        for (int k = 0; k < 3; k++) Assert.True(Math.Abs(expected[k] - actual[k]) < 0.05, $"zeros: output {k} is {actual[k]} against {expected[k]}");
    }

    [Fact]
    public void ForwardAllocatesNothingAfterTheFirstCall()
    {
        var (net, data) = QuantizationTests.Prepared(new QuantCnn(), seed: 17, samples: 40);
        QuantizedNetwork q = net.Quantize(data, 40);
        var one = new float[4];
        var many = new float[40 * 4];
        q.Forward(data.AsSpan(0, 242), one);
        q.Forward(data, many, 40);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 5; k++)
        {
            q.Forward(data.AsSpan(0, 242), one);
            q.Forward(data, many, 40);
            q.Predict(data.AsSpan(242, 242));
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ConcurrentCallsGiveTheSameOutputsAsOneThread()
    {
        var (net, data) = QuantizationTests.Prepared(new QuantCnn(), seed: 18, samples: 24);
        QuantizedNetwork q = net.Quantize(data, 24);
        var expected = new float[24 * 4];
        q.Forward(data, expected, 24);
        Parallel.For(0, 6, new ParallelOptions { MaxDegreeOfParallelism = 3 }, t =>
        {
            var outputs = new float[24 * 4];
            for (int k = 0; k < 10; k++)
            {
                if (t % 2 == 0) q.Forward(data, outputs, 24);
                else
                    for (int s = 0; s < 24; s++) q.Forward(data.AsSpan(s * 242, 242), outputs.AsSpan(s * 4, 4));
                Assert.Equal(expected, outputs);
            }
        });
    }
}

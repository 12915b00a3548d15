using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NetGen.Onnx;
using NetGen.Quantization;
using Xunit.Abstractions;

namespace NetGen.Tests.Quantization;

/// <summary>
/// Quantized networks exported as QDQ ONNX models (MatMulInteger, ConvInteger, MaxPool on codes) run in ONNX Runtime and
/// agree with NetGen's int8 outputs.
/// </summary>
public class QuantizedOnnxTests(ITestOutputHelper output)
{
    private static float[] Run(QuantizedNetwork q, float[] x, int batch)
    {
        using var session = new InferenceSession(OnnxExporter.Export(q));
        var input = new DenseTensor<float>(x, [batch, q.InputSize]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
        return results.Single().AsEnumerable<float>().ToArray();
    }

    [Theory]
    [MemberData(nameof(QuantizationTests.Networks), MemberType = typeof(QuantizationTests))]
    public void OnnxRuntimeAgreesWithTheInt8Network(string name)
    {
        var (net, data) = QuantizationTests.Prepared(QuantizationTests.Create[name](), seed: 31, samples: 100);
        QuantizedNetwork q = net.Quantize(data, 100);
        var expected = new float[100 * q.OutputSize];
        q.Forward(data, expected, 100);
        float[] actual = Run(q, data, 100);
        double worst = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        int exact = expected.Zip(actual, (a, b) => Math.Abs(a - b) <= 1e-6f + 1e-6f * Math.Abs(a)).Count(e => e);
        output.WriteLine($"{name}: largest difference {worst:G3}; {exact} of {expected.Length} outputs equal to float rounding");
        AssertAgreement(q, expected, actual, name);
    }

    /// <summary>
    /// Inputs three times the calibrated range: codes beyond 127 must clip to 127 in the exported model as in NetGen
    /// (QuantizeLinear alone would saturate at 255).
    /// </summary>
    [Fact]
    public void OnnxRuntimeClipsCodesBeyondTheCalibratedRangeAsNetGenDoes()
    {
        var (net, data) = QuantizationTests.Prepared(QuantizationTests.Create["wide"](), seed: 32, samples: 100);
        QuantizedNetwork q = net.Quantize(data, 100);
        float[] wide = data.Select(v => 3 * v).ToArray();
        var expected = new float[100 * q.OutputSize];
        q.Forward(wide, expected, 100);
        AssertAgreement(q, expected, Run(q, wide, 100), "three times the range");
    }

    /// <summary>
    /// Nearly every output agrees to float rounding (the integer accumulators are the same; only the last layer's float
    /// arithmetic differs), and none by more than one step of the last layer's input codes through its largest weight,
    /// which a hidden code rounded the other way at a tie could cause.
    /// </summary>
    private static void AssertAgreement(QuantizedNetwork q, float[] expected, float[] actual, string name)
    {
        Assert.Equal(expected.Length, actual.Length);
        QuantizedLayer last = q.Layers[^1];
        double step = 0;
        for (int j = 0; j < last.Channels; j++) step = Math.Max(step, (double)last.InputScale * last.WeightScales[j] * 64);
        int exact = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs(expected[i] - actual[i]);
            Assert.True(difference <= step + 1e-5, $"{name}: output {i} is {actual[i]} in ONNX Runtime and {expected[i]} in NetGen (one step {step:G3})");
            if (difference <= 1e-5 + 1e-5 * Math.Abs(expected[i])) exact++;
        }
        Assert.True(exact >= expected.Length * 0.99, $"{name}: only {exact} of {expected.Length} outputs agree to float rounding");
    }

    [Fact]
    public void OnnxRuntimeAgreesOnTheDigits()
    {
        var (_, q, test) = MnistQuantizationTests.Quantized();
        float[] expected = new float[test.Count * 10];
        q.Forward(test.Features, expected, test.Count);
        float[] actual = Run(q, test.Features, test.Count);
        double worst = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        int exact = expected.Zip(actual, (a, b) => Math.Abs(a - b) <= 1e-6f + 1e-6f * Math.Abs(a)).Count(e => e);
        int same = Enumerable.Range(0, test.Count).Count(s => ArgMax(expected, s) == ArgMax(actual, s));
        output.WriteLine($"digits: largest difference {worst:G3}; {exact} of {expected.Length} outputs equal; {same} of {test.Count} predictions");
        AssertAgreement(q, expected, actual, "digits");
        Assert.True(same >= test.Count - 2, $"{same} of {test.Count} predictions agree");
    }

    [Fact]
    public void OnnxRuntimeAgreesOnTheDigitsCnn()
    {
        var (_, q, test) = MnistCnnQuantizationTests.Quantized();
        float[] expected = new float[test.Count * 10];
        q.Forward(test.Features, expected, test.Count);
        float[] actual = Run(q, test.Features, test.Count);
        double worst = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        int same = Enumerable.Range(0, test.Count).Count(s => ArgMax(expected, s) == ArgMax(actual, s));
        output.WriteLine($"digits CNN: largest difference {worst:G3}; {same} of {test.Count} predictions agree");
        AssertAgreement(q, expected, actual, "digits CNN");
        Assert.True(same >= test.Count - 2, $"{same} of {test.Count} predictions agree");
    }

    private static int ArgMax(float[] rows, int s)
    {
        int best = 0;
        for (int k = 1; k < 10; k++) if (rows[s * 10 + k] > rows[s * 10 + best]) best = k;
        return best;
    }
}

using NetGen.Data;
using NetGen.Tests.Generated;
using NetGen.Quantization;
using NetGen.Serialization;
using NetGen.Training;
using Xunit.Abstractions;

namespace NetGen.Tests.Quantization;

/// <summary>
/// The MNIST MLP (784-128-64-10, the EmbeddedDigits weights) quantized with 500 training digits for calibration, on the
/// 2,000 bundled test digits.
/// </summary>
public class MnistQuantizationTests(ITestOutputHelper output)
{
    private static string DigitsFile([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "..", "samples", "EmbeddedDigits", "digits.ngw"));

    internal static (LoadedMnistNet Net, QuantizedNetwork Quantized, Dataset Test) Quantized()
    {
        var net = new LoadedMnistNet();
        ModelFile.Load(net, DigitsFile());
        var (train, test) = Mnist.Load(Mnist.DefaultFolder);
        QuantizedNetwork quantized = net.Quantize(train.Features.AsSpan(0, 500 * 784), 500);
        return (net, quantized, test);
    }

    [Fact]
    public void QuantizedAccuracyIsWithinHalfAPointOfFloat()
    {
        var (net, quantized, test) = Quantized();
        Evaluation floats = Trainer.Evaluate(net.Freeze(), test), ints = Trainer.Evaluate(quantized, test);
        int same = 0;
        for (int i = 0; i < test.Count; i++)
            if (net.Predict(test.FeaturesOf(i)) == quantized.Predict(test.FeaturesOf(i))) same++;
        output.WriteLine($"float {floats.Accuracy:P2}, int8 {ints.Accuracy:P2} ({QuantizedNetwork.InstructionSet}); {same} of {test.Count} predictions agree; " +
            $"weights {quantized.WeightBytes} bytes int8 against {LoadedMnistNet.ParameterCount * 4} bytes float32 parameters");
        Assert.True(floats.Accuracy > 0.9f, $"float accuracy {floats.Accuracy:P2}");
        Assert.True(Math.Abs(floats.Accuracy - ints.Accuracy) <= 0.005f, $"float {floats.Accuracy:P2}, int8 {ints.Accuracy:P2}");
        Assert.True(same >= test.Count * 0.98, $"{same} of {test.Count} predictions agree");
        Assert.Equal(784 * 128 + 128 * 64 + 64 * 10, quantized.WeightBytes);

        // The whole test set through the batched path is bit-identical to the reference's sample-by-sample loops.
        var batched = new float[test.Count * 10];
        quantized.Forward(test.Features, batched, test.Count);
        for (int i = 0; i < test.Count; i += 13)
            Assert.Equal(IntegerReference.Forward(quantized, test.FeaturesOf(i)), batched.AsSpan(i * 10, 10).ToArray());
    }
}

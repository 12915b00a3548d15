using NetGen.Data;
using NetGen.Quantization;
using NetGen.Serialization;
using NetGen.Training;
using Xunit.Abstractions;

namespace NetGen.Tests.Quantization;

/// <summary>The digits CNN of samples/Mnist (--model cnn, seed 1), as samples/EmbeddedDigits/digits-cnn.ngw holds it.</summary>
[Network(Loss = LossFunction.CrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(16, 5, Activation.Identity, Padding = 2)]
[BatchNorm(Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(32, 5, Activation.Identity, Padding = 2)]
[BatchNorm(Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Dense(128, Activation.ReLU)]
[Dropout(0.3f)]
[Dense(10, Activation.Softmax)]
public partial class LoadedDigitsCnn;

/// <summary>
/// The trained digits CNN (BatchNorm folded into both convolutions) quantized with 300 training digits for calibration,
/// on the 2,000 bundled test digits.
/// </summary>
public class MnistCnnQuantizationTests(ITestOutputHelper output)
{
    private static string DigitsFile([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "..", "samples", "EmbeddedDigits", "digits-cnn.ngw"));

    internal static (LoadedDigitsCnn Net, QuantizedNetwork Quantized, Dataset Test) Quantized()
    {
        var net = new LoadedDigitsCnn();
        ModelFile.Load(net, DigitsFile());
        var (train, test) = Mnist.Load(Mnist.DefaultFolder);
        QuantizedNetwork quantized = net.Quantize(train.Features.AsSpan(0, 300 * 784), 300);
        return (net, quantized, test);
    }

    [Fact]
    public void QuantizedAccuracyIsWithinHalfAPointOfFloat()
    {
        var (net, quantized, test) = Quantized();
        Evaluation floats = Trainer.Evaluate(net.Freeze(), test), ints = Trainer.Evaluate(quantized, test);
        var floatOutputs = new float[test.Count * 10];
        var intOutputs = new float[test.Count * 10];
        net.Freeze().Forward(test.Features, floatOutputs, test.Count);
        quantized.Forward(test.Features, intOutputs, test.Count);
        int same = 0;
        for (int i = 0; i < test.Count; i++)
            if (ArgMax(floatOutputs, i) == ArgMax(intOutputs, i)) same++;
        output.WriteLine($"float {floats.Accuracy:P2}, int8 {ints.Accuracy:P2} ({QuantizedNetwork.InstructionSet}); {same} of {test.Count} predictions agree; " +
            $"weights {quantized.WeightBytes} bytes int8 against {LoadedDigitsCnn.ParameterCount * 4} bytes float32 parameters");
        Assert.True(floats.Accuracy > 0.98f, $"float accuracy {floats.Accuracy:P2}");
        Assert.True(Math.Abs(floats.Accuracy - ints.Accuracy) <= 0.005f, $"float {floats.Accuracy:P2}, int8 {ints.Accuracy:P2}");
        Assert.True(same >= test.Count * 0.99, $"{same} of {test.Count} predictions agree");
        Assert.Equal(16 * 25 + 32 * 16 * 25 + 32 * 7 * 7 * 128 + 128 * 10, quantized.WeightBytes);

        // Batched outputs are bit-identical to the reference's direct loops over the layout of the float network.
        for (int i = 0; i < test.Count; i += 97)
            Assert.Equal(IntegerReference.Forward(quantized, test.FeaturesOf(i)), intOutputs.AsSpan(i * 10, 10).ToArray());
    }

    /// <summary>
    /// The int8 file samples/EmbeddedDigits bakes with -p:Cnn=true -p:Int8=true (made by EmbeddedDigits.Training
    /// --quantize-cnn) loads, is this network's, and classifies the test digits within half a point of the float CNN.
    /// </summary>
    [Fact]
    public void TheBundledInt8CnnFileLoadsAndKeepsTheAccuracy()
    {
        string path = Path.Combine(Path.GetDirectoryName(DigitsFile())!, "digits-cnn-int8.ngw");
        QuantizedNetwork quantized = ModelFile.LoadQuantized(path);
        Assert.Equal(LoadedDigitsCnn.Architecture, quantized.Architecture);
        var (_, test) = Mnist.Load(Mnist.DefaultFolder);
        var net = new LoadedDigitsCnn();
        ModelFile.Load(net, DigitsFile());
        Evaluation floats = Trainer.Evaluate(net.Freeze(), test), ints = Trainer.Evaluate(quantized, test);
        output.WriteLine($"{Path.GetFileName(path)}: int8 {ints.Accuracy:P2}, float {floats.Accuracy:P2}");
        Assert.True(Math.Abs(floats.Accuracy - ints.Accuracy) <= 0.005f, $"float {floats.Accuracy:P2}, int8 {ints.Accuracy:P2}");
    }

    private static int ArgMax(float[] rows, int s)
    {
        int best = 0;
        for (int k = 1; k < 10; k++) if (rows[s * 10 + k] > rows[s * 10 + best]) best = k;
        return best;
    }
}

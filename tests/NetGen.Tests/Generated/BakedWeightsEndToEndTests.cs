using NetGen.Data;
using NetGen.Serialization;
using NetGen.Training;

namespace NetGen.Tests.Generated;

/// <summary>The 784-128-64-10 digit network of samples/EmbeddedDigits, its weights baked in through MSBuild's AdditionalFiles.</summary>
[Network(Loss = LossFunction.CrossEntropy, Weights = "digits.ngw")]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(64, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class BakedMnistNet;

/// <summary>The same declaration without Weights, loaded at run time with ModelFile.Load.</summary>
[Network(Loss = LossFunction.CrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(64, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class LoadedMnistNet;

/// <summary>
/// Baked weights end to end, through the real build: the generator runs as an analyzer on this project and reads
/// samples/EmbeddedDigits/digits.ngw from its AdditionalFiles.
/// </summary>
public class BakedWeightsEndToEndTests
{
    private static string DigitsFile([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "..", "samples", "EmbeddedDigits", "digits.ngw"));

    [Fact]
    public void ClassifyAgreesWithTheNetworkLoadedFromTheFileOnEveryTestDigit()
    {
        var loaded = new LoadedMnistNet();
        ModelFile.Load(loaded, DigitsFile());
        Assert.Equal(loaded.Parameters.ToArray(), BakedMnistNet.BakedParameters.ToArray());
        Assert.Equal(loaded.Parameters.ToArray(), new BakedMnistNet().Parameters.ToArray());

        var (_, test) = Mnist.Load(Mnist.DefaultFolder);
        var expected = new float[10];
        var actual = new float[10];
        int correct = 0;
        for (int i = 0; i < test.Count; i++)
        {
            loaded.Forward(test.FeaturesOf(i), expected);
            BakedMnistNet.Infer(test.FeaturesOf(i), actual);
            Assert.Equal(expected, actual);
            int predicted = BakedMnistNet.Classify(test.FeaturesOf(i));
            Assert.Equal(loaded.Predict(test.FeaturesOf(i)), predicted);
            if (test.TargetsOf(i)[predicted] == 1f) correct++;
        }
        Assert.Equal(Trainer.Evaluate(loaded, test).Accuracy, (float)correct / test.Count, 6);
        Assert.True(correct >= 0.9 * test.Count, $"{correct} of {test.Count}");
    }

    [Fact]
    public void InferAllocatesNothing()
    {
        var input = new float[784];
        var output = new float[10];
        BakedMnistNet.Infer(input, output);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            BakedMnistNet.Infer(input, output);
            BakedMnistNet.Classify(input);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

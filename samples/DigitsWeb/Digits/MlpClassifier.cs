using NetGen;

namespace DigitsWeb.Digits;

/// <summary>The 784-128-64-10 MLP with the parameters of samples/EmbeddedDigits/digits.ngw compiled in.</summary>
public sealed class MlpClassifier : IDigitClassifier
{
    public string Name => "MLP";
    public string Architecture => MnistNet.Architecture;
    public int ParameterCount => MnistNet.ParameterCount;
    public void Infer(ReadOnlySpan<float> pixels, Span<float> probabilities) => MnistNet.Infer(pixels, probabilities);
}

/// <summary>
/// 784 pixels → 128 ReLU → 64 ReLU → 10 softmax; the declaration of samples/EmbeddedDigits.Training, which trained
/// digits.ngw (the architecture strings must match or the build fails with NETGEN025).
/// </summary>
[Network(Loss = LossFunction.CrossEntropy, Weights = "digits.ngw")]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(64, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class MnistNet;

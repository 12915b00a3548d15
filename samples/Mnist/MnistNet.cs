namespace NetGen.Samples;

/// <summary>
/// The classic MNIST multilayer perceptron: 784 pixels, two ReLU hidden layers of 128 and 64 units, and a softmax
/// over the ten classes, trained on cross-entropy. NetGen generates the rest of this class.
/// </summary>
[Network(Loss = LossFunction.CrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(64, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class MnistNet;

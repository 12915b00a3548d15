using NetGen;

namespace NetGen.Benchmarks;

/// <summary>XOR 2-4-1.</summary>
[Network(Loss = LossFunction.BinaryCrossEntropy)]
[Input(2)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
public partial class XorNet;

/// <summary>The MNIST MLP 784-128-64-10.</summary>
[Network(Loss = LossFunction.CrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(64, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class MnistNet;

/// <summary>The wide MLP 784-512-512-10.</summary>
[Network(Loss = LossFunction.CrossEntropy)]
[Input(784)]
[Dense(512, Activation.ReLU)]
[Dense(512, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class WideNet;

/// <summary>
/// The digits CNN of issue 24's speed targets, without batch norm or dropout (PyTorch: Conv(1→16, 5, pad 2)-ReLU-MaxPool 2-
/// Conv(16→32, 5, pad 2)-ReLU-MaxPool 2-Flatten-Linear 128-ReLU-Linear 10). Multiply-adds per sample: conv1
/// 16·784·25 = 313,600; conv2 32·196·400 = 2,508,800; dense 1568·128 = 200,704; dense 128·10 = 1,280.
/// </summary>
[Network(Loss = LossFunction.CrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(16, 5, Activation.ReLU, Padding = 2)]
[MaxPool2D(2)]
[Conv2D(32, 5, Activation.ReLU, Padding = 2)]
[MaxPool2D(2)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class CnnNet;

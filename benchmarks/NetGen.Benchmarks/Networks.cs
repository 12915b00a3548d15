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

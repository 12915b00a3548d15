namespace NetGen.Tests.Onnx;

/// <summary>Every activation, maxout and dropout in one network, for the ONNX export check.</summary>
[Network(Loss = LossFunction.CrossEntropy)]
[Input(7)]
[Dense(9, Activation.LeakyReLU, Alpha = 0.2f)]
[Maxout(6, 3)]
[Dense(5, Activation.ELU, Alpha = 0.7f)]
[Dropout(0.3f)]
[Dense(8, Activation.Sigmoid)]
[Dense(6, Activation.Tanh)]
[Dense(5, Activation.ReLU)]
[Dense(4)]
[Dense(3, Activation.Softmax)]
public partial class EveryLayer;

#pragma warning disable NETGEN101 // Step on purpose: its export must be checked
[Network]
[Input(4)]
[Dense(6, Activation.Step)]
[Dense(2)]
public partial class StepLayer;
#pragma warning restore NETGEN101

[Network(Loss = LossFunction.CrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(64, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class DigitsForOnnx;
